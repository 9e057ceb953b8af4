#!/usr/bin/env bash
# Fits the matcher once per held-out view and measures each view on posts its model was not fitted on; prints a
# Markdown table (stdout) for BENCHMARKS.md. Progress goes to stderr. Takes about 80 minutes on two cores.
#
#   scripts/matcher-views.sh [--binary PATH] [--work DIR]
#
# The views (data/README.md says who wrote what):
#   held-out check    all training batches              -> the dev posts
#   second view       everything but the first batch    -> the first batch
#   third view        everything but the second batch   -> the second batch
#   fourth view       everything but the third batch    -> the third batch (real-post styles, two writers)
#   fifth view        everything but the fourth batch   -> the fourth batch (real-post styles, four writers)
#   sixth view        everything but the fifth batch    -> the fifth batch (negations both ways, four writers)
#   real-post styles  the shipped model's posts         -> data/heldout/real-style-*.jsonl (never fitted on)
#   negations         the shipped model's posts         -> data/heldout/negation.jsonl (never fitted on)
#   Spanish           the shipped model, on entries stripped of their Spanish phrasings and corrections
#                                                       -> data/heldout/spanish.jsonl (never fitted on)
set -euo pipefail
cd "$(dirname "$0")/.."

binary=.build/release/rumorctl
work=$(mktemp -d)
while (($#)); do
    case "$1" in
        --binary) binary="$2"; shift 2 ;;
        --work) work="$2"; shift 2 ;;
        *) echo "usage: scripts/matcher-views.sh [--binary PATH] [--work DIR]" >&2; exit 2 ;;
    esac
done
[[ -x "$binary" ]] || { echo "matcher-views: build first: swift build -c release --product rumorctl" >&2; exit 1; }
mkdir -p "$work"

background=../shared/data/clef2021-2a-en/EN_train_queries.tsv
dev=../shared/eval/dev-posts.jsonl
first=data/train-posts.jsonl
second=data/train-posts-2.jsonl
third=data/train-posts-3.jsonl
fourth=(data/train-posts-4-p.jsonl data/train-posts-4-q.jsonl data/train-posts-4-r.jsonl data/train-posts-4-s.jsonl)
fifth=(data/train-posts-5-u.jsonl data/train-posts-5-v.jsonl data/train-posts-5-w.jsonl data/train-posts-5-x.jsonl)
database="$work/entries.sqlite"
rm -f "$database"*

fit() { # OUTPUT TRAIN...
    local output=$1
    shift
    local args=()
    for train in "$@"; do args+=(--train "$train"); done
    echo "matcher-views: fitting $(basename "$output") on $*" >&2
    "$binary" fit "${args[@]}" --background "$background" --database "$database" --output "$output" 2>"$output.log"
}

row() { # NAME FITTED-ON POSTS MODEL [DATABASE [SHOWN-AS]]
    local summary
    summary=$("$binary" eval --posts "$3" --matcher-model "$4" --database "${5:-$database}" | tail -1)
    set -- "$1" "$2" "${6:-$3}"
    # precision=P recall=R f1=F refutation_flag_rate=X clean_flag_rate=Y
    echo "$summary" | awk -v name="$1" -v fitted="$2" -v posts="$3" '{
        for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", name, fitted, posts, v["precision"], v["recall"], v["f1"],
            v["refutation_flag_rate"], v["clean_flag_rate"] }'
}

fit "$work/held-out.json" "$first" "$second" "$third" "${fourth[@]}" "${fifth[@]}"
fit "$work/second.json" "$dev" "$second" "$third" "${fourth[@]}" "${fifth[@]}"
fit "$work/third.json" "$dev" "$first" "$third" "${fourth[@]}" "${fifth[@]}"
fit "$work/fourth.json" "$dev" "$first" "$second" "${fourth[@]}" "${fifth[@]}"
fit "$work/fifth.json" "$dev" "$first" "$second" "$third" "${fifth[@]}"
fit "$work/sixth.json" "$dev" "$first" "$second" "$third" "${fourth[@]}"
shipped=Sources/RumorMatch/Resources/matcher-model.json

# The Spanish view's entries: the shipped ones without the phrasings and corrections written in Spanish.
stripped="$work/kb-without-spanish"
python3 scripts/strip_spanish.py kb "$stripped"
"$binary" import "$stripped" --database "$work/without-spanish.sqlite" >&2

echo "| view | fitted on | measured on | precision | recall | F1 | refutation flag rate | clean flag rate |"
echo "|---|---|---|---|---|---|---|---|"
row "held-out check" "all five training batches" "$dev" "$work/held-out.json"
row "second view" "dev posts, second to fifth batches" "$first" "$work/second.json"
row "third view" "dev posts, every batch but the second" "$second" "$work/third.json"
row "fourth view" "dev posts, every batch but the third" "$third" "$work/fourth.json"
cat "${fourth[@]}" >"$work/fourth-batch.jsonl"
row "fifth view" "dev posts, every batch but the fourth" "$work/fourth-batch.jsonl" "$work/fifth.json" "$database" "data/train-posts-4-*.jsonl"
cat "${fifth[@]}" >"$work/fifth-batch.jsonl"
row "sixth view" "dev posts, first four batches" "$work/fifth-batch.jsonl" "$work/sixth.json" "$database" "data/train-posts-5-*.jsonl"
cat data/heldout/real-style-*.jsonl >"$work/real-style.jsonl"
row "real-post styles (held out)" "shipped model" "$work/real-style.jsonl" "$shipped" "$database" "data/heldout/real-style-*.jsonl"
row "negations (held out)" "shipped model" data/heldout/negation.jsonl "$shipped"
row "Spanish (held out), no Spanish phrasings" "shipped model" data/heldout/spanish.jsonl "$shipped" "$work/without-spanish.sqlite"
