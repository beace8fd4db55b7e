"""Testing helpers for losslab and for users testing their own losses.

``Backend`` names the array libraries losslab runs on; ``assert_close``
compares arrays across them, checking namespace, shape and dtype before values.
The pytest ``xp`` fixture lives in :mod:`losslab.testing.pytest_plugin`.
"""

from __future__ import annotations

import enum
import importlib
from typing import Any

import numpy as np

from losslab._backend import namespace, to_numpy


class Backend(enum.Enum):
    """The array libraries every loss is tested on; the value is the module to import."""

    NUMPY = "numpy"
    ARRAY_API_STRICT = "array_api_strict"
    TORCH = "torch"
    JAX = "jax.numpy"

    def __str__(self) -> str:
        return self.name.lower()

    def namespace(self) -> Any:
        """The Array API namespace of this backend (raises ImportError if missing).

        For JAX this turns on ``jax_enable_x64`` for the process, so that float64
        references can be compared; it is meant for test sessions.
        """
        module = importlib.import_module(self.value)
        if self is Backend.TORCH:
            import array_api_compat.torch as compat_torch

            return compat_torch
        if self is Backend.JAX:
            import jax

            jax.config.update("jax_enable_x64", True)
        return module

    def available(self) -> bool:
        """Whether the library can be imported here."""
        try:
            importlib.import_module(self.value)
        except ImportError:
            return False
        return True


def assert_close(actual: Any, expected: Any, *, rtol: float | None = None, atol: float = 0.0, xp: Any = None) -> None:
    """Assert ``actual`` matches ``expected``: namespace, shape, dtype, then values.

    Parameters
    ----------
    actual : array
        The value under test.
    expected : array or array-like
        The reference, typically a NumPy float64 array from an oracle.
    rtol : float, optional
        Relative tolerance; defaults to 1e-5 for float32 and lower precisions,
        1e-10 for float64.
    atol : float
        Absolute tolerance.
    xp : namespace, optional
        When given, ``actual`` must belong to it.

    Examples
    --------
    >>> import numpy as np
    >>> assert_close(np.float32([1.0, 2.0]), np.array([1.0, 2.0000001]))
    """
    if xp is not None and namespace(actual) is not namespace(xp.asarray(0.0)):
        msg = f"expected an array of {xp.__name__}, got {type(actual).__name__}"
        raise AssertionError(msg)
    expected_np = to_numpy(expected)
    actual_np = to_numpy(actual)
    if actual_np.shape != expected_np.shape:
        msg = f"shape mismatch: got {actual_np.shape}, expected {expected_np.shape}"
        raise AssertionError(msg)
    if rtol is None:
        rtol = 1e-10 if actual_np.dtype == np.float64 else 1e-5
    np.testing.assert_allclose(actual_np.astype(np.float64), expected_np.astype(np.float64), rtol=rtol, atol=atol)


__all__ = ["Backend", "assert_close"]
