"""Property tests (hypothesis) for every loss in ``CASES``.

Inputs are the case's own generator (``case.make``) fed with drawn seeds and
shapes, so every example lies in the loss's domain. Properties:

* bounds: non-negativity where ``case.nonnegative``; never below
  ``case.minimum`` where a minimiser is known, and exactly ``case.minimum``
  at ``case.perfect(y_true)``;
* reductions: ``"none"`` is the function; ``"sum_over_batch_size"`` and
  ``"mean"`` are the mean of ``"none"`` (over the unmasked entries), ``"sum"``
  its sum, ``"mean_with_sample_weight"`` the weighted mean; all-ones weights
  change nothing; a zero weight drops a sample;
* backends: NumPy, array-api-strict, torch and JAX agree on the same inputs;
* ``axis=k`` on inputs whose class axis was moved to ``k`` equals the default.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losslab._backend import to_numpy
from losslab.testing import Backend, assert_close
from tests.losses._registry import CASES, Case, case_id

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SLOW_SETTINGS = settings(SETTINGS, max_examples=8)

PARAMS = [
    pytest.param(case, kwargs, id=f"{case_id(case)}-{i}") for case in CASES for i, kwargs in enumerate(case.kwargs)
]
REDUCTIONS = ["sum_over_batch_size", "mean", "sum", "mean_with_sample_weight", "none"]

seeds = st.integers(min_value=0, max_value=2**32 - 1)


def draw_inputs(data, case: Case, shapes=None) -> tuple[np.ndarray, np.ndarray]:
    shape = data.draw(st.sampled_from(shapes or case.shapes), label="shape")
    seed = data.draw(seeds, label="seed")
    return case.make(np.random.default_rng(seed), shape)


# --------------------------------------------------------------------------- bounds


@pytest.mark.parametrize(("case", "kwargs"), [p for p in PARAMS if p.values[0].nonnegative])
@SETTINGS
@given(data=st.data())
def test_nonnegative(case, kwargs, data):
    y_true, y_pred = draw_inputs(data, case)
    values = case.fn(y_true, y_pred, **kwargs)
    assert np.all(np.isfinite(values))
    assert np.all(values >= -1e-12), values
    assert float(case.loss_class(**kwargs)(y_true, y_pred)) >= -1e-12


def _has_minimum(case: Case, kwargs: dict) -> bool:
    # With label smoothing the targets are no longer 0/1, so saturated
    # predictions are not the minimiser and the minimum is not case.minimum.
    return case.perfect is not None and not kwargs.get("label_smoothing")


MINIMUM_PARAMS = [p for p in PARAMS if _has_minimum(*p.values)]


@pytest.mark.parametrize(("case", "kwargs"), MINIMUM_PARAMS)
@SETTINGS
@given(data=st.data())
def test_minimum_at_perfect_prediction(case, kwargs, data):
    y_true, _ = draw_inputs(data, case)
    values = case.fn(y_true, case.perfect(y_true), **kwargs)
    np.testing.assert_allclose(values, np.full(np.shape(values), case.minimum), rtol=0, atol=1e-5)
    value = case.loss_class(**kwargs)(y_true, case.perfect(y_true))
    np.testing.assert_allclose(float(value), case.minimum, rtol=0, atol=1e-5)


@pytest.mark.parametrize(("case", "kwargs"), MINIMUM_PARAMS)
@SETTINGS
@given(data=st.data())
def test_never_below_minimum(case, kwargs, data):
    y_true, y_pred = draw_inputs(data, case)
    assert np.all(case.fn(y_true, y_pred, **kwargs) >= case.minimum - 1e-12)
    # A random prediction is no better than the perfect one (and strictly worse somewhere).
    assert float(case.loss_class(**kwargs)(y_true, y_pred)) > case.minimum + 1e-6


# --------------------------------------------------------------------------- reductions


def valid_entries(case: Case, kwargs: dict, y_true: np.ndarray, none: np.ndarray) -> np.ndarray:
    """Which per-sample losses the class form's means count (its mask)."""
    if kwargs.get("ignore_class") is not None:
        return y_true != kwargs["ignore_class"]
    if case.name == "circle":  # averages over samples with a positive loss, as Keras does
        return none > 0
    if case.name == "ntxent":  # averages over samples that have a positive (another of their label)
        return (y_true[:, None] == y_true[None, :]).sum(axis=1) > 1
    return np.ones(np.shape(none), dtype=bool)


