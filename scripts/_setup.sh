# Sourced by scripts/demo and scripts/test: a .venv with losslab, every backend and the test oracle.
# torch is pinned to the CPU build that pip finds on this platform's disk; JAX comes from PyPI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -x .venv/bin/python ]; then
    "${PYTHON:-python3}" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install --quiet --disable-pip-version-check --upgrade pip
python -m pip install --quiet --disable-pip-version-check "torch==2.13.0" jax
python -m pip install --quiet --disable-pip-version-check -e ".[test,lab,ray,docs]"
