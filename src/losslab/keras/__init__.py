"""Every losslab loss as a ``keras.losses.Loss``, for ``model.compile(loss=...)``.

Each loss class of losslab has a Keras form here with the same name and
arguments (``losslab.keras.BinaryCrossentropy(label_smoothing=0.1)``), built
from the loss cards; :func:`adapt` turns any losslab loss instance (a user's
own subclass, a weighted sum) into one. Their ``call`` returns losslab's
per-sample losses, so Keras itself applies ``sample_weight``,
``class_weight``, masks and the reduction, exactly as for its own losses.
They work on Keras's JAX and PyTorch backends (losslab's functions run on
Keras's tensors through the Array API).

Keras's reductions apply, not losslab's: ``reduction="mean_with_sample_weight"``
divides by the sum of the sample weights, also for ``ClassWeightedCrossentropy``
(whose losslab form divides by the sum of sample times class weights, as torch
does). Keras casts ``y_true`` to the loss's float dtype before ``call``: the
losses of class indices accept such labels, except ``GeneralizedDice``'s
integer label maps (give it one-hot targets).

A plain :class:`losslab.Loss` must not be given to Keras: Keras would treat
it as a function and weight its already reduced value. losslab raises a
``TypeError`` that points here when Keras calls one.

Saving: every class is registered with ``keras.saving.register_keras_serializable``
under the package ``"losslab"``, so ``model.save("m.keras")`` and
``keras.models.load_model("m.keras")`` keep the loss and all its
hyperparameters without ``custom_objects``, provided ``losslab.keras`` has
been imported before loading (``import losslab.keras``) and, for an adapted
user loss, the module that registers its class.

Importing this module imports Keras (``import losslab`` does not); set
``KERAS_BACKEND`` (``"jax"`` or ``"torch"``) first, as for Keras itself.

Examples
--------
>>> import numpy as np
>>> import losslab.keras
>>> loss = losslab.keras.Huber(delta=2.0)
>>> y_true, y_pred = np.array([[0.0], [0.0]]), np.array([[1.0], [3.0]])
>>> round(float(loss(y_true, y_pred, sample_weight=np.array([1.0, 0.0]))), 6)
0.25
>>> losslab.keras.Huber.from_config(loss.get_config()).delta
2.0
"""

from __future__ import annotations

from typing import Any

try:
    import keras
except ImportError as error:  # keras missing, or its default backend (tensorflow) not installed
    msg = (
        "losslab.keras needs Keras 3 and one of its backends: `pip install keras` and set KERAS_BACKEND to 'jax' or "
        f"'torch' (with that library installed) before the first import of keras. Importing keras failed: {error}"
    )
    raise ImportError(msg) from error

from losslab.keras._adapter import AdaptedLoss as AdaptedLoss
from losslab.keras._adapter import CardLoss as CardLoss
from losslab.keras._adapter import PerSampleLoss as PerSampleLoss
from losslab.keras._adapter import adapt as _adapt
from losslab.keras._adapter import keras_class as _keras_class
from losslab.losses._card import cards as _cards

if not keras.__version__.startswith("3."):
    msg = f"losslab.keras needs Keras 3; found keras {keras.__version__}"
    raise ImportError(msg)

_CLASSES: dict[type, type[CardLoss]] = {card.cls: _keras_class(card) for card in _cards()}
"""losslab class -> its Keras form, one per card."""

globals().update({cls.__name__: cls for cls in _CLASSES.values()})


def adapt(loss: Any) -> Any:
    """The Keras form of a losslab loss instance: a ``keras.losses.Loss`` that Keras weights and reduces.

    .. math:: \\ell_{\\mathrm{Keras}}(y, \\hat y) = \\mathrm{reduce}\\big(w \\odot \\mathrm{call}(y, \\hat y)\\big)

    where ``call`` is the losslab loss's per-sample losses (with its mask) and
    Keras applies the weights ``w`` (``sample_weight``, ``class_weight``) and
    the loss's reduction. A loss of one of losslab's own classes becomes that
    class's Keras form (``adapt(losslab.Huber(delta=2.0))`` is
    ``losslab.keras.Huber(delta=2.0)``); any other (a user's ``Loss``
    subclass, a weighted sum) an :class:`AdaptedLoss`, whose config is the
    losslab loss's own config. Keras losses are returned as they are.

    Parameters
    ----------
    loss : losslab.Loss or keras.losses.Loss
        The loss; its ``call`` maps ``(y_true, y_pred)`` of shape
        ``(batch, ..., d)`` to per-sample losses ``(batch, ...)``.

    Returns
    -------
    keras.losses.Loss
        Same name, reduction and dtype as ``loss``. Saving a model keeps it
        when the loss's class is registered (``losslab.register_loss``) and
        imported before loading.

    Examples
    --------
    >>> import numpy as np
    >>> import losslab, losslab.keras
    >>> class QuarticError(losslab.Loss):
    ...     def call(self, y_true, y_pred):
    ...         return ((y_pred - y_true) ** 4).mean(axis=-1)
    >>> loss = losslab.keras.adapt(QuarticError())
    >>> loss
    losslab.keras.adapt(QuarticError(name='quartic_error', reduction='sum_over_batch_size'))
    >>> y_true, y_pred = np.zeros((2, 1)), np.array([[1.0], [2.0]])
    >>> float(loss(y_true, y_pred, sample_weight=np.array([2.0, 0.5])))
    5.0
    >>> losslab.keras.adapt(losslab.Huber(delta=2.0))
    losslab.keras.Huber(name='huber_loss', reduction='sum_over_batch_size', delta=2.0)
    """
    return _adapt(loss, _CLASSES)


__all__ = sorted(  # noqa: PLE0605 - built from the cards, so it cannot drift from them
    {"AdaptedLoss", "CardLoss", "PerSampleLoss", "adapt", *(cls.__name__ for cls in _CLASSES.values())}
)
