r"""Likelihood and deviance losses for counts and positive targets: Poisson, Gamma, Tweedie, Gaussian.

``poisson_nll`` and ``gaussian_nll`` follow ``torch.nn.functional``'s
``poisson_nll_loss`` and ``gaussian_nll_loss``; the deviances are the unit
deviances of scikit-learn's ``mean_tweedie_deviance`` (and its Poisson and
Gamma special cases), written as differentiable losses. Each function returns
per-sample losses, the mean over the last axis as in Keras. Targets of 0 give
finite values and gradients wherever the distribution allows them (Poisson,
Tweedie with ``power < 2``). Keras's :func:`~losslab.poisson` (with
:math:`\epsilon = 10^{-7}` inside the log) is a different loss and lives in
the probabilistic family.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

from losslab._backend import as_array, as_arrays, cast_like, to_numpy
from losslab._checks import check_finite, check_range, checks_apply
from losslab.losses._fast import on_torch, torch_poisson_nll
from losslab.losses._loss import LossFunctionWrapper
from losslab.losses._ops import check_real, mean_of_terms, prepare_pair

_DEFAULT = "sum_over_batch_size"
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


# ---------------------------------------------------------------- validation


def _check_power(power: Any, loss_name: str) -> float:
    if isinstance(power, bool) or not isinstance(power, Real) or not math.isfinite(power):
        msg = f"{loss_name}: power must be a finite real number; got power={power!r}"
        raise ValueError(msg)
    power = float(power)
    if 0 < power < 1:
        msg = (
            f"{loss_name}: power must be <= 0 or >= 1 (no Tweedie distribution has 0 < power < 1, "
            f"as in scikit-learn); got power={power!r}"
        )
        raise ValueError(msg)
    return power


def _check_positive(loss_name: str, name: str, array: Any, hint: str) -> None:
    """Raise if ``array`` has values <= 0 (when value checks are on; never under ``jax.jit`` or ``torch.compile``)."""
    if not checks_apply(array):
        return
    values = to_numpy(array)
    if values.size and values.min() <= 0:
        msg = f"{loss_name}: {name} must be > 0; got values from {values.min():g} to {values.max():g}. {hint}"
        raise ValueError(msg)


_RATE_HINT = "Predicted means are positive: use an exp or softplus output."


def _check_tweedie_domain(loss_name: str, power: float, y_true: Any, y_pred: Any) -> None:
    """scikit-learn's domain of the Tweedie deviance (opt-in value checks)."""
    if power == 0:
        return
    _check_positive(loss_name, "y_pred", y_pred, _RATE_HINT)
    if 1 <= power < 2:
        check_range(loss_name, "y_true", y_true, 0.0, math.inf, "Targets of this deviance are non-negative.")
    elif power >= 2:
        _check_positive(loss_name, "y_true", y_true, "Targets of this deviance are strictly positive.")


# ---------------------------------------------------------------- unit deviances


def _squared_error(y: Any, mu: Any, xp: Any) -> Any:
    return (y - mu) * (y - mu)


def _poisson_unit_deviance(y: Any, mu: Any, xp: Any) -> Any:
    # y log(y / mu) -> 0 as y -> 0: a safe argument keeps the value and the gradient finite at y = 0.
    y_safe = xp.where(y > 0, y, xp.ones_like(y))
    return 2.0 * (y * xp.log(y_safe / mu) - y + mu)


def _gamma_unit_deviance(y: Any, mu: Any, xp: Any) -> Any:
    return 2.0 * (xp.log(mu / y) + y / mu - 1.0)


def _tweedie_unit_deviance(y: Any, mu: Any, power: float, xp: Any) -> Any:
    if power == 0:
        return _squared_error(y, mu, xp)
    if power == 1:
        return _poisson_unit_deviance(y, mu, xp)
    if power == 2:
        return _gamma_unit_deviance(y, mu, xp)
    # max(y, 0) ** (2 - p) with a safe base, so that y = 0 gives 0 and a finite gradient for any p.
    positive = y > 0
    y_safe = xp.where(positive, y, xp.ones_like(y))
    y_term = xp.where(positive, y_safe ** (2.0 - power), xp.zeros_like(y))
    return 2.0 * (
        y_term / ((1.0 - power) * (2.0 - power))
        - y * mu ** (1.0 - power) / (1.0 - power)
        + mu ** (2.0 - power) / (2.0 - power)
    )


