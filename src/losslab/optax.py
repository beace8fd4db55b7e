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

from losslab._backend import EPSILON, array_namespace, as_array, as_arrays
from losslab.losses._fast import jax_map_vectors, on_jax
from losslab.losses._hinge import binary_sparsemax, perceptron
from losslab.losses._noisy import poly1_crossentropy
from losslab.losses._ops import check_axes, check_real, masked_reduce, merge_axes, prepare_pair, where_mask
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
from losslab.losses._regression import _masked_cosine
from losslab.losses._similarity import _positive_pairs
from losslab.losses._similarity import ntxent as _ntxent

__all__ = [
    "convex_kl_divergence",
    "cosine_distance",
    "cosine_similarity",
    "generalized_kl_divergence",
    "kl_divergence",
    "kl_divergence_with_log_targets",
    "make_fenchel_young_loss",
    "multiclass_sparsemax_loss",
    "ntxent",
    "perceptron_loss",
    "poly_loss_cross_entropy",
    "ranking_softmax_loss",
    "sigmoid_binary_cross_entropy",
    "softmax_cross_entropy",
    "softmax_cross_entropy_with_integer_labels",
    "sparsemax_loss",
]


def _summed_last(first: Any, second: Any, axis: Any, where: Any, name: str) -> tuple[Any, Any, Any, Any]:
    """Both arrays (and ``where``) with the axes of ``axis`` merged into one last axis, as optax reduces them."""
    xp, first, second = as_arrays(first, second)
    axes = tuple(range(second.ndim)) if axis is None else check_axes(axis, second.ndim, name)
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
    _, labels, logits = as_arrays(labels, logits)
    axes = check_axes(axis, logits.ndim, "softmax_cross_entropy_with_integer_labels")
    axis = axes[0] if len(axes) == 1 else axes
    return sparse_categorical_crossentropy(labels, logits, from_logits=True, axis=axis, where=where)


def _all_axes(axis: Any, ndim: int) -> Any:
    """optax's ``axis=None`` (every axis) as a tuple; anything else unchanged."""
    return tuple(range(ndim)) if axis is None else axis


def poly_loss_cross_entropy(
    logits: Any,
    labels: Any,
    *,
    epsilon: float = 2.0,
    axis: int | tuple[int, ...] | None = -1,
    where: Any = None,
) -> Any:
    r"""optax's PolyLoss (Poly-1) cross-entropy, logits first.

    .. math:: \ell = -\sum_{c \in V} y_c \log p_c + \varepsilon \sum_{c \in V} y_c (1 - p_c),
              \quad p = \operatorname{softmax}_V(z)

    over the classes :math:`V` that ``where`` keeps (all by default):
    :func:`losslab.poly1_crossentropy` with ``from_logits=True``. A row
    whose classes are all masked gives 0, as in optax, with a finite
    gradient. ``epsilon`` must be >= -1 (below, the loss no longer decreases
    in :math:`p_t`; optax takes any value).

    Parameters
    ----------
    logits : array of shape (..., C, ...)
    labels : array of the same shape
        One-hot or soft labels.
    epsilon : float, default 2.0
        The coefficient of :math:`1 - p_t` (optax's default).
    axis : int, tuple of int or None, default -1
        The class axis, several distinct axes whose entries together are the
        classes, or ``None`` for every axis.
    where : bool array of the shape of ``logits``, or of that shape without ``axis``, optional
        The classes to include.

    Returns
    -------
    array of the shape of ``logits`` without ``axis``

    Examples
    --------
    >>> import numpy as np
    >>> out = poly_loss_cross_entropy(np.array([[0.0, 0.0]]), np.array([[0.0, 1.0]]))
    >>> round(float(out[0]), 6)  # log 2 + 2 * (1 - 1/2)
    1.693147

    See Also
    --------
    softmax_cross_entropy
    """
    _, labels, logits = as_arrays(labels, logits)
    axis = _all_axes(axis, logits.ndim)
    return poly1_crossentropy(labels, logits, epsilon=epsilon, from_logits=True, axis=axis, where=where)


