r"""Overlap losses for segmentation: Dice, Tversky and soft Jaccard (IoU).

Each compares soft masks through sums over ``axis`` (``None``: every axis,
one number for the whole batch; e.g. ``(1, 2)`` for one value per image of
shape ``(batch, height, width)``). An :math:`\epsilon = 10^{-7}` in the
denominator keeps empty masks finite: an empty target and an empty
prediction give a loss of 1. With ``ignore_index``, pixels whose target
equals it are removed from both masks before the sums.
"""

from __future__ import annotations

import math
from numbers import Integral
from typing import Any

from losslab._backend import EPSILON, as_arrays, cast_like, device
from losslab._checks import check_finite, check_labels, check_range, check_scores
from losslab.losses._classes import CLASS_OPTIONS_DOC, check_class_options, class_average, class_weights_config
from losslab.losses._loss import LossFunctionWrapper
from losslab.losses._ops import check_same_shape, cumulative_sum, log_softmax, one_hot, sigmoid

_DEFAULT = "sum_over_batch_size"


def _overlap_inputs(
    y_true: Any,
    y_pred: Any,
    xp: Any,
    axis: Any,
    loss_name: str,
    ignore_index: Any = None,
    from_logits: bool = False,
) -> tuple[Any, Any, Any, Any]:
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    check_same_shape(y_true, y_pred, loss_name)
    if from_logits:
        check_finite(loss_name, y_pred=y_pred)
        y_pred = sigmoid(y_pred, xp)
    if ignore_index is not None:  # ignored pixels count in neither mask
        valid = y_true != ignore_index
        y_true = xp.where(valid, y_true, xp.zeros_like(y_true))
        y_pred = xp.where(valid, y_pred, xp.zeros_like(y_pred))
    check_finite(loss_name, y_true=y_true, y_pred=y_pred)
    for name, array in (("y_true", y_true), ("y_pred", y_pred)):
        check_range(loss_name, name, array, 0.0, 1.0, "Overlap losses compare masks and probabilities.")
    axis = _axis_argument(axis)
    if axis is not None:
        for a in axis if isinstance(axis, tuple) else (axis,):
            if isinstance(a, bool) or not isinstance(a, int) or not -y_pred.ndim <= a < y_pred.ndim:
                msg = (
                    f"{loss_name}: axis must be None, an int or a tuple of ints within the rank {y_pred.ndim}; "
                    f"got {axis!r}"
                )
                raise ValueError(msg)
    return xp, cast_like(y_true, y_pred, xp), y_pred, axis


def _empty_batch_is_zero(losses: Any, y_pred: Any, axis: Any) -> Any:
    """``losses``, or 0 (still differentiable) for a whole-batch loss (``axis=None``) of an empty batch.

    The overlap of two empty masks is 1 - 0/epsilon = 1 per sample; an empty batch has no sample, and its loss is
    0, as every mean over an empty batch is (decided from the static shape).
    """
    return losses * 0.0 if axis is None and 0 in y_pred.shape else losses


def _axis_argument(axis: Any) -> Any:
    """Store a list of axes (as JSON configs give them back) as a tuple."""
    return tuple(axis) if isinstance(axis, list) else axis


def _ignore_argument(ignore_index: Any) -> dict[str, Any]:
    """``ignore_index`` for the config only when set, so configs without it stay Keras's."""
    return {} if ignore_index is None else {"ignore_index": ignore_index}


_MODES = ("binary", "multiclass", "multilabel")
_INTERSECTIONS = ("product", "min")
_EMPTY_TARGETS = ("formula", "zero")
_OVERLAP_DEFAULTS: dict[str, Any] = {
    "mode": None,
    "from_logits": False,
    "smooth": 0.0,
    "eps": EPSILON,
    "classes": None,
    "log_loss": False,
    "intersection": "product",
    "empty_target": "formula",
    "class_weights": None,
    "ignore_background": False,
}
"""The overlap options beyond Keras's and their defaults (a config holds only those that differ)."""


def _overlap_options(owner: str, **values: Any) -> dict[str, Any]:
    """The options of ``values`` that differ from their defaults, so configs without them stay Keras's.

    ``owner`` is the class's name, for the message of a ``class_weights`` that is not a sequence of numbers.
    """
    if values.get("class_weights") is not None:
        values["class_weights"] = class_weights_config(values["class_weights"], owner)
    return {
        key: tuple(value) if key == "classes" and isinstance(value, list) else value
        for key, value in values.items()
        if not (
            value is _OVERLAP_DEFAULTS[key]
            or (type(value) is type(_OVERLAP_DEFAULTS[key]) and value == _OVERLAP_DEFAULTS[key])
        )
    }


def _check_overlap_options(
    loss_name: str,
    mode: Any,
    intersection: Any,
    empty_target: Any,
    classes: Any,
    smooth: Any,
    log_loss: Any,
    eps: Any,
    class_weights: Any = None,
    ignore_background: Any = False,
) -> None:
    """Raise a ``ValueError`` for an unknown choice, or for an option that needs ``mode`` without one."""
    check_class_options(loss_name, mode, classes, class_weights, ignore_background)
    for name, value, allowed in (
        ("mode", mode, (None, *_MODES)),
        ("intersection", intersection, _INTERSECTIONS),
        ("empty_target", empty_target, _EMPTY_TARGETS),
    ):
        if not (value is None or isinstance(value, str)) or value not in allowed:
            msg = f"{loss_name}: {name} must be one of {', '.join(map(repr, allowed))}; got {name}={value!r}"
            raise ValueError(msg)
    if isinstance(eps, (int, float)) and not eps > 0:
        msg = f"{loss_name}: eps must be > 0 (it keeps the denominator away from 0); got eps={eps!r}"
        raise ValueError(msg)
    if mode is None:
        used = [
            f"{name}={value!r}"
            for name, value, default in (
                ("classes", classes, None),
                ("smooth", smooth, 0.0),
            )
            if not (value is default or (not isinstance(value, (list, tuple)) and value == default))
        ]
        if used:
            msg = (
                f"{loss_name}: {', '.join(used)} need mode='binary', 'multiclass' or 'multilabel' "
                "(segmentation_models_pytorch's per-class scores over the batch); got mode=None"
            )
            raise ValueError(msg)
    if classes is not None:
        if mode == "binary":
            msg = f"{loss_name}: classes picks classes of mode='multiclass' or 'multilabel'; got mode='binary'"
            raise ValueError(msg)
        items = tuple(classes) if isinstance(classes, (list, tuple)) else None
        if not items or not all(isinstance(c, Integral) and not isinstance(c, bool) for c in items):
            msg = (
                f"{loss_name}: classes must be a non-empty list of class indices (e.g. [1, 2]); got classes={classes!r}"
            )
            raise ValueError(msg)


def _intersection(y_true: Any, y_pred: Any, axis: Any, intersection: str, xp: Any) -> Any:
    """The soft true positives summed over ``axis``: ``sum y p`` (``"product"``) or ``sum min(y, p)`` (``"min"``)."""
    if intersection == "min":
        return xp.sum(xp.minimum(y_true, y_pred), axis=axis)
    return xp.sum(y_true * y_pred, axis=axis)


