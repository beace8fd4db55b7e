"""Native fast paths: where a backend has a fused kernel that gives the same numbers, use it.

Every loss is written once against the Array API standard; that generic code
is the reference, and it stays tested on every backend. On torch, composing
standard operations costs a kernel launch and a saved tensor per step, which
makes forward+backward an order of magnitude slower than torch's fused
kernels at a million elements. A loss asks :func:`native` for its fast path
after its inputs are validated; the fast path computes the same formula (the
same per-sample losses, within float rounding) with the fused kernel.

``generic_only()`` turns the fast paths off, for tests and benchmarks that
compare the two.

A loss class asked for a plain mean (no sample weight, no mask) runs its
function inside ``fused_mean()``: a loss with a fused kernel then returns the
mean over every value in one step, as ``torch.nn.functional`` does with
``reduction="mean"``, instead of materialising one value per element first.
The element-wise losses of ``_ELEMENTWISE_MEAN`` take the mean over all their
terms at once (``_ops.mean_of_terms``) on every backend: NumPy reduces rows of
10 values and then their means 13x slower than one reduction over a million
values, and XLA on CPU at half the speed.
(The mean of the per-sample means is the mean of all values, since every
sample has the same number of them.)
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from typing import Any

import array_api_compat

from losslab._backend import EPSILON

_TORCH: dict[str, Callable[..., Any]] = {}
_TORCH_MEAN: dict[str, Callable[..., Any]] = {}
_JAX: dict[str, Callable[..., Any]] = {}
_ELEMENTWISE_MEAN = frozenset(
    {
        "mean_squared_error",
        "mean_absolute_error",
        "mean_absolute_percentage_error",
        "mean_squared_logarithmic_error",
        "huber",
        "log_cosh",
        "hinge",
        "squared_hinge",
        "poisson",
        "binary_crossentropy",
        "binary_focal_crossentropy",
        "barron",
        "cauchy",
        "geman_mcclure",
        "welsch",
        "charbonnier",
        "smooth_l1",
        "pinball",
        "expectile",
        "poisson_nll",
        "poisson_deviance",
        "gamma_deviance",
        "tweedie_deviance",
    }
)
"""Losses whose value is ``_ops.mean_of_terms`` of element-wise terms: their plain mean is one reduction."""
_state = {"enabled": True}
_want_mean: contextvars.ContextVar[bool] = contextvars.ContextVar("losslab_fused_mean", default=False)


def native(xp: Any, loss_name: str) -> Callable[..., Any] | None:
    """The fast path of ``loss_name`` for namespace ``xp``, or ``None`` to use the generic code.

    Inside :func:`fused_mean`, a loss that has a fused mean gets it instead: it returns a 0-d mean.
    """
    if not _state["enabled"]:
        return None
    if array_api_compat.is_jax_namespace(xp):
        return _JAX.get(loss_name)
    if not array_api_compat.is_torch_namespace(xp):
        return None
    if _want_mean.get() and loss_name in _TORCH_MEAN:
        return _TORCH_MEAN[loss_name]
    return _TORCH.get(loss_name)


def has_fused_mean(xp: Any, loss_name: str) -> bool:
    """Whether ``loss_name`` can return its mean in one fused step on ``xp``."""
    if not _state["enabled"]:
        return False
    if loss_name in _ELEMENTWISE_MEAN:
        return True
    names = (loss_name, f"{loss_name}_from_logits")
    return array_api_compat.is_torch_namespace(xp) and any(n in _TORCH_MEAN for n in names)


def fuses_mean(xp: Any) -> bool:
    """Whether ``_ops.mean_of_terms`` should return the mean over every term (inside ``fused_mean()``)."""
    return _state["enabled"] and _want_mean.get()


@contextlib.contextmanager
def fused_mean() -> Iterator[None]:
    """Ask the loss functions called inside for the mean over all values (where fused)."""
    token = _want_mean.set(True)
    try:
        yield
    finally:
        _want_mean.reset(token)


@contextlib.contextmanager
def generic_only() -> Iterator[None]:
    """Use the generic Array API code everywhere inside the block."""
    previous = _state["enabled"]
    _state["enabled"] = False
    try:
        yield
    finally:
        _state["enabled"] = previous


def _jax(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _JAX[name] = fn
        return fn

    return register


def _torch(name: str, *, mean: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        (_TORCH_MEAN if mean else _TORCH)[name] = fn
        return fn

    return register


@_torch("mean_squared_error")
def _mse(y_true: Any, y_pred: Any) -> Any:
    import torch.nn.functional as F

    return F.mse_loss(y_pred, y_true, reduction="none").mean(dim=-1)


@_torch("mean_absolute_error")
def _mae(y_true: Any, y_pred: Any) -> Any:
    import torch.nn.functional as F

    return F.l1_loss(y_pred, y_true, reduction="none").mean(dim=-1)


@_torch("huber")
def _huber(y_true: Any, y_pred: Any, delta: float) -> Any:
    import torch.nn.functional as F

    return F.huber_loss(y_pred, y_true, reduction="none", delta=delta).mean(dim=-1)


@_torch("poisson")
def _poisson(y_true: Any, y_pred: Any) -> Any:
    import torch.nn.functional as F

    return F.poisson_nll_loss(y_pred, y_true, log_input=False, eps=EPSILON, reduction="none").mean(dim=-1)


@_torch("poisson", mean=True)
def _poisson_mean(y_true: Any, y_pred: Any) -> Any:
    import torch.nn.functional as F

    return F.poisson_nll_loss(y_pred, y_true, log_input=False, eps=EPSILON)


LARGE_CPU_BUFFER = 32 * 2**20
"""glibc's largest mmap threshold: a CPU buffer this big is fresh pages on every call (page faults)."""


