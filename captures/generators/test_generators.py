#!/usr/bin/env python3
"""Self-tests for pcaplib and the generators (stdlib unittest).

    python3 -m unittest discover -s captures/generators -p 'test_*.py'
"""
from __future__ import annotations

import os
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pcaplib as P  # noqa: E402

CAPS = os.path.dirname(HERE)
HOSTILE = os.path.join(CAPS, "hostile")
SRC = os.path.join(CAPS, "mqtt311-mosquitto-clients.pcap")


def streams(path: str) -> dict[tuple, bytes]:
    """Reassemble each flow direction by sequence number (first copy of a byte wins)."""
    cap = P.read_capture(path)
    out: dict[tuple, dict[int, int]] = {}
    isn: dict[tuple, int] = {}
    for f in P.decode(cap):
        s = f.seg
        if s is None:
            continue
        if s.flags & P.TCP_SYN:
            isn[s.flow] = s.seq
        base = isn.get(s.flow)
        if base is None or not s.payload:
            continue
        off = (s.seq - base - 1) & 0xFFFFFFFF
        d = out.setdefault(s.flow, {})
        for k, b in enumerate(s.payload):
            d.setdefault(off + k, b)
    result = {}
    for flow, d in out.items():
        result[flow] = bytes(d.get(k, 0) for k in range(max(d) + 1)), len(d)
    return result


def tcp_checksum_ok(ip: bytes) -> bool:
    seg = P.parse_segment(ip)
    assert seg is not None
    if seg.version == 4:
        ihl = (ip[0] & 15) * 4
        tcp = ip[ihl:struct.unpack_from(">H", ip, 2)[0]]
        pseudo = seg.src + seg.dst + struct.pack(">BBH", 0, 6, len(tcp))
    else:
        tcp = ip[40:]
        pseudo = seg.src + seg.dst + struct.pack(">IxxxB", len(tcp), 6)
    return P.checksum16(pseudo + tcp) == 0


class PcapLibTests(unittest.TestCase):
    def test_reads_every_real_capture(self):
        for name in os.listdir(CAPS):
            if name.endswith((".pcap", ".pcapng")):
                cap = P.read_capture(os.path.join(CAPS, name))
                self.assertGreater(len(cap.packets), 0, name)
                frames = P.decode(cap)
                self.assertTrue(all(f.seg is not None for f in frames), name)

    def test_pcapng_nanosecond_resolution(self):
        cap = P.read_capture(os.path.join(CAPS, "mqtt5-paho-lo.pcapng"))
        self.assertTrue(cap.nanosecond)
        self.assertTrue(any(p.ts_ns % 1000 for p in cap.packets))

    def test_write_read_round_trip(self):
        cap = P.read_capture(SRC)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.pcap")
            P.write_pcap(path, cap.linktype, cap.packets)
            again = P.read_capture(path)
        self.assertEqual([p.data for p in again.packets], [p.data for p in cap.packets])
        self.assertEqual([p.ts_ns for p in again.packets], [p.ts_ns for p in cap.packets])

    def test_rebuilt_segment_has_valid_checksums(self):
        frames = P.decode(P.read_capture(SRC))
        for f in frames[:20]:
            ip = f.seg.copy(seq=f.seg.seq ^ 0x5A5A).to_ip()
            self.assertEqual(P.checksum16(ip[:20]), 0)
            self.assertTrue(tcp_checksum_ok(ip))

    def test_fragments_cover_datagram(self):
        frames = P.decode(P.read_capture(SRC))
        big = max(frames, key=lambda f: len(f.seg.payload))
        ip = big.seg.to_ip()
        frags = P.fragment_ipv4(ip, 1024)
        body = b"".join(f[20:] for f in frags)
        self.assertEqual(body, ip[20:])
        self.assertTrue(all(struct.unpack_from(">H", f, 6)[0] & 0x2000 for f in frags[:-1]))


