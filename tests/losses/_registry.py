"""One entry per loss: how to make inputs, which arguments matter, what holds.

Every contract, parity, gradient, stability and property test iterates over
``CASES``; adding a loss means adding one entry here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losslab.losses._card import Card, card

Inputs = tuple[np.ndarray, np.ndarray]


def _normal(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    return rng.normal(size=shape), rng.normal(size=shape)


def _positive(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    return rng.uniform(0.0, 3.0, size=shape), rng.uniform(0.0, 3.0, size=shape)


def _away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    sign = rng.choice([-1.0, 1.0], size=shape)
    return sign * rng.uniform(0.5, 3.0, size=shape), rng.normal(size=shape)


def _binary(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    return rng.integers(0, 2, size=shape).astype(float), rng.uniform(0.02, 0.98, size=shape)


def _binary_logits(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    return rng.integers(0, 2, size=shape).astype(float), rng.normal(scale=3.0, size=shape)


def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _one_hot(rng: np.random.Generator, shape: tuple[int, ...], axis: int = -1) -> np.ndarray:
    labels = rng.integers(0, shape[axis], size=shape[: axis % len(shape)] + shape[axis % len(shape) + 1 :])
    return np.moveaxis(np.eye(shape[axis])[labels], -1, axis)


def _categorical(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    return _one_hot(rng, shape), _softmax(rng.normal(size=shape))


def _categorical_logits(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    return _one_hot(rng, shape), rng.normal(scale=3.0, size=shape)


def _sparse(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    return rng.integers(0, shape[-1], size=shape[:-1]), _softmax(rng.normal(size=shape))


def _distributions(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    return _softmax(rng.normal(size=shape)), _softmax(rng.normal(size=shape))


def _plus_minus_one(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    return rng.choice([-1.0, 1.0], size=shape), rng.normal(size=shape)


def _one_wrong_sign(make: Callable[[np.random.Generator, tuple[int, ...]], Inputs]) -> Callable[..., Inputs]:
    """``make``'s labels and scores, with the first score on the wrong side of 0 (at least 0.5 away).

    The perceptron is 0 wherever every score has its label's sign, which random scores of 7 samples reach once in
    128 draws: one wrong sign keeps "a random prediction is worse than the perfect one" true by construction.
    """

    def wrong(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
        y_true, y_pred = make(rng, shape)
        sign = np.where(y_true.reshape(-1)[0] > 0, 1.0, -1.0)  # {0, 1} and {-1, 1} labels alike
        y_pred.reshape(-1)[0] = -sign * max(abs(y_pred.reshape(-1)[0]), 0.5)
        return y_true, y_pred

    wrong.__name__ = make.__name__
    return wrong


def _masks(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    return (rng.uniform(size=shape) < 0.4).astype(float), rng.uniform(size=shape)


def _embeddings(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    labels = rng.integers(0, max(2, shape[0] // 3), size=shape[:1])
    x = rng.normal(size=shape)
    return labels, x / np.linalg.norm(x, axis=-1, keepdims=True)


def _strictly_positive(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    return rng.uniform(0.2, 3.0, size=shape), rng.uniform(0.2, 3.0, size=shape)


def _ranking_pairs(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    """Labels in {-1, 1} of shape ``shape[:-1]`` and score pairs ``(x1, x2)`` in a last axis of size 2.

    The first pair is ranked the wrong way, so a random draw never has a loss of exactly 0.
    """
    labels, scores = rng.choice([-1.0, 1.0], size=shape[:-1]), rng.normal(size=shape)
    first = (0,) * (len(shape) - 1)
    labels[first] = -1.0 if scores[first][0] > scores[first][1] else 1.0
    return labels, scores


def _triplets(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    """Dummy targets and (anchor, positive, negative) embeddings stacked on axis -2, shape (batch, ..., 3, d).

    The first negative sits next to its anchor, so a random draw never has a loss of exactly 0.
    """
    y_pred = rng.normal(size=shape)
    first = (0,) * (len(shape) - 2)
    y_pred[first][2] = y_pred[first][0] + 0.1 * rng.normal(size=shape[-1])
    return np.zeros(shape[:-2]), y_pred


def _distances(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    """Similar (1) / dissimilar (0) labels and pair distances >= 0."""
    return rng.integers(0, 2, size=shape).astype(float), rng.uniform(0.0, 2.0, size=shape)


def _sparse_logits(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    return rng.integers(0, shape[-1], size=shape[:-1]), rng.normal(scale=3.0, size=shape)


IGNORED = 255
"""The ``ignore_index`` label the ``*_ignored`` generators scatter."""


def _scatter_ignored(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    """``labels`` with about a quarter of the entries set to ``IGNORED``; the first of each sample is kept."""
    ignored = rng.uniform(size=labels.shape) < 0.25
    ignored.reshape(len(labels), -1)[:, 0] = False
    return np.where(ignored, IGNORED, labels)


def _label_maps(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    """Class indices and probabilities; the first pixel of each sample is of the last class.

    So ``ignore_index=0`` never leaves a sample without pixels (which would cost 1 even when perfect).
    """
    labels, probs = _sparse(rng, shape)
    labels.reshape(len(labels), -1)[:, 0] = shape[-1] - 1
    return labels, probs


def _label_maps_ignored(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    labels, probs = _sparse(rng, shape)
    return _scatter_ignored(rng, labels), probs


def _masks_ignored(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    """Masks with ``IGNORED`` pixels; the first pixel of each sample is kept and in the mask (a non-empty target)."""
    y_true, y_pred = _masks(rng, shape)
    y_true = _scatter_ignored(rng, y_true).astype(float)
    y_true.reshape(len(y_true), -1)[:, 0] = 1.0
    return y_true, y_pred


def _binary_logits_ignored(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    y_true, y_pred = _binary_logits(rng, shape)
    return _scatter_ignored(rng, y_true).astype(float), y_pred


def _label_maps_every_class(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    """Class indices with every class in the batch (the first pixels), and probabilities (classes last)."""
    labels, probs = _sparse(rng, shape)
    labels.reshape(-1)[: shape[-1]] = np.arange(shape[-1])
    return labels, probs


def _label_maps_every_class_ignored(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    """As :func:`_label_maps_every_class`, logits, with ``IGNORED`` pixels scattered after the first ones."""
    labels, _ = _label_maps_every_class(rng, shape)
    ignored = rng.uniform(size=labels.shape) < 0.25
    ignored.reshape(-1)[: shape[-1]] = False
    return np.where(ignored, IGNORED, labels), rng.normal(scale=3.0, size=shape)


def _masks_every_class(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    """Multi-label masks (classes last) whose first pixel holds every class, and probabilities."""
    y_true, y_pred = _masks(rng, shape)
    y_true.reshape(-1, shape[-1])[0] = 1.0
    return y_true, y_pred


def _binary_logits_every_class_ignored(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    """Binary masks with ``IGNORED`` pixels, the first pixel in the mask, and logits."""
    y_true, y_pred = _binary_logits_ignored(rng, shape)
    y_true.reshape(-1)[0] = 1.0
    return y_true, y_pred


def _equal(y_true: np.ndarray) -> np.ndarray:
    return y_true.copy()


def _one_hot_of(num_classes: int, scale: float = 1.0) -> Callable[[np.ndarray], np.ndarray]:
    """A perfect prediction for class indices: ``scale`` times their one-hot encoding (ignored labels: class 0)."""
    return lambda labels: scale * np.eye(num_classes)[np.where(labels == IGNORED, 0, labels)]


@dataclass(frozen=True)
class Case:
    """How to test one loss.

    ``make(rng, shape)`` draws ``(y_true, y_pred)`` as float64 NumPy arrays.
    ``perfect(y_true)`` gives a prediction at which the loss is at its minimum
    ``minimum`` (``None``: no such prediction is tested).
    """

    name: str
    make: Callable[[np.random.Generator, tuple[int, ...]], Inputs]
    shapes: tuple[tuple[int, ...], ...] = ((6, 4), (3, 5, 4), (7, 1))
    kwargs: tuple[dict[str, Any], ...] = ({},)
    nonnegative: bool = True
    perfect: Callable[[np.ndarray], np.ndarray] | None = _equal
    minimum: float = 0.0
    batch_output: bool = False
    """The loss reduces over the batch itself (``axis=None`` overlap losses)."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def card(self) -> Card:
        return card(self.name)

    @property
    def fn(self) -> Callable[..., Any]:
        return self.card.function

    @property
    def loss_class(self) -> type:
        return self.card.cls

    @property
    def cls(self) -> str:
        return self.card.cls.__name__

    @property
    def keras(self) -> bool:
        """Keras has the loss (its card names it) with these arguments, so Keras is an oracle for it."""
        return self.card.keras is not None and self.extra.get("keras", True)

    def __str__(self) -> str:
        return self.name


