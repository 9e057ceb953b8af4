#!/usr/bin/env bash
# The gate's trade-off: recall on unseen posts against speed on a general stream, at several gate thresholds.
#   scripts/bench-gate.sh [THRESHOLD ...]     (default: the fitted threshold, then -2.5 -1.5 -0.5; `fitted` names it)
# Fits a held-out model on data/train-posts.jsonl and data/train-posts-2.jsonl (background: the CheckThat! train tweets), then for each threshold
# measures it on the dev posts (`rumorctl eval`) and times it on the CheckThat! dev tweets (`rumorctl bench label`).
# Needs the release build: swift build -c release --product rumorctl
set -euo pipefail
cd "$(dirname "$0")/.."
binary=.build/release/rumorctl
[[ -x "$binary" ]] || { echo "bench-gate: build first: swift build -c release --product rumorctl" >&2; exit 1; }
data=../shared/data/clef2021-2a-en
dev=../shared/eval/dev-posts.jsonl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "fitting the held-out model (two or three minutes)..." >&2
"$binary" fit --train data/train-posts.jsonl --train data/train-posts-2.jsonl --background "$data/EN_train_queries.tsv" --output "$work/model.json" 2>"$work/fit.log"
fitted=$(sed -n 's/.*gate \(-*[0-9.]*\) (log-odds)$/\1/p' "$work/fit.log" | tail -1)
thresholds=("${@/#fitted/$fitted}")
((${#thresholds[@]})) || thresholds=("$fitted" -2.5 -1.5 -0.5)
echo "| gate threshold | dev precision | dev recall | dev clean flag rate | CheckThat! dev left at the gate | posts/s, one at a time | p50 ms |"
echo "|---|---|---|---|---|---|---|"
for threshold in "${thresholds[@]}"; do
    summary=$("$binary" eval --posts "$dev" --matcher-model "$work/model.json" --gate-threshold="$threshold" | tail -1)
    timing=$("$binary" bench label --matcher-model "$work/model.json" --gate-threshold="$threshold" "$data/EN_dev_queries.tsv" 2>&1 | grep 'EN_dev_queries')
    field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$summary"; }
    read -r _ _ rate p50 _ gated _ <<<"$timing"
    echo "| $threshold | $(field precision) | $(field recall) | $(field clean_flag_rate) | $gated | $rate | $p50 |"
done