# ---------------------------------------------------------------- functions


def poisson_nll(
    y_true: Any,
    y_pred: Any,
    *,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    xp: Any = None,
) -> Any:
    r"""Poisson negative log-likelihood, as ``torch.nn.functional.poisson_nll_loss``.

    .. math:: \ell = \frac{1}{d}\sum_i \begin{cases}
              e^{x_i} - y_i x_i & \text{log\_input} \\
              x_i - y_i \log(x_i + \epsilon) & \text{otherwise}
              \end{cases}
              \;+\; [y_i > 1]\left(y_i \log y_i - y_i + \tfrac12 \log(2\pi y_i)\right)

    with :math:`x = y_\text{pred}`, :math:`y = y_\text{true}`; the last term
    (Stirling's approximation of :math:`\log y!`) is added only when
    ``full=True``, and only for targets above 1, as torch does.
    ``exp(x)`` is computed as is, like torch: the value is finite up to
    :math:`x \approx 88.7` in float32 and :math:`x \approx 709.8` in float64,
    beyond which the loss itself exceeds the dtype's range and is ``inf``.

    Parameters
    ----------
    y_true : array of shape (batch, ..., d)
        Observed counts, >= 0.
    y_pred : array of shape (batch, ..., d)
        Log-rates when ``log_input=True``, else rates >= 0.
    log_input : bool, default True
        Whether ``y_pred`` holds log-rates.
    full : bool, default False
        Whether to add the Stirling term.
    eps : float, default 1e-8
        Added to the rate inside the log when ``log_input=False``; > 0.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> out = poisson_nll([[1.0, 0.0]], [[0.0, 1.0]])
    >>> round(float(out[0]), 6)
    1.859141
    >>> out = poisson_nll([[2.0]], [[0.0]], full=True)
    >>> round(float(out[0]), 6)
    1.651806

    References
    ----------
    PyTorch, ``torch.nn.PoissonNLLLoss``.

    See Also
    --------
    poisson_deviance, losslab.poisson
    """
    return _poisson_nll(y_true, y_pred, xp, log_input=log_input, full=full, eps=eps)


def _poisson_nll(
    y_true: Any,
    y_pred: Any,
    xp: Any,
    *,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    plain_mean: bool = False,
) -> Any:
    """:func:`poisson_nll`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    eps = check_real("poisson_nll", "eps", eps, 0.0, open_low=True)
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "poisson_nll")
    if not log_input:
        check_range("poisson_nll", "y_pred", y_pred, 0.0, math.inf, "With log_input=False, y_pred holds rates >= 0.")
    if on_torch(xp) and not full:  # torch's full=True term has NaN gradients at y = 0
        return torch_poisson_nll(y_true, y_pred, bool(log_input), eps, plain_mean)
    if log_input:
        loss = xp.exp(y_pred) - y_true * y_pred
    else:
        loss = y_pred - y_true * xp.log(y_pred + eps)
    if full:
        above_one = y_true > 1
        y_safe = xp.where(above_one, y_true, xp.ones_like(y_true))
        stirling = y_safe * xp.log(y_safe) - y_safe + 0.5 * xp.log((2.0 * math.pi) * y_safe)
        loss = loss + xp.where(above_one, stirling, xp.zeros_like(stirling))
    return mean_of_terms(loss, -1, xp, plain_mean)


def poisson_deviance(y_true: Any, y_pred: Any, *, xp: Any = None) -> Any:
    r"""Poisson unit deviance, averaged over the last axis.

    .. math:: \ell = \frac{1}{d}\sum_i 2\left(y_i \log\frac{y_i}{\mu_i} - y_i + \mu_i\right)

    with :math:`\mu = y_\text{pred}` and :math:`0 \log 0 = 0`, as in
    scikit-learn's ``mean_poisson_deviance``; a target of 0 gives
    :math:`2\mu` with a finite gradient.

    Parameters
    ----------
    y_true : array of shape (batch, ..., d)
        Targets, >= 0.
    y_pred : array of shape (batch, ..., d)
        Predicted means, > 0.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> out = poisson_deviance([[1.0, 0.0]], [[2.0, 1.0]])
    >>> round(float(out[0]), 6)
    1.306853

    References
    ----------
    Jørgensen, "The Theory of Dispersion Models", Chapman & Hall, 1997.

    See Also
    --------
    tweedie_deviance, gamma_deviance, poisson_nll
    """
    return _poisson_deviance(y_true, y_pred, xp)


def _poisson_deviance(y_true: Any, y_pred: Any, xp: Any, *, plain_mean: bool = False) -> Any:
    """:func:`poisson_deviance`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "poisson_deviance")
    _check_tweedie_domain("poisson_deviance", 1.0, y_true, y_pred)
    return mean_of_terms(_poisson_unit_deviance(y_true, y_pred, xp), -1, xp, plain_mean)