CASES: tuple[Case, ...] = (
    Case("mean_squared_error", _normal),
    Case("mean_absolute_error", _normal),
    Case("mean_absolute_percentage_error", _away_from_zero),
    Case("mean_squared_logarithmic_error", _positive),
    Case("huber", _normal, kwargs=({}, {"delta": 0.3}, {"delta": 2.5})),
    Case("log_cosh", _normal),
    Case(
        "cosine_similarity",
        _normal,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({}, {"axis": 1}),
        nonnegative=False,
        perfect=lambda y: 2.0 * y,
        minimum=-1.0,
    ),
    Case(
        "binary_crossentropy",
        _binary,
        kwargs=({}, {"label_smoothing": 0.2}, {"axis": 0}),
        perfect=None,
    ),
    Case(
        "binary_crossentropy",
        _binary_logits,
        kwargs=({"from_logits": True}, {"from_logits": True, "label_smoothing": 0.1}),
        perfect=lambda y: 40.0 * (2.0 * y - 1.0),
        extra={"id": "binary_crossentropy_logits"},
    ),
    Case(
        "binary_focal_crossentropy",
        _binary,
        kwargs=(
            {},
            {"gamma": 0.0},
            {"gamma": 0.5, "apply_class_balancing": True, "alpha": 0.6},
            {"label_smoothing": 0.1, "gamma": 3.0},
        ),
        perfect=None,
    ),
    Case(
        "binary_focal_crossentropy",
        _binary_logits,
        kwargs=({"from_logits": True}, {"from_logits": True, "apply_class_balancing": True}),
        perfect=None,
        extra={"id": "binary_focal_crossentropy_logits"},
    ),
    Case(
        "categorical_crossentropy",
        _categorical,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({}, {"label_smoothing": 0.2}),
        perfect=None,
    ),
    Case(
        "categorical_crossentropy",
        _categorical_logits,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({"from_logits": True}, {"from_logits": True, "label_smoothing": 0.1}),
        perfect=lambda y: 60.0 * y,
        extra={"id": "categorical_crossentropy_logits"},
    ),
    Case(
        "categorical_focal_crossentropy",
        _categorical,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({}, {"alpha": 0.5, "gamma": 1.0}, {"label_smoothing": 0.1}),
        perfect=None,
    ),
    Case(
        "categorical_focal_crossentropy",
        _categorical_logits,
        shapes=((6, 4),),
        kwargs=({"from_logits": True},),
        perfect=None,
        extra={"id": "categorical_focal_crossentropy_logits"},
    ),
    Case(
        "sparse_categorical_crossentropy",
        _sparse,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({}, {"ignore_class": 1}),
        perfect=None,
    ),
    Case(
        "sparse_categorical_crossentropy",
        lambda rng, shape: (_sparse(rng, shape)[0], rng.normal(scale=3.0, size=shape)),
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({"from_logits": True}, {"from_logits": True, "ignore_class": 0}),
        perfect=None,
        extra={"id": "sparse_categorical_crossentropy_logits"},
    ),
    Case("kl_divergence", _distributions, shapes=((6, 4), (3, 5, 4))),
    Case(
        "poisson",
        _positive,
        nonnegative=False,
        perfect=None,
    ),
    Case("hinge", _plus_minus_one, perfect=lambda y: 2.0 * y),
    Case("hinge", _binary, perfect=lambda y: 4.0 * y - 2.0, extra={"id": "hinge_01_labels"}),
    Case("squared_hinge", _plus_minus_one, perfect=lambda y: 1.5 * y),
    Case(
        "categorical_hinge",
        lambda rng, shape: (_one_hot(rng, shape), rng.normal(size=shape)),
        shapes=((6, 4), (3, 5, 4)),
        perfect=lambda y: 2.0 * y,
    ),
    Case(
        "categorical_generalized_cross_entropy",
        _sparse,
        shapes=((6, 4), (9, 3)),
        kwargs=({}, {"q": 0.2}, {"q": 0.9}),
        perfect=None,
    ),
    Case(
        "dice",
        _masks,
        shapes=((4, 5, 6),),
        kwargs=({"axis": (1, 2)},),
        perfect=None,
    ),
    Case(
        "dice",
        _masks,
        shapes=((4, 5, 6), (8, 3)),
        perfect=None,
        batch_output=True,
        extra={"id": "dice_whole_batch"},
    ),
    Case(
        "tversky",
        _masks,
        shapes=((4, 5, 6),),
        kwargs=({"axis": (1, 2)}, {"axis": (1, 2), "alpha": 0.7, "beta": 0.3}),
        perfect=None,
    ),
    Case(
        "tversky",
        _masks,
        shapes=((8, 3),),
        kwargs=({"alpha": 0.2, "beta": 0.8},),
        perfect=None,
        batch_output=True,
        extra={"id": "tversky_whole_batch"},
    ),
    Case(
        "jaccard",
        _masks,
        shapes=((4, 5, 6),),
        kwargs=({"axis": (1, 2)},),
        perfect=None,
    ),
    Case(
        "circle",
        _embeddings,
        shapes=((9, 4), (16, 8)),
        kwargs=({}, {"gamma": 10.0, "margin": 0.25}, {"remove_diagonal": False}),
        perfect=None,
    ),
)


