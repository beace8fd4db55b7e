"""torch.nn.functional's margin, embedding and CTC losses: torch itself is the oracle, on every backend.

Inputs follow torch's own test inputs (shapes and arguments of ``sample_inputs_*`` and
``reference_inputs_*`` in torch/testing/_internal/common_methods_invocations.py, the criterion tests of
common_nn.py and the CTC inputs of common_modules.py), drawn here from a seeded generator; the expected
values are always torch's output on the same float64 inputs.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import losslab
from losslab import functional as LF
from losslab.functional import REDUCTIONS
from losslab.testing import Backend, assert_close

torch = pytest.importorskip("torch")
F = torch.nn.functional

S, M = 5, 10
"""torch's small and medium test sizes (torch/testing/_internal/jit_metaprogramming_utils.py)."""

RTOL, ATOL = 1e-6, 1e-12  # atol for values that are exactly 0 on one side and ~1e-17 on the other


@dataclasses.dataclass(frozen=True)
class Case:
    """One call: ``fn(*arrays, **kwargs)``; ``grad`` names the positions of the differentiable arrays.

    For CTC, ``arrays[0]`` holds logits and both sides take ``log_softmax`` of them first.
    """

    fn: str
    arrays: tuple[np.ndarray, ...]
    kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)
    grad: tuple[int, ...] = (0,)

    @property
    def ctc(self) -> bool:
        return self.fn == "ctc_loss"


def l1_distance(x1: Any, x2: Any) -> Any:
    """A distance written once on the Array API: runs on torch tensors (the oracle) and on every backend."""
    from array_api_compat import array_namespace

    xp = array_namespace(x1, x2)
    return xp.sum(xp.abs(x1 - x2), axis=-1)


