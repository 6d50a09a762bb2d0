#!/usr/bin/env bash
# Re-records the TLS captures of captures/tls/ (see README.md there): a throw-away CA, server
# and client certificates made here with openssl; mosquitto (Debian) with TLS listeners;
# clients/tls_session.py (paho-mqtt over Python's ssl) writing NSS key logs; tcpdump on
# loopback, filtered on the test port. Then the hostile variants, the secrets-embedded pcapng,
# EXPECTED-tshark.tsv / EXPECTED-tls.tsv and TOOLS.txt.
#
#   sudo bash captures/tls/regenerate.sh                  # apt-get/pip install, then everything
#   MQ_NO_INSTALL=1 sudo bash captures/tls/regenerate.sh  # tools already there
#   MQ_TLS_SECTIONS="mqtt websocket stomp rules unsupported" (the default: all five)
#
# Runs inside a private network namespace (unshare --net) whose loopback gets a 1500-byte MTU
# and GSO limit, so large messages are cut into Ethernet-sized TCP segments and TLS records
# straddle segments as they do on a real network. Without unshare (or with MQ_NO_NETNS=1) it
# uses the host loopback unchanged (segments up to 64 KB).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CAPS="$(dirname "$HERE")"
CLIENTS="$CAPS/clients"
PAHO_VERSION=2.1.0        # as scripts/setup.sh pins it
WEBSOCKETS_VERSION=17.4
STOMPPY_VERSION=9.0.0
PLAIN_PORT=1883
TLS_PORT=8883
MTLS_PORT=8885
WSS_PORT=8884
WS_PORT=9001
STOMP_PORT=61613
HTTPS_PORT=443
STOMP_TLS_PORT=61612
SNI=broker.mqscope.test
ALL_SECTIONS="mqtt websocket stomp rules unsupported"
SECTIONS="${MQ_TLS_SECTIONS:-$ALL_SECTIONS}"
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

if [[ $(id -u) -ne 0 ]]; then
    echo "tls/regenerate.sh: must run as root (packet capture)" >&2
    exit 1
fi

if [[ -z "${MQ_IN_NETNS:-}" && -z "${MQ_NO_INSTALL:-}" ]]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y mosquitto mosquitto-clients tcpdump tshark openssl \
        iproute2 util-linux activemq
    python3 -m pip install "paho-mqtt==${PAHO_VERSION}" "websockets==${WEBSOCKETS_VERSION}" \
        "stomp.py==${STOMPPY_VERSION}" 2>/dev/null ||
        python3 -m pip install --break-system-packages "paho-mqtt==${PAHO_VERSION}" \
            "websockets==${WEBSOCKETS_VERSION}" "stomp.py==${STOMPPY_VERSION}"
fi

if [[ -z "${MQ_IN_NETNS:-}" && -z "${MQ_NO_NETNS:-}" ]] && command -v unshare >/dev/null; then
    if unshare --net true 2>/dev/null; then
        exec env MQ_IN_NETNS=1 unshare --net bash "$0" "$@"
    fi
    echo "tls/regenerate.sh: unshare --net not permitted; using the host loopback" >&2
fi
if [[ -n "${MQ_IN_NETNS:-}" ]]; then
    ip link set lo up
    ip link set lo mtu 1500
    ip link set dev lo gso_max_size 1500 2>/dev/null || echo "tls/regenerate.sh: gso_max_size not settable" >&2
    sleep 0.5
fi

for p in $PLAIN_PORT $TLS_PORT $MTLS_PORT $WSS_PORT $WS_PORT $STOMP_PORT $STOMP_TLS_PORT $HTTPS_PORT; do
    if ss -Hltn "sport = :$p" | grep -q .; then
        echo "tls/regenerate.sh: port $p is in use; stop that service or run without MQ_NO_NETNS" >&2
        exit 1
    fi
done

source "$CAPS/lib.sh"

