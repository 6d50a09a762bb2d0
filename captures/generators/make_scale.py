#!/usr/bin/env python3
"""Write hostile captures at scale (issue 12): many connections, huge claimed lengths,
floods of findings, pathological headers, damaged and empty files.

    python3 captures/generators/make_scale.py OUTDIR [--size small|large] [--case NAME ...]
    python3 captures/generators/make_scale.py OUTDIR --case syn-only --count 100000

Standard library only, deterministic (a seeded generator where bytes are random):
the same arguments give byte-identical files. Every file is a classic little-endian
microsecond pcap, Ethernet / IPv4 / TCP, loopback addresses only; TCP checksums are
left 0 (mqscope does not verify them), IPv4 header checksums are valid.

`--size small` (the default) writes instances the tests run in a few seconds;
`--size large` writes the benchmark series (scripts/bench-scale.sh times them).
`--count N` overrides the scale parameter of the chosen cases. Each case is one
function below; its docstring says what a correct analyzer must do with it.
"""
from __future__ import annotations

import argparse
import os
import random
import struct

REC = struct.Struct("<IIII")
ETH = bytes.fromhex("020000000001" "020000000002") + b"\x08\x00"
IP = struct.Struct(">BBHHHBBH4s4s")
TCP = struct.Struct(">HHIIBBHHH")
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
MSS = 1448
SERVER = bytes([127, 0, 0, 1])


