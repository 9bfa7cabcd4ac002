#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs Graphviz if missing (the graph
# pictures are rendered with `dot`) and Chromium + chromedriver (the stepper page's
# browser tests) and Open MPI (the distributed tests), sets up .venv with
# yaae[test,demos], runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v dot >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing Graphviz (dot) with apt-get ..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz) >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz) >/dev/null
  else
    echo "error: Graphviz's 'dot' is needed by the tests; install it (apt-get install graphviz, brew install graphviz)" >&2
    exit 1
  fi
fi
# the step-through page (ya.viz.stepper) is tested in headless Chromium: Debian's
# chromium and chromium-driver, installed when missing (no browser download)
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing Chromium and chromedriver with apt-get ..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null
  else
    echo "error: the browser tests need Chromium and chromedriver; install them (apt-get install chromium chromium-driver)" >&2
    exit 1
  fi
fi
# the distributed tests (ya.distributed, the ddp demo) run under Open MPI's mpirun, and
# mpi4py (in the test extra) loads its libmpi (or, with no wheel for this platform, is
# compiled with its mpicc): openmpi-bin and libopenmpi-dev
if ! command -v mpirun >/dev/null 2>&1 || ! command -v mpicc >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing Open MPI with apt-get ..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openmpi-bin libopenmpi-dev) >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openmpi-bin libopenmpi-dev) >/dev/null
  else
    echo "error: the distributed tests need Open MPI; install it (apt-get install openmpi-bin libopenmpi-dev, brew install open-mpi)" >&2
    exit 1
  fi
fi
# Open MPI refuses to start as root without --allow-run-as-root, and more ranks than
# cores without --oversubscribe: the tests pass both flags; these variables say the
# same for any mpirun started under this script (CI runs as root on 2 cores)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
bash scripts/setup.sh test,demos
exec .venv/bin/python -m pytest "$@"
