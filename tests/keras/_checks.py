"""The measurements behind ``tests/keras``, run on whichever Keras backend this process has.

The tests run them in-process on JAX (the suite's ``KERAS_BACKEND``) and, on
PyTorch, in a subprocess: ``KERAS_BACKEND=torch python -m tests.keras._checks PART``
prints one part of the measurements as JSON (Keras fixes its backend once per process).
Each function returns plain floats, the numbers a test compares; the oracle
(Keras's own loss, or a sum written out here in NumPy) is measured beside ours.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import replace
from typing import Any

import array_api_compat
import keras
import numpy as np

import losslab
import losslab.keras
from losslab.losses._card import Card, cards
from tests.losses._registry import CASES, Case, keras_kwargs

BATCH = 6
"""One batch size for every case: the model tests feed the whole batch at once (Circle compares its pairs)."""
CLASSIFICATION = {"binary", "multiclass", "multilabel"}
"""Card tasks whose fit also runs with a ``class_weight``."""


def _counts(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    return rng.poisson(2.0, size=shape).astype(float), rng.normal(scale=0.5, size=shape)


def _mean_and_variance(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    y_pred = np.stack([rng.normal(size=shape[:-1]), rng.uniform(0.3, 2.0, size=shape[:-1])], axis=-1)
    return rng.normal(size=(*shape[:-1], 1)), y_pred


def _one_target(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(size=(*shape[:-1], 1)), np.sort(rng.normal(size=shape), axis=-1)


def _label_sequences(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Labels ``(batch, 3)`` in 1..C-1, padded with the blank 0, and logits ``(batch, time, C)``."""
    labels = rng.integers(1, shape[-1], size=(shape[0], 3))
    labels[0, 2:] = 0
    labels[1, 1:] = 0
    return labels, rng.normal(size=shape)


EXTRA_CASES: tuple[Case, ...] = (
    Case("ctc", _label_sequences, shapes=((4, 6, 4),)),
    Case("poisson_nll", _counts, kwargs=({"full": True, "eps": 1e-6},)),
    Case("gaussian_nll", _mean_and_variance, shapes=((6, 2),), kwargs=({"full": True},)),
    Case(
        "multi_quantile",
        _one_target,
        shapes=((6, 3),),
        kwargs=({"quantiles": (0.2, 0.5, 0.7)},),
    ),
)
"""The losses that ``tests/losses/_registry.py`` has no case for, drawn the same way."""


def _model_case(case: Case) -> Case:
    """The case with one argument set and one shape that a Dense layer takes, with a batch of ``BATCH``.

    The argument set is the last (the most non-default) that keeps one loss per sample: a loss over the
    batch axis (``axis=0``) cannot be weighted per sample.
    """
    shape = next(s for s in case.shapes if len(s) >= 2)
    kwargs = [k for k in case.kwargs if k.get("axis") != 0][-1]
    return replace(case, shapes=((BATCH, *shape[1:]),), kwargs=(kwargs,))


def _first_case_per_loss() -> dict[str, Case]:
    first: dict[str, Case] = {}
    for case in (*CASES, *EXTRA_CASES):
        first.setdefault(case.name, _model_case(case))
    return first


MODEL_CASES: dict[str, Case] = _first_case_per_loss()
"""Card name -> the case its Keras form is run on (the registry's first case of that loss)."""


def card_of(case: Case) -> Card:
    return next(card for card in cards() if card.name == case.name)


def fits_with_class_weight(card: Card) -> bool:
    """Whether a loss Keras has is for classification, so that its parity test also fits with ``class_weight``."""
    return card.keras is not None and bool(CLASSIFICATION & set(card.tasks))


def keras_parity_names() -> list[str]:
    """The losses that Keras has too (the card's ``keras`` name): Keras's own class is the oracle."""
    return [name for name, case in MODEL_CASES.items() if card_of(case).keras is not None]


def beyond_keras_names() -> list[str]:
    """The other losses: losslab's own class form and a weighting worked out here are the oracle."""
    return [name for name, case in MODEL_CASES.items() if card_of(case).keras is None]


def inputs(case: Case, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x, y, sample_weight)``: the model's input is the case's ``y_pred`` (float32), one weight per sample."""
    rng = np.random.default_rng(seed)
    y, x = case.make(rng, case.shapes[0])
    y = y.astype(np.float32) if np.issubdtype(y.dtype, np.floating) else y
    return x.astype(np.float32), y, rng.uniform(0.2, 2.0, size=len(x)).astype(np.float32)


def identity_model(x: np.ndarray) -> Any:
    """A Dense layer on the last axis that starts as the identity: its first outputs are the case's ``y_pred``."""
    inputs = keras.Input(x.shape[1:])
    dense = keras.layers.Dense(x.shape[-1], kernel_initializer="identity", bias_initializer="zeros")
    return keras.Model(inputs, dense(inputs))


