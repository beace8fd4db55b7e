r"""Classification losses for noisy labels and imbalanced classes.

Multi-label soft margin (torch's ``multilabel_soft_margin_loss``), PolyLoss
(Leng et al., 2022), symmetric cross-entropy (Wang et al., 2019), and
per-class weights: class-balanced weights from effective numbers (Cui et
al., 2019) and a class-weighted cross-entropy that can reproduce
``torch.nn.functional.cross_entropy(weight=...)``.

Probabilities are handled as in :func:`~losslab.categorical_crossentropy`:
with ``from_logits=False`` they are divided by their sum and clipped to
:math:`[\epsilon, 1 - \epsilon]`; with ``from_logits=True`` a stable
log-softmax is used. Classes are thin wrappers; their shared arguments are
documented on :class:`~losslab.Loss`.

Class weights with any loss
---------------------------
Per-class weights are sample weights chosen by label, so every loss class
takes them as ``sample_weight=class_weight[labels]``; with
``reduction="mean_with_sample_weight"`` the result is divided by the sum of
those weights, which is torch's weighted mean (see
:func:`class_weighted_crossentropy`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from losslab._backend import EPSILON, as_array, as_arrays, cast_like, is_array, to_numpy
from losslab._checks import check_finite, check_labels, check_range, check_scores
from losslab.losses._fast import on_torch, torch_multilabel_soft_margin
from losslab.losses._loss import LossFunctionWrapper, _refuse_keras_wrapper
from losslab.losses._ops import (
    axes_argument,
    check_axes,
    check_real,
    check_same_shape,
    log_sigmoid,
    log_softmax,
    masked_reduce,
    mean_of_terms,
    merge_axes,
    nan_out_of_range,
    one_hot,
    prepare_pair,
    where_mask,
)
from losslab.losses._probabilistic import (
    _categorical_log_probs,
    _check_label_smoothing,
    _masked_log_probs,
    _smoothed_over,
    _sparse_inputs,
    _target_log_probs,
)
from losslab.losses._reduction import align_ranks, divide_no_nan, reduce_weighted_values

_DEFAULT = "sum_over_batch_size"
_LOGITS_HINT = "y_pred looks like logits: pass from_logits=True, or apply a softmax to the model's output."


def _weight_config(weight: Any, arg: str, loss_name: str) -> list[float] | None:
    """Per-class weights as a list of floats (JSON-ready for configs); ``None`` stays ``None``."""
    if weight is None:
        return None
    try:
        values = to_numpy(weight) if is_array(weight) else np.asarray(weight, dtype="float64")
    except (TypeError, ValueError):  # strings, ragged lists, None entries
        msg = f"{loss_name}: `{arg}` must be a 1-D sequence of floats, one weight per class; got {weight!r}"
        raise ValueError(msg) from None
    if values.ndim != 1:
        msg = f"{loss_name}: `{arg}` must be a 1-D sequence with one weight per class; got shape {values.shape}"
        raise ValueError(msg)
    return values.astype("float64").tolist()


def _class_vector(weight: Any, y_pred: Any, xp: Any, arg: str, loss_name: str) -> Any:
    """Per-class weights as an array of ``y_pred``'s namespace, dtype and device, shape ``(C,)``."""
    weight = cast_like(as_array(weight, xp, like=y_pred, name=arg), y_pred, xp)
    num_classes = y_pred.shape[-1]
    if tuple(weight.shape) != (num_classes,):
        msg = (
            f"{loss_name}: `{arg}` must hold one weight per class, shape ({num_classes},) for y_pred "
            f"{tuple(y_pred.shape)}; got {arg} of shape {tuple(weight.shape)}"
        )
        raise ValueError(msg)
    check_finite(loss_name, **{arg: weight})
    check_range(loss_name, arg, weight, 0.0, math.inf, "Class weights are >= 0.")
    return weight


def _dense_inputs(
    y_true: Any, y_pred: Any, xp: Any, from_logits: bool, loss_name: str, sparse_hint: str
) -> tuple[Any, Any, Any]:
    """One-hot (or soft) labels and class scores of the same shape ``(batch, ..., C)``."""
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    if y_pred.ndim == 0:
        msg = f"{loss_name}: y_pred must have a class axis, shape (batch, ..., C); got a scalar"
        raise ValueError(msg)
    looks_sparse = y_true.ndim == y_pred.ndim - 1 or (
        y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1 != y_pred.shape[-1]
    )
    hint = f" y_true looks like integer class indices; {sparse_hint}" if looks_sparse else ""
    check_same_shape(y_true, y_pred, loss_name, hint)
    check_finite(loss_name, y_true=y_true)
    check_scores(loss_name, y_pred, from_logits)
    check_range(loss_name, "y_true", y_true, 0.0, 1.0, "Use one-hot or soft labels that sum to 1.")
    if not from_logits:
        check_range(loss_name, "y_pred", y_pred, 0.0, 1.0, _LOGITS_HINT)
    return xp, cast_like(y_true, y_pred, xp), y_pred


