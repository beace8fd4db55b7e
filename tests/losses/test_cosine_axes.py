"""``CosineSimilarity(axis=(...))``: the class takes the function's tuple of axes, and its config keeps it."""

from __future__ import annotations

import json

import numpy as np
import pytest

import losslab
from losslab.testing import assert_close


def test_the_class_takes_a_tuple_of_axes_as_the_function_does(xp):
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.normal(size=(4, 3, 5)), rng.normal(size=(4, 3, 5))
    flat_t, flat_p = y_true.reshape(4, 15), y_pred.reshape(4, 15)
    by_hand = -np.sum(flat_t * flat_p, axis=1) / (np.linalg.norm(flat_t, axis=1) * np.linalg.norm(flat_p, axis=1))
    loss = losslab.CosineSimilarity(axis=(1, 2), reduction="none")
    assert_close(loss(xp.asarray(y_true), xp.asarray(y_pred)), by_hand, xp=xp, rtol=1e-12)
    mean = losslab.CosineSimilarity(axis=(1, 2))(xp.asarray(y_true), xp.asarray(y_pred))  # the plain-mean path
    assert_close(mean, np.asarray(by_hand.mean()), xp=xp, rtol=1e-12)


def test_a_tuple_axis_survives_the_config_and_json():
    loss = losslab.CosineSimilarity(axis=(1, 2))
    again = losslab.get(json.loads(json.dumps({"class_name": "CosineSimilarity", "config": loss.get_config()})))
    assert again.get_config() == loss.get_config() and again.axis == (1, 2)


def test_a_bad_axis_names_the_fix():
    with pytest.raises(ValueError, match=r"^CosineSimilarity: axis must be an int or a tuple of ints"):
        losslab.CosineSimilarity(axis=(1, "2"))
