#!/usr/bin/env bash
# Regenerates Fixtures/tcp/mqtt-slow-subscriber.pcap: a real mosquitto delivering to a slow consumer
# whose receive window closes (zero windows), for `stats`'s TCP health (RTT, zero windows).
#
#   sudo bash Fixtures/tcp/make.sh
#
# Real software: mosquitto (broker) and mosquitto_pub (publisher: 8 messages of 16 KB on
# slow/data, QoS 0); the subscriber is captures/clients/slow_subscriber.py, a purpose-built peer
# with a 2 KB receive buffer that stops reading for 3 s after its SUBACK (no real client does this
# on purpose). Runs in a private network namespace (its own loopback, port 1883 free), captured by
# tcpdump on lo. Needs root. Times, ports and sequence numbers differ on every run.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CLIENTS="$HERE/../../captures/clients"
if [[ -z "${MQ_IN_NETNS:-}" ]]; then exec env MQ_IN_NETNS=1 unshare --net bash "$0" "$@"; fi
ip link set lo up
WORK="$(mktemp -d /tmp/mqscope-slow.XXXXXX)"
BROKER=""; CAP=""
cleanup() {
    [[ -n "$CAP" ]] && kill -INT "$CAP" 2>/dev/null && wait "$CAP" 2>/dev/null || true
    [[ -n "$BROKER" ]] && kill "$BROKER" 2>/dev/null && wait "$BROKER" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
printf 'listener 1883 127.0.0.1\nallow_anonymous true\npersistence false\nuser root\nlog_dest file %s/mosquitto.log\n' "$WORK" > "$WORK/mosquitto.conf"
mosquitto -c "$WORK/mosquitto.conf" & BROKER=$!
for _ in $(seq 50); do grep -q running "$WORK/mosquitto.log" 2>/dev/null && break; sleep 0.1; done
tcpdump -i lo -s 0 -U --immediate-mode -B 16384 -w "$HERE/mqtt-slow-subscriber.pcap" "tcp port 1883" 2> "$WORK/tcpdump.log" & CAP=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/tcpdump.log" && break; sleep 0.1; done
sleep 0.3
(cd "$CLIENTS" && MQ_HOST=127.0.0.1 MQ_PORT=1883 python3 slow_subscriber.py "$WORK/ready" 3) & SUB=$!
for _ in $(seq 100); do [[ -e "$WORK/ready" ]] && break; sleep 0.05; done
head -c 16384 /dev/zero | tr '\0' 'x' > "$WORK/payload"
for i in $(seq 8); do mosquitto_pub -h 127.0.0.1 -p 1883 -i slow-publisher -t slow/data -f "$WORK/payload"; done
wait "$SUB"
sleep 1
kill -INT "$CAP"; wait "$CAP" || true; CAP=""
chmod 644 "$HERE/mqtt-slow-subscriber.pcap"
# A capture that dropped packets would miss segments: refuse it.
if grep -Eq "^[1-9][0-9]* packets dropped by kernel" "$WORK/tcpdump.log"; then
    cat "$WORK/tcpdump.log" >&2; echo "$0: the capture dropped packets; rerun" >&2; exit 1
fi
echo "zero-window segments: $(tshark -n -r "$HERE/mqtt-slow-subscriber.pcap" -Y tcp.analysis.zero_window 2>/dev/null | wc -l)"