def _few_temporaries_win(x: Any) -> bool:
    """Whether one fused torch kernel beats a faster-per-element generic composition for ``x``.

    On CPU the generic code wins while its temporaries are reused memory; once a buffer exceeds
    :data:`LARGE_CPU_BUFFER` each temporary is page-faulted afresh and the kernel's fewer
    temporaries win (measured at 1e7 elements). On an accelerator one kernel launch replaces several.
    """
    return x.device.type != "cpu" or x.numel() * x.element_size() >= LARGE_CPU_BUFFER


@_torch("binary_crossentropy")
def _binary_crossentropy_probs(y_true: Any, y_pred: Any, axis: int) -> Any:
    """torch's kernel on clipped probabilities, for large or accelerator inputs only (else ``None``).

    On CPU below 32 MiB it is 2-4x slower than the generic code (benchmarks/results/losses.md).
    """
    import torch.nn.functional as F

    if not _few_temporaries_win(y_pred):
        return None
    return F.binary_cross_entropy(y_pred.clamp(EPSILON, 1.0 - EPSILON), y_true, reduction="none").mean(dim=axis)


@_torch("binary_crossentropy", mean=True)
def _binary_crossentropy_probs_mean(y_true: Any, y_pred: Any, axis: int) -> Any:
    import torch.nn.functional as F

    if not _few_temporaries_win(y_pred):
        return None
    return F.binary_cross_entropy(y_pred.clamp(EPSILON, 1.0 - EPSILON), y_true)


@_torch("binary_crossentropy_from_logits")
def _binary_crossentropy(y_true: Any, y_pred: Any, axis: int) -> Any:
    import torch.nn.functional as F

    return F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none").mean(dim=axis)


@_torch("categorical_crossentropy_from_logits")
def _categorical_crossentropy(y_true: Any, y_pred: Any, axis: int) -> Any:
    return -(y_true * y_pred.log_softmax(dim=axis)).sum(dim=axis)


@_torch("sparse_categorical_crossentropy_from_logits")
def _sparse_categorical_crossentropy(labels: Any, y_pred: Any) -> Any:
    """``labels`` of shape ``(...)``, ``y_pred`` of shape ``(..., C)`` with the classes last."""
    import torch.nn.functional as F

    flat = y_pred.reshape(-1, y_pred.shape[-1])
    return F.cross_entropy(flat, labels.reshape(-1).long(), reduction="none").reshape(labels.shape)


@_torch("mean_squared_error", mean=True)
def _mse_mean(y_true: Any, y_pred: Any) -> Any:
    import torch.nn.functional as F

    return F.mse_loss(y_pred, y_true)


@_torch("mean_absolute_error", mean=True)
def _mae_mean(y_true: Any, y_pred: Any) -> Any:
    import torch.nn.functional as F

    return F.l1_loss(y_pred, y_true)


@_torch("huber", mean=True)
def _huber_mean(y_true: Any, y_pred: Any, delta: float) -> Any:
    import torch.nn.functional as F

    return F.huber_loss(y_pred, y_true, delta=delta)


@_torch("binary_crossentropy_from_logits", mean=True)
def _binary_crossentropy_mean(y_true: Any, y_pred: Any, axis: int) -> Any:
    import torch.nn.functional as F

    return F.binary_cross_entropy_with_logits(y_pred, y_true)


@_torch("categorical_crossentropy_from_logits", mean=True)
def _categorical_crossentropy_mean(y_true: Any, y_pred: Any, axis: int) -> Any:
    samples = y_pred.numel() // max(y_pred.shape[axis], 1)
    return -(y_true * y_pred.log_softmax(dim=axis)).sum() / samples


@_torch("sparse_categorical_crossentropy_from_logits", mean=True)
def _sparse_categorical_crossentropy_mean(labels: Any, y_pred: Any) -> Any:
    import torch.nn.functional as F

    return F.cross_entropy(y_pred.reshape(-1, y_pred.shape[-1]), labels.reshape(-1).long())


@_torch("smooth_l1")
def _smooth_l1(y_true: Any, y_pred: Any, beta: float) -> Any:
    import torch.nn.functional as F

    return F.smooth_l1_loss(y_pred, y_true, reduction="none", beta=beta).mean(dim=-1)


