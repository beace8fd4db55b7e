"""One card per loss: every fact about a loss that another part of losslab needs, declared once.

The registry (names and aliases), ``__all__``, the plain-mean entry point of
the class forms, the gallery, the chooser, the demo, the framework adapters
and the tests read the cards; nothing else lists losses by name. Adding a
loss is its function, its class and one :class:`Card` in ``_cards.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from losslab.losses._docstrings import class_docstring
from losslab.losses._validation import Param, check_hyperparameters

TASKS = ("regression", "binary", "multiclass", "multilabel", "segmentation", "embedding", "sequence", "ranking")
"""What a loss is for (a card names one or more)."""

FACTS = frozenset(
    {
        "binary_labels",  # labels in [0, 1] per output (binary or multi-label cross-entropy)
        "class_axis",  # one-hot (or soft) labels along a class axis
        "sparse",  # integer class indices
        "pm1_labels",  # margin labels in {-1, 1} ({0, 1} mapped)
        "overlap",  # a soft-overlap (Dice-like) loss on masks
        "probabilities_only",  # takes probabilities, never logits
        "nonnegative_targets",  # targets must be >= 0 (a log or a rate of them)
        "count_targets",  # targets are counts: 0 and 1 are ordinary values, not class labels
        "log_targets",  # takes log(1 + y_true)
        "log_predictions",  # takes log(y_pred)
        "divides_by_targets",  # divides by |y_true|
    }
)
"""The facts the chooser's rules ask about a loss (see ``analysis/chooser.py``)."""

INPUTS = (
    "real",  # real-valued y_true and y_pred
    "nonzero",  # real-valued, y_true away from 0
    "positive",  # y_true and y_pred > 0 (counts, rates, means)
    "binary",  # 0/1 labels, probabilities
    "pm1",  # -1/1 labels, real scores
    "onehot",  # one-hot labels, probabilities along the last axis
    "indices",  # integer class indices, probabilities along the last axis
    "distributions",  # two probability distributions along the last axis
    "masks",  # 0/1 masks, probabilities, flattened pixels along the last axis
    "binary_maps",  # 0/1 masks (batch, H, W), logits
    "label_maps",  # class indices (batch, H, W), probabilities (batch, H, W, classes)
    "onehot_maps",  # one-hot masks and probabilities (batch, H, W, classes)
    "embeddings",  # identity labels (batch,), L2-normalised embeddings (batch, d)
    "sequences",  # label sequences padded with 0 (batch, S), logits (batch, T, classes)
    "quantiles",  # one target (batch, 1), one output per quantile (batch, 3)
    "pairs",  # -1/1 labels (batch,), score pairs (batch, 2)
    "triplets",  # ignored y_true (batch,), (anchor, positive, negative) stacked (batch, 3, d)
    "distances",  # 1 similar / 0 dissimilar (batch,), distances >= 0 (batch,)
)
"""The kinds of ``(y_true, y_pred)`` a loss takes; ``losslab.demo`` draws a batch of each."""


@dataclass(frozen=True)
class View:
    """How the gallery draws a loss against one variable (see ``analysis/gallery.py``).

    ``kind`` is the x variable without the raw-output switch (``None``: no 1-D
    view, ``reason`` says why); ``layout`` how a grid becomes inputs;
    ``branches`` the label values drawn, one curve each; ``example`` the
    ``(y_true, y_pred)`` of the worked example; ``fixed`` arguments the view
    sets itself; ``preset`` values for arguments without a default; ``switch``
    the boolean argument that makes the loss take a raw output and the kind it
    is then drawn against.
    """

    kind: str | None
    layout: str = "elementwise"
    branches: tuple[float | None, ...] = ()
    example: tuple[Any, Any] = ((), ())
    reason: str = ""
    fixed: tuple[tuple[str, Any], ...] = ()
    preset: tuple[tuple[str, Any], ...] = ()
    switch: tuple[str, str] = ("from_logits", "logit")