def _overlap_terms(y_true: Any, y_pred: Any, axis: Any, xp: Any, intersection: str = "product") -> tuple[Any, Any, Any]:
    """Soft true positives, false positives and false negatives summed over ``axis``."""
    if intersection == "min":
        true_pos = _intersection(y_true, y_pred, axis, intersection, xp)
        return true_pos, xp.sum(y_pred, axis=axis) - true_pos, xp.sum(y_true, axis=axis) - true_pos
    true_pos = xp.sum(y_true * y_pred, axis=axis)
    false_pos = xp.sum((1.0 - y_true) * y_pred, axis=axis)
    false_neg = xp.sum(y_true * (1.0 - y_pred), axis=axis)
    return true_pos, false_pos, false_neg


def _zero_where_empty(losses: Any, y_true: Any, axis: Any, empty_target: str, xp: Any) -> Any:
    """``losses`` with 0 where the target summed over ``axis`` is empty (``empty_target="zero"``)."""
    if empty_target != "zero":
        return losses
    return losses * xp.astype(xp.sum(y_true, axis=axis) > 0, losses.dtype)


def _mode_masks(
    y_true: Any, y_pred: Any, xp: Any, mode: str, from_logits: bool, ignore_index: Any, loss_name: str
) -> tuple[Any, Any, Any]:
    """``(xp, targets, probs)`` of shape ``(batch, pixels, C)`` for ``mode`` (segmentation_models_pytorch's layout).

    ``"multiclass"``: integer labels ``(batch, ...)`` one-hot encoded against ``y_pred`` ``(batch, ..., C)``
    (softmax over the last axis with ``from_logits``); ``"multilabel"``: masks and ``y_pred`` of one shape
    ``(batch, ..., C)``; ``"binary"``: masks and ``y_pred`` of one shape (``y_pred`` may carry a last axis of 1
    that ``y_true`` lacks), one class. Pixels labelled ``ignore_index`` are zero in both.
    """
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    hint = "Pass probabilities, or logits with from_logits=True."
    if mode == "multiclass":
        _check_rank(y_pred, 2, loss_name, "(batch, ..., C) with mode='multiclass'")
        labels_shape = tuple(y_pred.shape[:-1])
        if tuple(y_true.shape) != labels_shape:
            msg = (
                f"{loss_name}: with mode='multiclass' y_true holds one class index per pixel, of shape "
                f"{labels_shape} (y_pred's shape without the class axis); got y_true {tuple(y_true.shape)} and "
                f"y_pred {tuple(y_pred.shape)}. Use mode='multilabel' for one-hot masks."
            )
            raise ValueError(msg)
        if not xp.isdtype(y_true.dtype, "integral"):  # float labels, as Keras passes them: whole numbers
            y_true = xp.astype(y_true, xp.int32)
        num_classes = y_pred.shape[-1]
        check_scores(loss_name, y_pred, from_logits)
        check_labels(loss_name, y_true, num_classes, ignore_index, ignore_arg="ignore_index")
        probs = xp.exp(log_softmax(y_pred, -1, xp)) if from_logits else y_pred
        targets = one_hot(y_true, num_classes, xp, y_pred.dtype)
        valid = None if ignore_index is None else xp.expand_dims(y_true != ignore_index, axis=-1)
    else:
        if mode == "binary" and y_true.ndim == y_pred.ndim - 1 and y_pred.ndim > 1 and y_pred.shape[-1] == 1:
            y_true = xp.expand_dims(y_true, axis=-1)  # (batch, ...) masks for (batch, ..., 1) scores
        check_same_shape(y_true, y_pred, loss_name)
        _check_rank(y_pred, 2 if mode == "multilabel" else 1, loss_name, f"(batch, ...) with mode={mode!r}")
        check_finite(loss_name, y_pred=y_pred)
        probs = sigmoid(y_pred, xp) if from_logits else y_pred
        targets = cast_like(y_true, y_pred, xp)
        valid = None if ignore_index is None else y_true != ignore_index
    if valid is not None:
        targets = xp.where(valid, targets, xp.zeros_like(targets))
        probs = xp.where(valid, probs, xp.zeros_like(probs))
    check_finite(loss_name, y_true=targets)
    check_range(loss_name, "y_true", targets, 0.0, 1.0, "Overlap losses compare masks and probabilities.")
    if not from_logits:
        check_range(loss_name, "y_pred", probs, 0.0, 1.0, hint)
    classes = 1 if mode == "binary" else y_pred.shape[-1]
    pixels = math.prod(y_pred.shape[1:]) // classes if classes else 0
    shape = (y_pred.shape[0], pixels, classes)
    return xp, xp.reshape(targets, shape), xp.reshape(probs, shape)


def _mode_loss(
    y_true: Any,
    y_pred: Any,
    xp: Any,
    loss_name: str,
    *,
    alpha: float,
    beta: float,
    mode: str,
    from_logits: bool,
    smooth: float,
    eps: float,
    classes: Any,
    log_loss: bool,
    intersection: str,
    empty_target: str,
    ignore_index: Any,
    gamma: float | None = None,
    class_weights: Any = None,
    ignore_background: bool = False,
) -> Any:
    """The mean over classes of the per-class Tversky losses summed over the batch and its pixels (a scalar)."""
    xp, targets, probs = _mode_masks(y_true, y_pred, xp, mode, from_logits, ignore_index, loss_name)
    axes = (0, 1)
    true_pos, false_pos, false_neg = _overlap_terms(targets, probs, axes, xp, intersection)
    score = (true_pos + smooth) / xp.clip(true_pos + alpha * false_pos + beta * false_neg + smooth, eps)
    losses = -xp.log(xp.clip(score, eps)) if log_loss else 1.0 - score
    losses = _zero_where_empty(losses, targets, axes, empty_target, xp)
    loss = class_average(
        losses, xp, loss_name, classes=classes, class_weights=class_weights, ignore_background=ignore_background
    )
    if gamma is not None:
        loss = xp.clip(loss, EPSILON) ** gamma
    return loss * 0.0 if 0 in probs.shape[:2] else loss


def _overlap(
    y_true: Any,
    y_pred: Any,
    xp: Any,
    loss_name: str,
    kind: str,
    options: dict[str, Any],
    alpha: float = 0.5,
    beta: float = 0.5,
    gamma: float | None = None,
) -> Any:
    """The overlap loss ``kind`` (``"dice"``, ``"jaccard"`` or ``"tversky"``) with the options of :func:`dice`.

    ``gamma``: the loss (clipped at epsilon) raised to that power, as :func:`focal_tversky`.
    """
    axis, ignore_index, mode = options["axis"], options["ignore_index"], options["mode"]
    _check_overlap_options(
        loss_name,
        mode,
        options["intersection"],
        options["empty_target"],
        options["classes"],
        options["smooth"],
        options["log_loss"],
        options["eps"],
        options["class_weights"],
        options["ignore_background"],
    )
    intersection, empty_target, eps = options["intersection"], options["empty_target"], options["eps"]
    if mode is not None:
        if axis is not None:
            msg = (
                f"{loss_name}: with mode={mode!r} the sums run over the batch and the pixels of each class; "
                f"got axis={axis!r}. Leave axis=None, or pass mode=None for sums over axis."
            )
            raise ValueError(msg)
        weights = {"dice": (0.5, 0.5), "jaccard": (1.0, 1.0)}.get(kind, (alpha, beta))
        return _mode_loss(
            y_true,
            y_pred,
            xp,
            loss_name,
            alpha=weights[0],
            beta=weights[1],
            mode=mode,
            from_logits=options["from_logits"],
            smooth=options["smooth"],
            eps=eps,
            classes=options["classes"],
            log_loss=options["log_loss"],
            intersection=intersection,
            empty_target=empty_target,
            ignore_index=ignore_index,
            gamma=gamma,
            class_weights=options["class_weights"],
            ignore_background=options["ignore_background"],
        )
    xp, y_true, y_pred, axis = _overlap_inputs(
        y_true, y_pred, xp, axis, loss_name, ignore_index, options["from_logits"]
    )
    if kind == "tversky":
        true_pos, false_pos, false_neg = _overlap_terms(y_true, y_pred, axis, xp, intersection)
        score = true_pos / (true_pos + alpha * false_pos + beta * false_neg + eps)
    else:
        common = _intersection(y_true, y_pred, axis, intersection, xp)
        total = xp.sum(y_true, axis=axis) + xp.sum(y_pred, axis=axis)
        score = 2.0 * common / (total + eps) if kind == "dice" else common / (total - common + eps)
    losses = -xp.log(xp.clip(score, eps)) if options["log_loss"] else 1.0 - score
    losses = _zero_where_empty(losses, y_true, axis, empty_target, xp)
    if gamma is not None:
        losses = xp.clip(losses, EPSILON) ** gamma
    return _empty_batch_is_zero(losses, y_pred, axis)


