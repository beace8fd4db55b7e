r"""Metric-learning losses on embeddings: the circle loss and NT-Xent.

Labels are integer identities; predictions are embeddings, one per sample
(``(y_true, y_pred) = (labels, embeddings)``, as the other embedding
losses). The circle loss takes them L2-normalised and compares them by
cosine distance :math:`D = \max(1 - x x'^\top, 0)`; NT-Xent normalises them
itself and compares them by cosine similarity.
"""

from __future__ import annotations

from typing import Any

from losslab._backend import as_array, as_arrays, cast_like, device, namespace
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


def _labels(labels: Any, xp: Any, name: str, loss_name: str = "circle") -> Any:
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = xp.reshape(labels, (-1,))
    if labels.ndim != 1:
        msg = (
            f"{loss_name}: {name} must hold one integer label per embedding, shape (batch,); got {tuple(labels.shape)}"
        )
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


def _positive_pairs(labels: Any, xp: Any) -> tuple[Any, Any]:
    """Boolean ``(batch, batch)`` masks of the other samples with the same label, and of those with another."""
    same = xp.expand_dims(labels, axis=1) == xp.expand_dims(labels, axis=0)
    rows = xp.arange(labels.shape[0], device=device(labels))
    itself = xp.expand_dims(rows, axis=1) == xp.expand_dims(rows, axis=0)
    return same & ~itself, ~same


def _unit_rows(x: Any, xp: Any) -> Any:
    """Rows of ``x`` scaled to unit length; a zero row stays 0.

    Each row is first divided by the power of two at or below its largest
    magnitude (within ``2**-120 .. 2**120``), so that its squared norm
    neither overflows nor underflows. The exponent is a floor, whose
    derivative is 0: the scale is a constant to autograd, as it should be
    for a direction, and no gradient goes through ``1 / scale**2``.
    """
    peak = xp.max(xp.abs(x), axis=-1, keepdims=True)
    exponent = xp.clip(xp.floor(xp.log2(xp.where(peak > 0, peak, xp.ones_like(peak)))), -120.0, 120.0)
    x = x / 2.0**exponent
    return x / xp.sqrt(xp.clip(xp.sum(x * x, axis=-1, keepdims=True), 1.0))


def ntxent(y_true: Any, y_pred: Any, *, temperature: float = 0.07, xp: Any = None) -> Any:
    r"""NT-Xent (normalised temperature-scaled cross-entropy, InfoNCE) over every pair of embeddings.

    .. math:: \ell_i = \frac{1}{|P_i|}\sum_{j \in P_i}
              -\log\frac{e^{s_{ij}}}{e^{s_{ij}} + \sum_{k \in N_i} e^{s_{ik}}},
              \quad s_{ij} = \frac{\cos(x_i, x_j)}{\tau}

    :math:`P_i` are the other samples with the label of sample :math:`i` (its
    positives), :math:`N_i` those with another label (its negatives); a
    sample without positives gets 0, and the class form averages over the
    samples that have some. Embeddings need not be normalised: each row is
    scaled to unit length (a zero row has similarity 0 with every other).

    **Argument order.** As the other embedding losses, ``y_true`` is the
    labels and ``y_pred`` the embeddings: ``ntxent(labels, embeddings)``,
    where optax's ``optax.losses.ntxent(embeddings, labels, temperature)``
    takes the embeddings first.

    optax returns one number, the mean of the terms over all positive pairs
    :math:`(i, j)`; losslab returns one loss per sample, the mean over its
    own positives. The two means agree when every sample has as many
    positives (two views of each item, the usual SimCLR batch); otherwise
    ``NTXent(reduction="mean_with_sample_weight")`` with ``sample_weight``
    the number of positives of each sample gives optax's number. A batch
    without positive pairs gives 0 (optax: NaN). optax clips the squared
    norm at the float epsilon, so its similarities of rows shorter than
    about :math:`10^{-8}` shrink towards 0, and squares rows as they are
    (in float32 a row above about :math:`10^{19}` overflows, and its
    similarities become 0); losslab
    rescales each row by a power of two first, so every row from
    :math:`10^{-36}` up to the largest float is normalised, with finite
    gradients.

    Parameters
    ----------
    y_true : int array of shape (batch,) or (batch, 1)
        Labels: samples with the same label are positive pairs.
    y_pred : array of shape (batch, d)
        Embeddings.
    temperature : float > 0, default 0.07
        :math:`\tau`, the scale of the similarities.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch,)

    Examples
    --------
    >>> import numpy as np
    >>> emb = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> out = ntxent([0, 0, 1, 1], emb, temperature=1.0)  # log(1 + 2 e^(0 - 1)): two negatives each
    >>> [round(float(v), 6) for v in out]
    [0.551445, 0.551445, 0.551445, 0.551445]

    References
    ----------
    Chen et al., "A Simple Framework for Contrastive Learning of Visual
    Representations", ICML 2020.

    See Also
    --------
    circle, contrastive, triplet_margin
    """
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    if y_pred.ndim != 2:
        msg = f"ntxent: y_pred must be embeddings of shape (batch, d); got {tuple(y_pred.shape)}"
        raise ValueError(msg)
    labels = _labels(y_true, xp, "y_true", "ntxent")
    if labels.shape[0] != y_pred.shape[0]:
        msg = (
            f"ntxent: one label per embedding is needed; got {labels.shape[0]} labels for {y_pred.shape[0]} embeddings"
        )
        raise ValueError(msg)
    unit = _unit_rows(y_pred, xp)
    similarity = (unit @ xp.matrix_transpose(unit)) / temperature
    positive, negative = _positive_pairs(labels, xp)
    negatives = _masked_logsumexp(similarity, negative, xp)  # about -1e9 for a sample without negatives
    terms = softplus(xp.expand_dims(negatives, axis=1) - similarity, xp)  # -log(e^s / (e^s + sum over negatives))
    terms = xp.where(positive, terms, xp.zeros_like(terms))
    count = xp.sum(xp.astype(positive, terms.dtype), axis=1)
    return xp.sum(terms, axis=1) / xp.where(count > 0, count, xp.ones_like(count))


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


class NTXent(LossFunctionWrapper):
    """Class form of :func:`ntxent`; averages over the samples that have a positive (see there)."""

    def __init__(
        self,
        temperature: float = 0.07,
        reduction: Any = _DEFAULT,
        name: str = "ntxent",
        dtype: Any = None,
    ) -> None:
        super().__init__(ntxent, reduction=reduction, name=name, dtype=dtype, temperature=temperature)

    def call_with_mask(self, y_true: Any, y_pred: Any) -> tuple[Any, Any]:
        losses = self.call(y_true, y_pred)
        xp = namespace(losses)
        positive, _ = _positive_pairs(_labels(y_true, xp, "y_true", "ntxent"), xp)
        return losses, xp.any(positive, axis=1)
