"""The studies run on the lab's engine, and what the literature says holds on our runs."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from losslab.analysis.studies import (
    ROBUST_LOSSES,
    imbalance_study,
    plot_study,
    regularization_study,
    robustness_study,
    study_markdown,
)


@pytest.fixture(scope="module")
def robustness():
    losses = {k: ROBUST_LOSSES[k] for k in ("mse", "mae", "huber(0.5)")}
    return robustness_study((0.0, 0.2), losses, seeds=2, epochs=60)


def test_mae_and_huber_beat_mse_on_clean_test_error_at_20_percent_outliers(robustness):
    assert robustness.claims == {
        "mae beats mse on clean test error at 20% outliers": True,
        "huber beats mse on clean test error at 20% outliers": True,
    }
    # without outliers, every loss fits the clean data; with them, mse is pulled away by far
    assert all(robustness.value(c, 0.0, "test") < 0.1 for c in robustness.configs())
    assert robustness.value("mse", 0.2, "test") > 10 * robustness.value("mae", 0.2, "test")


def test_study_table_and_plot(robustness, tmp_path):
    table = study_markdown(robustness)
    assert table.count("\n| mse |") == 2 and "holds" in table
    path = plot_study(robustness, tmp_path / "robustness.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    settings, means, stds = robustness.series("mae", "test")
    np.testing.assert_array_equal(settings, [0.0, 0.2])
    assert means.shape == stds.shape == (2,) and (stds >= 0).all()


def test_focal_or_weighted_bce_beats_bce_on_minority_recall_at_1_to_50():
    study = imbalance_study((50,), gammas=(2.0,), seeds=2, epochs=20)
    assert study.claims["focal or weighted bce beats plain bce on minority recall at 1:50"]
    assert study.value("weighted bce", 50, "recall_test") > study.value("bce", 50, "recall_test") + 0.3
    assert 0.0 <= study.value("dice", 50, "pr_auc_test") <= 1.0


def test_regularization_shrinks_and_sparsifies_and_logs_its_term():
    study = regularization_study((1e-4, 1e-2), ("l1", "l2"), seeds=2, epochs=60)
    assert study.claims == {"l1 makes weights sparser than l2": True, "stronger l2 shrinks the weights": True}
    assert study.value("none", 0.0, "penalty") == 0.0
    assert study.value("l2", 1e-2, "penalty") > 0.0


@pytest.mark.parametrize("study", [robustness_study, imbalance_study, regularization_study])
def test_a_study_reports_its_grid_then_each_experiment(study):
    started, done = [], []
    small = {
        robustness_study: {"fractions": (0.0,), "losses": {"mse": "mse", "mae": "mae"}},
        imbalance_study: {"ratios": (1,), "gammas": (2.0,)},
        regularization_study: {"strengths": (1e-3,), "kinds": ("l2",)},
    }[study]
    result = study(**small, seeds=1, epochs=1, on_start=started.append, on_done=done.append)
    assert started == [len(result.rows)]  # the grid, once, before training
    assert len(done) == len(result.rows) and all(item.status in ("ok", "diverged") for item in done)
