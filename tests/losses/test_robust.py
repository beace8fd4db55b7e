"""Robust and quantile losses against closed forms, torch, optax, scikit-learn, scipy and mpmath.

Oracles: Barron's closed forms (CVPR 2019, eqs. 3-8) written out below, the
paper's general formula in float64 (away from alpha in {0, 2}) and in 50-digit
mpmath (near them), ``torch.nn.functional.smooth_l1_loss`` / ``huber_loss``,
``optax.losses.huber_loss`` and ``l2_loss``, scikit-learn's
``mean_pinball_loss`` and ``scipy.stats.expectile``. Gradients are checked with
torch autograd and ``jax.grad`` against central finite differences of the
NumPy float64 backend.
"""

from __future__ import annotations

import functools
import json
import math

import numpy as np
import pytest

from losslab._backend import to_numpy
from losslab.losses._registry import deserialize, get, serialize
from losslab.losses._regression import huber, mean_absolute_error, mean_squared_error
from losslab.losses._robust import (
    Barron,
    BarronNLL,
    Cauchy,
    Charbonnier,
    Expectile,
    GemanMcClure,
    MultiQuantile,
    Pinball,
    SmoothL1,
    Welsch,
    barron,
    barron_nll,
    cauchy,
    charbonnier,
    expectile,
    geman_mcclure,
    multi_quantile,
    pinball,
    smooth_l1,
    welsch,
)
from losslab.testing import Backend, assert_close

RTOL = {"float32": 1e-5, "float64": 1e-10}
GRAD_BACKENDS = [Backend.TORCH, Backend.JAX]

# Barron's closed forms of rho(x, alpha) at the special shapes (x = e / c), as the paper writes them.
BARRON_CLOSED_FORMS = {
    2.0: lambda x: 0.5 * x**2,  # L2
    1.0: lambda x: np.sqrt(x**2 + 1.0) - 1.0,  # Charbonnier / pseudo-Huber
    0.0: lambda x: np.log(0.5 * x**2 + 1.0),  # Cauchy / Lorentzian
    -2.0: lambda x: 2.0 * x**2 / (x**2 + 4.0),  # Geman-McClure, Barron's scaling
    -math.inf: lambda x: 1.0 - np.exp(-0.5 * x**2),  # Welsch / Leclerc
}


def barron_formula(x: np.ndarray, alpha: float) -> np.ndarray:
    """The paper's general rho in float64; accurate away from alpha in {0, 2}."""
    b = abs(alpha - 2.0)
    return b / alpha * ((x**2 / b + 1.0) ** (alpha / 2.0) - 1.0)


