"""CTC loss: Keras 3 as the oracle, ``torch.nn.functional.ctc_loss`` as the second one."""

from __future__ import annotations

import numpy as np
import pytest

from losslab.losses._registry import deserialize, get, serialize
from losslab.losses._sequence import CTC, ctc
from losslab.testing import Backend, assert_close

# (batch, time_steps, num_classes, label lengths, max_label_length, logit scale)
CASES = {
    "mixed_lengths": (4, 10, 5, [3, 0, 5, 1], 5, 1.0),  # row 2 uses the full max_label_length
    "batch_1": (1, 6, 3, [2], 4, 1.0),
    "repeats": (3, 12, 3, [6, 4, 2], 6, 2.0),  # 2 label classes: many equal neighbours
    "one_frame": (2, 1, 4, [1, 0], 1, 1.0),
    "all_empty": (2, 5, 3, [0, 0], 3, 1.0),
    "peaked": (3, 8, 6, [3, 2, 4], 4, 30.0),
}


def make_case(rng: np.random.Generator, name: str, dtype: str = "float32") -> tuple[np.ndarray, np.ndarray]:
    batch, time_steps, num_classes, lengths, max_length, scale = CASES[name]
    logits = (scale * rng.normal(size=(batch, time_steps, num_classes))).astype(dtype)
    labels = np.zeros((batch, max_length), dtype=np.int64)
    high = 3 if name == "repeats" else num_classes
    for row, length in enumerate(lengths):
        labels[row, :length] = rng.integers(1, high, size=length)
    if name == "repeats":
        labels[0, :6] = [1, 1, 2, 2, 2, 1]  # feasible: needs 6 + 3 = 9 <= 12 frames
    return labels, logits


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
def test_function_matches_keras(xp, keras, rng, case):
    labels, logits = make_case(rng, case)
    expected = np.asarray(keras.losses.ctc(labels, logits))
    actual = ctc(xp.asarray(labels), xp.asarray(logits))
    assert actual.dtype == xp.float32
    assert_close(actual, expected, rtol=1e-5, xp=xp)


@pytest.mark.keras
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
def test_class_matches_keras(xp, keras, rng, reduction):
    labels, logits = make_case(rng, "mixed_lengths")
    weights = rng.uniform(0.5, 2.0, size=labels.shape[0]).astype("float32")
    expected = np.asarray(keras.losses.CTC(reduction=reduction)(labels, logits, sample_weight=weights))
    actual = CTC(reduction=reduction)(xp.asarray(labels), xp.asarray(logits), sample_weight=xp.asarray(weights))
    assert_close(actual, expected, rtol=1e-5, xp=xp)


@pytest.mark.keras
def test_class_default_matches_keras(keras, rng):
    labels, logits = make_case(rng, "repeats")
    assert_close(CTC()(labels, logits), np.asarray(keras.losses.CTC()(labels, logits)), rtol=1e-5)


@pytest.mark.keras
def test_unreachable_labels_follow_keras(keras, rng):
    """Labels that need more frames than there are: Keras's finite ~1e5, not torch's inf."""
    logits = rng.normal(size=(2, 4, 4)).astype("float32")
    labels = np.array([[1, 1, 1], [1, 2, 3]])  # the first needs 5 frames, the second 3
    expected = np.asarray(keras.losses.ctc(labels, logits))
    actual = ctc(labels, logits)
    assert_close(actual, expected, rtol=1e-5)
    assert actual[0] > 9e4
    torch_value, _ = torch_ctc(labels, logits.astype("float64"))
    assert np.isinf(torch_value.detach().numpy()[0])


@pytest.mark.keras
def test_float_labels_and_half_logits_match_keras(keras, rng):
    labels, logits = make_case(rng, "mixed_lengths")
    expected = np.asarray(keras.losses.ctc(labels.astype("float32"), logits.astype("float16")))
    actual = ctc(labels.astype("float32"), logits.astype("float16"))
    assert actual.dtype == np.float32
    assert_close(actual, expected, rtol=1e-5)


# ---------------------------------------------------------------- torch oracle


