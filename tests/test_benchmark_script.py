"""benchmarks/lab_vs_keras.py: its command line and its pure formatting helpers (no training)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests._scripts import BENCHMARKS, benchmark_module

SCRIPT = BENCHMARKS / "lab_vs_keras.py"


@pytest.fixture(scope="module")
def bench():
    with benchmark_module("lab_vs_keras") as module:
        yield module


def test_help_runs():
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    for option in ("--seeds", "--epochs-scale", "--keras-backend", "--out", "--experiments", "--jobs"):
        assert option in result.stdout
    assert "_keras-worker" not in result.stdout


def test_keras_table_matches_the_lab_tutorial(bench):
    from losslab.lab.experiments import TUTORIAL

    assert [e.id for e in bench.KERAS_TUTORIAL] == [s.id for s in TUTORIAL]
    for exp, spec in zip(bench.KERAS_TUTORIAL, TUTORIAL, strict=True):
        assert exp.epochs == spec.epochs
        assert exp.metric == spec.metric
    assert bench.KERAS_BY_ID["mc-kld"].loss == "kl_divergence"  # Keras 3 has no kullback_leibler_divergence


def test_experiment_selection_and_epoch_scaling(bench):
    assert bench.parse_experiments("mc-cce,bin-bce") == ["bin-bce", "mc-cce"]  # tutorial order
    assert len(bench.parse_experiments(None)) == 9
    with pytest.raises(SystemExit, match="unknown experiment"):
        bench.parse_experiments("bin-nope")
    assert bench.scaled_epochs(200, 0.02) == 4
    assert bench.scaled_epochs(100, 0.001) == 1


def _fake():
    keras = {
        "runs": {
            "bin-bce": [
                {"seconds": 10.0, "train_metric": 0.8, "test_metric": 0.84},
                {"seconds": 12.0, "train_metric": 0.9, "test_metric": 0.86},
                {"seconds": 30.0, "train_metric": 0.85, "test_metric": 0.85},
            ],
            "reg-mse": [{"seconds": 4.0, "train_metric": 0.0, "test_metric": 0.002}] * 3,
        },
        "subprocess_wall_seconds": 70.0,
    }
    losslab = {
        "available": True,
        "by_jobs": {
            "1": {
                "wall_seconds": 8.0,
                "experiments": {
                    "bin-bce": {"run_seconds": [2.0, 2.0, 2.0], "train_metric": [0.8] * 3, "test_metric": [0.85] * 3},
                    "reg-mse": {"run_seconds": [0.5] * 3, "train_metric": [0.0] * 3, "test_metric": [0.001] * 3},
                },
            },
            "2": {"wall_seconds": 5.0, "experiments": {}},
        },
    }
    return keras, losslab


def test_summary_rows_and_totals(bench):
    keras, losslab = _fake()
    rows, totals = bench.summarize(["reg-mse", "bin-bce"], {"reg-mse": 100, "bin-bce": 200}, keras, losslab)
    bce = rows[1]
    assert bce["experiment"] == "bin-bce"
    assert bce["keras_seconds_per_run"] == 12.0  # median, not mean
    assert bce["losslab_seconds_per_run"] == 2.0  # summed RunResult.seconds / seeds
    assert bce["speedup"] == pytest.approx(6.0)
    assert bce["keras_test_mean"] == pytest.approx(0.85)
    assert totals["keras_fit_evaluate_seconds"] == pytest.approx(64.0)
    assert totals["speedup"] == pytest.approx(8.0)
    assert totals["speedup_by_jobs"]["2"] == pytest.approx(12.8)

    cells = bench.table_cells(rows, totals)
    assert cells[0] == ["reg-mse", "100", "4.00", "0.50", "8.0x", "mse", "0.002", "0.001"]
    assert cells[1] == ["bin-bce", "200", "12.00", "2.00", "6.0x", "accuracy", "0.850", "0.850"]
    assert cells[-1][:5] == ["total", "", "64.00", "8.00", "8.0x"]

    md = bench.format_markdown(rows, totals, {"machine": {"keras_backend": "torch"}, "config": {"seeds": 3}})
    assert "| bin-bce | 200 | 12.00 | 2.00 | 6.0x | accuracy | 0.850 | 0.850 |" in md
    assert "| **total** |  | **64.00** | **8.00** | **8.0x** |" in md
    assert "jobs=2) wall time: 5.00 s (12.8x Keras)" in md
    plain = bench.format_plain(rows, totals)
    assert "bin-bce" in plain and "6.0x" in plain and "12.8x" in plain


def test_missing_losslab_half_gives_dashes(bench):
    keras, _ = _fake()
    missing = {"available": False, "message": "losslab.lab.runner is not importable yet"}
    rows, totals = bench.summarize(["bin-bce"], {"bin-bce": 200}, keras, missing)
    assert bench.table_cells(rows, totals)[0] == ["bin-bce", "200", "12.00", "—", "—", "accuracy", "0.850", "—"]
    assert totals["speedup"] is None


def test_distributions_count_diverged_and_outlying_seeds_and_test_the_two_sides(bench):
    # quartiles of the five finite values 0.10, 0.11, 0.12, 0.13, 5.0: 0.11 and 0.13 (worked by hand)
    d = bench.distribution([0.10, 0.12, 0.13, None, 5.0, 0.11], "mse")
    assert (d["median"], d["q1"], d["q3"], d["worst"]) == pytest.approx((0.12, 0.11, 0.13, 5.0))
    assert (d["diverged"], d["outliers"], d["bad_share"]) == (1, 1, pytest.approx(2 / 6))
    assert bench.distribution([0.8, 0.82, 0.81, 0.52], "accuracy")["worst"] == 0.52
    tests = bench.two_sample_tests([0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8])
    assert tests["mannwhitneyu_p"] == pytest.approx(2 / 70)  # exact test: 2 of the C(8, 4) = 70 splits as extreme
    assert bench.two_sample_tests([0.1, None], [0.5, 0.6, 0.7])["mannwhitneyu_p"] is None
    keras, losslab = _fake()
    rows, _ = bench.summarize(["reg-mse", "bin-bce"], {"reg-mse": 100, "bin-bce": 200}, keras, losslab)
    text = bench.format_distributions(rows)
    assert "MWU p" in text and text.count("losslab") == 2
