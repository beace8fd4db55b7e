r"""Probabilistic losses: cross-entropies (binary, categorical, sparse, focal,
generalized), the multiclass sparsemax loss, Kullback-Leibler divergence (and its
generalized form) and Poisson.

Probabilities are clipped to :math:`[\epsilon, 1-\epsilon]` with
:math:`\epsilon = 10^{-7}` before a log, as in Keras. With
``from_logits=True`` the log-probabilities come from a stable log-sigmoid or
log-softmax of the logits, so logits of any finite size give finite values
and gradients. (Keras clips after a sigmoid in the focal losses, capping them
near 16; losslab does not, and agrees with Keras wherever Keras does not
saturate.)
"""

from __future__ import annotations

import math
import warnings
from numbers import Real
from typing import Any

from losslab._backend import EPSILON, as_arrays, cast_like, device, dtype_kind, is_array, namespace
from losslab._checks import check_finite, check_labels, check_range, check_scores, value_checks_enabled
from losslab.losses._classes import CLASS_OPTIONS_DOC, check_class_options, class_average, class_weights_config
from losslab.losses._fast import (
    few_temporaries_win,
    jax_categorical_crossentropy_logits,
    jax_sparse_categorical_crossentropy_logits,
    on_jax,
    on_torch,
    torch_binary_crossentropy_logits,
    torch_binary_crossentropy_probs,
    torch_binary_crossentropy_probs_terms,
    torch_categorical_crossentropy_logits,
    torch_kl_divergence,
    torch_poisson,
    torch_sparse_categorical_crossentropy_logits,
)
from losslab.losses._loss import LossFunctionWrapper, check_class_arguments
from losslab.losses._ops import (
    axes_argument,
    check_axes,
    check_axis,
    check_same_shape,
    clip_probability,
    cumulative_sum,
    log_sigmoid,
    log_softmax,
    masked_log_softmax,
    masked_reduce,
    mean_of_samples,
    mean_of_terms,
    merge_axes,
    nan_out_of_range,
    normalize_probabilities,
    one_hot,
    one_value_vectors,
    prepare_pair,
    relu,
    sigmoid,
    where_mask,
)

_DEFAULT = "sum_over_batch_size"


def _check_label_smoothing(label_smoothing: Any, loss_name: str) -> bool:
    """Validate ``label_smoothing`` and say whether it smooths at all.

    A Python number must lie in [0, 1]; 0 leaves the labels as they are. A 0-d
    array (a value traced by ``jax.jit``, like Huber's ``delta``) cannot be
    read: it always smooths, and only its shape is checked.
    """
    if type(label_smoothing) is float and 0.0 <= label_smoothing <= 1.0:  # the common case, without the ABC check
        return label_smoothing != 0.0
    if is_array(label_smoothing):
        if label_smoothing.ndim != 0:
            msg = (
                f"{loss_name}: label_smoothing must be a float in [0, 1] or a 0-d array; "
                f"got an array of shape {tuple(label_smoothing.shape)}"
            )
            raise ValueError(msg)
        return True
    if (
        isinstance(label_smoothing, bool)
        or not isinstance(label_smoothing, Real)
        or not 0.0 <= float(label_smoothing) <= 1.0
    ):
        msg = f"{loss_name}: label_smoothing must be in [0, 1]; got {label_smoothing!r}"
        raise ValueError(msg)
    return label_smoothing != 0


_LOGITS_HINT = "y_pred looks like logits: pass from_logits=True, or apply a {} to the model's output."


def _binary_inputs(
    y_true: Any, y_pred: Any, xp: Any, label_smoothing: float, from_logits: bool, loss_name: str
) -> tuple[Any, Any, Any]:
    smooths = _check_label_smoothing(label_smoothing, loss_name)
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, loss_name)
    y_true, y_pred = one_value_vectors(y_true, y_pred, xp)  # a 0-d pair is one value, averaged over axis -1
    if value_checks_enabled():  # the value checks (off by default) cost a call each even when off
        check_range(loss_name, "y_true", y_true, 0.0, 1.0, "Binary labels are 0 or 1; for {-1, 1} labels use hinge.")
        if not from_logits:
            check_range(loss_name, "y_pred", y_pred, 0.0, 1.0, _LOGITS_HINT.format("sigmoid"))
    if smooths:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return xp, y_true, y_pred


def _binary_log_probs(y_pred: Any, from_logits: bool, xp: Any) -> tuple[Any, Any]:
    """``(log p, log(1 - p))`` of the positive class."""
    if from_logits:
        return log_sigmoid(y_pred, xp), log_sigmoid(-y_pred, xp)
    p = clip_probability(y_pred, xp)
    return xp.log(p), xp.log(1.0 - p)


