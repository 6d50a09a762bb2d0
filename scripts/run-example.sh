#!/usr/bin/env bash
# Installs what mqscope needs, builds it, and runs it on a bundled capture.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product mqscope
capture="${1:-captures/mqtt311-mosquitto-clients.pcap}"
.build/release/mqscope streams "$capture"
echo
.build/release/mqscope read "$capture"
echo
# Man pages and shell completions, generated from the command definitions.
scripts/install-docs.sh
