"""Which experiments train together as one ensemble: decided from the specs and their data, without torch.

The runner groups experiments before anything trains, in its own process, so this
module imports NumPy and the lab's data loaders only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from losslab.lab.data import Dataset, load_data
from losslab.lab.spec import ExperimentSpec, ModelSpec


def group_experiments(specs: Sequence[ExperimentSpec], datasets: Sequence[Dataset] | None = None) -> list[list[int]]:
    """Indices of ``specs`` that can train as one ensemble, each group in order, groups by their first index.

    Specs go together when they train the same model (:class:`~losslab.lab.spec.ModelSpec`; the output
    activation may differ) on the same inputs (equal ``x`` of both splits; labels may differ) for the same
    epochs, batch size, learning rate and momentum: for the tutorial, the three regression experiments, the
    three binary ones (sigmoid and tanh outputs) and the three multi-class ones. ``datasets`` (one per
    spec) saves loading the data again.
    """
    datasets = [load_data(spec.data) for spec in specs] if datasets is None else datasets
    groups: list[list[int]] = []
    for index, (spec, data) in enumerate(zip(specs, datasets, strict=True)):
        for group in groups:
            first, first_data = specs[group[0]], datasets[group[0]]
            same_run = (_shape(spec.model), spec.epochs, spec.batch_size, spec.learning_rate, spec.momentum) == (
                _shape(first.model),
                first.epochs,
                first.batch_size,
                first.learning_rate,
                first.momentum,
            )
            if same_run and _same_inputs(data, first_data):
                group.append(index)
                break
        else:
            groups.append([index])
    return groups


def _shape(model: ModelSpec) -> ModelSpec:
    """The model without its output activation: experiments that differ in that only train together."""
    return replace(model, output_activation="")


def _same_inputs(a: Dataset, b: Dataset) -> bool:
    return (
        a.x_train.shape == b.x_train.shape
        and a.x_test.shape == b.x_test.shape
        and bool(np.array_equal(a.x_train, b.x_train))
        and bool(np.array_equal(a.x_test, b.x_test))
    )
