# Sourced by run.sh and test.sh: create .venv with Python 3.11 and install the pinned
# dependencies (with the extras named in $PITBOX_EXTRAS), only when pyproject.toml changed.
set -euo pipefail
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
    echo "Creating the virtual environment in .venv"
    "$PYTHON" -m venv .venv
fi
stamp=".venv/.pitbox-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1) ${PITBOX_EXTRAS:-}"
if [ ! -f "$stamp" ] || ! grep -qxF "$want" "$stamp"; then
    echo "Installing the pinned dependencies"
    .venv/bin/python -m pip install --quiet --upgrade pip
    spec="."
    [ -n "${PITBOX_EXTRAS:-}" ] && spec=".[${PITBOX_EXTRAS}]"
    .venv/bin/python -m pip install --quiet -e "$spec"
    echo "$want" > "$stamp"
fi
