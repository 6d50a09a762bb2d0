#!/usr/bin/env bash
# Installs what building and testing mqscope needs on a fresh Debian machine (run as root, or
# with sudo available). Idempotent: packages already present are left alone.
set -euo pipefail
need=()
for pkg in libpcap-dev tshark tcpdump mosquitto mosquitto-clients python3-pip; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# paho-mqtt drives the live-capture tests and regenerates captures/.
python3 -c 'import paho.mqtt' 2>/dev/null || python3 -m pip install -q 'paho-mqtt==2.1.0' 2>/dev/null \
    || python3 -m pip install -q --break-system-packages 'paho-mqtt==2.1.0'
command -v swift >/dev/null || { echo "setup: Swift 6 toolchain not found on PATH (https://swift.org/install)" >&2; exit 1; }
