"""torch's own kernels for :mod:`losslab.functional`, where they give losslab's answer.

Each function here takes torch tensors already validated by the generic
function that calls it (``if on_torch(xp): return torch_...(...)``), calls
``torch.nn.functional`` (``gaussian_nll_loss`` and ``soft_margin_loss``: a
few torch operations, see each) and keeps losslab's finite policy around it:

- the mean of an empty batch is 0 (torch: NaN); decided from the shape, which
  is static under ``torch.compile``;
- a weighted mean whose total weight is 0 (every target ignored, or weights
  that sum to 0) is 0 (torch: NaN): the sum comes from torch's kernel and is
  divided by losslab's own total weight, with ``torch.where`` rather than a
  Python test;
- where torch's gradient with respect to a *target* is NaN for a finite
  target (``poisson_nll_loss(full=True)`` at a target of 0), the caller keeps
  the generic code for targets that require a gradient.

``kl_div`` and ``cross_entropy`` with class probabilities have no fast path:
torch composes them from the same element-wise operations as the generic
code (``kl_div`` measured no faster, forward and backward), and losslab's
zero-probability entries add 0 where torch's add NaN.

Nothing here reads an array's values in Python (no ``bool(tensor)``, no
``.item()``), so that ``torch.compile(fullgraph=True)`` traces every path.

The margin, embedding and CTC section serves :mod:`losslab.functional._margin`: a JAX scan over
frames with a per-frame mask, and torch's CTC kernel fed so that the gradient is exact.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable
from typing import Any

from losslab.functional._reduction import reduce

# ---------------------------------------------------------------- element-wise and class-wise losses (_pointwise.py)


def needs_grad(x: Any) -> bool:
    """Whether autograd tracks ``x`` (a Python flag of the tensor, not its values)."""
    return bool(x.requires_grad)


def _torch() -> Any:
    """``torch`` as the namespace of :func:`~losslab.functional._reduction.reduce` (imported with its tensors)."""
    return sys.modules["torch"]


def torch_pointwise(name: str, input: Any, target: Any, reduction: str, **kwargs: Any) -> Any:
    """``torch.nn.functional.<name>(input, target, reduction=..., **kwargs)``; the mean of an empty batch is 0."""
    import torch.nn.functional as F

    loss = getattr(F, name)
    if reduction == "mean" and input.numel() == 0:
        return loss(input, target, reduction="sum", **kwargs)
    return loss(input, target, reduction=reduction, **kwargs)


def torch_weighted_regression(name: str, input: Any, target: Any, weight: Any, reduction: str) -> Any:
    """``l1_loss``/``mse_loss`` with an element weight: the mean divides by the weights' sum, 0 when it is 0."""
    import torch.nn.functional as F

    loss = getattr(F, name)
    if reduction != "mean":
        return loss(input, target, reduction=reduction, weight=weight)
    return reduce(loss(input, target, reduction="sum", weight=weight), "mean", _torch(), total_weight=weight.sum())


def _counted_weight(labels: Any, weight: Any, ignore_index: int, dtype: Any) -> Any:
    """The denominator of torch's mean: the class weights (or the number) of the labels not ignored."""
    import torch

    counted = labels != ignore_index
    if weight is None:
        return counted.sum(dtype=dtype)
    safe = torch.where(counted, labels, torch.zeros_like(labels))
    return torch.where(counted, weight[safe], torch.zeros((), dtype=dtype, device=weight.device)).sum()


def torch_class_index_loss(
    input: Any,
    labels: Any,
    weight: Any,
    ignore_index: int,
    reduction: str,
    label_smoothing: float | None,
) -> Any:
    """``cross_entropy`` (``label_smoothing`` a float) or ``nll_loss`` (``None``) on class indices.

    For ``reduction="mean"`` the sum comes from torch's kernel and is divided
    by the total weight of the labels not ignored, 0 when there is none.
    """
    import torch.nn.functional as F

    labels = labels.long()
    if label_smoothing is None:
        kwargs: dict[str, Any] = {"weight": weight, "ignore_index": ignore_index}
        loss = F.nll_loss
    else:
        kwargs = {"weight": weight, "ignore_index": ignore_index, "label_smoothing": label_smoothing}
        loss = F.cross_entropy
    if reduction != "mean":
        return loss(input, labels, reduction=reduction, **kwargs)
    total = loss(input, labels, reduction="sum", **kwargs)
    return reduce(total, "mean", _torch(), total_weight=_counted_weight(labels, weight, ignore_index, input.dtype))


