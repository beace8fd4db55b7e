"""Choosing a loss on data: task inference, data checks, and rankings on data with known right answers."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from losslab.analysis.choose import (
    Table,
    _fit_budget,
    _Timing,
    check_data,
    choose_loss,
    infer_target,
    parse_budget,
    read_table,
)

# ------------------------------------------------------------------------------------------ task inference


@pytest.mark.parametrize(
    ("target", "task"),
    [
        (np.array([0, 1] * 20), "binary"),
        (np.array(["cat", "dog"] * 20, dtype=object), "binary"),
        (np.array([0, 1, 2, 3] * 20), "multiclass"),
        (np.array(["a", "b", "c"] * 20, dtype=object), "multiclass"),
        (np.linspace(-3.0, 7.0, 80), "regression"),
        (np.arange(80), "regression"),  # 80 distinct integers: a count, not classes
        (np.tile([[0, 1, 1], [1, 0, 0]], (20, 1)), "multilabel"),
    ],
)
def test_infer_target_names_the_task_and_the_override(target, task):
    found = infer_target(target, name="y")
    assert found.task == task
    assert "--task" in found.reason


def test_binary_minority_is_the_positive_class():
    target = np.array(["common"] * 30 + ["rare"] * 5, dtype=object)
    found = infer_target(target)
    assert found.classes == ("common", "rare")
    assert found.y.sum() == 5  # 1 marks the rare class
    assert found.imbalanced
    assert found.counts == (30, 5)


def test_forced_task_that_does_not_fit_is_refused():
    with pytest.raises(ValueError, match="--task binary: target 'y' has 3 classes"):
        infer_target(np.array([0, 1, 2] * 10), "binary")
    with pytest.raises(ValueError, match="--task regression: target 'y' is not numeric"):
        infer_target(np.array(["a", "b"] * 10, dtype=object), "regression")
    with pytest.raises(ValueError, match="unknown task 'ranking'"):
        infer_target(np.array([0, 1] * 10), "ranking")


def test_outliers_are_detected_in_a_heavy_tailed_target():
    rng = np.random.default_rng(0)
    clean = rng.normal(size=400)
    assert not infer_target(clean).outliers
    dirty = clean.copy()
    dirty[:20] += 50.0
    assert infer_target(dirty).outliers


# ------------------------------------------------------------------------------------------ data checks


def _table(**columns):
    target = columns.pop("target", np.array([0.0, 1.0] * 5))
    return Table({k: np.asarray(v) for k, v in columns.items()}, target, "y")


def test_check_data_messages_name_the_column_and_the_fix():
    good = np.arange(10.0)
    with pytest.raises(ValueError, match=r"feature column 'b' has 1 missing value \(rows 3,.*fill them in"):
        check_data(_table(a=good, b=np.where(good == 2, np.nan, good)))
    with pytest.raises(ValueError, match=r"feature column 'c' is constant .*--features"):
        check_data(_table(a=good, c=np.ones(10)))
    with pytest.raises(ValueError, match=r"feature column 'city' is not numeric \(e\.g\. 'Paris'\); encode it"):
        check_data(_table(a=good, city=np.array(["1", "Paris"] * 5, dtype=object)))
    with pytest.raises(ValueError, match="target 'y' has 1 missing value"):
        check_data(_table(a=good, target=np.where(good == 0, np.nan, good)))
    assert check_data(_table(a=good, b=2 * good)).shape == (10, 2)


def test_a_class_with_fewer_samples_than_folds_is_refused():
    x = np.arange(40.0).reshape(20, 2) + np.random.default_rng(0).normal(size=(20, 2))
    y = np.array([0] * 17 + [1] * 3)
    with pytest.raises(ValueError, match="class '1' of target 'y' has 3 samples, fewer than --folds 5; pass --folds 3"):
        choose_loss(x, y, folds=5, epochs=1)


def test_read_table_csv(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n1,2,yes\n3,4,no\n5,,yes\n")
    table = read_table(path, "label")
    assert list(table.columns) == ["a", "b"]
    assert list(table.target) == ["yes", "no", "yes"]
    assert np.isnan(table.columns["b"][2])
    with pytest.raises(ValueError, match="no column 'y' for --target; the columns are"):
        read_table(path, "y")
    with pytest.raises(ValueError, match="no feature column 'z' for --features"):
        read_table(path, "label", ["a", "z"])


def test_read_table_npz_and_unknown_suffix(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, X=np.ones((4, 2)), y=np.arange(4))
    table = read_table(path)
    assert list(table.columns) == ["x0", "x1"] and table.target_name == "y"
    (tmp_path / "d.txt").write_text("")
    with pytest.raises(ValueError, match=r"cannot read '\.txt' files"):
        read_table(tmp_path / "d.txt", "y")


def test_parquet_without_pandas_names_the_package(tmp_path):
    try:
        import pandas  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("pandas is installed: the message is for installs without it")
    path = tmp_path / "d.parquet"
    path.write_bytes(b"PAR1")
    with pytest.raises(ValueError, match="pip install pandas pyarrow"):
        read_table(path, "y")


def test_parse_budget():
    assert parse_budget("1.5m") == 90.0
    with pytest.raises(ValueError, match="--budget: 'soon' is not a time"):
        parse_budget("soon")


@pytest.mark.parametrize(("parallel", "epochs"), [(1, 20), (2, 30)])
def test_the_budget_counts_the_pools_start_and_the_reports_figures(parallel, epochs):
    """4 losses x 5 folds: 0.1 s per training and 0.01 s per epoch, a pool's start 2 s, 0.5 s per figure.

    Without the start and the figures, 8 s hold 30 epochs on one process ((8 / 20 - 0.1) / 0.01) and all 50 on two.

    8 s are left. On one process the figures cost 4 x 0.5 = 2 s, leaving 6 s for 20 trainings:
    0.3 s each, so (0.3 - 0.1) / 0.01 = 20 epochs. Two processes also pay the 2 s start, leaving 4 s for
    10 trainings per process: 0.4 s each, 30 epochs.
    """
    timing = _Timing(per_epoch=0.01, per_run=0.1, start=2.0, figure=0.5)
    notes: list[str] = []
    assert _fit_budget((10.0, 8.0), timing, 4, 5, 50, parallel, notes) == (epochs, 5)
    assert notes == [
        (
            "to stay within the budget of 10 s (8 s left after start-up, reading the data and timing one loss: 0.01 s "
            f"per epoch on one fold, 0.5 s per report figure): {epochs} epochs instead of 50"
        )
    ]
    notes.clear()
    assert _fit_budget((10.0, 8.0), replace(timing, figure=0.0, start=0.0), 4, 5, 50, parallel, notes) == (
        (30, 5) if parallel == 1 else (50, 5)
    )


# ------------------------------------------------------------------------------------------ rankings


def test_robust_loss_beats_mse_on_outlying_targets(tmp_path):
    rng = np.random.default_rng(0)
    n = 240
    x = rng.normal(size=(n, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.normal(size=n)
    bad = rng.random(n) < 0.15
    y[bad] += rng.choice([-1.0, 1.0], bad.sum()) * rng.uniform(20, 40, bad.sum())
    seen = []
    choice = choose_loss(
        x, y, folds=2, epochs=12, metric="mae", out=tmp_path, progress=lambda d, t, w, s: seen.append((d, t))
    )
    assert choice.task == "regression"
    scores = {s.name: s for s in choice.ranking}
    mse = scores["mean_squared_error"]
    robust = [scores[name] for name in ("mean_absolute_error", "huber(delta=1.0)")]
    assert min(s.mean for s in robust) < mse.mean  # test MAE, in the target's units
    assert choice.best.name != "mean_squared_error"
    assert choice.recommendation.loss == "huber"  # the rules saw the outliers
    assert seen[-1] == (len(choice.ranking) * 2, len(choice.ranking) * 2)
    # the files: strict JSON with the ranking, one curve per loss, a page
    saved = json.loads((tmp_path / "choice.json").read_text())
    assert [row["name"] for row in saved["ranking"]] == [s.name for s in choice.ranking]
    assert saved["test"].startswith("paired t-test")
    assert len(list((tmp_path / "curves").glob("*.png"))) == len(choice.ranking)
    html = (tmp_path / "report.html").read_text()
    assert "mean_absolute_error" in html and "data:image/png;base64," in html


def test_balanced_loss_wins_minority_recall_on_a_1_to_50_binary():
    rng = np.random.default_rng(1)
    n_neg, n_pos = 400, 8
    x = np.vstack([rng.normal(0.0, 1.0, (n_neg, 2)), rng.normal(1.5, 1.0, (n_pos, 2))])
    y = np.r_[np.zeros(n_neg), np.ones(n_pos)]
    choice = choose_loss(x, y, folds=2, epochs=8, metric="minority_recall")
    assert choice.task == "binary"
    scores = {s.name: s for s in choice.ranking}
    plain = scores["binary_crossentropy"].mean
    assert plain is not None and plain < 0.5  # unweighted BCE calls nearly everything the majority
    assert scores[choice.best.name].class_weight is not None or "dice" in choice.best.name
    assert choice.best.mean > plain
    assert scores["binary_crossentropy + class_weight"].mean > plain
    assert scores["binary_crossentropy + class_weight"].class_weight["1"] == pytest.approx(408 / 16)


def test_breast_cancer_ranks_every_candidate_with_a_paired_test():
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    rows = np.random.default_rng(0).permutation(len(data.target))[:240]
    choice = choose_loss(data.data[rows], data.target[rows], folds=2, epochs=4)
    assert choice.task == "binary" and choice.metric == "balanced_accuracy"
    assert choice.best.mean > 0.8  # an easy data set: any sensible loss separates it
    means = [s.mean for s in choice.ranking if s.status == "ok"]
    assert means == sorted(means, reverse=True)
    assert choice.ranking[0].p_value is None
    assert all(s.p_value is not None and 0.0 <= s.p_value <= 1.0 for s in choice.ranking[1:] if s.status == "ok")
    assert choice.verdict().startswith("best by balanced_accuracy")


def test_multiclass_candidates_are_distinct_and_fit_their_labels():
    from losslab.analysis import recommend
    from losslab.analysis.choose import candidates

    target = infer_target(np.array([0, 1, 2] * 30))
    cands, _ = candidates(target, recommend("multiclass"))
    names = [c.name for c in cands]
    assert len(names) == len(set(names))  # the rules' pick and its same-loss alternatives are one candidate
    layouts = {c.name: (c.labels, c.units) for c in cands}
    assert layouts["sparse_categorical_crossentropy"] == ("integer", 3)
    assert layouts["categorical_crossentropy"] == ("onehot", 3)


# ------------------------------------------------------------------------------------------ multi-label


def _multilabel(n=400, seed=3):
    """Three labels, each a threshold of one feature; the last is rare (about 5% positives)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    y = np.stack([x[:, 0] > 0, x[:, 1] + 0.5 * x[:, 2] > 0.3, x[:, 3] > 1.65], axis=1).astype(float)
    return x, y


