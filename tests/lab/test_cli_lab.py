"""The lab from the command line, as a user runs it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from losslab.cli import app
from losslab.lab.results import load_results

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
    assert result.exit_code != 0
    assert "unknown loss name 'hingee'" in str(result.exception)


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
