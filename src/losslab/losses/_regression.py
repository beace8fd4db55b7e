r"""Regression losses: squared, absolute, percentage, logarithmic, Huber, log-cosh, cosine.

Each function returns per-sample losses: the mean over the last axis of an
elementwise penalty of the error :math:`e = y_\text{pred} - y_\text{true}`.
Classes are thin wrappers; their shared arguments are documented on
:class:`~losslab.Loss`.
"""

from __future__ import annotations

from typing import Any

from losslab._backend import EPSILON
from losslab.losses._card import check_arguments
from losslab.losses._fast import on_torch, torch_cosine_similarity, torch_huber, torch_mae, torch_mse
from losslab.losses._loss import LossFunctionWrapper
from losslab.losses._ops import (
    LOG2,
    axes_argument,
    check_axes,
    l2_normalize,
    mean_of_samples,
    mean_of_terms,
    merge_axes,
    one_value_vectors,
    prepare_pair,
    softplus,
    where_mask,
)

_DEFAULT = "sum_over_batch_size"


def mean_squared_error(y_true: Any, y_pred: Any, *, xp: Any = None) -> Any:
    r"""Mean squared error over the last axis.

    .. math:: \ell = \frac{1}{d} \sum_{i=1}^{d} (y_{\text{pred},i} - y_{\text{true},i})^2

    Parameters
    ----------
    y_true, y_pred : array of shape (batch, ..., d)
        Targets and predictions. A trailing axis of size 1 on either side is
        aligned as in Keras; any other shape difference raises.
    xp : namespace, optional
        Array API namespace; resolved from ``y_pred`` when omitted.

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> mean_squared_error([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]])
    array([0.5, 0.5], dtype=float32)

    See Also
    --------
    mean_absolute_error, huber, log_cosh
    """
    return _mean_squared_error(y_true, y_pred, xp)


def _mean_squared_error(y_true: Any, y_pred: Any, xp: Any, *, plain_mean: bool = False) -> Any:
    """:func:`mean_squared_error`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "mean_squared_error")
    if on_torch(xp):
        return torch_mse(y_true, y_pred, plain_mean)
    error = y_pred - y_true
    return mean_of_terms(error * error, -1, xp, plain_mean)


def mean_absolute_error(y_true: Any, y_pred: Any, *, xp: Any = None) -> Any:
    r"""Mean absolute error over the last axis.

    .. math:: \ell = \frac{1}{d} \sum_{i=1}^{d} |y_{\text{pred},i} - y_{\text{true},i}|

    Parameters
    ----------
    y_true, y_pred : array of shape (batch, ..., d)
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> mean_absolute_error([[0.0, 1.0]], [[2.0, 0.0]])
    array([1.5], dtype=float32)

    See Also
    --------
    mean_squared_error, huber
    """
    return _mean_absolute_error(y_true, y_pred, xp)


def _mean_absolute_error(y_true: Any, y_pred: Any, xp: Any, *, plain_mean: bool = False) -> Any:
    """:func:`mean_absolute_error`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "mean_absolute_error")
    if on_torch(xp):
        return torch_mae(y_true, y_pred, plain_mean)
    return mean_of_terms(xp.abs(y_pred - y_true), -1, xp, plain_mean)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any, *, xp: Any = None) -> Any:
    r"""Mean absolute percentage error over the last axis.

    .. math:: \ell = \frac{100}{d} \sum_{i=1}^{d}
              \frac{|y_{\text{true},i} - y_{\text{pred},i}|}{\max(|y_{\text{true},i}|, \epsilon)}

    with :math:`\epsilon = 10^{-7}`, so a target of 0 gives a large but finite loss.

    Parameters
    ----------
    y_true, y_pred : array of shape (batch, ..., d)
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 5.0]])
    array([37.5], dtype=float32)
    """
    return _mean_absolute_percentage_error(y_true, y_pred, xp)


def _mean_absolute_percentage_error(y_true: Any, y_pred: Any, xp: Any, *, plain_mean: bool = False) -> Any:
    """:func:`mean_absolute_percentage_error`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "mean_absolute_percentage_error")
    relative = xp.abs(y_true - y_pred) / xp.clip(xp.abs(y_true), EPSILON)
    return 100.0 * mean_of_terms(relative, -1, xp, plain_mean)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any, *, xp: Any = None) -> Any:
    r"""Mean squared error between ``log(1 + y)`` of targets and predictions.

    .. math:: \ell = \frac{1}{d} \sum_{i=1}^{d}
              \left(\log(1 + \max(y_{\text{pred},i}, \epsilon)) - \log(1 + \max(y_{\text{true},i}, \epsilon))\right)^2

    Negative values are clipped to :math:`\epsilon = 10^{-7}` as in Keras.

    Parameters
    ----------
    y_true, y_pred : array of shape (batch, ..., d)
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> import math
    >>> out = mean_squared_logarithmic_error([[0.0]], [[math.e - 1.0]])
    >>> round(float(out[0]), 4)
    1.0
    """
    return _mean_squared_logarithmic_error(y_true, y_pred, xp)


def _mean_squared_logarithmic_error(y_true: Any, y_pred: Any, xp: Any, *, plain_mean: bool = False) -> Any:
    """:func:`mean_squared_logarithmic_error`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "mean_squared_logarithmic_error")
    log_ratio = xp.log1p(xp.clip(y_pred, EPSILON)) - xp.log1p(xp.clip(y_true, EPSILON))
    return mean_of_terms(log_ratio * log_ratio, -1, xp, plain_mean)


