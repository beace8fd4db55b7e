"""Experiment specs: the schema, its messages, the shipped JSON Schema, and a fuzz test of ``from_dict``."""

from __future__ import annotations

import copy
import json
import math
import pickle
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losslab.lab import SpecError, load_results
from losslab.lab.experiments import TUTORIAL
from losslab.lab.schema import ACTIVATIONS, DATA_NAMES, INITIALIZERS, LABELS, METRICS, ExperimentModel, show
from losslab.lab.spec import SCHEMA_FILE, ExperimentSpec, check_specs, json_schema, specs_from_payload
from tests.lab._specs import FIELDS, field_values, json_values, mutated_specs

DATA = Path(__file__).with_name("data")
LINE = re.compile(r"^(spec \d+( \('.*'\))?: )?\S.*?: \S.*$")
"""One problem: ``[spec N ('id'): ]<field path>: <value and fix>``, on one line."""


def valid() -> dict[str, Any]:
    """A spec that the lab runs: the tutorial's binary cross-entropy experiment."""
    return copy.deepcopy(TUTORIAL[3].to_dict())


def problems(config: Any) -> list[str]:
    with pytest.raises(SpecError) as info:
        ExperimentSpec.from_dict(config)
    assert info.type is SpecError
    lines = str(info.value).splitlines()
    assert lines == list(info.value.problems) and all(LINE.match(line) for line in lines), lines
    return lines


def with_(**fields: Any) -> dict[str, Any]:
    return {**valid(), **fields}


def test_spec_error_survives_pickling_as_a_process_pool_sends_it():
    error = pickle.loads(pickle.dumps(SpecError(["epochs: 0 is not allowed", "metric: 'f1' is not allowed"])))
    assert isinstance(error, ValueError) and error.problems == (
        "epochs: 0 is not allowed",
        "metric: 'f1' is not allowed",
    )
    assert str(error) == "epochs: 0 is not allowed\nmetric: 'f1' is not allowed"


def test_every_tutorial_spec_round_trips_and_validates():
    for spec in TUTORIAL:
        assert ExperimentSpec.from_dict(spec.to_dict()) == spec
        assert ExperimentSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


def test_results_written_by_losslab_0_1_0_still_load():
    results, meta = load_results(DATA / "results_0.1.0.json")
    assert [r.spec.id for r in results] == ["bin-hinge", "mc-scce", "reg-l2"]
    assert results[0].spec.published_metric == "keras2_accuracy" and results[0].spec.model.hidden == (50,)
    assert results[2].spec.model.kernel_regularizer == {"class_name": "L2", "config": {"l2": 1e-4}}
    assert meta["title"] == "written by losslab 0.1.0"


