"""Concurrent MQTT 3.1 / 3.1.1 / 5.0 connections (capture: mqtt-mixed-versions.pcap).

  * 12 regular clients, 4 per protocol version (ids mqscope-mix-<ver>-<n>), all
    connected at once, keep alive 1 or 2 s, each subscribing to mqscope/mix/#
    and publishing one message (QoS n % 3); the loops then idle ~3.5 s so
    PINGREQ/PINGRESP pairs appear on every connection.
  * Session takeover, MQTT 5: "mqscope-dup-v5" connects twice; the broker
    closes the first connection (mosquitto 2.0.11 just sends FIN: no DISCONNECT
    0x8E on the wire, although MQTT 5 section 3.1.4 allows one).
  * Session takeover, MQTT 3.1.1: "mqscope-dup-v311" connects twice; the broker
    just closes the first TCP connection (3.1.1 has no server DISCONNECT).
  * A 3.1.1 client with a wrong password gets CONNACK return code 5 (not
    authorised) and the broker closes the connection.
"""
import paho.mqtt.client as mqtt

from drive import HOST, PORT, USER, PASSWORD, Recorder, new_client, pump, settle

VERSIONS = [("v31", mqtt.MQTTv31), ("v311", mqtt.MQTTv311), ("v5", mqtt.MQTTv5)]

clients, recs = [], []
for vname, proto in VERSIONS:
    for n in range(4):
        rec = Recorder(f"{vname}-{n}")
        c = new_client(f"mqscope-mix-{vname}-{n}", proto, rec)
        c.username_pw_set(USER, PASSWORD)
        c.connect(HOST, PORT, keepalive=1 + n % 2)
        clients.append(c)
        recs.append(rec)
pump(clients, lambda: all(r.has("connack") for r in recs), what="all CONNACKs")
for c in clients:
    c.subscribe("mqscope/mix/#", qos=1)
pump(clients, lambda: all(r.has("suback") for r in recs), what="all SUBACKs")
for i, c in enumerate(clients):
    c.publish(f"mqscope/mix/{i}", f"message {i} from {c._client_id.decode()}".encode(), qos=i % 3)
# Every client receives all 12 messages.
pump(clients, lambda: all(r.has("message", 12) for r in recs), what="all deliveries")
settle(clients, 3.5)  # keep-alive traffic

# MQTT 5 session takeover.
old_rec, new_rec = Recorder("dup5-old"), Recorder("dup5-new")
old5 = new_client("mqscope-dup-v5", mqtt.MQTTv5, old_rec)
old5.username_pw_set(USER, PASSWORD)
old5.connect(HOST, PORT, keepalive=30)
pump(clients + [old5], lambda: old_rec.has("connack"), what="dup v5 first CONNACK")
new5 = new_client("mqscope-dup-v5", mqtt.MQTTv5, new_rec)
new5.username_pw_set(USER, PASSWORD)
new5.connect(HOST, PORT, keepalive=30)
pump(clients + [old5, new5], lambda: new_rec.has("connack") and old_rec.has("disconnect"), what="v5 takeover")

# MQTT 3.1.1 session takeover.
old_rec3, new_rec3 = Recorder("dup311-old"), Recorder("dup311-new")
old3 = new_client("mqscope-dup-v311", mqtt.MQTTv311, old_rec3)
old3.username_pw_set(USER, PASSWORD)
old3.connect(HOST, PORT, keepalive=30)
pump(clients + [new5, old3], lambda: old_rec3.has("connack"), what="dup v311 first CONNACK")
new3 = new_client("mqscope-dup-v311", mqtt.MQTTv311, new_rec3)
new3.username_pw_set(USER, PASSWORD)
new3.connect(HOST, PORT, keepalive=30)
pump(clients + [new5, old3, new3], lambda: new_rec3.has("connack") and old_rec3.has("disconnect"),
     what="v311 takeover")

# Wrong password.
bad_rec = Recorder("badpw")
bad = new_client("mqscope-badpw", mqtt.MQTTv311, bad_rec)
bad.username_pw_set(USER, "wrong-password")
bad.connect(HOST, PORT, keepalive=30)
pump(clients + [new5, new3, bad], lambda: bad_rec.has("connack") and bad_rec.has("disconnect"),
     what="refused CONNACK")

survivors = clients + [new5, new3]
for c in survivors:
    c.disconnect()
pump(survivors, lambda: all(r.has("disconnect") for r in recs + [new_rec, new_rec3]), what="all DISCONNECTs")
print("mixed_versions: ok", [e for e in old_rec.events if e[0] == "disconnect"], bad_rec.events[:1])
