#!/usr/bin/env python3
"""STOMP 1.0, 1.1 and 1.2 sessions against a broker on 127.0.0.1:61613 (ActiveMQ in
regenerate.sh), driven by stomp.py. Each step waits for the broker's answer, so the
conversation on the wire is deterministic (ids, timestamps and session names differ).

  stomp_sessions.py VERSION     # 1.0 | 1.1 | 1.2 | error | websocket

The broker's STOMP port is 61613 unless STOMP_PORT says otherwise (the live test picks a free one);
1.1 and 1.2 sessions offer heart-beats of 400 ms unless STOMP_HEARTBEAT says otherwise (the live
test sets 0: stomp.py gives up on a heart-beat late by 200 ms, which a loaded CI machine causes).
With STOMP_TLS_CAFILE set the connection uses TLS (captures/tls/regenerate.sh, stomp+ssl on
61612): the server certificate is checked against that CA and STOMP_TLS_SNI (sent as SNI), and
STOMP_KEYLOG names the NSS key log to write.
"""
import os
import ssl
import sys
import time
import threading
import types

import stomp
import stomp.transport

HOST = [("127.0.0.1", int(os.environ.get("STOMP_PORT", "61613")))]


class KeylogContext(ssl.SSLContext):
    """stomp.py builds its own ssl.SSLContext and names the server by the host it connects to
    (127.0.0.1: no SNI); this one sends STOMP_TLS_SNI and writes STOMP_KEYLOG."""

    def wrap_socket(self, sock, *args, **kwargs):
        if os.environ.get("STOMP_KEYLOG"):
            self.keylog_filename = os.environ["STOMP_KEYLOG"]
        if os.environ.get("STOMP_TLS_SNI"):
            kwargs["server_hostname"] = os.environ["STOMP_TLS_SNI"]
        return super().wrap_socket(sock, *args, **kwargs)


def use_tls(c):
    if os.environ.get("STOMP_TLS_CAFILE"):
        # stomp.transport looks ssl.SSLContext up when it connects: give it a copy of the ssl
        # namespace holding ours (ssl.py itself must keep its own class).
        shim = types.SimpleNamespace(**{k: getattr(ssl, k) for k in dir(ssl) if not k.startswith("__")})
        shim.SSLContext = KeylogContext
        stomp.transport.ssl = shim
        c.set_ssl(for_hosts=HOST, ca_certs=os.environ["STOMP_TLS_CAFILE"])


class Recorder(stomp.ConnectionListener):
    """Collects MESSAGE frames and RECEIPTs so each step can wait for them."""

    def __init__(self):
        self.cv = threading.Condition()
        self.messages = []
        self.receipts = set()
        self.errors = []

    def on_message(self, frame):
        with self.cv:
            self.messages.append(frame.headers)
            self.cv.notify_all()

    def on_receipt(self, frame):
        with self.cv:
            self.receipts.add(frame.headers.get("receipt-id"))
            self.cv.notify_all()

    def on_error(self, frame):
        with self.cv:
            self.errors.append(frame.headers)
            self.cv.notify_all()

    def wait(self, pred, what, timeout=10):
        with self.cv:
            if not self.cv.wait_for(pred, timeout):
                sys.exit(f"timed out waiting for {what}")

    def messages_count(self, n):
        self.wait(lambda: len(self.messages) >= n, f"{n} messages")
        return self.messages[n - 1]

    def receipt(self, r):
        self.wait(lambda: r in self.receipts, f"receipt {r}")


def connection(version, heartbeats=(0, 0)):
    if version == "websocket":
        # STOMP 1.2 over WebSocket (port 61623, subprotocol v12.stomp; ws_bridge.py in front of ActiveMQ).
        c = stomp.WSStompConnection([("127.0.0.1", 61623)], ws_path="/stomp", heartbeats=heartbeats,
                                    header=["Sec-WebSocket-Protocol: v12.stomp"])
        rec = Recorder()
        c.set_listener("rec", rec)
        return c, rec
    cls = {"1.0": stomp.Connection10, "1.1": stomp.Connection11, "1.2": stomp.Connection12}[version]
    c = cls(HOST, heartbeats=heartbeats) if version != "1.0" else cls(HOST)
    use_tls(c)
    rec = Recorder()
    c.set_listener("rec", rec)
    return c, rec


