"""Cross-entropies at their edges: masked (-inf) logits and class indices out of range."""

from __future__ import annotations

import math

import numpy as np
import pytest

import losslab
from losslab.testing import Backend, assert_close
from tests.losses._edges import PATHS, as_float64, on_path, value_and_grad
from tests.losses._registry import CASES, case_id

CLASS_LOGIT_NAMES = (
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "sparse_categorical_crossentropy",
    "poly1_crossentropy",
    "sparse_poly1_crossentropy",
    "symmetric_crossentropy",
    "class_weighted_crossentropy",
    "lovasz_softmax",
    "tversky",
    "focal_tversky",
)
"""Every registry loss that takes logits over a class axis (``from_logits``; the overlap losses with ``mode``)."""

MASKED_CASES = [
    pytest.param(case, kwargs, id=f"{case_id(case)}-{i}")
    for case in CASES
    if case.name in CLASS_LOGIT_NAMES
    for i, kwargs in enumerate(case.kwargs)
    if kwargs.get("from_logits")
    and not kwargs.get("label_smoothing")  # smoothing gives every class target mass
    and kwargs.get("mode", "multiclass") == "multiclass"  # binary and multi-label modes: a sigmoid per class
]


def test_every_class_logit_loss_is_covered():
    assert {case.name for case in CASES if any(k.get("from_logits") for k in case.kwargs)} - {
        "binary_crossentropy",
        "binary_focal_crossentropy",
    } == set(CLASS_LOGIT_NAMES)


def _masked_inputs(case):
    """Inputs of shape (6, 4) and the same logits with one class without target mass per sample at -inf."""
    rng = np.random.default_rng(9)
    y_true, logits = case.make(rng, (6, 4))
    labels = y_true if y_true.ndim == 1 else np.argmax(y_true, axis=-1)
    masked_class = (labels + 1 + rng.integers(0, 3, size=labels.shape)) % 4  # never the labelled class
    masked = logits.copy()
    masked[np.arange(6), masked_class] = -np.inf
    very_negative = logits.copy()
    very_negative[np.arange(6), masked_class] = -1e4  # exp(-1e4) is 0 in float64: the same softmax
    return y_true, masked, very_negative, masked_class


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("case", "kwargs"), MASKED_CASES)
def test_a_masked_class_without_target_mass_adds_nothing(case, kwargs, path, xp, backend):
    """A -inf logit for a class with no target mass (vocabulary or action masks) gives the loss of a logit so
    negative that its probability is 0 in float64, with a finite gradient that is 0 at the masked logit."""
    y_true, masked, very_negative, masked_class = _masked_inputs(case)
    loss = case.loss_class(**kwargs)
    with on_path(path):
        expected = loss(xp.asarray(y_true), xp.asarray(very_negative))
        value, grad = value_and_grad(loss, xp.asarray(y_true), xp.asarray(masked), backend)
    assert np.isfinite(as_float64(value))
    assert_close(value, as_float64(expected), xp=xp, rtol=1e-12, atol=1e-12)
    if grad is not None:
        grad = as_float64(grad)
        assert np.isfinite(grad).all()
        np.testing.assert_array_equal(grad[np.arange(6), masked_class], 0.0)


def test_masked_logits_match_torch_cross_entropy_with_class_indices():
    torch = pytest.importorskip("torch")
    logits = np.array([[0.0, -np.inf, 1.0], [2.0, -np.inf, 0.5]])
    labels = np.array([0, 2])
    expected = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels))  # finite, the oracle
    one_hot = np.eye(3)[labels]
    for backend in (Backend.NUMPY, Backend.TORCH, Backend.JAX):
        if not backend.available():
            continue
        xp = backend.namespace()
        for path in PATHS:
            with on_path(path):
                dense = losslab.CategoricalCrossentropy(from_logits=True)(xp.asarray(one_hot), xp.asarray(logits))
                sparse = losslab.SparseCategoricalCrossentropy(from_logits=True)(xp.asarray(labels), xp.asarray(logits))
            assert_close(dense, expected.numpy(), xp=xp, rtol=1e-12)
            assert_close(sparse, expected.numpy(), xp=xp, rtol=1e-12)


