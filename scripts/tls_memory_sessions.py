#!/usr/bin/env python3
"""Real OpenSSL TLS sessions run in memory (Python ssl + MemoryBIO), for TLSCodec unit tests.

Each case runs an OpenSSL client and server against each other without sockets, records every
TLS byte each side wrote (in the order written) and the client's NSS key log (keylog_filename),
and carries a small MQTT exchange (CONNECT, CONNACK, a PUBLISH large enough to span records).
Output per case, under Fixtures/tls/: NAME.flow (lines "C <hex>" / "S <hex>": one write each)
and NAME.keylog. Regenerate: python3 scripts/tls_memory_sessions.py (needs openssl(1)).
TLS 1.3 suites are chosen through an OpenSSL config (Python's ssl has no set_ciphersuites), so
each case runs in its own process.
"""
import os, ssl, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fixtures", "tls")

# name: (version, TLS 1.2 cipher string or TLS 1.3 suite, disable encrypt-then-MAC)
CASES = {
    "tls13-aes128gcm": ("1.3", "TLS_AES_128_GCM_SHA256", False),
    "tls13-aes256gcm": ("1.3", "TLS_AES_256_GCM_SHA384", False),
    "tls13-chacha20": ("1.3", "TLS_CHACHA20_POLY1305_SHA256", False),
    "tls12-aes128gcm": ("1.2", "ECDHE-RSA-AES128-GCM-SHA256", False),
    "tls12-aes256gcm": ("1.2", "ECDHE-RSA-AES256-GCM-SHA384", False),
    "tls12-chacha20": ("1.2", "ECDHE-RSA-CHACHA20-POLY1305", False),
    "tls12-cbc-sha-etm": ("1.2", "ECDHE-RSA-AES128-SHA", False),
    "tls12-cbc-sha256-mte": ("1.2", "ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256", True),
}

def mqtt_connect():
    body = bytes([0, 4]) + b"MQTT" + bytes([4, 0xC2, 0, 60])
    for s in (b"tls-client", b"user", b"secret-pw"):
        body += len(s).to_bytes(2, "big") + s
    return bytes([0x10, len(body)]) + body

def mqtt_publish(n):
    topic = b"big/payload"
    body = len(topic).to_bytes(2, "big") + topic + bytes(i % 251 for i in range(n))
    rl, x = b"", len(body)
    while True:
        d, x = x % 128, x // 128
        rl += bytes([d | (0x80 if x else 0)])
        if not x: break
    return bytes([0x30]) + rl + body

def run_case(name, version, suite, no_etm, cert, key):
    keylog = os.path.join(OUT, name + ".keylog")
    if os.path.exists(keylog): os.remove(keylog)
    v = ssl.TLSVersion.TLSv1_3 if version == "1.3" else ssl.TLSVersion.TLSv1_2
    srv = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    srv.load_cert_chain(cert, key)
    cli = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cli.check_hostname = False
    cli.verify_mode = ssl.CERT_NONE
    for c in (srv, cli):
        c.minimum_version = v
        c.maximum_version = v
        c.set_alpn_protocols(["mqtt"])
        if version == "1.2": c.set_ciphers(suite)
        if no_etm: c.options |= 0x00080000  # SSL_OP_NO_ENCRYPT_THEN_MAC
    cli.keylog_filename = keylog
    cin, cout, sin, sout = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    c = cli.wrap_bio(cin, cout, server_hostname="broker.test")
    s = srv.wrap_bio(sin, sout, server_side=True)
    flow = []
    def pump():
        moved = True
        while moved:
            moved = False
            d = cout.read()
            if d: flow.append(("C", d)); sin.write(d); moved = True
            d = sout.read()
            if d: flow.append(("S", d)); cin.write(d); moved = True
    def step(obj, fn):
        try: fn()
        except ssl.SSLWantReadError: pass
    for _ in range(10):
        step(c, c.do_handshake); pump(); step(s, s.do_handshake); pump()
    def read_all(obj):
        out = b""
        while True:
            try: out += obj.read(65536)
            except ssl.SSLWantReadError: return out
    c.write(mqtt_connect()); pump()
    assert read_all(s) == mqtt_connect()
    s.write(bytes([0x20, 2, 0, 0])); pump(); read_all(c)
    big = mqtt_publish(20000)
    c.write(big); pump()
    assert read_all(s) == big
    c.write(bytes([0xE0, 0])); pump(); read_all(s)
    with open(os.path.join(OUT, name + ".flow"), "w") as f:
        f.write("# %s: OpenSSL %s, TLS %s, %s (scripts/tls_memory_sessions.py)\n" % (name, ssl.OPENSSL_VERSION, version, c.cipher()[0]))
        for d, b in flow: f.write("%s %s\n" % (d, b.hex()))

def main():
    os.makedirs(OUT, exist_ok=True)
    if len(sys.argv) == 8:   # child: one case
        _, name, version, suite, no_etm, cert, key, _ = sys.argv
        run_case(name, version, suite, no_etm == "1", cert, key)
        return
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "3650", "-subj", "/CN=broker.test/O=mqscope test"], check=True, capture_output=True)
        for name, (version, suite, no_etm) in CASES.items():
            env = dict(os.environ)
            if version == "1.3":
                conf = os.path.join(tmp, name + ".cnf")
                with open(conf, "w") as f:
                    f.write("openssl_conf = c\n[c]\nssl_conf = s\n[s]\nsystem_default = d\n[d]\nCiphersuites = %s\n" % suite)
                env["OPENSSL_CONF"] = conf
            subprocess.run([sys.executable, __file__, name, version, suite, "1" if no_etm else "0", cert, key, "x"],
                           env=env, check=True)
            print("wrote", name)

if __name__ == "__main__":
    main()
