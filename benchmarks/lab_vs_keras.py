#!/usr/bin/env python
"""Time Keras 3 running the loss-choice tutorial against ``losslab.lab`` on the same machine.

"How to Choose Loss Functions When Training Deep Learning Neural Networks"
has nine experiments (see :data:`losslab.lab.experiments.TUTORIAL`). This script
runs, in one go and on one machine:

1. **Keras 3** on the tutorial's own code, for every experiment and seed, in a
   subprocess (``sys.executable`` with ``KERAS_BACKEND`` set from
   ``--keras-backend``) so that its backend import does not touch this process.
   Each run is timed from ``model.fit`` to the end of both ``model.evaluate``
   calls (seeding, building and compiling the model are timed separately).
2. **losslab**: ``losslab.lab.runner.run_experiments`` in this process with
   ``jobs=1`` (and ``jobs=J`` too with ``--jobs J``), timing the whole call;
   per-experiment times are the sum of ``RunResult.seconds``.

It prints one table (per experiment: Keras seconds per run, the median over
seeds; losslab seconds per run, the experiment's total over seeds; the ratio;
the final test metric of each, averaged over seeds; and the totals) and writes
the same to ``<out>/lab_vs_keras.json`` and ``<out>/lab_vs_keras.md``.

Usage::

    python benchmarks/lab_vs_keras.py                      # 5 seeds, full epochs
    python benchmarks/lab_vs_keras.py --epochs-scale 0.05 --seeds 1 --experiments bin-bce,mc-cce
    python benchmarks/lab_vs_keras.py --jobs 2 --keras-backend jax

Only the standard library is imported at module level, so ``--help`` and the
formatting helpers (used by ``tests/test_benchmark_script.py``) are cheap.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _machine  # benchmarks/_machine.py: this folder is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------------------------
# The tutorial, as Keras code. Kept here (not derived from losslab's specs) so that the Keras
# half is the tutorial's own code and nothing of losslab leaks into it.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KerasExperiment:
    """One experiment of the tutorial as its Keras code writes it."""

    id: str
    problem: str  # "regression", "binary", "binary_pm1", "multiclass"
    loss: str  # the name passed to model.compile
    epochs: int
    metric: str  # the metric losslab reports for it: "mse", "accuracy", "sign_accuracy"
    labels: str = ""  # multiclass only: "onehot" or "integer"


KERAS_TUTORIAL: tuple[KerasExperiment, ...] = (
    KerasExperiment("reg-mse", "regression", "mean_squared_error", 100, "mse"),
    KerasExperiment("reg-msle", "regression", "mean_squared_logarithmic_error", 100, "mse"),
    KerasExperiment("reg-mae", "regression", "mean_absolute_error", 100, "mse"),
    KerasExperiment("bin-bce", "binary", "binary_crossentropy", 200, "accuracy"),
    KerasExperiment("bin-hinge", "binary_pm1", "hinge", 200, "sign_accuracy"),
    KerasExperiment("bin-sqhinge", "binary_pm1", "squared_hinge", 200, "sign_accuracy"),
    KerasExperiment("mc-cce", "multiclass", "categorical_crossentropy", 100, "accuracy", "onehot"),
    KerasExperiment("mc-scce", "multiclass", "sparse_categorical_crossentropy", 100, "accuracy", "integer"),
    # The tutorial compiles with 'kullback_leibler_divergence'; Keras 3 dropped that alias,
    # so we pass 'kl_divergence', the same function under its Keras 3 name.
    KerasExperiment("mc-kld", "multiclass", "kl_divergence", 100, "accuracy", "onehot"),
)
KERAS_BY_ID = {e.id: e for e in KERAS_TUTORIAL}


def scaled_epochs(epochs: int, scale: float) -> int:
    """``epochs * scale`` rounded, at least 1."""
    return max(1, round(epochs * scale))


def parse_experiments(text: str | None) -> list[str]:
    """``"bin-bce,mc-cce"`` -> ids in the tutorial's order; ``None``/``""``/``"all"`` -> all nine."""
    if not text or text.strip().lower() == "all":
        return [e.id for e in KERAS_TUTORIAL]
    wanted = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in wanted if t not in KERAS_BY_ID]
    if unknown:
        msg = f"unknown experiment(s) {unknown}; choose from {[e.id for e in KERAS_TUTORIAL]}"
        raise SystemExit(msg)
    return [e.id for e in KERAS_TUTORIAL if e.id in wanted]


