"""losslab.functional's element-wise and class-wise losses against ``torch.nn.functional``, the oracle.

Values are compared on every backend (the ``xp`` fixture) in float64 with
``rtol=1e-6``; gradients on torch, through the fast path (torch's own
kernels) and through the generic Array API code. The reference cases rebuild
the inputs and argument sets of torch's own tests (``sample_inputs_*`` in
``torch/testing/_internal/common_methods_invocations.py`` and the criterion
tests of ``common_nn.py``, which cannot be imported without torch's test
dependencies) with ``torch.testing.make_tensor``, and compare with torch's
output on them. The edge cases document where losslab's finite policy
differs from torch: each asserts torch's NaN (or inf) beside losslab's value.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import random
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import losslab
import losslab.functional as LF
from losslab.losses._fast import generic_only
from losslab.testing import Backend, assert_close

torch = pytest.importorskip("torch")
F = torch.nn.functional

RTOL = 1e-6
REDUCTIONS = ("mean", "sum", "none")
S = 5  # the size torch's sample inputs use


def to_torch(value: Any) -> Any:
    return torch.from_numpy(value) if isinstance(value, np.ndarray) else value


def to_xp(xp: Any, value: Any) -> Any:
    return xp.asarray(value) if isinstance(value, np.ndarray) else value


def torch_oracle(name: str, args: tuple, kwargs: dict) -> np.ndarray:
    """torch's answer, float64, as NumPy; torch's warning for kl_div's "mean" is expected."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="reduction: 'mean' divides the total loss", category=UserWarning)
        out = getattr(F, name)(*(to_torch(a) for a in args), **{k: to_torch(v) for k, v in kwargs.items()})
    return out.detach().numpy()


def maybe_generic(path: str) -> Any:
    """``generic_only()`` for the generic path, nothing for the fast path."""
    return generic_only() if path == "generic" else contextlib.nullcontext()


# ---------------------------------------------------------------- argument sets


@dataclass
class Case:
    """One loss with one argument set; ``args`` and ``kwargs`` hold NumPy arrays."""

    name: str
    label: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    reductions: tuple[str, ...] = REDUCTIONS
    grad_args: tuple[int, ...] = (0,)  # positions of the float arguments differentiated

    @property
    def id(self) -> str:
        return f"{self.name}-{self.label}"


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def build_cases() -> list[Case]:
    rng = np.random.default_rng(20260414)
    cases: list[Case] = []
    for shape in ((4, 3), (2, 3, 2, 2)):
        tag = "x".join(map(str, shape))
        n, c = shape[0], shape[1]

        def normal(*s: int, scale: float = 1.0) -> np.ndarray:
            return rng.normal(scale=scale, size=s)

        x, y = normal(*shape), normal(*shape)
        w = rng.uniform(0.2, 2.0, size=shape)
        per_class = (c,) + (1,) * (len(shape) - 2)  # broadcasts along axis 1 of `shape`
        for name in ("l1_loss", "mse_loss"):
            cases += [Case(name, tag, (x, y)), Case(name, f"{tag}-weight", (x, y), {"weight": w})]
        cases += [
            Case("huber_loss", tag, (2 * x, y)),
            Case("huber_loss", f"{tag}-delta0.7", (2 * x, y), {"delta": 0.7}),
            Case("huber_loss", f"{tag}-delta1.5-weight", (2 * x, y), {"delta": 1.5, "weight": w}),
            Case("smooth_l1_loss", tag, (2 * x, y)),
            Case("smooth_l1_loss", f"{tag}-beta0.5", (2 * x, y), {"beta": 0.5}),
            Case("smooth_l1_loss", f"{tag}-beta0", (2 * x, y), {"beta": 0.0}),
            Case("soft_margin_loss", tag, (2 * x, np.sign(y))),
        ]
        counts = rng.poisson(2.0, size=shape).astype(float)
        rates = rng.uniform(0.1, 3.0, size=shape)
        cases += [
            Case("poisson_nll_loss", tag, (x, counts)),
            Case("poisson_nll_loss", f"{tag}-full", (x, counts), {"full": True}),
            Case("poisson_nll_loss", f"{tag}-rates", (rates, counts), {"log_input": False}),
            Case(
                "poisson_nll_loss",
                f"{tag}-rates-full-eps",
                (rates, counts),
                {"log_input": False, "full": True, "eps": 1e-3},
            ),
        ]
        var = rng.uniform(0.05, 2.0, size=shape)
        cases += [
            Case("gaussian_nll_loss", f"{tag}-var", (x, y, var), grad_args=(0, 2)),
            Case("gaussian_nll_loss", f"{tag}-var-last-axis-1", (x, y, var[..., :1]), grad_args=(0, 2)),
            Case("gaussian_nll_loss", f"{tag}-var-no-last-axis", (x, y, var[..., 0]), grad_args=(0, 2)),
            Case("gaussian_nll_loss", f"{tag}-var-axis1-1", (x, y, var[:, :1]), grad_args=(0, 2)),
            Case("gaussian_nll_loss", f"{tag}-float-var-full", (x, y, 0.7), {"full": True}),
            Case(
                "gaussian_nll_loss", f"{tag}-var-eps", (x, y, var * 1e-3), {"eps": 1e-3, "full": True}, grad_args=(0, 2)
            ),
        ]
        log_p, q = np.log(_softmax(normal(*shape), -1)), _softmax(normal(*shape), -1)
        kl_reductions = (*REDUCTIONS, "batchmean")
        cases += [
            Case("kl_div", tag, (log_p, q), reductions=kl_reductions),
            Case("kl_div", f"{tag}-log-target", (log_p, np.log(q)), {"log_target": True}, reductions=kl_reductions),
        ]
        p, labels01 = rng.uniform(0.02, 0.98, size=shape), rng.integers(0, 2, size=shape).astype(float)
        soft = rng.uniform(0.0, 1.0, size=shape)
        cases += [
            Case("binary_cross_entropy", tag, (p, labels01)),
            Case("binary_cross_entropy", f"{tag}-soft-weight", (p, soft), {"weight": w}),
            Case(
                "binary_cross_entropy", f"{tag}-class-weight", (p, labels01), {"weight": rng.uniform(0.5, 2, per_class)}
            ),
            Case("binary_cross_entropy_with_logits", tag, (3 * x, labels01)),
            Case("binary_cross_entropy_with_logits", f"{tag}-soft-weight", (3 * x, soft), {"weight": w}),
            Case(
                "binary_cross_entropy_with_logits",
                f"{tag}-pos-weight",
                (3 * x, labels01),
                {"pos_weight": rng.uniform(0.5, 3.0, size=per_class)},
            ),
            Case(
                "binary_cross_entropy_with_logits",
                f"{tag}-weight-pos-weight",
                (3 * x, soft),
                {"weight": w, "pos_weight": rng.uniform(0.5, 3.0, size=shape[-1:])},
            ),
            Case("multilabel_soft_margin_loss", tag, (3 * x, labels01)),
            Case(
                "multilabel_soft_margin_loss",
                f"{tag}-weight",
                (3 * x, labels01),
                {"weight": w[(0,) * (len(shape) - 1)]},
            ),
        ]
        logits = normal(*shape, scale=2.0)
        index_shape = (n, *shape[2:])
        labels = rng.integers(0, c, size=index_shape)
        labels.flat[0], labels.flat[1] = 0, 2  # some labels are counted whatever ignore_index is
        padded = labels.copy()
        padded.flat[-1] = -100  # torch's default ignore_index
        class_w = rng.uniform(0.2, 2.0, size=c)
        probs = _softmax(normal(*shape), 1)
        cases += [
            Case("cross_entropy", tag, (logits, labels)),
            Case("cross_entropy", f"{tag}-padded", (logits, padded)),
            Case("cross_entropy", f"{tag}-weight", (logits, padded), {"weight": class_w}),
            Case("cross_entropy", f"{tag}-ignore1", (logits, labels), {"ignore_index": 1}),
            Case("cross_entropy", f"{tag}-smoothing", (logits, padded), {"label_smoothing": 0.2}),
            Case(
                "cross_entropy",
                f"{tag}-weight+label_smoothing+ignore1",
                (logits, labels),
                {"weight": class_w, "label_smoothing": 0.1, "ignore_index": 1},
            ),
            Case("cross_entropy", f"{tag}-probabilities", (logits, probs)),
            Case("cross_entropy", f"{tag}-probabilities-weight", (logits, probs), {"weight": class_w}),
            Case("cross_entropy", f"{tag}-probabilities+label_smoothing", (logits, probs), {"label_smoothing": 0.3}),
            Case(
                "cross_entropy",
                f"{tag}-probabilities+weight+label_smoothing",
                (logits, probs),
                {"weight": class_w, "label_smoothing": 0.3},
            ),
        ]
        log_probs = np.log(_softmax(logits, 1))
        cases += [
            Case("nll_loss", tag, (log_probs, labels)),
            Case("nll_loss", f"{tag}-padded-weight", (log_probs, padded), {"weight": class_w}),
            Case("nll_loss", f"{tag}-ignore1", (log_probs, labels), {"ignore_index": 1}),
            Case("nll_loss", f"{tag}-weight-ignore2", (log_probs, labels), {"weight": class_w, "ignore_index": 2}),
        ]
    cases += [  # unbatched class scores (C,), as torch allows
        Case("cross_entropy", "unbatched", (rng.normal(size=4), np.asarray(2))),
        Case("cross_entropy", "unbatched-probabilities", (rng.normal(size=4), _softmax(rng.normal(size=4), 0))),
        Case(
            "nll_loss",
            "unbatched-weight",
            (np.log(_softmax(rng.normal(size=4), 0)), np.asarray(3)),
            {"weight": rng.uniform(0.2, 2.0, size=4)},
        ),
        Case(
            "multilabel_soft_margin_loss", "unbatched", (rng.normal(size=4), rng.integers(0, 2, size=4).astype(float))
        ),
    ]
    return cases


