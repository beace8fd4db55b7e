r"""The loss chooser: which loss for which task, and the classic mistakes to catch before training.

:func:`recommend` turns a description of the task (regression, binary,
multiclass, multi-label, segmentation; outliers or noisy labels; class
imbalance; how the labels are encoded) into a loss, its arguments, the output
activation and the label encoding, with the reasons and ranked alternatives.

:func:`check` looks at a loss, the model's output activation and a sample of
labels (and predictions) and names the mistakes that make a model train badly
or not at all: integer labels given to ``categorical_crossentropy``, a
``sigmoid`` before ``from_logits=True``, a ``softmax`` on a multi-label
target, and so on. Each :class:`Finding` says what is wrong and how to fix it.

Examples
--------
>>> from losslab.analysis import check, recommend
>>> recommend("multiclass", labels="integer").loss
'sparse_categorical_crossentropy'
>>> [f.code for f in check("categorical_crossentropy", "softmax", [0, 2, 1])]
['integer-labels']
"""

from __future__ import annotations

import functools
import string
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any, NamedTuple

import numpy as np

from losslab._backend import to_numpy
from losslab.losses import CombinedLoss, LossFunctionWrapper, deserialize, get, serialize
from losslab.losses._card import card as loss_card

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "ACTIVATIONS",
    "LABEL_ENCODINGS",
    "TASKS",
    "Alternative",
    "Finding",
    "Recommendation",
    "check",
    "check_or_raise",
    "recommend",
]

TASKS = ("regression", "binary", "multiclass", "multilabel", "segmentation")
"""The tasks :func:`recommend` knows."""

LABEL_ENCODINGS = ("continuous", "binary", "pm1", "integer", "onehot", "probabilities")
"""Label encodings: real-valued targets, {0, 1}, {-1, 1}, class indices, one-hot rows, soft targets."""

ACTIVATIONS = ("linear", "sigmoid", "softmax", "tanh", "relu", "softplus", "exponential")
"""Output activations :func:`check` understands (``None`` and ``"identity"`` mean ``"linear"``)."""

_TASK_LABELS = {
    "regression": ("continuous",),
    "binary": ("binary", "integer", "pm1", "probabilities", "onehot"),
    "multiclass": ("onehot", "integer", "probabilities"),
    "multilabel": ("binary", "pm1", "probabilities"),
    "segmentation": ("binary", "probabilities", "onehot", "integer"),
}
_LABEL_HINTS = {
    ("multiclass", "binary"): " Several labels per sample (multi-hot) is task='multilabel'.",
    ("multiclass", "pm1"): " {-1, 1} labels are a binary task: task='binary'.",
    ("multilabel", "onehot"): " Exactly one label per sample is task='multiclass'.",
    ("multilabel", "integer"): " One class index per sample is task='multiclass'.",
    ("segmentation", "pm1"): " Write the masks as {0, 1}.",
}

# ---------------------------------------------------------------------------------------------- loss facts
# Everything the chooser knows about a loss, read through _facts() alone.


@dataclass(frozen=True)
class _LossFacts:
    """What the chooser knows about one loss; all false (or ``None``) for a loss it does not know."""

    from_logits: bool = False  # has a from_logits argument
    squash: str | None = None  # "sigmoid" or "softmax": what turns outputs into the probabilities it reads
    binary_labels: bool = False  # a binary cross-entropy: labels in [0, 1] per output unit
    class_axis: bool = False  # one-hot (or soft) labels along a class axis
    sparse: bool = False  # one integer class index per sample
    pm1_labels: bool = False  # a margin loss on {-1, 1} labels (or {0, 1}, mapped)
    overlap: bool = False  # compares masks in [0, 1] by their overlap
    probabilities_only: bool = False  # reads probabilities and has no from_logits
    regression: bool = False  # for real-valued targets
    nonnegative_targets: bool = False  # targets must be >= 0
    log_targets: bool = False  # takes log(1 + y_true), clipping negative targets to 0
    log_predictions: bool = False  # takes log(y_pred)
    divides_by_targets: bool = False  # divides by |y_true|
    for_indices: str | None = None  # the loss to use instead on integer class indices
    for_onehot: str | None = None  # the loss to use instead on one-hot labels
    class_name: str | None = None  # its Loss class, for Recommendation.build


@functools.cache
def _facts(name: str) -> _LossFacts:
    """The facts about the loss of canonical name ``name``, read from its card.

    The one place the chooser looks a loss up.
    """
    try:
        card = loss_card(name)
    except KeyError:  # a user's registered loss: no facts, so no per-loss rules
        return _LossFacts()
    facts = card.facts
    first = card.activation.split()[0]  # a card's activation opens with the one it expects: "softmax (or linear ...)"
    squash = first if first in ("sigmoid", "softmax") else None
    return _LossFacts(
        from_logits=card.logits == "from_logits",
        squash=squash,
        binary_labels="binary_labels" in facts,
        class_axis="class_axis" in facts,
        sparse="sparse" in facts,
        pm1_labels="pm1_labels" in facts,
        overlap="overlap" in facts,
        probabilities_only="probabilities_only" in facts,
        regression="regression" in card.tasks and "count_targets" not in facts,
        nonnegative_targets="nonnegative_targets" in facts,
        log_targets="log_targets" in facts,
        log_predictions="log_predictions" in facts,
        divides_by_targets="divides_by_targets" in facts,
        for_indices=card.for_indices,
        for_onehot=card.for_onehot,
        class_name=card.cls.__name__,
    )


# ---------------------------------------------------------------------------------------------- texts
# The chooser's English lives in chooser.toml beside this module: [reasons], [alternatives] and one
# [findings.<code>] table per finding code. Every text is a str.format template.


@functools.cache
def _texts() -> dict[str, Any]:
    """chooser.toml, read once; a ``RuntimeError`` if it does not fit the keys this module uses."""
    data = tomllib.loads(resources.files("losslab.analysis").joinpath("chooser.toml").read_text(encoding="utf-8"))
    problems = _text_problems(data)
    if problems:
        msg = "chooser.toml does not fit losslab.analysis.chooser:\n- " + "\n- ".join(problems)
        raise RuntimeError(msg)
    return data


