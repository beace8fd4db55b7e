"""Hyperparameter domains, declared on each loss's card and checked when a loss is built.

A card lists its hyperparameters as :class:`Param` entries (``real("delta",
0.0, open_low=True)``); :func:`check_hyperparameters` checks the values a class
is built with against them, once, in ``LossFunctionWrapper.__init__``, and a
config's keys are checked against the class's signature in ``from_config``.
Nothing here runs on the call path.

Python and NumPy scalars are checked; arrays (a value traced by ``jax.jit``, a
learnable torch tensor, a 0-d array) pass through untouched: their values
cannot be read without breaking the trace, and the loss function decides what
it accepts. Every failure is a ``ValueError`` whose message names the loss,
the argument, the value received and the fix.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from losslab._backend import is_array

KINDS = ("bool", "real", "int", "choice", "axes", "reals", "weights")
"""What a hyperparameter holds: a flag, a real number, an integer, one of a few strings, axes, a list of reals,
per-class weights."""


@dataclass(frozen=True)
class Param:
    """The domain of one hyperparameter.

    Parameters
    ----------
    name : str
        The keyword argument.
    kind : str
        One of :data:`KINDS`.
    low, high : float
        The interval of a ``"real"`` or ``"int"`` value, or of every entry of ``"reals"``.
    open_low, open_high : bool
        Whether an end of the interval is excluded.
    allow_inf : bool
        Whether an infinite end of the interval is itself accepted (``p=inf`` for a max-norm).
    optional : bool
        Whether ``None`` is accepted.
    choices : tuple
        The accepted values of a ``"choice"``.
    why : str
        What the hyperparameter is, for the message (``"where the loss turns linear"``).
    """

    name: str
    kind: str
    low: float = -math.inf
    high: float = math.inf
    open_low: bool = False
    open_high: bool = False
    allow_inf: bool = False
    optional: bool = False
    choices: tuple[Any, ...] = ()
    why: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            msg = f"Param {self.name!r}: unknown kind {self.kind!r}; use one of {KINDS}"
            raise ValueError(msg)

    def interval(self) -> str:
        """The interval in mathematical notation, ``(0, inf)`` or ``[0, 1]``."""
        open_low = self.open_low or (math.isinf(self.low) and not self.allow_inf)
        open_high = self.open_high or (math.isinf(self.high) and not self.allow_inf)
        return f"{'(' if open_low else '['}{self.low:g}, {self.high:g}{')' if open_high else ']'}"

    def contains(self, value: float) -> bool:
        """Whether the number ``value`` lies in the interval (NaN never does)."""
        if math.isnan(value) or (math.isinf(value) and not self.allow_inf):
            return False
        above = value > self.low if self.open_low else value >= self.low
        below = value < self.high if self.open_high else value <= self.high
        return above and below


def flag(name: str) -> Param:
    """A boolean hyperparameter (``from_logits``)."""
    return Param(name, "bool")


def real(
    name: str,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    open_low: bool = False,
    open_high: bool = False,
    allow_inf: bool = False,
    optional: bool = False,
    why: str = "",
) -> Param:
    """A real hyperparameter in ``[low, high]`` (ends opened on request; finite unless ``allow_inf``)."""
    return Param(name, "real", low, high, open_low, open_high, allow_inf, optional, why=why)


def integer(name: str, *, optional: bool = False) -> Param:
    """An integer hyperparameter (``axis``; an ``ignore_class`` label with ``optional``)."""
    return Param(name, "int", optional=optional)


def choice(name: str, *choices: Any) -> Param:
    """One of a few values (``classes="present"`` or ``"all"``)."""
    return Param(name, "choice", choices=choices)


def axes(name: str) -> Param:
    """``None``, an int, or a tuple (or list, as JSON gives it back) of ints."""
    return Param(name, "axes", optional=True)


def reals(name: str, low: float, high: float) -> Param:
    """A non-empty sequence of reals, each in ``[low, high]`` (``quantiles``)."""
    return Param(name, "reals", low, high)


def weights(name: str, *, optional: bool = False) -> Param:
    """Per-class weights: a 1-D sequence or array of finite reals >= 0."""
    return Param(name, "weights", 0.0, math.inf, optional=optional)


def _type_name(value: Any) -> str:
    return type(value).__name__


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not _is_bool(value)


def _is_real(value: Any) -> bool:
    return isinstance(value, Real) and not _is_bool(value)


def _passes_through(value: Any) -> bool:
    """An array (not a NumPy scalar): traced or learnable, so its values are left to the loss function."""
    return not isinstance(value, np.generic) and is_array(value)


def _problem(param: Param, value: Any) -> str | None:
    """What is wrong with ``value`` for ``param`` (the end of the message), or ``None`` when it fits."""
    kind, cls = param.kind, type(value)
    if (kind == "bool" and cls is bool) or (kind == "real" and cls is float and param.contains(value)):
        return None  # the common cases first: a loss function may check its arguments on each call
    if value is None:
        return None if param.optional else f"got {param.name}=None"
    name, got = param.name, f"got {param.name}={value!r} of type {_type_name(value)}"
    if param.kind == "bool":
        if _is_bool(value):
            return None
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return f"{got}: pass {name}={value.strip().lower() == 'true'}, the bool, not a string"
        return got
    if param.kind == "real":
        if _passes_through(value):
            return None
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                return f"{got}: pass a number"
            return f"{got}: pass {name}={number!r}, a number, not a string" if param.contains(number) else got
        if not _is_real(value):
            return got
        return None if param.contains(float(value)) else f"got {name}={value!r}"
    if param.kind == "int":
        return None if _is_int(value) else got
    if param.kind == "choice":
        return None if isinstance(value, str) and value in param.choices else got
    if param.kind == "axes":
        items = value if isinstance(value, (tuple, list)) else (value,)
        return None if all(_is_int(a) for a in items) else got
    if param.kind == "reals":
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable) or _passes_through(value):
            return got
        values = tuple(value)
        bad = [v for v in values if not _is_real(v) or not param.contains(float(v))]
        return got if bad or not values else None
    # weights
    if _passes_through(value):
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return got
    values = tuple(value)
    bad = [v for v in values if not _is_real(v) or not param.contains(float(v))]
    return got if bad or not values else None


def _expected(param: Param) -> str:
    """What ``param`` must be, in words."""
    kind = param.kind
    if kind == "bool":
        text = "a bool (True or False)"
    elif kind == "real":
        text = f"a float in {param.interval()}"
    elif kind == "int":
        text = "an int"
    elif kind == "choice":
        text = "one of " + ", ".join(map(repr, param.choices))
    elif kind == "axes":
        text = "an int or a tuple of ints"
    elif kind == "reals":
        text = f"a non-empty sequence of floats, each in {param.interval()}"
    else:
        text = "a non-empty 1-D sequence of floats >= 0, one per class"
    if param.optional and kind != "axes":
        text += " or None"
    elif kind == "axes" and param.optional:
        text = f"None, {text}"
    return text


def check_hyperparameters(loss_name: str, params: Iterable[Param], values: Mapping[str, Any]) -> None:
    """Raise a ``ValueError`` for the first value in ``values`` outside its declared domain.

    Only names declared in ``params`` are checked; arrays pass through (see the module's docstring).
    """
    for param in params:
        if param.name not in values:
            continue
        problem = _problem(param, values[param.name])
        if problem is not None:
            why = f" ({param.name}: {param.why})" if param.why else ""
            msg = f"{loss_name}: {param.name} must be {_expected(param)}; {problem}{why}"
            raise ValueError(msg)


def accepted_arguments(fn: Callable[..., Any], drop: Iterable[str] = ()) -> tuple[tuple[str, ...], bool]:
    """The keyword arguments ``fn`` accepts (without ``drop``), and whether it takes ``**kwargs`` as well."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: anything goes
        return (), True
    named = tuple(
        p.name
        for p in parameters
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in set(drop) and p.name != "self"
    )
    return named, any(p.kind is p.VAR_KEYWORD for p in parameters)


def required_arguments(fn: Callable[..., Any]) -> tuple[str, ...]:
    """The named arguments of ``fn`` without a default (``self`` left out)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return ()
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return tuple(
        p.name for p in parameters if p.kind in named and p.default is inspect.Parameter.empty and p.name != "self"
    )


def check_keys(loss_name: str, keys: Iterable[Any], accepted: Iterable[str], what: str = "config key") -> None:
    """Raise a ``ValueError`` naming the first key of ``keys`` that is not in ``accepted``, and the accepted ones."""
    accepted = tuple(accepted)
    for key in keys:
        if not isinstance(key, str) or key not in accepted:
            msg = (
                f"{loss_name}: unknown {what} {key!r}; accepted: {', '.join(map(repr, accepted)) or 'none'}. "
                "Check its spelling against the class's signature."
            )
            raise ValueError(msg)
