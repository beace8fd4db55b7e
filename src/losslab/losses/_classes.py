"""The per-class average of segmentation_models_pytorch's modes: ``classes``, ``class_weights``, ``ignore_background``.

Shared by the overlap losses with ``mode`` (:func:`~losslab.dice`, :func:`~losslab.jaccard`,
:func:`~losslab.tversky`, :func:`~losslab.focal_tversky`) and :func:`~losslab.binary_focal_crossentropy` with
``mode``: each computes one loss per class, then this module averages them.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from losslab._backend import as_array, cast_like, device, is_array, to_numpy
from losslab._checks import check_finite, check_range

CLASS_OPTIONS_DOC = """class_weights : array-like of shape (C,), optional
        With ``mode="multiclass"`` or ``"multilabel"``: one weight :math:`w_c \\ge 0` per class of ``y_pred``
        (not normalised); the per-class losses are averaged as :math:`\\sum_c w_c \\ell_c / \\sum_c w_c` over
        the classes kept (by ``classes`` and ``ignore_background``), as segmentation_models_pytorch's
        ``class_weights``. A class zeroed by ``empty_target="zero"`` keeps its weight in the denominator;
        weights that sum to 0 give a loss of 0.
    ignore_background : bool, default False
        With ``mode="multiclass"`` or ``"multilabel"``: leave class 0 out of the average over classes (MONAI's
        ``include_background=False``). Class 0 still takes part in the softmax of ``mode="multiclass"``."""
"""The text of the two options in the docstrings of the losses that take them."""


def check_class_options(
    loss_name: str, mode: Any, classes: Any, class_weights: Any, ignore_background: Any, has_classes: bool = True
) -> None:
    """Raise a ``ValueError`` for ``class_weights`` or ``ignore_background`` without a mode that has classes.

    ``has_classes``: whether the loss takes ``classes`` too (then ``ignore_background`` with a ``classes`` list that
    holds class 0 is refused).
    """
    if not isinstance(ignore_background, (bool, np.bool_)):
        msg = (
            f"{loss_name}: ignore_background must be a bool (True or False); "
            f"got ignore_background={ignore_background!r}"
        )
        raise ValueError(msg)
    used = [
        name
        for name, value in (("class_weights", class_weights is not None), ("ignore_background", ignore_background))
        if value
    ]
    if used and mode not in ("multiclass", "multilabel"):
        msg = (
            f"{loss_name}: {' and '.join(used)} weigh the classes of mode='multiclass' or 'multilabel' "
            f"(binary mode has one class); got mode={mode!r}"
        )
        raise ValueError(msg)
    if class_weights is not None and not is_array(class_weights):
        items = tuple(class_weights) if isinstance(class_weights, (list, tuple)) else None
        if not items or not all(
            isinstance(w, Real) and not isinstance(w, bool) and math.isfinite(w) and float(w) >= 0 for w in items
        ):
            msg = (
                f"{loss_name}: class_weights must be a non-empty 1-D sequence of finite floats >= 0, one per class; "
                f"got class_weights={class_weights!r}"
            )
            raise ValueError(msg)
    if has_classes and ignore_background and classes is not None and 0 in tuple(classes):
        msg = (
            f"{loss_name}: ignore_background=True leaves class 0 out, but classes={list(classes)!r} picks it; "
            "drop 0 from classes, or pass ignore_background=False"
        )
        raise ValueError(msg)


def class_weights_config(class_weights: Any, owner: str) -> Any:
    """``class_weights`` as a list of floats for a JSON config (an array is read back); ``None`` stays ``None``.

    ``owner`` (the class's name) starts the message of a value that is not a sequence of numbers.
    """
    if class_weights is None:
        return None
    try:
        if is_array(class_weights):
            return [float(w) for w in to_numpy(class_weights).reshape(-1)]
        if isinstance(class_weights, str | bytes):
            raise TypeError
        return [float(w) for w in class_weights]
    except (TypeError, ValueError):
        msg = (
            f"{owner}: class_weights must be a 1-D sequence of floats, one weight per class; "
            f"got class_weights={class_weights!r}"
        )
        raise ValueError(msg) from None


def class_average(
    losses: Any,
    xp: Any,
    loss_name: str,
    *,
    classes: Any = None,
    class_weights: Any = None,
    ignore_background: bool = False,
) -> Any:
    """The mean of the per-class ``losses`` (shape ``(C,)``) over the classes kept, weighted by ``class_weights``.

    ``classes`` picks classes (indices, negative ones from the end); ``ignore_background`` drops class 0;
    ``class_weights`` (shape ``(C,)``) gives :math:`\\sum w_c \\ell_c / \\sum w_c` over the classes kept (0 where
    the weights kept sum to 0).
    """
    num_classes = losses.shape[0]
    picked = None
    if classes is not None:
        picked = tuple(int(c) for c in classes)
        if not all(-num_classes <= c < num_classes for c in picked):
            msg = f"{loss_name}: classes must be indices of the {num_classes} classes of y_pred; got {list(picked)}"
            raise ValueError(msg)
        picked = tuple(c % num_classes for c in picked)
        if ignore_background and 0 in picked:
            msg = f"{loss_name}: ignore_background=True leaves class 0 out, but classes={list(classes)!r} picks it"
            raise ValueError(msg)
    elif ignore_background:
        if num_classes < 2:
            msg = (
                f"{loss_name}: ignore_background=True leaves class 0 out, and y_pred has {num_classes} class; "
                "pass at least 2 classes, or ignore_background=False"
            )
            raise ValueError(msg)
        picked = tuple(range(1, num_classes))
    weights = None
    if class_weights is not None:
        weights = cast_like(as_array(class_weights, xp, like=losses, name="class_weights"), losses, xp)
        if tuple(weights.shape) != (num_classes,):
            msg = (
                f"{loss_name}: class_weights must hold one weight per class of y_pred, shape ({num_classes},); "
                f"got class_weights of shape {tuple(weights.shape)}"
            )
            raise ValueError(msg)
        check_finite(loss_name, class_weights=weights)
        check_range(loss_name, "class_weights", weights, 0.0, math.inf, "Class weights are >= 0.")
    if picked is not None:
        index = xp.asarray(picked, device=device(losses))
        losses = xp.take(losses, index, axis=0)
        weights = None if weights is None else xp.take(weights, index, axis=0)
    if weights is None:
        return xp.mean(losses)
    total = xp.sum(weights)
    positive = total > 0
    return xp.where(positive, xp.sum(weights * losses) / xp.where(positive, total, xp.ones_like(total)), total * 0.0)
