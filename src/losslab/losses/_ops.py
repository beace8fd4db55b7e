"""Numerically stable building blocks shared by the loss families (Array API only)."""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

from losslab._backend import EPSILON, as_array, as_arrays, cast_like, device
from losslab._checks import check_finite, value_checks_enabled
from losslab.losses._fast import (
    jax_log_softmax,
    jax_relu,
    on_jax,
    on_torch,
    torch_cumulative_sum,
    torch_log_softmax,
)
from losslab.losses._reduction import align_ranks, reduce_values

LOG2 = math.log(2.0)


def prepare_pair(y_true: Any, y_pred: Any, xp: Any, loss_name: str) -> tuple[Any, Any, Any]:
    """Inputs of an elementwise loss: one namespace, aligned ranks, equal shapes.

    ``y_true`` is cast to ``y_pred``'s floating dtype. Shapes must be equal
    after Keras's rank alignment: broadcasting ``(N,)`` against ``(N, 3)``
    would silently change the answer, so it raises instead.
    """
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    if y_true.shape != y_pred.shape:  # equal shapes (the common case) need no alignment
        y_true, y_pred = align_ranks(y_true, y_pred, xp)
        check_same_shape(y_true, y_pred, loss_name)
    if value_checks_enabled():  # (off by default; the call alone costs more than this test)
        check_finite(loss_name, y_true=y_true, y_pred=y_pred)
    return xp, cast_like(y_true, y_pred, xp), y_pred


def check_same_shape(y_true: Any, y_pred: Any, loss_name: str, hint: str = "") -> None:
    """Raise a ``ValueError`` naming both shapes when they differ."""
    if y_true.shape != y_pred.shape:
        msg = (
            f"{loss_name}: y_true and y_pred must have the same shape; got y_true "
            f"{tuple(y_true.shape)} and y_pred {tuple(y_pred.shape)}."
            f"{hint or ' Reshape one of them; losslab does not broadcast them, since that would change the answer.'}"
        )
        raise ValueError(msg)


def check_real(
    loss_name: str,
    name: str,
    value: Any,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    open_low: bool = False,
    open_high: bool = False,
    allow_inf: bool = False,
) -> float:
    """A hyperparameter as a float, or a ``ValueError`` naming it, what it got and the valid interval.

    ``value`` must be a real number (not a bool, not NaN) in ``[low, high]``,
    with either end open on request; infinite values only with ``allow_inf``.
    """
    open_low = open_low or (math.isinf(low) and not allow_inf)
    open_high = open_high or (math.isinf(high) and not allow_inf)
    if type(value) is not float:  # (a float, the common case, skips the abstract Real check: it costs 0.3 us)
        if isinstance(value, bool) or not isinstance(value, Real):
            interval = _interval(low, high, open_low, open_high)
            msg = (
                f"{loss_name}: {name} must be a float in {interval}; got {name}={value!r} of type "
                f"{type(value).__name__}"
            )
            raise ValueError(msg)
        value = float(value)
    above_low = value > low if open_low else value >= low
    below_high = value < high if open_high else value <= high
    if not (above_low and below_high):  # (NaN fails both comparisons)
        interval = _interval(low, high, open_low, open_high)
        msg = f"{loss_name}: {name} must be a float in {interval}; got {name}={value!r}"
        raise ValueError(msg)
    return value


def _interval(low: float, high: float, open_low: bool, open_high: bool) -> str:
    """``[low, high)``-style text of an interval, for error messages."""
    return f"{'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"


def check_axis(axis: Any, ndim: int, loss_name: str) -> int:
    """A valid non-negative axis for an array of rank ``ndim``."""
    if isinstance(axis, bool) or not isinstance(axis, int):
        msg = f"{loss_name}: `axis` must be an int; got axis={axis!r} of type {type(axis).__name__}"
        raise ValueError(msg)
    if not -ndim <= axis < ndim:
        msg = (
            f"{loss_name}: axis={axis} is out of range for inputs of rank {ndim}; use an axis in [{-ndim}, {ndim - 1}]"
        )
        raise ValueError(msg)
    return axis % ndim


def check_axes(axis: Any, ndim: int, loss_name: str) -> tuple[int, ...]:
    """The class axes: one int or a tuple of distinct ints in ``[-ndim, ndim)``, as non-negative ints in their order.

    A tuple names several class axes that together make the classes (optax's
    ``axis=(1, 2)``), in the order in which :func:`merge_axes` flattens them.
    """
    axes = axis if isinstance(axis, tuple) else (axis,)
    if not axes or any(isinstance(a, bool) or not isinstance(a, int) for a in axes):
        msg = f"{loss_name}: `axis` must be an int or a non-empty tuple of ints; got axis={axis!r}"
        raise ValueError(msg)
    if not all(-ndim <= a < ndim for a in axes):
        msg = f"{loss_name}: axis={axis!r} is out of range for inputs of rank {ndim}; use axes in [{-ndim}, {ndim - 1}]"
        raise ValueError(msg)
    normalised = tuple(a % ndim for a in axes)
    if len(set(normalised)) != len(normalised):
        msg = f"{loss_name}: axis={axis!r} names an axis twice (as {normalised} for rank {ndim}); give each axis once"
        raise ValueError(msg)
    return normalised