# ---- certificates: CA -> server (SAN broker.mqscope.test, localhost, 127.0.0.1) and client
PKI="$WORK/pki"
mkdir -p "$PKI" "$HERE/certs"
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -subj "/O=mqscope test/CN=mqscope test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$PKI/ca.key" -out "$PKI/ca.crt" 2>/dev/null
issue() {  # issue NAME SUBJECT SERIAL EXTENSIONS
    openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$PKI/$1.key" -out "$PKI/$1.csr" 2>/dev/null
    printf '%b\n' "$4" > "$PKI/$1.ext"
    openssl x509 -req -sha256 -days 825 -in "$PKI/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
        -set_serial "$3" -extfile "$PKI/$1.ext" -out "$PKI/$1.crt" 2>/dev/null
}
issue server "/O=mqscope test/CN=$SNI" 2 \
    "subjectAltName=DNS:$SNI,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment"
issue client "/O=mqscope test/CN=mqscope-device-001" 3 \
    "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature"
# certs/ holds the certificates of the last full run (a one-section run makes another CA).
[[ $SECTIONS == "$ALL_SECTIONS" ]] && cp "$PKI/ca.crt" "$PKI/server.crt" "$PKI/client.crt" "$HERE/certs/"

export MQ_HOST=127.0.0.1

# tls_listener PORT [EXTRA_LINES...]: a TLS 1.2 + 1.3 listener with the test certificates.
tls_listener() {
    local port=$1; shift
    start_broker "listener $port 127.0.0.1" "cafile $PKI/ca.crt" "certfile $PKI/server.crt" \
        "keyfile $PKI/server.key" "tls_version tlsv1.2" "$@"
}

# tshark knows 8883 as MQTT over TLS; the other test ports are declared (the same list is in
# generators/tls_expected.py).
DECODE_AS=(-d "tcp.port==$MTLS_PORT,tls" -d "tls.port==$MTLS_PORT,mqtt" -d "tcp.port==$WSS_PORT,tls"
    -d "tls.port==$WSS_PORT,http" -d "tcp.port==$STOMP_TLS_PORT,tls" -d "tls.port==$HTTPS_PORT,mqtt")
expect_suite() {
    local file=$1 keys=$2 version=$3 suite=$4 filter=${5:-mqtt} got
    got=$(tshark -r "$file" "${DECODE_AS[@]}" -Y "tls.handshake.type == 2" -T fields \
        -e tls.handshake.ciphersuite -e tls.handshake.extensions.supported_version -e tls.handshake.version |
        awk -F'\t' '{ v = ($2 != "") ? $2 : $3; print $1 "/" v }' | sort -u)
    if [[ "$got" != "$suite/$version" ]]; then
        echo "tls/regenerate.sh: $file negotiated '$got', expected $suite/$version" >&2
        exit 1
    fi
    if [[ -n "$keys" ]]; then
        local n
        n=$(tshark -r "$file" "${DECODE_AS[@]}" -o "tls.keylog_file:$keys" -Y "$filter" 2>/dev/null | wc -l)
        if (( n == 0 )); then echo "tls/regenerate.sh: tshark decrypts nothing in $file with $keys" >&2; exit 1; fi
        echo "   $file: $suite $version, tshark decodes $n frames with $keys"
    fi
}

# session PORT NAME [tls_session.py args]: capture one run of clients/tls_session.py.
session() {
    local port=$1 name=$2; shift 2
    rm -f "$HERE/$name.keys"
    start_capture tcpdump lo "tcp port $port" "$HERE/$name.pcap"
    (cd "$CLIENTS" && MQ_PORT=$port timeout 60 python3 tls_session.py "$@")
    stop_capture
}
TLS_ARGS=(--tls --cafile "$PKI/ca.crt" --sni "$SNI")

