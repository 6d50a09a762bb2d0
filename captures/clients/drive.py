"""Small single-threaded driver shared by the capture clients.

paho-mqtt's loop_start() runs a background thread that reconnects on its own;
for a deterministic capture we instead poll every client from one thread with
loop(), and wait for explicit conditions (CONNACK seen, SUBACK seen, ...).
"""
import os
import sys
import time

import paho.mqtt.client as mqtt

HOST = os.environ.get("MQ_HOST", "127.0.0.1")
PORT = int(os.environ.get("MQ_PORT", "1883"))
USER = os.environ.get("MQ_USER", "mqscope")
PASSWORD = os.environ.get("MQ_PASSWORD", "mqscope-pass")


class Recorder:
    """Collects callback events so the script can wait for them."""

    def __init__(self, name):
        self.name = name
        self.events = []

    def has(self, kind, count=1):
        return sum(1 for e in self.events if e[0] == kind) >= count

    def attach(self, client):
        client.on_connect = lambda c, u, flags, rc, props=None: self.events.append(("connack", str(rc)))
        client.on_subscribe = lambda c, u, mid, rcs, props=None: self.events.append(("suback", mid))
        client.on_unsubscribe = lambda c, u, mid, rcs=None, props=None: self.events.append(("unsuback", mid))
        client.on_publish = lambda c, u, mid, rc=None, props=None: self.events.append(("puback", mid))
        client.on_message = lambda c, u, msg: self.events.append(("message", msg.topic, msg.payload))
        client.on_disconnect = lambda c, u, flags, rc=None, props=None: self.events.append(("disconnect", str(rc)))
        return client


def new_client(client_id, protocol, recorder, clean=True):
    kwargs = {}
    if protocol != mqtt.MQTTv5:
        kwargs["clean_session"] = clean
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol, **kwargs)
    recorder.attach(client)
    return client


def pump(clients, until, timeout=10.0, what="condition"):
    """Poll all clients until `until()` is true; fail loudly on timeout."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            sys.exit(f"timeout waiting for {what}")
        for c in clients:
            c.loop(timeout=0.01)


def settle(clients, seconds):
    """Keep the network loops running for a fixed time (keep-alives, acks)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for c in clients:
            c.loop(timeout=0.01)