def _text_problems(data: dict[str, Any]) -> list[str]:
    """What does not fit: sections, finding codes, templates, and the keys and fields the recommendations use.

    The keys the finding rules use are checked by tests/analysis/test_chooser_texts.py.
    """
    problems = []
    if set(data) != {"reasons", "alternatives", "findings"}:
        problems.append(f"the tables must be [reasons], [alternatives] and [findings.<code>]; got {sorted(data)}")
    findings = data.get("findings", {})
    if set(findings) != set(_SEVERITY):
        problems.append(f"[findings.<code>] must be one table per code {sorted(_SEVERITY)}; got {sorted(findings)}")
    tables = {name: data.get(name, {}) for name in ("reasons", "alternatives")}
    tables.update({f"findings.{code}": table for code, table in findings.items()})
    for name, table in tables.items():
        for key, template in table.items():
            try:
                fields = [field for _, field, _, _ in string.Formatter().parse(template) if field is not None]
            except (TypeError, ValueError) as error:  # TypeError: not a string
                problems.append(f"[{name}] {key} is not a template: {error}")
                continue
            if not all(field.isidentifier() for field in fields):
                problems.append(f"[{name}] {key} has a field that is not a name: {fields}")
    for name, key, given in _case_texts():
        for part in key.split("+"):
            if part not in tables[name]:
                problems.append(f"[{name}] has no {part!r}, which a recommendation uses")
                continue
            try:
                tables[name][part].format(**given)
            except (KeyError, IndexError, ValueError) as error:
                problems.append(f"[{name}] {part}: its field {error} is not one the recommendation gives")
    return problems


def _say(section: str, key: str, **fields: Any) -> str:
    """The text ``key`` of ``section`` (``"reasons"``, ``"findings.<code>"``...) with its fields filled in.

    ``"a+b"`` joins the texts ``a`` and ``b`` with a space.
    """
    table = _texts()
    for part in section.split("."):
        table = table[part]
    return " ".join(table[part].format(**fields) for part in key.split("+"))


class Alternative(NamedTuple):
    """A ranked alternative to the recommended loss: ``(loss, activation, reason)``."""

    loss: str
    activation: str
    reason: str


@dataclass(frozen=True)
class Recommendation:
    """A loss for a task, with its output activation, label encoding, reasons and alternatives.

    Parameters
    ----------
    task : str
        One of :data:`TASKS`.
    loss : str
        A losslab loss name (``losslab.get`` accepts it).
    loss_kwargs : dict
        Arguments of the loss, e.g. ``{"from_logits": True}``.
    output_activation : str
        Activation of the model's last layer (``"linear"`` means none).
    label_encoding : str
        How to encode the labels (one of :data:`LABEL_ENCODINGS`).
    reasons : list of str
        Plain-English sentences explaining the choice.
    alternatives : list of Alternative
        Other good choices, best first, each ``(loss, activation, reason)``.
        ``loss`` is a losslab name, or an expression of losslab classes such
        as ``"0.5*BinaryCrossentropy()+0.5*Dice()"``.
    inference_activation : str or None
        What turns the outputs into probabilities at inference when the loss
        takes logits (``"sigmoid"`` or ``"softmax"``); ``None`` when the outputs
        are already what you read.

    Examples
    --------
    >>> rec = recommend("binary")
    >>> rec.loss, rec.loss_kwargs, rec.output_activation, rec.inference_activation
    ('binary_crossentropy', {'from_logits': True}, 'linear', 'sigmoid')
    >>> rec.build()
    BinaryCrossentropy(name='binary_crossentropy', reduction='sum_over_batch_size', from_logits=True, ...)
    """

    task: str
    loss: str
    loss_kwargs: dict[str, Any]
    output_activation: str
    label_encoding: str
    reasons: list[str]
    alternatives: list[Alternative] = field(default_factory=list)
    inference_activation: str | None = None

    def build(self) -> Any:
        """The recommended loss as a configured losslab ``Loss`` instance.

        Returns
        -------
        Loss
            E.g. ``Huber(delta=1.0)`` for ``loss="huber"``.
        """
        return deserialize({"class_name": _facts(self.loss).class_name, "config": dict(self.loss_kwargs)})


# ---------------------------------------------------------------------------------------------- recommend


def _check_choice(name: str, value: Any, valid: tuple[str, ...], *, allow_none: bool = False) -> str:
    """``value`` lower-cased if it is one of ``valid``; ``allow_none`` only words the message (callers handle None)."""
    if not isinstance(value, str) or value.strip().lower() not in valid:
        prefix = "None or one of" if allow_none else "one of"
        msg = f"{name} must be {prefix} {', '.join(map(repr, valid))}; got {value!r}"
        raise ValueError(msg)
    return value.strip().lower()


