#!/usr/bin/env bash
# The main job: sets up .venv with yaae[demos] and runs `yaae demo` (the
# classification demo; pass a demo name and flags to run another, e.g. `gan --quiet`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh demos
exec .venv/bin/yaae demo "$@"
