"""Built-in tasks for comparing losses: the tutorial's three data sets and models.

``spec_for(task, loss)`` gives each loss the label encoding, output layer and
metric it needs, read from the loss's card (``losslab.losses._cards``: the
``inputs`` it takes and the output ``activation`` it expects), so ``losslab
compare --task circles --losses binary_crossentropy,hinge`` compares like with
like. The set-up is then checked with the loss chooser's
:func:`losslab.analysis.check` on the task's labels: a loss the checker calls an
error on that task is refused with the checker's message, before anything trains.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from losslab.lab.experiments import BLOBS, CIRCLES, REGRESSION, TUTORIAL
from losslab.lab.schema import ACTIVATIONS
from losslab.lab.spec import DataSpec, ExperimentSpec, SpecError

TASKS = ("regression", "circles", "blobs")
_CLASSES = {"circles": 2, "blobs": 3}
_REAL_INPUTS = frozenset({"real", "nonzero", "positive"})


def _card_of(loss: Any) -> Any:
    """The card of the loss ``loss`` names (function, class or config), or ``None`` for a user's own loss."""
    import losslab
    from losslab.losses._card import card_of, cards

    try:
        obj = losslab.get(loss)  # an unknown name fails here, naming close ones
    except ValueError as error:
        reason = str(error).split(" Valid names:")[0]  # the list of every name is too long for one line
        raise SpecError([f"--losses {loss!r}: {reason} (`losslab list` prints every name)"]) from None
    fn = obj.fn if isinstance(obj, losslab.LossFunctionWrapper) else obj
    found = card_of(fn)
    if found is not None:
        return found
    return next((c for c in cards() if type(obj) is c.cls), None) or next(
        (c for c in cards() if isinstance(obj, c.cls)), None
    )


def _outputs(card: Any, default: str) -> list[str]:
    """The lab's activations that the card's ``activation`` text names, in its order (``default`` if none)."""
    words = card.activation.replace(",", " ").replace("(", " ").replace(")", " ").split()
    named = [w for w in dict.fromkeys(words) if w in ACTIVATIONS]
    return named or [default]


def _layout(task: str, loss: Any, card: Any) -> tuple[str, int, list[str], str]:
    """``(labels, output units, candidate output activations, metric)`` for ``loss`` on ``task``."""
    where = f"--losses {loss!r} on the {task} task"
    if card is None:  # a user's own loss: the task's own layout
        return {
            "regression": ("continuous", 1, ["linear"], "mse"),
            "circles": ("binary", 1, ["sigmoid"], "accuracy"),
            "blobs": ("onehot", 3, ["softmax"], "accuracy"),
        }[task]
    inputs = card.inputs
    if task == "regression":
        if inputs in _REAL_INPUTS:
            return "continuous", 1, _outputs(card, "linear"), "mse"
    else:
        classes = _CLASSES[task]
        two = classes == 2  # circles: one unit with binary or {-1, 1} labels for the losses that take them
        if inputs in _REAL_INPUTS:  # a regression loss on class labels: the task's own output (check may warn)
            return ("binary", 1, ["sigmoid"], "accuracy") if two else ("onehot", classes, ["softmax"], "accuracy")
        if inputs == "binary":
            return (
                ("binary", 1, _outputs(card, "sigmoid"), "accuracy")
                if two
                else ("onehot", classes, _outputs(card, "sigmoid"), "accuracy")
            )
        if inputs == "pm1":
            return (
                ("pm1", 1, _outputs(card, "tanh"), "sign_accuracy")
                if two
                else ("onehot", classes, _outputs(card, "tanh"), "accuracy")
            )
        if inputs in ("onehot", "distributions"):
            return "onehot", classes, _outputs(card, "softmax"), "accuracy"
        if inputs == "indices":
            return "integer", classes, _outputs(card, "softmax"), "accuracy"
    msg = (
        f"{where}: it takes {card.labels} (a loss for {', '.join(card.tasks)}), which the {task} task "
        f"does not have; compare it on another task or pick a loss for {task}"
    )
    raise SpecError([msg])


def spec_for(task: str, loss: Any, *, epochs: int | None = None) -> ExperimentSpec:
    """An experiment training ``loss`` on ``task`` with the tutorial's model for that task.

    The labels, output units and output activation are the ones the loss's
    card asks for; the first candidate output that :func:`losslab.analysis.check`
    finds no error in is used.

    Raises
    ------
    ValueError
        For an unknown task or loss name.
    SpecError
        When the loss cannot train on the task: it takes inputs the task does not
        have, or the chooser's checker calls every fitting set-up an error (its message).
    """
    if task not in TASKS:
        msg = f"--task: unknown task {task!r}; use one of {', '.join(TASKS)}"
        raise SpecError([msg])
    import numpy as np

    from losslab.analysis import check
    from losslab.lab.data import load_data

    card = _card_of(loss)
    labels, units, outputs, metric = _layout(task, loss, card)
    if task == "regression":
        base = TUTORIAL[0]
        data = REGRESSION
    elif task == "circles":
        base = TUTORIAL[3]
        data = replace(CIRCLES, labels=labels)
    else:
        base = TUTORIAL[6]
        data = DataSpec("blobs", BLOBS, labels=labels)
    y = load_data(data).y_train  # the labels it will train on
    y_pred = np.zeros((len(y), units), dtype=np.float32)  # check reads the output's shape only
    first_errors: list[Any] = []
    for activation in outputs:
        errors = [f for f in check(loss, activation, y, y_pred=y_pred) if f.severity == "error"]
        if not errors:
            break
        first_errors = first_errors or [(activation, errors)]
    else:
        activation, errors = first_errors[0]
        setup = f"{units} {activation} output unit{'s' if units > 1 else ''} and {labels!r} labels"
        raise SpecError([f"--losses {loss!r} on the {task} task ({setup}): {f.problem} Fix: {f.fix}" for f in errors])
    name = loss if isinstance(loss, str) else card.name if card is not None else "custom"
    name = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:48]  # the id names files: see schema.ID_PATTERN
    return replace(
        base,
        id=f"{task}-{name}",
        title=f"{task}, {name}",
        data=data,
        model=replace(base.model, output_units=units, output_activation=activation),
        loss=loss,
        metric=metric,
        published=None,
        published_metric=None,
        epochs=epochs or base.epochs,
    )


def specs_for(task: str, losses: Sequence[Any], *, epochs: int | None = None) -> list[ExperimentSpec]:
    """:func:`spec_for` of each loss, every refusal reported at once.

    Raises
    ------
    SpecError
        Every problem of every loss, one per line.
    """

    def one(loss: Any) -> tuple[ExperimentSpec | None, tuple[str, ...]]:
        try:
            return spec_for(task, loss, epochs=epochs), ()
        except SpecError as error:
            return None, error.problems

    built = [one(loss) for loss in losses]
    problems = [line for _, lines in built for line in lines]
    if problems:
        raise SpecError(problems)
    return [spec for spec, _ in built if spec is not None]