def _check_flag(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        msg = f"{name} must be True or False; got {value!r} of type {type(value).__name__}"
        raise TypeError(msg)
    return bool(value)


def recommend(
    task: str, *, outliers: bool = False, imbalanced: bool = False, labels: str | None = None
) -> Recommendation:
    """Recommend a loss, output activation and label encoding for a task.

    The rules follow the usual practice and its literature: maximum likelihood
    (MSE for Gaussian noise, cross-entropy for class labels), robust losses for
    outliers (Huber, 1964) and noisy labels (Zhang & Sabuncu, 2018), focal
    loss for class imbalance (Lin et al., 2017), overlap losses for
    segmentation (Milletari et al., 2016; Salehi et al., 2017).

    Parameters
    ----------
    task : {"regression", "binary", "multiclass", "multilabel", "segmentation"}
        What the model predicts.
    outliers : bool, default False
        Regression targets with outliers; for classification tasks, noisy
        (mislabelled) examples. Not used for segmentation.
    imbalanced : bool, default False
        Some classes (or the foreground) are rare. Not used for regression.
    labels : {"binary", "pm1", "integer", "onehot", "probabilities", "continuous"}, optional
        How the labels are encoded: {0, 1}, {-1, 1}, class indices, one-hot
        rows, soft targets, real values. ``None`` takes the natural one for
        the task (``"continuous"`` for regression, ``"binary"`` for binary,
        multi-label and segmentation, ``"onehot"`` for multiclass).

    Returns
    -------
    Recommendation
        The loss and its arguments, the output activation, the label
        encoding, the reasons and the ranked alternatives.

    Raises
    ------
    ValueError
        For an unknown task or encoding, or one that does not fit the task,
        or a flag that does not apply to it; the message lists the valid values.

    Examples
    --------
    >>> rec = recommend("regression", outliers=True)
    >>> rec.loss, rec.loss_kwargs, rec.output_activation
    ('huber', {'delta': 1.0}, 'linear')
    >>> [alt.loss for alt in rec.alternatives]
    ['log_cosh', 'mean_absolute_error', 'mean_squared_error']
    >>> recommend("multilabel").inference_activation
    'sigmoid'
    >>> recommend("segmentation", imbalanced=True).loss_kwargs
    {'alpha': 0.3, 'beta': 0.7}
    >>> recommend("multiclass", labels="pm1")
    Traceback (most recent call last):
    ...
    ValueError: labels='pm1' does not fit task='multiclass'; valid labels for it: 'onehot', 'integer', ...

    References
    ----------
    Huber, "Robust Estimation of a Location Parameter", Ann. Math. Statist. 1964.
    Lin et al., "Focal Loss for Dense Object Detection", ICCV 2017.
    Milletari et al., "V-Net", 3DV 2016.
    Salehi et al., "Tversky loss function for image segmentation", MLMI 2017.
    Zhang & Sabuncu, "Generalized Cross Entropy Loss for Training Deep Neural Networks with Noisy
    Labels", NeurIPS 2018.
    """
    task = _check_choice("task", task, TASKS)
    outliers = _check_flag("outliers", outliers)
    imbalanced = _check_flag("imbalanced", imbalanced)
    encoding = None if labels is None else _check_choice("labels", labels, LABEL_ENCODINGS, allow_none=True)
    valid = _TASK_LABELS[task]
    if encoding is None:
        encoding = valid[0]
    elif encoding not in valid:
        hint = _LABEL_HINTS.get((task, encoding), "")
        msg = (
            f"labels={encoding!r} does not fit task={task!r}; valid labels for it: {', '.join(map(repr, valid))}.{hint}"
        )
        raise ValueError(msg)
    if task == "regression" and imbalanced:
        msg = (
            "imbalanced=True applies to the tasks 'binary', 'multiclass', 'multilabel' and 'segmentation'; got "
            "task='regression'. For targets with rare extreme values pass outliers=True, or weight samples."
        )
        raise ValueError(msg)
    if task == "segmentation" and outliers:
        msg = (
            "outliers=True applies to the tasks 'regression' (outlying targets), 'binary', 'multiclass' and "
            "'multilabel' (noisy labels); got task='segmentation'."
        )
        raise ValueError(msg)
    if task == "binary" and encoding == "onehot":
        name = _case_name("multiclass", encoding, outliers=outliers, imbalanced=imbalanced)
        return _two_class(_recommendation("multiclass", _CASES[name], encoding, outliers=outliers))
    name = _case_name(task, encoding, outliers=outliers, imbalanced=imbalanced)
    return _recommendation(task, _CASES[name], encoding, outliers=outliers)


# A recommendation, as data: the loss and its arguments, and keys into chooser.toml's texts.


@dataclass(frozen=True)
class _Case:
    """One recommendation as data; ``reasons`` and the third item of each alternative are text keys."""

    loss: str
    kwargs: Mapping[str, Any]
    activation: str
    reasons: tuple[str, ...]
    alternatives: tuple[tuple[str, str, str], ...]  # (loss, activation, key in [alternatives])
    inference: str | None = None
    encodings: Mapping[str, str] = field(default_factory=dict)  # given label encoding -> the one to use
    notes: Mapping[str, str] = field(default_factory=dict)  # given label encoding -> a reason added after the others
    noisy: str | None = None  # the reason added with outliers=True (noisy labels)
    noisy_kwargs: Mapping[str, Any] = field(default_factory=dict)  # the arguments added with outliers=True
    fields: Mapping[str, str] = field(default_factory=dict)  # fields of the texts' templates


_SMOOTHING = {"label_smoothing": 0.1}
_BCE_DICE = "0.5*BinaryCrossentropy()+0.5*Dice()"
_CCE_DICE = "0.5*CategoricalCrossentropy()+0.5*Dice()"
_BCE, _BFCE = "binary_crossentropy", "binary_focal_crossentropy"
_CCE, _CFCE, _SCCE = "categorical_crossentropy", "categorical_focal_crossentropy", "sparse_categorical_crossentropy"
_BINARY_NOTES = {"integer": "integer_01", "probabilities": "soft_01"}

_MULTICLASS_FOCAL = _Case(
    _CFCE,
    {"from_logits": True, "gamma": 2.0},
    "linear",
    ("focal", "focal_alpha_multiclass", "cce_logits", "imbalance_metrics"),
    ((_CCE, "linear", "cce_class_weighted"), (_CCE, "linear", "cce_mild_imbalance")),
    inference="softmax",
    encodings={"integer": "onehot"},
    notes={"integer": "no_sparse_focal"},
    noisy="noisy",
    noisy_kwargs=_SMOOTHING,
)
# The binary task with two-column one-hot labels is a two-class multiclass problem, with this reason and alternative.
_TWO_CLASS = ("two_class_onehot", (_BCE, "linear", "bce_on_column"))

_CASES = {
    "regression.mse": _Case(
        "mean_squared_error",
        {},
        "linear",
        ("mse", "linear_output", "standardise"),
        (
            ("huber", "linear", "huber_outliers"),
            ("mean_absolute_error", "linear", "mae_median"),
            ("mean_squared_logarithmic_error", "linear", "msle_orders"),
            ("poisson", "softplus", "poisson_counts"),
        ),
    ),
    "regression.huber": _Case(
        "huber",
        {"delta": 1.0},
        "linear",
        ("huber", "huber_delta", "linear_output"),
        (
            ("log_cosh", "linear", "log_cosh"),
            ("mean_absolute_error", "linear", "mae_robust"),
            ("mean_squared_error", "linear", "mse_signal"),
        ),
    ),
    "binary.bce": _Case(
        _BCE,
        {"from_logits": True},
        "linear",
        ("bce", "bce_logits", "bce_sigmoid_equivalent"),
        ((_BCE, "sigmoid", "bce_sigmoid"), (_BFCE, "linear", "bfce_imbalanced"), ("hinge", "tanh", "hinge_margin")),
        inference="sigmoid",
        encodings={"integer": "binary"},
        notes=_BINARY_NOTES,
        noisy="noisy",
        noisy_kwargs=_SMOOTHING,
    ),
    "binary.focal": _Case(
        _BFCE,
        {"from_logits": True, "gamma": 2.0, "apply_class_balancing": True, "alpha": 0.75},
        "linear",
        ("focal", "focal_alpha_binary", "bce_logits", "imbalance_metrics"),
        ((_BCE, "linear", "bce_class_weighted"), (_BCE, "linear", "bce_threshold")),
        inference="sigmoid",
        encodings={"integer": "binary", "pm1": "binary"},
        notes={**_BINARY_NOTES, "pm1": "pm1_to_01"},
        noisy="noisy",
        noisy_kwargs=_SMOOTHING,
    ),
    "binary.hinge": _Case(
        "hinge",
        {},
        "tanh",
        ("hinge_pm1", "hinge_tanh", "hinge_probabilities"),
        (
            ("squared_hinge", "tanh", "squared_hinge_binary"),
            ("hinge", "linear", "hinge_svm"),
            (_BCE, "linear", "bce_after_pm1"),
        ),
        noisy="hinge_noise",
    ),
    "multiclass.cce": _Case(
        _CCE,
        {"from_logits": True},
        "linear",
        ("cce", "cce_logits", "cce_softmax_equivalent"),
        ((_CCE, "softmax", "cce_softmax"), (_SCCE, "linear", "scce_indices"), (_CFCE, "linear", "cfce_rare")),
        inference="softmax",
    ),
    "multiclass.soft": _Case(
        _CCE,
        {"from_logits": True},
        "linear",
        ("cce", "soft_targets", "cce_logits", "cce_softmax_equivalent"),
        (("kl_divergence", "softmax", "kld_distillation"), (_CCE, "softmax", "cce_softmax_short")),
        inference="softmax",
        noisy="noisy+gce_needs_hard_labels",
        noisy_kwargs=_SMOOTHING,
    ),
    "multiclass.sparse": _Case(
        _SCCE,
        {"from_logits": True},
        "linear",
        ("scce", "scce_shapes", "cce_logits"),
        (
            (_SCCE, "softmax", "scce_softmax"),
            (_CCE, "linear", "cce_after_onehot"),
            (_CFCE, "linear", "cfce_rare_onehot"),
        ),
        inference="softmax",
    ),
    "multiclass.focal": _MULTICLASS_FOCAL,
    "multiclass.focal_indices": replace(
        _MULTICLASS_FOCAL,
        alternatives=((_SCCE, "linear", "cce_class_weighted"), *_MULTICLASS_FOCAL.alternatives[1:]),
    ),
    "multiclass.gce": _Case(
        "categorical_generalized_cross_entropy",
        {"q": 0.7},
        "softmax",
        ("gce", "gce_inputs"),
        (
            (_CCE, "linear", "cce_smoothing"),
            ("mean_absolute_error", "softmax", "mae_label_noise"),
            (_SCCE, "linear", "scce_light_noise"),
        ),
        encodings={"onehot": "integer"},
        notes={"onehot": "onehot_to_indices"},
    ),
    "multilabel.bce": _Case(
        _BCE,
        {"from_logits": True},
        "linear",
        ("per_label+sigmoid_by_loss", "bce_per_label", "multi_hot"),
        (
            (_BCE, "sigmoid", "bce_sigmoid_per_output"),
            (_BFCE, "linear", "bfce_rare_labels"),
            ("hinge", "tanh", "hinge_per_label"),
        ),
        inference="sigmoid",
        encodings={"pm1": "binary"},
        notes={"pm1": "pm1_to_01"},
        noisy="noisy",
        noisy_kwargs=_SMOOTHING,
    ),
    "multilabel.focal": _Case(
        _BFCE,
        {"from_logits": True, "gamma": 2.0, "apply_class_balancing": True, "alpha": 0.25},
        "linear",
        ("per_label+sigmoid_by_loss", "focal+focal_per_label", "multi_hot", "imbalance_metrics"),
        ((_BCE, "linear", "bce_threshold_per_label"), (_BFCE, "sigmoid", "bfce_sigmoid")),
        inference="sigmoid",
        encodings={"pm1": "binary"},
        notes={"pm1": "pm1_to_01"},
        noisy="noisy",
        noisy_kwargs=_SMOOTHING,
    ),
    "multilabel.hinge": _Case(
        "hinge",
        {},
        "tanh",
        ("hinge_per_label", "hinge_tanh_per_label", "hinge_probabilities_per_label"),
        ((_BCE, "linear", "bce_after_pm1_per_label"), ("squared_hinge", "tanh", "squared_hinge_multilabel")),
    ),
    "segmentation.dice": _Case(
        "dice",
        {},
        "sigmoid",
        ("dice", "sigmoid_channel", "dice_unstable", "dice_axis"),
        (
            (_BCE_DICE, "sigmoid", "ce_plus_dice"),
            ("jaccard", "sigmoid", "jaccard"),
            ("tversky", "sigmoid", "tversky_recall"),
            (_BCE, "linear", "pixel_ce"),
        ),
        fields={"combined": _BCE_DICE},
    ),
    "segmentation.dice_onehot": _Case(
        "dice",
        {},
        "softmax",
        ("dice", "softmax_channel", "dice_unstable", "dice_axis"),
        (
            (_CCE_DICE, "softmax", "ce_plus_dice"),
            ("jaccard", "softmax", "jaccard"),
            ("tversky", "softmax", "tversky_recall"),
            (_CCE, "linear", "pixel_ce"),
        ),
        fields={"combined": _CCE_DICE},
    ),
    "segmentation.tversky": _Case(
        "tversky",
        {"alpha": 0.3, "beta": 0.7},
        "sigmoid",
        ("tversky", "sigmoid_channel", "dice_axis"),
        ((_BFCE, "linear", "pixel_focal"), (_BCE_DICE, "sigmoid", "ce_plus_dice"), ("dice", "sigmoid", "plain_dice")),
    ),
    "segmentation.tversky_onehot": _Case(
        "tversky",
        {"alpha": 0.3, "beta": 0.7},
        "softmax",
        ("tversky", "softmax_channel", "dice_axis"),
        ((_CFCE, "linear", "pixel_focal"), (_CCE_DICE, "softmax", "ce_plus_dice"), ("dice", "softmax", "plain_dice")),
    ),
    "segmentation.tversky_indices": _Case(
        "tversky",
        {"alpha": 0.3, "beta": 0.7},
        "softmax",
        ("tversky", "onehot_index_masks", "dice_axis"),
        ((_CFCE, "linear", "focal_onehot_masks"), (_CCE_DICE, "softmax", "ce_dice_onehot")),
        encodings={"integer": "onehot"},
    ),
    "segmentation.sparse": _Case(
        _SCCE,
        {"from_logits": True},
        "linear",
        ("index_masks", "index_masks_logits", "index_masks_dice"),
        (("dice", "softmax", "dice_onehot_masks"), (_CCE_DICE, "softmax", "ce_dice_onehot")),
        inference="softmax",
    ),
}


def _case_name(task: str, encoding: str, *, outliers: bool, imbalanced: bool) -> str:
    """Which of :data:`_CASES` answers the task (binary with one-hot labels aside)."""
    if task == "regression":
        return "regression.huber" if outliers else "regression.mse"
    if task == "binary":
        return "binary.focal" if imbalanced else "binary.hinge" if encoding == "pm1" else "binary.bce"
    if task == "multiclass":
        if imbalanced:
            return "multiclass.focal_indices" if encoding == "integer" else "multiclass.focal"
        if outliers and encoding != "probabilities":
            return "multiclass.gce"
        return {"integer": "multiclass.sparse", "probabilities": "multiclass.soft"}.get(encoding, "multiclass.cce")
    if task == "multilabel":
        if imbalanced:
            return "multilabel.focal"
        return "multilabel.hinge" if encoding == "pm1" else "multilabel.bce"
    if encoding == "integer":
        return "segmentation.tversky_indices" if imbalanced else "segmentation.sparse"
    if encoding == "onehot":
        return "segmentation.tversky_onehot" if imbalanced else "segmentation.dice_onehot"
    return "segmentation.tversky" if imbalanced else "segmentation.dice"


def _recommendation(task: str, case: _Case, encoding: str, *, outliers: bool) -> Recommendation:
    reasons = list(case.reasons)
    if encoding in case.notes:
        reasons.append(case.notes[encoding])
    kwargs = dict(case.kwargs)
    if outliers and case.noisy:
        reasons.append(case.noisy)
        kwargs.update(case.noisy_kwargs)
    return Recommendation(
        task=task,
        loss=case.loss,
        loss_kwargs=kwargs,
        output_activation=case.activation,
        label_encoding=case.encodings.get(encoding, encoding),
        reasons=[_say("reasons", key, **case.fields) for key in reasons],
        alternatives=[
            Alternative(loss, act, _say("alternatives", key, **case.fields)) for loss, act, key in case.alternatives
        ],
        inference_activation=case.inference,
    )


def _two_class(rec: Recommendation) -> Recommendation:
    """A two-class multiclass recommendation for the binary task with two-column one-hot labels."""
    reason, (loss, activation, key) = _TWO_CLASS
    return replace(
        rec,
        task="binary",
        reasons=[_say("reasons", reason), *rec.reasons],
        alternatives=[Alternative(loss, activation, _say("alternatives", key)), *rec.alternatives],
    )


def _case_texts() -> Iterator[tuple[str, str, Mapping[str, str]]]:
    """``(section, key, fields)`` of every text the recommendation cases use."""
    for case in _CASES.values():
        for key in (*case.reasons, *case.notes.values(), *([case.noisy] if case.noisy else [])):
            yield "reasons", key, case.fields
        for _, _, key in case.alternatives:
            yield "alternatives", key, case.fields
    yield "reasons", _TWO_CLASS[0], {}
    yield "alternatives", _TWO_CLASS[1][2], {}


# ---------------------------------------------------------------------------------------------- check

_ACTIVATION_ALIASES = {"identity": "linear", "none": "linear", "": "linear"}


@dataclass(frozen=True)
class Finding:
    """One problem with a loss setup: what is wrong and how to fix it.

    Parameters
    ----------
    code : str
        A short stable identifier, e.g. ``"double-squashing"``.
    severity : {"error", "warning"}
        ``"error"``: the model will train badly or not at all; ``"warning"``:
        it trains, but another choice is usually better.
    problem : str
        What is wrong, with the values seen.
    fix : str
        How to fix it.

    Examples
    --------
    >>> finding = check("binary_crossentropy", "sigmoid", [[0.0], [1.0]], from_logits=True)[0]
    >>> finding.code, finding.severity
    ('double-squashing', 'error')
    """

    code: str
    severity: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.problem} Fix: {self.fix}"


