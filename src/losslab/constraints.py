r"""Weight constraints with Keras 3 semantics, written once for every Array API backend.

A constraint is a projection applied to a weight array after each optimizer
step: it returns an array of the same shape (and namespace, device and
floating dtype). The norm-based constraints compute the L2 norm along
``axis``: ``axis=0`` constrains each column of a ``(input_dim, units)`` dense
kernel, ``axis=[0, 1, 2]`` each filter of a ``(rows, cols, in, out)``
convolution kernel. Integer inputs are cast to ``float32`` by the norm-based
constraints, as Keras does.

Names accepted by :func:`get` and :func:`deserialize` are the Keras ones: the
class names and their snake-case forms (``"max_norm"``, ``"min_max_norm"``,
``"non_neg"``, ``"unit_norm"``).
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

import array_api_compat

from losslab._backend import EPSILON
from losslab._registry import Registry

CONSTRAINTS = Registry("constraint", "losslab.constraints.CONSTRAINTS.register()")

__all__ = [
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "deserialize",
    "get",
    "max_norm",
    "min_max_norm",
    "non_neg",
    "serialize",
    "unit_norm",
]


def _validate_number(value: Any, name: str, *, low: float | None = 0.0, high: float | None = None) -> None:
    """A ValueError naming ``name`` unless ``value`` is a real number in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value):
        msg = f"Invalid value for argument {name}: expected a number. Received: {name}={value!r}"
        raise ValueError(msg)
    number = float(value)
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = f">= {low}" if high is None else f"in [{low}, {high}]"
        msg = f"Invalid value for argument {name}: expected a number {bounds}. Received: {name}={value!r}"
        raise ValueError(msg)


def _validate_axis(axis: Any) -> None:
    """A ValueError unless ``axis`` is None, an int, or a list or tuple of distinct ints."""
    items = axis if isinstance(axis, (list, tuple)) else [axis]
    if axis is not None and (
        not items
        or any(isinstance(a, bool) or not isinstance(a, Integral) for a in items)
        or len({int(a) for a in items}) != len(items)
    ):
        msg = (
            "Invalid value for argument axis: expected an int, a list or tuple of distinct ints, "
            f"or None. Received: axis={axis!r}"
        )
        raise ValueError(msg)


def _axis_for(axis: Any, ndim: int, name: str) -> Any:
    """``axis`` as the Array API wants it (an int, a tuple or None), checked against ``ndim``."""
    if axis is None:
        return None
    items = tuple(int(a) for a in axis) if isinstance(axis, (list, tuple)) else (int(axis),)
    normalized = {a % ndim for a in items if -ndim <= a < ndim}
    if len(normalized) != len(items):
        msg = f"{name}: axis={axis!r} is out of range or repeated for weights of rank {ndim}"
        raise ValueError(msg)
    return items if isinstance(axis, (list, tuple)) else items[0]


def _norms(w: Any, axis: Any, xp: Any) -> tuple[Any, Any]:
    """``w`` as floating, and its L2 norms along ``axis`` (kept as size-1 axes).

    The square root is taken through a double ``where`` so that an all-zero
    slice has norm exactly 0 and a finite (zero) gradient, where Keras's
    ``sqrt(0)`` gives NaN gradients.
    """
    if not xp.isdtype(w.dtype, "real floating"):
        w = xp.astype(w, xp.float32)
    square_sum = xp.sum(w * w, axis=axis, keepdims=True)
    positive = square_sum > 0
    safe = xp.where(positive, square_sum, xp.ones_like(square_sum))
    return w, xp.where(positive, xp.sqrt(safe), xp.zeros_like(square_sum))