def binary_crossentropy(
    y_true: Any,
    y_pred: Any,
    *,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
    xp: Any = None,
) -> Any:
    r"""Binary cross-entropy, averaged over ``axis``.

    .. math:: \ell = -\frac{1}{d}\sum_i \left(y_i \log p_i + (1 - y_i)\log(1 - p_i)\right)

    where :math:`p = \operatorname{clip}(y_\text{pred}, \epsilon, 1-\epsilon)`,
    or :math:`\log p = \log\sigma(y_\text{pred})` when ``from_logits=True``.
    Label smoothing replaces :math:`y` by :math:`y(1-s) + s/2`.

    Parameters
    ----------
    y_true : array of shape (batch, ..., d)
        Targets in [0, 1].
    y_pred : array of shape (batch, ..., d)
        Probabilities, or logits when ``from_logits=True``.
    from_logits : bool, default False
    label_smoothing : float in [0, 1], default 0
    axis : int, default -1
        The axis averaged over.
    xp : namespace, optional

    Returns
    -------
    array with ``axis`` removed

    Examples
    --------
    >>> out = binary_crossentropy([[0.0, 1.0]], [[0.4, 0.6]])
    >>> round(float(out[0]), 6)
    0.510826
    >>> out = binary_crossentropy([[1.0], [0.0]], [[1e4], [1e4]], from_logits=True)
    >>> [abs(float(v)) for v in out]
    [0.0, 10000.0]

    See Also
    --------
    binary_focal_crossentropy, categorical_crossentropy
    """
    return _binary_crossentropy(y_true, y_pred, xp, from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


def _binary_crossentropy(
    y_true: Any,
    y_pred: Any,
    xp: Any,
    *,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
    plain_mean: bool = False,
) -> Any:
    """:func:`binary_crossentropy`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = _binary_inputs(y_true, y_pred, xp, label_smoothing, from_logits, "binary_crossentropy")
    axis = check_axis(axis, y_pred.ndim, "binary_crossentropy")
    if on_torch(xp):
        if from_logits:
            return torch_binary_crossentropy_logits(y_true, y_pred, axis, plain_mean)
        if few_temporaries_win(y_pred):  # torch's kernel: fewer temporaries, but not vectorised
            return torch_binary_crossentropy_probs(y_true, y_pred, axis, plain_mean)
        return torch_binary_crossentropy_probs_terms(y_true, y_pred, axis, plain_mean)
    log_p, log_not_p = _binary_log_probs(y_pred, from_logits, xp)
    return -mean_of_terms(y_true * log_p + (1.0 - y_true) * log_not_p, axis, xp, plain_mean)


def binary_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    *,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
    normalized: bool = False,
    reduced_threshold: float | None = None,
    mode: str | None = None,
    ignore_index: Any = None,
    class_weights: Any = None,
    ignore_background: bool = False,
    xp: Any = None,
) -> Any:
    r"""Binary focal cross-entropy (Lin et al., 2017), averaged over ``axis``.

    .. math:: \ell = \frac{1}{d}\sum_i w_i\,(1 - p_{t,i})^\gamma\,\mathrm{BCE}(y_i, p_i),
              \quad p_t = y p + (1-y)(1-p)

    with :math:`w = y\alpha + (1-y)(1-\alpha)` when ``apply_class_balancing``
    and :math:`w = 1` otherwise. ``gamma = 0`` gives binary cross-entropy.

    Two variants of segmentation_models_pytorch's ``FocalLoss`` (off by default):
    ``reduced_threshold`` :math:`= \tau` gives the reduced focal loss (Sergievskiy & Ponamarev, 2019),
    whose factor is 1 below the threshold, :math:`f = ((1 - p_t)/\tau)^\gamma` where :math:`p_t \ge \tau`;
    ``normalized=True`` divides every term by the sum of the focal factors :math:`f` over the whole batch
    (at least :math:`10^{-6}`; Zhang et al., 2019), so each sample's value depends on the others.

    **Segmentation modes.** With ``mode`` (segmentation_models_pytorch's ``FocalLoss(mode)``) the loss is
    one number for the batch: the mean over classes of each class's focal loss averaged over the batch and
    the pixels not ignored,

    .. math:: \ell = \frac{1}{|C|} \sum_{c \in C} \frac{1}{|\Omega|} \sum_{i \in \Omega} w_{ic}\,
              f_{ic}\,\mathrm{BCE}(y_{ic}, p_{ic})

    (divided by the class's sum of focal factors with ``normalized``), where :math:`\Omega` holds the
    pixels whose label is not ``ignore_index``. ``"binary"``: masks and ``y_pred`` of one shape (``y_pred``
    may carry a last axis of 1 that ``y_true`` lacks), one class; ``"multilabel"``: masks and ``y_pred`` of
    shape ``(batch, ..., C)``; ``"multiclass"``: integer labels of shape ``(batch, ...)``, one-hot encoded
    against ``y_pred`` ``(batch, ..., C)``, each class scored on its own (the sigmoid of its logit with
    ``from_logits``, not a softmax). segmentation_models_pytorch's ``FocalLoss(mode, alpha, gamma)`` (logits
    by default) is ``binary_focal_crossentropy(..., mode=mode, from_logits=True, gamma=gamma,
    apply_class_balancing=alpha is not None, alpha=alpha)``; its versions up to 0.5.0 summed the classes of
    ``"multiclass"`` (:math:`|C|` times this mean) and averaged ``"multilabel"`` over every value at once
    (the same unless ``ignore_index`` or ``normalized`` is used). Its ``from_logits=False`` in
    ``"multiclass"`` passes :math:`\log p` through the sigmoid; losslab scores the probability :math:`p`
    itself. A class without any pixel left (all ignored) contributes 0.

    Parameters
    ----------
    y_true : array of shape (batch, ..., d)
    y_pred : array of shape (batch, ..., d)
        Probabilities, or logits when ``from_logits=True``.
    apply_class_balancing : bool, default False
    alpha : float, default 0.25
        Weight of the positive class when balancing.
    gamma : float, default 2.0
        Focusing parameter, >= 0.
    from_logits : bool, default False
    label_smoothing : float in [0, 1], default 0
    axis : int, default -1
    normalized : bool, default False
        Divide by the batch's sum of focal factors.
    reduced_threshold : float in (0, 1], optional
        The :math:`p_t` below which the focal factor is 1.
    mode : {"binary", "multiclass", "multilabel"}, optional
        segmentation_models_pytorch's modes (see above); ``axis`` must stay -1 with it.
    ignore_index : float, optional
        With ``mode``: a label marking pixels to leave out (e.g. 255), for every class.
    {class_options}
    xp : namespace, optional

    Returns
    -------
    array with ``axis`` removed (a scalar with ``mode``)

    Examples
    --------
    >>> out = binary_focal_crossentropy([[0.0, 1.0]], [[0.4, 0.6]], gamma=2.0)
    >>> round(float(out[0]), 6)
    0.081732

    Reduced: :math:`p_t = 0.6` for both, above 0.5, so the factor is :math:`(0.4 / 0.5)^2 = 0.64`.

    >>> out = binary_focal_crossentropy([[0.0, 1.0]], [[0.4, 0.6]], reduced_threshold=0.5)
    >>> round(float(out[0]), 6)  # 0.64 * -log(0.6)
    0.326928

    ``mode="multiclass"``: two pixels of class 0, each class scored by its own probability. Class 0
    (target 1) loses :math:`(0.16 \cdot -\log 0.6 + 0.36 \cdot -\log 0.4) / 2`, class 1 (target 0)
    :math:`(0.16 \cdot -\log 0.6 + 0.04 \cdot -\log 0.8) / 2`; with ``class_weights`` class 1 counts three times.

    >>> probs = [[[0.6, 0.4], [0.4, 0.2]]]
    >>> out = binary_focal_crossentropy([[0, 0]], probs, mode="multiclass")
    >>> round(float(out), 6)  # (0.205799 + 0.045329) / 2
    0.125564
    >>> out = binary_focal_crossentropy([[0, 0]], probs, mode="multiclass", class_weights=[1.0, 3.0])
    >>> round(float(out), 5)  # (0.205799 + 3 * 0.045329) / 4
    0.08545

    References
    ----------
    Lin et al., "Focal Loss for Dense Object Detection", ICCV 2017.
    """
    return _binary_focal_crossentropy(
        y_true,
        y_pred,
        xp,
        apply_class_balancing=apply_class_balancing,
        alpha=alpha,
        gamma=gamma,
        from_logits=from_logits,
        label_smoothing=label_smoothing,
        axis=axis,
        normalized=normalized,
        reduced_threshold=reduced_threshold,
        mode=mode,
        ignore_index=ignore_index,
        class_weights=class_weights,
        ignore_background=ignore_background,
    )


binary_focal_crossentropy.__doc__ = (binary_focal_crossentropy.__doc__ or "").replace(
    "{class_options}", CLASS_OPTIONS_DOC
)


def _binary_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    xp: Any,
    *,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
    normalized: bool = False,
    reduced_threshold: float | None = None,
    mode: str | None = None,
    ignore_index: Any = None,
    class_weights: Any = None,
    ignore_background: bool = False,
    plain_mean: bool = False,
) -> Any:
    """:func:`binary_focal_crossentropy`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    name = "binary_focal_crossentropy"
    if reduced_threshold is not None and not (isinstance(reduced_threshold, Real) and 0 < reduced_threshold <= 1):
        msg = (
            f"{name}: reduced_threshold must be None or a float in (0, 1]; got reduced_threshold={reduced_threshold!r}"
        )
        raise ValueError(msg)
    _check_focal_mode(mode, axis, ignore_index, class_weights, ignore_background)
    terms: dict[str, Any] = {
        "apply_class_balancing": apply_class_balancing,
        "alpha": alpha,
        "gamma": gamma,
        "from_logits": from_logits,
        "reduced_threshold": reduced_threshold,
    }
    if mode is not None:
        return _focal_mode(
            y_true,
            y_pred,
            xp,
            mode=mode,
            label_smoothing=label_smoothing,
            normalized=normalized,
            ignore_index=ignore_index,
            class_weights=class_weights,
            ignore_background=ignore_background,
            **terms,
        )
    xp, y_true, y_pred = _binary_inputs(y_true, y_pred, xp, label_smoothing, from_logits, name)
    axis = check_axis(axis, y_pred.ndim, name)
    focal, factor = _focal_terms(y_true, y_pred, xp, **terms)
    if normalized:
        focal = focal / xp.clip(xp.sum(factor), 1e-6)
    return mean_of_terms(focal, axis, xp, plain_mean)


def _focal_terms(
    y_true: Any,
    y_pred: Any,
    xp: Any,
    *,
    apply_class_balancing: bool,
    alpha: float,
    gamma: float,
    from_logits: bool,
    reduced_threshold: float | None,
) -> tuple[Any, Any]:
    """The focal loss of each value and its focal factor (both of ``y_pred``'s shape)."""
    log_p, log_not_p = _binary_log_probs(y_pred, from_logits, xp)
    bce = -(y_true * log_p + (1.0 - y_true) * log_not_p)
    p = clip_probability(sigmoid(y_pred, xp) if from_logits else y_pred, xp)
    p_t = y_true * p + (1.0 - y_true) * (1.0 - p)
    if reduced_threshold is None:
        factor = (1.0 - p_t) ** gamma
    else:  # 1 below the threshold; the base is at most 1 - threshold above it, never 0 ** gamma's edge
        base = xp.where(p_t < reduced_threshold, xp.full_like(p_t, reduced_threshold), 1.0 - p_t)
        factor = xp.where(p_t < reduced_threshold, xp.ones_like(p_t), (base / reduced_threshold) ** gamma)
    focal = factor * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return focal, factor


_FOCAL_MODES = ("binary", "multiclass", "multilabel")


def _check_focal_mode(mode: Any, axis: Any, ignore_index: Any, class_weights: Any, ignore_background: Any) -> None:
    """Raise a ``ValueError`` for an unknown ``mode``, or a mode option without ``mode``."""
    name = "binary_focal_crossentropy"
    if not (mode is None or (isinstance(mode, str) and mode in _FOCAL_MODES)):
        msg = f"{name}: mode must be one of None, 'binary', 'multiclass', 'multilabel'; got mode={mode!r}"
        raise ValueError(msg)
    if mode is None and ignore_index is not None:
        msg = f"{name}: ignore_index={ignore_index!r} needs mode='binary', 'multiclass' or 'multilabel'; got mode=None"
        raise ValueError(msg)
    if mode is not None and axis != -1:
        msg = f"{name}: with mode={mode!r} the classes are on the last axis; got axis={axis!r}. Leave axis=-1."
        raise ValueError(msg)
    check_class_options(name, mode, None, class_weights, ignore_background, has_classes=False)


def _focal_mode(
    y_true: Any,
    y_pred: Any,
    xp: Any,
    *,
    mode: str,
    label_smoothing: float,
    normalized: bool,
    ignore_index: Any,
    class_weights: Any,
    ignore_background: bool,
    **terms: Any,
) -> Any:
    """:func:`binary_focal_crossentropy` with ``mode``: the (weighted) mean over classes of the per-class means."""
    name = "binary_focal_crossentropy"
    smooths = _check_label_smoothing(label_smoothing, name)
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    if mode == "multiclass":
        if y_pred.ndim < 2 or tuple(y_true.shape) != tuple(y_pred.shape[:-1]):
            msg = (
                f"{name}: with mode='multiclass' y_pred is (batch, ..., C) and y_true holds one class index per "
                f"pixel, of y_pred's shape without its last axis; got y_true {tuple(y_true.shape)} and y_pred "
                f"{tuple(y_pred.shape)}. Use mode='multilabel' for one-hot masks."
            )
            raise ValueError(msg)
        if not xp.isdtype(y_true.dtype, "integral"):  # float labels, as Keras passes them: whole numbers
            y_true = xp.astype(y_true, xp.int32)
        num_classes = y_pred.shape[-1]
        check_labels(name, y_true, num_classes, ignore_index, ignore_arg="ignore_index")
        targets = one_hot(y_true, num_classes, xp, y_pred.dtype)
        valid = None if ignore_index is None else xp.expand_dims(y_true != ignore_index, axis=-1)
    else:
        if mode == "binary" and y_true.ndim == y_pred.ndim - 1 and y_pred.ndim > 1 and y_pred.shape[-1] == 1:
            y_true = xp.expand_dims(y_true, axis=-1)  # (batch, ...) masks for (batch, ..., 1) scores
        check_same_shape(y_true, y_pred, name)
        if y_pred.ndim < (2 if mode == "multilabel" else 1):
            msg = f"{name}: y_pred must have shape (batch, ..., C) with mode={mode!r}; got {tuple(y_pred.shape)}"
            raise ValueError(msg)
        num_classes = 1 if mode == "binary" else y_pred.shape[-1]
        valid = None if ignore_index is None else y_true != ignore_index
        targets = cast_like(y_true, y_pred, xp)
        if valid is not None:
            targets = xp.where(valid, targets, xp.zeros_like(targets))
    if valid is not None:
        valid = xp.broadcast_to(valid, y_pred.shape)
    if value_checks_enabled():
        check_range(name, "y_true", targets, 0.0, 1.0, "Binary labels are 0 or 1; for {-1, 1} labels use hinge.")
        check_scores(name, y_pred, terms["from_logits"])
        if not terms["from_logits"]:
            check_range(name, "y_pred", y_pred, 0.0, 1.0, _LOGITS_HINT.format("sigmoid"))
    if smooths:
        targets = targets * (1.0 - label_smoothing) + 0.5 * label_smoothing
    focal, factor = _focal_terms(targets, y_pred, xp, **terms)
    shape = (math.prod(y_pred.shape) // num_classes if num_classes else 0, num_classes)
    focal, factor = xp.reshape(focal, shape), xp.reshape(factor, shape)
    if valid is None:
        count = xp.full((num_classes,), float(shape[0]), dtype=focal.dtype, device=device(focal))
    else:  # ignored values count nowhere: neither in the sums nor in the normaliser
        keep = xp.reshape(valid, shape)
        focal = xp.where(keep, focal, xp.zeros_like(focal))
        factor = xp.where(keep, factor, xp.zeros_like(factor))
        count = xp.sum(xp.astype(keep, focal.dtype), axis=0)
    per_class = xp.sum(focal, axis=0)
    if normalized:
        per_class = per_class / xp.clip(xp.sum(factor, axis=0), 1e-6)
    per_class = per_class / xp.clip(count, 1.0)  # 0 for a class without a pixel left
    return class_average(per_class, xp, name, class_weights=class_weights, ignore_background=ignore_background)


def _categorical_inputs(
    y_true: Any, y_pred: Any, xp: Any, axis: int, label_smoothing: float, from_logits: bool, loss_name: str
) -> tuple[Any, Any, Any, int]:
    smooths = _check_label_smoothing(label_smoothing, loss_name)
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    axis = check_axis(axis, y_pred.ndim, loss_name)
    shape = y_pred.shape  # (read once: a torch tensor builds its shape afresh on each read)
    if y_true.shape != shape:  # equal shapes (the common case) need neither test below
        if y_true.ndim == y_pred.ndim - 1 or (y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1 != shape[axis]):
            hint = (
                f" y_true looks like integer class indices; use sparse_{loss_name} for them,"
                " or one-hot encode them to the shape of y_pred."
            )
            check_same_shape(y_true, y_pred, loss_name, hint)
        check_same_shape(y_true, y_pred, loss_name)
    if shape[axis] == 1:
        warnings.warn(
            f"{loss_name} expects y_pred of shape (batch_size, num_classes) with num_classes > 1; "
            f"got y_pred.shape={tuple(y_pred.shape)}. Use binary_crossentropy for two classes.",
            SyntaxWarning,
            stacklevel=3,
        )
    if value_checks_enabled():
        check_finite(loss_name, y_true=y_true)
        check_scores(loss_name, y_pred, from_logits, axis)
        check_range(loss_name, "y_true", y_true, 0.0, 1.0, "Use one-hot or soft labels that sum to 1.")
        if not from_logits:
            check_range(loss_name, "y_pred", y_pred, 0.0, 1.0, _LOGITS_HINT.format("softmax"))
    y_true = cast_like(y_true, y_pred, xp)
    if smooths:
        # Keras <= 3.15 smooths over the last axis even when axis != -1.
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_pred.shape[axis]
    return xp, y_true, y_pred, axis


def _categorical_log_probs(y_pred: Any, from_logits: bool, axis: int, xp: Any) -> Any:
    if from_logits:
        return log_softmax(y_pred, axis, xp)
    return xp.log(normalize_probabilities(y_pred, axis, xp))


def _target_log_probs(target: Any, log_p: Any, from_logits: bool, xp: Any) -> Any:
    """``log_p`` where ``target`` has mass, 0 where it has none: the factor of ``target`` in a cross-entropy.

    A logit of ``-inf`` masks a class (vocabulary and action masks): its log-probability is ``-inf`` and
    ``0 * -inf`` would make the loss NaN. A class without target mass contributes 0, with a zero gradient; a class
    with target mass and a ``-inf`` logit gives ``+inf``, as torch's ``cross_entropy`` does. Probabilities are
    clipped before their log, so only logits need this.
    """
    if not from_logits:
        return log_p
    return xp.where(target == 0, xp.zeros_like(log_p), log_p)


def categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    *,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int | tuple[int, ...] = -1,
    where: Any = None,
    xp: Any = None,
) -> Any:
    r"""Categorical cross-entropy between one-hot (or soft) labels and class scores.

    .. math:: \ell = -\sum_{c} y_c \log p_c

    where :math:`p = \operatorname{clip}(y_\text{pred} / \sum_c y_{\text{pred},c}, \epsilon, 1-\epsilon)`,
    or :math:`\log p = \operatorname{log\_softmax}(y_\text{pred})` when
    ``from_logits=True``. Label smoothing replaces :math:`y` by
    :math:`y(1-s) + s/C` with :math:`C` classes along ``axis`` (Keras <= 3.15
    used the last axis here whatever ``axis`` was; losslab uses ``axis``).

    ``where`` masks classes out, as optax's ``where`` does: a masked class
    leaves the softmax (or the normalisation of the probabilities), the sum
    and, with label smoothing, the count :math:`C`. It acts as a ``-inf``
    logit would, but values and gradients stay finite; a row whose classes
    are all masked gives 0 (optax: 0). A tuple ``axis`` makes the entries of
    several axes the classes, as in optax: ``axis=(1, 2)`` on
    ``(batch, H, W)`` scores is a softmax over the ``H * W`` cells.
    ``where`` is data of one batch, so the class form does not take it.

    Parameters
    ----------
    y_true : array of shape (batch, ..., C)
        One-hot or soft labels, the same shape as ``y_pred``. Integer class
        indices raise an error pointing to :func:`sparse_categorical_crossentropy`.
    y_pred : array of shape (batch, ..., C)
        Probabilities, or logits when ``from_logits=True``.
    from_logits : bool, default False
    label_smoothing : float in [0, 1], default 0
    axis : int or tuple of int, default -1
        The class axis, or several distinct axes whose entries together are the classes.
    where : bool array of the shape of ``y_pred``, or of that shape without ``axis``, optional
        The classes to include (``False`` masks one out; without the class
        axis, one flag masks a whole row). Never broadcast otherwise.
    xp : namespace, optional

    Returns
    -------
    array with ``axis`` removed

    Examples
    --------
    >>> out = categorical_crossentropy([[0.0, 1.0, 0.0]], [[0.05, 0.95, 0.0]])
    >>> round(float(out[0]), 6)
    0.051293
    >>> out = categorical_crossentropy(
    ...     [[0.0, 1.0, 0.0]], [[0.0, 0.0, 9.0]], from_logits=True, where=[[True, True, False]]
    ... )
    >>> round(float(out[0]), 6)  # log 2: the third class is out of the softmax
    0.693147

    See Also
    --------
    sparse_categorical_crossentropy, categorical_focal_crossentropy, kl_divergence
    """
    return _categorical_crossentropy(
        y_true, y_pred, xp, from_logits=from_logits, label_smoothing=label_smoothing, axis=axis, where=where
    )


def _merged_classes(
    y_true: Any, y_pred: Any, xp: Any, axis: Any, where: Any, loss_name: str
) -> tuple[Any, Any, Any, Any]:
    """Inputs with the class axes of a tuple ``axis`` merged into one last axis (``where`` too), as optax does."""
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    axes = check_axes(axis, y_pred.ndim, loss_name)
    check_same_shape(y_true, y_pred, loss_name)
    if where is not None:
        where = merge_axes(where_mask(where, y_pred.shape, axes, xp, y_pred, loss_name), axes, xp)
    return xp, merge_axes(y_true, axes, xp), merge_axes(y_pred, axes, xp), where


def _masked_log_probs(y_pred: Any, valid: Any, from_logits: bool, xp: Any) -> Any:
    """Log-probabilities over the last axis's ``valid`` classes: a masked softmax, or the probabilities renormalised."""
    if from_logits:
        return masked_log_softmax(y_pred, valid, xp)
    return xp.log(normalize_probabilities(xp.where(valid, y_pred, xp.zeros_like(y_pred)), -1, xp))


def _smoothed_over(y_true: Any, label_smoothing: float, valid: Any, xp: Any) -> Any:
    """``y_true`` smoothed over the ``valid`` classes of the last axis: ``y (1 - s) + s / (valid classes)``."""
    count = xp.sum(xp.astype(valid, y_true.dtype), axis=-1, keepdims=True)
    return y_true * (1.0 - label_smoothing) + label_smoothing / xp.where(count > 0, count, xp.ones_like(count))


def _categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    xp: Any,
    *,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: Any = -1,
    where: Any = None,
    plain_mean: bool = False,
) -> Any:
    """:func:`categorical_crossentropy`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    name = "categorical_crossentropy"
    if isinstance(axis, tuple):
        xp, y_true, y_pred, where = _merged_classes(y_true, y_pred, xp, axis, where, name)
        axis = -1
    if where is not None:  # the generic masked path (no fused kernel takes a mask)
        xp, y_true, y_pred, axis = _categorical_inputs(y_true, y_pred, xp, axis, 0.0, from_logits, name)
        valid = where_mask(where, y_pred.shape, (axis,), xp, y_pred, name)
        if axis != y_pred.ndim - 1:
            y_true, y_pred, valid = (xp.moveaxis(a, axis, -1) for a in (y_true, y_pred, valid))
        if _check_label_smoothing(label_smoothing, name):
            y_true = _smoothed_over(y_true, label_smoothing, valid, xp)
        log_p = _target_log_probs(y_true, _masked_log_probs(y_pred, valid, from_logits, xp), from_logits, xp)
        return mean_of_samples(-masked_reduce(y_true * log_p, valid, -1, xp), xp, plain_mean)
    xp, y_true, y_pred, axis = _categorical_inputs(y_true, y_pred, xp, axis, label_smoothing, from_logits, name)
    if on_torch(xp) and from_logits:
        return torch_categorical_crossentropy_logits(y_true, y_pred, axis, plain_mean)
    if on_jax(xp) and from_logits:
        losses = jax_categorical_crossentropy_logits(y_true, y_pred, axis)
    else:
        log_p = _categorical_log_probs(y_pred, from_logits, axis, xp)
        losses = -xp.sum(y_true * _target_log_probs(y_true, log_p, from_logits, xp), axis=axis)
    return mean_of_samples(losses, xp, plain_mean)


def categorical_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    *,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
    xp: Any = None,
) -> Any:
    r"""Categorical focal cross-entropy: cross-entropy down-weighting easy classes.

    .. math:: \ell = -\sum_c \alpha\,(1 - p_c)^\gamma\, y_c \log p_c

    with :math:`p` as in :func:`categorical_crossentropy`.

    Parameters
    ----------
    y_true : array of shape (batch, ..., C)
    y_pred : array of shape (batch, ..., C)
    alpha : float, default 0.25
    gamma : float, default 2.0
    from_logits : bool, default False
    label_smoothing : float in [0, 1], default 0
    axis : int, default -1
    xp : namespace, optional

    Returns
    -------
    array with ``axis`` removed

    Examples
    --------
    >>> out = categorical_focal_crossentropy([[0.0, 1.0]], [[0.5, 0.5]])
    >>> round(float(out[0]), 6)
    0.043322
    """
    xp, y_true, y_pred, axis = _categorical_inputs(
        y_true, y_pred, xp, axis, label_smoothing, from_logits, "categorical_focal_crossentropy"
    )
    log_p = _categorical_log_probs(y_pred, from_logits, axis, xp)
    p = clip_probability(xp.exp(log_p), xp)
    return -xp.sum(alpha * (1.0 - p) ** gamma * y_true * _target_log_probs(y_true, log_p, from_logits, xp), axis=axis)


def _sparse_inputs(
    y_true: Any, y_pred: Any, xp: Any, axis: int, loss_name: str, *, from_logits: bool = False, ignore_class: Any = None
) -> tuple[Any, Any, Any, int]:
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    ndim = y_pred.ndim
    axis = check_axis(axis, ndim, loss_name)
    if y_true.ndim == ndim and y_true.shape[axis] == 1:
        y_true = xp.squeeze(y_true, axis=axis)
    shape = tuple(y_pred.shape)  # (read once: a torch tensor builds its shape afresh on each read)
    expected = shape[:-1] if axis == ndim - 1 else shape[:axis] + shape[axis + 1 :]
    if y_true.shape != expected:
        hint = ""
        if tuple(y_true.shape) == tuple(y_pred.shape):
            hint = (
                " y_true has the shape of y_pred, so it looks one-hot encoded: use "
                f"{loss_name.removeprefix('sparse_')} for one-hot labels, or pass the class indices (argmax)."
            )
        msg = (
            f"{loss_name}: y_true must hold one class index per sample, of shape {expected} "
            f"(y_pred's shape without the class axis {axis}); got y_true {tuple(y_true.shape)} and "
            f"y_pred {tuple(y_pred.shape)}.{hint}"
        )
        raise ValueError(msg)
    if value_checks_enabled():
        check_finite(loss_name, y_true=y_true)
        check_scores(loss_name, y_pred, from_logits, axis)
        check_labels(loss_name, y_true, y_pred.shape[axis], ignore_class)
        if not from_logits:
            check_range(loss_name, "y_pred", y_pred, 0.0, 1.0, _LOGITS_HINT.format("softmax"))
    if dtype_kind(xp, y_true.dtype) != "integral":
        y_true = xp.astype(y_true, xp.int32)  # class indices fit; int64 warns on JAX without x64
    if axis != ndim - 1:
        y_pred = xp.moveaxis(y_pred, axis, -1)
    return xp, y_true, y_pred, axis


def _ignored_class(
    ignore_class: int | None, ignore_index: int | None, loss_name: str = "sparse_categorical_crossentropy"
) -> int | None:
    """Keras's ``ignore_class`` or torch's ``ignore_index``, whichever is given."""
    if ignore_class is not None and ignore_index is not None and ignore_class != ignore_index:
        msg = (
            f"{loss_name}: give ignore_class (Keras) or ignore_index (torch), not both; "
            f"got {ignore_class!r} and {ignore_index!r}"
        )
        raise ValueError(msg)
    return ignore_class if ignore_class is not None else ignore_index


def sparse_categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    *,
    from_logits: bool = False,
    ignore_class: int | None = None,
    axis: int | tuple[int, ...] = -1,
    label_smoothing: float = 0.0,
    ignore_index: int | None = None,
    where: Any = None,
    xp: Any = None,
) -> Any:
    r"""Categorical cross-entropy with integer class indices as labels.

    .. math:: \ell = -(1 - s)\log p_{y} - \frac{s}{C}\sum_c \log p_c

    with :math:`p` as in :func:`categorical_crossentropy`. Entries whose label
    equals ``ignore_class`` give 0; the class form then averages over the
    remaining entries only (all ignored gives 0, with a zero gradient).

    ``where`` masks classes out of the softmax (or the normalisation of the
    probabilities) and, with label smoothing, out of the mean over classes,
    as optax's ``where``; values and gradients stay finite. A row whose
    classes are all masked gives 0, as in optax; a label on a masked class
    gives 0 as well, as its one-hot vector does in
    :func:`categorical_crossentropy` (optax's integer-label loss gives the
    kept classes' log-normaliser minus that class's logit). ``where`` is
    data of one batch, so the class form does not take it.

    A tuple ``axis`` makes the entries of several axes the classes, as in
    :func:`categorical_crossentropy` and optax: they are flattened in the
    order given (row-major), a label is an index into that flattened block,
    and ``y_true`` has ``y_pred``'s shape without those axes.

    Parameters
    ----------
    y_true : int array of shape (batch, ...)
        Class indices in ``[0, C)``; a trailing axis of size 1 is squeezed.
        One-hot labels raise an error pointing to :func:`categorical_crossentropy`.
    y_pred : array of shape (batch, ..., C)
        Probabilities, or logits when ``from_logits=True``.
    from_logits : bool, default False
    ignore_class : int, optional
        A label value to skip (e.g. a padding or void class); torch calls it ``ignore_index``.
    axis : int or tuple of int, default -1
        The class axis of ``y_pred``, or several distinct axes whose entries together are the classes.
    label_smoothing : float in [0, 1], default 0
        As torch's ``cross_entropy``: the target is :math:`(1-s)` on the label plus :math:`s/C` on
        every class (Keras has no smoothing for sparse labels).
    ignore_index : int, optional
        torch's name for ``ignore_class``; give one or the other.
    where : bool array of the shape of ``y_pred``, or of ``y_true``'s, optional
        The classes to include; one flag per sample (``y_true``'s shape)
        masks all of that sample's classes. Never broadcast otherwise.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> out = sparse_categorical_crossentropy([1, 2], [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
    >>> [round(float(v), 6) for v in out]
    [0.051293, 2.302585]
    >>> out = sparse_categorical_crossentropy([3], [[[0.0, 0.0], [0.0, 9.0]]], from_logits=True, axis=(1, 2))
    >>> round(float(out[0]), 6)  # class 3 is the entry [1, 1] of the 2 x 2 block
    0.00037
    """
    return _sparse_categorical_crossentropy(
        y_true,
        y_pred,
        xp,
        from_logits=from_logits,
        ignore_class=ignore_class,
        axis=axis,
        label_smoothing=label_smoothing,
        ignore_index=ignore_index,
        where=where,
    )


def _sparse_categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    xp: Any,
    *,
    from_logits: bool = False,
    ignore_class: int | None = None,
    axis: Any = -1,
    label_smoothing: float = 0.0,
    ignore_index: int | None = None,
    where: Any = None,
    plain_mean: bool = False,
) -> Any:
    """:func:`sparse_categorical_crossentropy`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    name = "sparse_categorical_crossentropy"
    ignore_class = _ignored_class(ignore_class, ignore_index)
    if isinstance(axis, tuple):  # the class axes merged into one last axis (where too), as optax does
        xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
        axes = check_axes(axis, y_pred.ndim, name)
        rows = tuple(n for i, n in enumerate(y_pred.shape) if i not in axes)
        if tuple(y_true.shape) != rows:
            msg = (
                f"{name}: y_true must hold one class index per sample, of shape {rows} (y_pred's shape without "
                f"the class axes {axis}); got y_true {tuple(y_true.shape)} and y_pred {tuple(y_pred.shape)}."
            )
            raise ValueError(msg)
        if where is not None:
            where = merge_axes(where_mask(where, tuple(y_pred.shape), axes, xp, y_pred, name), axes, xp)
        y_pred, axis = merge_axes(y_pred, axes, xp), -1
    xp, labels, y_pred, axis = _sparse_inputs(
        y_true, y_pred, xp, axis, name, from_logits=from_logits, ignore_class=ignore_class
    )
    smooths = _check_label_smoothing(label_smoothing, name)
    valid = None if ignore_class is None else labels != ignore_class
    if valid is not None:
        labels = xp.where(valid, labels, xp.zeros_like(labels))
    if where is not None:  # the generic masked path (no fused kernel takes a mask)
        shape = tuple(y_pred.shape)  # (classes last; where in the caller's layout, with the class axis at axis)
        shape = (*shape[:axis], shape[-1], *shape[axis:-1])
        kept = where_mask(where, shape, (axis,), xp, y_pred, name)
        kept = kept if axis == len(shape) - 1 else xp.moveaxis(kept, axis, -1)
        log_p = _masked_log_probs(y_pred, kept, from_logits, xp)
        target = one_hot(labels, y_pred.shape[-1], xp, xp.bool) & kept
        losses = -xp.sum(xp.where(target, log_p, xp.zeros_like(log_p)), axis=-1)
        if smooths:
            losses = (1.0 - label_smoothing) * losses - label_smoothing * masked_reduce(log_p, kept, -1, xp, mean=True)
        losses = nan_out_of_range(losses, labels, y_pred.shape[-1], xp)
        if valid is not None:
            losses = xp.where(valid, losses, xp.zeros_like(losses))
        return mean_of_samples(losses, xp, plain_mean)
    fused = from_logits and not smooths
    if on_torch(xp) and fused and valid is None:
        return torch_sparse_categorical_crossentropy_logits(labels, y_pred, plain_mean)
    if on_torch(xp) and fused:
        losses = torch_sparse_categorical_crossentropy_logits(labels, y_pred, False)
    elif on_jax(xp) and fused:
        losses = jax_sparse_categorical_crossentropy_logits(labels, y_pred)
    else:
        log_p = _categorical_log_probs(y_pred, from_logits, -1, xp)
        target = one_hot(labels, y_pred.shape[-1], xp, xp.bool)
        losses = -xp.sum(xp.where(target, log_p, xp.zeros_like(log_p)), axis=-1)
        if smooths:
            losses = (1.0 - label_smoothing) * losses - label_smoothing * xp.mean(log_p, axis=-1)
        losses = nan_out_of_range(losses, labels, y_pred.shape[-1], xp)
    if valid is not None:
        losses = xp.where(valid, losses, xp.zeros_like(losses))
    return mean_of_samples(losses, xp, plain_mean)


def kl_divergence(y_true: Any, y_pred: Any, *, where: Any = None, xp: Any = None) -> Any:
    r"""Kullback-Leibler divergence :math:`\mathrm{KL}(y_\text{true} \| y_\text{pred})` over the last axis.

    .. math:: \ell = \sum_i t_i \log\frac{t_i}{p_i}, \quad
              t = \operatorname{clip}(y_\text{true}, \epsilon, 1),\;
              p = \operatorname{clip}(y_\text{pred}, \epsilon, 1)

    Entries that ``where`` masks leave the sum (optax's ``where``); a row
    without a kept entry gives 0. ``where`` is data of one batch, so the
    class form does not take it.

    Parameters
    ----------
    y_true, y_pred : array of shape (batch, ..., d)
        Probability distributions along the last axis.
    where : bool array of shape (batch, ..., d), optional
        The entries to include; never broadcast.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> out = kl_divergence([[0.5, 0.5]], [[0.25, 0.75]])
    >>> round(float(out[0]), 6)
    0.143841
    >>> out = kl_divergence([[0.5, 0.5]], [[0.25, 0.75]], where=[[True, False]])
    >>> round(float(out[0]), 6)  # 0.5 log(0.5 / 0.25)
    0.346574
    """
    return _kl_divergence(y_true, y_pred, xp, where=where)


def _entry_mask(where: Any, like: Any, xp: Any, loss_name: str) -> Any:
    """``where`` for an element-wise sum over the last axis: a boolean array of ``like``'s shape."""
    if like.ndim == 0:  # (a 0-d pair is one vector of one value, see one_value_vectors)
        return xp.reshape(where_mask(where, (), (), xp, like, loss_name), (1,))
    return where_mask(where, tuple(like.shape), (), xp, like, loss_name)


def _kl_divergence(y_true: Any, y_pred: Any, xp: Any, *, where: Any = None, plain_mean: bool = False) -> Any:
    """:func:`kl_divergence`; ``plain_mean`` gives the mean over the samples (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "kl_divergence")
    kept = None if where is None else _entry_mask(where, y_pred, xp, "kl_divergence")
    y_true, y_pred = one_value_vectors(y_true, y_pred, xp)
    if value_checks_enabled():  # (off by default)
        for name, array in (("y_true", y_true), ("y_pred", y_pred)):
            check_range("kl_divergence", name, array, 0.0, 1.0, "Both arguments are probability distributions.")
    if on_torch(xp) and kept is None:
        return torch_kl_divergence(y_true, y_pred, plain_mean)
    t = xp.clip(y_true, EPSILON, 1.0)
    p = xp.clip(y_pred, EPSILON, 1.0)
    return mean_of_samples(masked_reduce(t * (xp.log(t) - xp.log(p)), kept, -1, xp), xp, plain_mean)


def generalized_kl_divergence(y_true: Any, y_pred: Any, *, where: Any = None, xp: Any = None) -> Any:
    r"""Generalized Kullback-Leibler divergence of two non-negative measures over the last axis.

    .. math:: \ell = \sum_i \left(t_i \log\frac{t_i}{p_i} - t_i + p_i\right), \quad
              t = \max(y_\text{true}, \epsilon),\;
              p = \max(y_\text{pred}, \epsilon)

    The Bregman divergence of :math:`x \log x - x`: it needs neither argument
    to sum to 1, is :math:`\ge 0` and is 0 only at :math:`p = t`; for two
    probability distributions it is :func:`kl_divergence`. As in
    :func:`kl_divergence` both arguments are clipped below at
    :math:`\epsilon = 10^{-7}` (and, the measures being unnormalised, not
    above), so zeros give finite values and gradients: a target of 0 costs
    :math:`p - \epsilon\log(p/\epsilon) - \epsilon` instead of :math:`p`
    (within :math:`2 \cdot 10^{-6}` for :math:`p \le 1`), and a prediction
    of 0 a finite :math:`t \log(t/\epsilon)` where the unclipped formula
    is infinite (optax gives inf, and NaN where the target is 0 as well).

    Equals ``optax.losses.generalized_kl_divergence(log(y_pred), y_true)``
    for entries above :math:`\epsilon`; optax takes the log of the
    prediction, losslab the prediction itself, like :func:`kl_divergence`.
    Entries that ``where`` masks leave the sum, as in optax; ``where`` is
    data of one batch, so the class form does not take it.

    Parameters
    ----------
    y_true : array of shape (batch, ..., d)
        The target measure, >= 0.
    y_pred : array of shape (batch, ..., d)
        The predicted measure, >= 0 (e.g. an exp or softplus output).
    where : bool array of shape (batch, ..., d), optional
        The entries to include; never broadcast.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> out = generalized_kl_divergence([[1.0, 2.0]], [[2.0, 2.0]])
    >>> round(float(out[0]), 6)  # 1 log(1/2) - 1 + 2
    0.306853

    References
    ----------
    Boyd & Vandenberghe, *Convex Optimization*, 2004, p. 90.

    See Also
    --------
    kl_divergence, poisson
    """
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "generalized_kl_divergence")
    kept = None if where is None else _entry_mask(where, y_pred, xp, "generalized_kl_divergence")
    y_true, y_pred = one_value_vectors(y_true, y_pred, xp)
    if value_checks_enabled():  # (off by default)
        for name, array in (("y_true", y_true), ("y_pred", y_pred)):
            check_range(
                "generalized_kl_divergence", name, array, 0.0, float("inf"), "Both arguments are non-negative measures."
            )
    t = xp.clip(y_true, EPSILON)
    p = xp.clip(y_pred, EPSILON)
    return masked_reduce(t * (xp.log(t) - xp.log(p)) - t + p, kept, -1, xp)


def poisson(y_true: Any, y_pred: Any, *, xp: Any = None) -> Any:
    r"""Poisson negative log-likelihood (up to a constant) of counts given predicted rates.

    .. math:: \ell = \frac{1}{d}\sum_i \left(p_i - t_i \log(p_i + \epsilon)\right)

    Parameters
    ----------
    y_true : array of shape (batch, ..., d)
        Observed counts.
    y_pred : array of shape (batch, ..., d)
        Predicted rates, >= 0.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> out = poisson([[1.0, 0.0]], [[1.0, 2.0]])
    >>> round(float(out[0]), 6)
    1.5
    """
    return _poisson(y_true, y_pred, xp)


def _poisson(y_true: Any, y_pred: Any, xp: Any, *, plain_mean: bool = False) -> Any:
    """:func:`poisson`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "poisson")
    check_range(
        "poisson", "y_pred", y_pred, 0.0, float("inf"), "Rates are non-negative: use an exp or softplus output."
    )
    if on_torch(xp):
        return torch_poisson(y_true, y_pred, plain_mean)
    return mean_of_terms(y_pred - y_true * xp.log(y_pred + EPSILON), -1, xp, plain_mean)


def categorical_generalized_cross_entropy(y_true: Any, y_pred: Any, *, q: float = 0.5, xp: Any = None) -> Any:
    r"""Generalized cross-entropy (Zhang & Sabuncu, 2018), robust to noisy labels.

    .. math:: \ell = \frac{1 - p_y^{\,q}}{q}, \quad 0 < q < 1

    It tends to cross-entropy as :math:`q \to 0` and to mean absolute error
    at :math:`q = 1`. :math:`p_y` is clipped to :math:`[\epsilon, 1]` so the
    gradient stays finite at :math:`p_y = 0`. Labels of shape ``(batch, 1)``
    are squeezed (Keras <= 3.15 broadcast them into a ``(batch, batch)``
    result).

    Parameters
    ----------
    y_true : int array of shape (batch,) or (batch, 1)
        Class indices.
    y_pred : array of shape (batch, C)
        Class probabilities.
    q : float in (0, 1), default 0.5
    xp : namespace, optional

    Returns
    -------
    array of shape (batch,)

    Examples
    --------
    >>> out = categorical_generalized_cross_entropy([0], [[0.25, 0.75]], q=0.5)
    >>> float(out[0])
    1.0

    References
    ----------
    Zhang & Sabuncu, "Generalized Cross Entropy Loss for Training Deep Neural
    Networks with Noisy Labels", NeurIPS 2018.
    """
    if not 0.0 < q < 1.0:
        msg = f"categorical_generalized_cross_entropy: q must be in the interval (0, 1); got q={q}"
        raise ValueError(msg)
    xp, labels, y_pred, _ = _sparse_inputs(y_true, y_pred, xp, -1, "categorical_generalized_cross_entropy")
    target = one_hot(labels, y_pred.shape[-1], xp, y_pred.dtype)
    p = xp.clip(xp.sum(y_pred * target, axis=-1), EPSILON, 1.0)
    return (1.0 - p**q) / q


def _sparsemax(z: Any, xp: Any) -> Any:
    """Sparsemax along the last axis: the Euclidean projection of ``z`` onto the probability simplex.

    Sorted descending, the support is the first ``k`` scores with ``1 + k z_(k) > z_(1) + ... + z_(k)``
    (a prefix, so its size is a sum of flags and the sum over it a masked sum: no gather, no branch), and
    the threshold ``tau = (sum of the support - 1) / k``.
    """
    z = z - xp.max(z, axis=-1, keepdims=True)  # sparsemax does not move with a shift; the sums stay small
    ordered = xp.sort(z, axis=-1, descending=True)
    running = cumulative_sum(ordered, -1, xp)
    rank = xp.arange(1, z.shape[-1] + 1, dtype=z.dtype, device=device(z))
    support = 1.0 + rank * ordered > running
    size = xp.sum(xp.astype(support, z.dtype), axis=-1, keepdims=True)
    tau = (xp.sum(xp.where(support, ordered, xp.zeros_like(ordered)), axis=-1, keepdims=True) - 1.0) / size
    return relu(z - tau, xp)


def multiclass_sparsemax(y_true: Any, y_pred: Any, *, axis: int = -1, xp: Any = None) -> Any:
    r"""Multiclass sparsemax loss of integer labels and scores (a Fenchel-Young loss).

    .. math:: \ell = \sum_j p_j (z_j - z_y) + \tfrac12\left(1 - \sum_j p_j^2\right), \quad
              p = \operatorname{sparsemax}(z) = \max(z - \tau, 0)

    where :math:`\tau` makes :math:`p` sum to 1 (:math:`p` is the
    Euclidean projection of the scores onto the simplex, with exact zeros).
    Equivalently :math:`-z_y + \frac12\sum_{j \in S}(z_j^2 - \tau^2) + \frac12`
    over the support :math:`S`. It is 0 exactly when :math:`p` is the
    one-hot label, i.e. the true score leads the others by at least 1; its
    gradient is :math:`p - e_y`. Written with a sort, a running sum and
    masks (no branch on values), so it runs under ``jax.jit`` and
    ``torch.compile``. :func:`binary_sparsemax` is its two-class case with
    scores :math:`(f, 0)`.

    Equals ``optax.losses.multiclass_sparsemax_loss(y_pred, y_true)`` for 2-D
    inputs (optax takes the scores first). A class index outside
    ``[0, C)`` gives NaN (an error with ``losslab.value_checks()``), as in
    :func:`sparse_categorical_crossentropy`.

    Parameters
    ----------
    y_true : int array of shape (batch, ...) or (batch, ..., 1)
        Class indices.
    y_pred : array of shape (batch, ..., C)
        Scores (logits; no softmax).
    axis : int, default -1
        The class axis of ``y_pred``.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> out = multiclass_sparsemax([0, 1], [[2.0, 0.5, 0.0], [0.0, 0.0, 0.0]])  # 0, then (1 - 1/3) / 2
    >>> [round(float(v), 6) for v in out]
    [0.0, 0.333333]

    References
    ----------
    Martins & Astudillo, "From Softmax to Sparsemax: A Sparse Model of
    Attention and Multi-Label Classification", ICML 2016.

    See Also
    --------
    sparse_categorical_crossentropy, binary_sparsemax
    """
    xp, labels, z, _ = _sparse_inputs(y_true, y_pred, xp, axis, "multiclass_sparsemax", from_logits=True)
    p = _sparsemax(z, xp)
    target = one_hot(labels, z.shape[-1], xp, xp.bool)
    z_true = xp.sum(xp.where(target, z, xp.zeros_like(z)), axis=-1, keepdims=True)
    losses = xp.sum(p * (z - z_true), axis=-1) + 0.5 * (1.0 - xp.sum(p * p, axis=-1))
    return nan_out_of_range(losses, labels, z.shape[-1], xp)


class BinaryCrossentropy(LossFunctionWrapper):
    """Class form of :func:`binary_crossentropy`; other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Any = _DEFAULT,
        name: str = "binary_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            binary_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Class form of :func:`binary_focal_crossentropy`; other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        apply_class_balancing: bool = False,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Any = _DEFAULT,
        name: str = "binary_focal_crossentropy",
        dtype: Any = None,
        normalized: bool = False,
        reduced_threshold: float | None = None,
        mode: str | None = None,
        ignore_index: Any = None,
        class_weights: Any = None,
        ignore_background: bool = False,
    ) -> None:
        options = (
            ("normalized", normalized, False),
            ("reduced_threshold", reduced_threshold, None),
            ("mode", mode, None),
            ("ignore_index", ignore_index, None),
            ("class_weights", class_weights_config(class_weights, type(self).__name__), None),
            ("ignore_background", ignore_background, False),
        )
        # configs without the variants stay Keras's
        variants = {key: value for key, value, default in options if value is not default}
        super().__init__(
            binary_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
            **variants,
        )
        _check_focal_mode(mode, axis, ignore_index, class_weights, ignore_background)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Class form of :func:`categorical_crossentropy`; other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int | tuple[int, ...] = -1,
        reduction: Any = _DEFAULT,
        name: str = "categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axes_argument(axis),
        )


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Class form of :func:`categorical_focal_crossentropy`; other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Any = _DEFAULT,
        name: str = "categorical_focal_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            categorical_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Class form of :func:`sparse_categorical_crossentropy`; other arguments as in :class:`~losslab.Loss`.

    With ``ignore_class``, means count only the entries that are not ignored.
    """

    # set by LossFunctionWrapper from the function's keyword arguments
    ignore_class: int | None
    axis: int | tuple[int, ...]

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: Any = _DEFAULT,
        axis: int | tuple[int, ...] = -1,
        name: str = "sparse_categorical_crossentropy",
        dtype: Any = None,
        label_smoothing: float = 0.0,
        ignore_index: int | None = None,
    ) -> None:
        check_class_arguments(type(self), ignore_class=ignore_class, ignore_index=ignore_index)
        ignore_class = _ignored_class(ignore_class, ignore_index, "SparseCategoricalCrossentropy")
        smooths = _check_label_smoothing(label_smoothing, "SparseCategoricalCrossentropy")
        kwargs = {"label_smoothing": label_smoothing} if smooths else {}  # Keras's config has no such key
        super().__init__(
            sparse_categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axes_argument(axis),
            **kwargs,
        )
        self.label_smoothing = label_smoothing

    def masks_entries(self) -> bool:
        return self.ignore_class is not None

    def call_with_mask(self, y_true: Any, y_pred: Any) -> tuple[Any, Any]:
        losses = self.call(y_true, y_pred)
        if self.ignore_class is None:
            return losses, None
        labels = y_true
        if isinstance(self.axis, int) and labels.ndim == y_pred.ndim and labels.shape[self.axis] == 1:
            labels = namespace(y_pred).squeeze(labels, axis=self.axis)
        return losses, labels != self.ignore_class


