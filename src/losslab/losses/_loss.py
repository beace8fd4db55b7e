"""The ``Loss`` base class, the function wrapper, and weighted sums of losses."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from numbers import Real
from types import FrameType
from typing import Any

from losslab._backend import array_namespace, as_array, as_arrays
from losslab.losses._card import card_of, card_of_class
from losslab.losses._ops import prepare_pair
from losslab.losses._reduction import (
    align_ranks,
    reduce_per_output,
    reduce_weighted_values,
    standardize_multioutput,
    standardize_reduction,
)
from losslab.losses._registry import deserialize, get, register_loss, serialize
from losslab.losses._validation import accepted_arguments, check_hyperparameters, check_keys, required_arguments


def _snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


class Loss:
    """Base class of every loss: casting, rank alignment, weights and reduction.

    Subclasses implement :meth:`call`, which maps ``(y_true, y_pred)`` to
    per-sample losses; ``__call__`` converts the inputs, calls it, applies
    ``sample_weight`` and reduces. This docstring is the one reference for the
    arguments that every loss class shares.

    Parameters
    ----------
    reduction : str or None, default "sum_over_batch_size"
        ``"sum_over_batch_size"`` and ``"mean"`` sum the weighted losses and
        divide by their number; ``"sum"`` sums them;
        ``"mean_with_sample_weight"`` divides the sum by the sum of the sample
        weights (broadcast to the losses' shape); ``"none"`` or ``None``
        returns the weighted per-sample losses. Divisions by zero give 0.
    name : str, optional
        Name of the loss instance; defaults to the snake-case class name.
    dtype : str, optional
        Floating dtype of the computation (``"float32"``, ``"float64"``...).
        ``None`` keeps ``y_pred``'s floating dtype (``float32`` for integer or
        Python inputs). Keras casts to ``float32`` here; losslab keeps
        ``float64`` inputs in ``float64``. Half precision (``float16``,
        ``bfloat16``, also NumPy arrays of ``ml_dtypes.bfloat16``), as input
        or as ``dtype``, is computed in ``float32`` and the loss is returned
        in ``float32``, as Keras's classes return it and torch's autocast
        computes losses: a squared error of 300 overflows ``float16``.
        Gradients reach half-precision inputs in their own dtype.

    Notes
    -----
    ``sample_weight`` may be a scalar, one weight per sample ``(batch,)``, or
    any shape that matches the leading axes of the per-sample losses. A
    trailing axis of size 1 is squeezed as in Keras. Shapes that do not fit
    raise a ``ValueError`` instead of broadcasting along the wrong axis.

    ``y_pred`` decides the namespace, device and dtype of the result;
    ``y_true`` follows it onto its device (a NumPy array, or a torch tensor
    on another device, is moved there).

    An empty batch gives 0 for every reduction but ``"none"`` (which gives
    the empty per-sample losses), with a gradient of zero size, where torch
    and NumPy's means give NaN. A 0-d ``y_true`` and ``y_pred`` are one
    sample of one value for the losses that reduce the last axis; losses
    that need more axes (classes, pairs, images) raise a ``ValueError``.

    Examples
    --------
    >>> import numpy as np
    >>> class MeanFourthPower(Loss):
    ...     def call(self, y_true, y_pred):
    ...         return ((y_pred - y_true) ** 4).mean(axis=-1)
    >>> float(MeanFourthPower()(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]])))
    0.5
    """

    def __init__(self, name: str | None = None, reduction: Any = "sum_over_batch_size", dtype: Any = None) -> None:
        self.name = name or _snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self.dtype = dtype

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        _refuse_keras_wrapper(self)
        xp, y_true, y_pred = as_arrays(y_true, y_pred, dtype=self.dtype)
        values, mask = self.call_with_mask(y_true, y_pred)
        return reduce_weighted_values(values, xp, sample_weight=sample_weight, mask=mask, reduction=self.reduction)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        """Per-sample losses for arrays of one namespace; subclasses override this."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def call_with_mask(self, y_true: Any, y_pred: Any) -> tuple[Any, Any]:
        """Per-sample losses and a boolean mask of valid entries (``None``: all valid).

        Losses that ignore entries (``ignore_class``) override this so that
        means count the valid entries only, as Keras's masks do.
        """
        return self.call(y_true, y_pred), None

    def masks_entries(self) -> bool:
        """Whether :meth:`call_with_mask` may return a mask (then means count valid entries only)."""
        return type(self).call_with_mask is not Loss.call_with_mask

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this loss."""
        config = {"name": self.name, "reduction": self.reduction}
        if self.dtype is not None:
            config["dtype"] = self.dtype
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        """Rebuild a loss from :meth:`get_config`'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    # Arithmetic builds weighted sums: ``0.7 * Huber() + 0.3 * MeanAbsoluteError()``.
    def __mul__(self, weight: Any) -> CombinedLoss:
        _check_weight(weight)
        return CombinedLoss([self], [float(weight)])

    __rmul__ = __mul__

    def __add__(self, other: Any) -> CombinedLoss:
        if not isinstance(other, Loss):
            return NotImplemented
        left, right = _as_combined(self), _as_combined(other)
        return CombinedLoss(left.losses + right.losses, left.weights + right.weights)

    def __radd__(self, other: Any) -> Any:
        if isinstance(other, Real) and other == 0:  # lets sum([...]) work
            return _as_combined(self)
        return NotImplemented


