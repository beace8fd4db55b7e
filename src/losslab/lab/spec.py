"""Experiments as data: what to train, on what, with which loss, and what was published.

A spec holds only plain values (strings, numbers, lists, dicts), so it
round-trips through JSON and a user can write one by hand. :meth:`ExperimentSpec.from_dict`
checks a spec against the schema of :mod:`losslab.lab.schema` (:func:`json_schema`
gives it as JSON Schema) and raises :class:`SpecError`, one line per problem, before
anything trains.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_FILE = Path(__file__).with_name("spec.schema.json")
"""The JSON Schema of a spec, shipped with the package (the same as :func:`json_schema`)."""


class SpecError(ValueError):
    """A spec the lab cannot run: one line per problem, each naming the field, the value and the fix.

    Parameters
    ----------
    problems : sequence of str
        One line each, e.g. ``"epochs: 0 is not allowed; use an int >= 1"``.

    Examples
    --------
    >>> str(SpecError(["epochs: 0 is not allowed; use an int >= 1"]))
    'epochs: 0 is not allowed; use an int >= 1'
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(" ".join(p.split()) for p in problems)
        super().__init__("\n".join(self.problems))

    def __reduce__(self) -> tuple[type[SpecError], tuple[tuple[str, ...]]]:
        return type(self), (self.problems,)  # a process pool sends it back from a worker intact


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
    """``"mse"``, ``"accuracy"`` (0.5 threshold or argmax), ``"sign_accuracy"`` for {-1, 1} labels, or
    ``"binary_accuracy"`` (each output unit thresholded on its own, averaged: multi-label 0/1 columns)."""
    epochs: int = 100
    batch_size: int = 32
    learning_rate: float = 0.01
    momentum: float = 0.9
    class_weight: dict[str, float] | None = None
    """Weight of each class in the loss, as Keras's ``fit(class_weight=...)``: ``{"0": 1.0, "1": 50.0}``
    (keys are class indices as strings, so that the spec stays JSON). For multi-label 0/1 columns
    (``data.params["task"] == "multilabel"``, as ``losslab recommend --data`` writes) a key is a label's
    index and its weight applies to that label's positives only."""
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
        """Inverse of :meth:`to_dict`, checked against the schema; missing fields take their defaults.

        Raises
        ------
        SpecError
            Listing every problem, one per line: field path, value and fix.

        Examples
        --------
        >>> spec = {"id": "x", "title": "x", "data": {"name": "circles", "params": {"n_samples": 1000}}, "loss": "mse"}
        >>> ExperimentSpec.from_dict(spec).epochs
        100
        >>> ExperimentSpec.from_dict({**spec, "epochs": 0})
        Traceback (most recent call last):
        ...
        losslab.lab.spec.SpecError: epochs: 0 is not allowed; use an int >= 1
        """
        from pydantic import ValidationError

        from losslab.lab import schema

        try:
            checked = schema.ExperimentModel.model_validate(config)
        except ValidationError as error:
            raise SpecError(schema.problems_of(error)) from None
        problems = list(schema.cross_problems(checked))
        if problems:
            raise SpecError(problems)
        data, model = checked.data, checked.model
        return cls(
            id=checked.id,
            title=checked.title,
            data=DataSpec(data.name, dict(data.params), data.labels, data.standardize, data.n_train),
            model=ModelSpec(
                hidden=tuple(model.hidden),
                activation=model.activation,
                kernel_initializer=model.kernel_initializer,
                output_units=model.output_units,
                output_activation=model.output_activation,
                kernel_regularizer=model.kernel_regularizer,
                kernel_constraint=model.kernel_constraint,
            ),
            loss=checked.loss,
            metric=checked.metric,
            epochs=checked.epochs,
            batch_size=checked.batch_size,
            learning_rate=checked.learning_rate,
            momentum=checked.momentum,
            class_weight=None if checked.class_weight is None else dict(checked.class_weight),
            published=None if checked.published is None else {str(k): v for k, v in checked.published.items()},
            published_metric=checked.published_metric,
        )


