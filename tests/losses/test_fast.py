"""Native fast paths give the generic code's numbers, values and gradients, and are really used."""

from __future__ import annotations

import numpy as np
import pytest

import losslab
from losslab.losses._card import card, cards
from losslab.losses._fast import generic_only, on_jax, on_torch

torch = pytest.importorskip("torch")
import array_api_compat.torch as torch_xp  # noqa: E402

RNG = np.random.default_rng(5)
LOGITS = RNG.normal(scale=4.0, size=(64, 7))
BINARY = RNG.integers(0, 2, size=(64, 7)).astype(float)
LABELS = RNG.integers(0, 7, size=(64,))
ONE_HOT = np.eye(7)[LABELS]
PROBS = np.exp(LOGITS) / np.exp(LOGITS).sum(axis=1, keepdims=True)

CASES = [
    ("mean_squared_error", losslab.MeanSquaredError(), BINARY, LOGITS),
    ("mean_absolute_error", losslab.MeanAbsoluteError(), BINARY, LOGITS + 0.01),
    ("huber", losslab.Huber(delta=1.5), BINARY, LOGITS + 0.01),
    ("poisson", losslab.Poisson(), BINARY * 3, np.abs(LOGITS)),
    (
        "binary_crossentropy_from_logits",
        losslab.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
        BINARY,
        LOGITS,
    ),
    ("binary_crossentropy_from_logits", losslab.BinaryCrossentropy(from_logits=True, axis=0), BINARY, LOGITS),
    ("binary_crossentropy", losslab.BinaryCrossentropy(), BINARY, 1 / (1 + np.exp(-LOGITS))),
    ("binary_crossentropy", losslab.BinaryCrossentropy(label_smoothing=0.1, axis=0), BINARY, 1 / (1 + np.exp(-LOGITS))),
    ("binary_crossentropy", losslab.BinaryCrossentropy(), BINARY, np.clip(LOGITS, 0.0, 1.0)),  # 0 and 1: clipped
    ("cosine_similarity", losslab.CosineSimilarity(), LOGITS[::-1].copy(), LOGITS),
    ("cosine_similarity", losslab.CosineSimilarity(axis=0), LOGITS[::-1].copy(), LOGITS),
    # zero vectors and vectors shorter than eps: clamped norms, zero gradient through them
    ("cosine_similarity", losslab.CosineSimilarity(), LOGITS[::-1] * 1e-9 * (LABELS[:, None] > 2), LOGITS),
    ("cosine_similarity", losslab.CosineSimilarity(), BINARY, LOGITS * 1e-9 * (LABELS[:, None] > 2)),
    ("kl_divergence", losslab.KLDivergence(), PROBS[::-1].copy(), PROBS),
    ("kl_divergence", losslab.KLDivergence(), ONE_HOT, np.where(ONE_HOT == 1, 0.0, PROBS)),  # zeros on both sides
    ("smooth_l1", losslab.SmoothL1(beta=0.7), BINARY, LOGITS + 0.01),
    ("smooth_l1", losslab.SmoothL1(beta=0.0), BINARY, LOGITS + 0.01),
    ("poisson_nll", losslab.PoissonNLL(), BINARY * 3, LOGITS / 4),
    ("poisson_nll", losslab.PoissonNLL(log_input=False, eps=1e-3), BINARY * 3, np.abs(LOGITS)),
    ("multilabel_soft_margin", losslab.MultilabelSoftMargin(), BINARY, LOGITS),
    ("multilabel_soft_margin", losslab.MultilabelSoftMargin(weight=[0.5, 1, 2, 0, 1, 1, 3]), BINARY, LOGITS),
    (
        "categorical_crossentropy_from_logits",
        losslab.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2),
        ONE_HOT,
        LOGITS,
    ),
    (
        "sparse_categorical_crossentropy_from_logits",
        losslab.SparseCategoricalCrossentropy(from_logits=True, ignore_class=3),
        LABELS,
        LOGITS,
    ),
    (
        "sparse_categorical_crossentropy_from_logits",
        losslab.SparseCategoricalCrossentropy(from_logits=True),
        LABELS,
        LOGITS,
    ),
    ("categorical_crossentropy_from_logits", losslab.CategoricalCrossentropy(from_logits=True), ONE_HOT, LOGITS),
    (
        "categorical_crossentropy_from_logits",
        losslab.CategoricalCrossentropy(from_logits=True, axis=0),
        ONE_HOT,
        LOGITS,
    ),
]