def test_multilabel_candidates_train_on_0_1_columns_with_sigmoid_units():
    from losslab.analysis import recommend
    from losslab.analysis.choose import candidates

    _, y = _multilabel()
    target = infer_target(y, name="a,b,c")
    assert target.task == "multilabel" and target.classes == ("a", "b", "c")
    assert target.minority == 2 and target.counts == tuple(int(c) for c in y.sum(axis=0))
    cands, _ = candidates(target, recommend("multilabel", imbalanced=target.imbalanced))
    by_name = {c.name: c for c in cands}
    assert all(c.labels == "continuous" and c.units == 3 for c in cands)  # the 0/1 columns as they are
    assert by_name["dice"].activation == "sigmoid"
    weighted = by_name["binary_crossentropy + positive weights"].class_weight
    negatives, positives = len(y) - y.sum(axis=0), y.sum(axis=0)
    assert weighted == pytest.approx({str(j): negatives[j] / positives[j] for j in range(3)})


def test_balanced_losses_win_the_rare_labels_recall():
    x, y = _multilabel()
    choice = choose_loss(x, y, folds=3, epochs=10, metric="minority_recall")
    assert choice.task == "multilabel"
    assert any(note.startswith("folds stratified on the 8 label sets") for note in choice.notes)
    scores = {s.name: s.mean for s in choice.ranking}
    plain = scores["binary_crossentropy"]
    assert plain is not None and plain < 0.3  # unweighted BCE leaves the rare label at 0
    balanced = ("binary_crossentropy + positive weights", "dice")
    assert choice.best.name in balanced or "alpha=0.75" in choice.best.name
    assert all(scores[name] > plain + 0.4 for name in balanced)


