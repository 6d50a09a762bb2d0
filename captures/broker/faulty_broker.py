"""A small MQTT 3.1.1 / 5.0 broker that is correct except for one configurable fault.

It exists to make the cross-connection rules of `mqscope check` fire on traffic of real clients
(mosquitto_pub/mosquitto_sub, paho-mqtt): each fault breaks exactly one broker rule, and with no
fault the same scenario is clean.

    python3 faulty_broker.py PORT [FAULT]

FAULT (default none):
  qos      deliver at the published QoS, ignoring the granted QoS   (MQTT311-3.8.4-6 / MQTT5-3.8.4-8)
  route    deliver every PUBLISH to every connected session         (MQTT311-3.3.2-3 / MQTT5-3.3.2-3)
  retain   keep RETAIN=1 when forwarding to established subscriptions (MQTT311-3.3.1-9 / MQTT5-3.3.1-12)
  nolocal  ignore No Local                                           (MQTT5-3.8.3-3)
  will     publish the Will after a normal DISCONNECT too            (MQTT311-3.14.4-3 / MQTT5-3.14.4-3)
  drop-will    never publish a Will (abrupt close, DISCONNECT 0x04)  (MQTT311-3.1.2-8 / MQTT5-3.1.2-8)
  early-will   ignore the Will Delay Interval: publish at the close  (MQTT5-3.1.2-8)
  resume-will  publish a delayed Will even when its session resumed (MQTT5-3.1.3-9)
  receive-max  ignore the client's Receive Maximum                  (MQTT5-3.3.4-9)
  alias-max    give each topic a Topic Alias, above the client's Topic Alias Maximum too (MQTT5-3.3.2-11)
  packet-size  ignore the client's Maximum Packet Size              (MQTT5-3.1.2-24)
  order        deliver live QoS 1/2 messages in swapped pairs          (MQTT311-4.6.0-6 / MQTT5-4.6.0-5)
  subid        leave the Subscription Identifiers out of deliveries  (MQTT5-3.3.4-3)
  shared       deliver to every member of a share group              (MQTT5-4.8.2-5)
  no-present   answer Session Present 0 to a session it holds (and resume it all the same)
                                                                     (MQTT311-3.2.2-2 / MQTT5-3.2.2-3)
  stale-present  answer Session Present 1 to every Clean Start 0 CONNECT (MQTT311-3.2.2-3 / MQTT5-4.1.0-2)
  drop-queued  queue nothing for a disconnected session              (MQTT311-3.1.2-5 / MQTT5-3.1.2-23)
  no-resend    forget unacknowledged deliveries when a session resumes (MQTT311-4.4.0-1 / MQTT5-4.4.0-1)
  no-dup       re-send unacknowledged deliveries with DUP=0          (MQTT311-3.3.1-1 / MQTT5-3.3.1-1)
  will-retain  store the Will as retained when Will Retain is 0, not when it is 1
                                                                     (MQTT311-3.1.2-16/-17 / MQTT5-3.1.2-14/-15)
  retain-empty store a zero-byte retained message instead of deleting the topic's (MQTT311-3.3.1-11 / MQTT5-3.3.1-7)
  keep-cleared ignore a zero-byte retained message: the old one stays  (MQTT311-3.3.1-10 / MQTT5-3.3.1-6)

What it implements: CONNECT/CONNACK, sessions (3.1.1 Clean Session 0 and 5.0 Session Expiry
Interval > 0 keep the subscriptions, the QoS 1/2 messages that match them while disconnected and the
unacknowledged deliveries, re-sent with DUP=1 and their PUBRELs when the session resumes with
Clean Start 0: Session Present 1; the DISCONNECT's Session Expiry Interval replaces the CONNECT's), SUBSCRIBE/SUBACK (grants min(requested,
1): QoS 2 is downgraded so the QoS rule has something to check), UNSUBSCRIBE/UNSUBACK, PUBLISH QoS
0/1/2 both ways with their acknowledgements, retained messages (sent with RETAIN=1 when a
subscription is made, cleared by an empty retained payload), No Local and Retain As Published
(5.0), Wills (published when a connection ends without DISCONNECT or with DISCONNECT 0x04; 5.0:
after min(Will Delay Interval, Session Expiry Interval), not when a connection of the same Client
Identifier with Clean Start 0 comes first), the client's Receive Maximum (QoS 1/2 deliveries beyond
it wait for a PUBACK/PUBCOMP) and Maximum Packet Size (larger deliveries are dropped), PINGREQ,
DISCONNECT, Subscription Identifiers (5.0: every matching subscription's, on the one copy sent),
shared subscriptions (each message to one member of the group, in turn). It
sends no Topic Alias (but with `alias-max`). Prints "faulty broker ready" when it listens.
"""
import asyncio
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients"))
from mqtt_wire import packet, read_vbi, utf8, vbi  # noqa: E402

