"""CTC loss: Keras 3 as the oracle, ``torch.nn.functional.ctc_loss`` as the second one."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from losslab.losses._registry import deserialize, get, serialize
from losslab.losses._sequence import CTC, ctc
from losslab.testing import Backend, assert_close

# name: (time_steps, num_classes, rows); a row is (labels, logit scale). Labels are padded with 0
# to the longest row; every row uses all frames.
CASES = {
    "mixed": (
        7,
        4,
        [
            ([1, 1, 2, 2, 1], 1.0),  # the longest row, with repeats: needs all 5 + 2 = 7 frames
            ([], 1.0),  # empty label: only the all-blank path
            ([3, 1, 3], 2.0),
            ([2], 30.0),  # peaked logits
            ([3, 3, 3, 1], 1.0),
        ],
    ),
    "batch_1": (6, 3, [([2, 1], 1.0)]),
    "one_frame": (1, 4, [([1], 1.0), ([], 1.0)]),
}
"""The shapes checked against the oracles: few, since each new shape costs JAX compilations."""


def make_case(name: str, dtype: str = "float32") -> tuple[np.ndarray, np.ndarray]:
    """Labels ``(batch, max_label_length)`` and logits ``(batch, time_steps, num_classes)``."""
    time_steps, num_classes, rows = CASES[name]
    rng = np.random.default_rng(sorted(CASES).index(name))
    max_length = max(len(labels) for labels, _ in rows)
    labels = np.zeros((len(rows), max_length), dtype=np.int64)
    logits = np.empty((len(rows), time_steps, num_classes))
    for row, (row_labels, scale) in enumerate(rows):
        labels[row, : len(row_labels)] = row_labels
        logits[row] = scale * rng.normal(size=(time_steps, num_classes))
    return labels, logits.astype(dtype)


def keras_ctc_jit(labels: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """``keras.losses.ctc`` under ``jax.jit``: eager Keras recompiles its scan on every call."""
    import jax
    import keras

    return np.asarray(jax.jit(keras.losses.ctc)(labels, logits))


@functools.cache
def keras_ctc(name: str) -> np.ndarray:
    """``keras.losses.ctc`` on a case, computed once for all backends."""
    return keras_ctc_jit(*make_case(name))


@functools.cache
def keras_ctc_class(reduction: str, weights: tuple[float, ...]) -> np.ndarray:
    """``keras.losses.CTC(reduction)`` on the "mixed" case with sample weights, computed once."""
    import jax
    import keras

    labels, logits = make_case("mixed")
    loss = jax.jit(lambda y, x, w: keras.losses.CTC(reduction=reduction)(y, x, sample_weight=w))
    return np.asarray(loss(labels, logits, np.asarray(weights, dtype="float32")))


def torch_ctc(labels: np.ndarray, logits: np.ndarray, reduction: str = "none"):
    """The second oracle: ``torch.nn.functional.ctc_loss`` on every frame, blank 0."""
    torch = pytest.importorskip("torch")
    logits_t = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    log_probs = torch.log_softmax(logits_t, dim=-1).transpose(0, 1)  # (T, N, C)
    batch, time_steps = logits.shape[:2]
    loss = torch.nn.functional.ctc_loss(
        log_probs,
        torch.tensor(labels, dtype=torch.long),
        torch.full((batch,), time_steps, dtype=torch.long),
        torch.tensor((labels != 0).sum(axis=1), dtype=torch.long),
        blank=0,
        reduction=reduction,
    )
    return loss, logits_t


def torch_ctc_value_and_grad(labels: np.ndarray, logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    loss, logits_t = torch_ctc(labels, logits)
    loss.sum().backward()
    return loss.detach().numpy(), logits_t.grad.numpy()


# ---------------------------------------------------------------- Keras oracle


@pytest.mark.keras
@pytest.mark.parametrize("case", CASES)
def test_function_matches_keras(xp, keras, case):
    labels, logits = make_case(case)
    actual = ctc(xp.asarray(labels), xp.asarray(logits))
    assert actual.dtype == xp.float32
    assert_close(actual, keras_ctc(case), rtol=1e-5, xp=xp)


@pytest.mark.keras
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "none"])
def test_class_matches_keras(xp, keras, reduction):
    labels, logits = make_case("mixed")
    weights = np.linspace(0.5, 2.0, labels.shape[0], dtype="float32")
    expected = keras_ctc_class(reduction, tuple(weights.tolist()))
    actual = CTC(reduction=reduction)(xp.asarray(labels), xp.asarray(logits), sample_weight=xp.asarray(weights))
    assert_close(actual, expected, rtol=1e-5, xp=xp)


@pytest.mark.keras
def test_unreachable_labels_follow_keras(keras, rng):
    """Labels that need more frames than there are: Keras's finite ~1e5, not torch's inf."""
    logits = rng.normal(size=(3, 4, 4)).astype("float32")
    labels = np.array([[1, 1, 1], [1, 2, 3], [2, 2, 0]])  # need 5, 3 and 3 frames
    expected = keras_ctc_jit(labels, logits)
    actual = ctc(labels, logits)
    assert_close(actual, expected, rtol=1e-5)
    assert actual[0] > 9e4
    assert actual[1] < 1e3
    torch_value, _ = torch_ctc(labels, logits.astype("float64"))
    assert np.isinf(torch_value.detach().numpy()[0])


@pytest.mark.keras
def test_float_labels_and_half_logits_match_keras(keras):
    labels, logits = make_case("mixed")
    expected = keras_ctc_jit(labels.astype("float32"), logits.astype("float16"))
    actual = ctc(labels.astype("float32"), logits.astype("float16"))
    assert actual.dtype == np.float32
    assert_close(actual, expected, rtol=1e-5)


# ---------------------------------------------------------------- torch oracle


def test_function_matches_torch_float64(xp):
    labels, logits = make_case("mixed", dtype="float64")
    expected, _ = torch_ctc(labels, logits)
    actual = ctc(xp.asarray(labels), xp.asarray(logits))
    assert actual.dtype == xp.float64
    assert_close(actual, expected.detach().numpy(), rtol=1e-10, xp=xp)


@pytest.mark.parametrize("case", CASES)
def test_every_case_matches_torch_float64(case):
    labels, logits = make_case(case, dtype="float64")
    expected, _ = torch_ctc(labels, logits)
    assert_close(ctc(labels, logits), expected.detach().numpy(), rtol=1e-10)


def test_no_label_columns_matches_torch(xp):
    _, logits = make_case("mixed", dtype="float64")
    labels = np.zeros((logits.shape[0], 0), dtype=np.int64)
    expected, _ = torch_ctc(labels, logits)
    assert_close(ctc(xp.asarray(labels), xp.asarray(logits)), expected.detach().numpy(), rtol=1e-10, xp=xp)


@pytest.mark.parametrize("backend", [Backend.NUMPY, Backend.TORCH], ids=str)
def test_single_class_is_not_rank_aligned(backend, rng):
    """``num_classes == 1`` must not be squeezed away by the class's rank alignment."""
    xp = backend.namespace()
    logits = rng.normal(size=(3, 4, 1))
    labels = np.zeros((3, 2), dtype=np.int64)
    expected, _ = torch_ctc(labels, logits)
    actual = CTC(reduction="none")(xp.asarray(labels), xp.asarray(logits))
    assert_close(actual, expected.detach().numpy(), atol=1e-12, xp=xp)


