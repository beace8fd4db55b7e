"""Gradients w.r.t. ``y_pred`` against central finite differences, for every loss.

The oracle is a central finite difference (step 1e-6) of the class form's
default reduction (``sum_over_batch_size``) on the NumPy float64 backend. The
gradients under test come from torch autograd, ``jax.grad`` and
``jax.jit(jax.grad(...))`` on the same float64 inputs.

Kinks (``|e|``, hinge margins, ``max``, clipping) make finite differences
meaningless at and near them, so inputs are redrawn until every coordinate is
at least ``KINK_GAP`` away from every kink of its loss (see ``_smooth``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from losslab.testing import Backend, assert_close
from tests.losses._registry import CASES, Case, case_id

MAX_ELEMENTS = 24
STEP = 1e-6
RTOL, ATOL = 1e-5, 1e-7
KINK_GAP = 1e-2  # far more than STEP: a central difference never straddles a kink

PARAMS = [
    pytest.param(case, kwargs, id=f"{case_id(case)}-{i}") for case in CASES for i, kwargs in enumerate(case.kwargs)
]


def small_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with its largest axes halved until it holds at most ``MAX_ELEMENTS`` values."""
    shape = list(shape)
    while math.prod(shape) > MAX_ELEMENTS:
        i = int(np.argmax(shape))
        if shape[i] <= 2:
            break
        shape[i] = max(2, shape[i] // 2)
    return tuple(shape)


_PROBABILITY_LOSSES = {
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "sparse_categorical_crossentropy",
    "categorical_generalized_cross_entropy",
    "kl_divergence",
    "poly1_crossentropy",
    "symmetric_crossentropy",
    "class_weighted_crossentropy",
}


def _distinct(errors: np.ndarray) -> bool:
    """Whether the errors of each row (last axis) are ``KINK_GAP`` apart: sorting them is then locally fixed."""
    gaps = np.diff(np.sort(errors, axis=-1), axis=-1)
    return bool(np.all(gaps > KINK_GAP))


def _rows(x: np.ndarray, per_image: bool) -> np.ndarray:
    """``(rows, pixels)``: one row per image, or one for the whole batch."""
    return x.reshape(len(x) if per_image else 1, -1)


def _lovasz_smooth(kwargs: dict, y_true: np.ndarray, y_pred: np.ndarray, hinge: bool) -> bool:
    """The Lovasz losses sort errors: no two (positive) errors of one row within ``KINK_GAP``, none near 0."""
    ignore = kwargs.get("ignore_index")
    valid = np.ones(y_true.shape, bool) if ignore is None else y_true != ignore
    if hinge:
        per_image = kwargs.get("per_image", True)
        margins = (2.0 * y_true - 1.0) * y_pred
        if not _far(margins[valid], 1.0):  # the hinge max(0, 1 - margin)
            return False
        errors = np.where(valid & (margins < 1.0), 1.0 - margins, np.nan)
        return all(_distinct(row[~np.isnan(row)]) for row in _rows(errors, per_image))
    per_image = kwargs.get("per_image", False)
    probs = np.exp(y_pred - y_pred.max(-1, keepdims=True)) if kwargs.get("from_logits") else y_pred
    probs = probs / probs.sum(-1, keepdims=True) if kwargs.get("from_logits") else probs
    truth = y_true[..., None] == np.arange(y_pred.shape[-1])
    errors = np.abs(truth - probs)
    for c in range(y_pred.shape[-1]):
        for row, keep in zip(_rows(errors[..., c], per_image), _rows(valid, per_image), strict=True):
            if not _distinct(row[keep]):
                return False
    return True


def _triplet_smooth(kwargs: dict, y_pred: np.ndarray) -> bool:
    """Away from the hinge at 0, from ties of the distance swap and from the kinks of the p-norm."""
    p, eps = kwargs.get("p", 2.0), kwargs.get("eps", 1e-6)
    anchor, positive, negative = y_pred[..., 0, :], y_pred[..., 1, :], y_pred[..., 2, :]
    differences = [anchor - positive + eps, anchor - negative + eps, positive - negative + eps]
    if p == 1 and not all(_far(d, 0.0) for d in differences):
        return False
    distances = [np.linalg.norm(d, ord=p, axis=-1) for d in differences]
    negative_distance = np.minimum(distances[1], distances[2]) if kwargs.get("swap") else distances[1]
    swap_ok = not kwargs.get("swap") or _far(distances[1] - distances[2], 0.0)
    return swap_ok and _far(kwargs.get("margin", 1.0) + distances[0] - negative_distance, 0.0)


def _far(x: np.ndarray, kink: float) -> bool:
    return bool(np.all(np.abs(x - kink) > KINK_GAP))


def _smooth(case: Case, kwargs: dict, y_true: np.ndarray, y_pred: np.ndarray) -> bool:
    """Whether every coordinate of ``y_pred`` is ``KINK_GAP`` away from the loss's kinks."""
    name = case.name
    if name in ("mean_absolute_error", "mean_absolute_percentage_error", "pinball", "expectile"):
        return _far(y_pred - y_true, 0.0)
    if name == "smooth_l1":
        return _far(np.abs(y_pred - y_true), kwargs.get("beta", 1.0))
    if name == "mean_squared_logarithmic_error":  # clip(y_pred, 1e-7)
        return _far(y_pred, 0.0)
    if name == "huber":  # C1 at |e| = delta, but keep away anyway
        return _far(np.abs(y_pred - y_true), kwargs.get("delta", 1.0))
    if name in ("hinge", "squared_hinge"):
        signs = 2.0 * y_true - 1.0 if np.all((y_true == 0) | (y_true == 1)) else y_true
        return _far(signs * y_pred, 1.0)
    if name == "perceptron":  # max(0, -y f): the kink is at the margin 0
        signs = 2.0 * y_true - 1.0 if np.all((y_true == 0) | (y_true == 1)) else y_true
        return _far(signs * y_pred, 0.0)
    if name == "binary_sparsemax":  # C1 at the margins -1 and 1, but keep away anyway
        signs = 2.0 * y_true - 1.0 if np.all((y_true == 0) | (y_true == 1)) else y_true
        return _far(signs * y_pred, 1.0) and _far(signs * y_pred, -1.0)
    if name == "categorical_hinge":
        negatives = np.sort((1.0 - y_true) * y_pred, axis=-1)  # the max over these is a kink on ties
        positive = np.sum(y_true * y_pred, axis=-1)
        gaps_ok = bool(np.all(negatives[..., -1] - negatives[..., -2] > KINK_GAP))
        return gaps_ok and _far(negatives[..., -1] - positive + 1.0, 0.0)
    if name == "circle":
        # distance = clip(1 - x.x', 0); weights clip at distance = 1 + margin.
        dots = y_pred @ y_pred.T
        off_diagonal = dots[~np.eye(len(dots), dtype=bool)]
        margin = kwargs.get("margin", 0.4)
        return _far(off_diagonal, 1.0) and _far(off_diagonal, -margin) and bool(np.all(np.diag(dots) < 1.0 - KINK_GAP))
    if name == "margin_ranking":  # max(0, margin - y (x1 - x2))
        return _far(y_true * (y_pred[..., 0] - y_pred[..., 1]), kwargs.get("margin", 0.0))
    if name == "triplet_margin":
        return _triplet_smooth(kwargs, y_pred)
    if name == "contrastive":  # max(margin - D, 0)^2 is C1 at D = margin, but keep away anyway
        return _far(y_pred, kwargs.get("margin", 1.0))
    if name in ("lovasz_hinge", "lovasz_softmax"):
        return _lovasz_smooth(kwargs, y_true, y_pred, hinge=name == "lovasz_hinge")
    if name in _PROBABILITY_LOSSES and not kwargs.get("from_logits", False):
        # probabilities must stay clear of the clip to [1e-7, 1 - 1e-7]
        return bool(np.all((y_pred > 1e-5) & (y_pred < 1.0 - 1e-5)))
    return True


def smooth_inputs(case: Case, kwargs: dict, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Float64 inputs of ``case`` drawn until no coordinate sits near a kink."""
    for seed in range(200):
        y_true, y_pred = case.make(np.random.default_rng(seed), shape)
        if case.name == "circle":
            y_pred = 0.9 * y_pred  # |x| = 1 puts every diagonal distance exactly on the clip at 0
        if _smooth(case, kwargs, y_true, y_pred):
            return y_true, y_pred.astype(np.float64)
    raise AssertionError(f"no kink-free inputs found for {case_id(case)} {kwargs}")


def finite_difference(case: Case, kwargs: dict, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Central differences of the class form's default reduction on NumPy float64."""
    loss = case.loss_class(**kwargs)
    grad = np.empty_like(y_pred)
    for index in np.ndindex(y_pred.shape):
        plus, minus = y_pred.copy(), y_pred.copy()
        plus[index] += STEP
        minus[index] -= STEP
        grad[index] = (float(loss(y_true, plus)) - float(loss(y_true, minus))) / (2 * STEP)
    return grad


@pytest.fixture(scope="module")
def oracles():
    """FD gradients and NumPy values, computed once per (case, kwargs)."""
    cache = {}

    def get(case, kwargs):
        key = (case_id(case), repr(kwargs))
        if key not in cache:
            shape = small_shape(case.shapes[0])
            y_true, y_pred = smooth_inputs(case, kwargs, shape)
            value = float(case.loss_class(**kwargs)(y_true, y_pred))
            cache[key] = (y_true, y_pred, value, finite_difference(case, kwargs, y_true, y_pred))
        return cache[key]

    return get


def test_small_shape_caps_elements():
    for case in CASES:
        assert math.prod(small_shape(case.shapes[0])) <= MAX_ELEMENTS


@pytest.mark.parametrize(("case", "kwargs"), PARAMS)
def test_torch_autograd_matches_finite_differences(case, kwargs, oracles):
    torch = pytest.importorskip("torch")
    y_true, y_pred, value, expected = oracles(case, kwargs)
    pred = torch.tensor(y_pred, dtype=torch.float64, requires_grad=True)
    loss = case.loss_class(**kwargs)(torch.asarray(y_true), pred)
    assert loss.dtype == torch.float64 and loss.ndim == 0
    loss.backward()
    assert_close(loss, np.asarray(value), rtol=1e-12, atol=1e-14)
    assert pred.grad is not None
    assert_close(pred.grad, expected, rtol=RTOL, atol=ATOL)


JAX_PARAMS = [
    pytest.param(*p.values, jit, id=f"{p.id}-{'jit' if jit else 'eager'}")
    for p in PARAMS
    for jit in (False, True)
    if jit or p.id.endswith("-0")
]
"""Every argument set under ``jax.jit``; eagerly, each loss's first: the same code runs op by op, and JAX's eager
mode compiles each operation for each new shape, which made the eager half four times the jitted one."""


@pytest.mark.parametrize(("case", "kwargs", "jit"), JAX_PARAMS)
def test_jax_grad_matches_finite_differences(case, kwargs, jit, oracles):
    pytest.importorskip("jax")
    jnp = Backend.JAX.namespace()  # enables x64 before any float64 array is made
    import jax

    y_true, y_pred, value, expected = oracles(case, kwargs)
    labels = jnp.asarray(y_true)
    loss = case.loss_class(**kwargs)

    def objective(p):
        return loss(labels, p)

    grad_fn = jax.grad(objective)
    if jit:
        grad_fn = jax.jit(grad_fn)
    pred = jnp.asarray(y_pred, dtype=jnp.float64)
    grad = grad_fn(pred)
    assert grad.dtype == jnp.float64
    assert_close(objective(pred), np.asarray(value), rtol=1e-12, atol=1e-14)
    assert_close(grad, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(("case", "kwargs"), PARAMS)
def test_finite_differences_are_not_trivial(case, kwargs, oracles):
    """Guard the oracle itself: a gradient that is zero everywhere would prove nothing."""
    _, _, _, expected = oracles(case, kwargs)
    assert np.all(np.isfinite(expected))
    assert np.max(np.abs(expected)) > 1e-4