MAX_GRANT = 1


def matches(filt, topic):
    if filt.startswith("$share/"):
        filt = filt.split("/", 2)[2]
    if filt[:1] in ("#", "+") and topic.startswith("$"):
        return False
    f, t = filt.split("/"), topic.split("/")
    for i, level in enumerate(f):
        if level == "#":
            return True
        if i >= len(t):
            return False
        if level != "+" and level != t[i]:
            return False
    return len(f) == len(t)


class Session:
    def __init__(self, broker, reader, writer):
        self.broker, self.reader, self.writer = broker, reader, writer
        self.client_id = ""
        self.v5 = False
        self.subs = {}  # filter -> (granted qos, no_local, retain_as_published)
        self.next_id = 1
        self.inbound_qos2 = set()
        self.will = None  # (topic, payload, qos, retain)
        self.will_delay = 0
        self.receive_max, self.max_packet = 65535, 1 << 28
        self.inflight, self.waiting, self.aliases = 0, [], {}
        self.held = None  # fault `order`: a delivery held back until the next one is sent
        self.disconnected = False
        self.persistent, self.expiry = False, 0
        self.unacked = {}  # packet id -> a QoS 1/2 delivery not yet acknowledged (PUBACK / PUBREC)
        self.released = set()  # packet ids of PUBRELs sent, not yet completed (PUBCOMP)

    def send(self, data):
        self.writer.write(data)

    def props(self, data=b""):
        return vbi(len(data)) + data if self.v5 else b""

    def pid(self):
        p = self.next_id
        self.next_id = p % 65535 + 1
        return p

    def deliver(self, topic, payload, qos, retain, props=b"", now=False, pid=None, dup=False):
        fault = self.broker.fault
        if fault == "order" and qos and not retain and not now:
            if self.held is None:
                self.held = (topic, payload, qos, retain, props)
                return
            held, self.held = self.held, None
            self.deliver(topic, payload, qos, retain, props, now=True)
            self.deliver(*held, now=True)
            return
        if qos and self.inflight >= self.receive_max and fault != "receive-max":
            self.waiting.append((topic, payload, qos, retain, props))  # 5.0 §4.9: no send quota left
            return
        name = topic
        if self.v5 and fault == "alias-max":  # one alias per topic, the topic sent only the first time
            if topic in self.aliases:
                name = ""
            else:
                self.aliases[topic] = len(self.aliases) + 1
            props += b"\x23" + struct.pack(">H", self.aliases[topic])
        b0 = 0x30 | (8 if dup else 0) | (qos << 1) | (1 if retain else 0)
        if qos and pid is None:
            pid = self.pid()
        body = utf8(name) + (struct.pack(">H", pid) if qos else b"") + self.props(props) + payload
        data = packet(b0, body)
        if len(data) > self.max_packet and fault != "packet-size":
            return  # 5.0 [MQTT-3.1.2-25]: dropped, as if sent
        if qos:
            self.inflight += 1
            self.unacked[pid] = (topic, payload, qos, retain, props)
        self.send(data)

    def acknowledged(self):
        self.inflight = max(0, self.inflight - 1)
        if self.waiting:
            self.deliver(*self.waiting.pop(0))

    def resume(self, stored):
        """A session resumed: its subscriptions back, its unacknowledged deliveries re-sent with their
        ids and DUP=1 and its PUBRELs re-sent (3.1.1 §4.4, 5.0 §4.4), then what was queued meanwhile."""
        self.subs, self.next_id = stored["subs"], stored["next_id"]
        fault = self.broker.fault
        if fault != "no-resend":
            for pid, (topic, payload, qos, retain, props) in sorted(stored["unacked"].items()):
                self.deliver(topic, payload, qos, retain, props, now=True, pid=pid, dup=fault != "no-dup")
            for pid in sorted(stored["released"]):
                self.released.add(pid)
                self.send(packet(0x62, struct.pack(">H", pid)))
        for message in stored["queue"]:
            self.deliver(*message, now=True)

    async def read_packet(self):
        b0 = (await self.reader.readexactly(1))[0]
        mult, n = 1, 0
        while True:
            b = (await self.reader.readexactly(1))[0]
            n += (b & 0x7F) * mult
            mult *= 128
            if not b & 0x80:
                break
        return b0, (await self.reader.readexactly(n)) if n else b""

    def skip_props(self, body, i):
        return self.read_props(body, i)[1]

    def read_props(self, body, i):
        """The integer properties (Session Expiry 0x11, Will Delay 0x18, Subscription Identifier 0x0B …) by id, and the
        index after the properties (5.0 §2.2.2)."""
        if not self.v5:
            return {}, i
        n, i = read_vbi(body, i)
        end, out, j = i + n, {}, i
        sizes = {0x01: 1, 0x17: 1, 0x19: 1, 0x21: 2, 0x22: 2, 0x02: 4, 0x11: 4, 0x18: 4, 0x27: 4}
        while j < end:
            pid = body[j]
            j += 1
            if pid in sizes:
                if sizes[pid] > 1:
                    out[pid] = int.from_bytes(body[j:j + sizes[pid]], "big")
                j += sizes[pid]
            elif pid == 0x0B:  # Subscription Identifier
                out[pid], j = read_vbi(body, j)
            elif pid == 0x26:  # string pair
                for _ in range(2):
                    j += 2 + struct.unpack(">H", body[j:j + 2])[0]
            else:  # strings and binary data
                j += 2 + struct.unpack(">H", body[j:j + 2])[0]
        return out, end

    async def run(self):
        try:
            while True:
                b0, body = await self.read_packet()
                if not await self.handle(b0 >> 4, b0 & 0x0F, body):
                    break
                await self.writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.broker.sessions.discard(self)
            if self.persistent and self.client_id:
                self.broker.store(self)
            if self.will and not self.disconnected:  # ended without DISCONNECT: publish the Will
                self.broker.will_due(self)
            self.writer.close()

    async def handle(self, kind, flags, body):
        if kind == 1:  # CONNECT
            n = struct.unpack(">H", body[0:2])[0]
            level = body[2 + n]
            self.v5 = level == 5
            flags = body[2 + n + 1]
            props, i = self.read_props(body, 2 + n + 4)
            self.receive_max = props.get(0x21, 65535)
            self.max_packet = props.get(0x27, 1 << 28)
            cl = struct.unpack(">H", body[i:i + 2])[0]
            self.client_id = body[i + 2:i + 2 + cl].decode()
            i += 2 + cl
            clean = bool(flags & 0x02)
            self.broker.resumed(self.client_id, clean=clean)
            self.expiry = props.get(0x11, 0)
            self.persistent = self.expiry > 0 if self.v5 else not clean
            if flags & 0x04:
                wprops, i = self.read_props(body, i)
                # 5.0 §3.1.2.5: published once the Will Delay has passed or the session ended.
                self.will_delay = min(wprops.get(0x18, 0), props.get(0x11, 0)) if self.v5 else 0
                tl = struct.unpack(">H", body[i:i + 2])[0]
                topic = body[i + 2:i + 2 + tl].decode()
                i += 2 + tl
                pl = struct.unpack(">H", body[i:i + 2])[0]
                self.will = (topic, body[i + 2:i + 2 + pl], (flags >> 3) & 3, bool(flags & 0x20))
            stored = self.broker.take(self.client_id, clean)
            present = stored is not None
            if self.broker.fault == "no-present":
                present = False
            elif self.broker.fault == "stale-present" and not clean:
                present = True
            self.send(packet(0x20, (b"\x01" if present else b"\x00") + b"\x00" + self.props()))
            self.broker.sessions.add(self)
            if stored is not None:
                self.resume(stored)
        elif kind == 8:  # SUBSCRIBE
            pid = body[0:2]
            props, i = self.read_props(body, 2)
            subid = props.get(0x0B)
            codes = bytearray()
            new = []
            while i < len(body):
                n = struct.unpack(">H", body[i:i + 2])[0]
                filt = body[i + 2:i + 2 + n].decode()
                opts = body[i + 2 + n]
                i += 3 + n
                granted = min(opts & 0x03, MAX_GRANT)
                self.subs[filt] = (granted, bool(opts & 0x04) and self.v5, bool(opts & 0x08) and self.v5, subid)
                codes.append(granted)
                new.append((filt, granted))
            self.send(packet(0x90, pid + self.props() + bytes(codes)))
            for filt, granted in new:  # retained messages, RETAIN=1, when the subscription is made
                for topic, (payload, qos) in sorted(self.broker.retained.items()):
                    if matches(filt, topic):
                        self.deliver(topic, payload, min(qos, granted), True)
        elif kind == 10:  # UNSUBSCRIBE
            pid = body[0:2]
            i = self.skip_props(body, 2)
            count = 0
            while i < len(body):
                n = struct.unpack(">H", body[i:i + 2])[0]
                self.subs.pop(body[i + 2:i + 2 + n].decode(), None)
                i += 2 + n
                count += 1
            self.send(packet(0xB0, pid + self.props() + (bytes(count) if self.v5 else b"")))
        elif kind == 3:  # PUBLISH
            qos, retain = (flags >> 1) & 3, bool(flags & 1)
            n = struct.unpack(">H", body[0:2])[0]
            topic = body[2:2 + n].decode()
            i = 2 + n
            pid = body[i:i + 2] if qos else b""
            i += 2 if qos else 0
            i = self.skip_props(body, i)
            payload = body[i:]
            if qos == 1:
                self.send(packet(0x40, pid))
            elif qos == 2:
                self.send(packet(0x50, pid))
                if pid in self.inbound_qos2:
                    return True
                self.inbound_qos2.add(pid)
            if retain:
                if payload or self.broker.fault == "retain-empty":
                    self.broker.retained[topic] = (payload, qos)
                elif self.broker.fault != "keep-cleared":
                    self.broker.retained.pop(topic, None)
            self.broker.route(self, topic, payload, qos, retain)
        elif kind == 6:  # PUBREL
            self.inbound_qos2.discard(body[0:2])
            self.send(packet(0x70, body[0:2]))
        elif kind == 5:  # PUBREC (of our QoS 2 delivery)
            pid = struct.unpack(">H", body[0:2])[0]
            self.unacked.pop(pid, None)
            self.released.add(pid)
            self.send(packet(0x62, body[0:2]))
        elif kind == 12:  # PINGREQ
            self.send(packet(0xD0, b""))
        elif kind == 14:  # DISCONNECT (5.0 reason 0x04: with the Will)
            reason = body[0] if self.v5 and body else 0
            self.disconnected = reason != 0x04
            if self.v5 and len(body) > 1:
                self.expiry = self.read_props(body, 1)[0].get(0x11, self.expiry)
                self.persistent = self.expiry > 0
            if self.will and self.broker.fault == "will":
                self.broker.publish_will(self)
                self.will = None
            return False
        elif kind in (4, 7):  # PUBACK, PUBCOMP: a send quota back
            pid = struct.unpack(">H", body[0:2])[0]
            self.unacked.pop(pid, None)
            self.released.discard(pid)
            self.acknowledged()
        return True


