#!/usr/bin/env bash
# The whole test suite, on a fresh machine: sets up .venv, installs, runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
exec .venv/bin/python -m pytest "$@"
