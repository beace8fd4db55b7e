r"""torch's element-wise and class-wise losses on the Array API.

Regression (``l1_loss``, ``mse_loss``, ``huber_loss``, ``smooth_l1_loss``),
classification (``cross_entropy``, ``nll_loss``, ``binary_cross_entropy``,
``binary_cross_entropy_with_logits``, ``soft_margin_loss``,
``multilabel_soft_margin_loss``) and likelihoods (``poisson_nll_loss``,
``gaussian_nll_loss``, ``kl_div``), with ``torch.nn.functional``'s names,
arguments, defaults and reductions (see :mod:`losslab.functional`).

Where losslab's catalogue already has a loss's formula (smooth L1, Huber,
Poisson and Gaussian NLL, multi-label soft margin), it is evaluated element
by element: each element gets a trailing axis of length 1, whose mean is the
element's own loss. On torch, each function calls ``torch.nn.functional``'s
kernels where they give losslab's answer, and keeps losslab's finite policy
around them (``_fast.py``); the generic code is the reference and runs on
every other backend, and on torch too inside
``losslab.losses._fast.generic_only()``.

Checks of shapes, dtypes and options always run; checks of values (class
indices in range, probabilities in [0, 1], variances >= 0, no NaN) run under
:func:`losslab.value_checks`, as for the rest of losslab.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

from losslab._backend import as_array, as_arrays, cast_like, device, to_numpy
from losslab._checks import check_finite, check_range, checks_apply
from losslab.functional._fast import (
    needs_grad,
    torch_class_index_loss,
    torch_gaussian_nll,
    torch_pointwise,
    torch_soft_margin,
    torch_weighted_regression,
)
from losslab.functional._reduction import REDUCTIONS, check_reduction, reduce
from losslab.losses._deviance import _check_var_shape, gaussian_nll, poisson_nll
from losslab.losses._fast import on_torch
from losslab.losses._noisy import multilabel_soft_margin
from losslab.losses._ops import check_real, log_sigmoid, log_softmax, softplus
from losslab.losses._regression import huber
from losslab.losses._robust import smooth_l1

# ---------------------------------------------------------------- validation


def _pair(input: Any, target: Any, loss_name: str, *, finite: bool = True) -> tuple[Any, Any, Any]:
    """``(xp, input, target)``: ``input``'s namespace, a floating ``input``, ``target`` of its shape and dtype.

    With ``finite`` (unless the loss gives ``-inf`` a meaning), the value checks refuse NaN and inf.
    """
    xp, target, input = as_arrays(target, input)
    _check_same_shape(input, target, loss_name)
    if finite:
        check_finite(loss_name, input=input, target=target)
    return xp, input, cast_like(target, input, xp)


def _check_same_shape(input: Any, target: Any, loss_name: str) -> None:
    if tuple(input.shape) != tuple(target.shape):
        msg = (
            f"{loss_name}: input and target must have the same shape; got input {tuple(input.shape)} and target "
            f"{tuple(target.shape)}. Reshape one of them: losslab does not broadcast them (torch warns, or raises, "
            "and broadcasts), since that changes the answer."
        )
        raise ValueError(msg)


def _weight(weight: Any, input: Any, xp: Any, loss_name: str, name: str = "weight", *, same_shape: bool = False) -> Any:
    """An optional weight in ``input``'s namespace, dtype and device, of ``input``'s shape or broadcasting to it."""
    if weight is None:
        return None
    weight = cast_like(as_array(weight, xp, like=input, name=name), input, xp)
    shape, input_shape = tuple(weight.shape), tuple(input.shape)
    if same_shape:
        fits = shape == input_shape
        rule = "input's shape"
    else:
        trailing = zip(reversed(shape), reversed(input_shape), strict=False)
        fits = len(shape) <= len(input_shape) and all(w in (1, i) for w, i in trailing)
        rule = "a shape that broadcasts to input's without enlarging it (trailing axes equal or 1)"
    if not fits:
        msg = f"{loss_name}: {name} must have {rule}; got {name} of shape {shape} and input of shape {input_shape}"
        raise ValueError(msg)
    check_finite(loss_name, **{name: weight})
    return weight


def _class_axis(input: Any, loss_name: str) -> int:
    """torch's class axis: 1 for ``(N, C, d1, ...)``, 0 for an unbatched ``(C,)``."""
    if input.ndim == 0:
        msg = f"{loss_name}: input must have a class axis, shape (N, C, d1, ...) or (C,); got a 0-d input"
        raise ValueError(msg)
    return 0 if input.ndim == 1 else 1


def _class_weight(weight: Any, input: Any, axis: int, xp: Any, loss_name: str) -> Any:
    """Optional per-class weights, shape ``(C,)``."""
    if weight is None:
        return None
    weight = cast_like(as_array(weight, xp, like=input, name="weight"), input, xp)
    num_classes = input.shape[axis]
    if tuple(weight.shape) != (num_classes,):
        msg = (
            f"{loss_name}: weight must hold one weight per class, shape ({num_classes},) for input of shape "
            f"{tuple(input.shape)} (classes on axis {axis}); got weight of shape {tuple(weight.shape)}"
        )
        raise ValueError(msg)
    check_finite(loss_name, weight=weight)
    return weight


def _check_ignore_index(ignore_index: Any, loss_name: str) -> int:
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, Integral):
        msg = f"{loss_name}: ignore_index must be an int; got ignore_index={ignore_index!r}"
        raise ValueError(msg)
    return int(ignore_index)


