"""The loss registry: ``register_loss``, ``get``, ``serialize``, ``deserialize``, ``names``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from losslab._registry import Registry, T

LOSSES = Registry("loss", "@losslab.register_loss()")


def register_loss(name: str | None = None, *, aliases: tuple[str, ...] = ()) -> Callable[[T], T]:
    """Register a loss function or ``Loss`` subclass under a name and aliases.

    Registered losses work with :func:`get`, :func:`serialize` and
    :func:`deserialize`, so configs that mention them can be reloaded.

    Parameters
    ----------
    name : str, optional
        Canonical name; defaults to the object's ``__name__``.
    aliases : tuple of str
        Other names that :func:`get` accepts.

    Examples
    --------
    >>> import losslab
    >>> @losslab.register_loss(aliases=("mqe",))
    ... def mean_quartic_error(y_true, y_pred):
    ...     return ((y_pred - y_true) ** 4).mean(axis=-1)
    >>> losslab.get("mqe") is mean_quartic_error
    True
    """
    return LOSSES.register(name, aliases=aliases)


def names() -> list[str]:
    """Every loss name and alias that :func:`get` accepts, sorted."""
    return LOSSES.names()


def get(identifier: Any) -> Any:
    """Return a loss function or instance from a name, config, class or callable.

    Mirrors ``keras.losses.get``: a function name gives the function, a class
    name gives an instance with default arguments, a config dict gives the
    configured instance, and callables are returned as they are. An unknown
    name raises a ``ValueError`` that lists the closest valid names.

    Parameters
    ----------
    identifier : str, dict, callable, type or None

    Returns
    -------
    callable or Loss or None

    Examples
    --------
    >>> import losslab
    >>> losslab.get("mse").__name__
    'mean_squared_error'
    >>> losslab.get("Huber")
    Huber(name='huber_loss', reduction='sum_over_batch_size', delta=1.0)
    """
    return LOSSES.get(identifier)


def serialize(loss: Any) -> Any:
    """A JSON-ready description of ``loss``: its name, or ``{"class_name", "config"}``.

    Examples
    --------
    >>> import losslab
    >>> losslab.serialize(losslab.Huber(delta=2.0))
    {'class_name': 'Huber', 'config': {'name': 'huber_loss', 'reduction': 'sum_over_batch_size', 'delta': 2.0}}
    >>> losslab.serialize(losslab.mse)
    'mean_squared_error'
    """
    return LOSSES.serialize(loss)


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """Inverse of :func:`serialize`; ``custom_objects`` maps extra names to classes.

    Examples
    --------
    >>> import losslab
    >>> losslab.deserialize({"class_name": "Huber", "config": {"delta": 2.0}}).delta
    2.0
    """
    return LOSSES.deserialize(config, custom_objects)
