"""No NaN or inf at the edges: huge logits, saturated probabilities, zero vectors,
zero targets, huge residuals, empty masks and fully ignored batches.

Values are checked on every backend (``xp``) in float32 and float64, against
hand formulas evaluated stably in NumPy float64 where one is simple.
Gradients come from torch autograd and ``jax.grad`` of the class form's
default reduction, in float32 and float64.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import losslab
from losslab.testing import Backend, assert_close
from tests.losses._registry import CASES, Case, case_id

DTYPES = ["float32", "float64"]

LOGITS_ONLY_NAMES = ("multilabel_soft_margin", "soft_bce_with_logits", "soft_crossentropy")
"""Losses that take logits without a ``from_logits`` argument."""
LOGIT_CASES = [
    pytest.param(case, kwargs, id=f"{case_id(case)}-{i}")
    for case in CASES
    for i, kwargs in enumerate(case.kwargs)
    if kwargs.get("from_logits") or case.name in LOGITS_ONLY_NAMES
]
SATURATING_NAMES = ("lovasz_softmax", "dice", "tversky", "jaccard", "focal_tversky")
"""Losses of the softmax (or sigmoid) probabilities: at huge logits these saturate and so does their gradient."""
PROBABILITY_NAMES = (
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "sparse_categorical_crossentropy",
    "kl_divergence",
    "categorical_generalized_cross_entropy",
    "dice",
    "tversky",
    "jaccard",
    "poly1_crossentropy",
    "symmetric_crossentropy",
    "class_weighted_crossentropy",
    "generalized_dice",
    "focal_tversky",
    "lovasz_softmax",
)
PROBABILITY_CASES = [
    pytest.param(case, kwargs, id=f"{case_id(case)}-{i}")
    for case in CASES
    if case.name in PROBABILITY_NAMES
    for i, kwargs in enumerate(case.kwargs)
    if not kwargs.get("from_logits")
]
OVERLAP_NAMES = ("dice", "tversky", "jaccard", "focal_tversky", "generalized_dice")


def _mask_targets(case: Case) -> bool:
    """Whether the case's targets are masks of ``y_pred``'s shape (not class indices)."""
    return np.shape(case.make(np.random.default_rng(0), case.shapes[0])[0]) == case.shapes[0]


OVERLAP_CASES = [
    pytest.param(case, kwargs, id=f"{case_id(case)}-{i}")
    for case in CASES
    if case.name in OVERLAP_NAMES and _mask_targets(case)
    for i, kwargs in enumerate(case.kwargs)
    if kwargs.get("empty_target")
    != "zero"  # (that policy gives 0 for an empty target: tested in test_segmentation_smp)
]
REGRESSION_NAMES = (
    "mean_squared_error",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error",
    "huber",
    "log_cosh",
)
REGRESSION_CASES = [
    pytest.param(case, kwargs, id=f"{case_id(case)}-{i}")
    for case in CASES
    if case.name in REGRESSION_NAMES
    for i, kwargs in enumerate(case.kwargs)
]


# --------------------------------------------------------------------------- helpers


def _finite(x) -> np.ndarray:
    from losslab._backend import to_numpy

    x = to_numpy(x)
    assert np.all(np.isfinite(x)), f"non-finite values: {x}"
    return x


def torch_value_and_grad(case: Case, kwargs: dict, y_true: np.ndarray, y_pred: np.ndarray, dtype: str):
    torch = pytest.importorskip("torch")
    pred = torch.tensor(y_pred, dtype=getattr(torch, dtype), requires_grad=True)
    labels = torch.asarray(y_true.astype(dtype) if np.issubdtype(y_true.dtype, np.floating) else y_true)
    value = case.loss_class(**kwargs)(labels, pred)
    value.backward()
    return value.detach().numpy(), pred.grad.numpy()


def jax_value_and_grad(case: Case, kwargs: dict, y_true: np.ndarray, y_pred: np.ndarray, dtype: str):
    pytest.importorskip("jax")
    jnp = Backend.JAX.namespace()
    import jax

    labels = jnp.asarray(y_true.astype(dtype) if np.issubdtype(y_true.dtype, np.floating) else y_true)
    loss = case.loss_class(**kwargs)
    value, grad = jax.value_and_grad(lambda p: loss(labels, p))(jnp.asarray(y_pred, dtype=getattr(jnp, dtype)))
    return np.asarray(value), np.asarray(grad)


def assert_finite_everywhere(case: Case, kwargs: dict, y_true: np.ndarray, y_pred: np.ndarray, dtype: str):
    """Value and gradient are finite under torch and JAX; returns the float64-or-dtype torch value."""
    torch_value, torch_grad = torch_value_and_grad(case, kwargs, y_true, y_pred, dtype)
    jax_value, jax_grad = jax_value_and_grad(case, kwargs, y_true, y_pred, dtype)
    for x in (torch_value, torch_grad, jax_value, jax_grad):
        _finite(x)
    return torch_value, torch_grad, jax_value, jax_grad


def as_xp(xp, x: np.ndarray, dtype: str):
    if np.issubdtype(x.dtype, np.floating):
        return xp.asarray(x, dtype=getattr(xp, dtype))
    return xp.asarray(x)


def _np_softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def _np_log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def logit_oracle(case: Case, kwargs: dict, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray | None:
    """Per-sample values from hand formulas (NumPy float64), where the formula is short."""
    s = kwargs.get("label_smoothing", 0.0)
    num_classes = y_pred.shape[-1]
    if case.name == "multilabel_soft_margin":
        weight = np.asarray(kwargs.get("weight", np.ones(num_classes)))
        return np.mean(weight * (y_true * _np_softplus(-y_pred) + (1 - y_true) * _np_softplus(y_pred)), axis=-1)
    if case.name in ("poly1_crossentropy", "sparse_poly1_crossentropy"):
        one_hot = np.eye(num_classes)[y_true] if case.name.startswith("sparse") else y_true
        y = one_hot * (1 - s) + s / num_classes
        log_p = _np_log_softmax(y_pred)
        return -np.sum(y * log_p, axis=-1) + kwargs.get("epsilon", 1.0) * np.sum(y * (1 - np.exp(log_p)), axis=-1)
    if case.name == "class_weighted_crossentropy":
        one_hot = np.eye(num_classes)[y_true] if kwargs.get("sparse") else y_true
        return -np.sum(np.asarray(kwargs["class_weight"]) * one_hot * _np_log_softmax(y_pred), axis=-1)
    if case.name == "symmetric_crossentropy":  # one-hot labels: log q is 0 or log_zero
        log_p = _np_log_softmax(y_pred)
        log_q = np.where(y_true > 0, 0.0, kwargs.get("log_zero", -4.0))
        reverse = -np.sum(np.clip(np.exp(log_p), 1e-7, 1.0) * log_q, axis=-1)
        return kwargs.get("alpha", 0.1) * -np.sum(y_true * log_p, axis=-1) + kwargs.get("beta", 1.0) * reverse
    if case.name == "binary_crossentropy":
        y = y_true * (1 - s) + 0.5 * s
        return np.mean(y * _np_softplus(-y_pred) + (1 - y) * _np_softplus(y_pred), axis=-1)
    if case.name == "categorical_crossentropy":
        y = y_true * (1 - s) + s / y_pred.shape[-1]
        return -np.sum(y * _np_log_softmax(y_pred), axis=-1)
    if case.name == "sparse_categorical_crossentropy":
        log_p = np.take_along_axis(_np_log_softmax(y_pred), y_true[..., None], axis=-1)[..., 0]
        ignore = kwargs.get("ignore_class")
        return np.where(y_true == ignore, 0.0, -log_p) if ignore is not None else -log_p
    return None


# --------------------------------------------------------------------------- huge logits


def huge_logits(case: Case, magnitude: float) -> tuple[np.ndarray, np.ndarray]:
    """Labels from the case; logits of +-magnitude with both signs and ties in every row."""
    y_true, y_pred = case.make(np.random.default_rng(0), case.shapes[0])
    signs = np.where(np.random.default_rng(1).uniform(size=y_pred.shape) < 0.5, -1.0, 1.0)
    signs.reshape(-1)[:2] = [1.0, -1.0]
    return y_true, magnitude * signs


@pytest.mark.parametrize("magnitude", [1e4, 1e9], ids=["1e4", "1e9"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("case", "kwargs"), LOGIT_CASES)
def test_huge_logits_give_finite_values(case, kwargs, dtype, magnitude, xp):
    y_true, y_pred = huge_logits(case, magnitude)
    values = case.fn(as_xp(xp, y_true, dtype), as_xp(xp, y_pred, dtype), **kwargs)
    got = _finite(values)
    expected = logit_oracle(case, kwargs, y_true, y_pred)
    if expected is not None:
        assert_close(got, expected, rtol=1e-6 if dtype == "float32" else 1e-12, atol=1e-6)
    else:  # focal losses: between 0 and the plain cross-entropy's |logit|-sized bound
        assert np.all(got >= 0.0)
        assert np.all(got <= 2 * magnitude * y_pred.shape[-1])


@pytest.mark.parametrize("magnitude", [1e4, 1e9], ids=["1e4", "1e9"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("case", "kwargs"), LOGIT_CASES)
def test_huge_logits_give_finite_gradients(case, kwargs, dtype, magnitude):
    y_true, y_pred = huge_logits(case, magnitude)
    torch_value, torch_grad, jax_value, jax_grad = assert_finite_everywhere(case, kwargs, y_true, y_pred, dtype)
    rtol = 1e-5 if dtype == "float32" else 1e-12
    assert_close(jax_value, torch_value, rtol=rtol)
    assert_close(jax_grad, torch_grad, rtol=rtol, atol=1e-12)
    # Saturated logits still push wrong predictions: some gradient entry is far from 0
    # (with label smoothing even right ones are pushed back).
    if case.name not in SATURATING_NAMES:
        assert np.max(np.abs(torch_grad)) > 1e-3


def test_bce_from_logits_does_not_saturate(xp):
    """log(1 + e^100) = 100 + log1p(e^-100); Keras's NumPy backend clips and returns ~15.9."""
    for dtype in DTYPES:
        out = losslab.binary_crossentropy(
            xp.asarray([[0.0]], dtype=getattr(xp, dtype)),
            xp.asarray([[100.0]], dtype=getattr(xp, dtype)),
            from_logits=True,
        )
        assert_close(out, np.array([100.0 + math.log1p(math.exp(-100.0))]), rtol=1e-6 if dtype == "float32" else 1e-14)
    loss = losslab.BinaryCrossentropy(from_logits=True)
    out = loss(xp.asarray([[1.0], [0.0]]), xp.asarray([[-100.0], [100.0]]))
    assert_close(out, np.asarray(100.0), rtol=1e-6)