_OPTIONS_DOC = """axis : int or tuple of int, optional
        Axes summed over; ``None`` sums over all of them. Must be ``None`` with ``mode``.
    ignore_index : float, optional
        A target value marking pixels to leave out (e.g. 255).
    mode : {None, "binary", "multiclass", "multilabel"}, default None
        ``None``: ``y_true`` and ``y_pred`` are masks of one shape, summed over ``axis``. Otherwise
        segmentation_models_pytorch's modes, classes last: ``"binary"`` masks ``(batch, ...)`` (``y_pred`` may
        carry a last axis of 1); ``"multiclass"`` integer labels ``(batch, ...)`` against ``y_pred``
        ``(batch, ..., C)``; ``"multilabel"`` masks and ``y_pred`` of shape ``(batch, ..., C)``. One score per
        class from sums over the batch and the pixels, and the loss is the mean over classes (a scalar).
    from_logits : bool, default False
        ``y_pred`` holds logits: a sigmoid is applied (a softmax over the last axis with
        ``mode="multiclass"``).
    smooth : float, default 0
        Added to the numerator and the denominator of each score (with ``mode``).
    eps : float, default 1e-7
        Keeps the denominator away from 0: added to it without ``mode``, its lower bound with ``mode``
        (and the lower bound of the score under the log of ``log_loss``).
    classes : list of int, optional
        With ``mode="multiclass"`` or ``"multilabel"``: the classes averaged (all by default).
    log_loss : bool, default False
        :math:`-\\log(\\max(s, \\epsilon))` instead of :math:`1 - s`, for the score :math:`s` of each sample
        (each class with ``mode``).
    intersection : {"product", "min"}, default "product"
        The soft overlap: :math:`\\sum y p` (losslab's), or :math:`\\sum \\min(y, p)` (segmentation_models_pytorch's;
        the same for 0/1 targets, smaller for soft targets).
    empty_target : {"formula", "zero"}, default "formula"
        A sample (without ``mode``) or class (with ``mode``) whose target is empty: the formula's value
        (losslab's policy: 1 with ``smooth=0``, whatever the prediction), or 0 (segmentation_models_pytorch's
        policy: an empty target contributes nothing, whatever the prediction)."""


def _document_options(fn: Any) -> Any:
    """Write the shared options' text (``{options}``) into ``fn``'s docstring."""
    fn.__doc__ = fn.__doc__.replace("{options}", f"{_OPTIONS_DOC}\n    {CLASS_OPTIONS_DOC}")
    return fn


@_document_options
def dice(
    y_true: Any,
    y_pred: Any,
    *,
    axis: Any = None,
    ignore_index: Any = None,
    mode: str | None = None,
    from_logits: bool = False,
    smooth: float = 0.0,
    eps: float = EPSILON,
    classes: Any = None,
    log_loss: bool = False,
    intersection: str = "product",
    empty_target: str = "formula",
    class_weights: Any = None,
    ignore_background: bool = False,
    xp: Any = None,
) -> Any:
    r"""Soft Dice loss.

    .. math:: \ell = 1 - \frac{2 \sum y p}{\sum y + \sum p + \epsilon}

    With ``mode`` (segmentation_models_pytorch's ``DiceLoss``), one score per class :math:`c`, from sums over
    the batch and the pixels, and the mean over the classes:

    .. math:: s_c = \frac{I_c + \mathrm{smooth}}{\max\big(\tfrac12(\sum y_c + \sum p_c) + \mathrm{smooth},\,
              \epsilon\big)}, \qquad \ell = \frac{1}{|C|}\sum_c (1 - s_c)

    where :math:`I_c` is the intersection (``"product"``: :math:`\sum y_c p_c`; ``"min"``:
    :math:`\sum \min(y_c, p_c)`). segmentation_models_pytorch's ``DiceLoss(mode)`` (which takes logits by
    default) is ``dice(..., mode=mode, from_logits=True, intersection="min", empty_target="zero")``.

    Parameters
    ----------
    y_true : array of shape (batch, ...)
        Target masks in [0, 1]; integer labels with ``mode="multiclass"`` (float labels are cast to integers).
    y_pred : array of shape (batch, ...)
        Predicted probabilities (logits with ``from_logits``); ``(batch, ..., C)`` with ``mode="multiclass"``
        or ``"multilabel"``.
    {options}
    xp : namespace, optional

    Returns
    -------
    array with ``axis`` removed (a scalar for ``axis=None`` and with ``mode``)

    Examples
    --------
    >>> out = dice([[1.0, 1.0, 0.0, 0.0]], [[1.0, 0.5, 0.5, 0.0]])
    >>> round(float(out), 6)
    0.25

    Two classes, labels of 3 pixels: class 0 scores 1.6 / 2, class 1 scores 0.6 / 1.

    >>> probs = [[[0.9, 0.1], [0.7, 0.3], [0.4, 0.6]]]
    >>> round(float(dice([[0, 0, 1]], probs, mode="multiclass")), 6)  # 1 - (0.8 + 0.6) / 2
    0.3

    Class 1 weighted three times, or class 0 (the background) left out:

    >>> round(float(dice([[0, 0, 1]], probs, mode="multiclass", class_weights=[1.0, 3.0])), 6)  # (0.2 + 3 * 0.4) / 4
    0.35
    >>> round(float(dice([[0, 0, 1]], probs, mode="multiclass", ignore_background=True)), 6)  # 1 - 0.6
    0.4

    See Also
    --------
    tversky, jaccard
    """
    options = locals().copy()
    return _overlap(y_true, y_pred, xp, "dice", "dice", options)


