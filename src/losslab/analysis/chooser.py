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

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from losslab._backend import to_numpy
from losslab.losses import CombinedLoss, LossFunctionWrapper, deserialize, get, serialize

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

# Class forms, so that a recommendation can be built into a configured loss.
_CLASSES = {
    "mean_squared_error": "MeanSquaredError",
    "mean_absolute_error": "MeanAbsoluteError",
    "mean_squared_logarithmic_error": "MeanSquaredLogarithmicError",
    "huber": "Huber",
    "log_cosh": "LogCosh",
    "poisson": "Poisson",
    "binary_crossentropy": "BinaryCrossentropy",
    "binary_focal_crossentropy": "BinaryFocalCrossentropy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "categorical_focal_crossentropy": "CategoricalFocalCrossentropy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "categorical_generalized_cross_entropy": "CategoricalGeneralizedCrossEntropy",
    "kl_divergence": "KLDivergence",
    "hinge": "Hinge",
    "squared_hinge": "SquaredHinge",
    "categorical_hinge": "CategoricalHinge",
    "dice": "Dice",
    "tversky": "Tversky",
    "jaccard": "Jaccard",
}


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
        return deserialize({"class_name": _CLASSES[self.loss], "config": dict(self.loss_kwargs)})


# ---------------------------------------------------------------------------------------------- recommend

_BCE_LOGITS = (
    "Recommended: a linear output (no activation) with from_logits=True, so the loss uses a stable log-sigmoid "
    "that never saturates; apply a sigmoid to the output at inference to read probabilities."
)
_CCE_LOGITS = (
    "Recommended: C output units with a linear output (no activation) and from_logits=True, so the loss uses a "
    "stable log-softmax; apply a softmax to the output at inference to read class probabilities."
)
_NOISY = (
    "With noisy (mislabelled) examples, label_smoothing=0.1 keeps the model from becoming over-confident on "
    "wrong labels (Szegedy et al., 2016; Muller et al., 2019)."
)
_FOCAL = (
    "Focal loss multiplies the cross-entropy by (1 - p_t)**gamma, so the many easy, mostly majority-class examples "
    "stop dominating the gradient; gamma=2 is the value Lin et al. (2017) found best."
)
_IMBALANCE_METRICS = (
    "Judge the model by precision, recall, F1 or PR-AUC rather than accuracy, and tune the decision threshold."
)
_BCE_DICE = "0.5*BinaryCrossentropy()+0.5*Dice()"
_CCE_DICE = "0.5*CategoricalCrossentropy()+0.5*Dice()"
_COMBINED_REASON = "Cross-entropy's smooth per-pixel gradients plus Dice's overlap term."
_HINGE_NOISE = "With noisy labels prefer hinge to squared_hinge, which penalises a violated margin quadratically."
_DICE = (
    "Foreground is often a small part of the image: the Dice loss, 1 - 2|A and B| / (|A| + |B|), measures the "
    "overlap directly, so the many easy background pixels do not dominate as in pixel-wise cross-entropy "
    "(Milletari et al., 2016)."
)
_TVERSKY = (
    "The Tversky loss generalises Dice with separate weights on false positives (alpha) and false negatives "
    "(beta); alpha < beta (0.3 and 0.7 in Salehi et al., 2017) trades precision for recall, which small, rare "
    "structures need. In losslab alpha weights false positives and beta false negatives, as in the paper."
)
_DICE_AXIS = (
    "axis=None gives one Dice over the whole batch; pass the spatial axes (e.g. axis=(1, 2)) for one per image."
)


def _check_choice(name: str, value: Any, valid: tuple[str, ...], *, allow_none: bool = False) -> str | None:
    if value is None and allow_none:
        return None
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
    encoding = _check_choice("labels", labels, LABEL_ENCODINGS, allow_none=True)
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
    rule = {
        "regression": _regression,
        "binary": _binary,
        "multiclass": _multiclass,
        "multilabel": _multilabel,
        "segmentation": _segmentation,
    }[task]
    return rule(encoding, outliers=outliers, imbalanced=imbalanced)


