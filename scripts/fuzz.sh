#!/usr/bin/env bash
# Builds a libFuzzer target (an executable target whose file defines LLVMFuzzerTestOneInput,
# e.g. FuzzPacketLayers) with the fuzzer and address sanitizers, then fuzzes it.
#
#   scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags...]
#
# Exits non-zero when libFuzzer finds a crash, leak or timeout; the reproducer is written to
# .build-fuzz/artifacts/TARGET/ and can be replayed with a plain debug build:
#   swift build --product TARGET && .build/debug/TARGET .build-fuzz/artifacts/TARGET/crash-*
# The growing corpus lives in .build-fuzz/corpus/TARGET; committed seeds (if any) in Fuzz/Seeds/TARGET.
#
# Flags, as verified on Swift 6.3.1 / Linux:
#   --sanitize fuzzer                 SwiftPM then keeps the entry point named `main`, so libFuzzer's
#                                     main links (otherwise it renames ours to TARGET_main and the
#                                     link fails); on its own it does not instrument the code.
#   -Xswiftc -sanitize=fuzzer,address coverage instrumentation and ASan in every module compiled.
#   -Xswiftc -DFUZZING                compiles out the target's replay @main (libFuzzer brings main).
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 TARGET SECONDS [libFuzzer flags...]" >&2
    exit 2
fi
target=$1
seconds=$2
shift 2

cd "$(dirname "$0")/.."
scratch=.build-fuzz
build_flags=(-c debug --product "$target" --sanitize fuzzer
             -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
             --scratch-path "$scratch")

swift build "${build_flags[@]}" 2>&1 | grep -v "Cannot export local symbol" || true
binary="$(swift build "${build_flags[@]}" --show-bin-path)/$target"
if [[ ! -x $binary ]]; then
    echo "fuzz.sh: build of $target failed" >&2
    exit 2
fi

corpus="$scratch/corpus/$target"
artifacts="$scratch/artifacts/$target"
mkdir -p "$corpus" "$artifacts"
inputs=("$corpus")
if [[ -d Fuzz/Seeds/$target ]]; then inputs+=("Fuzz/Seeds/$target"); fi
# Fuzz/Seeds/TARGET.inputs: more seed directories (e.g. the bundled captures) and libFuzzer flags,
# one per line (a line starting with '-' is a flag).
extra=()
if [[ -f Fuzz/Seeds/$target.inputs ]]; then
    while read -r line; do
        [[ -z $line || $line == \#* ]] && continue
        if [[ $line == -* ]]; then extra+=("$line"); else inputs+=("$line"); fi
    done < "Fuzz/Seeds/$target.inputs"
fi

# Let libFuzzer and ASan report crashes: the Swift runtime backtracer would otherwise take
# over the fatal signal (and can leave the run hanging).
export SWIFT_BACKTRACE=enable=no

status=0
"$binary" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 "${extra[@]}" "$@" "${inputs[@]}" || status=$?
if [[ $status -ne 0 ]]; then
    echo "fuzz.sh: $target failed (exit $status); reproducers in $artifacts/:" >&2
    ls -1 "$artifacts" >&2 || true
    exit "$status"
fi
echo "fuzz.sh: $target ran ${seconds}s without a crash"
