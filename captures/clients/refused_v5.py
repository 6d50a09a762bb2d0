"""paho-mqtt against a 3.1.1-only broker (capture: mqtt-activemq-refused-v5.pcap).

An MQTT 5.0 CONNECT, which ActiveMQ 5.17 refuses with a 3.1.1-format CONNACK
(return code 0x01, unacceptable protocol version) and a close; then the same
client id over 3.1.1: CONNECT / SUBSCRIBE / PUBLISH QoS 1 received back / DISCONNECT.
"""
import paho.mqtt.client as mqtt

from drive import HOST, PORT, Recorder, new_client, pump

rec = Recorder("refused")
v5 = new_client("mqscope-refused", mqtt.MQTTv5, rec)
v5.connect(HOST, PORT, keepalive=20)
pump([v5], lambda: rec.has("connack") or rec.has("disconnect"), what="CONNACK (refusal)")
try:
    v5.disconnect()
except Exception:
    pass
v5.loop(timeout=0.5)

rec = Recorder("v311")
c = new_client("mqscope-refused", mqtt.MQTTv311, rec)
c.connect(HOST, PORT, keepalive=20)
pump([c], lambda: rec.has("connack"), what="CONNACK")
c.subscribe("mqscope/refused/#", qos=1)
pump([c], lambda: rec.has("suback"), what="SUBACK")
c.publish("mqscope/refused/after", b"3.1.1 works", qos=1)
pump([c], lambda: rec.has("puback") and rec.has("message"), what="PUBACK + delivery")
c.disconnect()
pump([c], lambda: rec.has("disconnect"), what="DISCONNECT")
print("refused_v5: ok")