@dataclass(frozen=True)
class _Labels:
    """What a sample of labels looks like."""

    shape: tuple[int, ...]
    finite: bool
    low: float
    high: float
    integral: bool
    zero_one: bool
    plus_minus_one: bool
    class_axis: bool
    one_hot: bool
    multi_hot: bool
    has_zero: bool

    @classmethod
    def of(cls, y_true: Any) -> _Labels:
        y = np.asarray(to_numpy(y_true))
        if y.dtype == object or not (np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_):
            msg = f"y_true must be a numeric array; got dtype {y.dtype}"
            raise TypeError(msg)
        if y.size == 0:
            msg = f"y_true must hold at least one label; got shape {y.shape}"
            raise ValueError(msg)
        values = y.astype(np.float64)
        finite = bool(np.isfinite(values).all())
        values = values[np.isfinite(values)] if not finite else values
        if values.size == 0:
            values = np.zeros(1)
        integral = bool(np.all(values == np.round(values)))
        zero_one = bool(np.all((values == 0) | (values == 1)))
        plus_minus_one = bool(np.all((values == -1) | (values == 1)) and np.any(values == -1))
        class_axis = y.ndim >= 2 and y.shape[-1] > 1
        one_hot = multi_hot = False
        if class_axis and zero_one and finite:
            row_sums = y.astype(np.float64).sum(axis=-1)
            one_hot = bool(np.all(row_sums == 1))
            multi_hot = bool(np.any(row_sums > 1))
        return cls(
            shape=tuple(y.shape),
            finite=finite,
            low=float(values.min()),
            high=float(values.max()),
            integral=integral,
            zero_one=zero_one,
            plus_minus_one=plus_minus_one,
            class_axis=class_axis,
            one_hot=one_hot,
            multi_hot=multi_hot,
            has_zero=bool(np.any(values == 0)),
        )

    @property
    def index_like(self) -> bool:
        """One integer per sample: shape (batch,) or (batch, 1), non-negative integers."""
        return (len(self.shape) == 1 or self.shape[-1] == 1) and self.integral and self.low >= 0


