#!/usr/bin/env bash
# Captures the cross-connection scenarios of `mqscope check` (Sources/Conformance/Broker/) with real
# clients (mosquitto_pub/mosquitto_sub 2.0, paho-mqtt 5.0):
#   fault-<F>.pcap        faulty_broker.py with fault F (qos, route, retain, nolocal, will): F's rule fires
#   clean-faulty.pcap     the same scenarios against faulty_broker.py without a fault: clean
#   clean-mosquitto.pcap  the same scenarios against mosquitto 2.0 (Debian): clean
# Each capture holds all five scenarios (QoS downgrade, routing, RETAIN on a live delivery, No Local,
# a Will after a normal DISCONNECT).
#   sudo bash captures/broker/scenarios.sh    (own network namespace; MQ_NO_NETNS=1: host loopback, port 1883 free)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[[ $(id -u) -eq 0 ]] || { echo "scenarios.sh: must run as root (packet capture)" >&2; exit 1; }
if [[ -z "${MQ_IN_NETNS:-}" && -z "${MQ_NO_NETNS:-}" ]] && unshare --net true 2>/dev/null; then
    exec env MQ_IN_NETNS=1 unshare --net bash "$0" "$@"
fi
[[ -n "${MQ_IN_NETNS:-}" ]] && { ip link set lo up; sleep 0.5; }
PORT=1883
WORK="$(mktemp -d /tmp/mqscope-broker.XXXXXX)"
BROKER=""; CAP=""
cleanup() {
    local rc=$?
    [[ -n "$CAP" ]] && kill -INT "$CAP" 2>/dev/null && wait "$CAP" 2>/dev/null || true
    [[ -n "$BROKER" ]] && kill "$BROKER" 2>/dev/null && wait "$BROKER" 2>/dev/null || true
    rm -rf "$WORK"; exit $rc
}
trap cleanup EXIT
wait_port() { for _ in $(seq 100); do ss -Hltn "sport = :$PORT" | grep -q . && return 0; sleep 0.1; done; echo "no listener" >&2; exit 1; }
start() {  # faulty FAULT | mosquitto
    if [[ $1 == mosquitto ]]; then
        printf '%s\n' "listener $PORT 127.0.0.1" "allow_anonymous true" "persistence false" "user root" > "$WORK/m.conf"
        mosquitto -c "$WORK/m.conf" 2>/dev/null & BROKER=$!
    else
        python3 "$HERE/faulty_broker.py" $PORT "$2" > "$WORK/broker.log" 2>&1 & BROKER=$!
    fi
    wait_port
}
stop() { kill "$BROKER"; wait "$BROKER" 2>/dev/null || true; BROKER=""; }
capture() {
    tcpdump -i lo -s 0 -U --immediate-mode -B 16384 -Z root -w "$1" "tcp port $PORT" 2> "$WORK/cap.log" & CAP=$!
    for _ in $(seq 100); do grep -q "listening on" "$WORK/cap.log" && { sleep 0.2; return 0; }; sleep 0.1; done; exit 1
}
uncapture() {
    sleep 1.2; kill -INT "$CAP"; wait "$CAP" || true; CAP=""; chmod 644 "$1"
    if grep -Eq "^[1-9][0-9]* packets dropped by kernel" "$WORK/cap.log"; then echo "drops in $1" >&2; exit 1; fi
}
sub() { mosquitto_sub -p $PORT "$@" -W 3 > /dev/null 2>&1 || true; }
scenarios() {
    # QoS: granted 0, published at QoS 1 -> delivered at QoS 0.
    sub -i mqscope-sub-q0 -q 0 -t fault/qos -C 1 & local a=$!
    sleep 0.5; mosquitto_pub -p $PORT -i mqscope-pub-qos -q 1 -t fault/qos -m qos; wait $a
    # Routing: fault/route/a reaches the fault/route/a subscriber only, not the other/# one.
    sub -i mqscope-sub-route -t fault/route/a -C 1 & a=$!
    sub -i mqscope-sub-other -t 'other/#' -C 1 & local b=$!
    sleep 0.5; mosquitto_pub -p $PORT -i mqscope-pub-route -t fault/route/a -m route; wait $a $b
    # RETAIN: a retained PUBLISH to an established subscription is forwarded with RETAIN 0; then cleared.
    sub -i mqscope-sub-retain -q 1 -t fault/retain -C 1 & a=$!
    sleep 0.5; mosquitto_pub -p $PORT -i mqscope-pub-retain -q 1 -r -t fault/retain -m retained; wait $a
    mosquitto_pub -p $PORT -i mqscope-pub-clear -q 1 -r -t fault/retain -n
    # No Local (5.0): a paho client's own message is not sent back; a second subscriber gets it.
    sub -V 5 -i mqscope-sub-nl-other -q 1 -t fault/nl -C 1 & a=$!
    sleep 0.5; python3 "$HERE/nolocal_client.py" $PORT; wait $a
    # Will: a client that ends with DISCONNECT has its Will discarded, never published.
    sub -i mqscope-sub-will -q 1 -t fault/will -C 1 & a=$!
    sleep 0.5; mosquitto_pub -p $PORT -i mqscope-pub-will --will-topic fault/will --will-payload gone --will-qos 1 \
        -q 1 -t fault/alive -m alive; wait $a
}
for fault in qos route retain nolocal will; do
    echo "== fault-$fault.pcap"
    start faulty "$fault"; capture "$HERE/fault-$fault.pcap"; scenarios; uncapture "$HERE/fault-$fault.pcap"; stop
done
echo "== clean-faulty.pcap"
start faulty none; capture "$HERE/clean-faulty.pcap"; scenarios; uncapture "$HERE/clean-faulty.pcap"; stop
echo "== clean-mosquitto.pcap"
start mosquitto; capture "$HERE/clean-mosquitto.pcap"; scenarios; uncapture "$HERE/clean-mosquitto.pcap"; stop
echo "scenarios.sh: done"