# --------------------------------------------------------------------------------------------
# Keras half: runs in a subprocess (this same file with --_keras-worker).
# --------------------------------------------------------------------------------------------


def _tutorial_data(problem: str, labels: str = ""):
    """The tutorial's data, built as it builds it: (trainX, trainy, testX, testy)."""
    import numpy as np
    from sklearn.datasets import make_blobs, make_circles, make_regression
    from sklearn.preprocessing import StandardScaler

    if problem == "regression":
        X, y = make_regression(n_samples=1000, n_features=20, noise=0.1, random_state=1)
        # the tutorial scales on all 1000 samples, not only the training split
        X = StandardScaler().fit_transform(X)
        y = StandardScaler().fit_transform(y.reshape(len(y), 1))[:, 0]
    elif problem in ("binary", "binary_pm1"):
        X, y = make_circles(n_samples=1000, noise=0.1, random_state=1)
        if problem == "binary_pm1":
            y[np.where(y == 0)] = -1
    elif problem == "multiclass":
        X, y = make_blobs(n_samples=1000, centers=3, n_features=2, cluster_std=2, random_state=2)
        if labels == "onehot":
            from keras.utils import to_categorical

            y = to_categorical(y)
    else:  # pragma: no cover - guarded by KERAS_TUTORIAL
        raise ValueError(problem)
    n_train = 500
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def _tutorial_model(problem: str, n_features: int):
    import keras
    from keras import layers

    hidden, out, activation = {
        "regression": (25, 1, "linear"),
        "binary": (50, 1, "sigmoid"),
        "binary_pm1": (50, 1, "tanh"),
        "multiclass": (50, 3, "softmax"),
    }[problem]
    return keras.Sequential(
        [
            keras.Input(shape=(n_features,)),
            layers.Dense(hidden, activation="relu", kernel_initializer="he_uniform"),
            layers.Dense(out, activation=activation),
        ]
    )


def _keras_run(exp: KerasExperiment, epochs: int, seed: int, data) -> dict[str, Any]:
    """One seed of one experiment, as the tutorial codes it; returns timings and final metrics."""
    import keras
    import numpy as np

    trainX, trainy, testX, testy = data
    t0 = time.perf_counter()
    keras.utils.set_random_seed(seed)
    model = _tutorial_model(exp.problem, trainX.shape[1])
    opt = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)
    keras_metric = "mse" if exp.problem == "regression" else "accuracy"
    model.compile(loss=exp.loss, optimizer=opt, metrics=[keras_metric])
    t1 = time.perf_counter()
    model.fit(trainX, trainy, validation_data=(testX, testy), epochs=epochs, batch_size=32, verbose=0)
    train_loss, train_value = model.evaluate(trainX, trainy, verbose=0)
    test_loss, test_value = model.evaluate(testX, testy, verbose=0)
    t2 = time.perf_counter()
    run = {
        "seed": seed,
        "seconds": t2 - t1,  # fit + both evaluates
        "build_seconds": t1 - t0,  # seed + build + compile
        "train_loss": float(train_loss),
        "test_loss": float(test_loss),
        # what model.evaluate reports for the tutorial's metric
        "keras_train_metric": float(train_value),
        "keras_test_metric": float(test_value),
    }
    if exp.metric == "sign_accuracy":
        # Keras's 'accuracy' on a 1-unit output is BinaryAccuracy(threshold=0.5), which on
        # {-1, 1} labels never counts a -1 as right (the tutorial's published hinge numbers are
        # that). losslab reports sign accuracy, so compute it too from the same model (untimed).
        def sign_acc(X, y):
            pred = np.asarray(model.predict(X, verbose=0))[:, 0]
            return float(np.mean(np.where(pred >= 0, 1.0, -1.0) == y))

        run["train_metric"], run["test_metric"] = sign_acc(trainX, trainy), sign_acc(testX, testy)
    else:
        run["train_metric"], run["test_metric"] = run["keras_train_metric"], run["keras_test_metric"]
    return run


