"""Helpers of the edge-input tests: a loss on one backend and path, its value and its gradient in ``y_pred``."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from losslab._backend import to_numpy
from losslab.losses._fast import generic_only
from losslab.testing import Backend

PATHS = ("fast", "generic")
"""``"fast"``: the backend's native kernels where it has them; ``"generic"``: the Array API code alone."""


@contextlib.contextmanager
def on_path(name: str) -> Iterator[None]:
    """Run the block on the fast or the generic path."""
    with generic_only() if name == "generic" else contextlib.nullcontext():
        yield


def value_and_grad(fn: Callable[[Any, Any], Any], y_true: Any, y_pred: Any, backend: Backend) -> tuple[Any, Any]:
    """``fn(y_true, y_pred)`` (0-d) and, on torch and JAX, its gradient in ``y_pred`` (``None`` elsewhere)."""
    if backend is Backend.TORCH:
        y_pred = y_pred.detach().clone().requires_grad_(True)
        value = fn(y_true, y_pred)
        value.backward()
        return value.detach(), y_pred.grad
    if backend is Backend.JAX:
        import jax

        return jax.value_and_grad(lambda p: fn(y_true, p))(y_pred)
    return fn(y_true, y_pred), None


def as_float64(x: Any) -> np.ndarray:
    """A float64 NumPy copy of any backend's array (for checks of finiteness and NaN)."""
    return np.asarray(to_numpy(x), dtype=np.float64)