class KLDivergence(LossFunctionWrapper):
    """Class form of :func:`kl_divergence`; arguments as in :class:`~losslab.Loss`."""

    def __init__(self, reduction: Any = _DEFAULT, name: str = "kl_divergence", dtype: Any = None) -> None:
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class GeneralizedKLDivergence(LossFunctionWrapper):
    """Class form of :func:`generalized_kl_divergence`; arguments as in :class:`~losslab.Loss`."""

    def __init__(self, reduction: Any = _DEFAULT, name: str = "generalized_kl_divergence", dtype: Any = None) -> None:
        super().__init__(generalized_kl_divergence, reduction=reduction, name=name, dtype=dtype)


class MulticlassSparsemax(LossFunctionWrapper):
    """Class form of :func:`multiclass_sparsemax` (``axis``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self, axis: int = -1, reduction: Any = _DEFAULT, name: str = "multiclass_sparsemax", dtype: Any = None
    ) -> None:
        super().__init__(multiclass_sparsemax, reduction=reduction, name=name, dtype=dtype, axis=axis)


class Poisson(LossFunctionWrapper):
    """Class form of :func:`poisson`; arguments as in :class:`~losslab.Loss`."""

    def __init__(self, reduction: Any = _DEFAULT, name: str = "poisson", dtype: Any = None) -> None:
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Class form of :func:`categorical_generalized_cross_entropy` (``q``); others as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        q: float = 0.5,
        reduction: Any = _DEFAULT,
        name: str = "categorical_generalized_cross_entropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(categorical_generalized_cross_entropy, reduction=reduction, name=name, dtype=dtype, q=q)
