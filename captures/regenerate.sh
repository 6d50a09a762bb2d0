#!/usr/bin/env bash
# Regenerates the real captures in captures/ by running real MQTT software on
# loopback and recording it with tcpdump / dumpcap, then rebuilds the hostile
# variants from them.
#
#   bash captures/regenerate.sh            # install tools, capture, make hostile
#   MQ_NO_INSTALL=1 bash captures/regenerate.sh   # skip apt-get / pip
#   MQ_NO_NETNS=1 bash captures/regenerate.sh     # use the host loopback
#   MQ_SECTIONS=stomp bash captures/regenerate.sh  # only the STOMP/WebSocket captures
#                                   (default: "mqtt stomp"; hostile/EXPECTED always rebuilt)
#
# STOMP: ActiveMQ from Debian (activemq package) on 127.0.0.1:61613, run directly with
# java from a private instance directory (config written below), serving stomp.py clients.
# WebSocket: neither Debian's mosquitto (built without libwebsockets) nor Debian's ActiveMQ
# (no activemq-http, so no ws:// transport) has a WebSocket listener, so
# clients/ws_bridge.py (the `websockets` library) listens on 9001 (subprotocol mqtt, in
# front of mosquitto) and 61623 (v12.stomp, in front of ActiveMQ); the clients are
# paho-mqtt's websockets transport and stomp.py's WSStompConnection.
#
# Needs root (packet capture). By default the whole run re-executes itself in a
# private network namespace (`unshare --net`): its loopback is empty, so port
# 1883 is always free and nothing but our own traffic is captured. With
# MQ_NO_NETNS=1 (or without unshare) the host loopback is used and port 1883
# (plus 8883 and 11883) must be free; the script stops with a message if not.
# Timestamps, ephemeral ports, initial sequence numbers and TLS key material
# differ on every run; the MQTT conversations themselves are deterministic.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PAHO_VERSION=2.2.0
STOMPPY_VERSION=9.0.0
WEBSOCKET_CLIENT_VERSION=1.9.2
WEBSOCKETS_VERSION=17.4
STOMP_PORT=61613
MQTT_WS_PORT=9001
STOMP_WS_PORT=61623
SECTIONS="${MQ_SECTIONS:-mqtt stomp}"
want() { [[ " $SECTIONS " == *" $1 "* ]]; }
PORT=1883
ALT_PORT=11883
TLS_PORT=8883

if [[ $(id -u) -ne 0 ]]; then
    echo "regenerate.sh: must run as root (packet capture)" >&2
    exit 1
fi

if [[ -z "${MQ_IN_NETNS:-}" && -z "${MQ_NO_INSTALL:-}" ]]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y mosquitto mosquitto-clients tcpdump tshark openssl iproute2 util-linux
    python3 -m pip install "paho-mqtt==${PAHO_VERSION}"
    if want stomp; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y activemq
        python3 -m pip install "stomp.py==${STOMPPY_VERSION}" "websocket-client==${WEBSOCKET_CLIENT_VERSION}" \
            "websockets==${WEBSOCKETS_VERSION}"
    fi
fi

if [[ -z "${MQ_IN_NETNS:-}" && -z "${MQ_NO_NETNS:-}" ]] && command -v unshare >/dev/null; then
    if unshare --net true 2>/dev/null; then
        exec env MQ_IN_NETNS=1 unshare --net bash "$0" "$@"
    fi
    echo "regenerate.sh: unshare --net not permitted; using the host loopback" >&2
fi
if [[ -n "${MQ_IN_NETNS:-}" ]]; then
    ip link set lo up
    sleep 0.5  # let ::1 become usable
fi

for p in $PORT $ALT_PORT $TLS_PORT $STOMP_PORT $MQTT_WS_PORT $STOMP_WS_PORT; do
    if ss -Hltn "sport = :$p" | grep -q .; then
        echo "regenerate.sh: port $p is in use on this host; stop that service or run without MQ_NO_NETNS" >&2
        exit 1
    fi
done

source "$HERE/lib.sh"

CLIENTS="$HERE/clients"
AUTH=(-u "$MQ_USER" -P "$MQ_PASSWORD")

