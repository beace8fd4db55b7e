"""Reductions, rank alignment and sample weighting (Keras 3's ``loss.py`` rules).

One deliberate difference from Keras: a sample weight is aligned with the
*leading* axes of the per-sample losses. Keras multiplies a ``(N,)`` weight
into ``(N, T)`` losses by NumPy broadcasting, which weights the last axis, so
it fails when ``T != N`` and silently weights time steps when ``T == N``.
losslab weights samples in both cases and raises when the shapes do not fit.
"""

from __future__ import annotations

from typing import Any

from array_api_compat import size

from losslab._backend import as_array, cast_like, device

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)
"""Accepted values of ``reduction``; ``"none"`` and ``None`` both keep every value."""


def standardize_reduction(reduction: Any) -> Any:
    """Return ``reduction`` unchanged if valid, else raise a ``ValueError``."""
    if not (reduction is None or (isinstance(reduction, str) and reduction in REDUCTIONS)):
        msg = (
            f"Invalid value for argument `reduction`: {reduction!r}. Expected one of "
            f"{list(REDUCTIONS)}; use 'none' to get one loss value per sample."
        )
        raise ValueError(msg)
    return reduction


def align_ranks(x1: Any, x2: Any, xp: Any, *, expand_rank_1: bool = True) -> tuple[Any, Any]:
    """Squeeze or expand a trailing axis of size 1 when the ranks differ by one.

    This is Keras's ``squeeze_or_expand_to_same_rank``: ``(N,)`` against
    ``(N, 1)`` becomes ``(N, 1)`` against ``(N, 1)``; ``(N, T, 1)`` against
    ``(N, T)`` drops the trailing axis.
    """
    rank1, rank2 = x1.ndim, x2.ndim
    if rank1 == rank2 + 1 and x1.shape[-1] == 1:
        if rank2 == 1 and expand_rank_1:
            x2 = xp.expand_dims(x2, axis=-1)
        else:
            x1 = xp.squeeze(x1, axis=-1)
    elif rank2 == rank1 + 1 and x2.shape[-1] == 1:
        if rank1 == 1 and expand_rank_1:
            x1 = xp.expand_dims(x1, axis=-1)
        else:
            x2 = xp.squeeze(x2, axis=-1)
    return x1, x2


def divide_no_nan(numerator: Any, denominator: Any, xp: Any) -> Any:
    """``numerator / denominator``, and 0 where the denominator is 0 (gradient too)."""
    is_zero = denominator == 0
    safe = xp.where(is_zero, xp.ones_like(denominator), denominator)
    return xp.where(is_zero, xp.zeros_like(numerator), numerator / safe)


def _broadcast_weight(sample_weight: Any, values: Any, xp: Any) -> Any:
    """Align a sample weight with the leading axes of ``values``."""
    values_shape = tuple(values.shape)
    if sample_weight.ndim > 0:  # a scalar weight must not squeeze the losses
        values, sample_weight = align_ranks(values, sample_weight, xp)
        values_shape = tuple(values.shape)
    while sample_weight.ndim < values.ndim:
        sample_weight = xp.expand_dims(sample_weight, axis=-1)
    fits = sample_weight.ndim == values.ndim and all(
        w in (1, v) for w, v in zip(sample_weight.shape, values.shape, strict=True)
    )
    if not fits:
        raise ValueError(_weight_mismatch_message(tuple(sample_weight.shape), values_shape))
    return values, xp.broadcast_to(sample_weight, tuple(values.shape))


def _weight_mismatch_message(weight_shape: tuple[int, ...], values_shape: tuple[int, ...]) -> str:
    """The error for a sample weight that does not fit the per-sample losses, naming the fix."""
    head = f"sample_weight of shape {weight_shape} does not fit per-sample losses of shape {values_shape}"
    if values_shape:
        return (
            f"{head}: it must match their leading axes, e.g. {values_shape[:1]} for one weight per sample "
            f"or {values_shape} for one per value."
        )
    n = weight_shape[0] if weight_shape else 1
    return (
        f"{head}: the loss gave one value for its whole input, so there is nothing per sample to weight. "
        f"A loss that averages the last axis (mean_squared_error, huber, ...) reads arrays of shape ({n},) as "
        f"one sample of {n} values: pass y_true and y_pred of shape ({n}, 1) for {n} samples of one value each. "
        "An overlap loss with axis=None (dice, tversky, jaccard, focal_tversky) scores the whole batch at once: "
        "pass axis= over the non-batch axes (e.g. axis=(1, 2) for masks of shape (batch, height, width)) for one "
        "value per sample. Or pass a scalar sample_weight."
    )


