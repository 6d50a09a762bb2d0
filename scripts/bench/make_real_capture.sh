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
source "$HERE/scripts/bench/netns.sh"
bench_require make_real_capture.sh ip ethtool tcpdump mosquitto python3
bench_netns_up

cat >"$WORK/mosquitto.conf" <<EOF
listener 1883 $BA
allow_anonymous true
max_connections -1
max_queued_messages 100000
max_inflight_messages 100
EOF
bench_broker "$WORK/mosquitto.conf"
bench_capture "$OUT" "tcp port 1883"
ip netns exec "$C" python3 "$HERE/captures/clients/loadgen.py" "$BA" 1883 --clients 600 --subscribers 60 \
    --megabytes "$MB"
bench_stop_capture
ls -l "$OUT" >&2
