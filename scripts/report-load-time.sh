#!/usr/bin/env bash
# Measures how long headless Chromium takes to load `mqscope report` of a 100,000-packet capture:
#
#   scripts/report-load-time.sh [MQSCOPE] [PACKETS]
#
# The capture comes from captures/generators/make_many_topics.py (one publisher, two subscribers,
# about PACKETS/3 publishes and their deliveries: 100,000 packets by default). It prints the report's
# size, the time mqscope took to write it, and Chromium's load time (--dump-dom, which returns once
# the page and its inline script ran), less that of an empty page (Chromium's own start-up).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MQ="${1:-$HERE/.build/release/mqscope}"
PACKETS="${2:-100000}"
WORK="$(mktemp -d /tmp/mqscope-report-load.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
python3 "$HERE/captures/generators/make_many_topics.py" "$WORK/c.pcap" --topics $(( (PACKETS - 30) / 3 ))
frames=$(capinfos -c -M "$WORK/c.pcap" | awk '/Number of packets/ {print $NF}')
t0=$(date +%s.%N)
"$MQ" report -o "$WORK/report.html" "$WORK/c.pcap"
t1=$(date +%s.%N)
echo '<!doctype html><title>empty</title>' > "$WORK/empty.html"
load() {
    local s e
    s=$(date +%s.%N)
    timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$WORK/profile" --no-first-run \
        --dump-dom "file://$1" > "$WORK/dom.html" 2> /dev/null
    e=$(date +%s.%N)
    echo "$e - $s" | bc
}
load "$WORK/empty.html" > /dev/null   # warm the profile and the disk cache
empty=$(load "$WORK/empty.html")
page=$(load "$WORK/report.html")
echo "capture: $frames frames; report: $(stat -c %s "$WORK/report.html") bytes, written in $(echo "$t1 - $t0" | bc) s"
echo "chromium: report loaded in $page s, an empty page in $empty s: the report's own load time $(echo "$page - $empty" | bc) s"
grep -q 'id="fanout-0"' "$WORK/dom.html" && echo "fan-out view present"