def _activation(activation: Any) -> str:
    if activation is None:
        return "linear"
    if not isinstance(activation, str):
        msg = f"activation must be a name, one of {', '.join(map(repr, ACTIVATIONS))} (or None); got {activation!r}"
        raise ValueError(msg)
    name = activation.strip().lower()
    name = _ACTIVATION_ALIASES.get(name, name)
    if name not in ACTIVATIONS:
        msg = f"activation must be one of {', '.join(map(repr, ACTIVATIONS))} (or None); got {activation!r}"
        raise ValueError(msg)
    return name


def _loss_terms(loss: Any) -> list[tuple[str | None, bool | None]]:
    """``(canonical name or None, from_logits attribute or None)`` of each term of ``loss``."""
    obj = get(loss)
    if obj is None:
        msg = "loss must be a loss name, config, function or Loss instance; got None"
        raise ValueError(msg)
    if isinstance(obj, CombinedLoss):
        return [term for part in obj.losses for term in _loss_terms(part)]
    from_logits = getattr(obj, "from_logits", None)
    fn = obj.fn if isinstance(obj, LossFunctionWrapper) else obj
    try:
        name = serialize(fn)
    except ValueError:  # an unregistered function or class: only the generic checks apply
        name = None
    return [(name if isinstance(name, str) else None, None if from_logits is None else bool(from_logits))]