def huber(y_true: Any, y_pred: Any, *, delta: float = 1.0, xp: Any = None) -> Any:
    r"""Huber loss: quadratic for small errors, linear beyond ``delta``.

    .. math:: \ell = \frac{1}{d} \sum_i
              \begin{cases} \tfrac12 e_i^2 & |e_i| \le \delta \\
              \delta |e_i| - \tfrac12 \delta^2 & \text{otherwise} \end{cases}

    Parameters
    ----------
    y_true, y_pred : array of shape (batch, ..., d)
    delta : float, default 1.0
        Where the loss turns from quadratic to linear.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> huber([[0.0, 0.0]], [[0.5, 3.0]])
    array([1.3125], dtype=float32)
    """
    check_arguments("huber", delta=delta)  # torch's kernel would raise its own error, NumPy's return a value
    return _huber(y_true, y_pred, xp, delta=delta)


def _huber(y_true: Any, y_pred: Any, xp: Any, *, delta: float = 1.0, plain_mean: bool = False) -> Any:
    """:func:`huber`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "huber")
    if on_torch(xp):
        return torch_huber(y_true, y_pred, delta, plain_mean)
    error = y_pred - y_true
    abs_error = xp.abs(error)
    quadratic = 0.5 * error * error
    linear = delta * abs_error - 0.5 * delta * delta
    return mean_of_terms(xp.where(abs_error <= delta, quadratic, linear), -1, xp, plain_mean)


def log_cosh(y_true: Any, y_pred: Any, *, xp: Any = None) -> Any:
    r"""Mean logarithm of the hyperbolic cosine of the error.

    .. math:: \ell = \frac{1}{d} \sum_i \log\cosh(e_i)
              = \frac{1}{d} \sum_i \left(e_i + \operatorname{softplus}(-2 e_i) - \log 2\right)

    The softplus form never overflows.

    Parameters
    ----------
    y_true, y_pred : array of shape (batch, ..., d)
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> out = log_cosh([[0.0]], [[1.0]])
    >>> round(float(out[0]), 6)
    0.433781
    """
    return _log_cosh(y_true, y_pred, xp)


def _log_cosh(y_true: Any, y_pred: Any, xp: Any, *, plain_mean: bool = False) -> Any:
    """:func:`log_cosh`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "log_cosh")
    error = y_pred - y_true
    return mean_of_terms(error + softplus(-2.0 * error, xp) - LOG2, -1, xp, plain_mean)


def cosine_similarity(
    y_true: Any, y_pred: Any, *, axis: int | tuple[int, ...] = -1, where: Any = None, xp: Any = None
) -> Any:
    r"""Negative cosine similarity along ``axis``: -1 for aligned vectors, 1 for opposite.

    .. math:: \ell = -\frac{\langle y_\text{true}, y_\text{pred} \rangle}
              {\max(\|y_\text{true}\|, \epsilon)\,\max(\|y_\text{pred}\|, \epsilon)}

    A zero vector gives 0 with a finite gradient. A tuple ``axis`` takes the
    entries of several axes as one vector, as optax does. Entries that
    ``where`` drops leave the inner product and both norms, as in optax's
    ``cosine_similarity``; they count 0, with a zero gradient, whatever they
    hold (a row without a kept entry gives 0). ``where`` is data of one
    batch, so the class form does not take it. optax's ``cosine_similarity``
    is the positive similarity: :func:`losslab.optax.cosine_similarity`.

    Parameters
    ----------
    y_true, y_pred : array of shape (batch, ..., d)
    axis : int or tuple of int, default -1
        The axis holding the vectors, or several distinct axes whose entries together are the vectors.
    where : bool array of the shape of ``y_pred``, or of that shape without ``axis``, optional
        The entries to include (without ``axis``, one flag keeps or drops a whole vector). Never broadcast
        otherwise.
    xp : namespace, optional

    Returns
    -------
    array with ``axis`` removed

    Examples
    --------
    >>> cosine_similarity([[1.0, 0.0], [1.0, 0.0]], [[2.0, 0.0], [0.0, 1.0]])
    array([-1., -0.], dtype=float32)
    >>> out = cosine_similarity([[1.0, 5.0]], [[2.0, -3.0]], where=[[True, False]])
    >>> round(float(out[0]), 6)  # the second entries leave the vectors
    -1.0
    """
    return _cosine_similarity(y_true, y_pred, xp, axis=axis, where=where)


