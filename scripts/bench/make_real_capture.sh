#!/usr/bin/env bash
# The benchmark's capture of real software: a real mosquitto (Debian) serving ~600 real MQTT
# clients (captures/clients/loadgen.py: publishers and fan-out subscribers on real sockets), the
# broker and the clients in two network namespaces joined by a veth pair with a 1500-byte MTU and
# segmentation offloads off, so the capture holds wire-sized segments as a SPAN port would show
# them. tcpdump records on the broker's side.
#
#   sudo scripts/bench/make_real_capture.sh OUT.pcap [MEGABYTES_PUBLISHED]
#
# Published payload of 80 MB (the default) gives a capture of about 500 MB: the subscribers'
# overlapping filters make the broker deliver each message several times. Needs root,
# iproute2, ethtool, tcpdump, mosquitto and python3. Removes its namespaces when it ends.
set -euo pipefail
OUT="${1:?usage: make_real_capture.sh OUT.pcap [MEGABYTES_PUBLISHED]}"
MB="${2:-80}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[[ $(id -u) -eq 0 ]] || { echo "make_real_capture.sh: needs root (namespaces, capture)" >&2; exit 1; }
for tool in ip ethtool tcpdump mosquitto python3; do
    command -v "$tool" >/dev/null || { echo "make_real_capture.sh: $tool not found" >&2; exit 1; }
done

B=mqsb-broker C=mqsb-clients
# Addresses of our own two test hosts, inside namespaces this script creates (never routed out).
BA=10.231.0.1 CA=10.231.0.2
WORK="$(mktemp -d)"
cleanup() {
    [[ -n "${TCPDUMP:-}" ]] && kill "$TCPDUMP" 2>/dev/null && wait "$TCPDUMP" 2>/dev/null || true
    [[ -n "${BROKER:-}" ]] && kill "$BROKER" 2>/dev/null && wait "$BROKER" 2>/dev/null || true
    ip netns del "$B" 2>/dev/null || true
    ip netns del "$C" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
ip netns del "$B" 2>/dev/null || true
ip netns del "$C" 2>/dev/null || true
ip netns add "$B"
ip netns add "$C"
ip link add mqsb-b type veth peer name mqsb-c
ip link set mqsb-b netns "$B"
ip link set mqsb-c netns "$C"
ip -n "$B" addr add "$BA/24" dev mqsb-b
ip -n "$C" addr add "$CA/24" dev mqsb-c
for ns in "$B" "$C"; do
    dev=$([[ $ns == "$B" ]] && echo mqsb-b || echo mqsb-c)
    ip -n "$ns" link set lo up
    ip -n "$ns" link set "$dev" mtu 1500 up
    # No TSO/GSO/GRO: tcpdump then sees the segments the wire would carry, not 64 KB super-packets.
    ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
done
# Enough file descriptors for every client connection.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

cat >"$WORK/mosquitto.conf" <<EOF
listener 1883 $BA
allow_anonymous true
max_connections -1
max_queued_messages 100000
max_inflight_messages 100
EOF
ip netns exec "$B" mosquitto -c "$WORK/mosquitto.conf" >"$WORK/broker.log" 2>&1 &
BROKER=$!
ip netns exec "$B" tcpdump -i mqsb-b -s 0 -B 262144 -U -w "$OUT" "tcp port 1883" 2>"$WORK/tcpdump.log" &
TCPDUMP=$!
sleep 1
ip netns exec "$C" python3 "$HERE/captures/clients/loadgen.py" "$BA" 1883 --clients 600 --subscribers 60 \
    --megabytes "$MB"
sleep 1
kill -INT "$TCPDUMP"; wait "$TCPDUMP" 2>/dev/null || true; TCPDUMP=
grep -E "packets (captured|dropped)" "$WORK/tcpdump.log" >&2 || true
ls -l "$OUT" >&2