def torch_soft_margin(input: Any, target: Any, reduction: str) -> Any:
    """``log(1 + exp(-y x))`` as a softplus, finite where torch's ``soft_margin_loss`` overflows to ``inf``."""
    import torch.nn.functional as F

    return reduce(F.softplus(-input * target), reduction, _torch())


def torch_gaussian_nll(input: Any, target: Any, var: Any, full: bool, eps: float, reduction: str) -> Any:
    """torch's formula without its check that reads ``var`` (which ``torch.compile(fullgraph=True)`` cannot trace).

    As torch, the clamp at ``eps`` passes the gradient through unchanged.
    """
    clamped = var.clamp(min=eps)
    var = clamped.detach() + (var - var.detach())
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2.0 * math.pi)
    return reduce(loss, reduction, _torch())


# ---------------------------------------------------------------- margin, embedding and CTC losses (_margin.py)


def jax_scan_frames_masked(step: Callable[[Any, Any, Any], Any], carry: Any, frames: Any, active: Any) -> Any:
    """``carry = step(carry, frames[:, t], active[:, t])`` for every ``t``, as one ``lax.scan``.

    ``frames`` is ``(batch, T, ...)`` and ``active`` ``(batch, T)``; one
    compiled loop body serves every ``T``, where a Python loop would trace
    one body per frame.
    """
    import jax
    import jax.numpy as jnp

    def body(state: Any, frame: tuple[Any, Any]) -> tuple[Any, None]:
        return step(state, *frame), None

    final, _ = jax.lax.scan(body, carry, (jnp.moveaxis(frames, 1, 0), jnp.moveaxis(active, 1, 0)))
    return final


def torch_ctc_applies(log_probs: Any) -> bool:
    """Whether torch's CTC kernel can serve ``log_probs`` of shape ``(T, N, C)``.

    Not while ``torch.compile`` traces (the kernel's output shape depends on
    values, so it breaks a full graph), not for an empty batch or no frames
    (the kernel refuses them), and only in float32 and float64.
    """
    import torch

    frames, batch, _ = log_probs.shape
    return (
        frames > 0
        and batch > 0
        and log_probs.dtype in (torch.float32, torch.float64)
        and not torch.compiler.is_compiling()
    )


def torch_ctc_losses(
    log_probs: Any, labels: Any, input_lengths: Any, target_lengths: Any, possible: Any, blank: int
) -> Any:
    """Per-sequence CTC losses by torch's kernel: the generic recursion's values and exact gradients.

    ``labels (N, W)`` are padded and ``possible (N,)`` marks the rows that fit
    their frames (the others give 0, their length is passed as 0 so the
    kernel never sees them). The kernel's backward returns the gradient with
    respect to the logits of a ``log_softmax``, not with respect to its
    input; so it is given ``log_softmax(log_probs)``, and the per-frame log
    normalizer it removed is added back to the loss. The sum is the same
    number, and autograd then gives the exact gradient with respect to
    ``log_probs`` for any finite input, normalized or not.
    """
    import torch
    import torch.nn.functional as F

    frames = log_probs.shape[0]
    normalizer = torch.logsumexp(log_probs, dim=-1)  # (T, N)
    counted = torch.arange(frames, device=log_probs.device)[:, None] < input_lengths[None, :]
    nll = F.ctc_loss(
        log_probs.log_softmax(dim=-1),
        labels.long(),
        input_lengths.clamp(0, frames).long(),
        torch.where(possible, target_lengths, torch.zeros_like(target_lengths)).long(),
        blank=blank,
        reduction="none",
        zero_infinity=True,
    )
    nll = nll - torch.where(counted, normalizer, torch.zeros_like(normalizer)).sum(dim=0)
    return torch.where(possible, nll, torch.zeros_like(nll))


@functools.cache
def jax_jit(fn: Callable[..., Any], static_argnames: tuple[str, ...]) -> Callable[..., Any]:
    """``jax.jit(fn)``, made once per function: eager calls then compile once per shape, not once per operation.

    Called only where the fast paths are on (``on_jax``), so what it traces is the JAX path.
    """
    import jax

    return jax.jit(fn, static_argnames=static_argnames)
