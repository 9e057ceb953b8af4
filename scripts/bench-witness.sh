#!/usr/bin/env bash
# The witness benchmark. Prints Markdown on stdout; progress goes to stderr.
#   scripts/bench-witness.sh [--rounds N]
# 1. `rumorctl bench witness` on one core (taskset -c 0): add-checkpoint requests per second through one witness, in
#    process and over HTTP, for 1,000 logs.
# 2. Publish-to-cosigned latency: three `rumorctl witness serve` processes and one `rumorctl serve --witness ...`
#    on loopback; N times, a new version of an entry is imported into the site's database and the time until
#    /log/checkpoint shows the new size cosigned by all three is measured (median and worst).
# Needs: swift build -c release --product rumorctl.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-lib.sh
parse_bench_options bench-witness.sh "$@"
prepare_bench taskset:util-linux
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

echo "bench-witness: add-checkpoint throughput on one core..." >&2
taskset -c 0 "$binary" bench witness --logs 1000 --rounds 3

origin=bench.rumorcontrol.example/log
witnesses=()
for number in 1 2 3; do
    port=$((18300 + number))
    "$binary" witness serve --name "bench.example/w$number" --port "$port" --database "$work/w$number.sqlite" \
        --key "$work/w$number.key" 2>"$work/w$number.log" &
    pids+=($!)
    for _ in $(seq 100); do grep -q "its key: " "$work/w$number.log" && break; sleep 0.1; done
    witnesses+=(--witness "$(sed -n 's/.*its key: //p' "$work/w$number.log")+http://127.0.0.1:$port")
done
# The site's key is made first so that the witnesses can be told it before the site starts.
"$binary" serve --port 18310 --database "$work/site.sqlite" --log-key "$work/log.key" --log-origin "$origin" \
    "${witnesses[@]}" --witness-quorum 3 --no-cross-lingual 2>"$work/site.log" &
pids+=($!)
for _ in $(seq 300); do curl -sf http://127.0.0.1:18310/log/key >/dev/null 2>&1 && break; sleep 0.2; done
vkey=$(curl -sf http://127.0.0.1:18310/log/key)
for number in 1 2 3; do "$binary" witness add-log "$origin" "$vkey" --database "$work/w$number.sqlite" >&2; done

echo "bench-witness: publish-to-cosigned latency, $((rounds * 10)) publishes..." >&2
python3 - "$binary" "$work" $((rounds * 10)) <<'PY'
import json, pathlib, statistics, subprocess, sys, time, urllib.request

binary, work, count = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3])
entry = json.loads(pathlib.Path("kb/trump-won.json").read_text())

def checkpoint():
    body = urllib.request.urlopen("http://127.0.0.1:18310/log/checkpoint", timeout=5).read().decode()
    lines = body.split("\n")
    return int(lines[1]), body.count("\u2014 bench.example/w")

def wait(predicate, limit=60):
    start = time.monotonic()
    while time.monotonic() - start < limit:
        state = checkpoint()
        if predicate(state):
            return state
        time.sleep(0.005)
    sys.exit(f"bench-witness: the checkpoint never reached the expected state; last {checkpoint()}")

size, _ = wait(lambda state: state[1] == 3)
latencies = []
for number in range(1, count + 1):
    entry["version"] = entry.get("version", 1) + 1
    entry["details"] = entry["details"].rstrip(".") + f". Update {number}."
    path = work / f"update-{number}.json"
    path.write_text(json.dumps(entry))
    subprocess.run([binary, "import", str(path), "--database", str(work / "site.sqlite")], check=True, capture_output=True)
    start = time.monotonic()  # the import has committed: the new leaf is in the log
    size, _ = wait(lambda state: state[0] > size and state[1] == 3)
    latencies.append((time.monotonic() - start) * 1000)
latencies.sort()
print(f"\n| publish to cosigned by 3 local witnesses | publishes | median | worst |\n|---|---|---|---|")
print(f"| import, then /log/checkpoint polled every 5 ms | {count} | {statistics.median(latencies):.0f} ms | {latencies[-1]:.0f} ms |")
PY
