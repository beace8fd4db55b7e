r"""Margin losses: hinge, squared hinge, categorical hinge, perceptron and binary sparsemax.

Binary hinge losses expect labels in :math:`\{-1, 1\}`. As in Keras, labels
given in :math:`\{0, 1\}` (every value 0 or 1) are mapped to
:math:`\{-1, 1\}` first; predictions are raw scores (e.g. a ``tanh`` or
linear output).
"""

from __future__ import annotations

from typing import Any

from losslab._backend import device
from losslab._checks import check_range
from losslab.losses._loss import LossFunctionWrapper
from losslab.losses._ops import mean_of_terms, one_value_vectors, prepare_pair, relu

_DEFAULT = "sum_over_batch_size"


def _to_plus_minus_one(y_true: Any, xp: Any) -> Any:
    """Map {0, 1} labels to {-1, 1}; leave any other labelling as it is.

    The choice is one 0-d scale and offset (``2y - 1`` or ``y``), not an
    element-wise select, which costs a full pass on torch's CPU kernels.
    """
    is_binary = xp.all((y_true == 0) | (y_true == 1))
    one = xp.ones((), dtype=y_true.dtype, device=device(y_true))
    scale = xp.where(is_binary, 2.0 * one, one)
    return scale * y_true + (1.0 - scale)


def _margin_violation(y_true: Any, y_pred: Any, xp: Any, loss_name: str) -> Any:
    check_range(loss_name, "y_true", y_true, -1.0, 1.0, "Hinge labels are -1 and 1 (or 0 and 1).")
    return relu(1.0 - _to_plus_minus_one(y_true, xp) * y_pred, xp)


def hinge(y_true: Any, y_pred: Any, *, xp: Any = None) -> Any:
    r"""Hinge loss, averaged over the last axis.

    .. math:: \ell = \frac{1}{d}\sum_i \max(1 - y_i f_i, 0), \quad y_i \in \{-1, 1\}

    Parameters
    ----------
    y_true : array of shape (batch, ..., d)
        Labels in {-1, 1}, or {0, 1} (mapped to {-1, 1}).
    y_pred : array of shape (batch, ..., d)
        Scores :math:`f`.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> hinge([[1.0, -1.0]], [[0.5, -2.0]])
    array([0.25], dtype=float32)
    >>> hinge([[1.0, 0.0]], [[0.5, -2.0]])
    array([0.25], dtype=float32)
    """
    return _hinge(y_true, y_pred, xp)


def _hinge(y_true: Any, y_pred: Any, xp: Any, *, plain_mean: bool = False) -> Any:
    """:func:`hinge`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "hinge")
    return mean_of_terms(_margin_violation(y_true, y_pred, xp, "hinge"), -1, xp, plain_mean)


def squared_hinge(y_true: Any, y_pred: Any, *, xp: Any = None) -> Any:
    r"""Squared hinge loss, averaged over the last axis.

    .. math:: \ell = \frac{1}{d}\sum_i \max(1 - y_i f_i, 0)^2, \quad y_i \in \{-1, 1\}

    Parameters
    ----------
    y_true : array of shape (batch, ..., d)
        Labels in {-1, 1}, or {0, 1} (mapped to {-1, 1}).
    y_pred : array of shape (batch, ..., d)
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> squared_hinge([[1.0, -1.0]], [[0.5, -2.0]])
    array([0.125], dtype=float32)
    """
    return _squared_hinge(y_true, y_pred, xp)


def _squared_hinge(y_true: Any, y_pred: Any, xp: Any, *, plain_mean: bool = False) -> Any:
    """:func:`squared_hinge`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "squared_hinge")
    violation = _margin_violation(y_true, y_pred, xp, "squared_hinge")
    return mean_of_terms(violation * violation, -1, xp, plain_mean)


def categorical_hinge(y_true: Any, y_pred: Any, *, xp: Any = None) -> Any:
    r"""Multi-class hinge loss (Crammer-Singer style) with one-hot labels.

    .. math:: \ell = \max\left(\max_{c} (1 - y_c) f_c - \sum_c y_c f_c + 1,\; 0\right)

    Parameters
    ----------
    y_true : array of shape (batch, ..., C)
        One-hot labels in {0, 1}.
    y_pred : array of shape (batch, ..., C)
        Class scores.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> categorical_hinge([[0.0, 1.0, 0.0]], [[0.2, 0.5, 0.9]])
    array([1.4], dtype=float32)
    """
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "categorical_hinge")
    y_true, y_pred = one_value_vectors(y_true, y_pred, xp)
    positive = xp.sum(y_true * y_pred, axis=-1)
    negative = xp.max((1.0 - y_true) * y_pred, axis=-1)
    return relu(negative - positive + 1.0, xp)