def keras_worker(config_path: str, result_path: str) -> None:
    """Entry point of the Keras subprocess: read the config, run, write results as JSON."""
    t_start = time.perf_counter()
    config = json.loads(Path(config_path).read_text())
    import keras

    t_import = time.perf_counter() - t_start
    info: dict[str, Any] = {"keras_version": keras.__version__, "keras_backend": keras.backend.backend()}
    if info["keras_backend"] == "torch":
        import torch

        info["torch_threads"] = torch.get_num_threads()
    out: dict[str, Any] = {"info": info, "import_seconds": t_import, "runs": {}}
    # One untimed 1-epoch run first, so that the backend's one-off start-up costs (lazy kernel and
    # graph set-up) don't land on whichever experiment happens to run first.
    t_warm = time.perf_counter()
    _keras_run(KERAS_BY_ID["bin-bce"], 1, 0, _tutorial_data("binary"))
    out["warmup_seconds"] = time.perf_counter() - t_warm
    for exp_id in config["experiments"]:
        exp = KERAS_BY_ID[exp_id]
        epochs = config["epochs"][exp_id]
        data = _tutorial_data(exp.problem, exp.labels)
        runs = []
        for seed in range(config["seeds"]):
            run = _keras_run(exp, epochs, seed, data)
            runs.append(run)
            print(
                f"[keras] {exp_id:<12} seed {seed}  {epochs:>3} epochs  {run['seconds']:7.2f} s  "
                f"train {run['train_metric']:.3f}  test {run['test_metric']:.3f}",
                file=sys.stderr,
                flush=True,
            )
        out["runs"][exp_id] = runs
        Path(result_path).write_text(json.dumps(out))  # partial results survive a crash
    out["worker_seconds"] = time.perf_counter() - t_start
    Path(result_path).write_text(json.dumps(out))


def run_keras(ids: list[str], seeds: int, epochs: dict[str, int], backend: str) -> dict[str, Any]:
    """Run the Keras half in a subprocess; returns the worker's JSON plus the subprocess wall time."""
    with tempfile.TemporaryDirectory(prefix="lab_vs_keras_") as tmp:
        config_path, result_path = Path(tmp, "config.json"), Path(tmp, "result.json")
        config_path.write_text(json.dumps({"experiments": ids, "seeds": seeds, "epochs": epochs}))
        env = {**os.environ, "KERAS_BACKEND": backend}
        cmd = [sys.executable, str(Path(__file__).resolve()), "--_keras-worker", str(config_path), str(result_path)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, check=False)
        wall = time.perf_counter() - t0
        result = json.loads(result_path.read_text()) if result_path.exists() else {"runs": {}}
    result["subprocess_wall_seconds"] = wall
    result["returncode"] = proc.returncode
    if proc.returncode != 0:
        result["error"] = f"Keras subprocess exited with status {proc.returncode}"
    return result


# --------------------------------------------------------------------------------------------
# losslab half: in this process.
# --------------------------------------------------------------------------------------------