CASES = build_cases()


@functools.cache
def case_oracle(case_id: str, reduction: str) -> np.ndarray:
    case = CASES_BY_ID[case_id]
    return torch_oracle(case.name, case.args, {**case.kwargs, "reduction": reduction})


CASES_BY_ID = {case.id: case for case in CASES}
CLASS_AXIS_LOSSES = ("cross_entropy", "nll_loss")
JAX_COMPILES = "JAX's eager mode compiles every operation for each new shape (about 20 ms each)"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_values_match_torch(backend, xp, case):
    if backend is Backend.JAX and case.label.startswith("2x3x2x2") and case.name not in CLASS_AXIS_LOSSES:
        pytest.skip(
            f"{JAX_COMPILES}: JAX runs this loss's argument sets on (N, C); the class axis losses on both shapes"
        )
    args = tuple(to_xp(xp, a) for a in case.args)
    kwargs = {k: to_xp(xp, v) for k, v in case.kwargs.items()}
    for reduction in case.reductions:
        expected = case_oracle(case.id, reduction)
        assert np.isfinite(expected).all()
        out = getattr(LF, case.name)(*args, reduction=reduction, **kwargs)
        assert_close(out, expected, rtol=RTOL, xp=xp, dtype="float64")


def _value_and_grads(fn: Any, case: Case, reduction: str) -> tuple[np.ndarray, list[np.ndarray]]:
    args = [
        torch.tensor(a, requires_grad=i in case.grad_args) if isinstance(a, np.ndarray) else a
        for i, a in enumerate(case.args)
    ]
    kwargs = {k: to_torch(v) for k, v in case.kwargs.items()}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="reduction: 'mean' divides the total loss", category=UserWarning)
        out = fn(*args, reduction=reduction, **kwargs)
    out.sum().backward()
    return out.detach().numpy(), [args[i].grad.numpy() for i in case.grad_args if isinstance(case.args[i], np.ndarray)]


FLOAT32_CASES = [
    next(c for c in CASES if c.name == name and c.label.startswith("4x3"))
    for name in dict.fromkeys(c.name for c in CASES)
]


@pytest.mark.parametrize("case", FLOAT32_CASES, ids=[c.name for c in FLOAT32_CASES])
def test_float32_inputs_give_float32(backend, xp, case):
    if backend is Backend.JAX:
        pytest.skip(f"{JAX_COMPILES}: float32 is a second set of shapes to compile")
    args = tuple(
        xp.asarray(a.astype(np.float32) if a.dtype == np.float64 else a) if isinstance(a, np.ndarray) else a
        for a in case.args
    )
    kwargs = {k: xp.asarray(v.astype(np.float32)) if isinstance(v, np.ndarray) else v for k, v in case.kwargs.items()}
    for reduction in case.reductions:
        out = getattr(LF, case.name)(*args, reduction=reduction, **kwargs)
        assert_close(out, case_oracle(case.id, reduction), rtol=1e-5, atol=1e-6, xp=xp, dtype="float32")


GRAD_CASES = [c for c in CASES if not c.label.startswith("2x3x2x2") or c.name in CLASS_AXIS_LOSSES]


