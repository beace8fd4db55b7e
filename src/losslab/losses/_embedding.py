r"""Metric-learning losses on scores, embeddings and distances: margin ranking, triplet, contrastive.

These losses compare several model outputs with each other rather than with a
target, so ``y_pred`` packs the compared outputs and ``y_true`` says how they
should relate:

* :func:`margin_ranking`: ``y_pred[..., 0]`` and ``y_pred[..., 1]`` are two
  scores, ``y_true`` in :math:`\{-1, 1\}` says which should rank higher.
* :func:`triplet_margin`: ``y_pred[:, 0]``, ``y_pred[:, 1]``, ``y_pred[:, 2]``
  are anchor, positive and negative embeddings; ``y_true`` is ignored.
* :func:`contrastive`: ``y_pred`` is the distance between the two embeddings
  of a pair, ``y_true`` is 1 for a similar pair and 0 for a dissimilar one.

Values follow ``torch.nn.functional`` where torch has the loss. Classes are
thin wrappers; their shared arguments are documented on :class:`~losslab.Loss`.
"""

from __future__ import annotations

import math
from typing import Any

from losslab._backend import as_arrays, cast_like, namespace
from losslab._checks import check_finite, check_range
from losslab.losses._loss import LossFunctionWrapper
from losslab.losses._ops import check_real, prepare_pair, relu

_DEFAULT = "sum_over_batch_size"


# ---------------------------------------------------------------- margin ranking


def margin_ranking(y_true: Any, y_pred: Any, *, margin: float = 0.0, xp: Any = None) -> Any:
    r"""Margin ranking loss: a hinge on the difference of two scores, as in torch.

    .. math:: \ell = \max\left(0,\; -y\,(x_1 - x_2) + m\right)

    with :math:`(x_1, x_2)` the two scores in the trailing axis of ``y_pred``.
    :math:`y = 1` asks for :math:`x_1 \ge x_2 + m`, :math:`y = -1` for
    :math:`x_2 \ge x_1 + m`. Equals ``torch.nn.functional.margin_ranking_loss(
    y_pred[..., 0], y_pred[..., 1], y_true, margin=margin, reduction="none")``.

    Parameters
    ----------
    y_true : array of shape (batch, ...)
        Which score should be higher: 1 for the first, -1 for the second. A
        trailing axis of size 1 is squeezed.
    y_pred : array of shape (batch, ..., 2)
        The two scores ``(x1, x2)`` of each pair, stacked along the last axis,
        e.g. ``xp.stack([score1, score2], axis=-1)``.
    margin : float, default 0.0
        How far apart the scores must be, >= 0.
    xp : namespace, optional
        Array API namespace; resolved from ``y_pred`` when omitted.

    Returns
    -------
    array of shape (batch, ...)
        One loss per pair (``y_pred``'s shape without the last axis).

    Examples
    --------
    >>> margin_ranking([1.0, -1.0, 1.0], [[2.0, 1.0], [2.0, 1.0], [1.0, 1.5]], margin=0.5)
    array([0. , 1.5, 1. ], dtype=float32)

    See Also
    --------
    triplet_margin, losslab.hinge
    """
    check_real("margin_ranking", "margin", margin, 0.0)
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    if y_pred.ndim == 0 or y_pred.shape[-1] != 2:
        msg = (
            "margin_ranking: y_pred must hold the two scores (x1, x2) of each pair in a last axis of size 2, "
            f"shape (batch, ..., 2); got y_pred {tuple(y_pred.shape)}. Stack them with xp.stack([x1, x2], axis=-1)."
        )
        raise ValueError(msg)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = xp.squeeze(y_true, axis=-1)
    if tuple(y_true.shape) != tuple(y_pred.shape[:-1]):
        msg = (
            f"margin_ranking: y_true must hold one label in {{-1, 1}} per pair, of shape {tuple(y_pred.shape[:-1])} "
            f"(y_pred's shape without its last axis); got y_true {tuple(y_true.shape)} and y_pred {tuple(y_pred.shape)}"
        )
        raise ValueError(msg)
    check_finite("margin_ranking", y_true=y_true, y_pred=y_pred)
    check_range("margin_ranking", "y_true", y_true, -1.0, 1.0, "Ranking labels are 1 (x1 higher) or -1 (x2 higher).")
    y_true = cast_like(y_true, y_pred, xp)
    difference = y_pred[..., 0] - y_pred[..., 1]
    return relu(margin - y_true * difference, xp)


# ---------------------------------------------------------------- triplet margin


def _p_norm(x: Any, p: float, xp: Any) -> Any:
    """The ``p``-norm over the last axis, with a zero (not NaN) gradient at the zero vector."""
    magnitude = xp.abs(x)
    if p == math.inf:
        return xp.max(magnitude, axis=-1)
    if p == 1:
        return xp.sum(magnitude, axis=-1)
    if p == 2:
        total = xp.sum(x * x, axis=-1)
        nonzero = total > 0
        return xp.where(nonzero, xp.sqrt(xp.where(nonzero, total, xp.ones_like(total))), xp.zeros_like(total))
    # Scaled by the largest entry so that |x|^p neither overflows nor underflows.
    peak = xp.max(magnitude, axis=-1, keepdims=True)
    nonzero = peak > 0
    safe_peak = xp.where(nonzero, peak, xp.ones_like(peak))
    total = xp.sum((magnitude / safe_peak) ** p, axis=-1, keepdims=True)
    norm = safe_peak * xp.where(nonzero, total, xp.ones_like(total)) ** (1.0 / p)
    return xp.squeeze(xp.where(nonzero, norm, xp.zeros_like(norm)), axis=-1)


