#!/usr/bin/env bash
# Installs what building and testing mqscope needs on a fresh Debian machine (run as root, or
# with sudo available). Idempotent: packages already present are left alone.
set -euo pipefail
need=()
# activemq: the STOMP broker of the live STOMP test (and of captures/regenerate.sh); it brings a JRE.
# zlib1g-dev: gzip-compressed captures (.pcap.gz) are read through zlib.
# chromium: opens the HTML report headless in its test (DOM, console, screenshot); prometheus and
# curl: the live --metrics test scrapes mqscope with a real Prometheus and queries its HTTP API.
for pkg in libpcap-dev zlib1g-dev tshark tcpdump mosquitto mosquitto-clients activemq chromium prometheus curl; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Python: paho-mqtt drives the live-capture tests and regenerates captures/; jsonschema validates
# JSON output against docs/schema/ in the tests.
command -v python3 >/dev/null || { $SUDO apt-get install -y -qq python3 >/dev/null; }
python3 -m pip --version >/dev/null 2>&1 || { $SUDO apt-get update -qq; $SUDO apt-get install -y -qq python3-pip >/dev/null; }
pip_install() {
    python3 -m pip install -q "$@" 2>/dev/null || python3 -m pip install -q --break-system-packages "$@"
}
python3 -c 'import paho.mqtt' 2>/dev/null || pip_install 'paho-mqtt==2.1.0'
python3 -c 'import jsonschema' 2>/dev/null || pip_install 'jsonschema'
# XML Schema validation of `check --junit` reports against docs/schema/junit.xsd in the tests.
python3 -c 'import xmlschema' 2>/dev/null || pip_install 'xmlschema'
# The live MQTT-over-WebSocket test's WebSocket listener (captures/clients/ws_bridge.py).
python3 -c 'import websockets' 2>/dev/null || pip_install 'websockets==17.4'
# The live STOMP test's client (captures/clients/stomp_sessions.py), as for captures/.
python3 -c 'import stomp' 2>/dev/null || pip_install 'stomp.py==9.0.0'
# amqtt (a 3.1.1-only broker; captures/known-behaviour.sh): it pulls websockets 15, so 17.4 is put back.
command -v amqtt >/dev/null 2>&1 || { pip_install 'amqtt==0.12.1'; pip_install 'websockets==17.4'; }
command -v swift >/dev/null || { echo "setup: Swift 6 toolchain not found on PATH (https://swift.org/install)" >&2; exit 1; }
