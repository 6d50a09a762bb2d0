"""Minimal pcap / pcapng reader, pcap writer and IPv4/IPv6/TCP rewriting helpers.

Standard library only. Written for the capture generators of mqscope; it
understands exactly what our captures contain:

  * files: classic pcap (either byte order, microsecond or nanosecond magic)
    and pcapng (SHB/IDB/EPB/SPB/OPB; other blocks are skipped; per-interface
    link type and if_tsresol are honoured);
  * link types: Ethernet (1, with any number of 802.1Q / 802.1ad tags),
    BSD loopback NULL (0) and LOOP (108), raw IP (101, 12, 228, 229),
    Linux cooked SLL (113) and SLL2 (276);
  * network: IPv4 (with options) and IPv6 (no extension headers), TCP.

Checksums: every packet the generators *rewrite* gets a freshly computed IPv4
header checksum and TCP checksum (`Segment.to_ip`). Packets copied unchanged
keep their original bytes; note that captures taken on Linux `lo` carry TCP
checksums left partial by checksum offload, so those are "wrong" on the wire
and an analyzer must not treat them as corruption by default.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_USER0 = 147
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276

ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD
ETH_VLAN = 0x8100
ETH_QINQ = 0x88A8

TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------

@dataclass
class Packet:
    ts_ns: int          # nanoseconds since the epoch
    data: bytes         # captured bytes
    orig_len: int       # length on the wire


@dataclass
class Capture:
    linktype: int
    packets: list[Packet]
    snaplen: int = 262144
    nanosecond: bool = False
    format: str = "pcap"


def read_capture(path: str) -> Capture:
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 4:
        raise ValueError(f"{path}: too short to be a capture")
    if blob[:4] == b"\x0a\x0d\x0d\x0a":
        return _read_pcapng(blob)
    return _read_pcap(blob, path)


def _read_pcap(blob: bytes, path: str) -> Capture:
    magic_le = struct.unpack_from("<I", blob, 0)[0]
    table = {0xA1B2C3D4: ("<", False), 0xA1B23C4D: ("<", True)}
    magic_be = struct.unpack_from(">I", blob, 0)[0]
    if magic_le in table:
        endian, nano = table[magic_le]
    elif magic_be in table:
        endian, nano = ">", table[magic_be][1]
    else:
        raise ValueError(f"{path}: not a pcap file")
    _, _, _, _, snaplen, linktype = struct.unpack_from(endian + "HHiIII", blob, 4)
    packets = []
    off = 24
    while off + 16 <= len(blob):
        sec, frac, caplen, origlen = struct.unpack_from(endian + "IIII", blob, off)
        off += 16
        if caplen > len(blob) - off:
            raise ValueError(f"{path}: truncated record at offset {off - 16}")
        ts = sec * 1_000_000_000 + (frac if nano else frac * 1000)
        packets.append(Packet(ts, blob[off:off + caplen], origlen))
        off += caplen
    return Capture(linktype & 0x0FFFFFFF, packets, snaplen, nano, "pcap")


def _read_pcapng(blob: bytes) -> Capture:
    packets: list[Packet] = []
    interfaces: list[tuple[int, int, int]] = []  # (linktype, snaplen, ticks per second)
    endian = "<"
    off = 0
    while off + 12 <= len(blob):
        btype = struct.unpack_from(endian + "I", blob, off)[0]
        if btype == 0x0A0D0D0A:
            bom = struct.unpack_from("<I", blob, off + 8)[0]
            endian = "<" if bom == 0x1A2B3C4D else ">"
            interfaces = []
        blen = struct.unpack_from(endian + "I", blob, off + 4)[0]
        if blen < 12 or off + blen > len(blob):
            raise ValueError(f"bad pcapng block length {blen} at offset {off}")
        body = blob[off + 8:off + blen - 4]
        if btype == 1:  # Interface Description Block
            linktype, _, snaplen = struct.unpack_from(endian + "HHI", body, 0)
            interfaces.append((linktype, snaplen, _tsresol(body[8:], endian)))
        elif btype == 6:  # Enhanced Packet Block
            ifid, hi, lo, caplen, origlen = struct.unpack_from(endian + "IIIII", body, 0)
            ticks = interfaces[ifid][2]
            packets.append(Packet(_ticks_to_ns((hi << 32) | lo, ticks), bytes(body[20:20 + caplen]), origlen))
        elif btype == 3:  # Simple Packet Block
            origlen = struct.unpack_from(endian + "I", body, 0)[0]
            caplen = min(origlen, interfaces[0][1] or origlen, len(body) - 4)
            packets.append(Packet(0, bytes(body[4:4 + caplen]), origlen))
        elif btype == 2:  # obsolete Packet Block
            ifid, _, hi, lo, caplen, origlen = struct.unpack_from(endian + "HHIIII", body, 0)
            packets.append(Packet(_ticks_to_ns((hi << 32) | lo, interfaces[ifid][2]),
                                  bytes(body[20:20 + caplen]), origlen))
        off += blen
    if not interfaces:
        raise ValueError("pcapng without an interface description block")
    linktype, snaplen, ticks = interfaces[0]
    return Capture(linktype, packets, snaplen or 262144, ticks > 1_000_000, "pcapng")


def _tsresol(options: bytes, endian: str) -> int:
    off = 0
    while off + 4 <= len(options):
        code, length = struct.unpack_from(endian + "HH", options, off)
        if code == 0:
            break
        if code == 9 and length >= 1:
            v = options[off + 4]
            return 2 ** (v & 0x7F) if v & 0x80 else 10 ** v
        off += 4 + ((length + 3) & ~3)
    return 1_000_000


def _ticks_to_ns(ticks: int, per_second: int) -> int:
    return ticks * 1_000_000_000 // per_second


def pcap_header(linktype: int, snaplen: int = 262144, nanosecond: bool = False) -> bytes:
    magic = 0xA1B23C4D if nanosecond else 0xA1B2C3D4
    return struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)


def pcap_record(pkt: Packet, nanosecond: bool = False) -> bytes:
    sec, ns = divmod(pkt.ts_ns, 1_000_000_000)
    frac = ns if nanosecond else ns // 1000
    return struct.pack("<IIII", sec, frac, len(pkt.data), pkt.orig_len) + pkt.data


def write_pcap(path: str, linktype: int, packets: list[Packet], snaplen: int = 262144,
               nanosecond: bool = False) -> bytes:
    """Write a little-endian classic pcap file; returns the bytes written."""
    out = bytearray(pcap_header(linktype, snaplen, nanosecond))
    for p in packets:
        out += pcap_record(p, nanosecond)
    with open(path, "wb") as f:
        f.write(out)
    return bytes(out)


# --------------------------------------------------------------------------
# Link layer
# --------------------------------------------------------------------------

def split_link(linktype: int, data: bytes) -> tuple[bytes, bytes] | None:
    """Split a frame into (link header bytes, IP packet bytes); None if not IP."""
    if linktype == LINKTYPE_ETHERNET:
        off = 12
        while off + 2 <= len(data):
            etype = struct.unpack_from(">H", data, off)[0]
            if etype in (ETH_VLAN, ETH_QINQ):
                off += 4
                continue
            if etype in (ETH_IPV4, ETH_IPV6):
                return data[:off + 2], data[off + 2:]
            return None
        return None
    if linktype == LINKTYPE_LINUX_SLL:
        return (data[:16], data[16:]) if len(data) >= 16 else None
    if linktype == LINKTYPE_LINUX_SLL2:
        return (data[:20], data[20:]) if len(data) >= 20 else None
    if linktype in (LINKTYPE_NULL, LINKTYPE_LOOP):
        return (data[:4], data[4:]) if len(data) >= 4 else None
    if linktype in (LINKTYPE_RAW, 12, LINKTYPE_IPV4, LINKTYPE_IPV6):
        return b"", data
    return None


def ethernet_header(ethertype: int, vlan_tags: tuple[tuple[int, int], ...] = (),
                    dst: bytes = b"\x00" * 6, src: bytes = b"\x00" * 6) -> bytes:
    """Ethernet II header; vlan_tags is ((tpid, vid), ...), outermost first."""
    h = bytearray(dst + src)
    for tpid, vid in vlan_tags:
        h += struct.pack(">HH", tpid, vid & 0x0FFF)
    h += struct.pack(">H", ethertype)
    return bytes(h)


def null_header(ip_version: int) -> bytes:
    """BSD loopback header, host (little-endian) byte order. AF_INET6 is 30 as on macOS."""
    return struct.pack("<I", 2 if ip_version == 4 else 30)


def sll_header_from_sll2(sll2: bytes) -> bytes:
    """Convert a Linux cooked v2 header (20 bytes) to v1 (16 bytes)."""
    proto, _, _ifindex, hatype, pkttype, halen = struct.unpack_from(">HHIHBB", sll2, 0)
    return struct.pack(">HHH", pkttype, hatype, halen) + sll2[12:20] + struct.pack(">H", proto)


def ip_version(ip: bytes) -> int:
    return ip[0] >> 4 if ip else 0


def ethertype_for(ip: bytes) -> int:
    return ETH_IPV4 if ip_version(ip) == 4 else ETH_IPV6


# --------------------------------------------------------------------------
# IP + TCP
# --------------------------------------------------------------------------

def checksum16(data: bytes) -> int:
    if len(data) % 2:
        data = data + b"\x00"
    total = sum(struct.unpack(f">{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


@dataclass
class Segment:
    """One TCP segment inside an IPv4 or IPv6 packet, decoded for rewriting."""
    version: int
    ip_header: bytes          # IPv4 header incl. options, or the IPv6 fixed header
    src: bytes
    dst: bytes
    sport: int
    dport: int
    seq: int
    ack: int
    flags: int
    window: int
    urgent: int
    tcp_options: bytes
    payload: bytes
    extra: dict = field(default_factory=dict)

    @property
    def seq_len(self) -> int:
        """Sequence space consumed: payload plus one each for SYN and FIN."""
        return len(self.payload) + (1 if self.flags & TCP_SYN else 0) + (1 if self.flags & TCP_FIN else 0)

    @property
    def key(self) -> tuple:
        """Direction-independent connection key."""
        a, b = (self.src, self.sport), (self.dst, self.dport)
        return (a, b) if a <= b else (b, a)

    @property
    def flow(self) -> tuple:
        return (self.src, self.sport, self.dst, self.dport)

    def copy(self, **changes) -> "Segment":
        fields = dict(self.__dict__)
        fields["extra"] = dict(self.extra)
        fields.update(changes)
        return Segment(**fields)

    def tcp_bytes(self) -> bytes:
        opts = self.tcp_options
        if len(opts) % 4:
            opts += b"\x00" * (4 - len(opts) % 4)
        doff = (20 + len(opts)) // 4
        hdr = struct.pack(">HHIIBBHHH", self.sport, self.dport, self.seq & 0xFFFFFFFF, self.ack & 0xFFFFFFFF,
                          doff << 4, self.flags, self.window, 0, self.urgent)
        seg = bytearray(hdr + opts + self.payload)
        if self.version == 4:
            pseudo = self.src + self.dst + struct.pack(">BBH", 0, 6, len(seg))
        else:
            pseudo = self.src + self.dst + struct.pack(">IxxxB", len(seg), 6)
        struct.pack_into(">H", seg, 16, checksum16(pseudo + bytes(seg)))
        return bytes(seg)

    def to_ip(self) -> bytes:
        """Serialise with correct lengths and freshly computed checksums."""
        tcp = self.tcp_bytes()
        hdr = bytearray(self.ip_header)
        if self.version == 4:
            ihl = len(hdr) // 4
            hdr[0] = 0x40 | ihl
            struct.pack_into(">H", hdr, 2, len(hdr) + len(tcp))
            hdr[12:16], hdr[16:20] = self.src, self.dst
            struct.pack_into(">H", hdr, 10, 0)
            struct.pack_into(">H", hdr, 10, checksum16(bytes(hdr)))
        else:
            struct.pack_into(">H", hdr, 4, len(tcp))
            hdr[8:24], hdr[24:40] = self.src, self.dst
        return bytes(hdr) + tcp


def parse_segment(ip: bytes) -> Segment | None:
    """Decode an IPv4/IPv6 packet carrying a complete (unfragmented) TCP segment."""
    if len(ip) < 20:
        return None
    v = ip[0] >> 4
    if v == 4:
        ihl = (ip[0] & 0x0F) * 4
        total = struct.unpack_from(">H", ip, 2)[0]
        frag = struct.unpack_from(">H", ip, 6)[0]
        if ip[9] != 6 or frag & 0x3FFF or ihl < 20 or total > len(ip):
            return None
        hdr, src, dst, body = ip[:ihl], ip[12:16], ip[16:20], ip[ihl:total]
    elif v == 6:
        if len(ip) < 40 or ip[6] != 6:
            return None
        plen = struct.unpack_from(">H", ip, 4)[0]
        if 40 + plen > len(ip):
            return None
        hdr, src, dst, body = ip[:40], ip[8:24], ip[24:40], ip[40:40 + plen]
    else:
        return None
    if len(body) < 20:
        return None
    sport, dport, seq, ack, off_byte, flags, window, _, urgent = struct.unpack_from(">HHIIBBHHH", body, 0)
    doff = (off_byte >> 4) * 4
    if doff < 20 or doff > len(body):
        return None
    return Segment(v, bytes(hdr), bytes(src), bytes(dst), sport, dport, seq, ack, flags, window, urgent,
                   bytes(body[20:doff]), bytes(body[doff:]))


def fragment_ipv4(ip: bytes, chunk: int) -> list[bytes]:
    """Split an IPv4 packet into fragments whose payload is `chunk` bytes (multiple of 8)."""
    assert chunk % 8 == 0 and ip[0] >> 4 == 4
    ihl = (ip[0] & 0x0F) * 4
    total = struct.unpack_from(">H", ip, 2)[0]
    hdr, body = bytearray(ip[:ihl]), ip[ihl:total]
    frags = []
    for start in range(0, len(body), chunk):
        piece = body[start:start + chunk]
        more = start + chunk < len(body)
        h = bytearray(hdr)
        struct.pack_into(">H", h, 2, ihl + len(piece))
        struct.pack_into(">H", h, 6, (0x2000 if more else 0) | (start // 8))  # DF cleared
        struct.pack_into(">H", h, 10, 0)
        struct.pack_into(">H", h, 10, checksum16(bytes(h)))
        frags.append(bytes(h) + piece)
    return frags


# --------------------------------------------------------------------------
# Decoded frames: link header + segment, and back
# --------------------------------------------------------------------------

@dataclass
class Frame:
    ts_ns: int
    link: bytes                 # link-layer header bytes as captured
    ip: bytes                   # IP packet bytes as captured
    seg: Segment | None         # decoded TCP segment (None if not TCP)
    orig_len: int
    dirty: bool = False         # True: rebuild IP bytes from `seg` on output

    def packet(self) -> Packet:
        ip = self.seg.to_ip() if (self.dirty and self.seg is not None) else self.ip
        data = self.link + ip
        orig = len(data) if self.dirty else self.orig_len
        return Packet(self.ts_ns, data, orig)


def decode(cap: Capture) -> list[Frame]:
    frames = []
    for p in cap.packets:
        parts = split_link(cap.linktype, p.data)
        if parts is None:
            raise ValueError("frame without IP in a source capture")
        link, ip = parts
        frames.append(Frame(p.ts_ns, link, ip, parse_segment(ip), p.orig_len))
    return frames


def connections(frames: list[Frame]) -> dict[tuple, list[int]]:
    """Connection key -> indices of its frames, in capture order."""
    conns: dict[tuple, list[int]] = {}
    for i, f in enumerate(frames):
        if f.seg is not None:
            conns.setdefault(f.seg.key, []).append(i)
    return conns


def mqtt_pdu_spans(stream: bytes) -> list[tuple[int, int, int]]:
    """(offset, length, packet type) of each complete MQTT control packet in a byte stream."""
    spans = []
    off = 0
    while off + 2 <= len(stream):
        ptype = stream[off] >> 4
        mult, value, i = 1, 0, off + 1
        while i < len(stream):
            b = stream[i]
            value += (b & 0x7F) * mult
            mult *= 128
            i += 1
            if not b & 0x80:
                break
        else:
            break
        end = i + value
        if end > len(stream):
            break
        spans.append((off, end - off, ptype))
        off = end
    return spans
