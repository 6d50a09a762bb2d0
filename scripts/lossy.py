#!/usr/bin/env python3
"""Drop a share of the TCP data segments of a capture (a lossy SPAN port), or shuffle their order.

    python3 scripts/lossy.py IN OUT --drop 0.05 [--seed 1]
    python3 scripts/lossy.py IN OUT --shuffle [--seed 1]
    python3 scripts/lossy.py --compare [--drop 0.01 0.05 0.2] [--shuffle] [--mqscope PATH] CAPTURE...

Standard library only (captures/generators/pcaplib reads pcap and pcapng, writes pcap),
deterministic for a seed. Only segments that carry payload are dropped or moved: SYN, FIN
and RST segments and pure ACKs stay, so connections keep their shape and the loss shows as
gaps. `--shuffle` moves each data segment to a random place within its connection's data
segments (timestamps stay in capture order: only the payloads travel).

`--compare` writes the lossy variants of each capture to a temporary directory, runs on the
original and on each variant every output that shows findings — `check --format json`, and
`read` as text, with `-V`, `--format json` and `--format ndjson` — and prints per capture,
variant and output the errors and warnings whose (rule, severity) the lossless capture does
not have in that output: the honesty test of issue 12 (a gap makes rules unverifiable, never
violated). `--outputs` picks some of check, read, read-V, read-json, read-ndjson.
Exit status 1 when any variant has such a finding.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "captures", "generators"))
import pcaplib as P  # noqa: E402


def data_indices(frames: list[P.Frame]) -> list[int]:
    return [i for i, f in enumerate(frames)
            if f.seg is not None and f.seg.payload and not f.seg.flags & (P.TCP_SYN | P.TCP_FIN | P.TCP_RST)]


def make_variant(src: str, dst: str, drop: float | None, shuffle: bool, seed: int) -> int:
    """Writes the variant; returns how many segments were dropped or moved."""
    cap = P.read_capture(src)
    frames = P.decode(cap)
    rng = random.Random(seed)
    data = data_indices(frames)
    packets = [p for p in cap.packets]
    changed = 0
    if drop is not None:
        gone = {i for i in data if rng.random() < drop}
        packets = [p for i, p in enumerate(packets) if i not in gone]
        changed = len(gone)
    if shuffle:
        by_conn: dict[tuple, list[int]] = collections.defaultdict(list)
        for i in data:
            by_conn[frames[i].seg.key].append(i)
        new = list(packets)
        for idxs in by_conn.values():
            moved = idxs[:]
            rng.shuffle(moved)
            for at, take in zip(idxs, moved):
                if at != take:
                    changed += 1
                # Keep the slot's timestamp; carry the other segment's bytes.
                new[at] = P.Packet(packets[at].ts_ns, packets[take].data, packets[take].orig_len)
        packets = new
    P.write_pcap(dst, cap.linktype, packets, snaplen=cap.snaplen, nanosecond=True)
    return changed


OUTPUTS = {
    "check": ["check", "--format", "json", "--fail-on", "never"],
    "read": ["read"],
    "read-V": ["read", "-V"],
    "read-json": ["read", "--format", "json"],
    "read-ndjson": ["read", "--format", "ndjson"],
}
# A finding line of `read`'s text: "! error RULE …" (decode-time findings; stream events have no severity there).
TEXT_FINDING = re.compile(r"^\s+! (error|warning) (\S+)")


def findings(mqscope: str, path: str, output: str = "check") -> collections.Counter:
    r = subprocess.run([mqscope] + OUTPUTS[output] + [path], capture_output=True, text=True, timeout=300)
    got: collections.Counter = collections.Counter()
    if output == "check":
        items = json.loads(r.stdout)["findings"]
    elif output == "read-json":
        doc = json.loads(r.stdout)
        items = [f for file in doc["files"] for p in file["packets"] for f in p.get("findings", [])]
        items += [e for file in doc["files"] for e in file["stream_events"]]
    elif output == "read-ndjson":
        items = []
        for line in r.stdout.splitlines():
            o = json.loads(line)
            items += o.get("findings", []) if o.get("kind") == "packet" else [o] if o.get("kind") == "stream_event" else []
    else:
        for line in r.stdout.splitlines():
            m = TEXT_FINDING.match(line)
            if m:
                got[(m.group(2), m.group(1))] += 1
        return got
    got.update((f["rule"], f["severity"]) for f in items if f["severity"] in ("error", "warning"))
    return got


def compare(args) -> int:
    mqscope = args.mqscope or os.path.join(HERE, "..", ".build", "debug", "mqscope")
    variants = [(f"drop {d:.0%}", d, False) for d in args.drop] + ([("shuffled", None, True)] if args.shuffle else [])
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for cap in args.files:
            base = {o: findings(mqscope, cap, o) for o in args.outputs}
            for name, d, sh in variants:
                out = os.path.join(tmp, "variant.pcap")
                n = make_variant(cap, out, d, sh, args.seed)
                for o in args.outputs:
                    got = findings(mqscope, out, o)
                    new = {k: v for k, v in got.items() if k not in base[o]}
                    bad += sum(new.values())
                    summary = ", ".join(f"{r} {s} x{v}" for (r, s), v in sorted(new.items())) or "none"
                    print(f"{os.path.basename(cap)}\t{name}\t{n} segments\t{o}\tnew errors/warnings: {sum(new.values())}\t{summary}")
    return 1 if bad else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*")
    ap.add_argument("--drop", type=float, nargs="*")
    ap.add_argument("--shuffle", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--compare", action="store_true")
    ap.add_argument("--mqscope")
    ap.add_argument("--outputs", nargs="*", choices=sorted(OUTPUTS), default=list(OUTPUTS))
    a = ap.parse_args()
    if a.compare:
        a.drop = a.drop if a.drop is not None else [0.01, 0.05, 0.2]
        sys.exit(compare(a))
    if len(a.files) != 2 or (not a.drop and not a.shuffle):
        ap.error("give IN OUT and --drop RATE or --shuffle")
    n = make_variant(a.files[0], a.files[1], a.drop[0] if a.drop else None, a.shuffle, a.seed)
    print(f"{a.files[1]}: {n} data segments {'dropped' if a.drop else 'moved'}")


if __name__ == "__main__":
    main()
