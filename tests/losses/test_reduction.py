"""Reductions, rank alignment and sample weighting, worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

import losslab
from losslab.losses._reduction import align_ranks, divide_no_nan, reduce_weighted_values
from losslab.testing import assert_close
from tests.losses._edges import PATHS, on_path, value_and_grad
from tests.losses._registry import CASES, Case, case_id

VALUES = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # per-sample losses of shape (2, 3)


@pytest.mark.parametrize(
    ("reduction", "expected"),
    [("sum", 21.0), ("sum_over_batch_size", 3.5), ("mean", 3.5), ("mean_with_sample_weight", 3.5)],
)
def test_unweighted_reductions(reduction, expected, xp):
    assert_close(reduce_weighted_values(xp.asarray(VALUES), xp, reduction=reduction), np.asarray(expected), xp=xp)


def test_per_sample_weights_align_with_the_leading_axis(xp):
    weights = xp.asarray([2.0, 0.0])
    out = reduce_weighted_values(xp.asarray(VALUES), xp, sample_weight=weights, reduction="none")
    assert_close(out, np.array([[2.0, 4.0, 6.0], [0.0, 0.0, 0.0]]), xp=xp)
    mean = reduce_weighted_values(xp.asarray(VALUES), xp, sample_weight=weights, reduction="mean_with_sample_weight")
    assert_close(mean, np.asarray(12.0 / 6.0), xp=xp)  # weights broadcast to 3 values per sample


def test_weight_with_a_trailing_one_is_squeezed_as_in_keras(xp):
    out = reduce_weighted_values(
        xp.asarray(VALUES[:, 0]), xp, sample_weight=xp.asarray([[2.0], [3.0]]), reduction="sum"
    )
    assert_close(out, np.asarray(2.0 * 1 + 3.0 * 4), xp=xp)


def test_mask_counts_only_valid_entries(xp):
    mask = xp.asarray([[True, False, False], [True, True, False]])
    out = reduce_weighted_values(xp.asarray(VALUES), xp, mask=mask)
    assert_close(out, np.asarray((1.0 + 4.0 + 5.0) / 3), xp=xp)
    nothing_valid = reduce_weighted_values(xp.asarray(VALUES), xp, mask=mask & False)
    assert_close(nothing_valid, np.asarray(0.0), xp=xp)


def test_empty_batch_reduces_to_zero(xp):
    empty = xp.asarray(np.zeros((0,)))
    for reduction in ("sum", "sum_over_batch_size", "mean_with_sample_weight"):
        assert_close(reduce_weighted_values(empty, xp, reduction=reduction), np.asarray(0.0), xp=xp)


def test_scalar_loss_counts_as_one_sample():
    out = losslab.Dice(reduction="mean_with_sample_weight")(np.ones((2, 2)), np.ones((2, 2)) * 0.5, sample_weight=3.0)
    expected = 1 - 2 * 2.0 / (4.0 + 2.0 + 1e-7)
    assert float(out) == pytest.approx(expected)


def test_align_ranks_follows_keras(xp):
    a, b = align_ranks(xp.zeros((4,)), xp.zeros((4, 1)), xp)
    assert tuple(a.shape) == tuple(b.shape) == (4, 1)
    a, b = align_ranks(xp.zeros((4, 3, 1)), xp.zeros((4, 3)), xp)
    assert tuple(a.shape) == tuple(b.shape) == (4, 3)
    a, b = align_ranks(xp.zeros((4,)), xp.zeros((4, 3)), xp)
    assert (tuple(a.shape), tuple(b.shape)) == ((4,), (4, 3))


def test_divide_no_nan_has_a_zero_gradient_at_zero():
    torch = pytest.importorskip("torch")
    import array_api_compat.torch as xp

    numerator = torch.tensor(2.0, requires_grad=True)
    denominator = torch.tensor(0.0, requires_grad=True)
    out = divide_no_nan(numerator, denominator, xp)
    out.backward()
    assert out.item() == 0.0 and numerator.grad.item() == 0.0 and denominator.grad.item() == 0.0


REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none")


def _empty_inputs(case: Case) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = case.make(np.random.default_rng(5), case.shapes[0])
    return y_true[:0], y_pred[:0]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_loss_gives_zero_for_an_empty_batch_on_every_path(case, path, xp, backend):
    """A batch of no samples: 0 for every reduction but "none" (no NaN, no warning), a zero-size gradient."""
    y_true, y_pred = (xp.asarray(a) for a in _empty_inputs(case))
    kwargs = case.kwargs[0]
    with on_path(path):
        for reduction in REDUCTIONS:
            out = case.loss_class(**kwargs, reduction=reduction)(y_true, y_pred)
            if reduction == "none" and not case.batch_output:
                assert tuple(out.shape) == (0,)
            else:
                assert_close(out, np.asarray(0.0), xp=xp, dtype=xp.float64)
        weighted = case.loss_class(**kwargs, reduction="mean_with_sample_weight")
        if not case.batch_output:
            out = weighted(y_true, y_pred, sample_weight=xp.asarray(np.zeros((0,))))
            assert_close(out, np.asarray(0.0), xp=xp, dtype=xp.float64)
        value, grad = value_and_grad(case.loss_class(**kwargs), y_true, y_pred, backend)
    assert float(value) == 0.0
    if grad is not None:
        assert tuple(grad.shape) == tuple(y_pred.shape)


def test_empty_batch_mean_squared_error_is_zero_on_numpy_without_a_warning():
    """The documented answer, on the plain-mean entry point that NumPy's mean of nothing made NaN."""
    out = losslab.MeanSquaredError()(np.zeros((0, 3)), np.zeros((0, 3)))
    assert out == 0.0 and not np.isnan(out)


def test_per_sample_weights_on_a_whole_input_loss_name_the_fix():
    with pytest.raises(ValueError, match=r"one sample of 8 values.*shape \(8, 1\) for 8 samples"):
        losslab.MeanSquaredError()(np.zeros(8), np.ones(8), sample_weight=np.ones(8))
    with pytest.raises(ValueError, match=r"pass axis= over the non-batch axes"):
        losslab.Dice()(np.zeros((8, 3)), np.ones((8, 3)), sample_weight=np.ones(8))
    # the fix the message names works: (8, 1) arrays are 8 samples, axis=1 gives one Dice value per sample
    out = losslab.MeanSquaredError(reduction="sum")(np.zeros((8, 1)), np.ones((8, 1)), sample_weight=np.arange(8.0))
    assert float(out) == pytest.approx(28.0)  # sum of the weights 0..7, each times an error of 1
    per_sample = losslab.Dice(axis=1, reduction="none")(np.zeros((8, 3)), np.ones((8, 3)), sample_weight=np.ones(8))
    assert per_sample.shape == (8,)
