"""Poisson/Gaussian likelihoods and Tweedie deviances against their oracles.

``torch.nn.functional.poisson_nll_loss`` and ``gaussian_nll_loss`` (values and
autograd gradients) for the likelihoods; scikit-learn's
``mean_tweedie_deviance``/``mean_poisson_deviance``/``mean_gamma_deviance``
(one call per sample for per-sample values, one call on all values for the
mean) for the deviances; central finite differences in NumPy float64 and the
closed-form derivative ``2 (mu - y) / mu**p`` for their gradients.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

import losslab
from losslab.losses._deviance import (
    GammaDeviance,
    GaussianNLL,
    PoissonDeviance,
    PoissonNLL,
    TweedieDeviance,
    gamma_deviance,
    gaussian_nll,
    poisson_deviance,
    poisson_nll,
    tweedie_deviance,
)
from losslab.losses._registry import deserialize, get, serialize
from losslab.testing import Backend, assert_close

DTYPES = ["float32", "float64"]
POWERS = [0.0, 1.0, 1.5, 2.0, 3.0]
TOL = {"float32": 1e-5, "float64": 1e-10}


def rtol_for(dtype: str) -> float:
    return TOL[dtype]


# ---------------------------------------------------------------- data


def count_case(dtype: str = "float64", seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Counts (with zeros and values above 1) and log-rates, shape (4, 5)."""
    rng = np.random.default_rng(seed)
    y = rng.poisson(2.0, size=(4, 5)).astype(float)
    y[0, :2] = 0.0
    y[1, 0] = 7.0
    return y.astype(dtype), rng.normal(scale=1.5, size=(4, 5)).astype(dtype)