def ip_checksum(hdr: bytes) -> int:
    s = sum(struct.unpack(">10H", hdr))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class Writer:
    """Streams records to a pcap file (the large cases do not fit a list of packets)."""

    def __init__(self, path: str):
        self.f = open(path, "wb", buffering=1 << 20)
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        self.ts_us = 1_700_000_000 * 1_000_000

    def segment(self, src: bytes, sport: int, dst: bytes, dport: int, seq: int, ack: int, flags: int,
                payload: bytes = b"", advance_us: int = 10) -> None:
        total = 20 + 20 + len(payload)
        ip = bytearray(IP.pack(0x45, 0, total, 0, 0x4000, 64, 6, 0, src, dst))
        struct.pack_into(">H", ip, 10, ip_checksum(bytes(ip)))
        tcp = TCP.pack(sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0)
        data = ETH + bytes(ip) + tcp + payload
        self.ts_us += advance_us
        self.f.write(REC.pack(self.ts_us // 1_000_000, self.ts_us % 1_000_000, len(data), len(data)))
        self.f.write(data)

    def close(self) -> None:
        self.f.close()


def client_ip(i: int) -> bytes:
    return bytes([127, 1 + (i >> 16) % 200, (i >> 8) & 0xFF, i & 0xFF])


class Conn:
    """One TCP connection with consistent sequence numbers in both directions."""

    def __init__(self, w: Writer, i: int, port: int):
        self.w, self.cip, self.cport, self.port = w, client_ip(i), 10000 + i % 50000, port
        self.cseq, self.sseq = 1000 + i, 5000 + i

    def handshake(self) -> None:
        w = self.w
        w.segment(self.cip, self.cport, SERVER, self.port, self.cseq, 0, SYN)
        w.segment(SERVER, self.port, self.cip, self.cport, self.sseq, self.cseq + 1, SYN | ACK)
        self.cseq += 1; self.sseq += 1
        w.segment(self.cip, self.cport, SERVER, self.port, self.cseq, self.sseq, ACK)

    def send(self, from_client: bool, data: bytes, chunk: int = MSS) -> None:
        for off in range(0, len(data), chunk):
            part = data[off:off + chunk]
            if from_client:
                self.w.segment(self.cip, self.cport, SERVER, self.port, self.cseq, self.sseq, PSH | ACK, part)
                self.cseq += len(part)
            else:
                self.w.segment(SERVER, self.port, self.cip, self.cport, self.sseq, self.cseq, PSH | ACK, part)
                self.sseq += len(part)

    def close(self) -> None:
        w = self.w
        w.segment(self.cip, self.cport, SERVER, self.port, self.cseq, self.sseq, FIN | ACK)
        w.segment(SERVER, self.port, self.cip, self.cport, self.sseq, self.cseq + 1, FIN | ACK)
        w.segment(self.cip, self.cport, SERVER, self.port, self.cseq + 1, self.sseq + 1, ACK)


def vbi(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mstr(s: bytes) -> bytes:
    return struct.pack(">H", len(s)) + s


def mqtt(first: int, body: bytes) -> bytes:
    return bytes([first]) + vbi(len(body)) + body


CONNECT = mqtt(0x10, mstr(b"MQTT") + bytes([4, 2]) + struct.pack(">H", 60) + mstr(b"dev"))
CONNACK = mqtt(0x20, b"\x00\x00")

# --------------------------------------------------------------------------
# cases: each takes (writer, n)
# --------------------------------------------------------------------------


def syn_only(w: Writer, n: int) -> None:
    """n SYN-only (half-open) connections, one per capture second: `streams` lists n open
    connections (or evicts beyond --max-connections, counting it); time linear in n."""
    for i in range(n):
        w.segment(client_ip(i), 10000 + i % 50000, SERVER, 1883, 1000 + i, 0, SYN, advance_us=1_000_000)


def syn_burst(w: Writer, n: int) -> None:
    """n SYN-only connections opened within a few milliseconds."""
    for i in range(n):
        w.segment(client_ip(i), 10000 + i % 50000, SERVER, 1883, 1000 + i, 0, SYN, advance_us=1)


def idle_connect(w: Writer, n: int) -> None:
    """n connections that send CONNECT, get CONNACK and stay silent."""
    for i in range(n):
        c = Conn(w, i, 1883)
        c.handshake()
        c.send(True, CONNECT)
        c.send(False, CONNACK)


def active(w: Writer, n: int) -> None:
    """n complete MQTT sessions, one after another: CONNECT/CONNACK, a QoS 0 PUBLISH, DISCONNECT,
    FIN both ways (the scaling series' active connections: time linear in n, memory flat)."""
    publish = mqtt(0x30, mstr(b"t/a") + b"p" * 32)
    for i in range(n):
        c = Conn(w, i, 1883)
        c.handshake()
        c.send(True, CONNECT)
        c.send(False, CONNACK)
        c.send(True, publish)
        c.send(True, b"\xe0\x00")
        c.close()


def suback_codes(w: Writer, n: int) -> None:
    """A SUBACK with n invalid return codes (0x03): findings aggregated after the per-rule
    threshold, memory and output bounded."""
    c = Conn(w, 0, 1883)
    c.handshake()
    c.send(True, CONNECT)
    c.send(False, CONNACK)
    c.send(True, mqtt(0x82, struct.pack(">H", 1) + mstr(b"a/b") + b"\x00"))
    c.send(False, mqtt(0x90, struct.pack(">H", 1) + b"\x03" * n))
    c.close()


def stomp_session(w: Writer) -> Conn:
    """A STOMP 1.2 connection after its CONNECT/CONNECTED exchange."""
    c = Conn(w, 0, 61613)
    c.handshake()
    c.send(True, b"CONNECT\naccept-version:1.2\nhost:h\n\n\x00")
    c.send(False, b"CONNECTED\nversion:1.2\n\n\x00")
    return c


def stomp_headers(w: Writer, n: int) -> None:
    """A STOMP SEND frame with n distinct headers: decoding linear in n."""
    c = stomp_session(w)
    body = bytearray(b"SEND\ndestination:/q/a\n")
    for i in range(n):
        body += b"h%d:v\n" % i
    body += b"\nx\x00"
    c.send(True, bytes(body))
    c.close()


def _ws(w: Writer, length: int) -> None:
    c = Conn(w, 0, 9001)
    c.handshake()
    c.send(True, b"GET /mqtt HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                 b"Sec-WebSocket-Protocol: mqtt\r\n\r\n")
    c.send(False, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n")
    # Binary frame, FIN, masked, 64-bit length, then a few payload bytes.
    c.send(True, b"\x82\xff" + struct.pack(">Q", length) + b"\x00\x00\x00\x00" + CONNECT)
    c.close()


def ws_len_2p63(w: Writer, n: int) -> None:
    """A WebSocket frame whose 64-bit length is 2^63 (the most significant bit set: RFC 6455 5.2
    says it MUST be 0): no trap, a finding, the claimed range clamped, not wrapped."""
    _ws(w, 1 << 63)


def ws_len_2p63m1(w: Writer, n: int) -> None:
    """A WebSocket frame whose 64-bit length is 2^63-1."""
    _ws(w, (1 << 63) - 1)


def ws_len_2p64m1(w: Writer, n: int) -> None:
    """A WebSocket frame whose 64-bit length is 2^64-1."""
    _ws(w, (1 << 64) - 1)


def oversize_remlen(w: Writer, n: int) -> None:
    """A PUBLISH whose Remaining Length claims 200 MB (above --max-packet-size) after a real topic."""
    c = Conn(w, 0, 1883)
    c.handshake()
    c.send(True, CONNECT)
    c.send(False, CONNACK)
    c.send(True, b"\x30" + vbi(200_000_000) + mstr(b"t/x") + b"p" * 100)
    c.close()


def stomp_unterminated(w: Writer, n: int) -> None:
    """A STOMP SEND frame of n body bytes that never ends (no NUL, connection closed)."""
    c = stomp_session(w)
    c.send(True, b"SEND\ndestination:/q/a\n\n" + b"x" * n)
    c.close()


def reversed_segments(w: Writer, n: int) -> None:
    """n QoS 0 PUBLISHes of 100 bytes; the client's data segments are written in reverse order:
    nothing is missing, so no gap may be reported at the end."""
    inner = Writer.__new__(Writer)
    recs: list[bytes] = []

    class Sink:
        def write(self, b: bytes) -> None:
            recs.append(b)
    inner.f = Sink()
    inner.ts_us = w.ts_us
    c = Conn(inner, 0, 1883)
    c.handshake()
    c.send(True, CONNECT)
    c.send(False, CONNACK)
    head = len(recs)
    pub = mqtt(0x30, mstr(b"t/r") + b"p" * 100)
    for _ in range(n):
        c.send(True, pub)
    data = recs[head:]
    pairs = [data[i:i + 2] for i in range(0, len(data), 2)]
    for r in recs[:head]:
        w.f.write(r)
    for p in reversed(pairs):
        for r in p:
            w.f.write(r)


def random_after_header(w: Writer, n: int) -> None:
    """n random bytes after a valid pcap file header: a damaged capture (check must fail the gate)."""
    rng = random.Random(12)
    w.f.write(bytes(rng.getrandbits(8) for _ in range(n)))


CASES = {
    # name: (function, small n, large n)
    "syn-only": (syn_only, 2000, 1_000_000),
    "syn-burst": (syn_burst, 2000, 1_000_000),
    "idle-connect": (idle_connect, 500, 200_000),
    "active": (active, 500, 200_000),
    "suback-codes": (suback_codes, 5000, 1_000_000),
    "stomp-headers": (stomp_headers, 5000, 1_000_000),
    "ws-len-2p63": (ws_len_2p63, 1, 1),
    "ws-len-2p63m1": (ws_len_2p63m1, 1, 1),
    "ws-len-2p64m1": (ws_len_2p64m1, 1, 1),
    "oversize-remlen": (oversize_remlen, 1, 1),
    "stomp-unterminated": (stomp_unterminated, 100_000, 20_000_000),
    "reversed-segments": (reversed_segments, 200, 100_000),
    "random-after-header": (random_after_header, 100_000, 100_000_000),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--size", choices=("small", "large"), default="small")
    ap.add_argument("--case", action="append", choices=sorted(CASES) + ["empty"])
    ap.add_argument("--count", type=int)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    names = a.case or sorted(CASES) + ["empty"]
    for name in names:
        path = os.path.join(a.outdir, f"{name}.pcap")
        if name == "empty":
            open(path, "wb").close()  # a 0-byte file: "empty file", not a damaged record
            continue
        fn, small, large = CASES[name]
        n = a.count if a.count is not None else (small if a.size == "small" else large)
        w = Writer(path)
        fn(w, n)
        w.close()
        print(path)


if __name__ == "__main__":
    main()
