"""The Keras side of a losslab loss: a ``keras.losses.Loss`` whose ``call`` is the losslab loss's per-sample losses.

Keras's ``Loss.__call__`` converts the inputs, calls ``call``, and applies
``sample_weight`` (and so ``class_weight``), masks and the reduction. The
classes here only hand it what losslab computes before any weighting: the
losses of :meth:`losslab.Loss.call_with_mask`, with its mask (an ignored
class, Circle's positive losses) attached the way Keras's own losses attach
theirs, so that Keras reduces exactly as for its own losses.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, ClassVar

import keras

# Not exported by keras: the way Keras's own losses (ignore_class, Circle) hand a mask to Loss.__call__.
from keras.src.backend import set_keras_mask

from losslab.losses._card import Card
from losslab.losses._loss import CombinedLoss, Loss
from losslab.losses._registry import deserialize, serialize

PACKAGE = "losslab"
"""The ``register_keras_serializable`` package: saved configs name ``losslab>ClassName``."""

_KERAS_ARGUMENTS = ("name", "reduction", "dtype")


def _tuples(value: Any) -> Any:
    """Lists back to tuples, recursively: a saved config goes through JSON, which has lists only."""
    if isinstance(value, (list, tuple)):
        return tuple(_tuples(v) for v in value)
    return value


def _dtype_config(dtype: Any) -> Any:
    """A ``dtype`` argument as a config value (a name stays a name, a ``DTypePolicy`` its config)."""
    return dtype if dtype is None or isinstance(dtype, str) else keras.dtype_policies.serialize(dtype)


class PerSampleLoss(keras.losses.Loss):
    """A Keras loss around a losslab loss: ``call`` returns its per-sample losses.

    The base of every class in :mod:`losslab.keras`. Keras applies
    ``sample_weight``, ``class_weight``, masks and ``reduction`` to what
    ``call`` returns, as for its own losses; losslab's reduction code is not
    used. ``losslab_loss`` is the losslab loss that computes the values.
    """

    losslab_loss: Loss
    _dtype_argument: Any = None

    def call(self, y_true: Any, y_pred: Any) -> Any:
        """Per-sample losses of Keras's (already converted) tensors, with the losslab loss's mask attached."""
        values, mask = self.losslab_loss.call_with_mask(y_true, y_pred)
        if mask is not None:
            set_keras_mask(values, mask)
        return values

    def _keras_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"name": self.name, "reduction": self.reduction}
        if self._dtype_argument is not None:
            config["dtype"] = _dtype_config(self._dtype_argument)
        return config

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"losslab.keras.{type(self).__name__}({args})"


class CardLoss(PerSampleLoss):
    """The shared body of the Keras form of one of losslab's loss classes (one per card).

    The constructor takes the losslab class's arguments: its hyperparameters
    build the losslab loss (which checks them), ``reduction``, ``name`` and
    ``dtype`` go to ``keras.losses.Loss``. Hyperparameters are attributes
    (``Huber(delta=2.0).delta``) and all of them are in :meth:`get_config`.
    """

    losslab_class: ClassVar[type[Loss]]
    signature: ClassVar[inspect.Signature]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as error:
            msg = f"{type(self).__name__}{self.signature}: {error}"
            raise TypeError(msg) from None
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        name, reduction, dtype = (arguments.pop(key) for key in _KERAS_ARGUMENTS)
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self._dtype_argument = dtype
        self.losslab_loss = self.losslab_class(**arguments, name=name, reduction=reduction)
        self._hyperparameters = {
            key: value for key, value in self.losslab_loss.get_config().items() if key not in _KERAS_ARGUMENTS
        }
        for key, value in self._hyperparameters.items():
            setattr(self, key, value)

    def get_config(self) -> dict[str, Any]:
        """``name``, ``reduction``, every hyperparameter, and ``dtype`` when one was given."""
        return {**self._keras_config(), **self._hyperparameters}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> CardLoss:
        """Rebuild the loss from :meth:`get_config`'s output (also after a JSON round trip)."""
        return cls(**{key: value if key == "dtype" else _tuples(value) for key, value in config.items()})


