#!/usr/bin/env bash
# The main job: sets up .venv and runs the worked examples.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
exec .venv/bin/python -m yaae "$@"
