#!/usr/bin/env python3
"""Extracts the peers' simple facts about MQTT content from ../shared/corpus/external into
Fixtures/peer-facts.tsv (checked by Tests/EndToEndTests/PeerFactsTests.swift).

Sources: Arkime tests/pcap/*.test (per-session mqtt.* arrays), suricata-verify */test.yaml
(eve `mqtt` filters with count >= 1), Zeek mqtt btest baselines (mqtt_connect/publish/subscribe.log),
nDPI *.out (number of MQTT flows). Run: python3 scripts/extract-peer-facts.py > Fixtures/peer-facts.tsv
"""
import glob, json, os, re, sys
import yaml

EXT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "corpus", "external")
EXT = os.path.normpath(sys.argv[1] if len(sys.argv) > 1 else EXT)
TYPES = {n: i for i, n in enumerate(["RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL",
                                      "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ",
                                      "PINGRESP", "DISCONNECT", "AUTH"])}
VERSIONS = {"3.1": "3", "3.1.1": "4", "5.0": "5"}
rows = []

def row(capture, scope, fact, expected, source):
    rows.append("\t".join([capture, str(scope), fact, str(expected), source]))

def val(v):
    if isinstance(v, bool):
        return "1" if v else "0"
    return str(v)

# Arkime: one session per client port; the arrays are sets of what the session carried.
for test in sorted(glob.glob(os.path.join(EXT, "arkime", "*.test"))):
    cap = "arkime/" + os.path.basename(test)[:-5] + ".pcap"
    for s in json.load(open(test))["sessions3"]:
        b = s["body"]
        m = b.get("mqtt")
        if not m:
            continue
        port = b["source"]["port"]
        src = "arkime " + os.path.basename(test)
        row(cap, port, "set type", ",".join(sorted(str(TYPES[t]) for t in m["type"])) if "type" in m else "", src)
        if "clientId" in m:
            row(cap, port, "set client_id", ",".join(sorted(m["clientId"])), src)
        if "willTopic" in m:
            row(cap, port, "set will_topic", ",".join(sorted(m["willTopic"])), src)
        if "version" in m:
            row(cap, port, "set version", ",".join(sorted(VERSIONS[v] for v in m["version"])), src)
        if "connackCode" in m:
            row(cap, port, "set connack_code", ",".join(sorted(str(c) for c in m["connackCode"])), src)
        if "topic" in m:
            row(cap, port, "set topic", ",".join(sorted(m["topic"])), src)
        if "qos" in m:
            row(cap, port, "set qos_any", ",".join(sorted(set(str(q) for q in m["qos"]))), src)

# suricata-verify: each eve filter on event_type mqtt that expects at least one record.
KEYS = {
    ("connect", "client_id"): "client_id", ("connect", "protocol_string"): "protocol_name",
    ("connect", "protocol_version"): "protocol_level", ("connect", "username"): "user_name",
    ("connack", "return_code"): "connack_code", ("connack", "session_present"): "session_present",
    ("publish", "topic"): "topic", ("publish", "qos"): "qos", ("publish", "retain"): "retain",
    ("publish", "dup"): "dup", ("publish", "message_id"): "packet_id",
    ("subscribe", "message_id"): "packet_id", ("suback", "message_id"): "packet_id",
    ("suback", "qos_granted"): "suback_code", ("unsubscribe", "message_id"): "packet_id",
    ("unsubscribe", "topics"): "topic", ("unsuback", "message_id"): "packet_id",
    ("unsuback", "reason_codes"): "reason_code", ("puback", "message_id"): "packet_id",
    ("puback", "reason_code"): "reason_code", ("pubrec", "message_id"): "packet_id",
    ("pubrel", "message_id"): "packet_id", ("pubcomp", "message_id"): "packet_id",
    ("disconnect", "reason_code"): "reason_code",
}
for test in sorted(glob.glob(os.path.join(EXT, "suricata-verify", "*", "test.yaml"))):
    d = os.path.dirname(test)
    y = yaml.safe_load(open(test))
    pcap = y.get("pcap")
    if isinstance(pcap, str):
        pcap = os.path.normpath(os.path.join(d, pcap))
    else:
        found = sorted(glob.glob(os.path.join(d, "*.pcap")))
        if not found:
            continue
        pcap = found[0]
    cap = os.path.relpath(pcap, EXT)
    src = "suricata-verify " + os.path.basename(d) + "/test.yaml"
    for check in y.get("checks", []) or []:
        f = check.get("filter") if isinstance(check, dict) else None
        if not f or f.get("count", 0) < 1:
            continue
        match = f.get("match", {})
        if match.get("event_type") != "mqtt":
            continue
        per_type = {}
        for k, v in match.items():
            p = k.split(".")
            if len(p) != 3 or p[0] != "mqtt" or (p[1], p[2]) not in KEYS:
                continue
            q = KEYS[(p[1], p[2])]
            if q == "session_present" and match.get("mqtt.connect.protocol_version") == 3 \
                    or q == "session_present" and os.path.basename(d).startswith("mqtt31-"):
                continue  # MQTT 3.1 has no Session Present: the byte is reserved (3.1 §3.2)
            if p[2] == "topics" or isinstance(v, list):
                if v and isinstance(v[0], dict):
                    v = ",".join(t["topic"] for t in v)
                else:
                    v = ",".join(val(x) for x in v)
            per_type.setdefault(p[1], []).append("%s=%s" % (q, val(v)))
        if ("subscribe", "topics") not in KEYS and "mqtt.subscribe.topics" in match:
            t = match["mqtt.subscribe.topics"]
            per_type.setdefault("subscribe", []).append("topic=" + ",".join(x["topic"] for x in t))
            per_type["subscribe"].append("subscribe_qos=" + ",".join(str(x["qos"]) for x in t))
        for ty, conds in per_type.items():
            row(cap, "*", "has %d %s" % (TYPES[ty.upper()], ";".join(conds)), "yes", src)

