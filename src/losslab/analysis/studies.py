"""Studies of losses on the lab's engine: robustness to outliers, class imbalance, regularization.

Each study trains a grid of experiments over several seeds and returns a
:class:`Study`: one row per (configuration, setting) with the mean and
standard deviation over seeds of the metrics that matter, a picture, and the
claims from the literature checked on our runs.

Each study takes two optional progress hooks: ``on_start(n)``, called once with
the number of experiments of its grid before training, and ``on_done(result)``,
called with each :class:`~losslab.lab.results.ExperimentResult` as it completes
(``losslab.cli._progress.Progress.add`` and ``.done`` fit them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from losslab._io import atomic_path
from losslab.lab.results import ExperimentResult
from losslab.lab.spec import DataSpec, ExperimentSpec, ModelSpec

ROBUST_LOSSES: dict[str, Any] = {
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "huber(0.5)": {"class_name": "Huber", "config": {"delta": 0.5}},
    "huber(1)": {"class_name": "Huber", "config": {"delta": 1.0}},
    "huber(2)": {"class_name": "Huber", "config": {"delta": 2.0}},
    "log_cosh": "log_cosh",
}


@dataclass
class Study:
    """A grid of experiments summarised over seeds.

    ``rows`` hold ``{"config": label, setting: value, "<metric>_mean": ..., "<metric>_std": ...}``.
    """

    name: str
    setting: str
    """The swept variable (``"outlier fraction"``, ``"imbalance 1:k"``, ``"strength"``)."""
    metrics: tuple[str, ...]
    rows: list[dict[str, Any]]
    claims: dict[str, bool] = field(default_factory=dict)
    """Conclusions from the literature, and whether they held on these runs."""

    def series(self, config: str, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(settings, means, stds)`` of one configuration's metric."""
        rows = [r for r in self.rows if r["config"] == config]
        return (
            np.array([r[self.setting] for r in rows]),
            np.array([r[f"{metric}_mean"] for r in rows]),
            np.array([r[f"{metric}_std"] for r in rows]),
        )

    def value(self, config: str, setting: Any, metric: str) -> float:
        """The mean of ``metric`` for one configuration at one setting."""
        for row in self.rows:
            if row["config"] == config and row[self.setting] == setting:
                return float(row[f"{metric}_mean"])
        msg = f"{self.name}: no row for {config!r} at {self.setting}={setting!r}"
        raise KeyError(msg)

    def configs(self) -> list[str]:
        """The configurations, in the order they were run."""
        return list(dict.fromkeys(r["config"] for r in self.rows))


def _summarise(result: ExperimentResult, metrics: Sequence[str]) -> dict[str, float]:
    row = {}
    for metric in metrics:
        values = result.values("test") if metric == "test" else [run.extra_metrics[metric] for run in result.ok_runs]
        row[f"{metric}_mean"] = float(np.mean(values)) if values else math.nan  # no ok seed: NaN in the table
        row[f"{metric}_std"] = float(np.std(values)) if values else math.nan
    return row


OnStart = Callable[[int], None]
"""A progress hook: called once with the number of experiments about to train."""
OnDone = Callable[[ExperimentResult], None]
"""A progress hook: called with each experiment's result as it completes."""


def _run(
    grid: list[tuple[str, Any, ExperimentSpec]],
    seeds: int,
    jobs: int,
    metrics: Sequence[str],
    on_start: OnStart | None = None,
    on_done: OnDone | None = None,
) -> list[dict]:
    from losslab.lab.runner import run_experiments

    if on_start is not None:
        on_start(len(grid))
    results = run_experiments([spec for _, _, spec in grid], seeds, jobs=jobs, on_done=on_done)
    return [
        {"config": config, "setting": setting, **_summarise(result, metrics)}
        for (config, setting, _), result in zip(grid, results, strict=True)
    ]


def _rows(rows: list[dict], setting: str) -> list[dict]:
    return [{("config" if k == "config" else setting if k == "setting" else k): v for k, v in r.items()} for r in rows]


