#!/usr/bin/env bash
# Records the captures of real-world behaviour the specifications do not define (the table in
# Sources/Conformance/KnownBehaviour/KnownBehaviour.swift), from real software on loopback:
#
#   mqtt-amqtt-refused-v5.pcap     amqtt 0.12 (PyPI; a 3.1.1-only broker) refusing a paho-mqtt 5.0
#                                  CONNECT with a 3.1.1 CONNACK 0x01 and a close, as ActiveMQ 5.17 does;
#                                  the client then connects over 3.1.1 (clients/refused_v5.py)
#   mqtt-mosquitto-bridge.pcap     two mosquitto 2.0 on loopback: B (1884) bridges `bridge/#` both ways
#                                  to A (1883) with the default try_private (CONNECT level 0x84);
#                                  mosquitto_pub/mosquitto_sub on each side
#   mqtt-bridge-refused-retry.pcap the same bridge towards amqtt (1885), which refuses level 0x84
#                                  with CONNACK 0x01; mosquitto retries with plain level 4
#
# Debian's ActiveMQ 5.17.2 cannot be used for the refusal: its MQTT transport needs the fusesource
# mqtt-client codec, which Debian does not package (a CONNECT of any level is never answered).
#
#   sudo bash captures/known-behaviour.sh      (MQ_NO_NETNS=1: host loopback; ports 1883-1885 free)
# Needs root (packet capture); mosquitto, mosquitto-clients, tcpdump, paho-mqtt and amqtt
# (scripts/setup.sh installs them). Runs in a private network namespace like regenerate.sh.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[[ $(id -u) -eq 0 ]] || { echo "known-behaviour.sh: must run as root (packet capture)" >&2; exit 1; }
if [[ -z "${MQ_IN_NETNS:-}" && -z "${MQ_NO_NETNS:-}" ]] && unshare --net true 2>/dev/null; then
    exec env MQ_IN_NETNS=1 unshare --net bash "$0" "$@"
fi
[[ -n "${MQ_IN_NETNS:-}" ]] && { ip link set lo up; sleep 0.5; }

WORK="$(mktemp -d /tmp/mqscope-known.XXXXXX)"
PIDS=()
CAP=""
cleanup() {
    local rc=$?
    [[ -n "$CAP" ]] && kill -INT "$CAP" 2>/dev/null && wait "$CAP" 2>/dev/null || true
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT

wait_port() { for _ in $(seq 240); do ss -Hltn "sport = :$1" | grep -q . && return 0; sleep 0.25; done
              echo "nothing listens on $1" >&2; exit 1; }
# mosquitto NAME PORT [conf lines...]
mosquitto_start() {
    local name=$1 port=$2; shift 2
    printf '%s\n' "listener $port 127.0.0.1" "allow_anonymous true" "persistence false" "user root" \
        "log_dest file $WORK/$name.log" "$@" > "$WORK/$name.conf"
    mosquitto -c "$WORK/$name.conf" & PIDS+=($!)
    wait_port "$port"
}
amqtt_start() {  # PORT: amqtt with anonymous access, no $SYS publishing
    printf '%s\n' "listeners:" "  default:" "    type: tcp" "    bind: 127.0.0.1:$1" "plugins:" \
        "  amqtt.plugins.authentication.AnonymousAuthPlugin:" "    allow_anonymous: true" > "$WORK/amqtt.yaml"
    amqtt -c "$WORK/amqtt.yaml" > "$WORK/amqtt.log" 2>&1 & PIDS+=($!)
    wait_port "$1"
}
capture_start() {  # FILTER OUT
    tcpdump -i lo -s 0 -U --immediate-mode -B 16384 -Z root -w "$2" "$1" 2> "$WORK/cap.log" & CAP=$!
    for _ in $(seq 100); do grep -q "listening on" "$WORK/cap.log" && { sleep 0.2; return 0; }; sleep 0.1; done
    echo "tcpdump did not start" >&2; exit 1
}
capture_stop() {
    sleep 1.2; kill -INT "$CAP"; wait "$CAP" || true; CAP=""; chmod 644 "$1"
    if grep -Eq "^[1-9][0-9]* packets dropped by kernel" "$WORK/cap.log"; then echo "drops in $1; rerun" >&2; exit 1; fi
}
stop_all() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done; PIDS=(); }
bridge_conf() {  # PORT: the bridge of broker B towards 127.0.0.1:PORT (try_private left at its default, true)
    printf '%s\n' "connection b-to-a" "address 127.0.0.1:$1" "clientid mqscope-bridge" "cleansession true" \
        "topic bridge/# both 1" "restart_timeout 1"
}

