"""Each loss class's docstring lists its constructor's real arguments (``losses/_docstrings.py``)."""

from __future__ import annotations

import inspect
import pydoc
import re

import pytest

import losslab
from losslab.losses._card import cards
from losslab.losses._docstrings import class_docstring

CARDS = list(cards())


def _parameter_names(doc: str) -> list[str]:
    """The names of a numpydoc ``Parameters`` section, read independently of the generator."""
    section = doc.split("Parameters\n----------\n", 1)[1]
    section = re.split(r"\n\n[A-Z][A-Za-z ]+\n-{3,}\n", section, maxsplit=1)[0]
    return [line.split(" : ")[0] for line in section.splitlines() if line and not line[0].isspace()]


@pytest.mark.parametrize("card", CARDS, ids=[card.cls.__name__ for card in CARDS])
def test_the_parameters_are_the_constructor_arguments_in_order(card):
    expected = [name for name in inspect.signature(card.cls.__init__).parameters if name != "self"]
    assert _parameter_names(card.cls.__doc__) == expected


@pytest.mark.parametrize("card", CARDS, ids=[card.cls.__name__ for card in CARDS])
def test_the_docstring_names_its_function_and_keeps_the_class_examples(card):
    doc = card.cls.__doc__
    assert f":func:`{card.name}`" in doc
    assert doc.splitlines()[0].strip() and not doc.startswith("Class form of")
    assert "See Also\n--------\n" + card.name in doc


def test_help_shows_a_hyperparameter_with_its_description_and_the_class_default():
    text = pydoc.render_doc(losslab.Huber, renderer=pydoc.plaintext)
    assert "delta : float, default 1.0" in text
    assert "Where the loss turns from quadratic to linear." in text
    assert 'name : str, default "huber_loss"' in text  # the class's default, not the function's
    assert 'reduction : str or None, default "sum_over_batch_size"' in text


def test_a_class_keeps_its_own_notes_and_examples():
    doc = losslab.CTC.__doc__
    assert "without the rank alignment of other losses" in doc
    assert "Examples\n--------\n>>> import numpy as np" in doc


def test_a_class_default_replaces_the_function_default():
    def fn(y_true, y_pred, *, scale=1.0, xp=None):
        """A loss.

        Parameters
        ----------
        y_true, y_pred : array
        scale : float, default 1.0
            How wide.
        xp : namespace, optional
        """

    class Wide:
        """Class form of :func:`fn`."""

        def __init__(self, scale=4.0, reduction="sum", name="wide", dtype=None):
            pass

    doc = class_docstring(Wide, fn)
    assert doc.startswith("A loss.\n")
    assert "scale : float, default 4.0\n    How wide.\n" in doc
    assert "dtype : str, optional\n" in doc
    assert _parameter_names(doc) == ["scale", "reduction", "name", "dtype"]