def _mask_to_weight(mask: Any, reduction: Any, xp: Any, dtype: Any) -> Any:
    """Keras's ``apply_mask``: masked means divide by the number of valid entries."""
    float_mask = xp.astype(mask, dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        n = size(mask)  # None for lazy arrays of unknown shape: count in the graph instead
        total = (
            xp.sum(xp.ones_like(float_mask)) if n is None else xp.asarray(float(n), dtype=dtype, device=device(mask))
        )
        return float_mask * divide_no_nan(total, xp.sum(float_mask), xp)
    return float_mask


def reduce_values(values: Any, xp: Any, sample_weight: Any = None, reduction: Any = "sum_over_batch_size") -> Any:
    """Reduce (already weighted) per-sample losses to what ``reduction`` asks for.

    An empty batch reduces to 0 (Keras returns the empty array). A scalar loss
    (a whole-batch loss such as ``dice(axis=None)``) is reduced like one
    sample, so ``"mean_with_sample_weight"`` divides its weight back out.
    """
    if reduction is None or reduction == "none":
        return values
    if reduction == "sum":
        return xp.sum(values)
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return divide_no_nan(xp.sum(values), xp.sum(sample_weight), xp)
    return xp.sum(values) if size(values) == 0 else xp.mean(values)


def reduce_weighted_values(
    values: Any,
    xp: Any,
    sample_weight: Any = None,
    mask: Any = None,
    reduction: Any = "sum_over_batch_size",
) -> Any:
    """Apply ``mask`` and ``sample_weight`` to per-sample losses, then reduce.

    Parameters
    ----------
    values : array
        Per-sample losses, shape ``(batch, ...)``.
    xp : namespace
        The Array API namespace of ``values``.
    sample_weight : array, optional
        A scalar, ``(batch,)``, or any shape matching the leading axes of
        ``values`` (a trailing axis of size 1 is squeezed as Keras does).
    mask : array of bool, optional
        Valid entries; masked means count only the valid ones.
    reduction : str or None
        One of :data:`REDUCTIONS`.
    """
    reduction = standardize_reduction(reduction)
    if sample_weight is not None:
        sample_weight = cast_like(as_array(sample_weight, xp, like=values, name="sample_weight"), values, xp)
        values, sample_weight = _broadcast_weight(sample_weight, values, xp)
    if mask is not None:
        mask_weight = _mask_to_weight(mask, reduction, xp, values.dtype)
        values, mask_weight = _broadcast_weight(mask_weight, values, xp)
        sample_weight = mask_weight if sample_weight is None else sample_weight * mask_weight
    if sample_weight is not None:
        values = values * sample_weight
    return reduce_values(values, xp, sample_weight, reduction)


MULTIOUTPUT = ("uniform_average", "raw_values")
"""The string values of ``multioutput`` (scikit-learn's); an array of one weight per output is the third form."""


def standardize_multioutput(multioutput: Any, loss_name: str) -> Any:
    """``multioutput`` as ``"uniform_average"``, ``"raw_values"`` or a tuple of floats, else a ``ValueError``.

    Weights must be finite, non-negative and not all 0 (their weighted
    average divides by their sum, as ``numpy.average`` does).
    """
    if isinstance(multioutput, str):
        if multioutput in MULTIOUTPUT:
            return multioutput
    elif not isinstance(multioutput, (bool, int, float)) and multioutput is not None:
        try:
            weights = tuple(float(w) for w in _as_list(multioutput))
        except (TypeError, ValueError):
            weights = None
        if weights and all(0.0 <= w < float("inf") for w in weights) and sum(weights) > 0:
            return weights
    msg = (
        f"{loss_name}: multioutput must be 'uniform_average', 'raw_values' or a 1-D sequence of one non-negative "
        f"weight per output (not all 0), as in scikit-learn's regression metrics; got multioutput={multioutput!r}"
    )
    raise ValueError(msg)


def _as_list(values: Any) -> list[Any]:
    """A 1-D sequence or array of numbers as a list (a ``TypeError`` for anything else)."""
    if getattr(values, "ndim", 1) != 1:
        raise TypeError
    tolist = getattr(values, "tolist", None)
    return list(tolist() if callable(tolist) else values)


def reduce_per_output(
    terms: Any, xp: Any, sample_weight: Any, reduction: Any, multioutput: Any, loss_name: str = "loss"
) -> Any:
    """Weight element-wise ``terms`` of shape ``(batch, ..., outputs)``, reduce each output, then combine them.

    Each output (last axis) is reduced over the other axes by ``reduction``
    (``"mean_with_sample_weight"``: the weighted mean of that output's terms,
    scikit-learn's ``np.average(..., weights=sample_weight, axis=0)``; a
    reduction ``"none"`` keeps every weighted term). ``"raw_values"`` returns
    those per-output values, a tuple of weights their weighted average.
    ``"uniform_average"`` would be their plain mean: the per-sample losses'
    reduction, which ``Loss.__call__`` computes without this function.
    """
    reduction = standardize_reduction(reduction)
    outputs = terms.shape[-1]
    if isinstance(multioutput, tuple) and len(multioutput) != outputs:
        msg = (
            f"{loss_name}: multioutput has {len(multioutput)} weights but the inputs have {outputs} outputs "
            f"(the last axis of per-value terms of shape {tuple(terms.shape)}); pass one weight per output"
        )
        raise ValueError(msg)
    weight = None
    if sample_weight is not None:
        weight = cast_like(as_array(sample_weight, xp, like=terms, name="sample_weight"), terms, xp)
        terms, weight = _broadcast_weight(weight, terms, xp)
        terms = terms * weight
    if reduction is None or reduction == "none":
        per_output = terms
    else:
        batch_axes = tuple(range(terms.ndim - 1))
        total = xp.sum(terms, axis=batch_axes)
        if reduction == "sum":
            per_output = total
        elif reduction == "mean_with_sample_weight" and weight is not None:
            per_output = divide_no_nan(total, xp.sum(weight, axis=batch_axes), xp)
        else:
            count = 1
            for n in terms.shape[:-1]:
                count *= n
            per_output = total / float(max(count, 1))  # an empty batch: 0 per output
    if isinstance(multioutput, tuple):
        weights = xp.asarray(multioutput, dtype=terms.dtype, device=device(terms))
        return xp.sum(per_output * weights, axis=-1) / float(sum(multioutput))
    return per_output
