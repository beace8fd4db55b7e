"""Data sets of the lab: scikit-learn's generators as the tutorial uses them, or the user's files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from losslab.lab.spec import DataSpec

LABEL_ENCODINGS = ("continuous", "binary", "pm1", "onehot", "integer")


@dataclass(frozen=True)
class Dataset:
    """Train and test splits; ``y`` is encoded as the spec asks (``(n, 1)`` for scalar targets)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])


def _generate(spec: DataSpec) -> tuple[np.ndarray, np.ndarray]:
    if spec.name in ("regression", "circles", "blobs"):
        from losslab.lab._samples import generate

        sample = generate(spec.name, spec.params)  # scikit-learn's arrays without its import, where it can
        if sample is not None:
            return sample
        from sklearn import datasets

        return getattr(datasets, f"make_{spec.name}")(**spec.params)
    if spec.name == "arrays":
        return np.asarray(spec.params["X"]), np.asarray(spec.params["y"])
    if spec.name == "npz":
        with np.load(spec.params["path"]) as arrays:
            return arrays[spec.params.get("x_key", "X")], arrays[spec.params.get("y_key", "y")]
    if spec.name == "csv":
        return _read_csv(Path(spec.params["path"]), spec.params.get("target", -1))
    msg = f"unknown data set {spec.name!r}; use one of regression, circles, blobs, arrays, npz, csv"
    raise ValueError(msg)


def _read_csv(path: Path, target: Any) -> tuple[np.ndarray, np.ndarray]:
    table = np.genfromtxt(path, delimiter=",", names=True)
    if table.dtype.names is None:
        msg = f"{path}: found no column names; the first line must name the columns"
        raise ValueError(msg)
    columns = list(table.dtype.names)
    target_name = columns[target] if isinstance(target, int) else target
    if target_name not in columns:
        msg = f"{path}: no column {target!r}; the columns are {columns}"
        raise ValueError(msg)
    features = [c for c in columns if c != target_name]
    return np.stack([table[c] for c in features], axis=1), table[target_name]


def _standardize(values: np.ndarray) -> np.ndarray:
    std = values.std(axis=0)
    return (values - values.mean(axis=0)) / np.where(std == 0, 1.0, std)


def encode_labels(y: np.ndarray, encoding: str) -> np.ndarray:
    """Encode targets for a loss: ``(n, 1)`` floats, {-1, 1}, one-hot ``(n, C)`` or integers ``(n,)``."""
    if encoding not in LABEL_ENCODINGS:
        msg = f"unknown label encoding {encoding!r}; use one of {LABEL_ENCODINGS}"
        raise ValueError(msg)
    if encoding == "continuous":
        return y.astype(np.float32).reshape(len(y), -1)
    classes = np.unique(y)
    if encoding in ("binary", "pm1") and len(classes) != 2:
        msg = f"{encoding} labels need exactly two classes; got {len(classes)}: {classes[:10]}"
        raise ValueError(msg)
    index = np.searchsorted(classes, y)
    if encoding == "binary":
        return index.astype(np.float32).reshape(-1, 1)
    if encoding == "pm1":
        return (2.0 * index - 1.0).astype(np.float32).reshape(-1, 1)
    if encoding == "onehot":
        return np.eye(len(classes), dtype=np.float32)[index]
    return index.astype(np.int64)


def load_data(spec: DataSpec) -> Dataset:
    """Make or read the data, encode the labels, split train/test.

    ``standardize`` scales X (and y for continuous targets) over the whole
    data set, as the tutorial does.
    """
    x, y = _generate(spec)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y)
    if spec.standardize:
        x = _standardize(x)
        if spec.labels == "continuous":
            y = _standardize(y.astype(np.float64))
    y = encode_labels(y, spec.labels)
    n = spec.n_train
    if not 0 < n < len(x):
        msg = f"n_train={n} must leave samples for both splits of {len(x)}"
        raise ValueError(msg)
    x = x.astype(np.float32)
    return Dataset(x[:n], y[:n], x[n:], y[n:])
