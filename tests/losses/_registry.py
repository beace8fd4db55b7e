"""One entry per loss: how to make inputs, which arguments matter, what holds.

Every contract, parity, gradient, stability and property test iterates over
``CASES``; adding a loss means adding one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import losslab

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
    labels = rng.integers(0, shape[axis], size=shape[:axis % len(shape)] + shape[axis % len(shape) + 1 :])
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


def _masks(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    return (rng.uniform(size=shape) < 0.4).astype(float), rng.uniform(size=shape)


def _embeddings(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    labels = rng.integers(0, max(2, shape[0] // 3), size=shape[:1])
    x = rng.normal(size=shape)
    return labels, x / np.linalg.norm(x, axis=-1, keepdims=True)


def _strictly_positive(rng: np.random.Generator, shape: tuple[int, ...]) -> Inputs:
    return rng.uniform(0.2, 3.0, size=shape), rng.uniform(0.2, 3.0, size=shape)


def _equal(y_true: np.ndarray) -> np.ndarray:
    return y_true.copy()


@dataclass(frozen=True)
class Case:
    """How to test one loss.

    ``make(rng, shape)`` draws ``(y_true, y_pred)`` as float64 NumPy arrays.
    ``perfect(y_true)`` gives a prediction at which the loss is at its minimum
    ``minimum`` (``None``: no such prediction is tested).
    """

    name: str
    cls: str
    make: Callable[[np.random.Generator, tuple[int, ...]], Inputs]
    shapes: tuple[tuple[int, ...], ...] = ((6, 4), (3, 5, 4), (7, 1))
    kwargs: tuple[dict[str, Any], ...] = ({},)
    keras: bool = True
    nonnegative: bool = True
    perfect: Callable[[np.ndarray], np.ndarray] | None = _equal
    minimum: float = 0.0
    batch_output: bool = False
    """The loss reduces over the batch itself (``axis=None`` overlap losses)."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def fn(self) -> Callable[..., Any]:
        return getattr(losslab, self.name)

    @property
    def loss_class(self) -> type:
        return getattr(losslab, self.cls)

    def __str__(self) -> str:
        return self.name