def _class_targets(
    input: Any, target: Any, axis: int, xp: Any, loss_name: str, *, probabilities: bool
) -> tuple[bool, Any]:
    """``(True, labels)`` for class indices, ``(False, target)`` for class probabilities (when allowed)."""
    shape, input_shape = tuple(target.shape), tuple(input.shape)
    index_shape = input_shape[:axis] + input_shape[axis + 1 :]
    if probabilities and shape == input_shape:
        if not xp.isdtype(target.dtype, "real floating"):
            msg = (
                f"{loss_name}: a target of input's shape {input_shape} holds class probabilities and must be "
                f"floating; got dtype {target.dtype}. Pass class indices of shape {index_shape} instead."
            )
            raise TypeError(msg)
        return False, cast_like(target, input, xp)
    if shape == index_shape:
        if not xp.isdtype(target.dtype, "integral"):
            alternative = f", or pass class probabilities of input's shape {input_shape}" if probabilities else ""
            msg = (
                f"{loss_name}: class-index targets must be integers; got dtype {target.dtype}. Cast them to an "
                f"integer dtype{alternative}."
            )
            raise TypeError(msg)
        if xp.isdtype(target.dtype, "unsigned integer"):  # comparisons with a negative ignore_index
            target = xp.astype(target, xp.int32)
        return True, target
    expected = f"{index_shape} (class indices)"
    if probabilities:
        expected += f" or {input_shape} (class probabilities)"
    msg = f"{loss_name}: target must have shape {expected} for input of shape {input_shape}; got target {shape}"
    raise ValueError(msg)


def _check_class_indices(labels: Any, num_classes: int, ignore_index: int, loss_name: str) -> None:
    """Raise if a label other than ``ignore_index`` lies outside ``[0, C)`` (when value checks are on)."""
    if not checks_apply(labels):
        return
    values = to_numpy(labels)
    values = values[values != ignore_index]
    if values.size and (values.min() < 0 or values.max() >= num_classes):
        msg = (
            f"{loss_name}: class indices must lie in [0, {num_classes}) for input with {num_classes} classes, or "
            f"equal ignore_index={ignore_index}; got labels from {values.min()} to {values.max()}"
        )
        raise ValueError(msg)


def _elementwise(loss: Any, input: Any, target: Any, xp: Any, **kwargs: Any) -> Any:
    """A catalogue loss (the mean over the last axis) evaluated element by element, shape of ``input``."""
    return loss(xp.expand_dims(target, axis=-1), xp.expand_dims(input, axis=-1), xp=xp, **kwargs)


# ---------------------------------------------------------------- regression


def _weighted_by_sum(values: Any, weight: Any, reduction: str, xp: Any) -> Any:
    """torch's weighted ``l1_loss``/``mse_loss``: the mean divides by the sum of the weights."""
    if weight is None:
        return reduce(values, reduction, xp)
    values = values * weight
    return reduce(values, reduction, xp, total_weight=xp.sum(weight) if reduction == "mean" else None)


def l1_loss(input: Any, target: Any, *, reduction: str = "mean", weight: Any = None) -> Any:
    r"""Mean absolute error, as ``torch.nn.functional.l1_loss``.

    .. math:: \ell_i = w_i\,|x_i - y_i|, \qquad
              \text{mean} = \frac{\sum_i \ell_i}{\sum_i w_i}

    with :math:`w = 1` when ``weight`` is not given (the mean is then over
    every element). Weights that sum to 0 give a mean of 0 (torch: NaN), and
    an empty batch gives 0 (torch: NaN).

    Parameters
    ----------
    input : array of shape (*)
        Predictions.
    target : array of shape (*)
        Targets, the shape of ``input`` (no broadcasting).
    reduction : {"mean", "sum", "none"}, default "mean"
        See :mod:`losslab.functional`.
    weight : array of shape (*), optional
        A weight per element, the shape of ``input``.

    Returns
    -------
    array
        0-d, or of shape (*) for ``reduction="none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import l1_loss
    >>> round(float(l1_loss(np.array([0.5, 2.0, -1.0]), np.array([1.0, 1.0, 1.0]))), 6)
    1.166667
    >>> float(l1_loss(np.array([0.5, 2.0]), np.array([1.0, 1.0]), weight=np.array([3.0, 1.0])))
    0.625

    See Also
    --------
    mse_loss, huber_loss, smooth_l1_loss
    """
    xp, input, target = _pair(input, target, "l1_loss")
    reduction = check_reduction(reduction, "l1_loss")
    weight = _weight(weight, input, xp, "l1_loss", same_shape=True)
    if on_torch(xp) and weight is None:
        return torch_pointwise("l1_loss", input, target, reduction)
    if on_torch(xp):
        return torch_weighted_regression("l1_loss", input, target, weight, reduction)
    return _weighted_by_sum(xp.abs(input - target), weight, reduction, xp)


