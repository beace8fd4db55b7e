"""0-d inputs (``losslab.losses._ops``): one sample of one value, the same answer on every backend and path."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import losslab
from losslab.testing import assert_close
from tests.losses._edges import PATHS, on_path
from tests.losses._registry import CASES, case_id

ACCEPT_0D = (
    "mean_squared_error",
    "mean_absolute_percentage_error",
    "log_cosh",
    "poisson",
    "kl_divergence",
    "cosine_similarity",
)
"""Losses that reduce the last axis, named in the contract: a 0-d pair is one value for them."""

ZERO_D_ERROR = r"rank 0|got \(\)|got y_pred \(\)|got shape \(\)|got a scalar"
"""The errors name the 0-d input: its rank or its empty shape."""


def _one_value(case):
    y_true, y_pred = case.make(np.random.default_rng(8), case.shapes[0])
    return np.asarray(y_true).reshape(-1)[0], np.asarray(y_pred).reshape(-1)[0], np.shape(y_true) == np.shape(y_pred)


def _on_one_value_vectors(case, kwargs, y_true, y_pred, paired):
    """The loss of the same value as a vector of shape (1,), on NumPy, or ``None`` where that raises or warns.

    ``None`` too for losses whose targets are not shaped like ``y_pred`` (class indices, labels of embeddings):
    their ``y_pred`` needs a class or feature axis, which a 0-d input lacks.
    """
    if not paired:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return case.fn(y_true[None], y_pred[None], **kwargs)
        except (ValueError, Warning):
            return None


def _raises_on_numpy(case, kwargs, y_true, y_pred) -> bool:
    try:
        case.fn(np.asarray(y_true), np.asarray(y_pred), **kwargs)
    except ValueError:
        return True
    return False


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_zero_d_inputs_are_one_value_or_a_clear_error(case, path, xp):
    """0-d inputs give, on every backend and path, the loss of the same value as a vector of shape (1,) (a 0-d
    result), or a ValueError on every backend for losses that need more axes (classes, pairs, images): never
    NumPy's AxisError on one backend and JAX's IndexError on another while torch answers."""
    kwargs = case.kwargs[0]
    y_true, y_pred, paired = _one_value(case)
    with on_path(path):
        if _raises_on_numpy(case, kwargs, y_true, y_pred):
            assert case.name not in ACCEPT_0D
            with pytest.raises(ValueError, match=ZERO_D_ERROR):
                case.fn(xp.asarray(y_true), xp.asarray(y_pred), **kwargs)
            with pytest.raises(ValueError, match=ZERO_D_ERROR):
                case.loss_class(**kwargs)(xp.asarray(y_true), xp.asarray(y_pred))
            return
        out = case.fn(xp.asarray(y_true), xp.asarray(y_pred), **kwargs)
        reduced = case.loss_class(**kwargs)(xp.asarray(y_true), xp.asarray(y_pred))
    expected = _on_one_value_vectors(case, kwargs, y_true, y_pred, paired)
    assert expected is not None
    expected = np.reshape(expected, ())  # elementwise losses without a reduced axis (contrastive) give shape (1,)
    assert_close(out, expected, xp=xp, dtype=xp.float64)
    assert_close(reduced, expected, xp=xp, dtype=xp.float64)


def test_losses_of_the_last_axis_accept_zero_d_inputs():
    for case in CASES:
        if case.name in ACCEPT_0D:
            y_true, y_pred, _ = _one_value(case)
            assert not _raises_on_numpy(case, case.kwargs[0], y_true, y_pred), case.name


@pytest.mark.parametrize("path", PATHS)
def test_zero_d_values_by_hand(path, xp):
    with on_path(path):
        mse = losslab.mean_squared_error(xp.asarray(0.5), xp.asarray(2.0))
        poisson = losslab.poisson(xp.asarray(0.5), xp.asarray(0.5))
        cosine = losslab.cosine_similarity(xp.asarray(-3.0), xp.asarray(2.0))
    assert_close(mse, np.asarray(2.25), xp=xp)
    assert_close(poisson, np.asarray(0.5 - 0.5 * np.log(0.5 + 1e-7)), xp=xp)
    assert_close(cosine, np.asarray(1.0), xp=xp)  # opposite signs: -cos = 1


def test_masked_reduce_drops_masked_entries_from_the_sum_and_the_mean(xp):
    """Masked entries leave the mean (over the kept ones; 0 when none), and a NaN there reaches neither result."""
    from losslab.losses._ops import masked_reduce

    terms = xp.asarray([[1.0, 2.0, float("nan")], [4.0, float("inf"), 6.0], [7.0, 8.0, 9.0]])
    where = xp.asarray([[True, True, False], [False, False, False], [True, False, True]])
    assert_close(masked_reduce(terms, where, -1, xp), np.array([3.0, 0.0, 16.0]), xp=xp)
    assert_close(masked_reduce(terms, where, -1, xp, mean=True), np.array([1.5, 0.0, 8.0]), xp=xp)
