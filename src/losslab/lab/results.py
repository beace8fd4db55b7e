"""Results of the lab: per-epoch histories per seed, summaries, JSON files."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from losslab.lab.spec import ExperimentSpec


@dataclass
class History:
    """Keras-like history: one value per epoch of each series.

    ``loss`` is the mean training loss over the epoch's batches (as Keras logs
    it), ``val_loss`` the loss on the test split at the end of the epoch, and
    ``metric`` / ``val_metric`` the experiment's metric on the training and
    test splits at the end of the epoch.
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)
    penalty: list[float] = field(default_factory=list)
    """The regularization term at the end of each epoch (``loss`` includes it, as Keras's does)."""


@dataclass
class RunResult:
    """One seed of one experiment."""

    seed: int
    history: History
    train_metric: float
    test_metric: float
    seconds: float
    extra_metrics: dict[str, float] = field(default_factory=dict)
    """Other metrics at the end of training: ``weight_norm``, ``weight_sparsity`` and the final ``penalty``
    always; minority ``recall_test``, ``precision_test``, ``f1_test``, ``pr_auc_test`` on binary tasks;
    ``keras2_accuracy_train``/``_test`` for {-1, 1} labels."""


@dataclass
class ExperimentResult:
    """Every seed of one experiment, with its spec."""

    spec: ExperimentSpec
    runs: list[RunResult]

    def values(self, split: str, metric: str | None = None) -> list[float]:
        """The final ``metric`` (default: the spec's) of every seed on ``split`` (``"train"`` or ``"test"``)."""
        if metric is None or metric == self.spec.metric:
            return [getattr(run, f"{split}_metric") for run in self.runs]
        return [run.extra_metrics[f"{metric}_{split}"] for run in self.runs]

    def mean(self, split: str, metric: str | None = None) -> float:
        """Mean of the final metric over seeds."""
        values = self.values(split, metric)
        return sum(values) / len(values)

    def std(self, split: str, metric: str | None = None) -> float:
        """Population standard deviation of the final metric over seeds."""
        values = self.values(split, metric)
        mean = sum(values) / len(values)
        return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))

    def published_in_range(self, split: str) -> bool | None:
        """Whether the published value lies within [min, max] of our seeds (rounded as published, 3 decimals).

        Compared in the published metric (``spec.published_metric``), which may differ from ``spec.metric``.
        """
        if not self.spec.published or split not in self.spec.published:
            return None
        values = self.values(split, self.spec.published_metric)
        published = self.spec.published[split]
        return round(min(values), 3) <= published <= round(max(values), 3)

    def to_dict(self) -> dict[str, Any]:
        return {"spec": self.spec.to_dict(), "runs": [asdict(run) for run in self.runs]}

    @classmethod
    def from_dict(cls, config: dict[str, Any]) -> ExperimentResult:
        runs = [RunResult(**{**run, "history": History(**run["history"])}) for run in config["runs"]]
        return cls(ExperimentSpec.from_dict(config["spec"]), runs)


def save_results(results: list[ExperimentResult], path: str | Path, meta: dict[str, Any] | None = None) -> Path:
    """Write results (and free-form ``meta``, e.g. timings) as JSON."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta or {}, "experiments": [result.to_dict() for result in results]}
    path.write_text(json.dumps(payload, indent=1))
    return path


def load_results(path: str | Path) -> tuple[list[ExperimentResult], dict[str, Any]]:
    """Read what :func:`save_results` wrote: ``(results, meta)``."""
    payload = json.loads(Path(path).read_text())
    return [ExperimentResult.from_dict(e) for e in payload["experiments"]], payload.get("meta", {})