# ---------------------------------------------------------------- multi-label soft margin


def multilabel_soft_margin(y_true: Any, y_pred: Any, *, weight: Any = None, xp: Any = None) -> Any:
    r"""Multi-label soft margin loss: per-class logistic loss on logits, averaged over classes.

    .. math:: \ell = -\frac{1}{C} \sum_{c=1}^{C} w_c
              \left(y_c \log\sigma(x_c) + (1 - y_c) \log\sigma(-x_c)\right)

    Equals ``torch.nn.functional.multilabel_soft_margin_loss(y_pred, y_true,
    weight=weight, reduction="none")``, i.e. :func:`~losslab.binary_crossentropy`
    with ``from_logits=True`` and per-class weights. The log-sigmoids are
    computed stably, so logits of any finite size give finite values and gradients.

    Parameters
    ----------
    y_true : array of shape (batch, ..., C)
        Multi-hot targets in [0, 1].
    y_pred : array of shape (batch, ..., C)
        Logits, one per class.
    weight : array-like of shape (C,), optional
        Per-class weights :math:`w_c` (torch's ``weight``); defaults to 1.
    xp : namespace, optional
        Array API namespace; resolved from ``y_pred`` when omitted.

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> out = multilabel_soft_margin([[1.0, 0.0]], [[0.0, 0.0]])
    >>> round(float(out[0]), 6)
    0.693147
    >>> out = multilabel_soft_margin([[1.0, 0.0]], [[0.0, 0.0]], weight=[2.0, 0.0])
    >>> round(float(out[0]), 6)
    0.693147

    See Also
    --------
    losslab.binary_crossentropy
    """
    return _multilabel_soft_margin(y_true, y_pred, xp, weight=weight)


