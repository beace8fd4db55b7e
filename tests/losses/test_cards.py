"""Every loss has one complete card, and the public names, registry and fast paths are read from the cards."""

from __future__ import annotations

import inspect
import sys
import threading
import types

import numpy as np
import pytest

import losslab
from losslab.functional import TORCH_NN
from losslab.losses import _fast
from losslab.losses._card import FACTS, TASKS, card_of, cards
from losslab.losses._fast import generic_only, on_torch
from losslab.losses._registry import LOSSES

CARDS = list(cards())


def test_every_registered_loss_has_a_complete_card():
    carded = {id(c.function) for c in CARDS} | {id(c.cls) for c in CARDS}
    machinery = {losslab.LossFunctionWrapper, losslab.CombinedLoss}
    torch_forms = {*TORCH_NN, *(f.__name__ for f in TORCH_NN.values())}  # torch's conventions: tests/functional
    names = [name for name in LOSSES.names() if name not in torch_forms]
    ours = [name for name in names if LOSSES.lookup(name).__module__.startswith("losslab.")]  # not users'
    uncarded = sorted(
        name for name in ours if id(LOSSES.lookup(name)) not in carded and LOSSES.lookup(name) not in machinery
    )
    assert uncarded == [], f"registered losses without a card: {uncarded}"
    for card in CARDS:
        assert card.tasks and set(card.tasks) <= set(TASKS), card.name
        assert card.facts <= FACTS, card.name
        assert card.labels and card.activation and card.range, card.name
        assert card.view is not None, f"{card.name} has no gallery view"
        assert card.view.kind is not None or card.view.reason, f"{card.name}: a loss without a 1-D view says why"
        assert card.cls.__name__[0].isupper() and card.function.__name__ == card.name


def test_the_logits_switch_is_a_real_argument_of_the_function():
    for card in CARDS:
        parameters = inspect.signature(card.function).parameters
        if card.logits is None:
            assert "from_logits" not in parameters, f"{card.name} takes from_logits but its card says no"
        else:
            assert card.logits in parameters, card.name


def test_twins_name_cards():
    names = {card.name for card in CARDS}
    for card in CARDS:
        assert {card.for_indices, card.for_onehot} - {None} <= names, card.name


def test_public_names_are_built_from_the_cards_and_sorted():
    expected = {n for c in CARDS for n in (c.name, c.cls.__name__, *c.aliases)}
    assert expected <= set(losslab.losses.__all__)
    assert list(losslab.losses.__all__) == sorted(losslab.losses.__all__)
    assert list(losslab.__all__) == sorted(losslab.__all__)
    for card in CARDS:
        for alias in card.aliases:
            assert getattr(losslab, alias) is card.function
            assert losslab.get(alias) is card.function
        for alias in card.class_aliases:
            assert isinstance(losslab.get(alias), card.cls)


def test_a_users_namesake_has_no_card_and_no_fused_mean():
    def mean_squared_error(y_true, y_pred):  # named like the built-in, squares it
        return losslab.mean_squared_error(y_true, y_pred) ** 2

    assert card_of(mean_squared_error) is None
    assert card_of(losslab.mean_squared_error) is not None
    y_true, y_pred = np.zeros((2, 2)), np.array([[1.0, 1.0], [3.0, 3.0]])
    assert float(losslab.LossFunctionWrapper(mean_squared_error)(y_true, y_pred)) == pytest.approx((1 + 81) / 2)


def test_plain_mean_entry_points_give_the_mean_of_the_per_sample_losses():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.uniform(0.1, 2, size=(5, 3)), rng.uniform(0.1, 2, size=(5, 3))
    for card in CARDS:
        if card.plain_mean is None or "sparse" in card.facts:  # integer labels: covered in test_fast.py
            continue
        t = np.eye(3)[[0, 2, 1, 1, 0]] if "class_axis" in card.facts else y_true
        t = (t > 1).astype(float) if "binary_labels" in card.facts else t
        kwargs = {"power": 1.5} if card.name == "tweedie_deviance" else {}
        per_sample = card.function(t, y_pred, **kwargs)
        fused = card.plain_mean(t, y_pred, None, plain_mean=True, **kwargs)
        assert np.ndim(fused) == 0, card.name
        np.testing.assert_allclose(fused, np.mean(per_sample), rtol=1e-12, err_msg=card.name)


def _in_thread(fn):
    out = {}
    thread = threading.Thread(target=lambda: out.setdefault("value", fn()))
    thread.start()
    thread.join()
    return out["value"]


def test_value_checks_are_context_local_and_restored_exactly():
    assert not losslab.value_checks_enabled()
    with losslab.value_checks():
        assert losslab.value_checks_enabled()
        assert _in_thread(losslab.value_checks_enabled) is False  # another thread never sees this block
        with losslab.value_checks(False):
            assert not losslab.value_checks_enabled()
        assert losslab.value_checks_enabled()
    assert not losslab.value_checks_enabled()


def test_overlapping_value_check_blocks_in_threads_leave_no_trace():
    barrier = threading.Barrier(2)
    seen = []

    def worker(enabled):
        with losslab.value_checks(enabled):
            barrier.wait()  # both blocks are open at once
            seen.append((enabled, losslab.value_checks_enabled()))
            barrier.wait()
        seen.append(("after", losslab.value_checks_enabled()))

    threads = [threading.Thread(target=worker, args=(flag,)) for flag in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen[:2]) == [(False, False), (True, True)]
    assert seen[2:] == [("after", False), ("after", False)]
    assert not losslab.value_checks_enabled()


def test_generic_only_is_context_local():
    torch_xp = pytest.importorskip("array_api_compat.torch")
    with generic_only():
        assert not on_torch(torch_xp)
        assert _in_thread(lambda: on_torch(torch_xp)) is True
    assert on_torch(torch_xp)


def _kernels_reached(fn, seen):
    """The ``_fast`` kernels that ``fn`` names, following the private helpers of its own module."""
    if fn is None or id(fn) in seen:
        return set()
    seen.add(id(fn))
    module = sys.modules[fn.__module__]
    found = set()
    for name in fn.__code__.co_names:
        obj = getattr(module, name, None)
        if name.startswith(("torch_", "jax_")) and obj is getattr(_fast, name, None):
            found.add(name)
        elif isinstance(obj, types.FunctionType) and obj.__module__ == fn.__module__ and name.startswith("_"):
            found |= _kernels_reached(obj, seen)
    return found


def test_a_cards_kernels_are_the_ones_its_code_dispatches_to():
    for card in CARDS:
        seen: set[int] = set()
        reached = _kernels_reached(card.function, seen) | _kernels_reached(card.plain_mean, seen)
        assert {k.__name__ for k in card.kernels} == reached, card.name
        assert all(k.__module__ == _fast.__name__ for k in card.kernels), card.name


def test_every_cards_inputs_have_a_demo_batch():
    from losslab.demo import demo_batch

    batch = demo_batch()
    assert set(batch) == {card.name for card in CARDS}
    for card in CARDS:
        y_true, y_pred, kwargs = batch[card.name]
        assert np.all(np.isfinite(card.function(y_true, y_pred, **kwargs))), card.name