BEYOND_KERAS: tuple[Case, ...] = (
    Case("smooth_l1", _normal, kwargs=({}, {"beta": 0.5})),
    Case("charbonnier", _normal, kwargs=({}, {"epsilon": 0.5})),
    Case("cauchy", _normal, kwargs=({}, {"scale": 0.5})),
    Case("welsch", _normal),
    Case("geman_mcclure", _normal),
    Case(
        "barron",
        _normal,
        kwargs=({"alpha": 1.0}, {"alpha": 0.0}, {"alpha": 2.0}, {"alpha": -2.0, "scale": 0.7}, {"alpha": 0.5}),
    ),
    Case(
        "barron_nll",
        _normal,
        kwargs=({"alpha": 1.0},),
        minimum=math.log(2.0 * math.e * 0.6019072301972346),  # log Z(1) = log(2 e K_1(1)), Abramowitz & Stegun 9.8
    ),
    Case("pinball", _normal, kwargs=({}, {"quantile": 0.9})),
    Case("expectile", _normal, kwargs=({"expectile": 0.8},)),
    Case("poisson_deviance", _strictly_positive),
    Case("gamma_deviance", _strictly_positive),
    Case("tweedie_deviance", _strictly_positive, kwargs=({}, {"power": 3.0})),
)
"""Losses beyond Keras that fit the generic contract (elementwise, zero at a perfect prediction)."""

