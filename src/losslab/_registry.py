"""Named objects that configs can refer to: one mechanism for losses, regularizers and constraints.

A :class:`Registry` maps names and aliases to functions or classes and gives
Keras-style ``get``, ``serialize`` and ``deserialize`` over that table.
Configs are JSON-ready: ``{"class_name": name, "config": {...}}`` for an
instance of a registered class, the canonical name for a registered function.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T", bound=Callable[..., Any])  # functions and classes


class Registry:
    """Names, aliases and (de)serialization for one kind of object.

    Parameters
    ----------
    kind : str
        What the objects are (``"loss"``), used in error messages.
    register_hint : str
        How a user registers their own (``"@losslab.register_loss()"``).
    """

    def __init__(self, kind: str, register_hint: str) -> None:
        self.kind = kind
        self.register_hint = register_hint
        self._objects: dict[str, Any] = {}
        self._canonical: dict[int, str] = {}
        self._lazy: dict[str, Callable[[], Any]] = {}

    def register(self, name: str | None = None, *, aliases: tuple[str, ...] = ()) -> Callable[[T], T]:
        """A decorator recording ``obj`` under ``name`` (default ``obj.__name__``) and ``aliases``.

        All or nothing: every name is checked before any is recorded, so a
        clash leaves the registry as it was.
        """

        def decorator(obj: T) -> T:
            keys = self.check_free(obj, name, aliases=aliases)
            for key in keys:
                self._objects[key] = obj
            self._canonical[id(obj)] = keys[0]
            return obj

        return decorator

    def check_free(self, obj: Any, name: str | None = None, *, aliases: Any = ()) -> tuple[str, ...]:
        """The names ``obj`` would be recorded under (canonical first); a ``ValueError`` if any is taken or invalid."""
        if isinstance(aliases, str) or not isinstance(aliases, (tuple, list)):
            msg = f"the {self.kind} aliases must be a tuple of names, e.g. aliases=('mqe',); got {aliases!r}"
            raise ValueError(msg)
        keys = (name or getattr(obj, "__name__", None), *aliases)
        for key in keys:
            if not isinstance(key, str) or not key:
                msg = f"a {self.kind} name must be a non-empty string; got {key!r} for {obj!r}"
                raise ValueError(msg)
            existing = self._objects.get(key, self._lazy.get(key))
            if existing is not None and existing is not obj:
                msg = f"the {self.kind} name {key!r} is already registered to {existing!r}; pick another name"
                raise ValueError(msg)
        return keys

    def register_lazy(self, name: str, load: Callable[[], Any]) -> None:
        """Record ``name`` for an object that ``load()`` imports on first use (one that needs an optional library)."""
        if name in self._objects or name in self._lazy:
            msg = f"the {self.kind} name {name!r} is already registered; pick another name"
            raise ValueError(msg)
        self._lazy[name] = load

    def names(self) -> list[str]:
        """Every name and alias that :meth:`get` accepts, sorted."""
        return sorted({*self._objects, *self._lazy})

    def lookup(self, name: str) -> Any:
        """The object registered as ``name``; a ``ValueError`` naming close matches otherwise."""
        if name in self._lazy and name not in self._objects:
            obj = self._lazy[name]()
            self._objects[name] = obj
            self._canonical.setdefault(id(obj), name)
        if name not in self._objects:
            raise self._unknown_name(name)
        return self._objects[name]

    def _unknown_name(self, name: str) -> ValueError:
        known = self.names()
        close = difflib.get_close_matches(name, known, n=5, cutoff=0.5)
        lowered = {key.lower(): key for key in known}
        if name.lower() in lowered and lowered[name.lower()] not in close:
            close.insert(0, lowered[name.lower()])
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        msg = (
            f"Could not interpret {self.kind} identifier: unknown {self.kind} name {name!r}.{hint} "
            f"Valid names: {', '.join(self.names())}. Register your own with {self.register_hint}."
        )
        return ValueError(msg)

    def get(self, identifier: Any) -> Any:
        """An object from a name, a config dict, a class (instantiated) or a callable; ``None`` stays ``None``."""
        if identifier is None:
            return None
        if isinstance(identifier, dict):
            return self.deserialize(identifier)
        obj = self.lookup(identifier) if isinstance(identifier, str) else identifier
        if inspect.isclass(obj):
            return obj()
        if callable(obj):
            return obj
        msg = f"Could not interpret {self.kind} identifier: {identifier!r}. Pass a name, a config dict or a callable."
        raise ValueError(msg)

    def serialize(self, obj: Any) -> Any:
        """``{"class_name", "config"}`` for an instance, the name of a registered function.

        An instance of an unregistered class is named by its class name, as in
        Keras; :meth:`deserialize` then needs it in ``custom_objects``.
        """
        if obj is None or isinstance(obj, str):
            return obj
        if hasattr(obj, "get_config"):  # an instance; unregistered classes need custom_objects to come back
            name = self._canonical.get(id(type(obj)), type(obj).__name__)
            return {"class_name": name, "config": obj.get_config()}
        if callable(obj) and id(obj) in self._canonical:
            return self._canonical[id(obj)]
        msg = (
            f"cannot serialize {obj!r}: neither it nor its class {type(obj).__name__} is a registered "
            f"{self.kind}; decorate it with {self.register_hint} so that configs can name it"
        )
        raise ValueError(msg)

    def deserialize(self, config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
        """Inverse of :meth:`serialize`; ``custom_objects`` adds ``name -> class`` entries for this call.

        Keras's serialized dicts (with ``module`` and ``registered_name`` keys) are accepted too.
        """
        custom = custom_objects or {}
        if config is None or (callable(config) and not isinstance(config, dict)):
            return config
        if isinstance(config, str):
            return self.get(custom.get(config, config))
        if isinstance(config, dict) and "class_name" in config:
            name = config["class_name"]
            if not isinstance(name, str):
                msg = f"Could not interpret {self.kind} identifier: 'class_name' must be a name (str); got {name!r}"
                raise ValueError(msg)
            cls = custom[name] if name in custom else self.lookup(name)
            kwargs = config.get("config")
            if kwargs is None:
                kwargs = {}
            if not isinstance(kwargs, dict):
                msg = (
                    f"{name}: 'config' must be a dict of constructor arguments, e.g. "
                    f"{{'class_name': {name!r}, 'config': {{}}}}; got {kwargs!r}"
                )
                raise ValueError(msg)
            if not inspect.isclass(cls):
                if kwargs:  # a function takes no config: its arguments would be dropped without a word
                    msg = (
                        f"{name}: {name!r} names a function, so a config cannot set its arguments "
                        f"{sorted(map(str, kwargs))}; name a registered class instead (the {self.kind}'s class form)"
                    )
                    raise ValueError(msg)
                return cls
            return cls.from_config(kwargs) if hasattr(cls, "from_config") else cls(**kwargs)
        msg = (
            f"Could not interpret {self.kind} identifier: {config!r}; expected a name or a dict with "
            "'class_name' and 'config'"
        )
        raise ValueError(msg)
