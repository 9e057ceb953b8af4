#!/usr/bin/env bash
# Installs what RumorControl needs, builds it and runs it on the embedded SQLite default with the shipped
# knowledge base. Arguments are passed to rumorctl (default: serve, the site at http://127.0.0.1:8080/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product rumorctl >&2
exec .build/release/rumorctl "${@:-serve}"
