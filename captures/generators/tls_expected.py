#!/usr/bin/env python3
"""Record what tshark sees in the TLS captures of captures/tls/ (and its hostile/ variants).

    python3 captures/generators/tls_expected.py   # rewrites captures/tls/EXPECTED-tshark.tsv, EXPECTED-tls.tsv

Each capture is read as `tshark -r F -o tls.keylog_file:KEYS` with the key log named beside it
(F.pcap -> F.keys; a pcapng with embedded secrets needs none; captures/tls/hostile/manifest.json
names the pairs of the hostile variants, including a capture read with a key log that is not
its own). tshark has no STOMP dissector, so only MQTT is tabulated.

EXPECTED-tshark.tsv: one row per MQTT control packet tshark decodes (several can share a
frame), in frame order:
  file keys frame tcp_stream src_port dst_port msgtype type len qos msgid topic clientid
  payload_len
  (msgtype: the number, type: its name; clientid of a CONNECT; qos and payload_len of a
  PUBLISH, payload_len being the application message's bytes (tshark's mqtt.msg, properties
  excluded); msgid/topic where the packet has them; empty where absent.)
EXPECTED-tls.tsv: one row per TLS connection (tcp stream) with a ServerHello or ClientHello:
  file keys tcp_stream version cipher_suite sni alpn_offered client_cert mqtt_packets
  websocket_frames
  (version 0x0303 = TLS 1.2, 0x0304 = TLS 1.3, from the ServerHello's supported_versions when
  present; client_cert: yes when the client sent a Certificate tshark can see, which is TLS 1.2
  only or 1.3 decrypted; mqtt_packets: MQTT control packets decoded in that stream with the keys;
  websocket_frames: WebSocket frames decoded there; tshark 4.0 shows their payloads as data,
  as it offers no Decode As from WebSocket to MQTT.)
Plaintext captures get a row too (version "none"), so their WebSocket frames are counted.
EXPECTED-stomp.tsv: for the STOMP captures (tshark has no STOMP dissector; it shows the
decrypted bytes as data, which this script splits into STOMP frames by NUL or content-length),
one row per STOMP frame: file keys frame tcp_stream src_port dst_port command (frame: the one
holding the STOMP frame's first byte).
"""
from __future__ import annotations

import glob
import json
import os
import subprocess
import xml.etree.ElementTree as ET

CAPS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TLS = os.path.join(CAPS, "tls")
# Ports of captures/tls/regenerate.sh that tshark does not know as TLS/MQTT (8883 it does).
DECODE_AS = ["-d", "tcp.port==8885,tls", "-d", "tls.port==8885,mqtt", "-d", "tcp.port==8884,tls",
             "-d", "tls.port==8884,http", "-d", "tcp.port==61612,tls", "-d", "tls.port==443,mqtt"]
MQTT_TYPES = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC", 6: "PUBREL", 7: "PUBCOMP",
              8: "SUBSCRIBE", 9: "SUBACK", 10: "UNSUBSCRIBE", 11: "UNSUBACK", 12: "PINGREQ", 13: "PINGRESP",
              14: "DISCONNECT", 15: "AUTH"}


def tshark(path: str, keys: str | None, *args: str) -> str:
    cmd = ["tshark", "-r", path, *DECODE_AS]
    if keys:
        cmd += ["-o", f"tls.keylog_file:{keys}"]
    p = subprocess.run(cmd + list(args), capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"tshark failed on {path}: {p.stderr.strip()}")
    return p.stdout


def pairs() -> list[tuple[str, str | None]]:
    """(capture, key log or None) for every capture, relative to captures/tls/."""
    out = []
    for path in sorted(glob.glob(os.path.join(TLS, "*.pcap")) + glob.glob(os.path.join(TLS, "*.pcapng"))):
        keys = os.path.splitext(path)[0] + ".keys"
        out.append((os.path.relpath(path, TLS), os.path.relpath(keys, TLS) if os.path.exists(keys) else None))
    manifest = os.path.join(TLS, "hostile", "manifest.json")
    if os.path.exists(manifest):
        with open(manifest) as f:
            for entry in json.load(f):
                out.append((entry["capture"], entry.get("keys")))
    return out


