r"""Weight regularizers with Keras 3 semantics, written once for every Array API backend.

A regularizer maps a weight array to a scalar penalty that is added to the
loss. Every ``__call__`` resolves the namespace of its input, so the same
object works on NumPy arrays, torch tensors (autograd flows), JAX arrays (under
``jax.jit`` and ``jax.grad``) and ``array_api_strict`` arrays. The penalty has
the input's floating dtype and device; integer inputs are computed in
``float32``.

Names accepted by :func:`get` and :func:`deserialize` are the Keras ones: the
class names and their snake-case forms (``"l1"``, ``"l2"``, ``"l1l2"``,
``"orthogonal_regularizer"``), plus ``"l1_l2"``, the public Keras alias.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import array_api_compat

from losslab._backend import EPSILON, device
from losslab._registry import Registry

REGULARIZERS = Registry("regularizer", "losslab.regularizers.REGULARIZERS.register()")

__all__ = [
    "L1",
    "L1L2",
    "L2",
    "OrthogonalRegularizer",
    "Regularizer",
    "deserialize",
    "get",
    "l1",
    "l1_l2",
    "l2",
    "orthogonal_regularizer",
    "serialize",
]


def _validate_factor(value: Any, name: str) -> float:
    """``value`` as a float; a ValueError naming ``name`` unless it is a finite number >= 0."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or value < 0:
        msg = f"Invalid value for argument {name}: expected a non-negative float. Received: {name}={value!r}"
        raise ValueError(msg)
    return float(value)


def _floating(x: Any, xp: Any) -> Any:
    """``x`` itself when it is real floating, else ``x`` cast to ``float32`` (Keras's floatx)."""
    return x if xp.isdtype(x.dtype, "real floating") else xp.astype(x, xp.float32)


def _zero(x: Any, xp: Any) -> Any:
    """A scalar zero in the namespace, dtype and device of ``x``, with gradient 0 with respect to ``x``.

    It is a sum over ``where(False, x, 0)`` rather than a constant, so that
    ``backward()`` on it works in torch, and an infinite or NaN ``x`` still
    gives exactly 0.
    """
    never = xp.zeros(x.shape, dtype=xp.bool, device=device(x))
    return xp.sum(xp.where(never, x, xp.zeros_like(x)))


@REGULARIZERS.register(aliases=("regularizer",))
class Regularizer:
    r"""Base class of regularizers: a callable from a weight array to a scalar penalty.

    Subclasses override ``__call__`` and :meth:`get_config`. The base class
    itself applies no penalty.

    .. math:: \Omega(x) = 0

    The base class takes no arguments.

    Returns
    -------
    Regularizer
        Calling it on an array returns a scalar zero of the array's
        namespace and floating dtype.

    Examples
    --------
    >>> import numpy as np
    >>> class Quartic(Regularizer):
    ...     def __init__(self, factor=1.0):
    ...         self.factor = factor
    ...     def __call__(self, x):
    ...         xp = array_api_compat.array_namespace(x)
    ...         return self.factor * xp.sum(x**4)
    ...     def get_config(self):
    ...         return {"factor": self.factor}
    >>> float(Quartic(0.5)(np.array([1.0, 2.0])))
    8.5
    >>> Quartic.from_config({"factor": 2.0}).factor
    2.0
    >>> float(Regularizer()(np.ones(3)))
    0.0
    """

    def __call__(self, x: Any) -> Any:
        """The penalty of ``x``: zero for the base class.

        Parameters
        ----------
        x : array
            Weights: a NumPy, torch, JAX or array-api-strict array.

        Returns
        -------
        array
            The penalty: a 0-d array of ``x``'s namespace, device and floating dtype.
        """
        xp = array_api_compat.array_namespace(x)
        return _zero(_floating(x, xp), xp)

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this regularizer.

        Returns
        -------
        dict
            JSON-ready keyword arguments for :meth:`from_config`.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Regularizer:
        """Rebuild a regularizer from the output of :meth:`get_config`.

        Parameters
        ----------
        config : dict
            Keyword arguments of the constructor.

        Returns
        -------
        Regularizer
        """
        return cls(**config)

    def __repr__(self) -> str:
        try:
            config = self.get_config()
        except NotImplementedError:
            return f"{type(self).__name__}()"
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in config.items())})"


