"""losslab.torch's modules trace whole under ``torch.compile(fullgraph=True)``, Keras imported or not.

One compiled function per module and argument set runs every reduction; ``backend="eager"`` runs dynamo alone (the
trace is what is tested) and each value is compared with the eager call. Keras is imported first, so that the check
a plain ``losslab.Loss`` makes for Keras's function wrapper is part of every trace.
"""

from __future__ import annotations

import os
import warnings

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
pytest.importorskip("keras")
torch = pytest.importorskip("torch")
dynamo = pytest.importorskip("torch._dynamo")

import losslab  # noqa: E402
import losslab.torch as LT  # noqa: E402
from tests.torch.test_nn import CASES, GEN, SPEC  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_dynamo():
    dynamo.reset()
    yield
    dynamo.reset()


def traced_equals_eager(make_calls):
    """Compile ``make_calls`` (a function returning a tuple of values) whole and compare with its eager run."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traced = torch.compile(make_calls, fullgraph=True, backend="eager")()
    for got, expected in zip(traced, make_calls(), strict=True):
        torch.testing.assert_close(got, expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    ("name", "kwargs", "make"),
    [
        pytest.param(name, kwargs, make, id=f"{name}-{i}")
        for name, cases in CASES.items()
        for i, (kwargs, make) in enumerate(cases)
    ],
)
def test_torch_nn_modules_trace_whole(name, kwargs, make):
    GEN.manual_seed(3)
    tensors = make()
    modules = [getattr(LT, name)(reduction=r, **kwargs) for r in SPEC[name].reductions]
    traced_equals_eager(lambda: tuple(module(*tensors) for module in modules))


def test_catalogue_modules_and_a_weighted_class_call_trace_whole():
    gen = torch.Generator().manual_seed(0)
    logits, masks = torch.randn(4, 3, 5, generator=gen), (torch.rand(2, 1, 4, 4, generator=gen) > 0.5).double()
    labels = torch.randint(0, 3, (4, 5), generator=gen)
    dice, focal = LT.DiceLoss(axis=(2, 3)), LT.FocalLoss(from_logits=True, gamma=1.5)
    sparse = LT.SparseCategoricalCrossentropyLoss(from_logits=True, reduction="sum")
    bce = losslab.BinaryCrossentropy(from_logits=True)  # the plain class, with a sample weight
    weight = torch.rand(4, generator=gen)
    binary = (logits > 0).double()
    traced_equals_eager(
        lambda: (
            dice(torch.sigmoid(masks * 2.0 - 1.0), masks),
            focal(logits, binary),
            sparse(logits, labels),
            bce(binary, logits, sample_weight=weight),
        )
    )