@pytest.mark.parametrize("case", GRAD_CASES, ids=[c.id for c in GRAD_CASES])
def test_gradients_match_torch(case):
    """Autograd through the fast path and through the generic code (``generic_only``) both give torch's gradient.

    The gradient of ``"sum"`` is that of ``"none"`` summed, which is what ``"none"`` is differentiated as. The
    element-wise losses run on (N, C) (their code does not depend on the rank); the class losses on both shapes.
    """
    for reduction in [r for r in case.reductions if r != "sum"]:
        expected_value, expected_grads = _value_and_grads(getattr(F, case.name), case, reduction)
        assert len(expected_grads) >= 1
        for path in ("fast", "generic"):
            with maybe_generic(path):
                value, grads = _value_and_grads(getattr(LF, case.name), case, reduction)
            np.testing.assert_allclose(value, expected_value, rtol=RTOL, err_msg=f"{path} {reduction}")
            for grad, expected in zip(grads, expected_grads, strict=True):
                assert np.isfinite(expected).all() and np.abs(expected).max() > 0
                np.testing.assert_allclose(grad, expected, rtol=RTOL, atol=1e-12, err_msg=f"{path} {reduction}")


def test_the_fast_path_calls_torch_kernels(monkeypatch):
    calls: list[tuple[str, str]] = []
    for name in ("cross_entropy", "nll_loss", "mse_loss", "binary_cross_entropy_with_logits", "kl_div"):
        original = getattr(F, name)

        def spy(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            calls.append((_name, kwargs.get("reduction", "mean")))
            return _original(*args, **kwargs)

        monkeypatch.setattr(F, name, spy)
    x, labels = torch.randn(4, 3, dtype=torch.float64), torch.tensor([0, 2, -100, 1])
    LF.cross_entropy(x, labels)
    LF.nll_loss(x.log_softmax(1), labels, reduction="none")
    LF.mse_loss(x, x.flip(0))
    LF.binary_cross_entropy_with_logits(x, torch.ones_like(x), pos_weight=torch.ones(3, dtype=torch.float64))
    LF.kl_div(x.log_softmax(1), x.softmax(1), reduction="batchmean")
    assert calls == [
        ("cross_entropy", "sum"),  # divided by losslab's own count of the labels not ignored
        ("nll_loss", "none"),
        ("mse_loss", "mean"),
        ("binary_cross_entropy_with_logits", "mean"),
    ]  # and kl_div runs the generic code: torch's is no faster
    calls.clear()
    with generic_only():
        LF.cross_entropy(x, labels)
    assert calls == []


# ---------------------------------------------------------------- torch's own reference cases


def make(shape: Any, *, low: float | None = None, high: float | None = None, dtype: Any = None) -> np.ndarray:
    """``torch.testing.make_tensor`` as torch's sample inputs call it (float64 unless told), as NumPy."""
    tensor = torch.testing.make_tensor(shape, dtype=dtype or torch.float64, device="cpu", low=low, high=high)
    return tensor.numpy()


def samples_loss() -> Any:
    """``sample_inputs_loss``: l1_loss, mse_loss, smooth_l1_loss, soft_margin_loss."""
    for shape, kwargs in [((), {}), ((S,), {"reduction": "mean"}), ((S,), {"reduction": "sum"})]:
        yield (make(shape), make(shape)), kwargs
    yield (make((S,)), make((S,))), {"reduction": "none"}
    yield (make((S, S)), make((S, S))), {}
    yield (make((S, S, S)), make((S, S, S))), {}


def samples_smooth_l1() -> Any:
    """``sample_inputs_smooth_l1_loss``: the generic samples, one always quadratic (beta=5), and beta=0."""
    yield from samples_loss()
    yield (make((S, S), low=0, high=2), make((S, S), low=-2, high=0)), {"beta": 5}
    yield (make((S, S)), make((S, S))), {"beta": 0}


def shapes_and_reductions() -> Any:
    """``_generate_sample_shape_reduction``."""
    return itertools.product(((S,), (S, S), (S, S, S)), ("none", "mean", "sum"))


def samples_huber(draw: random.Random) -> Any:
    """``sample_inputs_huber_loss``: ``delta`` drawn from U(1e-3, 9)."""
    for shape, reduction in shapes_and_reductions():
        yield (make(shape), make(shape)), {"reduction": reduction, "delta": draw.uniform(1e-3, 9)}


def samples_poisson(draw: random.Random) -> Any:
    """``sample_inputs_poisson_nll_loss``: counts >= 0, rates >= 0 when ``log_input=False``."""
    for (shape, reduction), log_input, full in itertools.product(shapes_and_reductions(), (True, False), (True, False)):
        for extra in ({}, {"eps": draw.uniform(1e-8, 1e-3)}):
            x, t = make(shape), np.abs(make(shape, low=0))
            x = x if log_input else np.abs(x)
            yield (x, t), {"log_input": log_input, "full": full, "reduction": reduction, **extra}


def samples_gaussian(draw: random.Random) -> Any:
    """``sample_inputs_gaussian_nll_loss``: targets and variances of three shapes each (variances >= 0.1)."""
    for shape, reduction in shapes_and_reductions():
        shapes = (shape, (*shape[:-1], 1), shape[:-1])
        for target_shape, var_shape in itertools.product(shapes, shapes):
            for extra in (
                {},
                {"full": True},
                {"eps": draw.uniform(1e-6, 1e-3)},
                {"full": True, "eps": draw.uniform(1e-6, 1e-3)},
            ):
                yield (make(shape), make(target_shape), make(var_shape, low=0.1)), {"reduction": reduction, **extra}


def samples_kl_div() -> Any:
    """``sample_inputs_kl_div``: log-softmax inputs, softmax or log-softmax targets."""
    for shape, reduction, log_target in itertools.product(
        ((2,), (2, 3)), ("none", "mean", "batchmean", "sum"), (True, False)
    ):
        x = np.log(_softmax(make(shape, low=0.0), -1))
        t = np.log(_softmax(make(shape, low=0.0), -1)) if log_target else _softmax(make(shape, low=0.0), -1)
        yield (x, t), {"reduction": reduction, "log_target": log_target}


def samples_binary_cross_entropy(logits: bool) -> Any:
    """``sample_inputs_binary_cross_entropy`` (``logits=False``) and ``..._with_logits``."""
    reductions = ("mean", "sum", "none")
    shapes_and_kwargs: list[tuple[tuple, dict]] = [(shape, {}) for shape in ((), (1,), (S,), (S, S), (S, S, S))]
    shapes_and_kwargs += [((S, S), {"reduction": r}) for r in reductions]
    if logits:
        weight_shapes = ((1,), (1, S), (S,), (S, S))
        shapes_and_kwargs += [
            ((S, S), {"reduction": r, "weight": make(ws)}) for ws in weight_shapes for r in reductions
        ]
        shapes_and_kwargs += [((S, S), {"reduction": r, "pos_weight": make((S,), low=0)}) for r in reductions]
        shapes_and_kwargs += [
            ((S, S), {"reduction": r, "weight": make((S, S)), "pos_weight": make((S,), low=0)}) for r in reductions
        ]
    else:
        shapes_and_kwargs += [((S, S), {"reduction": r, "weight": make((S, S))}) for r in reductions]
    for shape, kwargs in shapes_and_kwargs:
        x = make(shape) if logits else make(shape, low=1e-6, high=1)
        yield (x, make(shape, low=1e-6, high=1)), kwargs


def samples_multilabel_soft_margin() -> Any:
    """``sample_inputs_multilabel_soft_margin_loss``: with and without a weight of the input's shape."""
    for shape in ((S,), (S, S)):
        yield (make(shape), make(shape)), {}
        yield (make(shape), make(shape)), {"weight": make(shape)}


def samples_cross_entropy() -> Any:
    """``sample_inputs_cross_entropy``: shapes up to (2, 3, 1, 2, 3), weights, ignore_index, both kinds of target."""
    batch, classes = shape = (2, 3)
    shapes_and_kwargs: list[tuple[tuple, dict]] = [
        (shape, {}),
        ((*shape, 1), {}),
        ((*shape, 1, 2), {}),
        ((*shape, 1, 2, 3), {}),
    ]
    shapes_and_kwargs += [(shape, {"reduction": r}) for r in REDUCTIONS]
    shapes_and_kwargs += [(shape, {"weight": make((classes,)), "reduction": r}) for r in REDUCTIONS]
    shapes_and_kwargs += [(shape, {"ignore_index": 1})]
    for (input_shape, kwargs), probabilities in itertools.product(shapes_and_kwargs, (False, True)):
        x = make(input_shape)
        if probabilities:
            if "ignore_index" in kwargs:
                continue
            yield (x, make(input_shape, low=0, high=1)), kwargs
            continue
        target = make((batch, *input_shape[2:]), low=0, high=classes, dtype=torch.long)
        if "ignore_index" in kwargs and (target == kwargs["ignore_index"]).all():
            target.flat[0] = 0
        yield (x, target), kwargs


def samples_nll_loss() -> Any:
    """``sample_inputs_nll_loss``: batched, unbatched and 2-d inputs; weights of either sign; ignored targets."""
    shape, classes = (2, 3), 3

    def target(s: tuple, zeros: bool = False) -> np.ndarray:
        index_shape = (s[0], *s[2:]) if len(s) > 1 else ()
        if zeros:
            return np.zeros(index_shape, dtype=np.int64)
        return make(index_shape, low=0, high=s[1] if len(s) > 1 else s[0], dtype=torch.long)

    for reduction, s in itertools.product(("none", "mean", "sum"), (shape, (classes,), (*shape, 2, 2))):
        yield (make(s), target(s)), {"reduction": reduction}
        yield (make(s), target(s)), {"weight": make((classes,)), "reduction": reduction}
        yield (make(s), target(s)), {"weight": make((classes,), low=0), "reduction": reduction}
        yield (make(s), target(s)), {"weight": make((classes,), high=0), "reduction": reduction}
        t = target(s)
        if (t == classes // 2).all() and reduction == "mean":
            t = np.zeros_like(t)
        yield (make(s), t), {"ignore_index": classes // 2, "reduction": reduction}
        yield (make(s), t), {"ignore_index": classes // 2, "reduction": reduction, "weight": make((classes,))}
        if reduction != "mean":  # torch: NaN for the mean (losslab: 0, see the edge cases)
            yield (make(s), target(s, zeros=True)), {"ignore_index": 0, "reduction": reduction}
    yield (make(shape), np.array([-1, 2])), {"ignore_index": -1}


def criterion_cases() -> Any:
    """Inputs of ``common_nn.py``'s criterion tests (``*_no_reduce``, ``*_no_batch_dim_*``)."""
    rand = functools.partial(torch.rand, dtype=torch.float64)
    randn = functools.partial(torch.randn, dtype=torch.float64)
    none = {"reduction": "none"}
    t = randn(15, 10).gt(0).double().numpy()
    yield (
        "binary_cross_entropy",
        (rand(15, 10).clamp(2.8e-2, 1 - 2.8e-2).numpy(), t),
        {**none, "weight": rand(10).numpy()},
    )
    yield "binary_cross_entropy_with_logits", (rand(15, 10).clamp(2.8e-2, 1 - 2.8e-2).numpy(), t), none
    yield "kl_div", (rand(10, 10).log().numpy(), rand(10, 10).numpy()), none
    yield "kl_div", (rand(10, 10).log().numpy(), rand(10, 10).log().numpy()), {**none, "log_target": True}
    yield "kl_div", (rand(()).log().numpy(), rand(()).numpy()), none
    labels = torch.empty(15).uniform_().mul(10).floor().long().numpy()
    weight = rand(10).numpy()
    yield "nll_loss", (rand(15, 10).log().numpy(), labels), none
    yield "nll_loss", (rand(15, 10).log().numpy(), labels), {**none, "ignore_index": 2}
    yield "nll_loss", (rand(15, 10).add(1e-2).log().numpy(), labels), {**none, "weight": weight, "ignore_index": -1}
    yield (
        "nll_loss",
        (rand(2, 3, 5, 5).log().numpy(), rand(2, 5, 5).mul(3).floor().long().numpy()),
        {**none, "weight": rand(3).numpy()},
    )
    yield (
        "nll_loss",
        (rand(2, 3, 5, 5, 2, 2).log().numpy(), rand(2, 5, 5, 2, 2).mul(3).floor().long().numpy()),
        {**none, "ignore_index": 1},
    )
    yield "poisson_nll_loss", (rand(10, 10).numpy(), randn(10, 10).numpy()), none
    yield "smooth_l1_loss", (randn(2, 3, 4).numpy(), randn(2, 3, 4).numpy()), {**none, "beta": 0.5}
    yield "huber_loss", (randn(2, 3, 4).numpy(), randn(2, 3, 4).numpy()), {**none, "delta": 0.5}
    yield (
        "multilabel_soft_margin_loss",
        (randn(5, 10).numpy(), rand(5, 10).gt(0.5).double().numpy()),
        {**none, "weight": rand(10).numpy()},
    )
    for reduction in REDUCTIONS:  # the no-batch-dimension criterion tests
        yield "soft_margin_loss", (randn(9).numpy(), np.array([-1, 1, 1] * 3)), {"reduction": reduction}
        yield "nll_loss", (F.log_softmax(randn(3), dim=0).numpy(), np.array(1)), {"reduction": reduction}
        yield "multilabel_soft_margin_loss", (randn(9).numpy(), randn(9).numpy()), {"reduction": reduction}
        yield (
            "binary_cross_entropy",
            (torch.sigmoid(randn(9)).numpy(), randn(9).gt(0).double().numpy()),
            {"reduction": reduction},
        )
        yield "kl_div", (rand(3).log().numpy(), rand(3).numpy()), {"reduction": reduction}
        for name in ("l1_loss", "mse_loss", "poisson_nll_loss", "huber_loss", "smooth_l1_loss"):
            yield name, (randn(3).numpy(), randn(3).numpy()), {"reduction": reduction}


def reference_samples(loss: str) -> list[tuple[str, tuple, dict]]:
    torch.manual_seed(0)
    draw = random.Random(0)
    generators = {
        "l1_loss": samples_loss,
        "mse_loss": samples_loss,
        "soft_margin_loss": samples_loss,
        "smooth_l1_loss": samples_smooth_l1,
        "huber_loss": functools.partial(samples_huber, draw),
        "poisson_nll_loss": functools.partial(samples_poisson, draw),
        "gaussian_nll_loss": functools.partial(samples_gaussian, draw),
        "kl_div": samples_kl_div,
        "binary_cross_entropy": functools.partial(samples_binary_cross_entropy, False),
        "binary_cross_entropy_with_logits": functools.partial(samples_binary_cross_entropy, True),
        "multilabel_soft_margin_loss": samples_multilabel_soft_margin,
        "cross_entropy": samples_cross_entropy,
        "nll_loss": samples_nll_loss,
    }
    samples = [(loss, args, kwargs) for args, kwargs in generators[loss]()]
    return samples + [case for case in criterion_cases() if case[0] == loss]


REFERENCE_LOSSES = [
    "l1_loss",
    "mse_loss",
    "huber_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "kl_div",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "multilabel_soft_margin_loss",
    "cross_entropy",
    "nll_loss",
]


@pytest.mark.parametrize("loss", REFERENCE_LOSSES)
def test_torch_reference_cases(backend, xp, loss):
    if backend is Backend.JAX:
        pytest.skip(f"{JAX_COMPILES}: these samples have a dozen shapes per loss; JAX runs the argument sets above")
    if backend is Backend.ARRAY_API_STRICT:
        pytest.skip("NumPy runs the generic code on these samples; array-api-strict runs the argument sets above")
    compared = refused = 0
    for name, args, kwargs in reference_samples(loss):
        expected = torch_oracle(name, args, kwargs)
        ours = getattr(LF, name)
        xp_args = tuple(to_xp(xp, a) for a in args)
        xp_kwargs = {k: to_xp(xp, v) for k, v in kwargs.items()}
        if name == "gaussian_nll_loss" and args[1].shape != args[0].shape:
            # torch broadcasts a target of another shape; losslab refuses to
            with pytest.raises(ValueError, match="input and target must have the same shape"):
                ours(*xp_args, **xp_kwargs)
            refused += 1
            continue
        assert np.isfinite(expected).all(), (name, kwargs)
        assert_close(ours(*xp_args, **xp_kwargs), expected, rtol=RTOL, atol=1e-12, xp=xp, dtype="float64")
        compared += 1
    assert compared >= 6
    # gaussian: 9 (shape, reduction) pairs x 6 (target, var) shape pairs whose target is not input's x 4 argument sets
    assert refused == (9 * 6 * 4 if loss == "gaussian_nll_loss" else 0)


# ---------------------------------------------------------------- edge cases: finite policy


def test_all_targets_ignored_give_zero_where_torch_gives_nan(xp):
    logits = np.random.default_rng(1).normal(size=(3, 4))
    ignored = np.full(3, -100)
    weight = np.array([1.0, 2.0, 0.5, 1.0])
    for name, x, kwargs in [
        ("cross_entropy", logits, {}),
        ("cross_entropy", logits, {"weight": weight, "label_smoothing": 0.2}),
        ("nll_loss", np.log(_softmax(logits, 1)), {"weight": weight}),
    ]:
        assert np.isnan(torch_oracle(name, (x, ignored), kwargs))
        out = getattr(LF, name)(xp.asarray(x), xp.asarray(ignored), **{k: to_xp(xp, v) for k, v in kwargs.items()})
        assert_close(out, 0.0, atol=0.0, xp=xp, dtype="float64")
        assert_close(getattr(LF, name)(xp.asarray(x), xp.asarray(ignored), reduction="sum"), 0.0, xp=xp)


@pytest.mark.parametrize("path", ["fast", "generic"])
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"weight": np.array([1.0, 2.0, 0.5, 1.0]), "label_smoothing": 0.2}],
    ids=["plain", "weight+smoothing"],
)
def test_all_targets_ignored_have_a_zero_gradient(path, kwargs):
    kwargs = {k: to_torch(v) for k, v in kwargs.items()}
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    labels = torch.tensor([2, 2, 2])
    with maybe_generic(path):
        value = LF.cross_entropy(x, labels, ignore_index=2, **kwargs)
    value.backward()
    assert float(value.detach()) == 0.0 and torch.equal(x.grad, torch.zeros_like(x))
    assert torch.isnan(F.cross_entropy(x, labels, ignore_index=2, **kwargs))


EMPTY_CASES = [
    ("l1_loss", (np.zeros((0, 3)), np.zeros((0, 3))), {}),
    ("l1_loss", (np.zeros((0, 3)), np.zeros((0, 3))), {"weight": np.zeros((0, 3))}),
    ("mse_loss", (np.zeros((0, 3)), np.zeros((0, 3))), {}),
    ("huber_loss", (np.zeros((0, 3)), np.zeros((0, 3))), {}),
    ("smooth_l1_loss", (np.zeros((0, 3)), np.zeros((0, 3))), {}),
    ("soft_margin_loss", (np.zeros((0, 3)), np.zeros((0, 3))), {}),
    ("poisson_nll_loss", (np.zeros((0, 3)), np.zeros((0, 3))), {}),
    ("gaussian_nll_loss", (np.zeros((0, 3)), np.zeros((0, 3)), np.ones((0, 3))), {}),
    ("kl_div", (np.zeros((0, 3)), np.zeros((0, 3))), {"reduction": "batchmean"}),
    ("binary_cross_entropy", (np.full((0, 3), 0.5), np.zeros((0, 3))), {}),
    ("binary_cross_entropy_with_logits", (np.zeros((0, 3)), np.zeros((0, 3))), {}),
    ("multilabel_soft_margin_loss", (np.zeros((0, 3)), np.zeros((0, 3))), {}),
    ("cross_entropy", (np.zeros((0, 3)), np.zeros(0, dtype=np.int64)), {}),
    ("cross_entropy", (np.zeros((0, 3)), np.zeros((0, 3))), {"weight": np.ones(3)}),
    ("nll_loss", (np.zeros((0, 3, 2)), np.zeros((0, 2), dtype=np.int64)), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), EMPTY_CASES, ids=[c[0] for c in EMPTY_CASES])
def test_an_empty_batch_gives_zero_where_torch_gives_nan(xp, name, args, kwargs):
    assert np.isnan(torch_oracle(name, args, kwargs))
    out = getattr(LF, name)(*(xp.asarray(a) for a in args), **{k: to_xp(xp, v) for k, v in kwargs.items()})
    assert_close(out, 0.0, xp=xp, dtype="float64")
    none = getattr(LF, name)(
        *(xp.asarray(a) for a in args), **{**{k: to_xp(xp, v) for k, v in kwargs.items()}, "reduction": "none"}
    )
    assert none.shape == torch_oracle(name, args, {**kwargs, "reduction": "none"}).shape


MASKED = np.array([[2.0, -np.inf, 0.5, -1.0], [-np.inf, 1.0, -np.inf, 0.0], [0.3, 0.2, -np.inf, 0.1]])
MASKED_LABELS = np.array([0, 3, 1])


@pytest.mark.parametrize("path", ["fast", "generic"])
@pytest.mark.parametrize(
    "kwargs", [{}, {"weight": np.array([1.0, 0.5, 2.0, 1.5])}, {"reduction": "none"}], ids=["plain", "weight", "none"]
)
def test_minus_inf_logits_of_masked_classes_give_torch_finite_value_and_gradient(path, kwargs):
    kwargs = {k: to_torch(v) for k, v in kwargs.items()}
    expected, expected_grad = _ce_value_and_grad(F.cross_entropy, MASKED, kwargs)
    assert np.isfinite(expected).all() and np.isfinite(expected_grad).all()
    with maybe_generic(path):
        value, grad = _ce_value_and_grad(LF.cross_entropy, MASKED, kwargs)
        # with label smoothing every class counts: torch gives inf, and so does losslab
        smoothed = LF.cross_entropy(torch.as_tensor(MASKED), torch.as_tensor(MASKED_LABELS), label_smoothing=0.1)
    np.testing.assert_allclose(value, expected, rtol=RTOL)
    np.testing.assert_allclose(grad, expected_grad, rtol=RTOL, atol=1e-15)
    assert math.isinf(torch_oracle("cross_entropy", (MASKED, MASKED_LABELS), {"label_smoothing": 0.1}))
    assert math.isinf(float(smoothed))


def _ce_value_and_grad(
    fn: Any, logits: np.ndarray, kwargs: dict, target: Any = MASKED_LABELS
) -> tuple[np.ndarray, np.ndarray]:
    x = torch.tensor(logits, requires_grad=True)
    out = fn(x, torch.as_tensor(target), **kwargs)
    out.sum().backward()
    return out.detach().numpy(), x.grad.numpy()


def test_minus_inf_logits_on_every_backend(xp):
    for kwargs in ({}, {"weight": np.array([1.0, 0.5, 2.0, 1.5])}):
        expected = torch_oracle("cross_entropy", (MASKED, MASKED_LABELS), kwargs)
        out = LF.cross_entropy(
            xp.asarray(MASKED), xp.asarray(MASKED_LABELS), **{k: xp.asarray(v) for k, v in kwargs.items()}
        )
        assert_close(out, expected, rtol=RTOL, xp=xp)


@pytest.mark.parametrize("path", ["fast", "generic"])
def test_probability_targets_of_zero_on_minus_inf_logits_add_zero_where_torch_gives_nan(path):
    logits = np.array([[2.0, -np.inf, 0.5, -1.0], [0.3, 0.2, -np.inf, 0.1]])
    probs = np.array([[0.6, 0.0, 0.3, 0.1], [0.2, 0.5, 0.0, 0.3]])
    assert np.isnan(torch_oracle("cross_entropy", (logits, probs), {}))
    # the oracle: torch on the same rows with the masked class dropped (its softmax share is exactly 0)
    kept = [np.delete(np.arange(4), 1), np.delete(np.arange(4), 2)]
    expected = [torch_oracle("cross_entropy", (logits[i, k], probs[i, k]), {}) for i, k in enumerate(kept)]
    with maybe_generic(path):
        value, grad = _ce_value_and_grad(LF.cross_entropy, logits, {"reduction": "none"}, probs)
    np.testing.assert_allclose(value, expected, rtol=RTOL)
    assert np.isfinite(grad).all() and grad[0, 1] == 0.0 and grad[1, 2] == 0.0


def test_kl_div_entries_of_zero_probability_add_zero_where_torch_gives_nan(xp):
    q = np.array([[0.4, 0.0, 0.6], [0.1, 0.0, 0.9]])
    with np.errstate(divide="ignore"):
        log_p = np.log(np.array([[0.5, 0.0, 0.5], [0.2, 0.3, 0.5]]))  # -inf where the model rules a class out
        log_q = np.log(q)
    for log_target in (False, True):
        target = log_q if log_target else q
        assert np.isnan(torch_oracle("kl_div", (log_p, target), {"reduction": "sum", "log_target": log_target}))
        expected = torch_oracle(
            "kl_div", (log_p[:, [0, 2]], target[:, [0, 2]]), {"reduction": "none", "log_target": log_target}
        )
        out = LF.kl_div(xp.asarray(log_p), xp.asarray(target), reduction="none", log_target=log_target)
        assert_close(xp.take(out, xp.asarray([0, 2]), axis=1), expected, rtol=RTOL, xp=xp)
        assert_close(out[:, 1], np.zeros(2), xp=xp)
    with losslab.value_checks():  # -inf log-probabilities are valid input here
        LF.kl_div(np.asarray(log_p), q)


@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("kl_div", (np.log(np.array([0.3, 0.7])), np.array([0.0, 1.0])), {}),
        ("poisson_nll_loss", (np.array([0.5, -1.0, 2.0]), np.array([0.0, 1.0, 3.0])), {"full": True}),
    ],
    ids=["kl_div", "poisson_nll_loss-full"],
)
def test_target_gradients_at_zero_are_finite_where_torch_gives_nan(name, args, kwargs):
    def grads(fn: Any) -> np.ndarray:
        x, t = (torch.tensor(a, requires_grad=True) for a in args)
        fn(x, t, reduction="sum", **kwargs).backward()
        return t.grad.numpy()

    expected, ours = grads(getattr(F, name)), grads(getattr(LF, name))
    assert np.isnan(expected[0]) and np.isfinite(ours).all()
    np.testing.assert_allclose(ours[1:], expected[1:], rtol=RTOL)


