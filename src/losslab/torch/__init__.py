"""Every losslab loss as a ``torch.nn.Module``, with torch's conventions.

**forward takes (input, target)**: torch's order, the prediction first (the catalogue's functions
take ``(y_true, y_pred)``; the modules swap them). **The class axis is 1**, as in torch:
``(N, C)`` or ``(N, C, d1, ...)`` scores, with integer class targets ``(N,)`` or ``(N, d1, ...)``.
``reduction`` is torch's: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

Two kinds of modules, generated from tables rather than written one by one:

- **torch.nn's 21 losses** (``CrossEntropyLoss``, ``CTCLoss``...): torch's class names, constructor
  arguments and defaults (without the deprecated ``size_average`` and ``reduce``; the options torch
  places after them are keyword-only), ``forward`` tensors, and ``weight`` / ``pos_weight`` buffers.
  Each ``forward`` calls the function of the same name in :mod:`losslab.functional`, also available
  as :mod:`losslab.torch.functional` (``import losslab.torch.functional as LF`` mirrors
  ``torch.nn.functional as F``).
- **every catalogue loss**, one per card, with the catalogue's semantics: the catalogue class name with ``Loss``
  appended (``Dice`` -> ``DiceLoss``, ``BinaryFocalCrossentropy`` -> ``BinaryFocalCrossentropyLoss``),
  class aliases the same way (``SoftIoU`` -> ``SoftIoULoss``; ``QuantileLoss`` stays), and
  ``FocalLoss`` for binary focal cross-entropy (probabilities by default, as in Keras: pass
  ``from_logits=True`` for logits; with ``mode="binary"``, ``"multiclass"`` or ``"multilabel"`` it is
  segmentation_models_pytorch's ``FocalLoss(mode)`` on ``(N, C, H, W)`` scores). The constructor takes
  the catalogue class's hyperparameters and a keyword-only ``reduction``; ``forward(input, target)``
  reduces the catalogue function's per-sample losses (so ``reduction="none"`` gives one value per sample,
  e.g. the mean over the last axis of an element-wise loss). For losses with a class axis, axis 1 is
  moved last before the call.
  :class:`BarronLoss` can learn its ``alpha`` and ``scale``; :class:`BarronNLLLoss`, Barron's negative
  log-likelihood, is the objective that learns them.

:func:`get` returns a module for a torch name (``"CrossEntropyLoss"``) or any catalogue name
(``"dice"``, ``"Dice"``, ``"DiceLoss"``, ``"mse"``). A catalogue name gives the catalogue's module
(``"categorical_crossentropy"`` -> ``CategoricalCrossentropyLoss``, probabilities unless
``from_logits=True``; torch's ``"CrossEntropyLoss"`` takes logits), except where that module's
name is torch's: ``"huber"`` -> ``HuberLoss``, ``"smooth_l1"`` -> ``SmoothL1Loss``, ``"ctc"`` -> ``CTCLoss``.

This package imports torch; ``import losslab`` does not import it.

Examples
--------
>>> import torch
>>> from losslab.torch import DiceLoss
>>> target = torch.tensor([[[[1.0, 1.0], [0.0, 0.0]]]])  # (N, C, H, W) = (1, 1, 2, 2)
>>> input = torch.tensor([[[[1.0, 0.5], [0.5, 0.0]]]])
>>> DiceLoss()(input, target)  # 1 - 2 * 1.5 / (2 + 2)
tensor(0.2500)
>>> get("dice")
DiceLoss()
"""

from __future__ import annotations

import difflib
import inspect
from typing import Any

from torch import nn

from losslab.losses._card import cards
from losslab.torch import functional as functional
from losslab.torch._catalogue import CATALOGUE_LOSSES, TORCH_STYLE_ALIASES, module_name
from losslab.torch._catalogue import BarronLoss as BarronLoss
from losslab.torch._catalogue import BarronNLLLoss as BarronNLLLoss
from losslab.torch._nn import TORCH_LOSSES