_OWN_CALLS: dict[type, frozenset[Any]] = {}
"""Loss class -> the code objects of the ``__call__`` methods along its MRO (one loss call's own frames)."""


def _refuse_keras_wrapper(loss: Loss) -> None:
    """Raise when Keras calls ``loss`` through its function wrapper (``model.compile(loss=losslab.Huber())``).

    Keras wraps any loss that is not a ``keras.losses.Loss`` in its
    ``LossFunctionWrapper``, whose ``call`` takes the wrapped callable's
    result as per-sample losses and weights and reduces it again: a losslab
    loss's already reduced value would come out wrong with ``sample_weight``
    or ``class_weight``, and the model could not be saved. The caller is the
    first frame outside this loss's own ``__call__`` chain; without keras in
    ``sys.modules`` nothing is looked up (Keras cannot be the caller).
    """
    keras_losses = sys.modules.get("keras.src.losses.losses")
    torch = sys.modules.get("torch")
    if keras_losses is None or (torch is not None and torch.compiler.is_compiling()):
        return  # a torch.compile graph has no Python frames to read (a Keras step compiled by dynamo is not checked)
    own = _OWN_CALLS.get(type(loss))
    if own is None:
        methods = (vars(cls)["__call__"] for cls in type(loss).__mro__ if "__call__" in vars(cls))
        own = _OWN_CALLS[type(loss)] = frozenset(m.__code__ for m in methods if hasattr(m, "__code__"))
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code in own:
        frame = frame.f_back
    wrapper_call = getattr(getattr(keras_losses, "LossFunctionWrapper", None), "call", None)
    if frame is not None and frame.f_code is getattr(wrapper_call, "__code__", None):
        name = type(loss).__name__
        msg = (
            f"{name} is a losslab.Loss, which Keras treats as a plain function: it would weight the already "
            "reduced loss again (a wrong value with sample_weight or class_weight) and could not save the model. "
            f"Compile with a Keras loss from losslab.keras instead: losslab.keras.adapt(loss) for any losslab "
            f"loss, or losslab.keras.{name}(...) with the same arguments for one of losslab's own classes."
        )
        raise TypeError(msg)


def _check_weight(weight: Any) -> None:
    if isinstance(weight, bool) or not isinstance(weight, Real):
        msg = f"a loss can only be scaled by a real number; got {type(weight).__name__}"
        raise TypeError(msg)


def _as_combined(loss: Loss) -> CombinedLoss:
    return loss if isinstance(loss, CombinedLoss) else CombinedLoss([loss], [1.0])


