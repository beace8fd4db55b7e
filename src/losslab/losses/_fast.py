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
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import array_api_compat

from losslab._backend import EPSILON

_TORCH: dict[str, Callable[..., Any]] = {}
_state = {"enabled": True}


def native(xp: Any, loss_name: str) -> Callable[..., Any] | None:
    """The fast path of ``loss_name`` for namespace ``xp``, or ``None`` to use the generic code."""
    if not _state["enabled"] or not array_api_compat.is_torch_namespace(xp):
        return None
    return _TORCH.get(loss_name)


@contextlib.contextmanager
def generic_only() -> Iterator[None]:
    """Use the generic Array API code everywhere inside the block."""
    previous = _state["enabled"]
    _state["enabled"] = False
    try:
        yield
    finally:
        _state["enabled"] = previous


def _torch(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _TORCH[name] = fn
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


@_torch("binary_crossentropy")
def _binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool, axis: int) -> Any:
    import torch.nn.functional as F

    if from_logits:
        values = F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
    else:
        values = F.binary_cross_entropy(y_pred.clamp(EPSILON, 1.0 - EPSILON), y_true, reduction="none")
    return values.mean(dim=axis)


@_torch("categorical_crossentropy_from_logits")
def _categorical_crossentropy(y_true: Any, y_pred: Any, axis: int) -> Any:
    return -(y_true * y_pred.log_softmax(dim=axis)).sum(dim=axis)


@_torch("sparse_categorical_crossentropy_from_logits")
def _sparse_categorical_crossentropy(labels: Any, y_pred: Any) -> Any:
    """``labels`` of shape ``(...)``, ``y_pred`` of shape ``(..., C)`` with the classes last."""
    import torch.nn.functional as F

    flat = y_pred.reshape(-1, y_pred.shape[-1])
    return F.cross_entropy(flat, labels.reshape(-1).long(), reduction="none").reshape(labels.shape)
