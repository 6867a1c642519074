# Sourced by run.sh, test.sh and bench.sh: create .venv with Python 3.11 and install the pinned
# dependencies with the extras named in $PITBOX_EXTRAS (comma separated), only when
# pyproject.toml changed or an extra is asked for that is not installed yet.
set -euo pipefail
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
    echo "Creating the virtual environment in .venv"
    "$PYTHON" -m venv .venv
fi
stamp=".venv/.pitbox-installed"
hash="$(sha256sum pyproject.toml | cut -d' ' -f1)"
have=""
if [ -f "$stamp" ] && [ "$(cut -d' ' -f1 "$stamp")" = "$hash" ]; then
    have="$(cut -s -d' ' -f2 "$stamp")"
    installed=yes
else
    installed=no
fi
extras="$have"
for extra in ${PITBOX_EXTRAS//,/ }; do
    case ",$extras," in
        *",$extra,"*) ;;
        *) extras="${extras:+$extras,}$extra"; installed=no ;;
    esac
done
if [ "$installed" = no ]; then
    echo "Installing the pinned dependencies"
    .venv/bin/python -m pip install --quiet --upgrade pip
    spec="."
    [ -n "$extras" ] && spec=".[${extras}]"
    .venv/bin/python -m pip install --quiet -e "$spec"
    echo "$hash $extras" > "$stamp"
fi