CLASS_WEIGHT = [0.5, 2.0, 1.0, 3.0]

EMBEDDING: tuple[Case, ...] = (
    Case(
        "margin_ranking",
        _ranking_pairs,
        shapes=((8, 2), (3, 5, 2)),
        kwargs=({}, {"margin": 0.5}),
        perfect=lambda y: np.stack([y, -y], axis=-1),  # x1 - x2 = 2y: right order, margin <= 2
    ),
    Case(
        "triplet_margin",
        _triplets,
        shapes=((6, 3, 4), (2, 4, 3, 3)),
        kwargs=({}, {"margin": 0.5, "p": 1.0, "swap": True}, {"p": 3.0, "eps": 0.0}),
        perfect=lambda y: np.stack([np.zeros((*y.shape, 4))] * 2 + [np.full((*y.shape, 4), 10.0)], axis=-2),  # a = p
    ),
    Case(
        "contrastive",
        _distances,
        shapes=((8,), (6, 4), (3, 5, 4)),
        kwargs=({}, {"margin": 2.0}),
        perfect=lambda y: 3.0 * (1.0 - y),  # similar pairs at 0, dissimilar ones beyond the margin
    ),
)
"""Metric-learning losses: ``y_pred`` packs the compared outputs (see ``losslab.losses._embedding``)."""

