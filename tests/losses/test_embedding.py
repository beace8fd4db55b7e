"""Metric-learning losses: torch.nn.functional and the papers' formulas as oracles."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from losslab.losses._embedding import (
    Contrastive,
    MarginRanking,
    TripletMargin,
    contrastive,
    margin_ranking,
    triplet_margin,
)
from losslab.losses._registry import deserialize, get, serialize
from losslab.testing import Backend, assert_close

torch = pytest.importorskip("torch")
F = torch.nn.functional


def tolerance(dtype: str) -> dict[str, float]:
    """float32 against a float64 reference; atol for values that cancel to near 0."""
    return {"rtol": 1e-5, "atol": 1e-6} if dtype == "float32" else {"rtol": 1e-10, "atol": 1e-12}


def numeric_grad(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central finite differences of a scalar function of a float64 NumPy array."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


@functools.cache
def jax_grad(loss_name: str, kwargs: tuple = ()):
    """``jax.jit(jax.grad)`` of the summed loss with respect to ``y_pred``, compiled once."""
    jax = pytest.importorskip("jax")
    jnp = Backend.JAX.namespace()
    fn = {"margin_ranking": margin_ranking, "triplet_margin": triplet_margin, "contrastive": contrastive}[loss_name]
    return jax.jit(jax.grad(lambda y_pred, y_true: jnp.sum(fn(y_true, y_pred, **dict(kwargs)))))


def ranking_case(rng: np.random.Generator, shape=(7,)) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.choice([-1.0, 1.0], size=shape)
    scores = rng.normal(size=(*shape, 2))
    return labels, scores


def triplet_case(rng: np.random.Generator, batch: int = 6, d: int = 4) -> np.ndarray:
    return rng.normal(size=(batch, 3, d))


# ---------------------------------------------------------------- margin ranking


def torch_margin_ranking(labels, scores, margin, reduction="none"):
    s = torch.tensor(scores, dtype=torch.float64)
    return F.margin_ranking_loss(
        s[..., 0], s[..., 1], torch.tensor(labels, dtype=torch.float64), margin=margin, reduction=reduction
    ).numpy()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("margin", [0.0, 0.7])
def test_margin_ranking_matches_torch(xp, rng, dtype, margin):
    labels, scores = ranking_case(rng)
    expected = torch_margin_ranking(labels, scores, margin)
    assert (expected > 0).any() and (expected == 0).any()
    actual = margin_ranking(xp.asarray(labels.astype(dtype)), xp.asarray(scores.astype(dtype)), margin=margin)
    assert actual.dtype == getattr(xp, dtype)
    assert_close(actual, expected, xp=xp, **tolerance(dtype))


def test_margin_ranking_extra_axes_and_column_labels(rng):
    labels, scores = ranking_case(rng, shape=(4, 3))
    expected = torch_margin_ranking(labels, scores, 0.3)
    assert_close(margin_ranking(labels, scores, margin=0.3), expected)
    labels, scores = ranking_case(rng)
    expected = torch_margin_ranking(labels, scores, 0.3)
    assert_close(margin_ranking(labels[:, None], scores, margin=0.3), expected)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_margin_ranking_class_matches_torch_reduction(xp, rng, reduction):
    labels, scores = ranking_case(rng)
    expected = torch_margin_ranking(labels, scores, 0.5, reduction=reduction)
    actual = MarginRanking(margin=0.5, reduction=reduction)(xp.asarray(labels), xp.asarray(scores))
    assert_close(actual, expected, xp=xp)


# ---------------------------------------------------------------- triplet


def torch_triplet(y_pred, reduction="none", **kwargs):
    t = torch.tensor(y_pred, dtype=torch.float64)
    return F.triplet_margin_loss(t[:, 0], t[:, 1], t[:, 2], reduction=reduction, **kwargs).numpy()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_matches_torch(xp, rng, dtype, swap):
    y_pred = triplet_case(rng)
    expected = torch_triplet(y_pred, margin=1.0, swap=swap)
    assert (expected > 0).sum() >= 3
    actual = triplet_margin(None, xp.asarray(y_pred.astype(dtype)), swap=swap)
    assert actual.dtype == getattr(xp, dtype)
    assert_close(actual, expected, xp=xp, **tolerance(dtype))


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, 1.5, 0.5, math.inf])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_norms_and_swap_match_torch(rng, p, swap):
    y_pred = triplet_case(rng, batch=8)
    expected = torch_triplet(y_pred, margin=0.5, p=p, eps=1e-3, swap=swap)
    assert_close(triplet_margin(None, y_pred, margin=0.5, p=p, eps=1e-3, swap=swap), expected)


def test_swap_changes_the_answer(rng):
    """Guards the oracle: the triplets used above are ones where the swap matters."""
    y_pred = triplet_case(rng)
    assert not np.allclose(torch_triplet(y_pred, swap=True), torch_triplet(y_pred, swap=False))


def test_triplet_tuple_and_any_y_true_give_the_stacked_answer(xp, rng):
    y_pred = triplet_case(rng)
    expected = torch_triplet(y_pred)
    parts = tuple(xp.asarray(y_pred[:, i]) for i in range(3))
    assert_close(triplet_margin(None, parts), expected, xp=xp)
    assert_close(triplet_margin(xp.asarray(np.ones(6)), xp.asarray(y_pred)), expected, xp=xp)


def test_triplet_matches_optax_without_eps(rng):
    """optax adds eps inside the sum of squares; with eps=0 both are the Euclidean triplet loss."""
    optax = pytest.importorskip("optax")
    jnp = Backend.JAX.namespace()
    y_pred = triplet_case(rng)
    a, p, n = (jnp.asarray(y_pred[:, i]) for i in range(3))
    expected = np.asarray(optax.losses.triplet_margin_loss(a, p, n, margin=1.0, eps=0.0))
    assert_close(triplet_margin(None, y_pred, eps=0.0), expected)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_triplet_class_matches_torch_reduction(xp, rng, reduction):
    y_pred = triplet_case(rng)
    expected = torch_triplet(y_pred, reduction=reduction, margin=2.0, swap=True)
    loss = TripletMargin(margin=2.0, swap=True, reduction=reduction)
    assert_close(loss(None, xp.asarray(y_pred)), expected, xp=xp)
    assert_close(loss(None, tuple(xp.asarray(y_pred[:, i]) for i in range(3))), expected, xp=xp)


def test_triplet_class_ignores_y_true_of_any_shape(rng):
    """A (batch, 3) y_true must not be rank-aligned against a (batch, 3, 1) y_pred."""
    y_pred = triplet_case(rng, d=1)
    expected = torch_triplet(y_pred, reduction="none")
    assert_close(TripletMargin(reduction="none")(np.zeros((6, 3)), y_pred), expected)


# ---------------------------------------------------------------- contrastive


def hadsell(Y: np.ndarray, D: np.ndarray, m: float) -> np.ndarray:
    """Hadsell, Chopra & LeCun (2006), eq. 4: Y = 0 for similar pairs, with the 1/2 factors."""
    return (1 - Y) * 0.5 * D**2 + Y * 0.5 * np.maximum(0.0, m - D) ** 2


def keras_io(y: np.ndarray, d: np.ndarray, margin: float) -> float:
    """keras.io "siamese_contrastive" example: y = 0 for matching pairs, mean over the batch."""
    return float(np.mean((1 - y) * np.square(d) + y * np.square(np.maximum(margin - d, 0))))


def contrastive_case(rng: np.random.Generator, batch: int = 8) -> tuple[np.ndarray, np.ndarray]:
    similar = (np.arange(batch) % 2).astype("float64")
    distances = rng.uniform(0.05, 2.5, size=batch)
    return similar, distances


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("margin", [1.0, 2.0])
def test_contrastive_matches_hadsell(xp, rng, dtype, margin):
    similar, distances = contrastive_case(rng)
    expected = 2.0 * hadsell(1.0 - similar, distances, margin)
    actual = contrastive(xp.asarray(similar.astype(dtype)), xp.asarray(distances.astype(dtype)), margin=margin)
    assert actual.dtype == getattr(xp, dtype)
    assert_close(actual, expected, xp=xp, **tolerance(dtype))


def test_contrastive_keras_io_convention(rng):
    similar, distances = contrastive_case(rng)
    expected = keras_io(1.0 - similar, distances, 1.5)
    assert_close(Contrastive(margin=1.5)(similar, distances), np.asarray(expected))


def test_contrastive_shapes(rng):
    similar, distances = contrastive_case(rng)
    expected = 2.0 * hadsell(1.0 - similar, distances, 1.0)
    assert_close(contrastive(similar, distances[:, None]), expected)
    assert_close(contrastive(similar[:, None], distances), expected)
    # (batch, k): the mean over the last axis, as for any elementwise loss
    grid = np.stack([distances, distances[::-1]], axis=1)
    labels = np.stack([similar, 1.0 - similar], axis=1)
    assert_close(contrastive(labels, grid), 2.0 * hadsell(1.0 - labels, grid, 1.0).mean(axis=1))


# ---------------------------------------------------------------- gradients and jit


def cases(rng: np.random.Generator) -> dict[str, tuple[np.ndarray, np.ndarray, dict]]:
    """Inputs away from the hinges' kinks, so finite differences are exact up to O(h^2)."""
    labels, scores = ranking_case(rng)
    similar, distances = contrastive_case(rng)
    distances[0::2] = np.linspace(0.1, 0.8, distances[0::2].size)  # dissimilar pairs inside the margin
    return {
        "margin_ranking": (labels, scores, {"margin": 5.0}),
        "triplet_margin": (np.zeros(6), triplet_case(rng), {"margin": 5.0, "p": 3.0, "swap": True}),
        "contrastive": (similar, distances, {"margin": 1.0}),
    }


