#!/usr/bin/env bash
# The test command: installs what the tests need, builds, runs every test, then runs each
# libFuzzer target for a short bounded time. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build
swift test 2>&1 | tee .build/test-output.txt
# Suites skipped for want of the peer corpus (../shared/corpus/external or $MQSCOPE_CORPUS), one line each.
grep -E '^.{0,4}Suite .* skipped: ' .build/test-output.txt | sed -E 's/^.{0,4}Suite /test.sh: skipped suite /' || true
FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
if [ "$FUZZ_SECONDS" -gt 0 ]; then
    # Every Sources/Fuzz* target is a libFuzzer target.
    for dir in Sources/Fuzz*/; do
        scripts/fuzz.sh "$(basename "$dir")" "$FUZZ_SECONDS"
    done
fi
