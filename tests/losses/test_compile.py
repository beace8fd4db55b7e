"""Every loss traces whole: ``torch.compile(fullgraph=True)`` and ``jax.jit`` with traced hyperparameters.

One compiled function per loss and argument set holds every call the test
checks: the function form, and the class form with the default reduction
and one more of ``REDUCTIONS`` (each in turn over the losses), with and
without a per-sample weight. A graph break anywhere in any of them fails the
trace (``fullgraph=True``), so the one compile covers each call as a separate
compile would, several times faster.
``backend="eager"`` runs dynamo alone (no code generation): the trace is what
is tested. Each value is compared with the same call run eagerly.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import losslab
from losslab.losses._reduction import REDUCTIONS
from losslab.testing import Backend, assert_close
from tests.losses._registry import CASES, Case, case_id

torch = pytest.importorskip("torch")
dynamo = pytest.importorskip("torch._dynamo")

PARAMS = [
    pytest.param(case, kwargs, id=f"{case_id(case)}-{i}") for case in CASES for i, kwargs in enumerate(case.kwargs)
]
PARAM_IDS = [p.id for p in PARAMS]


@pytest.fixture(autouse=True)
def fresh_dynamo():
    """Each test compiles from a clean cache (no recompile limits shared between tests)."""
    dynamo.reset()


def per_sample_weight(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One weight per sample: the first axis of the per-sample losses (a 0-d weight for a whole-batch loss)."""
    return rng.uniform(0.5, 2.0, size=np.shape(values)[:1])


def every_call(fn, kwargs, losses):
    """``(y_true, y_pred, weight) -> list`` of the function form and each class call, unweighted and weighted."""

    def calls(y_true, y_pred, weight):
        out = [fn(y_true, y_pred, **kwargs)]
        for loss in losses:
            out += [loss(y_true, y_pred), loss(y_true, y_pred, sample_weight=weight)]
        return out

    return calls


def compiled_matches_eager(calls, *args) -> None:
    """``calls(*args)`` traces whole under ``torch.compile(fullgraph=True)``, warning-free, and gives eager values."""
    expected = calls(*args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        actual = torch.compile(calls, fullgraph=True, backend="eager")(*args)
    assert [str(w.message) for w in caught] == []
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=True):
        assert_close(a, e, rtol=1e-12, atol=1e-300)


def torch_inputs(case: Case, kwargs: dict) -> tuple:
    rng = np.random.default_rng(0)
    y_true, y_pred = case.make(rng, case.shapes[0])
    values = np.asarray(case.loss_class(reduction="none", **kwargs)(y_true, y_pred))
    weight = per_sample_weight(values, rng)
    return torch.as_tensor(y_true), torch.as_tensor(y_pred), torch.as_tensor(weight)


@pytest.mark.parametrize(("index", "case", "kwargs"), [(i, *p.values) for i, p in enumerate(PARAMS)], ids=PARAM_IDS)
def test_every_call_traces_whole_and_gives_the_eager_value(index, case, kwargs):
    """The function, and the class with the default reduction and one more (in turn), unweighted and weighted.

    The default reduction (``"sum_over_batch_size"``, which ``"mean"`` shares) takes the fast path where the loss
    has one; every other reduction goes through the loss's per-sample values and one shared reduction. Each
    reduction is traced for a sixth of the losses, the default for all of them: tracing the six for every loss
    took twice as long and traced the shared code again.
    """
    reductions = [REDUCTIONS[0], REDUCTIONS[1 + index % (len(REDUCTIONS) - 1)]]
    losses = [case.loss_class(reduction=r, **kwargs) for r in reductions]
    compiled_matches_eager(every_call(case.fn, kwargs, losses), *torch_inputs(case, kwargs))


