r"""Metric-learning losses on embeddings: the circle loss.

Labels are integer identities; predictions are (ideally L2-normalised)
embeddings, compared by cosine distance :math:`D = \max(1 - x x'^\top, 0)`.
"""

from __future__ import annotations

from typing import Any

from losslab._backend import as_array, as_arrays, cast_like, device
from losslab.losses._loss import LossFunctionWrapper
from losslab.losses._ops import softplus

_DEFAULT = "sum_over_batch_size"
_NEG_LARGE = -1e9  # stands in for -inf in masked log-sum-exp, keeping gradients finite


def _masked_logsumexp(x: Any, mask: Any, xp: Any) -> Any:
    if x.shape[1] == 0:  # no pairs at all (an empty batch): as if all were masked, without a max over nothing
        return xp.sum(x, axis=1) + _NEG_LARGE
    x = xp.where(mask, x, xp.full_like(x, _NEG_LARGE))
    peak = xp.max(x, axis=1, keepdims=True)
    return xp.squeeze(peak, axis=1) + xp.log(xp.sum(xp.exp(x - peak), axis=1))


def _labels(labels: Any, xp: Any, name: str) -> Any:
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = xp.reshape(labels, (-1,))
    if labels.ndim != 1:
        msg = f"circle: {name} must hold one integer label per embedding, shape (batch,); got {tuple(labels.shape)}"
        raise ValueError(msg)
    return labels


def circle(
    y_true: Any,
    y_pred: Any,
    *,
    ref_labels: Any = None,
    ref_embeddings: Any = None,
    remove_diagonal: bool = True,
    gamma: float = 80.0,
    margin: float = 0.4,
    xp: Any = None,
) -> Any:
    r"""Circle loss (Sun et al., 2020) over every pair of embeddings.

    .. math:: \ell_i = \operatorname{softplus}\Big(
              \operatorname{LSE}_{j \in P_i}\, -\gamma\,[m + D_{ij}]_+\,(m - D_{ij}) +
              \operatorname{LSE}_{k \in N_i}\, \gamma\,[1 + m - D_{ik}]_+\,(1 - m - D_{ik})\Big)

    :math:`P_i` are the references with the same label (the sample itself
    excluded when ``remove_diagonal``), :math:`N_i` those with another. A
    sample with no positive or no negative gets 0; the class form averages
    over the samples with a positive loss, as Keras does.

    Parameters
    ----------
    y_true : int array of shape (batch,)
        Identity labels.
    y_pred : array of shape (batch, d)
        Embeddings, best L2-normalised.
    ref_labels : int array of shape (refs,), optional
        Labels of the reference embeddings; defaults to ``y_true``.
    ref_embeddings : array of shape (refs, d), optional
        Defaults to ``y_pred``.
    remove_diagonal : bool, default True
        Exclude each sample from its own positives (only meaningful when the
        references are the batch itself).
    gamma : float, default 80.0
        Scale.
    margin : float, default 0.4
        Relaxation margin.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch,)

    Examples
    --------
    >>> import numpy as np
    >>> emb = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> [round(float(v), 4) for v in circle([0, 0, 1, 1], emb)]
    [0.0, 0.0, 0.0, 0.0]

    References
    ----------
    Sun et al., "Circle Loss: A Unified Perspective of Pair Similarity
    Optimization", CVPR 2020.
    """
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    if y_pred.ndim != 2:
        msg = f"circle: y_pred must be embeddings of shape (batch, d); got {tuple(y_pred.shape)}"
        raise ValueError(msg)
    labels = _labels(y_true, xp, "y_true")
    refs = y_pred if ref_embeddings is None else cast_like(as_array(ref_embeddings, xp, like=y_pred), y_pred, xp)
    ref = labels if ref_labels is None else _labels(as_array(ref_labels, xp, like=y_pred), xp, "ref_labels")
    if labels.shape[0] != y_pred.shape[0] or ref.shape[0] != refs.shape[0]:
        msg = (
            f"circle: one label per embedding is needed; got {labels.shape[0]} labels for {y_pred.shape[0]} "
            f"embeddings and {ref.shape[0]} reference labels for {refs.shape[0]} reference embeddings"
        )
        raise ValueError(msg)
    distance = xp.clip(1.0 - y_pred @ xp.matrix_transpose(refs), 0.0)
    same = xp.expand_dims(labels, axis=1) == xp.expand_dims(xp.astype(ref, labels.dtype), axis=0)
    positive = same
    if remove_diagonal:
        rows = xp.arange(labels.shape[0], device=device(y_pred))
        cols = xp.arange(ref.shape[0], device=device(y_pred))
        positive = same & (xp.expand_dims(rows, axis=1) != xp.expand_dims(cols, axis=0))
    negative = ~same
    pos_weight = xp.clip((margin + distance) * xp.astype(positive, distance.dtype), 0.0)
    neg_weight = xp.clip((1.0 + margin - distance) * xp.astype(negative, distance.dtype), 0.0)
    pos_logits = -gamma * pos_weight * (margin - distance)
    neg_logits = gamma * neg_weight * (1.0 - margin - distance)
    return softplus(_masked_logsumexp(pos_logits, positive, xp) + _masked_logsumexp(neg_logits, negative, xp), xp)


class Circle(LossFunctionWrapper):
    """Class form of :func:`circle`; averages over samples with a positive loss (Keras's mask)."""

    def __init__(
        self,
        gamma: float = 80.0,
        margin: float = 0.4,
        remove_diagonal: bool = True,
        reduction: Any = _DEFAULT,
        name: str = "circle",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            circle,
            reduction=reduction,
            name=name,
            dtype=dtype,
            gamma=gamma,
            margin=margin,
            remove_diagonal=remove_diagonal,
        )

    def call_with_mask(self, y_true: Any, y_pred: Any) -> tuple[Any, Any]:
        losses = self.call(y_true, y_pred)
        return losses, losses > 0