def test_missing_fields_take_their_defaults():
    spec = ExperimentSpec.from_dict(
        {"id": "a", "title": "t", "data": {"name": "csv", "params": {"path": "x.csv"}}, "loss": "mse"}
    )
    assert (spec.epochs, spec.batch_size, spec.model.hidden, spec.data.labels) == (100, 32, (25,), "continuous")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"epochs": 0}, "epochs: 0 is not allowed; use an int >= 1"),
        ({"batch_size": 0}, "batch_size: 0 is not allowed; use an int >= 1"),
        ({"epochs": 2.0}, "epochs: 2.0 is not allowed; use an int >= 1"),
        ({"epochs": True}, "epochs: True is not allowed; use an int >= 1"),
        ({"learning_rate": "x"}, "learning_rate: 'x' is not allowed; use a finite number > 0"),
        ({"learning_rate": math.inf}, "learning_rate: inf is not allowed; use a finite number > 0"),
        ({"learning_rate": 0}, "learning_rate: 0 is not allowed; use a finite number > 0"),
        ({"momentum": 1.0}, "momentum: 1.0 is not allowed; use a number in [0, 1)"),
        ({"data": "circles"}, "data: 'circles' is not allowed; use an object such as"),
        ({"published": {"train": "0.8"}}, "published.train: '0.8' is not allowed; use an object such as"),
        ({"published": {"val": 0.8}}, "published.val (key): 'val' is not allowed as a key"),
        ({"metric": "f1"}, "metric: 'f1' is not allowed; use one of 'mse', 'accuracy', 'sign_accuracy'"),
        ({"published_metric": "keras2_accuracy"}, "published_metric: 'keras2_accuracy' is not allowed with 'binary'"),
        ({"loss": "hingee"}, "loss: 'hingee' is not allowed; use a losslab loss name"),
        ({"loss": None}, "loss: None is not allowed; a spec needs a loss"),
        ({"class_weight": {"one": 2.0}}, "class_weight.one (key): 'one' is not allowed as a key"),
        ({"class_weight": {"1": -2.0}}, "class_weight['1']: -2.0 is not allowed; use an object of class index"),
        ({"title": "loss $x^$"}, "title: 'loss $x^$' is not allowed; matplotlib cannot draw its math"),
        ({"epoch": 10}, "epoch: unknown key; did you mean 'epochs'? the keys are id, title, data"),
    ],
)
def test_a_bad_field_is_named_with_its_value_and_fix(fields, expected):
    lines = problems(with_(**fields))
    assert len(lines) == 1 and lines[0].startswith(expected), lines


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("data", "name"), "moons", "data.name: 'moons' is not allowed; use one of 'regression', 'circles'"),
        (("data", "labels"), "onehott", "data.labels: 'onehott' is not allowed; use one of 'continuous'"),
        (("data", "standardize"), "false", "data.standardize: 'false' is not allowed; use true or false"),
        (("data", "n_train"), 1000, "data.n_train: 1000 is not allowed; it must leave test samples of the 1000"),
        (("model", "activation"), "gelu", "model.activation: 'gelu' is not allowed; use one of 'linear'"),
        (("model", "output_activation"), "soft_max", "model.output_activation: 'soft_max' is not allowed"),
        (("model", "kernel_initializer"), "zeros", "model.kernel_initializer: 'zeros' is not allowed"),
        (("model", "hidden"), [50, 0], "model.hidden[1]: 0 is not allowed; use a list of ints >= 1"),
        (("model", "output_units"), 0, "model.output_units: 0 is not allowed; use an int >= 1"),
        (("model", "kernel_regularizer"), "l3", "model.kernel_regularizer: 'l3' is not allowed"),
        (("model", "units"), 3, "model.units: unknown key; the keys are hidden, activation"),
    ],
)
def test_a_bad_nested_field_is_named_by_its_path(path, value, expected):
    config = valid()
    config[path[0]][path[1]] = value
    lines = problems(config)
    assert len(lines) == 1 and lines[0].startswith(expected), lines


def test_every_problem_is_reported_at_once():
    lines = problems(with_(epochs=0, batch_size=-1, metric="f1", foo=1))
    assert [line.split(":")[0] for line in lines] == ["metric", "epochs", "batch_size", "foo"]


def test_a_missing_field_says_what_to_add():
    config = valid()
    del config["title"], config["data"]["name"]
    assert problems(config) == ["title: missing; add it: a string", problems(config)[1]]
    assert problems(config)[1].startswith("data.name: missing; add it: one of 'regression'")


def test_n_train_must_leave_test_samples_of_a_generator():
    lines = problems({"id": "a", "title": "t", "data": {"name": "circles"}, "loss": "mse"})
    expected = (
        "data.n_train: 500 is not allowed; it must leave test samples of the 100 generated: "
        "use an n_train < 100 (or raise data.params.n_samples)"
    )
    assert lines == [expected]


def test_a_spec_that_is_not_an_object():
    assert problems([1, 2])[0].startswith("spec: [1, 2] is not allowed; use an object")


@pytest.mark.parametrize(
    "id_",
    [
        "../../../tmp/pwned",
        "/tmp/pwned",
        "out/pwned",
        "a..b",
        "",
        ".hidden",
        "a" * 65,
        "a:b",
        "a\\b",
        "a ",
        "a.",
        "a\nb",
        "a\n",
    ],
)
def test_an_id_must_be_a_plain_file_name(id_):
    lines = problems(with_(id=id_))
    assert len(lines) == 1 and lines[0].startswith(f"id: {show(id_)} is not allowed"), lines


