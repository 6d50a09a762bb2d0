"""paho-mqtt client for the session scenarios of scenarios.sh (`session` set): a persistent session
(3.1.1 Clean Session 0, or 5.0 Clean Start 0 with Session Expiry Interval 60 s) on fault/session/#
at QoS 1, its messages acknowledged by hand (paho's manual_ack):

    session_client.py PORT LEVEL ID first    subscribe, print "ready", take one message without
                                             acknowledging it, then die (SIGKILL: no DISCONNECT),
                                             leaving the delivery unacknowledged in the session
    session_client.py PORT LEVEL ID resume   reconnect to the session; print Session Present and
                                             each message (with DUP) for 3 s, acknowledging them;
                                             DISCONNECT (5.0: Session Expiry 0, ending the session)
LEVEL is 4 (3.1.1) or 5 (5.0).
"""
import os
import signal
import sys
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

port, level, cid, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
v5 = level == 5
got = threading.Event()
c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=cid, manual_ack=True,
                protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311, clean_session=None if v5 else False)


def on_connect(client, userdata, flags, reason, properties):
    print(f"session present {int(flags.session_present)}", flush=True)


def on_message(client, userdata, msg):
    print(f"message {msg.topic} {msg.payload.decode()} qos {msg.qos} dup {int(msg.dup)}", flush=True)
    if mode == "first":
        got.set()  # not acknowledged
    else:
        client.ack(msg.mid, msg.qos)


c.on_connect, c.on_message = on_connect, on_message
kwargs = {}
if v5:
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 60
    kwargs = {"clean_start": False, "properties": props}
c.connect("127.0.0.1", port, keepalive=30, **kwargs)
c.loop_start()
if mode == "first":
    time.sleep(0.3)
    c.subscribe("fault/session/#", qos=1)
    time.sleep(0.3)
    print("ready", flush=True)
    got.wait(5)
    time.sleep(0.2)
    os.kill(os.getpid(), signal.SIGKILL)  # the kernel closes the socket: the delivery stays unacknowledged
time.sleep(3.0)
if v5:
    end = Properties(PacketTypes.DISCONNECT)
    end.SessionExpiryInterval = 0
    c.disconnect(properties=end)
else:
    c.disconnect()
time.sleep(0.2)
c.loop_stop()
