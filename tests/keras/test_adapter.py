"""losslab.keras: every loss as a keras.losses.Loss, checked in Keras models on JAX and PyTorch.

The oracle is Keras 3 itself (keras 3.15.1): for a loss Keras also has, the same
model compiled with Keras's own class; for the others, losslab's class form on
NumPy and the weighted mean written out in ``_checks``. Keras fixes its backend
once per process, so the backend this process does not run is measured in one
subprocess (``python -m tests.keras._checks``) and compared here by the same test.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

keras = pytest.importorskip("keras")

import losslab  # noqa: E402
import losslab.keras  # noqa: E402
from losslab.losses._card import cards  # noqa: E402
from tests.keras import _checks  # noqa: E402

pytestmark = pytest.mark.keras

ROOT = Path(__file__).resolve().parents[2]
SRC = Path(losslab.__file__).resolve().parents[1]
BACKENDS = ["jax", "torch"]
RTOL, ATOL = 1e-5, 1e-6


@contextlib.contextmanager
def keras_defaults() -> Iterator[None]:
    """Keras's own JAX setting (no x64), whatever earlier tests of this process turned on; restored after.

    No warning may come out of it (pytest turns warnings into errors): losslab's sparse losses cast Keras's float
    labels to int32, which JAX keeps without x64.
    """
    if keras.backend.backend() != "jax":
        yield
        return
    import jax

    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", False)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", previous)


def measure(backend: str, part: str) -> dict[str, Any]:
    """``_checks.measure(part)`` on ``backend``: in this process if Keras runs on it, else in a subprocess."""
    if backend == keras.backend.backend():
        with keras_defaults():
            result = _checks.measure(part)
    else:
        pytest.importorskip(backend)
        path = os.pathsep.join([str(SRC), str(ROOT), os.environ.get("PYTHONPATH", "")])
        env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": path}
        command = [sys.executable, "-m", "tests.keras._checks", part]
        run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
        assert run.returncode == 0, f"KERAS_BACKEND={backend} {' '.join(command[1:])} failed:\n{run.stderr[-4000:]}"
        result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["backend"] == backend
    return result


def mismatches(pairs: dict[str, tuple[Any, Any]]) -> list[str]:
    """The names whose two lists of numbers differ beyond RTOL/ATOL, each with both lists."""
    bad = []
    for name, (actual, expected) in pairs.items():
        if len(actual) != len(expected) or not np.allclose(actual, expected, rtol=RTOL, atol=ATOL):
            bad.append(f"{name}: {np.asarray(actual)[:6]} vs {np.asarray(expected)[:6]}")
    return bad


@pytest.mark.parametrize("backend", BACKENDS)
def test_losses_keras_has_give_the_numbers_of_keras_own(backend):
    """Same model, same weights: losslab.keras's class against Keras's own class of that loss.

    ``evaluate(x, y, sample_weight=w)`` and, for classification losses, the loss and the weight updates
    of one ``fit`` epoch with ``class_weight``. A plain losslab.Loss in the same fit raises a TypeError
    naming losslab.keras.
    """
    result = measure(backend, "keras_parity")
    assert set(result["losses"]) == {card.name for card in cards() if card.keras is not None}
    parity = {name: (r["ours"], r["keras"]) for name, r in result["losses"].items()}
    fitted = {name for name, (ours, _) in parity.items() if len(ours) > 1}
    assert fitted == {card.name for card in cards() if _checks.fits_with_class_weight(card)}
    assert {"binary_crossentropy", "sparse_categorical_crossentropy"} <= fitted
    assert mismatches(parity) == [], "losslab.keras differs from Keras's own loss"

    message = result["plain_loss"]
    assert "Huber is a losslab.Loss" in message and "losslab.keras.adapt(loss)" in message
    assert "losslab.keras.Huber(...)" in message


@pytest.mark.parametrize("backend", BACKENDS)
def test_other_losses_give_losslab_numbers_weighted_by_keras(backend):
    """``call`` equals losslab's per-sample losses; a weighted ``evaluate`` equals ``sum(w * losses) / n``.

    And a user's registered losslab.Loss subclass, adapted: weighted evaluate before and after
    ``model.save`` / ``keras.models.load_model`` (no custom_objects), with its config kept.
    """
    result = measure(backend, "beyond_keras")
    assert set(result["losses"]) == {card.name for card in cards() if card.keras is None}
    calls = {name: (r["call"], r["losslab"]) for name, r in result["losses"].items()}
    evaluates = {name: (r["evaluate"], r["hand"]) for name, r in result["losses"].items()}
    assert mismatches(calls) == [], "call differs from losslab's per-sample losses"
    assert mismatches(evaluates) == [], "weighted evaluate differs from sum(w * losses) / n"

    user = result["user_loss"]
    np.testing.assert_allclose(user["evaluate"], user["hand"], rtol=RTOL)  # before and after save/load
    assert user["type"] == "AdaptedLoss"
    expected_config = {"name": "cubed", "reduction": "sum", "power": 2.5}
    assert user["config"] == {"loss": {"class_name": "MeanCubedError", "config": expected_config}}


# ---------------------------------------------------------------- the generated classes


@pytest.mark.parametrize("card", list(cards()), ids=lambda card: card.cls.__name__)
def test_every_card_has_a_keras_class_with_its_constructor(card):
    cls = getattr(losslab.keras, card.cls.__name__)
    assert issubclass(cls, keras.losses.Loss) and cls.losslab_class is card.cls
    assert cls.__module__ == "losslab.keras" and cls.__name__ in losslab.keras.__all__
    assert keras.saving.get_registered_name(cls) == f"losslab>{cls.__name__}"
    ours = list(inspect.signature(cls).parameters.values())
    theirs = [p for p in inspect.signature(card.cls).parameters.values() if p.name != "multioutput"]
    assert ours == theirs  # (multioutput's per-output values are no training loss: Keras's forms leave it out)


@pytest.mark.parametrize("name", sorted(_checks.MODEL_CASES))
def test_serialize_round_trip_keeps_every_hyperparameter(name):
    """Through Keras's serialization and JSON (as in a saved model), without custom_objects."""
    case = _checks.MODEL_CASES[name]
    loss = getattr(losslab.keras, case.cls)(**case.kwargs[0], reduction="sum", name="custom_name")
    expected = getattr(losslab, case.cls)(**case.kwargs[0], reduction="sum", name="custom_name").get_config()
    assert loss.get_config() == expected
    for key, value in expected.items():
        assert getattr(loss, key) == value
    saved = json.loads(json.dumps(keras.saving.serialize_keras_object(loss)))
    assert saved["registered_name"] == f"losslab>{case.cls}"
    rebuilt = keras.saving.deserialize_keras_object(saved)
    assert type(rebuilt) is type(loss)
    assert rebuilt.get_config() == loss.get_config()


