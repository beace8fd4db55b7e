r"""Torch modules of the catalogue's losses, generated from their cards.

One module per card, with the catalogue's semantics, unless torch.nn has a module of that name
(then the name is torch's module: ``Huber`` -> ``HuberLoss``, ``CTC`` -> ``CTCLoss``). Its name is
the catalogue class name with ``Loss`` appended (``Dice`` -> ``DiceLoss``); its constructor takes the catalogue class's
hyperparameters with their defaults, then a keyword-only ``reduction``; ``forward(input, target)``
computes ``card.function(target, input, **hyperparameters)``, the per-sample losses, and reduces them
as torch does.

**The class axis is 1.** For losses with a class (or label) axis — cards with the fact
``"class_axis"`` or ``"sparse"``, functions whose ``axis`` argument (default -1) is that axis, and
:func:`~losslab.generalized_dice` — axis 1 of ``input``, and of a ``target`` of the same rank, is
moved last before the call, so ``(N, C, d1, ...)`` inputs work as in torch (integer targets
``(N, d1, ...)`` stay as they are). That ``axis`` is then no constructor argument. The overlap losses
(Dice, Tversky, Jaccard, focal Tversky) have no class axis: their ``axis`` argument names the summed
axes of the tensors as given (``axis=(2, 3)`` gives one loss per sample and class of ``(N, C, H, W)``).
With ``mode`` set (``"binary"``, ``"multiclass"``, ``"multilabel"``, segmentation_models_pytorch's modes)
they have one: axis 1 is moved last, so ``DiceLoss(mode="multiclass", from_logits=True)`` takes ``(N, C, H, W)``
scores and ``(N, H, W)`` labels as segmentation_models_pytorch's ``DiceLoss("multiclass")`` does (which
takes logits by default; losslab's ``from_logits`` defaults to False).
"""

from __future__ import annotations

import inspect
import math
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from losslab._backend import array_namespace
from losslab.functional._reduction import REDUCTIONS, reduce
from losslab.losses._card import Card, card, cards
from losslab.losses._validation import check_hyperparameters
from losslab.torch._base import bind, changed_options, check_reduction, describe, signed, store, with_self
from losslab.torch._nn import TORCH_LOSSES

_CLASS_FORM_ONLY = frozenset({"self", "reduction", "name", "dtype", "multioutput"})
"""Arguments of a catalogue class that are not hyperparameters of the loss (``multioutput``'s per-output values
are no scalar training loss: the modules leave it out)."""

_CLASSES_LAST_WITHOUT_FACT = frozenset({"generalized_dice", "soft_bce_with_logits"})
"""Losses whose ``y_pred`` holds classes last although their card declares neither ``class_axis`` nor ``sparse``."""

TORCH_STYLE_ALIASES = {"binary_focal_crossentropy": ("FocalLoss",)}
"""Extra module names that torch users expect, by card."""


def module_name(class_name: str) -> str:
    """The module name of a catalogue class (or class alias): the name with ``Loss`` appended if it has none."""
    return class_name if class_name.endswith("Loss") else f"{class_name}Loss"


def has_class_axis(loss: Card) -> bool:
    """Whether the loss has a class axis, which torch's convention puts at 1 (see the module docstring)."""
    axis = inspect.signature(loss.function).parameters.get("axis")
    return (
        bool(loss.facts & {"class_axis", "sparse"})
        or loss.name in _CLASSES_LAST_WITHOUT_FACT
        or (axis is not None and axis.default == -1)
    )


def _classes_last(input: Any, target: Any) -> tuple[Any, Any]:
    """Move axis 1 of ``input``, and of a ``target`` of the same rank, to the end (a no-op below rank 3)."""
    if input.ndim > 2:
        if target.ndim == input.ndim:
            target = torch.movedim(target, 1, -1)
        input = torch.movedim(input, 1, -1)
    return input, target


class CatalogueLoss(nn.Module):
    """Base of the catalogue modules: hyperparameters checked and stored, ``forward(input, target)``."""

    card: ClassVar[Card]
    hyperparameter_names: ClassVar[tuple[str, ...]]
    classes_last: ClassVar[bool]
    _init_signature: ClassVar[inspect.Signature]
    reduction: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        name = type(self).__name__
        options = bind(self._init_signature, name, (self, *args), kwargs)
        self.reduction = check_reduction(options["reduction"], name, REDUCTIONS)
        check_hyperparameters(name, self.card.params, options)  # the card's domains, as the catalogue's classes
        for key in self.hyperparameter_names:
            store(self, key, options[key])

    def hyperparameters(self) -> dict[str, Any]:
        """The keyword arguments passed to the catalogue function on each call."""
        return {key: getattr(self, key) for key in self.hyperparameter_names}

    def forward(self, input: Any, target: Any) -> Any:
        """The catalogue loss of ``(target, input)``, reduced by ``reduction``."""
        reduction = check_reduction(self.reduction, type(self).__name__, REDUCTIONS)
        if self.classes_last or getattr(self, "mode", None) is not None:
            input, target = _classes_last(input, target)
        kwargs = self.hyperparameters()
        loss = self.card
        if reduction == "mean" and loss.plain_mean is not None and input.numel() > 0:
            return loss.plain_mean(target, input, array_namespace(input), plain_mean=True, **kwargs)
        values = loss.function(target, input, **kwargs)
        return reduce(values, reduction, array_namespace(values))

    def extra_repr(self) -> str:
        return changed_options(self, self._init_signature)


