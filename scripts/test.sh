#!/usr/bin/env bash
# Installs what the tests need (see scripts/setup.sh) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
swift build --build-tests
swift test --skip-build "$@"
# A short fuzzing pass over the input parsers (libFuzzer, AddressSanitizer); see scripts/fuzz.sh for longer ones.
scripts/fuzz.sh --runs 20000
