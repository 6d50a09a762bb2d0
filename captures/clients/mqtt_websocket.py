#!/usr/bin/env python3
"""MQTT 3.1.1 over WebSocket with paho-mqtt's websockets transport: subscribe, PUBLISH at
QoS 0/1/2, a 300-byte payload (16-bit WebSocket length) and a 70000-byte one (64-bit),
then DISCONNECT. Each step waits for the broker's answer.

  mqtt_websocket.py PORT
"""
import sys
import threading
import time

import paho.mqtt.client as mqtt

port = int(sys.argv[1])
done = threading.Condition()
got = []
acks = set()


def on_message(client, userdata, msg):
    with done:
        got.append(msg.payload)
        done.notify_all()


def on_publish(client, userdata, mid, rc, props):
    with done:
        acks.add(mid)
        done.notify_all()


c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="mqscope-ws", transport="websockets",
                protocol=mqtt.MQTTv311)
c.ws_set_options(path="/mqtt")
c.on_message = on_message
c.on_publish = on_publish
c.connect("127.0.0.1", port, keepalive=30)
c.loop_start()
c.subscribe("mqscope/ws/#", qos=2)
payloads = [(b"ws qos0", 0), (b"ws qos1", 1), (b"ws qos2", 2), (b"x" * 300, 1), (b"y" * 70000, 1)]
time.sleep(0.3)
for payload, qos in payloads:
    info = c.publish("mqscope/ws/t", payload, qos=qos)
    info.wait_for_publish(10)
with done:
    if not done.wait_for(lambda: len(got) >= len(payloads), 10):
        sys.exit("timed out waiting for messages")
c.disconnect()
c.loop_stop()