def run_losslab(ids: list[str], seeds: int, scale: float, jobs_list: list[int]) -> dict[str, Any]:
    """Time ``run_experiments`` on the selected, epoch-scaled tutorial specs, for each ``jobs``."""
    try:
        try:
            import losslab  # noqa: F401
        except ImportError:
            sys.path.insert(0, str(ROOT / "src"))
        from dataclasses import replace

        from losslab.lab.experiments import TUTORIAL
        from losslab.lab.runner import run_experiments
    except ImportError as exc:
        return {
            "available": False,
            "message": f"losslab.lab.runner is not importable yet ({exc}); losslab half skipped",
        }

    specs = [replace(s, epochs=scaled_epochs(s.epochs, scale)) for s in TUTORIAL if s.id in ids]
    out: dict[str, Any] = {"available": True, "by_jobs": {}}
    # Untimed warm-up (1 epoch, 1 seed), as on the Keras side: torch's lazy imports and one-off
    # set-up would otherwise be charged to the first experiment.
    t_warm = time.perf_counter()
    run_experiments([replace(s, epochs=1) for s in TUTORIAL if s.id == "bin-bce"], 1, jobs=1)
    out["warmup_seconds"] = time.perf_counter() - t_warm
    for jobs in jobs_list:
        print(
            f"[losslab] run_experiments({len(specs)} experiments, {seeds} seeds, jobs={jobs}) ...",
            file=sys.stderr,
            flush=True,
        )
        done_at: dict[str, float] = {}
        t0 = time.perf_counter()
        results = run_experiments(  # completion times give each experiment's wall time when jobs=1
            specs,
            seeds,
            jobs=jobs,
            on_done=lambda res, done_at=done_at: done_at.setdefault(res.spec.id, time.perf_counter()),
        )
        wall = time.perf_counter() - t0
        experiments = {}
        previous = t0
        for res in results:
            finished = done_at.get(res.spec.id)
            experiments[res.spec.id] = {
                "epochs": res.spec.epochs,
                "metric": res.spec.metric,
                # RunResult.seconds: the experiment's training time / seeds (seeds train together)
                "run_seconds": [r.seconds for r in res.runs],
                # from the previous completion to this one (includes data and setup); jobs=1 only
                "wall_seconds": finished - previous if finished is not None and jobs == 1 else None,
                "train_metric": [r.train_metric for r in res.runs],
                "test_metric": [r.test_metric for r in res.runs],
                "extra_metrics": [r.extra_metrics for r in res.runs],
            }
            previous = finished if finished is not None else previous
            print(
                f"[losslab] jobs={jobs} {res.spec.id:<12} {sum(r.seconds for r in res.runs):7.2f} s over "
                f"{len(res.runs)} seeds  test {res.mean('test'):.3f}",
                file=sys.stderr,
                flush=True,
            )
        out["by_jobs"][str(jobs)] = {"wall_seconds": wall, "experiments": experiments}
    return out


# --------------------------------------------------------------------------------------------
# Pure helpers: summary rows and formatting (tested without training).
# --------------------------------------------------------------------------------------------

COLUMNS = (
    "experiment",
    "epochs",
    "Keras s/run",
    "losslab s/run",
    "speedup",
    "metric",
    "Keras test",
    "losslab test",
)


def distribution(values: list[float | None], metric: str, k: float = 3.0) -> dict[str, Any]:
    """Median, quartiles, worst seed and the share of bad seeds of one side's final test metric.

    A seed is bad when it diverged (``None`` or not finite) or is an outlier by the rule of
    ``ExperimentResult.outlier_seeds``: beyond ``q1 - k * spread`` or ``q3 + k * spread``, with
    ``spread = max(q3 - q1, 0.01 * |median|)``. The worst seed is the highest MSE or the lowest accuracy.
    """
    finite = [v for v in values if v is not None and v == v and abs(v) != float("inf")]
    out: dict[str, Any] = {"n": len(values), "diverged": len(values) - len(finite)}
    if not finite:
        return {**out, "median": None, "q1": None, "q3": None, "worst": None, "outliers": 0, "bad_share": None}
    if len(finite) >= 2:
        q1, median, q3 = statistics.quantiles(finite, n=4, method="inclusive")
    else:
        q1 = median = q3 = finite[0]
    spread = max(q3 - q1, 0.01 * abs(median))
    outliers = sum(not q1 - k * spread <= v <= q3 + k * spread for v in finite) if len(finite) >= 4 else 0
    worst = max(finite) if metric == "mse" else min(finite)
    bad = out["diverged"] + outliers
    return {
        **out,
        "median": median,
        "q1": q1,
        "q3": q3,
        "worst": worst,
        "outliers": outliers,
        "bad_share": bad / len(values),
    }


