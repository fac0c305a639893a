#!/usr/bin/env bash
# Set up a Python environment for fame_mm on a fresh Linux machine (Python 3.10-3.12).
#
#   bash tools/setup_env.sh            # creates/updates ./.venv
#   FAME_VENV=/path/to/venv bash tools/setup_env.sh
#   FAME_VENV=none bash tools/setup_env.sh   # install into the current python
#
# Encodes the environment findings of docs/method.md §8:
# * a base Python that already has a working torch (a CUDA machine with its own build)
#   keeps it: the venv sees system site-packages and no torch is installed;
# * otherwise torchvision is installed from a range and pulls the torch it matches;
# * setuptools>=77,<81 (torch >= 2.13 and mmengine's pkg_resources);
# * mmcv 2.1.0 built from source WITHOUT compiled ops (distribution name mmcv-lite);
# * mmengine 0.10.x, mmaction2 1.2.0, mmpretrain 1.2.x, decord, scipy;
# * the mmaction2 1.2.0 wheel hole (missing drn package) and torch>=2.6 resume are
#   fixed at import time by fame_mm/upstream_fixes.py, nothing to do here.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE_PY=${PYTHON:-python3}
VENV=${FAME_VENV:-.venv}

has_torch() { "$1" -c 'import torch, torchvision' >/dev/null 2>&1; }

if [ "$VENV" = none ]; then
  PY=$BASE_PY
else
  if [ ! -x "$VENV/bin/python" ]; then
    if has_torch "$BASE_PY"; then
      echo "[setup_env] base python has torch: venv with --system-site-packages"
      "$BASE_PY" -m venv --system-site-packages "$VENV"
    else
      "$BASE_PY" -m venv "$VENV"
    fi
  fi
  PY=$VENV/bin/python
fi
PIP=("$PY" -m pip install --disable-pip-version-check -q)

"${PIP[@]}" -r requirements/build.txt
if has_torch "$PY"; then
  echo "[setup_env] using installed torch $("$PY" -c 'import torch; print(torch.__version__)')"
else
  "${PIP[@]}" -r requirements/torch.txt
fi
if ! "$PY" -c 'import mmcv, sys; sys.exit(mmcv.__version__ != "2.1.0")' >/dev/null 2>&1; then
  # The sdist's metadata names the project "mmcv-lite" when built without ops, so a
  # requirement "mmcv==2.1.0" never matches what it builds: install the file itself.
  mmcv_src=$(mktemp -d)
  "$PY" -m pip download --disable-pip-version-check -q --no-deps --no-binary :all: \
      -d "$mmcv_src" mmcv==2.1.0
  MMCV_WITH_OPS=0 "${PIP[@]}" --no-build-isolation "$mmcv_src"/mmcv-2.1.0.tar.gz
  rm -rf "$mmcv_src"
fi
"${PIP[@]}" -r requirements/runtime.txt -r requirements/tests.txt
"${PIP[@]}" --no-build-isolation --no-deps -e .
"$PY" -c 'import fame_mm, torch, mmaction, mmengine, mmcv, mmpretrain, decord, av; print(
    "[setup_env] ready: torch", torch.__version__, "mmaction2", mmaction.__version__,
    "mmengine", mmengine.__version__, "mmcv", mmcv.__version__,
    "mmpretrain", mmpretrain.__version__, "decord", decord.__version__,
    "av", av.__version__)'