NOISY: tuple[Case, ...] = (
    Case(
        "multilabel_soft_margin",
        _binary_logits,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({}, {"weight": CLASS_WEIGHT}),
        perfect=lambda y: 40.0 * (2.0 * y - 1.0),
    ),
    Case(
        "poly1_crossentropy",
        _categorical_logits,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=(
            {"from_logits": True},
            {"from_logits": True, "epsilon": 2.0, "label_smoothing": 0.1},
            {"from_logits": True, "epsilon": -1.0},
        ),
        perfect=lambda y: 60.0 * y,
    ),
    Case(
        "poly1_crossentropy",
        _categorical,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({"from_logits": False}, {"from_logits": False, "epsilon": 0.5}),
        extra={"id": "poly1_crossentropy_probabilities"},
    ),
    Case(
        "sparse_poly1_crossentropy",
        _sparse_logits,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({"from_logits": True}, {"from_logits": True, "epsilon": 2.0, "label_smoothing": 0.1}),
        perfect=_one_hot_of(4, 60.0),
    ),
    Case(
        "symmetric_crossentropy",
        _categorical,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({}, {"alpha": 1.0, "beta": 0.5, "log_zero": -2.0}),
        # p clipped at 1e-7 in the reverse term: the minimum is (C - 1) 1e-7 |A| beta, ~1e-6, not 0
    ),
    Case(
        "symmetric_crossentropy",
        _categorical_logits,
        shapes=((6, 4),),
        kwargs=({"from_logits": True},),
        perfect=lambda y: 60.0 * y,
        extra={"id": "symmetric_crossentropy_logits"},
    ),
    Case(
        "class_weighted_crossentropy",
        _categorical,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({"class_weight": CLASS_WEIGHT},),
    ),
    Case(
        "class_weighted_crossentropy",
        _categorical_logits,
        shapes=((6, 4),),
        kwargs=({"class_weight": CLASS_WEIGHT, "from_logits": True},),
        perfect=lambda y: 60.0 * y,
        extra={"id": "class_weighted_crossentropy_logits"},
    ),
    Case(
        "class_weighted_crossentropy",
        _sparse,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({"class_weight": CLASS_WEIGHT, "sparse": True},),
        perfect=_one_hot_of(4),
        extra={"id": "class_weighted_crossentropy_sparse"},
    ),
)
"""Classification losses for noisy labels and imbalanced classes (``losslab.losses._noisy``)."""

