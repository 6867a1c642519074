#!/usr/bin/env bash
# Install what Pitbox needs, migrate the embedded database (after a backup), and serve on :8080.
# Arguments are passed to main.py, e.g. ./run.sh --native
set -euo pipefail
cd "$(dirname "$0")"
PITBOX_EXTRAS="${PITBOX_EXTRAS:-}" source scripts/ensure-venv.sh
exec .venv/bin/python main.py "$@"
