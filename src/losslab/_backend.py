"""Backend plumbing: turning user inputs into arrays of one Array API namespace.

Every loss resolves its namespace here and nowhere else. The rule is simple:
``y_pred`` decides the namespace, device and floating dtype of the result;
``y_true`` is moved into that namespace and onto that device, keeping its own
dtype kind so that integer labels stay integer until a loss casts them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import array_api_compat
import numpy as np

EPSILON = 1e-7
"""Keras's ``backend.epsilon()``: the clipping constant used by every loss."""

_FLOAT_NAMES = ("float16", "bfloat16", "float32", "float64")

_HALF_NAMES = frozenset({"float16", "bfloat16"})
"""Half-precision floats: computed in ``float32`` (see :func:`as_arrays`)."""

_NAMESPACE_OF_TYPE: dict[type, Any] = {}
"""Array type -> its Array API namespace, filled on first sight.

``array_api_compat.array_namespace`` inspects an array's type through a chain
of checks (about 2 us); a loss call resolves namespaces several times, which
costs more than the fused kernel of a small batch. The namespace of an array
depends on its type alone, so one dictionary lookup answers after the first
call.

Under ``torch.compile`` a lookup is guarded by the key it read: an entry added
after a function was traced without it makes that function recompile once.
So torch's namespace is learnt with all its dtypes at once, and as soon as
losslab and torch are both imported, before any trace (see the end of this
module and :func:`_learn_torch_type`).
"""

_INPUT_KIND: dict[tuple[type, Any], str] = {}
"""``(type(dtype), dtype)`` -> its kind, see :func:`dtype_kind`.

The dtype's type is part of the key: array-api-strict's dtypes hash like NumPy's and warn when compared with them.
"""

_DTYPE_NAMES = (
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    *_FLOAT_NAMES,
    "complex64",
    "complex128",
)

_F = TypeVar("_F", bound=Callable[..., Any])


def constant_while_traced(fn: _F) -> _F:
    """Mark ``fn`` as ``torch.compiler.assume_constant_result`` does, without importing torch.

    ``fn`` reads a context-local setting (a ``contextvars`` variable, which
    ``torch.compile`` cannot trace). Marked, it is called once when a function
    is traced and its answer is a constant of the graph, as a Python read is
    under ``jax.jit``: the compiled function keeps the setting it was traced
    with. Eager calls are unaffected.
    """
    vars(fn)["_dynamo_marked_constant"] = True
    return fn


def _is_torch_type(cls: type) -> bool:
    """Whether ``cls`` is a torch tensor type, without array-api-compat's cached helpers (see below)."""
    torch = sys.modules.get("torch")
    return torch is not None and issubclass(cls, torch.Tensor)


_PYTHON_TYPES = frozenset({bool, int, float, complex, list, tuple, str, bytes, dict, set, type(None)})
"""Python values are never arrays: answered before array-api-compat's cached helpers (see :func:`array_namespace`)."""


def is_array(x: Any) -> bool:
    """Whether ``x`` is an array of a namespace that array-api-compat knows."""
    cls = type(x)
    if cls in _NAMESPACE_OF_TYPE:
        return True
    if cls in _PYTHON_TYPES:
        return False
    return _is_torch_type(cls) or array_api_compat.is_array_api_obj(x)


@constant_while_traced
def _known_kind(dtype: Any) -> str | None:
    """The cached kind of ``dtype``, or ``None``. Marked constant: a traced call reads no dictionary, so it has no
    guard on the cache's keys to check on every call (and none that a later entry would break)."""
    return _INPUT_KIND.get((type(dtype), dtype))


@constant_while_traced
def _plain_dtypes(pred_dtype: Any, true_dtype: Any) -> bool:
    """Whether ``y_pred``'s dtype is known as real floating (32 or 64 bits) and ``y_true``'s as real floating or
    integral (see :func:`as_arrays`); half precision and booleans take the full path, which casts them."""
    kinds = _INPUT_KIND
    return kinds.get((type(pred_dtype), pred_dtype)) == "real floating" and kinds.get(
        (type(true_dtype), true_dtype)
    ) in ("real floating", "integral")


def _is_half(dtype: Any) -> bool:
    """Whether ``dtype`` is ``float16`` or ``bfloat16`` of any library (NumPy's ``ml_dtypes.bfloat16`` included)."""
    name = getattr(dtype, "name", None)
    return (name if isinstance(name, str) else str(dtype).rpartition(".")[2]) in _HALF_NAMES


def dtype_kind(xp: Any, dtype: Any) -> str:
    """``"real floating"``, ``"half floating"``, ``"integral"``, ``"bool"`` or ``"other"`` (cached: ``xp.isdtype``
    costs 0.3 us).

    ``"real floating"`` means 32 or 64 bits; ``float16`` and ``bfloat16`` are ``"half floating"`` (computed in
    ``float32``, see :func:`as_arrays`), also where ``xp.isdtype`` does not know them (NumPy arrays of
    ``ml_dtypes.bfloat16``).
    """
    kind = _known_kind(dtype)
    if kind is None:
        kinds = ("real floating", "integral", "bool")
        if _is_half(dtype):
            kind = "half floating"
        else:
            kind = next((k for k in kinds if xp.isdtype(dtype, k)), "other")
        _INPUT_KIND[(type(dtype), dtype)] = kind
    return kind


_TORCH_XP: list[Any] = [None]
"""array-api-compat's torch namespace once torch is seen (a list: :func:`as_arrays` reads it without a global
statement); ``None`` before, which no namespace is."""


