"""pytest fixtures that run a test once per installed backend.

Enable with ``pytest -p losslab.testing.pytest_plugin`` (or ``addopts`` in the
pytest configuration), or with ``pytest_plugins = ["losslab.testing.pytest_plugin"]``
in a root ``conftest.py``; then a test that takes ``xp`` runs on NumPy,
array-api-strict, PyTorch and JAX, and is skipped where a library is missing.
"""

from __future__ import annotations

from typing import Any

import pytest

from losslab.testing import Backend

BACKENDS = list(Backend)


@pytest.fixture(params=BACKENDS, ids=str)
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each backend in turn; skipped where its library is not installed."""
    param: Backend = request.param
    if not param.available():
        pytest.skip(f"{param.value} is not installed")
    return param


@pytest.fixture
def xp(backend: Backend) -> Any:
    """The Array API namespace of each backend (numpy, array_api_strict, torch, jax).

    For torch, TF32 matmuls are turned off so that float32 results match a float64 reference.
    """
    if backend is Backend.TORCH:
        import torch

        torch.backends.cuda.matmul.allow_tf32 = False
    return backend.namespace()