def _multilabel_soft_margin(y_true: Any, y_pred: Any, xp: Any, *, weight: Any = None, plain_mean: bool = False) -> Any:
    """:func:`multilabel_soft_margin`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "multilabel_soft_margin")
    check_range("multilabel_soft_margin", "y_true", y_true, 0.0, 1.0, "Multi-label targets are 0 or 1 per class.")
    class_weight = None if weight is None else _class_vector(weight, y_pred, xp, "weight", "multilabel_soft_margin")
    if on_torch(xp):
        return torch_multilabel_soft_margin(y_true, y_pred, class_weight, plain_mean)
    losses = -(y_true * log_sigmoid(y_pred, xp) + (1.0 - y_true) * log_sigmoid(-y_pred, xp))
    if class_weight is not None:
        losses = losses * class_weight
    return mean_of_terms(losses, -1, xp, plain_mean)


# ---------------------------------------------------------------- PolyLoss


def _poly1(y_true: Any, y_pred: Any, epsilon: float, from_logits: bool, xp: Any, kept: Any = None) -> Any:
    """Poly-1 over the last axis; ``kept`` (a mask of ``y_pred``'s shape, optional) keeps classes."""
    if kept is None:
        log_p = _categorical_log_probs(y_pred, from_logits, -1, xp)
    else:
        log_p = _masked_log_probs(y_pred, kept, from_logits, xp)
    cross_entropy = -masked_reduce(y_true * _target_log_probs(y_true, log_p, from_logits, xp), kept, -1, xp)
    one_minus_pt = masked_reduce(y_true * (1.0 - xp.exp(log_p)), kept, -1, xp)
    return cross_entropy + epsilon * one_minus_pt


def _check_epsilon(epsilon: Any, loss_name: str) -> None:
    check_real(loss_name, "epsilon", epsilon, -1.0)  # below -1 the loss no longer decreases in p_t


def poly1_crossentropy(
    y_true: Any,
    y_pred: Any,
    *,
    epsilon: float = 1.0,
    from_logits: bool = True,
    label_smoothing: float = 0.0,
    axis: int | tuple[int, ...] = -1,
    where: Any = None,
    xp: Any = None,
) -> Any:
    r"""Poly-1 cross-entropy (Leng et al., 2022): cross-entropy plus a weighted linear term in :math:`1 - p_t`.

    .. math:: \ell = -\sum_c y_c \log p_c + \varepsilon \sum_c y_c (1 - p_c)

    For one-hot labels the second sum is :math:`1 - p_t`, the leading term of
    cross-entropy's Taylor expansion, so :math:`\varepsilon` shifts its
    coefficient from 1 to :math:`1 + \varepsilon`; ``epsilon=0`` gives
    :func:`~losslab.categorical_crossentropy`. Label smoothing replaces
    :math:`y` by :math:`y(1 - s) + s / C` in both terms, as in the paper's
    code. Equals ``optax.losses.poly_loss_cross_entropy(y_pred, y_true,
    epsilon=epsilon, axis=axis, where=where)`` for logits (optax's default
    ``epsilon`` is 2.0; :func:`losslab.optax.poly_loss_cross_entropy` takes
    optax's arguments).

    ``where`` masks classes out, as in :func:`~losslab.categorical_crossentropy`:
    a masked class leaves the softmax (or the normalisation of the
    probabilities), both sums and, with label smoothing, the count :math:`C`;
    a row whose classes are all masked gives 0 (optax: 0), and values and
    gradients stay finite. A tuple ``axis`` makes the entries of several
    axes the classes, flattened in the order given. ``where`` is data of one
    batch, so the class form does not take it.

    Parameters
    ----------
    y_true : array of shape (batch, ..., C)
        One-hot or soft labels. Integer class indices raise an error pointing
        to :func:`sparse_poly1_crossentropy`.
    y_pred : array of shape (batch, ..., C)
        Logits, or probabilities when ``from_logits=False``.
    epsilon : float, default 1.0
        Coefficient of :math:`1 - p_t`, >= -1. The paper recommends 2 for
        ImageNet classification and -1 for detection.
    from_logits : bool, default True
    label_smoothing : float in [0, 1], default 0
    axis : int or tuple of int, default -1
        The class axis, or several distinct axes whose entries together are the classes.
    where : bool array of the shape of ``y_pred``, or of that shape without ``axis``, optional
        The classes to include (without the class axis, one flag masks a
        whole row). Never broadcast otherwise.
    xp : namespace, optional

    Returns
    -------
    array with ``axis`` removed

    Examples
    --------
    >>> out = poly1_crossentropy([[0.0, 1.0]], [[0.0, 0.0]], epsilon=1.0)
    >>> round(float(out[0]), 6)  # log(2) + 0.5
    1.193147
    >>> out = poly1_crossentropy([[0.0, 1.0, 0.0]], [[0.0, 0.0, 9.0]], where=[[True, True, False]])
    >>> round(float(out[0]), 6)  # the third class is out: log(2) + 0.5 again
    1.193147

    References
    ----------
    Leng et al., "PolyLoss: A Polynomial Expansion Perspective of
    Classification Loss Functions", ICLR 2022.

    See Also
    --------
    sparse_poly1_crossentropy, losslab.categorical_crossentropy, losslab.categorical_focal_crossentropy
    """
    name = "poly1_crossentropy"
    _check_epsilon(epsilon, name)
    smooths = _check_label_smoothing(label_smoothing, name)
    xp, y_true, y_pred = _dense_inputs(y_true, y_pred, xp, from_logits, name, "use sparse_poly1_crossentropy for them.")
    axes = check_axes(axis, y_pred.ndim, name)
    kept = None if where is None else where_mask(where, tuple(y_pred.shape), axes, xp, y_pred, name)
    if axes != (y_pred.ndim - 1,):
        y_true, y_pred = merge_axes(y_true, axes, xp), merge_axes(y_pred, axes, xp)
        kept = None if kept is None else merge_axes(kept, axes, xp)
    if smooths and kept is not None:
        y_true = _smoothed_over(y_true, label_smoothing, kept, xp)
    elif smooths:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_pred.shape[-1]
    return _poly1(y_true, y_pred, epsilon, from_logits, xp, kept)


def sparse_poly1_crossentropy(
    y_true: Any,
    y_pred: Any,
    *,
    epsilon: float = 1.0,
    from_logits: bool = True,
    label_smoothing: float = 0.0,
    xp: Any = None,
) -> Any:
    r"""Poly-1 cross-entropy with integer class indices as labels.

    .. math:: \ell = -\log p_y + \varepsilon\,(1 - p_y)

    (with label smoothing, the one-hot encoding of :math:`y` is smoothed as
    in :func:`poly1_crossentropy`).

    Parameters
    ----------
    y_true : int array of shape (batch, ...)
        Class indices in ``[0, C)``; a trailing axis of size 1 is squeezed.
    y_pred : array of shape (batch, ..., C)
        Logits, or probabilities when ``from_logits=False``.
    epsilon : float, default 1.0
        Coefficient of :math:`1 - p_y`, >= -1.
    from_logits : bool, default True
    label_smoothing : float in [0, 1], default 0
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> out = sparse_poly1_crossentropy([1], [[0.0, 0.0]], epsilon=2.0)
    >>> round(float(out[0]), 6)  # log(2) + 2 * 0.5
    1.693147

    References
    ----------
    Leng et al., "PolyLoss: A Polynomial Expansion Perspective of
    Classification Loss Functions", ICLR 2022.

    See Also
    --------
    poly1_crossentropy, losslab.sparse_categorical_crossentropy
    """
    _check_epsilon(epsilon, "sparse_poly1_crossentropy")
    smooths = _check_label_smoothing(label_smoothing, "sparse_poly1_crossentropy")
    xp, labels, y_pred, _ = _sparse_inputs(y_true, y_pred, xp, -1, "sparse_poly1_crossentropy", from_logits=from_logits)
    num_classes = y_pred.shape[-1]
    target = one_hot(labels, num_classes, xp, y_pred.dtype)
    if smooths:
        target = target * (1.0 - label_smoothing) + label_smoothing / num_classes
    return _poly1(target, y_pred, epsilon, from_logits, xp)


# ---------------------------------------------------------------- symmetric cross-entropy


def symmetric_crossentropy(
    y_true: Any,
    y_pred: Any,
    *,
    alpha: float = 0.1,
    beta: float = 1.0,
    from_logits: bool = False,
    log_zero: float = -4.0,
    xp: Any = None,
) -> Any:
    r"""Symmetric cross-entropy (Wang et al., 2019): cross-entropy plus reverse cross-entropy.

    .. math:: \ell = -\alpha \sum_c q_c \log p_c \;-\; \beta \sum_c p_c \log q_c,
              \qquad \log 0 := A

    with :math:`q` the labels, :math:`p` the predicted probabilities and
    :math:`A` = ``log_zero``. The reverse term reads the labels as the
    prediction; for one-hot labels it is :math:`-A\,(1 - p_y)`, a bounded,
    noise-robust, MAE-like term. Label values in :math:`(0, e^A)` also get
    :math:`\log q = A` (``max(log q, A)``), which is how the authors' code
    implements it by clipping labels to ``[1e-4, 1]``, i.e. :math:`A = \log
    10^{-4} \approx -9.21` there while the paper uses :math:`A = -4`. In the
    reverse term :math:`p` is clipped to :math:`[10^{-7}, 1]`, as in the
    authors' code.

    Parameters
    ----------
    y_true : array of shape (batch, ..., C)
        One-hot (or soft) labels.
    y_pred : array of shape (batch, ..., C)
        Probabilities, or logits when ``from_logits=True``.
    alpha : float, default 0.1
        Weight of cross-entropy, >= 0. The paper uses 0.1 on CIFAR-10 and
        6.0 on CIFAR-100.
    beta : float, default 1.0
        Weight of reverse cross-entropy, >= 0.
    from_logits : bool, default False
    log_zero : float, default -4.0
        :math:`A`, the value taken for :math:`\log 0`; < 0.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> out = symmetric_crossentropy([[0.0, 1.0]], [[0.5, 0.5]], alpha=1.0, beta=1.0)
    >>> round(float(out[0]), 6)  # log(2) + 4 * 0.5
    2.693147

    References
    ----------
    Wang et al., "Symmetric Cross Entropy for Robust Learning with Noisy
    Labels", ICCV 2019.

    See Also
    --------
    losslab.categorical_crossentropy, losslab.categorical_generalized_cross_entropy
    """
    for arg, value in (("alpha", alpha), ("beta", beta)):
        check_real("symmetric_crossentropy", arg, value, 0.0)
    check_real("symmetric_crossentropy", "log_zero", log_zero, high=0.0, open_high=True)
    xp, y_true, y_pred = _dense_inputs(
        y_true, y_pred, xp, from_logits, "symmetric_crossentropy", "one-hot encode them to the shape of y_pred."
    )
    log_p = _categorical_log_probs(y_pred, from_logits, -1, xp)
    cross_entropy = -xp.sum(y_true * _target_log_probs(y_true, log_p, from_logits, xp), axis=-1)
    positive = y_true > 0
    log_q = xp.log(xp.where(positive, y_true, xp.ones_like(y_true)))
    log_q = xp.where(positive, xp.clip(log_q, log_zero), xp.full_like(y_true, log_zero))
    reverse = -xp.sum(xp.clip(xp.exp(log_p), EPSILON, 1.0) * log_q, axis=-1)
    return alpha * cross_entropy + beta * reverse


# ---------------------------------------------------------------- class weights


def class_balanced_weights(samples_per_class: Any, *, beta: float = 0.9999) -> Any:
    r"""Class-balanced weights (Cui et al., 2019): inverse effective numbers of samples.

    .. math:: E_c = \frac{1 - \beta^{n_c}}{1 - \beta}, \qquad
              w_c = \frac{C}{\sum_k E_k^{-1}} \, E_c^{-1}

    so the weights sum to the number of classes :math:`C`. ``beta = 0``
    gives equal weights; :math:`\beta \to 1` tends to inverse class
    frequency, which ``beta = 1`` gives exactly. The paper tries
    :math:`\beta \in \{0.9, 0.99, 0.999, 0.9999\}`.

    Parameters
    ----------
    samples_per_class : array-like of shape (C,)
        Number of training samples of each class, each > 0.
    beta : float in [0, 1], default 0.9999

    Returns
    -------
    numpy.ndarray of shape (C,), float64
        Use it as ``class_weight`` of :func:`class_weighted_crossentropy`, as
        ``weight`` of :func:`multilabel_soft_margin`, or index it by the
        labels to get a ``sample_weight`` for any loss class.

    Examples
    --------
    >>> import numpy as np
    >>> weights = class_balanced_weights([900, 90, 10], beta=0.99)
    >>> [round(float(w), 4) for w in weights]
    [0.2284, 0.3836, 2.388]

    Weight each sample's focal loss by its class, averaged with the weights
    (``mean_with_sample_weight``; ``"sum_over_batch_size"`` divides by the
    batch size instead):

    >>> import losslab
    >>> labels = np.array([0, 2])
    >>> probs = np.array([[0.8, 0.1, 0.1], [0.3, 0.3, 0.4]])
    >>> focal = losslab.CategoricalFocalCrossentropy(reduction="mean_with_sample_weight")
    >>> round(float(focal(np.eye(3)[labels], probs, sample_weight=weights[labels])), 6)
    0.075463

    References
    ----------
    Cui, Jia, Lin, Song & Belongie, "Class-Balanced Loss Based on Effective
    Number of Samples", CVPR 2019.

    See Also
    --------
    class_weighted_crossentropy
    """
    counts = to_numpy(samples_per_class) if is_array(samples_per_class) else np.asarray(samples_per_class)
    if counts.ndim != 1 or counts.size == 0 or not np.issubdtype(counts.dtype, np.number):
        msg = (
            "class_balanced_weights: samples_per_class must be a non-empty 1-D sequence of counts, one per class; "
            f"got shape {counts.shape} and dtype {counts.dtype}"
        )
        raise ValueError(msg)
    counts = counts.astype("float64")
    if not (np.isfinite(counts) & (counts > 0)).all():
        msg = (
            "class_balanced_weights: every class needs a finite, positive sample count; got "
            f"{counts.tolist()}. Drop classes without samples, or give them a weight yourself."
        )
        raise ValueError(msg)
    check_real("class_balanced_weights", "beta", beta, 0.0, 1.0)
    if beta == 0.0:
        inverse = np.ones_like(counts)
    elif beta == 1.0:
        inverse = 1.0 / counts
    else:  # (1 - beta) / (1 - beta^n), with 1 - beta^n = -expm1(n log beta) accurate for beta near 1
        inverse = (1.0 - beta) / -np.expm1(counts * math.log(beta))
    return inverse * (counts.size / inverse.sum())


def _class_weighted_parts(
    y_true: Any, y_pred: Any, xp: Any, class_weight: Any, from_logits: bool, sparse: bool
) -> tuple[Any, Any, Any]:
    """``(xp, losses, target weights)``: the weighted cross-entropy and each sample's weight."""
    name = "class_weighted_crossentropy"
    if sparse:
        xp, labels, y_pred, _ = _sparse_inputs(y_true, y_pred, xp, -1, name, from_logits=from_logits)
        target = one_hot(labels, y_pred.shape[-1], xp, y_pred.dtype)
    else:
        xp, target, y_pred = _dense_inputs(y_true, y_pred, xp, from_logits, name, "pass sparse=True for them.")
    weighted_target = target * _class_vector(class_weight, y_pred, xp, "class_weight", name)
    log_p = _target_log_probs(weighted_target, _categorical_log_probs(y_pred, from_logits, -1, xp), from_logits, xp)
    return xp, -xp.sum(weighted_target * log_p, axis=-1), xp.sum(weighted_target, axis=-1)


def class_weighted_crossentropy(
    y_true: Any,
    y_pred: Any,
    *,
    class_weight: Any,
    from_logits: bool = False,
    sparse: bool = False,
    xp: Any = None,
) -> Any:
    r"""Cross-entropy with each class's term scaled by a per-class weight.

    .. math:: \ell = -\sum_c w_c\, y_c \log p_c

    so a one-hot sample of class :math:`y` costs :math:`w_y` times its
    cross-entropy. These are the per-sample values of
    ``torch.nn.functional.cross_entropy(logits, target, weight=class_weight,
    reduction="none")``, for class-index and class-probability targets.

    **Reductions.** ``reduction="sum"`` of the class form is torch's
    ``"sum"``. torch's ``"mean"`` with class-index targets divides by the
    sum of the weights of the targets, :math:`\sum_i w_{y_i}`: that is the
    class form's ``reduction="mean_with_sample_weight"``, which divides by
    :math:`\sum_i s_i \sum_c w_c y_{ic}` (``s`` the sample weights, 1 when
    omitted). The default ``"sum_over_batch_size"`` divides by the batch size,
    which is torch's ``"mean"`` for class-probability targets.

    Parameters
    ----------
    y_true : array of shape (batch, ..., C), or int array of shape (batch, ...) when ``sparse``
        One-hot (or soft) labels, or class indices.
    y_pred : array of shape (batch, ..., C)
        Probabilities, or logits when ``from_logits=True``.
    class_weight : array-like of shape (C,)
        Weight of each class, >= 0, e.g. from :func:`class_balanced_weights`.
    from_logits : bool, default False
    sparse : bool, default False
        Whether ``y_true`` holds class indices.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> import numpy as np
    >>> weights = class_balanced_weights([900, 90, 10], beta=0.99)
    >>> probs = np.array([[0.8, 0.1, 0.1], [0.3, 0.3, 0.4]])
    >>> out = class_weighted_crossentropy([0, 2], probs, class_weight=weights, sparse=True)
    >>> [round(float(v), 4) for v in out]  # 0.2284 * -log(0.8), 2.388 * -log(0.4)
    [0.051, 2.1881]
    >>> loss = ClassWeightedCrossentropy(class_weight=weights, sparse=True, reduction="mean_with_sample_weight")
    >>> round(float(loss([0, 2], probs)), 4)  # torch's weighted mean: (0.051 + 2.188) / (0.2284 + 2.388)
    0.8558

    The same weights work with any loss as sample weights, e.g.
    ``losslab.CategoricalFocalCrossentropy(reduction="mean_with_sample_weight")(
    y_true, y_pred, sample_weight=weights[labels])``.

    References
    ----------
    Cui, Jia, Lin, Song & Belongie, "Class-Balanced Loss Based on Effective
    Number of Samples", CVPR 2019.

    See Also
    --------
    class_balanced_weights, losslab.categorical_crossentropy, losslab.sparse_categorical_crossentropy
    """
    return _class_weighted_parts(y_true, y_pred, xp, class_weight, from_logits, sparse)[1]


# ---------------------------------------------------------------- classes


class MultilabelSoftMargin(LossFunctionWrapper):
    """Class form of :func:`multilabel_soft_margin` (``weight``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self, weight: Any = None, reduction: Any = _DEFAULT, name: str = "multilabel_soft_margin", dtype: Any = None
    ) -> None:
        weight = _weight_config(weight, "weight", "MultilabelSoftMargin")
        super().__init__(multilabel_soft_margin, reduction=reduction, name=name, dtype=dtype, weight=weight)


class Poly1Crossentropy(LossFunctionWrapper):
    """Class form of :func:`poly1_crossentropy`; other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        epsilon: float = 1.0,
        from_logits: bool = True,
        label_smoothing: float = 0.0,
        reduction: Any = _DEFAULT,
        name: str = "poly1_crossentropy",
        dtype: Any = None,
        axis: int | tuple[int, ...] = -1,
    ) -> None:
        _check_epsilon(epsilon, "Poly1Crossentropy")
        _check_label_smoothing(label_smoothing, "Poly1Crossentropy")
        super().__init__(
            poly1_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            epsilon=epsilon,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axes_argument(axis),
        )


