"""torch.nn's 21 losses on losslab: torch's signatures, buffers and state_dict; torch's values and gradients.

The parity tests compare with ``torch.nn`` itself (float64); they run once ``losslab.functional``'s
function of each loss is written (its placeholder skips them).
"""

from __future__ import annotations

import inspect
import warnings

import pytest

import losslab.functional as LF

torch = pytest.importorskip("torch")
nn = torch.nn

import losslab.torch as LT  # noqa: E402
from losslab.torch._nn import SPECS  # noqa: E402

NAMES = [spec.name for spec in SPECS]
SPEC = {spec.name: spec for spec in SPECS}
DEPRECATED = ("size_average", "reduce")


def _torch_parameters(name, method="__init__"):
    parameters = inspect.signature(getattr(getattr(nn, name), method)).parameters
    return {k: p for k, p in parameters.items() if k not in DEPRECATED}


# ---------------------------------------------------------------- the classes


def test_the_table_is_torch_nn_s_losses():
    in_torch = {
        name
        for name in dir(nn)
        if name.endswith("Loss") and isinstance(getattr(nn, name), type) and issubclass(getattr(nn, name), nn.Module)
    }
    not_losses_alone = {
        "NLLLoss2d",  # a deprecated alias of NLLLoss
        "AdaptiveLogSoftmaxWithLoss",  # a layer with weights that also returns a loss
        "LinearCrossEntropyLoss",  # a linear layer fused with cross-entropy (torch >= 2.12), with weights
    }
    assert len(NAMES) == 21 and set(NAMES) == in_torch - not_losses_alone


@pytest.mark.parametrize("name", NAMES)
def test_constructor_and_forward_take_torch_s_arguments_and_defaults(name):
    cls = getattr(LT, name)
    assert issubclass(cls, nn.Module) and cls.__name__ == name and cls.__module__ == "losslab.torch"
    ours, theirs = inspect.signature(cls.__init__).parameters, _torch_parameters(name)
    assert list(ours) == list(theirs)
    for key, parameter in ours.items():
        assert parameter.default == theirs[key].default, key
        if theirs[key].kind is inspect.Parameter.KEYWORD_ONLY:
            assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, key
    assert list(inspect.signature(cls.forward).parameters) == list(_torch_parameters(name, "forward"))
    assert f"losslab.functional.{SPEC[name].function}" in cls.__doc__


def test_options_after_torch_s_deprecated_flags_are_keyword_only():
    weight = torch.ones(3)
    assert LT.CrossEntropyLoss(weight).weight is weight
    with pytest.raises(TypeError, match="CrossEntropyLoss: too many positional arguments"):
        LT.CrossEntropyLoss(weight, None, 5)  # torch's order: (weight, size_average, ignore_index)
    loss = LT.MultiMarginLoss(2, 0.5, weight)
    assert (loss.p, loss.margin, loss.weight) == (2, 0.5, weight)
    with pytest.raises(TypeError, match="size_average and reduce are not accepted"):
        LT.L1Loss(size_average=False)


@pytest.mark.parametrize("name", NAMES)
def test_a_bad_reduction_is_refused_at_construction(name):
    allowed = "'mean', 'sum', 'none', 'batchmean'" if name == "KLDivLoss" else "'mean', 'sum', 'none'"
    with pytest.raises(ValueError, match=rf"{name}: reduction must be one of \[{allowed}\], got 'elementwise_mean'"):
        getattr(LT, name)(reduction="elementwise_mean")


