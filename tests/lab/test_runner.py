"""The runner degrades instead of collapsing: diverged seeds, failing experiments and dead workers are outcomes."""

from __future__ import annotations

import json
import math
import os
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from losslab.lab import runner
from losslab.lab.experiments import tutorial_experiment
from losslab.lab.results import ExperimentResult
from losslab.lab.runner import run_experiments
from losslab.lab.spec import ExperimentSpec, SpecError
from losslab.lab.train import train_experiment

pytest.importorskip("torch")

_TRAIN = runner._train  # the real worker entry point, also in the spawned workers that import this module


def crash_or_train(spec_dict: dict[str, Any], seeds: int) -> dict[str, Any]:
    """A worker entry point that kills its process for the experiment ``"crash"``, as a segfault or the OOM killer."""
    if spec_dict["id"] == "crash":
        os._exit(7)
    return _TRAIN(spec_dict, seeds)


def tiny(id_: str, **change: Any):
    return replace(tutorial_experiment(id_), epochs=2, **change)


def test_one_seed_diverges_and_the_others_train_as_without_it():
    # at this learning rate, seed 3 of reg-mse overflows in its second epoch and seeds 0 to 2 stay finite
    spec = replace(tutorial_experiment("reg-mse"), epochs=3, learning_rate=0.14)
    result = train_experiment(spec, 4)
    assert [run.status for run in result.runs] == ["ok", "ok", "ok", "diverged"]
    assert result.status == "diverged" and "1 of 4 seeds diverged" in result.error
    bad = result.runs[3]
    assert bad.train_metric is None and bad.test_metric is None and bad.extra_metrics == {}
    assert "at epoch 2" in bad.error and len(bad.history.loss) == 1  # the history stops at the last finite epoch
    assert all(math.isfinite(v) for v in bad.history.loss + bad.history.val_loss)
    healthy = train_experiment(spec, 3)
    assert healthy.status == "ok"
    for kept, alone in zip(result.runs[:3], healthy.runs, strict=True):
        np.testing.assert_allclose(kept.history.val_loss, alone.history.val_loss, rtol=1e-5)
        assert kept.test_metric == pytest.approx(alone.test_metric, rel=1e-5)
    assert result.values("test") == [run.test_metric for run in result.runs[:3]]  # statistics over the ok seeds


def test_a_diverging_experiment_stops_early_and_the_others_are_kept():
    specs = [tiny("bin-bce"), replace(tiny("bin-bce", learning_rate=1e30), id="huge-lr", epochs=50), tiny("reg-mse")]
    results = run_experiments(specs, 2)
    assert [r.status for r in results] == ["ok", "diverged", "ok"]
    diverged = results[1]
    assert all(run.status == "diverged" and run.test_metric is None for run in diverged.runs)
    assert all(len(run.history.loss) < 3 for run in diverged.runs)  # stopped long before its 50 epochs
    assert math.isnan(diverged.mean("test"))
    assert all(
        run.test_metric is not None and math.isfinite(run.test_metric)
        for r in (results[0], results[2])
        for run in r.runs
    )


def test_an_experiment_that_raises_is_failed_and_the_run_goes_on(monkeypatch):
    from losslab.lab import train

    real = train.train_experiment

    def broken_for_mc_cce(spec: ExperimentSpec, seeds: int) -> ExperimentResult:
        if spec.id == "mc-cce":
            msg = "no data today"
            raise ValueError(msg)
        return real(spec, seeds)

    monkeypatch.setattr(train, "train_experiment", broken_for_mc_cce)
    done: list[str] = []
    specs = [tiny("bin-bce"), tiny("mc-cce"), tiny("reg-mse")]
    results = run_experiments(specs, 2, on_done=lambda r: done.append(r.spec.id))
    assert [r.status for r in results] == ["ok", "failed", "ok"] and done == ["bin-bce", "mc-cce", "reg-mse"]
    failed = results[1]
    assert failed.error is not None and failed.error.startswith("ValueError: no data today")
    assert [(run.seed, run.status, run.test_metric) for run in failed.runs] == [
        (0, "failed", None),
        (1, "failed", None),
    ]


def test_a_bad_spec_built_in_python_is_refused_before_anything_trains(monkeypatch):
    monkeypatch.setattr(runner, "_train", lambda *args: pytest.fail("trained before checking the specs"))
    with pytest.raises(SpecError, match=r"spec 2 \('mc-cce'\): metric: 'f1' is not allowed"):
        run_experiments([tiny("bin-bce"), replace(tiny("mc-cce"), metric="f1")], 1)