def gamma_deviance(y_true: Any, y_pred: Any, *, xp: Any = None) -> Any:
    r"""Gamma unit deviance, averaged over the last axis.

    .. math:: \ell = \frac{1}{d}\sum_i 2\left(\log\frac{\mu_i}{y_i} + \frac{y_i}{\mu_i} - 1\right)

    with :math:`\mu = y_\text{pred}`, as in scikit-learn's
    ``mean_gamma_deviance``. Both targets and predictions must be > 0: the
    deviance is infinite at :math:`y = 0`.

    Parameters
    ----------
    y_true : array of shape (batch, ..., d)
        Targets, > 0.
    y_pred : array of shape (batch, ..., d)
        Predicted means, > 0.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> out = gamma_deviance([[1.0]], [[2.0]])
    >>> round(float(out[0]), 6)
    0.386294

    References
    ----------
    Jørgensen, "The Theory of Dispersion Models", Chapman & Hall, 1997.

    See Also
    --------
    tweedie_deviance, poisson_deviance
    """
    return _gamma_deviance(y_true, y_pred, xp)


def _gamma_deviance(y_true: Any, y_pred: Any, xp: Any, *, plain_mean: bool = False) -> Any:
    """:func:`gamma_deviance`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "gamma_deviance")
    _check_tweedie_domain("gamma_deviance", 2.0, y_true, y_pred)
    return mean_of_terms(_gamma_unit_deviance(y_true, y_pred, xp), -1, xp, plain_mean)


def tweedie_deviance(y_true: Any, y_pred: Any, *, power: float = 1.5, xp: Any = None) -> Any:
    r"""Tweedie unit deviance of power ``power``, averaged over the last axis.

    .. math:: \ell = \frac{1}{d}\sum_i 2\left(\frac{\max(y_i, 0)^{2-p}}{(1-p)(2-p)}
              - \frac{y_i\,\mu_i^{1-p}}{1-p} + \frac{\mu_i^{2-p}}{2-p}\right)

    with :math:`\mu = y_\text{pred}`, as in scikit-learn's
    ``mean_tweedie_deviance``. The limits are used at :math:`p = 0` (squared
    error :math:`(y - \mu)^2`), :math:`p = 1` (:func:`poisson_deviance`) and
    :math:`p = 2` (:func:`gamma_deviance`); :math:`1 < p < 2` is the compound
    Poisson-Gamma distribution, where targets of 0 give finite values and
    gradients.

    Parameters
    ----------
    y_true : array of shape (batch, ..., d)
        Targets: any real for ``power <= 0``, >= 0 for ``1 <= power < 2``,
        > 0 for ``power >= 2``.
    y_pred : array of shape (batch, ..., d)
        Predicted means, > 0 (any real for ``power = 0``).
    power : float, default 1.5
        The Tweedie power: <= 0 or >= 1.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> tweedie_deviance([[1.0, 0.0]], [[1.0, 1.0]], power=1.5)
    array([2.], dtype=float32)

    References
    ----------
    Jørgensen, "Exponential dispersion models", J. R. Stat. Soc. B 49, 1987.

    See Also
    --------
    poisson_deviance, gamma_deviance, losslab.mean_squared_error
    """
    return _tweedie_deviance(y_true, y_pred, xp, power=power)


def _tweedie_deviance(y_true: Any, y_pred: Any, xp: Any, *, power: float = 1.5, plain_mean: bool = False) -> Any:
    """:func:`tweedie_deviance`; ``plain_mean`` gives the mean over every value (see ``_fast``)."""
    power = _check_power(power, "tweedie_deviance")
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "tweedie_deviance")
    _check_tweedie_domain("tweedie_deviance", power, y_true, y_pred)
    return mean_of_terms(_tweedie_unit_deviance(y_true, y_pred, power, xp), -1, xp, plain_mean)


def _clamp_straight_through(var: Any, eps: float, xp: Any) -> Any:
    """``max(var, eps)`` in value, with the gradient of ``var`` (torch's clamp under ``no_grad``).

    torch clamps a clone of ``var`` in place under ``no_grad``, so the
    gradient reaches ``var`` unchanged even where it was clamped. The Array API
    has no ``stop_gradient``, but ``floor`` has a zero gradient everywhere: for
    ``|var| <= eps``, ``floor(var * 2**k) / 2**k`` is a copy of ``var``
    without a gradient, exact down to ``2**-k`` (about ``1e-308`` in float64,
    ``1e-38`` in float32, far below the rounding of ``eps``). Then
    ``(var - copy) + eps`` is ``eps`` with a gradient of 1. One power of two
    multiplies and divides: XLA folds chains of constant factors, which
    would overflow. float16, whose range is too small for the copy, is
    clamped in float32. Negative variances below ``-eps`` (torch raises on
    any negative variance) give ``eps`` and no gradient.
    """
    finfo_max = float(xp.finfo(var.dtype).max)
    if finfo_max < 2.0**64:  # float16
        return xp.astype(_clamp_straight_through(xp.astype(var, xp.float32), eps, xp), var.dtype)
    _, max_exponent = math.frexp(finfo_max)  # finfo_max < 2**max_exponent
    exponent = max(0, min(max_exponent - 2, math.floor(max_exponent - 3 - math.log2(eps))))  # eps * 2**k <= max / 4
    scale = 2.0**exponent
    copy = xp.floor(xp.clip(var, -eps, eps) * scale) / scale
    eps_array = xp.full_like(var, eps)
    clamped = xp.where(var >= -eps, (var - copy) + eps, eps_array)
    return xp.where(var >= eps, var, clamped)


def _check_var_shape(
    var_shape: tuple[int, ...], pred_shape: tuple[int, ...], loss_name: str, pred_name: str = "y_pred"
) -> bool:
    """torch's rule for ``var``; returns whether ``var`` needs a trailing axis."""
    if var_shape == pred_shape:
        return False
    if var_shape == pred_shape[:-1]:
        return True
    mismatched = [j for j, (p, v) in enumerate(zip(pred_shape, var_shape, strict=False)) if p != v]
    if len(var_shape) == len(pred_shape) and len(mismatched) == 1 and var_shape[mismatched[0]] == 1:
        return False
    msg = (
        f"{loss_name}: var must have {pred_name}'s shape {pred_shape} (one variance per entry), that shape without "
        f"its last axis {pred_shape[:-1]}, or {pred_name}'s shape with one axis of size 1 (a variance shared along "
        f"that axis), or be a float; got var of shape {var_shape}"
    )
    raise ValueError(msg)


def gaussian_nll(
    y_true: Any,
    y_pred: Any,
    *,
    var: Any,
    full: bool = False,
    eps: float = 1e-6,
    xp: Any = None,
) -> Any:
    r"""Gaussian negative log-likelihood, as ``torch.nn.functional.gaussian_nll_loss``.

    .. math:: \ell = \frac{1}{d}\sum_i \frac12\left(\log v_i + \frac{(y_i - \mu_i)^2}{v_i}\right)
              \;\left(+ \tfrac12 \log 2\pi \text{ if full}\right),
              \quad v = \max(\text{var}, \epsilon)

    with :math:`\mu = y_\text{pred}`. As in torch, the clamp at
    :math:`\epsilon` passes the gradient through unchanged: where the variance
    was clamped its gradient is the loss's derivative at :math:`\epsilon`.

    Parameters
    ----------
    y_true : array of shape (batch, ..., d)
        Targets.
    y_pred : array of shape (batch, ..., d)
        Predicted means.
    var : float or array
        Variances, >= 0: a float for all entries, or an array of ``y_pred``'s
        shape (heteroscedastic), of ``(batch, ...)`` or ``y_pred``'s shape with
        one axis of size 1 (homoscedastic along that axis), as torch accepts.
    full : bool, default False
        Whether to add the constant :math:`\tfrac12\log 2\pi`.
    eps : float, default 1e-6
        Lower clamp of the variance; > 0.
    xp : namespace, optional

    Returns
    -------
    array of shape (batch, ...)

    Examples
    --------
    >>> gaussian_nll([[0.0, 2.0]], [[0.0, 0.0]], var=1.0)
    array([1.], dtype=float32)

    References
    ----------
    Nix & Weigend, "Estimating the mean and variance of the target probability
    distribution", ICNN 1994.

    See Also
    --------
    GaussianNLL, losslab.mean_squared_error
    """
    eps = check_real("gaussian_nll", "eps", eps, 0.0, open_low=True)
    xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, "gaussian_nll")
    if isinstance(var, Real) and not isinstance(var, bool):
        if not float(var) >= 0:
            msg = f"gaussian_nll: var must be >= 0; got var={var!r}"
            raise ValueError(msg)
        var = xp.full_like(y_pred, float(var))
    else:
        var = cast_like(as_array(var, xp, like=y_pred, name="var"), y_pred, xp)
        check_finite("gaussian_nll", var=var)
        check_range("gaussian_nll", "var", var, 0.0, math.inf, "Variances are non-negative: use a softplus output.")
        if _check_var_shape(tuple(var.shape), tuple(y_pred.shape), "gaussian_nll"):
            var = xp.expand_dims(var, axis=-1)
    var = _clamp_straight_through(var, eps, xp)
    error = y_true - y_pred
    loss = 0.5 * (xp.log(var) + error * error / var)
    if full:
        loss = loss + _HALF_LOG_2PI
    return xp.mean(loss, axis=-1)


