#!/usr/bin/env python3
"""Write every hostile capture variant into captures/hostile/ from the real captures.

    python3 captures/generators/make_hostile.py [--out DIR]

Standard library only, deterministic: the same input captures give byte-identical
outputs (there is no randomness; timestamps of inserted packets are derived from
their neighbours). Besides the captures it writes hostile/MANIFEST.md and
hostile/manifest.json: for each file, which frames are hostile (1-based frame
numbers of the *output* file) and what a correct analyzer must report. Frame
numbers and stream offsets are computed from the actual source capture, so they
stay right after captures/regenerate.sh re-records the sources.

Rewritten packets get recomputed IPv4 header and TCP checksums (see pcaplib);
untouched packets keep their captured bytes (partial checksums from Linux `lo`
offload included).
"""
from __future__ import annotations

import argparse
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcaplib as P  # noqa: E402

CAPS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC_311 = "mqtt311-mosquitto-clients.pcap"
SRC_V5_ANY = "mqtt5-paho.pcap"
SRC_IPV6 = "mqtt311-paho-ipv6.pcap"
MQTT_PORTS = (1883, 11883)
MQTT_TYPES = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC", 6: "PUBREL", 7: "PUBCOMP",
              8: "SUBSCRIBE", 9: "SUBACK", 10: "UNSUBSCRIBE", 11: "UNSUBACK", 12: "PINGREQ", 13: "PINGRESP",
              14: "DISCONNECT", 15: "AUTH"}


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def load(name: str) -> tuple[P.Capture, list[P.Frame]]:
    cap = P.read_capture(os.path.join(CAPS, name))
    return cap, P.decode(cap)


def clone(frames: list[P.Frame]) -> list[P.Frame]:
    return [P.Frame(f.ts_ns, f.link, f.ip, f.seg.copy() if f.seg else None, f.orig_len, f.dirty) for f in frames]


def is_client(seg: P.Segment) -> bool:
    return seg.dport in MQTT_PORTS


def conn_of(frames, pred) -> list[int]:
    """Indices of the first connection (in capture order) whose frames satisfy pred(list of segs)."""
    for key, idxs in P.connections(frames).items():
        if pred([frames[i].seg for i in idxs]):
            return idxs
    raise SystemExit("no connection matches")


def data_idxs(frames, idxs, from_client: bool) -> list[int]:
    return [i for i in idxs if frames[i].seg.payload and is_client(frames[i].seg) == from_client]


def isn(frames, idxs, from_client: bool) -> int:
    for i in idxs:
        s = frames[i].seg
        if s.flags & P.TCP_SYN and is_client(s) == from_client:
            return s.seq
    raise SystemExit("no SYN")


def offset(frames, idxs, i) -> int:
    s = frames[i].seg
    return (s.seq - isn(frames, idxs, is_client(s)) - 1) & 0xFFFFFFFF


def stream(frames, idxs, from_client: bool) -> bytes:
    return b"".join(frames[i].seg.payload for i in data_idxs(frames, idxs, from_client))


def pdu_names(data: bytes) -> list[str]:
    return [f"{MQTT_TYPES.get(t, t)}@{o}+{n}" for o, n, t in P.mqtt_pdu_spans(data)]


def mid_ts(frames, i) -> int:
    """A timestamp strictly between frame i and i+1 (or 1 ms after i at the end)."""
    if i + 1 < len(frames):
        return (frames[i].ts_ns + frames[i + 1].ts_ns) // 2
    return frames[i].ts_ns + 1_000_000