@REGULARIZERS.register(aliases=("l1",))
class L1(Regularizer):
    r"""L1 penalty: the sum of absolute values, times ``l1``.

    .. math:: \Omega(x) = \lambda_1 \sum_i |x_i|

    Parameters
    ----------
    l1 : float, default 0.01
        Non-negative factor :math:`\lambda_1`; ``None`` means the default.

    Returns
    -------
    L1
        Calling it returns a scalar of the input's namespace and dtype.

    Raises
    ------
    ValueError
        If ``l1`` is negative, infinite, NaN or not a number.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(L1(0.1)(np.array([[1.0, -2.0], [0.5, 0.0]]))), 6)
    0.35
    >>> L1(0.1).get_config()
    {'l1': 0.1}
    """

    def __init__(self, l1: float | None = 0.01) -> None:
        self.l1 = _validate_factor(0.01 if l1 is None else l1, "l1")

    def __call__(self, x: Any) -> Any:
        xp = array_api_compat.array_namespace(x)
        x = _floating(x, xp)
        return self.l1 * xp.sum(xp.abs(x))

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


@REGULARIZERS.register(aliases=("l2",))
class L2(Regularizer):
    r"""L2 penalty: the sum of squares, times ``l2``.

    .. math:: \Omega(x) = \lambda_2 \sum_i x_i^2

    Parameters
    ----------
    l2 : float, default 0.01
        Non-negative factor :math:`\lambda_2`; ``None`` means the default.

    Returns
    -------
    L2
        Calling it returns a scalar of the input's namespace and dtype.

    Raises
    ------
    ValueError
        If ``l2`` is negative, infinite, NaN or not a number.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(L2(0.1)(np.array([[1.0, -2.0], [0.5, 0.0]]))), 6)
    0.525
    >>> L2().get_config()
    {'l2': 0.01}
    """

    def __init__(self, l2: float | None = 0.01) -> None:
        self.l2 = _validate_factor(0.01 if l2 is None else l2, "l2")

    def __call__(self, x: Any) -> Any:
        xp = array_api_compat.array_namespace(x)
        x = _floating(x, xp)
        return self.l2 * xp.sum(x * x)

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


@REGULARIZERS.register(aliases=("l1l2", "l1_l2"))
class L1L2(Regularizer):
    r"""L1 and L2 penalties together.

    .. math:: \Omega(x) = \lambda_1 \sum_i |x_i| + \lambda_2 \sum_i x_i^2

    A term whose factor is 0 is left out (as in Keras), so an infinite weight
    with ``l1=0`` gives ``inf`` rather than ``0 * inf = nan``. Note the
    defaults are 0, unlike :class:`L1` and :class:`L2`.

    Parameters
    ----------
    l1 : float, default 0.0
        Non-negative L1 factor :math:`\lambda_1`; ``None`` means 0.
    l2 : float, default 0.0
        Non-negative L2 factor :math:`\lambda_2`; ``None`` means 0.

    Returns
    -------
    L1L2
        Calling it returns a scalar of the input's namespace and dtype.

    Raises
    ------
    ValueError
        If a factor is negative, infinite, NaN or not a number.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[1.0, -2.0], [0.5, 0.0]])
    >>> round(float(L1L2(l1=0.1, l2=0.1)(w)), 6)
    0.875
    >>> float(L1L2()(w))
    0.0
    """

    def __init__(self, l1: float | None = 0.0, l2: float | None = 0.0) -> None:
        self.l1 = _validate_factor(0.0 if l1 is None else l1, "l1")
        self.l2 = _validate_factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, x: Any) -> Any:
        xp = array_api_compat.array_namespace(x)
        x = _floating(x, xp)
        penalty = _zero(x, xp)
        if self.l1 != 0.0:
            penalty = penalty + self.l1 * xp.sum(xp.abs(x))
        if self.l2 != 0.0:
            penalty = penalty + self.l2 * xp.sum(x * x)
        return penalty

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


