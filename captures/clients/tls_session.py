"""One MQTT session script for the TLS captures (captures/tls/) and their plaintext twins.

The same MQTT conversation runs in plaintext (no --tls) or over TLS, so a decoder's view of
a decrypted capture can be compared with its view of the plaintext one:

  CONNECT (client id mqscope-tls-311 / mqscope-tls-5, username/password, keep alive 30)
  SUBSCRIBE mqscope/tls/<client id>/# QoS 2
  PUBLISH .../temp "21.5" QoS 0, .../hum "40" QoS 1 (MQTT 5: user property unit=%),
          .../door "open" QoS 2 and, unless --small, .../blob 40 000 bytes QoS 1
          (spans several TLS records and, with the capture script's 1500-byte loopback, many
          TCP segments); each comes back from the broker on the subscription
  UNSUBSCRIBE, DISCONNECT

TLS options (Python's ssl, OpenSSL underneath):
  --tls                      use TLS (server certificate checked against --cafile and --sni)
  --cafile F --sni NAME      CA certificate; server name sent in SNI and checked
  --max-version 1.1|1.2|1.3  highest version offered (1.1 and 1.2 also set the lowest to it;
                             TLS 1.1 needs --ciphers 'DEFAULT:@SECLEVEL=0' with OpenSSL 3)
  --insecure                 do not verify the server certificate (the expired one)
  --alpn LIST                ALPN protocols offered, comma-separated (default mqtt; "" none)
  --ciphers S                SSLContext.set_ciphers (TLS 1.2 suites only; 1.3 suites are
                             restricted by the broker's ciphers_tls1.3)
  --no-etm                   do not offer encrypt_then_mac (SSL_OP_NO_ENCRYPT_THEN_MAC), so a
                             CBC suite uses MAC-then-encrypt
  --cert F --key F           client certificate (mutual TLS)
  --keylog F                 NSS key log (SSLContext.keylog_filename); omitted: no keys
  --sessions N               N concurrent sessions (client ids get -a, -b, ...), one context
  --keyless K                the last K sessions use a second context without a key log
  --websocket PATH           paho's websockets transport (MQTT over WebSocket [over TLS])

Environment: MQ_HOST, MQ_PORT, MQ_USER, MQ_PASSWORD (see drive.py).
"""
import argparse
import ssl

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from drive import HOST, PORT, USER, PASSWORD, Recorder, pump

# OpenSSL 3.0 SSL_OP_NO_ENCRYPT_THEN_MAC (ssl.Options has no name for it).
OP_NO_ENCRYPT_THEN_MAC = 1 << 19


class SNIContext(ssl.SSLContext):
    """Sends `sni_name` as the server name whatever host the client connects to (paho passes
    the connect host, 127.0.0.1 here, for which Python sends no SNI)."""

    sni_name = None

    def wrap_socket(self, sock, *args, **kwargs):
        if self.sni_name:
            kwargs["server_hostname"] = self.sni_name
        return super().wrap_socket(sock, *args, **kwargs)


def tls_context(opts, keylog):
    ctx = SNIContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.sni_name = opts.sni
    ctx.load_verify_locations(opts.cafile)
    ctx.check_hostname = bool(opts.sni) and not opts.insecure
    if opts.insecure:
        ctx.verify_mode = ssl.CERT_NONE
    if opts.max_version in ("1.1", "1.2"):
        version = ssl.TLSVersion.TLSv1_1 if opts.max_version == "1.1" else ssl.TLSVersion.TLSv1_2
        ctx.minimum_version = version
        ctx.maximum_version = version
    elif opts.max_version == "1.3":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    if opts.ciphers:
        ctx.set_ciphers(opts.ciphers)
    if opts.no_etm:
        ctx.options |= OP_NO_ENCRYPT_THEN_MAC
    if opts.cert:
        ctx.load_cert_chain(opts.cert, opts.key)
    alpn = [p for p in opts.alpn.split(",") if p]
    if alpn:
        ctx.set_alpn_protocols(alpn)
    if keylog:
        ctx.keylog_filename = keylog
    return ctx


