"""What every loss promises, whatever its formula: configs, names, dtypes, jit, devices."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest

import losslab
from losslab.testing import Backend, assert_close
from tests.losses._registry import CASES, case_id

CLASS_CASES = {case.cls: case for case in CASES}.values()


@pytest.mark.parametrize("case", CLASS_CASES, ids=case_id)
def test_config_round_trip_gives_the_same_loss(case):
    loss = case.loss_class(**case.kwargs[-1], reduction="sum", name="custom_name")
    config = json.loads(json.dumps(losslab.serialize(loss)))  # JSON-ready
    rebuilt = losslab.deserialize(config)
    assert type(rebuilt) is type(loss)
    assert rebuilt.get_config() == loss.get_config()
    assert rebuilt.name == "custom_name" and rebuilt.reduction == "sum"
    y_true, y_pred = case.make(np.random.default_rng(0), case.shapes[0])
    np.testing.assert_allclose(rebuilt(y_true, y_pred), loss(y_true, y_pred))


def required_arguments(cls: type) -> list[str]:
    parameters = inspect.signature(cls).parameters.values()
    return [p.name for p in parameters if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD]


@pytest.mark.parametrize("case", CLASS_CASES, ids=case_id)
def test_get_by_class_name_and_function_name(case):
    if required_arguments(case.loss_class):  # e.g. class_weight: a class name alone cannot build it (nor in Keras)
        with pytest.raises(TypeError, match="required"):
            losslab.get(case.cls)
        assert isinstance(losslab.get({"class_name": case.cls, "config": case.kwargs[0]}), case.loss_class)
    else:
        assert isinstance(losslab.get(case.cls), case.loss_class)
    assert losslab.get(case.name) is case.fn
    assert losslab.serialize(case.fn) == case.name
    assert losslab.deserialize(case.name) is case.fn


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("mse", "mean_squared_error"),
        ("MSE", "mean_squared_error"),
        ("mae", "mean_absolute_error"),
        ("MAE", "mean_absolute_error"),
        ("mape", "mean_absolute_percentage_error"),
        ("MAPE", "mean_absolute_percentage_error"),
        ("msle", "mean_squared_logarithmic_error"),
        ("MSLE", "mean_squared_logarithmic_error"),
        ("logcosh", "log_cosh"),
        ("kld", "kl_divergence"),
        ("KLD", "kl_divergence"),
        ("kullback_leibler_divergence", "kl_divergence"),
        ("bce", "binary_crossentropy"),
        ("cce", "categorical_crossentropy"),
        ("scce", "sparse_categorical_crossentropy"),
        ("iou", "jaccard"),
    ],
)
def test_aliases_resolve_to_the_canonical_function(alias, canonical):
    assert losslab.get(alias) is getattr(losslab, canonical)
    assert getattr(losslab, alias) is getattr(losslab, canonical)


def test_every_keras_loss_name_is_known(keras):
    from keras.src.losses import ALL_OBJECTS_DICT

    missing = sorted(set(ALL_OBJECTS_DICT) - set(losslab.names()) - {"Loss", "LossFunctionWrapper"})
    assert missing == []


@pytest.mark.parametrize("case", CLASS_CASES, ids=case_id)
def test_float64_stays_float64_and_dtype_argument_casts(case, xp):
    y_true, y_pred = case.make(np.random.default_rng(3), case.shapes[0])
    y_true, y_pred = xp.asarray(y_true), xp.asarray(y_pred)
    assert case.loss_class(**case.kwargs[0])(y_true, y_pred).dtype == xp.float64
    assert case.loss_class(**case.kwargs[0], dtype="float32")(y_true, y_pred).dtype == xp.float32
    assert case.fn(y_true, y_pred, **case.kwargs[0]).dtype == xp.float64


@pytest.mark.parametrize("case", CLASS_CASES, ids=case_id)
def test_runs_under_jax_jit(case):
    jax = pytest.importorskip("jax")
    Backend.JAX.namespace()
    y_true, y_pred = case.make(np.random.default_rng(4), case.shapes[0])
    loss = case.loss_class(**case.kwargs[-1])
    eager = loss(jax.numpy.asarray(y_true), jax.numpy.asarray(y_pred))
    jitted = jax.jit(loss)(jax.numpy.asarray(y_true), jax.numpy.asarray(y_pred))
    assert_close(jitted, np.asarray(eager), rtol=1e-12)


def test_torch_result_stays_on_the_input_device_and_keeps_autograd():
    torch = pytest.importorskip("torch")
    y_pred = torch.tensor([[0.2, 0.8], [0.6, 0.4]], requires_grad=True)
    loss = losslab.BinaryCrossentropy()(np.array([[0.0, 1.0], [1.0, 0.0]]), y_pred)
    assert isinstance(loss, torch.Tensor) and loss.dtype == torch.float32 and loss.device == y_pred.device
    loss.backward()
    # d/dp of mean(-y log p - (1-y) log(1-p)) over 4 values, by hand
    expected = torch.tensor([[1 / 0.8, -1 / 0.8], [-1 / 0.6, 1 / 0.6]]) / 4
    torch.testing.assert_close(y_pred.grad, expected)


def test_python_lists_are_accepted_and_give_float32():
    out = losslab.mean_squared_error([[0, 1], [2, 3]], [[1, 1], [2, 5]])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [0.5, 2.0])
