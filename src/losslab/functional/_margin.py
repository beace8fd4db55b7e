r"""torch's margin, embedding and sequence losses, on the Array API.

The functions take ``torch.nn.functional``'s arguments in torch's order and
reduce as torch does (``"mean"``, ``"sum"`` or ``"none"``). They never
broadcast two inputs against each other: shapes must match as the docstrings
say. Checks that read values (labels in :math:`\{-1, 1\}`, class indices in
range, CTC lengths) run under :func:`losslab.value_checks`, as in the rest of
losslab, so that the functions stay traceable by ``jax.jit`` and
``torch.compile``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from losslab._backend import as_array, device, namespace, to_numpy
from losslab._checks import check_labels, checks_apply
from losslab.functional._fast import jax_jit, jax_scan_frames_masked, torch_ctc_applies, torch_ctc_losses
from losslab.functional._reduction import check_reduction, reduce
from losslab.losses._embedding import _p_norm
from losslab.losses._fast import on_jax, on_torch
from losslab.losses._ops import check_real, relu
from losslab.losses._sequence import _interleave_with_blanks, _logaddexp, _shift_right

COSINE_EPS = 1e-12
"""Added to each squared norm in :func:`cosine_embedding_loss`, as torch does."""

CTC_LOG_ZERO = -1e30
"""The finite stand-in for ``log(0)`` in :func:`ctc_loss`'s recursion.

It is far below any log-likelihood that finite frames reach in practice, so
a state that no path reaches stays at about this value and contributes
``exp(CTC_LOG_ZERO - x) = 0`` exactly wherever it meets a reachable one:
the loss is the exact CTC loss, and values and gradients stay finite.
"""


# ---------------------------------------------------------------- input checks


def _floats(loss_name: str, xp: Any, like: Any = None, **arrays: Any) -> list[Any]:
    """The named inputs as real floating arrays of ``xp`` in one dtype, on ``like``'s (else the first one's) device."""
    out: list[Any] = []
    for name, x in arrays.items():
        array = as_array(x, xp, like=like if like is not None or not out else out[0], name=name)
        if not xp.isdtype(array.dtype, "real floating"):
            msg = (
                f"{loss_name}: {name} must be a real floating array (the loss is differentiable in it); got dtype "
                f"{array.dtype}. Cast it, e.g. xp.astype({name}, xp.float32)."
            )
            raise TypeError(msg)
        out.append(array)
    dtype = xp.result_type(*out)
    return [a if a.dtype == dtype else xp.astype(a, dtype) for a in out]


def _integers(loss_name: str, name: str, x: Any, xp: Any, like: Any) -> Any:
    """``x`` as an integer array of ``xp`` on ``like``'s device, or a ``TypeError``."""
    array = as_array(x, xp, like=like, name=name)
    if not xp.isdtype(array.dtype, "integral"):
        msg = (
            f"{loss_name}: {name} must hold integers (class indices or lengths); got dtype {array.dtype}. "
            f"Cast it, e.g. xp.astype({name}, xp.int64)."
        )
        raise TypeError(msg)
    return array


def _signs(loss_name: str, target: Any, xp: Any, like: Any) -> Any:
    """``target`` in ``like``'s dtype; under value checks, every entry must be -1 or 1."""
    target = as_array(target, xp, like=like, name="target")
    if checks_apply(target):
        values = to_numpy(target)
        bad = (values != 1) & (values != -1)
        if bad.any():
            msg = (
                f"{loss_name}: target must hold only 1 and -1; got {int(bad.sum())} other value(s), e.g. "
                f"{values[bad].flat[0].item()!r}. The formula (torch's) is meant for these two labels; map yours "
                "to {-1, 1}, e.g. 2 * y - 1 for labels in {0, 1}."
            )
            raise ValueError(msg)
    return target if target.dtype == like.dtype else xp.astype(target, like.dtype)


def _same_shape(loss_name: str, **arrays: Any) -> None:
    """A ``ValueError`` naming every shape when the named arrays differ in shape."""
    shapes = {name: tuple(a.shape) for name, a in arrays.items()}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        msg = (
            f"{loss_name}: {', '.join(shapes)} must have the same shape; got {listed}. losslab does not "
            "broadcast them (torch may), since that silently changes which values are compared."
        )
        raise ValueError(msg)


def _margin(loss_name: str, margin: Any, *, positive: bool = False) -> float:
    if positive:
        return check_real(loss_name, "margin", margin, 0.0, open_low=True)
    return check_real(loss_name, "margin", margin)


# ---------------------------------------------------------------- margin ranking, hinge embedding