class Broker:
    def __init__(self, fault):
        self.fault = fault
        self.sessions = set()
        self.retained = {}
        self.delayed = {}  # client id -> the delayed Will's timer
        self.turns = {}  # shared filter -> deliveries so far (round robin over its members)
        self.stored = {}  # client id -> a disconnected session's state (subscriptions, queue, in flight)

    def store(self, s):
        self.stored[s.client_id] = {"subs": s.subs, "next_id": s.next_id, "unacked": dict(s.unacked),
                                    "released": set(s.released), "queue": [], "expiry": s.expiry,
                                    "v5": s.v5, "closed": asyncio.get_running_loop().time()}

    def take(self, client_id, clean):
        """The stored session of a CONNECT's Client Identifier, removed from the store; None when it
        starts clean or there is none (or, 5.0, its Session Expiry Interval has passed)."""
        stored = self.stored.pop(client_id, None)
        if clean or stored is None:
            return None
        if stored["v5"] and stored["expiry"] != 0xFFFFFFFF and \
                asyncio.get_running_loop().time() - stored["closed"] > stored["expiry"]:
            return None
        return stored

    def will_due(self, s):
        if self.fault == "drop-will":
            return
        if s.will_delay and self.fault != "early-will":
            def fire():
                self.delayed.pop(s.client_id, None)
                self.publish_will(s)
            self.delayed[s.client_id] = (asyncio.get_running_loop().call_later(s.will_delay, fire), fire)
        else:
            self.publish_will(s)

    def resumed(self, client_id, clean):
        """A CONNECT: a delayed Will of the same Client Identifier is not sent if the session
        resumes (5.0 [MQTT-3.1.3-9]); a new session (Clean Start 1) ends the old one: sent now."""
        if client_id not in self.delayed or self.fault == "resume-will":
            return
        handle, fire = self.delayed.pop(client_id)
        handle.cancel()
        if clean:
            fire()

    def publish_will(self, s):
        topic, payload, qos, retain = s.will
        if retain != (self.fault == "will-retain"):  # the fault: retained when Will Retain is 0, not when 1
            self.retained[topic] = (payload, qos)
        self.route(s, topic, payload, qos, retain)

    def route(self, sender, topic, payload, qos, retain):
        shared = {}  # "$share/G/filter" -> [(session, granted, subid)]: one member each (5.0 §4.8.2)
        for s in sorted(self.sessions, key=lambda s: s.client_id):
            best = None
            ids = b""
            for filt, (granted, no_local, rap, subid) in s.subs.items():
                if not matches(filt, topic):
                    continue
                if filt.startswith("$share/"):
                    shared.setdefault(filt, []).append((s, granted, subid))
                    continue
                if no_local and s.client_id == sender.client_id and self.fault != "nolocal":
                    continue
                if best is None or granted > best[0]:
                    best = (granted, rap)
                if subid and self.fault != "subid":
                    ids += b"\x0b" + vbi(subid)
            if best is None:
                if self.fault != "route" or s is sender or not s.subs:
                    continue
                best = (qos, False)
            granted, rap = best
            out_qos = qos if self.fault == "qos" else min(qos, granted)
            out_retain = retain if (rap or self.fault == "retain") else False
            s.deliver(topic, payload, out_qos, out_retain, ids)
        if qos and self.fault != "drop-queued":  # QoS 1/2 messages for disconnected sessions (3.1.1 §3.1.2.4)
            for stored in self.stored.values():
                granted = max((g for f, (g, _, _, _) in stored["subs"].items()
                               if not f.startswith("$share/") and matches(f, topic)), default=0)
                if granted:
                    stored["queue"].append((topic, payload, min(qos, granted), False))
        for filt, members in sorted(shared.items()):
            turn = self.turns.get(filt, 0)
            self.turns[filt] = turn + 1
            for s, granted, subid in members if self.fault == "shared" else [members[turn % len(members)]]:
                ids = b"\x0b" + vbi(subid) if subid and self.fault != "subid" else b""
                s.deliver(topic, payload, min(qos, granted), False, ids)


async def main():
    port = int(sys.argv[1])
    fault = sys.argv[2] if len(sys.argv) > 2 else "none"
    broker = Broker(fault)

    async def accept(reader, writer):
        await Session(broker, reader, writer).run()

    server = await asyncio.start_server(accept, "127.0.0.1", port)
    print(f"faulty broker ready on {port}, fault {fault}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