class HostileTests(unittest.TestCase):
    def test_deterministic(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            for d in (a, b):
                subprocess.run([sys.executable, os.path.join(HERE, "make_hostile.py"), "--out", d], check=True,
                               capture_output=True)
            names = sorted(os.listdir(a))
            self.assertEqual(names, sorted(os.listdir(b)))
            for n in names:
                with open(os.path.join(a, n), "rb") as fa, open(os.path.join(b, n), "rb") as fb:
                    self.assertEqual(fa.read(), fb.read(), n)

    def test_same_stream_variants_reassemble_to_source(self):
        want = streams(SRC)
        for name in ("reordered.pcap", "duplicate-segment.pcap", "seq-wraparound.pcap", "many-segments.pcap",
                     "vlan-8021q.pcap", "vlan-qinq.pcap", "linktype-raw.pcap", "linktype-null.pcap",
                     "ipv4-options.pcap"):
            got = streams(os.path.join(HOSTILE, name))
            self.assertEqual(got, want, name)

    def test_gap_is_one_segment(self):
        want = streams(SRC)
        got = streams(os.path.join(HOSTILE, "gap-in-publish.pcap"))
        missing = {flow: want[flow][1] - got[flow][1] for flow in want if want[flow][1] != got[flow][1]}
        self.assertEqual(list(missing.values()), [512])

    def test_rewritten_frames_have_valid_tcp_checksums(self):
        """Every frame that is not a byte copy of a source frame carries correct checksums."""
        import json
        with open(os.path.join(HOSTILE, "manifest.json")) as fh:
            manifest = json.load(fh)
        checked = 0
        for m in manifest:
            if m["source"] == "-" or m["linktype"] not in (P.LINKTYPE_ETHERNET, P.LINKTYPE_RAW, P.LINKTYPE_NULL):
                continue
            if m["file"].startswith(("snaplen", "damaged", "unsupported")):
                continue
            originals = {f.ip for f in P.decode(P.read_capture(os.path.join(CAPS, m["source"])))}
            for f in P.decode(P.read_capture(os.path.join(HOSTILE, m["file"]))):
                if f.seg is not None and f.ip not in originals:
                    self.assertTrue(tcp_checksum_ok(f.ip), m["file"])
                    checked += 1
        self.assertGreater(checked, 200)

    def test_seq_wraparound_really_wraps(self):
        cap = P.read_capture(os.path.join(HOSTILE, "seq-wraparound.pcap"))
        seqs = [f.seg.seq for f in P.decode(cap) if f.seg.payload]
        self.assertTrue(any(s > 0xFFFF0000 for s in seqs) and any(s < 0x10000 for s in seqs))

    def test_damaged_record_header(self):
        with open(os.path.join(HOSTILE, "damaged-record.pcap"), "rb") as fh:
            blob = fh.read()
        with self.assertRaises(ValueError):
            P.read_capture(os.path.join(HOSTILE, "damaged-record.pcap"))
        self.assertIn(struct.pack("<I", 0x7FFFFFF0), blob)


class BenchmarkTests(unittest.TestCase):
    def test_deterministic_and_consistent_sequence_numbers(self):
        with tempfile.TemporaryDirectory() as d:
            outs = []
            for k in range(2):
                path = os.path.join(d, f"b{k}.pcap")
                subprocess.run([sys.executable, os.path.join(HERE, "make_benchmark.py"), path, "2",
                                "--connections", "50"], check=True, capture_output=True)
                with open(path, "rb") as fh:
                    outs.append(fh.read())
            self.assertEqual(outs[0], outs[1])
            self.assertGreater(len(outs[0]), 2_000_000)
            cap = P.read_capture(os.path.join(d, "b0.pcap"))
        nxt: dict[tuple, int] = {}
        for f in P.decode(cap):
            s = f.seg
            if s.flow in nxt:
                self.assertEqual(s.seq, nxt[s.flow])
            nxt[s.flow] = (s.seq + s.seq_len) & 0xFFFFFFFF
            rev = (s.dst, s.dport, s.src, s.sport)
            if s.flags & P.TCP_ACK and rev in nxt:
                self.assertEqual(s.ack, nxt[rev])
            self.assertEqual(P.checksum16(f.ip[:20]), 0)


if __name__ == "__main__":
    unittest.main()