WEIGHTED = [name for name in NAMES if "weight" in _torch_parameters(name)]


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_and_buffers_are_torch_s(name):
    tensors = {key: torch.rand(3) for key in ("weight", "pos_weight") if key in _torch_parameters(name)}
    for kwargs in ({}, tensors):
        ours, theirs = getattr(LT, name)(**kwargs), getattr(nn, name)(**kwargs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert [k for k, _ in ours.named_buffers()] == [k for k, _ in theirs.named_buffers()]
        assert list(ours.parameters()) == []


@pytest.mark.parametrize("name", WEIGHTED)
def test_weight_buffers_follow_to_and_double(name):
    tensors = {key: torch.rand(3) for key in ("weight", "pos_weight") if key in _torch_parameters(name)}
    loss = getattr(LT, name)(**tensors)
    assert loss.double() is loss
    assert all(getattr(loss, key).dtype == torch.float64 for key in tensors)
    loss.to(torch.float32)
    assert all(getattr(loss, key).dtype == torch.float32 for key in tensors)
    parent = nn.Sequential(nn.Linear(3, 3))
    parent.add_module("loss", getattr(LT, name)(**tensors))
    assert set(parent.state_dict()) == {"0.weight", "0.bias", *(f"loss.{key}" for key in tensors)}
    parent.double()
    assert all(getattr(parent.loss, key).dtype == torch.float64 for key in tensors)


def test_a_distance_module_is_a_submodule_as_in_torch():
    distance = nn.PairwiseDistance(p=1.0)
    ours, theirs = (
        LT.TripletMarginWithDistanceLoss(distance_function=distance),
        nn.TripletMarginWithDistanceLoss(distance_function=distance),
    )
    assert dict(ours.named_modules()).keys() == dict(theirs.named_modules()).keys()


def test_forward_passes_the_tensors_and_every_option_to_losslab_functional(monkeypatch):
    calls = []
    monkeypatch.setattr(LF, "cross_entropy", lambda *tensors, **options: calls.append((tensors, options)) or 0.0)
    weight, input, target = torch.ones(3), torch.zeros(2, 3), torch.tensor([0, 2])
    loss = LT.CrossEntropyLoss(weight, ignore_index=1, label_smoothing=0.1, reduction="sum")
    loss(input, target)
    loss(target=target, input=input)
    for tensors, options in calls:
        assert tensors[0] is input and tensors[1] is target
        assert options == {"weight": weight, "ignore_index": 1, "reduction": "sum", "label_smoothing": 0.1}
    with pytest.raises(TypeError, match="CrossEntropyLoss: missing a required argument: 'target'"):
        loss(input)
    monkeypatch.setattr(LF, "ctc_loss", lambda *tensors, **options: (tensors, options))
    tensors, options = LT.CTCLoss(blank=3)(1, 2, 3, target_lengths=4)
    assert tensors == (1, 2, 3, 4) and options == {"blank": 3, "reduction": "mean", "zero_infinity": False}


def test_repr_shows_the_changed_options():
    assert repr(LT.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(LT.HuberLoss(delta=0.5, reduction="sum")) == "HuberLoss(reduction='sum', delta=0.5)"


# ---------------------------------------------------------------- values and gradients: torch is the oracle

GEN = torch.Generator().manual_seed(3)


def _normal(*shape):
    return torch.randn(*shape, generator=GEN, dtype=torch.float64)


def _positive(*shape):
    return torch.rand(*shape, generator=GEN, dtype=torch.float64) + 0.1


def _sign(*shape):
    return torch.where(_normal(*shape) > 0, 1.0, -1.0).double()


def _binary(*shape):
    return (_normal(*shape) > 0).double()


def _classes(num, *shape):
    return torch.randint(0, num, shape, generator=GEN)


def _log_probs(*shape, dim=-1):
    return torch.log_softmax(_normal(*shape), dim=dim)


def _ctc_inputs(low):
    return (
        _log_probs(6, 2, 4),
        torch.randint(low, low + 3, (2, 3), generator=GEN),
        torch.tensor([6, 5]),
        torch.tensor([3, 2]),
    )


PAIR = (lambda: (_normal(4, 3), _normal(4, 3)),)
CASES = {
    "L1Loss": [({}, *PAIR)],
    "MSELoss": [({}, *PAIR)],
    "HuberLoss": [({}, lambda: (3 * _normal(4, 3), _normal(4, 3))), ({"delta": 0.5}, *PAIR)],
    "SmoothL1Loss": [({}, lambda: (3 * _normal(4, 3), _normal(4, 3))), ({"beta": 0.5}, *PAIR)],
    "SoftMarginLoss": [({}, lambda: (_normal(4, 3), _sign(4, 3)))],
    "CrossEntropyLoss": [
        ({}, lambda: (_normal(4, 5), _classes(5, 4))),
        ({"weight": _positive(5), "ignore_index": 1}, lambda: (_normal(6, 5), torch.tensor([1, 0, 1, 4, 2, 3]))),
        ({"weight": _positive(5), "label_smoothing": 0.1}, lambda: (_normal(4, 5), _classes(5, 4))),
        ({}, lambda: (_normal(2, 5, 3, 2), _classes(5, 2, 3, 2))),
        ({"label_smoothing": 0.2}, lambda: (_normal(4, 5), torch.softmax(_normal(4, 5), dim=1))),
    ],
    "NLLLoss": [
        ({}, lambda: (_log_probs(4, 5), _classes(5, 4))),
        ({"weight": _positive(5), "ignore_index": 2}, lambda: (_log_probs(6, 5), torch.tensor([2, 0, 1, 4, 2, 3]))),
        ({}, lambda: (_log_probs(2, 5, 3, dim=1), _classes(5, 2, 3))),
    ],
    "PoissonNLLLoss": [
        ({}, lambda: (_normal(4, 3), _classes(5, 4, 3).double())),
        ({"log_input": False}, lambda: (_positive(4, 3), _classes(5, 4, 3).double())),
        ({"full": True}, lambda: (_normal(4, 3), _classes(5, 4, 3).double())),
    ],
    "GaussianNLLLoss": [
        ({}, lambda: (_normal(4, 3), _normal(4, 3), _positive(4, 3))),
        ({"full": True}, lambda: (_normal(4, 3), _normal(4, 3), _positive(4, 1))),
    ],
    "KLDivLoss": [
        ({}, lambda: (_log_probs(4, 5), torch.softmax(_normal(4, 5), dim=1))),
        ({"log_target": True}, lambda: (_log_probs(4, 5), _log_probs(4, 5))),
    ],
    "BCELoss": [
        ({}, lambda: (torch.sigmoid(_normal(4, 3)), _binary(4, 3))),
        ({"weight": _positive(3)}, lambda: (torch.sigmoid(_normal(4, 3)), torch.rand(4, 3, generator=GEN).double())),
    ],
    "BCEWithLogitsLoss": [
        ({}, lambda: (3 * _normal(4, 3), _binary(4, 3))),
        ({"weight": _positive(3), "pos_weight": _positive(3)}, lambda: (3 * _normal(4, 3), _binary(4, 3))),
    ],
    "MarginRankingLoss": [
        ({}, lambda: (_normal(5), _normal(5), _sign(5))),
        ({"margin": 0.5}, lambda: (_normal(5), _normal(5), _sign(5))),
    ],
    "HingeEmbeddingLoss": [
        ({}, lambda: (_normal(4, 3), _sign(4, 3))),
        ({"margin": 2.0}, lambda: (_normal(4, 3), _sign(4, 3))),
    ],
    "MultiLabelMarginLoss": [({}, lambda: (_normal(3, 4), torch.tensor([[3, 0, -1, 1], [1, 2, 3, 0], [2, -1, 0, 0]])))],
    "MultiLabelSoftMarginLoss": [
        ({}, lambda: (_normal(4, 5), _binary(4, 5))),
        ({"weight": _positive(5)}, lambda: (_normal(4, 5), _binary(4, 5))),
    ],
    "CosineEmbeddingLoss": [
        ({}, lambda: (_normal(4, 5), _normal(4, 5), _sign(4))),
        ({"margin": 0.3}, lambda: (_normal(4, 5), _normal(4, 5), _sign(4))),
    ],
    "MultiMarginLoss": [
        ({}, lambda: (_normal(4, 5), _classes(5, 4))),
        ({"p": 2, "margin": 0.5, "weight": _positive(5)}, lambda: (_normal(4, 5), _classes(5, 4))),
    ],
    "TripletMarginLoss": [
        ({}, lambda: (_normal(4, 5), _normal(4, 5), _normal(4, 5))),
        ({"margin": 0.5, "p": 1.0, "swap": True}, lambda: (_normal(4, 5), _normal(4, 5), _normal(4, 5))),
    ],
    "TripletMarginWithDistanceLoss": [
        ({}, lambda: (_normal(4, 5), _normal(4, 5), _normal(4, 5))),
        (
            {"distance_function": nn.PairwiseDistance(p=1.0), "margin": 2.0, "swap": True},
            lambda: (_normal(4, 5), _normal(4, 5), _normal(4, 5)),
        ),
    ],
    "CTCLoss": [({}, lambda: _ctc_inputs(1)), ({"blank": 3, "zero_infinity": True}, lambda: _ctc_inputs(0))],
}


def _parity_cases():
    assert set(CASES) == set(NAMES)
    return [
        pytest.param(name, kwargs, make, reduction, id=f"{name}-{i}-{reduction}")
        for name, cases in CASES.items()
        for i, (kwargs, make) in enumerate(cases)
        for reduction in SPEC[name].reductions
    ]


def _differentiable(name):
    """The tensors ``forward`` is differentiated with respect to: the predictions, not the targets or lengths."""
    return [i for i, t in enumerate(SPEC[name].tensors) if not (t.startswith("target") or t.endswith("lengths"))]


@pytest.mark.parametrize(("name", "kwargs", "make", "reduction"), _parity_cases())
def test_value_and_gradient_equal_torch_nn(name, kwargs, make, reduction):
    GEN.manual_seed(3)
    tensors = make()
    results = []
    for cls in (getattr(LT, name), getattr(nn, name)):
        inputs = [t.detach().clone() for t in tensors]
        for i in _differentiable(name):
            inputs[i].requires_grad_()
        with warnings.catch_warnings():
            # torch warns that KLDivLoss's "mean" is not the KL divergence ("batchmean" is): not the subject here
            warnings.filterwarnings("ignore", message="reduction: 'mean' divides the total loss", category=UserWarning)
            # CTC: through the log_softmax that makes log_probs, as it is used. torch's kernel returns the
            # logits' gradient as if it were log_probs'; losslab's is exact for log_probs (tests/functional).
            given = [torch.log_softmax(inputs[0], dim=-1), *inputs[1:]] if name == "CTCLoss" else inputs
            value = cls(reduction=reduction, **kwargs)(*given)
        grads = torch.autograd.grad(value.sum(), [inputs[i] for i in _differentiable(name)])
        results.append((value, grads))
    (value, grads), (expected, expected_grads) = results
    torch.testing.assert_close(value, expected, rtol=1e-6, atol=1e-12)
    for grad, expected_grad in zip(grads, expected_grads, strict=True):
        torch.testing.assert_close(grad, expected_grad, rtol=1e-6, atol=1e-12)