def check(
    loss: Any,
    activation: str | None,
    y_true: Any,
    *,
    y_pred: Any = None,
    from_logits: bool | None = None,
    n_classes: int | None = None,
) -> list[Finding]:
    """Find the classic mistakes in a loss setup before training.

    Looks at the loss, the output activation and a sample of labels (and of
    predictions, for the output's shape) and reports, among others: integer
    labels given to a categorical loss or one-hot labels to a sparse one,
    class indices out of range, a sigmoid before ``from_logits=True`` (double
    squashing) or logits given as probabilities, a softmax on a multi-label
    target or over a single unit, hinge after a sigmoid, {-1, 1} labels given
    to a cross-entropy, regression losses on class labels, negative targets
    for ``msle`` or ``poisson``, shapes that do not match.

    Parameters
    ----------
    loss : str, dict, callable or Loss
        A name or alias (``"cce"``), a config, a function or a ``Loss``
        instance (its ``from_logits`` is read); a ``CombinedLoss`` is checked
        term by term.
    activation : str or None
        The output activation, one of :data:`ACTIVATIONS`; ``None`` is linear.
    y_true : array-like
        A sample of labels (NumPy, PyTorch, JAX or nested lists).
    y_pred : array-like, optional
        A sample of the model's outputs; its last axis gives the number of
        output units (classes).
    from_logits : bool, optional
        Overrides the loss's own ``from_logits`` (default ``False`` for a
        loss given by name or function).
    n_classes : int, optional
        Number of output units, when ``y_pred`` is not given.

    Returns
    -------
    list of Finding
        Errors first; empty when nothing is wrong.

    Raises
    ------
    ValueError
        For an unknown loss name or activation, or an empty ``y_true``.

    Examples
    --------
    >>> import numpy as np
    >>> check("categorical_crossentropy", "softmax", np.eye(3)[[0, 2, 1]])
    []
    >>> [f.code for f in check("sparse_categorical_crossentropy", "softmax", np.eye(3)[[0, 2, 1]])]
    ['onehot-labels-sparse']
    >>> [f.code for f in check("binary_crossentropy", "linear", [[0.0], [1.0]])]
    ['probabilities-expected']
    >>> print(check("hinge", "sigmoid", [[0.0], [1.0]])[0].fix)
    Use a tanh (or linear) output, and write the labels as {-1, 1}.
    """
    act = _activation(activation)
    terms = _loss_terms(loss)
    labels = _Labels.of(y_true)
    pred_shape = None
    if y_pred is not None:
        pred_shape = tuple(np.shape(to_numpy(y_pred)))
        if not pred_shape:
            msg = "y_pred must have at least one axis (the output units); got a scalar"
            raise ValueError(msg)
    if n_classes is not None and (isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < 1):
        msg = f"n_classes must be a positive int; got {n_classes!r}"
        raise ValueError(msg)
    if from_logits is not None:
        from_logits = _check_flag("from_logits", from_logits)
    units = pred_shape[-1] if pred_shape is not None else n_classes

    names = tuple(name for name, _ in terms if name is not None)
    setup = _Setup(act, labels, pred_shape, units, names)
    findings = list(_labels_not_finite(setup))
    for name, term_from_logits in terms:
        if name is None:  # an unregistered function or class: only the generic checks apply
            continue
        facts = _facts(name)
        logits = facts.from_logits and bool(from_logits if from_logits is not None else term_from_logits)
        term = _Term(act, labels, pred_shape, units, names, name, facts, logits, from_logits)
        for rule in _TERM_RULES:
            findings.extend(rule(term))
    for output_rule in _OUTPUT_RULES:
        findings.extend(output_rule(setup))
    unique: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        unique.setdefault((finding.code, finding.problem), finding)
    return sorted(unique.values(), key=lambda f: f.severity != "error")


def check_or_raise(
    loss: Any,
    activation: str | None,
    y_true: Any,
    *,
    y_pred: Any = None,
    from_logits: bool | None = None,
    n_classes: int | None = None,
) -> list[Finding]:
    """Like :func:`check`, but raise a ``ValueError`` when there is an error-level finding.

    Parameters
    ----------
    loss, activation, y_true, y_pred, from_logits, n_classes
        As in :func:`check`.

    Returns
    -------
    list of Finding
        The warnings, when there is no error.

    Raises
    ------
    ValueError
        Listing every error with its fix.

    Examples
    --------
    >>> check_or_raise("binary_crossentropy", "sigmoid", [[0.0], [1.0]], from_logits=True)
    Traceback (most recent call last):
    ...
    ValueError: 1 error in this loss setup:
    - from_logits=True makes binary_crossentropy apply a sigmoid itself, ... Fix: ...
    >>> check_or_raise("binary_crossentropy", "sigmoid", [[0.0], [1.0]])
    []
    """
    findings = check(loss, activation, y_true, y_pred=y_pred, from_logits=from_logits, n_classes=n_classes)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        lines = "\n".join(f"- {f.problem} Fix: {f.fix}" for f in errors)
        msg = f"{len(errors)} error{'s' if len(errors) > 1 else ''} in this loss setup:\n{lines}"
        raise ValueError(msg)
    return findings


# ---------------------------------------------------------------------------------------------- check's rules