def test_extra_padding_changes_nothing():
    labels, logits = make_case("mixed", dtype="float64")
    padded = np.concatenate([labels, np.zeros((labels.shape[0], 3), dtype=labels.dtype)], axis=1)
    assert_close(ctc(padded, logits), ctc(labels, logits), rtol=1e-12)


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("case", CASES)
def test_torch_autograd_matches_torch_ctc(case):
    torch = pytest.importorskip("torch")
    labels, logits = make_case(case, dtype="float64")
    _, expected_grad = torch_ctc_value_and_grad(labels, logits)
    logits_t = torch.tensor(logits, requires_grad=True)
    ctc(torch.tensor(labels), logits_t).sum().backward()
    assert_close(logits_t.grad, expected_grad, rtol=1e-9, atol=1e-12)


def test_torch_gradient_at_ties_matches_torch_ctc():
    """All-zero logits make many equal alphas: the log-add-exp must split gradients evenly."""
    torch = pytest.importorskip("torch")
    labels = np.array([[1, 1, 2], [2, 0, 0]])
    logits = np.zeros((2, 6, 3))
    _, expected_grad = torch_ctc_value_and_grad(labels, logits)
    logits_t = torch.tensor(logits, requires_grad=True)
    ctc(torch.tensor(labels), logits_t).sum().backward()
    assert_close(logits_t.grad, expected_grad, rtol=1e-9, atol=1e-12)


