#!/usr/bin/env bash
# Install what Pitbox needs, migrate the embedded database (after a backup), and serve on :8080.
# Arguments are passed to main.py, e.g. ./run.sh --native
set -euo pipefail
cd "$(dirname "$0")"
extras="${PITBOX_EXTRAS:-}"
# A desktop window needs pywebview with Qt, installed only for --native.
for arg in "$@"; do
    if [ "$arg" = "--native" ]; then extras="${extras:+$extras,}native"; fi
done
PITBOX_EXTRAS="$extras" source scripts/ensure-venv.sh
exec .venv/bin/python main.py "$@"