@pytest.mark.parametrize("case", CASES)
def test_function_matches_torch_float64(xp, rng, case):
    labels, logits = make_case(rng, case, dtype="float64")
    expected, _ = torch_ctc(labels, logits)
    actual = ctc(xp.asarray(labels), xp.asarray(logits))
    assert actual.dtype == xp.float64
    assert_close(actual, expected.detach().numpy(), rtol=1e-10, xp=xp)


def test_no_label_columns_matches_torch(xp, rng):
    logits = rng.normal(size=(2, 5, 3))
    labels = np.zeros((2, 0), dtype=np.int64)
    expected, _ = torch_ctc(labels, logits)
    assert_close(ctc(xp.asarray(labels), xp.asarray(logits)), expected.detach().numpy(), rtol=1e-10, xp=xp)


def test_single_class_is_not_rank_aligned(xp, rng):
    """``num_classes == 1`` must not be squeezed away by the class's rank alignment."""
    logits = rng.normal(size=(3, 4, 1))
    labels = np.zeros((3, 2), dtype=np.int64)
    expected, _ = torch_ctc(labels, logits)
    actual = CTC(reduction="none")(xp.asarray(labels), xp.asarray(logits))
    assert_close(actual, expected.detach().numpy(), atol=1e-12, xp=xp)


def test_extra_padding_changes_nothing(xp, rng):
    labels, logits = make_case(rng, "mixed_lengths", dtype="float64")
    padded = np.concatenate([labels, np.zeros((labels.shape[0], 3), dtype=labels.dtype)], axis=1)
    assert_close(ctc(xp.asarray(padded), xp.asarray(logits)), ctc(labels, logits), rtol=1e-12, xp=xp)


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("case", ["mixed_lengths", "repeats", "peaked"])
def test_torch_autograd_matches_torch_ctc(rng, case):
    torch = pytest.importorskip("torch")
    labels, logits = make_case(rng, case, dtype="float64")
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


@pytest.mark.parametrize("case", ["mixed_lengths", "repeats"])
def test_jax_grad_and_jit_match_torch_ctc(rng, case):
    jax = pytest.importorskip("jax")
    jnp = Backend.JAX.namespace()  # enables float64
    labels, logits = make_case(rng, case, dtype="float64")
    expected, expected_grad = torch_ctc_value_and_grad(labels, logits)
    labels_j, logits_j = jnp.asarray(labels), jnp.asarray(logits)

    def total(z):
        return jnp.sum(ctc(labels_j, z))

    assert_close(jax.grad(total)(logits_j), expected_grad, rtol=1e-9, atol=1e-12, xp=jnp)
    assert_close(jax.jit(jax.grad(total))(logits_j), expected_grad, rtol=1e-9, atol=1e-12, xp=jnp)
    assert_close(jax.jit(ctc)(labels_j, logits_j), expected, rtol=1e-10, xp=jnp)


# ---------------------------------------------------------------- stability


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_huge_logits_give_finite_value_and_gradient(rng, dtype):
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
    jnp = Backend.JAX.namespace()
    labels = np.array([[1, 2, 2, 0], [3, 0, 0, 0], [0, 0, 0, 0]])
    logits = (1e4 * rng.choice([-1.0, 1.0], size=(3, 5, 4))).astype(dtype)

    logits_t = torch.tensor(logits, requires_grad=True)
    value_t = ctc(torch.tensor(labels), logits_t)
    value_t.sum().backward()
    assert torch.isfinite(value_t).all()
    assert torch.isfinite(logits_t.grad).all()

    value_j, grad_j = jax.value_and_grad(lambda z: jnp.sum(ctc(jnp.asarray(labels), z)))(jnp.asarray(logits))
    assert bool(jnp.isfinite(value_j))
    assert bool(jnp.all(jnp.isfinite(grad_j)))

    expected, _ = torch_ctc(labels, logits.astype("float64"))  # true losses stay below 1e5 here
    assert_close(value_t, expected.detach().numpy(), rtol=1e-6 if dtype == "float32" else 1e-12)


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