def mean_weights(case: Case, kwargs: dict, y_true: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """What ``"mean_with_sample_weight"`` divides by, per entry, before the sample weights.

    The valid mask, except for class-weighted cross-entropy, which divides by the weight of each
    target's class (torch's weighted mean).
    """
    if case.name == "class_weighted_crossentropy":
        class_weight = np.asarray(kwargs["class_weight"])
        return class_weight[y_true] if kwargs.get("sparse") else y_true @ class_weight
    return valid.astype(float)


@pytest.mark.parametrize(("case", "kwargs"), PARAMS)
@SETTINGS
@given(data=st.data())
def test_reductions_are_consistent(case, kwargs, data):
    y_true, y_pred = draw_inputs(data, case)
    fn_values = case.fn(y_true, y_pred, **kwargs)
    reduced = {r: np.asarray(case.loss_class(reduction=r, **kwargs)(y_true, y_pred)) for r in REDUCTIONS}
    none = reduced["none"]
    assert_close(none, fn_values, rtol=1e-12)
    valid = valid_entries(case, kwargs, y_true, none)
    assert np.all(none[~valid] == 0.0)
    mean = none.sum() / valid.sum() if valid.any() else 0.0
    for r in ("sum_over_batch_size", "mean"):
        assert_close(reduced[r], np.asarray(mean), rtol=1e-12, atol=1e-12)
    divisor = mean_weights(case, kwargs, y_true, valid)
    expected = none.sum() / divisor.sum() if divisor.any() else 0.0
    assert_close(reduced["mean_with_sample_weight"], np.asarray(expected), rtol=1e-12, atol=1e-12)
    assert_close(reduced["sum"], np.asarray(none.sum()), rtol=1e-12, atol=1e-12)

    ones = np.ones(np.shape(none))
    for r in REDUCTIONS:
        weighted = case.loss_class(reduction=r, **kwargs)(y_true, y_pred, sample_weight=ones)
        assert_close(weighted, reduced[r], rtol=1e-12, atol=1e-12)

    weights = np.random.default_rng(data.draw(seeds, label="weight seed")).uniform(0.1, 2.0, size=np.shape(none))
    weighted = {
        r: np.asarray(case.loss_class(reduction=r, **kwargs)(y_true, y_pred, sample_weight=weights)) for r in REDUCTIONS
    }
    assert_close(weighted["none"], weights * none, rtol=1e-12)
    assert_close(weighted["sum"], np.asarray((weights * none).sum()), rtol=1e-12, atol=1e-12)
    # A whole-batch (0-d) loss is one sample: its weight divides back out.
    expected = (weights * none).sum() / (weights * divisor).sum() if divisor.any() else 0.0
    assert_close(weighted["mean_with_sample_weight"], np.asarray(expected), rtol=1e-12, atol=1e-12)


def sample_axis(case: Case, kwargs: dict) -> int:
    """The input axis that the first axis of the per-sample losses comes from."""
    return 1 if kwargs.get("axis") == 0 else 0


DROP_PARAMS = [
    p
    for p in PARAMS
    # Whole-batch overlap losses have no samples; circle's and NT-Xent's samples are each other's references.
    if not p.values[0].batch_output and p.values[0].name not in ("circle", "ntxent")
]


@pytest.mark.parametrize(("case", "kwargs"), DROP_PARAMS)
@SETTINGS
@given(data=st.data())
def test_zero_weight_drops_a_sample(case, kwargs, data):
    axis = sample_axis(case, kwargs)
    # At least two samples, so that one remains after dropping one.
    y_true, y_pred = draw_inputs(data, case, tuple(s for s in case.shapes if s[axis] >= 2))
    none = np.asarray(case.fn(y_true, y_pred, **kwargs))
    n = none.shape[0]
    assert n == y_pred.shape[axis]
    k = data.draw(st.integers(0, n - 1), label="dropped")
    weight = np.ones(n)
    weight[k] = 0.0
    loss = case.loss_class(reduction="sum", **kwargs)
    weighted = loss(y_true, y_pred, sample_weight=weight)
    true_axis = axis if np.ndim(y_true) == np.ndim(y_pred) else 0
    dropped = loss(np.delete(y_true, k, axis=true_axis), np.delete(y_pred, k, axis=axis))
    assert_close(weighted, np.asarray(dropped), rtol=1e-12, atol=1e-12)
    # ...and the sample did count before (unless its loss is exactly 0).
    full = float(loss(y_true, y_pred))
    assert np.isclose(full - float(dropped), none[k].sum(), rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- backends


BACKENDS = [b for b in Backend if b.available()]


def on_backend(backend: Backend, case: Case, kwargs: dict, y_true: np.ndarray, y_pred: np.ndarray, dtype: str):
    xp = backend.namespace()
    t = xp.asarray(y_true.astype(dtype) if np.issubdtype(y_true.dtype, np.floating) else y_true)
    p = xp.asarray(y_pred.astype(dtype))
    fn_out = case.fn(t, p, **kwargs)
    class_out = case.loss_class(**kwargs)(t, p)
    for out in (fn_out, class_out):
        assert out.dtype == getattr(xp, dtype), (backend, out.dtype)
    return to_numpy(fn_out), to_numpy(class_out)


@pytest.mark.parametrize(("case", "kwargs"), PARAMS)
@SLOW_SETTINGS
@given(data=st.data())
def test_backends_agree(case, kwargs, data):
    y_true, y_pred = draw_inputs(data, case)
    # The same values in both precisions: round the float inputs to float32 first.
    y_pred = y_pred.astype(np.float32).astype(np.float64)
    if np.issubdtype(y_true.dtype, np.floating):
        y_true = y_true.astype(np.float32).astype(np.float64)
    reference = on_backend(Backend.NUMPY, case, kwargs, y_true, y_pred, "float64")
    for dtype, rtol, atol in (("float32", 2e-4, 2e-5), ("float64", 1e-10, 1e-12)):
        for backend in BACKENDS:
            for got, expected in zip(on_backend(backend, case, kwargs, y_true, y_pred, dtype), reference, strict=True):
                np.testing.assert_allclose(
                    got.astype(np.float64), expected, rtol=rtol, atol=atol, err_msg=f"{backend} {dtype}"
                )


# --------------------------------------------------------------------------- axis


AXIS_NAMES = (
    "binary_crossentropy",
    "categorical_crossentropy",
    "cosine_similarity",
    "sparse_categorical_crossentropy",
)
AXIS_PARAMS = []
for _case in CASES:
    if _case.name in AXIS_NAMES:
        _seen = []
        for _kwargs in _case.kwargs:
            _kwargs = {k: v for k, v in _kwargs.items() if k != "axis"}
            if _kwargs not in _seen:
                _seen.append(_kwargs)
                AXIS_PARAMS.append(pytest.param(_case, _kwargs, id=f"{case_id(_case)}-{len(_seen) - 1}"))


def test_axis_params_cover_label_smoothing():
    smoothed = [
        p for p in AXIS_PARAMS if p.values[0].name == "categorical_crossentropy" and p.values[1].get("label_smoothing")
    ]
    assert smoothed and len({case_id(p.values[0]) for p in AXIS_PARAMS}) == 7


@pytest.mark.parametrize(("case", "kwargs"), AXIS_PARAMS)
@SETTINGS
@given(data=st.data())
def test_axis_equals_moveaxis(case, kwargs, data):
    shapes = tuple(s for s in case.shapes if len(s) >= 2)
    y_true, y_pred = draw_inputs(data, case, shapes)
    ndim = y_pred.ndim
    k = data.draw(st.integers(0, ndim - 1), label="axis")
    as_negative = data.draw(st.booleans(), label="negative axis")
    axis = k - ndim if as_negative else k
    moved_pred = np.moveaxis(y_pred, -1, k)
    moved_true = np.moveaxis(y_true, -1, k) if y_true.shape == y_pred.shape else y_true  # sparse labels stay
    expected = case.fn(y_true, y_pred, **kwargs)
    assert_close(case.fn(moved_true, moved_pred, axis=axis, **kwargs), expected, rtol=1e-12, atol=1e-13)
    loss = case.loss_class(axis=axis, reduction="none", **kwargs)
    assert_close(loss(moved_true, moved_pred), expected, rtol=1e-12, atol=1e-13)