def _regression(encoding: str, *, outliers: bool, imbalanced: bool) -> Recommendation:
    del imbalanced
    if outliers:
        return Recommendation(
            task="regression",
            loss="huber",
            loss_kwargs={"delta": 1.0},
            output_activation="linear",
            label_encoding=encoding,
            reasons=[
                "Outliers dominate mean_squared_error, whose gradient grows with the residual; the Huber loss is "
                "quadratic for small residuals and linear beyond delta, so an outlier pulls with a bounded force "
                "(Huber, 1964).",
                "Set delta to about the scale of the normal residuals, e.g. 1.345 times their robust standard "
                "deviation (Huber's choice, 95% efficient under Gaussian noise); with standardised targets "
                "delta=1.0 is a sensible start.",
                "Use a linear output so the predictions can take any real value.",
            ],
            alternatives=[
                Alternative(
                    "log_cosh",
                    "linear",
                    "Smooth like Huber (x**2 / 2 near 0, |x| - log 2 far out) with no delta to tune.",
                ),
                Alternative(
                    "mean_absolute_error",
                    "linear",
                    "Most robust: fits the conditional median, but its constant-size gradient converges slowly.",
                ),
                Alternative(
                    "mean_squared_error",
                    "linear",
                    "Only if the outliers are real signal: fits the conditional mean (Gaussian likelihood).",
                ),
            ],
        )
    return Recommendation(
        task="regression",
        loss="mean_squared_error",
        loss_kwargs={},
        output_activation="linear",
        label_encoding=encoding,
        reasons=[
            "mean_squared_error is the maximum-likelihood loss under Gaussian noise and fits the conditional "
            "mean: the default for regression.",
            "Use a linear output so the predictions can take any real value.",
            "Standardise the targets (zero mean, unit variance) so the loss scale does not depend on their units.",
        ],
        alternatives=[
            Alternative("huber", "linear", "If some targets are outliers: quadratic near 0, linear beyond delta."),
            Alternative("mean_absolute_error", "linear", "Fits the conditional median; robust to outliers."),
            Alternative(
                "mean_squared_logarithmic_error",
                "linear",
                "For non-negative targets spanning orders of magnitude: penalises relative (log) errors.",
            ),
            Alternative("poisson", "softplus", "For counts: the Poisson likelihood, with a positive (softplus) rate."),
        ],
    )


def _binary(encoding: str, *, outliers: bool, imbalanced: bool) -> Recommendation:
    if encoding == "onehot":
        rec = _multiclass("onehot", outliers=outliers, imbalanced=imbalanced)
        note = (
            "Two-column one-hot labels make a two-class multiclass problem; equivalently, take y[:, 1] as "
            "{0, 1} labels for one output unit with binary_crossentropy."
        )
        return Recommendation(
            task="binary",
            loss=rec.loss,
            loss_kwargs=rec.loss_kwargs,
            output_activation=rec.output_activation,
            label_encoding=rec.label_encoding,
            reasons=[note, *rec.reasons],
            alternatives=[
                Alternative("binary_crossentropy", "linear", "On y[:, 1] with one output unit and from_logits=True."),
                *rec.alternatives,
            ],
            inference_activation=rec.inference_activation,
        )
    label_encoding = "probabilities" if encoding == "probabilities" else "binary"
    notes = []
    if encoding == "integer":
        notes.append("Integer labels 0 and 1 are binary labels: use them as floats of shape (batch, 1).")
    if encoding == "probabilities":
        notes.append("Soft targets in [0, 1] (e.g. the fraction of annotators who said yes) work as they are.")
    if imbalanced:
        if encoding == "pm1":
            notes.append("Map the {-1, 1} labels to {0, 1} with (y + 1) / 2 first.")
        kwargs: dict[str, Any] = {"from_logits": True, "gamma": 2.0, "apply_class_balancing": True, "alpha": 0.75}
        if outliers:
            kwargs["label_smoothing"] = 0.1
        return Recommendation(
            task="binary",
            loss="binary_focal_crossentropy",
            loss_kwargs=kwargs,
            output_activation="linear",
            label_encoding=label_encoding,
            reasons=[
                _FOCAL,
                "apply_class_balancing=True also weights positives by alpha and negatives by 1 - alpha: with "
                "the minority as the positive class, set alpha near the fraction of negatives (0.75 is a "
                "moderate start). In losslab's imbalance study (`losslab study imbalance`, 1:50), focal with "
                "gamma=2 and no balancing found 3 % of the minority and balanced focal with alpha=k/(k+1) 77 %; "
                "Lin et al.'s alpha=0.25 suits dense detection, where the focal term already removes the "
                "easy negatives. Tune alpha on a validation set.",
                _BCE_LOGITS,
                _IMBALANCE_METRICS,
                *notes,
                *([_NOISY] if outliers else []),
            ],
            alternatives=[
                Alternative(
                    "binary_crossentropy",
                    "linear",
                    "Class-weighted: sample_weight = n / (2 * n_c) for a sample of class c (inverse frequency), "
                    "with from_logits=True.",
                ),
                Alternative(
                    "binary_crossentropy",
                    "linear",
                    "Unweighted with from_logits=True, then move the decision threshold; often enough for mild "
                    "imbalance.",
                ),
            ],
            inference_activation="sigmoid",
        )
    if encoding == "pm1":
        return Recommendation(
            task="binary",
            loss="hinge",
            loss_kwargs={},
            output_activation="tanh",
            label_encoding="pm1",
            reasons=[
                "Labels in {-1, 1} are what margin losses expect: hinge is max(0, 1 - y * f), the SVM loss, which "
                "stops pushing once a sample is on its side of the boundary with margin 1.",
                "Use a tanh output (or a linear one): the output must be able to go negative, so never a sigmoid. "
                "The predicted class is the sign of the output.",
                "For probabilities instead, map the labels to {0, 1} with (y + 1) / 2 and use binary_crossentropy "
                "with from_logits=True.",
                *([_HINGE_NOISE] if outliers else []),
            ],
            alternatives=[
                Alternative(
                    "squared_hinge",
                    "tanh",
                    "Smooth at the margin and punishes large violations more; more sensitive to mislabelled points.",
                ),
                Alternative("hinge", "linear", "The classic SVM form on an unbounded score."),
                Alternative(
                    "binary_crossentropy",
                    "linear",
                    "After mapping the labels to {0, 1} with (y + 1) / 2, with from_logits=True: gives probabilities.",
                ),
            ],
        )
    kwargs = {"from_logits": True}
    if outliers:
        kwargs["label_smoothing"] = 0.1
    return Recommendation(
        task="binary",
        loss="binary_crossentropy",
        loss_kwargs=kwargs,
        output_activation="linear",
        label_encoding=label_encoding,
        reasons=[
            "binary_crossentropy is the negative log-likelihood of a Bernoulli label: the standard loss for two "
            "classes, on one output unit.",
            _BCE_LOGITS,
            "Equivalent: a sigmoid output with from_logits=False (the default), slightly less stable since the "
            "probabilities are clipped to [1e-7, 1 - 1e-7].",
            *notes,
            *([_NOISY] if outliers else []),
        ],
        alternatives=[
            Alternative("binary_crossentropy", "sigmoid", "The same loss with a sigmoid output and from_logits=False."),
            Alternative(
                "binary_focal_crossentropy",
                "linear",
                "If the classes are imbalanced: down-weights easy examples (gamma=2), with from_logits=True.",
            ),
            Alternative("hinge", "tanh", "A margin (SVM) loss on {-1, 1} labels; gives no probabilities."),
        ],
        inference_activation="sigmoid",
    )


