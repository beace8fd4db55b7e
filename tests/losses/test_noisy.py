"""Noisy-label and class-imbalance losses: torch, optax and the papers' formulas as oracles."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from losslab.losses._noisy import (
    ClassWeightedCrossentropy,
    MultilabelSoftMargin,
    Poly1Crossentropy,
    SparsePoly1Crossentropy,
    SymmetricCrossentropy,
    class_balanced_weights,
    class_weighted_crossentropy,
    multilabel_soft_margin,
    poly1_crossentropy,
    sparse_poly1_crossentropy,
    symmetric_crossentropy,
)
from losslab.losses._registry import deserialize, get, serialize
from losslab.testing import Backend, assert_close

torch = pytest.importorskip("torch")
F = torch.nn.functional

BATCH, CLASSES = 6, 4
WEIGHTS = np.array([0.5, 2.0, 1.0, 3.0])


def tolerance(dtype: str) -> dict[str, float]:
    return {"rtol": 1e-5, "atol": 1e-6} if dtype == "float32" else {"rtol": 1e-10, "atol": 1e-12}


def numeric_grad(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central finite differences of a scalar function of a float64 NumPy array."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


def case(rng: np.random.Generator, scale: float = 2.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels (indices), their one-hot encoding and logits; every class appears."""
    labels = np.array([0, 1, 2, 3, 1, 3])
    logits = scale * rng.normal(size=(BATCH, CLASSES))
    return labels, np.eye(CLASSES)[labels], logits


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def as_dtype(xp, array: np.ndarray, dtype: str):
    return xp.asarray(array.astype(dtype))


# ---------------------------------------------------------------- multilabel soft margin


def torch_multilabel(targets, logits, weight=None, reduction="none"):
    w = None if weight is None else torch.tensor(weight, dtype=torch.float64)
    return F.multilabel_soft_margin_loss(
        torch.tensor(logits, dtype=torch.float64),
        torch.tensor(targets, dtype=torch.float64),
        weight=w,
        reduction=reduction,
    ).numpy()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("weight", [None, WEIGHTS], ids=["unweighted", "weighted"])
def test_multilabel_soft_margin_matches_torch(xp, rng, dtype, weight):
    targets = (rng.uniform(size=(BATCH, CLASSES)) > 0.5).astype("float64")
    logits = 3.0 * rng.normal(size=(BATCH, CLASSES))
    expected = torch_multilabel(targets, logits, weight)
    w = None if weight is None else xp.asarray(weight)
    actual = multilabel_soft_margin(as_dtype(xp, targets, dtype), as_dtype(xp, logits, dtype), weight=w)
    assert actual.dtype == getattr(xp, dtype)
    assert_close(actual, expected, xp=xp, **tolerance(dtype))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_multilabel_soft_margin_class_matches_torch(xp, rng, reduction):
    targets = (rng.uniform(size=(BATCH, CLASSES)) > 0.5).astype("float64")
    logits = rng.normal(size=(BATCH, CLASSES))
    expected = torch_multilabel(targets, logits, WEIGHTS, reduction)
    loss = MultilabelSoftMargin(weight=WEIGHTS, reduction=reduction)
    assert_close(loss(xp.asarray(targets), xp.asarray(logits)), expected, xp=xp)


# ---------------------------------------------------------------- PolyLoss


def optax_poly1(labels: np.ndarray, logits: np.ndarray, epsilon: float) -> np.ndarray:
    optax = pytest.importorskip("optax")
    jnp = Backend.JAX.namespace()
    return np.asarray(optax.losses.poly_loss_cross_entropy(jnp.asarray(logits), jnp.asarray(labels), epsilon=epsilon))


