"""The conversion step: devices and half precision (``losslab._backend``)."""

from __future__ import annotations

import numpy as np
import pytest

import losslab
from losslab.testing import Backend, assert_close
from tests.losses._edges import PATHS, on_path
from tests.losses._registry import CASES, case_id

CLASS_CASES = {case.cls: case for case in CASES}.values()

HALF = ("float16", "bfloat16")


def _half_namespace(backend: Backend, name: str):
    """``(namespace, dtype)`` for ``name`` on ``backend``, skipping where the library has no such dtype."""
    if backend is Backend.ARRAY_API_STRICT:
        pytest.skip("array-api-strict has no half-precision dtypes")
    xp = backend.namespace()
    if backend is Backend.NUMPY and name == "bfloat16":
        ml_dtypes = pytest.importorskip("ml_dtypes")
        return xp, np.dtype(ml_dtypes.bfloat16)
    return xp, getattr(xp, name)


@pytest.mark.parametrize("name", HALF)
@pytest.mark.parametrize("path", PATHS)
def test_half_precision_is_computed_and_returned_in_float32(name, path, backend):
    """300 squared overflows float16 (max 65504); in float32 it is 90000 (Keras's class returns float32 too)."""
    xp, dtype = _half_namespace(backend, name)
    y_true = xp.asarray(np.zeros((2, 3))) if backend is not Backend.NUMPY else np.zeros((2, 3), dtype=dtype)
    y_pred = xp.asarray(np.full((2, 3), 300.0)) if backend is not Backend.NUMPY else np.full((2, 3), 300.0, dtype)
    if backend is not Backend.NUMPY:
        y_true, y_pred = xp.astype(y_true, dtype), xp.astype(y_pred, dtype)
    with on_path(path):
        out = losslab.MeanSquaredError()(y_true, y_pred)
        per_sample = losslab.mean_squared_error(y_true, y_pred)
        cast = losslab.MeanSquaredError(dtype=name)(np.zeros((2, 3)), y_pred)
    assert_close(out, np.asarray(90000.0), xp=xp, dtype=xp.float32)
    assert_close(per_sample, np.full(2, 90000.0), xp=xp, dtype=xp.float32)
    assert_close(cast, np.asarray(90000.0), xp=xp, dtype=xp.float32)


def test_half_precision_matches_keras(keras):
    import jax.numpy as jnp

    y_true, y_pred = jnp.zeros(3, jnp.float16), jnp.full(3, 300.0, jnp.float16)
    expected = keras.losses.MeanSquaredError()(y_true, y_pred)
    out = losslab.MeanSquaredError()(y_true, y_pred)
    assert out.dtype == expected.dtype == jnp.float32
    assert float(out) == float(expected) == 90000.0


@pytest.mark.parametrize("case", CLASS_CASES, ids=case_id)
def test_every_loss_takes_half_precision_and_returns_float32(case, backend):
    """Each loss on float16 inputs equals the same loss on those values in float32 (the float32 path is the oracle
    for the conversion), and float16 gradients reach the input in float16."""
    xp, dtype = _half_namespace(backend, "float16")
    y_true, y_pred = case.make(np.random.default_rng(6), case.shapes[0])
    y_true_half = xp.astype(xp.asarray(y_true), dtype) if y_true.dtype.kind == "f" else xp.asarray(y_true)
    y_pred_half = xp.astype(xp.asarray(y_pred), dtype)
    rounded_true = xp.astype(y_true_half, xp.float32) if y_true.dtype.kind == "f" else y_true_half
    expected = case.loss_class(**case.kwargs[0])(rounded_true, xp.astype(y_pred_half, xp.float32))
    out = case.loss_class(**case.kwargs[0])(y_true_half, y_pred_half)
    assert_close(out, expected, xp=xp, rtol=1e-5, atol=1e-6)
    if backend is Backend.TORCH:
        y_pred_half.requires_grad_(True)
        case.loss_class(**case.kwargs[0])(y_true_half, y_pred_half).backward()
        assert y_pred_half.grad.dtype == dtype


def test_torch_half_gradient_is_finite_where_float16_would_overflow():
    torch = pytest.importorskip("torch")
    y_pred = torch.full((3,), 300.0, dtype=torch.float16, requires_grad=True)
    out = losslab.MeanSquaredError()(torch.zeros(3, dtype=torch.float16), y_pred)
    out.backward()
    assert out.dtype == torch.float32 and float(out.detach()) == 90000.0
    torch.testing.assert_close(y_pred.grad, torch.full((3,), 200.0, dtype=torch.float16))  # 2 * 300 / 3


def test_numpy_bfloat16_from_ml_dtypes_works():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    y_true = np.zeros((2, 3), dtype=ml_dtypes.bfloat16)
    y_pred = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]], dtype=ml_dtypes.bfloat16)
    out = losslab.MeanSquaredError(reduction="none")(y_true, y_pred)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [14.0 / 3.0, 0.25], rtol=1e-6)
    labels = np.array([0, 2])
    sparse = losslab.sparse_categorical_crossentropy(labels, np.array([[0.5, 0.25, 0.25]] * 2, ml_dtypes.bfloat16))
    np.testing.assert_allclose(sparse, [np.log(2.0), np.log(4.0)], rtol=1e-6)


# ---------------------------------------------------------------- devices

DEVICE_CASES = [case for case in CLASS_CASES if case.name not in ("lovasz_hinge", "lovasz_softmax")]
"""Losses that only read static facts of y_pred (torch's sort is not implemented on the meta device)."""


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", DEVICE_CASES, ids=case_id)
def test_a_torch_y_true_on_another_device_follows_y_pred(case, path):
    """``y_pred`` on torch's meta device (shapes without data) and ``y_true`` on the CPU, as a tensor or NumPy.

    Before, a NumPy ``y_true`` was moved and a CPU tensor made torch raise; both are moved now. No kernel can
    mix a meta and a CPU tensor, so a result on the meta device shows that ``y_true`` was moved.
    """
    torch = pytest.importorskip("torch")
    Backend.TORCH.namespace()
    y_true, y_pred = case.make(np.random.default_rng(7), case.shapes[0])
    meta_pred = torch.empty(y_pred.shape, dtype=torch.float64, device="meta")
    with on_path(path):
        for target in (torch.asarray(y_true), y_true):
            out = case.loss_class(**case.kwargs[0])(target, meta_pred)
            assert out.device.type == "meta"
            assert tuple(out.shape) == ()