def _multiclass(encoding: str, *, outliers: bool, imbalanced: bool) -> Recommendation:
    if imbalanced:
        notes = []
        label_encoding = encoding
        if encoding == "integer":
            label_encoding = "onehot"
            notes.append("One-hot encode the integer labels: there is no sparse focal loss.")
        kwargs: dict[str, Any] = {"from_logits": True, "gamma": 2.0}
        if outliers:
            kwargs["label_smoothing"] = 0.1
        return Recommendation(
            task="multiclass",
            loss="categorical_focal_crossentropy",
            loss_kwargs=kwargs,
            output_activation="linear",
            label_encoding=label_encoding,
            reasons=[
                _FOCAL,
                "Here alpha is one scale for every class, not a per-class weight: for per-class weights pass "
                "sample_weight (e.g. inverse class frequency).",
                _CCE_LOGITS,
                _IMBALANCE_METRICS,
                *notes,
                *([_NOISY] if outliers else []),
            ],
            alternatives=[
                Alternative(
                    "sparse_categorical_crossentropy" if encoding == "integer" else "categorical_crossentropy",
                    "linear",
                    "Class-weighted: sample_weight = n / (C * n_c) for a sample of class c, with from_logits=True.",
                ),
                Alternative(
                    "categorical_crossentropy",
                    "linear",
                    "Unweighted with from_logits=True, then adjust the decision rule; enough for mild imbalance.",
                ),
            ],
            inference_activation="softmax",
        )
    if outliers and encoding != "probabilities":
        notes = ["Convert the one-hot labels to class indices with y.argmax(-1)."] if encoding == "onehot" else []
        return Recommendation(
            task="multiclass",
            loss="categorical_generalized_cross_entropy",
            loss_kwargs={"q": 0.7},
            output_activation="softmax",
            label_encoding="integer",
            reasons=[
                "With noisy (mislabelled) examples, generalized cross-entropy (Zhang & Sabuncu, 2018) interpolates "
                "between cross-entropy (q -> 0, fast to train) and mean absolute error (q = 1, robust to label "
                "noise); q=0.7 is the paper's choice.",
                "It takes integer class indices and softmax probabilities (it has no from_logits).",
                *notes,
            ],
            alternatives=[
                Alternative(
                    "categorical_crossentropy",
                    "linear",
                    "With label_smoothing=0.1 and from_logits=True: less over-confident on wrong labels.",
                ),
                Alternative(
                    "mean_absolute_error",
                    "softmax",
                    "On one-hot labels: robust to symmetric label noise (Ghosh et al., 2017) but slow to train.",
                ),
                Alternative("sparse_categorical_crossentropy", "linear", "Plain cross-entropy if the noise is light."),
            ],
        )
    if encoding == "integer":
        return Recommendation(
            task="multiclass",
            loss="sparse_categorical_crossentropy",
            loss_kwargs={"from_logits": True},
            output_activation="linear",
            label_encoding="integer",
            reasons=[
                "sparse_categorical_crossentropy is categorical_crossentropy on integer class indices in [0, C): "
                "the same values without building one-hot vectors.",
                "Labels have shape (batch,) or (batch, 1); the output has one unit per class.",
                _CCE_LOGITS,
            ],
            alternatives=[
                Alternative(
                    "sparse_categorical_crossentropy",
                    "softmax",
                    "The same loss with a softmax output (from_logits=False).",
                ),
                Alternative(
                    "categorical_crossentropy",
                    "linear",
                    "After one-hot encoding the labels; needed for label_smoothing.",
                ),
                Alternative("categorical_focal_crossentropy", "linear", "If some classes are rare (one-hot labels)."),
            ],
            inference_activation="softmax",
        )
    kwargs = {"from_logits": True}
    reasons = [
        "categorical_crossentropy is the negative log-likelihood of a categorical label: the standard loss for "
        "one class out of C.",
        _CCE_LOGITS,
        "Equivalent: a softmax output with from_logits=False (the default).",
    ]
    alternatives = [
        Alternative("categorical_crossentropy", "softmax", "The same loss with a softmax output (from_logits=False)."),
        Alternative(
            "sparse_categorical_crossentropy", "linear", "The same loss on integer class indices: no one-hot encoding."
        ),
        Alternative(
            "categorical_focal_crossentropy", "linear", "If some classes are rare: down-weights easy examples."
        ),
    ]
    if encoding == "probabilities":
        reasons.insert(
            1,
            "Soft targets (a distribution over the classes per sample, e.g. from a teacher model or annotator "
            "votes) work directly: cross-entropy and the KL divergence differ by the targets' entropy, a "
            "constant, so their gradients are the same. Each target row must sum to 1.",
        )
        alternatives = [
            Alternative(
                "kl_divergence",
                "softmax",
                "0 at a perfect match, as knowledge distillation reports it (Hinton et al., 2015); needs a softmax "
                "output (no from_logits).",
            ),
            Alternative("categorical_crossentropy", "softmax", "The same loss with a softmax output."),
        ]
        if outliers:
            kwargs["label_smoothing"] = 0.1
            reasons.append(_NOISY + " (Generalized cross-entropy needs hard labels.)")
    return Recommendation(
        task="multiclass",
        loss="categorical_crossentropy",
        loss_kwargs=kwargs,
        output_activation="linear",
        label_encoding=encoding,
        reasons=reasons,
        alternatives=alternatives,
        inference_activation="softmax",
    )


