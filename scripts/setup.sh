#!/usr/bin/env bash
# Create .venv (if missing) and install yaae with the extras named in $1 (e.g. "test" or "test,demos").
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[${1:-test}]"