_SEVERITY = {
    "labels-not-finite": "error",
    "from-logits-ignored": "warning",
    "integer-labels": "error",
    "labels-out-of-range": "error",
    "onehot-labels-sparse": "error",
    "labels-not-indices": "error",
    "single-unit-categorical": "error",
    "pm1-labels-crossentropy": "error",
    "hinge-labels": "error",
    "hinge-nonnegative-output": "error",
    "double-squashing": "error",
    "bounded-logits": "warning",
    "probabilities-expected": "error",
    "sigmoid-categorical": "warning",
    "multilabel-categorical": "error",
    "regression-loss-on-class-labels": "warning",
    "negative-targets": "error",
    "poisson-output": "warning",
    "mape-zero-targets": "warning",
    "shape-mismatch": "error",
    "softmax-single-unit": "error",
    "softmax-multilabel": "error",
}
_SQUASHING = frozenset({"sigmoid", "softmax"})
_NONNEGATIVE_OUTPUTS = frozenset({"sigmoid", "softmax", "relu", "softplus", "exponential"})


def _finding(code: str, problem: str = "problem", fix: str = "fix", **fields: Any) -> Finding:
    """The finding ``code`` with the texts ``problem`` and ``fix`` of chooser.toml's [findings.<code>]."""
    section = f"findings.{code}"
    return Finding(code, _SEVERITY[code], _say(section, problem, **fields), _say(section, fix, **fields))


@dataclass(frozen=True)
class _Setup:
    """What :func:`check` was given: the output activation, the labels, the output's shape and width."""

    act: str
    labels: _Labels
    pred_shape: tuple[int, ...] | None
    units: int | None
    names: tuple[str, ...]  # the known loss terms (registered losses), in order

    @property
    def low(self) -> str:
        return f"{self.labels.low:g}"

    @property
    def high(self) -> str:
        return f"{self.labels.high:g}"

    @property
    def in_unit_interval(self) -> bool:
        return self.labels.low >= 0 and self.labels.high <= 1


@dataclass(frozen=True)
class _Term(_Setup):
    """One loss term of the setup, by its canonical name."""

    name: str
    facts: _LossFacts
    logits: bool  # the term reads logits: from_logits resolved, False for a loss without it
    from_logits: bool | None  # check()'s from_logits argument


def _labels_not_finite(s: _Setup) -> Iterator[Finding]:
    if not s.labels.finite:
        yield _finding("labels-not-finite")


def _from_logits_ignored(t: _Term) -> Iterator[Finding]:
    if t.from_logits is not None and not t.facts.from_logits:
        yield _finding("from-logits-ignored", loss=t.name, from_logits=t.from_logits)


def _indices_for_class_axis(t: _Term) -> bool:
    return t.facts.class_axis and t.labels.index_like and not (t.units == 1 and t.labels.zero_one)


def _integer_labels(t: _Term) -> Iterator[Finding]:
    if not _indices_for_class_axis(t):
        return
    sparse = t.facts.for_indices
    if sparse is None:
        fix = "fix_no_sparse"
    elif _facts(sparse).for_onehot == t.name:  # the sparse loss is this loss on class indices
        fix = "fix_same_loss"
    else:
        fix = "fix_or_sparse"
    if t.labels.high <= 1 and t.pred_shape is None:
        fix += "+fix_binary"
    yield _finding("integer-labels", fix=fix, loss=t.name, shape=t.labels.shape, low=t.low, high=t.high, sparse=sparse)


def _class_axis_range(t: _Term) -> Iterator[Finding]:
    if t.facts.class_axis and not _indices_for_class_axis(t) and not t.in_unit_interval:
        yield _finding(
            "labels-out-of-range", "problem_class_axis", "fix_class_axis", loss=t.name, low=t.low, high=t.high
        )


def _has_class_axis(t: _Term) -> bool:
    labels = t.labels
    return labels.class_axis and (labels.shape == t.pred_shape if t.pred_shape is not None else labels.one_hot)


def _onehot_labels_sparse(t: _Term) -> Iterator[Finding]:
    if not (t.facts.sparse and _has_class_axis(t)):
        return
    if t.labels.one_hot:
        fix = "fix_onehot" if t.facts.for_onehot else "fix_onehot_indices_only"
        yield _finding(
            "onehot-labels-sparse", "problem_onehot", fix, loss=t.name, shape=t.labels.shape, dense=t.facts.for_onehot
        )
    else:
        yield _finding(
            "onehot-labels-sparse", "problem_class_axis", "fix_class_axis", loss=t.name, shape=t.labels.shape
        )


def _sparse_indices(t: _Term) -> bool:
    """A sparse loss given labels without a class axis, other than a multi-label target (reported as such)."""
    return t.facts.sparse and not _has_class_axis(t) and not t.labels.multi_hot


def _labels_not_indices(t: _Term) -> Iterator[Finding]:
    if _sparse_indices(t) and not t.labels.integral:
        yield _finding("labels-not-indices", loss=t.name)


def _single_unit_sparse(t: _Term) -> Iterator[Finding]:
    if _sparse_indices(t) and t.labels.integral and t.units == 1:
        yield _finding("single-unit-categorical", "problem_sparse", "fix_sparse", loss=t.name)


def _sparse_range(t: _Term) -> Iterator[Finding]:
    units, labels = t.units, t.labels
    if units is None or units == 1 or not (_sparse_indices(t) and labels.integral):
        return
    if labels.low >= 0 and labels.high < units:
        return
    fix = "fix_sparse_one_based" if labels.low >= 1 and labels.high == units else "fix_sparse"
    if labels.low < 0:
        fix += "+fix_sparse_padding"
    classes = f"{labels.high + 1:g}"
    yield _finding(
        "labels-out-of-range",
        "problem_sparse",
        fix,
        loss=t.name,
        low=t.low,
        high=t.high,
        units=units,
        last=units - 1,
        classes=classes,
    )


def _pm1_crossentropy(t: _Term) -> Iterator[Finding]:
    if t.facts.binary_labels and not t.in_unit_interval and t.labels.plus_minus_one:
        yield _finding("pm1-labels-crossentropy", loss=t.name)


def _binary_ce_range(t: _Term) -> Iterator[Finding]:
    if t.facts.binary_labels and not t.in_unit_interval and not t.labels.plus_minus_one:
        fix = "fix_binary_indices" if t.labels.integral and t.labels.low >= 0 else "fix_binary"
        classes = f"{t.labels.high + 1:g}"
        yield _finding(
            "labels-out-of-range", "problem_binary", fix, loss=t.name, low=t.low, high=t.high, classes=classes
        )


def _hinge_labels(t: _Term) -> Iterator[Finding]:
    if t.facts.pm1_labels and not (t.labels.zero_one or t.labels.plus_minus_one):
        yield _finding("hinge-labels", loss=t.name, low=t.low, high=t.high)


