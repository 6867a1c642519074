#!/usr/bin/env bash
# Install the test dependencies (Python pins, Debian's Chromium and Xvfb, the npm audit tools
# when missing) and run
# the whole suite: lint, then every test on SQLite and PostgreSQL, browser and native tests.
# Arguments are passed to pytest, e.g. ./test.sh -k profile
set -euo pipefail
cd "$(dirname "$0")"
PITBOX_EXTRAS=test,redis source scripts/ensure-venv.sh
scripts/ensure-system-packages.sh
scripts/ensure-audit-tools.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