def margin_ranking_loss(input1: Any, input2: Any, target: Any, *, margin: float = 0.0, reduction: str = "mean") -> Any:
    r"""Margin ranking loss: a hinge on the difference of two scores, as ``torch.nn.functional``'s.

    .. math:: \ell_i = \max\left(0,\; -y_i\,(x_{1,i} - x_{2,i}) + m\right)

    :math:`y = 1` asks for :math:`x_1 \ge x_2 + m`, :math:`y = -1` for
    :math:`x_2 \ge x_1 + m`.

    Parameters
    ----------
    input1, input2 : array of shape (...)
        The two scores of each pair (real floating).
    target : array of the same shape
        1 where ``input1`` should rank higher, -1 where ``input2`` should (any
        real values are used as they are, as torch does; value checks ask
        for -1 or 1).
    margin : float, default 0.0
        How far apart the scores must be.
    reduction : {"mean", "sum", "none"}, default "mean"
        torch's reduction over all elements.

    Returns
    -------
    array
        Shape ``()`` for ``"mean"`` and ``"sum"``, the inputs' shape for ``"none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import margin_ranking_loss
    >>> x1, x2, y = np.array([2.0, 2.0, 1.0]), np.array([1.0, 1.0, 1.5]), np.array([1.0, -1.0, 1.0])
    >>> np.round(margin_ranking_loss(x1, x2, y, margin=0.5, reduction="none"), 4)
    array([0. , 1.5, 1. ])
    >>> round(float(margin_ranking_loss(x1, x2, y, margin=0.5)), 6)
    0.833333

    See Also
    --------
    hinge_embedding_loss, cosine_embedding_loss, losslab.margin_ranking
    """
    xp = namespace(input1, input2, target)
    name = "margin_ranking_loss"
    reduction = check_reduction(reduction, name)
    margin = _margin(name, margin)
    input1, input2 = _floats(name, xp, input1=input1, input2=input2)
    target = _signs(name, target, xp, input1)
    _same_shape(name, input1=input1, input2=input2, target=target)
    return reduce(relu(margin - target * (input1 - input2), xp), reduction, xp)


def hinge_embedding_loss(input: Any, target: Any, *, margin: float = 1.0, reduction: str = "mean") -> Any:
    r"""Hinge embedding loss on distances, as ``torch.nn.functional``'s.

    .. math:: \ell_i = \begin{cases} x_i & y_i = 1 \\ \max(0,\; m - x_i) & y_i = -1 \end{cases}

    ``input`` is typically a distance between two embeddings: similar pairs
    (:math:`y = 1`) are pulled to 0, dissimilar ones (:math:`y = -1`) pushed
    beyond :math:`m`. (As in torch, a label that is neither adds both terms.)

    Parameters
    ----------
    input : array of shape (...)
        Distances (real floating).
    target : array of the same shape
        1 for a similar pair, -1 for a dissimilar one.
    margin : float, default 1.0
        Distance beyond which dissimilar pairs cost nothing.
    reduction : {"mean", "sum", "none"}, default "mean"
        torch's reduction over all elements.

    Returns
    -------
    array
        Shape ``()`` for ``"mean"`` and ``"sum"``, ``input``'s shape for ``"none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import hinge_embedding_loss
    >>> d, y = np.array([0.25, 0.25, 2.0]), np.array([1.0, -1.0, -1.0])
    >>> np.round(hinge_embedding_loss(d, y, reduction="none"), 4)
    array([0.25, 0.75, 0.  ])

    See Also
    --------
    margin_ranking_loss, cosine_embedding_loss
    """
    xp = namespace(input, target)
    name = "hinge_embedding_loss"
    reduction = check_reduction(reduction, name)
    margin = _margin(name, margin)
    (input,) = _floats(name, xp, input=input)
    target = _signs(name, target, xp, input)
    _same_shape(name, input=input, target=target)
    zero = xp.zeros_like(input)
    values = xp.where(target != 1.0, relu(margin - input, xp), zero) + xp.where(target != -1.0, input, zero)
    return reduce(values, reduction, xp)


# ---------------------------------------------------------------- cosine embedding


def cosine_embedding_loss(
    input1: Any, input2: Any, target: Any, *, margin: float = 0.0, reduction: str = "mean"
) -> Any:
    r"""Cosine embedding loss on pairs of vectors, as ``torch.nn.functional``'s.

    .. math:: \ell_i = \begin{cases} 1 - \cos(x_{1,i}, x_{2,i}) & y_i = 1 \\
              \max\left(0,\; \cos(x_{1,i}, x_{2,i}) - m\right) & y_i = -1 \end{cases}, \qquad
              \cos(a, b) = \frac{a \cdot b}{\sqrt{(\|a\|^2 + \epsilon)(\|b\|^2 + \epsilon)}}

    with torch's :math:`\epsilon = 10^{-12}`, which keeps a zero vector's
    cosine (and its gradient) finite.

    Parameters
    ----------
    input1, input2 : array of shape (N, D) or (D,)
        The two embeddings of each pair.
    target : array of shape (N,) or ()
        1 for a similar pair, -1 for a dissimilar one (other values give 0,
        as in torch).
    margin : float, default 0.0
        Cosine below which dissimilar pairs cost nothing, in [-1, 1] in practice.
    reduction : {"mean", "sum", "none"}, default "mean"
        torch's reduction over the pairs.

    Returns
    -------
    array
        Shape ``()`` for ``"mean"`` and ``"sum"``, ``target``'s shape for ``"none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import cosine_embedding_loss
    >>> a, b = np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> np.round(cosine_embedding_loss(a, b, np.array([1.0, -1.0]), reduction="none"), 4)
    array([1.    , 0.7071])

    See Also
    --------
    hinge_embedding_loss, losslab.cosine_similarity
    """
    xp = namespace(input1, input2, target)
    name = "cosine_embedding_loss"
    reduction = check_reduction(reduction, name)
    margin = _margin(name, margin)
    input1, input2 = _floats(name, xp, input1=input1, input2=input2)
    target = _signs(name, target, xp, input1)
    _same_shape(name, input1=input1, input2=input2)
    if input1.ndim not in (1, 2) or tuple(target.shape) != tuple(input1.shape[:-1]):
        msg = (
            f"{name}: expected input1 and input2 of shape (N, D) with target (N,), or (D,) with target (); got "
            f"input1 {tuple(input1.shape)}, input2 {tuple(input2.shape)} and target {tuple(target.shape)}."
        )
        raise ValueError(msg)
    dot = xp.sum(input1 * input2, axis=-1)
    norm1 = xp.sqrt(xp.sum(input1 * input1, axis=-1) + COSINE_EPS)
    norm2 = xp.sqrt(xp.sum(input2 * input2, axis=-1) + COSINE_EPS)
    cosine = dot / (norm1 * norm2)
    zero = xp.zeros_like(cosine)
    values = xp.where(target == 1.0, 1.0 - cosine, zero) + xp.where(target == -1.0, relu(cosine - margin, xp), zero)
    return reduce(values, reduction, xp)


