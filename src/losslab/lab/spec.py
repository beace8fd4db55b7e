"""Experiments as data: what to train, on what, with which loss, and what was published.

A spec holds only plain values (strings, numbers, lists, dicts), so it
round-trips through JSON and a user can write one by hand.
"""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, field
from typing import Any


def check_seeds(seeds: int) -> int:
    """Validate ``seeds``, the number of seeds of an experiment: its runs use seeds ``0, 1, ..., seeds - 1``."""
    if isinstance(seeds, bool) or not isinstance(seeds, numbers.Integral):
        msg = f"seeds is the number of seeds (the runs use seeds 0 to seeds - 1), an int; got {seeds!r}"
        raise TypeError(msg)
    if seeds < 1:
        msg = f"seeds must be >= 1; got seeds={seeds}"
        raise ValueError(msg)
    return int(seeds)


@dataclass(frozen=True)
class DataSpec:
    """A data set: a scikit-learn generator by name, or arrays from a file.

    Parameters
    ----------
    name : str
        ``"regression"``, ``"circles"``, ``"blobs"`` (scikit-learn's
        ``make_regression``, ``make_circles``, ``make_blobs``), ``"csv"`` or ``"npz"``.
    params : dict
        Arguments of the generator, or ``{"path": ..., "target": ...}`` for files.
    labels : str
        Label encoding fed to the loss: ``"continuous"``, ``"binary"`` ({0, 1}),
        ``"pm1"`` ({-1, 1}), ``"onehot"`` or ``"integer"``.
    standardize : bool
        Standardize X (and y for continuous targets) over the whole data set, as the tutorial does.
    n_train : int
        The first ``n_train`` samples train, the rest test.
    """

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    labels: str = "continuous"
    standardize: bool = False
    n_train: int = 500


@dataclass(frozen=True)
class ModelSpec:
    """A multi-layer perceptron: hidden layers, then one output layer."""

    hidden: tuple[int, ...] = (25,)
    activation: str = "relu"
    kernel_initializer: str = "he_uniform"
    output_units: int = 1
    output_activation: str = "linear"
    kernel_regularizer: Any = None
    """A :mod:`losslab.regularizers` identifier for every kernel.

    For example ``{"class_name": "L2", "config": {"l2": 1e-4}}``.
    """
    kernel_constraint: Any = None
    """A :mod:`losslab.constraints` identifier, applied to every kernel after each step."""


@dataclass(frozen=True)
class ExperimentSpec:
    """One experiment: data, model, loss, metric, optimizer, and the published numbers."""

    id: str
    title: str
    data: DataSpec
    model: ModelSpec
    loss: Any
    """A :func:`losslab.get` identifier: a name, alias or config dict."""
    metric: str = "accuracy"
    """``"mse"``, ``"accuracy"`` (0.5 threshold or argmax) or ``"sign_accuracy"`` for {-1, 1} labels."""
    epochs: int = 100
    batch_size: int = 32
    learning_rate: float = 0.01
    momentum: float = 0.9
    class_weight: dict[str, float] | None = None
    """Weight of each class in the loss, as Keras's ``fit(class_weight=...)``: ``{"0": 1.0, "1": 50.0}``
    (keys are class indices as strings, so that the spec stays JSON)."""
    published: dict[str, float] | None = None
    """``{"train": ..., "test": ...}`` values reported by the tutorial."""
    published_metric: str | None = None
    """The metric the published values are in, when not ``metric``: ``"keras2_accuracy"``
    (Keras 2's ``mean(y == round(y_pred))``, which the tutorial printed for {-1, 1} labels)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, config: dict[str, Any]) -> ExperimentSpec:
        """Inverse of :meth:`to_dict`; missing fields take their defaults."""
        config = dict(config)
        config["data"] = DataSpec(**config["data"])
        model = dict(config.get("model", {}))
        if "hidden" in model:
            model["hidden"] = tuple(model["hidden"])
        config["model"] = ModelSpec(**model)
        return cls(**config)
