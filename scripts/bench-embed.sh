#!/usr/bin/env bash
# The embedder benchmark: RumorControl's Swift engine in float32 and in 8 bits and, in the same run, its peers on the
# same weights (sentence-transformers on PyTorch, ONNX Runtime fp32 and dynamically quantised int8), on the dev
# posts. Prints a Markdown table on stdout.
#   scripts/bench-embed.sh [--repetitions N]
# Needs a release build (swift build -c release) and the model (scripts/fetch-model.sh); the peers' virtual
# environment is made on first use by scripts/bench-embed-peers.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
repetitions=5
[[ "${1:-}" == "--repetitions" ]] && repetitions="$2"
posts="${RUMORCONTROL_BENCH_POSTS:-../shared/eval/dev-posts.jsonl}"
results=$(mktemp)
trap 'rm -f "$results"' EXIT
.build/release/rumorctl bench embed --posts "$posts" --repetitions "$repetitions" --json >> "$results"
scripts/bench-embed-peers.sh --posts "$posts" --repetitions "$repetitions" >> "$results"
python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip().startswith("{")]
def rates(engine):
    return {(r["threads"], r["batch"]): r["sentences_per_s"] for r in rows if r["engine"] == engine}
fp32, int8 = rates("onnxruntime-fp32"), rates("onnxruntime-int8")
def ratio(rate, base):
    return f"{rate / base:.2f}x" if base else "-"
print("| engine | threads | batch | sentences/s | vs ONNX Runtime fp32 | vs ONNX Runtime int8 | p50 ms | p99 ms |")
print("|---|---|---|---|---|---|---|---|")
for r in sorted(rows, key=lambda r: (r["batch"], r["threads"], r["engine"])):
    key = (r["threads"], r["batch"])
    p50 = f'{r["p50_ms"]:.2f}' if r.get("p50_ms") is not None else "-"
    p99 = f'{r["p99_ms"]:.2f}' if r.get("p99_ms") is not None else "-"
    print(f'| {r["engine"]} | {r["threads"]} | {r["batch"]} | {r["sentences_per_s"]:.0f} | '
          f'{ratio(r["sentences_per_s"], fp32.get(key))} | {ratio(r["sentences_per_s"], int8.get(key))} | {p50} | {p99} |')
PY