# ---------------------------------------------------------------- class margins


def _class_scores(loss_name: str, input: Any, target: Any, target_shapes: tuple[tuple[int, ...], ...]) -> int:
    """The number of classes of ``input`` ((N, C), (C,) or ()), after checking ``target``'s shape."""
    if input.ndim > 2 or (input.ndim and input.shape[-1] == 0):
        msg = f"{loss_name}: input must have shape (N, C), (C,) or () with C >= 1 classes; got {tuple(input.shape)}."
        raise ValueError(msg)
    if tuple(target.shape) not in target_shapes:
        expected = " or ".join(str(shape) for shape in target_shapes)
        msg = (
            f"{loss_name}: for input of shape {tuple(input.shape)}, target must have shape {expected}; got "
            f"target {tuple(target.shape)}."
        )
        raise ValueError(msg)
    return input.shape[-1] if input.ndim else 1


def _check_listed_classes(loss_name: str, labels: Any, num_classes: int) -> None:
    """Under value checks: every listed label (before a row's first negative entry) lies in ``[0, C)``."""
    if not checks_apply(labels):
        return
    values = to_numpy(labels)
    listed = np.cumsum(values < 0, axis=-1) == 0
    bad = listed & (values >= num_classes)
    if bad.any():
        msg = (
            f"{loss_name}: target class indices must lie in [0, {num_classes}) for input with {num_classes} "
            f"classes, padded with -1; got {values[bad].tolist()[:5]}."
        )
        raise ValueError(msg)


def multilabel_margin_loss(input: Any, target: Any, *, reduction: str = "mean") -> Any:
    r"""Multi-label hinge loss between each target class and each other class, as ``torch.nn.functional``'s.

    .. math:: \ell_n = \frac{1}{C} \sum_{j \in J_n} \sum_{i \notin J_n} \max\left(0,\; 1 - (x_{n, j} - x_{n, i})\right)

    where :math:`J_n` is the list of target classes of sample :math:`n`:
    ``target[n]`` holds class indices, and its first -1 (any negative
    value) ends the list. A class listed twice counts twice, as in torch.

    Parameters
    ----------
    input : array of shape (N, C), (C,) or ()
        Class scores.
    target : integer array of the same shape
        Target class indices in ``[0, C)``, padded with -1.
    reduction : {"mean", "sum", "none"}, default "mean"
        torch's reduction over the samples.

    Returns
    -------
    array
        Shape ``()`` for ``"mean"`` and ``"sum"``; ``(N,)`` for ``"none"``
        (``()`` for a single sample of shape ``(C,)`` or ``()``).

    Notes
    -----
    Memory grows as :math:`N C^2` (every pair of a listed and an unlisted class).

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import multilabel_margin_loss
    >>> x = np.array([[0.1, 0.2, 0.4, 0.8]])
    >>> y = np.array([[3, 0, -1, 1]])  # classes 3 and 0; the 1 after -1 is ignored
    >>> round(float(multilabel_margin_loss(x, y)), 6)
    0.85

    See Also
    --------
    multi_margin_loss
    """
    xp = namespace(input, target)
    name = "multilabel_margin_loss"
    reduction = check_reduction(reduction, name)
    (input,) = _floats(name, xp, input=input)
    target = _integers(name, "target", target, xp, input)
    num_classes = _class_scores(name, input, target, (tuple(input.shape),))
    scores = xp.reshape(input, (-1, num_classes))
    labels = xp.reshape(target, (-1, num_classes))
    _check_listed_classes(name, labels, num_classes)

    # listed[n, j]: target[n, j] is a target class (no negative entry at or before j).
    classes = xp.arange(num_classes, dtype=labels.dtype, device=device(labels))
    first_end = xp.min(xp.where(labels < 0, classes, xp.full_like(labels, num_classes)), axis=-1, keepdims=True)
    listed = classes < first_end  # no cumulative_sum: array-api-compat's torch one is lru_cache'd (torch.compile)
    picks = (labels[..., None] == classes) & listed[..., None]  # (N, j, i): entry j names class i
    is_target = xp.any(picks, axis=1)  # (N, i)
    zero = xp.zeros_like(scores)
    target_scores = xp.sum(xp.where(picks, scores[:, None, :], zero[:, None, :]), axis=-1)  # (N, j)
    hinge = relu(1.0 - target_scores[:, :, None] + scores[:, None, :], xp)  # (N, j, i)
    counted = listed[:, :, None] & ~is_target[:, None, :]
    values = xp.sum(xp.where(counted, hinge, xp.zeros_like(hinge)), axis=(1, 2)) / num_classes
    if input.ndim < 2:
        values = xp.reshape(values, ())
    return reduce(values, reduction, xp)