FUNCTIONS = {"margin_ranking": margin_ranking, "triplet_margin": triplet_margin, "contrastive": contrastive}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_torch_and_jax_gradients_match_finite_differences(rng, name):
    y_true, y_pred, kwargs = cases(rng)[name]
    fn = FUNCTIONS[name]
    expected = numeric_grad(lambda x: float(np.sum(fn(y_true, x, **kwargs))), y_pred)
    assert np.abs(expected).max() > 0.1
    y_pred_t = torch.tensor(y_pred, requires_grad=True)
    fn(torch.tensor(y_true), y_pred_t, **kwargs).sum().backward()
    assert_close(y_pred_t.grad, expected, rtol=1e-6, atol=1e-8)
    jnp = Backend.JAX.namespace()
    grad = jax_grad(name, tuple(sorted(kwargs.items())))(jnp.asarray(y_pred), jnp.asarray(y_true))
    assert_close(grad, expected, rtol=1e-6, atol=1e-8, xp=jnp)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_jax_jit_matches_numpy(rng, name):
    jax = pytest.importorskip("jax")
    jnp = Backend.JAX.namespace()
    y_true, y_pred, kwargs = cases(rng)[name]
    jitted = jax.jit(functools.partial(FUNCTIONS[name], **kwargs))
    assert_close(jitted(jnp.asarray(y_true), jnp.asarray(y_pred)), FUNCTIONS[name](y_true, y_pred, **kwargs), xp=jnp)


