#!/usr/bin/env python3
"""Hostile variants of the real TLS captures in captures/tls/, written to captures/tls/hostile/.

    python3 captures/generators/make_tls_hostile.py [--tls-dir captures/tls]

Standard library only (pcaplib), deterministic: the same sources give byte-identical output.
Packets that are rewritten get valid IPv4/TCP checksums; the others are copied unchanged.
Besides the files it writes hostile/manifest.json (capture + key log pairs, read by
tls_expected.py) and hostile/MANIFEST.md (what each variant is, with frame numbers and
stream offsets computed from the sources at generation time).

Variants (each from a real capture, read with that capture's own key log unless stated):
  missing-record   a client->server TCP segment holding exactly one whole application_data
                   record after the handshake is dropped: a TCP gap of one TLS record; the
                   records after it were encrypted with later sequence numbers (TLS 1.3 and 1.2)
  bad-tag          the last byte of one server->client application_data record (inside the
                   AEAD authentication tag) is flipped: that record must fail to authenticate
  other-session    the capture read with the key log of another session (no CLIENT_RANDOM
                   matches: no keys for this connection)
  wrong-secrets    the capture's own client random with another session's secrets: keys are
                   found but every record fails to authenticate
  truncated-hello  the ClientHello's frame cut to 60 bytes of TLS (snap length): caplen < wire
                   length, the rest of the connection unchanged
  no-hello         the capture starts after the handshake (every frame of the connection up
                   to the client's first application_data record removed): no ClientHello
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcaplib as P  # noqa: E402

TLS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tls")
HANDSHAKE, APPLICATION_DATA = 22, 23
MANIFEST: list[dict] = []


def load(tls_dir: str, name: str) -> tuple[P.Capture, list[P.Frame]]:
    cap = P.read_capture(os.path.join(tls_dir, name))
    return cap, P.decode(cap)


def server_port(frames: list[P.Frame]) -> int:
    syn = next(f.seg for f in frames if f.seg and f.seg.flags & P.TCP_SYN and not f.seg.flags & P.TCP_ACK)
    return syn.dport


def pieces(frames: list[P.Frame], from_client: bool, port: int) -> list[tuple[int, int, bytes]]:
    """(frame index, stream offset, payload) of one direction's data segments (one connection,
    no retransmissions: true of these loopback captures)."""
    out, base = [], None
    for i, f in enumerate(frames):
        s = f.seg
        if s is None or (s.dport == port) != from_client:
            continue
        if s.flags & P.TCP_SYN:
            base = s.seq + 1
            continue
        if s.payload:
            out.append((i, (s.seq - base) & 0xFFFFFFFF, s.payload))
    return out


def records(data: bytes) -> list[tuple[int, int, int]]:
    """(offset, content type, total length incl. the 5-byte header) of each complete record."""
    out, off = [], 0
    while off + 5 <= len(data):
        length = int.from_bytes(data[off + 3:off + 5], "big")
        if off + 5 + length > len(data):
            break
        out.append((off, data[off], 5 + length))
        off += 5 + length
    return out


def single_record_segments(frames, from_client, port) -> list[tuple[int, int, int]]:
    """(frame index, stream offset, record index) of segments that hold exactly one whole
    application_data record and nothing else."""
    ps = pieces(frames, from_client, port)
    stream = b"".join(p for _, _, p in ps)
    recs = records(stream)
    starts = {off: (n, typ, ln) for n, (off, typ, ln) in enumerate(recs)}
    out = []
    for i, off, payload in ps:
        rec = starts.get(off)
        if rec and rec[1] == APPLICATION_DATA and rec[2] == len(payload):
            out.append((i, off, rec[0]))
    return out


def emit(tls_dir, name, cap, frames_or_packets, source, keys, what):
    packets = [f.packet() if isinstance(f, P.Frame) else f for f in frames_or_packets]
    P.write_pcap(os.path.join(tls_dir, "hostile", name), cap.linktype, packets, cap.snaplen)
    MANIFEST.append({"capture": f"hostile/{name}", "keys": keys, "source": source, "frames": len(packets),
                     "what": what})


def missing_record(tls_dir, source, out):
    cap, frames = load(tls_dir, source)
    port = server_port(frames)
    # The third whole-segment application_data record from the client: in TLS 1.3 the first
    # is the encrypted Finished, then CONNECT; in TLS 1.2 CONNECT, SUBSCRIBE.
    i, off, n = single_record_segments(frames, True, port)[2]
    kept = [f for k, f in enumerate(frames) if k != i]
    emit(tls_dir, out, cap, kept, source, source.replace(".pcap", ".keys"),
         f"frame {i + 1} dropped: client->server TLS record #{n} (application_data, "
         f"{len(frames[i].seg.payload)} bytes) at client stream offset {off}; a one-record TCP gap, "
         "the records after it carry later sequence numbers")


def bad_tag(tls_dir, source, out):
    cap, frames = load(tls_dir, source)
    port = server_port(frames)
    i, off, n = single_record_segments(frames, False, port)[2]
    seg = frames[i].seg
    payload = bytearray(seg.payload)
    payload[-1] ^= 0x01
    frames[i].seg = seg.copy(payload=bytes(payload))
    frames[i].dirty = True
    emit(tls_dir, out, cap, frames, source, source.replace(".pcap", ".keys"),
         f"frame {i + 1}: last byte of server->client TLS record #{n} (application_data, "
         f"{len(payload)} bytes, at server stream offset {off}) XOR 0x01: the authentication tag "
         "no longer matches; the records before and after are intact")


def keylog_variants(tls_dir, source, other):
    """A key log of another session, and this session's client random with another's secrets."""
    with open(os.path.join(tls_dir, other.replace(".pcap", ".keys"))) as f:
        other_lines = [ln.split() for ln in f if ln.strip() and not ln.startswith("#")]
    with open(os.path.join(tls_dir, source.replace(".pcap", ".keys"))) as f:
        own = [ln.split() for ln in f if ln.strip() and not ln.startswith("#")]
    base = source.replace(".pcap", "")
    name = f"{base}.other-session.keys"
    with open(os.path.join(tls_dir, "hostile", name), "w") as f:
        f.write("".join(" ".join(parts) + "\n" for parts in other_lines))
    MANIFEST.append({"capture": source, "keys": f"hostile/{name}", "source": other, "frames": None,
                     "what": f"the key log of {other} (another session, other client random): "
                             f"no keys for {source}"})
    secrets = {label: secret for label, _, secret in other_lines}
    name = f"{base}.wrong-secrets.keys"
    with open(os.path.join(tls_dir, "hostile", name), "w") as f:
        f.write("".join(f"{label} {random} {secrets[label]}\n" for label, random, _ in own))
    MANIFEST.append({"capture": source, "keys": f"hostile/{name}", "source": f"{source}, {other}",
                     "frames": None,
                     "what": f"{source}'s client random with the secrets of {other} (same hash "
                             "length): keys found, every record fails to authenticate"})


def truncated_hello(tls_dir, source, out, keep=60):
    cap, frames = load(tls_dir, source)
    port = server_port(frames)
    i, _, payload = pieces(frames, True, port)[0]
    assert payload[0] == HANDSHAKE and payload[5] == 1, "first client data is not a ClientHello"
    packets = [f.packet() for f in frames]
    p = packets[i]
    cut = len(p.data) - len(payload) + keep
    packets[i] = P.Packet(p.ts_ns, p.data[:cut], p.orig_len)
    emit(tls_dir, out, cap, packets, source, source.replace(".pcap", ".keys"),
         f"frame {i + 1} (the ClientHello, {len(payload)} bytes of TLS) captured to its first {keep} "
         f"bytes of TLS only (caplen {cut} < wire length {p.orig_len}); the rest unchanged")


def no_hello(tls_dir, source, out):
    cap, frames = load(tls_dir, source)
    port = server_port(frames)
    ps = pieces(frames, True, port)
    stream = b"".join(p for _, _, p in ps)
    first_app = next(off for off, typ, _ in records(stream) if typ == APPLICATION_DATA)
    start = next(i for i, off, p in ps if off <= first_app < off + len(p))
    # Keep the segment that starts the first application_data record only if it starts there.
    i0, off0, _ = next(x for x in ps if x[0] == start)
    first = start if off0 == first_app else start + 1
    kept = frames[first:]
    emit(tls_dir, out, cap, kept, source, source.replace(".pcap", ".keys"),
         f"frames 1-{first} removed (SYN, ClientHello, ServerHello ... up to the client's first "
         f"application_data record at client stream offset {first_app}): the capture starts "
         "mid-connection, keys present but no handshake seen")


def write_manifest(tls_dir):
    with open(os.path.join(tls_dir, "hostile", "manifest.json"), "w") as f:
        json.dump(MANIFEST, f, indent=1, sort_keys=True)
        f.write("\n")
    lines = ["# TLS hostile variants (written by captures/generators/make_tls_hostile.py)", "",
             "Paths are relative to captures/tls/. Read each capture with the key log named beside it.", "",
             "| capture | key log | source | what |", "|---|---|---|---|"]
    for m in MANIFEST:
        lines.append(f"| `{m['capture']}` | `{m['keys']}` | {m['source']} | {m['what']} |")
    with open(os.path.join(tls_dir, "hostile", "MANIFEST.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tls-dir", default=TLS_DIR)
    d = ap.parse_args().tls_dir
    os.makedirs(os.path.join(d, "hostile"), exist_ok=True)
    t13, t12 = "tls13-aes128gcm-mqtt311.pcap", "tls12-ecdhe-aes128gcm-mqtt311.pcap"
    missing_record(d, t13, "tls13-missing-record.pcap")
    missing_record(d, t12, "tls12-missing-record.pcap")
    bad_tag(d, t13, "tls13-bad-tag.pcap")
    bad_tag(d, t12, "tls12-bad-tag.pcap")
    keylog_variants(d, t13, "tls13-chacha20-mqtt311.pcap")
    keylog_variants(d, t12, "tls12-ecdhe-chacha20-mqtt311.pcap")
    truncated_hello(d, t13, "tls13-truncated-clienthello.pcap")
    no_hello(d, t13, "tls13-no-clienthello.pcap")
    write_manifest(d)
    print(f"make_tls_hostile: wrote {len(MANIFEST)} variants to {os.path.join(d, 'hostile')}")


if __name__ == "__main__":
    main()