def inputs(dtype: str, shape: tuple[int, ...] = (4, 3), seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(y_true, y_pred)`` in ``dtype`` with |error| in [0.05, 5] (no cancellation in the references)."""
    rng = np.random.default_rng(seed)
    y_true = rng.normal(size=shape)
    error = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.05, 5.0, size=shape)
    return y_true.astype(dtype), (y_true + error).astype(dtype)


def as_xp(xp, *arrays):
    return tuple(xp.asarray(a) for a in arrays)


def error_of(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """The residual of the (possibly float32) inputs, in float64."""
    return y_pred.astype("float64") - y_true.astype("float64")


# ---------------------------------------------------------------- values: Barron


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("alpha", [2.0, 1.0, 0.0, -2.0, -math.inf, 0.5, -0.7, 3.0], ids=str)
def test_barron_matches_closed_forms(xp, alpha, dtype):
    y_true, y_pred = inputs(dtype)
    c = 1.7
    x = error_of(y_true, y_pred) / c
    rho = BARRON_CLOSED_FORMS[alpha](x) if alpha in BARRON_CLOSED_FORMS else barron_formula(x, alpha)
    actual = barron(*as_xp(xp, y_true, y_pred), alpha=alpha, scale=c)
    assert actual.dtype == getattr(xp, dtype)
    assert_close(actual, rho.mean(axis=-1), rtol=RTOL[dtype], xp=xp)


def test_barron_positive_infinity_and_extreme_shapes():
    y_true, y_pred = inputs("float64")
    x = error_of(y_true, y_pred) / 2.0
    assert_close(barron(y_true, y_pred, alpha=math.inf, scale=2.0), (np.exp(0.5 * x**2) - 1.0).mean(axis=-1))
    # alpha -> -inf approaches Welsch, alpha = 2 + 1e6 is the paper's formula (no special case).
    assert_close(barron(y_true, y_pred, alpha=-1e9, scale=2.0), BARRON_CLOSED_FORMS[-math.inf](x).mean(-1), rtol=1e-7)
    assert_close(barron(y_true, y_pred, alpha=-30.0, scale=2.0), barron_formula(x, -30.0).mean(-1), rtol=1e-12)


def test_barron_identities_with_the_robust_family(xp):
    """The paper's special cases, through the other functions of the module (float64)."""
    y_true, y_pred = as_xp(xp, *inputs("float64"))
    c = 0.8
    assert_close(barron(y_true, y_pred, alpha=0.0, scale=c), cauchy(y_true, y_pred, scale=c), rtol=1e-12)
    assert_close(barron(y_true, y_pred, alpha=-2.0, scale=c), geman_mcclure(y_true, y_pred, scale=c), rtol=1e-12)
    assert_close(barron(y_true, y_pred, alpha=-math.inf, scale=c), welsch(y_true, y_pred, scale=c), rtol=1e-12)
    expected = charbonnier(y_true, y_pred, epsilon=c) / c  # rho(x, 1, c) = charbonnier(eps=c) / c
    assert_close(barron(y_true, y_pred, alpha=1.0, scale=c), expected, rtol=1e-12)
    expected = 0.5 * mean_squared_error(y_true, y_pred) / c**2
    assert_close(barron(y_true, y_pred, alpha=2.0, scale=c), expected, rtol=1e-12)


def test_barron_alpha_2_matches_optax_l2_loss():
    optax = pytest.importorskip("optax")
    y_true, y_pred = inputs("float64")
    expected = np.asarray(optax.losses.l2_loss(y_pred / 0.6, y_true / 0.6)).mean(axis=-1)  # 0.5 (x / c)^2
    assert_close(barron(y_true, y_pred, alpha=2.0, scale=0.6), expected, rtol=1e-12)


def test_geman_mcclure_scale_convention():
    """Barron's alpha = -2 is twice the textbook e^2 / (e^2 + sigma^2) with sigma = 2c."""
    y_true, y_pred = inputs("float64")
    e, c = error_of(y_true, y_pred), 0.7
    textbook = e**2 / (e**2 + (2.0 * c) ** 2)
    assert_close(barron(y_true, y_pred, alpha=-2.0, scale=c), 2.0 * textbook.mean(axis=-1), rtol=1e-12)
    assert_close(geman_mcclure(y_true, y_pred, scale=c), 2.0 * textbook.mean(axis=-1), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_barron_per_output_array_parameters(xp, dtype):
    """One alpha and one scale per output column, as the adaptive loss learns them."""
    y_true, y_pred = inputs(dtype)
    alphas = [2.0, 0.0, -math.inf]
    scales = [0.5, 2.0, 0.25]
    x = error_of(y_true, y_pred) / np.array(scales)
    expected = np.stack([BARRON_CLOSED_FORMS[a](x[:, i]) for i, a in enumerate(alphas)], axis=-1).mean(axis=-1)
    alpha, scale = xp.asarray(np.array(alphas, dtype=dtype)), xp.asarray(np.array(scales, dtype=dtype))
    actual = barron(*as_xp(xp, y_true, y_pred), alpha=alpha, scale=scale)
    assert_close(actual, expected, rtol=RTOL[dtype], xp=xp)
    zero_d = barron(*as_xp(xp, y_true, y_pred), alpha=xp.asarray(np.asarray(0.5, dtype=dtype)), scale=2.0)
    assert_close(zero_d, barron(y_true, y_pred, alpha=0.5, scale=2.0), rtol=RTOL[dtype], xp=xp)


# ---------------------------------------------------------------- values: near alpha = 0 and 2


@functools.cache
def mp_rho(x: float, alpha: float, c: float) -> float:
    """Barron's rho in 50-digit arithmetic (the limits at exactly 0 and 2)."""
    mp = pytest.importorskip("mpmath")
    with mp.workdps(50):
        x, alpha, c = mp.mpf(x), mp.mpf(alpha), mp.mpf(c)
        z = (x / c) ** 2
        if alpha == 2:
            return float(z / 2)
        if alpha == 0:
            return float(mp.log1p(z / 2))
        b = abs(alpha - 2)
        return float(b / alpha * ((z / b + 1) ** (alpha / 2) - 1))


def mp_drho_dalpha(x: float, alpha: float, c: float) -> float:
    mp = pytest.importorskip("mpmath")
    with mp.workdps(50):
        x, c = mp.mpf(x), mp.mpf(c)
        z = (x / c) ** 2
        b = lambda a: abs(a - 2)  # noqa: E731
        return float(mp.diff(lambda a: b(a) / a * ((z / b(a) + 1) ** (a / 2) - 1), mp.mpf(alpha), h=mp.mpf("1e-25")))


NEAR_SINGULAR = [0.0, 1e-6, -1e-6, 2.0, 2.0 - 1e-6, 2.0 + 1e-6, 2.0 - 1e-7]
X_NEAR = np.array([1e-3, 0.3, -1.0, 2.5, 40.0, -1e4])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("alpha", NEAR_SINGULAR, ids=str)
def test_barron_near_zero_and_two_is_exact(xp, alpha, dtype):
    c = 0.9
    y_pred = X_NEAR.astype(dtype).reshape(-1, 1)
    a = float(np.asarray(alpha, dtype=dtype))  # the float32 run computes at the rounded alpha
    expected = [mp_rho(float(v), a, float(np.asarray(c, dtype=dtype))) for v in y_pred[:, 0]]
    actual = barron(xp.asarray(np.zeros_like(y_pred)), xp.asarray(y_pred), alpha=alpha, scale=c)
    assert_close(actual, np.array(expected), rtol={"float32": 1e-5, "float64": 1e-12}[dtype], xp=xp)
    # ... and within 1e-6 of a singular alpha, the value is the limit to ~1e-5.
    z = (y_pred[:, 0].astype("float64") / c) ** 2
    limit = np.log1p(0.5 * z) if abs(alpha) < 1.0 else 0.5 * z
    assert_close(actual, limit, rtol=2e-4, xp=xp)


# ---------------------------------------------------------------- values: the other robust losses


ROBUST_CLOSED_FORMS = {
    "cauchy": (cauchy, {"scale": 0.6}, lambda e: np.log(0.5 * (e / 0.6) ** 2 + 1.0)),
    "geman_mcclure": (geman_mcclure, {"scale": 1.4}, lambda e: 2.0 * (e / 1.4) ** 2 / ((e / 1.4) ** 2 + 4.0)),
    "welsch": (welsch, {"scale": 2.0}, lambda e: 1.0 - np.exp(-0.5 * (e / 2.0) ** 2)),
    "charbonnier": (charbonnier, {"epsilon": 0.3}, lambda e: np.sqrt(e**2 + 0.3**2) - 0.3),
    "charbonnier_default": (charbonnier, {}, lambda e: np.sqrt(e**2 + 1e-6) - 1e-3),
    "pinball": (pinball, {"quantile": 0.8}, lambda e: np.maximum(0.8 * -e, (0.8 - 1.0) * -e)),
    "expectile": (expectile, {"expectile": 0.8}, lambda e: np.where(e < 0, 0.8, 0.2) * e**2),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ROBUST_CLOSED_FORMS)
def test_closed_forms(xp, name, dtype):
    fn, kwargs, rho = ROBUST_CLOSED_FORMS[name]
    y_true, y_pred = inputs(dtype, shape=(2, 3, 4))
    actual = fn(*as_xp(xp, y_true, y_pred), **kwargs)
    assert actual.dtype == getattr(xp, dtype)
    assert_close(actual, rho(error_of(y_true, y_pred)).mean(axis=-1), rtol=RTOL[dtype], xp=xp)


def test_charbonnier_is_exact_for_tiny_errors():
    """sqrt(e^2 + eps^2) - eps cancels in float32; the computed form does not."""
    e = np.array([[1e-6, 3e-5, 0.0]], dtype="float32")
    expected = (e.astype("float64") ** 2 / (np.sqrt(e.astype("float64") ** 2 + 1e-6) + 1e-3)).mean(-1)
    assert_close(charbonnier(np.zeros_like(e), e), expected, rtol=1e-6)


def test_pseudo_huber_delta_semantics():
    """The textbook pseudo-Huber delta^2 (sqrt(1 + (e / delta)^2) - 1) is delta * charbonnier(eps=delta)."""
    y_true, y_pred = inputs("float64")
    e, delta = error_of(y_true, y_pred), 1.5
    textbook = (delta**2 * (np.sqrt(1.0 + (e / delta) ** 2) - 1.0)).mean(axis=-1)
    assert get("pseudo_huber") is charbonnier
    assert_close(delta * charbonnier(y_true, y_pred, epsilon=delta), textbook, rtol=1e-12)


# ---------------------------------------------------------------- smooth L1: torch and optax


def torch_smooth_l1(y_true, y_pred, beta, reduction="none"):
    torch = pytest.importorskip("torch")
    out = torch.nn.functional.smooth_l1_loss(
        torch.as_tensor(y_pred), torch.as_tensor(y_true), beta=beta, reduction=reduction
    )
    return out.mean(dim=-1).numpy() if reduction == "none" else out.numpy()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 2.5])