def keras_class(card: Card) -> type[CardLoss]:
    """The Keras form of ``card``'s class: same name, same constructor, registered with Keras's saving."""
    losslab_class: type[Loss] = card.cls
    name = losslab_class.__name__
    signature = inspect.signature(losslab_class.__init__)
    # without self, and without multioutput: Keras reduces per-sample losses to one scalar training loss
    signature = signature.replace(parameters=[p for p in signature.parameters.values() if p.name != "multioutput"])
    parameters = list(signature.parameters.values())[1:]
    missing = [key for key in _KERAS_ARGUMENTS if key not in signature.parameters]
    if missing:
        msg = f"card of {card.name}: {name}.__init__ must take {missing} to have a Keras form"
        raise ValueError(msg)

    def __init__(self: CardLoss, *args: Any, **kwargs: Any) -> None:
        CardLoss.__init__(self, *args, **kwargs)

    __init__.__signature__ = signature.replace(return_annotation=inspect.Signature.empty)  # type: ignore[attr-defined]
    __init__.__qualname__ = f"{name}.__init__"
    __init__.__module__ = "losslab.keras"
    namespace: dict[str, Any] = {
        "__init__": __init__,
        "__module__": "losslab.keras",
        "__qualname__": name,
        "__doc__": (
            f"Keras form of :class:`losslab.{name}` (a ``keras.losses.Loss``): the same arguments; ``call`` returns "
            f":func:`losslab.{card.name}`'s per-sample losses, and Keras applies ``sample_weight``, "
            "``class_weight``, masks and the reduction."
        ),
        "losslab_class": losslab_class,
        "signature": inspect.Signature(parameters),
    }
    cls = type(name, (CardLoss,), namespace)
    register: Callable[[type[CardLoss]], type[CardLoss]] = keras.saving.register_keras_serializable(package=PACKAGE)
    return register(cls)


@keras.saving.register_keras_serializable(package=PACKAGE)
class AdaptedLoss(PerSampleLoss):
    """The Keras form of any losslab loss instance; see :func:`adapt`.

    ``name``, ``reduction`` and ``dtype`` are the losslab loss's. The config
    is the losslab loss's own (:func:`losslab.serialize`), so a saved model
    reloads it wherever its class is registered (``losslab.register_loss``)
    and imported.

    Parameters
    ----------
    loss : losslab.Loss
        The loss whose :meth:`~losslab.Loss.call_with_mask` gives the per-sample losses.
    """

    def __init__(self, loss: Loss) -> None:
        if not isinstance(loss, Loss):
            msg = f"AdaptedLoss takes a losslab.Loss instance; got {type(loss).__name__}"
            raise TypeError(msg)
        _refuse_multioutput(loss)
        super().__init__(name=loss.name, reduction=loss.reduction, dtype=loss.dtype)
        self._dtype_argument = loss.dtype
        self.losslab_loss = loss

    def get_config(self) -> dict[str, Any]:
        """``{"loss": losslab.serialize(loss)}``; the name, reduction and dtype are in that config."""
        return {"loss": serialize(self.losslab_loss)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> AdaptedLoss:
        """Rebuild the losslab loss with :func:`losslab.deserialize`, then adapt it."""
        return cls(deserialize(config["loss"]))

    def __repr__(self) -> str:
        return f"losslab.keras.adapt({self.losslab_loss!r})"


def _refuse_multioutput(loss: Loss) -> None:
    """Raise for a loss built with ``multioutput`` (per-output values): Keras trains on per-sample losses."""
    multioutput = getattr(loss, "multioutput", "uniform_average")
    if not (isinstance(multioutput, str) and multioutput == "uniform_average"):
        msg = (
            f"{type(loss).__name__} has multioutput={multioutput!r}, which Keras cannot use: Keras weights and "
            "reduces per-sample losses to one training loss. Adapt the loss without multioutput, and compute "
            "per-output values with the losslab loss itself."
        )
        raise ValueError(msg)


def adapt(loss: Any, classes: dict[type, type[CardLoss]]) -> Any:
    """Implementation of :func:`losslab.keras.adapt`; ``classes`` maps losslab classes to their Keras forms."""
    if isinstance(loss, keras.losses.Loss):
        return loss
    if not isinstance(loss, Loss):
        msg = (
            f"losslab.keras.adapt takes a losslab.Loss instance; got {type(loss).__name__}. A function "
            "(y_true, y_pred) -> per-sample losses can be passed to Keras as it is, or wrapped first in "
            "losslab.LossFunctionWrapper(fn) to be saved by name."
        )
        raise TypeError(msg)
    _refuse_multioutput(loss)
    keras_form = classes.get(type(loss))
    if keras_form is not None:
        return keras_form.from_config(loss.get_config())
    if isinstance(loss, CombinedLoss):
        masked = [type(term).__name__ for term in loss.losses if term.masks_entries()]
        if masked:
            msg = (
                f"cannot adapt a CombinedLoss whose terms {masked} mask entries: losslab averages each term over its "
                "own valid entries, while Keras applies one mask to a whole loss. Adapt the terms one by one "
                "(one loss per model output), or build the terms without a mask (no ignore_class)."
            )
            raise ValueError(msg)
    return AdaptedLoss(loss)