@register_loss()
class LossFunctionWrapper(Loss):
    """A loss class around a function ``fn(y_true, y_pred, **kwargs)``.

    Any function with that signature becomes a full loss: reductions, sample
    weights and configs work. ``y_true`` and ``y_pred`` are rank-aligned first
    (Keras's ``squeeze_or_expand_to_same_rank``).

    Parameters
    ----------
    fn : callable
        Returns per-sample losses.
    reduction, name, dtype
        See :class:`Loss`.
    multioutput : {"uniform_average", "raw_values"} or sequence of float, default "uniform_average"
        How the outputs (the last axis of ``y_true`` and ``y_pred``) are
        combined, as in scikit-learn's regression metrics; only for losses
        whose card has ``multioutput=True`` (a mean over the last axis of
        element-wise terms). ``"uniform_average"`` is the loss as it is.
        ``"raw_values"`` gives one value per output: each output's terms,
        weighted by ``sample_weight`` and reduced over the batch by
        ``reduction`` (``"mean_with_sample_weight"`` is scikit-learn's
        weighted mean; ``"none"`` keeps every weighted term, shape
        ``(batch, ..., outputs)``). One non-negative weight per output gives
        the weighted average of those values. The inputs must have an outputs
        axis: shape ``(batch, ..., outputs)``, ``(n, 1)`` for ``n`` samples of
        one output. The uniform average of the raw values is the loss as it
        is, for every reduction. Only ``__call__`` sees it: ``call`` (and so
        the Keras and torch adapters, :class:`CombinedLoss` and the
        ``"none"`` reduction of the default) keeps per-sample losses.
    **kwargs
        Forwarded to ``fn`` on every call; stored in the config.

    Examples
    --------
    >>> import numpy as np
    >>> def mean_cubed_error(y_true, y_pred):
    ...     return (abs(y_pred - y_true) ** 3).mean(axis=-1)
    >>> loss = LossFunctionWrapper(mean_cubed_error, reduction="sum")
    >>> float(loss(np.array([[0.0], [0.0]]), np.array([[1.0], [2.0]])))
    9.0

    One value per output, as scikit-learn's ``multioutput="raw_values"``:

    >>> from losslab import MeanSquaredError
    >>> loss = MeanSquaredError(multioutput="raw_values")
    >>> loss(np.zeros((2, 2)), np.array([[1.0, 2.0], [3.0, 0.0]]))  # ((1 + 9) / 2, (4 + 0) / 2)
    array([5., 2.])
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        reduction: Any = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        multioutput: Any = "uniform_average",
        **kwargs: Any,
    ) -> None:
        if not callable(fn):
            msg = f"fn must be callable as fn(y_true, y_pred); got {type(fn).__name__}"
            raise TypeError(msg)
        card = card_of(fn)  # by identity: a user's function named like a built-in has no card
        _check_arguments(type(self), fn, card, reduction, name, dtype, kwargs)
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs
        for key, value in kwargs.items():  # hyperparameters read as attributes: Huber().delta
            setattr(self, key, value)
        self._builtin = card is not None
        plain = card is not None and not self.masks_entries() and type(self).call is LossFunctionWrapper.call
        self._plain_mean = card.plain_mean if plain and card is not None else None
        self._plain_mean_kwargs = {**kwargs, "plain_mean": True}  # (built once: merging per call costs more)
        self.multioutput = _check_multioutput(type(self), card, multioutput)
        self._per_output = self.multioutput != "uniform_average"  # (an attribute: read on every call)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        _refuse_keras_wrapper(self)
        if self._per_output:
            return self._call_per_output(y_true, y_pred, sample_weight)
        # An unweighted mean of a loss whose card has a plain-mean entry point: one fused step.
        if sample_weight is None and self._plain_mean is not None and self.reduction in ("sum_over_batch_size", "mean"):
            xp = None  # the entry point converts its inputs itself; only a dtype asks for a cast first
            if self.dtype is not None:
                xp, y_true, y_pred = as_arrays(y_true, y_pred, dtype=self.dtype)
            return self._plain_mean(y_true, y_pred, xp, **self._plain_mean_kwargs)
        return super().__call__(y_true, y_pred, sample_weight)

    def _call_per_output(self, y_true: Any, y_pred: Any, sample_weight: Any) -> Any:
        """``multioutput`` other than ``"uniform_average"``: the function on one value per sample, reduced per output.

        The function of an element-wise loss averages the last axis; given a
        trailing axis of size 1 it returns its element-wise terms, shape
        ``(batch, ..., outputs)``. Array hyperparameters (Barron's per-output
        ``alpha``) get the same trailing axis, so they still broadcast against
        the outputs.
        """
        xp, y_true, y_pred = as_arrays(y_true, y_pred, dtype=self.dtype)
        xp, y_true, y_pred = prepare_pair(y_true, y_pred, xp, self.name)
        if y_pred.ndim < 2:
            msg = (
                f"{type(self).__name__}: multioutput={self.multioutput!r} needs inputs with a batch axis and an "
                f"outputs axis, shape (batch, ..., outputs); got shape {tuple(y_pred.shape)}. For n samples of one "
                "output pass shape (n, 1) (scikit-learn's (n,))."
            )
            raise ValueError(msg)
        kwargs = {key: _with_trailing_axis(value, y_pred, xp) for key, value in self._fn_kwargs.items()}
        terms = self.fn(xp.expand_dims(y_true, axis=-1), xp.expand_dims(y_pred, axis=-1), xp=xp, **kwargs)
        return reduce_per_output(terms, xp, sample_weight, self.reduction, self.multioutput, type(self).__name__)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        if self._builtin:  # losslab's own functions align and check their inputs themselves
            return self.fn(y_true, y_pred, xp=array_namespace(y_pred), **self._fn_kwargs)
        y_true, y_pred = align_ranks(y_true, y_pred, array_namespace(y_pred))
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        if type(self) is LossFunctionWrapper:
            config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        if self._per_output:
            config["multioutput"] = self.multioutput if isinstance(self.multioutput, str) else list(self.multioutput)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        """Rebuild a loss from :meth:`get_config`'s output; unknown keys raise a ``ValueError`` naming them."""
        if not isinstance(config, dict):
            msg = f"{cls.__name__}: a config must be a dict of constructor arguments; got {config!r}"
            raise ValueError(msg)
        config = dict(config)
        if cls is LossFunctionWrapper:
            if "fn" not in config:
                msg = "LossFunctionWrapper: the config needs 'fn', the name of a registered loss function"
                raise ValueError(msg)
            config["fn"] = deserialize(config["fn"])
        named, takes_kwargs = accepted_arguments(cls.__init__)
        if not takes_kwargs:  # (with **kwargs, __init__ checks them against fn's signature)
            check_keys(cls.__name__, config, named)
        missing = [key for key in required_arguments(cls.__init__) if key not in config]
        if missing:
            msg = f"{cls.__name__}: the config lacks the required argument {missing[0]!r}"
            raise ValueError(msg)
        return cls(**config)


