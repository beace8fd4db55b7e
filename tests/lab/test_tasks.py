"""Built-in tasks of ``losslab compare``: each loss gets the labels and output its card asks for, or is refused."""

from __future__ import annotations

import numpy as np
import pytest

from losslab.analysis import check
from losslab.lab.data import load_data
from losslab.lab.spec import ExperimentSpec, SpecError
from losslab.lab.tasks import TASKS, spec_for
from losslab.losses._card import cards


@pytest.mark.parametrize(
    ("task", "loss", "labels", "units", "activation", "metric"),
    [
        ("circles", "categorical_crossentropy", "onehot", 2, "softmax", "accuracy"),
        ("circles", "sparse_categorical_crossentropy", "integer", 2, "softmax", "accuracy"),
        ("circles", "binary_crossentropy", "binary", 1, "sigmoid", "accuracy"),
        (
            "circles",
            {"class_name": "BinaryCrossentropy", "config": {"from_logits": True}},
            "binary",
            1,
            "linear",
            "accuracy",
        ),
        ("circles", "hinge", "pm1", 1, "tanh", "sign_accuracy"),
        ("blobs", "categorical_crossentropy", "onehot", 3, "softmax", "accuracy"),
        ("blobs", "scce", "integer", 3, "softmax", "accuracy"),
        ("blobs", "categorical_hinge", "onehot", 3, "linear", "accuracy"),
        ("regression", "mse", "continuous", 1, "linear", "mse"),
        ("regression", "huber", "continuous", 1, "linear", "mse"),
    ],
)
def test_each_loss_gets_the_labels_and_output_it_needs(task, loss, labels, units, activation, metric):
    spec = spec_for(task, loss, epochs=3)
    got = (spec.data.labels, spec.model.output_units, spec.model.output_activation, spec.metric)
    assert got == (labels, units, activation, metric)
    assert spec.epochs == 3 and spec.published is None
    assert ExperimentSpec.from_dict(spec.to_dict()) == spec


def test_cce_on_one_sigmoid_unit_was_an_error_for_check_and_compare_no_longer_builds_it():
    binary = load_data(spec_for("circles", "binary_crossentropy").data).y_train
    one_unit = np.zeros((len(binary), 1))
    assert any(f.severity == "error" for f in check("categorical_crossentropy", "sigmoid", binary, y_pred=one_unit))
    spec = spec_for("circles", "categorical_crossentropy")
    onehot = load_data(spec.data).y_train
    two_units = np.zeros((len(onehot), 2))
    findings = check("categorical_crossentropy", spec.model.output_activation, onehot, y_pred=two_units)
    assert not [f for f in findings if f.severity == "error"]


def test_every_spec_compare_builds_passes_check():
    built = 0
    for task in TASKS:
        for card in cards():
            try:
                spec = spec_for(task, card.name)
            except SpecError as error:
                refusals = error.problems
            else:
                refusals = ()
            if refusals:
                assert all(line.startswith(f"--losses {card.name!r} on the {task} task") for line in refusals)
                continue
            y = load_data(spec.data).y_train
            outputs = np.zeros((len(y), spec.model.output_units))
            findings = check(spec.loss, spec.model.output_activation, y, y_pred=outputs)
            assert not [f for f in findings if f.severity == "error"], (task, card.name)
            built += 1
    assert built >= 60


@pytest.mark.parametrize(("task", "loss"), [("regression", "binary_crossentropy"), ("circles", "dice")])
def test_a_loss_for_other_inputs_is_refused_with_what_it_takes(task, loss):
    with pytest.raises(SpecError, match=rf"--losses '{loss}' on the {task} task: it takes .* \(a loss for "):
        spec_for(task, loss)


def test_an_unknown_task_or_loss_is_refused():
    with pytest.raises(SpecError, match="unknown task 'moons'; use one of regression, circles, blobs"):
        spec_for("moons", "mse")
    with pytest.raises(SpecError, match=r"unknown loss name 'hingee'.*`losslab list` prints every name"):
        spec_for("circles", "hingee")
