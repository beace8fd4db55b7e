r"""Sequence losses: Connectionist Temporal Classification (CTC).

The CTC loss scores an unsegmented label sequence against per-frame logits by
summing over every alignment of the labels with the frames. It follows
``keras.losses.ctc`` exactly, including Keras's convention of a finite "log
zero" (:math:`-10^5`), which makes impossible alignments cost about
:math:`10^5` instead of infinity. The class is a thin wrapper; its shared
arguments are documented on :class:`~losslab.Loss`.
"""

from __future__ import annotations

from typing import Any

from losslab._backend import as_arrays, device
from losslab.losses._fast import jax_logaddexp, jax_scan_frames, on_jax, on_torch, torch_ctc
from losslab.losses._loss import LossFunctionWrapper
from losslab.losses._ops import log_softmax, one_hot

_DEFAULT = "sum_over_batch_size"

LOG_ZERO = -1e5
"""Keras's finite stand-in for ``log(0)`` in the CTC recursion.

Keeping it finite keeps values and gradients free of ``inf`` and ``NaN``;
using Keras's value makes unreachable labels give Keras's answer.
"""

BLANK = 0
"""The blank (and padding) index, fixed at 0 as in ``keras.losses.ctc``."""


def _logaddexp(a: Any, b: Any, xp: Any) -> Any:
    """``log(exp(a) + exp(b))`` as ``max + log1p(exp(-|a - b|))``, finite for finite inputs.

    The larger and smaller operands are picked by one comparison, so at ties
    the gradient is split evenly (0.5 each) whatever the backend's ``maximum``
    does with ties.
    """
    if on_jax(xp):  # JAX's own: the same split at ties, about 1.3x faster in the CTC scan
        return jax_logaddexp(a, b)
    a_larger = a >= b
    high = xp.where(a_larger, a, b)
    low = xp.where(a_larger, b, a)
    return high + xp.log1p(xp.exp(low - high))


def _interleave_with_blanks(x: Any, fill: Any, xp: Any) -> Any:
    """``(batch, n)`` to ``(batch, 2n + 1)``: ``fill`` at even positions, ``x[:, k]`` at ``2k + 1``."""
    batch, n = x.shape
    filler = xp.full((batch, n + 1), fill, dtype=x.dtype, device=device(x))
    pairs = xp.stack([filler[:, :n], x], axis=-1)  # (batch, n, 2)
    return xp.concat([xp.reshape(pairs, (batch, 2 * n)), filler[:, n:]], axis=-1)


def _shift_right(x: Any, k: int, log_zeros: Any, xp: Any) -> Any:
    """``x[:, s - k]`` along the state axis, and ``log_zeros[:, s]`` where ``s < k``."""
    states = x.shape[1]
    k = min(k, states)
    return xp.concat([log_zeros[:, :k], x[:, : states - k]], axis=-1)


def _frames(emissions: Any, xp: Any) -> Any:
    """The ``(batch, states)`` slices of ``emissions`` along time.

    ``unstack`` (Array API 2023.12) is one operation, which keeps eager JAX
    from compiling a gradient kernel per frame; NumPy before 2.1 lacks it.
    """
    if hasattr(xp, "unstack"):
        return xp.unstack(emissions, axis=1)
    return [emissions[:, t, :] for t in range(emissions.shape[1])]