@pytest.mark.parametrize(("name", "loss", "y_true", "y_pred"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_fast_path_matches_the_generic_code(name, loss, y_true, y_pred):
    assert on_torch(torch_xp)

    def value_and_grad():
        pred = torch.tensor(y_pred, requires_grad=True)
        value = loss(torch.as_tensor(y_true), pred)
        value.backward()
        return value.detach().numpy(), pred.grad.numpy()

    fast_value, fast_grad = value_and_grad()
    with generic_only():
        assert not on_torch(torch_xp)
        generic_value, generic_grad = value_and_grad()
    np.testing.assert_allclose(fast_value, generic_value, rtol=1e-12)
    np.testing.assert_allclose(fast_grad, generic_grad, rtol=1e-10, atol=1e-15)


def test_fast_paths_are_torch_only():
    import array_api_strict

    assert not on_torch(np) and not on_jax(np)
    assert not on_torch(array_api_strict) and not on_jax(array_api_strict)


def test_fast_path_keeps_the_errors():
    with pytest.raises(ValueError, match="use sparse_categorical_crossentropy"):
        losslab.categorical_crossentropy(torch.tensor([0, 1]), torch.zeros(2, 3), from_logits=True)


def test_plain_means_use_one_fused_kernel(monkeypatch):
    calls = []
    original = torch._C._nn.mse_loss  # the op that F.mse_loss calls; its third argument is the reduction's code
    monkeypatch.setattr(torch._C._nn, "mse_loss", lambda *a: calls.append(a[2]) or original(*a))
    y_true, y_pred = torch.as_tensor(BINARY), torch.as_tensor(LOGITS)
    mean = losslab.MeanSquaredError()(y_true, y_pred)
    weighted = losslab.MeanSquaredError()(y_true, y_pred, sample_weight=torch.ones(64))
    assert calls == [1, 0]  # torch's codes of "mean" and "none": a weight needs the per-sample values
    assert float(mean) == pytest.approx(float(weighted), rel=1e-12)
    assert float(mean) == pytest.approx(((LOGITS - BINARY) ** 2).mean(), rel=1e-12)


@pytest.mark.parametrize(
    ("name", "loss", "y_true"),
    [
        (
            "categorical_crossentropy_from_logits",
            losslab.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
            ONE_HOT,
        ),
        (
            "sparse_categorical_crossentropy_from_logits",
            losslab.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2),
            LABELS,
        ),
    ],
)
def test_jax_fast_paths_match_the_generic_code_under_jit_and_grad(name, loss, y_true):
    jax = pytest.importorskip("jax")
    from losslab.testing import Backend

    jnp = Backend.JAX.namespace()
    assert on_jax(jnp)
    value_and_grad = jax.jit(jax.value_and_grad(lambda p: loss(jnp.asarray(y_true), p)))
    fast_value, fast_grad = value_and_grad(jnp.asarray(LOGITS))
    with generic_only():
        generic_value, generic_grad = jax.value_and_grad(lambda p: loss(jnp.asarray(y_true), p))(jnp.asarray(LOGITS))
    np.testing.assert_allclose(fast_value, generic_value, rtol=1e-12)
    np.testing.assert_allclose(fast_grad, generic_grad, rtol=1e-9, atol=1e-15)


def test_jax_sparse_fast_path_gives_nan_for_out_of_range_labels_as_the_generic_code():
    pytest.importorskip("jax")
    from losslab.testing import Backend

    jnp = Backend.JAX.namespace()
    out = losslab.sparse_categorical_crossentropy(jnp.asarray([0, 9]), jnp.asarray(LOGITS[:2]), from_logits=True)
    with generic_only():
        reference = losslab.sparse_categorical_crossentropy(
            jnp.asarray([0, 9]), jnp.asarray(LOGITS[:2]), from_logits=True
        )
    np.testing.assert_allclose(out, reference, rtol=1e-12)  # NaN where NaN
    assert np.isnan(float(out[1])) and np.isfinite(float(out[0]))


@pytest.mark.parametrize("ignore", [None, 1])
def test_sparse_label_smoothing_and_ignore_follow_torch(xp, ignore):
    import torch.nn.functional as F

    loss = losslab.SparseCategoricalCrossentropy(from_logits=True, label_smoothing=0.2, ignore_class=ignore)
    out = loss(xp.asarray(LABELS), xp.asarray(LOGITS))
    expected = F.cross_entropy(
        torch.as_tensor(LOGITS),
        torch.as_tensor(LABELS),
        label_smoothing=0.2,
        ignore_index=-100 if ignore is None else ignore,
    )
    np.testing.assert_allclose(float(out), float(expected), rtol=1e-10)


def test_torch_name_ignore_index_is_keras_ignore_class():
    import torch.nn.functional as F

    labels = LABELS.copy()
    labels[:5] = -100
    expected = F.cross_entropy(torch.as_tensor(LOGITS), torch.as_tensor(labels))
    out = losslab.SparseCategoricalCrossentropy(from_logits=True, ignore_index=-100)(labels, LOGITS)
    assert float(out) == pytest.approx(float(expected), rel=1e-10)
    assert losslab.SparseCategoricalCrossentropy(ignore_index=3).get_config()["ignore_class"] == 3
    with pytest.raises(ValueError, match="not both"):
        losslab.sparse_categorical_crossentropy(LABELS, PROBS, ignore_class=1, ignore_index=2)


# CTC: 8 sequences of 12 frames over 5 classes; labels padded with 0, the blank.
CTC_LOGITS = RNG.normal(scale=2.0, size=(8, 12, 5))
CTC_LABELS = np.array(
    [[1, 2, 2, 3], [4, 0, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1], [3, 4, 1, 2], [2, 0, 0, 0], [1, 3, 0, 0], [4, 4, 0, 0]]
)


def _ctc_value_and_grad(labels):
    pred = torch.tensor(CTC_LOGITS, requires_grad=True)
    value = losslab.ctc(torch.as_tensor(labels), pred)
    value.sum().backward()
    return value.detach().numpy(), pred.grad.numpy()


def test_torch_ctc_kernel_matches_the_recursion(monkeypatch):
    calls = []
    original = torch.ctc_loss  # the op that F.ctc_loss calls
    monkeypatch.setattr(torch, "ctc_loss", lambda *a, **k: calls.append(1) or original(*a, **k))
    fast_value, fast_grad = _ctc_value_and_grad(CTC_LABELS)
    assert calls == [1]
    with generic_only():
        generic_value, generic_grad = _ctc_value_and_grad(CTC_LABELS)
    assert calls == [1]
    np.testing.assert_allclose(fast_value, generic_value, rtol=1e-10)
    np.testing.assert_allclose(fast_grad, generic_grad, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize(
    "labels",
    [
        np.array([[1, 1, 1, 1, 1, 1, 1]] * 8),  # needs 13 frames (7 labels + 6 blanks between repeats), has 12
        np.array([[1, 2, 7, 0]] * 8),  # class 7 of 5: torch's kernel does not check
    ],
    ids=["too-long-for-the-frames", "label-out-of-range"],
)
def test_torch_ctc_falls_back_to_the_recursion_where_the_kernel_differs(labels):
    fast_value, fast_grad = _ctc_value_and_grad(labels)
    with generic_only():
        generic_value, generic_grad = _ctc_value_and_grad(labels)
    assert np.isfinite(fast_value).all() and np.isfinite(fast_grad).all()
    np.testing.assert_allclose(fast_value, generic_value, rtol=1e-12)  # only log_softmax is torch's
    np.testing.assert_allclose(fast_grad, generic_grad, rtol=1e-8, atol=1e-12)


def test_jax_ctc_runs_one_scan_over_the_frames():
    jax = pytest.importorskip("jax")
    from losslab.testing import Backend

    jnp = Backend.JAX.namespace()
    labels, logits = jnp.asarray(CTC_LABELS), jnp.asarray(CTC_LOGITS)

    def total(p):
        return losslab.ctc(labels, p).sum()

    jaxpr = str(jax.make_jaxpr(total)(logits))
    assert jaxpr.count("scan[") == 1
    fast_value, fast_grad = jax.jit(jax.value_and_grad(total))(logits)
    with generic_only():
        assert "scan[" not in str(jax.make_jaxpr(lambda p: losslab.ctc(labels, p).sum())(logits))  # a new trace
        generic_value, generic_grad = jax.value_and_grad(total)(logits)
    np.testing.assert_allclose(fast_value, generic_value, rtol=1e-12)
    np.testing.assert_allclose(fast_grad, generic_grad, rtol=1e-9, atol=1e-12)


def _jax_mean_cases():
    from tests.losses._registry import CASES as REGISTRY

    fused = {card.name for card in cards() if card.plain_mean is not None}

    def log_rates(rng, shape):
        return rng.poisson(2.0, size=shape).astype(float), rng.normal(size=shape)

    cases = [
        (case.name, case.cls, case.make, kwargs)
        for case in REGISTRY
        if case.name in fused
        for kwargs in case.kwargs
        if not getattr(losslab, case.cls)(**kwargs).masks_entries()  # a masked mean counts the valid entries
        and "weight" not in kwargs  # one weight per class of the registry's own shape
    ]
    cases += [("poisson_nll", "PoissonNLL", log_rates, kwargs) for kwargs in ({}, {"full": True})]
    assert {name for name, *_ in cases} == fused  # every loss with a plain-mean entry point is checked
    return cases


@pytest.mark.parametrize(
    ("name", "cls", "make", "kwargs"),
    _jax_mean_cases(),
    ids=lambda v: v if isinstance(v, str) and not v[0].isupper() else (repr(v) if isinstance(v, dict) else ""),
)
def test_jax_fused_mean_is_the_mean_of_the_per_sample_losses(name, cls, make, kwargs):
    """On JAX the plain mean of an element-wise loss is one reduction over its terms; same value, same gradient."""
    jax = pytest.importorskip("jax")
    from losslab.testing import Backend

    jnp = Backend.JAX.namespace()
    y_true, y_pred = (jnp.asarray(a) for a in make(np.random.default_rng(3), (5, 3, 4)))
    fused_loss = getattr(losslab, cls)(**kwargs)
    per_sample = getattr(losslab, cls)(**kwargs, reduction="none")
    fused = jax.jit(jax.value_and_grad(lambda p: fused_loss(y_true, p)))
    reference = jax.jit(jax.value_and_grad(lambda p: jnp.mean(per_sample(y_true, p))))
    (value, grad), (expected, expected_grad) = fused(y_pred), reference(y_pred)
    jaxpr = str(jax.make_jaxpr(lambda p: fused_loss(y_true, p))(y_pred))
    # Element-wise (no class axis, no sparse labels, a view against one scalar): no per-sample reduction first.
    # A loss of whole vectors (cosine: no scalar view) needs its per-sample reduction.
    if not {"class_axis", "sparse"} & card(name).facts and card(name).view.kind is not None:
        assert "axes=(2,)" not in jaxpr
    np.testing.assert_allclose(value, expected, rtol=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(
    ("name", "cls", "make", "kwargs"),
    _jax_mean_cases(),
    ids=lambda v: v if isinstance(v, str) and not v[0].isupper() else (repr(v) if isinstance(v, dict) else ""),
)
def test_fused_mean_is_the_mean_of_the_per_sample_losses_on_every_backend(name, cls, make, kwargs, xp):
    y_true, y_pred = (xp.asarray(a) for a in make(np.random.default_rng(4), (6, 2, 5)))
    value = getattr(losslab, cls)(**kwargs)(y_true, y_pred)
    per_sample = getattr(losslab, cls)(**kwargs, reduction="none")(y_true, y_pred)
    assert value.ndim == 0
    np.testing.assert_allclose(float(value), float(xp.mean(per_sample)), rtol=1e-12)


def test_relu_keeps_nan_and_zeroes_negatives_on_every_backend(xp):
    from losslab._backend import namespace
    from losslab.losses._ops import relu

    x = xp.asarray([-2.0, 0.0, 3.0, float("nan")])
    out = relu(x, namespace(x))
    np.testing.assert_array_equal(np.asarray(out), [0.0, 0.0, 3.0, np.nan])


def test_hinge_maps_binary_labels_with_one_scale_not_a_select():
    """{0, 1} labels become 2y - 1 through a 0-d scale; {-1, 1} and soft labels stay as they are."""
    y_pred = np.array([[0.5, -2.0, 0.2]])
    for y_true, expected in (([[1.0, 0.0, 1.0]], [[1.0, -1.0, 1.0]]), ([[1.0, -1.0, 0.5]], [[1.0, -1.0, 0.5]])):
        margins = np.asarray(expected) * y_pred
        np.testing.assert_allclose(losslab.hinge(y_true, y_pred), np.maximum(1 - margins, 0).mean(axis=-1), rtol=1e-6)


def test_torch_bce_on_probabilities_uses_the_kernel_only_for_large_buffers(monkeypatch):
    """On CPU the generic code is faster below 32 MiB; above, or on an accelerator, torch's kernel (same numbers)."""
    import losslab.losses._fast as fast

    calls = []
    original = torch._C._nn.binary_cross_entropy  # F.binary_cross_entropy's op
    monkeypatch.setattr(torch._C._nn, "binary_cross_entropy", lambda *a: calls.append(a[3]) or original(*a))
    probs = 1 / (1 + np.exp(-LOGITS))
    for loss in (losslab.BinaryCrossentropy(), losslab.BinaryCrossentropy(reduction="none", axis=0)):
        loss(torch.as_tensor(BINARY), torch.as_tensor(probs))
    assert calls == []
    monkeypatch.setattr(fast, "LARGE_CPU_BUFFER", 0)
    for loss in (losslab.BinaryCrossentropy(), losslab.BinaryCrossentropy(reduction="none", axis=0)):
        pred = torch.tensor(probs, requires_grad=True)
        value = loss(torch.as_tensor(BINARY), pred)
        value.sum().backward()
        with generic_only():
            reference_pred = torch.tensor(probs, requires_grad=True)
            reference = loss(torch.as_tensor(BINARY), reference_pred)
            reference.sum().backward()
        np.testing.assert_allclose(value.detach().numpy(), reference.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(pred.grad.numpy(), reference_pred.grad.numpy(), rtol=1e-10, atol=1e-15)
    assert calls == [1, 0]  # torch's codes of "mean" and "none"


def test_a_user_function_named_like_a_builtin_loss_is_not_fused(xp):
    """Only losslab's own functions return a fused mean; a namesake that squares ours keeps its per-sample values."""

    def hinge(y_true, y_pred):
        return losslab.hinge(y_true, y_pred) ** 2

    y_true, y_pred = xp.asarray(BINARY), xp.asarray(LOGITS / 4)
    value = losslab.LossFunctionWrapper(hinge)(y_true, y_pred)
    per_sample = np.maximum(1 - (2 * BINARY - 1) * LOGITS / 4, 0).mean(axis=-1) ** 2
    np.testing.assert_allclose(float(value), per_sample.mean(), rtol=1e-10)
