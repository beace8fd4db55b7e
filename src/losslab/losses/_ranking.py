r"""Listwise ranking losses: the ranking softmax loss.

``y_true`` holds one relevance label per item of a list (graded, >= 0),
``y_pred`` one score per item; the last axis is the list. Classes are thin
wrappers; their shared arguments are documented on :class:`~losslab.Loss`.
"""

from __future__ import annotations

from typing import Any

from losslab._backend import as_array, cast_like
from losslab._checks import check_range
from losslab.losses._loss import LossFunctionWrapper
from losslab.losses._ops import log_softmax, masked_log_softmax, one_value_vectors, prepare_pair

_DEFAULT = "sum_over_batch_size"


def _item_array(value: Any, like: Any, xp: Any, name: str) -> Any:
    """``where`` or ``weights`` as an array of ``like``'s namespace and shape (never broadcast)."""
    array = as_array(value, xp, like=like, name=name)
    if tuple(array.shape) != tuple(like.shape):
        msg = (
            f"ranking_softmax: {name} must have the shape of y_pred, one value per item; got {name} "
            f"{tuple(array.shape)} and y_pred {tuple(like.shape)}"
        )
        raise ValueError(msg)
    return array


def ranking_softmax(
    y_true: Any,
    y_pred: Any,
    *,
    where: Any = None,
    weights: Any = None,
    xp: Any = None,
) -> Any:
    r"""Ranking softmax loss: the cross-entropy of the relevance labels against the softmax of the scores.

    .. math:: \ell = -\sum_{i \in V} w_i\, y_i \log\frac{e^{s_i}}{\sum_{j \in V} e^{s_j}}

    over the valid items :math:`V` of a list (all of them without
    ``where``); invalid items neither count nor enter the softmax. A list
    without a valid item gets 0. With one-hot labels it is the categorical
    cross-entropy from logits.

    Equals ``optax.losses.ranking_softmax_loss(y_pred, y_true, where=where,
    weights=weights, reduce_fn=None)`` (optax takes the scores first).
    optax's ``reduce_fn`` is losslab's reduction: ``None`` is this function
    (or the class with ``reduction="none"``), ``jnp.sum`` is
    ``reduction="sum"``, and optax's default ``jnp.mean`` is the class's
    default ``"sum_over_batch_size"``; with ``where``, optax's mean counts
    only the lists with a valid item, that is
    ``xp.sum(losses) / xp.sum(xp.any(where, axis=-1))`` (0 when no list
    has one, as in optax).

    Parameters
    ----------
    y_true : array of shape (batch, ..., n)
        Relevance labels, >= 0 (graded; a one-hot or multi-hot vector for
        one or several relevant items).
    y_pred : array of shape (batch, ..., n)
        Scores of the items.
    where : bool array of shape (batch, ..., n), optional
        The valid items (padding is ``False``).
    weights : array of shape (batch, ..., n), optional
        A weight per item, multiplying its label.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)
        One loss per list.

    Examples
    --------
    >>> out = ranking_softmax([[2.0, 1.0, 0.0]], [[1.0, 1.0, 1.0]])  # 3 log 3
    >>> round(float(out[0]), 6)
    3.295837
    >>> out = ranking_softmax([[2.0, 1.0, 0.0]], [[1.0, 1.0, 9.0]], where=[[True, True, False]])  # 3 log 2
    >>> round(float(out[0]), 6)
    2.079442

    References
    ----------
    Cao et al., "Learning to Rank: From Pairwise Approach to Listwise
    Approach" (ListNet), ICML 2007; Bruch et al., "An Analysis of the Softmax
    Cross Entropy Loss for Learning-to-Rank with Binary Relevance", ICTIR 2019.

    See Also
    --------
    categorical_crossentropy
    """
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "ranking_softmax")
    y_true, y_pred = one_value_vectors(y_true, y_pred, xp)
    check_range("ranking_softmax", "y_true", y_true, 0.0, float("inf"), "Relevance labels are >= 0.")
    if weights is not None:
        y_true = y_true * cast_like(_item_array(weights, y_pred, xp, "weights"), y_pred, xp)
    if where is None:
        return -xp.sum(y_true * log_softmax(y_pred, -1, xp), axis=-1)
    valid = _item_array(where, y_pred, xp, "where")
    if valid.dtype != xp.bool:
        valid = valid != 0
    terms = y_true * masked_log_softmax(y_pred, valid, xp)
    return -xp.sum(xp.where(valid, terms, xp.zeros_like(terms)), axis=-1)


class RankingSoftmax(LossFunctionWrapper):
    """Class form of :func:`ranking_softmax`, without ``where`` and ``weights``; arguments as in :class:`~losslab.Loss`.

    ``where`` and ``weights`` describe one batch's items, so they are no
    hyperparameters: pass them to the function, or mask whole lists with
    ``sample_weight``.
    """

    def __init__(self, reduction: Any = _DEFAULT, name: str = "ranking_softmax", dtype: Any = None) -> None:
        super().__init__(ranking_softmax, reduction=reduction, name=name, dtype=dtype)