class SparsePoly1Crossentropy(LossFunctionWrapper):
    """Class form of :func:`sparse_poly1_crossentropy`; other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        epsilon: float = 1.0,
        from_logits: bool = True,
        label_smoothing: float = 0.0,
        reduction: Any = _DEFAULT,
        name: str = "sparse_poly1_crossentropy",
        dtype: Any = None,
    ) -> None:
        _check_epsilon(epsilon, "SparsePoly1Crossentropy")
        _check_label_smoothing(label_smoothing, "SparsePoly1Crossentropy")
        super().__init__(
            sparse_poly1_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            epsilon=epsilon,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
        )


class SymmetricCrossentropy(LossFunctionWrapper):
    """Class form of :func:`symmetric_crossentropy`; other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        alpha: float = 0.1,
        beta: float = 1.0,
        from_logits: bool = False,
        log_zero: float = -4.0,
        reduction: Any = _DEFAULT,
        name: str = "symmetric_crossentropy",
        dtype: Any = None,
    ) -> None:
        for arg, value in (("alpha", alpha), ("beta", beta)):
            check_real("SymmetricCrossentropy", arg, value, 0.0)
        check_real("SymmetricCrossentropy", "log_zero", log_zero, high=0.0, open_high=True)
        super().__init__(
            symmetric_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            beta=beta,
            from_logits=from_logits,
            log_zero=log_zero,
        )