def _check_shapes(y_true: Any, y_pred: Any) -> None:
    if y_true.ndim != 2:
        msg = (
            "ctc: y_true must hold integer labels of shape (batch_size, max_label_length), "
            f"padded with 0 (the blank index); got y_true of shape {tuple(y_true.shape)} "
            f"(rank {y_true.ndim}, expected rank 2)."
        )
        raise ValueError(msg)
    if y_pred.ndim != 3:
        msg = (
            "ctc: y_pred must hold unnormalized logits of shape (batch_size, time_steps, num_classes); "
            f"got y_pred of shape {tuple(y_pred.shape)} (rank {y_pred.ndim}, expected rank 3)."
        )
        raise ValueError(msg)
    if y_true.shape[0] != y_pred.shape[0]:
        msg = (
            f"ctc: y_true and y_pred must have the same batch size; got y_true of shape "
            f"{tuple(y_true.shape)} and y_pred of shape {tuple(y_pred.shape)}."
        )
        raise ValueError(msg)
    if y_pred.shape[1] == 0 or y_pred.shape[2] == 0:
        msg = (
            "ctc: y_pred needs at least one time step and one class (the blank, index 0); "
            f"got y_pred of shape {tuple(y_pred.shape)}, expected (batch_size, time_steps >= 1, num_classes >= 1)."
        )
        raise ValueError(msg)