def test_soft_margin_loss_stays_finite_where_torch_overflows(xp):
    x, y = np.array([-800.0, 3.0]), np.array([1.0, -1.0])
    assert np.isinf(torch_oracle("soft_margin_loss", (x, y), {"reduction": "none"})[0])
    assert_close(
        LF.soft_margin_loss(xp.asarray(x), xp.asarray(y), reduction="none"),
        [800.0, 3.0 + math.log1p(math.exp(-3.0))],
        xp=xp,
    )


def test_binary_cross_entropy_clamps_its_logs_at_minus_100_as_torch(xp):
    p, y = np.array([0.0, 1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0, 1.0])
    expected = torch_oracle("binary_cross_entropy", (p, y), {"reduction": "none"})
    assert_close(LF.binary_cross_entropy(xp.asarray(p), xp.asarray(y), reduction="none"), expected, xp=xp)
    assert expected.tolist() == [100.0, 100.0, 0.0, 0.0]


POS_WEIGHT_SHAPES = [
    ((4, 3), (3,)),
    ((4, 3), (1,)),
    ((4, 3), (4, 3)),
    ((4, 3), (4, 1)),
    ((2, 3, 4, 5), (3, 1, 1)),
    ((2, 3, 4, 5), (4, 5)),
]


@pytest.mark.parametrize(("shape", "pos_shape"), POS_WEIGHT_SHAPES, ids=[f"{s}-{p}" for s, p in POS_WEIGHT_SHAPES])
def test_pos_weight_broadcasts_as_torch_allows(backend, xp, shape, pos_shape):
    if backend is Backend.JAX:
        pytest.skip(f"{JAX_COMPILES}: JAX runs pos_weight of shapes (C,) and (C, 1, 1) in the argument sets above")
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=shape), rng.integers(0, 2, size=shape).astype(float)
    pos_weight = rng.uniform(0.5, 4.0, size=pos_shape)
    for reduction in REDUCTIONS:
        kwargs = {"pos_weight": pos_weight, "reduction": reduction}
        expected = torch_oracle("binary_cross_entropy_with_logits", (x, y), kwargs)
        out = LF.binary_cross_entropy_with_logits(
            xp.asarray(x), xp.asarray(y), pos_weight=xp.asarray(pos_weight), reduction=reduction
        )
        assert_close(out, expected, rtol=RTOL, xp=xp)


