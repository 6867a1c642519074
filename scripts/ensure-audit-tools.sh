#!/usr/bin/env bash
# The audit tests (tests/browser/test_audits.py) use axe-core and Lighthouse from npm, and the
# stylesheet build (scripts/build-css.sh, tests/test_stylesheet.py) the Tailwind CLI, at the
# exact versions in package-lock.json. Install them into node_modules/ when missing or out of
# date; without npm, say so (the audit tests then fail under CI=true, and skip elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        echo "Installing Node.js and npm for the audit tests"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
    else
        echo "npm is missing: the audit tests need Node.js and npm (sudo apt-get install nodejs npm)" >&2
        exit 0
    fi
fi
# A stamp of the lock file the tools were installed from: reinstall when the lock file changes.
stamp=node_modules/.installed-from-lock
wanted=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    exit 0
fi
echo "Installing the build and audit tools (Tailwind CLI, axe-core, Lighthouse) from package-lock.json"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
echo "$wanted" > "$stamp"
