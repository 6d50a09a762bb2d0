#!/usr/bin/env python3
"""Replay a capture's sessions as if taken elsewhere: another host, other ports, another order.

    replay_elsewhere.py IN OUT [--port-offset N]

Every TCP connection of IN is written to OUT (classic pcap, same link type) with
  * each address replaced: IPv4 a.b.c.d -> 10.99.c.d, IPv6 with its first 8 bytes set to fd99::,
  * each port moved by --port-offset (default 10000; modulo 65536, never 0),
  * the connections in the reverse order of their first frame, one after the other: each keeps its
    own frames' order and the time between them (so timing rules judge the same gaps).
Payload bytes are untouched; IP and TCP checksums are recomputed. Frames that are not TCP are
dropped. mqscope's baseline test (CheckBaselineTests) checks that `check` gives the same
fingerprints for IN and OUT: a fingerprint carries no address, port or packet position.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcaplib  # noqa: E402


def move_address(a: bytes) -> bytes:
    if len(a) == 4:
        return bytes([10, 99]) + a[2:]
    return bytes([0xFD, 0x99, 0, 0, 0, 0, 0, 0]) + a[8:]


def move_port(p: int, offset: int) -> int:
    q = (p + offset) % 65536
    return q if q != 0 else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--port-offset", type=int, default=10000)
    args = ap.parse_args()

    cap = pcaplib.read_capture(args.input)
    frames = pcaplib.decode(cap)
    conns = pcaplib.connections(frames)
    # Reverse order of first appearance; each connection starts 1 s after the previous one ends.
    order = sorted(conns.values(), key=lambda idx: idx[0], reverse=True)
    start = min((f.ts_ns for f in frames), default=0)
    out: list[pcaplib.Packet] = []
    for idx in order:
        first = frames[idx[0]].ts_ns
        last = start
        for i in idx:
            f = frames[i]
            s = f.seg
            f.seg = s.copy(src=move_address(s.src), dst=move_address(s.dst),
                           sport=move_port(s.sport, args.port_offset), dport=move_port(s.dport, args.port_offset))
            f.dirty = True
            f.ts_ns = start + (f.ts_ns - first)
            last = max(last, f.ts_ns)
            out.append(f.packet())
        start = last + 1_000_000_000
    pcaplib.write_pcap(args.output, cap.linktype, out, cap.snaplen, nanosecond=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
