"""Hyperparameters and configs: bad values raise losslab's own errors, the same on every backend.

Each loss's card declares the domains of its hyperparameters (``losses/_validation.py``); a class
checks them when it is built, ``from_config`` checks the keys, and ``get`` goes through both.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import losslab
from losslab.demo import demo_batch
from losslab.losses._card import card, cards
from losslab.losses._loss import LossFunctionWrapper
from tests.losses._registry import CASES

SHARED = {"reduction", "name", "dtype"}
REQUIRED = {"ClassWeightedCrossentropy": {"class_weight": [1.0, 2.0, 1.0, 0.5]}}
NEEDS = {"ignore_background": {"mode": "multilabel"}}  # flags that take effect with another option only
FLAGS = [(card.cls.__name__, p.name) for card in cards() for p in card.params if p.kind == "bool"]


# --------------------------------------------------------------------------- the table


@pytest.mark.parametrize("loss", list(cards()), ids=lambda card: card.name)
def test_every_hyperparameter_has_a_declared_domain(loss):
    """The card's table covers exactly the class's hyperparameters, so no argument goes unchecked."""
    arguments = set(inspect.signature(loss.cls).parameters) - SHARED - ({"multioutput"} if loss.multioutput else set())
    assert {p.name for p in loss.params} == arguments


# --------------------------------------------------------------------------- types


def test_string_false_is_not_a_true_flag():
    with pytest.raises(ValueError, match=r"^BinaryCrossentropy: from_logits must be a bool .*pass from_logits=False"):
        losslab.get({"class_name": "BinaryCrossentropy", "config": {"from_logits": "false"}})


@pytest.mark.parametrize(("cls", "flag"), FLAGS)
@pytest.mark.parametrize("value", ["false", "True", 1, None])
def test_flags_take_bools_only(cls, flag, value):
    required = {**REQUIRED.get(cls, {}), **NEEDS.get(flag, {})}
    with pytest.raises(ValueError, match=rf"^{cls}: {flag} must be a bool \(True or False\); got {flag}="):
        losslab.get({"class_name": cls, "config": {**required, flag: value}})
    losslab.get({"class_name": cls, "config": {**required, flag: np.bool_(True)}})  # a NumPy bool is a bool


def test_string_number_raises_before_the_call():
    """A quoted number used to reach NumPy and end in its UFuncTypeError."""
    match = r"^Huber: delta must be a float in \(0, inf\); got delta='2' .*pass delta=2\.0"
    with pytest.raises(ValueError, match=match):
        losslab.get({"class_name": "Huber", "config": {"delta": "2"}})


@pytest.mark.parametrize("value", [True, "1", [1.0], math.nan, math.inf])
def test_reals_reject_bools_strings_lists_nan_and_inf(value):
    with pytest.raises(ValueError, match=r"^Pinball: quantile must be a float in \[0, 1\]"):
        losslab.Pinball(quantile=value)


def test_numpy_scalars_and_arrays_are_accepted():
    y_true, y_pred = np.zeros((2, 3)), np.full((2, 3), 3.0)
    expected = float(losslab.Huber(delta=2.0)(y_true, y_pred))
    assert expected == pytest.approx(2.0 * 3.0 - 0.5 * 2.0**2)  # delta |e| - delta^2 / 2, worked by hand
    assert float(losslab.Huber(delta=np.float32(2.0))(y_true, y_pred)) == pytest.approx(expected)
    assert float(losslab.Huber(delta=np.asarray(2.0))(y_true, y_pred)) == pytest.approx(expected)  # left to huber
    assert losslab.CosineSimilarity(axis=np.int64(0)).axis == 0
    with pytest.raises(ValueError, match=r"^CosineSimilarity: axis must be an int or a tuple of ints; got axis=1\.0"):
        losslab.CosineSimilarity(axis=1.0)


# --------------------------------------------------------------------------- ranges


@pytest.mark.parametrize(
    ("cls", "kwargs", "match"),
    [
        ("Huber", {"delta": 0.0}, r"delta must be a float in \(0, inf\); got delta=0\.0"),
        ("BinaryCrossentropy", {"label_smoothing": 1.5}, r"label_smoothing must be a float in \[0, 1\]"),
        ("BinaryFocalCrossentropy", {"gamma": -1.0}, r"gamma must be a float in \[0, inf\)"),
        ("BinaryFocalCrossentropy", {"alpha": 1.5}, r"alpha must be a float in \[0, 1\]"),
        ("CategoricalFocalCrossentropy", {"alpha": -0.1}, r"alpha must be a float in \[0, 1\]"),
        ("Tversky", {"beta": -0.5}, r"beta must be a float in \[0, inf\)"),
        ("FocalTversky", {"gamma": 0.0}, r"gamma must be a float in \(0, inf\)"),
        ("Expectile", {"expectile": 1.5}, r"expectile must be a float in \[0, 1\]"),
        ("MultiQuantile", {"quantiles": (0.5, 1.5)}, r"quantiles must be a non-empty sequence of floats"),
        ("Cauchy", {"scale": -1.0}, r"scale must be a float in \(0, inf\)"),
        ("Charbonnier", {"epsilon": 0.0}, r"epsilon must be a float in \(0, inf\)"),
        ("SmoothL1", {"beta": -0.1}, r"beta must be a float in \[0, inf\)"),
        ("Circle", {"gamma": 0.0}, r"gamma must be a float in \(0, inf\)"),
        ("LovaszSoftmax", {"classes": "some"}, r"classes must be one of 'present', 'all'"),
        ("SparseCategoricalCrossentropy", {"ignore_class": 1.5}, r"ignore_class must be an int or None"),
        ("Dice", {"axis": (1, "2")}, r"axis must be None, an int or a tuple of ints"),
        ("MultilabelSoftMargin", {"weight": ["a", "b"]}, r"`weight` must be a 1-D sequence of floats"),
    ],
)
def test_out_of_domain_values_raise_at_construction(cls, kwargs, match):
    with pytest.raises(ValueError, match=rf"^{cls}: {match}"):
        losslab.get({"class_name": cls, "config": kwargs})


def test_smooth_l1_keeps_torchs_beta_zero():
    """torch's SmoothL1Loss takes beta=0 (the absolute error); the catalogue's SmoothL1 does too."""
    y_true, y_pred = np.zeros((1, 2)), np.array([[1.0, -3.0]])
    assert float(losslab.SmoothL1(beta=0.0)(y_true, y_pred)) == pytest.approx(2.0)


def test_negative_huber_delta_is_one_error_on_every_backend(xp):
    """NumPy and JAX returned a negative loss and torch raised its own RuntimeError; now one ValueError."""
    y_true, y_pred = xp.asarray([[0.0, 0.0]]), xp.asarray([[0.5, 3.0]])
    with pytest.raises(ValueError, match=r"^Huber: delta must be a float in \(0, inf\); got delta=-1\.0"):
        losslab.Huber(delta=-1.0)(y_true, y_pred)
    with pytest.raises(ValueError, match=r"^huber: delta must be a float in \(0, inf\); got delta=-1\.0"):
        losslab.huber(y_true, y_pred, delta=-1.0)


def test_traced_delta_still_works():
    jax = pytest.importorskip("jax")
    y_true, y_pred = jax.numpy.zeros((1, 2)), jax.numpy.asarray([[0.5, 3.0]])
    value = jax.jit(lambda d: losslab.huber(y_true, y_pred, delta=d))(2.0)
    assert float(value[0]) == pytest.approx((0.125 + 2.0 * 3.0 - 2.0) / 2)


# --------------------------------------------------------------------------- config keys


def test_unknown_config_key_names_it_and_the_accepted_ones():
    with pytest.raises(ValueError, match=r"^Huber: unknown config key 'delt'; accepted: 'delta', 'reduction'"):
        losslab.get({"class_name": "Huber", "config": {"delt": 2.0}})


def test_wrapper_extra_keys_are_refused_not_set_as_attributes():
    config = {"fn": "mean_squared_error", "call": 1}
    with pytest.raises(ValueError, match=r"^LossFunctionWrapper: unknown argument \(of mean_squared_error\) 'call'"):
        LossFunctionWrapper.from_config(config)
    with pytest.raises(ValueError, match=r"unknown argument \(of huber\) 'bogus'; accepted: 'delta'"):
        losslab.get({"class_name": "LossFunctionWrapper", "config": {"fn": "huber", "delta": 2.0, "bogus": 1}})
    loss = losslab.get({"class_name": "LossFunctionWrapper", "config": {"fn": "huber", "delta": 2.0}})
    assert loss.delta == 2.0
    with pytest.raises(ValueError, match=r"^LossFunctionWrapper: delta must be a float in \(0, inf\)"):
        LossFunctionWrapper(losslab.huber, delta=-2.0)


def test_config_of_a_function_name_is_not_dropped():
    with pytest.raises(ValueError, match=r"^huber: 'huber' names a function, so a config cannot set .*\['delta'\]"):
        losslab.get({"class_name": "huber", "config": {"delta": 2.0}})


@pytest.mark.parametrize("config", [[1, 2], "delta=2", 3])
def test_config_must_be_a_dict(config):
    with pytest.raises(ValueError, match=r"^Huber: 'config' must be a dict"):
        losslab.get({"class_name": "Huber", "config": config})


def test_missing_required_argument_is_named():
    match = r"^ClassWeightedCrossentropy: the config lacks the required argument 'class_weight'"
    with pytest.raises(ValueError, match=match):
        losslab.get({"class_name": "ClassWeightedCrossentropy", "config": {"from_logits": True}})


def test_bad_reduction_names_the_loss():
    with pytest.raises(ValueError, match=r"^Huber: Invalid value for argument `reduction`: 'avg'"):
        losslab.get({"class_name": "Huber", "config": {"reduction": "avg"}})


# --------------------------------------------------------------------------- fuzzing


CLASS_NAMES = sorted({card.cls.__name__ for card in cards()})
BATCHES = {}
for case in CASES:  # a small valid batch per loss: its first test case's, else the demo's
    BATCHES.setdefault(case.cls, case.make(np.random.default_rng(0), case.shapes[0]))
for name, (y_true, y_pred, _) in demo_batch().items():
    BATCHES.setdefault(card(name).cls.__name__, (y_true, y_pred))

scalars = st.one_of(
    st.sampled_from(["false", "true", "2", "present", "all", "float32", "sum", "none", ""]),
    st.text(max_size=4),
    st.booleans(),
    st.none(),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -1.0, 0.5, 1.0, 2.0, 1e-8, -3]),
    st.floats(min_value=-10.0, max_value=10.0),
    st.integers(min_value=-4, max_value=4),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=5)


@st.composite
def configs(draw):
    """A class name and a few keys: mostly its own hyperparameters (often at a plausible value), sometimes junk."""
    cls = draw(st.sampled_from(CLASS_NAMES))
    parameters = inspect.signature(getattr(losslab, cls)).parameters
    known = sorted(parameters)
    key = st.one_of(st.sampled_from(known), st.sampled_from(known), st.sampled_from(known), st.text(max_size=5))
    keys = draw(st.lists(key, max_size=3))
    config = {}
    for key in keys:
        default = parameters[key].default if key in parameters else None
        plausible = st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0, 2.0, -1.0, True, False, -1, 0, 1])
        usual = st.just(default) if default is not inspect.Parameter.empty else plausible
        config[key] = draw(st.one_of(usual, plausible, values))
    return {"class_name": cls, "config": config}


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=configs())
def test_fuzzed_configs_give_a_loss_or_a_clean_error(config):
    cls, arguments = config["class_name"], config["config"]
    try:
        loss = losslab.get(config)
    except (ValueError, TypeError) as error:
        message = str(error)
        assert cls in message, message
        named = [*arguments, *REQUIRED.get(cls, ())]
        assert any(key in message or repr(key) in message for key in named), message
        return
    y_true, y_pred = BATCHES[cls]
    try:
        value = loss(y_true, y_pred)
    except ValueError:
        return
    assert np.all(np.isfinite(np.asarray(value))), (config, value)