def _multilabel(encoding: str, *, outliers: bool, imbalanced: bool) -> Recommendation:
    per_label = (
        "Each of the K labels is its own yes/no question: use K output units with a sigmoid per output, NOT a "
        "softmax, which makes the labels compete so that two can never both be near 1."
    )
    multi_hot = "Labels are multi-hot rows of shape (batch, K): a 1 for every label present."
    if encoding == "pm1" and not imbalanced:
        return Recommendation(
            task="multilabel",
            loss="hinge",
            loss_kwargs={},
            output_activation="tanh",
            label_encoding="pm1",
            reasons=[
                "hinge averages max(0, 1 - y * f) over the K labels, so {-1, 1} labels give one margin per label.",
                "Use a tanh (or linear) output per label, never a sigmoid or softmax: scores must go negative; the "
                "sign of each output is its prediction.",
                "For probabilities, map the labels to {0, 1} with (y + 1) / 2 and use binary_crossentropy with "
                "from_logits=True.",
            ],
            alternatives=[
                Alternative(
                    "binary_crossentropy",
                    "linear",
                    "After (y + 1) / 2, with from_logits=True: one probability per label.",
                ),
                Alternative("squared_hinge", "tanh", "Smooth at the margin; punishes large violations more."),
            ],
        )
    notes = ["Map the {-1, 1} labels to {0, 1} with (y + 1) / 2 first."] if encoding == "pm1" else []
    label_encoding = "probabilities" if encoding == "probabilities" else "binary"
    if imbalanced:
        kwargs: dict[str, Any] = {"from_logits": True, "gamma": 2.0, "apply_class_balancing": True, "alpha": 0.25}
        if outliers:
            kwargs["label_smoothing"] = 0.1
        return Recommendation(
            task="multilabel",
            loss="binary_focal_crossentropy",
            loss_kwargs=kwargs,
            output_activation="linear",
            label_encoding=label_encoding,
            reasons=[
                per_label + " Here the sigmoid is applied by the loss (from_logits=True); apply one at inference.",
                _FOCAL + " It acts per label, so rare labels are not drowned by the many absent ones.",
                multi_hot,
                _IMBALANCE_METRICS,
                *notes,
                *([_NOISY] if outliers else []),
            ],
            alternatives=[
                Alternative(
                    "binary_crossentropy",
                    "linear",
                    "Unweighted with from_logits=True and one decision threshold per label.",
                ),
                Alternative("binary_focal_crossentropy", "sigmoid", "The same loss with a sigmoid output."),
            ],
            inference_activation="sigmoid",
        )
    kwargs = {"from_logits": True}
    if outliers:
        kwargs["label_smoothing"] = 0.1
    return Recommendation(
        task="multilabel",
        loss="binary_crossentropy",
        loss_kwargs=kwargs,
        output_activation="linear",
        label_encoding=label_encoding,
        reasons=[
            per_label + " Here the sigmoid is applied by the loss (from_logits=True); apply one at inference.",
            "binary_crossentropy averages the Bernoulli negative log-likelihood over the labels.",
            multi_hot,
            *notes,
            *([_NOISY] if outliers else []),
        ],
        alternatives=[
            Alternative(
                "binary_crossentropy", "sigmoid", "The same loss with a sigmoid per output (from_logits=False)."
            ),
            Alternative("binary_focal_crossentropy", "linear", "If some labels are rare (from_logits=True)."),
            Alternative("hinge", "tanh", "A margin loss per label on {-1, 1} labels."),
        ],
        inference_activation="sigmoid",
    )


