"""torch's reductions: ``"mean"``, ``"sum"`` and ``"none"``, and the weighted mean of the class-weighted losses."""

from __future__ import annotations

from typing import Any

from array_api_compat import size

REDUCTIONS = ("mean", "sum", "none")
"""torch's values of ``reduction``."""


def check_reduction(reduction: Any, loss_name: str) -> str:
    """``reduction`` if it is one of :data:`REDUCTIONS`, else a ``ValueError`` that names the choices."""
    if not (isinstance(reduction, str) and reduction in REDUCTIONS):
        msg = f"{loss_name}: reduction must be one of {list(REDUCTIONS)}, got {reduction!r}"
        raise ValueError(msg)
    return reduction


def reduce(values: Any, reduction: str, xp: Any, *, total_weight: Any = None) -> Any:
    """Reduce element losses as torch does.

    ``"mean"`` divides the sum by ``total_weight`` when given (the sum of the
    class weights of the counted targets, as torch's ``nll_loss``), else by
    the number of values. A zero total gives 0, not NaN (losslab's finite
    policy; torch returns NaN for a batch whose targets are all ignored).
    """
    if reduction == "none":
        return values
    total = xp.sum(values)
    if reduction == "sum":
        return total
    if total_weight is None:
        n = size(values)
        if n == 0:  # torch: NaN for the mean of an empty batch; losslab: 0
            return total
        return xp.mean(values)
    safe = xp.where(total_weight == 0, xp.ones_like(total_weight), total_weight)
    return xp.where(total_weight == 0, xp.zeros_like(total), total / safe)