def _ctc_inputs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Labels padded with the blank 0 (one impossible in 5 frames: 1 1 1 1 needs 7) and logits (batch, T, C)."""
    labels = np.array([[1, 2, 2, 3], [4, 0, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1], [3, 4, 1, 0]])
    return labels, rng.normal(size=(5, 5, 5))


def _quantile_inputs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(size=(6, 1)), rng.normal(size=(6, 3))


def _counts_and_log_rates(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.poisson(2.0, size=(6, 4)).astype(float), rng.normal(size=(6, 4))


def _counts_and_rates(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.poisson(2.0, size=(6, 4)).astype(float), rng.uniform(0.1, 3.0, size=(6, 4))


def _mean_and_variance(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(size=(6, 4)), np.stack([rng.normal(size=(6, 4)), rng.uniform(0.1, 2.0, size=(6, 4))], axis=-1)


BEYOND_REGISTRY = [
    # (id, class, class kwargs, function, function kwargs, inputs)
    ("ctc", losslab.CTC, {}, losslab.ctc, {}, _ctc_inputs),
    (
        "multi_quantile",
        losslab.MultiQuantile,
        {"quantiles": (0.2, 0.5, 0.7)},
        losslab.multi_quantile,
        None,
        _quantile_inputs,
    ),
    ("poisson_nll", losslab.PoissonNLL, {}, losslab.poisson_nll, None, _counts_and_log_rates),
    (
        "poisson_nll_rates_full",
        losslab.PoissonNLL,
        {"log_input": False, "full": True, "eps": 1e-3},
        losslab.poisson_nll,
        None,
        _counts_and_rates,
    ),
    ("gaussian_nll", losslab.GaussianNLL, {"full": True}, None, None, _mean_and_variance),
]
"""Catalogue losses whose inputs the registry does not draw (``None``: the function takes the class's kwargs)."""


@pytest.mark.parametrize(
    ("cls", "kwargs", "fn", "fn_kwargs", "make"), [pytest.param(*p[1:], id=p[0]) for p in BEYOND_REGISTRY]
)
def test_losses_beyond_the_registry_trace_whole(cls, kwargs, fn, fn_kwargs, make):
    rng = np.random.default_rng(1)
    y_true, y_pred = make(rng)
    values = np.asarray(cls(reduction="none", **kwargs)(y_true, y_pred))
    weight = per_sample_weight(values, rng)
    losses = [cls(reduction=r, **kwargs) for r in REDUCTIONS]
    if fn is None:  # GaussianNLL: the function form takes the variances apart

        def fn(y_true, y_pred, **kwargs):
            return losslab.gaussian_nll(y_true, y_pred[..., 0], var=y_pred[..., 1], **kwargs)

    calls = every_call(fn, kwargs if fn_kwargs is None else fn_kwargs, losses)
    compiled_matches_eager(calls, *(torch.as_tensor(a) for a in (y_true, y_pred, weight)))


def test_combined_losses_trace_whole():
    """Weighted sums, one with a masking term (an ignored class), for each reduction, weighted and unweighted."""
    rng = np.random.default_rng(2)
    labels, probs = rng.integers(0, 4, size=6), rng.dirichlet(np.ones(4), size=6)
    y_true, y_pred = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    masked = losslab.SparseCategoricalCrossentropy(ignore_class=1) + 0.5 * losslab.CategoricalGeneralizedCrossEntropy()
    plain = 0.7 * losslab.Huber() + 0.3 * losslab.MeanAbsoluteError()
    pairs = [
        (
            losslab.CombinedLoss(masked.losses, masked.weights, reduction=r),
            losslab.CombinedLoss(plain.losses, plain.weights, reduction=r),
        )
        for r in REDUCTIONS
    ]

    def calls(labels, probs, y_true, y_pred, weight):
        out = []
        for masked, plain in pairs:
            out += [masked(labels, probs), masked(labels, probs, sample_weight=weight)]
            out += [plain(y_true, y_pred), plain(y_true, y_pred, sample_weight=weight)]
        return out

    args = (labels, probs, y_true, y_pred, rng.uniform(0.5, 2.0, size=6))
    compiled_matches_eager(calls, *(torch.as_tensor(a) for a in args))


def test_generic_only_is_read_once_when_traced():
    """The compiled function keeps the path it was traced with, as under ``jax.jit``: no recompile, no break."""
    from losslab.losses._fast import generic_only

    mse = losslab.MeanSquaredError()
    y_true, y_pred = torch.zeros(4, 3), torch.ones(4, 3)
    mse(y_true, y_pred)  # losslab has met torch tensors (as when torch is imported first)
    graphs = []

    def count_graphs(gm, example_inputs):
        graphs.append({n.target for n in gm.graph.nodes if n.op == "call_function"})
        return gm.forward

    compiled = torch.compile(mse, fullgraph=True, backend=count_graphs)
    with generic_only():
        assert float(compiled(y_true, y_pred)) == 1.0
    assert float(compiled(y_true, y_pred)) == 1.0
    assert len(graphs) == 1
    assert torch.nn.functional.mse_loss not in graphs[0]  # the generic code: a subtraction, a product, a mean


def test_value_checks_are_left_out_of_a_trace():
    """Checks read values, which a graph does not have: ``torch.compile`` leaves them out, as ``jax.jit`` does."""
    rng = np.random.default_rng(5)
    counts, rates = rng.poisson(2.0, size=(6, 3)).astype(float), rng.uniform(0.5, 2.0, size=(6, 3))
    probs = rng.uniform(0.1, 0.9, size=(6, 3))
    losses = [losslab.TweedieDeviance(power=1.5), losslab.BinaryCrossentropy(), losslab.SparseCategoricalCrossentropy()]

    def calls(counts, rates, targets, probs, labels):
        return [losses[0](counts, rates), losses[1](targets, probs), losses[2](labels, probs)]

    args = (counts, rates, (probs > 0.5).astype(float), probs, rng.integers(0, 3, size=6))
    with losslab.value_checks():
        compiled_matches_eager(calls, *(torch.as_tensor(a) for a in args))


def test_the_first_call_on_a_tensor_type_may_be_traced(monkeypatch):
    """A compiled training step can be the first place losslab meets a tensor type (no warnings, no break)."""
    from losslab import _backend

    monkeypatch.setattr(_backend, "_NAMESPACE_OF_TYPE", {})
    monkeypatch.setattr(_backend, "_INPUT_KIND", {})
    rng = np.random.default_rng(3)
    labels, logits, weight = rng.integers(0, 4, size=(6,)), rng.normal(size=(6, 4)), rng.uniform(size=6)
    losses = [losslab.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2, reduction=r) for r in REDUCTIONS]
    calls = every_call(losslab.sparse_categorical_crossentropy, {"from_logits": True}, losses)
    args = tuple(torch.as_tensor(a) for a in (labels, logits, weight))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        actual = torch.compile(calls, fullgraph=True, backend="eager")(*args)
    assert [str(w.message) for w in caught] == []
    assert _backend.array_namespace(args[0]) is Backend.TORCH.namespace()
    assert list(_backend._NAMESPACE_OF_TYPE) == [torch.Tensor]
    for a, e in zip(actual, calls(*args), strict=True):
        assert_close(a, e, rtol=1e-12, atol=1e-300)


