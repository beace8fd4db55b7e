"""``register_loss`` is all or nothing: a name that clashes leaves the registry as it was."""

from __future__ import annotations

import pytest

import losslab
from losslab.losses._loss import Loss


class _QuarticLoss(Loss):
    def call(self, y_true, y_pred):
        return ((y_pred - y_true) ** 4).mean(axis=-1)


def test_failed_registration_leaves_the_names_unchanged():
    before = losslab.names()
    with pytest.raises(ValueError, match="the loss name 'huber' is already registered"):
        losslab.register_loss("quartic_x", aliases=("quartic_y", "huber"))(_QuarticLoss)
    assert losslab.names() == before
    with pytest.raises(ValueError, match="Could not interpret loss identifier: unknown loss name 'quartic_x'"):
        losslab.get("quartic_x")


def test_aliases_must_be_a_tuple_of_names():
    before = losslab.names()
    with pytest.raises(ValueError, match=r"aliases must be a tuple of names, e\.g\. aliases=\('mqe',\); got 'qx'"):
        losslab.register_loss("quartic_z", aliases="qx")(_QuarticLoss)
    with pytest.raises(ValueError, match="a loss name must be a non-empty string; got 3"):
        losslab.register_loss("quartic_z", aliases=(3,))(_QuarticLoss)
    assert losslab.names() == before