def _segmentation(encoding: str, *, outliers: bool, imbalanced: bool) -> Recommendation:
    del outliers
    if encoding == "integer":
        if imbalanced:
            return Recommendation(
                task="segmentation",
                loss="tversky",
                loss_kwargs={"alpha": 0.3, "beta": 0.7},
                output_activation="softmax",
                label_encoding="onehot",
                reasons=[
                    _TVERSKY,
                    "One-hot encode the index masks to one channel per class, with a softmax over the class channel.",
                    _DICE_AXIS,
                ],
                alternatives=[
                    Alternative(
                        "categorical_focal_crossentropy",
                        "linear",
                        "Pixel-wise focal loss on one-hot masks, from_logits=True.",
                    ),
                    Alternative(_CCE_DICE, "softmax", "Cross-entropy plus Dice on one-hot masks."),
                ],
            )
        return Recommendation(
            task="segmentation",
            loss="sparse_categorical_crossentropy",
            loss_kwargs={"from_logits": True},
            output_activation="linear",
            label_encoding="integer",
            reasons=[
                "Index masks (one class index per pixel, shape (batch, H, W)) work directly with "
                "sparse_categorical_crossentropy over a C-channel output.",
                "A linear output with from_logits=True is stable; apply a softmax over the class channel at inference.",
                "For an overlap loss (Dice), one-hot encode the masks to (batch, H, W, C).",
            ],
            alternatives=[
                Alternative("dice", "softmax", "On one-hot masks: measures overlap, robust to a dominant background."),
                Alternative(_CCE_DICE, "softmax", "Cross-entropy plus Dice on one-hot masks."),
            ],
            inference_activation="softmax",
        )
    multi = encoding == "onehot"
    activation = "softmax" if multi else "sigmoid"
    channel = (
        "Use a softmax over the class channel (one-hot masks of shape (batch, H, W, C)); overlap losses take "
        "probabilities and have no from_logits."
        if multi
        else "Use a sigmoid output (one channel per mask); overlap losses take probabilities and have no from_logits."
    )
    combined = _CCE_DICE if multi else _BCE_DICE
    pixel_ce = "categorical_crossentropy" if multi else "binary_crossentropy"
    if imbalanced:
        return Recommendation(
            task="segmentation",
            loss="tversky",
            loss_kwargs={"alpha": 0.3, "beta": 0.7},
            output_activation=activation,
            label_encoding=encoding,
            reasons=[_TVERSKY, channel, _DICE_AXIS],
            alternatives=[
                Alternative(
                    "categorical_focal_crossentropy" if multi else "binary_focal_crossentropy",
                    "linear",
                    "Pixel-wise focal loss (gamma=2, from_logits=True): down-weights the easy background pixels.",
                ),
                Alternative(combined, activation, _COMBINED_REASON),
                Alternative("dice", activation, "Plain Dice: weighs false positives and false negatives alike."),
            ],
        )
    return Recommendation(
        task="segmentation",
        loss="dice",
        loss_kwargs={},
        output_activation=activation,
        label_encoding=encoding,
        reasons=[
            _DICE,
            channel,
            f"Dice alone can be unstable early in training and on empty masks; {combined} is a robust default in "
            "practice (nnU-Net trains with cross-entropy plus Dice).",
            _DICE_AXIS,
        ],
        alternatives=[
            Alternative(combined, activation, _COMBINED_REASON),
            Alternative("jaccard", activation, "Soft IoU: optimises the IoU metric directly."),
            Alternative("tversky", activation, "With alpha < beta (e.g. 0.3, 0.7): penalises missed foreground more."),
            Alternative(pixel_ce, "linear", "Pixel-wise, from_logits=True; fine when the classes cover similar areas."),
        ],
    )


# ---------------------------------------------------------------------------------------------- check

