"""paho-mqtt 5.0 subscriber for the limits scenarios of scenarios.sh (`limits` set): announces
Receive Maximum 1, Topic Alias Maximum 2 and Maximum Packet Size 200 in its CONNECT, subscribes to
fault/limits/# at QoS 1, prints "ready" once the SUBACK is in and listens for SECONDS (default 3)
before a normal DISCONNECT.

    limits_client.py PORT [SECONDS]
"""
import sys
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

port = int(sys.argv[1])
c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="mqscope-limits", protocol=mqtt.MQTTv5)
props = Properties(PacketTypes.CONNECT)
props.ReceiveMaximum = 1
props.TopicAliasMaximum = 2
props.MaximumPacketSize = 200
c.on_subscribe = lambda *a: print("ready", flush=True)
c.connect("127.0.0.1", port, keepalive=30, properties=props)
c.loop_start()
time.sleep(0.2)
c.subscribe("fault/limits/#", qos=1)
time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 3)
c.disconnect()
time.sleep(0.2)
c.loop_stop()