SEGMENTATION: tuple[Case, ...] = (
    Case(
        "generalized_dice",
        _categorical,
        shapes=((3, 4, 5, 3), (2, 6, 4)),
    ),
    Case(
        "generalized_dice",
        _label_maps,
        shapes=((3, 4, 5, 3), (2, 6, 3)),
        kwargs=({}, {"ignore_index": 0}),
        perfect=_one_hot_of(3),
        extra={"id": "generalized_dice_labels"},
    ),
    Case(
        "generalized_dice",
        _label_maps_ignored,
        shapes=((3, 4, 5, 3), (2, 6, 3)),
        kwargs=({"ignore_index": IGNORED},),
        perfect=_one_hot_of(3),
        extra={"id": "generalized_dice_ignored"},
    ),
    Case(
        "focal_tversky",
        _masks,
        shapes=((4, 5, 6),),
        kwargs=({"axis": (1, 2)}, {"axis": (1, 2), "alpha": 0.7, "beta": 0.3, "gamma": 1.5}),
        # the base is clipped at 1e-7: the minimum is 1e-7 ** gamma (5.6e-6 for 0.75), not 0
    ),
    Case(
        "focal_tversky",
        _masks_ignored,
        shapes=((4, 5, 6),),
        kwargs=({"axis": (1, 2), "ignore_index": float(IGNORED)},),
        perfect=lambda y: np.where(y == IGNORED, 0.5, y),
        extra={"id": "focal_tversky_ignored"},
    ),
    Case(
        "focal_tversky",
        _masks,
        shapes=((8, 3),),
        kwargs=({"alpha": 0.2, "beta": 0.8, "gamma": 2.0},),
        batch_output=True,
        extra={"id": "focal_tversky_whole_batch"},
    ),
    Case(
        "lovasz_hinge",
        _binary_logits,
        shapes=((4, 5, 6), (8, 3)),
        perfect=lambda y: 4.0 * y - 2.0,  # every hinge margin at 2
    ),
    Case(
        "lovasz_hinge",
        _binary_logits_ignored,
        shapes=((4, 5, 6), (8, 3)),
        kwargs=({"ignore_index": IGNORED},),
        perfect=lambda y: np.where(y == IGNORED, 0.0, 4.0 * y - 2.0),
        extra={"id": "lovasz_hinge_ignored"},
    ),
    Case(
        "lovasz_hinge",
        _binary_logits,
        shapes=((4, 5, 6), (8, 3)),
        kwargs=({"per_image": False},),
        perfect=lambda y: 4.0 * y - 2.0,
        batch_output=True,
        extra={"id": "lovasz_hinge_whole_batch"},
    ),
    Case(
        "lovasz_softmax",
        _sparse,
        shapes=((4, 6, 3), (3, 4, 5, 3)),
        kwargs=({}, {"classes": "all"}, {"ignore_index": 0}),
        perfect=_one_hot_of(3),
        batch_output=True,
    ),
    Case(
        "lovasz_softmax",
        _sparse_logits,
        shapes=((4, 6, 3), (3, 4, 5, 3)),
        kwargs=(
            {"per_image": True, "from_logits": True},
            {"per_image": True, "from_logits": True, "classes": "all", "ignore_index": 2},
        ),
        perfect=_one_hot_of(3, 60.0),
        extra={"id": "lovasz_softmax_per_image_logits"},
    ),
    # segmentation_models_pytorch's modes: per-class scores over the batch and its pixels, one loss per batch
    Case(
        "dice",
        _label_maps_every_class,
        shapes=((4, 6, 3), (3, 4, 5, 3)),
        kwargs=(
            {"mode": "multiclass"},
            {"mode": "multiclass", "classes": [0, 2], "log_loss": True, "smooth": 1.0},
            {"mode": "multiclass", "intersection": "min", "empty_target": "zero", "eps": 1e-5},
        ),
        perfect=_one_hot_of(3),
        batch_output=True,
        extra={"id": "dice_multiclass", "keras": False},
    ),
    Case(
        "jaccard",
        _masks_every_class,
        shapes=((4, 5, 3), (2, 3, 4, 2)),
        kwargs=(
            {"mode": "multilabel"},
            {"mode": "multilabel", "intersection": "min", "empty_target": "zero", "log_loss": True},
        ),
        batch_output=True,
        extra={"id": "jaccard_multilabel", "keras": False},
    ),
    Case(
        "tversky",
        _binary_logits_every_class_ignored,
        shapes=((4, 5, 6), (8, 3)),
        kwargs=(
            {"mode": "binary", "from_logits": True, "ignore_index": IGNORED},
            {"mode": "binary", "from_logits": True, "ignore_index": IGNORED, "alpha": 0.7, "beta": 0.3},
        ),
        perfect=lambda y: np.where(y == IGNORED, 0.0, 40.0 * (2.0 * y - 1.0)),
        batch_output=True,
        extra={"id": "tversky_binary_logits", "keras": False},
    ),
    Case(
        "focal_tversky",
        _label_maps_every_class_ignored,
        shapes=((4, 6, 3), (3, 4, 5, 3)),
        kwargs=({"mode": "multiclass", "from_logits": True, "ignore_index": IGNORED, "gamma": 2.0},),
        perfect=_one_hot_of(3, 60.0),
        batch_output=True,
        extra={"id": "focal_tversky_multiclass_logits", "keras": False},
    ),
    # segmentation_models_pytorch's other losses, and its focal variants
    Case("mcc", _masks, shapes=((4, 5, 6), (8, 3)), kwargs=({}, {"eps": 1e-6}), batch_output=True),
    Case(
        "soft_bce_with_logits",
        _binary_logits,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({}, {"pos_weight": CLASS_WEIGHT}),
        perfect=lambda y: 40.0 * (2.0 * y - 1.0),
    ),
    Case(
        "soft_bce_with_logits",
        _binary_logits_ignored,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=(
            {"smooth_factor": 0.1, "ignore_index": IGNORED},
            {"ignore_index": IGNORED, "pos_weight": [2.0, 0.5, 1.0, 1.0]},
        ),
        perfect=None,
        extra={"id": "soft_bce_with_logits_ignored"},
    ),
    Case(
        "soft_crossentropy",
        _sparse_logits,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({}, {"ignore_index": 0}),
        perfect=_one_hot_of(4, 60.0),
    ),
    Case(
        "soft_crossentropy",
        lambda rng, shape: (_scatter_ignored(rng, _sparse_logits(rng, shape)[0]), rng.normal(scale=3.0, size=shape)),
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({"smooth_factor": 0.1, "ignore_index": IGNORED}, {"smooth_factor": 1.0, "ignore_index": IGNORED}),
        perfect=None,
        extra={"id": "soft_crossentropy_ignored"},
    ),
    Case(
        "binary_focal_crossentropy",
        _binary_logits,
        kwargs=(
            {"from_logits": True, "reduced_threshold": 0.5},
            {"from_logits": True, "reduced_threshold": 0.3, "apply_class_balancing": True, "gamma": 3.0},
        ),
        perfect=None,
        extra={"id": "binary_focal_crossentropy_reduced", "keras": False},
    ),
    Case(
        "binary_focal_crossentropy",
        _binary,
        kwargs=({"reduced_threshold": 0.5},),
        perfect=None,
        extra={"id": "binary_focal_crossentropy_reduced_probabilities", "keras": False},
    ),
    Case(
        "lovasz",
        _binary_logits,
        shapes=((4, 5, 6), (8, 3)),
        kwargs=({}, {"mode": "multilabel"}),
        perfect=lambda y: 4.0 * y - 2.0,  # every hinge margin at 2
        batch_output=True,
    ),
    Case(
        "lovasz",
        _binary_logits_ignored,
        shapes=((4, 5, 6), (8, 3)),
        kwargs=(
            {"per_image": True, "ignore_index": IGNORED},
            {"per_image": True, "mode": "multilabel", "ignore_index": IGNORED},
        ),
        perfect=lambda y: np.where(y == IGNORED, 0.0, 4.0 * y - 2.0),
        extra={"id": "lovasz_per_image"},
    ),
    Case(
        "lovasz",
        _sparse_logits,
        shapes=((4, 6, 3), (3, 4, 5, 3)),
        kwargs=({"mode": "multiclass"}, {"mode": "multiclass", "ignore_index": 0}),
        perfect=_one_hot_of(3, 60.0),
        batch_output=True,
        extra={"id": "lovasz_multiclass"},
    ),
)
"""Segmentation losses beyond Keras: per sample (``axis``, ``per_image``) or over the whole batch."""


