"""``losslab recommend --data``: multi-label targets, the budget, and Ray (through the command line)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from losslab.cli import STARTED, app

pytest.importorskip("torch")
pytest.importorskip("sklearn")

runner = CliRunner()


def _multilabel_csv(path, n=240, seed=3):
    """Features a..d and labels p, q, r: each a threshold of one feature; r is rare (about 5% positives)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    y = np.stack([x[:, 0] > 0, x[:, 1] + 0.5 * x[:, 2] > 0.3, x[:, 3] > 1.65], axis=1).astype(int)
    rows = [",".join([*(f"{v:.5f}" for v in xs), *(str(v) for v in ys)]) for xs, ys in zip(x, y, strict=True)]
    path.write_text("a,b,c,d,p,q,r\n" + "\n".join(rows) + "\n")
    return path


def test_multilabel_target_of_several_columns(tmp_path):
    path = _multilabel_csv(tmp_path / "tags.csv")
    out = tmp_path / "out"
    args = ["recommend", "--data", str(path), "--target", "p,q,r", "--task", "multilabel"]
    result = runner.invoke(app, [*args, "--folds", "2", "--epochs", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "best by f1" in result.output  # macro F1 is the multi-label default
    assert "positives per label {'p':" in result.output
    saved = json.loads((out / "choice.json").read_text())
    assert saved["task"] == "multilabel" and saved["metric"] == "f1"
    names = [row["name"] for row in saved["ranking"]]
    assert {"binary_crossentropy", "binary_crossentropy + positive weights", "dice"} <= set(names)
    assert all(row["output_activation"] in ("linear", "sigmoid") for row in saved["ranking"])
    assert all(row["status"] == "ok" for row in saved["ranking"]), saved["ranking"]
    # the tables name the labels as they are (the lab's "continuous" pass-through reads as 0/1 columns)
    assert "0/1 per label" in result.output and "continuous" not in result.output
    assert "0/1 per label" in (out / "report.html").read_text()
    # a column that is not there is named, with the hint on several columns
    result = runner.invoke(app, ["recommend", "--data", str(path), "--target", "p,x"])
    assert result.exit_code == 2 and "no column 'x' for --target (several target columns" in result.output
    # one column is not a multi-label target
    result = runner.invoke(app, ["recommend", "--data", str(path), "--target", "p", "--task", "multilabel"])
    assert result.exit_code == 2 and "a multilabel target is several 0/1 columns" in result.output


def test_a_tiny_budget_cuts_epochs_then_folds_and_says_so(tmp_path):
    path = _multilabel_csv(tmp_path / "tags.csv", n=120)
    args = ["recommend", "--data", str(path), "--target", "p,q,r", "--folds", "3", "--epochs", "20"]
    # the command "started" 10 s ago, so nothing of the second is left whatever this machine's speed
    result = runner.invoke(app, [*args, "--budget", "1s"], obj={STARTED: time.monotonic() - 10})
    assert result.exit_code == 0, result.output
    assert "to stay within the budget of 1 s (0 s left" in result.output
    assert "5 epochs instead of 20, 2 folds instead of 3" in result.output
    assert "over 2 folds, 5 epochs" in result.output
    assert "more than the budget; pass a larger --budget" in result.output
    assert "needs about 0 s" not in result.output  # small estimates keep two significant digits


def test_the_budget_counts_from_the_commands_start(tmp_path):
    path = _multilabel_csv(tmp_path / "tags.csv", n=120)
    args = ["recommend", "--data", str(path), "--target", "p,q,r", "--folds", "3", "--epochs", "8"]
    # an hour is plenty for this data, unless the command started an hour ago (as main() would say)
    result = runner.invoke(app, [*args, "--budget", "1h"])
    assert result.exit_code == 0, result.output
    assert "budget" not in result.output and "over 3 folds, 8 epochs" in result.output
    result = runner.invoke(app, [*args, "--budget", "1h"], obj={STARTED: time.monotonic() - 3600})
    assert result.exit_code == 0, result.output
    assert (
        "to stay within the budget of 3600 s (0 s left" in result.output and "over 2 folds, 5 epochs" in result.output
    )


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="the process's start is read from Linux's /proc")
def test_process_start_is_before_now():
    from losslab.cli._clock import process_age, process_start

    assert 0.0 < process_age() < 1e6  # this process has run for a while (Linux), and not for days
    assert process_start() < time.monotonic()
