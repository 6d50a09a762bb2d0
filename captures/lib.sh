# Sourced by captures/regenerate.sh and captures/tls/regenerate.sh (not run on its own): a work
# directory, the broker user, and start/stop helpers for mosquitto, tcpdump/dumpcap, ActiveMQ and
# clients/ws_bridge.py; the EXIT trap stops whatever is still running and removes the directory.
# Needs CLIENTS (the captures/clients folder); sets WORK, MQ_USER, MQ_PASSWORD.

WORK="$(mktemp -d /tmp/mqscope-captures.XXXXXX)"
BROKER_PID=""
CAPTURE_PID=""
AMQ_PID=""
BRIDGE_PID=""
cleanup() {
    local rc=$?
    [[ -n "$BRIDGE_PID" ]] && kill "$BRIDGE_PID" 2>/dev/null && wait "$BRIDGE_PID" 2>/dev/null || true
    [[ -n "$AMQ_PID" ]] && kill "$AMQ_PID" 2>/dev/null && wait "$AMQ_PID" 2>/dev/null || true
    [[ -n "$CAPTURE_PID" ]] && kill -INT "$CAPTURE_PID" 2>/dev/null && wait "$CAPTURE_PID" 2>/dev/null || true
    [[ -n "$BROKER_PID" ]] && kill "$BROKER_PID" 2>/dev/null && wait "$BROKER_PID" 2>/dev/null || true
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT

export MQ_USER=mqscope MQ_PASSWORD=mqscope-pass
mosquitto_passwd -b -c "$WORK/passwd" "$MQ_USER" "$MQ_PASSWORD"

# start_broker LISTENER_LINES... : each argument is one line of mosquitto.conf.
start_broker() {
    local conf="$WORK/mosquitto.conf"
    {
        printf '%s\n' "$@"
        echo "allow_anonymous true"
        echo "password_file $WORK/passwd"
        echo "persistence false"
        echo "user root"
        echo "log_dest file $WORK/mosquitto.log"
    } > "$conf"
    mosquitto -c "$conf" &
    BROKER_PID=$!
    for _ in $(seq 50); do
        if grep -q "running" "$WORK/mosquitto.log" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "broker did not start" >&2; cat "$WORK/mosquitto.log" >&2; exit 1
}
stop_broker() {
    kill "$BROKER_PID"; wait "$BROKER_PID" || true; BROKER_PID=""
    rm -f "$WORK/mosquitto.log"
}

# start_capture TOOL IFACE FILTER OUTFILE [extra tool args]
start_capture() {
    local tool=$1 iface=$2 filter=$3 out=$4; shift 4
    local log="$WORK/capture.log"; : > "$log"
    case $tool in
        tcpdump) tcpdump -i "$iface" -s 0 -U --immediate-mode -B 16384 -Z root "$@" -w "$out" "$filter" 2> "$log" & ready="listening on" ;;
        dumpcap) dumpcap -q -i "$iface" -s 0 -B 16 -f "$filter" "$@" -w "$out" 2> "$log" & ready="File:" ;;
    esac
    CAPTURE_PID=$!
    CAPTURE_OUT=$out
    for _ in $(seq 100); do
        if grep -q "$ready" "$log"; then sleep 0.2; return 0; fi
        sleep 0.1
    done
    echo "capture did not start" >&2; cat "$log" >&2; exit 1
}
stop_capture() {
    # Let the FIN/ACK exchange land, and give dumpcap's buffer timeout time to
    # deliver (tcpdump runs in immediate mode, so nothing is held back there).
    sleep 1.2
    kill -INT "$CAPTURE_PID"; wait "$CAPTURE_PID" || true; CAPTURE_PID=""
    cat "$WORK/capture.log" >&2
    chmod 644 "$CAPTURE_OUT"
    # A capture with kernel drops would silently miss segments: refuse it.
    if grep -Eq "^[1-9][0-9]* packets dropped by kernel|dropped on interface.*: [0-9]+/[1-9]" "$WORK/capture.log"; then
        echo "$0: the capture of $CAPTURE_OUT dropped packets; rerun" >&2
        exit 1
    fi
}

# start_activemq PORT CONFIG_XML: ActiveMQ from a private instance directory ($WORK/activemq, its
# conf/ for keystores), no persistence, no JMX; CONFIG_XML goes inside <broker> (the transport
# connectors, an sslContext); returns when PORT listens.
start_activemq() {
    local port=$1 config=$2 base="$WORK/activemq"
    mkdir -p "$base/conf" "$base/data"
    cp /etc/activemq/instances-available/main/log4j2.properties "$base/conf/"
    cat > "$base/conf/activemq.xml" <<XML
<beans xmlns="http://www.springframework.org/schema/beans"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" useJmx="false" brokerName="mqscope" persistent="false"
          dataDirectory="$base/data" schedulerSupport="false">
$config
  </broker>
</beans>
XML
    java -Xms64M -Xmx256M -Dactivemq.home=/usr/share/activemq -Dactivemq.base="$base" \
        -Dactivemq.conf="$base/conf" -Dactivemq.data="$base/data" -Djava.io.tmpdir="$base" \
        -jar /usr/share/activemq/bin/activemq.jar start "xbean:file:$base/conf/activemq.xml" > "$WORK/activemq.log" 2>&1 &
    AMQ_PID=$!
    for _ in $(seq 120); do
        if ss -Hltn "sport = :$port" | grep -q .; then sleep 0.5; return 0; fi
        sleep 0.5
    done
    echo "activemq did not start" >&2; tail -30 "$WORK/activemq.log" >&2; exit 1
}
stop_activemq() { kill "$AMQ_PID"; wait "$AMQ_PID" || true; AMQ_PID=""; }

# start_bridge LISTEN_PORT BROKER_PORT SUBPROTOCOLS [text]
start_bridge() {
    python3 "$CLIENTS/ws_bridge.py" "$@" > "$WORK/bridge.log" 2>&1 &
    BRIDGE_PID=$!
    for _ in $(seq 50); do
        if grep -q "bridge ready" "$WORK/bridge.log"; then return 0; fi
        sleep 0.1
    done
    echo "ws_bridge did not start" >&2; cat "$WORK/bridge.log" >&2; exit 1
}
stop_bridge() { kill "$BRIDGE_PID"; wait "$BRIDGE_PID" || true; BRIDGE_PID=""; }