def session(version):
    v = version.replace(".", "") if version != "websocket" else "ws"
    q = f"/queue/mqscope.v{v}"
    interval = int(os.environ.get("STOMP_HEARTBEAT", "400"))
    hb = (0, 0) if version == "1.0" else (interval, interval)
    c, rec = connection(version, hb)
    c.connect("admin", "admin", wait=True, headers={"client-id": f"mqscope-stomp-{v}"})

    # auto acknowledgement, SEND with a receipt and a body holding a NUL (content-length).
    c.subscribe(q + ".auto", id="sub-auto", ack="auto")
    c.send(q + ".auto", "hello\x00world", content_type="application/octet-stream", receipt="r-send-1")
    rec.receipt("r-send-1")
    rec.messages_count(1)

    # A transaction committed, then one aborted (its message is never delivered).
    c.subscribe(q + ".tx", id="sub-tx", ack="auto")
    tx = c.begin()
    c.send(q + ".tx", "in transaction", transaction=tx)
    c.commit(tx, receipt="r-commit")
    rec.receipt("r-commit")
    rec.messages_count(2)
    tx = c.begin()
    c.send(q + ".tx", "aborted", transaction=tx)
    c.abort(tx, receipt="r-abort")
    rec.receipt("r-abort")

    # client acknowledgement: ACK (1.0: message-id; 1.1: + subscription; 1.2: ack header's id).
    c.subscribe(q + ".client", id="sub-client", ack="client")
    c.send(q + ".client", "ack me", receipt="r-send-2")
    rec.receipt("r-send-2")
    h = rec.messages_count(3)
    ack_id = h.get("ack", h.get("message-id"))
    if version == "1.1":
        c.ack(h["message-id"], "sub-client", receipt="r-ack")
    else:
        c.ack(ack_id, receipt="r-ack")
    rec.receipt("r-ack")

    if version != "1.0":
        # client-individual: one ACK and one NACK.
        c.subscribe(q + ".individual", id="sub-ind", ack="client-individual")
        c.send(q + ".individual", "first", receipt="r-send-3")
        c.send(q + ".individual", "second", receipt="r-send-4")
        rec.receipt("r-send-4")
        h1 = rec.messages_count(4)
        h2 = rec.messages_count(5)
        if version == "1.1":
            c.ack(h1["message-id"], "sub-ind", receipt="r-ack-ind")
            c.nack(h2["message-id"], "sub-ind", receipt="r-nack")
        else:
            c.ack(h1["ack"], receipt="r-ack-ind")
            c.nack(h2["ack"], receipt="r-nack")
        rec.receipt("r-nack")
        # Idle long enough for heart-beat EOLs both ways.
        time.sleep(1.5)

    c.unsubscribe(id="sub-auto")
    c.disconnect(receipt="r-bye")


def session_ws():
    """A short 1.2 session over WebSocket: SEND with receipt, MESSAGE, ACK, DISCONNECT."""
    c, rec = connection("websocket")
    c.connect("admin", "admin", wait=True, headers={"client-id": "mqscope-stomp-ws"})
    c.subscribe("/queue/mqscope.ws", id="sub-ws", ack="client-individual")
    c.send("/queue/mqscope.ws", "over websocket", receipt="r-ws-send")
    rec.receipt("r-ws-send")
    h = rec.messages_count(1)
    c.ack(h["ack"], receipt="r-ws-ack")
    rec.receipt("r-ws-ack")
    c.disconnect(receipt="r-ws-bye")


def error_session():
    """A 1.2 session the broker ends with an ERROR: COMMIT of a transaction never begun."""
    c, rec = connection("1.2")
    c.connect("admin", "admin", wait=True)
    c.commit("no-such-tx", receipt="r-bad")
    rec.wait(lambda: rec.errors, "ERROR")
    time.sleep(0.3)
    try:
        c.disconnect()
    except Exception:
        pass


if __name__ == "__main__":
    which = sys.argv[1]
    if which == "error":
        error_session()
    elif which == "websocket":
        session_ws()
    else:
        session(which)