_LOGITS_LOSSES = frozenset(
    {
        "binary_crossentropy",
        "binary_focal_crossentropy",
        "categorical_crossentropy",
        "categorical_focal_crossentropy",
        "sparse_categorical_crossentropy",
    }
)
_BINARY_CE = frozenset({"binary_crossentropy", "binary_focal_crossentropy"})
_CLASS_AXIS = frozenset(
    {"categorical_crossentropy", "categorical_focal_crossentropy", "kl_divergence", "categorical_hinge"}
)
_SPARSE = frozenset({"sparse_categorical_crossentropy", "categorical_generalized_cross_entropy"})
_HINGE = frozenset({"hinge", "squared_hinge"})
_OVERLAP = frozenset({"dice", "tversky", "jaccard"})
_PROBABILITIES_ONLY = frozenset({"kl_divergence", "categorical_generalized_cross_entropy"}) | _OVERLAP
_SOFTMAX_LOSSES = frozenset(
    {
        "categorical_crossentropy",
        "categorical_focal_crossentropy",
        "sparse_categorical_crossentropy",
        "kl_divergence",
        "categorical_generalized_cross_entropy",
    }
)
_REGRESSION = frozenset(
    {
        "mean_squared_error",
        "mean_absolute_error",
        "mean_absolute_percentage_error",
        "mean_squared_logarithmic_error",
        "huber",
        "log_cosh",
    }
)
_NONNEGATIVE_TARGETS = frozenset({"mean_squared_logarithmic_error", "poisson"})
_SQUASHING = frozenset({"sigmoid", "softmax"})
_NONNEGATIVE_OUTPUTS = frozenset({"sigmoid", "softmax", "relu", "softplus", "exponential"})
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

    findings: list[Finding] = []
    if not labels.finite:
        findings.append(
            Finding(
                "labels-not-finite",
                "error",
                "y_true holds NaN or infinite values.",
                "Clean the labels: a single NaN label makes the loss and every gradient NaN.",
            )
        )
    for name, term_from_logits in terms:
        findings.extend(_check_term(name, term_from_logits, from_logits, act, labels, pred_shape, units))
    findings.extend(_check_output(terms, act, labels, pred_shape, units))
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


def _squash_for(name: str) -> str:
    return "softmax" if name in _SOFTMAX_LOSSES else "sigmoid"