def two_sample_tests(a: list[float | None], b: list[float | None]) -> dict[str, float | None]:
    """p-values of scipy's Mann-Whitney U and Kolmogorov-Smirnov tests of two sides' finite values.

    ``None`` when either side has fewer than 3 finite values or scipy is missing.
    """
    a_ok = [v for v in a if v is not None and v == v]
    b_ok = [v for v in b if v is not None and v == v]
    if min(len(a_ok), len(b_ok)) < 3:
        return {"mannwhitneyu_p": None, "ks_p": None}
    try:
        from scipy import stats
    except ImportError:
        return {"mannwhitneyu_p": None, "ks_p": None}
    import warnings

    with warnings.catch_warnings():  # ks_2samp warns when ties make it fall back to its asymptotic p-value
        warnings.simplefilter("ignore", RuntimeWarning)
        return {
            "mannwhitneyu_p": float(stats.mannwhitneyu(a_ok, b_ok, alternative="two-sided").pvalue),
            "ks_p": float(stats.ks_2samp(a_ok, b_ok).pvalue),
        }


DISTRIBUTION_COLUMNS = ("experiment", "metric", "side", "median", "q1", "q3", "worst", "bad seeds", "MWU p", "KS p")


def distribution_cells(rows: list[dict[str, Any]]) -> list[list[str]]:
    """Two lines per experiment (Keras, then losslab) of :data:`DISTRIBUTION_COLUMNS`, as strings."""
    cells = []
    for r in rows:
        tests = r.get("tests", {})
        for side, key in (("Keras", "keras_distribution"), ("losslab", "losslab_distribution")):
            d = r.get(key) or {}
            bad = (
                f"{d['diverged'] + d['outliers']}/{d['n']} ({d['bad_share']:.0%})"
                if d.get("bad_share") is not None
                else "—"
            )
            first = side == "Keras"
            cells.append(
                [
                    r["experiment"] if first else "",
                    r["metric"] if first else "",
                    side,
                    _fmt(d.get("median"), ".3f"),
                    _fmt(d.get("q1"), ".3f"),
                    _fmt(d.get("q3"), ".3f"),
                    _fmt(d.get("worst"), ".3f"),
                    bad,
                    _fmt(tests.get("mannwhitneyu_p"), ".3f") if first else "",
                    _fmt(tests.get("ks_p"), ".3f") if first else "",
                ]
            )
    return cells


