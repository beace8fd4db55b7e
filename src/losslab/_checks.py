"""Opt-in checks of input *values*: NaN and inf, label ranges, probability ranges.

Shape and encoding checks always run (they cost nothing). Checks that read
values are off by default, as ``jax_debug_nans`` and torch's anomaly mode
are: they synchronise with the device and cannot run inside ``jax.jit``.
Turn them on while setting up a model, or for the first batches of a run::

    losslab.set_value_checks(True)          # or LOSSLAB_CHECK_VALUES=1
    with losslab.value_checks():            # only inside the block
        loss(y_true, y_pred)

Arrays being traced (``jax.jit``) are never checked.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np

from losslab._backend import constant_while_traced, to_numpy

_ENABLED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "losslab_value_checks", default=os.environ.get("LOSSLAB_CHECK_VALUES", "0").lower() in ("1", "true", "yes")
)
"""Whether value checks run, per context: a thread or task sees only its own setting (default: the environment)."""


def set_value_checks(enabled: bool) -> None:
    """Turn the value checks on or off in the current context (thread or task) from now on.

    Other threads keep their own setting; :func:`value_checks` scopes the
    setting to a ``with`` block instead.

    Examples
    --------
    >>> import losslab, numpy as np
    >>> losslab.set_value_checks(True)
    >>> losslab.binary_crossentropy([[2.0]], [[0.5]])
    Traceback (most recent call last):
    ...
    ValueError: binary_crossentropy: y_true must lie in [0, 1]; got values from 2 to 2. ...
    >>> losslab.set_value_checks(False)
    """
    _ENABLED.set(bool(enabled))


@constant_while_traced
def value_checks_enabled() -> bool:
    """Whether value checks are on in the current context (a constant of a ``torch.compile`` graph)."""
    return _ENABLED.get()


@contextlib.contextmanager
def value_checks(enabled: bool = True) -> Iterator[None]:
    """Turn the value checks on (or off) inside a ``with`` block; the previous setting comes back exactly on exit.

    The setting is context-local: other threads and asyncio tasks are not affected.
    """
    token = _ENABLED.set(bool(enabled))
    try:
        yield
    finally:
        _ENABLED.reset(token)


def _traced(x: Any) -> bool:
    """Whether ``x`` is being traced (a JAX tracer or a ``torch.compile`` graph has no values to read).

    ``array_api_compat.is_lazy_array`` does not fit: it calls every JAX array lazy, concrete ones too.
    """
    if "Tracer" in type(x).__name__:
        return True
    torch = sys.modules.get("torch")
    return torch is not None and torch.compiler.is_compiling()


def checks_apply(*arrays: Any) -> bool:
    """Whether value checks are on and ``arrays`` have values to read (not traced)."""
    return value_checks_enabled() and not any(_traced(a) for a in arrays)


def check_finite(loss_name: str, **arrays: Any) -> None:
    """Raise if any named array holds NaN or inf (when checks are on)."""
    if not value_checks_enabled() or not checks_apply(*arrays.values()):
        return
    for name, array in arrays.items():
        values = to_numpy(array)
        bad = ~np.isfinite(values)
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            msg = (
                f"{loss_name}: {name} holds {int(bad.sum())} NaN or infinite value(s), the first at index "
                f"{first}. Check the data pipeline or the model's output (a diverging model gives inf/NaN)."
            )
            raise ValueError(msg)


def check_logits(loss_name: str, name: str, array: Any, axis: int = -1) -> None:
    """Raise if logits over classes hold NaN or +inf, or a row with every class at -inf (when checks are on).

    A logit of -inf masks its class (vocabulary and action masks), which the
    cross-entropies over classes handle; a row with nothing left unmasked has no
    distribution at all.
    """
    if not value_checks_enabled() or not checks_apply(array):
        return
    values = to_numpy(array)
    bad = np.isnan(values) | np.isposinf(values)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        msg = (
            f"{loss_name}: {name} holds {int(bad.sum())} NaN or +inf value(s), the first at index {first} (a logit "
            "of -inf masks a class and is allowed). Check the data pipeline or the model's output (a diverging "
            "model gives inf/NaN)."
        )
        raise ValueError(msg)
    if values.size and values.shape[axis] and np.isneginf(values).all(axis=axis).any():
        first = tuple(int(i) for i in np.argwhere(np.isneginf(values).all(axis=axis))[0])
        msg = (
            f"{loss_name}: {name} masks every class of the sample at index {first} (all its logits are -inf), "
            "so it has no distribution; leave at least one class unmasked, or give the sample a weight of 0."
        )
        raise ValueError(msg)


def check_scores(loss_name: str, y_pred: Any, from_logits: bool, axis: int = -1) -> None:
    """Check class scores: logits with :func:`check_logits` (a -inf masks a class), probabilities with
    :func:`check_finite` (when checks are on)."""
    if from_logits:
        check_logits(loss_name, "y_pred", y_pred, axis)
    else:
        check_finite(loss_name, y_pred=y_pred)


def check_range(loss_name: str, name: str, array: Any, low: float, high: float, hint: str) -> None:
    """Raise if ``array`` has values outside ``[low, high]`` (when checks are on)."""
    if not checks_apply(array):
        return
    values = to_numpy(array)
    if values.size and (values.min() < low or values.max() > high):
        msg = (
            f"{loss_name}: {name} must lie in [{low:g}, {high:g}]; got values from {values.min():g} to "
            f"{values.max():g}. {hint}"
        )
        raise ValueError(msg)


def check_labels(
    loss_name: str, labels: Any, num_classes: int, ignore_class: int | None = None, *, ignore_arg: str = "ignore_class"
) -> None:
    """Raise if class indices fall outside ``[0, num_classes)`` (ignoring ``ignore_class``, named ``ignore_arg``)."""
    if not checks_apply(labels):
        return
    values = to_numpy(labels)
    if ignore_class is not None:
        values = values[values != ignore_class]
    if values.size and (values.min() < 0 or values.max() >= num_classes):
        msg = (
            f"{loss_name}: class indices must lie in [0, {num_classes}) for y_pred with {num_classes} classes; "
            f"got labels from {values.min()} to {values.max()}. Use {ignore_arg} for a padding label, or "
            "check that the model has one output per class."
        )
        raise ValueError(msg)