def cosine_similarity(
    predictions: Any,
    targets: Any,
    *,
    epsilon: float = 0.0,
    axis: int | tuple[int, ...] | None = -1,
    where: Any = None,
) -> Any:
    r"""optax's cosine similarity, predictions first: 1 for aligned vectors, -1 for opposite.

    .. math:: s = \frac{\langle p, t \rangle}
              {\sqrt{\max(\|p\|^2, \epsilon)}\,\sqrt{\max(\|t\|^2, \epsilon)}}

    over the entries that ``where`` keeps. This is the similarity itself,
    as optax returns it; :func:`losslab.cosine_similarity`, Keras's loss,
    is its negative (with ``(y_true, y_pred)``). As optax, ``epsilon``
    bounds the squared norms; losslab bounds them below by :math:`10^{-14}`
    as well, so a zero vector gives 0 with a finite gradient where optax's
    default ``epsilon=0`` gives NaN. Entries that ``where`` drops count 0,
    with a zero gradient; a vector without a kept entry gives 0.

    Parameters
    ----------
    predictions : array of shape (..., d, ...)
    targets : array of the same shape
    epsilon : float, default 0.0
        The lower bound of each squared norm.
    axis : int, tuple of int or None, default -1
        The axis holding the vectors, several distinct axes, or ``None`` for every axis.
    where : bool array of the shape of ``predictions``, or of that shape without ``axis``, optional
        The entries to include.

    Returns
    -------
    array of the shape of ``predictions`` without ``axis``

    Examples
    --------
    >>> import numpy as np
    >>> out = cosine_similarity(np.array([[1.0, 1.0], [0.0, 0.0]]), np.array([[2.0, 0.0], [1.0, 0.0]]))
    >>> [round(float(v), 6) for v in out]  # cos 45 degrees; a zero vector gives 0
    [0.707107, 0.0]

    See Also
    --------
    cosine_distance, losslab.cosine_similarity
    """
    name = "cosine_similarity"
    floor = max(check_real(name, "epsilon", epsilon), EPSILON**2)
    xp, targets, predictions = prepare_pair(targets, predictions, None, name)
    return _masked_cosine(targets, predictions, xp, axis, where, floor, name)


def cosine_distance(
    predictions: Any,
    targets: Any,
    *,
    epsilon: float = 0.0,
    axis: int | tuple[int, ...] | None = -1,
    where: Any = None,
) -> Any:
    r"""optax's cosine distance, predictions first: :math:`1 - s`, with :math:`s` of :func:`cosine_similarity`.

    .. math:: d = 1 - \frac{\langle p, t \rangle}
              {\sqrt{\max(\|p\|^2, \epsilon)}\,\sqrt{\max(\|t\|^2, \epsilon)}}

    0 for aligned vectors, 2 for opposite; 1 for a zero vector (optax:
    NaN at its default ``epsilon=0``) or a vector without a kept entry.

    Parameters
    ----------
    predictions : array of shape (..., d, ...)
    targets : array of the same shape
    epsilon : float, default 0.0
        The lower bound of each squared norm.
    axis : int, tuple of int or None, default -1
        The axis holding the vectors, several distinct axes, or ``None`` for every axis.
    where : bool array of the shape of ``predictions``, or of that shape without ``axis``, optional
        The entries to include.

    Returns
    -------
    array of the shape of ``predictions`` without ``axis``

    Examples
    --------
    >>> import numpy as np
    >>> out = cosine_distance(np.array([[1.0, 0.0]]), np.array([[-3.0, 0.0]]))
    >>> round(float(out[0]), 6)
    2.0

    See Also
    --------
    cosine_similarity
    """
    return 1.0 - cosine_similarity(predictions, targets, epsilon=epsilon, axis=axis, where=where)


def kl_divergence(
    log_predictions: Any, targets: Any, axis: int | tuple[int, ...] | None = -1, where: Any = None
) -> Any:
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
    axis : int, tuple of int or None, default -1
        The summed axis, several distinct axes, or ``None`` for every axis.
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
    log_predictions: Any, targets: Any, axis: int | tuple[int, ...] | None = -1, where: Any = None
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
    axis : int, tuple of int or None, default -1
        The summed axis, several distinct axes, or ``None`` for every axis.
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