def _gaussian_nll_packed(y_true: Any, y_pred: Any, *, full: bool = False, eps: float = 1e-6, xp: Any = None) -> Any:
    """:func:`gaussian_nll` with ``y_pred[..., 0]`` the mean and ``y_pred[..., 1]`` the variance.

    ``y_true`` has shape ``y_pred.shape[:-1]`` or that shape plus a trailing
    axis of 1. Per-sample losses average over the axis before the pair axis;
    ``y_pred`` of shape ``(batch, 2)`` (one target per sample) gives one loss
    per sample.
    """
    eps = check_real("gaussian_nll", "eps", eps, 0.0, open_low=True)
    xp, y_true, y_pred = as_arrays(y_true, y_pred, xp=xp)
    pred_shape = tuple(y_pred.shape)
    if not pred_shape or pred_shape[-1] != 2:
        msg = (
            "GaussianNLL: y_pred must end with an axis of size 2 holding (mean, variance); got y_pred of "
            f"shape {pred_shape}. Use gaussian_nll(y_true, y_pred, var=...) for separate variances."
        )
        raise ValueError(msg)
    true_shape = tuple(y_true.shape)
    if true_shape not in (pred_shape[:-1], (*pred_shape[:-1], 1)):
        msg = (
            f"GaussianNLL: y_true must have shape {pred_shape[:-1]} or {(*pred_shape[:-1], 1)} for y_pred "
            f"of shape {pred_shape} (the last axis holds mean and variance); got y_true of shape {true_shape}"
        )
        raise ValueError(msg)
    if len(pred_shape) <= 2:  # one target per sample: keep a trailing axis of 1 to average over
        mean, var = y_pred[..., 0:1], y_pred[..., 1:2]
        y_true = y_true if true_shape == (*pred_shape[:-1], 1) else xp.expand_dims(y_true, axis=-1)
    else:
        mean, var = y_pred[..., 0], y_pred[..., 1]
        y_true = y_true if true_shape == pred_shape[:-1] else xp.squeeze(y_true, axis=-1)
    return gaussian_nll(y_true, mean, var=var, full=full, eps=eps, xp=xp)


