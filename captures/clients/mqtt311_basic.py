"""MQTT 3.1.1 session used for the IPv6 capture (mqtt311-paho-ipv6.pcap).

Set MQ_HOST=::1. CONNECT (clean session, username/password, keep alive 30) /
SUBSCRIBE two filters (QoS 0 and 2) / PUBLISH QoS 0, 1, 2 (one retained) /
deliveries back / UNSUBSCRIBE / DISCONNECT.
"""
import sys

import paho.mqtt.client as mqtt

from drive import HOST, PORT, USER, PASSWORD, Recorder, new_client, pump

client_id = sys.argv[1] if len(sys.argv) > 1 else "mqscope-311-ipv6"
rec = Recorder("v311")
client = new_client(client_id, mqtt.MQTTv311, rec)
client.username_pw_set(USER, PASSWORD)
client.connect(HOST, PORT, keepalive=30)
pump([client], lambda: rec.has("connack"), what="CONNACK")
client.subscribe([("mqscope/v311/+/state", 0), ("mqscope/v311/cmd/#", 2)])
pump([client], lambda: rec.has("suback"), what="SUBACK")
client.publish("mqscope/v311/lamp/state", b"on", qos=0)
client.publish("mqscope/v311/cmd/lamp", b"toggle", qos=1)
client.publish("mqscope/v311/cmd/door", b"open", qos=2, retain=True)
pump([client], lambda: rec.has("puback", 2) and rec.has("message", 3), what="acks + deliveries")
client.unsubscribe(["mqscope/v311/+/state", "mqscope/v311/cmd/#"])
pump([client], lambda: rec.has("unsuback"), what="UNSUBACK")
client.disconnect()
pump([client], lambda: rec.has("disconnect"), what="DISCONNECT")
print("mqtt311_basic: ok")
