"""The catalogue's torch modules: one per card, equal to the catalogue function with the class axis at 1."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

from losslab.losses._card import cards
from tests.losses._registry import CASES, case_id

torch = pytest.importorskip("torch")
nn = torch.nn

import losslab.torch as LT  # noqa: E402
from losslab.torch._catalogue import CATALOGUE_LOSSES, module_name  # noqa: E402
from losslab.torch._nn import TORCH_LOSSES  # noqa: E402

REDUCTIONS = ("mean", "sum", "none")
REQUIRED = {"class_weight": [0.5, 2.0, 1.0]}
"""Values for constructor arguments without a default."""


def _construct(cls, **kwargs):
    required = {
        name: REQUIRED[name]
        for name, p in inspect.signature(cls).parameters.items()
        if p.default is inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD and name not in kwargs
    }
    return cls(**required, **kwargs)


# ---------------------------------------------------------------- one module per card


def test_every_card_has_a_module_named_by_the_rule():
    for loss in cards():
        if module_name(loss.cls.__name__) in TORCH_LOSSES:  # HuberLoss, CTCLoss: torch's name is torch's module
            assert loss.name not in CATALOGUE_LOSSES
            continue
        cls = CATALOGUE_LOSSES[loss.name]
        assert issubclass(cls, nn.Module)
        assert cls.__name__ == loss.cls.__name__ + "Loss"
        assert getattr(LT, cls.__name__) is cls and cls.__module__.startswith("losslab.torch")
        assert f"losslab.{loss.name}" in cls.__doc__ and f"losslab.{loss.cls.__name__}" in cls.__doc__
        for alias in loss.class_aliases:
            if module_name(alias) not in TORCH_LOSSES:
                assert getattr(LT, module_name(alias)) is cls
    assert LT.DiceLoss.card.name == "dice" and LT.FocalLoss is LT.BinaryFocalCrossentropyLoss
    assert module_name("QuantileLoss") == "QuantileLoss" and LT.QuantileLoss is LT.PinballLoss


@pytest.mark.parametrize("name", sorted(CATALOGUE_LOSSES))
def test_the_constructor_takes_the_catalogue_hyperparameters_and_a_keyword_reduction(name):
    cls = CATALOGUE_LOSSES[name]
    ours = inspect.signature(cls).parameters
    theirs = inspect.signature(cls.card.cls).parameters
    assert ours["reduction"].kind is inspect.Parameter.KEYWORD_ONLY and ours["reduction"].default == "mean"
    class_axis = cls.classes_last
    shared = {"reduction", "name", "dtype", "multioutput"}
    expected = [k for k in theirs if k not in shared and not (class_axis and k == "axis")]
    if cls in (LT.BarronLoss, LT.BarronNLLLoss):
        expected += ["learnable", "alpha_range", "min_scale"]
    assert [k for k in ours if k != "reduction"] == expected
    for key in expected:
        if key in theirs:
            assert ours[key].default == theirs[key].default, key


@pytest.mark.parametrize("name", sorted(CATALOGUE_LOSSES))
def test_a_bad_reduction_is_refused_with_the_choices(name):
    cls = CATALOGUE_LOSSES[name]
    with pytest.raises(ValueError, match=rf"{cls.__name__}: reduction must be one of \['mean', 'sum', 'none'\]"):
        _construct(cls, reduction="sum_over_batch_size")
    loss = _construct(cls)
    loss.reduction = "avg"  # changed after construction: refused at the call
    with pytest.raises(ValueError, match="got 'avg'"):
        loss(torch.zeros(2, 3), torch.zeros(2, 3))


def test_constructor_errors_name_the_module():
    with pytest.raises(TypeError, match="ClassWeightedCrossentropyLoss: missing a required argument: 'class_weight'"):
        LT.ClassWeightedCrossentropyLoss()
    with pytest.raises(TypeError, match="DiceLoss: got an unexpected keyword argument 'smoothing'"):
        LT.DiceLoss(smoothing=1.0)
    with pytest.raises(TypeError, match="size_average and reduce are not accepted"):
        LT.PinballLoss(size_average=True)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: LT.BinaryFocalCrossentropyLoss(gamma=-1.0), r"gamma must be a float in \[0, inf\); got gamma=-1.0"),
        (lambda: LT.BinaryFocalCrossentropyLoss(from_logits="false"), "from_logits must be a bool"),
        (lambda: LT.TverskyLoss(alpha="0.3"), "alpha must be"),
    ],
)
def test_hyperparameters_outside_the_card_domain_are_refused_when_built(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# ---------------------------------------------------------------- the catalogue is the oracle


def _oracle_cases():
    cases = [
        (case_id(case), case.name, case.make, shape, kwargs)
        for case in CASES
        if case.name in CATALOGUE_LOSSES
        for shape in case.shapes[:2]  # (batch, d) and (batch, ..., C): the layouts that differ
        for kwargs in case.kwargs
        if not (CATALOGUE_LOSSES[case.name].classes_last and "axis" in kwargs)  # the class axis is fixed at 1
    ]

    def quantiles(rng, shape):
        return rng.normal(size=(*shape[:-1], 1)), rng.normal(size=shape)

    cases += [("multi_quantile", "multi_quantile", quantiles, shape, {}) for shape in ((6, 3), (4, 2, 3))]
    cases += [("multi_quantile", "multi_quantile", quantiles, (5, 2), {"quantiles": (0.2, 0.8)})]
    assert {name for _, name, *_ in cases} == set(CATALOGUE_LOSSES)  # every module is checked
    ids = [f"{case}-{'x'.join(map(str, shape))}-{sorted(kwargs.items())}" for case, _, _, shape, kwargs in cases]
    return [pytest.param(*case, id=id_) for case, id_ in zip(cases, ids, strict=True)]


def _torch_layout(module, y_true, y_pred, kwargs):
    """The catalogue's classes-last arrays in torch's layout: the class axis moved to 1 (also with ``mode`` set)."""
    if _moves_classes(module, kwargs) and y_pred.ndim > 2:
        if y_true.ndim == y_pred.ndim:
            y_true = torch.movedim(y_true, -1, 1)
        y_pred = torch.movedim(y_pred, -1, 1)
    return y_true, y_pred


def _moves_classes(module, kwargs):
    return module.classes_last or kwargs.get("mode") is not None


@pytest.mark.parametrize(("case", "name", "make", "shape", "kwargs"), _oracle_cases())
def test_value_and_gradient_equal_the_catalogue_function_with_the_class_axis_moved(case, name, make, shape, kwargs):
    y_true_np, y_pred_np = make(np.random.default_rng(7), shape)
    loss = CATALOGUE_LOSSES[name]
    for reduction in REDUCTIONS:
        y_true = torch.asarray(y_true_np)
        y_pred = torch.asarray(y_pred_np, dtype=torch.float64).requires_grad_()
        expected = loss.card.function(y_true, y_pred, **kwargs)
        expected = {"mean": expected.mean(), "sum": expected.sum(), "none": expected}[reduction]
        (expected_grad,) = torch.autograd.grad(expected.sum(), y_pred)

        target, input = _torch_layout(loss, y_true, y_pred.detach(), kwargs)
        input.requires_grad_()
        value = loss(**kwargs, reduction=reduction)(input, target)
        (grad,) = torch.autograd.grad(value.sum(), input)
        torch.testing.assert_close(value, expected.detach(), rtol=1e-10, atol=1e-12)
        assert bool(torch.isfinite(grad).all())
        moved = _moves_classes(loss, kwargs) and grad.ndim > 2
        grad = torch.movedim(grad, 1, -1) if moved else grad  # the catalogue's layout
        torch.testing.assert_close(grad, expected_grad, rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- formulas worked by hand


def test_dice_on_n_c_h_w_per_sample_and_class_by_hand():
    # one sample, two classes of 2 x 2 pixels
    target = torch.tensor([[[[1.0, 1.0], [0.0, 0.0]], [[0.0, 0.0], [1.0, 0.0]]]])
    input = torch.tensor([[[[1.0, 0.5], [0.5, 0.0]], [[0.0, 0.5], [0.5, 0.5]]]])
    # class 0: 1 - 2 (1 + 0.5) / (2 + 2) = 0.25; class 1: 1 - 2 (0.5) / (1 + 1.5) = 0.6
    per_class = LT.DiceLoss(axis=(2, 3), reduction="none")(input, target)
    assert per_class.shape == (1, 2)
    torch.testing.assert_close(per_class, torch.tensor([[0.25, 0.6]]))
    torch.testing.assert_close(LT.DiceLoss(axis=(2, 3))(input, target), torch.tensor(0.425))
    # whole batch (the catalogue default axis=None): 1 - 2 (1.5 + 0.5) / (3 + 3.5)
    torch.testing.assert_close(LT.DiceLoss()(input, target), torch.tensor(1 - 4 / 6.5))


def test_binary_focal_by_hand_with_labels_on_axis_one():
    # p_t = (0.8, 0.6): mean of (1 - p_t)^2 * -log(p_t) over the labels
    target, input = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.8, 0.4]], dtype=torch.float64)
    by_hand = (0.2**2 * -math.log(0.8) + 0.4**2 * -math.log(0.6)) / 2
    assert float(LT.FocalLoss()(input, target)) == pytest.approx(by_hand, rel=1e-6)
    # (N, C, H, W) = (1, 2, 1, 1): the labels are axis 1, so each pixel averages its two labels
    image = LT.FocalLoss(reduction="none")(input[:, :, None, None], target[:, :, None, None])
    assert image.shape == (1, 1, 1) and float(image[0, 0, 0]) == pytest.approx(by_hand, rel=1e-6)
    logits = torch.log(input / (1 - input))
    assert float(LT.FocalLoss(from_logits=True)(logits, target)) == pytest.approx(by_hand, rel=1e-6)


# ---------------------------------------------------------------- segmentation layouts


def test_segmentation_losses_take_n_c_h_w_inputs():
    g = torch.Generator().manual_seed(0)
    probs = torch.softmax(torch.randn(2, 3, 4, 5, generator=g, dtype=torch.float64), dim=1).requires_grad_()
    labels = torch.randint(0, 3, (2, 4, 5), generator=g)
    one_hot = torch.movedim(nn.functional.one_hot(labels, 3), -1, 1).double()
    for loss, target in [
        (LT.DiceLoss(axis=(2, 3), reduction="none"), one_hot),
        (LT.TverskyLoss(0.7, 0.3, axis=(2, 3), reduction="none"), one_hot),
        (LT.JaccardLoss(axis=(2, 3), reduction="none"), one_hot),
        (LT.FocalTverskyLoss(axis=(2, 3), reduction="none"), one_hot),
    ]:
        assert loss(probs, target).shape == (2, 3)
    gdl = LT.GeneralizedDiceLoss(reduction="none")
    torch.testing.assert_close(gdl(probs, one_hot), gdl(probs, labels))  # one-hot (N, C, H, W) or labels (N, H, W)
    assert gdl(probs, labels).shape == (2,)
    assert LT.LovaszSoftmaxLoss(per_image=True, reduction="none")(probs, labels).shape == (2,)
    assert LT.LovaszHingeLoss(reduction="none")(probs[:, 0], (labels == 0).double()).shape == (2,)
    value = LT.CategoricalFocalCrossentropyLoss(reduction="none")(probs, one_hot)
    assert value.shape == (2, 4, 5)
    value.sum().backward()
    assert probs.grad is not None and bool(torch.isfinite(probs.grad).all())


# ---------------------------------------------------------------- buffers, parents, dtypes


class _Model(nn.Module):
    def __init__(self, loss: nn.Module) -> None:
        super().__init__()
        self.linear = nn.Linear(3, 3)
        self.loss = loss

    def forward(self, x, y):
        return self.loss(self.linear(x), y)


def test_a_tensor_hyperparameter_is_a_buffer_that_moves_with_its_parent():
    weight = torch.tensor([0.5, 2.0, 1.0])
    model = _Model(LT.ClassWeightedCrossentropyLoss(weight, from_logits=True, sparse=True))
    assert list(model.state_dict()) == ["linear.weight", "linear.bias", "loss.class_weight"]
    model.double()
    assert model.loss.class_weight.dtype == torch.float64 and model.linear.weight.dtype == torch.float64
    x, y = torch.randn(4, 3, dtype=torch.float64), torch.tensor([0, 2, 1, 1])
    value = model(x, y)
    assert value.dtype == torch.float64
    value.backward()
    assert model.linear.weight.grad is not None and bool(torch.isfinite(model.linear.weight.grad).all())
    model.to(torch.float32)
    assert model.loss.class_weight.dtype == torch.float32
    expected = LT.ClassWeightedCrossentropyLoss(weight.tolist(), from_logits=True, sparse=True)(
        model.linear(x.float()), y
    )
    torch.testing.assert_close(model(x.float(), y), expected)


def test_double_converts_a_module_and_its_output():
    loss = LT.CauchyLoss(scale=0.5).double()
    x = torch.randn(3, 2, dtype=torch.float64, requires_grad=True)
    value = loss(x, torch.zeros(3, 2, dtype=torch.float64))
    assert value.dtype == torch.float64
    value.backward()
    assert bool(torch.isfinite(x.grad).all())


def test_repr_shows_the_changed_options():
    assert repr(LT.DiceLoss()) == "DiceLoss()"
    assert repr(LT.TverskyLoss(alpha=0.7, reduction="sum")) == "TverskyLoss(alpha=0.7, reduction='sum')"


# ---------------------------------------------------------------- Barron's learned shape and scale


def test_barron_learns_alpha_and_scale_as_parameters_kept_in_range():
    loss = LT.BarronLoss(alpha=1.5, scale=0.5, learnable=True)
    model = _Model(loss)
    assert sorted(dict(model.named_parameters())) == [
        "linear.bias",
        "linear.weight",
        "loss.raw_alpha",
        "loss.raw_scale",
    ]
    assert {"loss.raw_alpha", "loss.raw_scale"} <= set(model.state_dict())
    assert loss.alpha.item() == pytest.approx(1.5) and loss.scale.item() == pytest.approx(0.5)
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(16, 3, generator=g), torch.randn(16, 3, generator=g)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(5):
        optimizer.zero_grad()
        model(x, y).backward()
        optimizer.step()
    # the loss alone falls with alpha and rises with 1 / scale (see the docstring)
    assert loss.alpha.item() < 1.5 and loss.scale.item() > 0.5
    optimizer = torch.optim.SGD(model.parameters(), lr=1e4)  # huge steps: the reparametrisation keeps alpha valid
    for _ in range(3):
        optimizer.zero_grad()
        model(x, y).backward()
        optimizer.step()
    assert 0.001 <= loss.alpha.item() <= 1.999 and loss.scale.item() >= 1e-5
    assert math.isfinite(model(x, y).item())


def test_barron_value_is_the_catalogue_function_at_the_learned_values():
    loss = LT.BarronLoss(alpha=[0.5, 1.0, 1.9], scale=(1.0, 2.0, 0.5), learnable=True, reduction="none")
    assert loss.raw_alpha.shape == (3,) and loss.raw_scale.shape == (3,)
    x, y = torch.randn(4, 3), torch.randn(4, 3)
    expected = LT.BarronLoss(torch.tensor([0.5, 1.0, 1.9]), torch.tensor([1.0, 2.0, 0.5]), reduction="none")(x, y)
    torch.testing.assert_close(loss(x, y), expected)
    only_alpha = LT.BarronLoss(0.5, scale=2.0, learnable="alpha")
    assert [name for name, _ in only_alpha.named_parameters()] == ["raw_alpha"] and only_alpha.scale == 2.0


def test_barron_fixed_tensors_are_buffers_and_bad_settings_are_refused():
    fixed = LT.BarronLoss(torch.tensor([0.0, 2.0]), 1.0)
    assert list(fixed.state_dict()) == ["alpha"] and list(fixed.parameters()) == []
    assert fixed.double().alpha.dtype == torch.float64
    with pytest.raises(ValueError, match=r"must start inside alpha_range \(0.001, 1.999\); got alpha=2.5"):
        LT.BarronLoss(alpha=2.5, learnable=True)
    LT.BarronLoss(alpha=2.5, learnable=True, alpha_range=(0.0, 3.0))  # a wider range is the fix
    with pytest.raises(ValueError, match="must start above min_scale"):
        LT.BarronLoss(scale=0.0, learnable="scale")
    with pytest.raises(ValueError, match="learnable must be False, True, 'alpha' or 'scale'"):
        LT.BarronLoss(learnable="shape")
    with pytest.raises(ValueError, match="alpha_range must be two finite numbers"):
        LT.BarronLoss(learnable=True, alpha_range=(2.0, 1.0))
    learned = LT.BarronLoss(learnable=True)
    with pytest.raises(AttributeError, match="alpha is learned through raw_alpha"):
        learned.alpha = 1.0
    assert repr(learned) == "BarronLoss(learnable=True, alpha_range=(0.001, 1.999), min_scale=1e-05)"
