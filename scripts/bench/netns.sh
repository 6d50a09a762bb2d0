# Sourced by the benchmark's capture scripts (make_real_capture.sh, make_tls_capture.sh), not run on
# its own: two network namespaces, the broker's ($B, address $BA) and the clients' ($C, $CA), joined by
# a veth pair with a 1500-byte MTU and segmentation offloads off, so a capture on the broker's side
# holds wire-sized segments as a SPAN port would show them. bench_cleanup (the EXIT trap) stops
# $TCPDUMP and $BROKER when set, removes the namespaces and $WORK. Needs root.
B=mqsb-broker C=mqsb-clients
# Addresses of our own two test hosts, inside namespaces this script creates (never routed out).
BA=10.231.0.1 CA=10.231.0.2
WORK="$(mktemp -d)"
TCPDUMP= BROKER=
bench_cleanup() {
    [[ -n "${TCPDUMP:-}" ]] && kill "$TCPDUMP" 2>/dev/null && wait "$TCPDUMP" 2>/dev/null || true
    [[ -n "${BROKER:-}" ]] && kill "$BROKER" 2>/dev/null && wait "$BROKER" 2>/dev/null || true
    ip netns del "$B" 2>/dev/null || true
    ip netns del "$C" 2>/dev/null || true
    rm -rf "$WORK"
}
trap bench_cleanup EXIT

# bench_require NAME TOOL...: exits unless root and every tool is on the PATH.
bench_require() {
    local name=$1; shift
    [[ $(id -u) -eq 0 ]] || { echo "$name: needs root (namespaces, capture)" >&2; exit 1; }
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "$name: $tool not found" >&2; exit 1; }
    done
}

bench_netns_up() {
    ip netns del "$B" 2>/dev/null || true
    ip netns del "$C" 2>/dev/null || true
    ip netns add "$B"
    ip netns add "$C"
    ip link add mqsb-b type veth peer name mqsb-c
    ip link set mqsb-b netns "$B"
    ip link set mqsb-c netns "$C"
    ip -n "$B" addr add "$BA/24" dev mqsb-b
    ip -n "$C" addr add "$CA/24" dev mqsb-c
    local ns dev
    for ns in "$B" "$C"; do
        dev=$([[ $ns == "$B" ]] && echo mqsb-b || echo mqsb-c)
        ip -n "$ns" link set lo up
        ip -n "$ns" link set "$dev" mtu 1500 up
        # No TSO/GSO/GRO: tcpdump then sees the segments the wire would carry, not 64 KB super-packets.
        ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
    done
    # Enough file descriptors for every client connection.
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
}

# bench_broker CONF_FILE: mosquitto in the broker's namespace (sets BROKER).
bench_broker() {
    ip netns exec "$B" mosquitto -c "$1" >"$WORK/broker.log" 2>&1 &
    BROKER=$!
}

# bench_capture OUT FILTER: tcpdump on the broker's side of the veth (sets TCPDUMP).
bench_capture() {
    ip netns exec "$B" tcpdump -i mqsb-b -s 0 -B 262144 -U -w "$1" "$2" 2>"$WORK/tcpdump.log" &
    TCPDUMP=$!
    sleep 1
}

# bench_stop_capture: ends the tcpdump (after the last FIN/ACK) and prints its packet counts.
bench_stop_capture() {
    sleep 1
    kill -INT "$TCPDUMP"; wait "$TCPDUMP" 2>/dev/null || true; TCPDUMP=
    grep -E "packets (captured|dropped)" "$WORK/tcpdump.log" >&2 || true
}

# bench_stop_broker
bench_stop_broker() {
    kill "$BROKER"; wait "$BROKER" 2>/dev/null || true; BROKER=
}
