"""Built-in tasks for comparing losses: the tutorial's three data sets and models.

``spec_for(task, loss)`` picks the label encoding, output activation and
metric that the loss needs, so ``losslab compare --task circles --losses
binary_crossentropy,hinge`` compares like with like.
"""

from __future__ import annotations

from dataclasses import replace

from losslab.lab.experiments import BLOBS, CIRCLES, REGRESSION, TUTORIAL
from losslab.lab.spec import DataSpec, ExperimentSpec

TASKS = ("regression", "circles", "blobs")
_PM1_LOSSES = {"hinge", "squared_hinge"}
_INTEGER_LOSSES = {"sparse_categorical_crossentropy", "scce", "SCCE", "categorical_generalized_cross_entropy"}
_POSITIVE_OUTPUT_LOSSES = {"poisson"}


def spec_for(task: str, loss: str, *, epochs: int | None = None) -> ExperimentSpec:
    """An experiment training ``loss`` on ``task`` with the tutorial's model for that task."""
    if task not in TASKS:
        msg = f"unknown task {task!r}; use one of {TASKS}"
        raise ValueError(msg)
    import losslab

    losslab.get(loss)  # an unknown name fails here, listing close ones
    if task == "regression":
        base = TUTORIAL[0]
        activation = "softplus" if loss in _POSITIVE_OUTPUT_LOSSES else "linear"
        spec = replace(base, data=REGRESSION, model=replace(base.model, output_activation=activation), metric="mse")
    elif task == "circles":
        base = TUTORIAL[3]
        if loss in _PM1_LOSSES:
            data = DataSpec("circles", CIRCLES.params, labels="pm1")
            spec = replace(base, data=data, model=replace(base.model, output_activation="tanh"), metric="sign_accuracy")
        else:
            spec = base
    else:
        base = TUTORIAL[6]
        labels = "integer" if loss in _INTEGER_LOSSES else "onehot"
        activation = "linear" if loss == "categorical_hinge" else "softmax"
        spec = replace(
            base, data=DataSpec("blobs", BLOBS, labels=labels), model=replace(base.model, output_activation=activation)
        )
    return replace(
        spec,
        id=f"{task}-{loss}",
        title=f"{task}, {loss}",
        loss=loss,
        published=None,
        published_metric=None,
        epochs=epochs or spec.epochs,
    )
