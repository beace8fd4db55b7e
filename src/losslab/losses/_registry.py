"""Names, aliases and (de)serialization of losses: ``get``, ``serialize``, ``deserialize``."""

from __future__ import annotations

import difflib
import inspect
from typing import Any, Callable, TypeVar

_OBJECTS: dict[str, Any] = {}
"""Every registered name or alias, mapped to its loss function or class."""

_CANONICAL: dict[int, str] = {}
"""``id(object)`` to the object's canonical name, used by :func:`serialize`."""

T = TypeVar("T")


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

    def decorator(obj: T) -> T:
        canonical = name or obj.__name__
        for key in (canonical, *aliases):
            existing = _OBJECTS.get(key)
            if existing is not None and existing is not obj:
                msg = f"the loss name {key!r} is already registered to {existing!r}; pick another name"
                raise ValueError(msg)
            _OBJECTS[key] = obj
        _CANONICAL[id(obj)] = canonical
        return obj

    return decorator


def names() -> list[str]:
    """Every name and alias that :func:`get` accepts, sorted."""
    return sorted(_OBJECTS)


def _unknown_name(identifier: str) -> ValueError:
    close = difflib.get_close_matches(identifier, _OBJECTS, n=5, cutoff=0.5)
    lowered = {key.lower(): key for key in _OBJECTS}
    if identifier.lower() in lowered and lowered[identifier.lower()] not in close:
        close.insert(0, lowered[identifier.lower()])
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    msg = (
        f"Could not interpret loss identifier: unknown loss name {identifier!r}.{hint} "
        "losslab.losses.names() lists every valid name; register your own with @losslab.register_loss."
    )
    return ValueError(msg)


def get(identifier: Any) -> Any:
    """Return a loss function or instance from a name, config, class or callable.

    Mirrors ``keras.losses.get``: a function name gives the function, a class
    name gives an instance with default arguments, a config dict gives the
    configured instance, and callables are returned as they are.

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
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier not in _OBJECTS:
            raise _unknown_name(identifier)
        obj = _OBJECTS[identifier]
    else:
        obj = identifier
    if inspect.isclass(obj):
        return obj()
    if callable(obj):
        return obj
    msg = f"Could not interpret loss identifier: {identifier!r}. Pass a loss name, a config dict or a callable."
    raise ValueError(msg)


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
    from losslab.losses._loss import Loss

    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, Loss):
        cls = type(loss)
        if id(cls) not in _CANONICAL:
            msg = (
                f"cannot serialize an instance of unregistered class {cls.__name__}; "
                "decorate the class with @losslab.register_loss()"
            )
            raise ValueError(msg)
        return {"class_name": _CANONICAL[id(cls)], "config": loss.get_config()}
    if callable(loss) and id(loss) in _CANONICAL:
        return _CANONICAL[id(loss)]
    msg = (
        f"cannot serialize {loss!r}: it is not a registered loss; "
        "decorate it with @losslab.register_loss() so that configs can name it"
    )
    raise ValueError(msg)


def deserialize(config: Any) -> Any:
    """Inverse of :func:`serialize`.

    Examples
    --------
    >>> import losslab
    >>> losslab.deserialize({"class_name": "Huber", "config": {"delta": 2.0}}).delta
    2.0
    """
    if config is None or isinstance(config, str):
        return get(config)
    if isinstance(config, dict) and "class_name" in config:
        cls = _OBJECTS.get(config["class_name"])
        if cls is None:
            raise _unknown_name(config["class_name"])
        if not inspect.isclass(cls):
            return cls
        return cls.from_config(config.get("config", {}))
    msg = f"Could not interpret loss identifier: {config!r}; expected a name or a dict with 'class_name' and 'config'"
    raise ValueError(msg)
