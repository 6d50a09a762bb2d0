#!/usr/bin/env python3
"""Write a large, deterministic, synthetic MQTT capture for benchmarks.

    python3 captures/generators/make_benchmark.py OUT SIZE_MB [--connections 2000] [--seed 1]

Standard library only. Same arguments -> byte-identical file. The output is a
classic little-endian microsecond pcap, Ethernet / IPv4 / TCP (no options),
server 127.0.0.1:1883, clients 127.1.x.y:ephemeral (loopback addresses only).

Traffic model: `--connections` connections are open at any time, interleaved
exchange by exchange in a seeded random order. Each connection does the TCP
handshake, CONNECT/CONNACK (MQTT 3.1.1 or 5.0, about half each; 5.0 CONNECT and
PUBLISH carry properties), SUBSCRIBE/SUBACK, then 50..400 exchanges: client
PUBLISH QoS 0 (sometimes 2-3 PDUs coalesced in one segment), QoS 1 with PUBACK,
QoS 2 with PUBREC/PUBREL/PUBCOMP, server-to-client deliveries with acks,
PINGREQ/PINGRESP; then DISCONNECT and a FIN/ACK close; a fresh connection
(next client port) replaces it. Payloads are 10..2000 bytes; PDUs larger than
the 1448-byte MSS span segments, and 1 in 20 sends is split at a random point.
Sequence and acknowledgement numbers are consistent (every segment ACKs all the
peer has sent). IPv4 header checksums are valid; TCP checksums are left 0 (not
computed, for speed). When SIZE_MB is reached, all open connections are closed
cleanly, so the file ends slightly above SIZE_MB.

Speed: headers are written with precompiled struct.pack_into calls into one
preallocated bytearray; 500 MB takes about a minute on the project machine
(see captures/README.md for the measured time).
"""
from __future__ import annotations

import argparse
import random
import struct
import sys
import time

MSS = 1448
SERVER_IP = bytes([127, 0, 0, 1])
SERVER_PORT = 1883
REC = struct.Struct("<IIII")
# Ethernet (dst, src, type) + IPv4 (20 bytes) + TCP (20 bytes), big-endian.
HDR = struct.Struct(">6s6sH" "BBHHHBBH4s4s" "HHIIBBHHH")
HDR_LEN = 16 + HDR.size  # record header + link/IP/TCP headers
MAC_SERVER = bytes.fromhex("020000000001")
MAC_CLIENT = bytes.fromhex("020000000002")
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8(s: bytes) -> bytes:
    return struct.pack(">H", len(s)) + s


class Writer:
    def __init__(self, target: int):
        self.buf = bytearray(target + (16 << 20))
        self.pos = 0
        self.ts_us = 1_700_000_000 * 1_000_000
        self.ip_id = 0
        self.packets = 0

    def packet(self, conn: "Conn", from_client: bool, flags: int, payload: bytes) -> None:
        n = len(payload)
        end = self.pos + HDR_LEN + n
        if end > len(self.buf):
            self.buf.extend(bytes(max(n + HDR_LEN, 16 << 20)))
        self.ts_us += 7 + (n >> 6)
        sec, usec = divmod(self.ts_us, 1_000_000)
        frame_len = 54 + n
        REC.pack_into(self.buf, self.pos, sec, usec, frame_len, frame_len)
        self.ip_id = (self.ip_id + 1) & 0xFFFF
        total = 40 + n
        if from_client:
            src, dst, sport, dport = conn.ip, SERVER_IP, conn.port, SERVER_PORT
            seq, ack = conn.c_nxt, conn.s_nxt
            smac, dmac, csum_base = MAC_CLIENT, MAC_SERVER, conn.csum_base
        else:
            src, dst, sport, dport = SERVER_IP, conn.ip, SERVER_PORT, conn.port
            seq, ack = conn.s_nxt, conn.c_nxt
            smac, dmac, csum_base = MAC_SERVER, MAC_CLIENT, conn.csum_base
        # IPv4 header checksum: constant words (per connection) + total length + id, folded.
        s = csum_base + total + self.ip_id
        s = (s & 0xFFFF) + (s >> 16)
        s = (s & 0xFFFF) + (s >> 16)
        HDR.pack_into(self.buf, self.pos + 16, dmac, smac, 0x0800,
                      0x45, 0, total, self.ip_id, 0x4000, 64, 6, (~s) & 0xFFFF, src, dst,
                      sport, dport, seq, ack if flags & ACK else 0, 0x50, flags, 65535, 0, 0)
        if n:
            self.buf[self.pos + HDR_LEN:end] = payload
        self.pos = end
        self.packets += 1
        used = n + (1 if flags & (SYN | FIN) else 0)
        if from_client:
            conn.c_nxt = (conn.c_nxt + used) & 0xFFFFFFFF
        else:
            conn.s_nxt = (conn.s_nxt + used) & 0xFFFFFFFF