@_document_options
def tversky(
    y_true: Any,
    y_pred: Any,
    *,
    alpha: float = 0.5,
    beta: float = 0.5,
    axis: Any = None,
    ignore_index: Any = None,
    mode: str | None = None,
    from_logits: bool = False,
    smooth: float = 0.0,
    eps: float = EPSILON,
    classes: Any = None,
    log_loss: bool = False,
    intersection: str = "product",
    empty_target: str = "formula",
    class_weights: Any = None,
    ignore_background: bool = False,
    xp: Any = None,
) -> Any:
    r"""Tversky loss: Dice with separate weights on false positives and false negatives.

    .. math:: \ell = 1 - \frac{TP}{TP + \alpha\,FP + \beta\,FN + \epsilon},\quad
              TP = \sum y p,\; FP = \sum (1-y) p,\; FN = \sum y (1-p)

    ``alpha = beta = 0.5`` gives Dice, ``alpha = beta = 1`` soft Jaccard.
    ``alpha`` weights false positives as in Salehi et al. (2017); Keras
    <= 3.15 swapped ``alpha`` and ``beta``.

    With ``mode`` (segmentation_models_pytorch's ``TverskyLoss`` with ``gamma=1``; see :func:`focal_tversky`
    for its ``gamma``), one score per class from sums over the batch and the pixels, and the mean over classes:

    .. math:: s_c = \frac{TP_c + \mathrm{smooth}}{\max(TP_c + \alpha FP_c + \beta FN_c + \mathrm{smooth},\,
              \epsilon)}, \quad FP_c = \sum p_c - TP_c,\; FN_c = \sum y_c - TP_c

    Parameters
    ----------
    y_true : array of shape (batch, ...)
    y_pred : array of shape (batch, ...)
    alpha : float, default 0.5
        Weight of false positives.
    beta : float, default 0.5
        Weight of false negatives.
    {options}
    xp : namespace, optional

    Returns
    -------
    array with ``axis`` removed (a scalar for ``axis=None`` and with ``mode``)

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
    options = locals().copy()
    return _overlap(y_true, y_pred, xp, "tversky", "tversky", options, alpha, beta)


@_document_options
def jaccard(
    y_true: Any,
    y_pred: Any,
    *,
    axis: Any = None,
    ignore_index: Any = None,
    mode: str | None = None,
    from_logits: bool = False,
    smooth: float = 0.0,
    eps: float = EPSILON,
    classes: Any = None,
    log_loss: bool = False,
    intersection: str = "product",
    empty_target: str = "formula",
    class_weights: Any = None,
    ignore_background: bool = False,
    xp: Any = None,
) -> Any:
    r"""Soft Jaccard (intersection over union) loss.

    .. math:: \ell = 1 - \frac{\sum y p}{\sum y + \sum p - \sum y p + \epsilon}

    With ``mode`` (segmentation_models_pytorch's ``JaccardLoss``), one score per class from sums over the
    batch and the pixels, and the mean over classes:

    .. math:: s_c = \frac{I_c + \mathrm{smooth}}{\max(\sum y_c + \sum p_c - I_c + \mathrm{smooth},\, \epsilon)}

    Parameters
    ----------
    y_true : array of shape (batch, ...)
    y_pred : array of shape (batch, ...)
    {options}
    xp : namespace, optional

    Returns
    -------
    array with ``axis`` removed (a scalar for ``axis=None`` and with ``mode``)

    Examples
    --------
    >>> out = jaccard([[1.0, 1.0, 0.0]], [[1.0, 0.0, 1.0]])
    >>> round(float(out), 6)
    0.666667

    A soft target of 0.5 against 0.8: the product overlaps 0.4, the minimum 0.5.

    >>> round(float(jaccard([[0.5]], [[0.8]], mode="binary", intersection="min")), 6)  # 1 - 0.5 / 0.8
    0.375

    References
    ----------
    Rahman & Wang, "Optimizing Intersection-Over-Union in Deep Neural Networks
    for Image Segmentation", ISVC 2016.
    """
    options = locals().copy()
    return _overlap(y_true, y_pred, xp, "jaccard", "jaccard", options)


class _OverlapClass(LossFunctionWrapper):
    """Shared ``call``: the overlap losses with ``mode`` take label maps of another rank than ``y_pred``."""

    def call(self, y_true: Any, y_pred: Any) -> Any:
        if self._fn_kwargs.get("mode") is not None:  # no rank alignment: the mode defines the shapes
            return self.fn(y_true, y_pred, **self._fn_kwargs)
        return super().call(y_true, y_pred)


class Dice(_OverlapClass):
    """Class form of :func:`dice` (``axis`` and the options of :func:`dice`); others as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        reduction: Any = _DEFAULT,
        name: str = "dice",
        axis: Any = None,
        dtype: Any = None,
        ignore_index: Any = None,
        mode: str | None = None,
        from_logits: bool = False,
        smooth: float = 0.0,
        eps: float = EPSILON,
        classes: Any = None,
        log_loss: bool = False,
        intersection: str = "product",
        empty_target: str = "formula",
        class_weights: Any = None,
        ignore_background: bool = False,
    ) -> None:
        super().__init__(
            dice,
            reduction=reduction,
            name=name,
            dtype=dtype,
            axis=_axis_argument(axis),
            **_ignore_argument(ignore_index),
            **_overlap_options(
                type(self).__name__,
                mode=mode,
                from_logits=from_logits,
                smooth=smooth,
                eps=eps,
                classes=classes,
                log_loss=log_loss,
                intersection=intersection,
                empty_target=empty_target,
                class_weights=class_weights,
                ignore_background=ignore_background,
            ),
        )
        _check_overlap_options(
            type(self).__name__,
            mode,
            intersection,
            empty_target,
            classes,
            smooth,
            log_loss,
            eps,
            class_weights,
            ignore_background,
        )


class Tversky(_OverlapClass):
    """Class form of :func:`tversky` (``alpha``, ``beta``, ``axis``, the options of :func:`dice`)."""

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        reduction: Any = _DEFAULT,
        name: str = "tversky",
        axis: Any = None,
        dtype: Any = None,
        ignore_index: Any = None,
        mode: str | None = None,
        from_logits: bool = False,
        smooth: float = 0.0,
        eps: float = EPSILON,
        classes: Any = None,
        log_loss: bool = False,
        intersection: str = "product",
        empty_target: str = "formula",
        class_weights: Any = None,
        ignore_background: bool = False,
    ) -> None:
        super().__init__(
            tversky,
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            beta=beta,
            axis=_axis_argument(axis),
            **_ignore_argument(ignore_index),
            **_overlap_options(
                type(self).__name__,
                mode=mode,
                from_logits=from_logits,
                smooth=smooth,
                eps=eps,
                classes=classes,
                log_loss=log_loss,
                intersection=intersection,
                empty_target=empty_target,
                class_weights=class_weights,
                ignore_background=ignore_background,
            ),
        )
        _check_overlap_options(
            type(self).__name__,
            mode,
            intersection,
            empty_target,
            classes,
            smooth,
            log_loss,
            eps,
            class_weights,
            ignore_background,
        )


