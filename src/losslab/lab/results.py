"""Results of the lab: per-epoch histories per seed, summaries, JSON files.

Each seed and each experiment has a status: ``"ok"``, ``"diverged"`` (a
non-finite loss or metric; its history stops at the last finite epoch and
its final metrics are ``None``) or ``"failed"`` (an exception or a crashed
worker; no history, metrics ``None``). Summaries (:meth:`ExperimentResult.values`,
``mean``, ``std``) use the seeds that are ok.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from losslab._io import atomic_write_text
from losslab.lab.spec import ExperimentSpec

Status = Literal["ok", "diverged", "failed"]
STATUSES: tuple[Status, ...] = ("ok", "diverged", "failed")


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
    train_metric: float | None
    """The final metric on the training split; ``None`` unless the seed is ok."""
    test_metric: float | None
    seconds: float
    extra_metrics: dict[str, float] = field(default_factory=dict)
    """Other metrics at the end of training: ``weight_norm``, ``weight_sparsity`` and the final ``penalty``
    always; minority ``recall_test``, ``precision_test``, ``f1_test``, ``pr_auc_test`` on binary tasks;
    ``keras2_accuracy_train``/``_test`` for {-1, 1} labels. Empty unless the seed is ok."""
    status: Status = "ok"
    error: str | None = None
    """Why the seed is not ok (e.g. ``"non-finite loss at epoch 3"``); ``None`` when it is."""


@dataclass
class ExperimentResult:
    """Every seed of one experiment, with its spec.

    ``status`` is ``"ok"`` when every seed is, ``"failed"`` when the
    experiment raised or its worker died (every seed then has status
    ``"failed"``), ``"diverged"`` when at least one seed diverged (the others
    are kept); ``error`` says why.
    """

    spec: ExperimentSpec
    runs: list[RunResult]
    status: Status = "ok"
    error: str | None = None

    @classmethod
    def from_runs(cls, spec: ExperimentSpec, runs: list[RunResult]) -> ExperimentResult:
        """The result of ``runs``, its status and error taken from theirs (failed, else diverged, else ok)."""
        for status in ("failed", "diverged"):
            bad = [run for run in runs if run.status == status]
            if bad:
                seeds = "; ".join(f"seed {run.seed}: {run.error}" for run in bad)
                return cls(spec, runs, status, f"{len(bad)} of {len(runs)} seeds {status} ({seeds})")
        return cls(spec, runs)

    @classmethod
    def failed(cls, spec: ExperimentSpec, seeds: int, error: str) -> ExperimentResult:
        """An experiment that could not run: ``seeds`` failed runs with no history and no metrics."""
        runs = [RunResult(seed, History(), None, None, 0.0, status="failed", error=error) for seed in range(seeds)]
        return cls(spec, runs, "failed", error)

    @property
    def ok_runs(self) -> list[RunResult]:
        """The seeds whose status is ok."""
        return [run for run in self.runs if run.status == "ok"]

    def matches(self, spec: ExperimentSpec, seeds: int) -> bool:
        """Whether this result is a complete, ok run of ``spec`` over seeds ``0, ..., seeds - 1``.

        Specs are compared as JSON, so a result read back from a file matches the spec it was run with.
        """
        same_spec = _as_json(self.spec.to_dict()) == _as_json(spec.to_dict())
        return self.status == "ok" and same_spec and [run.seed for run in self.runs] == list(range(seeds))

    def values(self, split: str, metric: str | None = None) -> list[float]:
        """The final ``metric`` (default: the spec's) on ``split`` (``"train"`` or ``"test"``) of every ok seed."""
        if metric is None or metric == self.spec.metric:
            return [getattr(run, f"{split}_metric") for run in self.ok_runs]
        return [run.extra_metrics[f"{metric}_{split}"] for run in self.ok_runs]

    def mean(self, split: str, metric: str | None = None) -> float:
        """Mean of the final metric over the ok seeds (NaN when none is ok)."""
        values = self.values(split, metric)
        return sum(values) / len(values) if values else math.nan

    def std(self, split: str, metric: str | None = None) -> float:
        """Population standard deviation of the final metric over the ok seeds (NaN when none is ok)."""
        values = self.values(split, metric)
        if not values:
            return math.nan
        mean = sum(values) / len(values)
        return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))

    def outlier_seeds(self, split: str, metric: str | None = None, *, k: float = 3.0) -> list[int]:
        """The ok seeds whose final metric lies far outside the others': Tukey's "far out" values.

        A seed is an outlier when its value ``v`` lies beyond the fences
        ``q1 - k * spread <= v <= q3 + k * spread``, where ``q1``, ``q3`` are the
        quartiles of the ok seeds' values (linear interpolation, as
        ``numpy.percentile``) and ``spread = max(q3 - q1, 0.01 * |median|)``: the
        floor keeps seeds that agree to rounding (an interquartile range of 0)
        from flagging a seed that differs by a hair. With ``k = 3``, a handful
        of seeds that stall or blow up (a test MSE of 5 beside a median of
        0.15, an accuracy of 0.52 beside 0.82) are flagged, while the spread of
        healthy seeds is not. Diverged and failed seeds are not counted here
        (their status says it); fewer than 4 ok seeds give ``[]``.

        Parameters
        ----------
        split : str
            ``"train"`` or ``"test"``.
        metric : str, optional
            As in :meth:`values` (default: the spec's metric).
        k : float
            How many spreads beyond the quartiles a value must lie.

        Returns
        -------
        list of int
            The outlying seeds, in seed order.
        """
        runs = self.ok_runs
        values = self.values(split, metric)
        if len(values) < 4:
            return []
        q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
        spread = max(q3 - q1, 0.01 * abs(median))
        low, high = q1 - k * spread, q3 + k * spread
        return [run.seed for run, value in zip(runs, values, strict=True) if not low <= value <= high]

    def published_in_range(self, split: str) -> bool | None:
        """Whether the published value lies within [min, max] of our seeds (rounded as published, 3 decimals).

        Compared in the published metric (``spec.published_metric``), which may differ from ``spec.metric``.
        """
        if not self.spec.published or split not in self.spec.published:
            return None
        values = self.values(split, self.spec.published_metric)
        if not values:
            return None
        published = self.spec.published[split]
        return round(min(values), 3) <= published <= round(max(values), 3)

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec.to_dict(),
            "status": self.status,
            "error": self.error,
            "runs": [asdict(run) for run in self.runs],
        }

    @classmethod
    def from_dict(cls, config: dict[str, Any]) -> ExperimentResult:
        """Inverse of :meth:`to_dict`; a result written before statuses existed is ok."""
        runs = [RunResult(**{**run, "history": History(**run["history"])}) for run in config["runs"]]
        return cls(ExperimentSpec.from_dict(config["spec"]), runs, config.get("status", "ok"), config.get("error"))


def _as_json(value: Any) -> Any:
    """``value`` as JSON would give it back (tuples become lists), for comparisons."""
    return json.loads(json.dumps(value, default=str))


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by ``None`` (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def results_json(results: list[ExperimentResult], meta: dict[str, Any] | None = None) -> str:
    """The text :func:`save_results` writes: strict JSON, where NaN and infinities are ``null``."""
    payload = {"meta": meta or {}, "experiments": [result.to_dict() for result in results]}
    return json.dumps(_finite(payload), indent=1, allow_nan=False, default=str)


def save_results(results: list[ExperimentResult], path: str | Path, meta: dict[str, Any] | None = None) -> Path:
    """Write results (and free-form ``meta``, e.g. timings) as strict JSON (NaN and infinities as ``null``).

    The file is written under a temporary name and moved into place, so a
    failed write leaves the previous file whole.
    """
    return atomic_write_text(path, results_json(results, meta))


def load_results(path: str | Path) -> tuple[list[ExperimentResult], dict[str, Any]]:
    """Read what :func:`save_results` wrote: ``(results, meta)``."""
    payload = json.loads(Path(path).read_text())
    return [ExperimentResult.from_dict(e) for e in payload["experiments"]], payload.get("meta", {})
