"""Backend-native pieces of ``losslab.functional``, picked by namespace at the call (see ``losses/_fast.py``).

The generic Array API code stays the reference; what lives here gives the
same numbers with a backend's own primitives.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

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