def kl_divergence_with_log_targets(
    log_predictions: Any, log_targets: Any, axis: int | tuple[int, ...] | None = -1, where: Any = None
) -> Any:
    r"""optax's Kullback-Leibler divergence with both distributions given as logs, log-predictions first.

    .. math:: \ell = \sum_i e^{\log t_i} \left(\log t_i - \log p_i\right)

    The exact formula, without the clipping of :func:`kl_divergence`: both
    arguments are logs, so neither a zero probability nor its log needs a
    bound; for finite log-probabilities (:math:`\le 0`) value and gradient
    are finite, as in optax. Entries that ``where`` drops count 0, with a
    zero gradient, whatever they hold; a tuple ``axis`` sums over several
    axes, ``None`` over all.

    This is written here and not as an option of
    :func:`losslab.kl_divergence`, which takes probabilities (Keras's
    arguments) and clips both to :math:`[10^{-7}, 1]`: a log-space option
    there would have to drop that clipping and so be another function.

    Parameters
    ----------
    log_predictions : array of shape (..., d, ...)
        Log-probabilities of the predicted distribution.
    log_targets : array of the same shape
        Log-probabilities of the target distribution along ``axis``.
    axis : int, tuple of int or None, default -1
        The summed axis, several distinct axes, or ``None`` for every axis.
    where : bool array of the same shape, or of that shape without ``axis``, optional
        The entries to include.

    Returns
    -------
    array of the shape of ``log_targets`` without ``axis``

    Examples
    --------
    >>> import numpy as np
    >>> out = kl_divergence_with_log_targets(np.log(np.array([[0.25, 0.75]])), np.log(np.array([[0.5, 0.5]])))
    >>> round(float(out[0]), 6)
    0.143841

    See Also
    --------
    kl_divergence, generalized_kl_divergence
    """
    xp, log_targets, log_predictions, kept = _summed_last(
        log_targets, log_predictions, axis, where, "kl_divergence_with_log_targets"
    )
    if kept is not None:  # (dropped entries set to 0 first: a huge one must not reach the gradient as 0 * inf)
        log_targets = xp.where(kept, log_targets, xp.zeros_like(log_targets))
        log_predictions = xp.where(kept, log_predictions, xp.zeros_like(log_predictions))
    log_targets = xp.astype(log_targets, log_predictions.dtype)
    return masked_reduce(xp.exp(log_targets) * (log_targets - log_predictions), kept, -1, xp)


def convex_kl_divergence(
    log_predictions: Any, targets: Any, axis: int | tuple[int, ...] | None = -1, where: Any = None
) -> Any:
    r"""optax's convex KL divergence: :func:`generalized_kl_divergence` under its former name.

    .. math:: \ell = \sum_i t_i \log\frac{t_i}{p_i} - t_i + p_i, \quad p = e^{\log p}

    optax 0.2.8 keeps this name as a deprecated alias of
    ``generalized_kl_divergence`` (calling it warns there); losslab keeps it
    as the same function, without a warning. Both arguments are clipped
    below at :math:`10^{-7}` as in :func:`generalized_kl_divergence`.

    Parameters
    ----------
    log_predictions : array of shape (..., d, ...)
    targets : array of the same shape, >= 0
    axis : int, tuple of int or None, default -1
        The summed axis, several distinct axes, or ``None`` for every axis.
    where : bool array of the same shape, optional
        The entries to include.

    Returns
    -------
    array of the shape of ``targets`` without ``axis``

    Examples
    --------
    >>> import numpy as np
    >>> out = convex_kl_divergence(np.log(np.array([[2.0, 2.0]])), np.array([[1.0, 2.0]]))
    >>> round(float(out[0]), 6)  # 1 log(1/2) - 1 + 2
    0.306853

    See Also
    --------
    generalized_kl_divergence
    """
    return generalized_kl_divergence(log_predictions, targets, axis=axis, where=where)