class Jaccard(_OverlapClass):
    """Class form of :func:`jaccard` (``axis`` and the options of :func:`dice`); others as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        reduction: Any = _DEFAULT,
        name: str = "jaccard",
        axis: Any = None,
        dtype: Any = None,
        ignore_index: Any = None,
        mode: str | None = None,
        from_logits: bool = False,
        smooth: float = 0.0,
        eps: float = EPSILON,
        classes: Any = None,
        log_loss: bool = False,
        intersection: str = "product",
        empty_target: str = "formula",
        class_weights: Any = None,
        ignore_background: bool = False,
    ) -> None:
        super().__init__(
            jaccard,
            reduction=reduction,
            name=name,
            dtype=dtype,
            axis=_axis_argument(axis),
            **_ignore_argument(ignore_index),
            **_overlap_options(
                type(self).__name__,
                mode=mode,
                from_logits=from_logits,
                smooth=smooth,
                eps=eps,
                classes=classes,
                log_loss=log_loss,
                intersection=intersection,
                empty_target=empty_target,
                class_weights=class_weights,
                ignore_background=ignore_background,
            ),
        )
        _check_overlap_options(
            type(self).__name__,
            mode,
            intersection,
            empty_target,
            classes,
            smooth,
            log_loss,
            eps,
            class_weights,
            ignore_background,
        )


def _soft_overlap_axes(y_pred: Any) -> tuple[int, ...]:
    """Every axis but the first (the batch) and the last (the classes)."""
    return tuple(range(1, y_pred.ndim - 1))


def _check_ignore_index(ignore_index: Any, loss_name: str) -> None:
    """Raise unless ``ignore_index`` is ``None`` or an integer class label."""
    if ignore_index is not None and (isinstance(ignore_index, bool) or not isinstance(ignore_index, Integral)):
        msg = f"{loss_name}: ignore_index must be an int label (e.g. 255) or None; got ignore_index={ignore_index!r}"
        raise ValueError(msg)


def _class_masks(y_true: Any, y_pred: Any, xp: Any, ignore_index: Any) -> tuple[Any, Any, Any]:
    """``(xp, targets, y_pred)`` of one shape ``(batch, ..., C)`` for :func:`generalized_dice`.

    Integer label maps (one axis fewer than ``y_pred``) are one-hot encoded; pixels labelled
    ``ignore_index`` become zero in both arrays, so they leave every class's sums.
    """
    name = "generalized_dice"
    _check_ignore_index(ignore_index, name)
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    if y_pred.ndim < 3:
        msg = f"{name}: y_pred must be (batch, ..., classes) with at least one spatial axis; got {tuple(y_pred.shape)}"
        raise ValueError(msg)
    labels_shape = tuple(y_pred.shape[:-1])
    if y_true.ndim != y_pred.ndim - 1:  # one-hot or soft targets, classes last
        if ignore_index is not None:
            msg = (
                f"{name}: ignore_index needs integer label maps, y_true of shape {labels_shape} (y_pred's shape "
                f"without the class axis); got y_true {tuple(y_true.shape)} for y_pred {tuple(y_pred.shape)}. Pass "
                "the class indices (e.g. the argmax of one-hot targets, with ignored pixels set to ignore_index)."
            )
            raise ValueError(msg)
        hint = f" Pass one-hot targets of y_pred's shape, or integer class indices of shape {labels_shape}."
        check_same_shape(y_true, y_pred, name, hint)
        xp, y_true, y_pred, _ = _overlap_inputs(y_true, y_pred, xp, None, name)
        return xp, y_true, y_pred
    if not xp.isdtype(y_true.dtype, "integral"):
        msg = (
            f"{name}: y_true with one axis fewer than y_pred holds class indices and must have an integer dtype; "
            f"got y_true {tuple(y_true.shape)} of dtype {y_true.dtype}. Cast the labels to an integer dtype, or pass "
            "one-hot targets of y_pred's shape."
        )
        raise TypeError(msg)
    if tuple(y_true.shape) != labels_shape:
        msg = (
            f"{name}: y_true must hold one class index per pixel, of shape {labels_shape} (y_pred's shape without "
            f"the class axis); got y_true {tuple(y_true.shape)} and y_pred {tuple(y_pred.shape)}"
        )
        raise ValueError(msg)
    check_finite(name, y_pred=y_pred)
    check_range(name, "y_pred", y_pred, 0.0, 1.0, "Overlap losses compare masks and probabilities.")
    check_labels(name, y_true, y_pred.shape[-1], ignore_index, ignore_arg="ignore_index")
    targets = one_hot(y_true, y_pred.shape[-1], xp, y_pred.dtype)
    if ignore_index is not None:  # ignored pixels count in neither mask, for every class
        valid = xp.expand_dims(y_true != ignore_index, axis=-1)
        targets = xp.where(valid, targets, xp.zeros_like(targets))
        y_pred = xp.where(valid, y_pred, xp.zeros_like(y_pred))
    return xp, targets, y_pred


def generalized_dice(y_true: Any, y_pred: Any, *, ignore_index: int | None = None, xp: Any = None) -> Any:
    r"""Generalized Dice loss (Sudre et al., 2017): Dice with each class weighted by its inverse squared volume.

    .. math:: \ell = 1 - 2\,\frac{\sum_c w_c \sum_{i \in \Omega} y_{ic} p_{ic}}
              {\sum_c w_c \sum_{i \in \Omega} (y_{ic} + p_{ic}) + \epsilon},
              \quad w_c = \frac{1}{\max(\sum_{i \in \Omega} y_{ic}, 1)^2}

    Sums run over the pixels :math:`\Omega` of each sample (its spatial axes): all of them, or with
    ``ignore_index`` those whose label is not ``ignore_index``. Integer labels are one-hot encoded first.

    **Empty ground truth.** A class absent from a sample's ground truth is weighted as if it had one pixel
    (a common policy is an infinite weight; this one keeps the loss finite and still penalises predicted
    mass for the class). An empty prediction and empty ground truth give 1.

    **Ignored pixels** (as segmentation_models_pytorch's multiclass Dice) leave both the target and the
    prediction sums of every class, and the class volumes. ``ignore_index`` needs integer label maps; it may
    be a class in ``[0, C)`` (e.g. background) or any other value (e.g. 255). A sample whose pixels are all
    ignored has nothing left to compare: it gives 1 with a zero gradient, as :func:`dice` does. A label
    outside ``[0, C)`` that is not ``ignore_index`` is one-hot encoded as no class (its predicted mass
    counts as a false positive); :func:`losslab.set_value_checks` turns it into an error.

    Parameters
    ----------
    y_true : array of shape (batch, ..., C), or int array of shape (batch, ...)
        One-hot (or soft) masks, classes last; or integer class indices, one per pixel.
    y_pred : array of shape (batch, ..., C)
        Class probabilities, with at least one spatial axis.
    ignore_index : int, optional
        A label marking pixels to leave out (integer ``y_true`` only).
    xp : namespace, optional

    Returns
    -------
    array of shape (batch,)

    Examples
    --------
    >>> y = [[[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]]
    >>> out = generalized_dice(y, y)
    >>> round(float(out[0]), 6)
    0.0

    Integer labels with an ignored pixel: class 0 has volume 2 (weight 1/4), class 1 volume 1.

    >>> probs = [[[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.5, 0.5]]]
    >>> out = generalized_dice([[0, 0, 1, 255]], probs, ignore_index=255)
    >>> round(float(out[0]), 6)  # 1 - 2 (1.7 / 4 + 0.7) / ((2 + 2) / 4 + (1 + 1))
    0.25

    References
    ----------
    Sudre et al., "Generalised Dice overlap as a deep learning loss function for highly unbalanced
    segmentations", DLMIA 2017.

    See Also
    --------
    dice, lovasz_softmax
    """
    xp, y_true, y_pred = _class_masks(y_true, y_pred, xp, ignore_index)
    axes = _soft_overlap_axes(y_pred)
    volume = xp.sum(y_true, axis=axes)
    weight = 1.0 / xp.clip(volume, 1.0) ** 2
    intersection = xp.sum(weight * xp.sum(y_true * y_pred, axis=axes), axis=-1)
    total = xp.sum(weight * (volume + xp.sum(y_pred, axis=axes)), axis=-1)
    return 1.0 - 2.0 * intersection / (total + EPSILON)


@_document_options
def focal_tversky(
    y_true: Any,
    y_pred: Any,
    *,
    alpha: float = 0.5,
    beta: float = 0.5,
    gamma: float = 0.75,
    axis: Any = None,
    ignore_index: Any = None,
    mode: str | None = None,
    from_logits: bool = False,
    smooth: float = 0.0,
    eps: float = EPSILON,
    classes: Any = None,
    log_loss: bool = False,
    intersection: str = "product",
    empty_target: str = "formula",
    class_weights: Any = None,
    ignore_background: bool = False,
    xp: Any = None,
) -> Any:
    r"""Focal Tversky loss (Abraham & Khan, 2019): the Tversky loss raised to a power.

    .. math:: \ell = (1 - TI)^{\gamma}, \quad TI = \frac{TP}{TP + \alpha FP + \beta FN + \epsilon}

    ``gamma < 1`` (0.75, the paper's :math:`1/\gamma` with :math:`\gamma = 4/3`) raises the loss of
    well-segmented samples relative to plain Tversky and focuses training on hard ones. The base is
    clipped at :math:`\epsilon`, so the gradient is finite at a perfect prediction (an empty target with
    ``empty_target="zero"`` contributes :math:`\epsilon^\gamma`, not 0).

    With ``mode`` the base is :func:`tversky`'s mean over classes, as in segmentation_models_pytorch's
    ``TverskyLoss(mode, gamma=gamma)``: :math:`\ell = \max(\bar\ell, \epsilon)^\gamma`.

    Parameters
    ----------
    y_true, y_pred : array of shape (batch, ...)
    alpha : float, default 0.5
        Weight of false positives.
    beta : float, default 0.5
        Weight of false negatives.
    gamma : float, default 0.75
        Exponent, > 0.
    {options}
    xp : namespace, optional

    Returns
    -------
    array with ``axis`` removed (a scalar for ``axis=None`` and with ``mode``)

    Examples
    --------
    >>> out = focal_tversky([[1.0, 0.0]], [[1.0, 1.0]], alpha=0.5, beta=0.5, gamma=1.0)
    >>> round(float(out), 6)
    0.333333

    References
    ----------
    Abraham & Khan, "A Novel Focal Tversky Loss Function with Improved Attention U-Net for Lesion
    Segmentation", ISBI 2019.
    """
    if gamma <= 0:
        msg = f"focal_tversky: gamma must be > 0; got gamma={gamma}"
        raise ValueError(msg)
    options = locals().copy()
    return _overlap(y_true, y_pred, xp, "focal_tversky", "tversky", options, alpha, beta, gamma)


def _check_rank(y_pred: Any, min_ndim: int, loss_name: str, shape: str) -> None:
    """Raise a ``ValueError`` when ``y_pred`` has fewer than ``min_ndim`` axes (a 0-d input has no batch axis)."""
    if y_pred.ndim < min_ndim:
        msg = f"{loss_name}: y_pred must have shape {shape}; got shape {tuple(y_pred.shape)}. Add the missing axes."
        raise ValueError(msg)


def _rows_and_pixels(shape: tuple[int, ...], per_image: bool) -> tuple[int, int]:
    """The ``(rows, pixels)`` shape of a batch of images ``shape``: one row per image, or one for the batch.

    Counted from the static shape (an empty batch has 0 rows, where a reshape cannot infer ``-1``).
    """
    total = math.prod(shape)
    if not per_image:
        return 1, total
    return shape[0], math.prod(shape[1:])


def _lovasz_gradient(truth_sorted: Any, xp: Any) -> Any:
    """Gradient of the Lovasz extension of the Jaccard loss at errors sorted in decreasing order (axis 1)."""
    total = xp.sum(truth_sorted, axis=1, keepdims=True)
    intersection = total - cumulative_sum(truth_sorted, 1, xp)
    union = total + cumulative_sum(1.0 - truth_sorted, 1, xp)
    jaccard = 1.0 - intersection / union
    return xp.concat([jaccard[:, :1], jaccard[:, 1:] - jaccard[:, :-1]], axis=1)


def _lovasz(errors: Any, truth: Any, xp: Any) -> Any:
    """``sum_i sorted(errors)_i * lovasz_gradient_i`` for each row of ``(rows, pixels)`` (0 for no pixels)."""
    if errors.shape[1] == 0:  # an empty batch as one image: nothing to sort, and no first pixel to slice
        return xp.sum(errors, axis=1)
    order = xp.argsort(errors, axis=1, descending=True)
    errors_sorted = xp.take_along_axis(errors, order, axis=1)
    truth_sorted = xp.take_along_axis(truth, order, axis=1)
    return xp.sum(errors_sorted * _lovasz_gradient(truth_sorted, xp), axis=1)


def lovasz_hinge(
    y_true: Any, y_pred: Any, *, per_image: bool = True, ignore_index: int | None = None, xp: Any = None
) -> Any:
    r"""Lovasz hinge loss (Berman et al., 2018): a convex surrogate of the binary Jaccard loss.

    .. math:: \ell = \overline{\Delta_J}\big(\max(0, 1 - (2y - 1) f)\big)

    the Lovasz extension of the Jaccard loss evaluated at the hinge errors, sorted in decreasing order.
    With empty ground truth the Jaccard gradient puts all weight on the largest error, so the loss is
    the largest hinge error (the worst false positive). Pixels labelled ``ignore_index`` are left out.

    Parameters
    ----------
    y_true : array of shape (batch, ...)
        Binary masks in {0, 1} (and ``ignore_index``).
    y_pred : array of shape (batch, ...)
        Logits (scores), not probabilities.
    per_image : bool, default True
        One loss per image; ``False`` treats the batch as one image (a scalar).
    ignore_index : int, optional
    xp : namespace, optional

    Returns
    -------
    array of shape (batch,), or a scalar when ``per_image=False``

    Examples
    --------
    >>> out = lovasz_hinge([[1.0, 0.0]], [[2.0, -3.0]])
    >>> float(out[0])
    0.0

    References
    ----------
    Berman, Triki & Blaschko, "The Lovasz-Softmax loss: A tractable surrogate for the optimization of the
    intersection-over-union measure in neural networks", CVPR 2018.
    """
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    check_same_shape(y_true, y_pred, "lovasz_hinge")
    _check_rank(y_pred, 1, "lovasz_hinge", "(batch, ...)")
    rows, pixels = _rows_and_pixels(y_pred.shape, per_image)
    scores = xp.reshape(y_pred, (rows, pixels))
    labels = xp.reshape(cast_like(y_true, y_pred, xp), (rows, pixels))
    valid = None if ignore_index is None else labels != ignore_index
    truth = labels if valid is None else xp.where(valid, labels, xp.zeros_like(labels))
    errors = xp.clip(1.0 - scores * (2.0 * truth - 1.0), 0.0)
    if valid is not None:
        errors = xp.where(valid, errors, xp.zeros_like(errors))  # sorted last, weightless
    losses = _lovasz(errors, truth, xp)
    return losses if per_image else losses[0]


def lovasz_softmax(
    y_true: Any,
    y_pred: Any,
    *,
    classes: str = "present",
    per_image: bool = False,
    ignore_index: int | None = None,
    from_logits: bool = False,
    xp: Any = None,
) -> Any:
    r"""Lovasz-softmax loss (Berman et al., 2018): a surrogate of the mean Jaccard index over classes.

    .. math:: \ell = \frac{1}{|\mathcal{C}|} \sum_{c \in \mathcal{C}} \overline{\Delta_{J_c}}\big(|y_c - p_c|\big)

    With ``classes="present"`` the mean runs over the classes present in the ground truth (0 when none
    is, e.g. every pixel ignored); ``"all"`` uses every class, so an absent class that is predicted
    costs its largest probability. Pixels labelled ``ignore_index`` are left out.

    Parameters
    ----------
    y_true : int array of shape (batch, ...)
        Class indices.
    y_pred : array of shape (batch, ..., C)
        Class probabilities, or logits with ``from_logits=True``; classes last.
    classes : {"present", "all"}, default "present"
    per_image : bool, default False
        One loss per image instead of one for the batch.
    ignore_index : int, optional
    from_logits : bool, default False
    xp : namespace, optional

    Returns
    -------
    array of shape (batch,) with ``per_image``, else a scalar

    Examples
    --------
    >>> out = lovasz_softmax([[0, 1]], [[[1.0, 0.0], [0.0, 1.0]]])
    >>> float(out)
    0.0

    References
    ----------
    Berman, Triki & Blaschko, CVPR 2018 (see :func:`lovasz_hinge`).
    """
    if classes not in ("present", "all"):
        msg = f"lovasz_softmax: classes must be 'present' or 'all'; got {classes!r}"
        raise ValueError(msg)
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    _check_rank(y_pred, 2, "lovasz_softmax", "(batch, ..., C)")
    if tuple(y_true.shape) != tuple(y_pred.shape[:-1]):
        msg = (
            f"lovasz_softmax: y_true must hold one class index per pixel, of shape {tuple(y_pred.shape[:-1])}; "
            f"got {tuple(y_true.shape)} for y_pred {tuple(y_pred.shape)}"
        )
        raise ValueError(msg)
    num_classes = y_pred.shape[-1]
    check_scores("lovasz_softmax", y_pred, from_logits)  # (values are read only under losslab.value_checks())
    if not from_logits:
        check_range("lovasz_softmax", "y_pred", y_pred, 0.0, 1.0, "Pass probabilities, or logits with from_logits.")
    check_labels("lovasz_softmax", y_true, num_classes, ignore_index, ignore_arg="ignore_index")
    probs = xp.exp(log_softmax(y_pred, -1, xp)) if from_logits else y_pred
    rows, pixels = _rows_and_pixels(y_pred.shape[:-1], per_image)
    probs = xp.reshape(probs, (rows, pixels, num_classes))
    labels = xp.reshape(y_true, (rows, pixels))
    valid = (
        xp.ones(labels.shape, dtype=xp.bool, device=device(labels)) if ignore_index is None else labels != ignore_index
    )
    truth = xp.astype(
        (labels[..., None] == xp.arange(num_classes, device=device(labels))) & valid[..., None], probs.dtype
    )
    errors = xp.where(valid[..., None], xp.abs(truth - probs), xp.zeros_like(probs))
    # one row per (image, class): move classes next to the images, then flatten them together
    errors = xp.reshape(xp.permute_dims(errors, (0, 2, 1)), (rows * num_classes, pixels))
    truth = xp.reshape(xp.permute_dims(truth, (0, 2, 1)), (rows * num_classes, pixels))
    per_class = xp.reshape(_lovasz(errors, truth, xp), (rows, num_classes))
    if classes == "all":
        losses = xp.mean(per_class, axis=1)
    else:
        present = xp.astype(xp.sum(xp.reshape(truth, (rows, num_classes, pixels)), axis=2) > 0, per_class.dtype)
        count = xp.sum(present, axis=1)
        losses = xp.sum(per_class * present, axis=1) / xp.clip(count, 1.0)
    return losses if per_image else losses[0]


class GeneralizedDice(LossFunctionWrapper):
    """Class form of :func:`generalized_dice` (``ignore_index``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        reduction: Any = _DEFAULT,
        name: str = "generalized_dice",
        dtype: Any = None,
        ignore_index: int | None = None,
    ) -> None:
        _check_ignore_index(ignore_index, "GeneralizedDice")
        super().__init__(
            generalized_dice, reduction=reduction, name=name, dtype=dtype, **_ignore_argument(ignore_index)
        )

    def call(self, y_true: Any, y_pred: Any) -> Any:
        # Label maps have one axis fewer than y_pred: rank alignment would squeeze a single class axis.
        return self.fn(y_true, y_pred, **self._fn_kwargs)


class FocalTversky(_OverlapClass):
    """Class form of :func:`focal_tversky` (``alpha``, ``beta``, ``gamma``, ``axis``, the options of :func:`dice`)."""

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        gamma: float = 0.75,
        reduction: Any = _DEFAULT,
        name: str = "focal_tversky",
        axis: Any = None,
        dtype: Any = None,
        ignore_index: Any = None,
        mode: str | None = None,
        from_logits: bool = False,
        smooth: float = 0.0,
        eps: float = EPSILON,
        classes: Any = None,
        log_loss: bool = False,
        intersection: str = "product",
        empty_target: str = "formula",
        class_weights: Any = None,
        ignore_background: bool = False,
    ) -> None:
        super().__init__(
            focal_tversky,
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            beta=beta,
            gamma=gamma,
            axis=_axis_argument(axis),
            **_ignore_argument(ignore_index),
            **_overlap_options(
                type(self).__name__,
                mode=mode,
                from_logits=from_logits,
                smooth=smooth,
                eps=eps,
                classes=classes,
                log_loss=log_loss,
                intersection=intersection,
                empty_target=empty_target,
                class_weights=class_weights,
                ignore_background=ignore_background,
            ),
        )
        _check_overlap_options(
            type(self).__name__,
            mode,
            intersection,
            empty_target,
            classes,
            smooth,
            log_loss,
            eps,
            class_weights,
            ignore_background,
        )


class LovaszHinge(LossFunctionWrapper):
    """Class form of :func:`lovasz_hinge` (``per_image``, ``ignore_index``)."""

    def __init__(
        self,
        per_image: bool = True,
        ignore_index: int | None = None,
        reduction: Any = _DEFAULT,
        name: str = "lovasz_hinge",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            lovasz_hinge, reduction=reduction, name=name, dtype=dtype, per_image=per_image, ignore_index=ignore_index
        )

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return self.fn(y_true, y_pred, **self._fn_kwargs)


class LovaszSoftmax(LossFunctionWrapper):
    """Class form of :func:`lovasz_softmax` (``classes``, ``per_image``, ``ignore_index``, ``from_logits``)."""

    def __init__(
        self,
        classes: str = "present",
        per_image: bool = False,
        ignore_index: int | None = None,
        from_logits: bool = False,
        reduction: Any = _DEFAULT,
        name: str = "lovasz_softmax",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            lovasz_softmax,
            reduction=reduction,
            name=name,
            dtype=dtype,
            classes=classes,
            per_image=per_image,
            ignore_index=ignore_index,
            from_logits=from_logits,
        )

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return self.fn(y_true, y_pred, **self._fn_kwargs)


def mcc(y_true: Any, y_pred: Any, *, eps: float = 1e-5, xp: Any = None) -> Any:
    r"""Matthews correlation coefficient loss (Abhishek & Hamarneh, 2021): one minus the soft MCC of the batch.

    .. math:: \ell = 1 - \frac{TP \cdot TN - FP \cdot FN}
              {\sqrt{(TP + FP)(TP + FN)(TN + FP)(TN + FN)}}

    with soft counts summed over the whole batch, each plus :math:`\epsilon`: :math:`TP = \sum y p + \epsilon`,
    :math:`TN = \sum (1-y)(1-p) + \epsilon`, :math:`FP = \sum (1-y) p + \epsilon`,
    :math:`FN = \sum y (1-p) + \epsilon` (segmentation_models_pytorch's ``MCCLoss``, binary masks). The loss
    lies in [0, 2]: 0 for a perfect prediction, 1 for an uninformative one, 2 for the inverted masks. The
    :math:`\epsilon` keeps every factor of the denominator at least :math:`2\epsilon`, so a batch of one class
    (or an empty batch, whose loss is 0) stays finite.

    Parameters
    ----------
    y_true : array of shape (batch, ...)
        Binary masks in [0, 1].
    y_pred : array of shape (batch, ...)
        Predicted probabilities.
    eps : float, default 1e-5
        Added to each count, > 0.
    xp : namespace, optional

    Returns
    -------
    scalar array (one loss for the batch)

    Examples
    --------
    segmentation_models_pytorch's test: half the pixels right, half wrong, gives an MCC of 0.

    >>> y_true = [[[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]]]
    >>> y_pred = [[[0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0]]]
    >>> round(float(mcc(y_true, y_pred)), 6)
    1.0

    References
    ----------
    Abhishek & Hamarneh, "Matthews Correlation Coefficient Loss for Deep Convolutional Networks: Application
    to Skin Lesion Segmentation", ISBI 2021.

    See Also
    --------
    dice, jaccard
    """
    if isinstance(eps, (int, float)) and not eps > 0:
        msg = f"mcc: eps must be > 0 (it keeps the denominator away from 0); got eps={eps!r}"
        raise ValueError(msg)
    xp, y_true, y_pred, _ = _overlap_inputs(y_true, y_pred, xp, None, "mcc")
    _check_rank(y_pred, 1, "mcc", "(batch, ...)")
    true_pos = xp.sum(y_true * y_pred) + eps
    true_neg = xp.sum((1.0 - y_true) * (1.0 - y_pred)) + eps
    false_pos = xp.sum((1.0 - y_true) * y_pred) + eps
    false_neg = xp.sum(y_true * (1.0 - y_pred)) + eps
    # two square roots of two factors each: the product of four counts overflows float32 sooner
    scale = xp.sqrt((true_pos + false_pos) * (true_pos + false_neg)) * xp.sqrt(
        (true_neg + false_pos) * (true_neg + false_neg)
    )
    return _empty_batch_is_zero(1.0 - (true_pos * true_neg - false_pos * false_neg) / scale, y_pred, None)


class MCC(LossFunctionWrapper):
    """Class form of :func:`mcc` (``eps``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        eps: float = 1e-5,
        reduction: Any = _DEFAULT,
        name: str = "mcc",
        dtype: Any = None,
    ) -> None:
        super().__init__(mcc, reduction=reduction, name=name, dtype=dtype, eps=eps)


def lovasz(
    y_true: Any,
    y_pred: Any,
    *,
    mode: str = "binary",
    per_image: bool = False,
    ignore_index: int | None = None,
    xp: Any = None,
) -> Any:
    r"""Lovasz loss in segmentation_models_pytorch's three modes: the hinge for masks, the softmax for labels.

    .. math:: \ell = \overline{\Delta_J}\big(\max(0, 1 - (2y - 1) f)\big) \quad (\text{binary, multilabel}), \qquad
              \ell = \frac{1}{|\mathcal{C}|} \sum_{c \in \mathcal{C}} \overline{\Delta_{J_c}}\big(|y_c - p_c|\big)
              \quad (\text{multiclass})

    ``"binary"`` and ``"multilabel"``: :func:`lovasz_hinge` on logits, every pixel (and, for
    ``"multilabel"``, every class) of an image in one set; ``"multiclass"``: :func:`lovasz_softmax` of the
    softmax of the logits over the classes present (``classes="present"``). As segmentation_models_pytorch's
    ``LovaszLoss(mode, per_image)``, which takes logits whatever its ``from_logits``: one loss for the batch
    (``per_image=False``, the default) or one per image, averaged by the reduction. Classes are last; the
    torch module ``LovaszLoss`` takes them on axis 1.

    Parameters
    ----------
    y_true : array
        ``"binary"``: masks of ``y_pred``'s shape (or without its last axis of 1); ``"multilabel"``: masks of
        ``y_pred``'s shape; ``"multiclass"``: integer labels of shape ``y_pred.shape[:-1]``. Pixels labelled
        ``ignore_index`` are left out.
    y_pred : array of shape (batch, ...) or (batch, ..., C)
        Logits.
    mode : {"binary", "multiclass", "multilabel"}, default "binary"
        segmentation_models_pytorch requires it; losslab defaults to ``"binary"``.
    per_image : bool, default False
        One loss per image instead of one for the batch.
    ignore_index : int, optional
    xp : namespace, optional

    Returns
    -------
    array of shape (batch,) with ``per_image``, else a scalar

    Examples
    --------
    >>> round(float(lovasz([[1.0, 0.0]], [[2.0, -3.0]])), 6)  # every hinge margin met
    0.0
    >>> round(float(lovasz([[0, 1]], [[[9.0, -9.0], [-9.0, 9.0]]], mode="multiclass")), 6)
    0.0

    References
    ----------
    Berman, Triki & Blaschko, CVPR 2018 (see :func:`lovasz_hinge`).

    See Also
    --------
    lovasz_hinge, lovasz_softmax
    """
    if not isinstance(mode, str) or mode not in _MODES:
        msg = f"lovasz: mode must be one of {', '.join(map(repr, _MODES))}; got mode={mode!r}"
        raise ValueError(msg)
    if mode == "multiclass":
        return lovasz_softmax(y_true, y_pred, per_image=per_image, ignore_index=ignore_index, from_logits=True, xp=xp)
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    if mode == "binary" and y_true.ndim == y_pred.ndim - 1 and y_pred.ndim > 1 and y_pred.shape[-1] == 1:
        y_true = xp.expand_dims(y_true, axis=-1)  # (batch, ...) masks for (batch, ..., 1) logits
    return lovasz_hinge(y_true, y_pred, per_image=per_image, ignore_index=ignore_index, xp=xp)


class Lovasz(LossFunctionWrapper):
    """Class form of :func:`lovasz` (``mode``, ``per_image``, ``ignore_index``)."""

    def __init__(
        self,
        mode: str = "binary",
        per_image: bool = False,
        ignore_index: int | None = None,
        reduction: Any = _DEFAULT,
        name: str = "lovasz",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            lovasz,
            reduction=reduction,
            name=name,
            dtype=dtype,
            mode=mode,
            per_image=per_image,
            ignore_index=ignore_index,
        )

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return self.fn(y_true, y_pred, **self._fn_kwargs)