def log_softmax_np(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _cases() -> dict[str, Case]:
    rng = np.random.default_rng(20261126)

    def normal(*shape: int) -> np.ndarray:
        return rng.normal(size=shape)

    def signs(*shape: int) -> np.ndarray:
        return rng.choice([-1.0, 1.0], size=shape)

    def ints(low: int, high: int, *shape: int) -> np.ndarray:
        return rng.integers(low, high, size=shape)

    cases: dict[str, Case] = {}
    # margin_ranking_loss: sample_inputs_margin_ranking_loss (random targets, as torch's) and +-1 targets.
    for shape in [(), (S,), (S, S), (S, S, S)]:
        for margin in (0.0, 1.0):
            cases[f"margin_ranking-{shape}-m{margin}"] = Case(
                "margin_ranking_loss", (normal(*shape), normal(*shape), normal(*shape)), {"margin": margin}, (0, 1)
            )
    cases["margin_ranking-signs"] = Case(
        "margin_ranking_loss", (normal(M), normal(M), signs(M)), {"margin": 0.5}, (0, 1)
    )
    # hinge_embedding_loss: sample_inputs_hinge_embedding_loss (margins in (-9, 9); a scalar with a random target).
    for shape in [(S,), (S, S), (S, S, S)]:
        cases[f"hinge_embedding-{shape}"] = Case(
            "hinge_embedding_loss", (normal(*shape), signs(*shape)), {"margin": float(rng.uniform(-9, 9))}
        )
    cases["hinge_embedding-scalar"] = Case("hinge_embedding_loss", (normal(), normal()))
    cases["hinge_embedding-margin0.5"] = Case("hinge_embedding_loss", (normal(10), signs(10)), {"margin": 0.5})
    # multilabel_margin_loss: sample and reference inputs, with -1 padding and repeated labels.
    cases["multilabel_margin-0d"] = Case("multilabel_margin_loss", (normal(), np.array(0)))
    cases["multilabel_margin-0d-neg"] = Case("multilabel_margin_loss", (normal(), np.array(-1)))
    cases["multilabel_margin-1d"] = Case("multilabel_margin_loss", (normal(S), ints(0, S, S)))
    cases["multilabel_margin-2d"] = Case("multilabel_margin_loss", (normal(M, S), ints(0, S, M, S)))
    cases["multilabel_margin-2d-neg"] = Case("multilabel_margin_loss", (normal(M, S), ints(-1, S, M, S)))
    cases["multilabel_margin-repeats"] = Case("multilabel_margin_loss", (normal(7), np.array([2, 0, 6, -1, 4, -1, 6])))
    cases["multilabel_margin-repeats-2d"] = Case(
        "multilabel_margin_loss",
        (normal(4, 5), np.array([[4, -1, 0, -1, 2], [0, 0, 4, 1, 4], [-1, 3, -1, 1, 0], [4, 3, 2, 1, 0]])),
    )
    # cosine_embedding_loss: sample_inputs_cosine_embedding_loss (margins in (-1, 1)), and a zero vector.
    for shape in [(S, S), (S,)]:
        cases[f"cosine_embedding-{shape}"] = Case(
            "cosine_embedding_loss",
            (normal(*shape), normal(*shape), signs(*shape[:-1])),
            {"margin": float(rng.uniform(-1, 1))},
            (0, 1),
        )
    zero_row = normal(3, 4)
    zero_row[1] = 0.0
    cases["cosine_embedding-zero-vector"] = Case(
        "cosine_embedding_loss", (zero_row, normal(3, 4), np.array([1.0, 1.0, -1.0])), {"margin": -0.5}, (0, 1)
    )
    # multi_margin_loss: sample_inputs_multi_margin_loss and reference_inputs_multi_margin_loss.
    cases["multi_margin-0d"] = Case("multi_margin_loss", (normal(), np.array(0)))
    cases["multi_margin-1d"] = Case("multi_margin_loss", (normal(S), np.array(ints(0, S))), {"p": 1})
    cases["multi_margin-1d-p2"] = Case("multi_margin_loss", (normal(S), ints(0, S, 1)), {"p": 2})
    cases["multi_margin-margin1"] = Case("multi_margin_loss", (normal(S, M), ints(0, M, S)), {"margin": 1.0})
    cases["multi_margin-margin-3.14"] = Case("multi_margin_loss", (normal(S, M), ints(0, M, S)), {"margin": -3.14})
    weight = rng.uniform(-10.0, 10.0, size=S)
    cases["multi_margin-weight"] = Case("multi_margin_loss", (normal(M, S), ints(0, S, M)), {"weight": weight})
    cases["multi_margin-weight-p2-margin7"] = Case(
        "multi_margin_loss", (normal(M, S), ints(0, S, M)), {"weight": weight, "p": 2, "margin": 7.0}
    )
    # triplet_margin_loss: sample_inputs_triplet_margin_loss, the no-batch criterion test, other norms.
    for kwargs in [{"margin": 1e-6}, {"margin": 10.0}, {"swap": True}, {"p": 1.0}, {"p": 3.0}, {"p": math.inf}]:
        cases[f"triplet-{kwargs}"] = Case(
            "triplet_margin_loss", (normal(S, M), normal(S, M), normal(S, M)), kwargs, (0, 1, 2)
        )
    cases["triplet-1d"] = Case("triplet_margin_loss", (normal(9), normal(9), normal(9)), {}, (0, 1, 2))
    cases["triplet-swap-eps0-p1"] = Case(
        "triplet_margin_loss",
        (normal(S, M), normal(S, M), normal(S, M)),
        {"swap": True, "eps": 0.0, "p": 1.0, "margin": 2.0},
        (0, 1, 2),
    )
    # triplet_margin_with_distance_loss: torch's pairwise distance by default, and a custom one.
    for kwargs in [{}, {"swap": True, "margin": 2.0}, {"distance_function": l1_distance, "swap": True}]:
        name = {**kwargs, "distance_function": "l1"} if "distance_function" in kwargs else kwargs
        cases[f"triplet_distance-{name}"] = Case(
            "triplet_margin_with_distance_loss", (normal(S, M), normal(S, M), normal(S, M)), kwargs, (0, 1, 2)
        )

    # ctc_loss: module_inputs_torch_nn_CTCLoss (log_softmax of (50, 3, 15); labels in [1, 15), or in [0, 14)
    # with blank=14; lengths (50, 50, 50) and (30, 25, 20); padded and concatenated targets), and small cases.
    logits = normal(50, 3, 15)
    lengths = np.array([30, 25, 20])
    cases["ctc-torch-padded"] = Case("ctc_loss", (logits, ints(1, 15, 3, 30), np.array([50, 50, 50]), lengths))
    cases["ctc-torch-concatenated"] = Case("ctc_loss", (logits, ints(1, 15, 75), np.array([50, 50, 50]), lengths))
    cases["ctc-torch-blank14"] = Case(
        "ctc_loss", (logits, ints(0, 14, 3, 30), np.array([50, 50, 50]), lengths), {"blank": 14}
    )
    # Short inputs, repeated labels, empty labels, the longest label that fits (3 labels + 1 repeat in 4 frames).
    small_targets = np.array([[1, 1, 2, 0], [2, 2, 2, 1], [3, 0, 0, 0], [1, 2, 1, 2], [0, 0, 0, 0]])
    cases["ctc-small-lengths"] = Case(
        "ctc_loss", (normal(6, 5, 4), small_targets, np.array([6, 5, 3, 4, 2]), np.array([3, 2, 1, 4, 0]))
    )
    cases["ctc-target-lengths-0"] = Case(
        "ctc_loss", (normal(4, 3, 3), np.zeros((3, 2), dtype=np.int64), np.array([4, 2, 0]), np.array([0, 0, 0]))
    )
    cases["ctc-unbatched"] = Case("ctc_loss", (normal(7, 4), np.array([1, 3, 3]), np.array(7), np.array(3)))
    cases["ctc-blank-last"] = Case(
        "ctc_loss", (normal(5, 2, 3), np.array([[0, 1], [1, 1]]), np.array([5, 4]), np.array([2, 2])), {"blank": 2}
    )
    return cases


CASES = _cases()

FUNCTIONS = sorted({case.fn for case in CASES.values()})


# ---------------------------------------------------------------- calling either implementation


def _array(xp: Any, a: Any) -> Any:
    return xp.asarray(a) if isinstance(a, np.ndarray) else a


def call(module: Any, case: Case, arrays: list[Any], xp: Any, reduction: str, **extra: Any) -> Any:
    """``module.<fn>(*arrays, **kwargs)``; ``module`` is ``torch.nn.functional`` or ``losslab.functional``.

    ``arrays`` are already in ``xp``; for CTC, ``arrays[0]`` are logits and go through ``log_softmax``.
    """
    arrays = list(arrays)
    if case.ctc:
        arrays[0] = log_softmax_of(arrays[0], xp)
    kwargs = {key: _array(xp, value) for key, value in case.kwargs.items()}
    return getattr(module, case.fn)(*arrays, **kwargs, reduction=reduction, **extra)


def log_softmax_of(x: Any, xp: Any) -> Any:
    if isinstance(x, torch.Tensor):
        return torch.log_softmax(x, dim=-1)
    if "jax" in xp.__name__:
        import jax

        return jax.nn.log_softmax(x, axis=-1)
    return xp.asarray(log_softmax_np(np.asarray(x)))


def torch_inputs(case: Case, requires_grad: bool = False) -> list[Any]:
    tensors = [torch.asarray(a) for a in case.arrays]
    if requires_grad:
        for i in case.grad:
            tensors[i].requires_grad_(True)
    return tensors


@functools.cache
def oracle(name: str, reduction: str) -> np.ndarray:
    case = CASES[name]
    with torch.no_grad():
        return call(F, case, torch_inputs(case), torch, reduction).numpy()


def torch_grads(module: Any, case: Case, reduction: str, cotangent: np.ndarray | None) -> list[np.ndarray]:
    """Gradients of ``sum(loss * cotangent)`` (``cotangent`` for ``"none"``) with respect to ``case.grad``."""
    tensors = torch_inputs(case, requires_grad=True)
    loss = call(module, case, tensors, torch, reduction)
    if cotangent is not None:
        loss = (loss * torch.asarray(cotangent)).sum()
    grads = torch.autograd.grad(loss, [tensors[i] for i in case.grad])
    return [g.numpy() for g in grads]


# ---------------------------------------------------------------- parity with torch


@pytest.mark.parametrize("name", list(CASES))
def test_value_parity_with_torch(name: str, xp: Any) -> None:
    case = CASES[name]
    arrays = [xp.asarray(a) for a in case.arrays]
    for reduction in REDUCTIONS:
        expected = oracle(name, reduction)
        assert np.all(np.isfinite(expected)), "these cases are finite for torch too"
        actual = call(LF, case, arrays, xp, reduction)
        assert_close(actual, expected, rtol=RTOL, atol=ATOL, xp=xp, dtype="float64")


@pytest.mark.parametrize("name", list(CASES))
def test_gradient_parity_with_torch(name: str) -> None:
    """torch autograd through losslab against torch's own backward (for CTC, with respect to the logits)."""
    case = CASES[name]
    none_shape = oracle(name, "none").shape
    cotangent = np.random.default_rng(7).uniform(0.5, 1.5, size=none_shape)
    for reduction, weights in [("mean", None), ("sum", None), ("none", cotangent)]:
        expected = torch_grads(F, case, reduction, weights)
        for generic in (False, True):
            with losslab.losses._fast.generic_only() if generic else _nothing():
                actual = torch_grads(LF, case, reduction, weights)
            for got, want in zip(actual, expected, strict=True):
                np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


# ---------------------------------------------------------------- JAX: jit and grad


def _jax() -> tuple[Any, Any]:
    jax = pytest.importorskip("jax")
    return jax, Backend.JAX.namespace()


@pytest.mark.parametrize(
    "name",
    [
        "ctc-small-lengths",
        "multilabel_margin-2d-neg",
        "multi_margin-weight",
        "cosine_embedding-(5, 5)",
        "hinge_embedding-(5, 5)",
        "margin_ranking-(5, 5)-m1.0",
        "triplet-{'swap': True}",
        "triplet_distance-{'distance_function': 'l1', 'swap': True}",
    ],
)
def test_jax_jit(name: str) -> None:
    jax, jnp = _jax()
    case = CASES[name]
    for reduction in REDUCTIONS:
        jitted = jax.jit(lambda *arrays, reduction=reduction: call(LF, case, list(arrays), jnp, reduction))
        actual = jitted(*[jnp.asarray(a) for a in case.arrays])
        assert_close(actual, oracle(name, reduction), rtol=RTOL, atol=ATOL, xp=jnp, dtype="float64")


@pytest.mark.parametrize("name", ["ctc-small-lengths", "triplet-{'swap': True}", "triplet-1d"])
def test_jax_grad(name: str) -> None:
    """``jax.jit(jax.grad(...))`` of ctc_loss (with respect to the logits) and triplet_margin_loss."""
    jax, jnp = _jax()
    case = CASES[name]
    expected = torch_grads(F, case, "mean", None)

    def loss(*differentiable: Any) -> Any:
        arrays = [jnp.asarray(a) for a in case.arrays]
        for i, x in zip(case.grad, differentiable, strict=True):
            arrays[i] = x
        return call(LF, case, arrays, jnp, "mean")

    grads = jax.jit(jax.grad(loss, argnums=tuple(range(len(case.grad)))))(
        *[jnp.asarray(case.arrays[i]) for i in case.grad]
    )
    for got, want in zip(grads, expected, strict=True):
        np.testing.assert_allclose(np.asarray(got), want, rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------- edge cases


def _empty_case(fn: str) -> tuple[list[np.ndarray], dict[str, Any]]:
    empty = np.zeros((0, 4))
    labels = np.zeros((0,), dtype=np.int64)
    return {
        "margin_ranking_loss": ([np.zeros(0), np.zeros(0), np.zeros(0)], {}),
        "hinge_embedding_loss": ([np.zeros(0), np.zeros(0)], {}),
        "multilabel_margin_loss": ([empty, np.zeros((0, 4), dtype=np.int64)], {}),
        "cosine_embedding_loss": ([empty, empty, np.zeros(0)], {}),
        "multi_margin_loss": ([empty, labels], {"weight": np.ones(4), "p": 2}),
        "triplet_margin_loss": ([empty, empty, empty], {"swap": True}),
        "triplet_margin_with_distance_loss": ([empty, empty, empty], {}),
        "ctc_loss": ([np.zeros((3, 0, 4)), np.zeros((0, 2), dtype=np.int64), labels, labels], {}),
    }[fn]


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_empty_batch_is_zero(fn: str, xp: Any) -> None:
    """torch gives NaN (or garbage, or an error for CTC) for the mean of no samples; losslab 0."""
    arrays, kwargs = _empty_case(fn)
    arrays = [xp.asarray(a) for a in arrays]
    kwargs = {key: _array(xp, value) for key, value in kwargs.items()}
    for reduction in ("mean", "sum"):
        assert_close(getattr(LF, fn)(*arrays, **kwargs, reduction=reduction), 0.0, xp=xp, dtype="float64")
    assert tuple(getattr(LF, fn)(*arrays, **kwargs, reduction="none").shape) == (0,)


def impossible_ctc(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Rows 1 and 3 cannot be aligned: [1, 2, 3] in 2 frames, [2, 2] in 2 frames (it needs 2, blank, 2)."""
    logits = rng.normal(size=(4, 4, 4))
    targets = np.array([[1, 2, 0], [1, 2, 3], [3, 0, 0], [2, 2, 0]])
    return logits, targets, np.array([4, 2, 3, 2]), np.array([2, 3, 1, 2])


def test_ctc_impossible_alignment_is_zero_with_zero_gradient(xp: Any) -> None:
    """torch: inf for an impossible target (0 with zero_infinity=True); losslab: 0 either way, finite gradients."""
    logits, targets, input_lengths, target_lengths = impossible_ctc(np.random.default_rng(3))
    log_probs = torch.log_softmax(torch.asarray(logits), dim=-1)
    lengths = (torch.asarray(targets), torch.asarray(input_lengths), torch.asarray(target_lengths))
    torch_inf = F.ctc_loss(log_probs, *lengths, reduction="none")
    assert torch.isinf(torch_inf[[1, 3]]).all() and torch.isfinite(torch_inf[[0, 2]]).all()

    arrays = [xp.asarray(log_softmax_np(logits)), xp.asarray(targets), xp.asarray(input_lengths)]
    arrays.append(xp.asarray(target_lengths))
    for zero_infinity in (False, True):
        for reduction in REDUCTIONS:
            expected = F.ctc_loss(log_probs, *lengths, reduction=reduction, zero_infinity=True).numpy()
            actual = LF.ctc_loss(*arrays, reduction=reduction, zero_infinity=zero_infinity)
            assert_close(actual, expected, rtol=RTOL, atol=ATOL, xp=xp, dtype="float64")


@pytest.mark.parametrize("generic", [False, True])
def test_ctc_impossible_alignment_gradient(generic: bool) -> None:
    """The gradient of the impossible rows is 0 and every gradient is finite, with respect to log_probs too."""
    logits, targets, input_lengths, target_lengths = impossible_ctc(np.random.default_rng(4))
    leaf = torch.asarray(logits, requires_grad=True)
    lengths = (torch.asarray(targets), torch.asarray(input_lengths), torch.asarray(target_lengths))
    expected = torch.autograd.grad(F.ctc_loss(leaf.log_softmax(-1), *lengths, zero_infinity=True), leaf)[0]
    with losslab.losses._fast.generic_only() if generic else _nothing():
        actual = torch.autograd.grad(LF.ctc_loss(leaf.log_softmax(-1), *lengths), leaf)[0]
        direct = torch.asarray(log_softmax_np(logits), requires_grad=True)
        direct_grad = torch.autograd.grad(LF.ctc_loss(direct, *lengths, reduction="sum"), direct)[0]
    np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=RTOL, atol=ATOL)
    assert torch.all(actual[:, [1, 3]] == 0)
    assert torch.isfinite(direct_grad).all() and torch.all(direct_grad[:, [1, 3]] == 0)
    assert torch.any(direct_grad[:, [0, 2]] != 0)


def test_ctc_impossible_alignment_jax_grad_is_finite() -> None:
    jax, jnp = _jax()
    logits, targets, input_lengths, target_lengths = impossible_ctc(np.random.default_rng(5))
    lengths = [jnp.asarray(a) for a in (targets, input_lengths, target_lengths)]
    grad_fn = jax.jit(jax.grad(lambda lp: LF.ctc_loss(lp, *lengths, reduction="sum")))
    grad = grad_fn(jnp.asarray(log_softmax_np(logits)))
    grad = np.asarray(grad)
    assert np.isfinite(grad).all() and np.all(grad[:, [1, 3]] == 0) and np.any(grad[:, [0, 2]] != 0)


@pytest.mark.parametrize("mode", ["torch", "torch-generic", "jax"])
def test_ctc_gradient_is_exact_for_unnormalized_log_probs(mode: str) -> None:
    """The gradient with respect to ``log_probs`` itself: finite differences of torch's values as the oracle.

    torch's own backward is the gradient with respect to the logits of a log_softmax instead (it adds
    exp(log_probs)), which differs here; both agree after a log_softmax (test_gradient_parity_with_torch).
    """
    rng = np.random.default_rng(8)
    log_probs = rng.normal(size=(4, 2, 3))  # not normalized over the classes
    rest = (np.array([[1, 1], [2, 0]]), np.array([4, 3]), np.array([2, 1]))  # [1, 1] needs 3 of its 4 frames

    def torch_value(x: np.ndarray) -> float:
        return float(F.ctc_loss(torch.asarray(x), *map(torch.asarray, rest), reduction="sum"))

    h = 1e-6
    numeric = np.zeros_like(log_probs)
    for index in np.ndindex(log_probs.shape):
        step = np.zeros_like(log_probs)
        step[index] = h
        numeric[index] = (torch_value(log_probs + step) - torch_value(log_probs - step)) / (2 * h)
    assert np.all(numeric[3, 1] == 0)  # past the second sequence's input length

    if mode == "jax":
        jax, jnp = _jax()
        lengths = [jnp.asarray(a) for a in rest]
        grad_fn = jax.jit(jax.grad(lambda x: LF.ctc_loss(x, *lengths, reduction="sum")))
        grad = np.asarray(grad_fn(jnp.asarray(log_probs)))
    else:
        leaf = torch.asarray(log_probs, requires_grad=True)
        with losslab.losses._fast.generic_only() if mode == "torch-generic" else _nothing():
            loss = LF.ctc_loss(leaf, *map(torch.asarray, rest), reduction="sum")
        grad = torch.autograd.grad(loss, leaf)[0].numpy()
        torch_grad = torch.autograd.grad(F.ctc_loss(leaf, *map(torch.asarray, rest), reduction="sum"), leaf)[0]
        assert not np.allclose(torch_grad.numpy(), numeric, atol=1e-3)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_ctc_target_layouts_agree(xp: Any) -> None:
    """Padded (N, S) targets and the same labels concatenated give the same losses (lengths include 0)."""
    rng = np.random.default_rng(6)
    padded = rng.integers(1, 5, size=(4, 3))
    target_lengths = np.array([3, 0, 2, 1])
    concatenated = np.concatenate([row[:n] for row, n in zip(padded, target_lengths, strict=True)])
    log_probs = xp.asarray(log_softmax_np(rng.normal(size=(6, 4, 5))))
    rest = (xp.asarray(np.array([6, 3, 5, 1])), xp.asarray(target_lengths))
    by_rows = LF.ctc_loss(log_probs, xp.asarray(padded), *rest, reduction="none")
    by_concatenation = LF.ctc_loss(log_probs, xp.asarray(concatenated), *rest, reduction="none")
    assert_close(by_concatenation, by_rows, rtol=1e-12, atol=ATOL)


def test_ctc_accepts_python_lengths(xp: Any) -> None:
    """torch takes lengths as tuples of ints as well (module_inputs_torch_nn_CTCLoss's *_intlists)."""
    case = CASES["ctc-small-lengths"]
    log_probs = xp.asarray(log_softmax_np(case.arrays[0]))
    actual = LF.ctc_loss(log_probs, xp.asarray(case.arrays[1]), tuple(case.arrays[2].tolist()), [3, 2, 1, 4, 0])
    assert_close(actual, oracle("ctc-small-lengths", "mean"), rtol=RTOL, xp=xp, dtype="float64")


def test_float32_follows_the_input_dtype(xp: Any) -> None:
    case = CASES["ctc-small-lengths"]
    arrays = [xp.asarray(log_softmax_np(case.arrays[0]).astype(np.float32))]
    arrays += [xp.asarray(a) for a in case.arrays[1:]]
    assert_close(LF.ctc_loss(*arrays), oracle("ctc-small-lengths", "mean"), rtol=1e-5, xp=xp, dtype="float32")
    x = np.float32(CASES["multi_margin-weight"].arrays[0])
    loss = LF.multi_margin_loss(xp.asarray(x), xp.asarray(CASES["multi_margin-weight"].arrays[1]))
    assert loss.dtype == xp.float32


# ---------------------------------------------------------------- errors


def _errors() -> list[Any]:
    x, y = np.zeros((3, 4)), np.zeros(3)
    labels = np.zeros(3, dtype=np.int64)
    lp, ctc_targets, lengths = np.zeros((5, 3, 4)), np.ones((3, 2), dtype=np.int64), np.array([5, 5, 5])
    ctc = (lp, ctc_targets, lengths, lengths)

    def case(fn: Callable[..., Any], error: type[Exception], match: str, *args: Any, **kwargs: Any) -> Any:
        return pytest.param(fn, args, kwargs, error, match, id=f"{fn.__name__}-{match[:30]}")

    return [
        case(LF.margin_ranking_loss, ValueError, "reduction must be one of", y, y, y, reduction="avg"),
        case(LF.margin_ranking_loss, ValueError, "must have the same shape", y, y, np.zeros((3, 1))),
        case(LF.margin_ranking_loss, TypeError, "real floating", labels, y, y),
        case(LF.hinge_embedding_loss, ValueError, "must have the same shape", x, y),
        case(LF.hinge_embedding_loss, ValueError, "margin must be a float", y, y, margin=math.nan),
        case(LF.cosine_embedding_loss, ValueError, "expected input1 and input2 of shape", x, x, np.zeros(4)),
        case(LF.cosine_embedding_loss, ValueError, "must have the same shape", x, np.zeros((3, 5)), y),
        case(LF.multilabel_margin_loss, ValueError, "target must have shape", x, labels),
        case(LF.multilabel_margin_loss, TypeError, "must hold integers", x, x),
        case(LF.multilabel_margin_loss, ValueError, "C >= 1 classes", np.zeros((3, 0)), np.zeros((3, 0), int)),
        case(LF.multi_margin_loss, ValueError, "p must be 1 or 2", x, labels, p=3),
        case(LF.multi_margin_loss, ValueError, "target must have shape", x, np.zeros((3, 1), int)),
        case(LF.multi_margin_loss, ValueError, "weight must have shape", x, labels, weight=np.ones(3)),
        case(LF.triplet_margin_loss, ValueError, "margin must be a float in", x, x, x, margin=0.0),
        case(LF.triplet_margin_loss, ValueError, "p must be a float in", x, x, x, p=0),
        case(LF.triplet_margin_loss, ValueError, "must have the same shape", x, x, np.zeros((3, 5))),
        case(LF.triplet_margin_with_distance_loss, ValueError, "must have the same shape", x, x, np.zeros((4, 4))),
        case(LF.triplet_margin_with_distance_loss, TypeError, "distance_function must", x, x, x, distance_function=1),
        case(LF.ctc_loss, ValueError, "blank must be a class index", *ctc, blank=4),
        case(LF.ctc_loss, ValueError, "blank must be a class index", *ctc, blank=-1),
        case(LF.ctc_loss, ValueError, "blank must be a class index", *ctc, blank=True),
        case(LF.ctc_loss, ValueError, "log_probs must have shape", np.zeros(5), ctc_targets, lengths, lengths),
        case(LF.ctc_loss, ValueError, "input_lengths must have shape", lp, ctc_targets, lengths[:2], lengths),
        case(LF.ctc_loss, ValueError, "padded targets must have shape", lp, ctc_targets[:2], lengths, lengths),
        case(LF.ctc_loss, TypeError, "must hold integers", lp, ctc_targets, np.float64(lengths), lengths),
        case(LF.ctc_loss, TypeError, "zero_infinity must be a bool", *ctc, zero_infinity=1),
    ]


@pytest.mark.parametrize(("fn", "args", "kwargs", "error", "match"), _errors())
def test_errors(fn: Callable[..., Any], args: Any, kwargs: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        fn(*args, **kwargs)


def _value_errors() -> list[Any]:
    y, x = np.ones(3), np.zeros((3, 4))
    lp, targets = np.zeros((4, 2, 3)), np.array([[1, 2], [2, 0]])
    return [
        pytest.param(LF.margin_ranking_loss, (y, y, np.array([1.0, 0.0, -1.0])), {}, "only 1 and -1", id="ranking"),
        pytest.param(LF.hinge_embedding_loss, (y, np.array([1.0, 2.0, -1.0])), {}, "only 1 and -1", id="hinge"),
        pytest.param(LF.cosine_embedding_loss, (x, x, np.array([1.0, 0.0, 1.0])), {}, "only 1 and -1", id="cosine"),
        pytest.param(LF.multi_margin_loss, (x, np.array([0, 4, 1])), {}, r"in \[0, 4\)", id="multi_margin"),
        pytest.param(LF.multilabel_margin_loss, (x, np.full((3, 4), 4)), {}, r"in \[0, 4\)", id="multilabel"),
        pytest.param(LF.ctc_loss, (lp, targets, [4, 5], [2, 1]), {}, "input_lengths must lie", id="ctc-input"),
        pytest.param(LF.ctc_loss, (lp, targets, [4, 4], [2, 3]), {}, "target_lengths must be", id="ctc-target"),
        pytest.param(LF.ctc_loss, (lp, targets, [4, 4], [2, 2]), {}, "other than blank=0", id="ctc-blank-label"),
        pytest.param(LF.ctc_loss, (lp, targets, [4, 4], [2, 1]), {"blank": 1}, "other than blank=1", id="ctc-blank"),
    ]


@pytest.mark.parametrize(("fn", "args", "kwargs", "match"), _value_errors())
def test_value_checks(fn: Callable[..., Any], args: Any, kwargs: Any, match: str) -> None:
    """Label and length values are checked under ``losslab.value_checks()``, and only there (traceable code)."""
    with losslab.value_checks(), pytest.raises(ValueError, match=match):
        fn(*args, **kwargs)
    with losslab.value_checks(False):
        fn(*args, **kwargs)
