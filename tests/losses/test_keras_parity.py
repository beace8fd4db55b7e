"""Every loss, argument set, shape, reduction and weighting against Keras 3.

The oracle is keras 3.15.1 on KERAS_BACKEND=jax, called on the same float32
NumPy inputs. Where Keras is wrong (Tversky's alpha/beta), it is called with
the corrected arguments (see ``_registry.keras_kwargs``).
"""

from __future__ import annotations

import numpy as np
import pytest

from losslab.testing import assert_close
from tests.losses._registry import CASES, case_id, keras_kwargs

pytestmark = pytest.mark.keras

PARAMS = [
    pytest.param(case, kwargs, shape, id=f"{case_id(case)}-{i}-{'x'.join(map(str, shape))}")
    for case in CASES
    if case.keras
    for i, kwargs in enumerate(case.kwargs)
    for shape in case.shapes
]
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"]
RTOL, ATOL = 1e-5, 1e-6


def float32_inputs(case, shape, seed=0):
    y_true, y_pred = case.make(np.random.default_rng(seed), shape)
    if np.issubdtype(y_true.dtype, np.floating):
        y_true = y_true.astype(np.float32)
    return y_true, y_pred.astype(np.float32)


@pytest.mark.parametrize(("case", "kwargs", "shape"), PARAMS)
def test_function_matches_keras(case, kwargs, shape, xp, keras):
    y_true, y_pred = float32_inputs(case, shape)
    expected = np.asarray(getattr(keras.losses, case.name)(y_true, y_pred, **keras_kwargs(case, kwargs)))
    actual = case.fn(xp.asarray(y_true), xp.asarray(y_pred), **kwargs)
    assert actual.dtype == xp.float32
    assert_close(actual, expected, rtol=RTOL, atol=ATOL, xp=xp)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighting", ["none", "scalar", "per_value"])
@pytest.mark.parametrize(("case", "kwargs", "shape"), PARAMS)
def test_class_matches_keras(case, kwargs, shape, reduction, weighting, xp, keras):
    y_true, y_pred = float32_inputs(case, shape, seed=1)
    kk = keras_kwargs(case, kwargs)
    keras_loss = getattr(keras.losses, case.cls)(reduction=reduction, **kk)
    per_sample_shape = np.shape(getattr(keras.losses, case.name)(y_true, y_pred, **kk))
    if weighting != "none" and case.batch_output:
        pytest.skip("a loss over the whole batch has no per-sample weights")
    rng = np.random.default_rng(2)
    sample_weight = {
        "none": None,
        "scalar": np.float32(0.7),
        "per_value": rng.uniform(0.0, 2.0, size=per_sample_shape).astype(np.float32),
    }[weighting]
    keras_weight = sample_weight
    if weighting == "scalar":
        # losslab broadcasts a scalar weight to the losses. Keras instead divides by the scalar
        # itself under "mean_with_sample_weight" (sum(w * l) / w) and squeezes losses of shape
        # (..., 1) to match its rank; with the broadcast weight it computes what losslab does.
        keras_weight = np.full(per_sample_shape, sample_weight, dtype=np.float32)
    expected = np.asarray(keras_loss(y_true, y_pred, sample_weight=keras_weight))
    loss = case.loss_class(reduction=reduction, **kwargs)
    weight = None if sample_weight is None else xp.asarray(sample_weight)
    actual = loss(xp.asarray(y_true), xp.asarray(y_pred), sample_weight=weight)
    assert actual.dtype == xp.float32
    assert_close(actual, expected, rtol=RTOL, atol=ATOL, xp=xp)


@pytest.mark.parametrize("case", [c for c in CASES if c.keras], ids=case_id)
def test_default_names_and_configs_match_keras(case, keras):
    ours = case.loss_class(**case.kwargs[0]).get_config()
    theirs = getattr(keras.losses, case.cls)(**keras_kwargs(case, case.kwargs[0])).get_config()
    theirs.pop("dtype", None)
    if case.name == "tversky":
        theirs["alpha"], theirs["beta"] = case.kwargs[0].get("alpha", 0.5), case.kwargs[0].get("beta", 0.5)
    if isinstance(theirs.get("axis"), list):
        theirs["axis"] = tuple(theirs["axis"])
    assert {k: ours.get(k) for k in theirs} == theirs
