"""Bad inputs fail early with a message that names the problem and the fix."""

from __future__ import annotations

import numpy as np
import pytest

import losslab


def test_unknown_name_lists_the_closest_valid_names():
    with pytest.raises(ValueError, match=r"unknown loss name 'mean_sqared_error'.*'mean_squared_error'"):
        losslab.get("mean_sqared_error")
    with pytest.raises(ValueError, match=r"'Huber'"):
        losslab.get("huber_los")


def test_uninterpretable_identifier():
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        losslab.get(42)


@pytest.mark.parametrize("reduction", ["avg", "Sum", "batch", 0])
def test_bad_reduction_names_the_valid_ones(reduction):
    with pytest.raises(ValueError, match=r"Invalid value for argument `reduction`.*sum_over_batch_size"):
        losslab.MeanSquaredError(reduction=reduction)


def test_shape_mismatch_is_not_broadcast():
    with pytest.raises(ValueError, match=r"same shape; got y_true \(3,\) and y_pred \(3, 3\)"):
        losslab.mean_squared_error(np.zeros(3), np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"y_true \(4, 2\) and y_pred \(4, 3\)"):
        losslab.MeanAbsoluteError()(np.zeros((4, 2)), np.zeros((4, 3)))


def test_rank_difference_of_a_trailing_one_is_aligned_as_in_keras():
    np.testing.assert_allclose(losslab.mean_squared_error(np.zeros(3), np.ones((3, 1))), np.ones(3))


@pytest.mark.parametrize("labels", [np.array([0, 2, 1]), np.array([[0], [2], [1]])])
def test_integer_labels_for_categorical_suggest_sparse(labels):
    with pytest.raises(ValueError, match="use sparse_categorical_crossentropy"):
        losslab.categorical_crossentropy(labels, np.full((3, 3), 1 / 3))


def test_one_hot_labels_for_sparse_suggest_categorical():
    with pytest.raises(ValueError, match="looks one-hot encoded: use categorical_crossentropy"):
        losslab.SparseCategoricalCrossentropy()(np.eye(3), np.full((3, 3), 1 / 3))


def test_sparse_label_shape_mismatch():
    with pytest.raises(ValueError, match=r"one class index per sample, of shape \(4,\)"):
        losslab.sparse_categorical_crossentropy(np.zeros(5, dtype=int), np.full((4, 3), 1 / 3))


@pytest.mark.parametrize("axis", [2, -3, 1.0, True])
def test_bad_axis(axis):
    with pytest.raises(ValueError, match="axis"):
        losslab.categorical_crossentropy(np.eye(3), np.full((3, 3), 1 / 3), axis=axis)


def test_bad_overlap_axis():
    with pytest.raises(ValueError, match="axis must be None, an int or a tuple of ints"):
        losslab.dice(np.zeros((2, 3)), np.zeros((2, 3)), axis=(1, 5))


@pytest.mark.parametrize("value", ["abc", {"a": 1}, None])
def test_unsupported_input_type(value):
    with pytest.raises(TypeError, match="y_pred must be an array"):
        losslab.mean_squared_error(np.zeros(3), value)


def test_bad_label_smoothing_and_q():
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\]"):
        losslab.binary_crossentropy(np.zeros((2, 1)), np.zeros((2, 1)), label_smoothing=1.5)
    for q in (1.0, "false"):  # the card's domain: a string is refused as clearly as a number out of range
        with pytest.raises(ValueError, match=r"CategoricalGeneralizedCrossEntropy: q must be a float in \(0, 1\)"):
            losslab.CategoricalGeneralizedCrossEntropy(q=q)


def test_sample_weight_that_does_not_fit():
    with pytest.raises(
        ValueError, match=r"sample_weight of shape \(3,\) does not fit per-sample losses of shape \(4,\)"
    ):
        losslab.MeanSquaredError()(np.zeros((4, 2)), np.ones((4, 2)), sample_weight=np.ones(3))


