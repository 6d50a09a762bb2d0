"""paho-mqtt 5.0 client for the No Local scenario: subscribes to fault/nl with No Local, publishes
one QoS 1 message there and waits a second for anything sent back (a correct broker sends nothing)."""
import sys
import time

import paho.mqtt.client as mqtt
from paho.mqtt.subscribeoptions import SubscribeOptions

port = int(sys.argv[1])
got = []
c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="mqscope-nolocal", protocol=mqtt.MQTTv5)
c.on_message = lambda cl, u, msg: got.append(msg.topic)
c.connect("127.0.0.1", port, keepalive=30)
c.loop_start()
time.sleep(0.3)
c.subscribe("fault/nl", options=SubscribeOptions(qos=1, noLocal=True))
time.sleep(0.3)
c.publish("fault/nl", b"not for me", qos=1).wait_for_publish(5)
time.sleep(1.0)
c.disconnect()
time.sleep(0.2)
c.loop_stop()
print("nolocal_client: echoed back" if got else "nolocal_client: not echoed")