def multi_margin_loss(
    input: Any,
    target: Any,
    *,
    p: int = 1,
    margin: float = 1.0,
    weight: Any = None,
    reduction: str = "mean",
) -> Any:
    r"""Multi-class hinge loss of the target class against every other class, as ``torch.nn.functional``'s.

    .. math:: \ell_n = \frac{1}{C} \sum_{i \ne y_n} w_{y_n} \max\left(0,\; m - x_{n, y_n} + x_{n, i}\right)^p

    Parameters
    ----------
    input : array of shape (N, C), (C,) or ()
        Class scores.
    target : integer array of shape (N,); () or (1,) for a single sample
        Target class indices in ``[0, C)``.
    p : {1, 2}, default 1
        Power of the hinge.
    margin : float, default 1.0
        Required gap between the target score and every other score.
    weight : array of shape (C,), optional
        Weight of each class, applied by the sample's target class.
    reduction : {"mean", "sum", "none"}, default "mean"
        torch's reduction over the samples; ``"mean"`` is the plain mean
        (not weighted by ``weight``).

    Returns
    -------
    array
        Shape ``()`` for ``"mean"`` and ``"sum"``, ``target``'s shape for ``"none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import multi_margin_loss
    >>> x, y = np.array([[0.1, 0.2, 0.4, 0.8]]), np.array([3])
    >>> round(float(multi_margin_loss(x, y)), 6)
    0.325
    >>> round(float(multi_margin_loss(x, y, p=2, weight=np.array([1.0, 1.0, 1.0, 2.0]))), 6)
    0.305

    See Also
    --------
    multilabel_margin_loss
    """
    xp = namespace(input, target, weight)
    name = "multi_margin_loss"
    reduction = check_reduction(reduction, name)
    if isinstance(p, bool) or p not in (1, 2):
        msg = f"{name}: p must be 1 or 2 (the power of the hinge), as in torch; got p={p!r}."
        raise ValueError(msg)
    margin = _margin(name, margin)
    (input,) = _floats(name, xp, input=input)
    target = _integers(name, "target", target, xp, input)
    num_classes = _class_scores(name, input, target, ((input.shape[0],),) if input.ndim == 2 else ((), (1,)))
    scores = xp.reshape(input, (-1, num_classes))
    labels = xp.reshape(target, (-1,))
    check_labels(name, labels, num_classes)

    picks = labels[:, None] == xp.arange(num_classes, dtype=labels.dtype, device=device(labels))  # (N, C)
    zero = xp.zeros_like(scores)
    target_scores = xp.sum(xp.where(picks, scores, zero), axis=-1)
    hinge = relu(margin - target_scores[:, None] + scores, xp)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        (weight,) = _floats(name, xp, like=scores, weight=weight)
        if tuple(weight.shape) != (num_classes,):
            msg = f"{name}: weight must have shape (C,) = ({num_classes},), one per class; got {tuple(weight.shape)}."
            raise ValueError(msg)
        weight = xp.astype(weight, scores.dtype) if weight.dtype != scores.dtype else weight
        hinge = hinge * xp.sum(xp.where(picks, weight, zero), axis=-1, keepdims=True)
    values = xp.sum(xp.where(picks, zero, hinge), axis=-1) / num_classes
    return reduce(xp.reshape(values, tuple(target.shape)), reduction, xp)


# ---------------------------------------------------------------- triplets


def _triplet_inputs(loss_name: str, xp: Any, anchor: Any, positive: Any, negative: Any) -> list[Any]:
    triplet = _floats(loss_name, xp, anchor=anchor, positive=positive, negative=negative)
    _same_shape(loss_name, anchor=triplet[0], positive=triplet[1], negative=triplet[2])
    return triplet


