"""The schema of an experiment spec: pydantic models that check a spec dict before anything trains.

:meth:`losslab.lab.ExperimentSpec.from_dict` validates through :class:`ExperimentModel`
and builds the frozen dataclasses of :mod:`losslab.lab.spec` from it; a spec the lab
cannot run raises :class:`~losslab.lab.spec.SpecError` with one line per problem,
each naming the field, the value and the fix. Types are strict (``"0.8"`` is not a
number, ``"false"`` not a bool, ``2.0`` not an int) and unknown keys are refused.

The sets of names (data sets, label encodings, activations, initializers, metrics)
are the ones ``data.py``, ``model.py`` and ``train.py`` implement; the tests check
that they agree.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

DataName = Literal["regression", "circles", "blobs", "arrays", "npz", "csv"]
Labels = Literal["continuous", "binary", "pm1", "onehot", "integer"]
Activation = Literal["linear", "relu", "sigmoid", "tanh", "softmax", "elu", "softplus"]
Initializer = Literal["he_uniform", "glorot_uniform", "he_normal", "glorot_normal"]
Metric = Literal["mse", "accuracy", "sign_accuracy", "binary_accuracy"]
PublishedMetric = Literal["mse", "accuracy", "sign_accuracy", "binary_accuracy", "keras2_accuracy"]

DATA_NAMES: tuple[str, ...] = get_args(DataName)
LABELS: tuple[str, ...] = get_args(Labels)
ACTIVATIONS: tuple[str, ...] = get_args(Activation)
INITIALIZERS: tuple[str, ...] = get_args(Initializer)
METRICS: tuple[str, ...] = get_args(Metric)
PUBLISHED_METRICS: tuple[str, ...] = get_args(PublishedMetric)

ID_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9 ._=(),+-]{0,62}[A-Za-z0-9_)-])?$"
"""An experiment's id names its files (``<id>.png``): a plain file name, no folders, no ``..``.

