#!/usr/bin/env bash
# Run the Python peers of the embedding benchmark (sentence-transformers and ONNX Runtime
# fp32 on the all-MiniLM-L6-v2 weights), for comparison with `rumorctl bench embed`.
#
#   scripts/bench-embed-peers.sh [bench_embed_peers.py options]
#       e.g. --quick | --repetitions 5 --engines onnxruntime-fp32 --threads 1,2 --batches 1,32
#
# Steps:
#   1. a virtual environment at ${RUMORCONTROL_BENCH_VENV:-/tmp/rumorcontrol-bench-venv},
#      made (or brought up to date) from scripts/requirements-bench.txt with pip; reused
#      as it is while the requirements file is unchanged
#   2. scripts/export_onnx.py when MODEL_DIR/onnx/model.onnx is missing (prints its
#      ONNX-vs-torch parity check)
#   3. scripts/bench_embed_peers.py with the arguments given here
#
# Model: ${RUMORCONTROL_MODEL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rumorcontrol/all-MiniLM-L6-v2},
# filled by scripts/fetch-model.sh (or --model-dir DIR among the arguments).
# Python: ${RUMORCONTROL_PYTHON:-python3} (3.10 or newer) makes the venv.
#
# stdout carries only the benchmark's JSON lines (one per configuration); setup output,
# the parity lines and the human-readable table go to stderr.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REQUIREMENTS="$SCRIPT_DIR/requirements-bench.txt"
VENV="${RUMORCONTROL_BENCH_VENV:-/tmp/rumorcontrol-bench-venv}"
VENV="${VENV%/}"
PYTHON="${RUMORCONTROL_PYTHON:-python3}"
MODEL_DIR="${RUMORCONTROL_MODEL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rumorcontrol/all-MiniLM-L6-v2}"

die() {
    echo "bench-embed-peers: error: $*" >&2
    exit 1
}
say() {
    echo "bench-embed-peers: $*" >&2
}

# --model-dir among the arguments overrides the environment, here as in the Python scripts.
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
        --model-dir=*) MODEL_DIR="${args[i]#--model-dir=}" ;;
        --model-dir) ((i + 1 < ${#args[@]})) && MODEL_DIR="${args[i + 1]}" ;;
        -h|--help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
            if [[ -x "$VENV/bin/python" ]]; then
                echo
                exec "$VENV/bin/python" "$SCRIPT_DIR/bench_embed_peers.py" --help
            fi
            exit 0
            ;;
    esac
done
MODEL_DIR="${MODEL_DIR%/}"

missing=()
for f in config.json tokenizer.json model.safetensors; do
    [[ -f "$MODEL_DIR/$f" ]] || missing+=("$f")
done
if ((${#missing[@]})); then
    die "model files missing in $MODEL_DIR (${missing[*]}); run scripts/fetch-model.sh first" \
        "(or set RUMORCONTROL_MODEL_DIR / pass --model-dir DIR)."
fi
[[ -f "$REQUIREMENTS" ]] || die "$REQUIREMENTS not found."

# ---- 1. virtual environment
stamp="$VENV/.rumorcontrol-bench-requirements"
if [[ ! -x "$VENV/bin/python" ]]; then
    command -v "$PYTHON" >/dev/null 2>&1 \
        || die "$PYTHON not found on PATH; install Python 3.10+ (with venv and pip) or set RUMORCONTROL_PYTHON."
    "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
        || die "$PYTHON is $("$PYTHON" -V 2>&1); Python 3.10 or newer is needed (set RUMORCONTROL_PYTHON)."
    say "creating virtual environment $VENV"
    "$PYTHON" -m venv "$VENV" >&2 \
        || die "could not create $VENV (on Debian: apt-get install python3-venv)."
fi
if ! cmp -s "$REQUIREMENTS" "$stamp"; then
    say "installing scripts/requirements-bench.txt into $VENV (torch and friends: a few GB the first time)"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
        -r "$REQUIREMENTS" >&2 \
        || die "pip install -r scripts/requirements-bench.txt failed (see above)."
    cp "$REQUIREMENTS" "$stamp"
fi

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export RUMORCONTROL_MODEL_DIR="$MODEL_DIR"

# ---- 2. ONNX export (once)
if [[ ! -f "$MODEL_DIR/onnx/model.onnx" ]]; then
    say "exporting the encoder to $MODEL_DIR/onnx/model.onnx"
    "$VENV/bin/python" "$SCRIPT_DIR/export_onnx.py" --model-dir "$MODEL_DIR" >&2 \
        || die "scripts/export_onnx.py failed (see above)."
fi

# ---- 3. benchmark
exec "$VENV/bin/python" "$SCRIPT_DIR/bench_embed_peers.py" "$@"