# mosquitto_sub (QoS 2, wildcard) + mosquitto_pub QoS 0/1/2 and a retained message.
mosquitto_clients_session() {
    local ver=$1 port=$2; shift 2
    local extra=("$@")
    mosquitto_pub -V "$ver" -p "$port" "${extra[@]}" -i mqscope-pub-retain "${AUTH[@]}" \
        -t mqscope/sensors/status -m online -q 1 -r
    mosquitto_sub -V "$ver" -p "$port" "${extra[@]}" -i mqscope-sub "${AUTH[@]}" \
        -q 2 -t 'mqscope/sensors/#' -C 5 -v > "$WORK/sub.out" &
    local sub=$!
    sleep 0.5
    mosquitto_pub -V "$ver" -p "$port" "${extra[@]}" -i mqscope-pub-q0 "${AUTH[@]}" -t mqscope/sensors/temp -m 21.5 -q 0
    mosquitto_pub -V "$ver" -p "$port" "${extra[@]}" -i mqscope-pub-q1 "${AUTH[@]}" -t mqscope/sensors/hum -m 40 -q 1
    mosquitto_pub -V "$ver" -p "$port" "${extra[@]}" -i mqscope-pub-q2 "${AUTH[@]}" -t mqscope/sensors/door -m open -q 2
    # A few-KB PUBLISH (the hostile generators split it into many segments).
    python3 -c 'import sys; sys.stdout.write("".join("line %04d of the mqscope blob payload\n" % i for i in range(80)))' > "$WORK/blob.txt"
    mosquitto_pub -V "$ver" -p "$port" "${extra[@]}" -i mqscope-pub-blob "${AUTH[@]}" -t mqscope/sensors/blob -f "$WORK/blob.txt" -q 1
    local waited=0
    while kill -0 "$sub" 2>/dev/null; do
        sleep 0.1; waited=$((waited + 1))
        if (( waited > 50 )); then kill "$sub"; echo "mosquitto_sub did not finish" >&2; exit 1; fi
    done
    wait "$sub"
    wc -c "$WORK/sub.out"
}

LO4="listener $PORT 127.0.0.1"

if want mqtt; then
    echo "== mqtt311-mosquitto-clients.pcap"
    start_broker "$LO4"
    start_capture tcpdump lo "tcp port $PORT" "$HERE/mqtt311-mosquitto-clients.pcap"
    mosquitto_clients_session mqttv311 $PORT -h 127.0.0.1
    stop_capture; stop_broker

    echo "== mqtt31-mosquitto-clients.pcapng (dumpcap, native pcapng)"
    start_broker "$LO4"
    start_capture dumpcap lo "tcp port $PORT" "$HERE/mqtt31-mosquitto-clients.pcapng"
    mosquitto_clients_session mqttv31 $PORT -h 127.0.0.1
    stop_capture; stop_broker

    echo "== mqtt5-paho.pcap (-i any)"
    start_broker "$LO4"
    start_capture tcpdump any "tcp port $PORT" "$HERE/mqtt5-paho.pcap"
    (cd "$CLIENTS" && MQ_HOST=127.0.0.1 MQ_PORT=$PORT python3 mqtt5_full.py)
    stop_capture; stop_broker

    echo "== mqtt5-paho-lo.pcapng (tcpdump nanosecond pcap -> editcap -F pcapng)"
    start_broker "$LO4"
    start_capture tcpdump lo "tcp port $PORT" "$WORK/mqtt5-paho-lo.pcap" --time-stamp-precision=nano
    (cd "$CLIENTS" && MQ_HOST=127.0.0.1 MQ_PORT=$PORT python3 mqtt5_short.py)
    stop_capture; stop_broker
    editcap -F pcapng "$WORK/mqtt5-paho-lo.pcap" "$HERE/mqtt5-paho-lo.pcapng"

    echo "== mqtt311-paho-ipv6.pcap"
    start_broker "listener $PORT ::1"
    start_capture tcpdump lo "tcp port $PORT" "$HERE/mqtt311-paho-ipv6.pcap"
    (cd "$CLIENTS" && MQ_HOST=::1 MQ_PORT=$PORT python3 mqtt311_basic.py mqscope-311-ipv6)
    stop_capture; stop_broker

    echo "== mqtt-mixed-versions.pcap"
    start_broker "$LO4"
    start_capture tcpdump lo "tcp port $PORT" "$HERE/mqtt-mixed-versions.pcap"
    (cd "$CLIENTS" && MQ_HOST=127.0.0.1 MQ_PORT=$PORT python3 mixed_versions.py)
    stop_capture; stop_broker

    echo "== mqtt-unusual-port.pcap (port $ALT_PORT)"
    start_broker "listener $ALT_PORT 127.0.0.1"
    start_capture tcpdump lo "tcp port $ALT_PORT" "$HERE/mqtt-unusual-port.pcap"
    mosquitto_clients_session mqttv311 $ALT_PORT -h 127.0.0.1
    stop_capture; stop_broker

    echo "== tls-8883.pcap (self-signed certificate, TLS not decoded)"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$WORK/server.key" -out "$WORK/server.crt" 2>/dev/null
    start_broker "listener $TLS_PORT 127.0.0.1" "certfile $WORK/server.crt" "keyfile $WORK/server.key"
    start_capture tcpdump lo "tcp port $TLS_PORT" "$HERE/tls-8883.pcap"
    mosquitto_pub -V mqttv311 -h 127.0.0.1 -p $TLS_PORT --cafile "$WORK/server.crt" --insecure \
        -i mqscope-tls "${AUTH[@]}" -t mqscope/tls/secret -m "not visible on the wire" -q 1
    stop_capture; stop_broker

