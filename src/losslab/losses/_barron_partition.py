r"""The log-partition function of Barron's distribution, :math:`\log Z(\alpha)`, for :math:`0 \le \alpha \le 4`.

Barron's loss is the negative log-likelihood of the density
:math:`p(x) = \exp(-\rho(x / c, \alpha)) / (c\, Z(\alpha))` with
:math:`Z(\alpha) = \int \exp(-\rho(x, \alpha))\, dx`, which has no closed form
in general (it is :math:`\sqrt{2\pi}` at :math:`\alpha = 2`,
:math:`\sqrt2\,\pi` at 0 and :math:`2 e K_1(1)` at 1). This module tabulates
:math:`\log Z` by numerical integration in NumPy float64 (once, stored in
``_barron_partition_table.py``), and evaluates it on any Array API namespace by cubic Hermite
interpolation, differentiable in :math:`\alpha`.

**The integral.** With :math:`x = \sinh t` the integrand
:math:`\exp(-\rho(\sinh t))\cosh t` decays at least like :math:`4 e^{-t}`
(the Cauchy tail of :math:`\alpha = 0`) and is analytic, so the trapezoid
rule on :math:`t \in [0, 40]` with step 0.05 is exact to float64 rounding
(the tail beyond 40 is below :math:`10^{-17}`).

**The singularity at** :math:`\alpha = 2`. :math:`\rho` contains a term
:math:`b \log b` in :math:`b = |\alpha - 2|`, so
:math:`d \log Z / d\alpha \approx \tfrac14 \log|\alpha - 2|` is unbounded
there. The table holds the smooth remainder
:math:`\log Z(\alpha) - s(\alpha)`, :math:`s(\alpha) = \tfrac14 (\alpha - 2)(\log|\alpha - 2| - 1)`,
on a grid of step :math:`1/128`, with tangents from central differences of
the integral; :math:`s` is added back in closed form (its gradient clamped at
:math:`|\alpha - 2| = \epsilon` of the dtype, so it stays finite). The
interpolated :math:`\log Z` is within :math:`1.1 \times 10^{-6}` of the
integral on :math:`[0, 4]` (largest next to :math:`\alpha = 2`, below
:math:`10^{-8}` away from it).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from losslab._backend import device
from losslab.losses._barron_partition_table import TANGENTS, VALUES

ALPHA_MIN, ALPHA_MAX = 0.0, 4.0
"""The shapes the table covers; :math:`Z` is infinite for :math:`\\alpha < 0` (a bounded :math:`\\rho`)."""

_STEPS = 512
_STEP = (ALPHA_MAX - ALPHA_MIN) / _STEPS
_DIFFERENCE = 1e-5
"""Half-width of the central differences that give the table's tangents."""


