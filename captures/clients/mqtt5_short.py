"""Short MQTT 5.0 session (capture: mqtt5-paho-lo.pcapng).

CONNECT (session expiry, user property) / SUBSCRIBE QoS 1 / PUBLISH QoS 1 with a
user property and content type, received back / DISCONNECT (reason 0x00).
"""
import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from drive import HOST, PORT, USER, PASSWORD, Recorder, new_client, pump

rec = Recorder("short")
client = new_client("mqscope-v5-short", mqtt.MQTTv5, rec)
client.username_pw_set(USER, PASSWORD)
props = Properties(PacketTypes.CONNECT)
props.SessionExpiryInterval = 10
props.UserProperty = ("capture", "lo-pcapng")
client.connect(HOST, PORT, keepalive=20, properties=props)
pump([client], lambda: rec.has("connack"), what="CONNACK")
client.subscribe("mqscope/short/#", qos=1)
pump([client], lambda: rec.has("suback"), what="SUBACK")
pp = Properties(PacketTypes.PUBLISH)
pp.ContentType = "text/plain"
pp.UserProperty = ("k", "v")
client.publish("mqscope/short/hello", b"hello over loopback", qos=1, properties=pp)
pump([client], lambda: rec.has("puback") and rec.has("message"), what="PUBACK + delivery")
client.disconnect()
pump([client], lambda: rec.has("disconnect"), what="DISCONNECT")
print("mqtt5_short: ok")
