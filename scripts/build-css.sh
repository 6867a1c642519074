#!/usr/bin/env bash
# Compile Pitbox's Tailwind stylesheet (ui/static/tailwind.css) from the classes used in ui/,
# with the Tailwind CLI pinned in package.json. Run it after changing classes in ui/;
# tests/test_stylesheet.py fails until the committed stylesheet matches.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-audit-tools.sh >/dev/null
out="${1:-ui/static/tailwind.css}"
node_modules/.bin/tailwindcss --input ui/styles/tailwind.css --output "$out" --minify 2>/dev/null