@pytest.mark.parametrize("pos_shape", [(4,), (2, 4, 3), (3, 1)], ids=str)
def test_pos_weight_that_does_not_broadcast_into_input_raises(pos_shape):
    with pytest.raises(
        ValueError, match=r"pos_weight must have a shape that broadcasts to input's .*got pos_weight of shape"
    ):
        LF.binary_cross_entropy_with_logits(np.zeros((4, 3)), np.zeros((4, 3)), pos_weight=np.ones(pos_shape))


def test_out_of_range_class_index_is_nan_without_value_checks_and_torch_raises():
    logits, labels = np.zeros((2, 3)), np.array([0, 3])
    out = LF.cross_entropy(logits, labels, reduction="none")
    assert out[0] == pytest.approx(math.log(3)) and np.isnan(out[1])
    with pytest.raises(IndexError, match="out of bounds"):
        LF.cross_entropy(torch.as_tensor(logits), torch.as_tensor(labels))


# ---------------------------------------------------------------- JAX and torch.compile


def test_jax_jit_and_grad_of_cross_entropy_and_bce_with_logits():
    jax = pytest.importorskip("jax")
    jnp = Backend.JAX.namespace()
    rng = np.random.default_rng(7)
    logits, labels = rng.normal(size=(6, 4, 2)), rng.integers(0, 4, size=(6, 2))
    labels[0, 0] = -100
    weight, probs = rng.uniform(0.5, 2.0, size=4), _softmax(rng.normal(size=(6, 4, 2)), 1)
    y = rng.integers(0, 2, size=(6, 4, 2)).astype(float)
    pos_weight = rng.uniform(0.5, 2.0, size=(4, 1))
    cases = [
        ("cross_entropy", labels, {"weight": weight, "label_smoothing": 0.1}),
        ("cross_entropy", probs, {"label_smoothing": 0.2}),
        ("binary_cross_entropy_with_logits", y, {"pos_weight": pos_weight}),
    ]
    for name, target, kwargs in cases:
        jax_kwargs = {k: jnp.asarray(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        loss = functools.partial(getattr(LF, name), **jax_kwargs)
        fn = jax.jit(jax.value_and_grad(loss))
        value, grad = fn(jnp.asarray(logits), jnp.asarray(target))
        x = torch.tensor(logits, requires_grad=True)
        expected = getattr(F, name)(x, torch.as_tensor(target), **{k: to_torch(v) for k, v in kwargs.items()})
        expected.backward()
        np.testing.assert_allclose(float(value), float(expected.detach()), rtol=RTOL)
        np.testing.assert_allclose(np.asarray(grad), x.grad.numpy(), rtol=RTOL, atol=1e-14)
    all_ignored = jax.jit(jax.grad(lambda x: LF.cross_entropy(x, jnp.full((6, 2), -100))))(jnp.asarray(logits))
    assert np.asarray(all_ignored).tolist() == np.zeros_like(logits).tolist()


def test_fast_paths_trace_under_torch_compile_fullgraph():
    from losslab.functional import _fast

    x = torch.randn(4, 3, dtype=torch.float64)
    labels = torch.tensor([0, -100, 2, 1])
    weight = torch.rand(3, dtype=torch.float64)
    calls = [
        (_fast.torch_class_index_loss, (x, labels, weight, -100, "mean", 0.1)),
        (_fast.torch_class_index_loss, (x.log_softmax(1), labels.abs() % 3, None, 1, "mean", None)),
        (_fast.torch_weighted_regression, ("l1_loss", x, x.flip(0), weight.expand(4, 3), "mean")),
        (_fast.torch_soft_margin, (x, x.sign(), "mean")),
        (_fast.torch_gaussian_nll, (x, x.flip(0), weight.expand(4, 3), True, 1e-6, "mean")),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dynamo's notes on array_api_compat's lru_cache
        for fn, args in calls:
            compiled = torch.compile(fn, fullgraph=True, backend="eager")
            torch.testing.assert_close(compiled(*args), fn(*args), rtol=1e-12, atol=0)
    torch._dynamo.reset()


# ---------------------------------------------------------------- validation messages


ALL = [
    "l1_loss",
    "mse_loss",
    "huber_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
    "poisson_nll_loss",
    "kl_div",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "multilabel_soft_margin_loss",
]


@pytest.mark.parametrize("name", [*ALL, "gaussian_nll_loss", "cross_entropy", "nll_loss"])
def test_an_unknown_reduction_is_refused(name):
    args: tuple = (np.full((2, 3), 0.5), np.zeros((2, 3)))
    if name == "gaussian_nll_loss":
        args = (*args, 1.0)
    if name in ("cross_entropy", "nll_loss"):
        args = (np.zeros((2, 3)), np.array([0, 1]))
    choices = r"\['mean', 'sum', 'none', 'batchmean'\]" if name == "kl_div" else r"\['mean', 'sum', 'none'\]"
    with pytest.raises(ValueError, match=rf"^{name}: reduction must be one of {choices}, got 'avg'$"):
        getattr(LF, name)(*args, reduction="avg")
    if name != "kl_div":
        with pytest.raises(ValueError, match="got 'batchmean'"):
            getattr(LF, name)(*args, reduction="batchmean")


@pytest.mark.parametrize("name", [*ALL, "gaussian_nll_loss"])
def test_input_and_target_of_different_shapes_are_refused(name):
    args: tuple = (np.full((4, 3), 0.5), np.zeros((4, 1)))
    if name == "gaussian_nll_loss":
        args = (*args, 1.0)
    with pytest.raises(
        ValueError,
        match=rf"^{name}: input and target must have the same shape; got input \(4, 3\) and target \(4, 1\)\.",
    ):
        getattr(LF, name)(*args)


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_class_index_errors(name):
    fn = getattr(LF, name)
    with losslab.value_checks():
        with pytest.raises(
            ValueError, match=rf"^{name}: class indices must lie in \[0, 3\) .* got labels from 0 to 3$"
        ):
            fn(np.zeros((2, 3)), np.array([0, 3]))
        with pytest.raises(ValueError, match=r"got labels from -1 to 1$"):
            fn(torch.zeros(2, 3), torch.tensor([-1, 1]))
        fn(np.zeros((2, 3)), np.array([-100, 2]))  # ignore_index is not a class
    with pytest.raises(
        ValueError, match=rf"^{name}: target must have shape \(2, 4\) \(class indices\).* got target \(2, 3\)$"
    ):
        fn(np.zeros((2, 3, 4)), np.zeros((2, 3), dtype=np.int64))
    with pytest.raises(TypeError, match=rf"^{name}: class-index targets must be integers; got dtype float64"):
        fn(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(
        ValueError, match=rf"^{name}: weight must hold one weight per class, shape \(3,\) .*got weight of shape \(2,\)$"
    ):
        fn(np.zeros((2, 3)), np.array([0, 1]), weight=np.ones(2))
    with pytest.raises(ValueError, match=rf"^{name}: input must have a class axis"):
        fn(np.zeros(()), np.array(0))
    with pytest.raises(ValueError, match=rf"^{name}: ignore_index must be an int; got ignore_index=1.0$"):
        fn(np.zeros((2, 3)), np.array([0, 1]), ignore_index=1.0)


@pytest.mark.parametrize("value", [-0.1, 1.5, math.nan])
def test_label_smoothing_outside_zero_one_is_refused(value):
    with pytest.raises(
        ValueError, match=r"^cross_entropy: label_smoothing must be a float in \[0, 1\]; got label_smoothing="
    ):
        LF.cross_entropy(np.zeros((2, 3)), np.array([0, 1]), label_smoothing=value)


def test_probability_target_errors():
    with pytest.raises(
        TypeError, match=r"^cross_entropy: a target of input's shape \(2, 3\) holds class probabilities"
    ):
        LF.cross_entropy(np.zeros((2, 3)), np.zeros((2, 3), dtype=np.int64))
    with pytest.raises(ValueError, match=r"^cross_entropy: ignore_index=0 applies to class-index targets only"):
        LF.cross_entropy(np.zeros((2, 3)), np.full((2, 3), 1 / 3), ignore_index=0)


def test_hyperparameter_and_weight_errors():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"^huber_loss: delta must be a float in \(0, inf\); got delta=0"):
        LF.huber_loss(x, x, delta=0)
    with pytest.raises(ValueError, match=r"^smooth_l1_loss: beta must be a float in \[0, inf\); got beta=-1"):
        LF.smooth_l1_loss(x, x, beta=-1)
    with pytest.raises(ValueError, match=r"^poisson_nll_loss: eps must be a float in \(0, inf\)"):
        LF.poisson_nll_loss(x, x, eps=0.0)
    with pytest.raises(ValueError, match=r"^l1_loss: weight must have input's shape; got weight of shape \(3,\)"):
        LF.l1_loss(x, x, weight=np.ones(3))
    with pytest.raises(
        ValueError, match=r"^gaussian_nll_loss: var must have input's shape \(2, 3\).* got var of shape \(2, 2\)$"
    ):
        LF.gaussian_nll_loss(x, x, np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"^gaussian_nll_loss: var must be a float in \[0, inf\); got var=-1.0$"):
        LF.gaussian_nll_loss(x, x, -1.0)
    with losslab.value_checks(), pytest.raises(ValueError, match=r"^gaussian_nll_loss: var must lie in \[0, inf\]"):
        LF.gaussian_nll_loss(x, x, -np.ones((2, 3)))
    with losslab.value_checks(), pytest.raises(ValueError, match=r"^binary_cross_entropy: input must lie in \[0, 1\]"):
        LF.binary_cross_entropy(x + 2.0, x)


def test_hyperparameters_are_keyword_only_and_named_as_torch():
    import inspect

    for name in [*ALL, "gaussian_nll_loss", "cross_entropy", "nll_loss"]:
        ours, theirs = inspect.signature(getattr(LF, name)), inspect.signature(getattr(F, name))
        positional = [p.name for p in ours.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
        assert positional == (["input", "target", "var"] if name == "gaussian_nll_loss" else ["input", "target"])
        deprecated = {"size_average", "reduce"}
        expected = {k: p.default for k, p in theirs.parameters.items() if k not in deprecated and k not in positional}
        assert {k: p.default for k, p in ours.parameters.items() if p.kind is p.KEYWORD_ONLY} == expected