def test_smooth_l1_matches_torch(xp, beta, dtype):
    y_true, y_pred = inputs(dtype, shape=(3, 2, 5))
    y_pred[0, 0, 0] = y_true[0, 0, 0] + np.asarray(beta, dtype=dtype)  # exactly at the switch
    actual = smooth_l1(*as_xp(xp, y_true, y_pred), beta=beta)
    assert_close(actual, torch_smooth_l1(y_true, y_pred, beta), rtol=RTOL[dtype], xp=xp)


def test_smooth_l1_beta_zero_is_mean_absolute_error():
    y_true, y_pred = inputs("float64")
    assert_close(smooth_l1(y_true, y_pred, beta=0.0), mean_absolute_error(y_true, y_pred), rtol=1e-15)


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.5])
def test_beta_times_smooth_l1_is_huber(beta):
    torch = pytest.importorskip("torch")
    optax = pytest.importorskip("optax")
    y_true, y_pred = inputs("float64")
    scaled = beta * smooth_l1(y_true, y_pred, beta=beta)
    torch_huber = torch.nn.functional.huber_loss(
        torch.as_tensor(y_pred), torch.as_tensor(y_true), delta=beta, reduction="none"
    ).mean(dim=-1)
    assert_close(scaled, torch_huber.numpy(), rtol=1e-12)
    assert_close(scaled, np.asarray(optax.losses.huber_loss(y_pred, y_true, delta=beta)).mean(axis=-1), rtol=1e-12)
    assert_close(scaled, huber(y_true, y_pred, delta=beta), rtol=1e-12)


