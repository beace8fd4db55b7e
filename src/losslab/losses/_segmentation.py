r"""Overlap losses for segmentation: Dice, Tversky and soft Jaccard (IoU).

Each compares soft masks through sums over ``axis`` (``None``: every axis,
one number for the whole batch; e.g. ``(1, 2)`` for one value per image of
shape ``(batch, height, width)``). An :math:`\epsilon = 10^{-7}` in the
denominator keeps empty masks finite: an empty target and an empty
prediction give a loss of 1.
"""

from __future__ import annotations

from typing import Any

from losslab._backend import EPSILON, as_arrays, cast_like
from losslab._checks import check_finite, check_range
from losslab.losses._loss import LossFunctionWrapper
from losslab.losses._ops import check_same_shape
from losslab.losses._registry import register_loss

_DEFAULT = "sum_over_batch_size"


def _overlap_inputs(y_true: Any, y_pred: Any, xp: Any, axis: Any, loss_name: str) -> tuple[Any, Any, Any, Any]:
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    check_same_shape(y_true, y_pred, loss_name)
    check_finite(loss_name, y_true=y_true, y_pred=y_pred)
    for name, array in (("y_true", y_true), ("y_pred", y_pred)):
        check_range(loss_name, name, array, 0.0, 1.0, "Overlap losses compare masks and probabilities.")
    axis = _axis_argument(axis)
    if axis is not None:
        for a in axis if isinstance(axis, tuple) else (axis,):
            if isinstance(a, bool) or not isinstance(a, int) or not -y_pred.ndim <= a < y_pred.ndim:
                msg = f"{loss_name}: axis must be None, an int or a tuple of ints within the rank {y_pred.ndim}; got {axis!r}"
                raise ValueError(msg)
    return xp, cast_like(y_true, y_pred, xp), y_pred, axis


def _axis_argument(axis: Any) -> Any:
    """Store a list of axes (as JSON configs give them back) as a tuple."""
    return tuple(axis) if isinstance(axis, list) else axis


def _overlap_terms(y_true: Any, y_pred: Any, axis: Any, xp: Any) -> tuple[Any, Any, Any]:
    """Soft true positives, false positives and false negatives summed over ``axis``."""
    true_pos = xp.sum(y_true * y_pred, axis=axis)
    false_pos = xp.sum((1.0 - y_true) * y_pred, axis=axis)
    false_neg = xp.sum(y_true * (1.0 - y_pred), axis=axis)
    return true_pos, false_pos, false_neg


@register_loss()
def dice(y_true: Any, y_pred: Any, *, axis: Any = None, xp: Any = None) -> Any:
    r"""Soft Dice loss.

    .. math:: \ell = 1 - \frac{2 \sum y p}{\sum y + \sum p + \epsilon}

    Parameters
    ----------
    y_true : array of shape (batch, ...)
        Target masks in [0, 1].
    y_pred : array of shape (batch, ...)
        Predicted probabilities.
    axis : int or tuple of int, optional
        Axes summed over; ``None`` sums over all of them.
    xp : namespace, optional

    Returns
    -------
    array with ``axis`` removed (a scalar for ``axis=None``)

    Examples
    --------
    >>> out = dice([[1.0, 1.0, 0.0, 0.0]], [[1.0, 0.5, 0.5, 0.0]])
    >>> round(float(out), 6)
    0.25

    See Also
    --------
    tversky, jaccard
    """
    xp, y_true, y_pred, axis = _overlap_inputs(y_true, y_pred, xp, axis, "dice")
    intersection = xp.sum(y_true * y_pred, axis=axis)
    total = xp.sum(y_true, axis=axis) + xp.sum(y_pred, axis=axis)
    return 1.0 - 2.0 * intersection / (total + EPSILON)


