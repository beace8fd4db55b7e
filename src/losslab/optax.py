r"""optax's losses under optax's names and argument order, on every backend.

Each function takes its arguments as ``optax.losses`` does, the prediction
first (``sigmoid_binary_cross_entropy(logits, labels)``), returns what optax
returns (element-wise losses, one per sample, or one number), and computes it
with losslab's catalogue, so it runs on NumPy, PyTorch (with autograd) and
JAX alike. The catalogue itself takes ``(y_true, y_pred)``, the target first,
as Keras does: ``losslab.binary_crossentropy(labels, logits,
from_logits=True)`` is the mean over the last axis of
``sigmoid_binary_cross_entropy(logits, labels)``. That is why optax's names
are not aliases of the catalogue: the same call would silently swap the
arguments.

Where optax returns NaN or inf for finite inputs, these functions keep
losslab's finite policy; each docstring says where. ``axis`` takes one
integer (optax also takes tuples of axes for some losses).

Import it as ``import losslab.optax``; ``import losslab`` alone does not load it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from losslab._backend import array_namespace, as_array, as_arrays, device
from losslab.losses._hinge import binary_sparsemax, perceptron
from losslab.losses._probabilistic import (
    binary_crossentropy,
    categorical_crossentropy,
    multiclass_sparsemax,
    sparse_categorical_crossentropy,
)
from losslab.losses._probabilistic import (
    generalized_kl_divergence as _generalized_kl_divergence,
)
from losslab.losses._ranking import ranking_softmax
from losslab.losses._similarity import _positive_pairs
from losslab.losses._similarity import ntxent as _ntxent

__all__ = [
    "generalized_kl_divergence",
    "multiclass_sparsemax_loss",
    "ntxent",
    "perceptron_loss",
    "ranking_softmax_loss",
    "sigmoid_binary_cross_entropy",
    "softmax_cross_entropy",
    "softmax_cross_entropy_with_integer_labels",
    "sparsemax_loss",
]


def _axis(axis: Any, ndim: int, name: str) -> int:
    if isinstance(axis, bool) or not isinstance(axis, int) or not -ndim <= axis < max(ndim, 1):
        msg = f"{name}: axis must be one integer in [-{ndim}, {ndim}); got axis={axis!r}"
        raise ValueError(msg)
    return axis % max(ndim, 1)


def _last(x: Any, axis: int, xp: Any) -> Any:
    """``x`` with ``axis`` moved last."""
    return x if axis == x.ndim - 1 else xp.moveaxis(x, axis, -1)


def _elementwise(loss: Callable[..., Any], labels: Any, prediction: Any, **kwargs: Any) -> Any:
    """A catalogue loss averaged over the last axis, applied to each element alone (optax's element-wise losses)."""
    xp, labels, prediction = as_arrays(labels, prediction)
    return loss(xp.expand_dims(labels, axis=-1), xp.expand_dims(prediction, axis=-1), **kwargs)


def sigmoid_binary_cross_entropy(logits: Any, labels: Any) -> Any:
    r"""optax's sigmoid binary cross-entropy: element-wise, logits first.

    .. math:: \ell = -y \log\sigma(z) - (1 - y)\log(1 - \sigma(z))

    :func:`losslab.binary_crossentropy` with ``from_logits=True`` on each
    element; that function takes ``(y_true, y_pred)`` and averages over the
    last axis.

    Parameters
    ----------
    logits : array of shape (...)
    labels : array of shape (...)
        Targets in [0, 1].

    Returns
    -------
    array of shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> out = sigmoid_binary_cross_entropy(np.array([0.0, 100.0]), np.array([1.0, 0.0]))
    >>> [round(float(v), 6) for v in out]
    [0.693147, 100.0]
    """
    return _elementwise(binary_crossentropy, labels, logits, from_logits=True)


def softmax_cross_entropy(logits: Any, labels: Any, axis: int = -1, where: Any = None) -> Any:
    r"""optax's softmax cross-entropy of one-hot (or soft) labels, logits first.

    .. math:: \ell = -\sum_{c \in V} y_c \log\frac{e^{z_c}}{\sum_{k \in V} e^{z_k}}

    over the classes :math:`V` that ``where`` keeps (all by default);
    :func:`losslab.categorical_crossentropy` with ``from_logits=True``, or
    :func:`losslab.ranking_softmax` with ``where``. A row whose classes are
    all masked gives 0, as in optax.

    Parameters
    ----------
    logits : array of shape (..., C, ...)
    labels : array of the same shape
    axis : int, default -1
        The class axis.
    where : bool array of the shape of ``logits``, or without ``axis``, optional
        The classes to include.

    Returns
    -------
    array of the shape of ``logits`` without ``axis``

    Examples
    --------
    >>> import numpy as np
    >>> out = softmax_cross_entropy(np.array([[0.0, 0.0, 5.0]]), np.array([[0.5, 0.5, 0.0]]))
    >>> round(float(out[0]), 6)
    5.013386
    """
    xp, labels, logits = as_arrays(labels, logits)
    axis = _axis(axis, logits.ndim, "softmax_cross_entropy")
    if where is None:
        return categorical_crossentropy(labels, logits, from_logits=True, axis=axis)
    where = as_array(where, xp, like=logits, name="where")
    if where.ndim != logits.ndim:  # one flag per row: the same for every class, as optax expands it
        where = xp.broadcast_to(xp.expand_dims(where, axis=axis), logits.shape)
    return ranking_softmax(_last(labels, axis, xp), _last(logits, axis, xp), where=_last(where, axis, xp))


def softmax_cross_entropy_with_integer_labels(logits: Any, labels: Any, axis: int = -1, where: Any = None) -> Any:
    r"""optax's softmax cross-entropy of integer class labels, logits first.

    .. math:: \ell = \log\sum_{k \in V} e^{z_k} - z_y

    :func:`losslab.sparse_categorical_crossentropy` with
    ``from_logits=True``. With ``where``, the labels become one-hot and the
    loss is :func:`softmax_cross_entropy`'s: a row whose classes are all
    masked gives 0, as in optax, and a label on a masked class costs 0
    (optax: the log-normaliser of the kept classes minus that class's logit).

    Parameters
    ----------
    logits : array of shape (..., C, ...)
    labels : int array of the shape of ``logits`` without ``axis``
    axis : int, default -1
        The class axis.
    where : bool array of the shape of ``logits``, optional
        The classes to include.

    Returns
    -------
    array of the shape of ``labels``

    Examples
    --------
    >>> import numpy as np
    >>> out = softmax_cross_entropy_with_integer_labels(np.array([[0.0, 0.0, 5.0]]), np.array([2]))
    >>> round(float(out[0]), 6)
    0.013386
    """
    xp, labels, logits = as_arrays(labels, logits)
    axis = _axis(axis, logits.ndim, "softmax_cross_entropy_with_integer_labels")
    if where is None:
        return sparse_categorical_crossentropy(labels, logits, from_logits=True, axis=axis)
    classes = xp.arange(logits.shape[axis], device=device(logits))
    one_hot = xp.astype(xp.expand_dims(labels, axis=-1) == classes, logits.dtype)
    return softmax_cross_entropy(_last(logits, axis, xp), one_hot, axis=-1, where=_last_where(where, axis, xp, logits))


def _last_where(where: Any, axis: int, xp: Any, logits: Any) -> Any:
    where = as_array(where, xp, like=logits, name="where")
    return _last(where, axis, xp) if where.ndim == logits.ndim else where


def generalized_kl_divergence(log_predictions: Any, targets: Any, axis: int = -1, where: Any = None) -> Any:
    r"""optax's generalized KL divergence, log-predictions first.

    .. math:: \ell = \sum_i t_i \log\frac{t_i}{p_i} - t_i + p_i, \quad p = e^{\log p}

    :func:`losslab.generalized_kl_divergence` of ``(targets,
    exp(log_predictions))``, so both arguments are clipped below at
    :math:`10^{-7}` as there: finite where optax gives inf or NaN (a
    prediction of 0), within :math:`2 \cdot 10^{-6}` of optax for a target
    of 0. Entries that ``where`` drops count 0.

    Parameters
    ----------
    log_predictions : array of shape (..., d, ...)
    targets : array of the same shape, >= 0
    axis : int, default -1
        The summed axis.
    where : bool array of the same shape, optional
        The entries to include.

    Returns
    -------
    array of the shape of ``targets`` without ``axis``

    Examples
    --------
    >>> import numpy as np
    >>> out = generalized_kl_divergence(np.log(np.array([[2.0, 2.0]])), np.array([[1.0, 2.0]]))
    >>> round(float(out[0]), 6)
    0.306853
    """
    xp, targets, log_predictions = as_arrays(targets, log_predictions)
    axis = _axis(axis, log_predictions.ndim, "generalized_kl_divergence")
    targets, predictions = _last(targets, axis, xp), xp.exp(_last(log_predictions, axis, xp))
    if where is not None:
        where = _last(as_array(where, xp, like=predictions, name="where"), axis, xp)
        one = xp.ones_like(predictions)
        targets, predictions = xp.where(where, targets, one), xp.where(where, predictions, one)  # 1 log 1 - 1 + 1 = 0
    return _generalized_kl_divergence(targets, predictions)


def perceptron_loss(predictor_outputs: Any, targets: Any) -> Any:
    r"""optax's perceptron loss: element-wise :math:`\max(0, -y f)`, scores first, targets in {-1, 1}.

    :func:`losslab.perceptron` on each element (which also maps {0, 1}
    targets to {-1, 1}).

    Parameters
    ----------
    predictor_outputs : array of shape (...)
    targets : array of shape (...)
        In {-1, 1}.

    Returns
    -------
    array of shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> perceptron_loss(np.array([2.0, -0.5]), np.array([1.0, 1.0]))
    array([0. , 0.5])
    """
    return _elementwise(perceptron, targets, predictor_outputs)


def sparsemax_loss(logits: Any, labels: Any) -> Any:
    r"""optax's binary sparsemax loss: element-wise, logits first, labels in {0, 1}.

    :func:`losslab.binary_sparsemax` on each element.

    Parameters
    ----------
    logits : array of shape (...)
    labels : array of shape (...)
        In {0, 1}.

    Returns
    -------
    array of shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> sparsemax_loss(np.array([2.0, 0.0, -3.0]), np.array([1.0, 0.0, 1.0]))
    array([0.  , 0.25, 3.  ])
    """
    return _elementwise(binary_sparsemax, labels, logits)


def multiclass_sparsemax_loss(scores: Any, labels: Any) -> Any:
    r"""optax's multiclass sparsemax loss: one loss per sample, scores first, integer labels.

    :func:`losslab.multiclass_sparsemax` (which also takes more than one
    batch axis and an ``axis``).

    Parameters
    ----------
    scores : array of shape (batch, C)
    labels : int array of shape (batch,)

    Returns
    -------
    array of shape (batch,)

    Examples
    --------
    >>> import numpy as np
    >>> multiclass_sparsemax_loss(np.array([[2.0, 0.5, 0.0], [0.0, 0.0, 0.0]]), np.array([0, 1])).round(6)
    array([0.      , 0.333333])
    """
    return multiclass_sparsemax(labels, scores)


def ntxent(embeddings: Any, labels: Any, temperature: float = 0.07) -> Any:
    r"""optax's NT-Xent: one number, the mean over every positive pair, embeddings first.

    :func:`losslab.ntxent` (``(labels, embeddings)``, one loss per sample)
    averaged over the samples weighted by their numbers of positives, which
    is optax's mean over pairs. A batch without a positive pair gives 0
    (optax: NaN).

    Parameters
    ----------
    embeddings : array of shape (batch, d)
    labels : int array of shape (batch,)
        Samples with the same label are positive pairs.
    temperature : float, default 0.07

    Returns
    -------
    0-d array

    Examples
    --------
    >>> import numpy as np
    >>> emb = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> round(float(ntxent(emb, np.array([0, 0, 1, 1]), temperature=1.0)), 6)
    0.551445
    """
    xp, labels, embeddings = as_arrays(labels, embeddings)
    losses = _ntxent(labels, embeddings, temperature=temperature)
    positive, _ = _positive_pairs(xp.reshape(labels, (-1,)), xp)  # (batch, 1) labels as losslab.ntxent takes them
    counts = xp.sum(xp.astype(positive, losses.dtype), axis=1)
    total = xp.sum(counts)
    return xp.sum(counts * losses) / xp.where(total > 0, total, xp.ones_like(total))


def mean(x: Any) -> Any:
    """The mean of ``x`` on its own backend: :func:`ranking_softmax_loss`'s default ``reduce_fn``, as optax's."""
    return array_namespace(x).mean(x)


def ranking_softmax_loss(
    logits: Any,
    labels: Any,
    *,
    where: Any = None,
    weights: Any = None,
    reduce_fn: Callable[..., Any] | None = mean,
) -> Any:
    r"""optax's ranking softmax loss, scores first.

    :func:`losslab.ranking_softmax` (one loss per list), then reduced as
    optax's ``reduce_fn``: ``None`` keeps the per-list losses (0 for a list
    without a valid item); a function named ``mean`` (``jnp.mean``,
    ``np.mean``, ``torch.mean``, ``xp.mean``) averages over the lists that
    have a valid item (0 when none has), and one named ``sum`` sums. The
    default is :func:`mean`, the mean on any backend (optax's is
    ``jnp.mean``). Any other function gets the per-list losses when
    ``where`` is not given.

    Parameters
    ----------
    logits : array of shape (..., n)
    labels : array of shape (..., n)
        Relevance labels, >= 0.
    where : bool array of shape (..., n), optional
    weights : array of shape (..., n), optional
    reduce_fn : callable or None, default :func:`mean`

    Returns
    -------
    array of shape (...), or what ``reduce_fn`` returns

    Examples
    --------
    >>> import numpy as np
    >>> out = ranking_softmax_loss(np.array([[1.0, 1.0, 1.0]]), np.array([[2.0, 1.0, 0.0]]))
    >>> round(float(out), 6)
    3.295837
    """
    xp, labels, logits = as_arrays(labels, logits)
    losses = ranking_softmax(labels, logits, where=where, weights=weights)
    if reduce_fn is None:
        return losses
    name = getattr(reduce_fn, "__name__", "")
    if name == "sum":
        return xp.sum(losses)
    if name == "mean":
        if where is None:
            return xp.mean(losses)
        valid = xp.any(as_array(where, xp, like=logits, name="where"), axis=-1)
        count = xp.sum(xp.astype(valid, losses.dtype))
        return xp.sum(losses) / xp.where(count > 0, count, xp.ones_like(count))
    if where is not None:
        msg = (
            f"ranking_softmax_loss: with where, reduce_fn must be None or a mean or sum function; got {reduce_fn!r}. "
            "Pass reduce_fn=None and reduce the per-list losses (0 for a list without a valid item) yourself."
        )
        raise ValueError(msg)
    return reduce_fn(losses)