def _relevance(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    """Graded relevance labels 0..3 per item of a list (the last axis) and scores."""
    return rng.integers(0, 4, size=shape).astype(float), rng.normal(scale=2.0, size=shape)


OPTAX: tuple[Case, ...] = (
    Case("generalized_kl_divergence", _strictly_positive),
    Case("perceptron", _one_wrong_sign(_plus_minus_one), perfect=lambda y: 0.5 * y),
    Case(
        "perceptron",
        _one_wrong_sign(_binary_logits),
        perfect=lambda y: 4.0 * y - 2.0,
        extra={"id": "perceptron_01_labels"},
    ),
    Case("binary_sparsemax", _binary_logits, perfect=lambda y: 2.0 * y - 1.0),  # margins of exactly 1
    Case("binary_sparsemax", _plus_minus_one, perfect=lambda y: 3.0 * y, extra={"id": "binary_sparsemax_pm1_labels"}),
    Case(
        "ntxent",
        _embeddings,
        shapes=((9, 4), (16, 8)),
        kwargs=({}, {"temperature": 0.5}),
        perfect=None,
    ),
    Case("ranking_softmax", _relevance, shapes=((6, 5), (3, 4, 6), (7, 1)), perfect=None),
    Case("multiclass_sparsemax", _sparse_logits, shapes=((6, 4), (3, 5, 4)), perfect=_one_hot_of(4, 2.0)),
)
"""Losses that optax has and Keras does not (``tests/losses/test_optax_parity.py``: optax is their oracle)."""

CASES = CASES + BEYOND_KERAS + EMBEDDING + NOISY + SEGMENTATION + OPTAX


def case_id(case: Case) -> str:
    return case.extra.get("id", case.name)


def keras_kwargs(case: Case, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Our arguments as Keras 3.15 must be called to compute the corrected formula."""
    kwargs = dict(kwargs)
    if case.name == "tversky":
        # Keras <= 3.15 weights false negatives by alpha and false positives by beta.
        kwargs["alpha"], kwargs["beta"] = kwargs.get("beta", 0.5), kwargs.get("alpha", 0.5)
    if case.name == "categorical_generalized_cross_entropy":
        kwargs.setdefault("q", 0.5)  # a required argument of Keras's function form
    return kwargs