class ClassWeightedCrossentropy(LossFunctionWrapper):
    """Class form of :func:`class_weighted_crossentropy`; other arguments as in :class:`~losslab.Loss`.

    ``reduction="mean_with_sample_weight"`` divides by the sum of each
    sample's weight times the weight of its class (torch's weighted mean);
    see :func:`class_weighted_crossentropy`. ``class_weight`` is stored as a
    list of floats, so configs stay JSON-ready.
    """

    def __init__(
        self,
        class_weight: Any,
        from_logits: bool = False,
        sparse: bool = False,
        reduction: Any = _DEFAULT,
        name: str = "class_weighted_crossentropy",
        dtype: Any = None,
    ) -> None:
        class_weight = _weight_config(class_weight, "class_weight", "ClassWeightedCrossentropy")
        super().__init__(
            class_weighted_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            class_weight=class_weight,
            from_logits=from_logits,
            sparse=sparse,
        )

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        if self.reduction != "mean_with_sample_weight":
            return super().__call__(y_true, y_pred, sample_weight)
        _refuse_keras_wrapper(self)  # this path does not pass through Loss.__call__, whose check it is
        xp, y_true, y_pred = as_arrays(y_true, y_pred, dtype=self.dtype)
        y_true, y_pred = align_ranks(y_true, y_pred, xp)
        xp, losses, target_weight = _class_weighted_parts(y_true, y_pred, xp, **self._fn_kwargs)
        total = reduce_weighted_values(losses, xp, sample_weight, reduction="sum")
        return divide_no_nan(total, reduce_weighted_values(target_weight, xp, sample_weight, reduction="sum"), xp)