@functools.cache
def jax_value_and_grad():
    """``jax.jit`` of the summed loss and its gradient, compiled once per input shape."""
    jax = pytest.importorskip("jax")
    jnp = Backend.JAX.namespace()  # enables float64
    return jax.jit(jax.value_and_grad(lambda logits, labels: jnp.sum(ctc(labels, logits))))


def test_jax_jit_grad_matches_torch_ctc():
    jnp = Backend.JAX.namespace()
    labels, logits = make_case("mixed", dtype="float64")
    expected, expected_grad = torch_ctc_value_and_grad(labels, logits)
    value, grad = jax_value_and_grad()(jnp.asarray(logits), jnp.asarray(labels))
    assert_close(value, np.sum(expected), rtol=1e-10, xp=jnp)
    assert_close(grad, expected_grad, rtol=1e-9, atol=1e-12, xp=jnp)


# ---------------------------------------------------------------- stability


def huge_case(dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """Logits of +-1e4 in the "mixed" shape; this seed keeps every true loss in (1e4, 1e5)."""
    labels, logits = make_case("mixed")
    signs = np.sign(np.random.default_rng(2).normal(size=logits.shape))
    return labels, (1e4 * signs).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_huge_logits_torch(dtype):
    torch = pytest.importorskip("torch")
    labels, logits = huge_case(dtype)
    expected, _ = torch_ctc(labels, logits.astype("float64"))
    expected = expected.detach().numpy()
    assert ((expected > 1e4) & (expected < 1e5)).all()
    logits_t = torch.tensor(logits, requires_grad=True)
    value = ctc(torch.tensor(labels), logits_t)
    value.sum().backward()
    assert_close(value, expected, rtol=1e-6 if dtype == "float32" else 1e-12)
    assert torch.isfinite(logits_t.grad).all()


def test_huge_logits_jax():
    jnp = Backend.JAX.namespace()
    labels, logits = huge_case("float64")
    expected, expected_grad = torch_ctc_value_and_grad(labels, logits)
    value, grad = jax_value_and_grad()(jnp.asarray(logits), jnp.asarray(labels))
    assert_close(value, np.sum(expected), rtol=1e-12, xp=jnp)
    assert bool(jnp.all(jnp.isfinite(grad)))
    assert_close(grad, expected_grad, atol=1e-9, xp=jnp)


# ---------------------------------------------------------------- errors and registry


@pytest.mark.parametrize(
    ("labels_shape", "logits_shape", "match"),
    [
        ((3,), (3, 4, 5), r"y_true .* shape \(3,\) \(rank 1, expected rank 2\)"),
        ((3, 2, 1), (3, 4, 5), r"y_true .* shape \(3, 2, 1\) \(rank 3, expected rank 2\)"),
        ((3, 2), (3, 4), r"y_pred .* shape \(3, 4\) \(rank 2, expected rank 3\)"),
        ((3, 2), (3, 4, 5, 1), r"y_pred .* shape \(3, 4, 5, 1\) \(rank 4, expected rank 3\)"),
        ((2, 2), (3, 4, 5), r"same batch size; got y_true of shape \(2, 2\) and y_pred of shape \(3, 4, 5\)"),
        ((3, 2), (3, 0, 5), r"at least one time step .* shape \(3, 0, 5\)"),
    ],
)
def test_bad_shapes_raise(xp, labels_shape, logits_shape, match):
    labels = xp.asarray(np.ones(labels_shape, dtype=np.int64))
    logits = xp.asarray(np.zeros(logits_shape, dtype=np.float32))
    with pytest.raises(ValueError, match=match):
        ctc(labels, logits)
    with pytest.raises(ValueError, match=match):
        CTC()(labels, logits)


def test_registry_and_config_round_trip():
    assert get("ctc") is ctc
    loss = get("CTC")
    assert isinstance(loss, CTC)
    assert loss.name == "ctc"
    config = serialize(CTC(reduction="sum", name="seq"))
    assert config == {"class_name": "CTC", "config": {"name": "seq", "reduction": "sum"}}
    rebuilt = deserialize(config)
    assert isinstance(rebuilt, CTC)
    assert (rebuilt.name, rebuilt.reduction) == ("seq", "sum")