if want mqtt; then
    echo "== plaintext twins (port $PLAIN_PORT)"
    start_broker "listener $PLAIN_PORT 127.0.0.1"
    session $PLAIN_PORT plain-mqtt311 --version 311
    session $PLAIN_PORT plain-mqtt5 --version 5
    stop_broker

    # TLS 1.3: the client offers all three suites; the broker's ciphers_tls1.3 allows one.
    for spec in "aes128gcm TLS_AES_128_GCM_SHA256 0x1301 311" \
                "aes256gcm TLS_AES_256_GCM_SHA384 0x1302 5" \
                "chacha20 TLS_CHACHA20_POLY1305_SHA256 0x1303 311"; do
        read -r short suite id ver <<< "$spec"
        name="tls13-$short-mqtt$ver"
        echo "== $name.pcap ($suite)"
        tls_listener $TLS_PORT "ciphers_tls1.3 $suite"
        session $TLS_PORT "$name" "${TLS_ARGS[@]}" --version "$ver" --keylog "$HERE/$name.keys"
        stop_broker
        expect_suite "$HERE/$name.pcap" "$HERE/$name.keys" 0x0304 "$id"
    done

    # TLS 1.2: the client offers exactly one suite (set_ciphers) and at most TLS 1.2.
    tls_listener $TLS_PORT
    for spec in "ecdhe-aes128gcm ECDHE-RSA-AES128-GCM-SHA256 0xc02f 311" \
                "ecdhe-aes256gcm ECDHE-RSA-AES256-GCM-SHA384 0xc030 5" \
                "ecdhe-chacha20 ECDHE-RSA-CHACHA20-POLY1305 0xcca8 311" \
                "rsa-aes128gcm AES128-GCM-SHA256 0x009c 311" \
                "ecdhe-aes128cbc-sha ECDHE-RSA-AES128-SHA 0xc013 311" \
                "rsa-aes128cbc-sha256-noetm AES128-SHA256 0x003c 5"; do
        read -r short suite id ver <<< "$spec"
        name="tls12-$short-mqtt$ver"
        extra=()
        [[ $short == *noetm* ]] && extra=(--no-etm)
        echo "== $name.pcap ($suite)"
        session $TLS_PORT "$name" "${TLS_ARGS[@]}" --version "$ver" --max-version 1.2 --ciphers "$suite" \
            "${extra[@]}" --keylog "$HERE/$name.keys"
        expect_suite "$HERE/$name.pcap" "$HERE/$name.keys" 0x0303 "$id"
    done

    echo "== tls13-two-sessions-mqtt5.pcap (two concurrent sessions, one key log)"
    session $TLS_PORT tls13-two-sessions-mqtt5 "${TLS_ARGS[@]}" --version 5 --small --sessions 2 \
        --keylog "$HERE/tls13-two-sessions-mqtt5.keys"
    expect_suite "$HERE/tls13-two-sessions-mqtt5.pcap" "$HERE/tls13-two-sessions-mqtt5.keys" 0x0304 0x1302

    echo "== tls13-one-without-keys-mqtt311.pcap (two sessions; the key log has the first only)"
    session $TLS_PORT tls13-one-without-keys-mqtt311 "${TLS_ARGS[@]}" --version 311 --small --sessions 2 \
        --keyless 1 --keylog "$HERE/tls13-one-without-keys-mqtt311.keys"
    expect_suite "$HERE/tls13-one-without-keys-mqtt311.pcap" "$HERE/tls13-one-without-keys-mqtt311.keys" 0x0304 0x1302
    stop_broker

    echo "== mutual TLS (port $MTLS_PORT, require_certificate)"
    tls_listener $MTLS_PORT "require_certificate true"
    for ver in 1.2 1.3; do
        name="tls${ver/./}-mtls-mqtt311"
        session $MTLS_PORT "$name" "${TLS_ARGS[@]}" --version 311 --small --max-version "$ver" \
            --cert "$PKI/client.crt" --key "$PKI/client.key" --keylog "$HERE/$name.keys"
    done
    stop_broker
    expect_suite "$HERE/tls12-mtls-mqtt311.pcap" "$HERE/tls12-mtls-mqtt311.keys" 0x0303 0xc030
    expect_suite "$HERE/tls13-mtls-mqtt311.pcap" "$HERE/tls13-mtls-mqtt311.keys" 0x0304 0x1302

    echo "== tls13-aes128gcm-mqtt311-secrets.pcapng (editcap --inject-secrets)"
    editcap --inject-secrets "tls,$HERE/tls13-aes128gcm-mqtt311.keys" \
        "$HERE/tls13-aes128gcm-mqtt311.pcap" "$HERE/tls13-aes128gcm-mqtt311-secrets.pcapng"
