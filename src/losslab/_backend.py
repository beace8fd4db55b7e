"""Backend plumbing: turning user inputs into arrays of one Array API namespace.

Every loss resolves its namespace here and nowhere else. The rule is simple:
``y_pred`` decides the namespace, device and floating dtype of the result;
``y_true`` is moved into that namespace and onto that device, keeping its own
dtype kind so that integer labels stay integer until a loss casts them.
"""

from __future__ import annotations

from typing import Any

import array_api_compat
import numpy as np

EPSILON = 1e-7
"""Keras's ``backend.epsilon()``: the clipping constant used by every loss."""

_FLOAT_NAMES = ("float16", "bfloat16", "float32", "float64")

_NAMESPACE_OF_TYPE: dict[type, Any] = {}
"""Array type -> its Array API namespace, filled on first sight.

``array_api_compat.array_namespace`` inspects an array's type through a chain
of checks (about 2 us); a loss call resolves namespaces several times, which
costs more than the fused kernel of a small batch. The namespace of an array
depends on its type alone, so one dictionary lookup answers after the first
call.
"""


def is_array(x: Any) -> bool:
    """Whether ``x`` is an array of a namespace that array-api-compat knows."""
    return type(x) in _NAMESPACE_OF_TYPE or array_api_compat.is_array_api_obj(x)


def array_namespace(x: Any) -> Any:
    """The Array API namespace of one array (``array_api_compat.array_namespace``, cached by type)."""
    xp = _NAMESPACE_OF_TYPE.get(type(x))
    if xp is None:
        xp = _NAMESPACE_OF_TYPE[type(x)] = array_api_compat.array_namespace(x)
    return xp


def _from_python(x: Any, name: str) -> np.ndarray:
    if isinstance(x, (str, bytes, dict, set)) or x is None:
        msg = (
            f"{name} must be an array, a nested list of numbers or a number; "
            f"got {type(x).__name__}. Pass a NumPy array, a torch tensor or a "
            "JAX array."
        )
        raise TypeError(msg)
    try:
        return np.asarray(x)
    except (TypeError, ValueError) as error:
        msg = f"could not convert {name} of type {type(x).__name__} to an array: {error}"
        raise TypeError(msg) from error


def namespace(*arrays: Any) -> Any:
    """The Array API namespace of ``arrays`` (NumPy for lists and scalars)."""
    real = [a for a in arrays if is_array(a)]
    if not real:
        return array_namespace(np.empty(0))
    spaces = {id(array_namespace(a)) for a in real}
    return array_namespace(real[0]) if len(spaces) == 1 else array_api_compat.array_namespace(*real)


def device(x: Any) -> Any:
    """The device of ``x``, or ``None`` where the namespace cannot say (e.g. JAX tracers)."""
    try:
        return array_api_compat.device(x)
    except Exception:  # tracers and exotic arrays have no fixed device
        return None


def to_numpy(x: Any) -> np.ndarray:
    """A NumPy copy of any supported array (detached from autograd, moved to host)."""
    if array_api_compat.is_torch_array(x):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def resolve_dtype(xp: Any, dtype: Any) -> Any:
    """Turn ``"float32"``-style names into ``xp``'s dtype objects."""
    if dtype is None or not isinstance(dtype, str):
        return dtype
    if dtype not in _FLOAT_NAMES or not hasattr(xp, dtype):
        msg = f"dtype must be one of {[n for n in _FLOAT_NAMES if hasattr(xp, n)]} or None; got {dtype!r}"
        raise ValueError(msg)
    return getattr(xp, dtype)


def as_array(x: Any, xp: Any, *, like: Any = None, name: str = "array") -> Any:
    """``x`` as an array of ``xp`` on the device of ``like``, dtype kept."""
    if is_array(x) and array_namespace(x) is xp:
        return x
    if not is_array(x):
        x = _from_python(x, name)
    elif not array_api_compat.is_numpy_array(x):
        x = to_numpy(x)
    target = None if like is None else device(like)
    if target is None:
        return xp.asarray(x)
    return xp.asarray(x, device=target)


def as_arrays(y_true: Any, y_pred: Any, *, xp: Any = None, dtype: Any = None) -> tuple[Any, Any, Any]:
    """Resolve the namespace from ``y_pred`` and convert both inputs into it.

    ``y_pred`` becomes floating: ``dtype`` when given, else its own floating
    dtype, else ``float32`` (Keras's default float, also used for Python
    lists and scalars). ``y_true`` keeps its dtype kind.

    Returns
    -------
    tuple
        ``(xp, y_true, y_pred)``.
    """
    from_python = not is_array(y_pred)
    if from_python:
        y_pred = _from_python(y_pred, "y_pred")
    xp = array_namespace(y_pred) if xp is None else xp
    y_pred = as_array(y_pred, xp, name="y_pred")
    target_dtype = resolve_dtype(xp, dtype)
    if target_dtype is None and (from_python or not xp.isdtype(y_pred.dtype, "real floating")):
        target_dtype = xp.float32
    if target_dtype is not None and y_pred.dtype != target_dtype:
        y_pred = xp.astype(y_pred, target_dtype)
    y_true = as_array(y_true, xp, like=y_pred, name="y_true")
    if xp.isdtype(y_true.dtype, "bool"):
        y_true = xp.astype(y_true, y_pred.dtype)
    return xp, y_true, y_pred


def cast_like(x: Any, reference: Any, xp: Any) -> Any:
    """``x`` in the dtype of ``reference`` (no copy when it already is)."""
    return x if x.dtype == reference.dtype else xp.astype(x, reference.dtype)
