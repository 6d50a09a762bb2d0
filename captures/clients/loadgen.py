#!/usr/bin/env python3
"""A load generator for the real-traffic benchmark capture: many MQTT clients, each its own TCP
connection, talking to a real broker (mosquitto) over real sockets. Publishers send telemetry at
QoS 0 and 1 (MQTT 3.1.1 and 5.0 mixed); subscribers hold overlapping filters, so the broker fans
each message out to several of them and coalesces deliveries into segments as a busy broker does.

    loadgen.py HOST PORT --clients 600 --subscribers 60 --megabytes 140 [--seed 1]
               [--tls CAFILE --sni NAME --keylog FILE]

With --tls every client talks TLS (Python's ssl, OpenSSL) and writes its session keys to the NSS key
log --keylog; the clients take six TLS profiles in turn (TLS_PROFILES): TLS 1.3 with each of its
three AEAD suites and TLS 1.2 with ECDHE and the same three ciphers. Python cannot restrict a client's
TLS 1.3 suites, so the broker does: PORT, PORT+1 and PORT+2 must be TLS listeners allowing only
TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and TLS_CHACHA20_POLY1305_SHA256 respectively.
The same --seed gives the same clients, messages and payloads with and without --tls.

The MQTT bytes are written by this file (a small asyncio client), not by a library: a load of
hundreds of connections needs one event loop, not a thread per paho client. Every packet is
well-formed MQTT; QoS 1 deliveries are acknowledged. It stops by itself once the publishers have
sent --megabytes of PUBLISH payload, then disconnects every client normally.
"""
import argparse, asyncio, random, ssl, struct, sys, time

from mqtt_wire import packet, utf8 as s, vbi


def connect(client_id, v5, keep_alive=60):
    flags = 0x02  # clean session / clean start
    body = s("MQTT") + bytes([5 if v5 else 4, flags]) + struct.pack(">H", keep_alive)
    if v5:
        body += vbi(0)
    return packet(0x10, body + s(client_id))


def publish(topic, payload, qos, pid, v5):
    body = s(topic)
    if qos:
        body += struct.pack(">H", pid)
    if v5:
        body += vbi(0)
    return packet(0x30 | (qos << 1), body + payload)


def subscribe(filters, pid, v5):
    body = struct.pack(">H", pid)
    if v5:
        body += vbi(0)
    for f, qos in filters:
        body += s(f) + bytes([qos])
    return packet(0x82, body)


def puback(pid, v5):
    return packet(0x40, struct.pack(">H", pid))


DISCONNECT = packet(0xE0, b"")

# (TLS version, offset of the listener port, TLS 1.2 cipher suite in OpenSSL's naming or None).
TLS_PROFILES = [
    ("1.3", 0, None), ("1.3", 1, None), ("1.3", 2, None),
    ("1.2", 0, "ECDHE-RSA-AES128-GCM-SHA256"), ("1.2", 1, "ECDHE-RSA-AES256-GCM-SHA384"),
    ("1.2", 2, "ECDHE-RSA-CHACHA20-POLY1305"),
]


def tls_contexts(cafile, keylog):
    """One client context per TLS profile, all appending to the same key log."""
    contexts = []
    for version, _, cipher in TLS_PROFILES:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(cafile)
        ctx.keylog_filename = keylog
        if version == "1.3":
            ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        else:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers(cipher)
        contexts.append(ctx)
    return contexts


async def read_packets(reader, on_packet):
    """Frames MQTT packets from the stream and hands (type, flags, body) to on_packet."""
    buf = bytearray()
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            return
        buf += chunk
        while True:
            if len(buf) < 2:
                break
            mult, n, i = 1, 0, 1
            while True:
                if i >= len(buf):
                    n = -1
                    break
                b = buf[i]
                n += (b & 0x7F) * mult
                mult *= 128
                i += 1
                if not b & 0x80:
                    break
            if n < 0 or len(buf) < i + n:
                break
            first = buf[0]
            body = bytes(buf[i:i + n])
            del buf[:i + n]
            if on_packet(first >> 4, first & 0x0F, body) is False:
                return


