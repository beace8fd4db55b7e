"""The demo batch: every built-in loss on one small batch, on every installed backend.

``demo_rows()`` computes the values; ``losslab demo`` prints them as a table.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

import losslab

BACKENDS = ("numpy", "array_api_strict", "torch", "jax")
NOTES = {"tversky": "Keras <= 3.15 swaps alpha and beta", "jaccard": "not in Keras"}


@dataclass(frozen=True)
class DemoRow:
    """One loss on the demo batch: its value per backend (``None``: not installed)."""

    loss: str
    kwargs: dict[str, Any]
    values: dict[str, float | None]
    keras: float | None = None
    note: str = ""


def demo_batch(seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray, dict[str, Any]]]:
    """``loss name -> (y_true, y_pred, kwargs)`` on a batch of 4 samples, float32."""
    rng = np.random.default_rng(seed)
    f32 = np.float32
    regression = (rng.normal(size=(4, 3)).astype(f32), rng.normal(size=(4, 3)).astype(f32))
    positive = (rng.uniform(0, 3, size=(4, 3)).astype(f32), rng.uniform(0, 3, size=(4, 3)).astype(f32))
    binary = (rng.integers(0, 2, size=(4, 1)).astype(f32), rng.uniform(0.05, 0.95, size=(4, 1)).astype(f32))
    labels = np.array([0, 2, 1, 2])
    logits = rng.normal(size=(4, 3)).astype(f32)
    probs = (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)).astype(f32)
    one_hot = np.eye(3, dtype=f32)[labels]
    masks = ((rng.uniform(size=(4, 3, 3)) < 0.4).astype(f32), rng.uniform(size=(4, 3, 3)).astype(f32))
    embeddings = rng.normal(size=(4, 3)).astype(f32)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    ctc_labels = np.array([[1, 2, 0], [2, 2, 1], [1, 0, 0], [3, 1, 2]])
    ctc_logits = rng.normal(size=(4, 6, 4)).astype(f32)
    return {
        "mean_squared_error": (*regression, {}),
        "mean_absolute_error": (*regression, {}),
        "mean_absolute_percentage_error": (*regression, {}),
        "mean_squared_logarithmic_error": (*positive, {}),
        "huber": (*regression, {"delta": 1.0}),
        "log_cosh": (*regression, {}),
        "cosine_similarity": (*regression, {}),
        "binary_crossentropy": (*binary, {}),
        "binary_focal_crossentropy": (*binary, {"gamma": 2.0}),
        "categorical_crossentropy": (one_hot, probs, {}),
        "categorical_focal_crossentropy": (one_hot, probs, {}),
        "sparse_categorical_crossentropy": (labels, logits, {"from_logits": True}),
        "categorical_generalized_cross_entropy": (labels, probs, {"q": 0.5}),
        "kl_divergence": (one_hot * 0.9 + 0.1 / 3, probs, {}),
        "poisson": (*positive, {}),
        "hinge": (np.where(regression[0] > 0, 1.0, -1.0).astype(f32), regression[1], {}),
        "squared_hinge": (np.where(regression[0] > 0, 1.0, -1.0).astype(f32), regression[1], {}),
        "categorical_hinge": (one_hot, logits, {}),
        "dice": (*masks, {"axis": (1, 2)}),
        "tversky": (*masks, {"axis": (1, 2), "alpha": 0.7, "beta": 0.3}),
        "jaccard": (*masks, {"axis": (1, 2)}),
        "circle": (np.array([0, 0, 1, 1]), embeddings, {"gamma": 10.0}),
        "ctc": (ctc_labels, ctc_logits, {}),
    }


def _namespace(backend: str) -> Any:
    try:
        if backend == "torch":
            importlib.import_module("torch")
            return importlib.import_module("array_api_compat.torch")
        if backend == "jax":
            return importlib.import_module("jax.numpy")
        return importlib.import_module(backend)
    except ImportError:
        return None


def _keras() -> Any:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    try:
        return importlib.import_module("keras")
    except ImportError:
        return None


def demo_rows(*, with_keras: bool = True, seed: int = 0) -> list[DemoRow]:
    """The mean loss (``sum_over_batch_size``) of every demo case on every backend."""
    namespaces = {name: _namespace(name) for name in BACKENDS}
    keras = _keras() if with_keras else None
    rows = []
    for name, (y_true, y_pred, kwargs) in demo_batch(seed).items():
        loss = losslab.get(name)
        values: dict[str, float | None] = {}
        for backend, xp in namespaces.items():
            values[backend] = (
                None if xp is None else float(xp.mean(loss(xp.asarray(y_true), xp.asarray(y_pred), **kwargs)))
            )
        keras_value = None
        if keras is not None and hasattr(keras.losses, name):
            keras_value = float(np.mean(np.asarray(getattr(keras.losses, name)(y_true, y_pred, **kwargs))))
        rows.append(DemoRow(name, kwargs, values, keras_value, NOTES.get(name, "")))
    return rows