def axes_argument(axis: Any) -> Any:
    """A class form's ``axis``: a list of axes (as a JSON config gives a tuple back) as a tuple, others unchanged."""
    return tuple(axis) if isinstance(axis, list) else axis


def merge_axes(x: Any, axes: tuple[int, ...], xp: Any) -> Any:
    """``x`` with ``axes`` moved last, in their order, and flattened into one last axis (row-major).

    The other axes keep their order. This is how optax treats a tuple of
    class axes: the classes are the entries of the flattened block.
    """
    rest = tuple(a for a in range(x.ndim) if a not in axes)
    order = rest + axes
    if order != tuple(range(x.ndim)):
        x = xp.permute_dims(x, order)
    shape = tuple(x.shape)
    return xp.reshape(x, (*shape[: len(rest)], math.prod(shape[len(rest) :])))


def where_mask(where: Any, shape: tuple[int, ...], axes: tuple[int, ...], xp: Any, like: Any, loss_name: str) -> Any:
    """``where`` as a boolean array of ``shape`` (``y_pred``'s), on ``like``'s device.

    ``where`` has ``shape``, or ``shape`` without the class ``axes`` (one flag
    for each row's classes, as optax expands it); any other shape raises,
    since broadcasting it would mask the wrong entries silently. A
    non-boolean ``where`` counts its nonzero entries as ``True``.
    """
    mask = as_array(where, xp, like=like, name="where")
    shape = tuple(shape)
    rows = tuple(n for i, n in enumerate(shape) if i not in axes)
    if tuple(mask.shape) == rows and rows != shape:
        for a in sorted(axes):
            mask = xp.expand_dims(mask, axis=a)
        mask = xp.broadcast_to(mask, shape)
    elif tuple(mask.shape) != shape:
        msg = (
            f"{loss_name}: where must have the shape of y_pred {shape}, or that shape without the class axis "
            f"{rows}; got where {tuple(mask.shape)}. losslab does not broadcast it, since that would mask the "
            "wrong entries."
        )
        raise ValueError(msg)
    return mask if mask.dtype == xp.bool else mask != 0


def masked_reduce(terms: Any, where: Any, axis: int, xp: Any, *, mean: bool = False) -> Any:
    """The sum (or with ``mean`` the mean) over ``axis`` of the ``terms`` that ``where`` keeps.

    Masked terms count 0 whatever they hold, so a NaN or inf there reaches
    neither the value nor the gradient. The mean is over the kept terms of
    each row, and 0 for a row without any (not the NaN of 0/0).
    ``where=None`` keeps every term.
    """
    if where is None:
        return xp.mean(terms, axis=axis) if mean else xp.sum(terms, axis=axis)
    total = xp.sum(xp.where(where, terms, xp.zeros_like(terms)), axis=axis)
    if not mean:
        return total
    count = xp.sum(xp.astype(where, terms.dtype), axis=axis)
    return total / xp.where(count > 0, count, xp.ones_like(count))


def masked_log_softmax(x: Any, valid: Any, xp: Any) -> Any:
    """``log softmax`` of ``x`` over the last axis's ``valid`` entries (any finite value elsewhere).

    The invalid entries leave the normaliser, as ``-inf`` logits would, but
    the value and gradient stay finite for every finite input; a row without
    a valid entry gets 0s rather than the NaN of a softmax over nothing.
    """
    any_valid = xp.any(valid, axis=-1, keepdims=True)
    lowest = xp.full_like(x, xp.finfo(x.dtype).min)
    peak = xp.max(xp.where(valid, x, lowest), axis=-1, keepdims=True)
    peak = xp.where(any_valid, peak, xp.zeros_like(peak))
    shifted = xp.where(valid, x - peak, xp.zeros_like(x))
    total = xp.sum(xp.where(valid, xp.exp(shifted), xp.zeros_like(shifted)), axis=-1, keepdims=True)
    return shifted - xp.log(xp.where(any_valid, total, xp.ones_like(total)))


def mean_of_terms(terms: Any, axis: int, xp: Any, plain_mean: bool = False) -> Any:
    """The per-sample loss: the mean of element-wise terms over ``axis``.

    With ``plain_mean`` (a loss class's plain mean, see ``_fast``), the mean
    over every term instead, a 0-d array: the same number as the mean of the
    per-sample means, computed as one reduction (NumPy reduces short rows
    and then their means an order of magnitude slower, XLA on CPU at half
    the speed).

    The mean of no terms is 0 (an empty batch, as ``reduce_values`` gives), not NaN. A 0-d ``terms`` is one
    value: its own mean (0-d inputs are one sample of one value on every backend).
    """
    if plain_mean:
        return reduce_values(terms, xp)
    if terms.ndim == 0:
        return terms
    return xp.mean(terms, axis=axis)


