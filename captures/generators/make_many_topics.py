#!/usr/bin/env python3
"""Write a synthetic broker-side MQTT capture with many distinct topics, for `stats`.

    python3 captures/generators/make_many_topics.py OUT [--topics 1000000] [--subscribers 2] [--missing 0]

Standard library only; same arguments -> byte-identical file (classic microsecond pcap, Ethernet /
IPv4 / TCP, server 127.0.0.1:1883; the segment writer is make_benchmark.py's). One publisher
connection publishes one QoS 0 message on each topic `t/<i>/<j>` (i = n mod 1000), and the broker
delivers it to every subscriber (each subscribed to `t/#`) 20 µs later. `--missing K` makes the
broker skip its delivery to the last subscriber for the first K publishes: a broker that failed to
deliver (what `stats` must report as expected but not seen). Memory of `stats` over the
1,000,000-topic file stays bounded by --max-topics.
"""
from __future__ import annotations

import argparse
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_benchmark import ACK, FIN, PSH, SYN, Conn, Writer, utf8, varint  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description="MQTT capture with many distinct topics")
    ap.add_argument("out")
    ap.add_argument("--topics", type=int, default=1_000_000)
    ap.add_argument("--subscribers", type=int, default=2)
    ap.add_argument("--missing", type=int, default=0)
    args = ap.parse_args()

    rng = random.Random(7)
    w = Writer(64 << 20)
    conns = [Conn(n, rng) for n in range(1 + args.subscribers)]
    pub, subs = conns[0], conns[1:]

    def send(c: Conn, from_client: bool, data: bytes) -> None:
        w.packet(c, from_client, PSH | ACK, data)

    for c in conns:
        w.packet(c, True, SYN, b"")
        w.packet(c, False, SYN | ACK, b"")
        w.packet(c, True, ACK, b"")
        body = utf8(b"MQTT") + bytes([4, 0x02]) + struct.pack(">H", 60) + utf8(f"many-{c.n}".encode())
        send(c, True, b"\x10" + varint(len(body)) + body)
        send(c, False, b"\x20\x02\x00\x00")
    for c in subs:
        body = struct.pack(">H", 1) + utf8(b"t/#") + b"\x00"
        send(c, True, b"\x82" + varint(len(body)) + body)
        send(c, False, b"\x90\x03\x00\x01\x00")
    for n in range(args.topics):
        body = utf8(f"t/{n % 1000}/{n}".encode()) + b"v=%d" % n
        pdu = b"\x30" + varint(len(body)) + body
        send(pub, True, pdu)
        w.ts_us += 20
        for k, c in enumerate(subs):
            if k == len(subs) - 1 and n < args.missing:
                continue
            send(c, False, pdu)
    for c in conns:
        send(c, True, b"\xe0\x00")
        w.packet(c, True, FIN | ACK, b"")
        w.packet(c, False, FIN | ACK, b"")
        w.packet(c, True, ACK, b"")

    with open(args.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        f.write(memoryview(w.buf)[:w.pos])


if __name__ == "__main__":
    main()
