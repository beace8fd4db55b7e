"""Native fast paths: where a backend has a fused kernel that gives the same numbers, use it.

Every loss is written once against the Array API standard; that generic code
is the reference, and it stays tested on every backend. On torch, composing
standard operations costs a kernel launch and a saved tensor per step, which
makes forward+backward an order of magnitude slower than torch's fused
kernels at a million elements.

Dispatch is explicit and visible at the call: a loss writes
``if on_torch(xp): return torch_mse(y_true, y_pred, plain_mean)`` before its
generic code. The choice depends on the input's namespace alone (plus the
test switch below); nothing here is a mode that changes what a function
returns.

A *plain mean* (no sample weight, no mask) is an explicit entry point: each
element-wise loss has an implementation that takes ``plain_mean``, and its
card (``_card.Card.plain_mean``) calls it with ``plain_mean=True``; the
torch kernels then compute the mean in one step, as ``torch.nn.functional``
does with ``reduction="mean"``, and the generic code takes one reduction
over every term (``_ops.mean_of_terms``): NumPy reduces rows of 10 values
and then their means 13x slower than one reduction over a million values,
and XLA on CPU at half the speed. (The mean of the per-sample means is the
mean of all values, since every sample has the same number of them.)

``generic_only()`` turns the fast paths off in the current context (a
``contextvars`` variable: other threads and tasks are not affected), for
tests and benchmarks that compare the two. It is read when a loss is called
or traced: a function already compiled by ``jax.jit`` or ``torch.compile``
keeps the path it was traced with (``torch.compile`` takes the setting as a
constant of the graph, see ``_backend.constant_while_traced``).

Under ``torch.compile`` every path traces whole (``fullgraph=True``): the
choice reads the namespace and static facts of the input (device, shape,
dtype), never its values. The one kernel whose validity depends on values,
torch's CTC, is an eager-only path (see :func:`torch_ctc`).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import sys
from collections.abc import Callable, Iterator
from typing import Any

from losslab._backend import EPSILON, constant_while_traced

_GENERIC_ONLY: contextvars.ContextVar[bool] = contextvars.ContextVar("losslab_generic_only", default=False)

_TORCH_NAMESPACES = frozenset({"torch", "array_api_compat.torch"})
_JAX_NAMESPACES = frozenset({"jax.numpy", "jax.experimental.array_api"})
"""Module names of the namespaces (array-api-compat's ``is_*_namespace`` without its ``lru_cache``)."""


@contextlib.contextmanager
def generic_only() -> Iterator[None]:
    """Use the generic Array API code everywhere inside the block (this context only)."""
    token = _GENERIC_ONLY.set(True)
    try:
        yield
    finally:
        _GENERIC_ONLY.reset(token)


@constant_while_traced
def _generic_only_on() -> bool:
    return _GENERIC_ONLY.get()


def on_torch(xp: Any) -> bool:
    """Whether ``xp`` is torch's namespace and the fast paths are on."""
    return xp.__name__ in _TORCH_NAMESPACES and not _generic_only_on()


def on_jax(xp: Any) -> bool:
    """Whether ``xp`` is JAX's namespace and the fast paths are on."""
    return xp.__name__ in _JAX_NAMESPACES and not _generic_only_on()


def _torch_functional() -> Any:
    """``torch.nn.functional``: imported with torch, whose tensors reach this module (faster than an import statement).

    Read from ``sys.modules``, not cached in a global: a global set during a ``torch.compile`` trace would make the
    traced function recompile on its next call.
    """
    return sys.modules["torch.nn.functional"]


_NONE, _MEAN, _SUM = 0, 1, 2
"""torch's reduction codes (``torch.nn._reduction.get_enum``) for the ATen loss ops called below."""


def _mean_or_sum(x: Any) -> int:
    """torch's reduction for a plain mean over ``x``: the mean, or the sum (0) when ``x`` is empty.

    torch's mean of nothing is NaN; losslab's is 0, as ``reduce_values`` gives (the size is static under
    ``torch.compile``).
    """
    return _MEAN if x.numel() else _SUM


def _torch() -> Any:
    """``torch``, read from ``sys.modules`` for the same reason as :func:`_torch_functional`."""
    return sys.modules["torch"]


def _torch_nn() -> Any:
    """``torch._C._nn``: the ATen loss ops that ``torch.nn.functional``'s wrappers call.

    The kernels below call these ops directly, on inputs whose shapes the loss
    has already checked to be equal: ``F.mse_loss`` and its siblings first
    compare sizes and ``broadcast_tensors`` the two inputs, which costs more
    than the op itself at a thousand elements. The op is the same, so are the
    value and the gradient; ``torch.compile`` traces these ops as it traces
    ``F``'s (they are the calls ``F`` makes).
    """
    return sys.modules["torch"]._C._nn


def torch_mse(y_true: Any, y_pred: Any, plain_mean: bool) -> Any:
    """``F.mse_loss``'s op on inputs of equal shapes."""
    if plain_mean:
        return _torch_nn().mse_loss(y_pred, y_true, _mean_or_sum(y_pred))
    return _torch_nn().mse_loss(y_pred, y_true, _NONE).mean(dim=-1)


def torch_mae(y_true: Any, y_pred: Any, plain_mean: bool) -> Any:
    """``F.l1_loss``'s op on inputs of equal shapes."""
    if plain_mean:
        return _torch_nn().l1_loss(y_pred, y_true, _mean_or_sum(y_pred))
    return _torch_nn().l1_loss(y_pred, y_true, _NONE).mean(dim=-1)


def torch_huber(y_true: Any, y_pred: Any, delta: float, plain_mean: bool) -> Any:
    """``F.huber_loss``'s op on inputs of equal shapes."""
    if plain_mean:
        return _torch_nn().huber_loss(y_pred, y_true, _mean_or_sum(y_pred), delta)
    return _torch_nn().huber_loss(y_pred, y_true, _NONE, delta).mean(dim=-1)


def torch_poisson(y_true: Any, y_pred: Any, plain_mean: bool) -> Any:
    """``F.poisson_nll_loss(log_input=False, eps=1e-7)``'s op."""
    if plain_mean:
        return _torch().poisson_nll_loss(y_pred, y_true, False, False, EPSILON, _mean_or_sum(y_pred))
    return _torch().poisson_nll_loss(y_pred, y_true, False, False, EPSILON, _NONE).mean(dim=-1)


LARGE_CPU_BUFFER = 32 * 2**20
"""glibc's largest mmap threshold: a CPU buffer this big is fresh pages on every call (page faults)."""


def few_temporaries_win(x: Any) -> bool:
    """Whether one fused torch kernel beats a faster-per-element generic composition for ``x``.

    On CPU the generic code wins while its temporaries are reused memory; once a buffer exceeds
    :data:`LARGE_CPU_BUFFER` each temporary is page-faulted afresh and the kernel's fewer
    temporaries win (measured at 1e7 elements). On an accelerator one kernel launch replaces several.
    Decided from the input's device and size, which are static under ``torch.compile``.
    """
    return not x.is_cpu or x.numel() * x.element_size() >= LARGE_CPU_BUFFER


def torch_binary_crossentropy_probs(y_true: Any, y_pred: Any, axis: int, plain_mean: bool) -> Any:
    """torch's kernel on clipped probabilities; callers use it only where :func:`few_temporaries_win`.

    On CPU below 32 MiB it is 2-4x slower than the generic code (benchmarks/results/losses.md).
    """
    p = y_pred.clamp(EPSILON, 1.0 - EPSILON)
    if plain_mean:
        return _torch_nn().binary_cross_entropy(p, y_true, None, _mean_or_sum(p))
    return _torch_nn().binary_cross_entropy(p, y_true, None, _NONE).mean(dim=axis)


def torch_binary_crossentropy_probs_terms(y_true: Any, y_pred: Any, axis: int, plain_mean: bool) -> Any:
    """The generic formula in eight torch calls instead of ten, vectorised (torch's kernel is not).

    ``y log p + (1 - y) log(1 - p)`` is written ``log(1 - p) + y (log p - log(1 - p))`` (one
    ``addcmul``), which saves the ``1 - y`` and one product; the values agree with the generic
    code's to rounding. torch's own kernel costs 15 ns an element on CPU, and raises on NaN.
    """
    torch = _torch()

    p = y_pred.clamp(EPSILON, 1.0 - EPSILON)
    log_p = p.log()
    log_not_p = torch.rsub(p, 1.0).log()  # 1 - p (the operator goes through a Python wrapper of Tensor)
    terms = torch.addcmul(log_not_p, y_true, log_p - log_not_p)
    if plain_mean:
        return -(terms.mean() if terms.numel() else terms.sum())  # an empty batch: 0
    return -terms.mean(dim=axis)


def torch_binary_crossentropy_logits(y_true: Any, y_pred: Any, axis: int, plain_mean: bool) -> Any:
    """``F.binary_cross_entropy_with_logits``'s op on inputs of equal shapes."""
    if plain_mean:
        return _torch().binary_cross_entropy_with_logits(y_pred, y_true, None, None, _mean_or_sum(y_pred))
    return _torch().binary_cross_entropy_with_logits(y_pred, y_true, None, None, _NONE).mean(dim=axis)


def torch_categorical_crossentropy_logits(y_true: Any, y_pred: Any, axis: int, plain_mean: bool) -> Any:
    """``-sum(y_true * log_softmax(y_pred))`` over ``axis``; its mean over the other axes with ``plain_mean``.

    A class without target mass contributes 0, also at a ``-inf`` logit (a masked class; see
    ``_target_log_probs``). Eagerly on CPU a non-empty ``(batch, classes)`` batch first goes through
    ``F.cross_entropy``'s op with probability targets, which computes these very terms in one call
    but gives NaN at a masked class: only then (or for a NaN input) are the terms computed below, as
    they always are on other devices and while traced (where no value can be read).
    """
    torch = _torch()
    if y_pred.ndim == 2 and axis == 1 and y_pred.numel() > 0 and y_pred.is_cpu and not torch.compiler.is_compiling():
        losses = torch._C._nn.cross_entropy_loss(y_pred, y_true, None, _MEAN if plain_mean else _NONE, -100, 0.0)
        if not (math.isnan(losses.item()) if plain_mean else losses.isnan().any()):  # (one read on CPU: no sync)
            return losses
    log_p = y_pred.log_softmax(dim=axis)
    terms = y_true * log_p.masked_fill(y_true == 0, 0.0)
    if plain_mean:
        return -terms.sum() / max(y_pred.numel() // max(y_pred.shape[axis], 1), 1)  # an empty batch: 0
    return -terms.sum(dim=axis)


_NO_IGNORED_INDEX = -(2**63)
"""``ignore_index`` for torch's op: no label is ignored (torch's default, -100, would drop a label of -100)."""


def torch_sparse_categorical_crossentropy_logits(labels: Any, y_pred: Any, plain_mean: bool) -> Any:
    """``labels`` of shape ``(...)``, ``y_pred`` of shape ``(..., C)`` with the classes last.

    A label outside ``[0, C)`` gives NaN, as on the other paths. torch's op raises an ``IndexError``
    for it on CPU and fails a device-side assertion on CUDA: eagerly on CPU the fused mean is tried
    first and the NaN path taken only when it raises; on other devices and while traced (where no
    value can be checked) the labels are clamped and the bad ones marked NaN.
    """
    torch = _torch()
    nn = torch._C._nn
    flat = y_pred if y_pred.ndim == 2 else y_pred.reshape(-1, y_pred.shape[-1])
    flat_labels = labels if labels.ndim == 1 else labels.reshape(-1)
    if flat_labels.dtype != torch.int64:
        flat_labels = flat_labels.long()
    reduction = _mean_or_sum(flat_labels) if plain_mean else _NONE
    if flat.is_cpu and not torch.compiler.is_compiling():
        try:
            losses = nn.cross_entropy_loss(flat, flat_labels, None, reduction, _NO_IGNORED_INDEX, 0.0)
        except IndexError:  # a label outside [0, C): NaN for its sample, below
            pass
        else:
            return losses if plain_mean else losses.reshape(labels.shape)
    safe = flat_labels.clamp(0, max(flat.shape[-1] - 1, 0))
    losses = nn.cross_entropy_loss(flat, safe, None, _NONE, _NO_IGNORED_INDEX, 0.0)
    losses = losses.masked_fill(safe != flat_labels, math.nan)
    if plain_mean:
        return losses.mean() if losses.numel() else losses.sum()
    return losses.reshape(labels.shape)


def torch_kl_divergence(y_true: Any, y_pred: Any, plain_mean: bool) -> Any:
    """Per-sample ``sum(t (log t - log p))`` over the last axis, both clipped to ``[eps, 1]``, with ``F.kl_div``'s op.

    The op computes ``xlogy(t, t) - t log p`` in one call (equal to the generic terms to rounding);
    the clipping is Keras's semantics, which ``F.kl_div`` does not have. With ``plain_mean``, the
    mean over the samples is the sum of every term divided by the number of samples (``F.kl_div``'s
    ``"batchmean"``), and 0 without samples (as the class's reduction gives).
    """
    t = y_true.clamp(EPSILON, 1.0)
    log_p = y_pred.clamp(EPSILON, 1.0).log()
    if not plain_mean:
        return _torch().kl_div(log_p, t, _NONE).sum(dim=-1)
    total = _torch().kl_div(log_p, t, _SUM)
    samples = math.prod(t.shape[:-1])
    return total / samples if samples else total


def torch_cosine_similarity(y_true: Any, y_pred: Any, axis: int, plain_mean: bool) -> Any:
    """``-sum(t / max(|t|, eps) * p / max(|p|, eps))`` over ``axis``: the generic formula in 8 torch calls, not 13.

    ``max(|x|, eps)`` is the vector norm clamped from below, which has the generic code's zero gradient
    below ``eps`` (and a zero gradient at a zero vector), and ``vecdot`` is the product and the sum in
    one call. ``F.cosine_similarity`` is not used: its clamp is outside autograd, which gives vectors
    shorter than ``eps`` another gradient. With ``plain_mean``, the mean of the per-sample values (0
    without samples, as the class's reduction gives), negated after the mean: the same number, since
    rounding is symmetric in sign.
    """
    linalg = _torch().linalg

    unit_true = y_true / linalg.vector_norm(y_true, dim=axis, keepdim=True).clamp_min(EPSILON)
    unit_pred = y_pred / linalg.vector_norm(y_pred, dim=axis, keepdim=True).clamp_min(EPSILON)
    similarity = linalg.vecdot(unit_true, unit_pred, dim=axis)
    if not plain_mean:
        return -similarity
    return -similarity.mean() if similarity.numel() else similarity.sum()


def torch_smooth_l1(y_true: Any, y_pred: Any, beta: float, plain_mean: bool) -> Any:
    nn = _torch_nn()
    if beta == 0.0:  # F.smooth_l1_loss's choice: the L1 op
        return (
            nn.l1_loss(y_pred, y_true, _mean_or_sum(y_pred))
            if plain_mean
            else nn.l1_loss(y_pred, y_true, _NONE).mean(dim=-1)
        )
    if plain_mean:
        return nn.smooth_l1_loss(y_pred, y_true, _mean_or_sum(y_pred), beta)
    return nn.smooth_l1_loss(y_pred, y_true, _NONE, beta).mean(dim=-1)


def torch_poisson_nll(y_true: Any, y_pred: Any, log_input: bool, eps: float, plain_mean: bool) -> Any:
    """Without the Stirling term: torch's ``full=True`` gives NaN gradients for targets of 0."""
    if plain_mean:
        return _torch().poisson_nll_loss(y_pred, y_true, log_input, False, eps, _mean_or_sum(y_pred))
    return _torch().poisson_nll_loss(y_pred, y_true, log_input, False, eps, _NONE).mean(dim=-1)


def torch_multilabel_soft_margin(y_true: Any, y_pred: Any, weight: Any, plain_mean: bool) -> Any:
    """The per-class logistic loss is binary cross-entropy on logits, with ``weight`` per class."""
    if plain_mean:
        return _torch().binary_cross_entropy_with_logits(y_pred, y_true, weight, None, _mean_or_sum(y_pred))
    return _torch().binary_cross_entropy_with_logits(y_pred, y_true, weight, None, _NONE).mean(dim=-1)


def torch_log_softmax(x: Any, axis: int) -> Any:
    return x.log_softmax(dim=axis)


def torch_cumulative_sum(x: Any, axis: int) -> Any:
    """torch's ``cumsum`` (array-api-compat's wrapper resolves a namespace first, which ``torch.compile`` warns of)."""
    return x.cumsum(dim=axis)


# JAX: XLA fuses the generic code, but jax.nn.log_softmax stops the gradient through the max shift,
# and a gather replaces the one-hot product (whose gradient is a dense (batch, classes) array).


def jax_relu(x: Any) -> Any:
    import jax.numpy as jnp

    return jnp.where(x <= 0, jnp.zeros_like(x), x)  # x <= 0 is False for NaN, which is kept


def jax_logaddexp(a: Any, b: Any) -> Any:
    import jax.numpy as jnp

    return jnp.logaddexp(a, b)


def jax_log_softmax(x: Any, axis: int) -> Any:
    import jax

    return jax.nn.log_softmax(x, axis=axis)


def jax_categorical_crossentropy_logits(y_true: Any, y_pred: Any, axis: int) -> Any:
    import jax
    import jax.numpy as jnp

    log_p = jax.nn.log_softmax(y_pred, axis=axis)
    return -(y_true * jnp.where(y_true == 0, 0.0, log_p)).sum(axis=axis)  # a masked (-inf) class adds 0


def jax_sparse_categorical_crossentropy_logits(labels: Any, y_pred: Any) -> Any:
    """``logsumexp(z) - z[label]``: only the labelled logit is gathered, not the whole log-softmax.

    Labels outside ``[0, C)`` give NaN (as on the other paths); they are gathered at index 0 and
    masked, so the gather's gradient is a plain in-bounds scatter.
    """
    import jax
    import jax.numpy as jnp

    # Both terms are shifted by the row's maximum, which keeps their difference exact for logits of
    # 1e4 in float32; the shifted logits are only consumed by the sum, so they are never stored.
    shift = jax.lax.stop_gradient(jnp.max(y_pred, axis=-1, keepdims=True))
    valid = (labels >= 0) & (labels < y_pred.shape[-1])
    safe = jnp.where(valid, labels, 0)
    picked = jnp.take_along_axis(y_pred, safe[..., None], axis=-1, mode="promise_in_bounds") - shift
    log_normalizer = jnp.log(jnp.sum(jnp.exp(y_pred - shift), axis=-1))
    return jnp.where(valid, log_normalizer - picked[..., 0], jnp.nan)


def torch_ctc(labels: Any, log_probs: Any) -> Any:
    """torch's CTC kernel on padded labels ``(batch, L)`` and log-probabilities ``(batch, T, C)``.

    Returns ``None`` when the kernel cannot give losslab's answer: a label
    outside ``[1, C)`` (the kernel does not check), or a label sequence that
    does not fit in ``T`` frames (the kernel returns ``inf``, losslab a finite
    penalty of about 1e5). Then the generic recursion runs. Both checks read
    values, which a ``torch.compile`` graph cannot branch on: a traced call
    always runs the recursion (the same answer on every input; the compiled
    loop over frames fuses well).
    """
    torch = _torch()

    batch, frames, num_classes = log_probs.shape
    if (
        torch.compiler.is_compiling()
        or batch == 0
        or labels.shape[1] == 0
        or log_probs.dtype not in (torch.float32, torch.float64)
    ):
        return None
    if int(labels.min()) < 0 or int(labels.max()) >= num_classes:  # (two reductions: faster than one mask)
        return None
    label_length = labels.count_nonzero(dim=-1)
    frame_length = torch.full((batch,), frames, dtype=torch.long, device=log_probs.device)
    # F.ctc_loss's op: blank 0, no reduction, zero_infinity off (an infinite loss is looked for below).
    nll = torch.ctc_loss(log_probs.transpose(0, 1), labels.long(), frame_length, label_length, 0, _NONE, False)
    if not math.isfinite(nll.detach().sum()):  # the sum of losses >= 0 is finite when each loss is (NaN too)
        return None
    return nll


def jax_map_vectors(fn: Callable[..., Any], x: Any, kwargs: dict[str, Any]) -> Any:
    """``fn`` (a vector to a number) on each vector along the last axis of ``x``, as ``jnp.vectorize`` maps it."""
    import jax.numpy as jnp

    return jnp.vectorize(lambda v: fn(v, **kwargs), signature="(n)->()")(x)


def jax_scan_frames(step: Callable[[Any, Any], Any], carry: Any, frames: Any) -> Any:
    """``carry = step(carry, frames[:, t])`` for every ``t``, as one ``lax.scan``."""
    import jax
    import jax.numpy as jnp

    final, _ = jax.lax.scan(lambda c, frame: (step(c, frame), None), carry, jnp.moveaxis(frames, 1, 0))
    return final