# ---------------------------------------------------------------- segmentation_models_pytorch's soft cross-entropies


def _check_smooth_factor(smooth_factor: Any, loss_name: str) -> float:
    """``smooth_factor`` as a float in [0, 1] (``None``: 0, no smoothing)."""
    if smooth_factor is None:
        return 0.0
    if isinstance(smooth_factor, bool) or not isinstance(smooth_factor, (int, float)) or not 0 <= smooth_factor <= 1:
        msg = f"{loss_name}: smooth_factor must be None or a float in [0, 1]; got smooth_factor={smooth_factor!r}"
        raise ValueError(msg)
    return float(smooth_factor)


def soft_bce_with_logits(
    y_true: Any,
    y_pred: Any,
    *,
    smooth_factor: float | None = None,
    ignore_index: float | None = -100,
    pos_weight: Any = None,
    xp: Any = None,
) -> Any:
    r"""Binary cross-entropy on logits with smoothed targets and ignored entries (segmentation_models_pytorch's).

    .. math:: \ell = \frac{1}{d} \sum_i m_i \big(w_+\, t_i \log(1 + e^{-x_i}) + (1 - t_i) \log(1 + e^{x_i})\big),
              \quad t = (1 - y) s + y (1 - s)

    with :math:`s` = ``smooth_factor`` (``0.1`` maps targets 1, 0 to 0.9, 0.1), :math:`w_+` = ``pos_weight``
    (torch's, one per class) and :math:`m_i = 0` where ``y_true == ignore_index``, else 1. The mean
    runs over the last axis, ignored entries included as 0: segmentation_models_pytorch's
    ``SoftBCEWithLogitsLoss`` mean counts every entry, ignored or not. (torch's ``CrossEntropyLoss`` averages
    over the kept entries instead.) The log-sigmoids are computed stably: finite for any finite logit.

    Parameters
    ----------
    y_true : array of shape (batch, ..., d)
        Targets in [0, 1], and ``ignore_index`` where an entry is left out.
    y_pred : array of shape (batch, ..., d)
        Logits.
    smooth_factor : float in [0, 1], optional
        Moves each target towards the other label by this much.
    ignore_index : float, default -100
        A target value marking entries to leave out (``None``: none).
    pos_weight : array-like of shape (d,), optional
        The weight of the positive term, one per class (the last axis), as torch's.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    segmentation_models_pytorch's own test: four kept entries of about 0.9 each, one ignored, over 5.

    >>> out = soft_bce_with_logits([[0, 1, -100, 1, 0]], [[-9.0, 9.0, 1.0, 9.0, -9.0]], smooth_factor=0.1)
    >>> round(float(out[0]), 4)
    0.7201

    See Also
    --------
    binary_crossentropy, soft_crossentropy
    """
    name = "soft_bce_with_logits"
    smooth = _check_smooth_factor(smooth_factor, name)
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    check_same_shape(y_true, y_pred, name)
    if y_pred.ndim == 0:
        msg = f"{name}: y_pred must have shape (batch, ..., d); got a scalar"
        raise ValueError(msg)
    check_finite(name, y_pred=y_pred)
    labels = cast_like(y_true, y_pred, xp)
    keep = None if ignore_index is None else y_true != ignore_index
    if keep is not None:
        labels = xp.where(keep, labels, xp.zeros_like(labels))  # ignored entries: any finite target, then masked
    check_range(name, "y_true", labels, 0.0, 1.0, "Targets are 0 or 1 (or soft), with ignore_index for left-out ones.")
    targets = (1.0 - labels) * smooth + labels * (1.0 - smooth) if smooth else labels
    positive = -log_sigmoid(y_pred, xp)
    if pos_weight is not None:
        positive = positive * _class_vector(pos_weight, y_pred, xp, "pos_weight", name)
    losses = targets * positive + (1.0 - targets) * -log_sigmoid(-y_pred, xp)
    if keep is not None:
        losses = xp.where(keep, losses, xp.zeros_like(losses))
    return xp.mean(losses, axis=-1)


