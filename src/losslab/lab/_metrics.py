"""Binary classification scores in NumPy, equal to scikit-learn's bit for bit, without its import.

Importing :mod:`sklearn.metrics` costs about a second (it loads much of
SciPy), more than the lab's whole tutorial run spends on these scores. The
functions here follow scikit-learn's definitions and its order of floating
point operations, so that they return the same floats
(``tests/lab/test_metrics.py`` checks that against scikit-learn).
"""

from __future__ import annotations

import numpy as np


def _counts(truth: np.ndarray, predicted: np.ndarray) -> tuple[int, int, int]:
    """True positives, predicted positives and actual positives of 0/1 arrays."""
    truth, predicted = np.asarray(truth) == 1, np.asarray(predicted) == 1
    return int(np.sum(truth & predicted)), int(np.sum(predicted)), int(np.sum(truth))


def _divide(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` in float64, 0 for a zero denominator (scikit-learn's ``zero_division=0``)."""
    return 0.0 if denominator == 0 else float(np.float64(numerator) / np.float64(denominator))


def recall_score(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Recall of class 1, ``tp / (tp + fn)``, 0 without positives.

    .. math:: \\text{recall} = \\frac{TP}{TP + FN}

    Parameters
    ----------
    truth, predicted : array of shape (n,)
        0/1 labels and predictions.

    Returns
    -------
    float

    Examples
    --------
    >>> recall_score(np.array([1, 1, 0, 1]), np.array([1, 0, 0, 1]))
    0.6666666666666666
    """
    tp, _, actual = _counts(truth, predicted)
    return _divide(tp, actual)


def precision_score(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Precision of class 1, ``tp / (tp + fp)``, 0 without predicted positives.

    .. math:: \\text{precision} = \\frac{TP}{TP + FP}

    Parameters
    ----------
    truth, predicted : array of shape (n,)
        0/1 labels and predictions.

    Returns
    -------
    float

    Examples
    --------
    >>> precision_score(np.array([1, 0, 0, 1]), np.array([1, 1, 0, 0]))
    0.5
    """
    tp, claimed, _ = _counts(truth, predicted)
    return _divide(tp, claimed)


def f1_score(truth: np.ndarray, predicted: np.ndarray) -> float:
    """F1 of class 1 from the counts, ``2 tp / (actual + predicted positives)``, 0 when both are 0.

    .. math:: F_1 = \\frac{2\\,TP}{2\\,TP + FP + FN}

    Parameters
    ----------
    truth, predicted : array of shape (n,)
        0/1 labels and predictions.

    Returns
    -------
    float

    Examples
    --------
    >>> f1_score(np.array([1, 0, 0, 1]), np.array([1, 1, 0, 0]))
    0.5
    """
    tp, claimed, actual = _counts(truth, predicted)
    return _divide(2.0 * tp, 1.0 * actual + claimed)


def average_precision_score(truth: np.ndarray, scores: np.ndarray) -> float:
    """Average precision of class 1: the precision-recall curve's step integral, as scikit-learn computes it.

    .. math:: \\text{AP} = \\sum_k (R_k - R_{k-1}) P_k

    over the thresholds at each distinct score, highest first.

    Parameters
    ----------
    truth : array of shape (n,)
        0/1 labels; at least one 1 (scikit-learn warns and gives 0 without).
    scores : array of shape (n,)
        Higher means more likely 1.

    Returns
    -------
    float

    Examples
    --------
    >>> average_precision_score(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    0.8333333333333333
    """
    scores = np.asarray(scores)
    order = _stable_descending(scores)
    scores, truth = scores[order], np.asarray(truth)[order].astype(np.float64)
    thresholds = np.concatenate([np.nonzero(np.diff(scores))[0], [len(truth) - 1]])
    tps = np.cumsum(truth, dtype=np.float64)[thresholds]
    fps = 1 + thresholds.astype(np.float64) - tps
    precision = tps / (tps + fps)  # tps + fps counts the samples above the threshold: never 0
    if tps[-1] == 0:
        return 0.0
    recall = tps / tps[-1]
    precision = np.concatenate([precision[::-1], [1.0]])
    recall = np.concatenate([recall[::-1], [0.0]])
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))


def _stable_descending(values: np.ndarray) -> np.ndarray:
    """Indices that sort ``values`` from highest to lowest, equal values in their original order."""
    return np.argsort(-values.astype(np.float64), kind="stable")