@_torch("smooth_l1", mean=True)
def _smooth_l1_mean(y_true: Any, y_pred: Any, beta: float) -> Any:
    import torch.nn.functional as F

    return F.smooth_l1_loss(y_pred, y_true, beta=beta)


@_torch("poisson_nll")
def _poisson_nll(y_true: Any, y_pred: Any, log_input: bool, eps: float) -> Any:
    """Without the Stirling term: torch's ``full=True`` gives NaN gradients for targets of 0."""
    import torch.nn.functional as F

    return F.poisson_nll_loss(y_pred, y_true, log_input=log_input, eps=eps, reduction="none").mean(dim=-1)


@_torch("poisson_nll", mean=True)
def _poisson_nll_mean(y_true: Any, y_pred: Any, log_input: bool, eps: float) -> Any:
    import torch.nn.functional as F

    return F.poisson_nll_loss(y_pred, y_true, log_input=log_input, eps=eps)


@_torch("multilabel_soft_margin")
def _multilabel_soft_margin(y_true: Any, y_pred: Any, weight: Any) -> Any:
    """The per-class logistic loss is binary cross-entropy on logits, with ``weight`` per class."""
    import torch.nn.functional as F

    return F.binary_cross_entropy_with_logits(y_pred, y_true, weight=weight, reduction="none").mean(dim=-1)


@_torch("multilabel_soft_margin", mean=True)
def _multilabel_soft_margin_mean(y_true: Any, y_pred: Any, weight: Any) -> Any:
    import torch.nn.functional as F

    return F.binary_cross_entropy_with_logits(y_pred, y_true, weight=weight)


@_torch("log_softmax")
def _log_softmax(x: Any, axis: int) -> Any:
    return x.log_softmax(dim=axis)


# JAX: XLA fuses the generic code, but jax.nn.log_softmax stops the gradient through the max shift,
# and a gather replaces the one-hot product (whose gradient is a dense (batch, classes) array).


@_jax("relu")
def _jax_relu(x: Any) -> Any:
    import jax.numpy as jnp

    return jnp.where(x <= 0, jnp.zeros_like(x), x)  # x <= 0 is False for NaN, which is kept


@_jax("logaddexp")
def _jax_logaddexp(a: Any, b: Any) -> Any:
    import jax.numpy as jnp

    return jnp.logaddexp(a, b)


@_jax("log_softmax")
def _jax_log_softmax(x: Any, axis: int) -> Any:
    import jax

    return jax.nn.log_softmax(x, axis=axis)


@_jax("categorical_crossentropy_from_logits")
def _jax_categorical_crossentropy(y_true: Any, y_pred: Any, axis: int) -> Any:
    import jax

    return -(y_true * jax.nn.log_softmax(y_pred, axis=axis)).sum(axis=axis)


@_jax("sparse_categorical_crossentropy_from_logits")
def _jax_sparse_categorical_crossentropy(labels: Any, y_pred: Any) -> Any:
    """``logsumexp(z) - z[label]``: only the labelled logit is gathered, not the whole log-softmax.

    Labels outside ``[0, C)`` give 0 (as the generic one-hot product does); they are gathered at
    index 0 and masked, so the gather's gradient is a plain in-bounds scatter.
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
    return jnp.where(valid, log_normalizer - picked[..., 0], 0.0)


@_torch("ctc")
def _ctc(labels: Any, log_probs: Any) -> Any:
    """torch's CTC kernel on padded labels ``(batch, L)`` and log-probabilities ``(batch, T, C)``.

    Returns ``None`` when the kernel cannot give losslab's answer: a label
    outside ``[1, C)`` (the kernel does not check), or a label sequence that
    does not fit in ``T`` frames (the kernel returns ``inf``, losslab a finite
    penalty of about 1e5). Then the generic recursion runs.
    """
    import torch
    import torch.nn.functional as F

    batch, frames, num_classes = log_probs.shape
    if labels.shape[1] == 0 or log_probs.dtype not in (torch.float32, torch.float64):
        return None
    label_length = (labels != 0).sum(dim=-1)
    if bool(((labels < 0) | (labels >= num_classes)).any()):
        return None
    frame_length = torch.full((batch,), frames, dtype=torch.long, device=log_probs.device)
    nll = F.ctc_loss(log_probs.transpose(0, 1), labels.long(), frame_length, label_length, blank=0, reduction="none")
    if not bool(torch.isfinite(nll).all()):
        return None
    return nll


@_jax("scan_frames")
def _jax_scan_frames(step: Callable[[Any, Any], Any], carry: Any, frames: Any) -> Any:
    """``carry = step(carry, frames[:, t])`` for every ``t``, as one ``lax.scan``."""
    import jax
    import jax.numpy as jnp

    final, _ = jax.lax.scan(lambda c, frame: (step(c, frame), None), carry, jnp.moveaxis(frames, 1, 0))
    return final
