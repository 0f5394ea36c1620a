#!/usr/bin/env bash
# Create .venv (if missing) and install the project with its dev extras into it.
# The install is skipped when .venv/.redress-installed records the same pyproject.toml and
# Python as now. Used by `make demo`, `make test` and .ci/run.
#
#   PYTHON=python3.12 bash scripts/bootstrap.sh   # pick another interpreter for a new venv
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.venv
STAMP="$VENV/.redress-installed"
export PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf 'bootstrap: %s\n' "$*"; }
die() { printf 'bootstrap: error: %s\n' "$*" >&2; exit 1; }

# An interpreter the project accepts (pyproject.toml: >=3.11,<3.14).
supported() {
    "$1" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 14) else 1)' \
        >/dev/null 2>&1
}

pick_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if supported "$candidate"; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# A .venv whose interpreter no longer runs (moved, or its Python removed) is rebuilt.
if [ -d "$VENV" ] && ! supported "$VENV/bin/python"; then
    say "$VENV is broken or uses an unsupported Python; recreating it"
    rm -rf "$VENV"
fi

if [ ! -x "$VENV/bin/python" ]; then
    python=$(pick_python) || die "Python 3.11 is required (tried \$PYTHON, python3.11, python3)"
    say "creating $VENV with $python ($("$python" --version 2>&1))"
    "$python" -m venv "$VENV"
fi

want="$(sha256sum pyproject.toml | cut -d' ' -f1) $("$VENV/bin/python" -c 'import sys; print(sys.version)' | head -n1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    exit 0
fi

say "installing the project and its dev dependencies into $VENV (pip install -e '.[dev]')"
"$VENV/bin/python" -m pip install --quiet --editable '.[dev]' \
    || die "pip install -e '.[dev]' failed"
printf '%s\n' "$want" > "$STAMP"
say "done"