def triplet_margin_loss(
    anchor: Any,
    positive: Any,
    negative: Any,
    *,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
) -> Any:
    r"""Triplet margin loss (Balntas et al., 2016), as ``torch.nn.functional``'s.

    .. math:: \ell_i = \max\left(0,\; m + d(a_i, p_i) - d(a_i, n_i)\right), \qquad
              d(x, y) = \| x - y + \varepsilon \|_p

    (torch's ``pairwise_distance`` over the last axis). With ``swap``,
    :math:`d(a, n)` becomes :math:`\min(d(a, n), d(p, n))`. The maths is
    :func:`losslab.triplet_margin`'s.

    Parameters
    ----------
    anchor, positive, negative : array of shape (N, D) or (D,)
        The embeddings, one triplet per row.
    margin : float, default 1.0
        Required gap between the negative and the positive distance, > 0 (as in torch).
    p : float, default 2.0
        Degree of the norm, > 0; ``math.inf`` gives the largest absolute difference.
    eps : float, default 1e-6
        Added to every difference before the norm, >= 0.
    swap : bool, default False
        Use the distance swap.
    reduction : {"mean", "sum", "none"}, default "mean"
        torch's reduction over the triplets.

    Returns
    -------
    array
        Shape ``()`` for ``"mean"`` and ``"sum"``, ``(N,)`` (or ``()``) for ``"none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import triplet_margin_loss
    >>> a, pos, neg = np.array([[0.0, 0.0]]), np.array([[0.0, 3.0]]), np.array([[0.0, 3.5]])
    >>> float(triplet_margin_loss(a, pos, neg, eps=0.0))
    0.5
    >>> float(triplet_margin_loss(a, pos, neg, eps=0.0, swap=True))
    3.5

    References
    ----------
    Balntas, Riba, Ponsa & Mikolajczyk, "Learning local feature descriptors
    with triplets and shallow convolutional neural networks", BMVC 2016.

    See Also
    --------
    triplet_margin_with_distance_loss, losslab.triplet_margin
    """
    xp = namespace(anchor, positive, negative)
    name = "triplet_margin_loss"
    reduction = check_reduction(reduction, name)
    margin = _margin(name, margin, positive=True)
    p = check_real(name, "p", p, 0.0, math.inf, open_low=True, allow_inf=True)
    eps = check_real(name, "eps", eps, 0.0)
    anchor, positive, negative = _triplet_inputs(name, xp, anchor, positive, negative)
    if anchor.ndim not in (1, 2):
        msg = f"{name}: anchor, positive and negative must have shape (N, D) or (D,); got {tuple(anchor.shape)}."
        raise ValueError(msg)
    positive_distance = _p_norm(anchor - positive + eps, p, xp)
    negative_distance = _p_norm(anchor - negative + eps, p, xp)
    if swap:
        negative_distance = xp.minimum(negative_distance, _p_norm(positive - negative + eps, p, xp))
    return reduce(relu(margin + positive_distance - negative_distance, xp), reduction, xp)


def _pairwise_distance(x1: Any, x2: Any) -> Any:
    """torch's default ``pairwise_distance``: the 2-norm of ``x1 - x2 + 1e-6`` over the last axis."""
    xp = namespace(x1, x2)
    return _p_norm(x1 - x2 + 1e-6, 2.0, xp)


