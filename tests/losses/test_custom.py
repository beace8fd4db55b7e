"""User-written losses: plain functions, Loss subclasses, registration, weighted sums."""

from __future__ import annotations

import json

import numpy as np
import pytest

import losslab

Y_TRUE = np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
Y_PRED = np.array([[0.5, 1.0], [2.0, -1.0], [0.0, 3.0]])


def mean_cubed_error(y_true, y_pred):
    return (abs(y_pred - y_true) ** 3).mean(axis=-1)


def test_any_function_becomes_a_full_loss():
    per_sample = np.abs(Y_PRED - Y_TRUE) ** 3
    per_sample = per_sample.mean(axis=-1)
    weights = np.array([1.0, 0.0, 2.0])
    loss = losslab.LossFunctionWrapper(mean_cubed_error, reduction="sum")
    assert float(loss(Y_TRUE, Y_PRED, sample_weight=weights)) == pytest.approx((per_sample * weights).sum())
    assert losslab.get(mean_cubed_error) is mean_cubed_error


def test_subclass_overriding_call_gets_reductions_and_weights():
    class QuarticError(losslab.Loss):
        def call(self, y_true, y_pred):
            return ((y_pred - y_true) ** 4).mean(axis=-1)

    expected = ((Y_PRED - Y_TRUE) ** 4).mean(axis=-1)
    np.testing.assert_allclose(QuarticError(reduction="none")(Y_TRUE, Y_PRED), expected)
    assert float(QuarticError()(Y_TRUE, Y_PRED)) == pytest.approx(expected.mean())
    assert QuarticError().name == "quartic_error"


def test_user_focal_loss_from_the_readme_matches_the_builtin():
    import array_api_compat

    @losslab.register_loss(name="readme_focal")
    class MyFocal(losslab.Loss):
        def __init__(self, gamma=2.0, **kwargs):
            super().__init__(**kwargs)
            self.gamma = gamma

        def call(self, y_true, y_pred):
            xp = array_api_compat.array_namespace(y_pred)
            p = xp.clip(y_pred, 1e-7, 1 - 1e-7)
            p_t = y_true * p + (1 - y_true) * (1 - p)
            return xp.mean(-((1 - p_t) ** self.gamma) * xp.log(p_t), axis=-1)

        def get_config(self):
            return {**super().get_config(), "gamma": self.gamma}

    y_true = np.array([[0.0, 1.0], [1.0, 1.0]])
    y_pred = np.array([[0.3, 0.9], [0.6, 0.2]])
    ours = MyFocal(gamma=1.5)
    builtin = losslab.BinaryFocalCrossentropy(gamma=1.5)
    assert float(ours(y_true, y_pred)) == pytest.approx(float(builtin(y_true, y_pred)), rel=1e-6)
    rebuilt = losslab.deserialize(json.loads(json.dumps(losslab.serialize(ours))))
    assert isinstance(rebuilt, MyFocal) and rebuilt.gamma == 1.5


def test_weighted_sum_of_losses():
    combined = 0.7 * losslab.Huber() + 0.3 * losslab.MeanAbsoluteError()
    error = np.abs(Y_PRED - Y_TRUE)
    huber = np.where(error <= 1, 0.5 * error**2, error - 0.5).mean(axis=-1)
    mae = error.mean(axis=-1)
    assert float(combined(Y_TRUE, Y_PRED)) == pytest.approx((0.7 * huber + 0.3 * mae).mean())
    weights = np.array([2.0, 0.0, 1.0])
    assert float(combined(Y_TRUE, Y_PRED, sample_weight=weights)) == pytest.approx(
        ((0.7 * huber + 0.3 * mae) * weights).mean()
    )


def test_weighted_sum_keeps_reduction_and_serializes():
    combined = losslab.CombinedLoss(["mse", losslab.Huber(delta=2.0)], [1.0, 0.5], reduction="none")
    expected = ((Y_PRED - Y_TRUE) ** 2).mean(axis=-1) + 0.5 * np.asarray(losslab.huber(Y_TRUE, Y_PRED, delta=2.0))
    np.testing.assert_allclose(combined(Y_TRUE, Y_PRED), expected)
    rebuilt = losslab.deserialize(json.loads(json.dumps(losslab.serialize(combined))))
    np.testing.assert_allclose(rebuilt(Y_TRUE, Y_PRED), expected)
    assert sum([losslab.Huber(), losslab.LogCosh()]).weights == [1.0, 1.0]


def test_scaling_by_a_non_number_fails():
    with pytest.raises(TypeError, match="real number"):
        "2" * losslab.Huber()