def paper_poly1(labels: np.ndarray, probs: np.ndarray, epsilon: float) -> np.ndarray:
    """Leng et al. (2022), eq. 2 and their label-smoothing code: CE + eps * sum(labels * (1 - p))."""
    return -np.sum(labels * np.log(probs), axis=-1) + epsilon * np.sum(labels * (1.0 - probs), axis=-1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("epsilon", [1.0, 2.0, -1.0])
def test_poly1_matches_optax(xp, rng, dtype, epsilon):
    _, one_hot, logits = case(rng)
    expected = optax_poly1(one_hot, logits, epsilon)
    actual = poly1_crossentropy(as_dtype(xp, one_hot, dtype), as_dtype(xp, logits, dtype), epsilon=epsilon)
    assert actual.dtype == getattr(xp, dtype)
    assert_close(actual, expected, xp=xp, **tolerance(dtype))


def test_poly1_label_smoothing_matches_optax_on_smoothed_labels(rng):
    _, one_hot, logits = case(rng)
    smoothed = one_hot * 0.9 + 0.1 / CLASSES
    expected = optax_poly1(smoothed, logits, 2.0)
    assert_close(poly1_crossentropy(one_hot, logits, epsilon=2.0, label_smoothing=0.1), expected)
    labels = np.argmax(one_hot, axis=-1)
    assert_close(sparse_poly1_crossentropy(labels, logits, epsilon=2.0, label_smoothing=0.1), expected)


def test_poly1_epsilon_zero_is_cross_entropy(rng):
    labels, one_hot, logits = case(rng)
    expected = F.cross_entropy(torch.tensor(logits), torch.tensor(labels), reduction="none").numpy()
    assert_close(poly1_crossentropy(one_hot, logits, epsilon=0.0), expected)


def test_poly1_probabilities_match_paper_formula(xp, rng):
    _, one_hot, logits = case(rng)
    probs = softmax(logits)
    expected = paper_poly1(one_hot, probs, 2.0)
    actual = poly1_crossentropy(xp.asarray(one_hot), xp.asarray(probs), epsilon=2.0, from_logits=False)
    assert_close(actual, expected, xp=xp)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sparse_poly1_matches_torch_formula(xp, rng, dtype):
    labels, _, logits = case(rng)
    logits_t = torch.tensor(logits)
    p_t = torch.softmax(logits_t, dim=-1)[torch.arange(BATCH), torch.tensor(labels)]
    expected = (F.cross_entropy(logits_t, torch.tensor(labels), reduction="none") + 2.0 * (1 - p_t)).numpy()
    actual = sparse_poly1_crossentropy(xp.asarray(labels), as_dtype(xp, logits, dtype), epsilon=2.0)
    assert_close(actual, expected, xp=xp, **tolerance(dtype))
    assert_close(sparse_poly1_crossentropy(labels[:, None], logits, epsilon=2.0), expected)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_poly1_classes_reduce_like_torch(rng, reduction):
    labels, one_hot, logits = case(rng)
    p_t = softmax(logits)[np.arange(BATCH), labels]
    per_sample = F.cross_entropy(torch.tensor(logits), torch.tensor(labels), reduction="none").numpy() + (1 - p_t)
    expected = per_sample.mean() if reduction == "mean" else per_sample.sum()
    assert_close(Poly1Crossentropy(reduction=reduction)(one_hot, logits), np.asarray(expected))
    assert_close(SparsePoly1Crossentropy(reduction=reduction)(labels, logits), np.asarray(expected))


# ---------------------------------------------------------------- symmetric cross-entropy


def authors_sce(labels: np.ndarray, logits: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """The SCELoss of Wang et al.'s PyTorch code, per sample: labels clamped to [1e-4, 1] in the RCE."""
    logits_t = torch.tensor(logits)
    ce = F.cross_entropy(logits_t, torch.tensor(labels), reduction="none")
    pred = torch.clamp(F.softmax(logits_t, dim=1), min=1e-7, max=1.0)
    label_one_hot = torch.clamp(F.one_hot(torch.tensor(labels), CLASSES).double(), min=1e-4, max=1.0)
    rce = -1 * torch.sum(pred * torch.log(label_one_hot), dim=1)
    return (alpha * ce + beta * rce).numpy()


def paper_sce(one_hot: np.ndarray, probs: np.ndarray, alpha: float, beta: float, A: float) -> np.ndarray:
    """Wang et al. (2019), eq. 4-5 for one-hot labels: RCE = -A * sum_{k != y} p_k = -A (1 - p_y)."""
    ce = -np.sum(one_hot * np.log(probs), axis=-1)
    rce = -A * (1.0 - np.sum(one_hot * probs, axis=-1))
    return alpha * ce + beta * rce


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sce_matches_paper_formula(xp, rng, dtype):
    _, one_hot, logits = case(rng, scale=1.0)  # p >= 1e-7 everywhere, so the clip does not act
    probs = softmax(logits)
    expected = paper_sce(one_hot, probs, 0.1, 1.0, -4.0)
    actual = symmetric_crossentropy(as_dtype(xp, one_hot, dtype), as_dtype(xp, probs, dtype))
    assert actual.dtype == getattr(xp, dtype)
    assert_close(actual, expected, xp=xp, **tolerance(dtype))


def test_sce_logits_match_authors_code(xp, rng):
    labels, one_hot, logits = case(rng, scale=1.0)
    expected = authors_sce(labels, logits, alpha=6.0, beta=0.1)
    actual = symmetric_crossentropy(
        xp.asarray(one_hot), xp.asarray(logits), alpha=6.0, beta=0.1, from_logits=True, log_zero=math.log(1e-4)
    )
    assert_close(actual, expected, xp=xp, rtol=1e-9)


def test_sce_soft_labels_follow_the_authors_clamp(rng):
    _, one_hot, logits = case(rng, scale=1.0)
    soft = one_hot * 0.99 + 0.01 / CLASSES  # 0.0025 < exp(-4): clamped to log 0 := -4
    probs = softmax(logits)
    ce = -np.sum(soft * np.log(probs), axis=-1)
    rce = -np.sum(probs * np.log(np.clip(soft, math.exp(-4.0), 1.0)), axis=-1)
    assert_close(symmetric_crossentropy(soft, logits, alpha=0.5, from_logits=True), 0.5 * ce + rce, rtol=1e-9)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_sce_class_reduces_like_the_authors_code(rng, reduction):
    labels, one_hot, logits = case(rng, scale=1.0)
    per_sample = authors_sce(labels, logits, alpha=0.1, beta=1.0)
    expected = per_sample.mean() if reduction == "mean" else per_sample.sum()
    loss = SymmetricCrossentropy(from_logits=True, log_zero=math.log(1e-4), reduction=reduction)
    assert_close(loss(one_hot, logits), np.asarray(expected), rtol=1e-9)


# ---------------------------------------------------------------- class-balanced weights


def cui_weights(samples_per_cls: list[int], beta: float) -> np.ndarray:
    """Cui et al.'s reference code: effective number, inverse, normalised to sum to C."""
    effective_num = 1.0 - np.power(beta, samples_per_cls)
    weights = (1.0 - beta) / np.array(effective_num)
    return weights / np.sum(weights) * len(samples_per_cls)


@pytest.mark.parametrize("beta", [0.9, 0.99, 0.999, 0.9999])
def test_class_balanced_weights_match_reference(beta):
    counts = [5000, 2000, 300, 40, 7]
    weights = class_balanced_weights(counts, beta=beta)
    assert isinstance(weights, np.ndarray) and weights.dtype == np.float64
    assert_close(weights, cui_weights(counts, beta), rtol=1e-9)
    assert math.isclose(weights.sum(), len(counts))


def test_class_balanced_weight_limits():
    counts = np.array([100, 10, 1])
    assert_close(class_balanced_weights(counts, beta=0.0), np.ones(3))
    inverse_frequency = (1 / counts) * 3 / (1 / counts).sum()
    assert_close(class_balanced_weights(counts, beta=1.0), inverse_frequency)
    assert_close(class_balanced_weights(counts, beta=1 - 1e-12), inverse_frequency, rtol=1e-9)
    assert_close(class_balanced_weights(torch.tensor([3, 3]), beta=0.5), np.ones(2))


@pytest.mark.parametrize(
    ("counts", "beta", "match"),
    [
        ([10, 0, 3], 0.99, r"finite, positive sample count; got \[10.0, 0.0, 3.0\]"),
        ([10, -1], 0.99, r"positive sample count"),
        ([[1, 2]], 0.99, r"1-D sequence of counts.*got shape \(1, 2\)"),
        ([], 0.99, r"non-empty"),
        ([1, 2], 1.5, r"class_balanced_weights: beta must be a float in \[0, 1\]; got beta=1.5"),
        ([1, 2], -0.1, r"beta must be a float in"),
    ],
)
def test_class_balanced_weights_errors(counts, beta, match):
    with pytest.raises(ValueError, match=match):
        class_balanced_weights(counts, beta=beta)


# ---------------------------------------------------------------- class-weighted cross-entropy


def torch_ce(target, logits, weight, reduction="none"):
    target_t = torch.tensor(target)
    if target_t.is_floating_point():
        target_t = target_t.double()
    return F.cross_entropy(
        torch.tensor(logits, dtype=torch.float64), target_t, weight=torch.tensor(weight), reduction=reduction
    ).numpy()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("sparse", [True, False])
def test_class_weighted_matches_torch(xp, rng, dtype, sparse):
    labels, one_hot, logits = case(rng)
    expected = torch_ce(labels, logits, WEIGHTS)
    y_true = xp.asarray(labels) if sparse else as_dtype(xp, one_hot, dtype)
    actual = class_weighted_crossentropy(
        y_true, as_dtype(xp, logits, dtype), class_weight=xp.asarray(WEIGHTS), from_logits=True, sparse=sparse
    )
    assert actual.dtype == getattr(xp, dtype)
    assert_close(actual, expected, xp=xp, **tolerance(dtype))


def test_class_weighted_soft_labels_match_torch(rng):
    _, _, logits = case(rng)
    soft = softmax(rng.normal(size=(BATCH, CLASSES)))
    expected = torch_ce(soft, logits, WEIGHTS)
    assert_close(class_weighted_crossentropy(soft, logits, class_weight=WEIGHTS, from_logits=True), expected)
    # torch's "mean" with probability targets divides by the batch size: our default reduction
    loss = ClassWeightedCrossentropy(class_weight=WEIGHTS, from_logits=True)
    assert_close(loss(soft, logits), torch_ce(soft, logits, WEIGHTS, "mean"))


def test_class_weighted_probabilities_match_nll(rng):
    labels, one_hot, logits = case(rng)
    probs = softmax(logits)
    log_probs = torch.log(torch.tensor(probs))
    expected = F.nll_loss(log_probs, torch.tensor(labels), weight=torch.tensor(WEIGHTS), reduction="none")
    assert_close(class_weighted_crossentropy(labels, probs, class_weight=WEIGHTS, sparse=True), expected.numpy())
    assert_close(class_weighted_crossentropy(one_hot, probs, class_weight=list(WEIGHTS)), expected.numpy())


@pytest.mark.parametrize("sparse", [True, False])
@pytest.mark.parametrize(("ours", "torchs"), [("sum", "sum"), ("mean_with_sample_weight", "mean")])
def test_class_weighted_reductions_match_torch(xp, rng, sparse, ours, torchs):
    labels, one_hot, logits = case(rng)
    expected = torch_ce(labels, logits, WEIGHTS, torchs)
    assert not math.isclose(float(expected), float(torch_ce(labels, logits, WEIGHTS, "none").mean()))
    loss = ClassWeightedCrossentropy(class_weight=WEIGHTS, from_logits=True, sparse=sparse, reduction=ours)
    y_true = xp.asarray(labels) if sparse else xp.asarray(one_hot)
    assert_close(loss(y_true, xp.asarray(logits)), expected, xp=xp)


def test_weighted_mean_with_sample_weights(rng):
    """Sample weights multiply the class weights in both the sum and the divisor."""
    labels, _, logits = case(rng)
    sample_weight = np.linspace(0.5, 2.0, BATCH)
    per_sample = torch_ce(labels, logits, WEIGHTS)
    expected = np.sum(sample_weight * per_sample) / np.sum(sample_weight * WEIGHTS[labels])
    loss = ClassWeightedCrossentropy(
        class_weight=WEIGHTS, from_logits=True, sparse=True, reduction="mean_with_sample_weight"
    )
    assert_close(loss(labels, logits, sample_weight=sample_weight), np.asarray(expected))


def test_class_weights_as_sample_weights_reproduce_torch(rng):
    """The recipe in the docs: sample_weight=class_weight[labels] with any loss class."""
    from losslab.losses._probabilistic import SparseCategoricalCrossentropy

    labels, _, logits = case(rng)
    loss = SparseCategoricalCrossentropy(from_logits=True, reduction="mean_with_sample_weight")
    assert_close(loss(labels, logits, sample_weight=WEIGHTS[labels]), torch_ce(labels, logits, WEIGHTS, "mean"))
    weights = class_balanced_weights([50, 20, 5, 1], beta=0.99)
    assert_close(loss(labels, logits, sample_weight=weights[labels]), torch_ce(labels, logits, weights, "mean"))


# ---------------------------------------------------------------- gradients and jit

FUNCTIONS = {
    "multilabel_soft_margin": (multilabel_soft_margin, {"weight": tuple(WEIGHTS)}),
    "poly1_crossentropy": (poly1_crossentropy, {"epsilon": 2.0, "label_smoothing": 0.1}),
    "sparse_poly1_crossentropy": (sparse_poly1_crossentropy, {"epsilon": -0.5}),
    "symmetric_crossentropy": (symmetric_crossentropy, {"alpha": 0.5, "from_logits": True}),
    "class_weighted_crossentropy": (class_weighted_crossentropy, {"class_weight": tuple(WEIGHTS), "from_logits": True}),
}


def inputs(name: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    labels, one_hot, logits = case(rng)
    if name == "multilabel_soft_margin":
        return (rng.uniform(size=logits.shape) > 0.5).astype("float64"), logits
    return (labels if name.startswith("sparse") else one_hot), logits


@functools.cache
def jax_grad(name: str):
    jax = pytest.importorskip("jax")
    jnp = Backend.JAX.namespace()
    fn, kwargs = FUNCTIONS[name]
    return jax.jit(jax.grad(lambda y_pred, y_true: jnp.sum(fn(y_true, y_pred, **kwargs))))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_torch_and_jax_gradients_match_finite_differences(rng, name):
    fn, kwargs = FUNCTIONS[name]
    y_true, y_pred = inputs(name, rng)
    expected = numeric_grad(lambda x: float(np.sum(fn(y_true, x, **kwargs))), y_pred)
    assert np.abs(expected).max() > 0.1
    y_pred_t = torch.tensor(y_pred, requires_grad=True)
    fn(torch.tensor(y_true), y_pred_t, **kwargs).sum().backward()
    assert_close(y_pred_t.grad, expected, rtol=1e-6, atol=1e-8)
    jnp = Backend.JAX.namespace()
    assert_close(jax_grad(name)(jnp.asarray(y_pred), jnp.asarray(y_true)), expected, rtol=1e-6, atol=1e-8, xp=jnp)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_jax_jit_matches_numpy(rng, name):
    jax = pytest.importorskip("jax")
    jnp = Backend.JAX.namespace()
    fn, kwargs = FUNCTIONS[name]
    y_true, y_pred = inputs(name, rng)
    jitted = jax.jit(functools.partial(fn, **kwargs))
    assert_close(jitted(jnp.asarray(y_true), jnp.asarray(y_pred)), fn(y_true, y_pred, **kwargs), xp=jnp)


# ---------------------------------------------------------------- stability


def huge(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    labels, one_hot, _ = case(rng)
    return labels, one_hot, 1e4 * np.sign(rng.normal(size=(BATCH, CLASSES)))


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_huge_logits_give_finite_values_and_gradients(rng, name, dtype):
    fn, kwargs = FUNCTIONS[name]
    labels, one_hot, logits = huge(rng)
    y_true = labels if name.startswith("sparse") else one_hot
    y_pred_t = torch.tensor(logits.astype(dtype), requires_grad=True)
    value = fn(torch.tensor(y_true), y_pred_t, **kwargs)
    value.sum().backward()
    assert torch.isfinite(value).all() and torch.isfinite(y_pred_t.grad).all()
    reference = fn(y_true, logits, **kwargs)  # float64 NumPy
    assert_close(value, reference, rtol=1e-6, atol=1e-6)
    jnp = Backend.JAX.namespace()
    assert bool(jnp.all(jnp.isfinite(jax_grad(name)(jnp.asarray(logits), jnp.asarray(y_true)))))


def test_huge_logits_match_torch(rng):
    labels, one_hot, logits = huge(rng)
    assert_close(multilabel_soft_margin(one_hot, logits, weight=WEIGHTS), torch_multilabel(one_hot, logits, WEIGHTS))
    assert_close(
        class_weighted_crossentropy(labels, logits, class_weight=WEIGHTS, from_logits=True, sparse=True),
        torch_ce(labels, logits, WEIGHTS),
    )
    assert_close(poly1_crossentropy(one_hot, logits, epsilon=2.0), optax_poly1(one_hot, logits, 2.0))
    # the authors clamp the softmax to [1e-7, 1] in the reverse term: it matters where p underflows
    sce = symmetric_crossentropy(one_hot, logits, from_logits=True, log_zero=math.log(1e-4))
    assert_close(sce, authors_sce(labels, logits, alpha=0.1, beta=1.0))


@pytest.mark.parametrize("from_logits", [True, False])
def test_poly1_at_certainty_is_zero_with_zero_gradient(from_logits):
    """p_t = 1: CE and 1 - p_t both vanish; saturated softmax and clipped probabilities stay finite."""
    y_pred = np.array([[1e4, -1e4, -1e4]]) if from_logits else np.array([[1.0, 0.0, 0.0]])
    y_pred_t = torch.tensor(y_pred, requires_grad=True)
    value = poly1_crossentropy(torch.tensor([[1.0, 0.0, 0.0]]), y_pred_t, epsilon=2.0, from_logits=from_logits)
    value.sum().backward()
    assert_close(value, np.zeros(1), atol=1e-6)
    assert torch.isfinite(y_pred_t.grad).all()
    if from_logits:
        assert_close(y_pred_t.grad, np.zeros((1, 3)), atol=0.0)


def test_sce_at_certainty_and_at_worst():
    one_hot = np.array([[1.0, 0.0], [1.0, 0.0]])
    probs = np.array([[1.0, 0.0], [0.0, 1.0]])
    out = symmetric_crossentropy(one_hot, probs, alpha=1.0, beta=1.0)
    # p is clipped to [1e-7, 1 - 1e-7]; the RCE of a sure wrong answer is -A (1 - p_y) = 4 (1 - 1e-7)
    expected = np.array([-math.log(1 - 1e-7) + 4.0 * 1e-7, -math.log(1e-7) + 4.0 * (1 - 1e-7)])
    assert_close(out, expected, rtol=1e-6)


# ---------------------------------------------------------------- errors


Y, Z, P = [[0.0, 1.0]], [[0.0, 0.0]], [[0.5, 0.5]]  # one-hot labels, logits and probabilities


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: poly1_crossentropy(Y, Z, epsilon=-1.5), r"epsilon must be a float in \[-1, inf\); got epsilon=-1.5"),
        (
            lambda: sparse_poly1_crossentropy([1], Z, epsilon=math.inf),
            r"sparse_poly1_crossentropy: epsilon must be a float",
        ),
        (lambda: poly1_crossentropy(Y, Z, label_smoothing=1.5), r"label_smoothing must be in \[0, 1\]; got 1.5"),
        (lambda: poly1_crossentropy([1, 0], Z * 2), r"looks like integer class indices; use sparse_poly1_crossentropy"),
        (lambda: sparse_poly1_crossentropy(Y, Z), r"looks one-hot encoded: use poly1_crossentropy"),
        (lambda: symmetric_crossentropy(Y, P, alpha=-0.1), r"alpha must be a float in \[0, inf\); got alpha=-0.1"),
        (lambda: symmetric_crossentropy(Y, P, beta=None), r"beta must be a float in"),
        (
            lambda: symmetric_crossentropy(Y, P, log_zero=0.0),
            r"log_zero must be a float in \(-inf, 0\); got log_zero=0.0",
        ),
        (lambda: symmetric_crossentropy([1], P), r"one-hot encode them"),
        (
            lambda: class_weighted_crossentropy([1, 0], P * 2, class_weight=[1.0, 2.0, 3.0], sparse=True),
            r"`class_weight` must hold one weight per class, shape \(2,\).*got class_weight of shape \(3,\)",
        ),
        (lambda: class_weighted_crossentropy([1, 0], P * 2, class_weight=[1.0, 2.0]), r"pass sparse=True"),
        (lambda: multilabel_soft_margin(Y, Z, weight=[[1.0, 1.0]]), r"`weight` must hold one weight per class"),
        (lambda: MultilabelSoftMargin(weight=[[1.0, 1.0]]), r"MultilabelSoftMargin: `weight` must be a 1-D .*\(1, 2\)"),
        (lambda: ClassWeightedCrossentropy(class_weight=3.0), r"`class_weight` must be a 1-D sequence"),
        (lambda: Poly1Crossentropy(epsilon=-2.0), r"Poly1Crossentropy: epsilon must be"),
        (lambda: SymmetricCrossentropy(log_zero=1.0), r"SymmetricCrossentropy: log_zero must be"),
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_value_checks_catch_probabilities_given_logits():
    import losslab

    with losslab.value_checks():
        with pytest.raises(ValueError, match=r"y_pred looks like logits"):
            symmetric_crossentropy([[0.0, 1.0]], [[2.0, -1.0]])
        with pytest.raises(ValueError, match=r"class_weight must lie in \[0, inf\]"):
            class_weighted_crossentropy([[0.0, 1.0]], [[0.5, 0.5]], class_weight=[1.0, -1.0])


# ---------------------------------------------------------------- registry


@pytest.mark.parametrize(
    "loss",
    [
        MultilabelSoftMargin(weight=np.array([1.0, 2.0]), reduction="sum"),
        Poly1Crossentropy(epsilon=2.0, label_smoothing=0.1),
        SparsePoly1Crossentropy(epsilon=-1.0, from_logits=False, name="p1"),
        SymmetricCrossentropy(alpha=6.0, beta=0.1, log_zero=math.log(1e-4)),
        ClassWeightedCrossentropy(torch.tensor([0.5, 2.0]), sparse=True, reduction="mean_with_sample_weight"),
    ],
    ids=lambda loss: type(loss).__name__,
)
def test_config_round_trip(loss):
    import json

    config = serialize(loss)
    rebuilt = deserialize(json.loads(json.dumps(config)))  # JSON-ready, weights included
    assert type(rebuilt) is type(loss)
    assert rebuilt.get_config() == loss.get_config()


def test_names_and_aliases():
    assert get("poly1_cross_entropy") is poly1_crossentropy
    assert get("symmetric_cross_entropy") is symmetric_crossentropy
    assert isinstance(get("SCELoss"), SymmetricCrossentropy)
    assert serialize(ClassWeightedCrossentropy([1, 2]))["config"]["class_weight"] == [1.0, 2.0]
    assert serialize(class_weighted_crossentropy) == "class_weighted_crossentropy"