@pytest.mark.parametrize("path", PATHS)
def test_target_mass_on_a_masked_class_costs_infinity_as_in_torch(path, xp):
    """The labelled class at -inf is an impossible target: +inf, as torch's cross_entropy gives (not NaN)."""
    logits = xp.asarray(np.array([[0.0, -np.inf, 1.0]]))
    with on_path(path):
        dense = losslab.categorical_crossentropy(xp.asarray(np.array([[0.0, 1.0, 0.0]])), logits, from_logits=True)
        sparse = losslab.sparse_categorical_crossentropy(xp.asarray(np.array([1])), logits, from_logits=True)
    assert as_float64(dense)[0] == math.inf
    assert as_float64(sparse)[0] == math.inf


# ---------------------------------------------------------------- class indices out of range

LOGITS = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5], [0.2, 0.3, 0.1], [3.0, 1.0, 0.0]])
LABELS = np.array([2, 3, -1, 1])  # 3 and -1 are outside [0, 3)


def _torch_oracle(from_logits: bool) -> np.ndarray:
    """torch's cross_entropy of the valid samples (its kernel raises on the others)."""
    torch = pytest.importorskip("torch")
    x = torch.tensor(LOGITS if from_logits else np.log(LOGITS_AS_PROBABILITIES))
    valid = (LABELS >= 0) & (LABELS < 3)
    out = np.full(len(LABELS), np.nan)
    out[valid] = torch.nn.functional.cross_entropy(x[valid], torch.tensor(LABELS[valid]), reduction="none").numpy()
    return out


LOGITS_AS_PROBABILITIES = np.exp(LOGITS) / np.exp(LOGITS).sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("path", PATHS)
def test_a_label_out_of_range_gives_nan_on_every_path(from_logits, path, xp):
    """Without value checks a label outside [0, C) gives NaN for its sample on every backend and path (it was a
    silent 0 on most and torch's IndexError on its kernel); the valid samples keep torch's values."""
    y_pred = xp.asarray(LOGITS if from_logits else LOGITS_AS_PROBABILITIES)
    with on_path(path):
        out = losslab.sparse_categorical_crossentropy(xp.asarray(LABELS), y_pred, from_logits=from_logits)
        mean = losslab.SparseCategoricalCrossentropy(from_logits=from_logits)(xp.asarray(LABELS), y_pred)
        ignored = losslab.sparse_categorical_crossentropy(
            xp.asarray(LABELS), y_pred, from_logits=from_logits, ignore_class=3
        )
    expected = _torch_oracle(from_logits)
    np.testing.assert_allclose(as_float64(out), expected, rtol=1e-6)  # NaN where NaN
    assert math.isnan(float(as_float64(mean)))
    np.testing.assert_allclose(as_float64(ignored), np.where(LABELS == 3, 0.0, expected), rtol=1e-6)


def test_a_label_out_of_range_raises_under_value_checks():
    with losslab.value_checks(), pytest.raises(ValueError, match=r"class indices must lie in \[0, 3\)"):
        losslab.sparse_categorical_crossentropy(LABELS, LOGITS, from_logits=True)


@pytest.mark.parametrize(("case", "kwargs"), MASKED_CASES)
def test_value_checks_let_masked_logits_through_and_refuse_nan_and_a_row_with_every_class_masked(case, kwargs):
    y_true, masked, very_negative, _ = _masked_inputs(case)
    loss = case.loss_class(**kwargs)
    with losslab.value_checks():
        checked = loss(y_true, masked)
        nan = masked.copy()
        nan[0, 0] = np.nan
        with pytest.raises(ValueError, match=r"y_pred holds 1 NaN or \+inf value\(s\), the first at index \(0, 0\)"):
            loss(y_true, nan)
        all_masked = masked.copy()
        all_masked[2] = -np.inf
        with pytest.raises(ValueError, match=r"masks every class of the sample at index \(2,\)"):
            loss(y_true, all_masked)
    np.testing.assert_allclose(checked, loss(y_true, very_negative), rtol=1e-12)
