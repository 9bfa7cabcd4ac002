#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs Graphviz if missing (the graph
# pictures are rendered with `dot`) and Chromium + chromedriver (the stepper page's
# browser tests) and Open MPI (the distributed tests), sets up .venv with
# yaae[test,demos], runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# need "WHAT" "COMMANDS" PACKAGES...: when one of COMMANDS is missing, install the
# Debian PACKAGES with apt-get (as root, or through sudo), else stop saying what to install
need() {
  local what="$1" cmds="$2" c missing=0
  shift 2
  for c in $cmds; do command -v "$c" >/dev/null 2>&1 || missing=1; done
  [ "$missing" = 0 ] && return 0
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing $what with apt-get ..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@") >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    echo "installing $what with sudo apt-get ..."
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@") >/dev/null
  else
    echo "error: the tests need $what ($cmds); install it (apt-get install $*)" >&2
    exit 1
  fi
}

# the graph pictures are rendered with Graphviz's dot
need "Graphviz" "dot" graphviz
# the step-through page (ya.viz.stepper) is tested in headless Chromium: Debian's
# chromium and chromium-driver (no browser download)
need "Chromium and chromedriver" "chromium chromedriver" chromium chromium-driver
# the distributed tests (ya.distributed, the ddp demo) run under Open MPI's mpirun, and
# mpi4py (in the test extra) loads its libmpi (or, with no wheel for this platform, is
# compiled with its mpicc)
need "Open MPI" "mpirun mpicc" openmpi-bin libopenmpi-dev
# Open MPI refuses to start as root without --allow-run-as-root, and more ranks than
# cores without --oversubscribe: the tests pass both flags; these variables say the
# same for any mpirun started under this script (CI runs as root on 2 cores)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
bash scripts/setup.sh test,demos
exec .venv/bin/python -m pytest "$@"