def positive_case(power: float, dtype: str = "float64", seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Targets in each power's domain (zeros for 1 <= p < 2) and positive means, shape (4, 5)."""
    rng = np.random.default_rng(seed)
    y = rng.gamma(2.0, 1.5, size=(4, 5))
    if 1 <= power < 2:
        y[0, :2] = 0.0
    mu = np.exp(rng.normal(size=(4, 5)))
    return y.astype(dtype), mu.astype(dtype)


def gaussian_case(dtype: str = "float64", seed: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.normal(size=(4, 5))
    mu = rng.normal(size=(4, 5))
    var = rng.uniform(0.2, 3.0, size=(4, 5))
    return y.astype(dtype), mu.astype(dtype), var.astype(dtype)


# ---------------------------------------------------------------- oracles


def torch_poisson_nll(y, x, log_input, full, eps=1e-8, grad=False):
    """Per-sample ``torch.nn.functional.poisson_nll_loss`` (float64), and its gradient w.r.t. x."""
    torch = pytest.importorskip("torch")
    x_t = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    y_t = torch.tensor(np.asarray(y, dtype=np.float64))
    loss = torch.nn.functional.poisson_nll_loss(x_t, y_t, log_input=log_input, full=full, eps=eps, reduction="none")
    per_sample = loss.mean(dim=-1)
    if not grad:
        return per_sample.detach().numpy()
    per_sample.sum().backward()
    return per_sample.detach().numpy(), x_t.grad.numpy()


def torch_gaussian_nll(y, mu, var, full=False, eps=1e-6, dtype="float64"):
    """Per-sample ``torch.nn.functional.gaussian_nll_loss`` and gradients w.r.t. mean and var."""
    torch = pytest.importorskip("torch")
    tdtype = getattr(torch, dtype)
    mu_t = torch.tensor(np.asarray(mu), dtype=tdtype, requires_grad=True)
    y_t = torch.tensor(np.asarray(y), dtype=tdtype)
    if isinstance(var, float):
        var_t = var
    else:
        var_t = torch.tensor(np.asarray(var), dtype=tdtype, requires_grad=True)
    loss = torch.nn.functional.gaussian_nll_loss(mu_t, y_t, var_t, full=full, eps=eps, reduction="none")
    per_sample = loss.mean(dim=-1)
    per_sample.sum().backward()
    var_grad = None if isinstance(var, float) else var_t.grad.numpy()
    return per_sample.detach().numpy(), mu_t.grad.numpy(), var_grad


def sklearn_per_sample(y, mu, power: float) -> np.ndarray:
    """scikit-learn's ``mean_tweedie_deviance`` on each sample (row) in float64."""
    from sklearn.metrics import mean_tweedie_deviance

    y, mu = np.asarray(y, dtype=np.float64), np.asarray(mu, dtype=np.float64)
    return np.array([mean_tweedie_deviance(y[i], mu[i], power=power) for i in range(y.shape[0])])


def tweedie_grad_closed_form(y, mu, power: float) -> np.ndarray:
    """d/dmu of the mean unit deviance over the last axis: 2 (mu - y) mu^-p / d."""
    return 2.0 * (mu - y) * mu ** (-power) / y.shape[-1]


def finite_difference(fn, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of ``sum(fn(x))`` in float64, step relative to |x|."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = h * max(1.0, abs(x[index]))
        up, down = x.copy(), x.copy()
        up[index] += step
        down[index] -= step
        grad[index] = (np.sum(fn(up)) - np.sum(fn(down))) / (2 * step)
    return grad


def to_np(x) -> np.ndarray:
    from losslab._backend import to_numpy

    return to_numpy(x)


# ---------------------------------------------------------------- poisson_nll: torch oracle


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("full", [False, True], ids=["partial", "full"])
@pytest.mark.parametrize("log_input", [True, False], ids=["log_input", "rates"])
def test_poisson_nll_matches_torch(xp, log_input, full, dtype):
    y, x = count_case(dtype)
    if not log_input:
        x = np.exp(x).astype(dtype)
        x[2, 0] = 0.0  # a zero rate: the log sees eps only
    expected = torch_poisson_nll(y, x, log_input, full)
    actual = poisson_nll(xp.asarray(y), xp.asarray(x), log_input=log_input, full=full)
    assert actual.dtype == getattr(xp, dtype)
    assert_close(actual, expected, rtol=rtol_for(dtype), xp=xp)


def test_poisson_nll_eps_is_torchs():
    y, x = count_case()
    x = np.exp(x)
    x[0, 0] = 0.0
    expected = torch_poisson_nll(y, x, False, False, eps=1e-3)
    assert_close(poisson_nll(y, x, log_input=False, eps=1e-3), expected)
    assert not np.allclose(expected, torch_poisson_nll(y, x, False, False))


def test_poisson_nll_differs_from_keras_poisson_only_by_eps():
    y, x = count_case()
    rates = np.exp(x)
    ours = poisson_nll(y, rates, log_input=False, eps=1e-7)
    assert_close(ours, losslab.losses._probabilistic.poisson(y, rates), rtol=1e-12)


def test_poisson_nll_stirling_term_closed_form():
    """Only targets above 1 get y log y - y + log(2 pi y) / 2."""
    y = np.array([[0.0, 1.0, 1.5, 4.0]])
    x = np.zeros((1, 4))
    stirling = [
        0.0,
        0.0,
        1.5 * math.log(1.5) - 1.5 + 0.5 * math.log(3 * math.pi),
        4 * math.log(4) - 4 + 0.5 * math.log(8 * math.pi),
    ]
    expected = np.mean(np.exp(x) - y * x + np.array(stirling), axis=-1)
    assert_close(poisson_nll(y, x, full=True), expected, rtol=1e-12)


@pytest.mark.parametrize("full", [False, True], ids=["partial", "full"])
@pytest.mark.parametrize("log_input", [True, False], ids=["log_input", "rates"])
def test_poisson_nll_torch_autograd_matches_torch(log_input, full):
    torch = pytest.importorskip("torch")
    y, x = count_case()
    if not log_input:
        x = np.exp(x)
    _, expected_grad = torch_poisson_nll(y, x, log_input, full, grad=True)
    x_t = torch.tensor(x, requires_grad=True)
    poisson_nll(torch.tensor(y), x_t, log_input=log_input, full=full).sum().backward()
    assert_close(x_t.grad, expected_grad, rtol=1e-12)
    fd = finite_difference(lambda v: poisson_nll(y, v, log_input=log_input, full=full), x)
    assert_close(x_t.grad, fd, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- deviances: scikit-learn oracle


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("power", POWERS)
def test_tweedie_matches_sklearn_per_sample(xp, power, dtype):
    y, mu = positive_case(power, dtype)
    expected = sklearn_per_sample(y, mu, power)
    actual = tweedie_deviance(xp.asarray(y), xp.asarray(mu), power=power)
    assert actual.dtype == getattr(xp, dtype)
    assert_close(actual, expected, rtol=rtol_for(dtype) * (10 if power == 3.0 else 1), xp=xp)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("fn", "power"), [(poisson_deviance, 1.0), (gamma_deviance, 2.0)], ids=["poisson", "gamma"])
def test_named_deviances_match_sklearn_per_sample(xp, fn, power, dtype):
    y, mu = positive_case(power, dtype)
    actual = fn(xp.asarray(y), xp.asarray(mu))
    assert_close(actual, sklearn_per_sample(y, mu, power), rtol=rtol_for(dtype), xp=xp)


def test_mean_over_samples_matches_sklearn_metrics():
    from sklearn.metrics import mean_gamma_deviance, mean_poisson_deviance, mean_tweedie_deviance

    for power in [*POWERS, -1.0, 1.2, 2.5]:
        y, mu = positive_case(power)
        expected = mean_tweedie_deviance(y.ravel(), mu.ravel(), power=power)
        assert math.isclose(float(np.mean(tweedie_deviance(y, mu, power=power))), expected, rel_tol=1e-12)
        assert math.isclose(float(TweedieDeviance(power=power)(y, mu)), expected, rel_tol=1e-12)
    y, mu = positive_case(1.0)
    assert math.isclose(float(PoissonDeviance()(y, mu)), mean_poisson_deviance(y.ravel(), mu.ravel()), rel_tol=1e-12)
    y, mu = positive_case(2.0)
    assert math.isclose(float(GammaDeviance()(y, mu)), mean_gamma_deviance(y.ravel(), mu.ravel()), rel_tol=1e-12)


def test_negative_power_accepts_negative_targets_as_sklearn():
    y, mu = positive_case(-1.0)
    y[1, :] = -y[1, :]
    assert_close(tweedie_deviance(y, mu, power=-1.0), sklearn_per_sample(y, mu, -1.0), rtol=1e-10)


def test_special_powers_are_the_named_deviances():
    y, mu = positive_case(1.0)
    assert_close(tweedie_deviance(y, mu, power=1), poisson_deviance(y, mu), rtol=1e-14)
    assert_close(tweedie_deviance(y, mu, power=0), np.mean((y - mu) ** 2, axis=-1), rtol=1e-14)
    y, mu = positive_case(2.0)
    assert_close(tweedie_deviance(y, mu, power=2), gamma_deviance(y, mu), rtol=1e-14)
    # the general formula is continuous in p at 1 and 2
    assert_close(tweedie_deviance(y, mu, power=1 + 1e-7), poisson_deviance(y, mu), rtol=1e-5)
    assert_close(tweedie_deviance(y, mu, power=2 + 1e-7), gamma_deviance(y, mu), rtol=1e-5)


# ---------------------------------------------------------------- deviances: gradients


DEVIANCE_FNS = [
    pytest.param(lambda y, mu, power: tweedie_deviance(y, mu, power=power), power, id=f"tweedie-{power}")
    for power in POWERS
] + [
    pytest.param(lambda y, mu, power: poisson_deviance(y, mu), 1.0, id="poisson"),
    pytest.param(lambda y, mu, power: gamma_deviance(y, mu), 2.0, id="gamma"),
]


@pytest.mark.parametrize(("fn", "power"), DEVIANCE_FNS)
def test_deviance_gradients_torch(fn, power):
    torch = pytest.importorskip("torch")
    y, mu = positive_case(power)
    mu_t = torch.tensor(mu, requires_grad=True)
    fn(torch.tensor(y), mu_t, power).sum().backward()
    assert_close(mu_t.grad, tweedie_grad_closed_form(y, mu, power), rtol=1e-10, atol=1e-14)
    assert_close(mu_t.grad, finite_difference(lambda m: fn(y, m, power), mu), rtol=1e-6, atol=1e-9)


@functools.cache
def jax_grad(power: float):
    jax = pytest.importorskip("jax")
    jnp = Backend.JAX.namespace()
    return jax.jit(jax.grad(lambda mu, y: jnp.sum(tweedie_deviance(y, mu, power=power)), argnums=(0, 1)))


@pytest.mark.parametrize("power", POWERS)
def test_deviance_gradients_jax_jit(power):
    jnp = Backend.JAX.namespace()
    y, mu = positive_case(power)
    grad_mu, grad_y = jax_grad(power)(jnp.asarray(mu), jnp.asarray(y))
    assert_close(grad_mu, finite_difference(lambda m: tweedie_deviance(y, m, power=power), mu), rtol=1e-6, atol=1e-9)
    assert bool(jnp.all(jnp.isfinite(grad_y)))  # zero targets for 1 <= p < 2


# ---------------------------------------------------------------- gaussian_nll: torch oracle


VAR_SHAPES = {
    "heteroscedastic": lambda var: var,
    "per_sample": lambda var: var[:, 0],  # (batch,): torch unsqueezes it
    "per_sample_keepdims": lambda var: var[:, :1],  # (batch, 1)
    "scalar": lambda var: 0.7,
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("full", [False, True], ids=["partial", "full"])
@pytest.mark.parametrize("var_shape", VAR_SHAPES)
def test_gaussian_nll_matches_torch(xp, var_shape, full, dtype):
    y, mu, var = gaussian_case(dtype)
    var = VAR_SHAPES[var_shape](var)
    expected, _, _ = torch_gaussian_nll(y, mu, var, full=full)
    var_in = var if isinstance(var, float) else xp.asarray(var)
    actual = gaussian_nll(xp.asarray(y), xp.asarray(mu), var=var_in, full=full)
    assert actual.dtype == getattr(xp, dtype)
    assert_close(actual, expected, rtol=rtol_for(dtype), xp=xp)


def test_gaussian_nll_rank3_homoscedastic_axis_matches_torch():
    rng = np.random.default_rng(3)
    y, mu = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 3, 4))
    var = rng.uniform(0.5, 2.0, size=(2, 1, 4))
    expected, _, _ = torch_gaussian_nll(y, mu, var)
    assert_close(gaussian_nll(y, mu, var=var), expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gaussian_nll_gradients_match_torch_including_clamped_var(dtype):
    """Below eps the variance is clamped but its gradient passes through, as torch's no_grad clamp."""
    torch = pytest.importorskip("torch")
    y, mu, var = gaussian_case(dtype)
    var[0, :] = [0.0, 1e-7, 1e-6, 5e-7, 1e-30]  # at, below and far below eps = 1e-6
    var[1, 0] = 2e-6
    expected, mu_grad, var_grad = torch_gaussian_nll(y, mu, var, dtype=dtype)
    assert abs(var_grad[0, 0]) > 1e9  # the clamped entries do get a gradient in torch
    mu_t = torch.tensor(mu, requires_grad=True)
    var_t = torch.tensor(var, requires_grad=True)
    value = gaussian_nll(torch.tensor(y), mu_t, var=var_t)
    value.sum().backward()
    rtol = 1e-6 if dtype == "float32" else 1e-12
    assert_close(value, expected, rtol=rtol)
    assert_close(mu_t.grad, mu_grad, rtol=rtol)
    assert_close(var_t.grad, var_grad, rtol=rtol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gaussian_nll_gradients_jax_jit_match_torch(dtype):
    """Under XLA too (which folds chains of constant factors), the clamp keeps torch's gradient."""
    jax = pytest.importorskip("jax")
    jnp = Backend.JAX.namespace()
    y, mu, var = gaussian_case(dtype)
    var[0, :3] = [0.0, 1e-7, 1e-30]
    expected, mu_grad, var_grad = torch_gaussian_nll(y, mu, var, full=True, dtype=dtype)

    def total(m, v):
        return jnp.sum(gaussian_nll(jnp.asarray(y), m, var=v, full=True))

    value, (grad_mu, grad_var) = jax.jit(jax.value_and_grad(total, argnums=(0, 1)))(jnp.asarray(mu), jnp.asarray(var))
    rtol = 1e-5 if dtype == "float32" else 1e-12  # XLA fuses float32 arithmetic differently from torch
    assert_close(value, np.sum(expected), rtol=rtol, xp=jnp)
    assert_close(grad_mu, mu_grad, rtol=rtol, xp=jnp)
    assert_close(grad_var, var_grad, rtol=rtol, xp=jnp)


def test_gaussian_nll_gradients_match_finite_differences_above_eps():
    torch = pytest.importorskip("torch")
    y, mu, var = gaussian_case()
    var_t = torch.tensor(var, requires_grad=True)
    gaussian_nll(torch.tensor(y), torch.tensor(mu), var=var_t).sum().backward()
    fd = finite_difference(lambda v: gaussian_nll(y, mu, var=v), var)
    assert_close(var_t.grad, fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("eps", [1e-6, 0.5, 1e-300])
def test_gaussian_nll_other_eps_match_torch(eps):
    y, mu, var = gaussian_case()
    var[0, :2] = [0.0, 0.3]
    expected, _, var_grad = torch_gaussian_nll(y, mu, var, eps=eps)
    torch = pytest.importorskip("torch")
    var_t = torch.tensor(var, requires_grad=True)
    value = gaussian_nll(torch.tensor(y), torch.tensor(mu), var=var_t, eps=eps)
    value.sum().backward()
    assert_close(value, expected, rtol=1e-12)
    assert_close(var_t.grad, var_grad, rtol=1e-12)


# ---------------------------------------------------------------- GaussianNLL (packed mean, variance)


@pytest.mark.parametrize(
    ("pred_shape", "true_shape"),
    [((4, 5, 2), (4, 5)), ((4, 5, 2), (4, 5, 1)), ((4, 2), (4,)), ((4, 2), (4, 1))],
    ids=["d5", "d5_keepdims", "d1", "d1_keepdims"],
)
@pytest.mark.parametrize("full", [False, True], ids=["partial", "full"])
def test_class_matches_torch(xp, pred_shape, true_shape, full):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    y_pred = rng.normal(size=pred_shape)
    y_pred[..., 1] = rng.uniform(0.2, 2.0, size=pred_shape[:-1])
    y_true = rng.normal(size=true_shape)
    mean, var, target = (torch.tensor(a) for a in (y_pred[..., 0], y_pred[..., 1], y_true.reshape(pred_shape[:-1])))
    expected_mean = torch.nn.functional.gaussian_nll_loss(mean, target, var, full=full).numpy()
    expected_none = torch.nn.functional.gaussian_nll_loss(mean, target, var, full=full, reduction="none")
    if len(pred_shape) == 3:
        expected_none = expected_none.mean(dim=-1)
    actual = GaussianNLL(full=full)(xp.asarray(y_true), xp.asarray(y_pred))
    assert_close(actual, expected_mean, xp=xp)
    actual_none = GaussianNLL(full=full, reduction="none")(xp.asarray(y_true), xp.asarray(y_pred))
    assert_close(actual_none, expected_none.numpy(), xp=xp)


def test_class_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    y_pred = rng.normal(size=(3, 2))
    y_pred[:, 1] = [0.5, 1e-8, 2.0]  # one clamped variance
    y_true = rng.normal(size=(3, 1))
    mean = torch.tensor(y_pred[:, 0], requires_grad=True)
    var = torch.tensor(y_pred[:, 1], requires_grad=True)
    torch.nn.functional.gaussian_nll_loss(mean, torch.tensor(y_true[:, 0]), var).backward()
    pred_t = torch.tensor(y_pred, requires_grad=True)
    GaussianNLL()(torch.tensor(y_true), pred_t).backward()
    assert_close(pred_t.grad, torch.stack([mean.grad, var.grad], dim=-1), rtol=1e-12)


def test_class_sample_weight():
    rng = np.random.default_rng(6)
    y_pred = np.stack([rng.normal(size=4), rng.uniform(0.5, 2.0, size=4)], axis=-1)
    y_true = rng.normal(size=4)
    weights = np.array([1.0, 0.0, 2.0, 0.5])
    per_sample = 0.5 * (np.log(y_pred[:, 1]) + (y_true - y_pred[:, 0]) ** 2 / y_pred[:, 1])
    actual = GaussianNLL(reduction="sum")(y_true, y_pred, sample_weight=weights)
    assert math.isclose(float(actual), float(np.sum(weights * per_sample)), rel_tol=1e-12)


# ---------------------------------------------------------------- jit and class forms


def test_jax_jit_matches_numpy():
    jax = pytest.importorskip("jax")
    jnp = Backend.JAX.namespace()
    y, x = count_case()
    yg, mug, var = gaussian_case()
    calls = [
        (lambda a, b: poisson_nll(a, b, full=True), y, x),
        (poisson_deviance, y, np.exp(x)),
        (lambda a, b: tweedie_deviance(a, b, power=1.5), y, np.exp(x)),
        (lambda a, b: gaussian_nll(a, b, var=var), yg, mug),
    ]
    for fn, a, b in calls:
        expected = fn(a, b)
        assert_close(jax.jit(fn)(jnp.asarray(a), jnp.asarray(b)), expected, rtol=1e-12, xp=jnp)


@pytest.mark.parametrize(
    ("cls", "fn", "kwargs", "case"),
    [
        (PoissonNLL, poisson_nll, {"full": True}, "counts"),
        (PoissonNLL, poisson_nll, {"log_input": False, "eps": 1e-4}, "rates"),
        (PoissonDeviance, poisson_deviance, {}, "rates"),
        (GammaDeviance, gamma_deviance, {}, "positive"),
        (TweedieDeviance, tweedie_deviance, {"power": 1.2}, "rates"),
    ],
)
def test_class_none_equals_function(cls, fn, kwargs, case):
    y, x = count_case()
    if case == "rates":
        x = np.exp(x)
    elif case == "positive":
        y, x = positive_case(2.0)
    expected = fn(y, x, **kwargs)
    assert_close(cls(reduction="none", **kwargs)(y, x), expected, rtol=1e-14)
    assert math.isclose(float(cls(**kwargs)(y, x)), float(np.mean(expected)), rel_tol=1e-12)


# ---------------------------------------------------------------- stability


def test_zero_targets_give_closed_forms_and_finite_gradients():
    torch = pytest.importorskip("torch")
    mu = np.array([[0.5, 1.0, 4.0]])
    y = np.zeros_like(mu)
    assert_close(poisson_deviance(y, mu), np.mean(2 * mu, axis=-1), rtol=1e-14)
    # p in (1, 2), y = 0: 2 mu^(2-p) / (2-p)
    assert_close(tweedie_deviance(y, mu, power=1.5), np.mean(4 * np.sqrt(mu), axis=-1), rtol=1e-14)
    assert_close(poisson_nll(y, np.log(mu), full=True), np.mean(mu, axis=-1), rtol=1e-14)
    for fn in (
        poisson_deviance,
        lambda a, b: tweedie_deviance(a, b, power=1.5),
        lambda a, b: tweedie_deviance(a, b, power=1.0),
        lambda a, b: tweedie_deviance(a, b, power=-0.5),
        lambda a, b: poisson_nll(a, torch.log(b), full=True),
        lambda a, b: poisson_nll(a, b, log_input=False, full=True),
    ):
        y_t = torch.zeros(1, 3, dtype=torch.float64, requires_grad=True)
        mu_t = torch.tensor(mu, requires_grad=True)
        value = fn(y_t, mu_t)
        value.sum().backward()
        assert torch.isfinite(value).all()
        assert torch.isfinite(y_t.grad).all()
        assert torch.isfinite(mu_t.grad).all()


def test_zero_targets_jax_grad_finite():
    jax = pytest.importorskip("jax")
    jnp = Backend.JAX.namespace()
    y, mu = jnp.zeros((1, 3)), jnp.asarray([[0.5, 1.0, 4.0]])
    for fn in (poisson_deviance, lambda a, b: poisson_nll(a, jnp.log(b), full=True)):
        grads = jax.grad(lambda a, b, fn=fn: jnp.sum(fn(a, b)), argnums=(0, 1))(y, mu)
        assert all(bool(jnp.all(jnp.isfinite(g))) for g in grads)


@pytest.mark.parametrize("dtype", DTYPES)
def test_huge_log_input_matches_torch(dtype):
    """exp(80) = 5.5e34 fits float32 (max 3.4e38): finite in both dtypes, as in torch."""
    torch = pytest.importorskip("torch")
    x = np.array([[80.0, -80.0, 0.0]], dtype=dtype)
    y = np.array([[3.0, 0.0, 1.0]], dtype=dtype)
    x_t = torch.tensor(x, requires_grad=True)
    value = poisson_nll(torch.tensor(y), x_t, full=True)
    value.sum().backward()
    expected, expected_grad = torch_poisson_nll(y, x, True, True, grad=True)
    assert np.isfinite(expected).all()
    assert_close(value, expected, rtol=rtol_for(dtype))
    assert_close(x_t.grad, expected_grad, rtol=rtol_for(dtype))


def test_log_input_beyond_float32_range_is_inf_as_torch():
    """Above ~88.7 the loss itself exceeds float32: inf (not NaN), as torch; float64 stays finite."""
    torch = pytest.importorskip("torch")
    x = np.array([[100.0]], dtype="float32")
    y = np.array([[1.0]], dtype="float32")
    ours = poisson_nll(torch.tensor(y), torch.tensor(x))
    theirs = torch.nn.functional.poisson_nll_loss(torch.tensor(x), torch.tensor(y), reduction="none")
    assert torch.isinf(ours).all() and torch.isinf(theirs).all()
    assert np.isfinite(poisson_nll(y.astype("float64"), x.astype("float64"))).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_var_at_zero_is_finite(xp, dtype):
    y = np.array([[1.0, 0.0, 1.0]], dtype=dtype)
    mu = np.zeros((1, 3), dtype=dtype)
    var = np.array([[0.0, 0.0, 1e-30]], dtype=dtype)
    actual = gaussian_nll(xp.asarray(y), xp.asarray(mu), var=xp.asarray(var))
    eps = np.float64(np.asarray(1e-6, dtype=dtype))
    expected = np.mean(0.5 * (np.log(eps) + y.astype("float64") ** 2 / eps), axis=-1)
    assert_close(actual, expected, rtol=rtol_for(dtype), xp=xp)


def test_negative_var_without_checks_is_finite():
    """torch raises on negative variances; without value checks losslab clamps them to eps, finitely."""
    torch = pytest.importorskip("torch")
    var_t = torch.tensor([[-1.0, -5e-7, 1.0]], dtype=torch.float64, requires_grad=True)
    value = gaussian_nll(torch.ones(1, 3, dtype=torch.float64), torch.zeros(1, 3, dtype=torch.float64), var=var_t)
    value.sum().backward()
    expected = np.mean([0.5 * (math.log(1e-6) + 1e6)] * 2 + [0.5])
    assert_close(value, np.array([expected]), rtol=1e-12)
    assert torch.isfinite(var_t.grad).all()


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("power", "match"),
    [
        (0.5, r"power must be <= 0 or >= 1 .*got power=0\.5"),
        (1e-3, r"got power=0\.001"),
        (float("nan"), r"power must be a finite real number; got power=nan"),
        (True, r"got power=True"),
        ("1.5", r"got power='1\.5'"),
    ],
)
def test_bad_power_raises(power, match):
    with pytest.raises(ValueError, match=f"tweedie_deviance: .*{match}"):
        tweedie_deviance([[1.0]], [[1.0]], power=power)
    with pytest.raises(ValueError, match=f"TweedieDeviance: .*{match}"):
        TweedieDeviance(power=power)


@pytest.mark.parametrize("power", [0, 1, -2.0, 1.0000001, 7.0])
def test_valid_powers_accepted(power):
    assert np.isfinite(tweedie_deviance([[1.0]], [[2.0]], power=power)).all()


@pytest.mark.parametrize("eps", [0.0, -1e-8, float("inf"), None])
def test_bad_eps_raises(eps):
    with pytest.raises(ValueError, match=r"poisson_nll: eps must be a float in \(0, inf\); got eps="):
        poisson_nll([[1.0]], [[1.0]], eps=eps)
    with pytest.raises(ValueError, match=r"gaussian_nll: eps must be a float in \(0, inf\); got eps="):
        gaussian_nll([[1.0]], [[1.0]], var=1.0, eps=eps)
    with pytest.raises(ValueError, match=r"PoissonNLL: eps must"):
        PoissonNLL(eps=eps)
    with pytest.raises(ValueError, match=r"GaussianNLL: eps must"):
        GaussianNLL(eps=eps)


def test_negative_float_var_raises_like_torch():
    with pytest.raises(ValueError, match=r"gaussian_nll: var must be >= 0; got var=-0\.5"):
        gaussian_nll([[1.0]], [[1.0]], var=-0.5)


@pytest.mark.parametrize("var_shape", [(4, 3), (4, 5, 1), (5,), (1, 1), (4, 2)], ids=lambda s: "x".join(map(str, s)))
def test_bad_var_shape_raises(var_shape):
    torch = pytest.importorskip("torch")
    y, mu, _ = gaussian_case()
    var = np.ones(var_shape)
    with pytest.raises(ValueError, match="var is of incorrect size"):  # torch rejects these too
        torch.nn.functional.gaussian_nll_loss(torch.tensor(mu), torch.tensor(y), torch.tensor(var))
    with pytest.raises(ValueError, match=rf"var must have y_pred's shape \(4, 5\).*got var of shape \({var_shape[0]},"):
        gaussian_nll(y, mu, var=var)


@pytest.mark.parametrize(
    ("true_shape", "pred_shape", "match"),
    [
        ((4,), (4, 3), r"y_pred must end with an axis of size 2 .*got y_pred of shape \(4, 3\)"),
        ((4, 2), (4, 2), r"y_true must have shape \(4,\) or \(4, 1\) .*got y_true of shape \(4, 2\)"),
        ((4, 3), (4, 5, 2), r"y_true must have shape \(4, 5\) or \(4, 5, 1\) .*got y_true of shape \(4, 3\)"),
    ],
)
def test_class_bad_shapes_raise(xp, true_shape, pred_shape, match):
    with pytest.raises(ValueError, match=f"GaussianNLL: {match}"):
        GaussianNLL()(xp.asarray(np.zeros(true_shape)), xp.asarray(np.ones(pred_shape)))


def test_value_checks_follow_the_domains():
    with losslab.value_checks():
        with pytest.raises(ValueError, match=r"gamma_deviance: y_true must be > 0; got values from 0 to 2"):
            gamma_deviance([[0.0, 2.0]], [[1.0, 1.0]])
        with pytest.raises(ValueError, match=r"tweedie_deviance: y_pred must be > 0; got values from -1 to 1"):
            tweedie_deviance([[1.0, 1.0]], [[-1.0, 1.0]], power=1.5)
        with pytest.raises(ValueError, match=r"poisson_deviance: y_true must lie in \[0, inf\]; got values from -1"):
            poisson_deviance([[-1.0]], [[1.0]])
        with pytest.raises(ValueError, match=r"gaussian_nll: var must lie in \[0, inf\]; got values from -1"):
            gaussian_nll([[0.0]], [[0.0]], var=np.array([[-1.0]]))
        with pytest.raises(ValueError, match=r"poisson_nll: y_pred must lie in \[0, inf\]"):
            poisson_nll([[1.0]], [[-1.0]], log_input=False)
        tweedie_deviance([[0.0]], [[1.0]], power=1.5)  # zero targets are in the domain
        tweedie_deviance([[-3.0]], [[-1.0]], power=0.0)  # squared error: anything goes
        poisson_nll([[1.0]], [[-1.0]])  # log-rates may be negative
    assert np.isfinite(gamma_deviance([[1.0]], [[1.0]])).all()


# ---------------------------------------------------------------- registry


@pytest.mark.parametrize(
    ("cls", "kwargs", "name"),
    [
        (PoissonNLL, {"log_input": False, "full": True, "eps": 1e-3}, "poisson_nll"),
        (PoissonDeviance, {}, "poisson_deviance"),
        (GammaDeviance, {}, "gamma_deviance"),
        (TweedieDeviance, {"power": 3.0}, "tweedie_deviance"),
        (GaussianNLL, {"full": True, "eps": 1e-4}, "gaussian_nll"),
    ],
)
def test_config_round_trip(cls, kwargs, name):
    loss = cls(reduction="sum", **kwargs)
    config = serialize(loss)
    assert config == {"class_name": cls.__name__, "config": {"name": name, "reduction": "sum", **kwargs}}
    rebuilt = deserialize(config)
    assert type(rebuilt) is cls
    assert rebuilt.get_config() == loss.get_config()
    for key, value in kwargs.items():
        assert getattr(rebuilt, key) == value
    assert isinstance(get(cls.__name__), cls)


def test_names_and_aliases():
    assert get("poisson_nll") is poisson_nll
    assert get("tweedie_deviance") is tweedie_deviance
    assert serialize(gamma_deviance) == "gamma_deviance"
    assert get("poisson") is not poisson_nll  # Keras's poisson is untouched