def _exported() -> dict[str, type[nn.Module]]:
    """The module classes by their public names: torch's, the catalogue's, and their aliases."""
    exported: dict[str, type[nn.Module]] = dict(TORCH_LOSSES)
    for name, cls in CATALOGUE_LOSSES.items():
        loss = cls.card
        for alias in (cls.__name__, *map(module_name, loss.class_aliases), *TORCH_STYLE_ALIASES.get(name, ())):
            if alias not in TORCH_LOSSES:  # torch's own name is torch's module (MultiLabelSoftMarginLoss)
                _add(exported, alias, cls)
    return exported


def _add(table: dict[str, type[nn.Module]], name: str, cls: type[nn.Module]) -> None:
    existing = table.setdefault(name, cls)
    if existing is not cls:
        msg = f"losslab.torch: the name {name!r} is claimed by both {existing.__name__} and {cls.__name__}"
        raise RuntimeError(msg)


def _by_name(exported: dict[str, type[nn.Module]]) -> dict[str, type[nn.Module]]:
    """Every name :func:`get` accepts: the public names plus each card's names and aliases."""
    table = dict(exported)
    for loss in cards():
        cls = CATALOGUE_LOSSES.get(loss.name) or TORCH_LOSSES[module_name(loss.cls.__name__)]
        for name in (loss.name, loss.cls.__name__, *loss.aliases, *loss.class_aliases):
            if name not in TORCH_LOSSES:
                _add(table, name, cls)
    return table


_EXPORTED = _exported()
_BY_NAME = _by_name(_EXPORTED)
globals().update(_EXPORTED)

__all__ = sorted({"functional", "get", "names", *_EXPORTED})  # noqa: PLE0605 - built from the tables


def names() -> list[str]:
    """Every name :func:`get` accepts, sorted."""
    return sorted(_BY_NAME)


def _close_names(name: str, pool: Any) -> str:
    close = difflib.get_close_matches(name, pool, n=5, cutoff=0.6)
    lowered = {key.lower(): key for key in pool}
    if name.lower() in lowered and lowered[name.lower()] not in close:
        close.insert(0, lowered[name.lower()])
    return f" Did you mean {', '.join(map(repr, close))}?" if close else ""


def get(identifier: Any, **kwargs: Any) -> nn.Module:
    """A loss module from a name: torch's class name or any catalogue name or alias.

    Parameters
    ----------
    identifier : str, nn.Module class or nn.Module
        ``"CrossEntropyLoss"``, ``"dice"``, ``"Dice"``, ``"DiceLoss"``, ``"mse"``...; a module class
        is instantiated, a module instance returned as it is.
    **kwargs
        Constructor arguments (``get("CrossEntropyLoss", label_smoothing=0.1)``).

    Returns
    -------
    nn.Module

    Examples
    --------
    >>> from losslab.torch import get
    >>> get("CrossEntropyLoss", label_smoothing=0.1)
    CrossEntropyLoss(label_smoothing=0.1)
    >>> type(get("Tversky", alpha=0.7)).__name__
    'TverskyLoss'
    """
    if isinstance(identifier, nn.Module):
        if kwargs:
            msg = f"losslab.torch.get: arguments {sorted(kwargs)} cannot configure an existing module {identifier!r}"
            raise TypeError(msg)
        return identifier
    if inspect.isclass(identifier) and issubclass(identifier, nn.Module):
        return identifier(**kwargs)
    if not isinstance(identifier, str):
        msg = f"losslab.torch.get: pass a loss name or an nn.Module; got {type(identifier).__name__}"
        raise TypeError(msg)
    cls = _BY_NAME.get(identifier)
    if cls is None:
        msg = (
            f"losslab.torch.get: unknown loss name {identifier!r}.{_close_names(identifier, _BY_NAME)} "
            "losslab.torch.names() lists every name."
        )
        raise ValueError(msg)
    return cls(**kwargs)


def __getattr__(name: str) -> Any:
    """Unknown attributes: an ``AttributeError`` that names close module names."""
    msg = f"module 'losslab.torch' has no attribute {name!r}.{_close_names(name, __all__)}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