_WRAPPER_ARGUMENTS = frozenset({"fn", "reduction", "name", "dtype", "multioutput"})


def _check_multioutput(cls: type, fn_card: Any, multioutput: Any) -> Any:
    """``multioutput`` standardised, or a ``ValueError`` when it is invalid or the loss is not element-wise."""
    if isinstance(multioutput, str) and multioutput == "uniform_average":
        return multioutput
    multioutput = standardize_multioutput(multioutput, cls.__name__)
    card = card_of_class(cls) or fn_card
    if card is None or not card.multioutput:
        name = cls.__name__ if card is None else card.name
        msg = (
            f"{name}: multioutput={multioutput!r} needs a loss that averages element-wise terms over the last "
            "axis (its card has multioutput=True: the regression losses, the deviances and the robust losses); "
            f"{name} is not one. Leave multioutput='uniform_average'."
        )
        raise ValueError(msg)
    return multioutput


def _with_trailing_axis(value: Any, y_pred: Any, xp: Any) -> Any:
    """A hyperparameter for inputs with a trailing axis of 1: arrays of rank >= 1 get that axis too."""
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    array = as_array(value, xp, like=y_pred, name="hyperparameter")
    return xp.expand_dims(array, axis=-1) if array.ndim >= 1 else array


_DTYPE_NAMES = ("float16", "bfloat16", "float32", "float64")