def blob():
    # 40 000 bytes of numbered lines: deterministic, and readable where it lands.
    lines = b"".join(b"line %05d of the mqscope TLS blob payload, forty kilobytes\n" % i for i in range(700))
    return lines[:40000]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", choices=["311", "5"], default="311")
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--cafile")
    ap.add_argument("--sni")
    ap.add_argument("--max-version", choices=["1.1", "1.2", "1.3"])
    ap.add_argument("--insecure", action="store_true")
    ap.add_argument("--alpn", default="mqtt")
    ap.add_argument("--ciphers")
    ap.add_argument("--no-etm", action="store_true")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--keylog")
    ap.add_argument("--sessions", type=int, default=1)
    ap.add_argument("--keyless", type=int, default=0)
    ap.add_argument("--websocket")
    ap.add_argument("--small", action="store_true")
    opts = ap.parse_args()

    protocol = mqtt.MQTTv5 if opts.version == "5" else mqtt.MQTTv311
    base_id = "mqscope-tls-" + opts.version
    ids = [base_id] if opts.sessions == 1 else [f"{base_id}-{chr(ord('a') + i)}" for i in range(opts.sessions)]

    keyed = tls_context(opts, opts.keylog) if opts.tls else None
    keyless = tls_context(opts, None) if opts.tls and opts.keyless else None

    pairs = []
    for i, cid in enumerate(ids):
        rec = Recorder(cid)
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=cid, protocol=protocol,
                             transport="websockets" if opts.websocket else "tcp",
                             **({} if protocol == mqtt.MQTTv5 else {"clean_session": True}))
        rec.attach(client)
        if opts.websocket:
            client.ws_set_options(path=opts.websocket)
        if opts.tls:
            client.tls_set_context(keyless if i >= opts.sessions - opts.keyless else keyed)
        client.username_pw_set(USER, PASSWORD)
        pairs.append((cid, client, rec))
    clients = [c for _, c, _ in pairs]

    for _, client, _ in pairs:
        client.connect(HOST, PORT, keepalive=30)
    pump(clients, lambda: all(r.has("connack") for _, _, r in pairs), what="CONNACK")
    for cid, client, _ in pairs:
        client.subscribe(f"mqscope/tls/{cid}/#", qos=2)
    pump(clients, lambda: all(r.has("suback") for _, _, r in pairs), what="SUBACK")

    count = 3 if opts.small else 4
    for cid, client, _ in pairs:
        prefix = f"mqscope/tls/{cid}"
        client.publish(f"{prefix}/temp", b"21.5", qos=0)
        props = None
        if protocol == mqtt.MQTTv5:
            props = Properties(PacketTypes.PUBLISH)
            props.UserProperty = ("unit", "%")
        client.publish(f"{prefix}/hum", b"40", qos=1, properties=props)
        client.publish(f"{prefix}/door", b"open", qos=2)
        if not opts.small:
            client.publish(f"{prefix}/blob", blob(), qos=1)
    pump(clients, lambda: all(r.has("puback", count) and r.has("message", count) for _, _, r in pairs),
         timeout=20, what="acks + deliveries")
    for cid, client, _ in pairs:
        client.unsubscribe(f"mqscope/tls/{cid}/#")
    pump(clients, lambda: all(r.has("unsuback") for _, _, r in pairs), what="UNSUBACK")
    for _, client, _ in pairs:
        client.disconnect()
    pump(clients, lambda: all(r.has("disconnect") for _, _, r in pairs), what="DISCONNECT")
    for cid, _, rec in pairs:
        got = [e for e in rec.events if e[0] == "message"]
        assert len(got) == count, (cid, len(got))
        if not opts.small:
            assert any(e[2] == blob() for e in got), cid
    print("tls_session: ok", " ".join(ids))


if __name__ == "__main__":
    main()