class Conn:
    __slots__ = ("ip", "port", "c_nxt", "s_nxt", "csum_base", "v5", "pid", "left", "n")

    def __init__(self, n: int, rng: random.Random):
        self.n = n
        self.ip = bytes([127, 1, (n >> 8) & 0xFF, n & 0xFF])
        self.port = 10000 + (n >> 16)  # (address, port) unique for every connection
        self.c_nxt = rng.getrandbits(32)
        self.s_nxt = rng.getrandbits(32)
        # Sum of the IPv4 header words that do not change per packet (checksum field = 0).
        words = struct.unpack(">10H", struct.pack(">BBHHHBBH4s4s", 0x45, 0, 0, 0, 0x4000, 64, 6, 0,
                                                  self.ip, SERVER_IP))
        self.csum_base = sum(words)
        self.v5 = rng.random() < 0.5
        self.pid = 0
        self.left = rng.randint(50, 400)

    def next_pid(self) -> int:
        self.pid = self.pid % 65535 + 1
        return self.pid


class Generator:
    def __init__(self, target: int, connections: int, seed: int):
        self.rng = random.Random(seed)
        self.w = Writer(target)
        self.target = target
        self.pool = bytes(self.rng.getrandbits(8) for _ in range(1 << 16))
        self.topics = [f"site/{s}/device/{d}/telemetry".encode() for s in range(8) for d in range(32)]
        self.next_conn = 0
        self.active = [self.open_conn() for _ in range(connections)]

    # -- sending ---------------------------------------------------------------
    def send(self, c: Conn, from_client: bool, data: bytes) -> None:
        """Send application bytes: MSS-sized segments, sometimes split at a random point."""
        rng = self.rng
        if len(data) > 8 and rng.random() < 0.05:
            # Cut after the fixed header (tshark 4.0 cannot reassemble a PDU whose
            # remaining-length varint is split; the hostile many-segments file covers that).
            cut = rng.randint(5, len(data) - 1)
            chunks = [data[:cut], data[cut:]]
        else:
            chunks = [data]
        for chunk in chunks:
            for off in range(0, len(chunk), MSS):
                self.w.packet(c, from_client, PSH | ACK, chunk[off:off + MSS])

    def payload(self) -> bytes:
        n = self.rng.randint(10, 2000)
        start = self.rng.randint(0, len(self.pool) - n)
        return self.pool[start:start + n]

    def publish(self, c: Conn, qos: int, pid: int) -> bytes:
        topic = self.topics[self.rng.randrange(len(self.topics))]
        body = utf8(topic)
        if qos:
            body += struct.pack(">H", pid)
        if c.v5:
            # Message Expiry Interval (0x02) + Payload Format Indicator (0x01).
            body += b"\x07\x02\x00\x00\x00\x3c\x01\x00" if qos else b"\x00"
        body += self.payload()
        return bytes([0x30 | (qos << 1)]) + varint(len(body)) + body

    def ack_pdu(self, c: Conn, ptype: int, pid: int) -> bytes:
        return bytes([ptype]) + b"\x02" + struct.pack(">H", pid)

    # -- connection lifecycle ----------------------------------------------------
    def open_conn(self) -> Conn:
        c = Conn(self.next_conn, self.rng)
        self.next_conn += 1
        w = self.w
        w.packet(c, True, SYN, b"")
        w.packet(c, False, SYN | ACK, b"")
        w.packet(c, True, ACK, b"")
        cid = f"bench-{c.n:07d}".encode()
        if c.v5:
            # Session Expiry Interval 300, Receive Maximum 100.
            props = b"\x11\x00\x00\x01\x2c\x21\x00\x64"
            var = utf8(b"MQTT") + bytes([5, 0x02]) + struct.pack(">H", 30) + varint(len(props)) + props
            connack = b"\x20\x03\x00\x00\x00"
        else:
            var = utf8(b"MQTT") + bytes([4, 0x02]) + struct.pack(">H", 30)
            connack = b"\x20\x02\x00\x00"
        body = var + utf8(cid)
        self.send(c, True, b"\x10" + varint(len(body)) + body)
        self.send(c, False, connack)
        pid = c.next_pid()
        filt = f"site/{c.n % 8}/#".encode()
        body = struct.pack(">H", pid) + (b"\x00" if c.v5 else b"") + utf8(filt) + b"\x01"
        self.send(c, True, b"\x82" + varint(len(body)) + body)
        suback = struct.pack(">H", pid) + (b"\x00" if c.v5 else b"") + b"\x01"
        self.send(c, False, b"\x90" + varint(len(suback)) + suback)
        return c

    def close_conn(self, c: Conn) -> None:
        self.send(c, True, b"\xe0\x00")
        w = self.w
        w.packet(c, True, FIN | ACK, b"")
        w.packet(c, False, FIN | ACK, b"")
        w.packet(c, True, ACK, b"")

    def exchange(self, c: Conn) -> None:
        r = self.rng.random()
        if r < 0.30:  # QoS 0, 1..3 PDUs coalesced when they fit in one segment
            pdus = [self.publish(c, 0, 0) for _ in range(self.rng.randint(1, 3))]
            data = b"".join(pdus)
            if len(data) <= MSS:
                self.send(c, True, data)
            else:
                for p in pdus:
                    self.send(c, True, p)
            self.w.packet(c, False, ACK, b"")
        elif r < 0.55:  # QoS 1
            pid = c.next_pid()
            self.send(c, True, self.publish(c, 1, pid))
            self.send(c, False, self.ack_pdu(c, 0x40, pid))
        elif r < 0.70:  # QoS 2
            pid = c.next_pid()
            self.send(c, True, self.publish(c, 2, pid))
            self.send(c, False, self.ack_pdu(c, 0x50, pid))
            self.send(c, True, self.ack_pdu(c, 0x62, pid))
            self.send(c, False, self.ack_pdu(c, 0x70, pid))
        elif r < 0.85:  # delivery to the client, QoS 1
            pid = c.next_pid()
            self.send(c, False, self.publish(c, 1, pid))
            self.send(c, True, self.ack_pdu(c, 0x40, pid))
        elif r < 0.93:  # deliveries QoS 0, two PDUs in one send
            self.send(c, False, self.publish(c, 0, 0) + self.publish(c, 0, 0))
            self.w.packet(c, True, ACK, b"")
        else:  # keep alive
            self.send(c, True, b"\xc0\x00")
            self.send(c, False, b"\xd0\x00")

    def run(self) -> None:
        rng, active = self.rng, self.active
        while self.w.pos < self.target:
            k = rng.randrange(len(active))
            c = active[k]
            self.exchange(c)
            c.left -= 1
            if c.left <= 0:
                self.close_conn(c)
                active[k] = self.open_conn()
        for c in active:
            self.close_conn(c)


def main() -> None:
    ap = argparse.ArgumentParser(description="deterministic large MQTT benchmark capture")
    ap.add_argument("out")
    ap.add_argument("size_mb", type=float)
    ap.add_argument("--connections", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    t0 = time.monotonic()
    target = int(args.size_mb * 1_000_000)
    g = Generator(target, args.connections, args.seed)
    g.run()
    with open(args.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        f.write(memoryview(g.w.buf)[:g.w.pos])
    dt = time.monotonic() - t0
    print(f"make_benchmark: {args.out}: {g.w.pos + 24} bytes, {g.w.packets} packets, "
          f"{g.next_conn} connections, {dt:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