def _check_term(
    name: str | None,
    term_from_logits: bool | None,
    from_logits: bool | None,
    act: str,
    labels: _Labels,
    pred_shape: tuple[int, ...] | None,
    units: int | None,
) -> list[Finding]:
    if name is None:
        return []
    out: list[Finding] = []
    add = out.append
    logits = from_logits if from_logits is not None else term_from_logits
    if name not in _LOGITS_LOSSES and from_logits is not None:
        add(
            Finding(
                "from-logits-ignored",
                "warning",
                f"{name} has no from_logits argument, so from_logits={from_logits} has no effect.",
                f"{name} reads the outputs as they are: choose the output activation accordingly.",
            )
        )
    logits = bool(logits) if name in _LOGITS_LOSSES else False
    low, high = f"{labels.low:g}", f"{labels.high:g}"

    # Label encoding against the loss.
    if name in _CLASS_AXIS and labels.index_like and not (units == 1 and labels.zero_one):
        if name == "categorical_crossentropy":
            fix = (
                "Use sparse_categorical_crossentropy (the same loss on integer class indices), or one-hot encode "
                "the labels to shape (batch, C)."
            )
        elif name == "kl_divergence":
            fix = "One-hot encode the labels to shape (batch, C), or use sparse_categorical_crossentropy."
        else:
            fix = f"One-hot encode the labels to shape (batch, C): there is no sparse {name}."
        if labels.high <= 1 and pred_shape is None:
            fix += " If they are {0, 1} labels for one output unit, use binary_crossentropy with a sigmoid."
        add(
            Finding(
                "integer-labels",
                "error",
                f"{name} expects one-hot (or soft) labels of shape (batch, C), but y_true of shape "
                f"{labels.shape} holds integer class indices (from {low} to {high}).",
                fix,
            )
        )
    elif name in _CLASS_AXIS and not (0 <= labels.low and labels.high <= 1):
        add(
            Finding(
                "labels-out-of-range",
                "error",
                f"{name} expects labels in [0, 1] that sum to 1 per sample; got values from {low} to {high}.",
                "One-hot encode class labels, or normalise soft targets into probabilities.",
            )
        )
    if name in _SPARSE:
        out.extend(_check_sparse(name, labels, pred_shape, units))
    if name in _BINARY_CE and not (0 <= labels.low and labels.high <= 1):
        if labels.plus_minus_one:
            add(
                Finding(
                    "pm1-labels-crossentropy",
                    "error",
                    f"{name} needs labels in [0, 1], but y_true holds {{-1, 1}} labels: the -1 class gets a "
                    "negative weight and the loss has no minimum.",
                    "Map the labels to {0, 1} with (y + 1) / 2, or keep them and use hinge with a tanh output.",
                )
            )
        else:
            fix = "Scale the targets into [0, 1]."
            if labels.integral and labels.low >= 0:
                fix = (
                    f"These look like class indices 0..{labels.high:g}: use sparse_categorical_crossentropy with "
                    f"{labels.high + 1:g} output units."
                )
            add(
                Finding(
                    "labels-out-of-range",
                    "error",
                    f"{name} needs labels in [0, 1]; got values from {low} to {high}.",
                    fix,
                )
            )
    if name in _HINGE:
        if not (labels.zero_one or labels.plus_minus_one):
            add(
                Finding(
                    "hinge-labels",
                    "error",
                    f"{name} expects labels in {{-1, 1}} (or {{0, 1}}, which it maps to {{-1, 1}}); got values "
                    f"from {low} to {high}.",
                    "For class indices use sparse_categorical_crossentropy, or categorical_hinge on one-hot labels.",
                )
            )
        if act in _NONNEGATIVE_OUTPUTS:
            what = "expects scores whose sign is the class, but"
            if labels.zero_one:
                what = "maps {0, 1} labels to {-1, 1}, but"
            add(
                Finding(
                    "hinge-nonnegative-output",
                    "error",
                    f"{name} {what} a {act} output cannot be negative, so the negative class can never get past "
                    "its margin (its loss stays >= 1).",
                    "Use a tanh (or linear) output, and write the labels as {-1, 1}.",
                )
            )
    if name in _OVERLAP and not (0 <= labels.low and labels.high <= 1):
        add(
            Finding(
                "labels-out-of-range",
                "error",
                f"{name} compares masks in [0, 1]; got label values from {low} to {high}.",
                "One-hot encode index masks to one channel per class, or map the labels to {0, 1}.",
            )
        )

    # Probabilities against logits.
    if name in _LOGITS_LOSSES:
        squash = _squash_for(name)
        if logits and act in _SQUASHING:
            add(
                Finding(
                    "double-squashing",
                    "error",
                    f"from_logits=True makes {name} apply a {squash} itself, so after a {act} output the outputs are "
                    "squashed twice: the probabilities are wrong and the gradients shrink.",
                    f"Remove the output activation (linear output) and keep from_logits=True (recommended), or keep "
                    f"the {act} and set from_logits=False.",
                )
            )
        elif logits and act in ("tanh", "relu", "softplus", "exponential"):
            bound = "(-1, 1)" if act == "tanh" else "[0, inf)"
            add(
                Finding(
                    "bounded-logits",
                    "warning",
                    f"A {act} output bounds the logits to {bound}, so {name} cannot express every probability.",
                    "Use a linear output with from_logits=True.",
                )
            )
        elif not logits and act not in _SQUASHING:
            gives = "logits" if act == "linear" else f"values that are not probabilities ({act})"
            add(
                Finding(
                    "probabilities-expected",
                    "error",
                    f"{name} with from_logits=False expects probabilities, but a {act} output gives {gives}: "
                    "values outside [0, 1] are clipped and their gradient vanishes.",
                    f"Pass from_logits=True with a linear output (recommended: stable), or put a {squash} on the "
                    "output.",
                )
            )
        elif not logits and act == "sigmoid" and name in _SOFTMAX_LOSSES and not labels.multi_hot:
            add(
                Finding(
                    "sigmoid-categorical",
                    "warning",
                    f"{name} after a sigmoid output: the loss renormalises the outputs, but they do not form a "
                    "distribution over the classes.",
                    "Use a softmax output (or a linear one with from_logits=True).",
                )
            )
    if name in _PROBABILITIES_ONLY and act not in _SQUASHING:
        squash = "softmax" if name in _SOFTMAX_LOSSES else "sigmoid (softmax for one-hot multi-class masks)"
        add(
            Finding(
                "probabilities-expected",
                "error",
                f"{name} takes probabilities and has no from_logits, but a {act} output does not give probabilities.",
                f"Put a {squash} on the output.",
            )
        )

    # Multi-label targets.
    if labels.multi_hot and (name in _CLASS_AXIS or name in _SPARSE):
        add(
            Finding(
                "multilabel-categorical",
                "error",
                f"y_true has rows with several 1s (a multi-label target), but {name} expects one class per sample.",
                "Use binary_crossentropy with a sigmoid per output (or a linear output with from_logits=True).",
            )
        )

    # Regression losses.
    if name in _REGRESSION and (labels.zero_one or labels.plus_minus_one):
        add(
            Finding(
                "regression-loss-on-class-labels",
                "warning",
                f"{name} on class labels (every value in {{0, 1}} or {{-1, 1}}): it trains, but treats classes as "
                "numbers and, after a sigmoid or softmax, its gradient vanishes when the model is confidently "
                "wrong, so it learns slower than cross-entropy.",
                "Use binary_crossentropy (binary or multi-label), categorical_crossentropy or "
                "sparse_categorical_crossentropy (multiclass), or hinge ({-1, 1} labels).",
            )
        )
    if name in _NONNEGATIVE_TARGETS and labels.low < 0:
        what = (
            "takes log(1 + y) and clips negative targets to 0, so they are silently wrong"
            if name == "mean_squared_logarithmic_error"
            else "models non-negative counts; with negative targets the loss has no minimum"
        )
        add(
            Finding(
                "negative-targets",
                "error",
                f"{name} {what}; got targets down to {low}.",
                "Shift the targets to be >= 0, or use mean_squared_error or huber for signed targets.",
            )
        )
    if name == "poisson" and act in ("linear", "tanh"):
        add(
            Finding(
                "poisson-output",
                "warning",
                f"poisson takes log(y_pred): a {act} output can go negative, giving NaN.",
                "Use an exponential or softplus output to keep the predicted rate positive.",
            )
        )
    if name == "mean_absolute_percentage_error" and labels.has_zero:
        add(
            Finding(
                "mape-zero-targets",
                "warning",
                "mean_absolute_percentage_error divides by |y_true|, and some targets are 0: their errors are "
                "divided by 1e-7 and dominate the loss.",
                "Use mean_absolute_error, or mean_squared_logarithmic_error for relative errors.",
            )
        )

    # Shapes.
    if pred_shape is not None and name not in _SPARSE and not any(f.code == "integer-labels" for f in out):
        if not _shapes_fit(labels.shape, pred_shape):
            add(
                Finding(
                    "shape-mismatch",
                    "error",
                    f"y_true has shape {labels.shape} but y_pred has shape {pred_shape}; losses compare them "
                    "element by element and never broadcast.",
                    f"Give the output layer {labels.shape[-1] if labels.shape else 1} unit(s), one per label "
                    f"column, or reshape the labels to {pred_shape}.",
                )
            )
    return out


