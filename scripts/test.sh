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
    # Every Sources/Fuzz* target is a libFuzzer target.
    for dir in Sources/Fuzz*/; do
        scripts/fuzz.sh "$(basename "$dir")" "$FUZZ_SECONDS"
    done
fi
