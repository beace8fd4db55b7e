r"""Robust and asymmetric regression losses: Barron's family, smooth L1, quantile losses.

Each function returns per-sample losses: the mean over the last axis of an
elementwise penalty of the error :math:`e = y_\text{pred} - y_\text{true}`
(the quantile losses use :math:`u = y_\text{true} - y_\text{pred} = -e`, as
statistics does; see each docstring). Classes are thin wrappers; their shared
arguments are documented on :class:`~losslab.Loss`.

The robust losses take a scale :math:`c > 0` and penalise :math:`x = e / c`.
All of them are special cases of :func:`barron` (Barron, CVPR 2019):

=====================  ===============================  =======================
loss                   :math:`\rho(x)`                  Barron's :math:`\alpha`
=====================  ===============================  =======================
half squared error     :math:`\tfrac12 x^2`             2
:func:`charbonnier`    :math:`\sqrt{x^2 + 1} - 1`       1
:func:`cauchy`         :math:`\log(\tfrac12 x^2 + 1)`   0
:func:`geman_mcclure`  :math:`2 x^2 / (x^2 + 4)`        -2
:func:`welsch`         :math:`1 - \exp(-\tfrac12 x^2)`  :math:`-\infty`
=====================  ===============================  =======================

(:func:`charbonnier` with ``epsilon = c`` is :math:`c\,\rho(e / c)`, in units of ``e``.)
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

from losslab._backend import as_array, as_arrays, cast_like, device
from losslab._checks import check_finite
from losslab.losses._barron_partition import ALPHA_MAX, ALPHA_MIN, log_partition
from losslab.losses._fast import on_torch, torch_smooth_l1
from losslab.losses._loss import LossFunctionWrapper
from losslab.losses._ops import LOG2, check_real, mean_of_terms, prepare_pair

_DEFAULT = "sum_over_batch_size"
_EXPREL_SERIES_BELOW = 0.1
"""``|t|`` below which ``expm1(t) / t`` is summed as a series (10 terms: error < 3e-18)."""


# ---------------------------------------------------------------- validation


def _parameter(value: Any, name: str, y_pred: Any, xp: Any, loss_name: str = "barron") -> Any:
    """``alpha`` or ``scale`` of :func:`barron` as an array in ``y_pred``'s dtype and device.

    Python numbers are validated here; arrays (learnable parameters) cannot be
    read without breaking ``jax.jit``, so only their shape is checked.
    """
    if isinstance(value, bool) or (isinstance(value, Real) and math.isnan(value)):
        msg = f"{loss_name}: {name} must be a real number or a floating array; got {name}={value!r}"
        raise ValueError(msg)
    if isinstance(value, Real) and name == "scale":
        check_real(loss_name, "scale", value, 0.0, math.inf, open_low=True)
    array = cast_like(as_array(value, xp, like=y_pred, name=name), y_pred, xp)
    shape, target = tuple(array.shape), tuple(y_pred.shape)
    fits = len(shape) <= len(target) and all(s in (1, t) for s, t in zip(shape[::-1], target[::-1], strict=False))
    if not fits:
        msg = (
            f"{loss_name}: {name} must be a scalar or an array that broadcasts to y_pred's shape {target} "
            f"(e.g. one value per output, shape {target[-1:]}); got {name} of shape {shape}"
        )
        raise ValueError(msg)
    return array


def _check_quantiles(quantiles: Any) -> tuple[float, ...]:
    try:
        values = tuple(quantiles)
    except TypeError:
        values = None
    if not values:
        msg = f"multi_quantile: quantiles must be a non-empty sequence of floats in [0, 1]; got quantiles={quantiles!r}"
        raise ValueError(msg)
    return tuple(check_real("multi_quantile", f"quantiles[{i}]", q, 0.0, 1.0) for i, q in enumerate(values))


# ---------------------------------------------------------------- numerics


def _expm1(t: Any, xp: Any) -> Any:
    """``exp(t) - 1`` with an accurate value *and* gradient for every ``t``.

    ``expm1``'s backward in torch and JAX is ``expm1(t) + 1``, which loses all
    digits of :math:`e^t` once :math:`e^t` is below the rounding error of 1
    (the flat tails of the bounded losses). Away from 0, ``exp(t) - 1`` is as
    accurate and its gradient is :math:`e^t` itself.
    """
    near = xp.abs(t) < LOG2
    return xp.where(near, xp.expm1(xp.where(near, t, xp.zeros_like(t))), xp.exp(t) - 1.0)


def _half_b_log_exprel(log_term: Any, alpha: Any, b: Any, xp: Any) -> Any:
    r"""``(b / alpha) expm1(alpha L / 2)``, i.e. :math:`\tfrac12 b L \operatorname{exprel}(\alpha L / 2)`.

    Where :math:`t = \alpha L / 2` is small a Horner series of
    :math:`\operatorname{exprel}(t) = \operatorname{expm1}(t) / t` is used (it
    is 1 at :math:`\alpha = 0`), elsewhere the quotient
    :math:`b \operatorname{expm1}(t) / \alpha`, whose gradient :math:`e^t` has
    no cancellation. The quotient is one product and one division: for
    :math:`\alpha < 0`, where :math:`\operatorname{expm1}(t) \ge -1`, it never
    exceeds the bound :math:`b / |\alpha|` as the dtype rounds it (a factor
    :math:`2 / \alpha` rounded apart would, by one unit in the last place).
    Each branch of the ``where`` sees only inputs at which it is finite (a
    stand-in :math:`\alpha = -1` for the quotient where the series is taken),
    so no NaN reaches the gradient through the branch not taken.
    """
    t = 0.5 * alpha * log_term
    small = xp.abs(t) < _EXPREL_SERIES_BELOW
    t_small = xp.where(small, t, xp.zeros_like(t))
    series = xp.ones_like(t)
    for k in range(11, 1, -1):  # 1 + t/2 (1 + t/3 (1 + ... (1 + t/11)))
        series = 1.0 + t_small / float(k) * series
    alpha_large = xp.where(small, xp.full_like(t, -1.0), alpha)
    quotient = b * _expm1(0.5 * alpha_large * log_term, xp) / alpha_large
    return xp.where(small, 0.5 * b * log_term * series, quotient)


def _log1p_square_ratio(error: Any, scale: Any, log_x: Any, b: Any, xp: Any) -> tuple[Any, Any, Any]:
    r"""``(L, huge, z)``: :math:`L = \operatorname{log1p}(x^2 / b)` of :math:`x = e / c`, never forming a huge x^2.

    Where :math:`x^2` or :math:`x^2 / b` would come within a factor :math:`e^2` of the dtype's maximum (``huge``),
    :math:`L = 2 \log|x| - \log b + \operatorname{log1p}(b / x^2)` from ``log_x`` :math:`= \log|e| - \log c`;
    elsewhere the plain formula, with ``z`` :math:`= x^2` (0 where ``huge``, so every branch stays finite).
    """
    log_max = math.log(float(xp.finfo(error.dtype).max))
    log_b = xp.log(b)
    huge = (2.0 * log_x + xp.clip(-log_b, 0.0) > log_max - 2.0) & (error != 0.0)
    x = xp.where(huge, xp.zeros_like(error), error) / scale
    z = x * x
    log_x_huge = xp.where(huge, log_x, xp.full_like(log_x, log_max))  # the stand-in keeps exp(...) at 0
    log_form = 2.0 * log_x_huge - log_b + xp.log1p(xp.exp(log_b - 2.0 * log_x_huge))
    return xp.where(huge, log_form, xp.log1p(z / b)), huge, z


def _barron_rho(error: Any, scale: Any, alpha: Any, xp: Any, count: int = 1) -> Any:
    r"""Barron's :math:`\rho` of ``x = error / scale`` for an array ``alpha`` (any real, or :math:`\pm\infty`).

    With :math:`b = |\alpha - 2|` and :math:`L = \operatorname{log1p}(x^2 / b)`, two exact forms
    are blended with ``where``:

    .. math:: \rho = \frac{b L}{2} \operatorname{exprel}\left(\frac{\alpha L}{2}\right)
              \quad (\alpha < 1), \qquad
              \rho = \frac{x^2 e^{s} + b \operatorname{expm1}(s)}{\alpha},
              \quad s = \frac{(\alpha - 2) L}{2} \quad (\alpha \ge 1),

    with :math:`\operatorname{exprel}(t) = \operatorname{expm1}(t) / t`. The
    first has no division by :math:`\alpha`, so it is exact and smooth
    through :math:`\alpha = 0`; the second keeps the exponent small near
    :math:`\alpha = 2`, so rounding in :math:`L` is not amplified, and gives
    exactly :math:`x^2 / 2` at :math:`\alpha = 2`. There :math:`b` is clamped to
    the dtype's machine epsilon. Each branch sees only inputs at which it is
    finite, so no NaN reaches the gradient through the branch not taken.

    **Huge errors.** :math:`x^2` is never formed where it would overflow: :math:`L` is then computed from
    :math:`\log|x|` (:func:`_log1p_square_ratio`), and the first term of the second form as
    :math:`\exp(2 \log|x| + s - \log\alpha)` (a product of a huge and a tiny factor would overflow in the
    backward pass), with a relative error of about :math:`|\log \rho|` units in the last place. A value
    above the ceiling :math:`M / (8 \log M \cdot n)`, for the dtype's maximum :math:`M` and the ``count``
    :math:`n` of values averaged (judged from its logarithm), is the ceiling, with a zero gradient: the mean
    of ``count`` values stays finite, and so does the gradient in ``alpha`` (about :math:`\rho \log|x|`).
    """
    dtype = error.dtype
    eps = xp.finfo(dtype).eps
    log_max = math.log(float(xp.finfo(dtype).max))
    ceiling = float(xp.finfo(dtype).max) / (8.0 * log_max * max(count, 1))
    log_ceiling = math.log(ceiling)
    magnitude = xp.abs(error)
    log_x = xp.log(xp.where(magnitude > 0.0, magnitude, xp.ones_like(magnitude))) - xp.log(scale)
    infinite = xp.isinf(alpha)
    finite_alpha = xp.where(infinite, xp.zeros_like(alpha), alpha)
    near_zero = finite_alpha < 1.0
    # alpha < 1: exprel form; the stand-in 0 elsewhere keeps expm1 from overflowing.
    alpha_low = xp.where(near_zero, finite_alpha, xp.zeros_like(alpha))
    b_low = 2.0 - alpha_low
    log_low, huge_low, z_low = _log1p_square_ratio(error, scale, log_x, b_low, xp)
    # Above the ceiling only for 0 < alpha < 1 and x beyond the dtype's maximum (a tiny scale): judged by
    # log rho = log(b / alpha) + t + log(1 - exp(-t)) where t = alpha L / 2 > 1.
    t_low = 0.5 * alpha_low * log_low
    large_t = t_low > 1.0
    t_large = xp.where(large_t, t_low, xp.ones_like(t_low))
    alpha_large = xp.where(large_t, alpha_low, xp.ones_like(alpha_low))
    log_rho_low = xp.log(b_low / alpha_large) + t_large + xp.log(-xp.expm1(-t_large))
    over_low = large_t & (log_rho_low > log_ceiling)
    rho_low = _half_b_log_exprel(xp.where(over_low, xp.zeros_like(log_low), log_low), alpha_low, b_low, xp)
    rho_low = xp.where(over_low, xp.full_like(rho_low, ceiling), rho_low)
    # alpha >= 1: small-exponent form; the stand-in 1.5 elsewhere keeps b away from its clamp.
    alpha_high = xp.where(near_zero, xp.full_like(alpha, 1.5), finite_alpha)
    b_high = xp.clip(xp.abs(alpha_high - 2.0), eps)
    log_high, huge_high, z_high = _log1p_square_ratio(error, scale, log_x, b_high, xp)
    exponent = 0.5 * (alpha_high - 2.0) * log_high
    # log(rho + b / alpha): above the ceiling the value saturates; where alpha times it nears the maximum, or
    # x^2 would overflow, x^2 e^s / alpha is computed from logarithms.
    log_total = xp.log(b_high / alpha_high) + 0.5 * alpha_high * log_high
    over_high = log_total > log_ceiling
    plain = ~huge_high & (log_total + xp.log(alpha_high) < log_max - 1.0)
    s_plain = xp.where(plain, exponent, xp.zeros_like(exponent))
    z_plain = xp.where(plain, z_high, xp.zeros_like(z_high))
    rho_plain = (z_plain * xp.exp(s_plain) + b_high * _expm1(s_plain, xp)) / alpha_high
    reordered = plain | over_high
    s_big = xp.where(reordered, xp.zeros_like(exponent), exponent)
    log_x_big = xp.where(reordered, xp.zeros_like(log_x), log_x)
    # x^2 e^s / alpha as one exp: a product of a huge and a tiny factor would overflow in the backward pass
    rho_big = xp.exp(2.0 * log_x_big + s_big - xp.log(alpha_high)) + b_high * _expm1(s_big, xp) / alpha_high
    rho_high = xp.where(plain, rho_plain, rho_big)
    rho_high = xp.where(over_high, xp.full_like(rho_high, ceiling), rho_high)
    rho = xp.where(near_zero, rho_low, rho_high)
    # alpha = -inf: 1 - exp(-x^2 / 2), 1 where x^2 is huge
    welsch = xp.where(huge_low, xp.ones_like(z_low), -_expm1(-0.5 * z_low, xp))
    rho = xp.where(alpha == -math.inf, welsch, rho)
    # alpha = +inf: expm1(x^2 / 2), saturated above the ceiling (and only evaluated where selected)
    over_inf = huge_low | (0.5 * z_low > log_ceiling)
    z_pos_inf = xp.where((alpha == math.inf) & ~over_inf, z_low, xp.zeros_like(z_low))
    positive_inf = xp.where(over_inf, xp.full_like(z_low, ceiling), _expm1(0.5 * z_pos_inf, xp))
    return xp.where(alpha == math.inf, positive_inf, rho)


def _barron_terms(y_true: Any, y_pred: Any, scale: Any, alpha: Any, xp: Any, plain_mean: bool) -> Any:
    """:func:`_barron_rho` of the error, saturated so that the mean :func:`mean_of_terms` takes stays finite."""
    count = math.prod(y_pred.shape) if plain_mean else (y_pred.shape[-1] if y_pred.ndim else 1)
    return _barron_rho(y_pred - y_true, scale, alpha, xp, count)


def _scaled_square(y_true: Any, y_pred: Any, scale: Any) -> Any:
    x = (y_pred - y_true) / scale
    return x * x


# ---------------------------------------------------------------- Barron's family


def barron(y_true: Any, y_pred: Any, *, alpha: Any = 1.0, scale: Any = 1.0, xp: Any = None) -> Any:
    r"""Barron's general and adaptive robust loss, with shape ``alpha`` and scale ``scale``.

    .. math:: \ell = \frac{1}{d} \sum_{i=1}^{d} \rho(e_i / c, \alpha), \qquad
              \rho(x, \alpha) = \frac{|\alpha - 2|}{\alpha}
              \left(\left(\frac{x^2}{|\alpha - 2|} + 1\right)^{\alpha / 2} - 1\right)

    with its limits :math:`\rho(x, 2) = \tfrac12 x^2`,
    :math:`\rho(x, 0) = \log(\tfrac12 x^2 + 1)` (:func:`cauchy`),
    :math:`\rho(x, -\infty) = 1 - \exp(-\tfrac12 x^2)` (:func:`welsch`),
    :math:`\rho(x, +\infty) = \exp(\tfrac12 x^2) - 1`, and the special cases
    :math:`\rho(x, 1) = \sqrt{x^2 + 1} - 1` (:func:`charbonnier` with
    ``epsilon = c``, divided by ``c``) and
    :math:`\rho(x, -2) = 2 x^2 / (x^2 + 4)` (:func:`geman_mcclure`). Smaller
    ``alpha`` is more robust: for large :math:`|x|` the penalty grows like
    :math:`|x|^\alpha` for :math:`0 < \alpha \le 2`, like :math:`\log |x|` at
    :math:`\alpha = 0`, and is bounded for :math:`\alpha < 0`.

    Computed from :math:`\operatorname{log1p}(x^2 / |\alpha - 2|)` with
    ``expm1`` and a series for :math:`\operatorname{expm1}(t)/t` near
    :math:`t = 0`, in two exact forms blended with ``where`` at
    :math:`\alpha = 1`: exact and smooth in :math:`\alpha` through 0, exact at
    2, finite near both, and without Python branching on ``alpha``'s value.

    **Adaptive use.** ``alpha`` and ``scale`` may be arrays (0-d, or one value
    per output, shape ``(d,)``) that a torch optimizer or ``jax.grad`` trains
    with the model; gradients flow to both. Keep ``scale > 0`` and ``alpha`` in
    a range by parametrisation, as Barron does: a shifted sigmoid for
    :math:`\alpha \in (0.001, 1.999)` and a softplus plus a floor for the scale::

        raw_alpha = torch.zeros(d, requires_grad=True)
        raw_scale = torch.zeros(d, requires_grad=True)
        alpha = 0.001 + 1.998 * torch.sigmoid(raw_alpha)       # in (0.001, 1.999)
        scale = 1e-5 + torch.nn.functional.softplus(raw_scale)  # > 0
        loss = barron(y, model(x), alpha=alpha, scale=scale).mean()

    :math:`\rho` increases with :math:`\alpha` and decreases with :math:`c`, so
    minimising it alone drives :math:`\alpha` to its lower bound and :math:`c`
    up. Barron learns them by minimising the negative log-likelihood
    :math:`\rho + \log c + \log Z(\alpha)`: :func:`barron_nll` (for
    :math:`0 \le \alpha \le 4`), or fit them on another objective (e.g.
    validation loss).

    **Huge errors.** :math:`x^2` is never formed where it would overflow
    (beyond the square root of the dtype's maximum :math:`M`: :math:`|x| >
    1.8 \times 10^{19}` in float32); :math:`\rho` is then computed from
    :math:`\log|x|`, to a relative error of about :math:`|\log \rho|` units in
    the last place. A value above :math:`M / (8 d \log M)`, for the :math:`d`
    values averaged (all of them for a class's plain mean), saturates at it
    with a zero gradient (float32, :math:`d = 1`: :math:`4.8 \times 10^{35}`),
    so the loss and its gradients in ``y_pred`` and ``alpha`` are finite for
    every finite input and every ``alpha``. The gradient in ``scale``, about
    :math:`\alpha \rho / c`, can still overflow for a tiny scale.

    The derivative with respect to ``alpha`` has a logarithmic singularity at
    :math:`\alpha = 2`: :math:`\partial\rho/\partial\alpha \approx \tfrac14 x^2
    (\log(x^2 / |\alpha - 2|) - 1)`. Within machine epsilon of 2 the returned
    gradient is that formula at :math:`|\alpha - 2| = \epsilon` (finite); the
    values there are :math:`\tfrac12 x^2` to rounding.

    Parameters
    ----------
    y_true, y_pred : array of shape (batch, ..., d)
    alpha : float or array, default 1.0
        Shape: any real number, or ``-inf`` / ``inf``. An array must broadcast
        to ``y_pred``'s shape (e.g. shape ``(d,)``); it is cast to
        ``y_pred``'s dtype.
    scale : float or array, default 1.0
        :math:`c > 0`, the width of the quadratic bowl near 0; an array as for
        ``alpha``. Array values are not checked (that would break
        ``jax.jit``): keep them positive.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> barron([[0.0, 0.0]], [[1.0, 2.0]], alpha=2.0)  # (0.5 + 2) / 2
    array([1.25], dtype=float32)
    >>> out = barron([[0.0]], [[2.0]], alpha=0.0, scale=2.0)  # log(0.5 + 1)
    >>> round(float(out[0]), 6)
    0.405465

    One shape per output, as an adaptive model learns them:

    >>> import numpy as np
    >>> alpha = np.array([2.0, 1.0, 0.0, -np.inf])
    >>> out = barron(np.zeros((1, 4)), np.full((1, 4), 3.0), alpha=alpha)
    >>> round(float(out[0]), 5)  # (4.5 + (sqrt(10) - 1) + log(5.5) + (1 - exp(-4.5))) / 4
    2.33898

    References
    ----------
    Barron, "A General and Adaptive Robust Loss Function", CVPR 2019,
    https://arxiv.org/abs/1701.03077.

    See Also
    --------
    barron_nll, cauchy, geman_mcclure, welsch, charbonnier
    """
    return _barron(y_true, y_pred, xp, alpha=alpha, scale=scale)


def _barron(y_true: Any, y_pred: Any, xp: Any, *, alpha: Any = 1.0, scale: Any = 1.0, plain_mean: bool = False) -> Any:
    """:func:`barron`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "barron")
    alpha = _parameter(alpha, "alpha", y_pred, xp)
    scale = _parameter(scale, "scale", y_pred, xp)
    return mean_of_terms(_barron_terms(y_true, y_pred, scale, alpha, xp, plain_mean), -1, xp, plain_mean)


def barron_nll(y_true: Any, y_pred: Any, *, alpha: Any = 1.0, scale: Any = 1.0, xp: Any = None) -> Any:
    r"""Negative log-likelihood of Barron's distribution: :func:`barron` plus its normaliser.

    .. math:: \ell = \frac{1}{d} \sum_{i=1}^{d}
              \left(\rho(e_i / c, \alpha) + \log c + \log Z(\alpha)\right), \qquad
              Z(\alpha) = \int_{-\infty}^{\infty} e^{-\rho(x, \alpha)}\, dx

    with :math:`\rho` as in :func:`barron`: the density
    :math:`e^{-\rho(e / c, \alpha)} / (c Z(\alpha))` of Barron's section 3.
    Unlike :func:`barron`, minimising it does not drive :math:`\alpha` down
    and :math:`c` up: :math:`\log Z(\alpha)` grows as the tails get heavier
    and :math:`\log c` as the scale widens, so ``alpha`` and ``scale`` can be
    trained with the model (``losslab.torch.BarronNLLLoss(learnable=True)``
    holds them as ``nn.Parameter``\ s).

    :math:`Z` exists for :math:`0 \le \alpha` only (a bounded :math:`\rho`,
    :math:`\alpha < 0`, has an infinite integral); :math:`\log Z` is
    interpolated from a table over :math:`[0, 4]`, computed once by numerical
    integration (exact at :math:`\alpha = 0`: :math:`\sqrt2\,\pi`, 1:
    :math:`2 e K_1(1)`, 2: :math:`\sqrt{2\pi}`, and within :math:`1.1 \times
    10^{-6}` elsewhere), with the gradient in :math:`\alpha` of a cubic
    spline plus the closed-form :math:`\tfrac14 (\alpha - 2) \log|\alpha - 2|`
    term that makes it unbounded at 2 (clamped there at the dtype's epsilon,
    as :func:`barron`'s). A Python ``alpha`` must lie in :math:`[0, 4]`;
    array values (learned ones, not checked, for ``jax.jit``) are clamped to
    it, with a zero gradient outside. Huge errors are handled as in
    :func:`barron` (finite, saturating above :math:`M / (8 d \log M)`).

    Parameters
    ----------
    y_true, y_pred : array of shape (batch, ..., d)
    alpha : float or array, default 1.0
        Shape in :math:`[0, 4]`; an array must broadcast to ``y_pred``'s
        shape (e.g. one per output, shape ``(d,)``).
    scale : float or array, default 1.0
        :math:`c > 0`; an array as for ``alpha`` (not checked: keep it positive).
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> import math
    >>> out = barron_nll([[0.0]], [[0.0]], alpha=2.0)  # log sqrt(2 pi): the standard normal's
    >>> round(float(out[0]), 5), round(0.5 * math.log(2 * math.pi), 5)
    (0.91894, 0.91894)
    >>> out = barron_nll([[0.0]], [[2.0]], alpha=0.0, scale=2.0)  # log(1.5) + log 2 + log(sqrt(2) pi)
    >>> round(float(out[0]), 5)
    2.58992

    References
    ----------
    Barron, "A General and Adaptive Robust Loss Function", CVPR 2019,
    https://arxiv.org/abs/1701.03077, section 3.

    See Also
    --------
    barron, gaussian_nll
    """
    return _barron_nll(y_true, y_pred, xp, alpha=alpha, scale=scale)


def _barron_nll(
    y_true: Any, y_pred: Any, xp: Any, *, alpha: Any = 1.0, scale: Any = 1.0, plain_mean: bool = False
) -> Any:
    """:func:`barron_nll`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    if isinstance(alpha, Real) and not isinstance(alpha, bool):
        check_real("barron_nll", "alpha", alpha, ALPHA_MIN, ALPHA_MAX)
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "barron_nll")
    alpha = xp.clip(_parameter(alpha, "alpha", y_pred, xp, "barron_nll"), ALPHA_MIN, ALPHA_MAX)
    scale = _parameter(scale, "scale", y_pred, xp, "barron_nll")
    rho = _barron_terms(y_true, y_pred, scale, alpha, xp, plain_mean)
    return mean_of_terms(rho + (xp.log(scale) + log_partition(alpha, xp)), -1, xp, plain_mean)


def cauchy(y_true: Any, y_pred: Any, *, scale: float = 1.0, xp: Any = None) -> Any:
    r"""Cauchy (Lorentzian) loss: logarithmic growth, Barron's :math:`\alpha = 0`.

    .. math:: \ell = \frac{1}{d} \sum_i \log\left(\tfrac12 (e_i / c)^2 + 1\right)

    Parameters
    ----------
    y_true, y_pred : array of shape (batch, ..., d)
    scale : float, default 1.0
        :math:`c > 0`.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> out = cauchy([[0.0]], [[2.0]], scale=2.0)  # log(1.5)
    >>> round(float(out[0]), 6)
    0.405465

    References
    ----------
    Black & Anandan, "The robust estimation of multiple motions", CVIU 1996.

    See Also
    --------
    barron, geman_mcclure, welsch
    """
    return _cauchy(y_true, y_pred, xp, scale=scale)


def _cauchy(y_true: Any, y_pred: Any, xp: Any, *, scale: float = 1.0, plain_mean: bool = False) -> Any:
    """:func:`cauchy`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "cauchy")
    scale = check_real("cauchy", "scale", scale, 0.0, math.inf, open_low=True)
    return mean_of_terms(xp.log1p(0.5 * _scaled_square(y_true, y_pred, scale)), -1, xp, plain_mean)


def geman_mcclure(y_true: Any, y_pred: Any, *, scale: float = 1.0, xp: Any = None) -> Any:
    r"""Geman-McClure loss in Barron's scaling (:math:`\alpha = -2`): bounded by 2.

    .. math:: \ell = \frac{1}{d} \sum_i \frac{2 (e_i / c)^2}{(e_i / c)^2 + 4}

    The textbook form :math:`e^2 / (e^2 + \sigma^2)` is this loss halved with
    :math:`\sigma = 2c`; Barron's scaling makes it :math:`\tfrac12 (e / c)^2`
    near 0, like the other losses here.

    Parameters
    ----------
    y_true, y_pred : array of shape (batch, ..., d)
    scale : float, default 1.0
        :math:`c > 0`.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> geman_mcclure([[0.0, 0.0]], [[2.0, 2.0]])
    array([1.], dtype=float32)

    References
    ----------
    Geman & McClure, "Bayesian image analysis: an application to single photon
    emission tomography", Proc. American Statistical Association, 1985.

    See Also
    --------
    barron, cauchy, welsch
    """
    return _geman_mcclure(y_true, y_pred, xp, scale=scale)


def _geman_mcclure(y_true: Any, y_pred: Any, xp: Any, *, scale: float = 1.0, plain_mean: bool = False) -> Any:
    """:func:`geman_mcclure`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "geman_mcclure")
    scale = check_real("geman_mcclure", "scale", scale, 0.0, math.inf, open_low=True)
    z = _scaled_square(y_true, y_pred, scale)
    return mean_of_terms(2.0 * z / (z + 4.0), -1, xp, plain_mean)


def welsch(y_true: Any, y_pred: Any, *, scale: float = 1.0, xp: Any = None) -> Any:
    r"""Welsch (Leclerc) loss: a Gaussian well, Barron's :math:`\alpha = -\infty`; bounded by 1.

    .. math:: \ell = \frac{1}{d} \sum_i \left(1 - \exp\left(-\tfrac12 (e_i / c)^2\right)\right)

    Parameters
    ----------
    y_true, y_pred : array of shape (batch, ..., d)
    scale : float, default 1.0
        :math:`c > 0`.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> out = welsch([[0.0]], [[2.0]], scale=2.0)  # 1 - exp(-0.5)
    >>> round(float(out[0]), 6)
    0.393469

    References
    ----------
    Dennis & Welsch, "Techniques for nonlinear least squares and robust
    regression", Communications in Statistics - Simulation and Computation, 1978.

    See Also
    --------
    barron, cauchy, geman_mcclure
    """
    return _welsch(y_true, y_pred, xp, scale=scale)


def _welsch(y_true: Any, y_pred: Any, xp: Any, *, scale: float = 1.0, plain_mean: bool = False) -> Any:
    """:func:`welsch`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "welsch")
    scale = check_real("welsch", "scale", scale, 0.0, math.inf, open_low=True)
    return mean_of_terms(-_expm1(-0.5 * _scaled_square(y_true, y_pred, scale), xp), -1, xp, plain_mean)


def charbonnier(y_true: Any, y_pred: Any, *, epsilon: float = 1e-3, xp: Any = None) -> Any:
    r"""Charbonnier (pseudo-Huber) loss: a smooth L1, quadratic within ``epsilon`` of 0.

    .. math:: \ell = \frac{1}{d} \sum_i \left(\sqrt{e_i^2 + \varepsilon^2} - \varepsilon\right)
              = \frac{1}{d} \sum_i \frac{e_i^2}{\sqrt{e_i^2 + \varepsilon^2} + \varepsilon}

    The second form is used: it has no cancellation for small errors. The
    loss is :math:`\approx e^2 / (2\varepsilon)` near 0 and
    :math:`|e| - \varepsilon` far away (slope 1).

    ``pseudo_huber`` is an alias with the same arguments. The textbook
    pseudo-Huber loss with parameter :math:`\delta`,
    :math:`\delta^2(\sqrt{1 + (e/\delta)^2} - 1)`, equals
    ``delta * charbonnier(..., epsilon=delta)``: it has Huber's scaling
    (:math:`\tfrac12 e^2` near 0, slope :math:`\delta` far away), whereas
    ``charbonnier(..., epsilon=delta)`` is about ``huber(..., delta=delta) / delta``.
    Barron's :math:`\rho(e, 1, c)` is ``charbonnier(..., epsilon=c) / c``.

    Parameters
    ----------
    y_true, y_pred : array of shape (batch, ..., d)
    epsilon : float, default 1e-3
        :math:`\varepsilon > 0`, the width of the quadratic region.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> charbonnier([[0.0, 0.0]], [[3.0, 0.0]], epsilon=4.0)  # (sqrt(9 + 16) - 4) / 2
    array([0.5], dtype=float32)

    References
    ----------
    Charbonnier et al., "Two deterministic half-quadratic regularization
    algorithms for computed imaging", ICIP 1994.

    See Also
    --------
    barron, smooth_l1, huber
    """
    return _charbonnier(y_true, y_pred, xp, epsilon=epsilon)


def _charbonnier(y_true: Any, y_pred: Any, xp: Any, *, epsilon: float = 1e-3, plain_mean: bool = False) -> Any:
    """:func:`charbonnier`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "charbonnier")
    epsilon = check_real("charbonnier", "epsilon", epsilon, 0.0, math.inf, open_low=True)
    error = y_pred - y_true
    square = error * error
    return mean_of_terms(square / (xp.sqrt(square + epsilon * epsilon) + epsilon), -1, xp, plain_mean)


def smooth_l1(y_true: Any, y_pred: Any, *, beta: float = 1.0, xp: Any = None) -> Any:
    r"""Smooth L1 loss as ``torch.nn.functional.smooth_l1_loss`` defines it.

    .. math:: \ell = \frac{1}{d} \sum_i
              \begin{cases} \tfrac12 e_i^2 / \beta & |e_i| < \beta \\
              |e_i| - \tfrac12 \beta & \text{otherwise} \end{cases}

    ``beta = 0`` gives the mean absolute error. ``beta * smooth_l1(..., beta=beta)``
    is ``huber(..., delta=beta)``.

    Parameters
    ----------
    y_true, y_pred : array of shape (batch, ..., d)
    beta : float, default 1.0
        :math:`\beta \ge 0`, where the loss turns from quadratic to linear.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> smooth_l1([[0.0, 0.0]], [[0.5, 3.0]])
    array([1.3125], dtype=float32)

    See Also
    --------
    huber, charbonnier
    """
    return _smooth_l1(y_true, y_pred, xp, beta=beta)


def _smooth_l1(y_true: Any, y_pred: Any, xp: Any, *, beta: float = 1.0, plain_mean: bool = False) -> Any:
    """:func:`smooth_l1`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "smooth_l1")
    beta = check_real("smooth_l1", "beta", beta, 0.0, math.inf)
    if on_torch(xp):
        return torch_smooth_l1(y_true, y_pred, beta, plain_mean)
    abs_error = xp.abs(y_pred - y_true)
    if beta == 0.0:  # a Python float: torch's L1 special case, without dividing by 0
        return mean_of_terms(abs_error, -1, xp, plain_mean)
    quadratic = 0.5 * abs_error * abs_error / beta
    return mean_of_terms(xp.where(abs_error < beta, quadratic, abs_error - 0.5 * beta), -1, xp, plain_mean)


# ---------------------------------------------------------------- quantile losses


def _check_function(u: Any, tau: Any, xp: Any) -> Any:
    return xp.where(u >= 0, tau * u, (tau - 1.0) * u)


def pinball(y_true: Any, y_pred: Any, *, quantile: float = 0.5, xp: Any = None) -> Any:
    r"""Pinball (quantile) loss: its minimiser is the ``quantile``-quantile of ``y_true``.

    .. math:: \ell = \frac{1}{d} \sum_i \max\left(\tau u_i, (\tau - 1) u_i\right),
              \qquad u = y_\text{true} - y_\text{pred}

    Under-prediction (:math:`u > 0`) costs :math:`\tau` per unit,
    over-prediction :math:`1 - \tau`; this is scikit-learn's
    ``mean_pinball_loss(y_true, y_pred, alpha=quantile)`` (per sample).
    ``quantile = 0.5`` gives half the mean absolute error.

    Parameters
    ----------
    y_true, y_pred : array of shape (batch, ..., d)
    quantile : float, default 0.5
        :math:`\tau \in [0, 1]`.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> pinball([[0.0, 0.0]], [[-1.0, 1.0]], quantile=0.9)  # (0.9 * 1 + 0.1 * 1) / 2
    array([0.5], dtype=float32)

    References
    ----------
    Koenker & Bassett, "Regression Quantiles", Econometrica 1978.

    See Also
    --------
    multi_quantile, expectile
    """
    return _pinball(y_true, y_pred, xp, quantile=quantile)


def _pinball(y_true: Any, y_pred: Any, xp: Any, *, quantile: float = 0.5, plain_mean: bool = False) -> Any:
    """:func:`pinball`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "pinball")
    quantile = check_real("pinball", "quantile", quantile, 0.0, 1.0)
    return mean_of_terms(_check_function(y_true - y_pred, quantile, xp), -1, xp, plain_mean)


def multi_quantile(y_true: Any, y_pred: Any, *, quantiles: Any = (0.1, 0.5, 0.9), xp: Any = None) -> Any:
    r"""Pinball loss of several quantile predictions of one target, averaged over the quantiles.

    .. math:: \ell = \frac{1}{K} \sum_{k=1}^{K} \max\left(\tau_k u_k, (\tau_k - 1) u_k\right),
              \qquad u_k = y_\text{true} - y_{\text{pred},k}

    Column :math:`k` of ``y_pred`` predicts quantile :math:`\tau_k`
    (conventions as in :func:`pinball`).

    Parameters
    ----------
    y_true : array of shape (batch, ..., 1) or (batch, ...)
        One target per sample.
    y_pred : array of shape (batch, ..., K)
        One prediction per quantile.
    quantiles : sequence of float, default (0.1, 0.5, 0.9)
        The :math:`K` quantiles, each in [0, 1].
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> multi_quantile([[0.0]], [[-1.0, 0.0, 1.0]])  # (0.1 * 1 + 0 + 0.1 * 1) / 3
    array([0.06666667], dtype=float32)

    See Also
    --------
    pinball
    """
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    taus = _check_quantiles(quantiles)
    if y_pred.ndim == 0 or y_pred.shape[-1] != len(taus):
        msg = (
            f"multi_quantile: y_pred must hold one column per quantile, shape (batch, ..., {len(taus)}) for "
            f"quantiles={taus}; got y_pred of shape {tuple(y_pred.shape)}"
        )
        raise ValueError(msg)
    leading = tuple(y_pred.shape[:-1])
    if tuple(y_true.shape) == leading:
        y_true = xp.expand_dims(y_true, axis=-1)
    elif tuple(y_true.shape) != (*leading, 1):
        msg = (
            f"multi_quantile: y_true must hold one target per sample, shape {(*leading, 1)} or {leading} for "
            f"y_pred of shape {tuple(y_pred.shape)}; got y_true of shape {tuple(y_true.shape)}"
        )
        raise ValueError(msg)
    check_finite("multi_quantile", y_true=y_true, y_pred=y_pred)
    y_true = cast_like(y_true, y_pred, xp)
    tau = xp.asarray(taus, dtype=y_pred.dtype, device=device(y_pred))
    return xp.mean(_check_function(y_true - y_pred, tau, xp), axis=-1)


def expectile(y_true: Any, y_pred: Any, *, expectile: float = 0.5, xp: Any = None) -> Any:
    r"""Expectile loss: an asymmetric squared error whose minimiser is the ``expectile`` of ``y_true``.

    .. math:: \ell = \frac{1}{d} \sum_i |\tau - \mathbb{1}(u_i < 0)|\, u_i^2,
              \qquad u = y_\text{true} - y_\text{pred}

    The residual convention is :func:`pinball`'s (Newey & Powell's): an
    under-prediction (:math:`u > 0`, i.e. :math:`e < 0`) is weighted
    :math:`\tau`, an over-prediction :math:`1 - \tau`; so :math:`\tau > 0.5`
    pushes predictions up, towards the upper tail. ``expectile = 0.5`` gives
    half the mean squared error.

    Parameters
    ----------
    y_true, y_pred : array of shape (batch, ..., d)
    expectile : float, default 0.5
        :math:`\tau \in [0, 1]`.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> expectile([[0.0, 0.0]], [[-1.0, 1.0]], expectile=0.9)  # (0.9 * 1 + 0.1 * 1) / 2
    array([0.5], dtype=float32)

    References
    ----------
    Newey & Powell, "Asymmetric Least Squares Estimation and Testing",
    Econometrica 1987.

    See Also
    --------
    pinball, mean_squared_error
    """
    return _expectile(y_true, y_pred, xp, expectile=expectile)


def _expectile(y_true: Any, y_pred: Any, xp: Any, *, expectile: float = 0.5, plain_mean: bool = False) -> Any:
    """:func:`expectile`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "expectile")
    tau = check_real("expectile", "expectile", expectile, 0.0, 1.0)
    u = y_true - y_pred
    weight = xp.where(u >= 0, xp.full_like(u, tau), xp.full_like(u, 1.0 - tau))
    return mean_of_terms(weight * u * u, -1, xp, plain_mean)


_expectile_function = expectile  # the ``expectile`` argument of ``Expectile`` hides the function's name


# ---------------------------------------------------------------- classes


class Barron(LossFunctionWrapper):
    """Class form of :func:`barron` (``alpha``, ``scale``); other arguments as in :class:`~losslab.Loss`.

    Configs serialise when ``alpha`` and ``scale`` are floats.
    """

    def __init__(
        self,
        alpha: Any = 1.0,
        scale: Any = 1.0,
        reduction: Any = _DEFAULT,
        name: str = "barron",
        dtype: Any = None,
        multioutput: Any = "uniform_average",
    ) -> None:
        super().__init__(
            barron, reduction=reduction, name=name, dtype=dtype, multioutput=multioutput, alpha=alpha, scale=scale
        )


class BarronNLL(LossFunctionWrapper):
    """Class form of :func:`barron_nll` (``alpha``, ``scale``); other arguments as in :class:`~losslab.Loss`.

    Configs serialise when ``alpha`` and ``scale`` are floats.
    """

    def __init__(
        self,
        alpha: Any = 1.0,
        scale: Any = 1.0,
        reduction: Any = _DEFAULT,
        name: str = "barron_nll",
        dtype: Any = None,
        multioutput: Any = "uniform_average",
    ) -> None:
        super().__init__(
            barron_nll,
            reduction=reduction,
            name=name,
            dtype=dtype,
            multioutput=multioutput,
            alpha=alpha,
            scale=scale,
        )


class Cauchy(LossFunctionWrapper):
    """Class form of :func:`cauchy` (``scale``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        scale: float = 1.0,
        reduction: Any = _DEFAULT,
        name: str = "cauchy",
        dtype: Any = None,
        multioutput: Any = "uniform_average",
    ) -> None:
        super().__init__(cauchy, reduction=reduction, name=name, dtype=dtype, multioutput=multioutput, scale=scale)


class GemanMcClure(LossFunctionWrapper):
    """Class form of :func:`geman_mcclure` (``scale``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        scale: float = 1.0,
        reduction: Any = _DEFAULT,
        name: str = "geman_mcclure",
        dtype: Any = None,
        multioutput: Any = "uniform_average",
    ) -> None:
        super().__init__(
            geman_mcclure, reduction=reduction, name=name, dtype=dtype, multioutput=multioutput, scale=scale
        )


class Welsch(LossFunctionWrapper):
    """Class form of :func:`welsch` (``scale``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        scale: float = 1.0,
        reduction: Any = _DEFAULT,
        name: str = "welsch",
        dtype: Any = None,
        multioutput: Any = "uniform_average",
    ) -> None:
        super().__init__(welsch, reduction=reduction, name=name, dtype=dtype, multioutput=multioutput, scale=scale)


class Charbonnier(LossFunctionWrapper):
    """Class form of :func:`charbonnier` (``epsilon``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        epsilon: float = 1e-3,
        reduction: Any = _DEFAULT,
        name: str = "charbonnier",
        dtype: Any = None,
        multioutput: Any = "uniform_average",
    ) -> None:
        super().__init__(
            charbonnier, reduction=reduction, name=name, dtype=dtype, multioutput=multioutput, epsilon=epsilon
        )


class SmoothL1(LossFunctionWrapper):
    """Class form of :func:`smooth_l1` (``beta``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        beta: float = 1.0,
        reduction: Any = _DEFAULT,
        name: str = "smooth_l1",
        dtype: Any = None,
        multioutput: Any = "uniform_average",
    ) -> None:
        super().__init__(smooth_l1, reduction=reduction, name=name, dtype=dtype, multioutput=multioutput, beta=beta)


class Pinball(LossFunctionWrapper):
    """Class form of :func:`pinball` (``quantile``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        quantile: float = 0.5,
        reduction: Any = _DEFAULT,
        name: str = "pinball",
        dtype: Any = None,
        multioutput: Any = "uniform_average",
    ) -> None:
        super().__init__(
            pinball, reduction=reduction, name=name, dtype=dtype, multioutput=multioutput, quantile=quantile
        )


class MultiQuantile(LossFunctionWrapper):
    """Class form of :func:`multi_quantile` (``quantiles``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        quantiles: Any = (0.1, 0.5, 0.9),
        reduction: Any = _DEFAULT,
        name: str = "multi_quantile",
        dtype: Any = None,
    ) -> None:
        super().__init__(multi_quantile, reduction=reduction, name=name, dtype=dtype, quantiles=quantiles)


class Expectile(LossFunctionWrapper):
    """Class form of :func:`expectile` (``expectile``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        expectile: float = 0.5,
        reduction: Any = _DEFAULT,
        name: str = "expectile",
        dtype: Any = None,
        multioutput: Any = "uniform_average",
    ) -> None:
        super().__init__(
            _expectile_function,
            reduction=reduction,
            name=name,
            dtype=dtype,
            multioutput=multioutput,
            expectile=expectile,
        )