fi

if want websocket; then
    # Debian's mosquitto has no WebSocket listener (built without libwebsockets: a `protocol
    # websockets` listener fails to start), so clients/ws_bridge.py plays it, relaying to 1883.
    start_broker "listener $PLAIN_PORT 127.0.0.1"
    echo "== plain-websocket-mqtt311.pcap (MQTT over WebSocket, port $WS_PORT)"
    start_bridge $WS_PORT $PLAIN_PORT mqtt
    session $WS_PORT plain-websocket-mqtt311 --version 311 --websocket /mqtt
    stop_bridge
    echo "== tls13-websocket-mqtt311.pcap (MQTT over WebSocket over TLS, port $WSS_PORT)"
    export MQ_WS_CERTFILE="$PKI/server.crt" MQ_WS_KEYFILE="$PKI/server.key"
    start_bridge $WSS_PORT $PLAIN_PORT mqtt
    unset MQ_WS_CERTFILE MQ_WS_KEYFILE
    session $WSS_PORT tls13-websocket-mqtt311 "${TLS_ARGS[@]}" --version 311 --websocket /mqtt \
        --keylog "$HERE/tls13-websocket-mqtt311.keys"
    stop_bridge
    stop_broker
    # tshark 4.0 shows WebSocket payloads as data (no Decode As for ws.port): check WebSocket.
    expect_suite "$HERE/tls13-websocket-mqtt311.pcap" "$HERE/tls13-websocket-mqtt311.keys" 0x0304 0x1302 websocket
fi

if want rules; then
    # Handshakes the TLS-layer checks of issue 14 warn about, from the same real software.
    echo "== tls11-legacy-mqtt311.pcap (TLS 1.1: OpenSSL 3 needs security level 0 on both sides)"
    start_broker "listener $TLS_PORT 127.0.0.1" "cafile $PKI/ca.crt" "certfile $PKI/server.crt" \
        "keyfile $PKI/server.key" "tls_version tlsv1.1" "ciphers DEFAULT:@SECLEVEL=0"
    session $TLS_PORT tls11-legacy-mqtt311 "${TLS_ARGS[@]}" --version 311 --small --max-version 1.1 \
        --ciphers "DEFAULT:@SECLEVEL=0" --keylog "$HERE/tls11-legacy-mqtt311.keys"
    stop_broker
    expect_suite "$HERE/tls11-legacy-mqtt311.pcap" "$HERE/tls11-legacy-mqtt311.keys" 0x0302 0xc014

    echo "== tls13-no-sni-mqtt311.pcap (the client names no server: no SNI)"
    tls_listener $TLS_PORT
    session $TLS_PORT tls13-no-sni-mqtt311 --tls --cafile "$PKI/ca.crt" --version 311 --small \
        --keylog "$HERE/tls13-no-sni-mqtt311.keys"
    stop_broker
    expect_suite "$HERE/tls13-no-sni-mqtt311.pcap" "$HERE/tls13-no-sni-mqtt311.keys" 0x0304 0x1302

    echo "== tls12-expired-cert-mqtt311.pcap (server certificate valid 2024-01-01 .. 2025-01-01)"
    mkdir -p "$PKI/newcerts"; : > "$PKI/index.txt"; echo 04 > "$PKI/serial"
    cat > "$PKI/ca.cnf" <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $PKI/index.txt