def soft_crossentropy(
    y_true: Any,
    y_pred: Any,
    *,
    smooth_factor: float | None = None,
    ignore_index: int | None = -100,
    xp: Any = None,
) -> Any:
    r"""Cross-entropy on logits with label smoothing and ignored labels (segmentation_models_pytorch's).

    .. math:: \ell = m \Big((1 - s)\,\big(-\log p_y\big) + \frac{s}{C} \sum_{c=1}^{C} -\log p_c\Big),
              \quad p = \operatorname{softmax}(x)

    with :math:`s` = ``smooth_factor`` and :math:`m = 0` where the label is ``ignore_index``, else 1 (the
    loss of an ignored position is 0, and a mean over positions counts it, as segmentation_models_pytorch's
    ``SoftCrossEntropyLoss`` does). A label outside ``[0, C)`` that is not ``ignore_index`` gives NaN
    (:func:`losslab.set_value_checks` turns it into an error), as in :func:`sparse_categorical_crossentropy`.

    Parameters
    ----------
    y_true : int array of shape (batch, ...)
        Class indices, and ``ignore_index`` where a position is left out (float labels, as Keras passes
        them, are cast to integers).
    y_pred : array of shape (batch, ..., C)
        Logits, classes last.
    smooth_factor : float in [0, 1], optional
        The mass spread evenly over the classes (``None``: 0).
    ignore_index : int, default -100
        A label marking positions to leave out (``None``: none).
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...), the shape of ``y_true``

    Examples
    --------
    segmentation_models_pytorch's own test: right logits of +-9 over 4 classes, one label ignored.

    >>> logits = [[9.0, -9, -9, -9], [-9, 9, -9, -9], [-9, -9, 9, -9], [-9, -9, -9, 9]]
    >>> out = soft_crossentropy([0, 1, -100, 3], logits, smooth_factor=0.1)
    >>> round(float(out.mean()), 4)
    1.0125

    See Also
    --------
    sparse_categorical_crossentropy, soft_bce_with_logits
    """
    name = "soft_crossentropy"
    smooth = _check_smooth_factor(smooth_factor, name)
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    if y_pred.ndim == 0:
        msg = f"{name}: y_pred must have a class axis, shape (batch, ..., C); got a scalar"
        raise ValueError(msg)
    if tuple(y_true.shape) != tuple(y_pred.shape[:-1]):
        msg = (
            f"{name}: y_true must hold one class index per position, of shape {tuple(y_pred.shape[:-1])} "
            f"(y_pred's shape without the class axis); got y_true {tuple(y_true.shape)} and y_pred "
            f"{tuple(y_pred.shape)}"
        )
        raise ValueError(msg)
    if not xp.isdtype(y_true.dtype, "integral"):  # float labels, as Keras passes them: whole numbers
        y_true = xp.astype(y_true, xp.int32)
    num_classes = y_pred.shape[-1]
    check_scores(name, y_pred, True)
    check_labels(name, y_true, num_classes, ignore_index, ignore_arg="ignore_index")
    log_p = log_softmax(y_pred, -1, xp)
    keep = xp.ones_like(y_true, dtype=xp.bool) if ignore_index is None else y_true != ignore_index
    labels = xp.where(keep, y_true, xp.zeros_like(y_true))
    nll = -xp.sum(one_hot(labels, num_classes, xp, y_pred.dtype) * log_p, axis=-1)
    losses = (1.0 - smooth) * nll + (smooth / num_classes) * -xp.sum(log_p, axis=-1) if smooth else nll
    losses = xp.where(keep, losses, xp.zeros_like(losses))
    return nan_out_of_range(losses, labels, num_classes, xp)


