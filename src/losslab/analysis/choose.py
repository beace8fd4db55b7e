"""Choose a loss on the user's own data: the chooser's rules, then k-fold cross-validation of the candidates.

:func:`choose_loss` infers the task and the label encoding from the target,
checks the data, takes the rules' recommendation (:func:`losslab.analysis.recommend`)
and the usual alternatives for the task, gives each loss the labels and output
layer its card asks for (refusing what :func:`losslab.analysis.check` calls an
error), trains each on the same folds with the same seeds through
:func:`losslab.lab.runner.run_experiments` (in this process, a process pool or
Ray), and ranks them by a score of the task, with a paired t-test over folds
against the best. ``losslab recommend --data train.csv --target y`` runs it.

The lab (PyTorch, scikit-learn, SciPy) is imported only when training starts.
"""

from __future__ import annotations

import csv
import math
import re
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

TASKS = ("auto", "regression", "binary", "multiclass", "multilabel")
METRICS: dict[str, tuple[str, ...]] = {
    "regression": ("rmse", "mae"),
    "binary": ("balanced_accuracy", "f1", "pr_auc", "minority_recall", "accuracy"),
    "multiclass": ("balanced_accuracy", "f1", "pr_auc", "minority_recall", "accuracy"),
    "multilabel": ("f1", "pr_auc", "minority_recall", "balanced_accuracy", "accuracy"),
}
"""The scores each task can be ranked by (the first is the default; ``mae`` for regression with outliers).

For multi-label targets each is taken per label: ``f1`` is the macro F1, ``pr_auc`` the mean of the labels'
average precisions, ``balanced_accuracy`` the labels' mean, ``minority_recall`` the recall of the rarest label
and ``accuracy`` the share of correct 0/1 entries.
"""
LOWER_IS_BETTER = frozenset({"rmse", "mae"})
ALPHA = 0.05
"""A difference to the best with a paired t-test p-value at or above this is called within noise."""
MIN_EPOCHS = 5
MIN_FOLDS = 2
_MISSING = frozenset({"", "na", "nan", "n/a", "null", "none", "?"})
_MAX_CLASSES = 20


# ------------------------------------------------------------------------------------------ reading data


@dataclass(frozen=True)
class Table:
    """Features and target read from a file or a data frame, before any check.

    ``columns`` maps each feature name to its raw values (floats, or strings
    as read from a CSV file); ``target`` holds the target's values, ``(n,)``
    or ``(n, k)``.
    """

    columns: dict[str, np.ndarray]
    target: np.ndarray
    target_name: str


def _column(values: Sequence[str]) -> np.ndarray:
    """A CSV column: floats (NaN where missing) when every present value is a number, else the strings."""
    out = np.empty(len(values), dtype=np.float64)
    for i, raw in enumerate(values):
        text = raw.strip()
        if text.lower() in _MISSING:
            out[i] = np.nan
            continue
        try:
            out[i] = float(text)
        except ValueError:
            return np.array([v.strip() for v in values], dtype=object)
    return out


def _read_csv(path: Path) -> dict[str, np.ndarray]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    if not rows or not any(name.strip() for name in rows[0]):
        msg = f"{path}: found no column names; the first line must name the columns"
        raise ValueError(msg)
    names = [name.strip() for name in rows[0]]
    body = [row for row in rows[1:] if row]
    for number, row in enumerate(body, start=2):
        if len(row) != len(names):
            msg = f"{path}: line {number} has {len(row)} fields, the header {len(names)}; fix that line"
            raise ValueError(msg)
    if not body:
        msg = f"{path}: has a header but no rows; pass a file with data"
        raise ValueError(msg)
    return {name: _column([row[j] for row in body]) for j, name in enumerate(names)}


def _read_parquet(path: Path) -> dict[str, np.ndarray]:
    try:
        import pandas as pd  # type: ignore[import-untyped]
    except ImportError:
        msg = f"{path}: reading .parquet needs pandas and pyarrow; install them: pip install pandas pyarrow"
        raise ValueError(msg) from None
    try:
        frame = pd.read_parquet(path)
    except ImportError as error:
        msg = f"{path}: reading .parquet needs pyarrow ({error}); install it: pip install pyarrow"
        raise ValueError(msg) from None
    return {str(name): _frame_column(frame[name]) for name in frame.columns}


def _frame_column(series: Any) -> np.ndarray:
    values = np.asarray(series)
    if values.dtype.kind in "biuf":
        return values.astype(np.float64)
    return np.array([None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in values], object)


def read_table(path: str | Path, target: str | None = None, features: Sequence[str] | None = None) -> Table:
    """Read a ``.csv`` (header line), ``.npz`` (arrays ``X`` and ``y``) or ``.parquet`` file.

    Parameters
    ----------
    path : str or Path
        The file.
    target : str, optional
        The target's column (csv, parquet; required there; several comma-separated, ``"a,b,c"``, for a
        multi-label target of 0/1 columns) or array (npz; default ``"y"``, of shape ``(n, labels)`` for
        multi-label).
    features : sequence of str, optional
        The feature columns to use (default: every other column). The features of
        an npz file are named ``x0, x1, ...``.

    Returns
    -------
    Table

    Raises
    ------
    ValueError
        For an unreadable file, an unknown column or a missing target; the message names the fix.
    """
    path = Path(path)
    if not path.is_file():
        msg = (
            f"--data: {str(path)!r} is not a file (relative paths start at {Path.cwd()}); pass a .csv, .npz or .parquet"
        )
        raise ValueError(msg)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as arrays:
            key = target or "y"
            if "X" not in arrays or key not in arrays:
                msg = f"{path}: needs arrays 'X' and {key!r}; it has {sorted(arrays)} (save with np.savez(path, X=X, y=y))"  # noqa: E501
                raise ValueError(msg)
            x, y = np.asarray(arrays["X"]), np.asarray(arrays[key])
        if x.ndim != 2 or len(x) != len(y):
            msg = f"{path}: X must be 2-D with one row per target; got X {x.shape} and {key} {y.shape}"
            raise ValueError(msg)
        columns = {f"x{j}": x[:, j] for j in range(x.shape[1])}
        return _select(Table(columns, y, key), features, str(path))
    if suffix == ".csv":
        columns = _read_csv(path)
    elif suffix == ".parquet":
        columns = _read_parquet(path)
    else:
        msg = f"--data: cannot read {suffix or 'a file without suffix'!r} files; pass a .csv, .npz or .parquet file"
        raise ValueError(msg)
    return _split_target(columns, target, features, str(path))