def triplet_margin_with_distance_loss(
    anchor: Any,
    positive: Any,
    negative: Any,
    *,
    distance_function: Callable[[Any, Any], Any] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Any:
    r"""Triplet margin loss with any distance, as ``torch.nn.functional``'s.

    .. math:: \ell_i = \max\left(0,\; m + d(a_i, p_i) - d(a_i, n_i)\right)

    With ``swap``, :math:`d(a, n)` becomes :math:`\min(d(a, n), d(p, n))`.

    Parameters
    ----------
    anchor, positive, negative : array of shape (N, ...)
        The embeddings, one triplet per row; the three shapes must match.
    distance_function : callable, optional
        ``distance_function(x1, x2)`` returns one non-negative distance per
        triplet, written with the arrays' own namespace (e.g. the Array API)
        so that it runs on their backend. Default: torch's
        ``pairwise_distance``, :math:`\|x_1 - x_2 + 10^{-6}\|_2` over the
        last axis.
    margin : float, default 1.0
        Required gap between the negative and the positive distance, > 0 (as in torch).
    swap : bool, default False
        Use the distance swap.
    reduction : {"mean", "sum", "none"}, default "mean"
        torch's reduction over the triplets.

    Returns
    -------
    array
        Shape ``()`` for ``"mean"`` and ``"sum"``, the distances' shape for ``"none"``.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab.functional import triplet_margin_with_distance_loss
    >>> def l1(x1, x2):
    ...     return np.sum(np.abs(x1 - x2), axis=-1)
    >>> a, pos, neg = np.array([[0.0, 0.0]]), np.array([[1.0, 1.0]]), np.array([[0.0, 2.5]])
    >>> float(triplet_margin_with_distance_loss(a, pos, neg, distance_function=l1))
    0.5

    See Also
    --------
    triplet_margin_loss
    """
    xp = namespace(anchor, positive, negative)
    name = "triplet_margin_with_distance_loss"
    reduction = check_reduction(reduction, name)
    margin = _margin(name, margin, positive=True)
    if distance_function is not None and not callable(distance_function):
        msg = f"{name}: distance_function must be a callable (x1, x2) -> distances, or None; got {distance_function!r}."
        raise TypeError(msg)
    anchor, positive, negative = _triplet_inputs(name, xp, anchor, positive, negative)
    distance = _pairwise_distance if distance_function is None else distance_function
    positive_distance = distance(anchor, positive)
    negative_distance = distance(anchor, negative)
    distances = {"d(anchor, positive)": positive_distance, "d(anchor, negative)": negative_distance}
    if swap:
        distances["d(positive, negative)"] = distance(positive, negative)
    _same_shape(f"{name}: distance_function's results", **distances)
    if swap:
        negative_distance = xp.minimum(negative_distance, distances["d(positive, negative)"])
    return reduce(relu(margin + positive_distance - negative_distance, xp), reduction, xp)


# ---------------------------------------------------------------- CTC


def _ctc_layout(
    log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any, xp: Any
) -> tuple[Any, Any, Any, Any, bool]:
    """``(log_probs (T, N, C), targets, input_lengths (N,), target_lengths (N,), batched)``, shapes checked.

    ``targets`` stay ``(N, S)`` when padded and 1-D when concatenated
    (:func:`_padded_targets` gathers their rows); one sequence becomes a
    batch of one, with its targets as one padded row.
    """
    name = "ctc_loss"
    batched = log_probs.ndim == 3
    if log_probs.ndim not in (2, 3):
        msg = f"{name}: log_probs must have shape (T, N, C), or (T, C) for one sequence; got {tuple(log_probs.shape)}."
        raise ValueError(msg)
    if not batched:
        log_probs = log_probs[:, None, :]
        if targets.ndim != 1:
            msg = f"{name}: with log_probs of shape (T, C), targets must have shape (S,); got {tuple(targets.shape)}."
            raise ValueError(msg)
        targets = targets[None, :]
    batch = log_probs.shape[1]
    lengths = {"input_lengths": input_lengths, "target_lengths": target_lengths}
    for arg, lengths_array in lengths.items():
        shape = tuple(lengths_array.shape)
        if shape != (batch,) and not (not batched and shape == ()):
            expected = "(N,)" if batched else "() or (1,)"
            msg = (
                f"{name}: {arg} must have shape {expected}, one length per sequence; got {shape} for log_probs "
                f"{tuple(log_probs.shape) if batched else tuple(log_probs.shape[::2])}."
            )
            raise ValueError(msg)
    input_lengths, target_lengths = (xp.reshape(a, (batch,)) for a in lengths.values())
    if targets.ndim == 2 and targets.shape[0] != batch:
        msg = (
            f"{name}: padded targets must have shape (N, S) with N = {batch} (log_probs' batch); got "
            f"{tuple(targets.shape)}. Concatenated targets are 1-D."
        )
        raise ValueError(msg)
    if targets.ndim not in (1, 2):
        msg = f"{name}: targets must be padded (N, S) or concatenated (sum(target_lengths),); got {targets.shape}."
        raise ValueError(msg)
    return log_probs, targets, input_lengths, target_lengths, batched


def _padded_targets(targets: Any, target_lengths: Any, width: int, xp: Any) -> Any:
    """``(N, width)`` label rows: the first ``width`` columns of padded targets, or the rows of concatenated ones.

    Row ``n`` of concatenated targets starts at ``sum(target_lengths[:n])``;
    it is gathered with computed indices (clipped into range), so no shape
    depends on the lengths' values.
    """
    if targets.ndim == 2:
        return targets[:, :width]
    batch, total = target_lengths.shape[0], targets.shape[0]
    if width == 0 or total == 0:
        return xp.zeros((batch, 0), dtype=targets.dtype, device=device(targets))
    starts = xp.cumulative_sum(target_lengths) - target_lengths
    offsets = xp.arange(width, dtype=starts.dtype, device=device(starts))
    indices = xp.clip(starts[:, None] + offsets, 0, total - 1)
    return xp.reshape(xp.take(targets, xp.reshape(indices, (-1,)), axis=0), (batch, width))


def _check_ctc_values(
    targets: Any, input_lengths: Any, target_lengths: Any, frames: int, num_classes: int, blank: int
) -> None:
    """Under value checks: lengths in range, and every counted label a class other than ``blank``."""
    name = "ctc_loss"
    if not checks_apply(targets, input_lengths, target_lengths):
        return
    inputs, lengths, labels = to_numpy(input_lengths), to_numpy(target_lengths), to_numpy(targets)
    if inputs.size and (inputs.min() < 0 or inputs.max() > frames):
        msg = (
            f"{name}: input_lengths must lie in [0, T] = [0, {frames}]; got values from {inputs.min()} to "
            f"{inputs.max()}."
        )
        raise ValueError(msg)
    limit = labels.shape[1] if labels.ndim == 2 else labels.shape[0]
    total = lengths.max(initial=0) if labels.ndim == 2 else lengths.sum()
    if lengths.size and (lengths.min() < 0 or total > limit):
        what = "each at most S" if labels.ndim == 2 else "summing to at most len(targets)"
        msg = f"{name}: target_lengths must be >= 0, {what} = {limit}; got {lengths.tolist()}."
        raise ValueError(msg)
    if labels.ndim == 2:
        counted = labels[np.arange(labels.shape[1]) < lengths[:, None]]
    else:
        counted = labels[: int(lengths.sum())]
    bad = (counted < 0) | (counted >= num_classes) | (counted == blank)
    if bad.any():
        msg = (
            f"{name}: target labels must be classes in [0, {num_classes}) other than blank={blank}; got "
            f"{counted[bad].tolist()[:5]}. Check the label encoding and the blank index."
        )
        raise ValueError(msg)


def _ctc_labels(
    targets: Any, input_lengths: Any, target_lengths: Any, frames: int, num_classes: int, blank: int, xp: Any
) -> tuple[Any, Any]:
    """``(labels (N, W), possible (N,))``: each row's labels, blank past its length, and whether it fits its frames.

    A row fits when its length plus its number of equal neighbours (each
    needs a blank between them) is at most its input length. A row longer
    than ``T`` never fits, so ``W = min(S, T)`` columns suffice. Labels are
    clipped into ``[0, C)`` so that no index leaves the class axis.
    """
    itype = targets.dtype
    batch = target_lengths.shape[0]
    width = min(targets.shape[-1] if targets.ndim == 2 else targets.shape[0], frames)
    labels = xp.clip(_padded_targets(targets, target_lengths, width, xp), 0, num_classes - 1)
    counted = xp.arange(width, dtype=itype, device=device(targets)) < target_lengths[:, None]
    labels = xp.where(counted, labels, xp.full_like(labels, blank))
    repeats = xp.zeros((batch,), dtype=itype, device=device(targets))
    if width > 1:
        repeats = xp.sum(xp.astype(counted[:, 1:] & (labels[:, 1:] == labels[:, :-1]), itype), axis=-1)
    possible = (target_lengths >= 0) & (target_lengths <= width) & (target_lengths + repeats <= input_lengths)
    return labels, possible


def _ctc_nll(log_probs: Any, labels: Any, input_lengths: Any, target_lengths: Any, blank: int, xp: Any) -> Any:
    """``-log p(labels)`` of each row by the forward recursion in log space (about ``-CTC_LOG_ZERO`` if impossible)."""
    dtype, where = log_probs.dtype, device(log_probs)
    itype = labels.dtype
    frames, batch, num_classes = log_probs.shape

    # emissions[n, t, s]: log-probability of the s-th symbol of the blank-extended sequence at frame t.
    extended = _interleave_with_blanks(labels, blank, xp)  # (N, 2 * W + 1)
    num_states = extended.shape[1]
    classes = xp.arange(num_classes, dtype=itype, device=where)
    one_hot = xp.astype(extended[:, :, None] == classes, dtype)  # (N, states, C)
    emissions = xp.matmul(xp.permute_dims(log_probs, (1, 0, 2)), xp.matrix_transpose(one_hot))  # (N, T, states)
    active = xp.arange(frames, dtype=itype, device=where) < input_lengths[:, None]  # (N, T)

    # A label state may also be entered from two states back (over a blank) when the labels differ.
    state = xp.arange(num_states, dtype=itype, device=where)
    may_skip = xp.zeros((batch, num_states), dtype=xp.bool, device=where)
    if num_states > 2:
        differs = extended[:, 2:] != extended[:, :-2]
        may_skip = xp.concat([may_skip[:, :2], differs & (state[2:] % 2 == 1)], axis=-1)
    log_zeros = xp.full((batch, num_states), CTC_LOG_ZERO, dtype=dtype, device=where)
    alpha = xp.where(state == 0, xp.zeros_like(log_zeros), log_zeros)  # before the first frame

    def next_frame(alpha: Any, emission: Any, is_active: Any) -> Any:
        advance = _shift_right(alpha, 1, log_zeros, xp)
        stay_or_advance = xp.where(state >= 1, _logaddexp(alpha, advance, xp), alpha)
        skip = _shift_right(alpha, 2, log_zeros, xp)
        moved = xp.where(may_skip, _logaddexp(stay_or_advance, skip, xp), stay_or_advance) + emission
        return xp.where(is_active[:, None], moved, alpha)

    if on_jax(xp):  # one compiled loop body instead of one per frame
        alpha = jax_scan_frames_masked(next_frame, alpha, emissions, active)
    else:
        for t in range(frames):
            alpha = next_frame(alpha, emissions[:, t, :], active[:, t])

    last_blank = 2 * target_lengths[:, None]
    zero = xp.zeros_like(alpha)
    end_on_blank = xp.sum(xp.where(state == last_blank, alpha, zero), axis=-1)
    end_on_label = xp.sum(xp.where(state == last_blank - 1, alpha, zero), axis=-1)
    return -xp.where(target_lengths > 0, _logaddexp(end_on_blank, end_on_label, xp), end_on_blank)


def _ctc_losses(log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any, *, blank: int, xp: Any) -> Any:
    """Per-sequence CTC losses, 0 where impossible: ``log_probs (T, N, C)``, integers in one signed dtype."""
    frames, _, num_classes = log_probs.shape
    labels, possible = _ctc_labels(targets, input_lengths, target_lengths, frames, num_classes, blank, xp)
    if on_torch(xp) and torch_ctc_applies(log_probs):
        return torch_ctc_losses(log_probs, labels, input_lengths, target_lengths, possible, blank)
    nll = _ctc_nll(log_probs, labels, input_lengths, target_lengths, blank, xp)
    return xp.where(possible, nll, xp.zeros_like(nll))


def ctc_loss(
    log_probs: Any,
    targets: Any,
    input_lengths: Any,
    target_lengths: Any,
    *,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Any:
    r"""Connectionist Temporal Classification loss, as ``torch.nn.functional``'s (with a finite policy).

    For a sequence with frames :math:`t < T_n` (its input length) and label
    sequence :math:`z` (its first :math:`L_n` targets), with
    :math:`\mathcal{B}` the map that merges repeated symbols and then drops
    blanks,

    .. math:: \ell_n = -\log \sum_{\pi \,:\, \mathcal{B}(\pi) = z} \; \prod_{t < T_n} p_t(\pi_t),
              \qquad p_t(c) = \exp(\text{log\_probs}[t, n, c])

    computed by the forward (alpha) recursion over the blank-extended label
    sequence in log space. Frames at or after a sequence's input length are
    masked (no slicing by value), so the function runs under ``jax.jit``
    and ``torch.compile``.

    Parameters
    ----------
    log_probs : array of shape (T, N, C), or (T, C) for one sequence
        Log-probabilities over the ``C`` classes at each frame (typically a
        ``log_softmax`` over the last axis; they are used as given).
    targets : integer array of shape (N, S), or (sum(target_lengths),), or (S,) for one sequence
        Padded label rows (entries past a row's target length are ignored),
        or all label sequences concatenated. Labels are classes other than
        ``blank``.
    input_lengths : integer array of shape (N,), or () for one sequence
        The number of frames of each sequence, <= T.
    target_lengths : integer array of shape (N,), or () for one sequence
        The number of labels of each sequence.
    blank : int, default 0
        The blank class, in ``[0, C)``.
    reduction : {"mean", "sum", "none"}, default "mean"
        ``"mean"`` divides each loss by its target length (at least 1) and
        then averages over the batch, as torch does; ``"sum"`` adds the
        losses.
    zero_infinity : bool, default False
        Accepted for torch's signature; losslab's losses are always finite
        (see Notes), so it changes nothing.

    Returns
    -------
    array
        Shape ``()`` for ``"mean"`` and ``"sum"``; ``(N,)`` for ``"none"``
        (``()`` for one sequence).

    Notes
    -----
    A label sequence is *impossible* when it needs more frames than the
    sequence has: :math:`L_n` plus the number of equal neighbours in it
    (which need a blank between them) exceeds the input length. torch
    returns ``inf`` for it (0 with ``zero_infinity=True``). losslab returns
    0 with a zero gradient, whatever ``zero_infinity`` says: the sample
    counts in the batch of ``"mean"`` but gives no signal, and no finite
    input gives ``inf`` or NaN in the value or the gradient. Every possible
    sequence gets torch's value.

    The gradient is the exact derivative with respect to ``log_probs``, for
    any finite input. torch's kernel returns instead the gradient with
    respect to the logits of a ``log_softmax`` (it adds
    :math:`\exp(\text{log\_probs})`); the two agree for the logits whenever
    ``log_probs`` comes from ``log_softmax``, the usual case.

    On torch, torch's CTC kernel computes the losses (fed with
    ``log_softmax(log_probs)`` and the normalizer added back, which keeps the
    exact gradient), except while ``torch.compile`` traces, where the
    recursion runs. Elsewhere the recursion runs, on JAX as one compiled
    ``lax.scan`` (also when called eagerly). Unreachable states hold the
    finite :data:`CTC_LOG_ZERO` (:math:`-10^{30}`), so the loss is exact
    while log-likelihoods stay above it. Input lengths above ``T`` count as
    ``T`` (torch raises; :func:`losslab.value_checks` does too). 16-bit
    inputs are computed in ``float32`` and returned in their own dtype.

    Examples
    --------
    Two frames of uniform log-probabilities over ``{blank, 1}``: three of
    the four paths (``11``, ``01``, ``10``) give ``[1]``, so the loss is
    :math:`-\log(3/4)`; the label ``[1, 1]`` needs three frames (1, blank,
    1), so it is impossible in two, and its loss is 0 (torch: ``inf``).

    >>> import numpy as np
    >>> from losslab.functional import ctc_loss
    >>> log_probs = np.log(np.full((2, 2, 2), 0.5))  # (T, N, C)
    >>> targets, lengths = np.array([[1, 0], [1, 1]]), np.array([1, 2])
    >>> np.round(ctc_loss(log_probs, targets, np.array([2, 2]), lengths, reduction="none"), 6)
    array([0.287682, 0.      ])

    See Also
    --------
    losslab.ctc
    """
    xp = namespace(log_probs, targets, input_lengths, target_lengths)
    name = "ctc_loss"
    reduction = check_reduction(reduction, name)
    if not isinstance(zero_infinity, bool):
        msg = f"{name}: zero_infinity must be a bool; got {zero_infinity!r}."
        raise TypeError(msg)
    (log_probs,) = _floats(name, xp, log_probs=log_probs)
    targets = _integers(name, "targets", targets, xp, log_probs)
    input_lengths = _integers(name, "input_lengths", input_lengths, xp, log_probs)
    target_lengths = _integers(name, "target_lengths", target_lengths, xp, log_probs)
    log_probs, targets, input_lengths, target_lengths, batched = _ctc_layout(
        log_probs, targets, input_lengths, target_lengths, xp
    )
    frames, _, num_classes = log_probs.shape
    if isinstance(blank, bool) or not isinstance(blank, int) or not 0 <= blank < num_classes:
        msg = f"{name}: blank must be a class index in [0, C) = [0, {num_classes}); got blank={blank!r}."
        raise ValueError(msg)
    _check_ctc_values(targets, input_lengths, target_lengths, frames, num_classes, blank)

    out_dtype = log_probs.dtype
    if xp.finfo(out_dtype).bits < 32:  # CTC_LOG_ZERO overflows 16-bit floats
        log_probs = xp.astype(log_probs, xp.float32)
    itype = xp.result_type(targets, input_lengths, target_lengths)
    if not xp.isdtype(itype, "signed integer"):
        itype = xp.int32
    targets, input_lengths, target_lengths = (xp.astype(a, itype) for a in (targets, input_lengths, target_lengths))
    if on_jax(xp):  # one compiled program per shape, also when called eagerly
        losses = jax_jit(_ctc_losses, static_argnames=("blank", "xp"))(
            log_probs, targets, input_lengths, target_lengths, blank=blank, xp=xp
        )
    else:
        losses = _ctc_losses(log_probs, targets, input_lengths, target_lengths, blank=blank, xp=xp)
    if reduction == "mean":
        losses = losses / xp.astype(xp.clip(target_lengths, 1, None), losses.dtype)
    if not batched and reduction == "none":
        losses = xp.reshape(losses, ())
    result = reduce(losses, reduction, xp)
    return result if result.dtype == out_dtype else xp.astype(result, out_dtype)