def test_bad_dtype_argument():
    with pytest.raises(ValueError, match="dtype must be one of"):
        losslab.MeanSquaredError(dtype="int32")(np.zeros(2), np.zeros(2))


def test_single_class_categorical_warns_like_keras():
    with pytest.warns(SyntaxWarning, match="Use binary_crossentropy"):
        losslab.categorical_crossentropy(np.ones((2, 1)), np.ones((2, 1)))


def test_unregistered_custom_losses_need_custom_objects_to_come_back():
    class Mine(losslab.Loss):
        def call(self, y_true, y_pred):
            return y_pred

    config = losslab.serialize(Mine(name="mine"))
    assert config == {"class_name": "Mine", "config": {"name": "mine", "reduction": "sum_over_batch_size"}}
    with pytest.raises(ValueError, match=r"unknown loss name 'Mine'.*register_loss"):
        losslab.deserialize(config)
    assert isinstance(losslab.deserialize(config, custom_objects={"Mine": Mine}), Mine)
    with pytest.raises(ValueError, match="register_loss"):
        losslab.serialize(lambda y_true, y_pred: y_pred)


def test_registering_a_taken_name_fails():
    with pytest.raises(ValueError, match="already registered"):
        losslab.register_loss("mse")(lambda y_true, y_pred: y_pred)


@pytest.fixture
def checks():
    with losslab.value_checks():
        yield


@pytest.mark.usefixtures("checks")
class TestValueChecks:
    def test_nan_in_predictions_is_located(self):
        y_pred = np.array([[0.1, 0.2], [np.nan, 0.3]])
        with pytest.raises(ValueError, match=r"y_pred holds 1 NaN or infinite value\(s\), the first at index \(1, 0\)"):
            losslab.mean_squared_error(np.zeros((2, 2)), y_pred)

    def test_logits_given_as_probabilities(self):
        with pytest.raises(ValueError, match="looks like logits: pass from_logits=True, or apply a sigmoid"):
            losslab.BinaryCrossentropy()(np.array([[1.0], [0.0]]), np.array([[3.2], [-1.5]]))
        with pytest.raises(ValueError, match="apply a softmax"):
            losslab.categorical_crossentropy(np.eye(2), np.array([[2.0, -1.0], [0.5, 0.1]]))

    def test_plus_minus_one_labels_for_bce_suggest_hinge(self):
        with pytest.raises(ValueError, match=r"y_true must lie in \[0, 1\]; got values from -1 to 1. .*hinge"):
            losslab.binary_crossentropy(np.array([[-1.0], [1.0]]), np.array([[0.2], [0.9]]))

    def test_class_index_out_of_range(self):
        with pytest.raises(ValueError, match=r"class indices must lie in \[0, 3\).*got labels from 0 to 3"):
            losslab.sparse_categorical_crossentropy(np.array([0, 3]), np.full((2, 3), 1 / 3))

    def test_ignored_class_may_lie_outside_the_range(self):
        loss = losslab.SparseCategoricalCrossentropy(ignore_class=-1)
        out = loss(np.array([0, -1]), np.array([[0.5, 0.5], [0.9, 0.1]]))
        assert float(out) == pytest.approx(np.log(2.0))

    def test_negative_poisson_rate(self):
        with pytest.raises(ValueError, match="Rates are non-negative"):
            losslab.poisson(np.ones((1, 2)), np.array([[1.0, -0.5]]))

    def test_checks_are_off_by_default_and_skip_jit(self):
        jax = pytest.importorskip("jax")
        with losslab.value_checks(False):
            assert np.isnan(losslab.mean_squared_error(np.zeros((1, 1)), np.array([[np.nan]]))[0])
        traced = jax.jit(lambda p: losslab.binary_crossentropy(jax.numpy.ones((1, 1)), p))(jax.numpy.full((1, 1), 3.0))
        assert np.isfinite(float(traced[0]))