def _split_target(
    columns: dict[str, np.ndarray], target: str | None, features: Sequence[str] | None, where: str
) -> Table:
    if target is None:
        msg = f"{where}: which column is the target? pass --target (target=) with one of {list(columns)}"
        raise ValueError(msg)
    names = [target] if target in columns else [name.strip() for name in target.split(",")]
    unknown = [name for name in names if name not in columns]
    if unknown or not all(names):
        several = " (several target columns, e.g. multi-label 0/1 columns, are comma-separated)" * (len(names) > 1)
        msg = f"{where}: no column {(unknown or [target])[0]!r} for --target{several}; the columns are {list(columns)}"
        raise ValueError(msg)
    values = columns[names[0]] if len(names) == 1 else np.stack([columns[name] for name in names], axis=1)
    rest = {name: column for name, column in columns.items() if name not in names}
    return _select(Table(rest, values, ",".join(names)), features, where)


def _select(table: Table, features: Sequence[str] | None, where: str) -> Table:
    if features is None:
        return table
    targets = {table.target_name, *table.target_name.split(",")}
    named = [name for name in features if name in targets]
    if named:
        msg = f"{where}: --features names the target {named[0]!r}; leave it out of the features"
        raise ValueError(msg)
    unknown = [name for name in features if name not in table.columns]
    if unknown:
        msg = f"{where}: no feature column {unknown[0]!r} for --features; the columns are {list(table.columns)}"
        raise ValueError(msg)
    return replace(table, columns={name: table.columns[name] for name in features})


def _as_table(x: Any, y: Any, target: str | None, features: Sequence[str] | None) -> Table:
    """A data frame (``target`` names its column), a mapping of columns, or arrays ``x`` and ``y``."""
    if hasattr(x, "columns") and hasattr(x, "__getitem__") and not isinstance(x, np.ndarray):
        columns = {str(name): _frame_column(x[name]) for name in x.columns}
        if y is not None:
            return _select(Table(columns, np.asarray(y), target or "y"), features, "X")
        return _split_target(columns, target, features, "the data frame")
    if isinstance(x, Mapping):
        columns = {str(name): _frame_column(values) for name, values in x.items()}
        if y is not None:
            return _select(Table(columns, np.asarray(y), target or "y"), features, "X")
        return _split_target(columns, target, features, "the columns")
    x = np.asarray(x)
    if y is None:
        msg = "choose_loss: pass y (the targets) with an array X, or a data frame with target='column'"
        raise ValueError(msg)
    y = np.asarray(y)
    if x.ndim != 2 or len(x) != len(y):
        msg = f"X must be 2-D, one row per target; got X of shape {x.shape} and y of shape {y.shape}"
        raise ValueError(msg)
    columns = {f"x{j}": x[:, j] for j in range(x.shape[1])}
    return _select(Table(columns, y, target or "y"), features, "X")


# ----------------------------------------------------------------------------------------- checking data


