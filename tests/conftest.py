"""Shared fixtures: the ``xp`` backend fixture and Keras as the oracle."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # Keras's NumPy backend saturates BCE from logits

import numpy as np
import pytest

from losslab.testing import Backend

BACKENDS = [b for b in Backend]


@pytest.fixture(params=BACKENDS, ids=str)
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each backend in turn; skipped where its library is not installed."""
    if not request.param.available():
        pytest.skip(f"{request.param.value} is not installed")
    return request.param


@pytest.fixture
def xp(backend: Backend):
    """The Array API namespace of each backend (numpy, array_api_strict, torch, jax)."""
    if backend is Backend.TORCH:
        import torch

        torch.backends.cuda.matmul.allow_tf32 = False
    return backend.namespace()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261125)


@pytest.fixture(scope="session")
def keras():
    """Keras 3 on the JAX backend, the reference implementation."""
    keras = pytest.importorskip("keras")
    assert keras.backend.backend() == "jax", "the Keras oracle must run on KERAS_BACKEND=jax"
    return keras
