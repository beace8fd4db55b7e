"""Shared fixtures: a seeded generator and Keras as the oracle.

The ``backend`` and ``xp`` fixtures come from ``losslab.testing.pytest_plugin``
(``-p`` in pyproject.toml's pytest ``addopts``).
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # Keras's NumPy backend saturates BCE from logits

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261125)


@pytest.fixture(scope="session")
def keras():
    """Keras 3 on the JAX backend, the reference implementation."""
    keras = pytest.importorskip("keras")
    assert keras.backend.backend() == "jax", "the Keras oracle must run on KERAS_BACKEND=jax"
    return keras
