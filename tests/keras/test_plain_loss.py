"""A plain losslab.Loss given to Keras fails with a message naming losslab.keras (``Loss.__call__``'s check).

Keras wraps any loss that is not a ``keras.losses.Loss`` in its ``LossFunctionWrapper``
and weights what it returns; a losslab loss returns an already reduced value, so
Keras would weight it again. Whole models on both backends are in ``test_adapter.py``;
these call Keras's wrapper directly, as ``model.compile`` builds it.
"""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from keras.src.trainers.compile_utils import get_loss  # noqa: E402 - what model.compile makes of a loss

import losslab  # noqa: E402

pytestmark = pytest.mark.keras

Y_TRUE = np.zeros((4, 3), dtype=np.float32)
Y_PRED = np.arange(12, dtype=np.float32).reshape(4, 3) / 10


class QuarticError(losslab.Loss):
    def call(self, y_true, y_pred):
        return ((y_pred - y_true) ** 4).mean(axis=-1)


class LoudHuber(losslab.Huber):
    """A user subclass that overrides ``__call__`` too: the check still finds Keras past its frame."""

    def __call__(self, y_true, y_pred, sample_weight=None):
        return super().__call__(y_true, y_pred, sample_weight)


LOSSES = [
    losslab.Huber(delta=2.0),  # LossFunctionWrapper.__call__ (its fused unweighted mean)
    losslab.TripletMargin(),  # its own __call__, then LossFunctionWrapper's
    QuarticError(),  # Loss.__call__
    0.5 * losslab.MeanSquaredError() + losslab.LogCosh(),  # CombinedLoss.__call__
    LoudHuber(),
    losslab.ClassWeightedCrossentropy(  # its own reduction path, apart from Loss.__call__
        class_weight=[1.0, 2.0, 3.0], reduction="mean_with_sample_weight"
    ),
]


@pytest.mark.parametrize("loss", LOSSES, ids=lambda loss: type(loss).__name__)
def test_keras_function_wrapper_gets_a_message_naming_losslab_keras(loss):
    wrapper = get_loss(loss, Y_TRUE, Y_PRED)
    assert wrapper.fn is loss  # Keras wrapped it as a function
    with pytest.raises(TypeError, match=r"is a losslab\.Loss, which Keras treats as a plain function") as error:
        wrapper(Y_TRUE, Y_PRED[:, :, None] if isinstance(loss, losslab.TripletMargin) else Y_PRED)
    assert "losslab.keras.adapt(loss)" in str(error.value)
    assert f"losslab.keras.{type(loss).__name__}(...)" in str(error.value)


# (not the class-weighted loss: its "mean_with_sample_weight" is not the plain weighted mean checked here)
@pytest.mark.parametrize("loss", LOSSES[:1] + LOSSES[2:-1], ids=lambda loss: type(loss).__name__)
def test_direct_calls_are_unaffected_with_keras_imported(loss):
    per_sample = np.asarray(loss.call(Y_TRUE, Y_PRED))
    weights = np.array([1.0, 0.0, 2.0, 0.5], dtype=np.float32)
    expected = (per_sample * weights).mean()
    assert float(loss(Y_TRUE, Y_PRED, sample_weight=weights)) == pytest.approx(expected, rel=1e-6)


def test_a_losslab_function_in_keras_is_left_alone():
    """Functions return per-sample losses, which Keras weights rightly: nothing to refuse."""
    wrapper = get_loss(losslab.huber, Y_TRUE, Y_PRED)
    weights = np.array([1.0, 0.0, 2.0, 0.5], dtype=np.float32)
    expected = (np.asarray(losslab.huber(Y_TRUE, Y_PRED)) * weights).mean()
    assert float(wrapper(Y_TRUE, Y_PRED, sample_weight=weights)) == pytest.approx(expected, rel=1e-6)