def format_distributions(rows: list[dict[str, Any]]) -> str:
    """The per-experiment distributions of the test metric over seeds, Keras beside losslab, as plain text."""
    cells = distribution_cells(rows)
    header = list(DISTRIBUTION_COLUMNS)
    widths = [max(len(c[i]) for c in [header, *cells]) for i in range(len(header))]
    lines = [
        "  ".join(v.ljust(w) if i < 3 else v.rjust(w) for i, (v, w) in enumerate(zip(c, widths, strict=True)))
        for c in [header, *cells]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarize(
    ids: list[str], epochs: dict[str, int], keras: dict[str, Any], losslab: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows (one per experiment) and totals from the two halves' raw results.

    ``keras`` is :func:`run_keras`'s dict (``runs[id]`` = list of ``{"seconds", "test_metric", ...}``),
    ``losslab`` is :func:`run_losslab`'s (``by_jobs["1"]["experiments"][id]`` = ``{"run_seconds",
    "test_metric", ...}``). Missing halves give ``None`` cells.
    """
    keras_runs = keras.get("runs", {})
    by_jobs = losslab.get("by_jobs", {}) if losslab.get("available") else {}
    lab1 = by_jobs.get("1", {}).get("experiments", {})
    rows = []
    for exp_id in ids:
        k = keras_runs.get(exp_id, [])
        lab = lab1.get(exp_id)
        k_sec = statistics.median(r["seconds"] for r in k) if k else None
        lab_sec = sum(lab["run_seconds"]) / len(lab["run_seconds"]) if lab and lab["run_seconds"] else None
        rows.append(
            {
                "experiment": exp_id,
                "epochs": epochs[exp_id],
                "metric": KERAS_BY_ID[exp_id].metric,
                "keras_seconds_per_run": k_sec,
                "losslab_seconds_per_run": lab_sec,
                "speedup": k_sec / lab_sec if k_sec is not None and lab_sec else None,
                "keras_train_mean": _mean([r["train_metric"] for r in k]),
                "keras_test_mean": _mean([r["test_metric"] for r in k]),
                "losslab_train_mean": _mean(lab["train_metric"]) if lab else None,
                "losslab_test_mean": _mean([v for v in lab["test_metric"] if v is not None]) if lab else None,
                "keras_distribution": distribution([r["test_metric"] for r in k], KERAS_BY_ID[exp_id].metric),
                "losslab_distribution": distribution(lab["test_metric"], KERAS_BY_ID[exp_id].metric) if lab else None,
                "tests": two_sample_tests([r["test_metric"] for r in k], lab["test_metric"] if lab else []),
                "n_keras_runs": len(k),
                "n_losslab_runs": len(lab["run_seconds"]) if lab else 0,
            }
        )
    keras_total = sum(r["seconds"] for runs in keras_runs.values() for r in runs) if keras_runs else None
    totals: dict[str, Any] = {
        "n_keras_runs": sum(len(runs) for runs in keras_runs.values()),
        "keras_fit_evaluate_seconds": keras_total,
        "keras_subprocess_wall_seconds": keras.get("subprocess_wall_seconds"),
        "losslab_wall_seconds": {jobs: part["wall_seconds"] for jobs, part in by_jobs.items()},
    }
    lab_total = totals["losslab_wall_seconds"].get("1")
    totals["speedup"] = keras_total / lab_total if keras_total is not None and lab_total else None
    totals["speedup_by_jobs"] = {
        jobs: keras_total / wall if keras_total is not None and wall else None
        for jobs, wall in totals["losslab_wall_seconds"].items()
    }
    return rows, totals


def _fmt(value: Any, spec: str = ".2f", suffix: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:{spec}}{suffix}"
    return str(value)


def table_cells(rows: list[dict[str, Any]], totals: dict[str, Any]) -> list[list[str]]:
    """The table as strings, one list per line, in :data:`COLUMNS` order; the last line is the totals."""
    cells = [
        [
            r["experiment"],
            str(r["epochs"]),
            _fmt(r["keras_seconds_per_run"]),
            _fmt(r["losslab_seconds_per_run"]),
            _fmt(r["speedup"], ".1f", "x"),
            r["metric"],
            _fmt(r["keras_test_mean"], ".3f"),
            _fmt(r["losslab_test_mean"], ".3f"),
        ]
        for r in rows
    ]
    cells.append(
        [
            "total",
            "",
            _fmt(totals.get("keras_fit_evaluate_seconds")),
            _fmt(totals.get("losslab_wall_seconds", {}).get("1")),
            _fmt(totals.get("speedup"), ".1f", "x"),
            "",
            "",
            "",
        ]
    )
    return cells


def format_plain(rows: list[dict[str, Any]], totals: dict[str, Any]) -> str:
    """Fixed-width plain-text table."""
    cells = table_cells(rows, totals)
    widths = [max(len(c[i]) for c in [list(COLUMNS), *cells]) for i in range(len(COLUMNS))]

    def line(c: list[str]) -> str:
        pairs = enumerate(zip(c, widths, strict=True))
        return "  ".join(v.ljust(w) if i in (0, 5) else v.rjust(w) for i, (v, w) in pairs)

    sep = "  ".join("-" * w for w in widths)
    body = [line(list(COLUMNS)), sep, *(line(c) for c in cells[:-1]), sep, line(cells[-1])]
    return "\n".join(body + _extra_total_lines(totals))


def _extra_total_lines(totals: dict[str, Any]) -> list[str]:
    lines = []
    if totals.get("keras_fit_evaluate_seconds") is not None:
        lines.append(
            f"Keras fit+evaluate, summed over {totals.get('n_keras_runs', '?')} runs: "
            f"{totals['keras_fit_evaluate_seconds']:.2f} s"
        )
    if totals.get("keras_subprocess_wall_seconds") is not None:
        lines.append(
            "Keras subprocess wall time (import + build + fit + evaluate): "
            f"{totals['keras_subprocess_wall_seconds']:.2f} s"
        )
    for jobs, wall in sorted(totals.get("losslab_wall_seconds", {}).items(), key=lambda kv: int(kv[0])):
        speed = totals.get("speedup_by_jobs", {}).get(jobs)
        lines.append(
            f"losslab run_experiments(jobs={jobs}) wall time: {wall:.2f} s"
            + (f" ({speed:.1f}x Keras)" if speed else "")
        )
    return lines


def format_markdown(rows: list[dict[str, Any]], totals: dict[str, Any], meta: dict[str, Any] | None = None) -> str:
    """A Markdown section: the table, the totals, the machine, and how to read it."""
    cells = table_cells(rows, totals)
    out = ["## losslab vs Keras 3 on the tutorial's nine experiments", ""]
    if meta:
        m, c = meta.get("machine", {}), meta.get("config", {})
        out += [
            (
                f"{c.get('seeds', '?')} seed(s), epochs × {c.get('epochs_scale', 1.0)}, Keras backend "
                f"`{m.get('keras_backend', '?')}`, on {m.get('cpu_model') or m.get('processor') or '?'} "
                f"({m.get('cpu_count', '?')} CPUs usable), {m.get('platform', '?')}; "
                f"keras {m.get('keras', '?')}, torch {m.get('torch', '?')}, jax {m.get('jax', '?')}."
            ),
            "",
        ]
    out.append("| " + " | ".join(COLUMNS) + " |")
    out.append("|" + "|".join("---" if i in (0, 5) else "---:" for i in range(len(COLUMNS))) + "|")
    for c in cells[:-1]:
        out.append("| " + " | ".join(c) + " |")
    last = cells[-1]
    out.append("| " + " | ".join(f"**{v}**" if v and v != "—" else v for v in last) + " |")
    out.append("")
    out += [f"- {line}" for line in _extra_total_lines(totals)]
    out += ["", "### The test metric over seeds", ""]
    out.append("| " + " | ".join(DISTRIBUTION_COLUMNS) + " |")
    out.append("|" + "|".join("---" if i < 3 else "---:" for i in range(len(DISTRIBUTION_COLUMNS))) + "|")
    out += ["| " + " | ".join(c) + " |" for c in distribution_cells(rows)]
    out += [
        "",
        (
            "Worst: the highest MSE or the lowest accuracy. Bad seeds: diverged, or outliers (beyond the quartiles "
            "by 3 × max(IQR, 1% of the median), the rule of `ExperimentResult.outlier_seeds`). MWU p, KS p: "
            "two-sided p-values of `scipy.stats.mannwhitneyu` and `ks_2samp` on the two sides' finite values "
            "(small: the two distributions differ)."
        ),
    ]
    out += [
        "",
        (
            "Keras s/run: median over seeds of `model.fit` + two `model.evaluate` calls (building and compiling "
            "excluded). losslab s/run: the experiment's summed `RunResult.seconds` ÷ seeds (`jobs=1`; losslab trains "
            "an experiment's seeds together, so this is its training time per seed). "
            "Speedup = Keras ÷ losslab. Totals: summed Keras fit+evaluate time vs the wall time of one "
            "`run_experiments` call over all selected experiments and seeds."
        ),
        (
            "Metrics are each side's final value averaged over seeds. The Keras side builds the data exactly as "
            "the tutorial does (regression scaled on all 1000 samples). For the hinge experiments both columns are "
            "sign accuracy on {-1, 1} labels; Keras 3's own `accuracy` (threshold 0.5, so a -1 is never right) is in "
            "the JSON as `keras_test_metric`; the tutorial published Keras 2's round-based accuracy, which losslab "
            "reports as `keras2_accuracy_test`. `mc-kld` uses Keras 3's `kl_divergence` (the tutorial's "
            "`kullback_leibler_divergence` alias is gone in Keras 3)."
        ),
        "",
    ]
    return "\n".join(out)


def print_table(rows: list[dict[str, Any]], totals: dict[str, Any]) -> None:
    """Rich table if rich is installed, plain text otherwise."""
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        print(format_plain(rows, totals))
        return
    cells = table_cells(rows, totals)
    table = Table(title="losslab vs Keras 3: the tutorial's experiments")
    for i, col in enumerate(COLUMNS):
        table.add_column(col, justify="left" if i in (0, 5) else "right")
    for c in cells[:-1]:
        table.add_row(*c)
    table.add_section()
    table.add_row(*cells[-1], style="bold")
    console = Console()
    if not console.is_terminal:  # piped or captured: don't squeeze the table into 80 columns
        console = Console(width=max(console.width, 110))
    console.print(table)
    for line in _extra_total_lines(totals):
        console.print(line)


# --------------------------------------------------------------------------------------------
# Machine info and main.
# --------------------------------------------------------------------------------------------


def machine_info(keras_backend: str) -> dict[str, Any]:
    packages = ("torch", "jax", "keras", "numpy", "scikit-learn", "losslab")
    return {**_machine.machine_info(packages), "keras_backend": keras_backend}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Time Keras 3 (the tutorial's own code) against losslab.lab on the tutorial's nine experiments.",
    )
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 per experiment (default 5)")
    parser.add_argument(
        "--epochs-scale", type=float, default=1.0, help="multiply every experiment's epochs (e.g. 0.05 for a smoke run)"
    )
    parser.add_argument(
        "--keras-backend",
        default="torch",
        choices=["torch", "jax", "tensorflow", "numpy"],
        help="KERAS_BACKEND of the Keras subprocess (default torch)",
    )
    parser.add_argument(
        "--experiments", default=None, help="comma-separated ids, e.g. bin-bce,mc-cce (default: all nine)"
    )
    parser.add_argument("--jobs", type=int, default=1, help="also time losslab with jobs=J (jobs=1 is always timed)")
    parser.add_argument(
        "--out", default=str(ROOT / "benchmarks" / "results"), help="directory for lab_vs_keras.json/.md"
    )
    parser.add_argument("--skip-keras", action="store_true", help="run only the losslab half")
    parser.add_argument("--skip-losslab", action="store_true", help="run only the Keras half")
    parser.add_argument("--_keras-worker", nargs=2, metavar=("CONFIG", "RESULT"), help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args._keras_worker:
        keras_worker(*args._keras_worker)
        return 0

    ids = parse_experiments(args.experiments)
    epochs = {i: scaled_epochs(KERAS_BY_ID[i].epochs, args.epochs_scale) for i in ids}
    meta = {
        "machine": machine_info(args.keras_backend),
        "config": {
            "seeds": args.seeds,
            "epochs_scale": args.epochs_scale,
            "experiments": ids,
            "epochs": epochs,
            "keras_backend": args.keras_backend,
            "jobs": args.jobs,
        },
    }

    keras: dict[str, Any] = {"skipped": True, "runs": {}}
    if not args.skip_keras:
        print(
            f"Keras half: {len(ids)} experiment(s) x {args.seeds} seed(s), KERAS_BACKEND={args.keras_backend}",
            file=sys.stderr,
        )
        keras = run_keras(ids, args.seeds, epochs, args.keras_backend)
        if keras.get("error"):
            print(f"WARNING: {keras['error']}; reporting the runs that finished", file=sys.stderr)
        meta["machine"].update({f"worker_{k}": v for k, v in keras.get("info", {}).items()})

    losslab: dict[str, Any] = {"available": False, "message": "skipped (--skip-losslab)"}
    if not args.skip_losslab:
        jobs_list = sorted({1, args.jobs})
        losslab = run_losslab(ids, args.seeds, args.epochs_scale, jobs_list)
        if not losslab["available"]:
            print(f"NOTE: {losslab['message']}", file=sys.stderr)
    if losslab.get("available"):
        try:
            import torch

            meta["machine"]["losslab_torch_threads"] = torch.get_num_threads()
        except ImportError:
            pass

    rows, totals = summarize(ids, epochs, keras, losslab)
    print_table(rows, totals)
    print()
    print(format_distributions(rows))
    if not losslab.get("available"):
        print(f"losslab: {losslab.get('message')}")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    payload = {**meta, "rows": rows, "totals": totals, "keras": keras, "losslab": losslab}
    (out / "lab_vs_keras.json").write_text(json.dumps(payload, indent=1))
    (out / "lab_vs_keras.md").write_text(format_markdown(rows, totals, meta))
    print(f"wrote {out / 'lab_vs_keras.json'} and {out / 'lab_vs_keras.md'}")
    return 1 if keras.get("error") else 0


if __name__ == "__main__":
    sys.exit(main())