def mse_loss(input: Any, target: Any, *, reduction: str = "mean", weight: Any = None) -> Any:
    r"""Mean squared error, as ``torch.nn.functional.mse_loss``.

    .. math:: \ell_i = w_i\,(x_i - y_i)^2, \qquad
              \text{mean} = \frac{\sum_i \ell_i}{\sum_i w_i}

    with :math:`w = 1` when ``weight`` is not given. Weights that sum to 0
    give a mean of 0 (torch: NaN), and an empty batch gives 0 (torch: NaN).

    Parameters
    ----------
    input : array of shape (*)
        Predictions.
    target : array of shape (*)
        Targets, the shape of ``input`` (no broadcasting).
    reduction : {"mean", "sum", "none"}, default "mean"
        See :mod:`losslab.functional`.
    weight : array of shape (*), optional
        A weight per element, the shape of ``input``.

    Returns
    -------
    array
        0-d, or of shape (*) for ``reduction="none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import mse_loss
    >>> float(mse_loss(np.array([0.5, 2.0, -1.0]), np.array([1.0, 1.0, 1.0])))
    1.75
    >>> mse_loss(np.array([0.5, 2.0]), np.array([1.0, 1.0]), reduction="none")
    array([0.25, 1.  ])

    See Also
    --------
    l1_loss, huber_loss, gaussian_nll_loss
    """
    xp, input, target = _pair(input, target, "mse_loss")
    reduction = check_reduction(reduction, "mse_loss")
    weight = _weight(weight, input, xp, "mse_loss", same_shape=True)
    if on_torch(xp) and weight is None:
        return torch_pointwise("mse_loss", input, target, reduction)
    if on_torch(xp):
        return torch_weighted_regression("mse_loss", input, target, weight, reduction)
    error = input - target
    return _weighted_by_sum(error * error, weight, reduction, xp)


def huber_loss(input: Any, target: Any, *, reduction: str = "mean", delta: float = 1.0, weight: Any = None) -> Any:
    r"""Huber loss, as ``torch.nn.functional.huber_loss``.

    .. math:: \ell_i = w_i \begin{cases} \tfrac12 e_i^2 & |e_i| \le \delta \\
              \delta\,(|e_i| - \tfrac12\delta) & \text{otherwise} \end{cases},
              \qquad e = x - y

    Unlike ``l1_loss`` and ``mse_loss``, torch's weighted mean here is the
    plain mean of :math:`\ell` (not divided by the sum of the weights), and
    so is losslab's. An empty batch gives 0 (torch: NaN).

    Parameters
    ----------
    input : array of shape (*)
        Predictions.
    target : array of shape (*)
        Targets, the shape of ``input``.
    reduction : {"mean", "sum", "none"}, default "mean"
        See :mod:`losslab.functional`.
    delta : float, default 1.0
        Where the loss turns from quadratic to linear; > 0.
    weight : array of shape (*), optional
        A weight per element, the shape of ``input``.

    Returns
    -------
    array
        0-d, or of shape (*) for ``reduction="none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import huber_loss
    >>> float(huber_loss(np.array([0.5, 3.0]), np.array([0.0, 0.0]), delta=1.0))
    1.3125

    See Also
    --------
    smooth_l1_loss, losslab.huber
    """
    xp, input, target = _pair(input, target, "huber_loss")
    reduction = check_reduction(reduction, "huber_loss")
    delta = check_real("huber_loss", "delta", delta, 0.0, open_low=True)
    weight = _weight(weight, input, xp, "huber_loss", same_shape=True)
    if on_torch(xp):
        return torch_pointwise("huber_loss", input, target, reduction, delta=delta, weight=weight)
    values = _elementwise(huber, input, target, xp, delta=delta)
    return reduce(values if weight is None else values * weight, reduction, xp)


def smooth_l1_loss(input: Any, target: Any, *, reduction: str = "mean", beta: float = 1.0) -> Any:
    r"""Smooth L1 loss, as ``torch.nn.functional.smooth_l1_loss``.

    .. math:: \ell_i = \begin{cases} \tfrac12 e_i^2 / \beta & |e_i| < \beta \\
              |e_i| - \tfrac12 \beta & \text{otherwise} \end{cases},
              \qquad e = x - y

    ``beta = 0`` gives ``l1_loss``. An empty batch gives 0 (torch: NaN).

    Parameters
    ----------
    input : array of shape (*)
        Predictions.
    target : array of shape (*)
        Targets, the shape of ``input``.
    reduction : {"mean", "sum", "none"}, default "mean"
        See :mod:`losslab.functional`.
    beta : float, default 1.0
        Where the loss turns from quadratic to linear; >= 0.

    Returns
    -------
    array
        0-d, or of shape (*) for ``reduction="none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import smooth_l1_loss
    >>> float(smooth_l1_loss(np.array([0.5, 3.0]), np.array([0.0, 0.0]), beta=2.0))
    1.03125

    See Also
    --------
    huber_loss, losslab.smooth_l1
    """
    xp, input, target = _pair(input, target, "smooth_l1_loss")
    reduction = check_reduction(reduction, "smooth_l1_loss")
    beta = check_real("smooth_l1_loss", "beta", beta, 0.0)
    if on_torch(xp):
        return torch_pointwise("smooth_l1_loss", input, target, reduction, beta=beta)
    return reduce(_elementwise(smooth_l1, input, target, xp, beta=beta), reduction, xp)


# ---------------------------------------------------------------- classes: cross-entropy and NLL