def test_a_killed_worker_is_a_failed_experiment_and_the_others_complete(monkeypatch):
    monkeypatch.setattr(runner, "_train", crash_or_train)
    specs = [tiny("bin-bce"), replace(tiny("reg-mse"), id="crash"), tiny("mc-cce")]
    saved: list[list[str]] = []
    results = run_experiments(specs, 1, jobs=2, on_update=lambda so_far: saved.append([r.spec.id for r in so_far]))
    assert [r.spec.id for r in results] == ["bin-bce", "crash", "mc-cce"]
    assert [r.status for r in results] == ["ok", "failed", "ok"]
    assert "worker process died" in results[1].error and results[1].runs[0].test_metric is None
    assert len(saved) == 3 and saved[-1] == ["bin-bce", "crash", "mc-cce"]  # one update per experiment
    assert all(ids == [i for i in saved[-1] if i in ids] for ids in saved)  # each in the order of the specs


def test_reuse_skips_what_is_done_with_the_same_spec_and_seeds(monkeypatch):
    specs = [tiny("bin-bce"), tiny("reg-mse"), tiny("mc-cce")]
    first = run_experiments(specs, 2)
    trained: list[str] = []

    def counting(spec_dict: dict[str, Any], seeds: int) -> dict[str, Any]:
        trained.append(spec_dict["id"])
        return _TRAIN(spec_dict, seeds)

    monkeypatch.setattr(runner, "_train", counting)
    from_file = [ExperimentResult.from_dict(json.loads(json.dumps(r.to_dict()))) for r in first]  # tuples -> lists
    changed = [specs[0], replace(specs[1], epochs=3), specs[2]]
    again = run_experiments(changed, 2, reuse=[from_file[2], from_file[1], from_file[0]])
    assert trained == ["reg-mse"]  # a changed spec is trained again
    assert [r.spec.id for r in again] == ["bin-bce", "reg-mse", "mc-cce"] and again[0] is from_file[0]
    assert len(again[1].runs[0].history.loss) == 3
    trained.clear()
    run_experiments(specs, 3, reuse=from_file)  # other seeds: nothing matches
    assert trained == ["bin-bce", "reg-mse", "mc-cce"]


def test_experiments_that_share_data_and_model_train_together_with_the_results_each_has_alone(monkeypatch):
    groups: list[list[str]] = []
    together = runner._train_together

    def recording(spec_dicts: list[dict[str, Any]], seeds: int) -> list[dict[str, Any]]:
        groups.append([d["id"] for d in spec_dicts])
        return together(spec_dicts, seeds)

    monkeypatch.setattr(runner, "_train_together", recording)
    # lr 0.14: seed 3 of reg-mse overflows in its second epoch; its NaNs must reach no member of the other two
    specs = [replace(tiny(id_), epochs=3, learning_rate=0.14) for id_ in ("reg-mse", "reg-msle", "reg-mae")]
    specs.insert(1, tiny("bin-bce"))
    done: list[str] = []
    results = run_experiments(specs, 4, on_done=lambda r: done.append(r.spec.id))
    assert groups == [["reg-mse", "reg-msle", "reg-mae"]]  # trained as one ensemble; bin-bce alone
    assert [r.spec.id for r in results] == ["reg-mse", "bin-bce", "reg-msle", "reg-mae"]
    assert sorted(done) == sorted(r.spec.id for r in results)
    assert results[0].runs[3].status == "diverged" and "at epoch 2" in results[0].runs[3].error
    for together in results:
        alone = train_experiment(together.spec, 4)
        assert [run.status for run in together.runs] == [run.status for run in alone.runs]
        for a, b in zip(together.runs, alone.runs, strict=True):
            for series in ("loss", "val_loss", "metric", "val_metric"):
                np.testing.assert_allclose(getattr(a.history, series), getattr(b.history, series), rtol=1e-5)
            if b.status == "ok":
                assert a.test_metric == pytest.approx(b.test_metric, rel=1e-5)
                assert a.extra_metrics == pytest.approx(b.extra_metrics, rel=1e-5)


def test_in_a_group_a_spec_that_does_not_fit_fails_alone_and_the_others_train():
    bad = replace(tiny("mc-cce"), id="mc-bad", loss="sparse_categorical_crossentropy")  # one-hot labels
    results = run_experiments([tiny("mc-cce"), bad, tiny("mc-scce")], 2)
    assert [r.status for r in results] == ["ok", "failed", "ok"]
    assert "looks one-hot encoded" in results[1].error
    alone = train_experiment(tiny("mc-scce"), 2)
    for together, by_itself in zip(results[2].runs, alone.runs, strict=True):
        np.testing.assert_allclose(together.history.val_loss, by_itself.history.val_loss, rtol=1e-5)
