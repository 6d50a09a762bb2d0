#!/usr/bin/env bash
# Captures the cross-connection scenarios of `mqscope check` (Sources/Conformance/Broker/) with real
# clients (mosquitto_pub/mosquitto_sub 2.0, paho-mqtt 5.0):
#   fault-<F>.pcap        faulty_broker.py with fault F (qos, route, retain, nolocal, will): F's rule fires
#   clean-faulty.pcap     the same scenarios against faulty_broker.py without a fault: clean
#   clean-mosquitto.pcap  the same scenarios against mosquitto 2.0 (Debian): clean
# Each capture holds all five scenarios (QoS downgrade, routing, RETAIN on a live delivery, No Local,
# a Will after a normal DISCONNECT).
#   sudo bash captures/broker/scenarios.sh    (own network namespace; MQ_NO_NETNS=1: host loopback, port 1883 free)
# With the argument `will`, the Will scenarios instead (a subscriber on fault/will/# throughout; a
# 3.1.1 client with a Will killed, another ending with DISCONNECT; 5.0 clients with a Will Delay
# killed, ending with DISCONNECT 0x04, killed then resumed within the delay):
#   will-fault-<F>.pcap   faulty_broker.py with fault F (drop-will, early-will, resume-will)
#   will-clean-faulty.pcap, will-clean-mosquitto.pcap   the same without a fault / against mosquitto
# With `limits`, a 5.0 subscriber's Receive Maximum, Topic Alias Maximum and Maximum Packet Size
# (limits_client.py) against publishers: limits-fault-<F>.pcap (receive-max, alias-max, packet-size),
# limits-clean-faulty.pcap, limits-clean-mosquitto.pcap.
# With `order`: order-fault-order.pcap, order-clean-faulty.pcap, order-clean-mosquitto.pcap (one
# publisher's four QoS 1 messages on one topic, one subscriber).
# With `subid`: subid-fault-subid.pcap, subid-clean-faulty.pcap, subid-clean-mosquitto.pcap (a 5.0
# subscription with Subscription Identifier 7 and one delivery).
# With `shared`: shared-fault-shared.pcap, shared-clean-faulty.pcap, shared-clean-mosquitto.pcap (two
# members of a 5.0 share group, four messages).
# With `session`: persistent sessions (session_client.py, paho-mqtt 3.1.1 and 5.0; mosquitto_sub -c):
# a delivery left unacknowledged by a client that dies, a QoS 1 and a QoS 2 message published while
# it is away, the session resumed (Session Present 1, the delivery re-sent with DUP=1, the queued
# ones delivered); a Clean Session 1 client that comes back with Clean Session 0 (Session Present 0):
#   session-fault-<F>.pcap  (no-present, stale-present, drop-queued, no-resend, no-dup),
#   session-clean-faulty.pcap, session-clean-mosquitto.pcap
# With `willretain`: Wills with Will Retain 0 and 1 (mosquitto_sub killed, 3.1.1 and 5.0), then a new
# subscription to their topics (only the Will Retain 1 one is sent to it, RETAIN=1):
#   willretain-fault-will-retain.pcap, willretain-clean-faulty.pcap, willretain-clean-mosquitto.pcap
# With `retained`: a retained message set and cleared (mosquitto_pub -r, then -r -n), then a new
# subscription to its topic (3.1.1 and 5.0; a correct broker sends nothing):
#   retained-fault-<F>.pcap (retain-empty, keep-cleared), retained-clean-faulty.pcap, retained-clean-mosquitto.pcap
# With `amqtt-sessions`: amqtt-sessions.pcap, the 3.1.1 session, willretain and retained scenarios
# against amqtt 0.12 (PyPI), the second broker implementation.
# With `amqtt`: clean-amqtt.pcap, the 3.1.1 scenarios of both sets against amqtt 0.12 (PyPI), a
# second broker implementation (3.1.1 only: the 5.0 scenarios are left out).
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
start() {  # faulty FAULT | mosquitto | amqtt
    if [[ $1 == amqtt ]]; then  # amqtt 0.12 (PyPI): anonymous access, no $SYS publishing
        printf '%s\n' "listeners:" "  default:" "    type: tcp" "    bind: 127.0.0.1:$PORT" "plugins:" \
            "  amqtt.plugins.authentication.AnonymousAuthPlugin:" "    allow_anonymous: true" > "$WORK/amqtt.yaml"
        amqtt -c "$WORK/amqtt.yaml" > "$WORK/amqtt.log" 2>&1 & BROKER=$!
    elif [[ $1 == mosquitto ]]; then
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
    if [[ ${V5:-1} == 1 ]]; then
        sub -V 5 -i mqscope-sub-nl-other -q 1 -t fault/nl -C 1 & a=$!
        sleep 0.5; python3 "$HERE/nolocal_client.py" $PORT; wait $a
    fi
    # Will: a client that ends with DISCONNECT has its Will discarded, never published.
    sub -i mqscope-sub-will -q 1 -t fault/will -C 1 & a=$!
    sleep 0.5; mosquitto_pub -p $PORT -i mqscope-pub-will --will-topic fault/will --will-payload gone --will-qos 1 \
        -q 1 -t fault/alive -m alive; wait $a
}
will_scenarios() {
    mosquitto_sub -p $PORT -i mqscope-sub-wills -q 1 -t 'fault/will/#' -W 14 > /dev/null 2>&1 & local a=$!
    sleep 0.5
    # 3.1.1, abrupt end: a client with a Will (keep-alive 5 s, mosquitto_sub's least) killed by SIGKILL: the Will is due at the close.
    mosquitto_sub -p $PORT -i mqscope-will-abrupt311 -k 5 --will-topic fault/will/abrupt311 --will-payload lost \
        --will-qos 1 -t fault/none > /dev/null 2>&1 & local k=$!
    sleep 0.5; kill -9 $k; wait $k 2>/dev/null || true
    # 3.1.1, normal end: the DISCONNECT discards the Will.
    mosquitto_pub -p $PORT -i mqscope-will-normal311 -k 5 --will-topic fault/will/normal311 --will-payload kept \
        -q 1 -t fault/alive -m alive
    # 5.0: Will Delay 2 s then killed; DISCONNECT 0x04; Will Delay 3 s, killed, resumed 0.1 s later.
    if [[ ${V5:-1} == 1 ]]; then
        python3 "$HERE/will_client.py" $PORT abrupt delayed 2 2>/dev/null || true
        python3 "$HERE/will_client.py" $PORT with-will reason4
        python3 "$HERE/will_client.py" $PORT abrupt resumed 3 2>/dev/null || true
        python3 "$HERE/will_client.py" $PORT resume resumed
    fi
    wait $a || true  # mosquitto_sub -W exits non-zero at its timeout
}
limits_scenarios() {
    # Three retained QoS 1 messages, sent together when the subscription is made (one send quota:
    # one at a time) — deterministic, unlike a live burst whose PUBACKs may come in between.
    for t in r1 r2 r3; do mosquitto_pub -V 5 -p $PORT -i mqscope-pub-$t -q 1 -r -t fault/limits/$t -m "kept $t"; done
    # A 5.0 subscriber with Receive Maximum 1, Topic Alias Maximum 2, Maximum Packet Size 200.
    python3 "$HERE/limits_client.py" $PORT 3 > "$WORK/limits.out" & local a=$!
    for _ in $(seq 100); do grep -q ready "$WORK/limits.out" && break; sleep 0.1; done
    # Three QoS 1 messages at once (one send quota: one at a time), three more topics (aliases),
    # and a 500-byte payload (too large for the subscriber: dropped).
    printf 'one\ntwo\nthree\n' | mosquitto_pub -V 5 -p $PORT -i mqscope-pub-burst -q 1 -t fault/limits/a -l
    for t in b c d; do mosquitto_pub -V 5 -p $PORT -i mqscope-pub-$t -q 0 -t fault/limits/$t -m "to $t"; done
    head -c 500 /dev/zero | tr '\0' x | mosquitto_pub -V 5 -p $PORT -i mqscope-pub-big -q 0 -t fault/limits/big -s
    wait $a
}
order_scenarios() {
    # Four QoS 1 messages of one publisher on one topic: delivered in the order published.
    sub -i mqscope-sub-order -q 1 -t fault/order -C 4 & local a=$!
    sleep 0.5
    printf 'm1\nm2\nm3\nm4\n' | mosquitto_pub -p $PORT -i mqscope-pub-order -q 1 -t fault/order -l
    wait $a
}
subid_scenarios() {
    # A 5.0 subscription with Subscription Identifier 7; a delivery carries it.
    sub -V 5 -i mqscope-sub-subid -q 1 -t 'fault/subid/#' -D subscribe subscription-identifier 7 -C 1 & local a=$!
    sleep 0.5
    mosquitto_pub -V 5 -p $PORT -i mqscope-pub-subid -q 1 -t fault/subid/x -m tagged
    wait $a
}
shared_scenarios() {
    # Two 5.0 members of share group g; four QoS 1 messages: each goes to one member.
    mosquitto_sub -p $PORT -V 5 -i mqscope-sub-share1 -q 1 -t '$share/g/fault/shared' -W 3 > /dev/null 2>&1 & local a=$!
    mosquitto_sub -p $PORT -V 5 -i mqscope-sub-share2 -q 1 -t '$share/g/fault/shared' -W 3 > /dev/null 2>&1 & local b=$!
    sleep 0.5
    printf 's1\ns2\ns3\ns4\n' | mosquitto_pub -V 5 -p $PORT -i mqscope-pub-shared -q 1 -t fault/shared -l
    wait $a $b || true  # mosquitto_sub -W exits non-zero at its timeout
}
session_scenarios() {
    for level in 4 $([[ ${V5:-1} == 1 ]] && echo 5); do
        local id=mqscope-session-$level
        python3 "$HERE/session_client.py" $PORT $level $id first > "$WORK/session.out" 2>/dev/null & local a=$!
        for _ in $(seq 100); do grep -q ready "$WORK/session.out" && break; sleep 0.1; done
        mosquitto_pub -p $PORT -i mqscope-pub-inflight-$level -q 1 -t fault/session/inflight -m "unacked $level"
        wait $a || true  # killed by itself once the message came
        sleep 0.3
        mosquitto_pub -p $PORT -i mqscope-pub-queued1-$level -q 1 -t fault/session/q1 -m "queued qos 1 ($level)"
        mosquitto_pub -p $PORT -i mqscope-pub-queued2-$level -q 2 -t fault/session/q2 -m "queued qos 2 ($level)"
        python3 "$HERE/session_client.py" $PORT $level $id resume | sed "s/^/$id: /" >&2
    done
    # mosquitto_sub -c: subscribe and leave (DISCONNECT); a message meanwhile; back with -c.
    mosquitto_sub -p $PORT -c -i mqscope-session-sub -q 1 -t fault/session-sub -E > /dev/null 2>&1
    mosquitto_pub -p $PORT -i mqscope-pub-session-sub -q 1 -t fault/session-sub -m "while away"
    sub -c -i mqscope-session-sub -q 1 -t fault/session-sub -C 1
    # A Clean Session 1 session ends with its connection: back with Clean Session 0, none is present.
    mosquitto_sub -p $PORT -i mqscope-session-fresh -q 1 -t fault/session-fresh -E > /dev/null 2>&1
    mosquitto_sub -p $PORT -c -i mqscope-session-fresh -q 1 -t fault/session-fresh -E > /dev/null 2>&1
}
willretain_scenarios() {
    for v in 311 $([[ ${V5:-1} == 1 ]] && echo 5); do
        mosquitto_sub -p $PORT -V $v -i mqscope-sub-wr-$v -q 1 -t "fault/willretain/$v/#" -W 4 > /dev/null 2>&1 & local a=$!
        sleep 0.5
        for r in 0 1; do
            local flag=""; [[ $r == 1 ]] && flag=--will-retain
            mosquitto_sub -p $PORT -V $v -i mqscope-wr-$v-$r -k 5 --will-topic fault/willretain/$v/$r \
                --will-payload "gone $r" --will-qos 1 $flag -t fault/none > /dev/null 2>&1 & local k=$!
            sleep 0.5; kill -9 $k; wait $k 2>/dev/null || true
        done
        sleep 0.5
        # A new subscription: the Will Retain 1 Will comes with RETAIN=1, the other not at all.
        mosquitto_sub -p $PORT -V $v -i mqscope-sub-wr-late-$v -q 1 -t "fault/willretain/$v/#" -W 2 > /dev/null 2>&1 || true
        mosquitto_pub -p $PORT -V $v -i mqscope-pub-wr-clear-$v -r -t fault/willretain/$v/1 -n
        wait $a || true  # mosquitto_sub -W exits non-zero at its timeout
    done
}
retained_scenarios() {
    for v in 311 $([[ ${V5:-1} == 1 ]] && echo 5); do
        mosquitto_pub -p $PORT -V $v -i mqscope-pub-kept-$v -q 1 -r -t fault/retained/$v/a -m kept
        mosquitto_pub -p $PORT -V $v -i mqscope-pub-cleared-$v -q 1 -r -t fault/retained/$v/a -n
        mosquitto_sub -p $PORT -V $v -i mqscope-sub-retained-$v -q 1 -t "fault/retained/$v/#" -W 2 > /dev/null 2>&1 || true
    done
}
# record_set PREFIX SCENARIOS FAULT…: PREFIX-fault-F.pcap per fault, PREFIX-clean-faulty.pcap, PREFIX-clean-mosquitto.pcap
record_set() {
    local prefix=$1 run=$2; shift 2
    for fault in "$@" none mosquitto; do
        local name="${prefix}fault-$fault.pcap"
        [[ $fault == none ]] && name="${prefix}clean-faulty.pcap"
        [[ $fault == mosquitto ]] && name="${prefix}clean-mosquitto.pcap"
        echo "== $name"
        if [[ $fault == mosquitto ]]; then start mosquitto; else start faulty "$fault"; fi
        capture "$HERE/$name"; $run; uncapture "$HERE/$name"; stop
    done
}
if [[ ${1:-} == will ]]; then
    record_set will- will_scenarios drop-will early-will resume-will