def _triplets(y_pred: Any, xp: Any) -> tuple[Any, Any]:
    """``y_pred`` as one ``(batch, ..., 3, d)`` array; a tuple of three arrays is stacked on axis -2."""
    if isinstance(y_pred, tuple):
        if len(y_pred) != 3:
            msg = f"triplet_margin: a tuple y_pred must be (anchor, positive, negative); got a tuple of {len(y_pred)}"
            raise ValueError(msg)
        xp = namespace(*y_pred) if xp is None else xp
        parts = [as_arrays(0.0, part, xp=xp)[2] for part in y_pred]
        shapes = [tuple(part.shape) for part in parts]
        if len(set(shapes)) != 1 or not shapes[0]:
            msg = f"triplet_margin: anchor, positive and negative must share one shape (batch, ..., d); got {shapes}"
            raise ValueError(msg)
        return xp, xp.stack(parts, axis=-2)
    xp, _, y_pred = as_arrays(0.0, y_pred, xp=xp)
    if y_pred.ndim < 3 or y_pred.shape[-2] != 3:
        msg = (
            "triplet_margin: y_pred must stack (anchor, positive, negative) embeddings along axis -2, shape "
            f"(batch, ..., 3, d); got y_pred {tuple(y_pred.shape)}. Stack them with xp.stack([a, p, n], axis=1) "
            "or pass the tuple (a, p, n)."
        )
        raise ValueError(msg)
    return xp, y_pred


def triplet_margin(
    y_true: Any,
    y_pred: Any,
    *,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    xp: Any = None,
) -> Any:
    r"""Triplet margin loss (Balntas et al., 2016): anchors nearer their positive than their negative.

    .. math:: \ell = \max\left(0,\; m + d(a, p) - d(a, n)\right), \quad
              d(x, y) = \| x - y + \varepsilon \|_p

    The :math:`\varepsilon` added to the difference is torch's
    ``pairwise_distance``: it keeps the norm away from 0 and its gradient
    finite when two embeddings coincide. With ``swap``, :math:`d(a, n)` is
    replaced by :math:`\min(d(a, n), d(p, n))` (the distance swap). Equals
    ``torch.nn.functional.triplet_margin_loss(a, p, n, margin, p, eps, swap,
    reduction="none")``. (``optax.losses.triplet_margin_loss`` instead adds
    its ``eps`` inside the sum of powers and skips the absolute value.)

    Parameters
    ----------
    y_true : ignored
        Triplets carry their own supervision. Any array, or ``None``, is
        accepted so that the loss fits Keras's ``loss(y_true, y_pred)``
        calling convention (e.g. dummy targets in ``model.fit``).
    y_pred : array of shape (batch, ..., 3, d), or a tuple of three arrays of shape (batch, ..., d)
        Anchor, positive and negative embeddings: ``y_pred[:, 0]``,
        ``y_pred[:, 1]`` and ``y_pred[:, 2]`` for ``(batch, 3, d)`` input.
    margin : float, default 1.0
        Required gap between the negative and the positive distance, >= 0.
    p : float, default 2.0
        Degree of the norm, > 0; ``math.inf`` gives the largest absolute difference.
    eps : float, default 1e-6
        Added to every difference before the norm, >= 0.
    swap : bool, default False
        Use the distance swap of Balntas et al.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> import numpy as np
    >>> anchor, positive, negative = np.array([[0.0, 0.0]]), np.array([[0.0, 3.0]]), np.array([[0.0, 4.0]])
    >>> out = triplet_margin(None, np.stack([anchor, positive, negative], axis=1), eps=0.0)
    >>> float(out[0])
    0.0
    >>> float(triplet_margin(None, (anchor, positive, negative), eps=0.0, swap=True)[0])
    3.0

    References
    ----------
    Balntas, Riba, Ponsa & Mikolajczyk, "Learning local feature descriptors
    with triplets and shallow convolutional neural networks", BMVC 2016.

    See Also
    --------
    contrastive, margin_ranking, circle
    """
    check_real("triplet_margin", "margin", margin, 0.0)
    check_real("triplet_margin", "p", p, 0.0, math.inf, open_low=True, allow_inf=True)
    check_real("triplet_margin", "eps", eps, 0.0)
    xp, y_pred = _triplets(y_pred, xp)
    check_finite("triplet_margin", y_pred=y_pred)
    anchor, positive, negative = y_pred[..., 0, :], y_pred[..., 1, :], y_pred[..., 2, :]
    positive_distance = _p_norm(anchor - positive + eps, p, xp)
    negative_distance = _p_norm(anchor - negative + eps, p, xp)
    if swap:
        negative_distance = xp.minimum(negative_distance, _p_norm(positive - negative + eps, p, xp))
    return relu(margin + positive_distance - negative_distance, xp)