class SoftBCEWithLogits(LossFunctionWrapper):
    """Class form of :func:`soft_bce_with_logits` (``smooth_factor``, ``ignore_index``, ``pos_weight``)."""

    def __init__(
        self,
        smooth_factor: float | None = None,
        ignore_index: float | None = -100,
        pos_weight: Any = None,
        reduction: Any = _DEFAULT,
        name: str = "soft_bce_with_logits",
        dtype: Any = None,
    ) -> None:
        _check_smooth_factor(smooth_factor, "SoftBCEWithLogits")
        weight = _weight_config(pos_weight, "pos_weight", "SoftBCEWithLogits")  # a list of floats: JSON-ready configs
        super().__init__(
            soft_bce_with_logits,
            reduction=reduction,
            name=name,
            dtype=dtype,
            smooth_factor=smooth_factor,
            ignore_index=ignore_index,
            pos_weight=weight,
        )


class SoftCrossEntropy(LossFunctionWrapper):
    """Class form of :func:`soft_crossentropy` (``smooth_factor``, ``ignore_index``)."""

    def __init__(
        self,
        smooth_factor: float | None = None,
        ignore_index: int | None = -100,
        reduction: Any = _DEFAULT,
        name: str = "soft_crossentropy",
        dtype: Any = None,
    ) -> None:
        _check_smooth_factor(smooth_factor, "SoftCrossEntropy")
        super().__init__(
            soft_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            smooth_factor=smooth_factor,
            ignore_index=ignore_index,
        )

    def call(self, y_true: Any, y_pred: Any) -> Any:
        # Label maps have one axis fewer than y_pred: rank alignment would squeeze a single class axis.
        return self.fn(y_true, y_pred, **self._fn_kwargs)