def _evaluate(loss: Any, x: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> float:
    model = identity_model(x)
    model.compile(loss=loss)
    return float(model.evaluate(x, y, sample_weight=w, batch_size=len(x), verbose=0))


def _fit(loss: Any, x: np.ndarray, y: np.ndarray, class_weight: dict[int, float]) -> list[float]:
    """One SGD epoch (one batch): the loss it reports, then the change of every weight."""
    model = identity_model(x)
    before = [np.array(v) for v in model.get_weights()]
    model.compile(loss=loss, optimizer=keras.optimizers.SGD(learning_rate=0.1))
    history = model.fit(x, y, class_weight=class_weight, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    steps = [np.ravel(after - b) for after, b in zip(model.get_weights(), before, strict=True)]
    return [float(history.history["loss"][0]), *np.concatenate(steps).tolist()]


def keras_parity(name: str) -> dict[str, list[float]]:
    """Weighted ``evaluate`` (and a ``class_weight`` fit for classification losses), ours and Keras's own class."""
    case = MODEL_CASES[name]
    kwargs = case.kwargs[0]
    card = card_of(case)
    x, y, w = inputs(case)
    ours = getattr(losslab.keras, case.cls)(**kwargs)
    theirs = getattr(keras.losses, card.keras)(**keras_kwargs(case, kwargs))
    result = {"ours": [_evaluate(ours, x, y, w)], "keras": [_evaluate(theirs, x, y, w)]}
    if fits_with_class_weight(card):
        num_classes = max(2, x.shape[-1])
        class_weight = {c: 0.5 + 0.75 * (c + 1) for c in range(-1, num_classes)}  # -1: margin labels
        result["ours"] += _fit(ours, x, y, class_weight)
        result["keras"] += _fit(theirs, x, y, class_weight)
    return result


def _hand_weighted_mean(per_sample: np.ndarray, w: np.ndarray) -> float:
    """Keras's sum_over_batch_size of a weighted loss: sum(w * losses) / number of values."""
    per_sample = np.asarray(per_sample, dtype=np.float64)
    if per_sample.ndim == 0:  # a loss over the whole batch: Keras weights the one value by each weight
        return float(per_sample * w.mean())
    weights = w.reshape(w.shape + (1,) * (per_sample.ndim - 1))
    return float((per_sample * weights).sum() / per_sample.size)


def beyond_keras(name: str) -> dict[str, list[float]]:
    """``call`` against losslab's class form on NumPy, and a weighted ``evaluate`` against the mean worked out here.

    losslab's class with ``reduction="none"`` is its function with these hyperparameters (some classes pack
    arguments, e.g. GaussianNLL's mean and variance in ``y_pred``), computed by NumPy on the same float32 inputs.
    """
    case = MODEL_CASES[name]
    kwargs = case.kwargs[0]
    x, y, w = inputs(case)
    loss = getattr(losslab.keras, case.cls)(**kwargs)
    call = keras.ops.convert_to_numpy(loss.call(keras.ops.convert_to_tensor(y), keras.ops.convert_to_tensor(x)))
    per_sample = np.asarray(getattr(losslab, case.cls)(**kwargs, reduction="none")(y, x))
    return {
        "call": np.ravel(call).tolist(),
        "losslab": np.ravel(per_sample).tolist(),
        "evaluate": [_evaluate(loss, x, y, w)],
        "hand": [_hand_weighted_mean(per_sample, w)],
    }


@losslab.register_loss()
class MeanCubedError(losslab.Loss):
    """A user's loss: ``mean(|y_pred - y_true| ** power)`` over the last axis, registered with losslab."""

    def __init__(self, power: float = 3.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.power = power

    def call(self, y_true: Any, y_pred: Any) -> Any:
        xp = array_api_compat.array_namespace(y_pred)
        return xp.mean(xp.abs(y_pred - y_true) ** self.power, axis=-1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "power": self.power}


def user_loss() -> dict[str, Any]:
    """``adapt`` of a user's registered ``Loss`` subclass: weighted evaluate, then a model saved and loaded."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(8, 3)).astype(np.float32)
    y = rng.normal(size=(8, 3)).astype(np.float32)
    w = rng.uniform(0.0, 2.0, size=8).astype(np.float32)
    loss = losslab.keras.adapt(MeanCubedError(power=2.5, name="cubed", reduction="sum"))
    model = identity_model(x)
    model.compile(loss=loss)
    evaluated = float(model.evaluate(x, y, sample_weight=w, batch_size=8, verbose=0))
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        loaded = keras.models.load_model(path)
    reloaded = float(loaded.evaluate(x, y, sample_weight=w, batch_size=8, verbose=0))
    hand = float((w * (np.abs(x - y).astype(np.float64) ** 2.5).mean(axis=-1)).sum())
    return {
        "evaluate": [evaluated, reloaded],
        "hand": [hand, hand],
        "type": type(loaded.loss).__name__,
        "config": loaded.loss.get_config(),
    }


def plain_loss() -> str:
    """The message Keras's fit raises when given a plain ``losslab.Loss`` ("" when it raises nothing)."""
    x = np.ones((4, 2), dtype=np.float32)
    model = identity_model(x)
    model.compile(loss=losslab.Huber(delta=2.0), optimizer="sgd")
    try:
        model.fit(x, x, sample_weight=np.arange(4.0), batch_size=4, epochs=1, verbose=0)
    except TypeError as error:
        return str(error)
    return ""


def measure(part: str) -> dict[str, Any]:
    """One part of the measurements (``"keras_parity"`` or ``"beyond_keras"``), keyed as the tests read them."""
    if part == "keras_parity":
        losses = {name: keras_parity(name) for name in keras_parity_names()}
        return {"backend": keras.backend.backend(), "losses": losses, "plain_loss": plain_loss()}
    if part == "beyond_keras":
        losses = {name: beyond_keras(name) for name in beyond_keras_names()}
        return {"backend": keras.backend.backend(), "losses": losses, "user_loss": user_loss()}
    msg = f"unknown part {part!r}; use 'keras_parity' or 'beyond_keras'"
    raise ValueError(msg)


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