def rho_float64(x2: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    r"""Barron's :math:`\rho` of ``x2`` (:math:`x^2`) for each ``alpha`` (a column), in NumPy float64.

    The general form :math:`\frac{b}{\alpha}\operatorname{expm1}(\tfrac\alpha2 \operatorname{log1p}(x^2 / b))`
    with its limits at :math:`\alpha = 0` and 2; the table's own, written apart from the library's
    :math:`\rho` so that each checks the other.
    """
    alpha = alpha[..., None]
    b = np.abs(alpha - 2.0)
    b_safe = np.where(b == 0, 1.0, b)
    alpha_safe = np.where(alpha == 0, 1.0, alpha)
    general = b_safe / alpha_safe * np.expm1(0.5 * alpha * np.log1p(x2 / b_safe))
    return np.where(alpha == 0, np.log1p(0.5 * x2), np.where(b == 0, 0.5 * x2, general))


def log_partition_float64(alpha: Any) -> np.ndarray:
    r""":math:`\log Z(\alpha)` by the trapezoid rule in :math:`t` (:math:`x = \sinh t`), for ``alpha`` >= 0."""
    t = np.linspace(0.0, 40.0, 801)
    step = t[1] - t[0]
    weights = np.full_like(t, 2.0 * step)  # doubled: the integrand is even in x
    weights[0] = weights[-1] = step
    integrand = np.exp(-rho_float64(np.sinh(t) ** 2, np.asarray(alpha, dtype=np.float64))) * np.cosh(t)
    return np.log(np.sum(integrand * weights, axis=-1))


def _singular_float64(alpha: np.ndarray) -> np.ndarray:
    gap = alpha - 2.0
    size = np.abs(gap)
    return np.where(size == 0, 0.0, 0.25 * gap * (np.log(np.where(size == 0, 1.0, size)) - 1.0))


def build_table() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Values and tangents (per unit of ``alpha``) of the smooth remainder on the grid, by integration in NumPy.

    ``_barron_partition_table.py`` stores its output (written by
    ``python -m losslab.losses._barron_partition``), so that no call computes it
    (nor traces it, under ``torch.compile`` or ``jax.jit``); a test checks the
    stored table against a fresh one.
    """
    grid = np.linspace(ALPHA_MIN, ALPHA_MAX, _STEPS + 1)

    def remainder(alpha: np.ndarray) -> np.ndarray:
        return log_partition_float64(alpha) - _singular_float64(alpha)

    values = remainder(grid)
    h = _DIFFERENCE
    tangents = (remainder(grid + h) - remainder(grid - h)) / (2.0 * h)
    # alpha < 0 has no Z: a one-sided second-order difference at the lower end.
    tangents[0] = (-3.0 * values[0] + 4.0 * remainder(grid[:1] + h)[0] - remainder(grid[:1] + 2.0 * h)[0]) / (2.0 * h)
    return tuple(values.tolist()), tuple(tangents.tolist())


def log_partition(alpha: Any, xp: Any) -> Any:
    r""":math:`\log Z(\alpha)` for an array ``alpha`` of any shape, clamped to :math:`[0, 4]`; differentiable.

    Cubic Hermite interpolation of the tabulated remainder plus the closed-form
    singular part (see the module's docstring). Gradients are 0 outside
    :math:`[0, 4]` and finite everywhere.
    """
    dtype, where = alpha.dtype, device(alpha)
    clamped = xp.clip(alpha, ALPHA_MIN, ALPHA_MAX)
    position = (clamped - ALPHA_MIN) / _STEP
    index = xp.clip(xp.floor(position), 0.0, float(_STEPS - 1))
    s = position - index  # the gradient reaches alpha through s only (floor's is 0)
    flat = xp.reshape(xp.astype(index, xp.int32), (-1,))
    table_values = xp.asarray(VALUES, dtype=dtype, device=where)
    table_tangents = xp.asarray(TANGENTS, dtype=dtype, device=where) * _STEP

    def at(table: Any, offset: int) -> Any:
        return xp.reshape(xp.take(table, flat + offset), tuple(alpha.shape))

    s2 = s * s
    s3 = s2 * s
    spline = (
        (2.0 * s3 - 3.0 * s2 + 1.0) * at(table_values, 0)
        + (s3 - 2.0 * s2 + s) * at(table_tangents, 0)
        + (3.0 * s2 - 2.0 * s3) * at(table_values, 1)
        + (s3 - s2) * at(table_tangents, 1)
    )
    gap = clamped - 2.0
    size = xp.clip(xp.abs(gap), float(xp.finfo(dtype).eps))  # log|gap| finite, and its gradient at alpha = 2
    return spline + 0.25 * gap * (xp.log(size) - 1.0)


def _write_table(path: str) -> None:
    """Write :func:`build_table`'s output as the Python module ``path``."""
    values, tangents = build_table()
    lines = [
        '"""Barron\'s log-partition table: written by ``python -m losslab.losses._barron_partition``; do not edit."""',
        "",
        f"# log Z(alpha) - s(alpha) on alpha = 0, 1/{_STEPS // 4}, ..., 4, and its derivative in alpha (NumPy float64)",
        "VALUES = (",
        *(f"    {v!r}," for v in values),
        ")",
        "TANGENTS = (",
        *(f"    {t!r}," for t in tangents),
        ")",
        "",
    ]
    with open(path, "w", encoding="utf-8") as file:
        file.write("\n".join(lines))


if __name__ == "__main__":
    _write_table(
        sys.argv[1] if len(sys.argv) > 1 else __file__.replace("_barron_partition.py", "_barron_partition_table.py")
    )