NO_RECOMPILE = """
import torch, losslab
torch._dynamo.config.error_on_recompile = True
losses = [losslab.SparseCategoricalCrossentropy(from_logits=True), losslab.BinaryCrossentropy(from_logits=True)]
@torch.compile(fullgraph=True, backend="eager")
def step(labels, logits, targets):
    return losses[0](labels, logits) + losses[1](targets, logits)
args = torch.tensor([0, 2, 1]), torch.randn(3, 4), torch.rand(3, 4)
for _ in range(3):
    step(*args)
print("ok")
"""


def test_a_fresh_process_compiles_once():
    """``import torch, losslab`` then a compiled step: its first call is losslab's first, and no call recompiles.

    Caches filled by that first call would change what the trace read, and dynamo would compile again.
    """
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", NO_RECOMPILE], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "ok"


# ---------------------------------------------------------------- jax.jit with a traced label_smoothing

SMOOTHED = [
    ("binary_crossentropy", "BinaryCrossentropy", "binary"),
    ("binary_focal_crossentropy", "BinaryFocalCrossentropy", "binary"),
    ("categorical_crossentropy", "CategoricalCrossentropy", "one_hot"),
    ("categorical_focal_crossentropy", "CategoricalFocalCrossentropy", "one_hot"),
    ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", "labels"),
    ("poly1_crossentropy", "Poly1Crossentropy", "one_hot"),
    ("sparse_poly1_crossentropy", "SparsePoly1Crossentropy", "labels"),
]
"""Every loss that takes ``label_smoothing``, with the labels it takes."""