def _cosine_similarity(
    y_true: Any, y_pred: Any, xp: Any, *, axis: Any = -1, where: Any = None, plain_mean: bool = False
) -> Any:
    """:func:`cosine_similarity`; ``plain_mean`` gives the mean over the samples (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "cosine_similarity")
    if where is not None or isinstance(axis, tuple):
        return mean_of_samples(-_masked_cosine(y_true, y_pred, xp, axis, where, EPSILON**2), xp, plain_mean)
    y_true, y_pred = one_value_vectors(y_true, y_pred, xp)
    if on_torch(xp):
        return torch_cosine_similarity(y_true, y_pred, axis, plain_mean)
    losses = -xp.sum(l2_normalize(y_true, axis, xp) * l2_normalize(y_pred, axis, xp), axis=axis)
    return mean_of_samples(losses, xp, plain_mean)


def _masked_cosine(
    y_true: Any,
    y_pred: Any,
    xp: Any,
    axis: Any,
    where: Any,
    floor: float,
    loss_name: str = "cosine_similarity",
) -> Any:
    r"""The cosine similarity over ``axis`` (an int, a tuple, or ``None`` for all) of the entries ``where`` keeps.

    Each squared norm is clipped below at ``floor`` (:math:`\epsilon^2`). The
    dropped entries are set to 0 before anything else, so that whatever they
    hold reaches neither the value nor the gradient.
    """
    axes = tuple(range(y_pred.ndim)) if axis is None else check_axes(axis, y_pred.ndim, loss_name)
    if where is not None:
        kept = where_mask(where, tuple(y_pred.shape), axes, xp, y_pred, loss_name)
        y_true = xp.where(kept, y_true, xp.zeros_like(y_true))
        y_pred = xp.where(kept, y_pred, xp.zeros_like(y_pred))
    if axes != (y_pred.ndim - 1,):
        y_true, y_pred = merge_axes(y_true, axes, xp), merge_axes(y_pred, axes, xp)
    unit_true = y_true / xp.sqrt(xp.clip(xp.sum(y_true * y_true, axis=-1, keepdims=True), floor))
    unit_pred = y_pred / xp.sqrt(xp.clip(xp.sum(y_pred * y_pred, axis=-1, keepdims=True), floor))
    return xp.sum(unit_true * unit_pred, axis=-1)


class MeanSquaredError(LossFunctionWrapper):
    """Class form of :func:`mean_squared_error`; arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        reduction: Any = _DEFAULT,
        name: str = "mean_squared_error",
        dtype: Any = None,
        multioutput: Any = "uniform_average",
    ) -> None:
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype, multioutput=multioutput)


class MeanAbsoluteError(LossFunctionWrapper):
    """Class form of :func:`mean_absolute_error`; arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        reduction: Any = _DEFAULT,
        name: str = "mean_absolute_error",
        dtype: Any = None,
        multioutput: Any = "uniform_average",
    ) -> None:
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype, multioutput=multioutput)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Class form of :func:`mean_absolute_percentage_error`; arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        reduction: Any = _DEFAULT,
        name: str = "mean_absolute_percentage_error",
        dtype: Any = None,
        multioutput: Any = "uniform_average",
    ) -> None:
        super().__init__(
            mean_absolute_percentage_error, reduction=reduction, name=name, dtype=dtype, multioutput=multioutput
        )


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Class form of :func:`mean_squared_logarithmic_error`; arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        reduction: Any = _DEFAULT,
        name: str = "mean_squared_logarithmic_error",
        dtype: Any = None,
        multioutput: Any = "uniform_average",
    ) -> None:
        super().__init__(
            mean_squared_logarithmic_error, reduction=reduction, name=name, dtype=dtype, multioutput=multioutput
        )


class Huber(LossFunctionWrapper):
    """Class form of :func:`huber` (``delta``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        delta: float = 1.0,
        reduction: Any = _DEFAULT,
        name: str = "huber_loss",
        dtype: Any = None,
        multioutput: Any = "uniform_average",
    ) -> None:
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, multioutput=multioutput, delta=delta)


class LogCosh(LossFunctionWrapper):
    """Class form of :func:`log_cosh`; arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self, reduction: Any = _DEFAULT, name: str = "log_cosh", dtype: Any = None, multioutput: Any = "uniform_average"
    ) -> None:
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype, multioutput=multioutput)


class CosineSimilarity(LossFunctionWrapper):
    """Class form of :func:`cosine_similarity` (``axis``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        axis: int | tuple[int, ...] = -1,
        reduction: Any = _DEFAULT,
        name: str = "cosine_similarity",
        dtype: Any = None,
    ) -> None:
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype, axis=axes_argument(axis))