def specs_from_payload(payload: Any) -> list[ExperimentSpec]:
    """Every spec of a JSON payload (one spec dict or a list of them), all checked before any is used.

    Raises
    ------
    SpecError
        Every problem of every spec, one per line, each prefixed with ``spec N ('id')``
        (N counts from 1) when the payload is a list; and ids used twice.

    Examples
    --------
    >>> spec = {"id": "a", "title": "a", "data": {"name": "circles", "params": {"n_samples": 1000}}, "loss": "mse"}
    >>> [s.id for s in specs_from_payload([spec, {**spec, "id": "b"}])]
    ['a', 'b']
    >>> specs_from_payload([spec, {**spec, "epochs": 0}])
    Traceback (most recent call last):
    ...
    losslab.lab.spec.SpecError: spec 2 ('a'): epochs: 0 is not allowed; use an int >= 1
    spec 2 ('a'): id: 'a' is used twice (specs 1 and 2); give each experiment its own id
    """
    from losslab.lab.schema import show

    if isinstance(payload, dict):
        return [ExperimentSpec.from_dict(payload)]
    if not isinstance(payload, list) or not payload:
        msg = f"spec: {show(payload)} is not allowed; use one spec (a JSON object) or a non-empty list of them"
        raise SpecError([msg])
    specs: list[ExperimentSpec] = []
    problems: list[str] = []
    for number, item in enumerate(payload, start=1):
        raw_id = item.get("id") if isinstance(item, dict) else None
        prefix = f"spec {number}" + (f" ({show(raw_id)})" if isinstance(raw_id, str) else "")
        try:
            specs.append(ExperimentSpec.from_dict(item))
        except SpecError as error:
            problems.extend(f"{prefix}: {line}" for line in error.problems)
    problems.extend(_duplicate_ids([item.get("id") if isinstance(item, dict) else None for item in payload]))
    if problems:
        raise SpecError(problems)
    return specs


def _duplicate_ids(ids: Iterable[Any]) -> list[str]:
    first: dict[str, int] = {}
    problems = []
    for number, id_ in enumerate(ids, start=1):
        if not isinstance(id_, str):
            continue
        if id_ in first:
            problems.append(
                f"spec {number} ({id_!r}): id: {id_!r} is used twice (specs {first[id_]} and {number}); "
                "give each experiment its own id"
            )
        else:
            first[id_] = number
    return problems


def check_specs(specs: Sequence[ExperimentSpec]) -> list[ExperimentSpec]:
    """Check specs built in Python (e.g. with ``dataclasses.replace``) as :func:`specs_from_payload` checks JSON.

    Raises
    ------
    SpecError
        As :func:`specs_from_payload`.
    """
    return specs_from_payload([spec.to_dict() for spec in specs])


def check_data_files(specs: Sequence[ExperimentSpec]) -> None:
    """Check that the files of csv and npz data sets exist, before anything trains.

    Not part of :meth:`ExperimentSpec.from_dict`: a results file stays readable where its data files are not.

    Raises
    ------
    SpecError
        One line per missing file.
    """
    problems = []
    for number, spec in enumerate(specs, start=1):
        path = spec.data.params.get("path")
        if spec.data.name in ("csv", "npz") and isinstance(path, str) and not Path(path).is_file():
            problems.append(
                f"spec {number} ({spec.id!r}): data.params.path: {path!r} is not allowed; "
                f"there is no such file (relative paths start at {Path.cwd()})"
            )
    if problems:
        raise SpecError(problems)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of one experiment spec, generated from :class:`losslab.lab.schema.ExperimentModel`.

    The package ships it as ``spec.schema.json`` (:data:`SCHEMA_FILE`). Checks that
    JSON Schema cannot say (a loss name that :func:`losslab.get` knows, a title
    matplotlib can draw, fields that must agree) are made by :meth:`ExperimentSpec.from_dict` only.

    Examples
    --------
    >>> json_schema()["required"]
    ['id', 'title', 'data', 'loss']
    """
    from losslab.lab.schema import ExperimentModel

    schema = ExperimentModel.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def write_json_schema(path: str | Path = SCHEMA_FILE) -> Path:
    """Write :func:`json_schema` to ``path`` (default: the file shipped with the package)."""
    path = Path(path)
    path.write_text(json.dumps(json_schema(), indent=2, sort_keys=True) + "\n")
    return path
