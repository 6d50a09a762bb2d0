#!/usr/bin/env bash
# The test command: installs what the tests need, builds, runs every test, then runs each
# libFuzzer target for a short bounded time. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build
swift test 2>&1 | tee .build/test-output.txt
FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
if [ "$FUZZ_SECONDS" -gt 0 ]; then
    for target in $(scripts/fuzz.sh --list 2>/dev/null); do
        scripts/fuzz.sh "$target" "$FUZZ_SECONDS"
    done
fi