elif [[ ${1:-} == limits ]]; then
    record_set limits- limits_scenarios receive-max alias-max packet-size
elif [[ ${1:-} == order ]]; then
    record_set order- order_scenarios order
elif [[ ${1:-} == subid ]]; then
    record_set subid- subid_scenarios subid
elif [[ ${1:-} == shared ]]; then
    record_set shared- shared_scenarios shared
elif [[ ${1:-} == session ]]; then
    record_set session- session_scenarios no-present stale-present drop-queued no-resend no-dup
elif [[ ${1:-} == willretain ]]; then
    record_set willretain- willretain_scenarios will-retain
elif [[ ${1:-} == retained ]]; then
    record_set retained- retained_scenarios retain-empty keep-cleared
elif [[ ${1:-} == amqtt-sessions ]]; then  # the second broker on the session, Will Retain and retained sets (3.1.1)
    V5=0
    echo "== amqtt-sessions.pcap"
    start amqtt; capture "$HERE/amqtt-sessions.pcap"; session_scenarios; willretain_scenarios; retained_scenarios
    uncapture "$HERE/amqtt-sessions.pcap"; stop
elif [[ ${1:-} == amqtt ]]; then  # a second broker, 3.1.1 only: the 3.1.1 scenarios of both sets
    V5=0
    echo "== clean-amqtt.pcap"
    start amqtt; capture "$HERE/clean-amqtt.pcap"; scenarios; will_scenarios; uncapture "$HERE/clean-amqtt.pcap"; stop
else
    record_set "" scenarios qos route retain nolocal will
fi
echo "scenarios.sh: done"
