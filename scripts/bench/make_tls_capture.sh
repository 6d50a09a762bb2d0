#!/usr/bin/env bash
# The TLS benchmark's captures, both of real software and of the same load: a real mosquitto (Debian)
# with three TLS listeners (a throw-away CA and server certificate made here with openssl) serving
# ~600 real MQTT clients (captures/clients/loadgen.py --tls: Python's ssl, six TLS profiles taken in
# turn — TLS 1.3 with TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and
# TLS_CHACHA20_POLY1305_SHA256, TLS 1.2 with ECDHE-RSA and AES-128-GCM, AES-256-GCM and
# ChaCha20-Poly1305), the clients writing one NSS key log; then the same load (same seed: same
# clients, messages and payloads) in plaintext on port 1883. Broker and clients sit in two network
# namespaces joined by a 1500-MTU veth with offloads off (scripts/bench/netns.sh, as
# make_real_capture.sh), tcpdump on the broker's side.
#
#   sudo scripts/bench/make_tls_capture.sh PREFIX [MEGABYTES_PUBLISHED] [CLIENTS]
#
# writes PREFIX-tls.pcap, PREFIX-tls.keys and PREFIX-plain.pcap. 16 MB published (the default)
# gives captures of about 100 MB each; the size grows linearly with it. TLS listeners are on 8883
# (AES-128-GCM for TLS 1.3), 8884 (AES-256-GCM) and 8885 (ChaCha20); tshark needs
# `-d tcp.port==8884,tls -d tls.port==8884,mqtt` (and the same for 8885) to take them as MQTT over
# TLS. Needs root, iproute2, ethtool, tcpdump, mosquitto, openssl and python3.
set -euo pipefail
PREFIX="${1:?usage: make_tls_capture.sh PREFIX [MEGABYTES_PUBLISHED] [CLIENTS]}"
MB="${2:-16}"
CLIENTS="${3:-600}"
SNI=broker.mqscope.test
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$HERE/scripts/bench/netns.sh"
bench_require make_tls_capture.sh ip ethtool tcpdump mosquitto openssl python3
bench_netns_up

# A throw-away CA and a server certificate for $SNI; both die with $WORK.
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -subj "/O=mqscope bench/CN=mqscope bench CA" \
    -addext "basicConstraints=critical,CA:TRUE" -keyout "$WORK/ca.key" -out "$WORK/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/O=mqscope bench/CN=$SNI" -keyout "$WORK/server.key" \
    -out "$WORK/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$SNI" >"$WORK/server.ext"
openssl x509 -req -sha256 -days 30 -in "$WORK/server.csr" -CA "$WORK/ca.crt" -CAkey "$WORK/ca.key" \
    -set_serial 2 -extfile "$WORK/server.ext" -out "$WORK/server.crt" 2>/dev/null

{
    echo "per_listener_settings false"
    echo "allow_anonymous true"
    echo "max_connections -1"
    echo "max_queued_messages 100000"
    echo "max_inflight_messages 100"
    echo "persistence false"
    echo "user root"
    echo "listener 1883 $BA"
    port=8883
    for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
        echo "listener $port $BA"
        echo "certfile $WORK/server.crt"
        echo "keyfile $WORK/server.key"
        echo "tls_version tlsv1.2"
        echo "ciphers_tls1.3 $suite"
        port=$((port + 1))
    done
} >"$WORK/mosquitto.conf"
bench_broker "$WORK/mosquitto.conf"

LOAD=(--clients "$CLIENTS" --subscribers $((CLIENTS / 10)) --megabytes "$MB" --seed 1)
rm -f "$PREFIX-tls.keys"
bench_capture "$PREFIX-tls.pcap" "tcp portrange 8883-8885"
ip netns exec "$C" python3 "$HERE/captures/clients/loadgen.py" "$BA" 8883 "${LOAD[@]}" \
    --tls "$WORK/ca.crt" --sni "$SNI" --keylog "$PREFIX-tls.keys"
bench_stop_capture

bench_capture "$PREFIX-plain.pcap" "tcp port 1883"
ip netns exec "$C" python3 "$HERE/captures/clients/loadgen.py" "$BA" 1883 "${LOAD[@]}"
bench_stop_capture
bench_stop_broker
ls -l "$PREFIX-tls.pcap" "$PREFIX-tls.keys" "$PREFIX-plain.pcap" >&2