@dataclass(frozen=True)
class Card:
    """Everything losslab needs to know about one loss.

    Parameters
    ----------
    function, cls
        The function form (per-sample losses) and the class form.
    tasks : tuple of str
        What the loss is for, from :data:`TASKS`.
    labels, activation, range : str
        The label encoding and output activation it expects, and its range (plain English).
    inputs : str
        The kind of ``(y_true, y_pred)`` it takes, from :data:`INPUTS`.
    aliases, class_aliases : tuple of str
        Other names of the function and of the class (``mse``; torch's ``MultiLabelSoftMarginLoss``).
    logits : str or None
        The boolean argument that makes it take raw outputs (``"from_logits"``,
        ``"log_input"``), or ``None``.
    keras, torch, optax : str or None
        The same loss's name in Keras (``keras.losses``), ``torch.nn`` and ``optax.losses``.
    keras_differs : str
        Where keras <= 3.15's version is wrong and losslab follows the formula
        (one line; ``tests/losses/test_keras_fixes.py`` shows both).
    plain_mean : callable or None
        ``plain_mean(y_true, y_pred, xp, plain_mean=True, **kwargs)``: the mean
        over every value in one step (one fused kernel on torch, one reduction
        elsewhere), for a class form's unweighted mean.
    kernels : tuple of callables
        The native kernels of ``losses/_fast.py`` that its function or plain
        mean may dispatch to (torch's or JAX's own ops); the generic code is
        the reference they are tested against.
    facts : frozenset of str
        The chooser's facts about it, from :data:`FACTS`.
    for_indices, for_onehot : str or None
        The loss to use instead with integer class indices, or with one-hot labels.
    view : View or None
        How the gallery draws it.
    params : tuple of Param
        The domains of its hyperparameters (see ``_validation.py``), checked
        when its class is built and by ``from_config``; arrays pass through.
    multioutput : bool
        Whether its per-sample loss is the mean over the last axis of
        element-wise terms, so that its class takes scikit-learn's
        ``multioutput`` (``"raw_values"``, weights per output; see
        :class:`~losslab.losses._loss.LossFunctionWrapper`).
    """

    function: Callable[..., Any]
    cls: type
    tasks: tuple[str, ...]
    labels: str
    activation: str
    range: str
    inputs: str
    aliases: tuple[str, ...] = ()
    class_aliases: tuple[str, ...] = ()
    logits: str | None = None
    keras: str | None = None
    torch: str | None = None
    optax: str | None = None
    keras_differs: str = ""
    plain_mean: Callable[..., Any] | None = None
    kernels: tuple[Callable[..., Any], ...] = ()
    facts: frozenset[str] = field(default_factory=frozenset)
    for_indices: str | None = None
    for_onehot: str | None = None
    view: View | None = None
    params: tuple[Param, ...] = ()
    multioutput: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.tasks) - set(TASKS) or set(self.facts) - FACTS or {self.inputs} - set(INPUTS)
        if unknown or not self.tasks:
            msg = (
                f"card of {self.name}: unknown tasks, facts or inputs {sorted(unknown)}; "
                f"use {TASKS}, {sorted(FACTS)} and {INPUTS}"
            )
            raise ValueError(msg)

    @property
    def name(self) -> str:
        """The canonical name: the function's."""
        return self.function.__name__

    @property
    def family(self) -> str:
        """The family module (``"regression"`` for ``losslab.losses._regression``)."""
        return self.function.__module__.rsplit(".", 1)[-1].lstrip("_")


_CARDS: dict[str, Card] = {}
_BY_FUNCTION: dict[int, Card] = {}
_BY_CLASS: dict[type, Card] = {}


def declare(*cards: Card) -> None:
    """Record cards and register each loss's function, class and aliases (see ``_registry``)."""
    from losslab.losses._registry import LOSSES

    for card in cards:
        if card.name in _CARDS:
            msg = f"a card for {card.name!r} is already declared"
            raise ValueError(msg)
        LOSSES.check_free(card.function, aliases=card.aliases)  # both free first: all or nothing
        LOSSES.check_free(card.cls, aliases=card.class_aliases)
        LOSSES.register(aliases=card.aliases)(card.function)
        LOSSES.register(aliases=card.class_aliases)(card.cls)
        _CARDS[card.name] = card
        _BY_FUNCTION[id(card.function)] = card
        _BY_CLASS[card.cls] = card
        card.cls.__doc__ = class_docstring(card.cls, card.function)  # the real arguments, for help() and the docs


def cards() -> Iterator[Card]:
    """Every declared card, in declaration order."""
    return iter(tuple(_CARDS.values()))


def card(name: str) -> Card:
    """The card of the loss whose canonical function name is ``name``."""
    return _CARDS[name]


def card_of(fn: Any) -> Card | None:
    """The card whose function is ``fn`` itself (not a namesake), or ``None``."""
    return _BY_FUNCTION.get(id(fn))


def card_of_class(cls: type) -> Card | None:
    """The card of ``cls`` or of its nearest catalogue base class (a user's ``class MyHuber(Huber)``), or ``None``."""
    for base in cls.__mro__:
        found = _BY_CLASS.get(base)
        if found is not None:
            return found
    return None


def check_arguments(name: str, **values: Any) -> None:
    """Check a loss function's hyperparameters against its card (``name`` is the function's name).

    For the functions whose bad values would otherwise differ between
    backends; Python and NumPy scalars only, arrays pass through.
    """
    check_hyperparameters(name, _CARDS[name].params, values)
