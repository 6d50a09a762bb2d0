#!/usr/bin/env bash
# Records, for every capture under captures/ and the peer corpus, the outputs of
# `read -V`, `read --format json`, `check --format json` and `streams --format json`
# (stdout, stderr and exit status), then compares two such recordings byte for byte.
#
#   scripts/compare-outputs.sh record DIR [BINARY]   # default binary: .build/debug/mqscope
#   scripts/compare-outputs.sh compare BEFORE AFTER  # lists differing files; exit 1 if any
#
# The corpus is found at $MQSCOPE_CORPUS, else ../shared/corpus/external beside the
# repository, else /work/shared/corpus/external; it is skipped when absent.
set -u
cd "$(dirname "$0")/.."
case "${1:-}" in
record)
    out=${2:?output directory}; bin=${3:-.build/debug/mqscope}
    mkdir -p "$out"
    corpus=${MQSCOPE_CORPUS:-}
    for c in ../shared/corpus/external /work/shared/corpus/external; do
        [ -z "$corpus" ] && [ -d "$c" ] && corpus=$c
    done
    { find captures -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \)
      [ -n "$corpus" ] && find "$corpus" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \)
    } | sort | while read -r f; do
        key=$(echo "$f" | sed 's#^\.\./##; s#^/##; s#/#__#g')
        for cmd in "read -V" "read --format json" "check --format json" "streams --format json"; do
            tag=$(echo "$cmd" | tr -d ' -')
            # shellcheck disable=SC2086
            "$bin" $cmd "$f" >"$out/$key.$tag.out" 2>"$out/$key.$tag.err"
            echo $? >"$out/$key.$tag.rc"
        done
    done
    echo "recorded $(ls "$out" | wc -l) files in $out"
    ;;
compare)
    a=${2:?before}; b=${3:?after}
    if diff -rq "$a" "$b"; then echo "identical: $(ls "$a" | wc -l) files"; else exit 1; fi
    ;;
*) echo "usage: $0 record DIR [BINARY] | compare BEFORE AFTER" >&2; exit 2 ;;
esac