def _class_index_loss(
    log_p: Any,
    labels: Any,
    weight: Any,
    ignore_index: int,
    label_smoothing: float,
    reduction: str,
    axis: int,
    xp: Any,
) -> Any:
    """torch's class-index cross-entropy on log-probabilities ``log_p``, classes on ``axis``.

    A label equal to ``ignore_index`` gives 0 and no weight; any other label
    outside ``[0, C)`` gives NaN (torch raises; a traced function cannot).
    """
    num_classes = log_p.shape[axis]
    in_range = (labels >= 0) & (labels < num_classes)
    ignored = labels == ignore_index
    counted = in_range & ~ignored
    safe = xp.where(in_range, labels, xp.zeros_like(labels))
    class_shape = (num_classes,) + (1,) * (log_p.ndim - axis - 1)
    classes = xp.reshape(xp.arange(num_classes, dtype=labels.dtype, device=device(labels)), class_shape)
    picked = xp.expand_dims(safe, axis=axis) == classes
    losses = -xp.sum(xp.where(picked, log_p, xp.zeros_like(log_p)), axis=axis)
    if weight is None:
        label_weight = xp.astype(counted, log_p.dtype)
    else:
        label_weight = xp.reshape(xp.take(weight, xp.reshape(safe, (-1,)), axis=0), safe.shape)
        losses = label_weight * losses
        label_weight = xp.where(counted, label_weight, xp.zeros_like(label_weight))
    if label_smoothing:
        all_classes = log_p if weight is None else log_p * xp.reshape(weight, class_shape)
        smooth = -xp.sum(all_classes, axis=axis)
        losses = (1.0 - label_smoothing) * losses + (label_smoothing / num_classes) * smooth
    zeros = xp.zeros_like(losses)
    losses = xp.where(counted, losses, xp.where(ignored, zeros, xp.full_like(losses, math.nan)))
    return reduce(losses, reduction, xp, total_weight=xp.sum(label_weight) if reduction == "mean" else None)


def _probability_loss(
    log_p: Any, target: Any, weight: Any, label_smoothing: float, reduction: str, axis: int, xp: Any
) -> Any:
    """torch's cross-entropy with class probabilities; a class of probability 0 adds exactly 0."""
    num_classes = log_p.shape[axis]
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + label_smoothing / num_classes
    # 0 * log p is 0 even where log p is -inf (a masked class); torch's product gives NaN there.
    terms = target * xp.where(target == 0, xp.zeros_like(log_p), log_p)
    if weight is not None:
        terms = terms * xp.reshape(weight, (num_classes,) + (1,) * (log_p.ndim - axis - 1))
    return reduce(-xp.sum(terms, axis=axis), reduction, xp)


