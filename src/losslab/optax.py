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
integer or, where optax does, a tuple of distinct axes (their entries
together are the classes, or the summed entries).

Import it as ``import losslab.optax``; ``import losslab`` alone does not load it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from losslab._backend import array_namespace, as_array, as_arrays
from losslab.losses._hinge import binary_sparsemax, perceptron
from losslab.losses._ops import check_axes, merge_axes, where_mask
from losslab.losses._probabilistic import (
    binary_crossentropy,
    categorical_crossentropy,
    multiclass_sparsemax,
    sparse_categorical_crossentropy,
)
from losslab.losses._probabilistic import (
    generalized_kl_divergence as _generalized_kl_divergence,
)
from losslab.losses._probabilistic import kl_divergence as _kl_divergence
from losslab.losses._ranking import ranking_softmax
from losslab.losses._similarity import _positive_pairs
from losslab.losses._similarity import ntxent as _ntxent

__all__ = [
    "generalized_kl_divergence",
    "kl_divergence",
    "multiclass_sparsemax_loss",
    "ntxent",
    "perceptron_loss",
    "ranking_softmax_loss",
    "sigmoid_binary_cross_entropy",
    "softmax_cross_entropy",
    "softmax_cross_entropy_with_integer_labels",
    "sparsemax_loss",
]


def _summed_last(first: Any, second: Any, axis: Any, where: Any, name: str) -> tuple[Any, Any, Any, Any]:
    """Both arrays (and ``where``) with the axes of ``axis`` merged into one last axis, as optax reduces them."""
    xp, first, second = as_arrays(first, second)
    axes = check_axes(axis, second.ndim, name)
    if where is not None:
        where = merge_axes(where_mask(where, tuple(second.shape), axes, xp, second, name), axes, xp)
    return xp, merge_axes(first, axes, xp), merge_axes(second, axes, xp), where


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


def softmax_cross_entropy(logits: Any, labels: Any, axis: int | tuple[int, ...] = -1, where: Any = None) -> Any:
    r"""optax's softmax cross-entropy of one-hot (or soft) labels, logits first.

    .. math:: \ell = -\sum_{c \in V} y_c \log\frac{e^{z_c}}{\sum_{k \in V} e^{z_k}}

    over the classes :math:`V` that ``where`` keeps (all by default):
    :func:`losslab.categorical_crossentropy` with ``from_logits=True``. A
    row whose classes are all masked gives 0, as in optax, with a finite
    gradient.

    Parameters
    ----------
    logits : array of shape (..., C, ...)
    labels : array of the same shape
    axis : int or tuple of int, default -1
        The class axis, or several distinct axes whose entries together are
        the classes (the softmax runs over all of them).
    where : bool array of the shape of ``logits``, or of that shape without ``axis``, optional
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
    >>> out = softmax_cross_entropy(np.zeros((1, 2, 2)), np.full((1, 2, 2), 0.25), axis=(1, 2))
    >>> round(float(out[0]), 6)  # log 4
    1.386294
    """
    _, labels, logits = as_arrays(labels, logits)
    check_axes(axis, logits.ndim, "softmax_cross_entropy")
    return categorical_crossentropy(labels, logits, from_logits=True, axis=axis, where=where)


def softmax_cross_entropy_with_integer_labels(
    logits: Any, labels: Any, axis: int | tuple[int, ...] = -1, where: Any = None
) -> Any:
    r"""optax's softmax cross-entropy of integer class labels, logits first.

    .. math:: \ell = \log\sum_{k \in V} e^{z_k} - z_y

    :func:`losslab.sparse_categorical_crossentropy` with
    ``from_logits=True``. With a tuple ``axis`` the classes are the entries
    of those axes flattened in the order given (row-major), as in optax, and
    a label indexes that flattened block. A row whose classes are all masked
    gives 0, as in optax; a label on a masked class costs 0 (optax: the
    log-normaliser of the kept classes minus that class's logit).

    Parameters
    ----------
    logits : array of shape (..., C, ...)
    labels : int array of the shape of ``logits`` without ``axis``
    axis : int or tuple of int, default -1
        The class axis, or several distinct axes whose entries together are the classes.
    where : bool array of the shape of ``logits``, or of ``labels``, optional
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
    name = "softmax_cross_entropy_with_integer_labels"
    xp, labels, logits = as_arrays(labels, logits)
    axes = check_axes(axis, logits.ndim, name)
    if len(axes) == 1:
        return sparse_categorical_crossentropy(labels, logits, from_logits=True, axis=axes[0], where=where)
    if where is not None:
        where = merge_axes(where_mask(where, tuple(logits.shape), axes, xp, logits, name), axes, xp)
    logits = merge_axes(logits, axes, xp)
    return sparse_categorical_crossentropy(labels, logits, from_logits=True, where=where)


def kl_divergence(log_predictions: Any, targets: Any, axis: int | tuple[int, ...] = -1, where: Any = None) -> Any:
    r"""optax's Kullback-Leibler divergence, log-predictions first.

    .. math:: \ell = \sum_i t_i \left(\log t_i - \log p_i\right)

    :func:`losslab.kl_divergence` of ``(targets, exp(log_predictions))``, so
    both are clipped to :math:`[10^{-7}, 1]` as there: finite where optax
    gives inf (a prediction of 0), within :math:`2 \cdot 10^{-6}` of optax
    for a target of 0. Entries that ``where`` drops count 0; a tuple
    ``axis`` sums over several axes.

    Parameters
    ----------
    log_predictions : array of shape (..., d, ...)
    targets : array of the same shape, a distribution along ``axis``
    axis : int or tuple of int, default -1
        The summed axis, or several distinct axes.
    where : bool array of the same shape, optional
        The entries to include.

    Returns
    -------
    array of the shape of ``targets`` without ``axis``

    Examples
    --------
    >>> import numpy as np
    >>> out = kl_divergence(np.log(np.array([[0.25, 0.75]])), np.array([[0.5, 0.5]]))
    >>> round(float(out[0]), 6)
    0.143841
    """
    xp, targets, log_predictions, where = _summed_last(targets, log_predictions, axis, where, "kl_divergence")
    return _kl_divergence(targets, xp.exp(log_predictions), where=where)


def generalized_kl_divergence(
    log_predictions: Any, targets: Any, axis: int | tuple[int, ...] = -1, where: Any = None
) -> Any:
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
    axis : int or tuple of int, default -1
        The summed axis, or several distinct axes.
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
    xp, targets, log_predictions, where = _summed_last(
        targets, log_predictions, axis, where, "generalized_kl_divergence"
    )
    return _generalized_kl_divergence(targets, xp.exp(log_predictions), where=where)


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