class Client:
    def __init__(self, cid, v5, number):
        self.cid, self.v5, self.number = cid, v5, number
        self.reader = self.writer = None
        self.connack = asyncio.Event()
        self.suback = asyncio.Event()
        self.received = 0

    async def open(self, host, port, tls=None):
        """tls: (contexts, SNI) or None; the client's number picks its TLS profile."""
        if tls:
            contexts, sni = tls
            k = self.number % len(TLS_PROFILES)
            self.reader, self.writer = await asyncio.open_connection(
                host, port + TLS_PROFILES[k][1], ssl=contexts[k], server_hostname=sni)
        else:
            self.reader, self.writer = await asyncio.open_connection(host, port)
        self.writer.write(connect(self.cid, self.v5))
        self.task = asyncio.create_task(read_packets(self.reader, self.on_packet))
        await self.connack.wait()

    def on_packet(self, ptype, flags, body):
        if ptype == 2:
            self.connack.set()
        elif ptype == 9:
            self.suback.set()
        elif ptype == 3:
            self.received += 1
            qos = (flags >> 1) & 3
            if qos == 1:
                tlen = struct.unpack(">H", body[:2])[0]
                pid = struct.unpack(">H", body[2 + tlen:4 + tlen])[0]
                self.writer.write(puback(pid, self.v5))

    async def close(self):
        self.writer.write(DISCONNECT)
        await self.writer.drain()
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except OSError:
            pass


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--clients", type=int, default=600)
    ap.add_argument("--subscribers", type=int, default=60)
    ap.add_argument("--megabytes", type=float, default=140)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tls", metavar="CAFILE", help="talk TLS, trusting this CA")
    ap.add_argument("--sni", default="broker.mqscope.test")
    ap.add_argument("--keylog", help="NSS key log the TLS clients append to")
    a = ap.parse_args()
    tls = (tls_contexts(a.tls, a.keylog), a.sni) if a.tls else None
    rng = random.Random(a.seed)
    publishers = a.clients - a.subscribers
    sites = [f"site{i}" for i in range(20)]

    subs = []
    for i in range(a.subscribers):
        c = Client(f"sub-{i:03d}", v5=i % 2 == 0, number=i)
        await c.open(a.host, a.port, tls)
        # Overlapping filters: every subscriber takes a site's whole tree (three per site) and one
        # device of it; one in ten also takes one kind of message across all sites.
        site = sites[i % len(sites)]
        filters = [(f"plant/{site}/#", i % 2), (f"plant/{site}/dev{i}/+", 1 - i % 2)]
        if i % 10 == 0:
            filters.append((f"plant/+/+/{['temp', 'state', 'log'][i // 10 % 3]}", 0))
        c.writer.write(subscribe(filters, 1, c.v5))
        await c.suback.wait()
        subs.append(c)

    pubs = []
    for i in range(publishers):
        c = Client(f"dev-{i:04d}", v5=i % 3 == 0, number=i)
        await c.open(a.host, a.port, tls)
        pubs.append(c)
        if i % 50 == 49:
            await asyncio.sleep(0)

    budget = int(a.megabytes * 1e6)
    sent = 0
    pid = [1] * len(pubs)
    t0 = time.monotonic()
    while sent < budget:
        for k, c in enumerate(pubs):
            site = sites[k % len(sites)]
            kind = ["temp", "state", "log"][rng.randrange(3)]
            size = rng.choice([24, 64, 200, 700, 1400, 3000]) if kind != "log" else rng.randrange(2000, 9000)
            payload = bytes(rng.getrandbits(8) for _ in range(16)) * (size // 16) + b"x" * (size % 16)
            qos = 1 if rng.random() < 0.3 else 0
            c.writer.write(publish(f"plant/{site}/dev{k}/{kind}", payload, qos, pid[k], c.v5))
            pid[k] = pid[k] % 65535 + 1
            sent += size
        await asyncio.gather(*(c.writer.drain() for c in pubs))
        await asyncio.sleep(0.005)
    # Let the fan-out drain before the normal disconnects: wait until deliveries stop arriving.
    last = -1
    while last != sum(c.received for c in subs):
        last = sum(c.received for c in subs)
        await asyncio.sleep(1)
    for c in pubs + subs:
        await c.close()
    took = time.monotonic() - t0
    delivered = sum(c.received for c in subs)
    print(f"loadgen: {len(pubs)} publishers, {len(subs)} subscribers, {sent / 1e6:.1f} MB of payload "
          f"published in {took:.1f} s, {delivered} deliveries", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