# ---------------------------------------------------------------- contrastive


def contrastive(y_true: Any, y_pred: Any, *, margin: float = 1.0, xp: Any = None) -> Any:
    r"""Contrastive loss (Hadsell, Chopra & LeCun, 2006) on the distances of pairs.

    .. math:: \ell = y\, D^2 + (1 - y)\,\max(m - D, 0)^2

    Similar pairs (:math:`y = 1`) are pulled together, dissimilar ones
    (:math:`y = 0`) pushed at least :math:`m` apart.

    Conventions differ between sources; losslab follows TensorFlow Addons'
    ``contrastive_loss``:

    * Hadsell et al. write :math:`\tfrac12 (1-Y) D^2 + \tfrac12 Y \max(0, m - D)^2`
      with :math:`Y = 0` for *similar* pairs: the same loss with the labels
      flipped and halved. Pass ``1 - Y`` and multiply by 0.5 to get theirs.
    * The keras.io example "Image similarity estimation using a Siamese
      Network with a contrastive loss" computes
      :math:`(1 - y) D^2 + y \max(m - D, 0)^2` with :math:`y = 0` for matching
      pairs, and averages over the whole batch: pass ``1 - y`` here.

    Parameters
    ----------
    y_true : array of shape (batch,) or (batch, ..., k)
        1 for a similar pair, 0 for a dissimilar one (soft values in [0, 1]
        interpolate).
    y_pred : array of the same shape
        Distances :math:`D \ge 0` between the two embeddings of each pair
        (e.g. the Euclidean distance layer of a Siamese network). ``(batch,)``
        against ``(batch, 1)`` is aligned as in Keras.
    margin : float, default 1.0
        Distance beyond which dissimilar pairs cost nothing, >= 0.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch,) or (batch, ...)
        One loss per pair for 1-D inputs; otherwise the mean over the last axis.

    Examples
    --------
    >>> contrastive([1.0, 0.0, 0.0], [0.5, 0.25, 2.0])
    array([0.25  , 0.5625, 0.    ], dtype=float32)

    References
    ----------
    Hadsell, Chopra & LeCun, "Dimensionality Reduction by Learning an
    Invariant Mapping", CVPR 2006.

    See Also
    --------
    triplet_margin, margin_ranking
    """
    check_real("contrastive", "margin", margin, 0.0)
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "contrastive")
    check_range("contrastive", "y_true", y_true, 0.0, 1.0, "Labels are 1 for similar pairs, 0 for dissimilar ones.")
    check_range("contrastive", "y_pred", y_pred, 0.0, math.inf, "y_pred holds distances, which are >= 0.")
    shortfall = relu(margin - y_pred, xp)
    losses = y_true * y_pred * y_pred + (1.0 - y_true) * shortfall * shortfall
    return losses if losses.ndim <= 1 else xp.mean(losses, axis=-1)


# ---------------------------------------------------------------- classes


class MarginRanking(LossFunctionWrapper):
    """Class form of :func:`margin_ranking` (``margin``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self, margin: float = 0.0, reduction: Any = _DEFAULT, name: str = "margin_ranking", dtype: Any = None
    ) -> None:
        check_real("MarginRanking", "margin", margin, 0.0)
        super().__init__(margin_ranking, reduction=reduction, name=name, dtype=dtype, margin=margin)


class TripletMargin(LossFunctionWrapper):
    """Class form of :func:`triplet_margin`; other arguments as in :class:`~losslab.Loss`.

    ``y_true`` is ignored and may be ``None``; ``y_pred`` may be the tuple
    ``(anchor, positive, negative)``.
    """

    def __init__(
        self,
        margin: float = 1.0,
        p: float = 2.0,
        eps: float = 1e-6,
        swap: bool = False,
        reduction: Any = _DEFAULT,
        name: str = "triplet_margin",
        dtype: Any = None,
    ) -> None:
        check_real("TripletMargin", "margin", margin, 0.0)
        check_real("TripletMargin", "p", p, 0.0, math.inf, open_low=True, allow_inf=True)
        check_real("TripletMargin", "eps", eps, 0.0)
        super().__init__(
            triplet_margin, reduction=reduction, name=name, dtype=dtype, margin=margin, p=p, eps=eps, swap=swap
        )

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        # y_true is ignored: a placeholder keeps Loss.__call__ from converting (or rank-aligning) it.
        if isinstance(y_pred, tuple):
            y_pred = _triplets(y_pred, None)[1]
        return super().__call__(0.0, y_pred, sample_weight)


class Contrastive(LossFunctionWrapper):
    """Class form of :func:`contrastive` (``margin``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self, margin: float = 1.0, reduction: Any = _DEFAULT, name: str = "contrastive", dtype: Any = None
    ) -> None:
        check_real("Contrastive", "margin", margin, 0.0)
        super().__init__(contrastive, reduction=reduction, name=name, dtype=dtype, margin=margin)