def mean_of_samples(losses: Any, xp: Any, plain_mean: bool) -> Any:
    """Per-sample ``losses``, or with ``plain_mean`` what a class's default reduction makes of them.

    That is their mean, and 0 for an empty batch (:func:`~losslab.losses._reduction.reduce_values`).
    """
    return reduce_values(losses, xp) if plain_mean else losses


def one_value_vectors(y_true: Any, y_pred: Any, xp: Any) -> tuple[Any, Any]:
    """0-d inputs as vectors of one value, so that a reduction over the last axis gives a 0-d loss on every backend.

    A 0-d pair is one sample of one value (NumPy and torch reduce a 0-d array over ``axis=-1``, JAX does not).
    """
    if y_pred.ndim == 0:
        return xp.reshape(y_true, (1,)), xp.reshape(y_pred, (1,))
    return y_true, y_pred


def relu(x: Any, xp: Any) -> Any:
    """``max(x, 0)``, NaN kept (on JAX a select: XLA's CPU maximum is about 2x slower)."""
    if on_jax(xp):
        return jax_relu(x)
    return xp.clip(x, 0.0)


def softplus(x: Any, xp: Any) -> Any:
    """``log(1 + exp(x))`` without overflow."""
    return xp.maximum(x, xp.zeros_like(x)) + xp.log1p(xp.exp(-xp.abs(x)))


def log_sigmoid(x: Any, xp: Any) -> Any:
    """``log(sigmoid(x))`` without overflow."""
    return -softplus(-x, xp)


def sigmoid(x: Any, xp: Any) -> Any:
    """``1 / (1 + exp(-x))`` without overflow in either tail."""
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_softmax(x: Any, axis: int, xp: Any) -> Any:
    """``log(softmax(x))`` along ``axis``, shifted by the maximum for stability.

    torch and JAX use their own fused ``log_softmax`` (see ``_fast.py``).
    """
    if on_torch(xp):
        return torch_log_softmax(x, axis)
    if on_jax(xp):
        return jax_log_softmax(x, axis)
    shifted = x - xp.max(x, axis=axis, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


def cumulative_sum(x: Any, axis: int, xp: Any) -> Any:
    """The running sum along ``axis`` (torch's own ``cumsum`` on torch, see ``_fast.py``)."""
    if on_torch(xp):
        return torch_cumulative_sum(x, axis)
    return xp.cumulative_sum(x, axis=axis)


def normalize_probabilities(y_pred: Any, axis: int, xp: Any) -> Any:
    """Divide by the sum along ``axis`` then clip to ``[eps, 1 - eps]`` (Keras).

    A row summing to 0 is left at 0 (then clipped) rather than turned into NaN.
    """
    total = xp.sum(y_pred, axis=axis, keepdims=True)
    total = xp.where(total == 0, xp.ones_like(total), total)
    return clip_probability(y_pred / total, xp)


def clip_probability(p: Any, xp: Any) -> Any:
    """Clip to ``[EPSILON, 1 - EPSILON]`` as Keras does before a log."""
    return xp.clip(p, EPSILON, 1.0 - EPSILON)


def l2_normalize(x: Any, axis: Any, xp: Any) -> Any:
    """``x / max(||x||, eps)``, computed as ``x * rsqrt(max(sum x^2, eps^2))``.

    Same values as Keras's ``normalize``, but the gradient stays finite at a
    zero vector.
    """
    square_sum = xp.sum(x * x, axis=axis, keepdims=True)
    return x / xp.sqrt(xp.clip(square_sum, EPSILON**2))


def nan_out_of_range(losses: Any, labels: Any, num_classes: int, xp: Any) -> Any:
    """``losses`` with NaN where a class index lies outside ``[0, num_classes)``.

    Without value checks (``losslab.value_checks()``, which raise instead; no check runs while a function is
    traced), an impossible label must not give a plausible number: the one-hot product of such a label is 0, a
    silent wrong loss. NaN makes the whole mean NaN, on every backend and under ``jax.jit``/``torch.compile``.
    """
    valid = (labels >= 0) & (labels < num_classes)
    return xp.where(valid, losses, xp.full_like(losses, math.nan))


def one_hot(labels: Any, num_classes: int, xp: Any, dtype: Any) -> Any:
    """One-hot encode integer ``labels`` along a new last axis (all zeros out of range)."""
    classes = xp.arange(num_classes, dtype=labels.dtype, device=device(labels))
    return xp.astype(xp.expand_dims(labels, axis=-1) == classes, dtype)
