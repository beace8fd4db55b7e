"""Results files: strict JSON, statuses, files from before statuses, writes that never leave half a file."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap

import pytest

from losslab.lab.experiments import tutorial_experiment
from losslab.lab.results import ExperimentResult, History, RunResult, load_results, save_results


def _strict(text: str):
    """Parse as a strict JSON parser would: NaN, Infinity and -Infinity are errors."""

    def refuse(constant: str):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def _run(seed: int, test: float | None, status: str = "ok", error: str | None = None) -> RunResult:
    history = History(loss=[1.0, 0.5], val_loss=[1.1, 0.6], metric=[0.5, 0.7], val_metric=[0.4, 0.6], penalty=[0, 0])
    extra = {"weight_norm": 2.0} if status == "ok" else {}
    return RunResult(seed, history, test, test, 0.5, extra, status, error)


def test_saved_results_are_strict_json_with_null_for_non_finite_values(tmp_path):
    spec = tutorial_experiment("reg-mse")
    ok = ExperimentResult(spec, [_run(0, 0.1), _run(1, math.inf)])  # made by hand: an infinite metric
    diverged = ExperimentResult.from_runs(spec, [_run(0, 0.2), _run(1, None, "diverged", "non-finite loss")])
    path = save_results([ok, diverged], tmp_path / "results.json", meta={"wall_seconds": math.nan})
    payload = _strict(path.read_text())
    assert payload["meta"] == {"wall_seconds": None}
    assert payload["experiments"][0]["runs"][1]["test_metric"] is None
    second = payload["experiments"][1]
    assert second["status"] == "diverged" and second["error"] == "1 of 2 seeds diverged (seed 1: non-finite loss)"
    assert second["runs"][1] | {"history": None} == {
        "seed": 1,
        "history": None,
        "train_metric": None,
        "test_metric": None,
        "seconds": 0.5,
        "extra_metrics": {},
        "status": "diverged",
        "error": "non-finite loss",
    }
    loaded, _ = load_results(path)
    assert loaded[1] == diverged
    assert loaded[1].values("test") == [0.2] and loaded[1].mean("test") == 0.2


def test_results_written_before_statuses_load_as_ok(tmp_path):
    old = {
        "meta": {"seeds": 1},
        "experiments": [
            {
                "spec": tutorial_experiment("bin-bce").to_dict(),
                "runs": [
                    {
                        "seed": 0,
                        "history": {"loss": [0.7], "val_loss": [0.6], "metric": [0.8], "val_metric": [0.81]},
                        "train_metric": 0.8,
                        "test_metric": 0.81,
                        "seconds": 1.0,
                        "extra_metrics": {"weight_norm": 3.0},
                    }
                ],
            }
        ],
    }
    (tmp_path / "results.json").write_text(json.dumps(old))
    (result,), meta = load_results(tmp_path / "results.json")
    assert meta == {"seeds": 1} and result.status == "ok" and result.error is None
    assert result.runs[0].status == "ok" and result.mean("test") == 0.81
    assert result.matches(tutorial_experiment("bin-bce"), 1)


def test_a_failed_experiment_has_one_failed_run_per_seed():
    result = ExperimentResult.failed(tutorial_experiment("bin-bce"), 3, "MemoryError: ")
    assert result.status == "failed" and [run.seed for run in result.runs] == [0, 1, 2]
    assert all(run.status == "failed" and run.test_metric is None and not run.history.loss for run in result.runs)
    assert result.values("test") == [] and math.isnan(result.std("test"))
    assert result.published_in_range("test") is None
    assert not result.matches(tutorial_experiment("bin-bce"), 3)  # a resumed run tries it again


@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX resource limits")
def test_a_write_that_runs_out_of_space_leaves_the_previous_file_whole(tmp_path):
    path = tmp_path / "results.json"
    save_results([ExperimentResult(tutorial_experiment("bin-bce"), [_run(0, 0.8)])], path, meta={"run": "previous"})
    before = path.read_bytes()
    # a child process limited to files of 4 kB (as a full disk): the new results are larger
    code = textwrap.dedent(
        f"""
        import resource, signal
        from losslab.lab.experiments import tutorial_experiment
        from losslab.lab.results import ExperimentResult, History, RunResult, save_results
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        history = History(loss=[0.5] * 500)
        result = ExperimentResult(tutorial_experiment("reg-mse"), [RunResult(0, history, 0.1, 0.2, 1.0)])
        try:
            save_results([result], {str(path)!r}, meta={{"run": "new"}})
        except OSError as error:
            print("failed:", error.strerror)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("failed: File too large")
    assert path.read_bytes() == before and _strict(before.decode())["meta"] == {"run": "previous"}
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]  # no temporary file left behind


# test MSE of seeds 0-19 of the tutorial's reg-msle, keras 3.15.1, KERAS_BACKEND=jax
_KERAS_MSLE = [0.125, 0.104, 0.320, 0.117, 0.121, 0.174, 0.122, 0.118, 0.149, 0.132]
_KERAS_MSLE += [0.147, 0.288, 0.218, 0.145, 0.217, 0.088, 0.147, 0.173, 0.120, 0.176]
# the same with three seeds that blew up, as the lab's worst three did
_LAB_MSLE = [*_KERAS_MSLE[:2], 4.89, *_KERAS_MSLE[3:5], 7.89, *_KERAS_MSLE[6:9], 10.93, *_KERAS_MSLE[10:]]


def test_outlier_seeds_flag_blow_ups_and_stuck_seeds_but_not_the_spread_of_healthy_ones():
    spec = tutorial_experiment("reg-msle")
    lab = ExperimentResult(spec, [_run(seed, value) for seed, value in enumerate(_LAB_MSLE)])
    assert lab.outlier_seeds("test") == [2, 5, 9]
    keras = ExperimentResult(spec, [_run(seed, value) for seed, value in enumerate(_KERAS_MSLE)])
    assert keras.outlier_seeds("test") == []  # q3 0.1745, IQR 0.054: 0.32 lies 2.7 IQRs above q3
    # five values: the quartiles are the 2nd and 4th, 0.14 and 0.16 (IQR 0.02); the fences lie at 0.08 and 0.22
    hand = ExperimentResult(spec, [_run(seed, v) for seed, v in enumerate([0.13, 0.14, 0.15, 0.16, 0.30])])
    assert hand.outlier_seeds("test") == [4]
    assert hand.outlier_seeds("test", k=8.0) == []  # fences at 0.32


def test_outlier_seeds_use_ok_seeds_only_and_need_four_of_them():
    spec = tutorial_experiment("mc-cce")
    stuck = [0.82, 0.818, 0.816, 0.826, 0.522]
    runs = [_run(seed, value) for seed, value in enumerate(stuck)] + [_run(5, None, "diverged", "non-finite loss")]
    result = ExperimentResult.from_runs(spec, runs)
    assert result.outlier_seeds("test") == [4] and result.outlier_seeds("train") == [4]
    assert ExperimentResult(spec, runs[2:5]).outlier_seeds("test") == []  # 3 ok seeds: too few to tell
    # seeds that agree to rounding: an interquartile range of 0, and a seed one sample (of 500) apart is no outlier
    same = ExperimentResult(spec, [_run(seed, v) for seed, v in enumerate([0.83, 0.83, 0.83, 0.83, 0.832])])
    assert same.outlier_seeds("test") == []