def _hinge_nonnegative_output(t: _Term) -> Iterator[Finding]:
    if t.facts.pm1_labels and t.act in _NONNEGATIVE_OUTPUTS:
        problem = "problem_zero_one" if t.labels.zero_one else "problem_scores"
        yield _finding("hinge-nonnegative-output", problem, loss=t.name, act=t.act)


def _overlap_range(t: _Term) -> Iterator[Finding]:
    if t.facts.overlap and not t.in_unit_interval:
        yield _finding("labels-out-of-range", "problem_overlap", "fix_overlap", loss=t.name, low=t.low, high=t.high)


def _double_squashing(t: _Term) -> Iterator[Finding]:
    if t.facts.from_logits and t.logits and t.act in _SQUASHING:
        yield _finding("double-squashing", loss=t.name, squash=t.facts.squash, act=t.act)


def _bounded_logits(t: _Term) -> Iterator[Finding]:
    if t.facts.from_logits and t.logits and t.act in ("tanh", "relu", "softplus", "exponential"):
        bound = "(-1, 1)" if t.act == "tanh" else "[0, inf)"
        yield _finding("bounded-logits", act=t.act, bound=bound, loss=t.name)


def _probabilities_for_logits_loss(t: _Term) -> Iterator[Finding]:
    if t.facts.from_logits and not t.logits and t.act not in _SQUASHING:
        problem = "problem_logits" if t.act == "linear" else "problem_not_probabilities"
        yield _finding(
            "probabilities-expected", problem, "fix_from_logits", loss=t.name, act=t.act, squash=t.facts.squash
        )


def _sigmoid_categorical(t: _Term) -> Iterator[Finding]:
    softmax = t.facts.squash == "softmax"
    if t.facts.from_logits and not t.logits and t.act == "sigmoid" and softmax and not t.labels.multi_hot:
        yield _finding("sigmoid-categorical", loss=t.name)


def _probabilities_only(t: _Term) -> Iterator[Finding]:
    if t.facts.probabilities_only and t.act not in _SQUASHING:
        fix = "fix_softmax" if t.facts.squash == "softmax" else "fix_sigmoid"
        yield _finding("probabilities-expected", "problem_no_from_logits", fix, loss=t.name, act=t.act)


def _multilabel_categorical(t: _Term) -> Iterator[Finding]:
    if t.labels.multi_hot and (t.facts.class_axis or t.facts.sparse):
        yield _finding("multilabel-categorical", loss=t.name)


def _regression_on_class_labels(t: _Term) -> Iterator[Finding]:
    if t.facts.regression and (t.labels.zero_one or t.labels.plus_minus_one):
        yield _finding("regression-loss-on-class-labels", loss=t.name)


def _negative_targets(t: _Term) -> Iterator[Finding]:
    if t.facts.nonnegative_targets and t.labels.low < 0:
        problem = "problem_log" if t.facts.log_targets else "problem_counts"
        yield _finding("negative-targets", problem, loss=t.name, low=t.low)


def _poisson_output(t: _Term) -> Iterator[Finding]:
    if t.facts.log_predictions and t.act in ("linear", "tanh"):
        yield _finding("poisson-output", loss=t.name, act=t.act)


def _mape_zero_targets(t: _Term) -> Iterator[Finding]:
    if t.facts.divides_by_targets and t.labels.has_zero:
        yield _finding("mape-zero-targets", loss=t.name)


def _shape_mismatch(t: _Term) -> Iterator[Finding]:
    if t.pred_shape is None or t.facts.sparse or _indices_for_class_axis(t):
        return  # sparse labels have no class axis; integer-labels is the finding
    if not _shapes_fit(t.labels.shape, t.pred_shape):
        width = t.labels.shape[-1] if t.labels.shape else 1
        yield _finding("shape-mismatch", shape=t.labels.shape, pred_shape=t.pred_shape, width=width)


def _softmax_single_unit(s: _Setup) -> Iterator[Finding]:
    facts = [_facts(name) for name in s.names]
    width = s.units
    if (
        width is None
        and not any(f.sparse for f in facts)
        and not (any(f.class_axis for f in facts) and s.labels.index_like)
    ):
        width = s.labels.shape[-1] if len(s.labels.shape) >= 2 else 1
    if s.act == "softmax" and width == 1:
        yield _finding("softmax-single-unit")


def _single_unit_class_axis(s: _Setup) -> Iterator[Finding]:
    if s.pred_shape is not None and s.pred_shape[-1] == 1:
        for name in sorted({name for name in s.names if _facts(name).class_axis}):
            yield _finding("single-unit-categorical", "problem_class_axis", "fix_class_axis", loss=name)


def _softmax_multilabel(s: _Setup) -> Iterator[Finding]:
    if s.act == "softmax" and s.labels.multi_hot:
        yield _finding("softmax-multilabel")


# The rules, in the order their findings are reported (errors are then moved first).
_SETUP_RULES = (_labels_not_finite,)
_TERM_RULES = (
    _from_logits_ignored,
    # label encoding against the loss
    _integer_labels,
    _class_axis_range,
    _onehot_labels_sparse,
    _labels_not_indices,
    _single_unit_sparse,
    _sparse_range,
    _pm1_crossentropy,
    _binary_ce_range,
    _hinge_labels,
    _hinge_nonnegative_output,
    _overlap_range,
    # probabilities against logits
    _double_squashing,
    _bounded_logits,
    _probabilities_for_logits_loss,
    _sigmoid_categorical,
    _probabilities_only,
    # multi-label targets, regression losses, shapes
    _multilabel_categorical,
    _regression_on_class_labels,
    _negative_targets,
    _poisson_output,
    _mape_zero_targets,
    _shape_mismatch,
)
_OUTPUT_RULES = (_softmax_single_unit, _single_unit_class_axis, _softmax_multilabel)


def _shapes_fit(true_shape: tuple[int, ...], pred_shape: tuple[int, ...]) -> bool:
    """Equal shapes, or equal after dropping a trailing axis of size 1 (as the losses align ranks)."""
    if true_shape == pred_shape:
        return True
    if len(true_shape) == len(pred_shape) - 1 and pred_shape[-1] == 1:
        return true_shape == pred_shape[:-1]
    if len(pred_shape) == len(true_shape) - 1 and true_shape[-1] == 1:
        return pred_shape == true_shape[:-1]
    return False
