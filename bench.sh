#!/usr/bin/env bash
# The browser benchmark (docs/performance.md): installs what it needs when missing (the pinned
# dependencies with the profiler, Debian's Chromium), then runs it. Arguments go to the
# benchmark, e.g. ./bench.sh --db sqlite postgres --profile; ./bench.sh --help lists them.
set -euo pipefail
cd "$(dirname "$0")"
PITBOX_EXTRAS=test,bench source scripts/ensure-venv.sh
scripts/ensure-system-packages.sh
exec .venv/bin/python -m bench "$@"