def _hyperparameters(loss: Card) -> list[inspect.Parameter]:
    """The catalogue class's hyperparameters, checked against its function (without a class ``axis``)."""
    drop = _CLASS_FORM_ONLY | ({"axis"} if has_class_axis(loss) else set())
    parameters = [p for name, p in inspect.signature(loss.cls).parameters.items() if name not in drop]
    accepted = inspect.signature(loss.function).parameters
    unknown = [p.name for p in parameters if p.name not in accepted]
    if unknown:
        msg = f"{loss.cls.__name__} takes {unknown}, which {loss.name} does not: a module cannot forward them"
        raise TypeError(msg)
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return [p.replace(kind=positional, annotation=inspect.Parameter.empty) for p in parameters]


def _docstring(loss: Card, name: str, signature: inspect.Signature) -> str:
    moved = (
        "axis 1 of ``input`` (and of a ``target`` of the same rank) is moved last before the call, so "
        "``(N, C, d1, ...)`` inputs work."
    )
    if has_class_axis(loss):
        layout = f"The class axis is 1: {moved}"
    elif "mode" in inspect.signature(loss.function).parameters:
        layout = f"The tensors are passed as given; with ``mode`` set, the class axis is 1: {moved}"
    else:
        layout = "The tensors are passed as given."
    return (
        f"The catalogue's :func:`losslab.{loss.name}` as a torch module "
        f"(class form :class:`losslab.{loss.cls.__name__}`).\n\n"
        f"``forward(input, target)`` takes torch's order, the prediction first, and returns "
        f"``losslab.{loss.name}(target, input, **hyperparameters)``, the per-sample losses, reduced by "
        f"``reduction``: ``'mean'`` (the default), ``'sum'``, or ``'none'`` (the per-sample losses themselves). "
        f"{layout}\n\n"
        f"Constructor: ``{name}{describe(signature)}``; the hyperparameters and their defaults are "
        f":class:`losslab.{loss.cls.__name__}`'s. Tensor arguments are kept as buffers.\n"
    )


def make_class(loss: Card) -> type[CatalogueLoss]:
    """The ``nn.Module`` class of one catalogue card."""
    name = module_name(loss.cls.__name__)
    hyperparameters = _hyperparameters(loss)
    reduction = inspect.Parameter("reduction", inspect.Parameter.KEYWORD_ONLY, default="mean")
    signature = with_self([*hyperparameters, reduction])
    namespace = {
        "card": loss,
        "hyperparameter_names": tuple(p.name for p in hyperparameters),
        "classes_last": has_class_axis(loss),
        "_init_signature": signature,
        "__init__": signed(CatalogueLoss.__init__, signature, f"{name}.__init__"),
        "__doc__": _docstring(loss, name, signature),
        "__module__": "losslab.torch",
        "__qualname__": name,
    }
    return type(name, (CatalogueLoss,), namespace)


# ---------------------------------------------------------------- Barron's adaptive loss

_LEARNABLE = {False: (), True: ("alpha", "scale"), "alpha": ("alpha",), "scale": ("scale",)}


def _as_float_tensor(value: Any, name: str) -> torch.Tensor:
    tensor = value.detach().clone() if isinstance(value, torch.Tensor) else torch.as_tensor(value)
    if not torch.is_floating_point(tensor):
        tensor = tensor.to(torch.get_default_dtype())
    if not bool(torch.isfinite(tensor).all()):
        msg = f"BarronLoss: a learnable {name} must start at finite values; got {name}={value!r}"
        raise ValueError(msg)
    return tensor


def _check_alpha_range(alpha_range: Any) -> tuple[float, float]:
    try:
        low, high = (float(bound) for bound in alpha_range)
    except (TypeError, ValueError):
        low = high = math.nan
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        msg = f"BarronLoss: alpha_range must be two finite numbers (low, high) with low < high; got {alpha_range!r}"
        raise ValueError(msg)
    return low, high