def resegment(frames: list[P.Frame], i: int, sizes: list[int]) -> list[P.Frame]:
    """Replace data frame i by consecutive segments of the given payload sizes (last takes the rest)."""
    f = frames[i]
    seg, payload = f.seg, f.seg.payload
    pieces, off = [], 0
    for n in sizes:
        if off >= len(payload):
            break
        pieces.append(payload[off:off + n])
        off += n
    if off < len(payload):
        pieces.append(payload[off:])
    out = []
    next_ts = frames[i + 1].ts_ns if i + 1 < len(frames) else f.ts_ns + 1_000_000
    step = max(1, (next_ts - f.ts_ns) // (len(pieces) + 1))
    pos = 0
    for k, piece in enumerate(pieces):
        flags = seg.flags & ~P.TCP_PSH
        if k == len(pieces) - 1:
            flags |= seg.flags & P.TCP_PSH
        s = seg.copy(seq=(seg.seq + pos) & 0xFFFFFFFF, payload=piece, flags=flags)
        out.append(P.Frame(f.ts_ns + k * step, f.link, b"", s, 0, dirty=True))
        pos += len(piece)
    return frames[:i] + out + frames[i + 1:]


def to_packets(frames: list[P.Frame]) -> list[P.Packet]:
    return [f.packet() for f in frames]


MANIFEST: list[dict] = []


def make_websocket_unseen_upgrade(out_dir: str) -> None:
    """MQTT over WebSocket without its upgrade: the capture starts after it, loses the request, or
    starts inside a frame (issue 12: such a connection is mid-stream, not a string of violations)."""
    if not os.path.exists(os.path.join(CAPS, SRC_MQTT_WS)):
        return
    cap, base = load(SRC_MQTT_WS)
    lt = cap.linktype
    conn = conn_of(base, lambda segs: any(s.dport == WS_PORT for s in segs))
    request = next(i for i in conn if base[i].seg.payload.startswith(b"GET "))
    response = next(i for i in conn if base[i].seg.payload.startswith(b"HTTP/1.1 101"))
    first_frame = next(i for i in conn if i > response and base[i].seg.payload)
    emit(out_dir, "mqtt-websocket-after-upgrade.pcap", lt, to_packets(clone(base)[first_frame:]), SRC_MQTT_WS,
         f"the first {first_frame} frames of the source are dropped: the handshake (SYN, HTTP upgrade request "
         f"and 101 response) is gone; frame 1 carries the client's first WebSocket frame (the CONNECT)",
         "one connection started before the capture, WebSocket by port 9001 and MQTT by content; each "
         "direction notes once (WS-GAP, info) that its frames are read from a start the capture did not "
         "see; every MQTT packet decoded; no error or warning")
    fr = clone(base)
    del fr[request]
    emit(out_dir, "mqtt-websocket-lost-upgrade.pcap", lt, to_packets(fr), SRC_MQTT_WS,
         f"the client's HTTP upgrade request (originally frame {request + 1}) is missing; the server's ACK "
         f"covers it",
         "a TCP gap at client->server offset 0; the server's 101 response decoded as the handshake (its "
         "subprotocol not judged: no offer seen), not as WebSocket frames; the client's frames found after "
         "the gap; no error or warning")
    # Inside the 70 000-byte frame: the capture starts at a segment in its middle.
    big = [i for i in conn if i > response and len(base[i].seg.payload) > 1000
           and base[i].seg.dport == WS_PORT and base[i].seg.payload[:1] != b"\x82"]
    middle = big[len(big) // 2]
    emit(out_dir, "mqtt-websocket-mid-frame.pcap", lt, to_packets(clone(base)[middle:]), SRC_MQTT_WS,
         f"the first {middle} frames of the source are dropped: the capture starts in the middle of a "
         f"large WebSocket frame's payload (the client's 70 000-byte PUBLISH, masked)",
         "one connection started before the capture; the payload bytes read as frames are noted once per "
         "direction (WS-GAP) and whatever they seem to break is at most unverifiable (info); no error or warning")


def emit(out_dir, name, linktype, packets, source, hostile, must, snaplen=262144, nanosecond=False):
    P.write_pcap(os.path.join(out_dir, name), linktype, packets, snaplen, nanosecond)
    MANIFEST.append({"file": name, "source": source, "linktype": linktype, "frames": len(packets),
                     "hostile": hostile, "must_report": must})


def relink(frames: list[P.Frame], make_link) -> list[P.Packet]:
    out = []
    for f in frames:
        ip = f.seg.to_ip() if f.dirty else f.ip
        link = make_link(ip)
        out.append(P.Packet(f.ts_ns, link + ip, (f.orig_len - len(f.link) + len(link)) if not f.dirty
                            else len(link) + len(ip)))
    return out


# --------------------------------------------------------------------------
# variants
# --------------------------------------------------------------------------

def blob_connection(frames):
    """The mosquitto_pub connection that publishes the ~3 KB blob."""
    return conn_of(frames, lambda segs: any(is_client(s) and len(s.payload) > 2000 for s in segs))


def subscriber_connection(frames):
    """The mosquitto_sub connection: the one where the server sends the most bytes."""
    conns = P.connections(frames)
    return max(conns.values(), key=lambda idxs: sum(len(frames[i].seg.payload) for i in idxs
                                                  if not is_client(frames[i].seg)))


def make_all(out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    cap, base = load(SRC_311)
    lt = cap.linktype

    # 1. reordering ---------------------------------------------------------
    fr = clone(base)
    sub = subscriber_connection(fr)
    sd = data_idxs(fr, sub, from_client=False)
    a, b = sd[1], sd[2]
    fa, fb = fr[a], fr[b]
    fr[a], fr[b] = fb, fa
    fr[a].ts_ns, fr[b].ts_ns = fa.ts_ns, fb.ts_ns  # keep timestamps monotonic, swap contents
    emit(out_dir, "reordered.pcap", lt, to_packets(fr), SRC_311,
         f"frames {a + 1} and {b + 1}: the 2nd and 3rd server->client data segments of the subscriber "
         f"connection swapped (frame {a + 1} now carries offset {offset(fr, sub, a)}, frame {b + 1} offset "
         f"{offset(fr, sub, b)}; timestamps left in order)",
         f"out-of-order segment at frame {a + 1} (it is ahead of the expected sequence number); after "
         f"reassembly the server->client stream is byte-identical to {SRC_311} and the MQTT PDUs are decoded in "
         f"stream order ({', '.join(pdu_names(stream(base, sub, False))[:4])}, ...); no gap remains")

    # 2. exact duplicate (retransmission) ----------------------------------
    fr = clone(base)
    sub = subscriber_connection(fr)
    sd = data_idxs(fr, sub, from_client=False)
    i = next(k for k in sd if any(t == 3 and (fr[k].seg.payload[o] >> 1) & 3 == 2
                                  for o, _, t in P.mqtt_pdu_spans(fr[k].seg.payload)))
    dup = P.Frame(mid_ts(fr, i), fr[i].link, fr[i].ip, fr[i].seg.copy(), fr[i].orig_len)
    fr.insert(i + 1, dup)
    emit(out_dir, "duplicate-segment.pcap", lt, to_packets(fr), SRC_311,
         f"frame {i + 2} is a byte-identical retransmission of frame {i + 1} (segment with the QoS 2 PUBLISH to "
         f"the subscriber: {', '.join(pdu_names(dup.seg.payload))}; "
         f"{len(dup.seg.payload)} payload bytes at server->client offset {offset(fr, sub, i)})",
         f"frame {i + 2} reported as a retransmission/duplicate; the PUBLISH is decoded once; the stream equals "
         f"the source's")

    # 3. overlapping retransmission with different bytes ----------------------
    fr = clone(base)
    sub = subscriber_connection(fr)
    i = next(k for k in data_idxs(fr, sub, from_client=False)
             if (fr[k].seg.payload[0] >> 4) == 3 and len(fr[k].seg.payload) > 12)
    orig = fr[i].seg
    cut = 4
    altered = orig.payload[cut:-2] + b"XY" + b"ZZZZZZZZ"  # overlaps tail, differs in 2 bytes, then 8 new bytes
    rtx = orig.copy(seq=(orig.seq + cut) & 0xFFFFFFFF, payload=altered)
    fr.insert(i + 1, P.Frame(mid_ts(fr, i), fr[i].link, b"", rtx, 0, dirty=True))
    o = offset(fr, sub, i)
    emit(out_dir, "overlap-conflict.pcap", lt, to_packets(fr), SRC_311,
         f"frame {i + 2} retransmits server->client offsets {o + cut}..{o + len(orig.payload)} of frame {i + 1} "
         f"but its last 2 overlapping bytes differ ('XY' instead of {orig.payload[-2:]!r}), and it carries 8 "
         f"further bytes 'ZZZZZZZZ' that the receiver never acknowledged",
         f"a conflicting overlap at server->client offsets {o + len(orig.payload) - 2}..{o + len(orig.payload)} "
         f"(frame {i + 2} vs frame {i + 1}); the stream keeps one copy (the first, frame {i + 1}, is what the "
         f"subscriber really received); the 8 'Z' bytes then stand at the offset where the next real segment "
         f"begins and conflict with it too, or are reported as data the peer never ACKed; no crash, PDUs before "
         f"frame {i + 1} unaffected")

    # 4. gap: one segment of a big PUBLISH missing --------------------------
    fr = clone(base)
    blob = blob_connection(fr)
    i = next(k for k in blob if is_client(fr[k].seg) and len(fr[k].seg.payload) > 2000)
    blob_port = fr[i].seg.sport
    fr = resegment(fr, i, [512] * 16)
    blob = blob_connection_by_port(fr, blob_port)
    pieces = [k for k in data_idxs(fr, blob, True) if fr[k].dirty]
    drop = pieces[2]
    lost = fr[drop].seg
    lost_off = offset(fr, blob, drop)
    spans = P.mqtt_pdu_spans(stream(fr, blob, True))
    pub = next(s for s in spans if s[2] == 3)
    after = [f"{MQTT_TYPES[t]} at offset {o}" for o, n, t in spans if o > pub[0]]
    del fr[drop]
    emit(out_dir, "gap-in-publish.pcap", lt, to_packets(fr), SRC_311,
         f"the client->server PUBLISH of the blob connection ({pub[1]} bytes at offset {pub[0]}) is carried by "
         f"frames {pieces[0] + 1}..{pieces[-1]} (512-byte segments); the segment with offsets "
         f"{lost_off}..{lost_off + len(lost.payload)} (originally between frames {drop} and {drop + 1}) is "
         f"missing; the broker's ACK still covers it (lost by the capture, not by the network)",
         f"a gap of {len(lost.payload)} bytes at client->server offset {lost_off} before frame {drop + 1} "
         f"(\"previous segment not captured\"); the PUBLISH at offset {pub[0]} reported incomplete/undecodable "
         f"(its header is intact: topic mqscope/sensors/blob, remaining length known); the analyzer "
         f"resynchronises at the next PDU boundary and decodes: {', '.join(after) or 'nothing'}; the server->client "
         f"PUBACK is decoded normally")

    # 5. capture starts mid-stream --------------------------------------------
    cap5, base5 = load(SRC_V5_ANY)
    fr = clone(base5)
    conns = list(P.connections(fr).values())
    full = conns[1]  # second connection: the full-featured client
    first_sub = next(k for k in data_idxs(fr, full, True) if (fr[k].seg.payload[0] >> 4) == 8)
    kept = fr[first_sub:]
    emit(out_dir, "midstream-start.pcap", cap5.linktype, to_packets(kept), SRC_V5_ANY,
         f"the first {first_sub} frames of the source are dropped: both connections' handshakes, CONNECTs and "
         f"CONNACKs are gone; frame 1 carries the full client's SUBSCRIBE",
         "2 TCP connections, both reported as started before the capture (no SYN seen); client/server roles "
         "inferred from port 1883; the MQTT protocol version is not announced (no CONNECT): an analyzer must say "
         "so (unknown or inferred as 5.0 from the PUBLISH property encoding) and must not report a missing "
         "CONNECT as a protocol violation of the client; topic-alias PUBLISHes resolve (alias 1 is set after the "
         "cut); SUBACK/PUBLISH/UNSUBSCRIBE/DISCONNECT(0x04) decoded")

    # 6. RST injected mid-session --------------------------------------------
    fr = clone(base)
    sub = subscriber_connection(fr)
    sd = data_idxs(fr, sub, from_client=False)
    after_i = sd[3]
    cli_nxt = max(((fr[k].seg.seq + fr[k].seg.seq_len) & 0xFFFFFFFF)
                  for k in sub if k <= after_i and is_client(fr[k].seg))
    srv = fr[after_i].seg
    cli_tpl = next(fr[k] for k in sub if is_client(fr[k].seg) and not fr[k].seg.payload and fr[k].seg.flags
                   == P.TCP_ACK)
    rst = cli_tpl.seg.copy(seq=cli_nxt, ack=(srv.seq + srv.seq_len) & 0xFFFFFFFF,
                           flags=P.TCP_RST | P.TCP_ACK, payload=b"", tcp_options=b"", window=0)
    later = [k for k in sub if k > after_i]
    rst_frame = P.Frame(mid_ts(fr, after_i), cli_tpl.link, b"", rst, 0, dirty=True)
    fr = [f for k, f in enumerate(fr) if k not in set(later)]
    pos = next(k for k, f in enumerate(fr) if f.seg is srv) + 1
    fr.insert(pos, rst_frame)
    emit(out_dir, "rst-midsession.pcap", lt, to_packets(fr), SRC_311,
         f"frame {pos + 1}: RST+ACK from the subscriber (client) injected after its 4th server->client data "
         f"segment; the {len(later)} later frames of that connection are removed",
         f"the subscriber connection ends with a reset by the client at frame {pos + 1} (not a FIN close); no "
         f"PDU is left incomplete; the deliveries after that point are absent (fewer PUBLISHes to the subscriber "
         f"than in the source); all other connections unaffected")

    # 7/8. VLAN and QinQ ----------------------------------------------------------
    fr = clone(base)
    emit(out_dir, "vlan-8021q.pcap", lt,
         relink(fr, lambda ip: P.ethernet_header(P.ethertype_for(ip), ((P.ETH_VLAN, 100),))), SRC_311,
         "every frame carries one 802.1Q tag (TPID 0x8100, VID 100)",
         f"same conversations, streams and MQTT PDUs as {SRC_311}; VLAN 100 may be shown")
    emit(out_dir, "vlan-qinq.pcap", lt,
         relink(fr, lambda ip: P.ethernet_header(P.ethertype_for(ip), ((P.ETH_QINQ, 200), (P.ETH_VLAN, 100)))),
         SRC_311, "every frame carries an 802.1ad outer tag (0x88A8, VID 200) and an 802.1Q inner tag (VID 100)",
         f"same conversations, streams and MQTT PDUs as {SRC_311}")

    # 9. raw IP, 10. BSD loopback -----------------------------------------------
    emit(out_dir, "linktype-raw.pcap", P.LINKTYPE_RAW, relink(fr, lambda ip: b""), SRC_311,
         "link type 101 (LINKTYPE_RAW): frames start with the IPv4 header",
         f"same conversations, streams and MQTT PDUs as {SRC_311}")
    emit(out_dir, "linktype-null.pcap", P.LINKTYPE_NULL, relink(fr, lambda ip: P.null_header(P.ip_version(ip))), SRC_311,
         "link type 0 (BSD loopback): 4-byte little-endian address family 2 (AF_INET) before the IPv4 header",
         f"same conversations, streams and MQTT PDUs as {SRC_311}")
    cap6, base6 = load(SRC_IPV6)
    emit(out_dir, "linktype-null-ipv6.pcap", P.LINKTYPE_NULL, relink(clone(base6), lambda ip: P.null_header(P.ip_version(ip))), SRC_IPV6,
         "link type 0 (BSD loopback) with IPv6: address family 30 (AF_INET6 as on macOS), little-endian",
         f"same conversations, streams and MQTT PDUs as {SRC_IPV6} (AF_INET6 is 24, 28 or 30 depending on the "
         f"BSD; all three must be accepted)")

    # 11. SLL v1 from SLL2 ---------------------------------------------------
    fr5 = clone(base5)
    emit(out_dir, "linktype-sll.pcap", P.LINKTYPE_LINUX_SLL,
         [P.Packet(f.ts_ns, P.sll_header_from_sll2(f.link) + f.ip, f.orig_len - 4) for f in fr5], SRC_V5_ANY,
         "link type 113 (Linux cooked v1) converted from the SLL2 source",
         f"same conversations, streams and MQTT PDUs as {SRC_V5_ANY}")

    # 12. IPv4 options -----------------------------------------------------------
    fr = clone(base)
    for f in fr:
        h = f.seg.ip_header
        f.seg = f.seg.copy(ip_header=h[:20] + b"\x94\x04\x00\x00" + h[20:])  # Router Alert, RFC 2113
        f.dirty = True
    emit(out_dir, "ipv4-options.pcap", lt, to_packets(fr), SRC_311,
         "every IPv4 header carries a 4-byte Router Alert option (IHL 6); checksums recomputed",
         f"same conversations, streams and MQTT PDUs as {SRC_311}: the TCP header must be found at IHL*4")

    # 13. IPv4 fragmentation ----------------------------------------------------
    fr = clone(base)
    i = next(k for k, f in enumerate(fr) if is_client(f.seg) and len(f.seg.payload) > 2000)
    ipb = fr[i].seg.to_ip()
    frags = P.fragment_ipv4(ipb, 1024)
    step = max(1, (mid_ts(fr, i) - fr[i].ts_ns) // len(frags))
    new = [P.Frame(fr[i].ts_ns + k * step, fr[i].link, fg, None, len(fr[i].link) + len(fg)) for k, fg in
           enumerate(frags)]
    fr = fr[:i] + new + fr[i + 1:]
    emit(out_dir, "ipv4-fragments.pcap", lt, to_packets(fr), SRC_311,
         f"frames {i + 1}..{i + len(frags)}: the blob PUBLISH segment ({len(ipb)}-byte IPv4 datagram, "
         f"ID {struct.unpack_from('>H', ipb, 4)[0]}) split into {len(frags)} IPv4 fragments of 1024 payload bytes "
         f"(MF set on all but the last)",
         f"either reassemble the datagram (stream and PDUs then equal {SRC_311}) or report frames "
         f"{i + 1}..{i + len(frags)} as IPv4 fragments not reassembled and a gap of {len(ipb) - (ipb[0] & 15) * 4 - (ipb[(ipb[0] & 15) * 4 + 12] >> 4) * 4} bytes in "
         f"the client->server stream; frames {i + 2}..{i + len(frags)} must never be parsed as TCP headers")

    # 14. sequence numbers wrap around 2^32 ---------------------------------------
    fr = clone(base)
    shifts = {}
    for idxs in P.connections(fr).values():
        for from_client in (True, False):
            total = sum(fr[k].seg.seq_len for k in idxs if is_client(fr[k].seg) == from_client)
            new_isn = (1 << 32) - max(1, total // 2) - 1
            shifts[(fr[idxs[0]].seg.key, from_client)] = (new_isn - isn(fr, idxs, from_client)) & 0xFFFFFFFF
    for f in fr:
        s = f.seg
        mine = shifts[(s.key, is_client(s))]
        theirs = shifts[(s.key, not is_client(s))]
        f.seg = s.copy(seq=(s.seq + mine) & 0xFFFFFFFF,
                       ack=((s.ack + theirs) & 0xFFFFFFFF) if s.flags & P.TCP_ACK else s.ack)
        f.dirty = True
    emit(out_dir, "seq-wraparound.pcap", lt, to_packets(fr), SRC_311,
         "every connection's sequence and acknowledgement numbers shifted so that each direction's ISN is "
         "2^32 - (its sequence space / 2) - 1: every direction wraps past 0 mid-session (the blob PUBLISH "
         "straddles the wrap)",
         f"same conversations, streams and MQTT PDUs as {SRC_311}; no gap, overlap or retransmission reported")

    # 15. 4-tuple reused ----------------------------------------------------------
    fr = clone(base6)
    n = len(fr)
    second = clone(base6)
    dt = fr[-1].ts_ns - fr[0].ts_ns + 2_000_000_000
    for f in second:
        f.ts_ns += dt
        f.seg = f.seg.copy(seq=(f.seg.seq + 0x10000000) & 0xFFFFFFFF,
                           ack=((f.seg.ack + 0x10000000) & 0xFFFFFFFF) if f.seg.flags & P.TCP_ACK else f.seg.ack)
        f.dirty = True
    emit(out_dir, "tuple-reuse.pcap", cap6.linktype, to_packets(fr + second), SRC_IPV6,
         f"frames {n + 1}..{2 * n}: the whole IPv6 session again, same addresses and ports, 2 s after the first "
         f"closed, ISNs advanced by 0x10000000",
         f"2 TCP connections with the same 4-tuple: frames 1..{n} and {n + 1}..{2 * n}, split at the new SYN "
         f"(frame {n + 1}); each has a complete MQTT 3.1.1 session; no retransmission/overlap reported")

    # 16. snap length truncation -------------------------------------------------
    for snap in (60, 128):
        pk = [P.Packet(f.ts_ns, f.link + f.ip, f.orig_len) for f in base]
        pk = [P.Packet(p.ts_ns, p.data[:snap], p.orig_len) for p in pk]
        hdr_note = ("TCP headers with options are cut (Ethernet 14 + IPv4 20 + TCP 32 = 66 > 60): no payload "
                    "byte is captured" if snap == 60 else
                    "headers complete; payload beyond byte 128 of each frame missing")
        emit(out_dir, f"snaplen-{snap}.pcap", lt, pk, SRC_311,
             f"all frames truncated to caplen <= {snap} (file snaplen {snap}; orig_len kept); {hdr_note}",
             "every longer frame reported as truncated (caplen < len); bytes not captured are gaps, never "
             "zero-filled data; no MQTT PDU decoded from missing bytes"
             + ("; TCP options incomplete" if snap == 60 else "; PDUs that fit within the captured part are "
                                                               "decoded, longer ones reported incomplete"),
             snaplen=snap)

    # 17. damaged record in the middle ----------------------------------------
    raw = bytearray(P.pcap_header(lt))
    mid = len(base) // 2
    dmg_off = None
    for k, f in enumerate(base):
        rec = bytearray(P.pcap_record(P.Packet(f.ts_ns, f.link + f.ip, f.orig_len)))
        if k == mid:
            dmg_off = len(raw)
            struct.pack_into("<I", rec, 8, 0x7FFFFFF0)  # caplen: ~2 GiB, absurd
        raw += rec
    with open(os.path.join(out_dir, "damaged-record.pcap"), "wb") as fh:
        fh.write(raw)
    MANIFEST.append({"file": "damaged-record.pcap", "source": SRC_311, "linktype": lt, "frames": len(base),
                     "hostile": f"record {mid + 1} (file offset {dmg_off}) has caplen 0x7FFFFFF0 (> 256 MiB); the "
                                f"{len(base) - mid - 1} records after it are intact but unreachable",
                     "must_report": f"frames 1..{mid} read and analysed; a damaged/absurd record header at frame "
                                    f"{mid + 1}, file offset {dmg_off}, then the read stops (no allocation of the "
                                    f"claimed size, no crash); connections open at that point are reported as "
                                    f"cut by the end of the capture"})

    # 18. not a capture, 19. unsupported link type, 20. empty ------------------
    with open(os.path.join(out_dir, "not-a-capture.pcap"), "wb") as fh:
        fh.write(b"This is not a packet capture.\nIt is a text file named .pcap to test error handling.\n")
    MANIFEST.append({"file": "not-a-capture.pcap", "source": "-", "linktype": None, "frames": 0,
                     "hostile": "plain text with a .pcap name",
                     "must_report": "not a pcap/pcapng file (bad magic); non-zero exit, no crash"})
    emit(out_dir, "unsupported-linktype.pcap", P.LINKTYPE_USER0,
         [P.Packet(f.ts_ns, f.link + f.ip, f.orig_len) for f in base], SRC_311,
         "header link type 147 (LINKTYPE_USER0); the records are the Ethernet frames of the source",
         "unsupported link type 147 reported (once, not per frame); frames counted but not decoded; no crash")
    emit(out_dir, "empty.pcap", lt, [], "-", "valid pcap header, no records",
         "0 frames, 0 connections, no error")

    # 21. a big PUBLISH in 1..N-byte segments -----------------------------------
    fr = clone(base)
    i = next(k for k, f in enumerate(fr) if is_client(f.seg) and len(f.seg.payload) > 2000)
    size = len(fr[i].seg.payload)
    sizes = [2] + list(range(1, 200))  # 2: fixed header byte + first remaining-length byte
    fr = resegment(fr, i, sizes)
    blob = blob_connection_by_port(fr, base[i].seg.sport)
    pieces = [k for k in data_idxs(fr, blob, True) if fr[k].dirty]
    emit(out_dir, "many-segments.pcap", lt, to_packets(fr), SRC_311,
         f"frames {pieces[0] + 1}..{pieces[-1] + 1}: the {size}-byte blob PUBLISH split into {len(pieces)} "
         f"segments of 2, 1, 2, 3, 4, ... bytes: the first holds the fixed-header byte and the first byte of the "
         f"2-byte remaining length, the second holds its last byte (the varint is split across segments)",
         f"exactly one PUBLISH (topic mqscope/sensors/blob, QoS 1, {size} bytes) decoded, spanning frames "
         f"{pieces[0] + 1}..{pieces[-1] + 1}; stream equal to the source's; no gap")


SRC_STOMP = "stomp-activemq.pcap"
STOMP_PORT = 61613


def stomp_connection(frames, marker: bytes) -> list[int]:
    """The first STOMP connection whose client bytes contain `marker`."""
    return conn_of(frames, lambda segs: any(s.dport == STOMP_PORT and marker in s.payload for s in segs))


def make_stomp(out_dir: str) -> None:
    """STOMP variants of the ActiveMQ capture (frames split across segments, a lowercase command)."""
    if not os.path.exists(os.path.join(CAPS, SRC_STOMP)):
        return
    cap, base = load(SRC_STOMP)
    lt = cap.linktype

    # A SEND and the MESSAGE delivering it, each split into segments of 1, 2, 3, 5, 8, ... bytes:
    # the command, header lines, the blank line and the NUL all straddle segment boundaries.
    fr = clone(base)
    conn = stomp_connection(fr, b"accept-version:1.2")
    send = next(i for i in conn if fr[i].seg.dport == STOMP_PORT and fr[i].seg.payload.startswith(b"SEND\n"))
    fib = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89]
    n_send = len(fr[send].seg.payload)
    fr = resegment(fr, send, fib)
    conn = stomp_connection(fr, b"accept-version:1.2")
    msg = next(i for i in conn if fr[i].seg.sport == STOMP_PORT and fr[i].seg.payload.startswith(b"MESSAGE\n"))
    n_msg = len(fr[msg].seg.payload)
    fr = resegment(fr, msg, fib)
    emit(out_dir, "stomp-split-frames.pcap", lt, to_packets(fr), SRC_STOMP,
         f"the STOMP 1.2 connection's first SEND ({n_send} bytes) and first MESSAGE ({n_msg} bytes) each split "
         f"into segments of 1, 2, 3, 5, 8, ... bytes (command, headers, blank line and NUL straddle segments)",
         "the same STOMP frames as the source (each SEND and MESSAGE decoded once, whole); no finding, no gap")

    # A lowercase command: the 1.1 session's first SUBSCRIBE written `subscribe` (same length).
    fr = clone(base)
    conn = stomp_connection(fr, b"accept-version:1.1\n")
    i = next(k for k in conn if fr[k].seg.dport == STOMP_PORT and b"SUBSCRIBE\n" in fr[k].seg.payload)
    payload = fr[i].seg.payload.replace(b"SUBSCRIBE\n", b"subscribe\n", 1)
    f = fr[i]
    fr[i] = P.Frame(f.ts_ns, f.link, b"", f.seg.copy(payload=payload), 0, dirty=True)
    emit(out_dir, "stomp-lowercase-command.pcap", lt, to_packets(fr), SRC_STOMP,
         f"frame {i + 1}: the STOMP 1.1 client's first SUBSCRIBE command written in lowercase (`subscribe`)",
         "an unknown command `subscribe` (commands are case-sensitive: STOMP-1.1-FRAME-COMMAND); every other "
         "frame decoded as in the source")


SRC_MQTT_WS = "mqtt-websocket.pcap"
WS_PORT = 9001
MASK32 = 0xFFFFFFFF


def replace_payload(frames: list[P.Frame], idxs: list[int], i: int, new: bytes) -> list[P.Frame]:
    """Frame i's TCP payload becomes `new` (an empty one drops the frame): later sequence numbers
    of that direction and the peer's acknowledgements beyond it move by the length change."""
    seg = frames[i].seg
    old_end = (seg.seq + len(seg.payload)) & MASK32
    delta = len(new) - len(seg.payload)
    out = list(frames)
    for k in idxs:
        s = out[k].seg
        if k == i:
            continue
        changes = {}
        if s.sport == seg.sport and ((s.seq - old_end) & MASK32) < 1 << 31:
            changes["seq"] = (s.seq + delta) & MASK32
        if s.dport == seg.sport and s.flags & P.TCP_ACK and ((s.ack - old_end) & MASK32) < 1 << 31:
            changes["ack"] = (s.ack + delta) & MASK32
        if changes:
            f = out[k]
            out[k] = P.Frame(f.ts_ns, f.link, b"", s.copy(**changes), 0, dirty=True)
    f = frames[i]
    out[i] = P.Frame(f.ts_ns, f.link, b"", seg.copy(payload=new), 0, dirty=True)
    return [f for k, f in enumerate(out) if not (k == i and not new)]


def ws_server_frame(first_byte: int, payload: bytes) -> bytes:
    """An unmasked (server) WebSocket frame (RFC 6455 §5.2)."""
    n = len(payload)
    if n < 126:
        return bytes([first_byte, n]) + payload
    if n < 1 << 16:
        return bytes([first_byte, 126]) + struct.pack(">H", n) + payload
    return bytes([first_byte, 127]) + struct.pack(">Q", n) + payload


def ws_server_payload(data: bytes) -> bytes | None:
    """The payload of one whole unmasked frame, or None."""
    if len(data) < 2 or data[1] & 0x80:
        return None
    n, h = data[1] & 0x7F, 2
    if n == 126:
        n, h = struct.unpack(">H", data[2:4])[0], 4
    elif n == 127:
        n, h = struct.unpack(">Q", data[2:10])[0], 10
    return data[h:h + n] if h + n == len(data) else None


def make_websocket(out_dir: str) -> None:
    """MQTT over WebSocket re-framed by the server: one MQTT packet across three frames with a
    ping between them, and two MQTT packets in one frame."""
    if not os.path.exists(os.path.join(CAPS, SRC_MQTT_WS)):
        return
    cap, base = load(SRC_MQTT_WS)
    lt = cap.linktype
    fr = clone(base)
    conn = conn_of(fr, lambda segs: any(s.dport == WS_PORT for s in segs))
    server = [i for i in conn if fr[i].seg.sport == WS_PORT and fr[i].seg.payload[:1] == b"\x82"]
    # The delivery of the 300-byte PUBLISH: split into Binary(no FIN), Ping, Continuation, Continuation(FIN).
    big = next(i for i in server if len(fr[i].seg.payload) > 300 and len(fr[i].seg.payload) < 400)
    pub = ws_server_payload(fr[big].seg.payload)
    reframed = (ws_server_frame(0x02, pub[:10]) + ws_server_frame(0x89, b"ping") +
                ws_server_frame(0x00, pub[10:110]) + ws_server_frame(0x80, pub[110:]))
    big_frame = big + 1
    fr = replace_payload(fr, conn, big, reframed)
    # Two small consecutive server frames (4-byte MQTT acks) merged into one Binary frame.
    conn = conn_of(fr, lambda segs: any(s.dport == WS_PORT for s in segs))
    small = [i for i in conn if fr[i].seg.sport == WS_PORT and fr[i].seg.payload[:2] == b"\x82\x04"]
    # PUBCOMP id 4 and PUBREL id 2: both answer client packets sent before the first of them.
    a, b = small[3], small[4]
    both = ws_server_payload(fr[a].seg.payload) + ws_server_payload(fr[b].seg.payload)
    merged_names = pdu_names(both)
    fr = replace_payload(fr, conn, a, ws_server_frame(0x82, both))
    conn = conn_of(fr, lambda segs: any(s.dport == WS_PORT for s in segs))
    fr = replace_payload(fr, conn, b, b"")
    emit(out_dir, "mqtt-websocket-reframed.pcap", lt, to_packets(fr), SRC_MQTT_WS,
         f"server frames rewritten: frame {big_frame} carries the 300-byte PUBLISH delivery in a Binary frame "
         f"without FIN (10 bytes), a Ping, and two Continuation frames (100 bytes, then the rest with FIN); "
         f"frame {a + 1} carries {' and '.join(merged_names)} in one Binary frame (the next server segment "
         f"is dropped; sequence and acknowledgement numbers adjusted)",
         "the same MQTT packets as the source, each decoded once (the PUBLISH reassembled across three "
         "frames, the Ping between them decoded on its own); no finding")

    # MQTT in a Text frame (MQTT-6.0.0-1): the server's first Binary frame (the CONNACK) becomes a
    # Text frame; one byte changes, lengths stay.
    fr = clone(base)
    conn = conn_of(fr, lambda segs: any(s.dport == WS_PORT for s in segs))
    first = next(i for i in conn if fr[i].seg.sport == WS_PORT and fr[i].seg.payload[:1] == b"\x82")
    set_payload(fr, first, b"\x81" + fr[first].seg.payload[1:])
    emit(out_dir, "mqtt-websocket-text-frame.pcap", lt, to_packets(fr), SRC_MQTT_WS,
         f"frame {first + 1}: the server's first WebSocket frame (carrying the CONNACK) has opcode Text "
         f"(0x81) instead of Binary (0x82)",
         f"MQTT-6.0.0-1 (MQTT carried in a text frame) at frame {first + 1}, server to client; the CONNACK "
         f"still decoded; nothing else")

    # Another subprotocol (MQTT-6.0.0-3 and -4): `mqtt` offered and selected becomes `chat` in both
    # handshake heads (same length). The content still shows MQTT.
    fr = clone(base)
    conn = conn_of(fr, lambda segs: any(s.dport == WS_PORT for s in segs))
    heads = [i for i in conn if b"Sec-Websocket-Protocol: mqtt" in fr[i].seg.payload
             or b"Sec-WebSocket-Protocol: mqtt" in fr[i].seg.payload]
    for i in heads:
        data = fr[i].seg.payload
        for spelling in (b"Sec-Websocket-Protocol: mqtt", b"Sec-WebSocket-Protocol: mqtt"):
            data = data.replace(spelling, spelling[:-4] + b"chat")
        set_payload(fr, i, data)
    emit(out_dir, "mqtt-websocket-subprotocol.pcap", lt, to_packets(fr), SRC_MQTT_WS,
         f"frames {', '.join(str(i + 1) for i in heads)}: the handshake offers and selects the subprotocol "
         f"`chat` instead of `mqtt`",
         "MQTT-6.0.0-3 (client does not offer `mqtt`) at the request and MQTT-6.0.0-4 (server does not "
         "select `mqtt`) at the 101 response; MQTT still found by content and decoded; nothing else")


def set_payload(frames: list[P.Frame], i: int, payload: bytes) -> None:
    """Frame i's TCP payload becomes `payload` of the same length (no sequence numbers move)."""
    f = frames[i]
    assert len(payload) == len(f.seg.payload)
    frames[i] = P.Frame(f.ts_ns, f.link, b"", f.seg.copy(payload=payload), 0, dirty=True)


def blob_connection_by_port(frames, client_port):
    return conn_of(frames, lambda segs: any(s.sport == client_port for s in segs))


def write_manifest(out_dir: str) -> None:
    with open(os.path.join(out_dir, "manifest.json"), "w") as fh:
        json.dump(MANIFEST, fh, indent=1, sort_keys=True)
        fh.write("\n")
    lines = ["# Hostile captures (generated by generators/make_hostile.py; do not edit)", "",
             "Frame numbers are 1-based frame numbers of the hostile file itself. Stream offsets count payload "
             "bytes from the first byte after the SYN of that direction.", "",
             "| file | source | link type | frames | what is hostile | a correct analyzer must report |",
             "|---|---|---|---|---|---|"]
    for m in MANIFEST:
        lines.append(f"| `{m['file']}` | {m['source']} | {m['linktype']} | {m['frames']} | {m['hostile']} | "
                     f"{m['must_report']} |")
    with open(os.path.join(out_dir, "MANIFEST.md"), "w") as fh:
        fh.write("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(CAPS, "hostile"))
    args = ap.parse_args()
    make_all(args.out)
    make_stomp(args.out)
    make_websocket(args.out)
    make_websocket_unseen_upgrade(args.out)
    write_manifest(args.out)
    print(f"make_hostile: wrote {len(MANIFEST)} files to {args.out}")


if __name__ == "__main__":
    main()