def _check_sparse(name: str, labels: _Labels, pred_shape: tuple[int, ...] | None, units: int | None) -> list[Finding]:
    """Class indices for the sparse losses: no class axis, integers, in range."""
    has_class_axis = labels.class_axis and (labels.shape == pred_shape if pred_shape is not None else labels.one_hot)
    if has_class_axis:
        if labels.one_hot:
            fix = "Pass the class indices y_true.argmax(-1)"
            fix += ", or use categorical_crossentropy for one-hot labels." if name.startswith("sparse_") else "."
            problem = (
                f"{name} expects one class index per sample, but y_true of shape {labels.shape} looks one-hot "
                "(rows of 0s with a single 1)."
            )
        else:
            fix = "Use categorical_crossentropy for soft labels, or binary_crossentropy for multi-label targets."
            problem = f"{name} expects one class index per sample, but y_true of shape {labels.shape} has a class axis."
        return [Finding("onehot-labels-sparse", "error", problem, fix)]
    if labels.multi_hot:
        return []  # reported as a multi-label target
    if not labels.integral:
        return [
            Finding(
                "labels-not-indices",
                "error",
                f"{name} expects integer class indices, but y_true holds fractional values.",
                "Pass class indices 0..C-1; for soft labels use categorical_crossentropy.",
            )
        ]
    out = []
    if units == 1:
        out.append(
            Finding(
                "single-unit-categorical",
                "error",
                f"{name} over a single output unit: the only valid class is 0, so the loss is constant and nothing "
                "trains.",
                "Give the output one unit per class, or use binary_crossentropy with one sigmoid unit.",
            )
        )
    elif units is not None and (labels.low < 0 or labels.high >= units):
        if labels.low >= 1 and labels.high == units:
            fix = f"The labels look 1-based: subtract 1 to get 0..{units - 1}."
        else:
            fix = (
                f"Give the output layer one unit per class ({labels.high + 1:g} units), or remap the labels to "
                f"0..{units - 1}."
            )
        if labels.low < 0:
            fix += " For a padding label pass it as ignore_class."
        out.append(
            Finding(
                "labels-out-of-range",
                "error",
                f"{name}: class indices run from {labels.low:g} to {labels.high:g}, but the output has {units} "
                f"classes (valid indices 0..{units - 1}).",
                fix,
            )
        )
    return out


def _check_output(
    terms: list[tuple[str | None, bool | None]],
    act: str,
    labels: _Labels,
    pred_shape: tuple[int, ...] | None,
    units: int | None,
) -> list[Finding]:
    """Checks of the output layer that do not depend on one loss."""
    names = {name for name, _ in terms}
    out = []
    width = units
    if width is None and not names & _SPARSE and not (names & _CLASS_AXIS and labels.index_like):
        width = labels.shape[-1] if len(labels.shape) >= 2 else 1
    if act == "softmax" and width == 1:
        out.append(
            Finding(
                "softmax-single-unit",
                "error",
                "A softmax over a single output unit always outputs 1.0: the prediction ignores the input and "
                "nothing trains.",
                "Use a sigmoid for one unit (binary labels, with binary_crossentropy), or give the output one unit "
                "per class.",
            )
        )
    for name in sorted(n for n in names & _CLASS_AXIS if pred_shape is not None and pred_shape[-1] == 1):
        out.append(
            Finding(
                "single-unit-categorical",
                "error",
                f"{name} over a single output unit: the class probabilities of one unit always sum to 1, so the "
                "loss is constant and nothing trains.",
                "For two classes use binary_crossentropy with one sigmoid unit, or give the output one unit per class.",
            )
        )
    if act == "softmax" and labels.multi_hot:
        out.append(
            Finding(
                "softmax-multilabel",
                "error",
                "y_true has rows with several 1s (a multi-label target), but a softmax makes the outputs compete "
                "and sum to 1, so at most one label can be predicted.",
                "Use a sigmoid per output with binary_crossentropy (or a linear output with from_logits=True).",
            )
        )
    return out


def _shapes_fit(true_shape: tuple[int, ...], pred_shape: tuple[int, ...]) -> bool:
    """Equal shapes, or equal after dropping a trailing axis of size 1 (as the losses align ranks)."""
    if true_shape == pred_shape:
        return True
    if len(true_shape) == len(pred_shape) - 1 and pred_shape[-1] == 1:
        return true_shape == pred_shape[:-1]
    if len(pred_shape) == len(true_shape) - 1 and true_shape[-1] == 1:
        return pred_shape == true_shape[:-1]
    return False
