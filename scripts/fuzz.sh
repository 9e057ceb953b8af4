#!/usr/bin/env bash
# Fuzzes RumorControl's input parsers with libFuzzer (AddressSanitizer and coverage on).
#   scripts/fuzz.sh [--runs N] [TARGET ...]     targets: entry-file json note tile text (default: all)
# CI runs a short pass (scripts/test.sh: --runs 20000); for a long one, e.g. --runs 5000000 or -max_total_time.
# Seeds come from Tests/Fuzz/corpus/TARGET; crashes are written to .build-fuzz/crashes/ and make the script exit 1.
# Keep each crash's input in Tests/Fuzz/regressions/TARGET/ once it is fixed: the tests replay them.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=20000
if [[ "${1:-}" == "--runs" ]]; then runs="$2"; shift 2; fi
targets=("$@")
((${#targets[@]})) || targets=(entry-file json note tile text)

# SwiftPM gives the executable an entry point of its own (rumorfuzz_main, which starts libFuzzer's driver) beside
# libFuzzer's main; either one starting is fine, so the linker may keep whichever it meets first.
swift build -c release --scratch-path .build-fuzz --product rumorfuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -parse-as-library -Xlinker --allow-multiple-definition >&2
binary=.build-fuzz/release/rumorfuzz
mkdir -p .build-fuzz/crashes
failed=0
for target in "${targets[@]}"; do
    corpus=$(mktemp -d)
    cp -r "Tests/Fuzz/corpus/$target/." "$corpus/" 2>/dev/null || true
    [[ -d "Tests/Fuzz/regressions/$target" ]] && cp -r "Tests/Fuzz/regressions/$target/." "$corpus/"
    log=$(mktemp)
    if RUMORFUZZ_TARGET="$target" "$binary" -runs="$runs" -max_len=4096 -rss_limit_mb=2048 \
        -artifact_prefix=".build-fuzz/crashes/$target-" "$corpus" >"$log" 2>&1; then
        echo "fuzz $target: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$log" | tail -1), no crash"
    else
        echo "fuzz $target: CRASH (input in .build-fuzz/crashes/); the report:" >&2
        tail -40 "$log" >&2
        failed=1
    fi
    rm -rf "$corpus" "$log"
done
exit "$failed"