def make_fenchel_young_loss(max_fun: Callable[..., Any], *, batched: bool = False) -> Callable[..., Any]:
    r"""optax's Fenchel-Young loss built from a max function, on any backend.

    .. math:: \ell(\theta, y) = \Omega^*(\theta) - \langle y, \theta \rangle

    with :math:`\Omega^*` = ``max_fun``, the convex conjugate of a
    regulariser :math:`\Omega`. The full Fenchel-Young loss adds
    :math:`\Omega(y)`, which does not depend on :math:`\theta`; optax
    leaves it out, and so does losslab. With ``logsumexp`` (:math:`\Omega`
    the negative entropy) the loss is the softmax cross-entropy of targets
    that sum to 1, the full loss the KL divergence. The returned
    ``fenchel_young_loss(scores, targets, **kwargs)`` computes this over the
    last axis; as in optax (0.2.8, which differentiates it with JAX's
    autodiff), it is just that difference: its gradient in
    :math:`\theta` is :math:`\nabla\Omega^*(\theta) - y` wherever the
    backend differentiates ``max_fun`` (torch autograd, ``jax.grad``).
    NumPy and array-api-strict give the value only.

    ``max_fun`` takes one score vector, shape ``(n,)``, and returns a 0-d
    array, as optax's; it is called with arrays of the scores' own library,
    so it must be written on that library (``jax.nn.logsumexp`` for JAX
    arrays, ``torch.logsumexp(v, 0)`` for torch) or on the Array API
    through ``array_namespace(v)`` for every backend. On JAX it is mapped
    with ``jax.numpy.vectorize`` as optax does (one traced call); elsewhere
    it is called once per vector. With ``batched=True`` (losslab's option)
    ``max_fun`` takes the whole ``(..., n)`` array and returns ``(...)`` in
    one call, the fast way on every backend. Keyword arguments of the loss
    go to ``max_fun`` unchanged; optax's extra positional arguments are not
    taken.

    Parameters
    ----------
    max_fun : callable
        ``(n,)`` to a 0-d array, or with ``batched`` ``(..., n)`` to ``(...)``.
    batched : bool, default False
        Whether ``max_fun`` maps over the leading axes itself.

    Returns
    -------
    callable
        ``fenchel_young_loss(scores, targets, **kwargs)``: scores and targets
        of shape ``(..., n)``, the loss of shape ``(...)``.

    Examples
    --------
    >>> import array_api_strict as xp
    >>> def logsumexp(v):
    ...     return xp.log(xp.sum(xp.exp(v - xp.max(v)))) + xp.max(v)
    >>> loss = make_fenchel_young_loss(logsumexp)
    >>> out = loss(xp.asarray([[0.0, 0.0], [2.0, 0.0]]), xp.asarray([[1.0, 0.0], [0.5, 0.5]]))
    >>> [round(float(v), 6) for v in out]  # log 2 - 0; log(e^2 + 1) - 1
    [0.693147, 1.126928]

    References
    ----------
    Blondel, Martins & Niculae, "Learning with Fenchel-Young Losses", JMLR 2020.

    See Also
    --------
    softmax_cross_entropy, multiclass_sparsemax_loss
    """
    if not callable(max_fun):
        msg = f"make_fenchel_young_loss: max_fun must be a function of the scores; got {max_fun!r}"
        raise ValueError(msg)

    def fenchel_young_loss(scores: Any, targets: Any, **kwargs: Any) -> Any:
        xp, targets, scores = as_arrays(targets, scores)
        if scores.ndim == 0 or targets.shape != scores.shape:
            msg = (
                "fenchel_young_loss: scores and targets must have the same shape (..., n); got scores "
                f"{tuple(scores.shape)} and targets {tuple(targets.shape)}"
            )
            raise ValueError(msg)
        targets = xp.astype(targets, scores.dtype)
        if batched:
            max_value = max_fun(scores, **kwargs)
        elif on_jax(xp):
            max_value = jax_map_vectors(max_fun, scores, kwargs)
        else:
            max_value = _each_vector(max_fun, scores, kwargs, xp)
        return max_value - xp.sum(targets * scores, axis=-1)

    fenchel_young_loss.__doc__ = f"The Fenchel-Young loss of {getattr(max_fun, '__name__', repr(max_fun))}."
    return fenchel_young_loss


def _each_vector(max_fun: Callable[..., Any], scores: Any, kwargs: dict[str, Any], xp: Any) -> Any:
    """``max_fun`` on each vector along the last axis of ``scores``, stacked into the shape of the leading axes."""
    shape = tuple(scores.shape)
    rows = xp.reshape(scores, (-1, shape[-1]))
    if rows.shape[0] == 0:
        return xp.zeros(shape[:-1], dtype=scores.dtype)
    values = [xp.reshape(as_array(max_fun(rows[i, ...], **kwargs), xp, like=scores), ()) for i in range(rows.shape[0])]
    return xp.reshape(xp.stack(values), shape[:-1])


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
