"""Where keras <= 3.15 is wrong, losslab follows the formula; each case shows both.

Every expected value here is worked by hand or by NumPy from the published
formula, and the Keras value is checked to differ, so the test fails if
either side changes.
"""

from __future__ import annotations

import numpy as np
import pytest

import losslab

pytestmark = pytest.mark.keras


def test_tversky_alpha_weights_false_positives(keras):
    y_true = np.array([[1.0, 1.0, 0.0, 0.0]], dtype=np.float32)
    y_pred = np.array([[1.0, 0.0, 1.0, 1.0]], dtype=np.float32)  # TP 1, FP 2, FN 1
    expected = 1 - 1 / (1 + 0.7 * 2 + 0.3 * 1)  # Salehi et al.: alpha on FP
    assert float(losslab.tversky(y_true, y_pred, alpha=0.7, beta=0.3)) == pytest.approx(expected, rel=1e-6)
    swapped = float(keras.losses.tversky(y_true, y_pred, alpha=0.7, beta=0.3))
    assert swapped == pytest.approx(1 - 1 / (1 + 0.7 * 1 + 0.3 * 2), rel=1e-6)


def test_label_smoothing_uses_the_class_axis(keras):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=(4, 5))
    y_true = np.moveaxis(np.eye(3)[labels], -1, 1).astype(np.float32)  # (4, 3 classes, 5)
    y_pred = rng.uniform(0.1, 1.0, size=(4, 3, 5)).astype(np.float32)
    smoothed = y_true * 0.8 + 0.2 / 3
    probs = np.clip(y_pred / y_pred.sum(axis=1, keepdims=True), 1e-7, 1 - 1e-7)
    expected = -(smoothed * np.log(probs)).sum(axis=1)
    actual = losslab.categorical_crossentropy(y_true, y_pred, label_smoothing=0.2, axis=1)
    np.testing.assert_allclose(actual, expected, rtol=1e-5)
    keras_value = np.asarray(keras.losses.categorical_crossentropy(y_true, y_pred, label_smoothing=0.2, axis=1))
    assert not np.allclose(keras_value, expected, rtol=1e-3)  # Keras divides by shape[-1] = 5


def test_per_sample_weights_weight_samples_for_square_per_timestep_losses(keras):
    rng = np.random.default_rng(1)
    y_true = rng.normal(size=(3, 3, 2)).astype(np.float32)  # per-sample losses of shape (3, 3)
    y_pred = rng.normal(size=(3, 3, 2)).astype(np.float32)
    weights = np.array([1.0, 0.0, 2.0], dtype=np.float32)
    per_value = ((y_true - y_pred) ** 2).mean(axis=-1)
    expected = (per_value * weights[:, None]).sum() / per_value.size
    actual = losslab.MeanSquaredError()(y_true, y_pred, sample_weight=weights)
    assert float(actual) == pytest.approx(expected, rel=1e-5)
    keras_value = float(keras.losses.MeanSquaredError()(y_true, y_pred, sample_weight=weights))
    assert keras_value == pytest.approx((per_value * weights[None, :]).sum() / per_value.size, rel=1e-5)


def test_generalized_cross_entropy_accepts_column_labels(keras):
    labels = np.array([[0], [2], [1]])
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]], dtype=np.float32)
    expected = (1 - np.array([0.7, 0.8, 0.3]) ** 0.5) / 0.5
    np.testing.assert_allclose(losslab.categorical_generalized_cross_entropy(labels, probs), expected, rtol=1e-6)
    assert np.shape(keras.losses.categorical_generalized_cross_entropy(labels, probs, q=0.5)) != (3,)


def test_bce_from_logits_does_not_saturate():
    # -log(sigmoid(-30)) = 30 + log1p(exp(-30)); Keras's NumPy backend clips it near 15.9.
    value = float(losslab.binary_crossentropy(np.array([[0.0]]), np.array([[30.0]]), from_logits=True)[0])
    assert value == pytest.approx(30.0 + np.log1p(np.exp(-30.0)), rel=1e-7)


def test_mean_with_sample_weight_divides_by_the_broadcast_weights():
    values = np.array([[1.0, 3.0]])  # per-sample mae of (2, 1)-shaped data: [1, 3]
    loss = losslab.MeanAbsoluteError(reduction="mean_with_sample_weight")
    out = loss(np.zeros((2, 1)), values.T, sample_weight=0.5)
    assert float(out) == pytest.approx((0.5 * 1 + 0.5 * 3) / (0.5 + 0.5))