@pytest.mark.parametrize("beta", [0.0, 0.7])
def test_smooth_l1_gradient_matches_torch(beta):
    torch = pytest.importorskip("torch")
    y_true, y_pred = inputs("float64")
    ours = torch.tensor(y_pred, requires_grad=True)
    smooth_l1(torch.as_tensor(y_true), ours, beta=beta).sum().backward()
    theirs = torch.tensor(y_pred, requires_grad=True)
    torch.nn.functional.smooth_l1_loss(theirs, torch.as_tensor(y_true), beta=beta, reduction="none").mean(
        -1
    ).sum().backward()
    assert_close(ours.grad, theirs.grad, rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_smooth_l1_class_matches_torch_reductions(reduction):
    y_true, y_pred = inputs("float64")
    actual = SmoothL1(beta=0.7, reduction=reduction)(y_true, y_pred)
    d = y_true.shape[-1]  # the class sums per-sample means; torch's "sum" sums every element
    assert_close(actual, torch_smooth_l1(y_true, y_pred, 0.7, reduction) / (1 if reduction == "mean" else d))


# ---------------------------------------------------------------- quantile losses: scikit-learn and scipy


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("quantile", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_pinball_matches_sklearn(xp, quantile, dtype):
    """sklearn's alpha is the quantile and its residual is y_true - y_pred, as ours."""
    metrics = pytest.importorskip("sklearn.metrics")
    y_true, y_pred = inputs(dtype, shape=(4, 6))
    expected = [
        metrics.mean_pinball_loss(t.astype("float64"), p.astype("float64"), alpha=quantile)
        for t, p in zip(y_true, y_pred, strict=True)
    ]
    actual = pinball(*as_xp(xp, y_true, y_pred), quantile=quantile)
    assert_close(actual, np.array(expected), rtol=RTOL[dtype], atol=1e-15, xp=xp)


@pytest.mark.parametrize("quantile", [0.1, 0.5, 0.9])
def test_pinball_minimiser_is_the_quantile(quantile):
    """Fixes the sign convention: the best constant prediction is the quantile-quantile of y_true."""
    y = np.random.default_rng(1).normal(size=101)
    candidates = np.sort(y)
    losses = [float(pinball(y[None, :], np.full((1, y.size), c), quantile=quantile)[0]) for c in candidates]
    assert candidates[int(np.argmin(losses))] == np.quantile(y, quantile, method="inverted_cdf")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_multi_quantile_matches_sklearn(xp, dtype):
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(2)
    quantiles = (0.05, 0.5, 0.75, 0.95)
    y_true = rng.normal(size=(5, 1)).astype(dtype)
    y_pred = rng.normal(size=(5, 4)).astype(dtype)
    per_quantile = [
        [
            metrics.mean_pinball_loss(y_true[i].astype("float64"), y_pred[i, k : k + 1].astype("float64"), alpha=q)
            for i in range(5)
        ]
        for k, q in enumerate(quantiles)
    ]
    expected = np.mean(per_quantile, axis=0)
    for target in (y_true, y_true[:, 0]):  # (batch, 1) and (batch,)
        actual = multi_quantile(xp.asarray(target), xp.asarray(y_pred), quantiles=quantiles)
        assert_close(actual, expected, rtol=RTOL[dtype], xp=xp)
    actual = MultiQuantile(quantiles=quantiles, reduction="none")(xp.asarray(y_true[:, 0]), xp.asarray(y_pred))
    assert_close(actual, expected, rtol=RTOL[dtype], xp=xp)


def test_multi_quantile_leading_axes_and_one_quantile():
    rng = np.random.default_rng(3)
    y_true, y_pred = rng.normal(size=(2, 3)), rng.normal(size=(2, 3, 2))
    tau, u = np.array([0.2, 0.7]), y_true[..., None] - y_pred
    expected = np.maximum(tau * u, (tau - 1.0) * u).mean(axis=-1)
    assert_close(multi_quantile(y_true, y_pred, quantiles=(0.2, 0.7)), expected, rtol=1e-12)
    one = multi_quantile(y_true[0], y_pred[0, :, :1], quantiles=[0.3])
    assert_close(one, pinball(y_true[0][:, None], y_pred[0, :, :1], quantile=0.3), rtol=1e-12)


def test_expectile_half_is_half_mse(xp):
    y_true, y_pred = as_xp(xp, *inputs("float64"))
    assert_close(expectile(y_true, y_pred), 0.5 * mean_squared_error(y_true, y_pred), rtol=1e-12, xp=xp)


@pytest.mark.parametrize("tau", [0.1, 0.5, 0.9])
def test_expectile_minimiser_is_scipy_expectile(tau):
    """Fixes the residual convention: the best constant prediction is scipy's tau-expectile of y_true."""
    stats = pytest.importorskip("scipy.stats")
    torch = pytest.importorskip("torch")
    y = np.random.default_rng(4).gamma(2.0, size=200)  # skewed, so the expectiles differ from the mean
    best = float(stats.expectile(y, alpha=tau))
    m = torch.tensor(best, dtype=torch.float64, requires_grad=True)
    loss = expectile(torch.as_tensor(y)[None, :], m * torch.ones((1, y.size), dtype=torch.float64), expectile=tau)
    loss.sum().backward()
    assert abs(float(m.grad)) < 1e-9  # a stationary point; the loss is convex in m
    if tau == 0.5:
        assert best == pytest.approx(y.mean(), rel=1e-9)
    else:
        assert (best > y.mean()) == (tau > 0.5)  # tau > 0.5 weights under-prediction more: pushes up


# ---------------------------------------------------------------- gradients vs finite differences


def finite_difference(f, args: list[np.ndarray], step: float = 1e-6) -> list[np.ndarray]:
    """Central differences of the scalar ``f(*args)`` w.r.t. every argument, in float64."""
    grads = []
    for i, arg in enumerate(args):
        grad = np.zeros_like(arg)
        for idx in np.ndindex(arg.shape):
            shifted = [a.copy() for a in args]
            shifted[i][idx] += step
            up = f(*shifted)
            shifted[i][idx] -= 2 * step
            grad[idx] = (up - f(*shifted)) / (2 * step)
        grads.append(grad)
    return grads


def autograd(backend: Backend, f, args: list[np.ndarray], *, jit: bool = False) -> list[np.ndarray]:
    """Gradients of the scalar ``f(*args)`` by torch autograd or ``jax.grad`` (float64)."""
    if backend is Backend.TORCH:
        torch = pytest.importorskip("torch")
        tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
        grads = torch.autograd.grad(f(*tensors), tensors)
        return [g.numpy() for g in grads]
    jax = pytest.importorskip("jax")
    backend.namespace()  # x64 on
    grad = jax.grad(f, argnums=tuple(range(len(args))))
    grad = jax.jit(grad) if jit else grad
    return [np.asarray(g) for g in grad(*[jax.numpy.asarray(a) for a in args])]


def on_backend(backend: Backend, array: np.ndarray):
    """``array`` as a (constant) array of the gradient backend."""
    return backend.namespace().asarray(array)


def barron_sum(y_true: np.ndarray):
    def f(y_pred, alpha, scale):
        return barron(y_true, y_pred, alpha=alpha, scale=scale).sum()

    return f


GRAD_ALPHAS = [-8.0, -2.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0 - 1e-3, 3.0]


@pytest.mark.parametrize("backend", GRAD_BACKENDS, ids=str)
@pytest.mark.parametrize("alpha", GRAD_ALPHAS, ids=str)
def test_barron_gradients_match_finite_differences(backend, alpha):
    """Gradients w.r.t. y_pred, a per-output alpha and a per-output scale."""
    y_true, y_pred = inputs("float64", shape=(2, 3), seed=5)
    alphas = np.array([alpha, alpha + 0.25, alpha - 0.25])
    scales = np.array([0.7, 1.0, 1.6])
    args = [y_pred, alphas, scales]
    expected = finite_difference(barron_sum(y_true), args)
    actual = autograd(
        backend, barron_sum(on_backend(backend, y_true)), args, jit=backend is Backend.JAX and alpha == 0.5
    )
    for got, want in zip(actual, expected, strict=True):
        assert np.all(np.isfinite(got))
        assert_close(got, want, rtol=1e-6, atol=1e-8)


ELEMENTWISE = {
    "cauchy": (cauchy, {"scale": 0.6}),
    "geman_mcclure": (geman_mcclure, {"scale": 1.4}),
    "welsch": (welsch, {"scale": 2.0}),
    "charbonnier": (charbonnier, {"epsilon": 0.3}),
    "smooth_l1": (smooth_l1, {"beta": 0.7}),
    "pinball": (pinball, {"quantile": 0.8}),
    "expectile": (expectile, {"expectile": 0.3}),
}


def _far_from_kinks(name, kwargs, error) -> bool:
    if name == "smooth_l1":
        return bool(np.all(np.abs(np.abs(error) - kwargs["beta"]) > 1e-2))
    return bool(np.all(np.abs(error) > 1e-2))


@pytest.mark.parametrize("backend", GRAD_BACKENDS, ids=str)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_gradients_match_finite_differences(backend, name):
    fn, kwargs = ELEMENTWISE[name]
    y_true, y_pred = inputs("float64", shape=(2, 4), seed=6)
    assert _far_from_kinks(name, kwargs, error_of(y_true, y_pred))
    y_true_b = on_backend(backend, y_true)
    (expected,) = finite_difference(lambda p: fn(y_true, p, **kwargs).sum(), [y_pred])
    (actual,) = autograd(backend, lambda p: fn(y_true_b, p, **kwargs).sum(), [y_pred], jit=backend is Backend.JAX)
    assert_close(actual, expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("backend", GRAD_BACKENDS, ids=str)
def test_multi_quantile_gradient_matches_finite_differences(backend):
    rng = np.random.default_rng(7)
    y_true, y_pred = rng.normal(size=(3,)), rng.normal(size=(3, 3))
    y_true_b = on_backend(backend, y_true)
    (expected,) = finite_difference(lambda p: multi_quantile(y_true, p).sum(), [y_pred])
    (actual,) = autograd(backend, lambda p: multi_quantile(y_true_b, p).sum(), [y_pred])
    assert_close(actual, expected, rtol=1e-6, atol=1e-9)


# ---------------------------------------------------------------- gradients at and near alpha = 0 and 2


def barron_grads(backend: Backend, x: np.ndarray, alpha: float, c: float) -> list[np.ndarray]:
    """d rho / d (x, alpha, scale) of one column of residuals ``x`` (float64)."""
    xp = backend.namespace()
    if backend is Backend.TORCH:
        import torch

        zeros = torch.zeros((x.size, 1), dtype=torch.float64)
    else:
        zeros = xp.zeros((x.size, 1), dtype=xp.float64)

    def f(y_pred, a, s):
        return barron(zeros, y_pred, alpha=a, scale=s).sum()

    gx, ga, gc = autograd(backend, f, [x.reshape(-1, 1), np.asarray(alpha), np.asarray(c)])
    return [gx[:, 0], ga, gc]


@pytest.mark.parametrize("backend", GRAD_BACKENDS, ids=str)
@pytest.mark.parametrize("alpha", NEAR_SINGULAR, ids=str)
def test_barron_gradients_near_zero_and_two(backend, alpha):
    x, c = np.array([0.3, -1.0, 2.5, 40.0]), 0.9
    z = (x / c) ** 2
    gx, ga, gc = barron_grads(backend, x, alpha, c)
    assert np.all(np.isfinite(gx)) and np.isfinite(ga) and np.isfinite(gc)
    exact = alpha in (0.0, 2.0)
    rtol = 1e-10 if exact else 1e-4  # within 1e-6 of the singular point, the limit to ~1e-5
    if abs(alpha) < 1.0:  # the limits of rho = log(z / 2 + 1)
        assert_close(gx, (x / c**2) / (1.0 + 0.5 * z), rtol=rtol)
        assert_close(gc, np.sum(-(z / c) / (1.0 + 0.5 * z)), rtol=rtol)
        log_term = np.log1p(0.5 * z)
        limit = np.sum(log_term**2 / 4 - log_term / 2 + z / (2 * (z + 2)))  # d rho / d alpha at alpha = 0
        assert_close(ga, limit, rtol=rtol)
        return
    assert_close(gx, x / c**2, rtol=rtol)  # the limits of rho = z / 2
    assert_close(gc, np.sum(-z / c), rtol=rtol)
    if exact:
        # d rho / d alpha is +inf at alpha = 2 (log singularity); the documented convention is the
        # derivative of the exact loss at |alpha - 2| = eps, finite, with eps the float64 epsilon.
        eps = np.finfo(np.float64).eps
        assert_close(ga, np.sum(-z / 4 + (z + eps) / 4 * np.log1p(z / eps)), rtol=1e-10)
    else:
        assert_close(ga, sum(mp_drho_dalpha(v, alpha, c) for v in x), rtol=1e-6)


# ---------------------------------------------------------------- stability


STABILITY_ALPHAS = [-math.inf, -2.0, 0.0, 1e-6, 1.0, 2.0 - 1e-6, 2.0]


@pytest.mark.parametrize("backend", GRAD_BACKENDS, ids=str)
@pytest.mark.parametrize("scale", [1.0, 1e-6])
def test_barron_is_finite_for_huge_residuals_and_tiny_scales(backend, scale):
    """float32: residuals of 1e4 and 0, scale 1e-6; values and all three gradients finite."""
    xp = backend.namespace()
    y_pred = np.array([[1e4, -1e4, 0.0, 1e-3]], dtype="float32")
    for alpha in STABILITY_ALPHAS:
        if backend is Backend.TORCH:
            import torch

            p = torch.tensor(y_pred, requires_grad=True)
            a = torch.tensor(alpha, dtype=torch.float32, requires_grad=True)
            s = torch.tensor(scale, dtype=torch.float32, requires_grad=True)
            value = barron(torch.zeros_like(p), p, alpha=a, scale=s).sum()
            grads = torch.autograd.grad(value, (p, a, s))
            value, grads = value.detach().numpy(), [g.numpy() for g in grads]
        else:
            import jax

            f = lambda p, a, s: barron(xp.zeros_like(p), p, alpha=a, scale=s).sum()  # noqa: E731
            args = (xp.asarray(y_pred), xp.asarray(alpha, dtype=xp.float32), xp.asarray(scale, dtype=xp.float32))
            value, grads = jax.value_and_grad(f, argnums=(0, 1, 2))(*args)
        assert np.isfinite(value), (alpha, value)
        assert all(np.all(np.isfinite(np.asarray(g))) for g in grads), (alpha, grads)
        assert float(np.asarray(grads[0])[0, 2]) == 0.0  # a zero residual has a zero gradient


@pytest.mark.parametrize("backend", GRAD_BACKENDS, ids=str)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_losses_are_finite_for_extremes(backend, name):
    fn, kwargs = ELEMENTWISE[name]
    kwargs = {k: (1e-6 if k in ("scale", "epsilon") else v) for k, v in kwargs.items()}
    y_pred = np.array([[1e4, -1e4, 0.0, 1e-7]], dtype="float32")
    if backend is Backend.TORCH:
        import torch

        p = torch.tensor(y_pred, requires_grad=True)
        value = fn(torch.zeros_like(p), p, **kwargs).sum()
        (grad,) = torch.autograd.grad(value, p)
        value = value.detach()
    else:
        import jax

        value, grad = jax.value_and_grad(lambda p: fn(p * 0.0, p, **kwargs).sum())(backend.namespace().asarray(y_pred))
    assert np.isfinite(float(value))
    assert np.all(np.isfinite(np.asarray(grad)))


def test_welsch_tail_gradient_is_accurate():
    """Deep in the flat tail the gradient e^-t must not drown in expm1's rounding (torch's backward)."""
    torch = pytest.importorskip("torch")
    p = torch.tensor([[9.0]], dtype=torch.float64, requires_grad=True)  # z = 81: e^-40.5 ~ 2.6e-18
    welsch(torch.zeros_like(p), p).sum().backward()
    assert_close(p.grad, np.array([[9.0 * np.exp(-40.5)]]), rtol=1e-12)
    p = torch.tensor([[30.0]], dtype=torch.float64, requires_grad=True)
    barron(torch.zeros_like(p), p, alpha=-10.0, scale=0.3).sum().backward()
    x, b = 100.0, 12.0  # d rho / d e = (x / c) (x^2 / b + 1)^(alpha / 2 - 1)
    assert_close(p.grad, np.array([[x / 0.3 * (x**2 / b + 1.0) ** (-6.0)]]), rtol=1e-10)


# ---------------------------------------------------------------- jax.jit


JIT_CASES = {
    "barron": (barron, {"alpha": 0.5, "scale": 2.0}),
    "multi_quantile": (multi_quantile, {}),
    **ELEMENTWISE,
}


@pytest.mark.parametrize("name", JIT_CASES)
def test_jit(name):
    jax = pytest.importorskip("jax")
    xp = Backend.JAX.namespace()
    fn, kwargs = JIT_CASES[name]
    y_true, y_pred = inputs("float32", shape=(4, 3))
    if name == "multi_quantile":
        y_true = y_true[:, :1]
    jitted = jax.jit(lambda t, p: fn(t, p, **kwargs))
    assert_close(jitted(xp.asarray(y_true), xp.asarray(y_pred)), fn(y_true, y_pred, **kwargs), rtol=1e-5, xp=xp)


def test_jit_with_traced_alpha_and_scale():
    jax = pytest.importorskip("jax")
    xp = Backend.JAX.namespace()
    y_true, y_pred = inputs("float64")
    jitted = jax.jit(lambda p, a, s: barron(xp.asarray(y_true), p, alpha=a, scale=s))
    for alpha in (-math.inf, 0.0, 1.0, 2.0, 4.0):
        actual = jitted(xp.asarray(y_pred), xp.asarray(alpha), xp.asarray(1.3))
        assert_close(actual, barron(y_true, y_pred, alpha=alpha, scale=1.3), rtol=1e-12, xp=xp)


# ---------------------------------------------------------------- errors


ERRORS = [
    (barron, {"scale": 0.0}, r"barron: scale must be a float in \(0, inf\); got scale=0.0"),
    (barron, {"scale": -1.0}, r"barron: scale must be a float in \(0, inf\); got scale=-1.0"),
    (barron, {"scale": math.inf}, r"barron: scale must be a float in \(0, inf\); got scale=inf"),
    (barron, {"alpha": math.nan}, r"barron: alpha must be a real number or a floating array; got alpha=nan"),
    (barron, {"alpha": True}, r"barron: alpha must be a real number or a floating array; got alpha=True"),
    (
        barron,
        {"alpha": np.ones(4)},
        r"barron: alpha must be a scalar or an array that broadcasts .* got alpha of shape \(4,\)",
    ),
    (barron, {"scale": np.ones((2, 2, 3))}, r"barron: scale must be .* broadcasts to y_pred's shape \(2, 3\)"),
    (cauchy, {"scale": 0.0}, r"cauchy: scale must be a float in \(0, inf\); got scale=0.0"),
    (geman_mcclure, {"scale": "1"}, r"geman_mcclure: scale must be a float in \(0, inf\); got scale='1' of type str"),
    (welsch, {"scale": -2.0}, r"welsch: scale must be a float in \(0, inf\); got scale=-2.0"),
    (charbonnier, {"epsilon": 0.0}, r"charbonnier: epsilon must be a float in \(0, inf\); got epsilon=0.0"),
    (smooth_l1, {"beta": -0.5}, r"smooth_l1: beta must be a float in \[0, inf\); got beta=-0.5"),
    (smooth_l1, {"beta": math.nan}, r"smooth_l1: beta must be a float in \[0, inf\); got beta=nan"),
    (pinball, {"quantile": 1.5}, r"pinball: quantile must be a float in \[0, 1\]; got quantile=1.5"),
    (expectile, {"expectile": -0.1}, r"expectile: expectile must be a float in \[0, 1\]; got expectile=-0.1"),
]


@pytest.mark.parametrize(("fn", "kwargs", "match"), ERRORS, ids=lambda v: getattr(v, "__name__", None))
def test_hyperparameter_errors(fn, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fn(np.zeros((2, 3)), np.ones((2, 3)), **kwargs)


def test_shape_errors():
    with pytest.raises(ValueError, match=r"barron: y_true and y_pred must have the same shape; got y_true \(2, 3\)"):
        barron(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"quantiles must be a non-empty sequence .*; got quantiles=\(\)"):
        multi_quantile(np.zeros(2), np.zeros((2, 3)), quantiles=())
    with pytest.raises(ValueError, match=r"quantiles must be a non-empty sequence .*; got quantiles=0.5"):
        multi_quantile(np.zeros(2), np.zeros((2, 1)), quantiles=0.5)
    with pytest.raises(
        ValueError, match=r"multi_quantile: quantiles\[1\] must be a float in \[0, 1\]; got quantiles\[1\]=2.0"
    ):
        multi_quantile(np.zeros(2), np.zeros((2, 2)), quantiles=(0.5, 2.0))
    with pytest.raises(
        ValueError, match=r"shape \(batch, ..., 3\) for quantiles=\(0.1, 0.5, 0.9\); got y_pred of shape \(4, 2\)"
    ):
        multi_quantile(np.zeros(4), np.zeros((4, 2)))
    with pytest.raises(
        ValueError,
        match=r"y_true must hold one target per sample, shape \(4, 1\) or \(4,\) .* got y_true of shape \(4, 3\)",
    ):
        multi_quantile(np.zeros((4, 3)), np.zeros((4, 3)))


# ---------------------------------------------------------------- classes, configs and names


CLASSES = [
    (Barron(alpha=-math.inf, scale=0.5, reduction="sum"), barron, {"alpha": -math.inf, "scale": 0.5}),
    (Barron(alpha=0.3, scale=2.0), barron, {"alpha": 0.3, "scale": 2.0}),
    (Cauchy(scale=0.4), cauchy, {"scale": 0.4}),
    (GemanMcClure(scale=1.5, name="gm"), geman_mcclure, {"scale": 1.5}),
    (Welsch(scale=3.0), welsch, {"scale": 3.0}),
    (Charbonnier(epsilon=0.1), charbonnier, {"epsilon": 0.1}),
    (SmoothL1(beta=0.0), smooth_l1, {"beta": 0.0}),
    (Pinball(quantile=0.9), pinball, {"quantile": 0.9}),
    (MultiQuantile(quantiles=(0.2, 0.8)), multi_quantile, {"quantiles": (0.2, 0.8)}),
    (Expectile(expectile=0.7, dtype="float64"), expectile, {"expectile": 0.7}),
]


@pytest.mark.parametrize(
    ("loss", "fn", "kwargs"), CLASSES, ids=lambda v: type(v).__name__ if hasattr(v, "get_config") else None
)
def test_class_config_round_trip(loss, fn, kwargs):
    config = serialize(loss)
    for back in (deserialize(config), deserialize(json.loads(json.dumps(config)))):
        assert type(back) is type(loss)
        assert json.dumps(back.get_config()) == json.dumps(loss.get_config())
        y_true, y_pred = inputs("float64", shape=(3, 2))
        if fn is multi_quantile:
            y_true = y_true[:, :1]
        assert_close(back(y_true, y_pred), loss(y_true, y_pred), rtol=1e-12)
    assert config["config"] == loss.get_config()
    assert {k: config["config"][k] for k in kwargs} == kwargs
    assert serialize(fn) == fn.__name__ and deserialize(fn.__name__) is fn
    y_true, y_pred = inputs("float64", shape=(3, 2))
    if fn is multi_quantile:
        y_true = y_true[:, :1]
    per_sample = type(loss)(**{**kwargs, "reduction": "none"})(y_true, y_pred)
    assert_close(per_sample, fn(y_true, y_pred, **kwargs), rtol=1e-12)


def test_names_and_aliases():
    assert get("pseudo_huber") is charbonnier
    assert get("quantile_loss") is pinball and get("pinball_loss") is pinball
    assert get("lorentzian") is cauchy and get("leclerc") is welsch
    assert isinstance(get("PseudoHuber"), Charbonnier)
    assert isinstance(get("QuantileLoss"), Pinball)
    assert Barron().name == "barron" and Barron().alpha == 1.0 and Barron().scale == 1.0
    assert MultiQuantile().quantiles == (0.1, 0.5, 0.9)


def test_class_trains_alpha_and_scale_with_torch():
    """The adaptive use: alpha and scale as parameters of a torch optimizer, through the class."""
    torch = pytest.importorskip("torch")
    raw_alpha = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    raw_scale = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    alpha = 0.001 + 1.998 * torch.sigmoid(raw_alpha)
    scale = 1e-5 + torch.nn.functional.softplus(raw_scale)
    y_true, y_pred = (torch.as_tensor(a) for a in inputs("float64", shape=(5, 3)))
    value = Barron(alpha=alpha, scale=scale)(y_true, y_pred)
    value.backward()
    # rho increases with alpha and decreases with the scale (Barron 2019, sec. 2)
    assert torch.all(torch.isfinite(raw_alpha.grad)) and torch.all(raw_alpha.grad > 0)
    assert torch.all(torch.isfinite(raw_scale.grad)) and torch.all(raw_scale.grad < 0)


# ---------------------------------------------------------------- Barron's bound for alpha < 0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_barron_never_exceeds_its_bound(xp, dtype):
    """For alpha < 0, rho <= |alpha - 2| / |alpha| as the dtype rounds that bound, up to x^2 at the dtype's maximum."""
    rng = np.random.default_rng(11)
    alphas = np.concatenate([-np.exp(rng.uniform(-10.0, 7.0, 3000)), [-2.0, -1.0, -3.0, -0.5, -1e-3]]).astype(dtype)
    huge = math.sqrt(float(np.finfo(dtype).max)) * 0.999
    errors = np.array([huge, 1e9, 1e4, 300.0], dtype=dtype)
    y_pred = np.broadcast_to(errors[:, None], (errors.size, alphas.size)).astype(dtype)
    rho = barron(*as_xp(xp, np.zeros_like(y_pred)[..., None], y_pred[..., None]), alpha=xp.asarray(alphas[:, None]))
    bound = (np.asarray(2.0, dtype) - alphas) / -alphas  # rounded once, in the dtype
    rho = to_numpy(rho)
    assert np.all(np.isfinite(rho))
    assert np.all(rho <= bound[None, :]), f"{int(np.sum(rho > bound[None, :]))} values above the bound"


# ---------------------------------------------------------------- Barron beyond the square root of the maximum

HUGE_ALPHAS = [-math.inf, -2.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 4.0, 1e30, math.inf]


def huge_errors(dtype: str) -> np.ndarray:
    """Errors whose square overflows ``dtype`` (float32: from 1.8e19), up to its maximum, and small ones: (4, 3).

    The shape and the scalar ``alpha`` are test_barron_matches_closed_forms's, so JAX reuses its compilations.
    """
    top = float(np.finfo(dtype).max)
    errors = [0.0, 1.0, 3.0, 1e10, 2e19, 1e30, 1e38, top, -2e19, -1e38, 5e18, -top]
    return np.array(errors, dtype=dtype).reshape(4, 3)


def barron_ceiling(dtype: str, count: int) -> float:
    """The documented saturation value: the dtype's maximum M over 8 log(M) times the values averaged."""
    top = float(np.finfo(dtype).max)
    return top / (8.0 * math.log(top) * count)


def huge_rho(error: float, alpha: float, dtype: str) -> float:
    """The paper's rho (mpmath) or its limits at +-inf, at most the ceiling of a mean of 3 values."""
    x = min(abs(error), 1e3)  # (its square does not overflow the Python float)
    if alpha == math.inf:
        rho = math.expm1(0.5 * x**2) if x < 37.0 else math.inf  # x >= 1e10: above every ceiling
    elif alpha == -math.inf:
        rho = -math.expm1(-0.5 * x**2)
    else:
        rho = mp_rho(abs(error), float(np.asarray(alpha, dtype=dtype)), 1.0)
    return min(rho, barron_ceiling(dtype, 3))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_barron_values_beyond_the_square_root_of_the_maximum(xp, dtype):
    """x^2 overflows, rho does not: the paper's formula in mpmath, or the ceiling above it."""
    errors = huge_errors(dtype)
    y_true, y_pred = as_xp(xp, np.zeros_like(errors), errors)
    for alpha in HUGE_ALPHAS:
        actual = to_numpy(barron(y_true, y_pred, alpha=alpha))
        expected = [np.mean([huge_rho(float(e), alpha, dtype) for e in row]) for row in errors]
        assert np.all(np.isfinite(actual)), alpha
        # exp of a logarithm up to 88 (float32) or 709 (float64): a few units in the last place of that
        np.testing.assert_allclose(actual, expected, rtol={"float32": 2e-5, "float64": 1e-12}[dtype], err_msg=alpha)


@pytest.mark.parametrize("backend", GRAD_BACKENDS, ids=str)
def test_barron_gradients_beyond_the_square_root_of_the_maximum(backend):
    """float32: the gradients in y_pred, alpha and scale (1) are finite for errors whose square overflows.

    Shapes and arguments as test_barron_is_finite_for_huge_residuals_and_tiny_scales's (JAX reuses its work).
    """
    y_pred = np.array([[2e19, -1e30, 1e38, float(np.finfo("float32").max)]], dtype="float32")
    xp = backend.namespace()

    def f(p, a, s):
        return barron(xp.zeros_like(p), p, alpha=a, scale=s).sum()

    for alpha in [0.5, 1.0, 1.5, 2.0, 4.0, math.inf]:
        if backend is Backend.TORCH:
            import torch

            p = torch.tensor(y_pred, requires_grad=True)
            a = torch.tensor(alpha, dtype=torch.float32, requires_grad=True)
            s = torch.tensor(1.0, dtype=torch.float32, requires_grad=True)
            value = f(p, a, s)
            grads = [g.numpy() for g in torch.autograd.grad(value, (p, a, s))]
            value = value.detach().numpy()
        else:
            import jax

            args = (xp.asarray(y_pred), xp.asarray(alpha, dtype=xp.float32), xp.asarray(1.0, dtype=xp.float32))
            value, grads = jax.value_and_grad(f, argnums=(0, 1, 2))(*args)
        assert np.isfinite(value), alpha
        assert all(np.all(np.isfinite(np.asarray(g))) for g in grads), (alpha, grads)
        if alpha < 2.0:  # rho(2e19) is below the ceiling (at alpha = 2 it is 2e38, saturated): it still rises
            assert float(np.asarray(grads[0])[0, 0]) > 0.0, alpha


# ---------------------------------------------------------------- Barron's negative log-likelihood

K1_AT_1 = 0.6019072301972346  # the modified Bessel function K_1(1), Abramowitz & Stegun table 9.8
LOG_Z_CLOSED = {
    0.0: math.log(math.sqrt(2.0) * math.pi),
    1.0: math.log(2.0 * math.e * K1_AT_1),
    2.0: 0.5 * math.log(2 * math.pi),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("alpha", [0.0, 1.0, 2.0], ids=str)
def test_barron_nll_closed_forms(xp, alpha, dtype):
    """rho from the paper's closed forms plus log c plus log Z(alpha) from Z's closed forms."""
    y_true, y_pred = inputs(dtype)
    c = 1.3
    x = error_of(y_true, y_pred) / c
    expected = (BARRON_CLOSED_FORMS[alpha](x) + math.log(c) + LOG_Z_CLOSED[alpha]).mean(axis=-1)
    actual = barron_nll(*as_xp(xp, y_true, y_pred), alpha=alpha, scale=c)
    assert actual.dtype == getattr(xp, dtype)
    assert_close(actual, expected, rtol=RTOL[dtype], atol=1e-12, xp=xp)


@pytest.mark.parametrize(("alpha", "c"), [(0.7, 1.3), (1.5, 0.4), (3.0, 2.0)])
def test_barron_nll_is_a_normalised_density(alpha, c):
    """exp(-nll) of one value integrates to 1 over y_pred (a trapezoid on a wide grid, float64)."""
    y = np.concatenate([-np.geomspace(1e4, 1e-6, 40000), [0.0], np.geomspace(1e-6, 1e4, 40000)])
    nll = barron_nll(np.zeros((y.size, 1)), y[:, None], alpha=alpha, scale=c)
    assert np.trapezoid(np.exp(-nll), y) == pytest.approx(1.0, abs=3e-6)


def test_barron_nll_gaussian_scale_is_the_rms():
    """At alpha = 2 the NLL is a Gaussian's: its derivative in the scale vanishes at the root mean square error."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    y_true, y_pred = rng.normal(size=(50, 1)), rng.normal(scale=2.0, size=(50, 1))
    rms = float(np.sqrt(np.mean((y_pred - y_true) ** 2)))
    scale = torch.tensor(rms, dtype=torch.float64, requires_grad=True)
    barron_nll(torch.tensor(y_true), torch.tensor(y_pred), alpha=2.0, scale=scale).mean().backward()
    assert abs(scale.grad.item()) < 1e-12


def barron_nll_sum(y_true: np.ndarray):
    def f(y_pred, alpha, scale):
        return barron_nll(y_true, y_pred, alpha=alpha, scale=scale).sum()

    return f


@pytest.mark.parametrize("backend", GRAD_BACKENDS, ids=str)
@pytest.mark.parametrize("alpha", [0.3, 1.0, 1.7, 2.6, 3.5], ids=str)
def test_barron_nll_gradients_match_finite_differences(backend, alpha):
    """Gradients w.r.t. y_pred, a per-output alpha and a per-output scale."""
    y_true, y_pred = inputs("float64", shape=(2, 3), seed=7)
    args = [y_pred, np.array([alpha, alpha + 0.2, alpha - 0.2]), np.array([0.7, 1.0, 1.6])]
    expected = finite_difference(barron_nll_sum(y_true), args)
    actual = autograd(backend, barron_nll_sum(on_backend(backend, y_true)), args, jit=backend is Backend.JAX)
    for got, want in zip(actual, expected, strict=True):
        assert_close(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("backend", GRAD_BACKENDS, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_barron_nll_is_finite_at_the_edges(backend, dtype):
    """Values and gradients are finite at alpha = 0, 2 and 4, beyond [0, 4] (clamped) and for large errors."""
    alpha = np.array([0.0, 2.0, 4.0, -1.0, 6.0, 1.0], dtype=dtype)
    y_pred = np.array([[1e6, -3e4, 2.0, 1e6, 0.5, 1e9]], dtype=dtype)
    if backend is Backend.TORCH:
        torch = pytest.importorskip("torch")
        pred, a = torch.tensor(y_pred, requires_grad=True), torch.tensor(alpha, requires_grad=True)
        barron_nll(torch.zeros_like(pred), pred, alpha=a).sum().backward()
        grads = [pred.grad.numpy(), a.grad.numpy()]
    else:
        grads = autograd(
            backend,
            lambda p, a: barron_nll(on_backend(backend, np.zeros_like(y_pred)), p, alpha=a).sum(),
            [y_pred, alpha],
        )
    assert all(np.all(np.isfinite(g)) for g in grads)
    assert grads[1][3] == 0.0 and grads[1][4] == 0.0  # clamped: no gradient pushes alpha further out


def test_barron_nll_python_alpha_outside_its_domain():
    with pytest.raises(ValueError, match=r"barron_nll: alpha must be a float in \[0, 4\]; got alpha=-0.5"):
        barron_nll([[0.0]], [[1.0]], alpha=-0.5)
    with pytest.raises(ValueError, match=r"BarronNLL: alpha .*4\.5"):
        BarronNLL(alpha=4.5)


def test_barron_nll_torch_module_learns_alpha_and_scale():
    """BarronNLLLoss(learnable=True): a few Adam steps on Cauchy-tailed residuals lower the NLL and move both."""
    torch = pytest.importorskip("torch")
    from losslab.torch import BarronNLLLoss

    rng = np.random.default_rng(0)
    residuals = torch.tensor(rng.standard_cauchy(size=(400, 1)))
    loss = BarronNLLLoss(alpha=1.5, scale=1.0, learnable=True)
    optimizer = torch.optim.Adam(loss.parameters(), lr=0.05)
    first = None
    for _ in range(60):
        optimizer.zero_grad()
        value = loss(residuals, torch.zeros_like(residuals))
        first = value.item() if first is None else first
        value.backward()
        optimizer.step()
    assert value.item() < first
    assert loss.alpha.item() < 1.0  # heavy tails: the likelihood prefers a small alpha (the Cauchy's is 0)