def _smoothing_inputs(kind: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(4)
    logits = rng.normal(scale=2.0, size=(6, 4))
    labels = rng.integers(0, 4, size=6)
    y_true = {"binary": rng.integers(0, 2, size=(6, 4)).astype(float), "one_hot": np.eye(4)[labels], "labels": labels}
    return y_true[kind], logits


@pytest.mark.parametrize(("name", "cls", "kind"), SMOOTHED, ids=[s[0] for s in SMOOTHED])
@pytest.mark.parametrize("from_logits", [True, False])
def test_jax_jit_traces_label_smoothing(name, cls, kind, from_logits):
    """A traced ``label_smoothing`` (e.g. a schedule) gives the value of the same Python number, as ``delta`` does."""
    jax = pytest.importorskip("jax")
    jnp = Backend.JAX.namespace()
    y_true, logits = _smoothing_inputs(kind)
    y_pred = logits if from_logits else np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    if kind == "binary" and not from_logits:
        y_pred = 1.0 / (1.0 + np.exp(-logits))
    t, p = jnp.asarray(y_true), jnp.asarray(y_pred)
    fn, loss_class = getattr(losslab, name), getattr(losslab, cls)

    def both(p, s):
        return fn(t, p, from_logits=from_logits, label_smoothing=s), loss_class(
            from_logits=from_logits, label_smoothing=s
        )(t, p)

    jitted = jax.jit(both)
    for s in (0.0, 0.15):
        for actual, expected in zip(jitted(p, s), both(p, s), strict=True):  # traced, then with a Python float
            assert_close(actual, expected, rtol=1e-12, atol=1e-15)


def test_traced_label_smoothing_matches_the_formula():
    """Binary cross-entropy from logits with labels y (1 - s) + s / 2, worked out in NumPy."""
    jax = pytest.importorskip("jax")
    jnp = Backend.JAX.namespace()
    y_true, logits = _smoothing_inputs("binary")
    smoothing = 0.3
    target = y_true * (1 - smoothing) + smoothing / 2
    expected = (np.logaddexp(0.0, logits) - target * logits).mean(axis=-1)  # -y log s(x) - (1 - y) log(1 - s(x))
    jitted = jax.jit(
        lambda p, s: losslab.binary_crossentropy(jnp.asarray(y_true), p, from_logits=True, label_smoothing=s)
    )
    assert_close(jitted(jnp.asarray(logits), jnp.asarray(smoothing)), expected, rtol=1e-12)


def test_label_smoothing_arrays_must_be_scalars():
    with pytest.raises(
        ValueError, match=r"label_smoothing must be a float in \[0, 1\] or a 0-d array; got an array of shape \(2,\)"
    ):
        losslab.binary_crossentropy(np.ones((2, 2)), np.full((2, 2), 0.5), label_smoothing=np.array([0.1, 0.2]))
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\]; got 1.5"):
        losslab.SparseCategoricalCrossentropy(label_smoothing=1.5)