@CONSTRAINTS.register(aliases=("constraint",))
class Constraint:
    r"""Base class of weight constraints: a callable projecting a weight array.

    Subclasses override ``__call__`` (and :meth:`get_config` when they take
    arguments). The base class returns its input unchanged.

    .. math:: c(w) = w

    The base class takes no arguments.

    Returns
    -------
    Constraint
        Calling it returns the weights unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> class Clip(Constraint):
    ...     def __init__(self, limit=1.0):
    ...         self.limit = limit
    ...     def __call__(self, w):
    ...         xp = array_api_compat.array_namespace(w)
    ...         return xp.clip(w, -self.limit, self.limit)
    ...     def get_config(self):
    ...         return {"limit": self.limit}
    >>> Clip(0.5)(np.array([-2.0, 0.25, 3.0])).tolist()
    [-0.5, 0.25, 0.5]
    >>> Constraint()(np.array([-1.0, 1.0])).tolist()
    [-1.0, 1.0]
    """

    def __call__(self, w: Any) -> Any:
        """The projection of ``w``: ``w`` itself for the base class.

        Parameters
        ----------
        w : array
            Weights: a NumPy, torch, JAX or array-api-strict array.

        Returns
        -------
        array
            ``w``, unchanged.
        """
        array_api_compat.array_namespace(w)
        return w

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this constraint.

        Returns
        -------
        dict
            JSON-ready keyword arguments for :meth:`from_config`.
        """
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Constraint:
        """Rebuild a constraint from the output of :meth:`get_config`.

        Parameters
        ----------
        config : dict
            Keyword arguments of the constructor.

        Returns
        -------
        Constraint
        """
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@CONSTRAINTS.register(aliases=("max_norm",))
class MaxNorm(Constraint):
    r"""Rescale each weight slice whose L2 norm exceeds ``max_value`` down to it.

    With :math:`n = \lVert w \rVert_2` the norm along ``axis`` and
    :math:`\epsilon = 10^{-7}`:

    .. math:: c(w) = w \, \frac{\operatorname{clip}(n, 0, m)}{\epsilon + n}

    Parameters
    ----------
    max_value : float, default 2
        Maximum norm :math:`m` (non-negative).
    axis : int, list of int or None, default 0
        Axis or axes along which norms are computed: ``0`` for each column
        of a dense kernel, ``[0, 1, 2]`` for each filter of a 2-D
        convolution kernel, ``None`` for the whole array.

    Returns
    -------
    MaxNorm
        Calling it returns an array of the input's shape and floating dtype.

    Raises
    ------
    ValueError
        If ``max_value`` is negative or not a number, or ``axis`` is not an
        int or a list of ints.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[3.0, 0.3], [4.0, 0.4]])
    >>> np.round(MaxNorm(max_value=1.0)(w), 6).tolist()
    [[0.6, 0.3], [0.8, 0.4]]
    """

    def __init__(self, max_value: float = 2, axis: Any = 0) -> None:
        _validate_number(max_value, "max_value")
        _validate_axis(axis)
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        xp = array_api_compat.array_namespace(w)
        w, norms = _norms(w, _axis_for(self.axis, w.ndim, "MaxNorm"), xp)
        desired = xp.clip(norms, 0.0, float(self.max_value))
        return w * (desired / (EPSILON + norms))

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "axis": self.axis}


@CONSTRAINTS.register(aliases=("min_max_norm",))
class MinMaxNorm(Constraint):
    r"""Move the L2 norm of each weight slice into ``[min_value, max_value]``.

    With :math:`n = \lVert w \rVert_2` the norm along ``axis``, :math:`r` the
    rate and :math:`\epsilon = 10^{-7}`:

    .. math::

        c(w) = w \, \frac{r \operatorname{clip}(n, a, b) + (1 - r)\, n}{\epsilon + n}

    ``rate=1`` enforces the bounds strictly; a smaller rate moves the norm
    part of the way at each step. A zero slice stays zero.

    Parameters
    ----------
    min_value : float, default 0.0
        Lower bound :math:`a` of the norm (non-negative).
    max_value : float, default 1.0
        Upper bound :math:`b` of the norm (at least ``min_value``).
    rate : float, default 1.0
        Enforcement rate :math:`r`, in ``[0, 1]``.
    axis : int, list of int or None, default 0
        Axis or axes along which norms are computed (see :class:`MaxNorm`).

    Returns
    -------
    MinMaxNorm
        Calling it returns an array of the input's shape and floating dtype.

    Raises
    ------
    ValueError
        If a bound is negative or not a number, ``min_value > max_value``,
        ``rate`` is outside ``[0, 1]``, or ``axis`` is not an int or a list
        of ints.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[3.0, 0.3], [4.0, 0.4]])
    >>> np.round(MinMaxNorm(min_value=1.0, max_value=2.0)(w), 6).tolist()
    [[1.2, 0.6], [1.6, 0.8]]
    >>> np.round(MinMaxNorm(min_value=1.0, max_value=2.0, rate=0.5)(w), 6).tolist()
    [[2.1, 0.45], [2.8, 0.6]]
    """

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Any = 0) -> None:
        _validate_number(min_value, "min_value")
        _validate_number(max_value, "max_value")
        if min_value > max_value:
            msg = (
                "Invalid value for arguments min_value and max_value: expected min_value <= max_value. "
                f"Received: min_value={min_value!r}, max_value={max_value!r}"
            )
            raise ValueError(msg)
        _validate_number(rate, "rate", low=0.0, high=1.0)
        _validate_axis(axis)
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        xp = array_api_compat.array_namespace(w)
        w, norms = _norms(w, _axis_for(self.axis, w.ndim, "MinMaxNorm"), xp)
        clipped = xp.clip(norms, float(self.min_value), float(self.max_value))
        desired = self.rate * clipped + (1 - self.rate) * norms
        return w * (desired / (EPSILON + norms))

    def get_config(self) -> dict[str, Any]:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


@CONSTRAINTS.register(aliases=("non_neg",))
class NonNeg(Constraint):
    r"""Set negative weights to zero.

    .. math:: c(w) = \max(w, 0)

    The input's dtype is kept, integers included; NaN stays NaN.

    ``NonNeg`` takes no arguments.

    Returns
    -------
    NonNeg
        Calling it returns an array of the input's shape and dtype.

    Examples
    --------
    >>> import numpy as np
    >>> NonNeg()(np.array([-1.0, 0.0, 2.5])).tolist()
    [0.0, 0.0, 2.5]
    """

    def __call__(self, w: Any) -> Any:
        xp = array_api_compat.array_namespace(w)
        return xp.maximum(w, xp.zeros_like(w))


@CONSTRAINTS.register(aliases=("unit_norm",))
class UnitNorm(Constraint):
    r"""Rescale each weight slice to unit L2 norm.

    With :math:`n = \lVert w \rVert_2` the norm along ``axis`` and
    :math:`\epsilon = 10^{-7}`:

    .. math:: c(w) = \frac{w}{\epsilon + n}

    A zero slice stays zero (with finite gradients).

    Parameters
    ----------
    axis : int, list of int or None, default 0
        Axis or axes along which norms are computed (see :class:`MaxNorm`).

    Returns
    -------
    UnitNorm
        Calling it returns an array of the input's shape and floating dtype.

    Raises
    ------
    ValueError
        If ``axis`` is not an int or a list of ints.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[3.0, 0.0], [4.0, 2.0]])
    >>> np.round(UnitNorm()(w), 6).tolist()
    [[0.6, 0.0], [0.8, 1.0]]
    >>> np.round(UnitNorm(axis=1)(w), 6).tolist()
    [[1.0, 0.0], [0.894427, 0.447214]]
    """

    def __init__(self, axis: Any = 0) -> None:
        _validate_axis(axis)
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        xp = array_api_compat.array_namespace(w)
        w, norms = _norms(w, _axis_for(self.axis, w.ndim, "UnitNorm"), xp)
        return w / (EPSILON + norms)

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


# Keras's lower-case aliases are the classes themselves.
max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm


def get(identifier: Any) -> Any:
    """Return a constraint from a name, a config dict, a class, a callable or ``None``.

    Mirrors ``keras.constraints.get``: a name or a class gives an instance
    with default arguments, a config dict is deserialized, other callables
    are returned as they are.

    Parameters
    ----------
    identifier : str, dict, type, callable or None
        A name or alias (``"max_norm"``, ``"UnitNorm"``...), a config dict as
        made by :func:`serialize`, a constraint class, a constraint instance
        or any callable.

    Returns
    -------
    Constraint, callable or None

    Raises
    ------
    ValueError
        For an unknown name (listing the close valid names) or an identifier
        that is not callable.

    Examples
    --------
    >>> get("max_norm")
    MaxNorm(max_value=2, axis=0)
    >>> get({"class_name": "UnitNorm", "config": {"axis": [0, 1, 2]}})
    UnitNorm(axis=[0, 1, 2])
    >>> get(None) is None
    True
    """
    return CONSTRAINTS.get(identifier)


def serialize(constraint: Any) -> Any:
    """A JSON-ready description of a constraint: ``{"class_name": ..., "config": ...}``.

    Parameters
    ----------
    constraint : Constraint, str or None
        Names and ``None`` are returned unchanged.

    Returns
    -------
    dict, str or None

    Raises
    ------
    ValueError
        For a callable that is not a :class:`Constraint` instance.

    Examples
    --------
    >>> serialize(MinMaxNorm(max_value=3.0, axis=[0, 1]))
    {'class_name': 'MinMaxNorm', 'config': {'min_value': 0.0, 'max_value': 3.0, 'rate': 1.0, 'axis': [0, 1]}}
    >>> serialize(NonNeg())
    {'class_name': 'NonNeg', 'config': {}}
    """
    return CONSTRAINTS.serialize(constraint)


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """Inverse of :func:`serialize`: a constraint from a config dict or a name.

    Keras's serialized dicts (with extra ``module`` and ``registered_name``
    keys) are accepted too.

    Parameters
    ----------
    config : dict, str, callable or None
        ``{"class_name": name, "config": kwargs}``, a name, or a callable
        (returned unchanged).
    custom_objects : dict, optional
        Extra ``name -> class`` entries, for constraints defined outside
        losslab.

    Returns
    -------
    Constraint, callable or None

    Raises
    ------
    ValueError
        For an unknown class name or a config that is neither a name nor a
        dict with ``"class_name"``.

    Examples
    --------
    >>> deserialize({"class_name": "MaxNorm", "config": {"max_value": 3.0, "axis": 1}})
    MaxNorm(max_value=3.0, axis=1)
    >>> deserialize("non_neg")
    NonNeg()
    """
    return CONSTRAINTS.deserialize(config, custom_objects)
