"""The demo batch: every built-in loss on one small batch, on every installed backend.

``demo_rows()`` computes the values; ``losslab demo`` prints them as a table.
"""

from __future__ import annotations

import importlib
import inspect
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

import losslab
from losslab.losses._card import card, cards

BACKENDS = ("numpy", "array_api_strict", "torch", "jax")


@dataclass(frozen=True)
class DemoRow:
    """One loss on the demo batch: its value per backend (``None``: not installed)."""

    loss: str
    kwargs: dict[str, Any]
    values: dict[str, float | None]
    keras: float | None = None
    note: str = ""


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _draw(kind: str, classes: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A batch of 4 samples of one kind of inputs (see ``losslab.losses._card.INPUTS``), float64."""
    n = 4
    real = rng.normal(size=(n, 3))
    if kind == "real":
        return real, rng.normal(size=(n, 3))
    if kind == "nonzero":
        return np.sign(real) * rng.uniform(0.5, 3.0, size=(n, 3)), rng.normal(size=(n, 3))
    if kind == "positive":
        return rng.uniform(0.2, 3.0, size=(n, 3)), rng.uniform(0.2, 3.0, size=(n, 3))
    if kind in ("binary", "masks"):
        width = 3 if kind == "binary" else 9
        return rng.integers(0, 2, size=(n, width)).astype(float), rng.uniform(0.05, 0.95, size=(n, width))
    if kind == "pm1":
        return np.where(real > 0, 1.0, -1.0), rng.normal(size=(n, 3))
    labels = rng.integers(0, classes, size=n)
    probs = _softmax(rng.normal(size=(n, classes)))
    if kind == "onehot":
        return np.eye(classes)[labels], probs
    if kind == "indices":
        return labels, probs
    if kind == "distributions":
        return 0.9 * np.eye(classes)[labels] + 0.1 / classes, probs
    if kind == "binary_maps":
        return rng.integers(0, 2, size=(n, 3, 3)).astype(float), rng.normal(size=(n, 3, 3))
    if kind == "label_maps":
        return rng.integers(0, classes, size=(n, 3, 3)), _softmax(rng.normal(size=(n, 3, 3, classes)))
    if kind == "onehot_maps":
        maps = rng.integers(0, classes, size=(n, 3, 3))
        return np.eye(classes)[maps], _softmax(rng.normal(size=(n, 3, 3, classes)))
    if kind == "embeddings":
        x = rng.normal(size=(n, 3))
        return np.array([0, 0, 1, 1]), x / np.linalg.norm(x, axis=1, keepdims=True)
    if kind == "sequences":
        return np.array([[1, 2, 0], [2, 2, 1], [1, 0, 0], [3, 1, 2]]), rng.normal(size=(n, 6, 4))
    if kind == "quantiles":
        return rng.normal(size=(n, 1)), np.sort(rng.normal(size=(n, 3)), axis=1)
    if kind == "pairs":
        return np.where(real[:, 0] > 0, 1.0, -1.0), rng.normal(size=(n, 2))
    if kind == "triplets":
        return np.zeros(n), rng.normal(size=(n, 3, 3))
    if kind == "distances":
        return rng.integers(0, 2, size=n).astype(float), rng.uniform(0.0, 2.0, size=n)
    msg = f"no demo inputs for the kind {kind!r}; add them to losslab.demo._draw"
    raise ValueError(msg)


def demo_batch(seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray, dict[str, Any]]]:
    """``loss name -> (y_true, y_pred, kwargs)``: every card's kind of inputs on a batch of 4 samples, float32.

    The classes of a categorical loss are those of its card's worked example;
    the kwargs are the ones its gallery view fixes or presets.
    """
    rng = np.random.default_rng(seed)
    batch = {}
    for facts in cards():
        view = facts.view
        example = view.example if view is not None else ((), ())
        classes = max(np.shape(example[1])[-1:] or (3,), default=3)
        y_true, y_pred = _draw(facts.inputs, max(classes, 2), rng)
        y_true = y_true if np.issubdtype(y_true.dtype, np.integer) else y_true.astype(np.float32)
        kwargs = dict((*view.fixed, *view.preset)) if view is not None else {}
        batch[facts.name] = (y_true, y_pred.astype(np.float32), kwargs)
    return batch


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


def _keras_kwargs(facts: Any, keras_fn: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` plus losslab's defaults of the hyperparameters that Keras's function also takes."""
    ours = inspect.signature(facts.function).parameters
    theirs = inspect.signature(keras_fn).parameters
    defaults = {k: p.default for k, p in ours.items() if k in theirs and p.default is not inspect.Parameter.empty}
    return {**defaults, **kwargs}


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
        facts = card(name)
        keras_value = None
        if keras is not None and facts.keras is not None and hasattr(keras.losses, name):
            keras_fn = getattr(keras.losses, name)
            keras_value = float(np.mean(np.asarray(keras_fn(y_true, y_pred, **_keras_kwargs(facts, keras_fn, kwargs)))))
        note = facts.keras_differs or ("" if facts.keras else "not in Keras")
        rows.append(DemoRow(name, kwargs, values, keras_value, note))
    return rows