# --------------------------------------------------------------------------- probabilities 0 and 1


def saturated_probabilities(case: Case) -> tuple[np.ndarray, np.ndarray]:
    """Labels from the case; predictions made only of exact 0s and 1s.

    Row-wise losses get one-hot rows (some on the true class, some not, one all
    zero); elementwise ones get 0/1 entries that agree and disagree with the labels.
    """
    shape = case.shapes[0]
    rng = np.random.default_rng(3)
    y_true, _ = case.make(rng, shape)
    if case.name in ("binary_crossentropy", "binary_focal_crossentropy", "dice", "tversky", "jaccard", "focal_tversky"):
        y_pred = (rng.uniform(size=shape) < 0.5).astype(float)
        y_pred.reshape(-1)[:4] = [0.0, 1.0, 1.0 - y_true.reshape(-1)[2], y_true.reshape(-1)[3]]
        return y_true, y_pred
    if case.name == "kl_divergence":  # exact 0/1 in both arguments
        y_true = np.eye(shape[-1])[rng.integers(0, shape[-1], size=shape[:-1])]
    classes = rng.integers(0, shape[-1], size=shape[:-1])
    classes.reshape(-1)[0] = (y_true.argmax(-1) if y_true.ndim == len(shape) else y_true).reshape(-1)[0]
    y_pred = np.eye(shape[-1])[classes]
    y_pred.reshape(-1, shape[-1])[-1] = 0.0
    return y_true, y_pred


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("case", "kwargs"), PROBABILITY_CASES)
def test_saturated_probabilities_give_finite_values(case, kwargs, dtype, xp):
    y_true, y_pred = saturated_probabilities(case)
    got = _finite(case.fn(as_xp(xp, y_true, dtype), as_xp(xp, y_pred, dtype), **kwargs))
    if case.nonnegative:
        assert np.all(got >= -1e-6)
    # Probabilities are clipped to [1e-7, 1 - 1e-7]: no term exceeds -log(1e-7) (~16.1)
    # summed over the class axis.
    assert np.all(got <= -math.log(1e-7) * y_pred.shape[-1] + 1e-3)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("case", "kwargs"), PROBABILITY_CASES)
