"""paho-mqtt 5.0 client for the Will scenarios of scenarios.sh (`will` set):

    will_client.py PORT abrupt ID DELAY   Will on fault/will/ID with Will Delay Interval DELAY s and
                                          Session Expiry 30 s; killed (SIGKILL) 0.5 s after CONNACK
    will_client.py PORT with-will ID      Will on fault/will/ID; ends with DISCONNECT 0x04
    will_client.py PORT resume ID         Clean Start 0 as mqscope-will-ID: resumes the session of an
                                          `abrupt` client before its Will Delay has passed; DISCONNECT
"""
import os
import signal
import sys
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

port, mode, name = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="mqscope-will-" + name, protocol=mqtt.MQTTv5)
props = Properties(PacketTypes.CONNECT)
props.SessionExpiryInterval = 30
if mode != "resume":
    wp = Properties(PacketTypes.WILLMESSAGE)
    wp.WillDelayInterval = int(sys.argv[4]) if mode == "abrupt" else 0
    c.will_set("fault/will/" + name, b"gone " + name.encode(), qos=1, properties=wp)
c.connect("127.0.0.1", port, keepalive=2, clean_start=(mode != "resume"), properties=props)
c.loop_start()
time.sleep(0.5)
if mode == "abrupt":
    os.kill(os.getpid(), signal.SIGKILL)  # no DISCONNECT: the kernel closes the socket
c.disconnect(reasoncode=ReasonCode(PacketTypes.DISCONNECT, identifier=0x04 if mode == "with-will" else 0x00))
time.sleep(0.2)
c.loop_stop()
