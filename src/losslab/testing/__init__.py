"""Testing helpers for losslab and for users testing their own losses.

``Backend`` names the array libraries losslab runs on; ``assert_close``
compares an array with a reference, checking namespace, shape, dtype and
device before values. The ``backend`` and ``xp`` pytest fixtures (every
installed backend in turn) live in :mod:`losslab.testing.pytest_plugin`;
enable them with ``-p losslab.testing.pytest_plugin`` or
``pytest_plugins = ["losslab.testing.pytest_plugin"]`` in a root ``conftest.py``.
"""

from __future__ import annotations

import enum
import importlib
from typing import Any

import numpy as np

from losslab._backend import array_namespace, is_array, to_numpy
from losslab._backend import device as device_of


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


def assert_close(
    actual: Any,
    expected: Any,
    *,
    rtol: float | None = None,
    atol: float = 0.0,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> None:
    """Assert ``actual`` matches ``expected``: namespace, shape, dtype, device, then values.

    ``actual`` must be an array, of ``xp`` when given. ``expected`` is either
    an *oracle* (a NumPy array, a number, a nested list or another library's
    array, typically float64 from a reference implementation) or a *reference
    array* of ``actual``'s own library (other than NumPy). Against a
    reference array, ``actual`` must match its dtype and device; against an
    oracle, only what ``dtype`` and ``device`` ask for is checked, so that a
    float32 result can be compared with a float64 oracle.

    Parameters
    ----------
    actual : array
        The value under test; lists and Python numbers are refused.
    expected : array or array-like
        The oracle or reference array.
    rtol : float, optional
        Relative tolerance; defaults to 1e-5 for float32 and lower precisions,
        1e-10 for float64.
    atol : float
        Absolute tolerance.
    xp : namespace, optional
        When given, ``actual`` must belong to it.
    dtype : dtype or str, optional
        When given, the dtype of ``actual`` (e.g. ``"float32"``).
    device : device, optional
        When given, the device of ``actual``.

    Raises
    ------
    AssertionError
        Naming the first check that fails (``namespace``, ``shape``, ``dtype``,
        ``device``) with both sides, or the values that differ.

    Examples
    --------
    >>> import numpy as np
    >>> assert_close(np.float32([1.0, 2.0]), np.array([1.0, 2.0000001]), dtype="float32")
    >>> assert_close(np.float32([1.0, 2.0]), np.array([1.0, 2.0]), dtype="float64")
    Traceback (most recent call last):
    ...
    AssertionError: dtype mismatch: got float32, expected float64
    """
    if not is_array(actual):
        msg = f"namespace mismatch: expected an array, got {type(actual).__name__}"
        raise AssertionError(msg)
    actual_xp = array_namespace(actual)
    if xp is not None and actual_xp is not array_namespace(xp.asarray(0.0)):
        msg = f"namespace mismatch: got an array of {actual_xp.__name__}, expected {xp.__name__}"
        raise AssertionError(msg)
    reference = (
        is_array(expected)
        and not isinstance(expected, (np.ndarray, np.generic))
        and array_namespace(expected) is actual_xp
    )
    actual_shape = tuple(actual.shape)
    expected_shape = tuple(expected.shape) if is_array(expected) else np.shape(expected)
    if actual_shape != expected_shape:
        msg = f"shape mismatch: got {actual_shape}, expected {expected_shape}"
        raise AssertionError(msg)
    expected_dtype = getattr(actual_xp, dtype) if isinstance(dtype, str) else dtype
    if expected_dtype is None and reference:
        expected_dtype = expected.dtype
    if expected_dtype is not None and actual.dtype != expected_dtype:
        msg = f"dtype mismatch: got {_dtype_name(actual.dtype)}, expected {_dtype_name(expected_dtype)}"
        raise AssertionError(msg)
    expected_device = device_of(expected) if device is None and reference else device
    if expected_device is not None and device_of(actual) != expected_device:
        msg = f"device mismatch: got {device_of(actual)}, expected {expected_device}"
        raise AssertionError(msg)
    expected_np = to_numpy(expected)
    actual_np = to_numpy(actual)
    if rtol is None:
        rtol = 1e-10 if actual_np.dtype == np.float64 else 1e-5
    np.testing.assert_allclose(actual_np.astype(np.float64), expected_np.astype(np.float64), rtol=rtol, atol=atol)


def _dtype_name(dtype: Any) -> str:
    """``float64`` for NumPy's, torch's, JAX's and array-api-strict's float64 (a dtype or a scalar type)."""
    return str(dtype).rsplit(".", 1)[-1].strip("'<>")


__all__ = ["Backend", "assert_close"]