new_certs_dir = $PKI/newcerts
serial = $PKI/serial
default_md = sha256
policy = any
[ any ]
organizationName = optional
commonName = supplied
CNF
    openssl req -newkey rsa:2048 -nodes -subj "/O=mqscope test/CN=$SNI" -keyout "$PKI/expired.key" \
        -out "$PKI/expired.csr" 2>/dev/null
    openssl ca -batch -notext -config "$PKI/ca.cnf" -cert "$PKI/ca.crt" -keyfile "$PKI/ca.key" \
        -startdate 20240101000000Z -enddate 20250101000000Z -extfile "$PKI/server.ext" \
        -in "$PKI/expired.csr" -out "$PKI/expired.crt" 2>/dev/null
    start_broker "listener $TLS_PORT 127.0.0.1" "certfile $PKI/expired.crt" "keyfile $PKI/expired.key"
    session $TLS_PORT tls12-expired-cert-mqtt311 "${TLS_ARGS[@]}" --insecure --version 311 --small \
        --max-version 1.2 --keylog "$HERE/tls12-expired-cert-mqtt311.keys"
    stop_broker
    expect_suite "$HERE/tls12-expired-cert-mqtt311.pcap" "$HERE/tls12-expired-cert-mqtt311.keys" 0x0303 0xc030

    echo "== tls13-alpn-other-443-mqtt311.pcap (port 443, ALPN x-amzn-mqtt-ca only)"
    tls_listener $HTTPS_PORT
    session $HTTPS_PORT tls13-alpn-other-443-mqtt311 "${TLS_ARGS[@]}" --version 311 --small \
        --alpn x-amzn-mqtt-ca --keylog "$HERE/tls13-alpn-other-443-mqtt311.keys"
    stop_broker
    expect_suite "$HERE/tls13-alpn-other-443-mqtt311.pcap" "$HERE/tls13-alpn-other-443-mqtt311.keys" 0x0304 0x1302
fi

if want unsupported; then
    # Suites real software negotiates that mqscope does not decrypt (AES-CCM): the key log is
    # there, the connection must be reported as not decrypted, "unsupported suite", not crash.
    echo "== tls13-aes128ccm-mqtt311.pcap (TLS_AES_128_CCM_SHA256: not decrypted by mqscope)"
    # OpenSSL leaves CCM out of its default TLS 1.3 suites and Python's ssl cannot set TLS 1.3
    # suites, so the client gets them from an OpenSSL configuration file (system_default).
    cat > "$PKI/ccm.cnf" <<CNF
openssl_conf = default_conf
[ default_conf ]
ssl_conf = ssl_sect
[ ssl_sect ]
system_default = system_default_sect
[ system_default_sect ]
Ciphersuites = TLS_AES_128_CCM_SHA256:TLS_AES_128_GCM_SHA256
CNF
    tls_listener $TLS_PORT "ciphers_tls1.3 TLS_AES_128_CCM_SHA256"
    export OPENSSL_CONF="$PKI/ccm.cnf"
    session $TLS_PORT tls13-aes128ccm-mqtt311 "${TLS_ARGS[@]}" --version 311 --small \
        --keylog "$HERE/tls13-aes128ccm-mqtt311.keys"
    unset OPENSSL_CONF
    stop_broker
    expect_suite "$HERE/tls13-aes128ccm-mqtt311.pcap" "$HERE/tls13-aes128ccm-mqtt311.keys" 0x0304 0x1304
fi

# ActiveMQ with STOMP on 127.0.0.1:61613 and STOMP over TLS (stomp+ssl) on 61612, the server
# certificate in a JKS keystore made by keytool from an openssl PKCS#12.
ACTIVEMQ_STOMP_TLS="    <sslContext>
      <sslContext keyStore=\"file:$WORK/activemq/conf/broker.jks\" keyStorePassword=\"mqscope-store\"/>
    </sslContext>
    <transportConnectors>
      <transportConnector name=\"stomp\" uri=\"stomp://127.0.0.1:$STOMP_PORT\"/>
      <transportConnector name=\"stomp+ssl\" uri=\"stomp+ssl://127.0.0.1:$STOMP_TLS_PORT\"/>
    </transportConnectors>"