@REGULARIZERS.register(aliases=("orthogonal_regularizer",))
class OrthogonalRegularizer(Regularizer):
    r"""Penalty that pushes the rows (or columns) of a matrix to be orthogonal.

    Each row :math:`x_i` of an :math:`n \times d` matrix (each column in
    ``"columns"`` mode) is L2-normalized as in Keras's ``normalize``; the
    penalty is ``factor`` times the mean absolute dot product over the
    :math:`n(n-1)/2` distinct pairs:

    .. math::

        \hat{x}_i = \frac{x_i}{\max(\lVert x_i \rVert_2, \epsilon)}, \qquad
        \Omega(x) = f \, \frac{2}{n(n-1)} \sum_{i<j} |\hat{x}_i \cdot \hat{x}_j|,
        \qquad \epsilon = 10^{-7}

    A zero row normalizes to zero, with finite gradients. With a single row
    there are no pairs and the penalty is 0 (Keras divides 0 by 0 and
    returns NaN).

    Parameters
    ----------
    factor : float, default 0.01
        Non-negative regularization factor :math:`f`.
    mode : {"rows", "columns"}, default "rows"
        Whether the rows or the columns should be orthogonal.

    Returns
    -------
    OrthogonalRegularizer
        Calling it on a rank-2 array returns a scalar of its namespace and dtype.

    Raises
    ------
    ValueError
        If ``factor`` is not a non-negative number, ``mode`` is not one of the
        two modes, or (when called) the input is not rank 2.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[1.0, 0.0], [1.0, 1.0]])
    >>> round(float(OrthogonalRegularizer(factor=0.5)(w)), 6)
    0.353553
    >>> round(float(OrthogonalRegularizer(factor=0.5, mode="columns")(w)), 6)
    0.353553
    >>> float(OrthogonalRegularizer(factor=1.0)(np.eye(3)))
    0.0
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows") -> None:
        self.factor = _validate_factor(factor, "factor")
        if mode not in ("rows", "columns"):
            msg = f'Invalid value for argument `mode`. Expected one of {{"rows", "columns"}}. Received: mode={mode!r}'
            raise ValueError(msg)
        self.mode = mode

    def __call__(self, x: Any) -> Any:
        xp = array_api_compat.array_namespace(x)
        if x.ndim != 2:
            msg = f"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape={tuple(x.shape)}"
            raise ValueError(msg)
        x = _floating(x, xp)
        axis = 1 if self.mode == "rows" else 0
        square_sum = xp.sum(x * x, axis=axis, keepdims=True)
        unit = x / xp.sqrt(xp.clip(square_sum, EPSILON * EPSILON))
        if self.mode == "rows":
            product = unit @ xp.matrix_transpose(unit)
        else:
            product = xp.matrix_transpose(unit) @ unit
        size = x.shape[1 - axis]
        if size < 2:
            return _zero(x, xp)
        off_diagonal = product * (1.0 - xp.eye(size, dtype=x.dtype, device=device(x)))
        num_pairs = size * (size - 1) / 2.0
        return self.factor * 0.5 * xp.sum(xp.abs(off_diagonal)) / num_pairs

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor, "mode": self.mode}


# Keras's lower-case aliases are the classes themselves.
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer


def get(identifier: Any) -> Any:
    """Return a regularizer from a name, a config dict, a class, a callable or ``None``.

    Mirrors ``keras.regularizers.get``: a name or a class gives an instance
    with default arguments, a config dict is deserialized, other callables
    are returned as they are.

    Parameters
    ----------
    identifier : str, dict, type, callable or None
        A name or alias (``"l2"``, ``"L1L2"``...), a config dict as made by
        :func:`serialize`, a regularizer class, a regularizer instance or any
        callable.

    Returns
    -------
    Regularizer, callable or None

    Raises
    ------
    ValueError
        For an unknown name (listing the close valid names) or an identifier
        that is not callable.

    Examples
    --------
    >>> get("l2")
    L2(l2=0.01)
    >>> get({"class_name": "L1L2", "config": {"l1": 0.5}})
    L1L2(l1=0.5, l2=0.0)
    >>> get(None) is None
    True
    """
    return REGULARIZERS.get(identifier)


def serialize(regularizer: Any) -> Any:
    """A JSON-ready description of a regularizer: ``{"class_name": ..., "config": ...}``.

    Parameters
    ----------
    regularizer : Regularizer, str or None
        Names and ``None`` are returned unchanged.

    Returns
    -------
    dict, str or None

    Raises
    ------
    ValueError
        For a callable that is not a :class:`Regularizer` instance.

    Examples
    --------
    >>> serialize(L1L2(l1=0.5))
    {'class_name': 'L1L2', 'config': {'l1': 0.5, 'l2': 0.0}}
    >>> serialize("l2")
    'l2'
    """
    return REGULARIZERS.serialize(regularizer)


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """Inverse of :func:`serialize`: a regularizer from a config dict or a name.

    Keras's serialized dicts (with extra ``module`` and ``registered_name``
    keys) are accepted too.

    Parameters
    ----------
    config : dict, str, callable or None
        ``{"class_name": name, "config": kwargs}``, a name, or a callable
        (returned unchanged).
    custom_objects : dict, optional
        Extra ``name -> class`` entries, for regularizers defined outside
        losslab.

    Returns
    -------
    Regularizer, callable or None

    Raises
    ------
    ValueError
        For an unknown class name or a config that is neither a name nor a
        dict with ``"class_name"``.

    Examples
    --------
    >>> deserialize({"class_name": "OrthogonalRegularizer", "config": {"factor": 0.1, "mode": "columns"}})
    OrthogonalRegularizer(factor=0.1, mode='columns')
    >>> deserialize("l1")
    L1(l1=0.01)
    """
    return REGULARIZERS.deserialize(config, custom_objects)
