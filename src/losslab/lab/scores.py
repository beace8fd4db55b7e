"""Test scores of a task, from a trained ensemble's test outputs: what ``losslab recommend --data`` ranks by.

The lab's own metric (``mse``, ``accuracy``) fits the tutorial's experiments;
choosing a loss on a user's data needs the task's usual scores. They are
computed only for data that says its task (``data.params["task"]``, set by
:mod:`losslab.analysis.choose`), so other experiments are unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

TASK_SCORES: dict[str, tuple[str, ...]] = {
    "regression": ("rmse", "mae"),
    "binary": ("balanced_accuracy", "f1", "pr_auc", "minority_recall", "accuracy"),
    "multiclass": ("balanced_accuracy", "f1", "pr_auc", "minority_recall", "accuracy"),
    "multilabel": ("f1", "pr_auc", "minority_recall", "balanced_accuracy", "accuracy"),
}
"""The scores of each task, as keys of a run's ``extra_metrics`` (with the prefix ``score_``)."""

LOWER_IS_BETTER = frozenset({"rmse", "mae"})


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _class_scores(outputs: np.ndarray, labels: str, activation: str) -> np.ndarray:
    """Scores that rank each class, per sample: ``(n, 1)`` for one unit, else ``(n, C)``."""
    if labels == "pm1" or activation != "linear":  # a margin (threshold 0) or probabilities already
        return outputs
    return _sigmoid(outputs) if outputs.shape[-1] == 1 or labels == "continuous" else _softmax(outputs)


def _balanced_accuracy(truth: np.ndarray, predicted: np.ndarray) -> float:
    """The mean of the recalls of 0 and 1, over those present in ``truth`` (scikit-learn's, without its warning)."""
    recalls = [float(np.mean(predicted[truth == c] == c)) for c in (0, 1) if (truth == c).any()]
    return float(np.mean(recalls))


def _one(
    task: str, outputs: np.ndarray, y: np.ndarray, labels: str, activation: str, minority: int
) -> dict[str, float]:
    from sklearn import metrics

    if task == "regression":
        error = outputs.reshape(len(y), -1) - y.reshape(len(y), -1)
        return {"rmse": float(np.sqrt(np.mean(error**2))), "mae": float(np.mean(np.abs(error)))}
    scores = _class_scores(outputs, labels, activation)
    if task == "multilabel":  # per label, then averaged; minority_recall is the rarest label's recall
        truth = (y > 0.5).astype(int)
        predicted = (scores > 0.5).astype(int)
        present = [j for j in range(truth.shape[1]) if truth[:, j].any()]
        return {
            "f1": float(metrics.f1_score(truth, predicted, average="macro", zero_division=0)),
            "pr_auc": float(np.mean([metrics.average_precision_score(truth[:, j], scores[:, j]) for j in present]))
            if present
            else 0.0,
            "minority_recall": float(metrics.recall_score(truth[:, minority], predicted[:, minority], zero_division=0)),
            "balanced_accuracy": float(
                np.mean([_balanced_accuracy(truth[:, j], predicted[:, j]) for j in range(truth.shape[1])])
            ),
            "accuracy": float(np.mean(truth == predicted)),
        }
    if task == "binary":
        threshold = 0.0 if labels == "pm1" else 0.5
        truth = (y.reshape(len(y)) > threshold).astype(int)  # 1 is the minority class
        score = scores.reshape(len(y))
        predicted = (score > threshold).astype(int)
        return {
            "balanced_accuracy": float(metrics.balanced_accuracy_score(truth, predicted)),
            "f1": float(metrics.f1_score(truth, predicted, zero_division=0)),
            "pr_auc": float(metrics.average_precision_score(truth, score)) if truth.any() else 0.0,
            "minority_recall": float(metrics.recall_score(truth, predicted, zero_division=0)),
            "accuracy": float(np.mean(truth == predicted)),
        }
    truth = y.argmax(axis=-1) if y.ndim == 2 else y.astype(int)
    predicted = scores.argmax(axis=-1)
    classes = np.arange(scores.shape[-1])
    onehot = truth[:, None] == classes[None, :]
    present = onehot.any(axis=0)
    pr_auc = np.mean([metrics.average_precision_score(onehot[:, c], scores[:, c]) for c in classes[present]])
    return {
        "balanced_accuracy": float(metrics.balanced_accuracy_score(truth, predicted)),
        "f1": float(metrics.f1_score(truth, predicted, average="macro", labels=classes, zero_division=0)),
        "pr_auc": float(pr_auc),
        "minority_recall": float(np.mean(predicted[truth == minority] == minority)) if present[minority] else 0.0,
        "accuracy": float(np.mean(truth == predicted)),
    }


def task_scores(spec: Any, test_pred: Any, y_test: Any) -> list[dict[str, float]]:
    """The scores of ``spec.data.params["task"]`` for each member, keys prefixed ``score_``.

    Parameters
    ----------
    spec : ExperimentSpec
        Its ``data.params`` holds ``task`` (a key of :data:`TASK_SCORES`) and, for
        classification, ``minority`` (the index of the rarest class, or label for
        multi-label data; binary data code it as 1).
    test_pred : tensor or array of shape (members, n, units)
        The outputs of the members on the test split.
    y_test : tensor or array of shape (n, ...)
        The test labels, encoded as ``spec.data.labels``.

    Returns
    -------
    list of dict
        One dict per member, e.g. ``{"score_rmse": 0.4, "score_mae": 0.3}``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> data = SimpleNamespace(params={"task": "regression"}, labels="continuous")
    >>> spec = SimpleNamespace(data=data, model=SimpleNamespace(output_activation="linear"))
    >>> task_scores(spec, np.array([[[1.0], [3.0]]]), np.array([[0.0], [3.0]]))
    [{'score_rmse': 0.7071067811865476, 'score_mae': 0.5}]
    """
    task = spec.data.params["task"]
    minority = int(spec.data.params.get("minority", 1))
    outputs = np.asarray(test_pred, dtype=np.float64)
    y = np.asarray(y_test)
    return [
        {
            f"score_{key}": value
            for key, value in _one(task, member, y, spec.data.labels, spec.model.output_activation, minority).items()
        }
        for member in outputs
    ]