make_keystore() {
    mkdir -p "$WORK/activemq/conf"
    openssl pkcs12 -export -in "$PKI/server.crt" -inkey "$PKI/server.key" -certfile "$PKI/ca.crt" \
        -name broker -passout pass:mqscope-store -out "$PKI/server.p12"
    keytool -importkeystore -noprompt -srckeystore "$PKI/server.p12" -srcstoretype pkcs12 \
        -srcstorepass mqscope-store -destkeystore "$WORK/activemq/conf/broker.jks" -deststoretype jks \
        -deststorepass mqscope-store 2>&1 | grep -v "^$" >&2 || true
}

# stomp_capture PORT NAME [ENV=VALUE...]: clients/stomp_sessions.py 1.2 without heart-beats
# (STOMP_HEARTBEAT=0: stomp.py ends a session whose heart-beat is 200 ms late, which a loaded
# machine causes), retried once.
stomp_capture() {
    local port=$1 name=$2; shift 2
    rm -f "$HERE/$name.keys"
    start_capture tcpdump lo "tcp port $port" "$HERE/$name.pcap"
    (cd "$CLIENTS" && env STOMP_PORT="$port" STOMP_HEARTBEAT=0 "$@" timeout 60 python3 stomp_sessions.py 1.2) ||
        (cd "$CLIENTS" && rm -f "$HERE/$name.keys" &&
            env STOMP_PORT="$port" STOMP_HEARTBEAT=0 "$@" timeout 60 python3 stomp_sessions.py 1.2)
    stop_capture
}

if want stomp; then
    echo "== ActiveMQ: plain-stomp12-activemq.pcap and tls-stomp12-activemq.pcap (STOMP 1.2, stomp+ssl)"
    make_keystore
    start_activemq $STOMP_TLS_PORT "$ACTIVEMQ_STOMP_TLS"
    stomp_capture $STOMP_PORT plain-stomp12-activemq
    stomp_capture $STOMP_TLS_PORT tls-stomp12-activemq STOMP_TLS_CAFILE="$PKI/ca.crt" STOMP_TLS_SNI="$SNI" \
        STOMP_KEYLOG="$HERE/tls-stomp12-activemq.keys"
    stop_activemq
    expect_suite "$HERE/tls-stomp12-activemq.pcap" "$HERE/tls-stomp12-activemq.keys" 0x0304 0x1302 data
fi

{
    echo "# Tool versions used by the last tls/regenerate.sh run (written by the script)"
    echo "mosquitto: $(dpkg-query -W -f='${Version}' mosquitto 2>/dev/null)"
    echo "paho-mqtt: $(python3 -m pip show paho-mqtt 2>/dev/null | awk '/^Version/ {print $2}')"
    echo "python: $(python3 --version 2>&1)"
    echo "python ssl: $(python3 -c 'import ssl; print(ssl.OPENSSL_VERSION)')"
    echo "openssl: $(openssl version)"
    echo "tcpdump: $(tcpdump --version 2>&1 | head -1)"
    echo "libpcap: $(tcpdump --version 2>&1 | sed -n 2p)"
    echo "tshark/editcap: $(tshark --version 2>/dev/null | head -1)"
    echo "activemq: $(dpkg-query -W -f='${Version}' activemq 2>/dev/null)"
    echo "java: $(java -version 2>&1 | head -1)"
    echo "stomp.py: $(python3 -m pip show stomp.py 2>/dev/null | awk '/^Version/ {print $2}')"
    echo "websockets: $(python3 -m pip show websockets 2>/dev/null | awk '/^Version/ {print $2}')"
    echo "kernel: $(uname -r)"
} > "$HERE/TOOLS.txt"

echo "== hostile variants"
python3 "$CAPS/generators/make_tls_hostile.py"
echo "== EXPECTED-tshark.tsv / EXPECTED-tls.tsv"
python3 "$CAPS/generators/tls_expected.py"
echo "tls/regenerate.sh: done"
