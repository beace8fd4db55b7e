"""The lab from the command line, as a user runs it."""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from losslab.cli import app
from losslab.lab.experiments import TUTORIAL, tutorial_experiment
from losslab.lab.results import load_results
from losslab.lab.spec import ExperimentSpec, SpecError
from tests.lab._specs import mutated_specs

pytest.importorskip("torch")
runner = CliRunner()


def test_reproduce_writes_the_table_plots_json_and_html(tmp_path):
    result = runner.invoke(
        app,
        [
            "reproduce",
            "--seeds",
            "2",
            "--epochs-scale",
            "0.05",
            "--out",
            str(tmp_path),
            "--experiments",
            "bin-bce,mc-cce,reg-mse",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "bin-bce" in result.output and "0.836" in result.output  # the published value is in the table
    results, meta = load_results(tmp_path / "results.json")
    assert [r.spec.id for r in results] == ["bin-bce", "mc-cce", "reg-mse"] and meta["seeds"] == 2
    assert all(len(r.runs) == 2 and len(r.runs[0].history.loss) == 10 for r in results if r.spec.id == "bin-bce")
    html = (tmp_path / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 3 and "mc-cce" in html
    assert all((tmp_path / f"{i}.png").stat().st_size > 1000 for i in ("bin-bce", "mc-cce", "reg-mse"))


def test_compare_losses_on_circles(tmp_path):
    result = runner.invoke(
        app,
        [
            "compare",
            "--task",
            "circles",
            "--losses",
            "binary_crossentropy,hinge,binary_focal_crossentropy",
            "--seeds",
            "2",
            "--epochs",
            "5",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    results, _ = load_results(tmp_path / "results.json")
    assert [r.spec.loss for r in results] == ["binary_crossentropy", "hinge", "binary_focal_crossentropy"]
    assert results[1].spec.data.labels == "pm1" and results[1].spec.model.output_activation == "tanh"


def test_compare_with_an_unknown_loss_fails_clearly(tmp_path):
    result = runner.invoke(app, ["compare", "--task", "circles", "--losses", "hingee", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown loss name 'hingee'" in result.output and "Did you mean 'hinge'" in result.output
    assert len(result.output.splitlines()) == 1  # not the list of every name


def test_compare_refuses_a_loss_that_check_calls_an_error_before_training(tmp_path):
    from losslab.analysis import check
    from losslab.lab.data import load_data
    from losslab.lab.experiments import REGRESSION

    out = tmp_path / "out"
    args = ["compare", "--task", "regression", "--losses", "mse,poisson", "--epochs", "1", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "Traceback" not in result.output
    # the chooser's own finding on the set-up compare would build: a softplus unit on the task's signed targets
    targets = load_data(REGRESSION).y_train
    findings = [f for f in check("poisson", "softplus", targets, n_classes=1) if f.severity == "error"]
    assert findings and all(f.problem in result.output and f.fix in result.output for f in findings)
    assert not out.exists()  # nothing trained, nothing written


def test_compare_on_circles_gives_cce_the_softmax_and_one_hot_labels_it_needs(tmp_path):
    args = ["compare", "--task", "circles", "--losses", "categorical_crossentropy", "--epochs", "20"]
    result = runner.invoke(app, [*args, "--seeds", "1", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (experiment,), _ = load_results(tmp_path / "results.json")
    model = experiment.spec.model
    assert (model.output_units, model.output_activation, experiment.spec.data.labels) == (2, "softmax", "onehot")
    assert experiment.runs[0].history.loss[0] > 0.1  # a loss that moves (one sigmoid unit under CCE gives 0)


def _bad_spec_files() -> dict[str, str]:
    good = TUTORIAL[3].to_dict()
    return {
        "malformed JSON": '{"id": "a",\n "epochs": 1,,}',
        "empty file": "",
        "not a spec": "[1, 2]",
        "a number": "3",
        "epochs 0": json.dumps({**good, "epochs": 0}),
        "batch_size 0": json.dumps({**good, "batch_size": 0}),
        "unknown key": json.dumps({**good, "epoch": 3}),
        "data as a string": json.dumps({**good, "data": "circles"}),
        "published as strings": json.dumps({**good, "published": {"train": "0.8"}}),
        "learning_rate x": json.dumps({**good, "learning_rate": "x"}),
        "title with bad math": json.dumps({**good, "title": "$x^$"}),
        "unknown data set": json.dumps({**good, "data": {**good["data"], "name": "moons"}}),
        "unknown labels": json.dumps({**good, "data": {**good["data"], "labels": "one-hot"}}),
        "unknown metric": json.dumps({**good, "metric": "f1"}),
        "unknown activation": json.dumps({**good, "model": {**good["model"], "activation": "gelu"}}),
        "id escaping --out": json.dumps({**good, "id": "../../../tmp/losslab-pwned"}),
        "absolute id": json.dumps({**good, "id": "/tmp/losslab-pwned"}),
        "id with a folder": json.dumps({**good, "id": "sub/pwned"}),
        "duplicate ids": json.dumps([good, {**good, "loss": "mse"}]),
        "second spec bad": json.dumps([good, {**good, "id": "b", "momentum": 1.5}]),
        "missing csv": json.dumps({**good, "data": {"name": "csv", "params": {"path": "/nonexistent/x.csv"}}}),
    }


@pytest.mark.parametrize("name", list(_bad_spec_files()))
def test_run_refuses_a_bad_file_with_exit_2_and_no_traceback(tmp_path, name):
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(_bad_spec_files()[name])
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(spec_file), "--seeds", "1", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.output.startswith("error: ")
    assert all(line.startswith("error: ") for line in result.stderr.splitlines())
    assert not out.exists() and not Path("/tmp/losslab-pwned.png").exists()
    if name == "malformed JSON":
        assert "line 2, column 14" in result.output


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_run_on_fuzzed_bad_specs_exits_2_without_a_traceback(data):
    config = data.draw(mutated_specs())
    try:
        ExperimentSpec.from_dict(config)
    except SpecError:
        pass
    else:
        assume(False)  # a valid spec would train
    with tempfile.TemporaryDirectory() as folder:
        spec_file = Path(folder) / "spec.json"
        spec_file.write_text(json.dumps(config))
        result = runner.invoke(app, ["run", str(spec_file), "--out", str(Path(folder) / "out")])
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert not (Path(folder) / "out").exists()


def test_run_a_custom_experiment_from_a_csv(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 3))
    y = 2 * x[:, 0] - x[:, 2]
    csv = tmp_path / "data.csv"
    np.savetxt(csv, np.column_stack([x, y]), delimiter=",", header="a,b,c,target", comments="")
    spec = {
        "id": "csv-huber",
        "title": "my CSV with huber",
        "data": {"name": "csv", "params": {"path": str(csv), "target": "target"}, "n_train": 150},
        "model": {"hidden": [16], "output_activation": "linear"},
        "loss": {"class_name": "Huber", "config": {"delta": 0.5}},
        "metric": "mse",
        "epochs": 30,
    }
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(spec))
    result = runner.invoke(app, ["run", str(spec_file), "--seeds", "2", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    results, _ = load_results(tmp_path / "out" / "results.json")
    assert results[0].spec.id == "csv-huber" and results[0].mean("test") < 0.5


def _circles_spec(id_: str, **change) -> dict:
    spec = {
        "id": id_,
        "title": id_,
        "data": {"name": "circles", "params": {"n_samples": 200, "noise": 0.1, "random_state": 1}, "labels": "binary"},
        "model": {"hidden": [8], "output_activation": "sigmoid"},
        "loss": "binary_crossentropy",
        "n_train": 150,
        "epochs": 3,
    }
    spec["data"]["n_train"] = spec.pop("n_train")
    return {**spec, **change}


def _strict_json(path):
    return json.loads(path.read_text(), parse_constant=lambda c: pytest.fail(f"not strict JSON: {c}"))


def test_a_diverging_experiment_is_reported_and_the_others_are_kept(tmp_path):
    specs = [_circles_spec("fine"), _circles_spec("huge-lr", learning_rate=1e30), _circles_spec("fine-too")]
    (tmp_path / "spec.json").write_text(json.dumps(specs))
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(tmp_path / "spec.json"), "--seeds", "2", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "1 of 3 experiments did not finish ok: huge-lr (diverged)" in result.output
    payload = _strict_json(out / "results.json")
    assert [e["status"] for e in payload["experiments"]] == ["ok", "diverged", "ok"]
    assert "in_progress" not in payload["meta"]  # the final write, not one made along the way
    assert {run["test_metric"] for run in payload["experiments"][1]["runs"]} == {None}
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 3 and "diverged" in html
    assert sorted(p.name for p in out.iterdir()) == [
        "fine-too.png",
        "fine.png",
        "huge-lr.png",
        "report.html",
        "results.json",
    ]


@pytest.mark.parametrize("kind", ["a file", "under a file", "in /proc"])
def test_an_unusable_out_fails_before_any_training(tmp_path, monkeypatch, kind):
    from losslab.lab import runner as lab_runner

    def no_training(*args, **kwargs):
        pytest.fail("trained before checking --out")

    monkeypatch.setattr(lab_runner, "run_experiments", no_training)
    (tmp_path / "taken").write_text("a file")
    out = {"a file": tmp_path / "taken", "under a file": tmp_path / "taken" / "out", "in /proc": Path("/proc/x")}[kind]
    if kind == "in /proc" and not Path("/proc/self").exists():
        pytest.skip("no /proc file system here")
    (tmp_path / "spec.json").write_text(json.dumps(_circles_spec("fine")))
    result = runner.invoke(app, ["run", str(tmp_path / "spec.json"), "--out", str(out)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    (message,) = result.output.strip().splitlines()  # one line on stderr
    assert message.startswith("error: ") and str(out) in message and "--out" in message


def test_resume_trains_only_what_is_missing(tmp_path, monkeypatch):
    from losslab.lab import runner as lab_runner

    args = ["compare", "--task", "circles", "--losses", "binary_crossentropy,hinge,poisson"]
    args += ["--seeds", "1", "--epochs", "2", "--out", str(tmp_path)]
    assert runner.invoke(app, args).exit_code == 0
    payload = _strict_json(tmp_path / "results.json")
    first = payload["experiments"]
    payload["experiments"] = [first[0], first[2]]  # as if the run had stopped before hinge
    (tmp_path / "results.json").write_text(json.dumps(payload))
    trained = []
    train, train_together = lab_runner._train, lab_runner._train_together

    def counting(spec_dict, seeds):
        trained.append(spec_dict["id"])
        return train(spec_dict, seeds)

    def counting_together(spec_dicts, seeds):
        trained.extend(spec_dict["id"] for spec_dict in spec_dicts)
        return train_together(spec_dicts, seeds)

    monkeypatch.setattr(lab_runner, "_train", counting)
    monkeypatch.setattr(lab_runner, "_train_together", counting_together)
    result = runner.invoke(app, [*args, "--resume", "--jobs", "1"])  # in this process, where the counting is
    assert result.exit_code == 0, result.output
    assert trained == ["circles-hinge"]
    assert "resuming: 2 of 3 experiments already done" in result.output
    resumed = _strict_json(tmp_path / "results.json")["experiments"]
    assert [e["spec"]["id"] for e in resumed] == ["circles-binary_crossentropy", "circles-hinge", "circles-poisson"]
    assert resumed[0] == first[0] and resumed[2] == first[2]  # kept as they were
    assert resumed[1]["spec"] == first[1]["spec"] and resumed[1]["status"] == "ok"
    assert (tmp_path / "report.html").read_text().count("data:image/png;base64,") == 3
    trained.clear()
    assert runner.invoke(app, [*args, "--seeds", "2", "--resume", "--jobs", "1"]).exit_code == 0
    assert len(trained) == 3  # other seeds: nothing to keep


def test_study_writes_its_table_and_plot_together_or_not_at_all(tmp_path, monkeypatch):
    from losslab.analysis import studies

    rows = [
        {"config": c, "outlier fraction": f, "test_mean": m, "test_std": 0.01}
        for c, f, m in (("mse", 0.0, 0.1), ("mse", 0.2, 0.5), ("mae", 0.0, 0.12), ("mae", 0.2, 0.2))
    ]
    fake = studies.Study("robustness", "outlier fraction", ("test",), rows, {"mae beats mse with outliers": True})
    monkeypatch.setattr(studies, "robustness_study", lambda **kwargs: fake)
    result = runner.invoke(app, ["study", "robustness", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert set(before) == {"robustness.md", "robustness.png"} and b"| mae | 0.2 |" in before["robustness.md"]

    def full_disk(study, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(studies, "plot_study", full_disk)
    rows[0]["test_mean"] = 0.3
    result = runner.invoke(app, ["study", "robustness", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "No space left on device" in result.output
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # the old table, no temporary file


def test_run_example_prints_a_spec_that_runs(tmp_path):
    printed = runner.invoke(app, ["run", "--example"])
    assert printed.exit_code == 0, printed.output
    payload = json.loads(printed.stdout)
    assert isinstance(payload, list) and len(payload) == 2
    for spec in payload:
        spec["epochs"] = 2  # tiny, for the test
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(payload))
    result = runner.invoke(app, ["run", str(spec_file), "--seeds", "1", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    results, _ = load_results(tmp_path / "out" / "results.json")
    assert [r.spec.id for r in results] == [spec["id"] for spec in payload]
    assert all(r.status == "ok" for r in results)
    # not a terminal: one plain progress line per experiment, on stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("[")]
    assert [line.split()[0] for line in lines] == ["[1/2]", "[2/2]"]  # in the order they finish (a process each)
    assert sorted(line.split(" in ")[0].split()[1:] for line in lines) == sorted([s["id"], "done"] for s in payload)
    assert "published" not in result.stdout and "in range" not in result.stdout  # nothing published: no such columns


def test_run_schema_prints_the_json_schema():
    from losslab.lab.spec import json_schema

    result = runner.invoke(app, ["run", "--schema"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json_schema()


def test_run_help_describes_every_field_and_points_to_the_schema():
    from losslab.lab.schema import DataModel, ExperimentModel, ModelModel

    result = runner.invoke(app, ["run", "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert max(len(line) for line in result.output.splitlines()) <= 80
    text = " ".join(result.output.split())
    for name in [*ExperimentModel.model_fields, *DataModel.model_fields, *ModelModel.model_fields]:
        assert name in text, name
    assert "--example" in text and "--schema" in text and "spec.schema.json" in text
    assert "labels=continuous" in text and "n_train=500" in text  # defaults survive rich's markup


def test_run_without_a_file_says_how_to_start():
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 2 and "--example" in result.output


def test_study_reports_progress(tmp_path, monkeypatch):
    from losslab.analysis import studies

    rows = [{"config": "mse", "outlier fraction": 0.0, "test_mean": 0.1, "test_std": 0.01}]
    fake = studies.Study("robustness", "outlier fraction", ("test",), rows)

    def robustness_study(*, seeds, jobs, on_start, on_done):
        on_start(2)
        on_done("robust-mse-0.0")
        on_done("robust-mae-0.0")
        return fake

    monkeypatch.setattr(studies, "robustness_study", robustness_study)
    result = runner.invoke(app, ["study", "robustness", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = [line.split(" in ")[0] for line in result.stderr.splitlines() if line.startswith("[")]
    assert lines == ["[1/2] robust-mse-0.0 done", "[2/2] robust-mae-0.0 done"]


def test_report_reports_progress(tmp_path, monkeypatch):
    from losslab.analysis import report

    def write_full_report(out, *, seeds, quick, jobs, on_start, on_done):
        on_start(1)
        on_done("bin-bce")
        on_start(1)
        on_done("gallery figure 1")
        return out / "report.html"

    monkeypatch.setattr(report, "write_full_report", write_full_report)
    result = runner.invoke(app, ["report", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = [line.split(" in ")[0] for line in result.stderr.splitlines() if line.startswith("[")]
    assert lines == ["[1/1] bin-bce done", "[2/2] gallery figure 1 done"]


def test_a_run_stopped_part_way_leaves_the_previous_report_whole_and_resume_finishes_it(tmp_path, monkeypatch):
    from losslab.lab import runner as lab_runner

    specs = [replace(tutorial_experiment(i), epochs=2).to_dict() for i in ("reg-mse", "bin-bce", "mc-cce")]
    spec_file, out = tmp_path / "spec.json", tmp_path / "out"
    spec_file.write_text(json.dumps(specs[:2]))
    assert runner.invoke(app, ["run", str(spec_file), "--seeds", "1", "--out", str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert "results.partial.json" not in before and "report.html" in before
    spec_file.write_text(json.dumps(specs))
    train = lab_runner._train

    def stopped_at_mc_cce(spec_dict, seeds):  # as Ctrl-C in the middle of the third experiment
        if spec_dict["id"] == "mc-cce":
            raise KeyboardInterrupt
        return train(spec_dict, seeds)

    monkeypatch.setattr(lab_runner, "_train", stopped_at_mc_cce)
    stopped = runner.invoke(app, ["run", str(spec_file), "--seeds", "1", "--out", str(out), "--jobs", "1"])
    assert stopped.exit_code != 0
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    partial = json.loads(after.pop("results.partial.json"))
    assert after == before  # the previous run's report, whole: no new results.json beside an old report.html
    assert [e["spec"]["id"] for e in partial["experiments"]] == ["reg-mse", "bin-bce"]
    trained = []

    def counting(spec_dict, seeds):
        trained.append(spec_dict["id"])
        return train(spec_dict, seeds)

    monkeypatch.setattr(lab_runner, "_train", counting)
    result = runner.invoke(app, ["run", str(spec_file), "--seeds", "1", "--out", str(out), "--resume", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert trained == ["mc-cce"] and not (out / "results.partial.json").exists()
    final = _strict_json(out / "results.json")
    assert [e["spec"]["id"] for e in final["experiments"]] == ["reg-mse", "bin-bce", "mc-cce"]
    assert "in_progress" not in final["meta"]
