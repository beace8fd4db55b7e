"""The command line, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

import losslab
from losslab.cli import app
from losslab.demo import demo_batch, demo_rows
from losslab.losses._card import card, cards

runner = CliRunner()


def test_demo_prints_every_loss_on_every_backend():
    result = runner.invoke(app, ["demo", "--no-keras"])
    assert result.exit_code == 0, result.output
    assert set(demo_batch()) == {c.name for c in cards()}
    for name in demo_batch():
        assert name in result.output
    for backend in ("numpy", "torch", "jax"):
        assert backend in result.output


def test_demo_values_agree_across_backends_and_with_keras(keras):
    for row in demo_rows(with_keras=True):
        present = [v for v in row.values.values() if v is not None]
        assert len(present) >= 3
        np.testing.assert_allclose(present, present[0], rtol=1e-5, err_msg=row.loss)
        if card(row.loss).keras is not None:  # tversky's defaults (alpha = beta) hide Keras's swap
            assert row.keras is not None and np.isclose(row.keras, present[0], rtol=1e-5), row.loss
        else:
            assert row.keras is None and row.note == "not in Keras", row.loss


def test_list_names_every_alias():
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0
    assert set(result.output.split()) == set(losslab.names())


def test_help_does_not_import_torch():
    code = "import sys; from losslab.cli import app; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_python_dash_m_works():
    out = subprocess.run([sys.executable, "-m", "losslab", "--help"], capture_output=True, text=True, check=True)
    assert "demo" in out.stdout


def _bad_spec(tmp_path):
    spec_file = tmp_path / "spec.json"
    spec_file.write_text('{"id": "a", "title": "a", "data": {"name": "circles"}, "loss": "mse", "epochs": 0}')
    return str(spec_file)


def test_a_user_error_is_one_line_on_stderr_with_exit_2(tmp_path):
    result = runner.invoke(app, ["run", _bad_spec(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["error: epochs: 0 is not allowed; use an int >= 1"]
    assert result.stdout == ""


def test_debug_reraises_the_error_with_its_traceback(tmp_path):
    from losslab.lab import SpecError

    result = runner.invoke(app, ["--debug", "run", _bad_spec(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and isinstance(result.exception, SpecError)
    assert "epochs: 0 is not allowed" in str(result.exception)


def test_the_installed_script_prints_no_traceback_unless_debug(tmp_path):
    spec = _bad_spec(tmp_path)
    command = [sys.executable, "-m", "losslab"]
    plain = subprocess.run(
        [*command, "run", spec, "--out", str(tmp_path / "o")], capture_output=True, text=True, check=False
    )
    assert plain.returncode == 2 and "Traceback" not in plain.stderr and "epochs: 0" in plain.stderr
    debug = subprocess.run([*command, "--debug", "run", spec], capture_output=True, text=True, check=False)
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "SpecError" in debug.stderr


def test_usage_errors_keep_typer_s_form():
    result = runner.invoke(app, ["compare", "--task", "circles"])
    assert result.exit_code == 2 and "Missing option '--losses'" in result.output
    result = runner.invoke(app, ["run", "/nonexistent/spec.json"])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_an_unknown_task_is_a_user_error():
    result = runner.invoke(app, ["compare", "--task", "moons", "--losses", "mse"])
    assert result.exit_code == 2
    assert result.stderr == "error: --task: unknown task 'moons'; use one of regression, circles, blobs\n"


def _csv(path, rows, header="a,b,y"):
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def test_recommend_data_errors_are_one_line_exit_2(tmp_path):
    pytest.importorskip("sklearn")
    rows = [f"{i},{i % 3},{i % 2}" for i in range(20)]
    cases = [
        (_csv(tmp_path / "text.csv", [*rows[:-1], "1,x,0"]), "feature column 'b' is not numeric (e.g. 'x')"),
        (_csv(tmp_path / "hole.csv", [*rows[:-1], "1,,0"]), "feature column 'b' has 1 missing value (rows 20,"),
        (_csv(tmp_path / "flat.csv", [f"{i},7,{i % 2}" for i in range(20)]), "feature column 'b' is constant"),
    ]
    for path, message in cases:
        result = runner.invoke(app, ["recommend", "--data", str(path), "--target", "y"])
        assert result.exit_code == 2, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.output
        assert "Traceback" not in result.output
    few = _csv(tmp_path / "few.csv", [f"{i},{i * i % 7},{int(i < 2)}" for i in range(20)])
    result = runner.invoke(app, ["recommend", "--data", str(few), "--target", "y", "--folds", "3"])
    assert result.exit_code == 2
    assert "class '1' of target 'y' has 2 samples, fewer than --folds 3; pass --folds 2" in result.output
    result = runner.invoke(app, ["recommend", "--data", str(few), "--target", "y", "--imbalanced"])
    assert result.exit_code == 2 and "--imbalanced is read from the data" in result.output
    result = runner.invoke(app, ["recommend"])
    assert result.exit_code == 2 and "pass --task" in result.output


def test_recommend_on_data_ranks_and_writes(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 2))
    labels = np.where(x[:, 0] + x[:, 1] > 0, "up", "down")
    path = _csv(tmp_path / "d.csv", [f"{a:.4f},{b:.4f},{c}" for (a, b), c in zip(x, labels, strict=True)], "a,b,dir")
    out = tmp_path / "out"
    args = ["recommend", "--data", str(path), "--target", "dir", "--folds", "2", "--epochs", "2", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "target 'dir' has 2 values (down, up): binary" in result.output
    assert "[1/" in result.output  # plain progress lines outside a terminal
    assert "best by balanced_accuracy" in result.output
    saved = json.loads((out / "choice.json").read_text())
    assert saved["task"] == "binary" and saved["folds"] == 2 and saved["epochs"] == 2
    assert (out / "report.html").is_file() and (out / "runs.json").is_file()


def test_plot_draws_what_it_can_and_notes_the_rest(tmp_path):
    out = tmp_path / "curves.png"
    result = runner.invoke(app, ["plot", "mse", "ctc", "huber", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert "mean_squared_error: x = residual" in result.output and "huber: x = residual" in result.output
    assert "ctc: not drawn, it has no 1-D view" in result.output
    nothing = runner.invoke(app, ["plot", "ctc", "--out", str(tmp_path / "none.png")])
    assert nothing.exit_code == 2 and not (tmp_path / "none.png").exists()


def test_info_prints_the_formula_as_text():
    result = runner.invoke(app, ["info", "huber"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    first = next(i for i, line in enumerate(lines) if "formula:" in line)
    assert "\\" not in result.output and "cases" not in result.output
    assert "½ eᵢ²" in lines[first] and "if |eᵢ| ≤ δ" in lines[first]
    assert "otherwise" in lines[first + 1] and lines[first + 1].index("{") == lines[first].index("{")


def _labels_files(tmp_path):
    labels = np.array([0, 1, 1, 0, 1])
    np.save(tmp_path / "y.npy", labels)
    np.savez(tmp_path / "one.npz", labels)
    np.savez(tmp_path / "named.npz", X=np.zeros((5, 2)), y=labels)
    (tmp_path / "y.csv").write_text("label\n" + "\n".join(map(str, labels)) + "\n")
    (tmp_path / "plain.csv").write_text("\n".join(map(str, labels)) + "\n")
    return ["y.npy", "one.npz", "named.npz", "y.csv", "plain.csv"]


def test_check_reads_labels_from_npy_npz_and_csv(tmp_path):
    outputs = []
    for name in _labels_files(tmp_path):
        args = ["check", "--loss", "binary_crossentropy", "--activation", "sigmoid", "--labels", str(tmp_path / name)]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (name, result.output)
        assert "labels of shape (5,)" in result.output, name
        outputs.append(result.output)
    assert len(set(outputs)) == 1  # the same labels, the same findings, whatever the file


def test_check_names_the_problem_of_an_unreadable_labels_file(tmp_path):
    np.savez(tmp_path / "two.npz", a=np.zeros(3), b=np.ones(3))
    (tmp_path / "bad.csv").write_text("label\n0\nyes\n")
    (tmp_path / "y.txt").write_text("0\n1\n")
    base = ["check", "--loss", "bce", "--activation", "sigmoid", "--labels"]
    two = runner.invoke(app, [*base, str(tmp_path / "two.npz")])
    assert two.exit_code == 2 and "['a', 'b']" in two.output and "y, labels, y_true" in two.output
    bad = runner.invoke(app, [*base, str(tmp_path / "bad.csv")])
    assert bad.exit_code == 2 and "line 3" in bad.output
    txt = runner.invoke(app, [*base, str(tmp_path / "y.txt")])
    assert txt.exit_code == 2 and ".npy, .npz or .csv" in txt.output