fi

ACTIVEMQ_STOMP='    <transportConnectors>
      <transportConnector name="stomp" uri="stomp://127.0.0.1:'"$STOMP_PORT"'"/>
    </transportConnectors>'

# A stomp.py session, retried once: heart-beat timing on a loaded machine can end a session.
stomp_session() {
    (cd "$CLIENTS" && timeout 60 python3 stomp_sessions.py "$1") || (cd "$CLIENTS" && timeout 60 python3 stomp_sessions.py "$1")
}

if want stomp; then
    echo "== stomp-activemq.pcap (STOMP 1.0, 1.1, 1.2 and an ERROR; ActiveMQ, stomp.py)"
    start_activemq $STOMP_PORT "$ACTIVEMQ_STOMP"
    start_capture tcpdump lo "tcp port $STOMP_PORT" "$HERE/stomp-activemq.pcap"
    for v in 1.0 1.1 1.2 error; do stomp_session "$v"; done
    stop_capture

    echo "== stomp-websocket.pcap (STOMP 1.2 over WebSocket, v12.stomp)"
    start_bridge $STOMP_WS_PORT $STOMP_PORT v12.stomp,v11.stomp,v10.stomp text
    start_capture tcpdump lo "tcp port $STOMP_WS_PORT" "$HERE/stomp-websocket.pcap"
    stomp_session websocket
    stop_capture; stop_bridge
    stop_activemq

    echo "== mqtt-websocket.pcap (MQTT 3.1.1 over WebSocket, paho-mqtt websockets transport)"
    start_broker "$LO4"
    start_bridge $MQTT_WS_PORT $PORT mqtt
    start_capture tcpdump lo "tcp port $MQTT_WS_PORT" "$HERE/mqtt-websocket.pcap"
    (cd "$CLIENTS" && timeout 60 python3 mqtt_websocket.py $MQTT_WS_PORT)
    stop_capture; stop_bridge; stop_broker
fi

{
    echo "# Tool versions used by the last regenerate.sh run (written by the script)"
    echo "mosquitto: $(mosquitto -h 2>&1 | head -1)"
    echo "mosquitto-clients: $(dpkg-query -W -f='${Version}' mosquitto-clients 2>/dev/null)"
    echo "paho-mqtt: $(python3 -m pip show paho-mqtt 2>/dev/null | awk '/^Version/ {print $2}')"
    echo "python: $(python3 --version 2>&1)"
    echo "tcpdump: $(tcpdump --version 2>&1 | head -1)"
    echo "libpcap: $(tcpdump --version 2>&1 | sed -n 2p)"
    echo "dumpcap/editcap: $(dumpcap --version 2>&1 | head -1)"
    echo "openssl: $(openssl version)"
    echo "activemq: $(dpkg-query -W -f='${Version}' activemq 2>/dev/null)"
    echo "java: $(java -version 2>&1 | head -1)"
    echo "stomp.py: $(python3 -m pip show stomp.py 2>/dev/null | awk '/^Version/ {print $2}')"
    echo "websocket-client: $(python3 -m pip show websocket-client 2>/dev/null | awk '/^Version/ {print $2}')"
    echo "websockets: $(python3 -m pip show websockets 2>/dev/null | awk '/^Version/ {print $2}')"
} > "$HERE/TOOLS.txt"

echo "== hostile variants"
python3 "$HERE/generators/make_hostile.py"
echo "== EXPECTED.md (tshark / capinfos)"
python3 "$HERE/generators/expected.py"
python3 -m unittest discover -s "$HERE/generators" -p 'test_*.py'
echo "regenerate.sh: done"
