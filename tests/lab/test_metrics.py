"""The NumPy binary scores equal scikit-learn's bit for bit (scikit-learn is the oracle)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics

from losslab.lab import _metrics


def _cases():
    rng = np.random.default_rng(0)
    for n, dtype, ties in ((7, np.float64, False), (200, np.float32, False), (500, np.float32, True), (50, int, True)):
        truth = (rng.random(n) < 0.3).astype(int)
        truth[0] = 1  # at least one positive
        scores = rng.random(n).astype(dtype) if dtype is not int else rng.integers(0, 4, n)
        if ties and dtype is not int:
            scores = np.round(scores * 5) / 5  # many equal scores
        yield truth, scores


@pytest.mark.parametrize(("truth", "scores"), list(_cases()))
def test_scores_equal_scikit_learn(truth, scores):
    threshold = np.median(scores)
    predicted = (scores > threshold).astype(int)
    assert _metrics.average_precision_score(truth, scores) == metrics.average_precision_score(truth, scores)
    assert _metrics.recall_score(truth, predicted) == metrics.recall_score(truth, predicted, zero_division=0)
    assert _metrics.precision_score(truth, predicted) == metrics.precision_score(truth, predicted, zero_division=0)
    assert _metrics.f1_score(truth, predicted) == metrics.f1_score(truth, predicted, zero_division=0)


def test_no_predicted_positive_gives_zero_as_scikit_learn_with_zero_division_0():
    truth, none = np.array([1, 0, 1]), np.array([0, 0, 0])
    assert _metrics.precision_score(truth, none) == 0.0 == metrics.precision_score(truth, none, zero_division=0)
    assert _metrics.f1_score(np.zeros(3), none) == 0.0 == metrics.f1_score(np.zeros(3), none, zero_division=0)
    assert _metrics.recall_score(np.zeros(3), none) == 0.0