def cross_entropy(
    input: Any,
    target: Any,
    *,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Any:
    r"""Cross-entropy between logits and class indices or class probabilities, as ``torch.nn.functional.cross_entropy``.

    .. math:: \ell_n = -(1 - s)\, w_{y_n} \log p_{n, y_n}
              - \frac{s}{C} \sum_c w_c \log p_{n,c},
              \qquad \log p_n = \operatorname{log\_softmax}(x_n)

    for a class index :math:`y_n` (classes on axis 1), with label smoothing
    :math:`s`; entries whose label is ``ignore_index`` give 0, and the mean
    divides by :math:`\sum_n w_{y_n}` over the entries not ignored. For class
    probabilities :math:`q` (a target of ``input``'s shape),
    :math:`\ell_n = -\sum_c w_c\, \tilde q_{n,c} \log p_{n,c}` with
    :math:`\tilde q = (1 - s)\,q + s / C`, and the mean is over the entries.

    Differences from torch, all where torch returns NaN: a batch whose
    targets are all ignored (or whose counted weights sum to 0) gives 0 with
    a zero gradient, an empty batch gives 0, and a class of probability 0
    adds 0 even where its logit is ``-inf``. A ``-inf`` logit for a class
    that is not the target gives torch's finite value and gradient (with
    ``label_smoothing > 0`` it gives ``inf``, as in torch). A label outside
    ``[0, C)`` (other than ``ignore_index``) raises under
    :func:`losslab.value_checks`; otherwise torch's kernel raises, and the
    other backends give NaN.

    Parameters
    ----------
    input : array of shape (N, C, d1, ...) or (C,)
        Logits, classes on axis 1 (axis 0 for an unbatched ``(C,)``).
    target : int array of shape (N, d1, ...) or (), or float array of shape (N, C, d1, ...) or (C,)
        Class indices in ``[0, C)``, or class probabilities of ``input``'s shape.
    weight : array of shape (C,), optional
        A weight per class.
    ignore_index : int, default -100
        A class index that adds nothing (class-index targets only; with
        probabilities it must stay negative, as in torch).
    reduction : {"mean", "sum", "none"}, default "mean"
        See :mod:`losslab.functional`.
    label_smoothing : float in [0, 1], default 0.0
        :math:`s` above.

    Returns
    -------
    array
        0-d, or of shape (N, d1, ...) for ``reduction="none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import cross_entropy
    >>> logits = np.array([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    >>> round(float(cross_entropy(logits, np.array([0, 2]))), 6)
    0.860645
    >>> round(float(cross_entropy(logits, np.array([0, -100]))), 6)
    0.169846
    >>> float(cross_entropy(logits, np.array([-100, -100])))  # torch: nan
    0.0

    See Also
    --------
    nll_loss, binary_cross_entropy_with_logits, losslab.sparse_categorical_crossentropy
    """
    xp, target, input = as_arrays(target, input)
    reduction = check_reduction(reduction, "cross_entropy")
    label_smoothing = check_real("cross_entropy", "label_smoothing", label_smoothing, 0.0, 1.0)
    ignore_index = _check_ignore_index(ignore_index, "cross_entropy")
    axis = _class_axis(input, "cross_entropy")
    indices, target = _class_targets(input, target, axis, xp, "cross_entropy", probabilities=True)
    weight = _class_weight(weight, input, axis, xp, "cross_entropy")
    if indices:
        _check_class_indices(target, input.shape[axis], ignore_index, "cross_entropy")
        if on_torch(xp):
            return torch_class_index_loss(input, target, weight, ignore_index, reduction, label_smoothing)
        log_p = log_softmax(input, axis, xp)
        return _class_index_loss(log_p, target, weight, ignore_index, label_smoothing, reduction, axis, xp)
    if ignore_index >= 0:
        msg = (
            f"cross_entropy: ignore_index={ignore_index} applies to class-index targets only; with class "
            "probabilities (a target of input's shape) leave it at its default, -100."
        )
        raise ValueError(msg)
    return _probability_loss(log_softmax(input, axis, xp), target, weight, label_smoothing, reduction, axis, xp)


def nll_loss(
    input: Any,
    target: Any,
    *,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Any:
    r"""Negative log-likelihood of class indices given log-probabilities, as ``torch.nn.functional.nll_loss``.

    .. math:: \ell_n = -w_{y_n}\, x_{n, y_n}, \qquad
              \text{mean} = \frac{\sum_n \ell_n}{\sum_n w_{y_n}}

    over the entries whose label is not ``ignore_index`` (those give 0).
    ``nll_loss(log_softmax(x), y)`` is ``cross_entropy(x, y)``. A batch
    whose targets are all ignored (or whose counted weights sum to 0) gives
    0 with a zero gradient, and an empty batch 0 (torch: NaN for both). A
    label outside ``[0, C)`` (other than ``ignore_index``) raises under
    :func:`losslab.value_checks`; otherwise torch's kernel raises, and the
    other backends give NaN.

    Parameters
    ----------
    input : array of shape (N, C, d1, ...) or (C,)
        Log-probabilities, classes on axis 1 (axis 0 for an unbatched ``(C,)``).
    target : int array of shape (N, d1, ...) or ()
        Class indices in ``[0, C)``.
    weight : array of shape (C,), optional
        A weight per class.
    ignore_index : int, default -100
        A class index that adds nothing.
    reduction : {"mean", "sum", "none"}, default "mean"
        See :mod:`losslab.functional`.

    Returns
    -------
    array
        0-d, or of shape (N, d1, ...) for ``reduction="none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import nll_loss
    >>> log_p = np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]))
    >>> round(float(nll_loss(log_p, np.array([0, 2]))), 6)
    0.289909
    >>> round(float(nll_loss(log_p, np.array([0, 2]), weight=np.array([1.0, 1.0, 3.0]))), 6)
    0.256526

    See Also
    --------
    cross_entropy
    """
    xp, target, input = as_arrays(target, input)
    reduction = check_reduction(reduction, "nll_loss")
    ignore_index = _check_ignore_index(ignore_index, "nll_loss")
    axis = _class_axis(input, "nll_loss")
    _, target = _class_targets(input, target, axis, xp, "nll_loss", probabilities=False)
    weight = _class_weight(weight, input, axis, xp, "nll_loss")
    _check_class_indices(target, input.shape[axis], ignore_index, "nll_loss")
    if on_torch(xp):
        return torch_class_index_loss(input, target, weight, ignore_index, reduction, None)
    return _class_index_loss(input, target, weight, ignore_index, 0.0, reduction, axis, xp)


# ---------------------------------------------------------------- likelihoods


def poisson_nll_loss(
    input: Any,
    target: Any,
    *,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> Any:
    r"""Poisson negative log-likelihood, as ``torch.nn.functional.poisson_nll_loss``.

    .. math:: \ell_i = \begin{cases} e^{x_i} - y_i x_i & \text{log\_input} \\
              x_i - y_i \log(x_i + \epsilon) & \text{otherwise} \end{cases}
              \;+\; [\text{full}]\,[y_i > 1]\left(y_i \log y_i - y_i + \tfrac12 \log(2\pi y_i)\right)

    (the last term is Stirling's approximation of :math:`\log y!`). An empty
    batch gives 0 (torch: NaN); with ``full=True`` the gradient with respect
    to a target of 0 is 0 (torch: NaN).

    Parameters
    ----------
    input : array of shape (*)
        Log-rates when ``log_input``, else rates >= 0.
    target : array of shape (*)
        Counts >= 0, the shape of ``input``.
    log_input : bool, default True
        Whether ``input`` holds log-rates.
    full : bool, default False
        Whether to add the Stirling term.
    eps : float, default 1e-8
        Added to the rate inside the log when ``log_input=False``; > 0.
    reduction : {"mean", "sum", "none"}, default "mean"
        See :mod:`losslab.functional`.

    Returns
    -------
    array
        0-d, or of shape (*) for ``reduction="none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import poisson_nll_loss
    >>> round(float(poisson_nll_loss(np.array([0.0, 1.0]), np.array([1.0, 0.0]))), 6)
    1.859141
    >>> round(float(poisson_nll_loss(np.array([0.0]), np.array([2.0]), full=True)), 6)
    1.651806

    See Also
    --------
    gaussian_nll_loss, losslab.poisson_nll
    """
    xp, input, target = _pair(input, target, "poisson_nll_loss")
    reduction = check_reduction(reduction, "poisson_nll_loss")
    eps = check_real("poisson_nll_loss", "eps", eps, 0.0, open_low=True)
    if not log_input:
        check_range("poisson_nll_loss", "input", input, 0.0, math.inf, "With log_input=False, input holds rates >= 0.")
    if on_torch(xp) and not (full and needs_grad(target)):  # torch's Stirling term: NaN gradient at y = 0
        kwargs = {"log_input": bool(log_input), "full": bool(full), "eps": eps}
        return torch_pointwise("poisson_nll_loss", input, target, reduction, **kwargs)
    values = _elementwise(poisson_nll, input, target, xp, log_input=bool(log_input), full=bool(full), eps=eps)
    return reduce(values, reduction, xp)


def _gaussian_var(var: Any, input: Any, xp: Any) -> Any:
    """``var`` as an array that broadcasts to ``input``'s shape, by torch's rule (the catalogue's check)."""
    var = cast_like(as_array(var, xp, like=input, name="var"), input, xp)
    needs_axis = _check_var_shape(tuple(var.shape), tuple(input.shape), "gaussian_nll_loss", pred_name="input")
    return xp.expand_dims(var, axis=-1) if needs_axis else var


def gaussian_nll_loss(
    input: Any,
    target: Any,
    var: Any,
    *,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Any:
    r"""Gaussian negative log-likelihood, as ``torch.nn.functional.gaussian_nll_loss``.

    .. math:: \ell_i = \tfrac12\left(\log v_i + \frac{(x_i - y_i)^2}{v_i}\right)
              \;+\; [\text{full}]\,\tfrac12 \log 2\pi,
              \qquad v = \max(\text{var}, \epsilon)

    As in torch, the clamp at :math:`\epsilon` passes the gradient to
    ``var`` unchanged. An empty batch gives 0 (torch: NaN). torch raises on a
    negative variance by reading ``var``; losslab checks it under
    :func:`losslab.value_checks`, so that the loss can be traced.

    Parameters
    ----------
    input : array of shape (N, *) or (*)
        Predicted means.
    target : array
        Targets, the shape of ``input`` (torch broadcasts; losslab does not).
    var : float or array
        Variances >= 0: a float, an array of ``input``'s shape, of that shape
        without its last axis, or of ``input``'s shape with one axis of size 1
        (torch's shapes).
    full : bool, default False
        Whether to add the constant :math:`\tfrac12\log 2\pi`.
    eps : float, default 1e-6
        The variance's lower clamp; > 0.
    reduction : {"mean", "sum", "none"}, default "mean"
        See :mod:`losslab.functional`.

    Returns
    -------
    array
        0-d, or of ``input``'s shape for ``reduction="none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import gaussian_nll_loss
    >>> round(float(gaussian_nll_loss(np.array([0.0, 0.0]), np.array([0.0, 2.0]), np.array([1.0, 4.0]))), 6)
    0.596574
    >>> float(gaussian_nll_loss(np.array([0.0, 0.0]), np.array([0.0, 2.0]), 1.0))
    1.0

    See Also
    --------
    mse_loss, poisson_nll_loss, losslab.gaussian_nll
    """
    xp, input, target = _pair(input, target, "gaussian_nll_loss")
    reduction = check_reduction(reduction, "gaussian_nll_loss")
    eps = check_real("gaussian_nll_loss", "eps", eps, 0.0, open_low=True)
    if isinstance(var, Real) and not isinstance(var, bool):
        var = check_real("gaussian_nll_loss", "var", var, 0.0)
    else:
        var = _gaussian_var(var, input, xp)
        check_finite("gaussian_nll_loss", var=var)
        check_range("gaussian_nll_loss", "var", var, 0.0, math.inf, "Variances are >= 0: use a softplus output.")
    if on_torch(xp):
        var = xp.full_like(input, var) if isinstance(var, float) else var
        return torch_gaussian_nll(input, target, var, bool(full), eps, reduction)
    if not isinstance(var, float):
        var = xp.expand_dims(var, axis=-1)
    return reduce(_elementwise(gaussian_nll, input, target, xp, var=var, full=bool(full), eps=eps), reduction, xp)


def kl_div(input: Any, target: Any, *, reduction: str = "mean", log_target: bool = False) -> Any:
    r"""Kullback-Leibler divergence terms, as ``torch.nn.functional.kl_div``.

    .. math:: \ell_i = q_i (\log q_i - x_i)

    with log-probabilities :math:`x` = ``input`` and probabilities :math:`q`
    = ``target`` (or :math:`\log q` = ``target`` when ``log_target``). An
    entry with :math:`q_i = 0` adds exactly 0, even where :math:`x_i` is
    ``-inf`` (torch: NaN), and its gradient with respect to ``target`` is 0
    (torch: NaN). ``reduction="batchmean"`` divides the sum by the batch
    size :math:`N`, which gives the divergence per sample; ``"mean"`` divides
    by the number of elements (torch warns about it; losslab does not). An
    empty batch gives 0 (torch: NaN).

    Parameters
    ----------
    input : array of shape (N, *) or (*)
        Log-probabilities.
    target : array
        Probabilities, or log-probabilities when ``log_target``; the shape of ``input``.
    reduction : {"mean", "batchmean", "sum", "none"}, default "mean"
        As torch; see :mod:`losslab.functional`.
    log_target : bool, default False
        Whether ``target`` holds log-probabilities.

    Returns
    -------
    array
        0-d, or of ``input``'s shape for ``reduction="none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import kl_div
    >>> log_p = np.log(np.array([[0.5, 0.5], [0.9, 0.1]]))
    >>> q = np.array([[0.5, 0.5], [0.5, 0.5]])
    >>> round(float(kl_div(log_p, q, reduction="batchmean")), 6)
    0.255413
    >>> float(kl_div(np.array([[-np.inf, 0.0]]), np.array([[0.0, 1.0]]), reduction="sum"))  # torch: nan
    0.0

    See Also
    --------
    cross_entropy, losslab.kl_divergence
    """
    xp, input, target = _pair(input, target, "kl_div", finite=False)  # -inf: a probability of 0
    if not (isinstance(reduction, str) and reduction in (*REDUCTIONS, "batchmean")):
        msg = f"kl_div: reduction must be one of {[*REDUCTIONS, 'batchmean']}, got {reduction!r}"
        raise ValueError(msg)
    zeros = xp.zeros_like(input)
    if log_target:
        absent = target == -math.inf
        safe_target = xp.where(absent, zeros, target)
        values = xp.exp(target) * (safe_target - xp.where(absent, zeros, input))
    else:
        absent = target == 0
        safe_target = xp.where(absent, xp.ones_like(target), target)
        values = target * (xp.log(safe_target) - xp.where(absent, zeros, input))
    if reduction != "batchmean":
        return reduce(values, reduction, xp)
    batch = input.shape[0] if input.ndim else 1
    return xp.sum(values) / batch if batch else xp.sum(values)


# ---------------------------------------------------------------- binary and multi-label


def _clamped_log(p: Any, xp: Any) -> Any:
    """``max(log p, -100)`` with a finite gradient at ``p = 0`` (torch's clamp of BCE's logs)."""
    positive = p > 0
    log_p = xp.log(xp.where(positive, p, xp.ones_like(p)))
    return xp.where(positive, xp.clip(log_p, min=-100.0), xp.full_like(p, -100.0))


def binary_cross_entropy(input: Any, target: Any, *, weight: Any = None, reduction: str = "mean") -> Any:
    r"""Binary cross-entropy of probabilities, as ``torch.nn.functional.binary_cross_entropy``.

    .. math:: \ell_i = -w_i \left(y_i \max(\log p_i, -100) + (1 - y_i) \max(\log(1 - p_i), -100)\right)

    with :math:`p` = ``input``. The logs are clamped at -100 as in torch, so
    probabilities of exactly 0 or 1 give finite values; where the clamp is
    active the gradient is 0 (torch's is :math:`(p - y) / \max(p(1-p),
    10^{-12})`). An empty batch gives 0 (torch: NaN). torch raises on
    ``input`` outside [0, 1] by reading it; losslab checks it under
    :func:`losslab.value_checks`.

    Parameters
    ----------
    input : array of shape (*)
        Probabilities in [0, 1].
    target : array of shape (*)
        Targets in [0, 1], the shape of ``input``.
    weight : array, optional
        Weights that broadcast to ``input``'s shape (e.g. ``(C,)`` for ``(N, C)``), as torch allows.
    reduction : {"mean", "sum", "none"}, default "mean"
        See :mod:`losslab.functional`.

    Returns
    -------
    array
        0-d, or of shape (*) for ``reduction="none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import binary_cross_entropy
    >>> round(float(binary_cross_entropy(np.array([0.6, 0.4]), np.array([1.0, 0.0]))), 6)
    0.510826
    >>> float(binary_cross_entropy(np.array([0.0]), np.array([1.0])))
    100.0

    See Also
    --------
    binary_cross_entropy_with_logits, losslab.binary_crossentropy
    """
    xp, input, target = _pair(input, target, "binary_cross_entropy")
    reduction = check_reduction(reduction, "binary_cross_entropy")
    weight = _weight(weight, input, xp, "binary_cross_entropy")
    hint = "It holds probabilities; for logits use binary_cross_entropy_with_logits."
    check_range("binary_cross_entropy", "input", input, 0.0, 1.0, hint)
    if on_torch(xp):
        return torch_pointwise("binary_cross_entropy", input, target, reduction, weight=weight)
    values = -(target * _clamped_log(input, xp) + (1.0 - target) * _clamped_log(1.0 - input, xp))
    return reduce(values if weight is None else values * weight, reduction, xp)


def binary_cross_entropy_with_logits(
    input: Any,
    target: Any,
    *,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Any:
    r"""Binary cross-entropy of logits, as ``torch.nn.functional.binary_cross_entropy_with_logits``.

    .. math:: \ell_i = -w_i \left(r_i\, y_i \log\sigma(x_i) + (1 - y_i) \log\sigma(-x_i)\right)

    with :math:`r` = ``pos_weight`` (1 when not given), computed as torch
    does, :math:`(1 - y)x - (1 + (r - 1)y)\log\sigma(x)`, with a stable
    log-sigmoid, so logits of any finite size give finite values and
    gradients. An empty batch gives 0 (torch: NaN).

    Parameters
    ----------
    input : array of shape (*)
        Logits.
    target : array of shape (*)
        Targets in [0, 1], the shape of ``input``.
    weight : array, optional
        Weights that broadcast to ``input``'s shape, as torch allows.
    reduction : {"mean", "sum", "none"}, default "mean"
        See :mod:`losslab.functional`.
    pos_weight : array, optional
        Weights of the positive term that broadcast to ``input``'s shape
        along its trailing axes, e.g. ``(C,)`` for ``(N, C)`` or ``(C, 1, 1)``
        for ``(N, C, H, W)``.

    Returns
    -------
    array
        0-d, or of shape (*) for ``reduction="none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import binary_cross_entropy_with_logits
    >>> x, y = np.array([[2.0, -1.0]]), np.array([[1.0, 0.0]])
    >>> round(float(binary_cross_entropy_with_logits(x, y)), 6)
    0.220095
    >>> round(float(binary_cross_entropy_with_logits(x, y, pos_weight=np.array([3.0, 1.0]))), 6)
    0.347023

    See Also
    --------
    binary_cross_entropy, multilabel_soft_margin_loss, losslab.binary_crossentropy
    """
    xp, input, target = _pair(input, target, "binary_cross_entropy_with_logits")
    reduction = check_reduction(reduction, "binary_cross_entropy_with_logits")
    weight = _weight(weight, input, xp, "binary_cross_entropy_with_logits")
    pos_weight = _weight(pos_weight, input, xp, "binary_cross_entropy_with_logits", "pos_weight")
    if on_torch(xp):
        kwargs = {"weight": weight, "pos_weight": pos_weight}
        return torch_pointwise("binary_cross_entropy_with_logits", input, target, reduction, **kwargs)
    log_sig = log_sigmoid(input, xp)
    if pos_weight is not None:
        log_sig = (1.0 + (pos_weight - 1.0) * target) * log_sig
    values = (1.0 - target) * input - log_sig
    return reduce(values if weight is None else values * weight, reduction, xp)


def soft_margin_loss(input: Any, target: Any, *, reduction: str = "mean") -> Any:
    r"""Two-class logistic loss with targets of -1 and 1, as ``torch.nn.functional.soft_margin_loss``.

    .. math:: \ell_i = \log(1 + e^{-y_i x_i})

    computed as a stable softplus: where torch's ``log1p(exp(.))`` overflows
    to ``inf`` (:math:`-yx` above about 88 in float32, 709 in float64), the
    value stays finite. An empty batch gives 0 (torch: NaN).

    Parameters
    ----------
    input : array of shape (*)
        Scores.
    target : array of shape (*)
        Targets, -1 or 1, the shape of ``input``.
    reduction : {"mean", "sum", "none"}, default "mean"
        See :mod:`losslab.functional`.

    Returns
    -------
    array
        0-d, or of shape (*) for ``reduction="none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import soft_margin_loss
    >>> round(float(soft_margin_loss(np.array([2.0, -1.0]), np.array([1.0, 1.0]))), 6)
    0.720095
    >>> float(soft_margin_loss(np.array([-800.0]), np.array([1.0])))  # torch: inf
    800.0

    See Also
    --------
    binary_cross_entropy_with_logits
    """
    xp, input, target = _pair(input, target, "soft_margin_loss")
    reduction = check_reduction(reduction, "soft_margin_loss")
    if on_torch(xp):
        return torch_soft_margin(input, target, reduction)
    return reduce(softplus(-target * input, xp), reduction, xp)


def multilabel_soft_margin_loss(input: Any, target: Any, *, weight: Any = None, reduction: str = "mean") -> Any:
    r"""Multi-label logistic loss averaged over classes, as ``torch.nn.functional.multilabel_soft_margin_loss``.

    .. math:: \ell_n = -\frac{1}{C} \sum_{c} w_c
              \left(y_{n,c} \log\sigma(x_{n,c}) + (1 - y_{n,c}) \log\sigma(-x_{n,c})\right)

    As in torch, the classes are on the *last* axis (not axis 1), and the
    reduction runs over the per-sample losses. The log-sigmoids are stable.
    An empty batch gives 0 (torch: NaN).

    Parameters
    ----------
    input : array of shape (N, C) or (C,)
        Logits, classes last.
    target : array of shape (N, C) or (C,)
        Multi-hot targets in [0, 1], the shape of ``input``.
    weight : array, optional
        Weights that broadcast to ``input``'s shape, usually ``(C,)``.
    reduction : {"mean", "sum", "none"}, default "mean"
        See :mod:`losslab.functional`.

    Returns
    -------
    array
        0-d, or of shape (N,) (``input``'s shape without its last axis) for ``reduction="none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import multilabel_soft_margin_loss
    >>> x, y = np.array([[2.0, -1.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [0.0, 1.0]])
    >>> multilabel_soft_margin_loss(x, y, reduction="none").round(6)
    array([0.720095, 0.693147])

    See Also
    --------
    binary_cross_entropy_with_logits, losslab.multilabel_soft_margin
    """
    xp, input, target = _pair(input, target, "multilabel_soft_margin_loss")
    reduction = check_reduction(reduction, "multilabel_soft_margin_loss")
    if input.ndim == 0:
        msg = "multilabel_soft_margin_loss: input must have a class axis (the last), shape (N, C) or (C,); got 0-d"
        raise ValueError(msg)
    weight = _weight(weight, input, xp, "multilabel_soft_margin_loss")
    hint = "Multi-label targets are 0 or 1 per class (or soft labels in between)."
    check_range("multilabel_soft_margin_loss", "target", target, 0.0, 1.0, hint)
    if on_torch(xp):
        return torch_pointwise("multilabel_soft_margin_loss", input, target, reduction, weight=weight)
    values = _elementwise(multilabel_soft_margin, input, target, xp)
    if weight is not None:
        values = values * weight
    return reduce(xp.mean(values, axis=-1), reduction, xp)