# Zeek: the mqtt btest baselines for zeek/mqtt/mqtt.pcap.
zdir = os.path.join(EXT, "zeek", "mqtt", "baseline", "scripts.base.protocols.mqtt.mqtt")
def zeek_log(name):
    fields, out = [], []
    for line in open(os.path.join(zdir, name)):
        line = line.rstrip("\n")
        if line.startswith("#fields"):
            fields = line.split("\t")[1:]
        elif line and not line.startswith("#"):
            out.append(dict(zip(fields, line.split("\t"))))
    return out
if os.path.isdir(zdir):
    cap, src = "zeek/mqtt/mqtt.pcap", "zeek baseline scripts.base.protocols.mqtt.mqtt/"
    for r in zeek_log("mqtt_connect.log"):
        port = r["id.orig_p"]
        row(cap, port, "has 1 protocol_name=%s;protocol_level=%s;client_id=%s" % (
            r["proto_name"], VERSIONS[r["proto_version"]], r["client_id"]), "yes", src + "mqtt_connect.log")
        if r["connect_status"] == "Connection Accepted":
            row(cap, port, "has 2 connack_code=0", "yes", src + "mqtt_connect.log")
    QOS = {"at most once": 0, "at least once": 1, "exactly once": 2}
    for r in zeek_log("mqtt_publish.log"):
        row(cap, r["id.orig_p"], "has 3 topic=%s;qos=%d;retain=%s" % (
            r["topic"], QOS[r["qos"]], "1" if r["retain"] == "T" else "0"), "yes", src + "mqtt_publish.log")
    for r in zeek_log("mqtt_subscribe.log"):
        row(cap, r["id.orig_p"], "has 8 topic=%s;subscribe_qos=%s" % (r["topics"], r["qos_levels"]), "yes",
            src + "mqtt_subscribe.log")
        row(cap, r["id.orig_p"], "has 9 suback_code=%s" % r["granted_qos_level"], "yes", src + "mqtt_subscribe.log")

# nDPI: the number of flows classified MQTT.
for out in sorted(glob.glob(os.path.join(EXT, "ndpi", "*.out"))):
    n = sum(1 for line in open(out) if re.search(r"\[proto: [0-9.]*/MQTT\]", line) or "/MQTT]" in line)
    if n:
        row("ndpi/" + os.path.basename(out)[:-4], "*", "connections", n, "nDPI " + os.path.basename(out))

print("# Facts the peers' test suites state about MQTT content of the external corpus, extracted by")
print("# scripts/extract-peer-facts.py; checked by PeerFactsTests. Scope: client port or * (whole capture).")
print("# Facts: `set Q` = the set of values of Q in scope; `has T c;c` = some packet of type T has all")
print("# conditions (Q=comma-joined values); `connections` = connections carrying MQTT.")
print("# capture\tscope\tfact\texpected\tsource")
for r in rows:
    print(r)