def _check_arguments(
    cls: type, fn: Callable[..., Any], fn_card: Any, reduction: Any, name: Any, dtype: Any, kwargs: dict[str, Any]
) -> None:
    """Check a wrapper's arguments once, when it is built: ``reduction``, ``name``, ``dtype``, the hyperparameters.

    The hyperparameters must be keyword arguments of ``fn`` that hide none of the
    loss's own attributes, and lie in the domains their card declares (the card of
    ``cls``, else of ``fn``). Nothing here runs per call.
    """
    loss_name = cls.__name__
    try:
        standardize_reduction(reduction)
    except ValueError as error:  # Keras's message, with the loss named
        msg = f"{loss_name}: {error}"
        raise ValueError(msg) from None
    if name is not None and not isinstance(name, str):
        msg = f"{loss_name}: name must be a str or None; got name={name!r} of type {type(name).__name__}"
        raise ValueError(msg)
    if (isinstance(dtype, str) and dtype not in _DTYPE_NAMES) or isinstance(dtype, (bool, int, float, list, dict)):
        msg = f"{loss_name}: dtype must be one of {list(_DTYPE_NAMES)}, a dtype object or None; got dtype={dtype!r}"
        raise ValueError(msg)
    named, takes_kwargs = accepted_arguments(fn, drop=("y_true", "y_pred", "xp", "plain_mean"))
    if not takes_kwargs:
        check_keys(loss_name, kwargs, named, what=f"argument (of {getattr(fn, '__name__', 'fn')})")
    hidden = [key for key in kwargs if hasattr(LossFunctionWrapper, key) or key in _WRAPPER_ARGUMENTS]
    if hidden:
        msg = (
            f"{loss_name}: the hyperparameter {hidden[0]!r} would hide the loss's own attribute of that name; "
            "rename that argument of the loss function"
        )
        raise ValueError(msg)
    card = card_of_class(cls) or fn_card
    if card is not None:
        check_hyperparameters(loss_name, card.params, kwargs)


def check_class_arguments(cls: type, **values: Any) -> None:
    """Check a catalogue class's arguments against its card before its constructor changes them.

    For a constructor that merges or converts arguments before
    ``LossFunctionWrapper.__init__`` sees them (``ignore_index`` into ``ignore_class``).
    """
    card = card_of_class(cls)
    if card is not None:
        check_hyperparameters(cls.__name__, card.params, values)


@register_loss()
class CombinedLoss(Loss):
    """A weighted sum of losses, each reduced with this loss's reduction.

    ``CombinedLoss([Huber(), MeanAbsoluteError()], [0.7, 0.3])`` is what
    ``0.7 * Huber() + 0.3 * MeanAbsoluteError()`` builds. Sample weights reach
    every term; each term keeps its own mask (e.g. an ignored class).

    Parameters
    ----------
    losses : list of Loss
        The terms.
    weights : list of float, optional
        One weight per term; defaults to 1 each.
    reduction, name, dtype
        See :class:`Loss`.

    Examples
    --------
    >>> import numpy as np
    >>> from losslab import Huber, MeanAbsoluteError
    >>> loss = 0.5 * Huber() + 0.5 * MeanAbsoluteError()
    >>> float(loss(np.array([[0.0]]), np.array([[3.0]])))
    2.75
    """

    def __init__(
        self,
        losses: list[Loss],
        weights: list[float] | None = None,
        reduction: Any = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name or "combined_loss", reduction=reduction, dtype=dtype)
        self.losses = [get(loss) if not isinstance(loss, Loss) else loss for loss in losses]
        self.losses = [loss if isinstance(loss, Loss) else LossFunctionWrapper(loss) for loss in self.losses]
        self.weights = [1.0] * len(self.losses) if weights is None else [float(w) for w in weights]
        if len(self.weights) != len(self.losses) or not self.losses:
            msg = (
                f"CombinedLoss needs one weight per loss; got {len(self.losses)} losses and {len(self.weights)} weights"
            )
            raise ValueError(msg)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        _refuse_keras_wrapper(self)
        xp, y_true, y_pred = as_arrays(y_true, y_pred, dtype=self.dtype)
        total = None
        for loss, weight in zip(self.losses, self.weights, strict=True):
            values, mask = loss.call_with_mask(y_true, y_pred)
            term = weight * reduce_weighted_values(values, xp, sample_weight, mask, self.reduction)
            total = term if total is None else total + term
        return total

    def call(self, y_true: Any, y_pred: Any) -> Any:
        terms = [w * loss.call(y_true, y_pred) for loss, w in zip(self.losses, self.weights, strict=True)]
        return sum(terms[1:], terms[0])

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"losses": [serialize(loss) for loss in self.losses], "weights": list(self.weights)})
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        config = dict(config)
        config["losses"] = [deserialize(loss) for loss in config["losses"]]
        return cls(**config)

    def __repr__(self) -> str:
        return " + ".join(f"{w:g} * {loss!r}" for loss, w in zip(self.losses, self.weights, strict=True))
