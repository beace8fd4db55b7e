"""What the generated torch modules share: checked constructors, tensor options as buffers, reductions, repr."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

_DEPRECATED = frozenset({"size_average", "reduce"})
"""torch's deprecated reduction flags, which losslab does not accept."""


def check_reduction(reduction: Any, loss_name: str, allowed: Sequence[str]) -> str:
    """``reduction`` if it is one of ``allowed``, else a ``ValueError`` that names the choices."""
    if not (isinstance(reduction, str) and reduction in allowed):
        msg = f"{loss_name}: reduction must be one of {list(allowed)}, got {reduction!r}"
        raise ValueError(msg)
    return reduction


def bind(signature: inspect.Signature, loss_name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The arguments of a call bound to ``signature`` (defaults filled in), or a ``TypeError`` naming the loss."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as error:
        hint = ""
        if _DEPRECATED & set(kwargs):
            hint = " torch's deprecated size_average and reduce are not accepted; pass reduction='mean', 'sum', 'none'."
        msg = f"{loss_name}: {error}.{hint}"
        raise TypeError(msg) from None
    bound.apply_defaults()
    return dict(bound.arguments)


def store(module: nn.Module, name: str, value: Any) -> None:
    """Keep a constructor argument on ``module``: a tensor as a buffer, a parameter as a parameter, else as is.

    Buffers follow ``.to()``, ``.double()`` and ``.cuda()`` and are saved in ``state_dict``, as torch's
    ``weight`` of ``CrossEntropyLoss`` is.
    """
    if isinstance(value, torch.Tensor) and not isinstance(value, nn.Parameter):
        module.register_buffer(name, value)
    else:
        setattr(module, name, value)


def signed(method: Callable[..., Any], signature: inspect.Signature, qualname: str) -> Callable[..., Any]:
    """A per-class wrapper of ``method`` that ``inspect.signature`` reports as ``signature`` (``self`` first)."""

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        return method(self, *args, **kwargs)

    wrapper.__signature__ = signature  # type: ignore[attr-defined]
    wrapper.__name__ = method.__name__
    wrapper.__qualname__ = qualname
    wrapper.__doc__ = method.__doc__
    return wrapper


def with_self(parameters: Sequence[inspect.Parameter]) -> inspect.Signature:
    """A method's signature: ``self`` followed by ``parameters``."""
    return inspect.Signature([inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD), *parameters])


def describe(signature: inspect.Signature) -> str:
    """``signature`` as written in a docstring, without ``self``."""
    parameters = [p for name, p in signature.parameters.items() if name != "self"]
    return str(signature.replace(parameters=parameters))


def changed_options(module: nn.Module, signature: inspect.Signature) -> str:
    """``extra_repr``: the plain (non-tensor, non-module) options that differ from their defaults."""
    parts = []
    for name, parameter in signature.parameters.items():
        if name == "self" or name in module._buffers or name in module._parameters or name in module._modules:
            continue
        value = getattr(module, name, parameter.default)
        if isinstance(value, (torch.Tensor, nn.Module)) or callable(value):
            continue
        if parameter.default is inspect.Parameter.empty or value != parameter.default:
            parts.append(f"{name}={value!r}")
    return ", ".join(parts)