# ---------------------------------------------------------------- classes


class PoissonNLL(LossFunctionWrapper):
    """Class form of :func:`poisson_nll` (``log_input``, ``full``, ``eps``); others as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        log_input: bool = True,
        full: bool = False,
        eps: float = 1e-8,
        reduction: Any = _DEFAULT,
        name: str = "poisson_nll",
        dtype: Any = None,
        multioutput: Any = "uniform_average",
    ) -> None:
        check_real("PoissonNLL", "eps", eps, 0.0, open_low=True)
        super().__init__(
            poisson_nll,
            reduction=reduction,
            name=name,
            dtype=dtype,
            multioutput=multioutput,
            log_input=log_input,
            full=full,
            eps=eps,
        )


class PoissonDeviance(LossFunctionWrapper):
    """Class form of :func:`poisson_deviance`; arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        reduction: Any = _DEFAULT,
        name: str = "poisson_deviance",
        dtype: Any = None,
        multioutput: Any = "uniform_average",
    ) -> None:
        super().__init__(poisson_deviance, reduction=reduction, name=name, dtype=dtype, multioutput=multioutput)


class GammaDeviance(LossFunctionWrapper):
    """Class form of :func:`gamma_deviance`; arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        reduction: Any = _DEFAULT,
        name: str = "gamma_deviance",
        dtype: Any = None,
        multioutput: Any = "uniform_average",
    ) -> None:
        super().__init__(gamma_deviance, reduction=reduction, name=name, dtype=dtype, multioutput=multioutput)


class TweedieDeviance(LossFunctionWrapper):
    """Class form of :func:`tweedie_deviance` (``power``); other arguments as in :class:`~losslab.Loss`."""

    def __init__(
        self,
        power: float = 1.5,
        reduction: Any = _DEFAULT,
        name: str = "tweedie_deviance",
        dtype: Any = None,
        multioutput: Any = "uniform_average",
    ) -> None:
        power = _check_power(power, "TweedieDeviance")
        super().__init__(
            tweedie_deviance, reduction=reduction, name=name, dtype=dtype, multioutput=multioutput, power=power
        )


class GaussianNLL(LossFunctionWrapper):
    r"""Gaussian negative log-likelihood of a model that predicts a mean and a variance.

    ``y_pred[..., 0]`` holds the means and ``y_pred[..., 1]`` the variances;
    ``y_true`` has shape ``y_pred.shape[:-1]`` (or with a trailing axis of 1).
    Per-sample losses are :func:`gaussian_nll` on those, averaged over the
    axis before the pair axis; ``y_pred`` of shape ``(batch, 2)`` gives one
    loss per sample. ``full`` and ``eps`` as in :func:`gaussian_nll`; other
    arguments as in :class:`~losslab.Loss`.

    Examples
    --------
    >>> loss = GaussianNLL(reduction="none")
    >>> out = loss([[0.0], [3.0]], [[0.0, 1.0], [1.0, 4.0]])
    >>> [round(float(v), 6) for v in out]
    [0.0, 1.193147]
    """

    def __init__(
        self,
        full: bool = False,
        eps: float = 1e-6,
        reduction: Any = _DEFAULT,
        name: str = "gaussian_nll",
        dtype: Any = None,
    ) -> None:
        check_real("GaussianNLL", "eps", eps, 0.0, open_low=True)
        super().__init__(_gaussian_nll_packed, reduction=reduction, name=name, dtype=dtype, full=full, eps=eps)