def robustness_study(
    fractions: Sequence[float] = (0.0, 0.1, 0.2, 0.3),
    losses: dict[str, Any] | None = None,
    *,
    seeds: int = 3,
    epochs: int = 100,
    jobs: int = 1,
    on_start: OnStart | None = None,
    on_done: OnDone | None = None,
) -> Study:
    """Regression with a fraction of corrupted training targets; test error on clean targets.

    The tutorial's regression task (make_regression, 20 features, standardised);
    a fraction of the training targets gets a gross error of 5 to 15 standard
    deviations with a random sign. Metric: mean squared error on the clean
    test split. Claim checked: mae and huber beat mse at 20 % outliers.
    """
    from sklearn.datasets import make_regression

    losses = ROBUST_LOSSES if losses is None else losses
    x, y = make_regression(n_samples=1000, n_features=20, noise=0.1, random_state=1)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    y = (y - y.mean()) / y.std()
    rng = np.random.default_rng(0)
    model = ModelSpec(hidden=(25,), output_units=1, output_activation="linear")
    grid = []
    for fraction in fractions:
        corrupted = y.copy()
        index = rng.choice(500, size=round(fraction * 500), replace=False)
        corrupted[index] += rng.choice([-1.0, 1.0], size=index.size) * rng.uniform(5.0, 15.0, size=index.size)
        clean_test = DataSpec("arrays", {"X": x, "y": np.concatenate([corrupted[:500], y[500:]])}, n_train=500)
        for label, loss in losses.items():
            spec = ExperimentSpec(
                f"robust-{label}-{fraction}",
                f"{label}, {fraction:.0%} outliers",
                clean_test,
                model,
                loss,
                metric="mse",
                epochs=epochs,
            )
            grid.append((label, fraction, spec))
    study = Study(
        "robustness",
        "outlier fraction",
        ("test",),
        _rows(_run(grid, seeds, jobs, ("test",), on_start, on_done), "outlier fraction"),
    )
    if 0.2 in fractions and {"mse", "mae"} <= set(losses):
        mse = study.value("mse", 0.2, "test")
        study.claims["mae beats mse on clean test error at 20% outliers"] = study.value("mae", 0.2, "test") < mse
        hubers = [c for c in study.configs() if c.startswith("huber")]
        if hubers:
            best = min(study.value(c, 0.2, "test") for c in hubers)
            study.claims["huber beats mse on clean test error at 20% outliers"] = best < mse
    return study


def imbalance_study(
    ratios: Sequence[int] = (1, 10, 50),
    *,
    gammas: Sequence[float] = (2.0, 5.0),
    seeds: int = 3,
    epochs: int = 30,
    jobs: int = 1,
    on_start: OnStart | None = None,
    on_done: OnDone | None = None,
) -> Study:
    """A binary task with the minority class at 1:k; minority recall, F1 and PR-AUC on test.

    scikit-learn's make_classification (2 informative features, 4000 samples,
    half for training). Compared: binary_crossentropy, class-weighted
    binary_crossentropy (weight k on the minority), binary_focal_crossentropy
    for each gamma without and with class balancing (alpha = k / (k + 1), the
    weight of the minority class), and dice on the batch. Claim checked: focal
    or weighted cross-entropy beats plain cross-entropy on minority recall at 1:50.
    """
    from sklearn.datasets import make_classification

    model = ModelSpec(hidden=(16,), output_units=1, output_activation="sigmoid")
    grid = []
    for k in ratios:
        x, y = make_classification(
            n_samples=4000,
            n_features=2,
            n_informative=2,
            n_redundant=0,
            n_clusters_per_class=1,
            weights=[k / (k + 1)],
            class_sep=0.8,
            flip_y=0.0,
            random_state=3,
        )
        data = DataSpec("arrays", {"X": x, "y": y}, labels="binary", n_train=2000)
        configs: dict[str, tuple[Any, dict | None]] = {
            "bce": ("binary_crossentropy", None),
            "weighted bce": ("binary_crossentropy", {"0": 1.0, "1": float(k)}),
        }
        for gamma in gammas:
            focal = {"gamma": gamma}
            configs[f"focal(gamma={gamma:g})"] = ({"class_name": "BinaryFocalCrossentropy", "config": focal}, None)
            balanced = {**focal, "apply_class_balancing": True, "alpha": k / (k + 1)}
            configs[f"balanced focal(gamma={gamma:g})"] = (
                {"class_name": "BinaryFocalCrossentropy", "config": balanced},
                None,
            )
        configs["dice"] = ({"class_name": "Dice", "config": {"axis": [1, 2]}}, None)
        for label, (loss, class_weight) in configs.items():
            spec = ExperimentSpec(
                f"imbalance-{label}-{k}",
                f"{label}, 1:{k}",
                data,
                model,
                loss,
                metric="accuracy",
                epochs=epochs,
                class_weight=class_weight,
            )
            grid.append((label, k, spec))
    metrics = ("recall_test", "f1_test", "pr_auc_test")
    study = Study(
        "imbalance",
        "imbalance 1:k",
        metrics,
        _rows(_run(grid, seeds, jobs, metrics, on_start, on_done), "imbalance 1:k"),
    )
    if 50 in ratios:
        plain = study.value("bce", 50, "recall_test")
        better = [c for c in study.configs() if c != "bce" and c != "dice"]
        study.claims["focal or weighted bce beats plain bce on minority recall at 1:50"] = any(
            study.value(c, 50, "recall_test") > plain for c in better
        )
    return study


