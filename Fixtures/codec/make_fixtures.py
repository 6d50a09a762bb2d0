#!/usr/bin/env python3
"""Writes the annotated MQTT codec fixtures (Fixtures/codec/*.hex).

An independent encoder: offsets and values in the `#=` expectation lines are computed here from
the packet description, not by the Swift decoder. Run from anywhere:
    python3 Fixtures/codec/make_fixtures.py
Fixture format (read by Tests/MQTTCodecTests/FixtureTests.swift):
    # version: 3|4|5            protocol level to decode with
    # direction: c2s|s2c
    <hex bytes>   # comment     the PDU, any number of lines
    #= <abbrev> <lo>..<hi> <value>   a node that must exist, with its value:
                                 decimal | true | false | "text" | invalid-text | hex:<bytes> | redacted | _
    #! <rule id> <lo>..<hi>      a diagnostic that must be reported (the set must match exactly)
"""
import os, struct

HERE = os.path.dirname(os.path.abspath(__file__))


def vbi(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


class Piece:
    """Bytes plus expectations relative to the piece start: (abbrev, lo, hi, value)."""

    def __init__(self, data, comment, exps=()):
        self.data = bytes(data)
        self.comment = comment
        self.exps = list(exps)


def u8(abbrev, v, comment=None):
    return Piece([v], comment or f"{abbrev} = {v}", [(abbrev, 0, 1, str(v))])


def u16(abbrev, v, comment=None):
    return Piece(struct.pack(">H", v), comment or f"{abbrev} = {v}", [(abbrev, 0, 2, str(v))])


def string(abbrev, text, comment=None):
    raw = text.encode() if isinstance(text, str) else text
    value = '"%s"' % text if isinstance(text, str) else "invalid-text"
    return Piece(struct.pack(">H", len(raw)) + raw, comment or f'{abbrev} "{text}"', [(abbrev, 0, 2 + len(raw), value)])


def binary(abbrev, data, redacted=False, comment=None):
    value = "redacted" if redacted else "hex:" + data.hex()
    return Piece(struct.pack(">H", len(data)) + data, comment or f"{abbrev} ({len(data)} bytes)",
                 [(abbrev, 0, 2 + len(data), value)])


def flags(abbrev, value, children, comment):
    """A flag byte: the byte node plus bit-masked children [(abbrev, value)]."""
    return Piece([value], comment, [(abbrev, 0, 1, str(value))] + [(a, 0, 1, v) for a, v in children])


def raw(data, comment, exps=()):
    return Piece(data, comment, exps)


# --- properties ---------------------------------------------------------------------------
PROPS = {  # id: (abbrev suffix, type)
    0x01: ("payload_format_indicator", "byte"), 0x02: ("message_expiry_interval", "u32"),
    0x03: ("content_type", "str"), 0x08: ("response_topic", "str"), 0x09: ("correlation_data", "bin"),
    0x0B: ("subscription_identifier", "vbi"), 0x11: ("session_expiry_interval", "u32"),
    0x12: ("assigned_client_identifier", "str"), 0x13: ("server_keep_alive", "u16"),
    0x15: ("authentication_method", "str"), 0x16: ("authentication_data", "bin"),
    0x17: ("request_problem_information", "byte"), 0x18: ("will_delay_interval", "u32"),
    0x19: ("request_response_information", "byte"), 0x1A: ("response_information", "str"),
    0x1C: ("server_reference", "str"), 0x1F: ("reason_string", "str"), 0x21: ("receive_maximum", "u16"),
    0x22: ("topic_alias_maximum", "u16"), 0x23: ("topic_alias", "u16"), 0x24: ("maximum_qos", "byte"),
    0x25: ("retain_available", "byte"), 0x26: ("user_property", "pair"), 0x27: ("maximum_packet_size", "u32"),
    0x28: ("wildcard_subscription_available", "byte"), 0x29: ("subscription_identifier_available", "byte"),
    0x2A: ("shared_subscription_available", "byte"),
}


def prop(pid, value):
    name, kind = PROPS[pid]
    abbrev = "mqtt.property." + name
    exps = [("mqtt.property.id", 0, 1, str(pid))]
    if kind == "byte":
        data = bytes([value]); v = str(value)
    elif kind == "u16":
        data = struct.pack(">H", value); v = str(value)
    elif kind == "u32":
        data = struct.pack(">I", value); v = str(value)
    elif kind == "vbi":
        data = vbi(value); v = str(value)
    elif kind == "str":
        data = struct.pack(">H", len(value)) + value.encode(); v = '"%s"' % value
    elif kind == "bin":
        data = struct.pack(">H", len(value)) + value
        v = "redacted" if pid == 0x16 else "hex:" + value.hex()
    elif kind == "pair":
        k, val = value
        kb, vb = k.encode(), val.encode()
        data = struct.pack(">H", len(kb)) + kb + struct.pack(">H", len(vb)) + vb
        v = "_"
        exps.append(("mqtt.property.user_property.name", 1, 3 + len(kb), '"%s"' % k))
        exps.append(("mqtt.property.user_property.value", 3 + len(kb), 1 + len(data), '"%s"' % val))
    exps.append((abbrev, 0, 1 + len(data), v))
    return Piece(bytes([pid]) + data, f"property 0x{pid:02x} {name} = {value!r}", exps)


def props(plist, group="mqtt.properties"):
    body = b"".join(p.data for p in plist)
    pieces = [Piece(vbi(len(body)), f"property length {len(body)}",
                    [("mqtt.properties.length", 0, len(vbi(len(body))), str(len(body)))])]
    return pieces + plist


# --- packets ------------------------------------------------------------------------------
LEVEL = [4]  # the protocol level of the fixture being built (MQTT 3.1 names some header bits)


def packet(b0, body, rl=None):
    """Fixed header + body pieces; returns the list of pieces with the header first."""
    flat = []
    for p in body:
        flat.extend(p if isinstance(p, list) else [p])
    length = sum(len(p.data) for p in flat) if rl is None else rl
    t = b0 >> 4
    fl = b0 & 0x0F
    exps = [("mqtt.packet_type", 0, 1, str(t))]
    if t == 3:
        exps += [("mqtt.flags.dup", 0, 1, "true" if fl & 8 else "false"),
                 ("mqtt.flags.qos", 0, 1, str((fl >> 1) & 3)),
                 ("mqtt.flags.retain", 0, 1, "true" if fl & 1 else "false")]
    elif LEVEL[0] == 3 and t in (6, 8, 10):
        # MQTT 3.1 §2.1: DUP and QoS (1) in PUBREL/SUBSCRIBE/UNSUBSCRIBE; RETAIN not used.
        exps += [("mqtt.flags", 0, 1, str(fl)),
                 ("mqtt.flags.dup", 0, 1, "true" if fl & 8 else "false"),
                 ("mqtt.flags.qos", 0, 1, str((fl >> 1) & 3)),
                 ("mqtt.flags.reserved", 0, 1, str(fl & 1))]
    else:
        exps.append(("mqtt.flags.reserved", 0, 1, str(fl)))
    h = vbi(length)
    head = [Piece([b0], f"packet type {t}, flags 0x{fl:x}", exps),
            Piece(h, f"remaining length {length}", [("mqtt.remaining_length", 0, len(h), str(length))])]
    return head + flat


def write(name, version, direction, title, pieces, diags=()):
    lines = [f"# version: {version}", f"# direction: {direction}", f"# {title}"]
    exps = []
    off = 0
    for p in pieces:
        hexs = " ".join(f"{b:02x}" for b in p.data)
        # Wrap long data at 16 bytes per line.
        chunks = [p.data[i:i + 16] for i in range(0, max(1, len(p.data)), 16)] if p.data else []
        for k, ch in enumerate(chunks):
            hx = " ".join(f"{b:02x}" for b in ch)
            lines.append(f"{hx:<48} # {p.comment}" if k == 0 else hx)
        for (a, lo, hi, v) in p.exps:
            exps.append(f"#= {a} {off + lo}..<{off + hi} {v}")
        off += len(p.data)
    lines += exps
    lines += [f"#! {r} {lo}..<{hi}" for (r, lo, hi) in diags]
    with open(os.path.join(HERE, name + ".hex"), "w") as f:
        f.write("\n".join(lines) + "\n")


def offset_of(pieces, index):
    return sum(len(p.data) for p in pieces[:index])


# =========================================================================================
def v3_family(level, tag):
    LEVEL[0] = level
    name = "MQIsdp" if level == 3 else "MQTT"
    cflags = 0xEE if level == 4 else 0xCE  # user, pass, [will retain], will QoS 1, will, clean
    will_retain = level == 4
    write(f"{tag}-connect", level, "c2s", f"CONNECT with will, user name and password",
          packet(0x10, [
              string("mqtt.connect.protocol_name", name),
              u8("mqtt.connect.protocol_level", level),
              flags("mqtt.connect.flags", cflags,
                    [("mqtt.connect.flags.user_name", "true"), ("mqtt.connect.flags.password", "true"),
                     ("mqtt.connect.flags.will_retain", "true" if will_retain else "false"),
                     ("mqtt.connect.flags.will_qos", "1"), ("mqtt.connect.flags.will", "true"),
                     ("mqtt.connect.flags.clean_session", "true"), ("mqtt.connect.flags.reserved", "false")],
                    "connect flags"),
              u16("mqtt.connect.keep_alive", 60),
              string("mqtt.connect.client_id", "sensor-17"),
              string("mqtt.connect.will_topic", "status/sensor-17"),
              binary("mqtt.connect.will_payload", b"offline"),
              string("mqtt.connect.user_name", "alice"),
              binary("mqtt.connect.password", b"s3cret", redacted=True),
          ]))
    write(f"{tag}-connack", level, "s2c", "CONNACK accepted" + (", session present" if level == 4 else ""),
          packet(0x20, [flags("mqtt.connack.flags", 1 if level == 4 else 0,
                              # MQTT 3.1: a reserved byte, no Session Present.
                              [("mqtt.connack.flags.session_present", "true"), ("mqtt.connack.flags.reserved", "0")]
                              if level == 4 else [("mqtt.connack.flags.reserved", "0")], "acknowledge flags"),
                        u8("mqtt.connack.return_code", 0)]))
    write(f"{tag}-publish", level, "c2s", "PUBLISH QoS 1, retained",
          packet(0x33, [string("mqtt.publish.topic", "a/b"), u16("mqtt.publish.packet_id", 10),
                        raw(b"hello", "payload", [("mqtt.publish.payload", 0, 5, "hex:" + b"hello".hex())])]))
    write(f"{tag}-publish-qos0", level, "s2c", "PUBLISH QoS 0, empty payload",
          packet(0x30, [string("mqtt.publish.topic", "x")] +
                 [raw(b"", "empty payload")]) + [Piece(b"", "", [("mqtt.publish.payload", 0, 0, "hex:")])])
    for (b0, nm) in [(0x40, "puback"), (0x50, "pubrec"), (0x62, "pubrel"), (0x70, "pubcomp")]:
        write(f"{tag}-{nm}", level, "s2c", nm.upper(), packet(b0, [u16("mqtt.packet_id", 10)]))
    write(f"{tag}-subscribe", level, "c2s", "SUBSCRIBE two filters",
          packet(0x82, [u16("mqtt.packet_id", 11), string("mqtt.subscribe.topic_filter", "a/+"),
                        flags("mqtt.subscribe.options", 1, [("mqtt.subscribe.options.qos", "1"),
                                                             ("mqtt.subscribe.options.reserved", "0")], "requested QoS 1"),
                        string("mqtt.subscribe.topic_filter", "b/#"),
                        flags("mqtt.subscribe.options", 2, [("mqtt.subscribe.options.qos", "2")], "requested QoS 2")]))
    codes = [0, 2] + ([0x80] if level == 4 else [])
    write(f"{tag}-suback", level, "s2c", "SUBACK",
          packet(0x90, [u16("mqtt.packet_id", 11)] + [u8("mqtt.suback.return_code", c) for c in codes]))
    write(f"{tag}-unsubscribe", level, "c2s", "UNSUBSCRIBE",
          packet(0xA2, [u16("mqtt.packet_id", 12), string("mqtt.unsubscribe.topic_filter", "a/+")]))
    write(f"{tag}-unsuback", level, "s2c", "UNSUBACK", packet(0xB0, [u16("mqtt.packet_id", 12)]))
    write(f"{tag}-pingreq", level, "c2s", "PINGREQ", packet(0xC0, []))
    write(f"{tag}-pingresp", level, "s2c", "PINGRESP", packet(0xD0, []))
    write(f"{tag}-disconnect", level, "c2s", "DISCONNECT", packet(0xE0, []))


v3_family(3, "v31")
v3_family(4, "v311")
LEVEL[0] = 3

# ---- MQTT 3.1 tolerance: PUBREL retried with DUP (flags 1010) is legal in 3.1 ----
write("v31-pubrel-dup", 3, "c2s", "MQTT 3.1 PUBREL re-sent with DUP (flags 0xA): no finding",
      packet(0x6A, [u16("mqtt.packet_id", 7)]))

LEVEL[0] = 5

# ---- MQTT 5.0 ------------------------------------------------------------------------------
write("v5-connect", 5, "c2s", "CONNECT with every CONNECT property and every Will property",
      packet(0x10, [
          string("mqtt.connect.protocol_name", "MQTT"), u8("mqtt.connect.protocol_level", 5),
          flags("mqtt.connect.flags", 0xF6,
                [("mqtt.connect.flags.user_name", "true"), ("mqtt.connect.flags.password", "true"),
                 ("mqtt.connect.flags.will_retain", "true"), ("mqtt.connect.flags.will_qos", "2"),
                 ("mqtt.connect.flags.will", "true"), ("mqtt.connect.flags.clean_session", "true"),
                 ("mqtt.connect.flags.reserved", "false")], "connect flags"),
          u16("mqtt.connect.keep_alive", 30),
          props([prop(0x11, 3600), prop(0x21, 20), prop(0x27, 1048576), prop(0x22, 10), prop(0x19, 1),
                 prop(0x17, 0), prop(0x26, ("k", "v")), prop(0x15, "SCRAM-SHA-1"), prop(0x16, b"\x01\x02")]),
          string("mqtt.connect.client_id", "c5"),
          props([prop(0x18, 5), prop(0x01, 1), prop(0x02, 120), prop(0x03, "text/plain"), prop(0x08, "reply/c5"),
                 prop(0x09, b"\xab\xcd"), prop(0x26, ("will", "yes"))]),
          string("mqtt.connect.will_topic", "lwt/c5"),
          binary("mqtt.connect.will_payload", b"bye"),
          string("mqtt.connect.user_name", "bob"),
          binary("mqtt.connect.password", b"pw", redacted=True),
      ]))
write("v5-connack", 5, "s2c", "CONNACK with every CONNACK property",
      packet(0x20, [
          flags("mqtt.connack.flags", 0, [("mqtt.connack.flags.session_present", "false")], "acknowledge flags"),
          u8("mqtt.connack.reason_code", 0),
          props([prop(0x11, 60), prop(0x21, 100), prop(0x24, 1), prop(0x25, 1), prop(0x27, 65536),
                 prop(0x12, "auto-1"), prop(0x22, 5), prop(0x1F, "ok"), prop(0x26, ("a", "b")), prop(0x28, 1),
                 prop(0x29, 0), prop(0x2A, 1), prop(0x13, 45), prop(0x1A, "resp/"), prop(0x1C, "other:1883"),
                 prop(0x15, "SCRAM-SHA-1"), prop(0x16, b"\x99")]),
      ]))
write("v5-publish", 5, "s2c", "PUBLISH QoS 2 with every PUBLISH property (every property type)",
      packet(0x3D, [
          string("mqtt.publish.topic", "t/1"), u16("mqtt.publish.packet_id", 300),
          props([prop(0x01, 1), prop(0x02, 10), prop(0x23, 3), prop(0x08, "r/1"), prop(0x09, b"\x00\x01"),
                 prop(0x26, ("x", "y")), prop(0x26, ("x", "z")), prop(0x0B, 200), prop(0x0B, 1), prop(0x03, "json")]),
          raw(b"{}", "payload", [("mqtt.publish.payload", 0, 2, "hex:7b7d")]),
      ]))
write("v5-puback", 5, "s2c", "PUBACK with reason code and reason string",
      packet(0x40, [u16("mqtt.packet_id", 300), u8("mqtt.puback.reason_code", 0x10),
                    props([prop(0x1F, "none"), prop(0x26, ("p", "q"))])]))
write("v5-puback-short", 5, "c2s", "PUBACK short form (Remaining Length 2)",
      packet(0x40, [u16("mqtt.packet_id", 9)]))
write("v5-pubrec", 5, "c2s", "PUBREC reason only (Remaining Length 3)",
      packet(0x50, [u16("mqtt.packet_id", 300), u8("mqtt.pubrec.reason_code", 0x80)]))
write("v5-pubrel", 5, "s2c", "PUBREL with empty properties",
      packet(0x62, [u16("mqtt.packet_id", 300), u8("mqtt.pubrel.reason_code", 0x92), props([])]))
write("v5-pubcomp", 5, "c2s", "PUBCOMP", packet(0x70, [u16("mqtt.packet_id", 300), u8("mqtt.pubcomp.reason_code", 0),
                                                       props([prop(0x1F, "done")])]))
write("v5-subscribe", 5, "c2s", "SUBSCRIBE with Subscription Identifier and every option",
      packet(0x82, [
          u16("mqtt.packet_id", 5), props([prop(0x0B, 1000), prop(0x26, ("s", "1"))]),
          string("mqtt.subscribe.topic_filter", "a/#"),
          flags("mqtt.subscribe.options", 0x2E,
                [("mqtt.subscribe.options.qos", "2"), ("mqtt.subscribe.options.no_local", "true"),
                 ("mqtt.subscribe.options.retain_as_published", "true"),
                 ("mqtt.subscribe.options.retain_handling", "2"), ("mqtt.subscribe.options.reserved", "0")],
                "options: QoS 2, NL, RAP, RH 2"),
          string("mqtt.subscribe.topic_filter", "$share/g/b"),
          flags("mqtt.subscribe.options", 0x00, [("mqtt.subscribe.options.no_local", "false")], "options 0"),
      ]))
write("v5-suback", 5, "s2c", "SUBACK",
      packet(0x90, [u16("mqtt.packet_id", 5), props([prop(0x1F, "partial")]),
                    u8("mqtt.suback.reason_code", 2), u8("mqtt.suback.reason_code", 0xA2)]))
write("v5-unsubscribe", 5, "c2s", "UNSUBSCRIBE",
      packet(0xA2, [u16("mqtt.packet_id", 6), props([prop(0x26, ("u", "v"))]),
                    string("mqtt.unsubscribe.topic_filter", "a/#"), string("mqtt.unsubscribe.topic_filter", "c")]))
write("v5-unsuback", 5, "s2c", "UNSUBACK",
      packet(0xB0, [u16("mqtt.packet_id", 6), props([]), u8("mqtt.unsuback.reason_code", 0),
                    u8("mqtt.unsuback.reason_code", 0x11)]))
write("v5-pingreq", 5, "c2s", "PINGREQ", packet(0xC0, []))
write("v5-pingresp", 5, "s2c", "PINGRESP", packet(0xD0, []))
write("v5-disconnect", 5, "s2c", "DISCONNECT from the server with properties",
      packet(0xE0, [u8("mqtt.disconnect.reason_code", 0x9C),
                    props([prop(0x1F, "moved"), prop(0x1C, "b:1883"), prop(0x26, ("d", "e"))])]))
write("v5-disconnect-client", 5, "c2s", "DISCONNECT from the client with Session Expiry Interval",
      packet(0xE0, [u8("mqtt.disconnect.reason_code", 0x04), props([prop(0x11, 0)])]))
write("v5-disconnect-empty", 5, "c2s", "DISCONNECT short form (Remaining Length 0)", packet(0xE0, []))
write("v5-auth", 5, "c2s", "AUTH continue authentication",
      packet(0xF0, [u8("mqtt.auth.reason_code", 0x18),
                    props([prop(0x15, "SCRAM-SHA-1"), prop(0x16, b"\x00\xffsecret"), prop(0x1F, "step 2"),
                           prop(0x26, ("n", "1"))])]))
write("v5-auth-empty", 5, "s2c", "AUTH short form (Remaining Length 0 = Success)", packet(0xF0, []))

# ---- malformed -----------------------------------------------------------------------------
p = packet(0x10, [string("mqtt.connect.protocol_name", "MQTT"), u8("mqtt.connect.protocol_level", 5),
                  flags("mqtt.connect.flags", 0x03, [("mqtt.connect.flags.reserved", "true")], "reserved bit set"),
                  u16("mqtt.connect.keep_alive", 0), props([]), string("mqtt.connect.client_id", "")])
flags_at = offset_of(p, 4)
write("bad-v5-connect-reserved-flag", 5, "c2s", "CONNECT with the reserved flag set", p,
      [("MQTT5-3.1.2-3", flags_at, flags_at + 1)])

p = packet(0x36, [string("mqtt.publish.topic", "q"), u16("mqtt.publish.packet_id", 1), raw(b"x", "payload")])
write("bad-v311-publish-qos3", 4, "c2s", "PUBLISH with QoS 3", p, [("MQTT311-3.3.1-4", 0, 1)])

p = packet(0x38, [string("mqtt.publish.topic", "q"), props([]), raw(b"x", "payload")])
write("bad-v5-publish-dup-qos0", 5, "c2s", "PUBLISH QoS 0 with DUP", p, [("MQTT5-3.3.1-2", 0, 1)])

p = packet(0x80, [u16("mqtt.packet_id", 1), string("mqtt.subscribe.topic_filter", "a"),
                  flags("mqtt.subscribe.options", 0, [], "QoS 0")])
write("bad-v311-subscribe-flags", 4, "c2s", "SUBSCRIBE with flags 0000 instead of 0010", p,
      [("MQTT311-2.2.2-1", 0, 1)])

p = packet(0x10, [string("mqtt.connect.protocol_name", "MQTT"), u8("mqtt.connect.protocol_level", 5),
                  u8("mqtt.connect.flags", 2), u16("mqtt.connect.keep_alive", 0),
                  props([prop(0x23, 1)]), string("mqtt.connect.client_id", "z")])
pa = offset_of(p, 7)
write("bad-v5-property-not-allowed", 5, "c2s", "CONNECT carrying a Topic Alias", p,
      [("MQTT5-PROPERTY-NOT-ALLOWED", pa, pa + 3)])

p = packet(0x20, [u8("mqtt.connack.flags", 0), u8("mqtt.connack.reason_code", 0),
                  props([prop(0x21, 5), prop(0x21, 0)])])
second = offset_of(p, 6)
write("bad-v5-property-duplicate-range", 5, "s2c", "CONNACK with Receive Maximum twice, the second 0", p,
      [("MQTT5-PROPERTY-DUPLICATE", second, second + 3), ("MQTT5-PROPERTY-RANGE", second + 1, second + 3)])

p = packet(0x20, [u8("mqtt.connack.flags", 0), u8("mqtt.connack.reason_code", 0),
                  Piece(b"\x03", "property length 3", [("mqtt.properties.length", 0, 1, "3")]),
                  Piece(b"\x7f\x00\x01", "unknown property 0x7f",
                        [("mqtt.property.unknown", 0, 3, "hex:7f0001")])])
write("bad-v5-property-unknown", 5, "s2c", "CONNACK with an unknown property identifier", p,
      [("MQTT5-PROPERTY-UNKNOWN", 5, 6)])

p = packet(0x40, [u16("mqtt.packet_id", 1), u8("mqtt.puback.reason_code", 0),
                  Piece(b"\x09", "property length 9, but only 3 bytes follow", [("mqtt.properties.length", 0, 1, "9")]),
                  raw(b"\x1f\x00\x00", "reason string \"\"")])
write("bad-v5-property-length", 5, "c2s", "PUBACK whose Property Length overruns the packet", p,
      [("MQTT5-PROPERTY-LENGTH", 5, 9)])

p = packet(0x30, [string("mqtt.publish.topic", b"a\xc0\x80"), raw(b"!", "payload")])
write("bad-v311-topic-utf8", 4, "c2s", "PUBLISH topic with an overlong encoding (C0 80)", p,
      [("MQTT311-1.5.3-1", 5, 6)])

p = packet(0x10, [string("mqtt.connect.protocol_name", "MQTT"), u8("mqtt.connect.protocol_level", 5),
                  u8("mqtt.connect.flags", 2), u16("mqtt.connect.keep_alive", 0), props([]),
                  string("mqtt.connect.client_id", b"ab\x00c")])
cid = offset_of(p, 7)
write("bad-v5-clientid-null", 5, "c2s", "CONNECT client id containing U+0000", p,
      [("MQTT5-1.5.4-2", cid + 4, cid + 5)])

p = packet(0x10, [string("mqtt.connect.protocol_name", "MQTT"), u8("mqtt.connect.protocol_level", 4),
                  u8("mqtt.connect.flags", 2), u16("mqtt.connect.keep_alive", 0),
                  raw(b"\x00\x10abc", "client id length 16, only 3 bytes")])
write("bad-v311-truncated-string", 4, "c2s", "CONNECT whose client id length overruns the packet", p,
      [("MQTT-TRUNCATED", 12, 17)])

p = packet(0x40, [u16("mqtt.packet_id", 3), raw(b"\x00", "extra byte", [("mqtt.trailing_bytes", 0, 1, "hex:00")])])
write("bad-v311-puback-trailing", 4, "s2c", "PUBACK with Remaining Length 3", p, [("MQTT-TRAILING-BYTES", 4, 5)])

write("bad-v311-reserved-type0", 4, "c2s", "Packet type 0", packet(0x00, []), [("MQTT-RESERVED-TYPE", 0, 1)])
write("bad-v311-type15", 4, "c2s", "Packet type 15 (AUTH) before MQTT 5.0",
      packet(0xF0, [raw(b"\x00\x00", "body", [("mqtt.trailing_bytes", 0, 2, "hex:0000")])]),
      [("MQTT-RESERVED-TYPE", 0, 1)])
write("bad-v5-remlen-nonminimal", 5, "c2s", "PINGREQ with Remaining Length encoded as 80 00",
      [Piece(b"\xc0", "PINGREQ", [("mqtt.packet_type", 0, 1, "12")]),
       Piece(b"\x80\x00", "remaining length 0 in two bytes", [("mqtt.remaining_length", 0, 2, "0")])],
      [("MQTT5-1.5.5-1", 1, 3)])
write("bad-v311-remlen-nonminimal", 4, "s2c", "PINGRESP with Remaining Length encoded as 80 00",
      [Piece(b"\xd0", "PINGRESP", []), Piece(b"\x80\x00", "remaining length 0 in two bytes", [])],
      [("MQTT-REMLEN-NONMINIMAL", 1, 3)])
write("bad-v311-suback-code", 4, "s2c", "SUBACK with return code 3",
      packet(0x90, [u16("mqtt.packet_id", 1), u8("mqtt.suback.return_code", 3)]), [("MQTT311-3.9.3-2", 4, 5)])
write("bad-v31-suback-0x80", 3, "s2c", "MQTT 3.1 SUBACK with 0x80 (3.1 has no failure code)",
      packet(0x90, [u16("mqtt.packet_id", 1), u8("mqtt.suback.return_code", 0x80)]), [("MQTT311-3.9.3-2", 4, 5)])
write("bad-v311-connack-code", 4, "s2c", "CONNACK with reserved return code 6 and reserved flag bits",
      packet(0x20, [u8("mqtt.connack.flags", 0x02), u8("mqtt.connack.return_code", 6)]),
      [("MQTT-CONNACK-RESERVED-FLAGS", 2, 3), ("MQTT311-3.2.2-6", 3, 4)])
# Known real-world behaviour (Sources/MQTTCodec/Catalog/MQTTKnownBehaviour.swift): info, decoded as what it is.
write("known-v5-connack-refused-by-311", 5, "s2c",
      "3.1.1-format CONNACK 0x01 answering a 5.0 CONNECT (ActiveMQ 5.17, amqtt): a 3.1.1 server's refusal",
      packet(0x20, [u8("mqtt.connack.flags", 0), u8("mqtt.connack.return_code", 1)]),
      [("KNOWN-V5-REFUSED-BY-311-SERVER", 3, 4)])
write("bad-v5-connack-code-1", 5, "s2c",
      "5.0 CONNACK with reason code 0x01 and a property length: not the 3.1.1 refusal, an undefined reason code",
      packet(0x20, [u8("mqtt.connack.flags", 0), u8("mqtt.connack.reason_code", 1), props([])]),
      [("MQTT5-3.2.2-8", 3, 4)])
write("known-v311-connect-bridge", 4, "c2s", "CONNECT with protocol level 0x84 (mosquitto bridge, try_private)",
      packet(0x10, [string("mqtt.connect.protocol_name", "MQTT"), u8("mqtt.connect.protocol_level", 0x84),
                    u8("mqtt.connect.flags", 0x02), u16("mqtt.connect.keep_alive", 60),
                    string("mqtt.connect.client_id", "b")]),
      [("KNOWN-BRIDGE-PROTOCOL-LEVEL", 8, 9)])
write("bad-v5-puback-reason", 5, "s2c", "PUBACK with reason code 0x05",
      packet(0x40, [u16("mqtt.packet_id", 1), u8("mqtt.puback.reason_code", 5)]), [("MQTT5-3.4.2-1", 4, 5)])
p = packet(0x82, [u16("mqtt.packet_id", 1), props([]), string("mqtt.subscribe.topic_filter", "a"),
                  flags("mqtt.subscribe.options", 0xF0, [("mqtt.subscribe.options.retain_handling", "3"),
                                                         ("mqtt.subscribe.options.reserved", "3")], "bad options")])
write("bad-v5-subscribe-options", 5, "c2s", "SUBSCRIBE options with reserved bits and Retain Handling 3", p,
      [("MQTT5-3.8.3-5", 8, 9), ("MQTT5-SUBSCRIBE-OPTIONS", 8, 9)])
p = packet(0x10, [string("mqtt.connect.protocol_name", "MQTT"), u8("mqtt.connect.protocol_level", 4),
                  u8("mqtt.connect.flags", 0x3A), u16("mqtt.connect.keep_alive", 0),
                  string("mqtt.connect.client_id", "w")])
write("bad-v311-will-flags", 4, "c2s", "CONNECT with Will QoS 3 and Will Retain but no Will Flag", p,
      [("MQTT311-3.1.2-13", 9, 10), ("MQTT311-3.1.2-15", 9, 10)])
write("bad-v311-subscribe-empty", 4, "c2s", "SUBSCRIBE without a topic filter",
      packet(0x82, [u16("mqtt.packet_id", 0)]), [("MQTT311-2.3.1-1", 2, 4), ("MQTT311-3.8.3-3", 0, 4)])
write("bad-v5-auth-reason", 5, "c2s", "AUTH with reason code 0x80 and no property length",
      packet(0xF0, [u8("mqtt.auth.reason_code", 0x80)]), [("MQTT5-3.15.2-1", 2, 3), ("MQTT-TRUNCATED", 3, 3)])

# --- one triggering fixture per decode rule that had none (each beside a clean fixture of its
# packet type and version above; Tests/MQTTCodecTests/RuleCoverageTests.swift checks both) ---------
def connect(level, name, cflags, payload, keep_alive=0, props_=True):
    body = [string("mqtt.connect.protocol_name", name), u8("mqtt.connect.protocol_level", level),
            u8("mqtt.connect.flags", cflags), u16("mqtt.connect.keep_alive", keep_alive)]
    if props_:
        body.append(props([]))
    return packet(0x10, body + payload)

LEVEL[0] = 4
write("bad-v311-connect-level", 4, "c2s", "CONNECT with protocol level 6",
      connect(6, "MQTT", 0x02, [string("mqtt.connect.client_id", "a")], props_=False),
      [("MQTT-CONNECT-LEVEL", 8, 9)])
write("bad-v311-protocol-name", 4, "c2s", "CONNECT with protocol name MQTX",
      connect(4, "MQTX", 0x02, [string("mqtt.connect.client_id", "a")], props_=False),
      [("MQTT311-3.1.2-1", 2, 8)])
write("bad-v311-connect-reserved-flag", 4, "c2s", "CONNECT with the reserved flag set",
      connect(4, "MQTT", 0x03, [string("mqtt.connect.client_id", "a")], props_=False),
      [("MQTT311-3.1.2-3", 9, 10)])
write("bad-v311-will-qos3", 4, "c2s", "CONNECT with a will at QoS 3",
      connect(4, "MQTT", 0x1E, [string("mqtt.connect.client_id", "a"), string("mqtt.connect.will_topic", "t"),
                                binary("mqtt.connect.will_payload", b"x")], props_=False),
      [("MQTT311-3.1.2-14", 9, 10)])
write("bad-v311-password-without-user", 4, "c2s", "CONNECT with a password but no user name",
      connect(4, "MQTT", 0x42, [string("mqtt.connect.client_id", "a"),
                                binary("mqtt.connect.password", b"p", redacted=True)], props_=False),
      [("MQTT311-3.1.2-22", 9, 10)])
write("bad-v311-publish-dup-qos0", 4, "c2s", "PUBLISH QoS 0 with DUP",
      packet(0x38, [string("mqtt.publish.topic", "q"), raw(b"x", "payload")]), [("MQTT311-3.3.1-2", 0, 1)])
write("bad-v311-publish-wildcard", 4, "c2s", "PUBLISH to a topic with a wildcard",
      packet(0x30, [string("mqtt.publish.topic", "a/+"), raw(b"x", "payload")]), [("MQTT311-3.3.2-2", 6, 7)])
write("bad-v311-topic-null", 4, "c2s", "PUBLISH topic containing U+0000",
      packet(0x30, [string("mqtt.publish.topic", b"a\x00b"), raw(b"x", "payload")]), [("MQTT311-1.5.3-2", 5, 6)])
write("bad-v311-subscribe-options", 4, "c2s", "SUBSCRIBE requested QoS with a reserved bit set",
      packet(0x82, [u16("mqtt.packet_id", 1), string("mqtt.subscribe.topic_filter", "a"),
                    u8("mqtt.subscribe.options", 0x04)]), [("MQTT311-3.8.3-4", 7, 8)])
write("bad-v311-unsubscribe-empty", 4, "c2s", "UNSUBSCRIBE without a topic filter",
      packet(0xA2, [u16("mqtt.packet_id", 1)]), [("MQTT311-3.10.3-2", 0, 4)])

LEVEL[0] = 5
write("bad-v5-protocol-name", 5, "c2s", "CONNECT with protocol name MQIsdp and level 5",
      connect(5, "MQIsdp", 0x02, [string("mqtt.connect.client_id", "a")]), [("MQTT5-3.1.2-1", 2, 10)])
write("bad-v5-will-qos3", 5, "c2s", "CONNECT with a will at QoS 3",
      connect(5, "MQTT", 0x1E, [string("mqtt.connect.client_id", "a"), props([]),
                                string("mqtt.connect.will_topic", "t"), binary("mqtt.connect.will_payload", b"x")]),
      [("MQTT5-3.1.2-12", 9, 10)])
write("bad-v5-will-flags", 5, "c2s", "CONNECT with Will QoS 3 and Will Retain but no Will Flag",
      connect(5, "MQTT", 0x3A, [string("mqtt.connect.client_id", "w")]),
      [("MQTT5-3.1.2-11", 9, 10), ("MQTT5-3.1.2-13", 9, 10)])
write("bad-v5-connack-flags", 5, "s2c", "CONNACK with reserved flag bits",
      packet(0x20, [u8("mqtt.connack.flags", 0x02), u8("mqtt.connack.reason_code", 0), props([])]),
      [("MQTT5-3.2.2-1", 2, 3)])
write("bad-v5-connack-reason", 5, "s2c", "CONNACK with reason code 0x05",
      packet(0x20, [u8("mqtt.connack.flags", 0), u8("mqtt.connack.reason_code", 5), props([])]),
      [("MQTT5-3.2.2-8", 3, 4)])
write("bad-v5-publish-qos3", 5, "c2s", "PUBLISH with QoS 3",
      packet(0x36, [string("mqtt.publish.topic", "q"), u16("mqtt.publish.packet_id", 1), props([]),
                    raw(b"x", "payload")]), [("MQTT5-3.3.1-4", 0, 1)])
write("bad-v5-publish-wildcard", 5, "c2s", "PUBLISH to a topic with a wildcard",
      packet(0x30, [string("mqtt.publish.topic", "a/#"), props([]), raw(b"x", "payload")]),
      [("MQTT5-3.3.2-2", 6, 7)])
write("bad-v5-topic-utf8", 5, "c2s", "PUBLISH topic with an overlong encoding (C0 80)",
      packet(0x30, [string("mqtt.publish.topic", b"a\xc0\x80"), props([]), raw(b"x", "payload")]),
      [("MQTT5-1.5.4-1", 5, 6)])
p = packet(0x30, [string("mqtt.publish.topic", "t"),
                  Piece(b"\x07", "property length 7", [("mqtt.properties.length", 0, 1, "7")]),
                  raw(b"\x26\x00\x01\xff\x00\x01v", "user property, name FF (not UTF-8)"), raw(b"x", "payload")])
write("bad-v5-user-property-utf8", 5, "c2s", "PUBLISH whose User Property name is not UTF-8", p,
      [("MQTT5-1.5.7-1", 9, 10)])
write("bad-v5-reserved-flags", 5, "s2c", "PUBACK with fixed-header flags 0001",
      packet(0x41, [u16("mqtt.packet_id", 1)]), [("MQTT5-2.1.3-1", 0, 1)])
write("bad-v5-vbi-too-long", 5, "s2c", "PUBACK whose Property Length takes five bytes",
      packet(0x40, [u16("mqtt.packet_id", 1), u8("mqtt.puback.reason_code", 0),
                    raw(b"\xff\xff\xff\xff\x7f", "property length in five bytes")]),
      [("MQTT5-VBI-TOO-LONG", 5, 9)])
for (b0, nm, rule) in [(0x50, "pubrec", "MQTT5-3.5.2-1"), (0x62, "pubrel", "MQTT5-3.6.2-1"),
                       (0x70, "pubcomp", "MQTT5-3.7.2-1")]:
    write(f"bad-v5-{nm}-reason", 5, "s2c", f"{nm.upper()} with reason code 0x05",
          packet(b0, [u16("mqtt.packet_id", 1), u8(f"mqtt.{nm}.reason_code", 5)]), [(rule, 4, 5)])
write("bad-v5-subscribe-packet-id-zero", 5, "c2s", "SUBSCRIBE with Packet Identifier 0",
      packet(0x82, [u16("mqtt.packet_id", 0), props([]), string("mqtt.subscribe.topic_filter", "a"),
                    u8("mqtt.subscribe.options", 1)]), [("MQTT5-2.2.1-3", 2, 4)])
write("bad-v5-subscribe-empty", 5, "c2s", "SUBSCRIBE without a topic filter",
      packet(0x82, [u16("mqtt.packet_id", 1), props([])]), [("MQTT5-3.8.3-2", 0, 5)])
write("bad-v5-suback-reason", 5, "s2c", "SUBACK with reason code 0x03",
      packet(0x90, [u16("mqtt.packet_id", 1), props([]), u8("mqtt.suback.reason_code", 3)]),
      [("MQTT5-3.9.3-2", 5, 6)])
write("bad-v5-unsubscribe-empty", 5, "c2s", "UNSUBSCRIBE without a topic filter",
      packet(0xA2, [u16("mqtt.packet_id", 1), props([])]), [("MQTT5-3.10.3-2", 0, 5)])
write("bad-v5-unsuback-reason", 5, "s2c", "UNSUBACK with reason code 0x05",
      packet(0xB0, [u16("mqtt.packet_id", 1), props([]), u8("mqtt.unsuback.reason_code", 5)]),
      [("MQTT5-3.11.3-2", 5, 6)])
write("bad-v5-disconnect-reason", 5, "c2s", "DISCONNECT with reason code 0x05",
      packet(0xE0, [u8("mqtt.disconnect.reason_code", 5)]), [("MQTT5-3.14.2-1", 2, 3)])