def test_dtype_is_kept_in_the_config():
    loss = losslab.keras.Huber(delta=0.5, dtype="float64")
    assert loss.dtype == "float64"
    rebuilt = keras.saving.deserialize_keras_object(json.loads(json.dumps(keras.saving.serialize_keras_object(loss))))
    assert rebuilt.get_config() == {"name": "huber_loss", "reduction": "sum_over_batch_size", "dtype": "float64"} | {
        "delta": 0.5
    }
    assert "dtype" not in losslab.keras.Huber().get_config()


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        ("BinaryCrossentropy", {"label_smoothing": 0.1, "from_logits": True}),
        ("Dice", {"axis": (1, 2)}),  # a tuple, which a saved file stores as a JSON list
        ("SparseCategoricalCrossentropy", {"ignore_class": 2}),  # a loss with a mask
    ],
)
def test_model_save_and_load_model_without_custom_objects(cls, kwargs, tmp_path):
    loss = getattr(losslab.keras, cls)(**kwargs)
    x = np.ones((2, 3, 3), dtype=np.float32)
    model = _checks.identity_model(x)
    model.compile(loss=loss, optimizer="sgd")
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.loss) is type(loss)
    assert loaded.loss.get_config() == loss.get_config()


def test_constructor_errors_name_the_class_and_its_arguments():
    with pytest.raises(TypeError, match=r"Huber\(delta: 'float' = 1.0.*unexpected keyword argument 'delt'"):
        losslab.keras.Huber(delt=2.0)
    with pytest.raises(ValueError, match="reduction"):
        losslab.keras.Huber(reduction="average")


def test_call_attaches_the_mask_keras_reduces_with():
    """ignore_class: Keras's mean divides by the valid entries only (here 2 of 3), as with its own loss."""
    y_true = np.array([0.0, 1.0, 2.0], dtype=np.float32)
    y_pred = np.array([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8]], dtype=np.float32)
    ours = losslab.keras.SparseCategoricalCrossentropy(ignore_class=1)
    expected = -(np.log(0.7) + np.log(0.8)) / 2  # worked by hand: the ignored sample leaves the mean
    with keras_defaults():
        assert float(ours(y_true, y_pred)) == pytest.approx(expected, rel=1e-6)


# ---------------------------------------------------------------- adapt


def test_adapt_gives_the_keras_class_of_a_builtin_loss():
    loss = losslab.keras.adapt(losslab.Huber(delta=2.0, reduction="sum", name="h"))
    assert type(loss) is losslab.keras.Huber
    assert loss.get_config() == {"name": "h", "reduction": "sum", "delta": 2.0}
    assert losslab.keras.adapt(loss) is loss
    own = keras.losses.Huber()
    assert losslab.keras.adapt(own) is own


def test_adapt_of_a_weighted_sum():
    combined = 0.5 * losslab.MeanSquaredError() + 2.0 * losslab.MeanAbsoluteError()
    loss = losslab.keras.adapt(combined)
    assert isinstance(loss, losslab.keras.AdaptedLoss)
    y_true = np.zeros((3, 2), dtype=np.float32)
    y_pred = np.array([[1.0, 1.0], [2.0, 0.0], [0.0, -1.0]], dtype=np.float32)
    w = np.array([1.0, 0.5, 0.0], dtype=np.float32)
    per_sample = 0.5 * np.array([1.0, 2.0, 0.5]) + 2.0 * np.array([1.0, 1.0, 0.5])
    assert float(loss(y_true, y_pred, sample_weight=w)) == pytest.approx((per_sample * w).mean(), rel=1e-6)
    rebuilt = keras.saving.deserialize_keras_object(json.loads(json.dumps(keras.saving.serialize_keras_object(loss))))
    assert rebuilt.get_config() == loss.get_config()


def test_adapt_refuses_what_keras_could_not_reduce_right():
    with pytest.raises(TypeError, match=r"losslab\.Loss instance; got function"):
        losslab.keras.adapt(losslab.huber)
    masked = losslab.MeanSquaredError() + losslab.SparseCategoricalCrossentropy(ignore_class=0)
    with pytest.raises(ValueError, match=r"\['SparseCategoricalCrossentropy'\] mask entries"):
        losslab.keras.adapt(masked)


def test_import_losslab_does_not_import_keras():
    code = "import sys, losslab; assert 'keras' not in sys.modules, 'import losslab imported keras'"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