def test_multilabel_folds_fall_back_to_plain_kfold_for_rare_label_sets():
    from losslab.analysis.choose import _folds

    _, y = _multilabel(n=60)
    target = infer_target(y)
    split, note = _folds(target, 5, 0)
    assert note is not None and "plain k-fold" in note
    assert sorted(np.concatenate([test for _, test in split]).tolist()) == list(range(60))
    common = infer_target(np.tile([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], (10, 1)))
    split, note = _folds(common, 5, 0)
    assert note is not None and "stratified" in note
    for _, test in split:  # each label set once per fold: 2 rows of each of the 3 sets
        assert len(test) == 6


def test_multilabel_scores_are_per_label():
    from types import SimpleNamespace

    from losslab.lab.scores import task_scores

    data = SimpleNamespace(params={"task": "multilabel", "minority": 1}, labels="continuous")
    spec = SimpleNamespace(data=data, model=SimpleNamespace(output_activation="sigmoid"))
    y = np.array([[1, 0], [1, 1], [0, 0], [0, 0]], dtype=float)
    p = np.array([[0.9, 0.2], [0.8, 0.4], [0.6, 0.1], [0.1, 0.3]])  # label 1's positive is missed
    (scores,) = task_scores(spec, p[None], y)
    # label 0: tp 2, fp 1 -> F1 0.8; label 1: no positive predicted -> F1 0 (worked by hand)
    assert scores["score_f1"] == pytest.approx(0.4)
    assert scores["score_minority_recall"] == 0.0
    assert scores["score_accuracy"] == pytest.approx(6 / 8)
    # average precision by hand: label 0 ranks its positives first (1.0); label 1's one positive is ranked 1st of 4
    assert scores["score_pr_auc"] == pytest.approx(1.0)
    # balanced accuracy: label 0 (1 + 1/2) / 2 = 0.75; label 1 (0 + 1) / 2 = 0.5
    assert scores["score_balanced_accuracy"] == pytest.approx(0.625)


# ------------------------------------------------------------------------------------------ on Ray


def test_ray_gives_the_process_pools_ranking_and_numbers():
    pytest.importorskip("ray", reason="running on Ray needs the ray package (pip install 'losslab[ray]')")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    on_ray = choose_loss(x, y, folds=2, epochs=6, ray_address="local")  # a Ray instance started here
    on_pool = choose_loss(x, y, folds=2, epochs=6, jobs=2)  # each spec trains alone in both: equal bit for bit
    assert [(s.name, s.folds, s.status) for s in on_ray.ranking] == [
        (s.name, s.folds, s.status) for s in on_pool.ranking
    ]
    assert all(s.status == "ok" for s in on_ray.ranking)
    assert len(on_ray.results) == 2 * len(on_ray.ranking)