def perceptron(y_true: Any, y_pred: Any, *, xp: Any = None) -> Any:
    r"""Perceptron loss, averaged over the last axis: the hinge without its margin.

    .. math:: \ell = \frac{1}{d}\sum_i \max(-y_i f_i, 0), \quad y_i \in \{-1, 1\}

    Labels in :math:`\{0, 1\}` are mapped to :math:`\{-1, 1\}` as in
    :func:`hinge`. Equals the mean over the last axis of
    ``optax.losses.perceptron_loss(y_pred, y_true)`` for :math:`\{-1, 1\}`
    labels (optax takes the scores first and only :math:`\{-1, 1\}` labels).

    Parameters
    ----------
    y_true : array of shape (batch, ..., d)
        Labels in {-1, 1}, or {0, 1} (mapped to {-1, 1}).
    y_pred : array of shape (batch, ..., d)
        Scores :math:`f`.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> perceptron([[1.0, -1.0]], [[-0.5, -2.0]])
    array([0.25], dtype=float32)
    >>> perceptron([[1.0, 0.0]], [[-0.5, -2.0]])
    array([0.25], dtype=float32)

    References
    ----------
    Rosenblatt, "The perceptron: a probabilistic model for information
    storage and organization in the brain", Psychological Review, 1958.

    See Also
    --------
    hinge, binary_sparsemax
    """
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "perceptron")
    y_true, y_pred = one_value_vectors(y_true, y_pred, xp)
    check_range("perceptron", "y_true", y_true, -1.0, 1.0, "Perceptron labels are -1 and 1 (or 0 and 1).")
    return xp.mean(relu(-_to_plus_minus_one(y_true, xp) * y_pred, xp), axis=-1)


def binary_sparsemax(y_true: Any, y_pred: Any, *, xp: Any = None) -> Any:
    r"""Binary sparsemax loss (a Fenchel-Young loss), averaged over the last axis.

    .. math:: \ell = \frac{1}{d}\sum_i s(-y_i f_i), \quad
              s(z) = \begin{cases} 0 & z \le -1 \\ (z + 1)^2 / 4 & |z| < 1 \\ z & z \ge 1 \end{cases}

    with :math:`y_i \in \{-1, 1\}`; :math:`s` is the sparse plus, a
    smoothed hinge. The loss is 0 exactly when the sparse sigmoid
    :math:`\operatorname{clip}((1 + f)/2, 0, 1)` of the logit equals the
    label, i.e. at a margin :math:`y f \ge 1`. It is the sparsemax loss of
    two classes with scores :math:`(f, 0)`, in closed form (no sort is
    needed for two classes). Labels in :math:`\{0, 1\}` (optax's) are
    mapped to :math:`\{-1, 1\}` as in :func:`hinge`. Equals the mean over
    the last axis of ``optax.losses.sparsemax_loss(y_pred, y_true)`` for
    :math:`\{0, 1\}` labels (optax takes the logits first).

    Parameters
    ----------
    y_true : array of shape (batch, ..., d)
        Labels in {0, 1}, or {-1, 1}.
    y_pred : array of shape (batch, ..., d)
        Logits :math:`f`.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> binary_sparsemax([[1.0, 0.0, 1.0]], [[2.0, 0.0, -3.0]])  # (0 + 1/4 + 3) / 3
    array([1.0833334], dtype=float32)

    References
    ----------
    Blondel, Martins & Niculae, "Learning with Fenchel-Young Losses", JMLR
    2020, section 4.4.

    See Also
    --------
    perceptron, hinge, binary_crossentropy
    """
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "binary_sparsemax")
    y_true, y_pred = one_value_vectors(y_true, y_pred, xp)
    check_range("binary_sparsemax", "y_true", y_true, -1.0, 1.0, "Labels are 0 and 1 (or -1 and 1).")
    z = -_to_plus_minus_one(y_true, xp) * y_pred
    inner = xp.clip(z, -1.0, 1.0)  # (z + 1)^2 / 4 inside [-1, 1]; beyond 1 it goes on as z: 1 + (z - 1)
    return xp.mean(0.25 * (inner + 1.0) ** 2 + relu(z - 1.0, xp), axis=-1)


class Hinge(LossFunctionWrapper):
    """Class form of :func:`hinge`; arguments as in :class:`~losslab.Loss`."""

    def __init__(self, reduction: Any = _DEFAULT, name: str = "hinge", dtype: Any = None) -> None:
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """Class form of :func:`squared_hinge`; arguments as in :class:`~losslab.Loss`."""

    def __init__(self, reduction: Any = _DEFAULT, name: str = "squared_hinge", dtype: Any = None) -> None:
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """Class form of :func:`categorical_hinge`; arguments as in :class:`~losslab.Loss`."""

    def __init__(self, reduction: Any = _DEFAULT, name: str = "categorical_hinge", dtype: Any = None) -> None:
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)


class BinarySparsemax(LossFunctionWrapper):
    """Class form of :func:`binary_sparsemax`; arguments as in :class:`~losslab.Loss`."""

    def __init__(self, reduction: Any = _DEFAULT, name: str = "binary_sparsemax", dtype: Any = None) -> None:
        super().__init__(binary_sparsemax, reduction=reduction, name=name, dtype=dtype)


class Perceptron(LossFunctionWrapper):
    """Class form of :func:`perceptron`; arguments as in :class:`~losslab.Loss`."""

    def __init__(self, reduction: Any = _DEFAULT, name: str = "perceptron", dtype: Any = None) -> None:
        super().__init__(perceptron, reduction=reduction, name=name, dtype=dtype)
