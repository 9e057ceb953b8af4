#!/usr/bin/env bash
# Installs what the tests need (see scripts/setup.sh), starts a throwaway PostgreSQL on loopback (scripts/postgres.sh)
# so the store, workflow and replica tests run on both backends, and runs the whole test suite.
# Set RUMORCONTROL_TEST_POSTGRES to a server's URL to use that one instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
if [[ -z "${RUMORCONTROL_TEST_POSTGRES:-}" ]]; then
    RUMORCONTROL_TEST_POSTGRES=$(scripts/postgres.sh start)
    export RUMORCONTROL_TEST_POSTGRES
    trap 'scripts/postgres.sh stop' EXIT
fi
swift build --build-tests
# Fills the model folders' caches (the quick stage's per-token vectors, the multilingual encoder's entry vectors) once,
# so that the tests that start rumorctl in parallel do not each compute them on a fresh machine.
warm=$(mktemp -d)
.build/debug/rumorctl label --database "$warm/warm.sqlite" "Dead people voted in Georgia" >/dev/null
rm -rf "$warm"
if (($#)); then
    swift test --skip-build "$@"
else
    # The live-server tests run on their own and one at a time: their test client gives up after 20 s without a
    # byte, and on two loaded cores a server sharing them with other tests' matchers can be that slow to answer.
    # The replica tests run alone too: they time how fast one replica follows another. The command-line queue round
    # trip fits four models; it runs last.
    swift test --skip-build --skip ReplicaTests --skip QueueCommandTests --skip RumorServerTests
    swift test --skip-build --no-parallel --filter RumorServerTests
    swift test --skip-build --filter ReplicaTests
    swift test --skip-build --filter QueueCommandTests
fi
# A short fuzzing pass over the input parsers (libFuzzer, AddressSanitizer); see scripts/fuzz.sh for longer ones.
scripts/fuzz.sh --runs 20000
# A short soak at a low rate against the debug build, so the soak script keeps working (the 10-minute run on a
# release build is in BENCHMARKS.md).
python3 scripts/soak.py --binary .build/debug/rumorctl --duration 20 --scale 0.1