def mqtt_rows(rel: str, keys: str | None) -> list[list[str]]:
    xml = tshark(os.path.join(TLS, rel), keys and os.path.join(TLS, keys), "-Y", "mqtt", "-T", "pdml")
    rows = []
    for packet in ET.fromstring(xml).findall("packet"):
        top: dict[str, str] = {}
        for proto in packet.findall("proto"):
            for f in proto.iter("field"):
                if f.get("name") in ("frame.number", "tcp.stream", "tcp.srcport", "tcp.dstport"):
                    top.setdefault(f.get("name"), f.get("show"))
        for proto in packet.findall("proto"):
            if proto.get("name") != "mqtt":
                continue
            fields: dict[str, tuple[str, str]] = {}
            for f in proto.iter("field"):
                fields.setdefault(f.get("name"), (f.get("show") or "", f.get("size") or ""))
            msgtype = int(fields["mqtt.msgtype"][0])
            get = lambda name: fields.get(name, ("", ""))[0]  # noqa: E731
            publish = msgtype == 3
            rows.append([rel, keys or "", top.get("frame.number", ""), top.get("tcp.stream", ""),
                         top.get("tcp.srcport", ""), top.get("tcp.dstport", ""), str(msgtype),
                         MQTT_TYPES.get(msgtype, "?"), get("mqtt.len"),
                         get("mqtt.qos") if publish else "", get("mqtt.msgid"),
                         get("mqtt.topic"), get("mqtt.clientid"),
                         fields.get("mqtt.msg", ("", "0"))[1] if publish else ""])
    return rows


def websocket_frames(rel: str, keys: str | None) -> dict[str, int]:
    out = tshark(os.path.join(TLS, rel), keys and os.path.join(TLS, keys), "-Y", "websocket", "-T", "fields",
                 "-E", "occurrence=a", "-E", "aggregator=,", "-e", "tcp.stream", "-e", "websocket.opcode")
    counts: dict[str, int] = {}
    for line in out.splitlines():
        stream, opcodes = (line.split("\t") + [""])[:2]
        counts[stream] = counts.get(stream, 0) + len([o for o in opcodes.split(",") if o])
    return counts


def tls_rows(rel: str, keys: str | None, mqtt: list[list[str]]) -> list[list[str]]:
    out = tshark(os.path.join(TLS, rel), keys and os.path.join(TLS, keys), "-Y",
                 "tls.handshake.type == 1 || tls.handshake.type == 2 || tls.handshake.type == 11",
                 "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-e", "tcp.stream",
                 "-e", "tcp.srcport", "-e", "tls.handshake.type", "-e", "tls.handshake.ciphersuite",
                 "-e", "tls.handshake.extensions.supported_version", "-e", "tls.handshake.version",
                 "-e", "tls.handshake.extensions_server_name", "-e", "tls.handshake.extensions_alpn_str")
    streams: dict[str, dict[str, str]] = {}
    for line in out.splitlines():
        stream, sport, types, suites, sv, ver, sni, alpn = (line.split("\t") + [""] * 8)[:8]
        s = streams.setdefault(stream, {"version": "", "suite": "", "sni": "", "alpn": "", "cert": "no",
                                        "client_port": ""})
        types_l = types.split(",")
        if "1" in types_l:
            s["sni"], s["alpn"], s["client_port"] = sni, alpn.replace(",", " "), sport
        if "2" in types_l:
            s["suite"] = suites.split(",")[0]
            s["version"] = sv.split(",")[0] if sv else ver.split(",")[0]
        if "11" in types_l and s["client_port"] == sport:
            s["cert"] = "yes"
    ws = websocket_frames(rel, keys)
    if not streams and rel.startswith("plain-"):
        plain = {r[3] for r in mqtt} | set(ws)
        streams = {st: {"version": "none", "suite": "", "sni": "", "alpn": "", "cert": "no"} for st in plain}
    rows = []
    for stream in sorted(streams, key=int):
        s = streams[stream]
        n = sum(1 for r in mqtt if r[3] == stream)
        rows.append([rel, keys or "", stream, s["version"], s["suite"], s["sni"], s["alpn"], s["cert"], str(n),
                     str(ws.get(stream, 0))])
    return rows