@pytest.mark.parametrize("id_", ["bin-bce", "a", "run_1.v2", "A" * 64, "robust-huber(0.5)-0.2", "focal(gamma=2), 1"])
def test_a_plain_file_name_is_a_valid_id(id_):
    assert ExperimentSpec.from_dict(with_(id=id_)).id == id_


def test_titles_matplotlib_can_draw_are_valid():
    for title in ("$x^2$ loss", r"costs \$5", "$x^", "plain"):
        assert ExperimentSpec.from_dict(with_(title=title)).title == title


def test_a_list_of_specs_names_each_bad_spec_and_duplicate_ids():
    one, two, three = valid(), with_(id="bin-x", epochs=0), valid()
    with pytest.raises(SpecError) as info:
        specs_from_payload([one, two, three])
    assert info.value.problems == (
        "spec 2 ('bin-x'): epochs: 0 is not allowed; use an int >= 1",
        "spec 3 ('bin-bce'): id: 'bin-bce' is used twice (specs 1 and 3); give each experiment its own id",
    )
    assert [s.id for s in specs_from_payload([one, with_(id="other")])] == ["bin-bce", "other"]
    with pytest.raises(SpecError, match="used twice"):
        check_specs([TUTORIAL[0], TUTORIAL[0]])


@pytest.mark.parametrize("payload", [[], "spec", 3, None])
def test_a_payload_must_be_a_spec_or_a_list_of_specs(payload):
    with pytest.raises(SpecError, match=r"^spec: .* is not allowed; use one spec \(a JSON object\)"):
        specs_from_payload(payload)


def test_the_schema_names_what_the_lab_implements():
    torch = pytest.importorskip("torch")
    del torch
    from losslab.lab import data, model, train

    assert set(LABELS) == set(data.LABEL_ENCODINGS)
    assert set(ACTIVATIONS) == set(model.ACTIVATIONS)
    assert set(INITIALIZERS) == set(model.INITIALIZERS)
    assert set(METRICS) == set(train.METRICS)
    with pytest.raises(ValueError, match="unknown data set") as info:
        data.load_data(data.DataSpec("moons"))
    assert set(str(info.value).split("use one of ")[1].split(", ")) == set(DATA_NAMES)


def test_the_shipped_json_schema_is_the_generated_one():
    assert json.loads(SCHEMA_FILE.read_text()) == json_schema()
    schema = json_schema()
    assert schema["additionalProperties"] is False and schema["properties"]["epochs"]["minimum"] == 1
    assert schema["properties"]["id"]["pattern"] == ExperimentModel.model_fields["id"].metadata[0].pattern


# ------------------------------------------------------------------------------ fuzz

spec_dicts = (
    mutated_specs()
    | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), field_values, max_size=8)
    | json_values
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec_dicts)
def test_from_dict_returns_a_spec_or_raises_spec_error_one_line_per_problem(config):
    try:
        spec = ExperimentSpec.from_dict(config)
    except SpecError as error:
        lines = str(error).splitlines()
        assert lines and all(LINE.match(line) for line in lines), lines
        return
    try:
        text = json.dumps(spec.to_dict(), allow_nan=False)
    except ValueError:  # nan in free-form params: the spec is valid, but nan != nan
        return
    assert ExperimentSpec.from_dict(json.loads(text)) == spec


@settings(max_examples=100, deadline=None)
@given(st.lists(mutated_specs(), min_size=1, max_size=3))
def test_specs_from_payload_returns_specs_or_raises_spec_error(payload):
    try:
        specs = specs_from_payload(payload)
    except SpecError as error:
        lines = str(error).splitlines()
    else:
        assert len({s.id for s in specs}) == len(specs) == len(payload)
        return
    assert lines and all(LINE.match(line) for line in lines), lines