# ---------------------------------------------------------------- stability


@pytest.mark.parametrize("p", [2.0, 3.0, 1.0, math.inf])
@pytest.mark.parametrize("eps", [1e-6, 0.0])
def test_triplet_zero_distances_have_finite_gradients(p, eps):
    """Identical embeddings: torch's eps keeps the norm positive; eps=0 makes it exactly 0."""
    y_pred = np.ones((2, 3, 4))
    y_pred[1, 2] = 2.0  # one negative that differs
    expected = torch_triplet(y_pred, p=p, eps=eps)
    y_pred_t = torch.tensor(y_pred, requires_grad=True)
    value = triplet_margin(None, y_pred_t, p=p, eps=eps)
    value.sum().backward()
    assert_close(value, expected, rtol=1e-12)
    assert torch.isfinite(y_pred_t.grad).all()
    jnp = Backend.JAX.namespace()
    grad = jax_grad("triplet_margin", (("eps", eps), ("p", p)))(jnp.asarray(y_pred), jnp.zeros(2))
    assert bool(jnp.all(jnp.isfinite(grad)))


def test_triplet_difference_of_minus_eps_has_zero_gradient_like_torch():
    """``a - p + eps == 0`` exactly: the norm is 0, where torch's norm backward gives 0."""
    y_pred = np.zeros((1, 3, 2))
    y_pred[0, 1] = 0.5  # a - p + eps = 0 with eps = 0.5
    y_pred[0, 2] = -3.0
    expected = torch.tensor(y_pred, requires_grad=True)
    F.triplet_margin_loss(expected[:, 0], expected[:, 1], expected[:, 2], margin=5.0, eps=0.5).sum().backward()
    actual = torch.tensor(y_pred, requires_grad=True)
    triplet_margin(None, actual, margin=5.0, eps=0.5).sum().backward()
    assert_close(actual.grad, expected.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_large_scores_and_distances(dtype):
    labels = np.array([1.0, -1.0])
    scores = np.array([[1e4, -1e4], [1e4, -1e4]], dtype=dtype)
    assert_close(margin_ranking(labels, scores), np.array([0.0, 2e4]))
    y_pred = np.zeros((1, 3, 2), dtype=dtype)
    y_pred[0, 2] = 1e4  # 1e4 ** 10 overflows float32: the general-p norm must scale first
    t = torch.tensor(y_pred.astype("float64"))
    expected = F.triplet_margin_loss(t[:, 0], t[:, 1], t[:, 2], margin=3e4, p=10, reduction="none").numpy()
    y_pred_t = torch.tensor(y_pred, requires_grad=True)
    value = triplet_margin(None, y_pred_t, margin=3e4, p=10.0)
    value.sum().backward()
    assert_close(value, expected, rtol=1e-6)
    assert torch.isfinite(y_pred_t.grad).all()


def test_contrastive_gradient_at_zero_distance():
    distances = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    contrastive(torch.tensor([1.0, 0.0]), distances).sum().backward()
    assert_close(distances.grad, np.array([0.0, -2.0]))


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: margin_ranking([1.0], [[1.0, 2.0]], margin=-1.0),
            r"margin_ranking: margin must be a float in \[0, inf\); got margin=-1.0",
        ),
        (lambda: margin_ranking([1.0], [[1.0, 2.0, 3.0]]), r"last axis of size 2.*got y_pred \(1, 3\)"),
        (lambda: margin_ranking([1.0, 1.0], [[1.0, 2.0]]), r"shape \(1,\).*got y_true \(2,\) and y_pred \(1, 2\)"),
        (
            lambda: triplet_margin(None, np.zeros((2, 3, 4)), p=0),
            r"triplet_margin: p must be a float in \(0, inf\]; got p=0.0",
        ),
        (
            lambda: triplet_margin(None, np.zeros((2, 3, 4)), eps=-1e-6),
            r"triplet_margin: eps must be a float in \[0, inf\); got eps=-1e-06",
        ),
        (
            lambda: triplet_margin(None, np.zeros((2, 3, 4)), margin=float("nan")),
            r"triplet_margin: margin must be a float",
        ),
        (lambda: triplet_margin(None, np.zeros((2, 4))), r"\(batch, \.\.\., 3, d\); got y_pred \(2, 4\)"),
        (lambda: triplet_margin(None, np.zeros((2, 2, 4))), r"got y_pred \(2, 2, 4\)"),
        (lambda: triplet_margin(None, (np.zeros((2, 4)), np.zeros((2, 4)))), r"got a tuple of 2"),
        (lambda: triplet_margin(None, (np.zeros((2, 4)),) * 2 + (np.zeros((2, 3)),)), r"share one shape"),
        (lambda: contrastive([1.0, 0.0], [0.5, 0.5], margin=-0.5), r"contrastive: margin must be a float"),
        (lambda: contrastive([1.0, 0.0], [0.5, 0.5, 0.5]), r"same shape"),
        (lambda: MarginRanking(margin=-1.0), r"MarginRanking: margin must be"),
        (lambda: TripletMargin(p=-2.0), r"TripletMargin: p must be"),
        (lambda: Contrastive(margin="1"), r"Contrastive: margin must be .* of type str"),
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_value_checks_catch_bad_labels_and_distances():
    import losslab

    with losslab.value_checks():
        with pytest.raises(ValueError, match=r"y_true must lie in \[-1, 1\]"):
            margin_ranking([2.0], [[1.0, 2.0]])
        with pytest.raises(ValueError, match=r"y_pred must lie in \[0, inf\]"):
            contrastive([1.0], [-0.5])


# ---------------------------------------------------------------- registry


@pytest.mark.parametrize(
    ("loss", "alias"),
    [
        (MarginRanking(margin=0.25, reduction="sum", name="rank"), "MarginRanking"),
        (TripletMargin(margin=0.5, p=math.inf, eps=0.0, swap=True), "TripletMargin"),
        (Contrastive(margin=2.0, reduction="none"), "ContrastiveLoss"),
    ],
)
def test_config_round_trip(loss, alias):
    config = serialize(loss)
    rebuilt = deserialize(config)
    assert type(rebuilt) is type(loss)
    assert rebuilt.get_config() == loss.get_config()
    assert isinstance(get(alias), type(loss))


def test_function_names_and_aliases():
    assert get("contrastive_loss") is contrastive
    assert serialize(triplet_margin) == "triplet_margin"
    assert serialize(TripletMargin(p=3.0))["config"] == {
        "name": "triplet_margin",
        "reduction": "sum_over_batch_size",
        "margin": 1.0,
        "p": 3.0,
        "eps": 1e-6,
        "swap": False,
    }