def test_saturated_probabilities_give_finite_gradients(case, kwargs, dtype):
    y_true, y_pred = saturated_probabilities(case)
    torch_value, _torch_grad, jax_value, _jax_grad = assert_finite_everywhere(case, kwargs, y_true, y_pred, dtype)
    rtol = 1e-5 if dtype == "float32" else 1e-12
    assert_close(jax_value, torch_value, rtol=rtol)


# --------------------------------------------------------------------------- cosine, MAPE, regression


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("which", ["both", "y_true", "y_pred"])
def test_cosine_similarity_of_zero_vectors_is_zero(which, dtype, xp):
    rng = np.random.default_rng(4)
    y_true, y_pred = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    if which in ("both", "y_true"):
        y_true[1] = 0.0
    if which in ("both", "y_pred"):
        y_pred[1] = 0.0
    got = _finite(losslab.cosine_similarity(as_xp(xp, y_true, dtype), as_xp(xp, y_pred, dtype)))
    assert got[1] == 0.0
    rows = [0, 2]
    expected = -np.sum(y_true[rows] * y_pred[rows], -1) / (
        np.linalg.norm(y_true[rows], axis=-1) * np.linalg.norm(y_pred[rows], axis=-1)
    )
    assert_close(got[rows], expected, rtol=1e-5 if dtype == "float32" else 1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("which", ["both", "y_true", "y_pred"])
def test_cosine_similarity_gradient_at_zero_vectors_is_finite(which, dtype):
    case = next(c for c in CASES if c.name == "cosine_similarity")
    y_true, y_pred = np.ones((2, 3)), np.full((2, 3), 2.0)
    if which in ("both", "y_true"):
        y_true[0] = 0.0
    if which in ("both", "y_pred"):
        y_pred[0] = 0.0
    _, torch_grad, _, jax_grad = assert_finite_everywhere(case, {}, y_true, y_pred, dtype)
    assert_close(jax_grad, torch_grad, rtol=1e-6, atol=1e-6)
    if which == "y_true":  # nothing to align with: the gradient is exactly 0
        assert np.all(torch_grad[0] == 0.0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_mape_with_zero_targets(dtype, xp):
    y_true = np.array([[0.0, 0.0], [0.0, 2.0]])
    y_pred = np.array([[1e-3, -2.0], [0.0, 1.0]])
    got = _finite(losslab.mean_absolute_percentage_error(as_xp(xp, y_true, dtype), as_xp(xp, y_pred, dtype)))
    expected = 100.0 * np.mean(np.abs(y_true - y_pred) / np.maximum(np.abs(y_true), 1e-7), axis=-1)
    assert_close(got, expected, rtol=1e-5 if dtype == "float32" else 1e-12)
    case = next(c for c in CASES if c.name == "mean_absolute_percentage_error")
    _, torch_grad, _, jax_grad = assert_finite_everywhere(case, {}, y_true, y_pred, dtype)
    # d/dp 100 |t - p| / max(|t|, eps) averaged over 4 values; at t = p = 0, |.| has a kink.
    expected_grad = 100.0 / 4 * np.sign(y_pred - y_true) / np.maximum(np.abs(y_true), 1e-7)
    smooth = y_pred != y_true
    assert_close(torch_grad[smooth], expected_grad[smooth], rtol=1e-5)
    assert_close(jax_grad[smooth], expected_grad[smooth], rtol=1e-5)


def regression_oracle(name: str, error: np.ndarray, kwargs: dict) -> np.ndarray:
    """Elementwise penalties in stable NumPy float64."""
    a = np.abs(error)
    if name == "mean_squared_error":
        return error**2
    if name == "mean_absolute_error":
        return a
    if name == "huber":
        d = kwargs.get("delta", 1.0)
        return np.where(a <= d, 0.5 * error**2, d * a - 0.5 * d * d)
    if name == "log_cosh":  # log(cosh(e)) = |e| + log1p(exp(-2|e|)) - log 2; np.cosh(1e4) overflows
        return a + np.log1p(np.exp(-2 * a)) - math.log(2.0)
    raise AssertionError(name)


def huge_residuals(name: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    if name == "mean_squared_logarithmic_error":  # negative inputs are clipped; stay positive
        return rng.uniform(0.0, 1.0, size=(3, 4)), 1e4 + rng.uniform(0.0, 1.0, size=(3, 4))
    y_true = rng.normal(size=(3, 4))
    if name == "mean_absolute_percentage_error":
        y_true = np.where(y_true < 0, -1.0, 1.0) * (0.5 + np.abs(y_true))
    signs = np.where(rng.uniform(size=(3, 4)) < 0.5, -1.0, 1.0)
    return y_true, y_true + 1e4 * signs


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("case", "kwargs"), REGRESSION_CASES)
def test_huge_residuals_give_finite_values(case, kwargs, dtype, xp):
    y_true, y_pred = huge_residuals(case.name)
    got = _finite(case.fn(as_xp(xp, y_true, dtype), as_xp(xp, y_pred, dtype), **kwargs))
    # The oracle sees the residual the backend sees (the inputs rounded to dtype).
    t, p = y_true.astype(dtype).astype(float), y_pred.astype(dtype).astype(float)
    if case.name == "mean_absolute_percentage_error":
        expected = 100.0 * np.mean(np.abs(t - p) / np.abs(t), axis=-1)
    elif case.name == "mean_squared_logarithmic_error":
        expected = np.mean((np.log1p(p) - np.log1p(t)) ** 2, axis=-1)
    else:
        expected = np.mean(regression_oracle(case.name, p - t, kwargs), axis=-1)
    assert_close(got, expected, rtol=1e-5 if dtype == "float32" else 1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("case", "kwargs"), REGRESSION_CASES)
def test_huge_residuals_give_finite_gradients(case, kwargs, dtype):
    y_true, y_pred = huge_residuals(case.name)
    _, torch_grad, _, jax_grad = assert_finite_everywhere(case, kwargs, y_true, y_pred, dtype)
    assert_close(jax_grad, torch_grad, rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-12)
    if case.name == "log_cosh":  # tanh(e) = +-1 at |e| = 1e4, over 12 values
        assert_close(torch_grad, np.sign(y_pred - y_true) / 12, rtol=1e-6)


# --------------------------------------------------------------------------- empty masks


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("case", "kwargs"), OVERLAP_CASES)
def test_empty_masks(case, kwargs, dtype, xp):
    shape = case.shapes[0]
    empty = np.zeros(shape)
    got = _finite(case.fn(as_xp(xp, empty, dtype), as_xp(xp, empty, dtype), **kwargs))
    assert_close(got, np.ones_like(got), rtol=0.0, atol=1e-6)  # 1 - 0 / (0 + eps)
    got = _finite(case.loss_class(**kwargs)(as_xp(xp, empty, dtype), as_xp(xp, empty, dtype)))
    assert_close(got, np.asarray(1.0), rtol=0.0, atol=1e-6)
    # An empty target against a non-empty prediction: no overlap at all, still loss 1.
    y_pred = np.random.default_rng(6).uniform(size=shape)
    got = _finite(case.fn(as_xp(xp, empty, dtype), as_xp(xp, y_pred, dtype), **kwargs))
    assert_close(got, np.ones_like(got), rtol=0.0, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("prediction", ["empty", "random"])
@pytest.mark.parametrize(("case", "kwargs"), OVERLAP_CASES)
def test_empty_masks_give_finite_gradients(case, kwargs, prediction, dtype):
    shape = case.shapes[0]
    y_true = np.zeros(shape)
    y_pred = np.zeros(shape) if prediction == "empty" else np.random.default_rng(6).uniform(size=shape)
    torch_value, torch_grad, _jax_value, jax_grad = assert_finite_everywhere(case, kwargs, y_true, y_pred, dtype)
    assert_close(torch_value, np.asarray(1.0), rtol=0.0, atol=1e-6)
    assert_close(jax_grad, torch_grad, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- all labels ignored


SPARSE_CASES = [
    pytest.param(case, kwargs, id=f"{case_id(case)}-{i}")
    for case in CASES
    if case.name == "sparse_categorical_crossentropy"
    for i, kwargs in enumerate(case.kwargs)
    if kwargs.get("ignore_class") is not None
]


def all_ignored(case: Case, kwargs: dict) -> tuple[np.ndarray, np.ndarray]:
    _, y_pred = case.make(np.random.default_rng(7), case.shapes[0])
    return np.full(y_pred.shape[:-1], kwargs["ignore_class"], dtype=np.int64), y_pred


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "mean", "sum", "mean_with_sample_weight", "none"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("case", "kwargs"), SPARSE_CASES)
def test_every_label_ignored_gives_zero(case, kwargs, dtype, reduction, xp):
    labels, y_pred = all_ignored(case, kwargs)
    loss = case.loss_class(reduction=reduction, **kwargs)
    got = _finite(loss(xp.asarray(labels), as_xp(xp, y_pred, dtype)))
    assert np.all(got == 0.0)
    assert got.shape == (() if reduction != "none" else labels.shape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("case", "kwargs"), SPARSE_CASES)
def test_every_label_ignored_gives_zero_gradient(case, kwargs, dtype):
    labels, y_pred = all_ignored(case, kwargs)
    torch_value, torch_grad, jax_value, jax_grad = assert_finite_everywhere(case, kwargs, labels, y_pred, dtype)
    for value, grad in ((torch_value, torch_grad), (jax_value, jax_grad)):
        assert value == 0.0
        assert np.all(grad == 0.0)


@pytest.mark.parametrize(("case", "kwargs"), SPARSE_CASES)
def test_partly_ignored_labels_average_over_the_rest(case, kwargs, xp):
    """The control for the all-ignored test: with one label kept, the loss is that label's."""
    labels, y_pred = all_ignored(case, kwargs)
    keep = (kwargs["ignore_class"] + 1) % y_pred.shape[-1]
    labels.reshape(-1)[0] = keep
    got = case.loss_class(**kwargs)(xp.asarray(labels), xp.asarray(y_pred))
    row = y_pred.reshape(-1, y_pred.shape[-1])[0]
    log_p = _np_log_softmax(row) if kwargs.get("from_logits") else np.log(row / row.sum())
    assert_close(got, np.asarray(-log_p[keep]), rtol=1e-10)


# --------------------------------------------------------------------------- all pixels ignored (segmentation)


IGNORE_INDEX_CASES = [
    pytest.param(case, kwargs, id=f"{case_id(case)}-{i}")
    for case in CASES
    if case.name in ("generalized_dice", "focal_tversky", "lovasz_hinge", "lovasz_softmax")
    for i, kwargs in enumerate(case.kwargs)
    if kwargs.get("ignore_index") is not None
]


def every_pixel_ignored(case: Case, kwargs: dict) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = case.make(np.random.default_rng(8), case.shapes[0])
    return np.full_like(y_true, kwargs["ignore_index"]), y_pred


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("case", "kwargs"), IGNORE_INDEX_CASES)
def test_every_pixel_ignored_gives_a_constant_and_zero_gradient(case, kwargs, dtype, xp):
    """Nothing left to compare: overlap losses give 1 (as for empty masks), the Lovasz losses 0."""
    y_true, y_pred = every_pixel_ignored(case, kwargs)
    expected = 0.0 if case.name.startswith("lovasz") else 1.0
    got = _finite(case.fn(as_xp(xp, y_true, dtype), as_xp(xp, y_pred, dtype), **kwargs))
    assert np.all(got == expected)
    _, torch_grad, _, jax_grad = assert_finite_everywhere(case, kwargs, y_true, y_pred, dtype)
    assert np.all(torch_grad == 0.0) and np.all(jax_grad == 0.0)