CASES: tuple[Case, ...] = (
    Case("mean_squared_error", "MeanSquaredError", _normal),
    Case("mean_absolute_error", "MeanAbsoluteError", _normal),
    Case("mean_absolute_percentage_error", "MeanAbsolutePercentageError", _away_from_zero),
    Case("mean_squared_logarithmic_error", "MeanSquaredLogarithmicError", _positive),
    Case("huber", "Huber", _normal, kwargs=({}, {"delta": 0.3}, {"delta": 2.5})),
    Case("log_cosh", "LogCosh", _normal),
    Case(
        "cosine_similarity",
        "CosineSimilarity",
        _normal,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({}, {"axis": 1}),
        nonnegative=False,
        perfect=lambda y: 2.0 * y,
        minimum=-1.0,
    ),
    Case(
        "binary_crossentropy",
        "BinaryCrossentropy",
        _binary,
        kwargs=({}, {"label_smoothing": 0.2}, {"axis": 0}),
        perfect=None,
    ),
    Case(
        "binary_crossentropy",
        "BinaryCrossentropy",
        _binary_logits,
        kwargs=({"from_logits": True}, {"from_logits": True, "label_smoothing": 0.1}),
        perfect=lambda y: 40.0 * (2.0 * y - 1.0),
        extra={"id": "binary_crossentropy_logits"},
    ),
    Case(
        "binary_focal_crossentropy",
        "BinaryFocalCrossentropy",
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
        "BinaryFocalCrossentropy",
        _binary_logits,
        kwargs=({"from_logits": True}, {"from_logits": True, "apply_class_balancing": True}),
        perfect=None,
        extra={"id": "binary_focal_crossentropy_logits"},
    ),
    Case(
        "categorical_crossentropy",
        "CategoricalCrossentropy",
        _categorical,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({}, {"label_smoothing": 0.2}),
        perfect=None,
    ),
    Case(
        "categorical_crossentropy",
        "CategoricalCrossentropy",
        _categorical_logits,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({"from_logits": True}, {"from_logits": True, "label_smoothing": 0.1}),
        perfect=lambda y: 60.0 * y,
        extra={"id": "categorical_crossentropy_logits"},
    ),
    Case(
        "categorical_focal_crossentropy",
        "CategoricalFocalCrossentropy",
        _categorical,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({}, {"alpha": 0.5, "gamma": 1.0}, {"label_smoothing": 0.1}),
        perfect=None,
    ),
    Case(
        "categorical_focal_crossentropy",
        "CategoricalFocalCrossentropy",
        _categorical_logits,
        shapes=((6, 4),),
        kwargs=({"from_logits": True},),
        perfect=None,
        extra={"id": "categorical_focal_crossentropy_logits"},
    ),
    Case(
        "sparse_categorical_crossentropy",
        "SparseCategoricalCrossentropy",
        _sparse,
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({}, {"ignore_class": 1}),
        perfect=None,
    ),
    Case(
        "sparse_categorical_crossentropy",
        "SparseCategoricalCrossentropy",
        lambda rng, shape: (_sparse(rng, shape)[0], rng.normal(scale=3.0, size=shape)),
        shapes=((6, 4), (3, 5, 4)),
        kwargs=({"from_logits": True}, {"from_logits": True, "ignore_class": 0}),
        perfect=None,
        extra={"id": "sparse_categorical_crossentropy_logits"},
    ),
    Case("kl_divergence", "KLDivergence", _distributions, shapes=((6, 4), (3, 5, 4))),
    Case(
        "poisson",
        "Poisson",
        _positive,
        nonnegative=False,
        perfect=None,
    ),
    Case("hinge", "Hinge", _plus_minus_one, perfect=lambda y: 2.0 * y),
    Case("hinge", "Hinge", _binary, perfect=lambda y: 4.0 * y - 2.0, extra={"id": "hinge_01_labels"}),
    Case("squared_hinge", "SquaredHinge", _plus_minus_one, perfect=lambda y: 1.5 * y),
    Case(
        "categorical_hinge",
        "CategoricalHinge",
        lambda rng, shape: (_one_hot(rng, shape), rng.normal(size=shape)),
        shapes=((6, 4), (3, 5, 4)),
        perfect=lambda y: 2.0 * y,
    ),
    Case(
        "categorical_generalized_cross_entropy",
        "CategoricalGeneralizedCrossEntropy",
        _sparse,
        shapes=((6, 4), (9, 3)),
        kwargs=({}, {"q": 0.2}, {"q": 0.9}),
        perfect=None,
    ),
    Case(
        "dice",
        "Dice",
        _masks,
        shapes=((4, 5, 6),),
        kwargs=({"axis": (1, 2)},),
        perfect=None,
    ),
    Case(
        "dice",
        "Dice",
        _masks,
        shapes=((4, 5, 6), (8, 3)),
        perfect=None,
        batch_output=True,
        extra={"id": "dice_whole_batch"},
    ),
    Case(
        "tversky",
        "Tversky",
        _masks,
        shapes=((4, 5, 6),),
        kwargs=({"axis": (1, 2)}, {"axis": (1, 2), "alpha": 0.7, "beta": 0.3}),
        perfect=None,
    ),
    Case(
        "tversky",
        "Tversky",
        _masks,
        shapes=((8, 3),),
        kwargs=({"alpha": 0.2, "beta": 0.8},),
        perfect=None,
        batch_output=True,
        extra={"id": "tversky_whole_batch"},
    ),
    Case(
        "jaccard",
        "Jaccard",
        _masks,
        shapes=((4, 5, 6),),
        kwargs=({"axis": (1, 2)},),
        keras=False,
        perfect=None,
    ),
    Case(
        "circle",
        "Circle",
        _embeddings,
        shapes=((9, 4), (16, 8)),
        kwargs=({}, {"gamma": 10.0, "margin": 0.25}, {"remove_diagonal": False}),
        perfect=None,
    ),
)


BEYOND_KERAS: tuple[Case, ...] = (
    Case("smooth_l1", "SmoothL1", _normal, kwargs=({}, {"beta": 0.5}), keras=False),
    Case("charbonnier", "Charbonnier", _normal, kwargs=({}, {"epsilon": 0.5}), keras=False),
    Case("cauchy", "Cauchy", _normal, kwargs=({}, {"scale": 0.5}), keras=False),
    Case("welsch", "Welsch", _normal, keras=False),
    Case("geman_mcclure", "GemanMcClure", _normal, keras=False),
    Case(
        "barron",
        "Barron",
        _normal,
        kwargs=({"alpha": 1.0}, {"alpha": 0.0}, {"alpha": 2.0}, {"alpha": -2.0, "scale": 0.7}, {"alpha": 0.5}),
        keras=False,
    ),
    Case("pinball", "Pinball", _normal, kwargs=({}, {"quantile": 0.9}), keras=False),
    Case("expectile", "Expectile", _normal, kwargs=({"expectile": 0.8},), keras=False),
    Case("poisson_deviance", "PoissonDeviance", _strictly_positive, keras=False),
    Case("gamma_deviance", "GammaDeviance", _strictly_positive, keras=False),
    Case("tweedie_deviance", "TweedieDeviance", _strictly_positive, kwargs=({}, {"power": 3.0}), keras=False),
)
"""Losses beyond Keras that fit the generic contract (elementwise, zero at a perfect prediction)."""

CASES = CASES + BEYOND_KERAS


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