At most 64 characters: letters, digits and `` ._=(),+-``, starting with a letter or digit and
not ending with a space or a dot (``"robust-huber(0.5)-0.2"`` is an id, ``"../x"`` and ``"a/b"`` are not).
"""

_GENERATORS = ("regression", "circles", "blobs")
_SKLEARN_DEFAULT_SAMPLES = 100  # make_regression, make_circles and make_blobs all default to n_samples=100

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
ClassIndex = Annotated[str, StringConstraints(pattern=r"^(0|[1-9][0-9]{0,8})$")]
Units = Annotated[int, Field(ge=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class DataModel(_Strict):
    """The ``data`` of a spec: see :class:`losslab.lab.DataSpec`."""

    name: DataName = Field(description="A scikit-learn generator, 'arrays', or a file ('csv', 'npz').")
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Arguments of the generator, or {'path': ..., 'target': ...} for csv, {'path': ...} for npz.",
    )
    labels: Labels = Field(default="continuous", description="Label encoding fed to the loss.")
    standardize: bool = Field(default=False, description="Standardize X (and continuous y) over the whole data set.")
    n_train: int = Field(default=500, ge=1, description="The first n_train samples train, the rest test.")


class ModelModel(_Strict):
    """The ``model`` of a spec: see :class:`losslab.lab.ModelSpec`."""

    hidden: list[Units] = Field(default_factory=lambda: [25], description="Units of each hidden layer.")
    activation: Activation = "relu"
    kernel_initializer: Initializer = "he_uniform"
    output_units: int = Field(default=1, ge=1)
    output_activation: Activation = "linear"
    kernel_regularizer: Any = Field(default=None, description="A losslab.regularizers identifier, or null.")
    kernel_constraint: Any = Field(default=None, description="A losslab.constraints identifier, or null.")

    @field_validator("hidden", mode="before")
    @classmethod
    def _tuple_as_list(cls, value: Any) -> Any:
        return list(value) if isinstance(value, tuple) else value  # ModelSpec holds a tuple, JSON a list

    @field_validator("kernel_regularizer")
    @classmethod
    def _regularizer(cls, value: Any) -> Any:
        from losslab import regularizers

        return _identifier(regularizers.get, value, "a losslab.regularizers identifier")

    @field_validator("kernel_constraint")
    @classmethod
    def _constraint(cls, value: Any) -> Any:
        from losslab import constraints

        return _identifier(constraints.get, value, "a losslab.constraints identifier")


class ExperimentModel(_Strict):
    """One experiment spec: see :class:`losslab.lab.ExperimentSpec`."""

    id: str = Field(pattern=ID_PATTERN, description="Names the experiment's files: <id>.png.")
    title: str
    data: DataModel
    model: ModelModel = Field(default=ModelModel())  # frozen: one shared default is safe
    loss: Any = Field(description="A losslab.get identifier: a name, alias or config object.")
    metric: Metric = "accuracy"
    epochs: int = Field(default=100, ge=1)
    batch_size: int = Field(default=32, ge=1)
    learning_rate: float = Field(default=0.01, gt=0, allow_inf_nan=False)
    momentum: float = Field(default=0.9, ge=0, lt=1, allow_inf_nan=False)
    class_weight: dict[ClassIndex, Annotated[float, Field(ge=0, allow_inf_nan=False)]] | None = Field(
        default=None, description="Weight of each class index (a string key) in the loss."
    )
    published: dict[Literal["train", "test"], FiniteFloat] | None = Field(
        default=None, description="The train and test values reported by the source."
    )
    published_metric: PublishedMetric | None = None

    @field_validator("id")
    @classmethod
    def _no_parent(cls, value: str) -> str:
        if ".." in value:
            msg = "an id names a file and may not contain '..'; use letters, digits, spaces and ._=(),+-"
            raise ValueError(msg)
        return value

    @field_validator("title")
    @classmethod
    def _title_renders(cls, value: str) -> str:
        check_title(value)
        return value

    @field_validator("loss")
    @classmethod
    def _known_loss(cls, value: Any) -> Any:
        import losslab

        if value is None:
            msg = "a spec needs a loss; use a name such as 'binary_crossentropy' (see `losslab list`)"
            raise ValueError(msg)
        _identifier(losslab.get, value, "a losslab loss name (see `losslab list`) or config")
        return value


def _identifier(get: Any, value: Any, what: str) -> Any:
    """Check ``value`` resolves with ``get`` (``losslab.get``, ``regularizers.get``...); ValueError if not."""
    try:
        get(value)
    except Exception as error:  # an identifier's own check may raise anything: report it as a value error
        reason = str(error).split(" Valid names:")[0]  # losslab.get's list of every name is too long for one line
        msg = f"use {what}: {reason}"
        raise ValueError(msg) from None
    return value


def check_title(title: str) -> None:
    """Raise ``ValueError`` when matplotlib would fail to draw ``title``.

    matplotlib reads text with an even, non-zero number of unescaped ``$`` as
    mathtext; only then is the title parsed (matplotlib is imported only then).
    """
    dollars = title.count("$") - title.count(r"\$")
    if dollars == 0 or dollars % 2:
        return
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("path").parse(title)
    except Exception:  # pyparsing and matplotlib raise several types for bad math
        msg = r"matplotlib cannot draw its math ($...$); fix the math, or write a literal dollar as \$"
        raise ValueError(msg) from None


# ------------------------------------------------------------------------------ messages

_ONE_OF = {
    "data.name": DATA_NAMES,
    "data.labels": LABELS,
    "model.activation": ACTIVATIONS,
    "model.output_activation": ACTIVATIONS,
    "model.kernel_initializer": INITIALIZERS,
    "metric": METRICS,
    "published_metric": PUBLISHED_METRICS,
}
_HINTS = {
    "": "an object (a JSON dict) with id, title, data, model and loss",
    "id": "a file name of at most 64 characters: letters, digits, spaces and ._=(),+- (no '/', no '..'), "
    "starting with a letter or digit",
    "title": "a string",
    "data": 'an object such as {"name": "circles", "params": {"n_samples": 1000}, "labels": "binary"}',
    "data.params": 'an object of the generator\'s arguments (string keys), or {"path": ...} for csv and npz',
    "data.standardize": "true or false",
    "data.n_train": "an int >= 1",
    "model": 'an object such as {"hidden": [50], "output_activation": "sigmoid"}',
    "model.hidden": "a list of ints >= 1, e.g. [50]",
    "model.output_units": "an int >= 1",
    "model.kernel_regularizer": 'a losslab.regularizers identifier such as {"class_name": "L2", "config": {}}',
    "model.kernel_constraint": 'a losslab.constraints identifier such as {"class_name": "MaxNorm", "config": {}}',
    "loss": "a loss name such as 'binary_crossentropy' (see `losslab list`) or a loss config object",
    "epochs": "an int >= 1",
    "batch_size": "an int >= 1",
    "learning_rate": "a finite number > 0",
    "momentum": "a number in [0, 1)",
    "class_weight": 'an object of class index to weight >= 0, such as {"0": 1.0, "1": 50.0}, or null',
    "published": 'an object such as {"train": 0.83, "test": 0.85} (numbers), or null',
    **{key: "one of " + ", ".join(map(repr, names)) for key, names in _ONE_OF.items()},
}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FIELDS: dict[str, type[BaseModel]] = {"": ExperimentModel, "data": DataModel, "model": ModelModel}


def show(value: Any, limit: int = 60) -> str:
    """``repr(value)`` on one line, shortened to about ``limit`` characters."""
    try:
        text = repr(value)
    except Exception:  # a user's object whose repr fails
        text = f"<{type(value).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            path += " (key)"
        elif not _NAME.match(str(part)):  # a user's key with spaces, dots or worse: quoted
            path += f"[{show(part, 30)}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _hint(loc: tuple[Any, ...]) -> str:
    """The fix for the field at ``loc``: the longest known field path that starts it."""
    names = [str(p) for p in loc if isinstance(p, str)]
    for end in range(len(names), -1, -1):
        key = ".".join(names[:end])
        if key in _HINTS:
            return _HINTS[key]
    return "a valid value"


def _problem(error: Any) -> str:
    loc = tuple(error["loc"])
    path = _path(loc) or "spec"
    kind = error["type"]
    if kind == "missing":
        return f"{path}: missing; add it: {_hint(loc)}"
    if kind == "extra_forbidden":
        parent = ".".join(str(p) for p in loc[:-1] if isinstance(p, str))
        fields = list(_FIELDS[parent].model_fields) if parent in _FIELDS else []
        close = difflib.get_close_matches(str(loc[-1]), fields, n=1)
        guess = f"did you mean {close[0]!r}? " if close else ""
        return f"{path}: unknown key; {guess}the keys are {', '.join(fields)}"
    if kind == "value_error":
        reason = str(error.get("ctx", {}).get("error", error["msg"]))
        return f"{path}: {show(error['input'])} is not allowed; {' '.join(reason.split())}"
    if loc and loc[-1] == "[key]":
        return f"{path}: {show(error['input'])} is not allowed as a key; use {_hint(loc)}"
    return f"{path}: {show(error['input'])} is not allowed; use {_hint(loc)}"


def problems_of(error: ValidationError) -> list[str]:
    """One line per problem of a pydantic ``ValidationError``, each with the field path, the value and the fix."""
    lines = [_problem(e) for e in error.errors(include_url=False)]
    return list(dict.fromkeys(lines))


def cross_problems(spec: ExperimentModel) -> Iterator[str]:
    """Problems between fields, found after each field is valid on its own."""
    data = spec.data
    if data.name in ("csv", "npz") and not isinstance(data.params.get("path"), str):
        yield f"data.params.path: {show(data.params.get('path'))} is not allowed; a {data.name} file needs its path"
    if data.name == "arrays":
        for key in ("X", "y"):
            if key not in data.params:
                yield f"data.params.{key}: missing; 'arrays' data needs X and y in params"
    if data.name in _GENERATORS:
        samples = data.params.get("n_samples", _SKLEARN_DEFAULT_SAMPLES)
        if isinstance(samples, (list, tuple)) and all(type(n) is int for n in samples):
            samples = sum(samples)
        if type(samples) is int and data.n_train >= samples:
            yield (
                f"data.n_train: {data.n_train} is not allowed; it must leave test samples of the {samples} "
                f"generated: use an n_train < {samples} (or raise data.params.n_samples)"
            )
    if spec.published_metric == "keras2_accuracy" and data.labels != "pm1":
        yield (
            f"published_metric: 'keras2_accuracy' is not allowed with {data.labels!r} labels; "
            "it is measured for 'pm1' labels only: use null"
        )
    elif spec.published_metric in METRICS and spec.published_metric != spec.metric:
        yield (
            f"published_metric: {spec.published_metric!r} is not allowed; it must be the metric "
            f"({spec.metric!r}), 'keras2_accuracy' or null"
        )


__all__ = [
    "ACTIVATIONS",
    "DATA_NAMES",
    "ID_PATTERN",
    "INITIALIZERS",
    "LABELS",
    "METRICS",
    "PUBLISHED_METRICS",
    "DataModel",
    "ExperimentModel",
    "ModelModel",
    "check_title",
    "cross_problems",
    "problems_of",
    "show",
]