def _learn_torch_type(cls: type) -> Any:
    """Record torch's namespace for ``cls``, with the kind of each of torch's dtypes (all at once, see above)."""
    import array_api_compat.torch as torch_xp

    _TORCH_XP[0] = torch_xp

    for name in _DTYPE_NAMES:
        dtype = getattr(torch_xp, name, None)
        if dtype is not None:
            dtype_kind(torch_xp, dtype)
    _NAMESPACE_OF_TYPE[cls] = torch_xp
    return torch_xp


def array_namespace(x: Any) -> Any:
    """The Array API namespace of one array (``array_api_compat.array_namespace``, cached by type).

    Torch tensors are recognised directly: array-api-compat's helpers are
    wrapped in ``functools.lru_cache``, which ``torch.compile`` warns about
    when it traces a call that sees a tensor type for the first time.
    """
    xp = _NAMESPACE_OF_TYPE.get(type(x))
    if xp is None:
        if _is_torch_type(type(x)):
            return _learn_torch_type(type(x))
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
    if _is_torch_type(type(x)):
        return x.device
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
    """Turn ``"float32"``-style names into ``xp``'s dtype objects; half precision gives ``float32``.

    ``float16`` and ``bfloat16`` are computed in ``float32`` (see :func:`as_arrays`), named or passed as dtype objects.
    """
    if dtype is None:
        return dtype
    if not isinstance(dtype, str):
        return xp.float32 if _is_half(dtype) else dtype
    if dtype in _HALF_NAMES:  # also where the namespace has no such dtype (NumPy's bfloat16)
        return xp.float32
    if dtype not in _FLOAT_NAMES or not hasattr(xp, dtype):
        msg = f"dtype must be one of {[n for n in _FLOAT_NAMES if hasattr(xp, n)]} or None; got {dtype!r}"
        raise ValueError(msg)
    return getattr(xp, dtype)


def as_array(x: Any, xp: Any, *, like: Any = None, name: str = "array") -> Any:
    """``x`` as an array of ``xp`` on the device of ``like``, dtype kept."""
    array = is_array(x)
    if array and array_namespace(x) is xp:
        return x
    if not array:
        x = _from_python(x, name)
    elif not isinstance(x, (np.ndarray, np.generic)):
        x = to_numpy(x)
    target = None if like is None else device(like)
    if target is None:
        return xp.asarray(x)
    return xp.asarray(x, device=target)


def as_arrays(y_true: Any, y_pred: Any, *, xp: Any = None, dtype: Any = None) -> tuple[Any, Any, Any]:
    """Resolve the namespace from ``y_pred`` and convert both inputs into it.

    ``y_pred`` becomes floating: ``dtype`` when given, else its own floating
    dtype, else ``float32`` (Keras's default float, also used for Python
    lists and scalars). Half precision (``float16``, ``bfloat16``, NumPy's
    ``ml_dtypes.bfloat16`` included) becomes ``float32``, as torch's autocast
    and Keras's default dtype policy compute losses: a squared error of 300
    overflows ``float16``. ``y_true`` keeps its dtype kind (a half-precision
    or boolean ``y_true`` is cast to ``y_pred``'s dtype) and moves onto
    ``y_pred``'s device, whether it is a NumPy array or a tensor of the same
    library on another device (as a target, it follows the prediction).

    Returns
    -------
    tuple
        ``(xp, y_true, y_pred)``.
    """
    # The common case first: two arrays of one namespace, y_pred floating, y_true not boolean.
    pred_xp = _NAMESPACE_OF_TYPE.get(type(y_pred))
    if (
        pred_xp is not None
        and dtype is None
        and (xp is None or xp is pred_xp)
        and _NAMESPACE_OF_TYPE.get(type(y_true)) is pred_xp
        and _plain_dtypes(y_pred.dtype, y_true.dtype)  # an unknown dtype takes the full path, which learns it
        and (pred_xp is not _TORCH_XP[0] or y_true.device == y_pred.device)  # torch tensors may sit on two devices
    ):
        return pred_xp, y_true, y_pred
    from_python = not is_array(y_pred)
    if from_python:
        y_pred = _from_python(y_pred, "y_pred")
    xp = array_namespace(y_pred) if xp is None else xp
    y_pred = as_array(y_pred, xp, name="y_pred")
    target_dtype = resolve_dtype(xp, dtype)
    if target_dtype is None and (from_python or dtype_kind(xp, y_pred.dtype) != "real floating"):
        target_dtype = xp.float32
    if target_dtype is not None and y_pred.dtype != target_dtype:
        y_pred = xp.astype(y_pred, target_dtype)
    y_true = as_array(y_true, xp, like=y_pred, name="y_true")
    if _is_torch_type(type(y_true)) and y_true.device != y_pred.device:
        y_true = y_true.to(y_pred.device)
    if dtype_kind(xp, y_true.dtype) in ("bool", "half floating"):
        y_true = xp.astype(y_true, y_pred.dtype)
    return xp, y_true, y_pred


def cast_like(x: Any, reference: Any, xp: Any) -> Any:
    """``x`` in the dtype of ``reference`` (no copy when it already is)."""
    return x if x.dtype == reference.dtype else xp.astype(x, reference.dtype)


if sys.modules.get("torch") is not None:  # torch's tensor type is known before the first traced call
    _learn_torch_type(sys.modules["torch"].Tensor)  # (see _NAMESPACE_OF_TYPE; None marks a blocked import)