def regularization_study(
    strengths: Sequence[float] = (1e-4, 1e-3, 1e-2),
    kinds: Sequence[str] = ("l1", "l2", "l1_l2"),
    *,
    seeds: int = 3,
    epochs: int = 200,
    jobs: int = 1,
    on_start: OnStart | None = None,
    on_done: OnDone | None = None,
) -> Study:
    """The same over-parameterised regression model with l1, l2 or l1_l2 at several strengths.

    make_regression with 5 informative features out of 20 and 100 training
    samples, an MLP with 50 hidden units, mean squared error. Metrics: test
    error, the kernels' L2 norm and sparsity (fraction of |w| < 1e-3), and
    the final regularization term (the history holds it for every epoch).
    Claims checked: l1 makes the weights sparser than l2, and stronger
    regularization shrinks the weights.
    """
    from sklearn.datasets import make_regression

    x, y = make_regression(n_samples=600, n_features=20, n_informative=5, noise=10.0, random_state=1)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    y = (y - y.mean()) / y.std()
    data = DataSpec("arrays", {"X": x, "y": y}, n_train=100)
    base = ModelSpec(hidden=(50,), output_units=1, output_activation="linear")
    grid = [
        ("none", 0.0, ExperimentSpec("reg-none", "no regularization", data, base, "mse", metric="mse", epochs=epochs))
    ]
    for kind in kinds:
        for strength in strengths:
            config = {"l1": {"l1": strength}, "l2": {"l2": strength}, "l1_l2": {"l1": strength, "l2": strength}}[kind]
            model = replace(base, kernel_regularizer={"class_name": kind, "config": config})
            grid.append(
                (
                    kind,
                    strength,
                    ExperimentSpec(
                        f"reg-{kind}-{strength:g}",
                        f"{kind}={strength:g}",
                        data,
                        model,
                        "mse",
                        metric="mse",
                        epochs=epochs,
                    ),
                )
            )
    metrics = ("test", "weight_norm", "weight_sparsity", "penalty")
    study = Study(
        "regularization", "strength", metrics, _rows(_run(grid, seeds, jobs, metrics, on_start, on_done), "strength")
    )
    top = max(strengths)
    if "l1" in kinds and "l2" in kinds:
        study.claims["l1 makes weights sparser than l2"] = study.value("l1", top, "weight_sparsity") > study.value(
            "l2", top, "weight_sparsity"
        )
    if "l2" in kinds:
        study.claims["stronger l2 shrinks the weights"] = study.value("l2", top, "weight_norm") < study.value(
            "l2", min(strengths), "weight_norm"
        )
    return study


_LABELS = {
    "test": "test error (mse)",
    "recall_test": "minority recall",
    "f1_test": "minority F1",
    "pr_auc_test": "PR-AUC",
    "weight_norm": "kernel L2 norm",
    "weight_sparsity": "fraction |w| < 1e-3",
    "penalty": "regularization term",
}


def plot_study(study: Study, path: str | Path) -> Path:
    """One panel per metric: mean over seeds against the swept setting, one line per configuration."""
    from matplotlib.figure import Figure

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(5 * len(study.metrics), 4), layout="constrained")
    axes = fig.subplots(1, len(study.metrics), squeeze=False)[0]
    for ax, metric in zip(axes, study.metrics, strict=True):
        for config in study.configs():
            settings, means, stds = study.series(config, metric)
            if config == "none":  # the unregularised baseline: a horizontal line
                ax.axhline(means[0], color="black", linestyle="--", label="none")
                continue
            ax.errorbar(settings, means, yerr=stds, marker="o", capsize=3, label=config)
        ax.set_xlabel(study.setting)
        ax.set_ylabel(_LABELS.get(metric, metric))
        if study.name == "robustness":
            ax.set_yscale("log")
        else:
            ax.set_xscale("log")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize="small")
    fig.suptitle(f"{study.name} (mean ± std over seeds)")
    with atomic_path(path) as temporary:
        fig.savefig(temporary, dpi=100, format="png")
    return path


def study_markdown(study: Study) -> str:
    """The study's rows as a Markdown table, then its checked claims."""
    head = ["config", study.setting, *(_LABELS.get(m, m) for m in study.metrics)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in study.rows:
        cells = [row["config"], f"{row[study.setting]:g}"]
        cells += [f"{row[f'{m}_mean']:.4g} ± {row[f'{m}_std']:.2g}" for m in study.metrics]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", *(f"- {claim}: {'holds' if held else 'does NOT hold'}" for claim, held in study.claims.items())]
    return "\n".join(lines)