class BarronLoss(CatalogueLoss):
    r"""The catalogue's :func:`losslab.barron` (:class:`losslab.Barron`) as a torch module; it can learn its shape.

    ``forward(input, target)`` (torch's order) returns ``losslab.barron(target, input, alpha=..., scale=...)``,
    the per-sample losses (the mean over the last axis), reduced by ``reduction``.

    **Learned shape and scale.** With ``learnable=True`` (or ``"alpha"``, ``"scale"``) the chosen
    values become ``nn.Parameter``\ s that an optimizer trains with the model, through a
    reparametrisation that keeps them valid whatever the step:

    .. math:: \alpha = a_0 + (a_1 - a_0)\,\sigma(r_\alpha), \qquad c = c_0 + \operatorname{softplus}(r_c)

    with ``alpha_range = (a0, a1)`` (Barron's ``(0.001, 1.999)`` by default) and ``min_scale = c0``.
    The parameters are ``raw_alpha`` and ``raw_scale`` (:math:`r_\alpha`, :math:`r_c`), started so that
    ``alpha`` and ``scale`` equal the given values, which must lie inside ``alpha_range`` and above
    ``min_scale``; ``loss.alpha`` and ``loss.scale`` read the current values. A float gives one learned
    value, a 1-D sequence or tensor one per output (shape ``(d,)``).

    The loss alone decreases as ``alpha`` falls and ``scale`` grows, so minimising it drives them to
    ``a0`` and upwards. Barron learns them by minimising the negative log-likelihood
    :math:`\rho + \log c + \log Z(\alpha)`: :class:`BarronNLLLoss`, or fit them on another objective
    (e.g. a validation loss).

    Parameters
    ----------
    alpha : float, sequence or tensor, default 1.0
        The shape (any real, or ``-inf`` / ``inf``, when fixed).
    scale : float, sequence or tensor, default 1.0
        The scale :math:`c > 0`.
    learnable : bool or {"alpha", "scale"}, default False
        Which of them to learn.
    alpha_range : (float, float), default (0.001, 1.999)
        The open interval a learned ``alpha`` stays in.
    min_scale : float, default 1e-5
        The lower bound of a learned ``scale``.
    reduction : {"mean", "sum", "none"}, default "mean"

    Examples
    --------
    >>> import torch
    >>> loss = BarronLoss(alpha=1.0, scale=0.5, learnable=True)
    >>> sorted(name for name, _ in loss.named_parameters())
    ['raw_alpha', 'raw_scale']
    >>> round(loss.alpha.item(), 6), round(loss.scale.item(), 6)
    (1.0, 0.5)
    >>> value = loss(torch.tensor([[1.0, 2.0]]), torch.tensor([[1.0, 1.5]]))
    >>> round(value.item(), 6)  # (0 + (sqrt(1 + 1) - 1)) / 2
    0.207107
    """

    card = card("barron")
    hyperparameter_names = ("alpha", "scale")
    classes_last = False

    def __init__(
        self,
        alpha: Any = 1.0,
        scale: Any = 1.0,
        *,
        learnable: bool | str = False,
        alpha_range: tuple[float, float] = (0.001, 1.999),
        min_scale: float = 1e-5,
        reduction: str = "mean",
    ) -> None:
        nn.Module.__init__(self)
        self.reduction = check_reduction(reduction, type(self).__name__, REDUCTIONS)
        if not isinstance(learnable, (bool, str)) or learnable not in _LEARNABLE:
            msg = f"{type(self).__name__}: learnable must be False, True, 'alpha' or 'scale'; got {learnable!r}"
            raise ValueError(msg)
        self.learnable = learnable
        self.alpha_range = _check_alpha_range(alpha_range)
        if isinstance(min_scale, bool) or not (isinstance(min_scale, (int, float)) and 0 <= min_scale < math.inf):
            msg = f"{type(self).__name__}: min_scale must be a finite number >= 0; got {min_scale!r}"
            raise ValueError(msg)
        self.min_scale = float(min_scale)
        learned = _LEARNABLE[learnable]
        if "alpha" in learned:
            self.raw_alpha = nn.Parameter(self._raw_alpha(alpha))
        else:
            store(self, "alpha", alpha)
        if "scale" in learned:
            self.raw_scale = nn.Parameter(self._raw_scale(scale))
        else:
            store(self, "scale", scale)

    def _raw_alpha(self, alpha: Any) -> torch.Tensor:
        low, high = self.alpha_range
        value = _as_float_tensor(alpha, "alpha")
        if not bool(((value > low) & (value < high)).all()):
            msg = (
                f"{type(self).__name__}: a learned alpha must start inside alpha_range {self.alpha_range}; "
                f"got alpha={alpha!r}. Pass alpha_range=(low, high) around it."
            )
            raise ValueError(msg)
        return torch.logit((value - low) / (high - low))

    def _raw_scale(self, scale: Any) -> torch.Tensor:
        excess = _as_float_tensor(scale, "scale") - self.min_scale
        if not bool((excess > 0).all()):
            msg = (
                f"{type(self).__name__}: a learned scale must start above min_scale={self.min_scale}; "
                f"got scale={scale!r}"
            )
            raise ValueError(msg)
        return excess + torch.log(-torch.expm1(-excess))  # the inverse of softplus, without overflow

    def __getattr__(self, name: str) -> Any:
        parameters = self.__dict__.get("_parameters", {})
        if name == "alpha" and "raw_alpha" in parameters:
            low, high = self.alpha_range
            return low + (high - low) * torch.sigmoid(parameters["raw_alpha"])
        if name == "scale" and "raw_scale" in parameters:
            return self.min_scale + F.softplus(parameters["raw_scale"])
        return super().__getattr__(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("alpha", "scale") and f"raw_{name}" in self.__dict__.get("_parameters", {}):
            msg = f"{type(self).__name__}: {name} is learned through raw_{name}; update raw_{name}, or build a new loss"
            raise AttributeError(msg)
        super().__setattr__(name, value)

    def extra_repr(self) -> str:
        learned = _LEARNABLE[self.learnable]
        parts = [f"{key}={getattr(self, key)!r}" for key in ("alpha", "scale") if key not in learned]
        if learned:
            parts += [f"learnable={self.learnable!r}", f"alpha_range={self.alpha_range!r}"]
            parts.append(f"min_scale={self.min_scale!r}")
        if self.reduction != "mean":
            parts.append(f"reduction={self.reduction!r}")
        return ", ".join(parts)


BarronLoss._init_signature = inspect.signature(BarronLoss.__init__)


class BarronNLLLoss(BarronLoss):
    r"""The catalogue's :func:`losslab.barron_nll` (:class:`losslab.BarronNLL`) as a torch module; it can learn.

    ``forward(input, target)`` returns ``losslab.barron_nll(target, input, alpha=..., scale=...)``: Barron's
    :math:`\rho + \log c + \log Z(\alpha)`, the negative log-likelihood whose minimum over ``alpha`` and
    ``scale`` is no longer at their bounds, so ``learnable=True`` trains them with the model. Arguments as in
    :class:`BarronLoss`; ``alpha_range`` must lie within :math:`[0, 4]`, where :math:`Z` is tabulated.

    Examples
    --------
    >>> import torch
    >>> loss = BarronNLLLoss(alpha=1.0, scale=1.0, learnable=True)
    >>> value = loss(torch.zeros(1, 1), torch.zeros(1, 1))
    >>> round(value.item(), 5)  # log Z(1) = log(2 e K_1(1))
    1.1855
    >>> value.backward()
    >>> loss.raw_alpha.grad is not None and loss.raw_scale.grad is not None
    True
    """

    card = card("barron_nll")

    def __init__(
        self,
        alpha: Any = 1.0,
        scale: Any = 1.0,
        *,
        learnable: bool | str = False,
        alpha_range: tuple[float, float] = (0.001, 1.999),
        min_scale: float = 1e-5,
        reduction: str = "mean",
    ) -> None:
        low, high = _check_alpha_range(alpha_range)
        if low < 0 or high > 4:
            msg = f"BarronNLLLoss: alpha_range must lie within [0, 4], where log Z is tabulated; got {alpha_range!r}"
            raise ValueError(msg)
        super().__init__(
            alpha,
            scale,
            learnable=learnable,
            alpha_range=alpha_range,
            min_scale=min_scale,
            reduction=reduction,
        )


BarronNLLLoss._init_signature = inspect.signature(BarronNLLLoss.__init__)

_HAND_WRITTEN: dict[str, type[CatalogueLoss]] = {"barron": BarronLoss, "barron_nll": BarronNLLLoss}

CATALOGUE_LOSSES: dict[str, type[CatalogueLoss]] = {
    loss.name: _HAND_WRITTEN.get(loss.name) or make_class(loss)
    for loss in cards()
    if module_name(loss.cls.__name__) not in TORCH_LOSSES
}
"""A module class for every card whose module name is not torch.nn's, by the card's name.

The catalogue's semantics, also where torch.nn has a loss of the same maths under another name
(``CategoricalCrossentropyLoss`` takes probabilities unless ``from_logits=True``; torch's
``CrossEntropyLoss`` takes logits). A card whose module name is torch's (``Huber`` -> ``HuberLoss``,
``CTC`` -> ``CTCLoss``) is torch's module."""