@register_loss()
def tversky(y_true: Any, y_pred: Any, *, alpha: float = 0.5, beta: float = 0.5, axis: Any = None, xp: Any = None) -> Any:
    r"""Tversky loss: Dice with separate weights on false positives and false negatives.

    .. math:: \ell = 1 - \frac{TP}{TP + \alpha\,FP + \beta\,FN + \epsilon},\quad
              TP = \sum y p,\; FP = \sum (1-y) p,\; FN = \sum y (1-p)

    ``alpha = beta = 0.5`` gives Dice, ``alpha = beta = 1`` soft Jaccard.
    ``alpha`` weights false positives as in Salehi et al. (2017); Keras
    <= 3.15 swapped ``alpha`` and ``beta``.

    Parameters
    ----------
    y_true : array of shape (batch, ...)
    y_pred : array of shape (batch, ...)
    alpha : float, default 0.5
        Weight of false positives.
    beta : float, default 0.5
        Weight of false negatives.
    axis : int or tuple of int, optional
    xp : namespace, optional

    Returns
    -------
    array with ``axis`` removed (a scalar for ``axis=None``)

    Examples
    --------
    >>> out = tversky([[1.0, 0.0]], [[1.0, 1.0]], alpha=0.9, beta=0.1)
    >>> round(float(out), 6)
    0.473684

    References
    ----------
    Salehi et al., "Tversky loss function for image segmentation using 3D
    fully convolutional deep networks", MLMI 2017.
    """
    xp, y_true, y_pred, axis = _overlap_inputs(y_true, y_pred, xp, axis, "tversky")
    true_pos, false_pos, false_neg = _overlap_terms(y_true, y_pred, axis, xp)
    return 1.0 - true_pos / (true_pos + alpha * false_pos + beta * false_neg + EPSILON)


@register_loss(aliases=("soft_iou", "iou"))
def jaccard(y_true: Any, y_pred: Any, *, axis: Any = None, xp: Any = None) -> Any:
    r"""Soft Jaccard (intersection over union) loss.

    .. math:: \ell = 1 - \frac{\sum y p}{\sum y + \sum p - \sum y p + \epsilon}

    Parameters
    ----------
    y_true : array of shape (batch, ...)
    y_pred : array of shape (batch, ...)
    axis : int or tuple of int, optional
    xp : namespace, optional

    Returns
    -------
    array with ``axis`` removed (a scalar for ``axis=None``)

    Examples
    --------
    >>> out = jaccard([[1.0, 1.0, 0.0]], [[1.0, 0.0, 1.0]])
    >>> round(float(out), 6)
    0.666667

    References
    ----------
    Rahman & Wang, "Optimizing Intersection-Over-Union in Deep Neural Networks
    for Image Segmentation", ISVC 2016.
    """
    xp, y_true, y_pred, axis = _overlap_inputs(y_true, y_pred, xp, axis, "jaccard")
    intersection = xp.sum(y_true * y_pred, axis=axis)
    union = xp.sum(y_true, axis=axis) + xp.sum(y_pred, axis=axis) - intersection
    return 1.0 - intersection / (union + EPSILON)


@register_loss()
class Dice(LossFunctionWrapper):
    """Class form of :func:`dice` (``axis``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(self, reduction: Any = _DEFAULT, name: str = "dice", axis: Any = None, dtype: Any = None) -> None:
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype, axis=_axis_argument(axis))


@register_loss()
class Tversky(LossFunctionWrapper):
    """Class form of :func:`tversky` (``alpha``, ``beta``, ``axis``); others as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        reduction: Any = _DEFAULT,
        name: str = "tversky",
        axis: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            tversky, reduction=reduction, name=name, dtype=dtype, alpha=alpha, beta=beta, axis=_axis_argument(axis)
        )


@register_loss(aliases=("SoftIoU",))
class Jaccard(LossFunctionWrapper):
    """Class form of :func:`jaccard` (``axis``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(self, reduction: Any = _DEFAULT, name: str = "jaccard", axis: Any = None, dtype: Any = None) -> None:
        super().__init__(jaccard, reduction=reduction, name=name, dtype=dtype, axis=_axis_argument(axis))