echo "== mqtt-amqtt-refused-v5.pcap"
amqtt_start 1883
capture_start "tcp port 1883" "$HERE/mqtt-amqtt-refused-v5.pcap"
(cd "$HERE/clients" && MQ_HOST=127.0.0.1 MQ_PORT=1883 timeout 60 python3 refused_v5.py)
capture_stop "$HERE/mqtt-amqtt-refused-v5.pcap"
stop_all

echo "== mqtt-mosquitto-bridge.pcap"
capture_start "tcp port 1883 or tcp port 1884" "$HERE/mqtt-mosquitto-bridge.pcap"
mosquitto_start a 1883
mapfile -t BRIDGE < <(bridge_conf 1883)
mosquitto_start b 1884 "${BRIDGE[@]}"
for _ in $(seq 50); do grep -q "Connecting bridge\|Received CONNACK on connection" "$WORK/b.log" && break; sleep 0.1; done
sleep 1
# A subscriber on each side, a publisher on the other: bridge/ab crosses A->B, bridge/ba B->A;
# a retained message published on A reaches B's subscriber through the bridge.
mosquitto_pub -p 1883 -i mqscope-retain-a -t bridge/status -m up -q 1 -r
mosquitto_sub -p 1884 -i mqscope-sub-b -t 'bridge/#' -q 1 -C 3 -v > "$WORK/sub-b.out" & SUBB=$!
mosquitto_sub -p 1883 -i mqscope-sub-a -t 'bridge/#' -q 1 -C 2 -v > "$WORK/sub-a.out" & SUBA=$!
sleep 1
mosquitto_pub -p 1883 -i mqscope-pub-a -t bridge/ab -m from-a -q 1
mosquitto_pub -p 1884 -i mqscope-pub-b -t bridge/ba -m from-b -q 1
for _ in $(seq 100); do kill -0 $SUBB 2>/dev/null || kill -0 $SUBA 2>/dev/null || break; sleep 0.1; done
kill $SUBB $SUBA 2>/dev/null || true; wait $SUBB $SUBA || true
sleep 0.5
capture_stop "$HERE/mqtt-mosquitto-bridge.pcap"
stop_all
cat "$WORK/sub-a.out" "$WORK/sub-b.out"

echo "== mqtt-bridge-refused-retry.pcap"
amqtt_start 1885
capture_start "tcp port 1885" "$HERE/mqtt-bridge-refused-retry.pcap"
mapfile -t BRIDGE < <(bridge_conf 1885)
mosquitto_start b 1884 "${BRIDGE[@]}"
for _ in $(seq 100); do grep -q "Received CONNACK on connection b-to-a" "$WORK/b.log" && grep -c "Connecting bridge" "$WORK/b.log" | grep -qv '^1$' && break; sleep 0.1; done
sleep 1
mosquitto_pub -p 1884 -i mqscope-pub-b -t bridge/to-amqtt -m hello -q 1
sleep 1
capture_stop "$HERE/mqtt-bridge-refused-retry.pcap"
stop_all
grep -i "bridge\|connack" "$WORK/b.log" || true
echo "known-behaviour.sh: done"