def ctc(y_true: Any, y_pred: Any, *, xp: Any = None) -> Any:
    r"""Connectionist Temporal Classification loss: negative log likelihood of each label sequence.

    With :math:`p_t = \operatorname{softmax}(y_{\text{pred}}[t])` over the
    classes and :math:`\mathcal{B}` the map that merges repeated symbols then
    drops blanks (index 0),

    .. math:: \ell = -\log \sum_{\pi \,:\, \mathcal{B}(\pi) = z} \; \prod_{t=1}^{T} p_t(\pi_t)

    where :math:`z` is the row of ``y_true`` without its padding and
    :math:`\pi` runs over the paths of length :math:`T` (every sequence uses
    all ``time_steps`` frames). The sum is the forward (alpha) recursion over
    the blank-extended sequence :math:`(0, z_1, 0, z_2, \dots, z_L, 0)` in log
    space; a label may be skipped to the next one only when the two differ.

    Parameters
    ----------
    y_true : array of shape (batch_size, max_label_length)
        Integer labels in ``[1, num_classes)``, padded at the end with 0. The
        label length of a row is its number of non-zero entries, and the
        first that many entries are its labels (as in Keras). Floating labels
        are truncated to integers.
    y_pred : array of shape (batch_size, time_steps, num_classes)
        Unnormalized logits; ``log_softmax`` is applied here. ``float16`` and
        ``bfloat16`` are computed and returned in ``float32`` (as in Keras).
    xp : namespace, optional
        Array API namespace; resolved from ``y_pred`` when omitted.

    Returns
    -------
    array of shape (batch_size,)
        The per-sequence negative log likelihood.

    Raises
    ------
    ValueError
        If ``y_true`` is not rank 2, ``y_pred`` is not rank 3, the batch sizes
        differ, or ``y_pred`` has no time step or no class.

    Notes
    -----
    As in Keras, "log zero" is the finite constant :math:`-10^5`: a path that
    breaks the CTC rules (such as moving between two equal labels without a
    blank) is charged :math:`10^5` rather than excluded. Values and gradients
    thus stay finite for any finite logits. A label sequence that cannot fit
    in ``time_steps`` frames (it needs :math:`L` plus its number of equal
    neighbours) costs about :math:`10^5` plus the cost of the cheapest such
    path, where :func:`torch.nn.functional.ctc_loss` returns ``inf``; losses
    well below :math:`10^5` are the exact CTC loss.

    On torch the loss is :func:`torch.nn.functional.ctc_loss` (the same
    numbers and gradients) whenever that kernel can answer: every label is a
    valid class and every label sequence fits in ``time_steps`` frames;
    otherwise, and on the other backends, the recursion above runs. Inside
    ``torch.compile`` the recursion always runs (deciding needs the labels'
    values, which a graph does not branch on; the numbers are the same), one
    step per frame in the graph. On JAX
    it runs as one ``lax.scan`` over the frames, so the compilation time does
    not grow with ``time_steps``.

    Examples
    --------
    Two frames of uniform logits over ``{blank, 1}``: three of the four paths
    (``11``, ``01``, ``10``) decode to ``[1]``, so the loss is
    :math:`-\log(3/4)`; an empty label keeps only the all-blank path.

    >>> import numpy as np
    >>> loss = ctc([[1], [0]], np.zeros((2, 2, 2)))
    >>> np.round(loss, 6)
    array([0.287682, 1.386294])

    See Also
    --------
    CTC
    """
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    _check_shapes(y_true, y_pred)
    if xp.finfo(y_pred.dtype).bits < 32:  # LOG_ZERO overflows 16-bit floats
        y_pred = xp.astype(y_pred, xp.float32)
    if not xp.isdtype(y_true.dtype, "signed integer"):
        y_true = xp.astype(y_true, xp.int32)
    dtype, where = y_pred.dtype, device(y_pred)
    batch, _, num_classes = y_pred.shape
    max_label_length = y_true.shape[1]
    num_states = 2 * max_label_length + 1

    log_probs = log_softmax(y_pred, -1, xp)
    if on_torch(xp) and (nll := torch_ctc(y_true, log_probs)) is not None:
        return nll
    # emissions[b, t, s]: log-probability of the s-th symbol of the extended sequence at frame t.
    extended = _interleave_with_blanks(y_true, BLANK, xp)
    emissions = xp.matmul(log_probs, xp.matrix_transpose(one_hot(extended, num_classes, xp, dtype)))

    # A label state may also be entered from two states back (skipping a blank), unless that
    # label is the same (Keras charges LOG_ZERO for it rather than dropping the transition).
    state = xp.arange(num_states, dtype=xp.int32, device=where)
    has_predecessor = state >= 1
    may_skip = (state % 2 == 1) & (state >= 3)
    back = min(2, num_states)
    same_label = xp.astype(extended[:, back:] == extended[:, : num_states - back], dtype)
    skip_penalty = xp.concat([xp.zeros((batch, back), dtype=dtype, device=where), LOG_ZERO * same_label], axis=-1)

    # Before the first frame all mass is on the leading blank.
    log_zeros = xp.full((batch, num_states), LOG_ZERO, dtype=dtype, device=where)
    alpha = xp.where(state == 0, xp.zeros_like(log_zeros), log_zeros)

    def next_frame(alpha: Any, emission: Any) -> Any:
        advance = _shift_right(alpha, 1, log_zeros, xp)
        stay_or_advance = xp.where(has_predecessor, _logaddexp(alpha, advance, xp), alpha)
        skip = _shift_right(alpha, 2, log_zeros, xp) + skip_penalty
        return xp.where(may_skip, _logaddexp(stay_or_advance, skip, xp), stay_or_advance) + emission

    if on_jax(xp):  # one compiled loop body instead of one per frame
        alpha = jax_scan_frames(next_frame, alpha, emissions)
    else:
        for emission in _frames(emissions, xp):
            alpha = next_frame(alpha, emission)

    label_length = xp.sum(xp.astype(y_true != BLANK, xp.int32), axis=-1)
    last_blank = xp.expand_dims(2 * label_length, axis=-1)
    zero = xp.zeros_like(alpha)
    end_on_blank = xp.sum(xp.where(state == last_blank, alpha, zero), axis=-1)
    end_on_label = xp.sum(xp.where(state == last_blank - 1, alpha, zero), axis=-1)
    log_likelihood = xp.where(label_length > 0, _logaddexp(end_on_blank, end_on_label, xp), end_on_blank)
    return -log_likelihood


class CTC(LossFunctionWrapper):
    """Class form of :func:`ctc`; arguments as in :class:`~losslab.Loss`.

    ``y_true`` (rank 2) and ``y_pred`` (rank 3) are passed to :func:`ctc` as
    they are, without the rank alignment of other losses.

    Examples
    --------
    >>> import numpy as np
    >>> loss = CTC()([[1], [0]], np.zeros((2, 2, 2)))
    >>> round(float(loss), 6)
    0.836988
    """

    def __init__(self, reduction: Any = _DEFAULT, name: str = "ctc", dtype: Any = None) -> None:
        super().__init__(ctc, reduction=reduction, name=name, dtype=dtype)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return self.fn(y_true, y_pred)