def stomp_rows(rel: str, keys: str | None) -> list[list[str]]:
    out = tshark(os.path.join(TLS, rel), keys and os.path.join(TLS, keys), "-d", "tcp.port==61613,data",
                 "-Y", "data", "-T", "fields", "-e", "frame.number", "-e", "tcp.stream", "-e", "tcp.srcport",
                 "-e", "tcp.dstport", "-e", "data.data")
    # Each direction's bytes in order, with the frame each byte arrived in.
    flows: dict[tuple[str, str, str], tuple[bytearray, list[int]]] = {}
    for line in out.splitlines():
        frame, stream, sport, dport, hexdata = line.split("\t")
        data = bytes.fromhex(hexdata.replace(":", "").replace(",", ""))
        buf, frames = flows.setdefault((stream, sport, dport), (bytearray(), []))
        buf += data
        frames += [int(frame)] * len(data)
    rows = []
    for (stream, sport, dport), (buf, frames) in flows.items():
        off = 0
        while off < len(buf):
            while off < len(buf) and buf[off] in b"\r\n":  # heart-beats / EOLs between frames
                off += 1
            head_end = buf.find(b"\n\n", off)
            if off >= len(buf) or head_end < 0:
                break
            head = bytes(buf[off:head_end]).decode("utf-8", "replace").split("\n")
            length = next((int(h.split(":", 1)[1]) for h in head[1:] if h.startswith("content-length:")), None)
            end = head_end + 2 + length if length is not None else buf.find(b"\x00", head_end + 2)
            if end < 0 or end >= len(buf):
                break
            rows.append([rel, keys or "", str(frames[off]), stream, sport, dport, head[0].rstrip("\r")])
            off = end + 1
    rows.sort(key=lambda r: (int(r[2]), r[3]))
    return rows


def main() -> None:
    mqtt_all, tls_all, stomp_all = [], [], []
    for rel, keys in pairs():
        m = mqtt_rows(rel, keys)
        mqtt_all += m
        tls_all += tls_rows(rel, keys, m)
        if "stomp" in rel:
            stomp_all += stomp_rows(rel, keys)
    with open(os.path.join(TLS, "EXPECTED-stomp.tsv"), "w") as f:
        f.write("\t".join(["file", "keys", "frame", "tcp_stream", "src_port", "dst_port", "command"]) + "\n")
        for r in stomp_all:
            f.write("\t".join(r) + "\n")
    with open(os.path.join(TLS, "EXPECTED-tshark.tsv"), "w") as f:
        f.write("\t".join(["file", "keys", "frame", "tcp_stream", "src_port", "dst_port", "msgtype", "type",
                           "len", "qos", "msgid", "topic", "clientid", "payload_len"]) + "\n")
        for r in mqtt_all:
            f.write("\t".join(r) + "\n")
    with open(os.path.join(TLS, "EXPECTED-tls.tsv"), "w") as f:
        f.write("\t".join(["file", "keys", "tcp_stream", "version", "cipher_suite", "sni", "alpn_offered",
                           "client_cert", "mqtt_packets", "websocket_frames"]) + "\n")
        for r in tls_all:
            f.write("\t".join(r) + "\n")
    print(f"tls_expected: {len(mqtt_all)} MQTT packets, {len(tls_all)} TLS connections")


if __name__ == "__main__":
    main()