def _is_missing(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind == "f":
        return np.isnan(values)
    if values.dtype.kind == "O":
        return np.array(
            [
                v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip().lower() in _MISSING
                for v in values
            ]
        )
    return np.zeros(values.shape, dtype=bool)


def _rows(mask: np.ndarray) -> str:
    rows = (np.flatnonzero(mask.reshape(len(mask), -1).any(axis=1)) + 1).tolist()
    shown = ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")
    return f"{len(rows)} missing value{'s' if len(rows) > 1 else ''} (rows {shown}, counting data rows from 1)"


def check_data(table: Table) -> np.ndarray:
    """Check the features and return them as a float ``(n, d)`` array.

    Raises
    ------
    ValueError
        One line naming the column and the fix: a missing value, a non-numeric
        column, a constant column, no features or too few rows.
    """
    if not table.columns:
        msg = "no feature columns; the data needs at least one column besides the target"
        raise ValueError(msg)
    missing_target = _is_missing(table.target)
    if missing_target.any():
        msg = f"target {table.target_name!r} has {_rows(missing_target)}; drop those rows or fill the target in"
        raise ValueError(msg)
    features = []
    for name, raw in table.columns.items():
        missing = _is_missing(raw)
        if missing.any():
            msg = (
                f"feature column {name!r} has {_rows(missing)}; "
                "fill them in (e.g. with the column's median) or drop those rows"
            )
            raise ValueError(msg)
        if raw.dtype.kind not in "biuf":
            try:
                raw.astype(np.float64)
            except (TypeError, ValueError):
                example = next(v for v in raw if not _number(v))
                msg = (
                    f"feature column {name!r} is not numeric (e.g. {example!r}); encode it as numbers "
                    "(one-hot columns) or leave it out with --features"
                )
                raise ValueError(msg) from None
        values = raw.astype(np.float64)
        if not np.isfinite(values).all():
            msg = f"feature column {name!r} has infinite values; replace or drop them"
            raise ValueError(msg)
        if len(values) and np.all(values == values[0]):
            msg = f"feature column {name!r} is constant (every value is {values[0]:g}); leave it out with --features"
            raise ValueError(msg)
        features.append(values)
    x = np.stack(features, axis=1)
    if len(x) < 2 * MIN_FOLDS:
        msg = f"the data has {len(x)} rows; cross-validation needs at least {2 * MIN_FOLDS}"
        raise ValueError(msg)
    return x


def _number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


# ------------------------------------------------------------------------------------------ the task


@dataclass(frozen=True)
class Target:
    """The target as the lab trains on it.

    ``y`` holds floats ``(n, k)`` for regression and multi-label tasks, class
    indices ``(n,)`` otherwise (binary: 1 is the minority class). For a
    multi-label task ``classes`` names the labels, ``counts`` holds each
    label's positives and ``minority`` is the rarest label.
    """

    task: str
    reason: str
    y: np.ndarray
    classes: tuple[str, ...] = ()
    minority: int = 1
    counts: tuple[int, ...] = ()
    imbalanced: bool = False
    outliers: bool = False


def _numeric_target(target: np.ndarray) -> np.ndarray | None:
    if target.dtype.kind in "biuf":
        return target.astype(np.float64)
    if target.dtype.kind == "b":
        return target.astype(np.float64)
    try:
        return target.astype(np.float64)
    except (TypeError, ValueError):
        return None


def _class_name(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return str(int(value)) if float(value).is_integer() else f"{float(value):.4g}"
    return str(value)


def infer_target(target: np.ndarray, task: str = "auto", name: str = "y") -> Target:
    """Infer the task from the target (or check the one given) and encode the labels.

    Float targets with many values are regression; two values binary; a few
    integers (at most 20, and at most a tenth of the rows) or text multiclass;
    a 2-D target of 0/1 multi-label.

    Parameters
    ----------
    target : array of shape (n,) or (n, k)
    task : {"auto", "regression", "binary", "multiclass", "multilabel"}
    name : str
        The target's name, for messages.

    Returns
    -------
    Target

    Raises
    ------
    ValueError
        For an unknown task, or a target that does not fit the task given.

    Examples
    --------
    >>> infer_target(np.array([0, 1, 1, 0, 1])).task
    'binary'
    >>> infer_target(np.linspace(0.0, 1.0, 50)).task
    'regression'
    """
    if task not in TASKS:
        msg = f"--task: unknown task {task!r}; use one of {', '.join(TASKS)}"
        raise ValueError(msg)
    override = "override it with --task, or task= in Python"
    numeric = _numeric_target(target)
    if target.ndim == 2 and target.shape[1] == 1:
        target = target[:, 0]
        numeric = None if numeric is None else numeric[:, 0]
    if target.ndim == 2:
        zero_one = numeric is not None and bool(np.isin(numeric, (0.0, 1.0)).all())
        if task in ("binary", "multiclass") or (task == "multilabel" and not zero_one):
            msg = (
                f"--task {task}: target {name!r} has {target.shape[1]} columns{'' if zero_one else ' not all 0/1'}; "
                f"a {task} target is one column of labels (multilabel: 0/1 columns)"
            )
            raise ValueError(msg)
        if numeric is None:
            msg = (
                f"target {name!r} has {target.shape[1]} columns that are not numbers; "
                "a multi-column target is 0/1 (multilabel) or real (regression)"
            )
            raise ValueError(msg)
        if task == "regression" or (task == "auto" and not zero_one):
            reason = f"target {name!r} has {target.shape[1]} columns of real values: regression ({override})"
            return Target("regression", reason, numeric, outliers=_has_outliers(numeric))
        rates = numeric.mean(axis=0)
        reason = f"target {name!r} has {target.shape[1]} columns of 0/1: multilabel ({override})"
        given = name.split(",")
        labels = tuple(given) if len(given) == target.shape[1] else tuple(str(j) for j in range(target.shape[1]))
        counts = numeric.sum(axis=0)
        return Target(
            "multilabel",
            reason,
            numeric,
            labels,
            minority=int(np.argmin(counts)),
            counts=tuple(int(c) for c in counts),
            imbalanced=bool(rates.mean() < 0.2 or rates.min() < 0.1),
        )
    if target.ndim != 1:
        msg = f"target {name!r} must be one column (or 0/1 columns for multilabel); got shape {target.shape}"
        raise ValueError(msg)
    values = numeric if numeric is not None else target.astype(str)
    classes, index, counts = np.unique(values, return_inverse=True, return_counts=True)
    if len(classes) < 2:
        only = _class_name(classes[0]) if len(classes) else "none"
        msg = f"target {name!r} has a single value ({only}); there is nothing to learn"
        raise ValueError(msg)
    integral = numeric is not None and bool(np.all(numeric == np.round(numeric)))
    few = len(classes) <= min(_MAX_CLASSES, max(3, len(values) // 10))
    if task == "auto":
        if len(classes) == 2:
            task, why = "binary", "has 2 values"
        elif numeric is None:
            task, why = "multiclass", f"has {len(classes)} text labels"
        elif integral and few:
            task, why = "multiclass", f"has {len(classes)} integer values"
        else:
            task, why = "regression", f"has {len(classes)} distinct numbers"
        shown = ", ".join(_class_name(c) for c in classes[:5]) + (", ..." if len(classes) > 5 else "")
        reason = f"target {name!r} {why} ({shown}): {task} ({override})"
    else:
        reason = f"task {task!r} as given"
    if task == "regression":
        if numeric is None:
            msg = (
                f"--task regression: target {name!r} is not numeric (e.g. {target[0]!r}); use --task multiclass or auto"
            )
            raise ValueError(msg)
        return Target("regression", reason, numeric.reshape(-1, 1), outliers=_has_outliers(numeric))
    if task == "multilabel":
        msg = (
            f"--task multilabel: target {name!r} is one column; "
            "a multilabel target is several 0/1 columns (an npz y of shape (n, labels))"
        )
        raise ValueError(msg)
    if task == "binary" and len(classes) != 2:
        msg = f"--task binary: target {name!r} has {len(classes)} classes, not 2; use --task multiclass or auto"
        raise ValueError(msg)
    if task == "multiclass" and len(classes) > 100:
        msg = (
            f"--task multiclass: target {name!r} has {len(classes)} classes; use --task regression for a numeric target"
        )
        raise ValueError(msg)
    names = tuple(_class_name(c) for c in classes)
    if task == "binary":
        minority = int(np.argmin(counts)) if counts[0] != counts[1] else 1
        y = (index == minority).astype(np.int64)  # the minority class is the positive one
        order = (names[1 - minority], names[minority])
        share = counts[minority] / counts.sum()
        return Target(
            "binary", reason, y, order, 1, (int(counts[1 - minority]), int(counts[minority])), bool(share < 0.2)
        )
    minority = int(np.argmin(counts))
    imbalanced = bool(counts.max() > 3 * counts.min())
    return Target(
        "multiclass", reason, index.astype(np.int64), names, minority, tuple(int(c) for c in counts), imbalanced
    )


def _has_outliers(y: np.ndarray) -> bool:
    """Outlying targets: more than 1% of the target's deviations from its median exceed 5 robust standard deviations."""
    y = y.reshape(len(y), -1)
    deviation = np.abs(y - np.median(y, axis=0))
    scale = 1.4826 * np.median(deviation, axis=0)
    scale = np.where(scale > 0, scale, np.std(y, axis=0) + 1e-12)
    return bool(np.mean(deviation > 5 * scale) > 0.01)


# ------------------------------------------------------------------------------------------ candidates


@dataclass(frozen=True)
class Candidate:
    """A loss to try, with the labels and output layer it trains with."""

    name: str
    loss: Any
    labels: str = ""
    units: int = 1
    activation: str = "linear"
    class_weight: dict[str, float] | None = None
    source: str = "standard"
    """``"rules"`` (the rules' pick), ``"rules alternative"`` or ``"standard"`` (a usual choice for the task)."""


def _config(name: str, **kwargs: Any) -> Any:
    """A loss identifier: the name alone without arguments, else a config dict of its class."""
    if not kwargs:
        return name
    import losslab

    obj = losslab.get(name)
    cls = type(obj) if isinstance(obj, losslab.Loss) and not isinstance(obj, losslab.LossFunctionWrapper) else None
    if cls is None:
        from losslab.losses._card import card_of

        card = card_of(getattr(obj, "fn", obj))
        cls = None if card is None else card.cls
    if cls is None:
        msg = f"cannot configure loss {name!r} with {kwargs}"
        raise ValueError(msg)
    return {"class_name": cls.__name__, "config": dict(kwargs)}


def _label(name: str, kwargs: Mapping[str, Any], class_weight: bool, task: str = "") -> str:
    shown = ", ".join(f"{k}={v}" for k, v in kwargs.items() if k not in ("from_logits", "axis"))
    weighted = " + positive weights" if task == "multilabel" else " + class_weight"
    return name + (f"({shown})" if shown else "") + (weighted if class_weight else "")


def _balanced_weights(target: Target) -> dict[str, float]:
    """Classes weighted by ``n / (classes * count)``; multi-label: each label's positives by negatives / positives."""
    counts = np.asarray(target.counts, dtype=np.float64)
    if target.task == "multilabel":
        n = float(len(target.y))
        return {str(j): float((n - c) / c) if c > 0 else 1.0 for j, c in enumerate(counts)}
    return {str(c): float(counts.sum() / (len(counts) * counts[c])) for c in range(len(counts))}


def _wishes(target: Target, rules: Any) -> list[tuple[str, dict[str, Any], str | None, bool, str]]:
    """``(loss, kwargs, activation, class weighted, source)`` of every candidate, the rules' first."""
    logits = {"from_logits": True}
    wishes: list[tuple[str, dict[str, Any], str | None, bool, str]] = [
        (rules.loss, dict(rules.loss_kwargs), rules.output_activation, False, "rules")
    ]
    for alternative in rules.alternatives:
        if re.fullmatch(r"[a-z_0-9]+", alternative.loss):  # expressions of several losses are left to the rules
            kwargs = dict(logits) if alternative.activation == "linear" and "crossentropy" in alternative.loss else {}
            wishes.append((alternative.loss, kwargs, alternative.activation, False, "rules alternative"))
    balanced_focal = (  # for one unit per label: alpha weights the positives
        "binary_focal_crossentropy",
        {**logits, "gamma": 2.0, "apply_class_balancing": True, "alpha": 0.75},
        "linear",
        False,
        "standard",
    )
    if target.task == "regression":
        wishes += [
            ("mean_squared_error", {}, "linear", False, "standard"),
            ("mean_absolute_error", {}, "linear", False, "standard"),
            ("huber", {"delta": 1.0}, "linear", False, "standard"),
            ("log_cosh", {}, "linear", False, "standard"),
        ]
    elif target.task == "binary":
        wishes += [
            ("binary_crossentropy", logits, "linear", False, "standard"),
            ("binary_crossentropy", logits, "linear", True, "standard"),
            ("binary_focal_crossentropy", {**logits, "gamma": 2.0}, "linear", False, "standard"),
            balanced_focal,
            ("dice", {"axis": [1, 2]}, "sigmoid", False, "standard"),
        ]
    elif target.task == "multiclass":
        wishes += [
            ("categorical_crossentropy", logits, "linear", False, "standard"),
            ("sparse_categorical_crossentropy", logits, "linear", False, "standard"),
            ("categorical_focal_crossentropy", {**logits, "gamma": 2.0}, "linear", False, "standard"),
            ("categorical_crossentropy", {**logits, "label_smoothing": 0.1}, "linear", False, "standard"),
            ("categorical_crossentropy", logits, "linear", True, "standard"),
        ]
    else:  # multilabel: one sigmoid unit per label
        wishes += [
            ("binary_crossentropy", logits, "linear", False, "standard"),
            ("binary_crossentropy", logits, "linear", True, "standard"),  # each label's positives weighted
            ("binary_focal_crossentropy", {**logits, "gamma": 2.0}, "linear", False, "standard"),
            balanced_focal,
            ("dice", {"axis": [1]}, "sigmoid", False, "standard"),  # per label over the batch, then the mean
        ]
    return wishes


def _layout(target: Target, card: Any) -> tuple[str, int, str] | str:
    """``(labels, units, default output)`` for a loss's card on the task, or why it cannot train on it."""
    inputs = card.inputs
    classes = len(target.classes)
    if target.task == "regression":
        if inputs == "real":
            return "continuous", target.y.shape[1], "linear"
        return f"it takes {card.labels}; the targets are standardized, so they are not"
    if target.task == "multilabel":
        if inputs in ("binary", "masks"):  # 0/1 columns pass through as they are
            return "continuous", target.y.shape[1], "sigmoid"
        return f"it takes {card.labels}, not 0/1 label columns"
    two = target.task == "binary"
    layouts = {
        "binary": ("binary", 1, "sigmoid") if two else ("onehot", classes, "sigmoid"),
        "masks": ("binary", 1, "sigmoid") if two else ("onehot", classes, "sigmoid"),
        "pm1": ("pm1", 1, "tanh") if two else ("onehot", classes, "tanh"),
        "onehot": ("onehot", classes, "softmax"),
        "distributions": ("onehot", classes, "softmax"),
        "indices": ("integer", classes, "softmax"),
    }
    if inputs in layouts:
        return layouts[inputs]
    return f"it takes {card.labels} (a loss for {', '.join(card.tasks)})"


def _encode(target: Target, labels: str) -> np.ndarray:
    """The labels as the lab encodes them from the class indices (binary: 1 is the minority class)."""
    y = target.y
    if labels == "continuous":
        return y.astype(np.float32).reshape(len(y), -1)
    if labels == "onehot":
        return np.eye(len(target.classes), dtype=np.float32)[y]
    if labels == "binary":
        return y.astype(np.float32).reshape(-1, 1)
    if labels == "pm1":
        return (2.0 * y - 1.0).astype(np.float32).reshape(-1, 1)
    return y.astype(np.int64)


def _key(loss: Any, weighted: bool) -> str:
    """The same loss with the same arguments gives the same key, however it is named (logits or not)."""
    import losslab

    obj = losslab.get(loss)
    if not hasattr(obj, "get_config"):  # a function: its class with default arguments
        from losslab.losses._card import card_of

        card = card_of(obj)
        obj = card.cls() if card is not None and card.cls is not None else obj
    config = obj.get_config() if hasattr(obj, "get_config") else {"name": getattr(obj, "__name__", str(obj))}
    skip = ("reduction", "from_logits", "dtype")
    return repr((type(obj).__name__, sorted((k, repr(v)) for k, v in config.items() if k not in skip), weighted))


def candidates(target: Target, rules: Any) -> tuple[list[Candidate], list[str]]:
    """The candidates of a task, each with its labels and output layer; and a note per refused one.

    A loss's labels and output come from its card (as ``losslab compare``'s
    tasks do); the first output that :func:`losslab.analysis.check` finds no
    error in is used. Duplicates (the same loss and arguments) are dropped.
    """
    from losslab.analysis import check
    from losslab.lab.tasks import _card_of, _outputs

    out: list[Candidate] = []
    notes: list[str] = []
    seen: set[str] = set()
    for name, kwargs, activation, weighted, source in _wishes(target, rules):
        label = _label(name, kwargs, weighted, target.task)
        loss = _config(name, **kwargs)
        key = _key(loss, weighted)
        if key in seen:
            continue
        seen.add(key)
        card = _card_of(loss)
        layout = _layout(target, card) if card is not None else "it has no card"
        if isinstance(layout, str):
            notes.append(f"{label} left out: {layout}")
            continue
        labels, units, default = layout
        y = _encode(target, labels)
        y_pred = np.zeros((len(y), units), dtype=np.float32)
        tries = list(dict.fromkeys([a for a in (activation, *_outputs(card, default), "linear") if a]))
        chosen: str | None = None
        problems: list[str] = []
        for output in tries:
            errors = [f for f in check(loss, output, y, y_pred=y_pred) if f.severity == "error"]
            if not errors:
                chosen = output
                break
            problems = problems or [f"{f.problem} Fix: {f.fix}" for f in errors]
        if chosen is None:
            notes.append(f"{label} left out: {problems[0]}")
            continue
        weights = _balanced_weights(target) if weighted else None
        out.append(Candidate(label, loss, labels, units, chosen, weights, source))
    return out, notes


# ------------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class LossScore:
    """One candidate's cross-validated score.

    ``folds`` holds the score of each fold (the mean over seeds; ``None`` where
    every seed failed or diverged); ``p_value`` is the paired t-test over folds
    against the best candidate (``None`` for the best itself or when not
    computable); ``within_noise`` is ``p_value >= ALPHA``.
    """

    rank: int
    name: str
    loss: Any
    output_activation: str
    labels: str
    class_weight: dict[str, float] | None
    source: str
    mean: float | None
    std: float | None
    folds: tuple[float | None, ...]
    p_value: float | None = None
    within_noise: bool | None = None
    status: str = "ok"
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


@dataclass(frozen=True)
class LossChoice:
    """What :func:`choose_loss` found: the task, the rules' pick, and every candidate ranked on the data."""

    task: str
    task_reason: str
    metric: str
    higher_is_better: bool
    folds: int
    epochs: int
    seeds: int
    ranking: tuple[LossScore, ...]
    recommendation: Any
    notes: tuple[str, ...] = ()
    test: str = "paired t-test over folds (scipy.stats.ttest_rel)"
    results: tuple[Any, ...] = field(default=(), repr=False)
    files: dict[str, str] = field(default_factory=dict)

    @property
    def best(self) -> LossScore:
        """The first of the ranking."""
        return self.ranking[0]

    @property
    def within_noise(self) -> bool:
        """Whether no other ok candidate differs from the best by the test (each ``p >= ALPHA``)."""
        others = [s for s in self.ranking[1:] if s.status == "ok"]
        return bool(others) and all(s.within_noise for s in others)

    def verdict(self) -> str:
        """One sentence: the winner, and whether the differences are within noise."""
        best = self.best
        if best.status != "ok":
            return "no candidate trained on every fold; see the errors in the table"
        close = [s.name for s in self.ranking[1:] if s.status == "ok" and s.within_noise]
        text = f"best by {self.metric}: {best.name} ({_fmt(best.mean)} ± {_fmt(best.std)} over {self.folds} folds)"
        if self.within_noise:
            return (
                text + f"; every other candidate is within noise of it ({self.test}, p >= {ALPHA}): "
                f"the data do not separate them, so the rules' pick {self.recommendation.loss} is as good a choice"
            )
        if close:
            return text + f"; within noise of it ({self.test}, p >= {ALPHA}): {', '.join(close)}"
        return text + f"; every other candidate is worse ({self.test}, p < {ALPHA})"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the lab's runs are left out: they are saved beside it)."""
        rec = self.recommendation
        return {
            "task": self.task,
            "task_reason": self.task_reason,
            "metric": self.metric,
            "higher_is_better": self.higher_is_better,
            "folds": self.folds,
            "epochs": self.epochs,
            "seeds": self.seeds,
            "test": self.test,
            "alpha": ALPHA,
            "verdict": self.verdict(),
            "rules": {"loss": rec.loss, "loss_kwargs": rec.loss_kwargs, "output_activation": rec.output_activation},
            "notes": list(self.notes),
            "ranking": [s.to_dict() for s in self.ranking],
        }


def shown_labels(labels: str, task: str) -> str:
    """A candidate's label encoding as the tables show it: the lab's ``"continuous"`` for 0/1 columns reads as such."""
    return "0/1 per label" if task == "multilabel" and labels == "continuous" else labels


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def _rank(
    cands: Sequence[Candidate],
    fold_values: Sequence[Sequence[float | None]],
    errors: Sequence[str | None],
    higher: bool,
) -> tuple[LossScore, ...]:
    from scipy import stats  # type: ignore[import-untyped]

    rows: list[tuple[Candidate, tuple[float | None, ...], float | None, float | None, str, str | None]] = []
    for cand, values, error in zip(cands, fold_values, errors, strict=True):
        present = [v for v in values if v is not None]
        ok = len(present) == len(values) and error is None
        mean = float(np.mean(present)) if present else None
        std = float(np.std(present, ddof=1)) if len(present) > 1 else None
        status = "ok" if ok else ("failed" if not present else "partial")
        rows.append((cand, tuple(values), mean, std, status, error))
    sign = -1.0 if higher else 1.0
    rows.sort(key=lambda r: (r[4] != "ok", math.inf if r[2] is None else sign * r[2]))
    best = rows[0]
    scores = []
    for rank, (cand, values, mean, std, status, error) in enumerate(rows, start=1):
        p = None
        if rank > 1 and status == "ok" and best[4] == "ok" and len(values) > 1:
            a, b = np.asarray(best[1], dtype=np.float64), np.asarray(values, dtype=np.float64)
            diff = a - b
            if np.ptp(diff) <= 1e-12 * max(1.0, float(np.abs(diff).max())):  # no spread: t is 0/0 or infinite
                p = 1.0 if abs(float(diff.mean())) <= 1e-12 else 0.0
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # nearly equal folds: scipy warns, p stays usable
                    p = float(stats.ttest_rel(a, b).pvalue)
                p = 1.0 if math.isnan(p) else p
        scores.append(
            LossScore(
                rank,
                cand.name,
                cand.loss,
                cand.activation,
                cand.labels,
                cand.class_weight,
                cand.source,
                mean,
                std,
                values,
                p,
                None if p is None else p >= ALPHA,
                status,
                error,
            )
        )
    return tuple(scores)


# ------------------------------------------------------------------------------------------ folds, budget


def _folds(target: Target, folds: int, random_state: int) -> tuple[list[tuple[np.ndarray, np.ndarray]], str | None]:
    """The ``(train, test)`` rows of each fold, and a note on how a multi-label target was split.

    Classes are stratified. A multi-label target is stratified on its label sets (each row's 0/1
    pattern) when every set has at least ``folds`` rows, else split at random (plain k-fold).
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    rows = np.zeros(len(target.y))
    stratified = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    if target.task in ("binary", "multiclass"):
        return list(stratified.split(rows, target.y)), None
    plain = list(KFold(n_splits=folds, shuffle=True, random_state=random_state).split(rows))
    if target.task != "multilabel":
        return plain, None
    sets = np.array(["".join("1" if v > 0.5 else "0" for v in row) for row in target.y])
    names, counts = np.unique(sets, return_counts=True)
    if counts.min() >= folds:
        note = f"folds stratified on the {len(names)} label sets (each has at least {folds} rows)"
        return list(stratified.split(rows, sets)), note
    rare = int((counts < folds).sum())
    note = (
        f"folds split at random (plain k-fold): {rare} of the {len(names)} label sets have fewer than {folds} rows, "
        "too few to stratify on the label sets; a rare label may be missing from some folds' test rows"
    )
    return plain, note


def _write_fold(path: Path, x: np.ndarray, target: Target, train: np.ndarray, test: np.ndarray) -> float:
    """Write one fold (train rows first) with X standardized on its train rows; return the target's scale.

    A regression target is standardized on the train rows too; scores in its
    units are the standardized ones times the returned scale (1 otherwise).
    """
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    xs = (x - mean) / np.where(std > 0, std, 1.0)
    y = target.y
    scale = 1.0
    if target.task == "regression":
        y_mean, y_std = y[train].mean(axis=0), y[train].std(axis=0)
        y_std = np.where(y_std > 0, y_std, 1.0)
        y = (y - y_mean) / y_std
        scale = float(y_std.mean())  # one target column in the usual case
    order = np.concatenate([train, test])
    from losslab._io import atomic_path

    with atomic_path(path) as tmp, tmp.open("wb") as handle:
        np.savez(handle, X=xs[order].astype(np.float32), y=y[order])
    return scale


def parse_budget(text: str | float | None) -> float | None:
    """Seconds from ``"90"``, ``"90s"``, ``"2m"``, ``"1h"`` (or a number); ``None`` stays ``None``.

    Examples
    --------
    >>> parse_budget("2m"), parse_budget("60s"), parse_budget(None)
    (120.0, 60.0, None)
    """
    if text is None or isinstance(text, int | float):
        return None if text is None else float(text)
    found = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(s|sec|m|min|h)?\s*", str(text))
    if not found or float(found.group(1)) <= 0:
        msg = f"--budget: {text!r} is not a time; use seconds or a unit, e.g. 60s, 5m, 1h"
        raise ValueError(msg)
    unit = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, None: 1}[found.group(2)]
    return float(found.group(1)) * unit


# ------------------------------------------------------------------------------------------ the chooser


def choose_loss(
    X: Any,
    y: Any = None,
    *,
    target: str | None = None,
    task: str = "auto",
    features: Sequence[str] | None = None,
    folds: int = 5,
    budget: str | float | None = None,
    metric: str | None = None,
    epochs: int = 50,
    seeds: int = 1,
    hidden: Sequence[int] = (32,),
    batch_size: int = 32,
    learning_rate: float = 0.01,
    jobs: int = 1,
    ray_address: str | None = None,
    out: str | Path | None = None,
    progress: Callable[[int, int, str, str], None] | None = None,
    random_state: int = 0,
    started: float | None = None,
) -> LossChoice:
    """Choose a loss on your data: the rules' pick and the usual alternatives, cross-validated and ranked.

    Every candidate trains on the same folds (stratified for classification),
    with the same seeds and model, each with the labels and output layer its
    card asks for; candidates are ranked by the mean of ``metric`` over folds,
    and each is compared with the best by a paired t-test over folds.

    Parameters
    ----------
    X : array of shape (n, d), data frame, or mapping of column name to values
        The features; a data frame (or mapping) may hold the target too (name it with ``target``).
    y : array of shape (n,) or (n, labels), optional
        The targets (not needed when ``X`` holds the target column).
    target : str, optional
        The target column of ``X``.
    task : {"auto", "regression", "binary", "multiclass", "multilabel"}
        ``"auto"`` infers it from the target and says how.
    features : sequence of str, optional
        The feature columns to use (default: all but the target).
    folds : int
        Cross-validation folds (at least 2).
    budget : str or float, optional
        A time limit (seconds, or ``"90s"``, ``"5m"``) counted from ``started``: epochs, then folds, are reduced
        to fit what is left after one loss is timed, and the result says so.
    metric : str, optional
        The score to rank by (:data:`METRICS` of the task); default ``balanced_accuracy`` for classification,
        ``rmse`` for regression (``mae`` when the target has outliers).
    epochs, seeds, hidden, batch_size, learning_rate
        Training of each candidate: an MLP with ``hidden`` layers, SGD with momentum 0.9.
    jobs : int
        Parallel processes for the candidates and folds.
    ray_address : str, optional
        Run on Ray instead (``"local"``, ``"auto"``, ``"ray://host:10001"``).
    out : str or Path, optional
        A folder for ``choice.json``, ``runs.json``, one learning-curve PNG per loss,
        ``report.html`` and the folds' ``.npz`` files. Without it nothing is kept.
    progress : callable, optional
        Called with ``(done, total, what, status)`` as each training finishes: the trainings done so far,
        all of them, the loss and fold just trained, and its status (``"ok"``, ``"diverged"``, ``"failed"``).
    random_state : int
        Seed of the fold split.
    started : float, optional
        ``time.monotonic()`` when the work began, for ``budget`` (the command line passes its process's start,
        so that start-up and reading the data count); default: when this function is called.

    Returns
    -------
    LossChoice

    Raises
    ------
    ValueError
        For data that cannot be used (the message names the column and the fix)
        or an option out of range.
    """
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < MIN_FOLDS:
        msg = f"--folds: {folds!r} is not allowed; use an int >= {MIN_FOLDS}"
        raise ValueError(msg)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        msg = f"--epochs: {epochs!r} is not allowed; use an int >= 1"
        raise ValueError(msg)
    started = time.monotonic() if started is None else started
    seconds = parse_budget(budget)
    table = X if isinstance(X, Table) else _as_table(X, y, target, features)
    x = check_data(table)
    info = infer_target(table.target, task, table.target_name)
    metric = _metric(info, metric)
    notes: list[str] = [info.reason]
    if info.task in ("binary", "multiclass"):
        smallest = int(np.argmin(info.counts))
        if info.counts[smallest] < folds:
            msg = (
                f"class {info.classes[smallest]!r} of target {table.target_name!r} has {info.counts[smallest]} "
                f"sample{'s' if info.counts[smallest] != 1 else ''}, fewer than --folds {folds}; pass --folds "
                f"{max(MIN_FOLDS, info.counts[smallest])} or fewer, or drop or merge that class"
            )
            if info.counts[smallest] < MIN_FOLDS:
                msg = (
                    f"class {info.classes[smallest]!r} of target {table.target_name!r} has 1 sample; "
                    f"stratified folds need at least {MIN_FOLDS}: drop or merge that class"
                )
            raise ValueError(msg)
    if out is not None:
        from losslab._io import check_output_dir

        out = check_output_dir(out)
    from losslab.analysis import recommend

    rules_task = info.task
    rules = recommend(rules_task, outliers=info.outliers, imbalanced=info.imbalanced and rules_task != "regression")
    if info.outliers:
        notes.append("the target has outliers (more than 1% beyond 5 robust standard deviations of its median)")
    if info.imbalanced:
        counts = dict(zip(info.classes, info.counts, strict=False)) or info.counts
        what = (
            "labels are imbalanced (positives per label"
            if info.task == "multilabel"
            else "classes are imbalanced (counts"
        )
        notes.append(f"the {what} {counts})")
    cands, refused = candidates(info, rules)
    notes += refused
    with tempfile.TemporaryDirectory(prefix="losslab-choose-") as scratch:
        where = Path(out) / "folds" if out is not None else Path(scratch)
        return _run(
            x,
            info,
            cands,
            rules,
            metric,
            notes,
            where=where,
            out=None if out is None else Path(out),
            folds=folds,
            epochs=epochs,
            seeds=seeds,
            hidden=tuple(hidden),
            batch_size=batch_size,
            learning_rate=learning_rate,
            budget=None if seconds is None else (seconds, started),
            jobs=jobs,
            ray_address=ray_address,
            progress=progress,
            random_state=random_state,
        )


def _metric(info: Target, metric: str | None) -> str:
    valid = METRICS[info.task]
    if metric is None:
        return ("mae" if info.outliers else "rmse") if info.task == "regression" else valid[0]
    if metric not in valid:
        msg = f"--metric: {metric!r} does not score a {info.task} task; use one of {', '.join(valid)}"
        raise ValueError(msg)
    return metric


def _specs(
    cands: Sequence[Candidate],
    paths: Sequence[Path],
    n_train: Sequence[int],
    info: Target,
    *,
    epochs: int,
    hidden: tuple[int, ...],
    batch_size: int,
    learning_rate: float,
) -> list[Any]:
    from losslab.lab.spec import DataSpec, ExperimentSpec, ModelSpec

    specs = []
    for i, cand in enumerate(cands):
        slug = re.sub(r"[^A-Za-z0-9._-]", "_", cand.name)[:40].rstrip("._")
        for k, (path, n) in enumerate(zip(paths, n_train, strict=True)):
            params = {"path": str(path), "task": info.task, "minority": info.minority}
            specs.append(
                ExperimentSpec(
                    id=f"{i:02d}-{slug}-fold{k + 1}",
                    title=f"{cand.name}, fold {k + 1}",
                    data=DataSpec("npz", params, labels=cand.labels, standardize=False, n_train=n),
                    model=ModelSpec(hidden=hidden, output_units=cand.units, output_activation=cand.activation),
                    loss=cand.loss,
                    metric="mse"
                    if info.task == "regression"
                    else "sign_accuracy"
                    if cand.labels == "pm1"
                    else "binary_accuracy"
                    if info.task == "multilabel"
                    else "accuracy",
                    epochs=epochs,
                    batch_size=batch_size,
                    learning_rate=learning_rate,
                    class_weight=cand.class_weight,
                )
            )
    return specs


@dataclass(frozen=True)
class _Timing:
    """What the candidates will cost, timed on one of them in this process (seconds)."""

    per_epoch: float  # one epoch of one candidate on one fold
    per_run: float  # one training besides its epochs (building the model, reading the fold, the final scores)
    start: float  # a fresh worker process's imports and first calls (a pool's start, when ``jobs > 1``)
    figure: float  # one learning-curve PNG of the report (0 when nothing is written)


def _calibrate(spec: Any, seeds: int, *, draw: bool) -> _Timing:
    """Time one candidate on one fold: warm-up, one- and three-epoch trainings, and, with ``draw``, one figure.

    The warm-up (with the imports it needs here) stands for what each of a pool's fresh processes pays first.
    """
    start = time.perf_counter()
    from losslab.lab.train import train_experiment

    def timed(epochs: int) -> tuple[float, Any]:
        begin = time.perf_counter()
        result = train_experiment(replace(spec, epochs=epochs), seeds)
        return time.perf_counter() - begin, result

    timed(1)
    warm_up = time.perf_counter() - start  # the imports and the first training
    (one, result), (three, _) = timed(1), timed(3)
    per_epoch = max((three - one) / 2, 1e-4)
    figure = 0.0
    if draw:
        import io

        import matplotlib.backends.backend_agg  # noqa: F401 -- imported before the figure is timed

        from losslab.analysis._choose_report import _curves

        begin = time.perf_counter()
        _curves([result], spec.title).savefig(io.BytesIO(), dpi=80, format="png")
        figure = time.perf_counter() - begin
    return _Timing(per_epoch, max(one - per_epoch, 0.0), max(warm_up - one, 0.0), figure)


def _secs(seconds: float) -> str:
    return f"{seconds:.0f}" if seconds >= 10 else f"{seconds:.2g}"


def _fit_budget(
    budget: tuple[float, float],
    timing: _Timing,
    n_cands: int,
    folds: int,
    epochs: int,
    parallel: int,
    notes: list[str],
) -> tuple[int, int]:
    """Epochs, then folds, reduced so that the estimated time fits what is left; a note says what changed.

    ``budget`` is ``(the whole budget, the seconds left of it)``: start-up, reading the data and timing
    one loss have used the rest. The estimate counts the trainings, a pool's start (``parallel > 1``) and
    the report's figures.
    """
    whole, left = budget[0], max(budget[1], 0.0)
    per_epoch, per_run = timing.per_epoch, timing.per_run
    fixed = (timing.start if parallel > 1 else 0.0) + timing.figure * n_cands

    def cost(e: int, k: int) -> float:
        return (per_run + per_epoch * e) * n_cands * k / parallel + fixed

    new_epochs, new_folds = epochs, folds
    if cost(new_epochs, new_folds) > left:
        runs = n_cands * folds / parallel
        fit = ((left - fixed) / runs - per_run) / per_epoch
        new_epochs = min(epochs, max(MIN_EPOCHS, math.floor(fit + 1e-9)))  # 19.999... epochs fit 20
    while cost(new_epochs, new_folds) > left and new_folds > MIN_FOLDS:
        new_folds -= 1
    changes = [
        f"{new} {what} instead of {old}"
        for what, new, old in (("epochs", new_epochs, epochs), ("folds", new_folds, folds))
        if new != old
    ]
    if changes:
        drawing = f", {timing.figure:.2g} s per report figure" if timing.figure else ""
        notes.append(
            f"to stay within the budget of {_secs(whole)} s ({_secs(left)} s left after start-up, reading the data and "
            f"timing one loss: {per_epoch:.2g} s per epoch on one fold{drawing}): {', '.join(changes)}"
        )
    if cost(new_epochs, new_folds) > left:
        notes.append(
            f"even so it needs about {_secs(cost(new_epochs, new_folds))} s, more than the budget; "
            "pass a larger --budget, more --jobs or a smaller sample"
        )
    return new_epochs, new_folds


def _run(
    x: np.ndarray,
    info: Target,
    cands: list[Candidate],
    rules: Any,
    metric: str,
    notes: list[str],
    *,
    where: Path,
    out: Path | None,
    folds: int,
    epochs: int,
    seeds: int,
    hidden: tuple[int, ...],
    batch_size: int,
    learning_rate: float,
    budget: tuple[float, float] | None,
    jobs: int,
    ray_address: str | None,
    progress: Callable[[int, int, str, str], None] | None,
    random_state: int,
) -> LossChoice:
    from losslab.lab.runner import run_experiments

    if not cands:
        msg = f"no loss can train on this {info.task} task: " + "; ".join(notes[1:])
        raise ValueError(msg)
    where.mkdir(parents=True, exist_ok=True)
    if budget is not None:
        split, _ = _folds(info, folds, random_state)
        path = where / "fold-1.npz"
        _write_fold(path, x, info, *split[0])
        probe = _specs(
            cands[:1],
            [path],
            [len(split[0][0])],
            info,
            epochs=epochs,
            hidden=hidden,
            batch_size=batch_size,
            learning_rate=learning_rate,
        )
        timing = _calibrate(probe[0], seeds, draw=out is not None)
        seconds, started = budget
        left = seconds - (time.monotonic() - started)
        epochs, folds = _fit_budget((seconds, left), timing, len(cands), folds, epochs, jobs, notes)
    split, how = _folds(info, folds, random_state)
    if how is not None:
        notes.append(how)
    paths = [where / f"fold-{k + 1}.npz" for k in range(folds)]
    scales = [_write_fold(p, x, info, train, test) for p, (train, test) in zip(paths, split, strict=True)]
    specs = _specs(
        cands,
        paths,
        [len(train) for train, _ in split],
        info,
        epochs=epochs,
        hidden=hidden,
        batch_size=batch_size,
        learning_rate=learning_rate,
    )
    done = [0]

    def on_done(result: Any) -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], len(specs), result.spec.title, result.status)

    results = run_experiments(specs, seeds, jobs=jobs, ray_address=ray_address, on_done=on_done)
    key = f"score_{metric}"
    fold_values: list[list[float | None]] = []
    errors: list[str | None] = []
    for i, _ in enumerate(cands):
        values: list[float | None] = []
        error = None
        for k in range(folds):
            result = results[i * folds + k]
            runs = [r.extra_metrics[key] for r in result.ok_runs if key in r.extra_metrics]
            if not runs:
                error = error or result.error or next((r.error for r in result.runs if r.error), None) or "no score"
                values.append(None)
                continue
            scale = scales[k] if metric in ("rmse", "mae") else 1.0
            values.append(float(np.mean(runs)) * scale)
        fold_values.append(values)
        errors.append(error)
    ranking = _rank(cands, fold_values, errors, metric not in LOWER_IS_BETTER)
    choice = LossChoice(
        task=info.task,
        task_reason=info.reason,
        metric=metric,
        higher_is_better=metric not in LOWER_IS_BETTER,
        folds=folds,
        epochs=epochs,
        seeds=seeds,
        ranking=ranking,
        recommendation=rules,
        notes=tuple(notes),
        results=tuple(results),
    )
    if out is not None:
        from losslab.analysis._choose_report import write_choice

        files = write_choice(choice, cands, folds, out)
        choice = replace(choice, files={k: str(v) for k, v in files.items()})
    return choice


__all__ = [
    "METRICS",
    "Candidate",
    "LossChoice",
    "LossScore",
    "Table",
    "Target",
    "candidates",
    "check_data",
    "choose_loss",
    "infer_target",
    "parse_budget",
    "read_table",
]
