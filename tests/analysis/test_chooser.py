"""The loss chooser: recommend's rules, check's findings, and the two CLI commands."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

import losslab
import losslab.analysis
from losslab.analysis import (
    ACTIVATIONS,
    LABEL_ENCODINGS,
    TASKS,
    Alternative,
    Finding,
    Recommendation,
    check,
    check_or_raise,
    recommend,
)
from losslab.cli import app

runner = CliRunner()

ONE_HOT = np.eye(3)[[0, 2, 1, 1]]
INDICES = np.array([0, 2, 1, 1])
BINARY = np.array([[0.0], [1.0], [1.0], [0.0]])
PM1 = 2.0 * BINARY - 1.0
MULTI_HOT = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])


def _text(rec: Recommendation) -> str:
    return " ".join(rec.reasons).lower()


def _codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


# ------------------------------------------------------------------------------------------ public names


def test_all_lists_every_public_name_once():
    public = {name for name in dir(losslab.analysis) if not name.startswith("_")}
    submodules = {name for name in public if type(getattr(losslab.analysis, name)).__name__ == "module"}
    assert sorted(losslab.analysis.__all__) == sorted(public - submodules)
    assert len(set(losslab.analysis.__all__)) == len(losslab.analysis.__all__)


# ------------------------------------------------------------------------------------------ recommend


@pytest.mark.parametrize("task", TASKS)
def test_every_recommendation_names_real_losses_and_builds(task):
    rec = recommend(task)
    assert rec.task == task
    built = rec.build()
    assert isinstance(built, losslab.Loss)
    assert losslab.get(rec.loss) is not None
    for key, value in rec.loss_kwargs.items():
        assert getattr(built, key) == value
    assert rec.reasons and all(r.endswith((".", ")")) for r in rec.reasons)
    assert rec.alternatives and all(isinstance(a, Alternative) for a in rec.alternatives)
    for alt in rec.alternatives:
        assert alt.activation in ACTIVATIONS
        if "*" not in alt.loss:
            assert losslab.get(alt.loss) is not None


def test_regression_is_mse_with_a_linear_output():
    rec = recommend("regression")
    assert (rec.loss, rec.loss_kwargs, rec.output_activation, rec.label_encoding) == (
        "mean_squared_error",
        {},
        "linear",
        "continuous",
    )
    assert "gaussian" in _text(rec) and "conditional mean" in _text(rec)
    assert rec.inference_activation is None


def test_regression_with_outliers_is_huber_then_log_cosh_then_mae():
    rec = recommend("regression", outliers=True)
    assert (rec.loss, rec.output_activation, rec.label_encoding) == ("huber", "linear", "continuous")
    assert rec.loss_kwargs == {"delta": 1.0}
    assert "delta" in _text(rec) and "scale of the normal residuals" in _text(rec)
    assert [a.loss for a in rec.alternatives] == ["log_cosh", "mean_absolute_error", "mean_squared_error"]
    assert "median" in rec.alternatives[1].reason


def test_binary_is_bce_from_logits_with_sigmoid_at_inference():
    rec = recommend("binary")
    assert (rec.loss, rec.loss_kwargs, rec.output_activation, rec.label_encoding) == (
        "binary_crossentropy",
        {"from_logits": True},
        "linear",
        "binary",
    )
    assert rec.inference_activation == "sigmoid"
    assert "stable" in _text(rec) and "sigmoid" in _text(rec)
    assert rec.alternatives[0] == ("binary_crossentropy", "sigmoid", rec.alternatives[0].reason)


def test_binary_integer_labels_are_binary_labels():
    rec = recommend("binary", labels="integer")
    assert (rec.loss, rec.label_encoding) == ("binary_crossentropy", "binary")
    assert "integer labels 0 and 1" in _text(rec)


def test_binary_pm1_labels_get_hinge_with_tanh():
    rec = recommend("binary", labels="pm1")
    assert (rec.loss, rec.output_activation, rec.label_encoding) == ("hinge", "tanh", "pm1")
    assert "never a sigmoid" in _text(rec) and "(y + 1) / 2" in _text(rec)
    assert [a.loss for a in rec.alternatives][:2] == ["squared_hinge", "hinge"]
    assert rec.alternatives[1].activation == "linear"
    assert rec.alternatives[2].loss == "binary_crossentropy"


def test_imbalanced_binary_is_focal_with_class_balancing():
    rec = recommend("binary", imbalanced=True)
    assert (rec.loss, rec.output_activation, rec.label_encoding) == ("binary_focal_crossentropy", "linear", "binary")
    assert rec.loss_kwargs["gamma"] == 2.0 and rec.loss_kwargs["apply_class_balancing"] is True
    assert rec.loss_kwargs["from_logits"] is True
    assert "lin et al" in _text(rec) and "accuracy" in _text(rec)
    assert "sample_weight" in rec.alternatives[0].reason and rec.alternatives[0].loss == "binary_crossentropy"


def test_imbalanced_pm1_labels_are_mapped_to_zero_one():
    rec = recommend("binary", labels="pm1", imbalanced=True)
    assert (rec.loss, rec.label_encoding) == ("binary_focal_crossentropy", "binary")
    assert "(y + 1) / 2" in _text(rec)


def test_noisy_binary_labels_get_label_smoothing():
    rec = recommend("binary", outliers=True)
    assert rec.loss == "binary_crossentropy" and rec.loss_kwargs == {"from_logits": True, "label_smoothing": 0.1}
    assert "label_smoothing" in _text(rec) and "mislabelled" in _text(rec)


def test_binary_one_hot_labels_are_two_class_multiclass():
    rec = recommend("binary", labels="onehot")
    assert (rec.task, rec.loss, rec.label_encoding) == ("binary", "categorical_crossentropy", "onehot")
    assert "two-column one-hot" in _text(rec)
    assert rec.alternatives[0].loss == "binary_crossentropy"


def test_multiclass_one_hot_is_cce_with_softmax():
    rec = recommend("multiclass")
    assert (rec.loss, rec.loss_kwargs, rec.output_activation, rec.label_encoding) == (
        "categorical_crossentropy",
        {"from_logits": True},
        "linear",
        "onehot",
    )
    assert rec.inference_activation == "softmax" and "softmax" in _text(rec)
    assert rec.alternatives[0] == ("categorical_crossentropy", "softmax", rec.alternatives[0].reason)


def test_multiclass_integer_labels_use_the_sparse_loss():
    rec = recommend("multiclass", labels="integer")
    assert (rec.loss, rec.output_activation, rec.label_encoding) == (
        "sparse_categorical_crossentropy",
        "linear",
        "integer",
    )
    assert "integer class indices" in _text(rec) and "one-hot" in _text(rec)


def test_soft_targets_use_cce_or_kl_divergence():
    rec = recommend("multiclass", labels="probabilities")
    assert (rec.loss, rec.label_encoding) == ("categorical_crossentropy", "probabilities")
    assert "soft targets" in _text(rec) and "sum to 1" in _text(rec)
    assert rec.alternatives[0].loss == "kl_divergence" and rec.alternatives[0].activation == "softmax"


def test_imbalanced_multiclass_is_categorical_focal():
    rec = recommend("multiclass", imbalanced=True)
    assert (rec.loss, rec.output_activation, rec.label_encoding) == (
        "categorical_focal_crossentropy",
        "linear",
        "onehot",
    )
    assert rec.loss_kwargs == {"from_logits": True, "gamma": 2.0}
    assert "(1 - p_t)**gamma" in _text(rec)


def test_imbalanced_multiclass_integer_labels_are_one_hot_encoded():
    rec = recommend("multiclass", labels="integer", imbalanced=True)
    assert (rec.loss, rec.label_encoding) == ("categorical_focal_crossentropy", "onehot")
    assert "no sparse focal loss" in _text(rec)
    assert rec.alternatives[0].loss == "sparse_categorical_crossentropy"


def test_noisy_multiclass_labels_get_generalized_cross_entropy():
    rec = recommend("multiclass", outliers=True)
    assert (rec.loss, rec.loss_kwargs, rec.output_activation, rec.label_encoding) == (
        "categorical_generalized_cross_entropy",
        {"q": 0.7},
        "softmax",
        "integer",
    )
    assert "zhang & sabuncu" in _text(rec) and "argmax" in _text(rec)


def test_multilabel_is_bce_with_a_sigmoid_per_output_not_softmax():
    rec = recommend("multilabel")
    assert (rec.loss, rec.output_activation, rec.label_encoding) == ("binary_crossentropy", "linear", "binary")
    assert rec.inference_activation == "sigmoid"
    assert "sigmoid per output" in _text(rec) and "not a softmax" in _text(rec)
    assert all(a.activation != "softmax" for a in rec.alternatives)


def test_imbalanced_multilabel_is_binary_focal():
    rec = recommend("multilabel", imbalanced=True)
    assert (rec.loss, rec.label_encoding, rec.inference_activation) == (
        "binary_focal_crossentropy",
        "binary",
        "sigmoid",
    )
    assert "sigmoid per output" in _text(rec) and "per label" in _text(rec)


def test_multilabel_pm1_labels_get_hinge():
    rec = recommend("multilabel", labels="pm1")
    assert (rec.loss, rec.output_activation, rec.label_encoding) == ("hinge", "tanh", "pm1")
    assert "per label" in _text(rec)


def test_segmentation_is_dice_with_sigmoid_and_bce_plus_dice_alternative():
    rec = recommend("segmentation")
    assert (rec.loss, rec.output_activation, rec.label_encoding) == ("dice", "sigmoid", "binary")
    assert "overlap" in _text(rec) and "background" in _text(rec)
    assert rec.alternatives[0].loss == "0.5*BinaryCrossentropy()+0.5*Dice()"
    assert {"jaccard", "tversky"} <= {a.loss for a in rec.alternatives}
    combined = 0.5 * losslab.BinaryCrossentropy() + 0.5 * losslab.Dice()
    assert check(combined, rec.alternatives[0].activation, np.zeros((2, 4, 4))) == []


def test_imbalanced_segmentation_is_tversky_with_alpha_below_beta():
    rec = recommend("segmentation", imbalanced=True)
    assert (rec.loss, rec.output_activation, rec.label_encoding) == ("tversky", "sigmoid", "binary")
    assert rec.loss_kwargs["alpha"] < rec.loss_kwargs["beta"]
    assert "false negatives" in _text(rec) and "recall" in _text(rec)
    assert rec.alternatives[0].loss == "binary_focal_crossentropy"


def test_multiclass_segmentation_masks():
    one_hot = recommend("segmentation", labels="onehot")
    assert (one_hot.loss, one_hot.output_activation, one_hot.label_encoding) == ("dice", "softmax", "onehot")
    assert "class channel" in _text(one_hot)
    index = recommend("segmentation", labels="integer")
    assert (index.loss, index.label_encoding) == ("sparse_categorical_crossentropy", "integer")
    assert "one-hot encode" in _text(index)
    rare = recommend("segmentation", labels="integer", imbalanced=True)
    assert (rare.loss, rare.output_activation, rare.label_encoding) == ("tversky", "softmax", "onehot")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"task": "ranking"}, "task must be one of 'regression', 'binary', 'multiclass'"),
        ({"task": 3}, "task must be one of"),
        ({"task": "binary", "labels": "hot"}, "labels must be None or one of 'continuous', 'binary', 'pm1'"),
        ({"task": "multiclass", "labels": "binary"}, "valid labels for it: 'onehot', 'integer'.*task='multilabel'"),
        ({"task": "multilabel", "labels": "integer"}, "task='multiclass'"),
        ({"task": "regression", "labels": "onehot"}, "valid labels for it: 'continuous'"),
        ({"task": "regression", "imbalanced": True}, "imbalanced=True applies to the tasks 'binary'"),
        ({"task": "segmentation", "outliers": True}, "outliers=True applies to the tasks 'regression'"),
    ],
)
def test_bad_arguments_raise_listing_the_valid_values(kwargs, match):
    task = kwargs.pop("task")
    with pytest.raises(ValueError, match=match):
        recommend(task, **kwargs)


def test_flags_must_be_booleans():
    with pytest.raises(TypeError, match="outliers must be True or False; got 'yes'"):
        recommend("regression", outliers="yes")


def test_valid_encodings_are_listed():
    assert set(LABEL_ENCODINGS) == {"continuous", "binary", "pm1", "integer", "onehot", "probabilities"}
    assert recommend("Binary", labels="PM1").label_encoding == "pm1"


# ------------------------------------------------------------------------------------------ check


def _only(findings: list[Finding], code: str) -> Finding:
    assert _codes(findings) == [code], [str(f) for f in findings]
    return findings[0]


CCE_FORMS = [
    "categorical_crossentropy",
    "cce",
    "CCE",
    losslab.categorical_crossentropy,
    losslab.CategoricalCrossentropy(),
]


@pytest.mark.parametrize("loss", CCE_FORMS)
def test_categorical_with_integer_labels_points_to_sparse(loss):
    finding = _only(check(loss, "softmax", INDICES, y_pred=np.full((4, 3), 1 / 3)), "integer-labels")
    assert finding.severity == "error"
    assert "integer class indices" in finding.problem
    assert "sparse_categorical_crossentropy" in finding.fix


def test_focal_categorical_with_integer_labels_needs_one_hot():
    finding = _only(check("categorical_focal_crossentropy", "softmax", INDICES), "integer-labels")
    assert "no sparse categorical_focal_crossentropy" in finding.fix


@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "scce", losslab.SparseCategoricalCrossentropy()])
def test_sparse_with_one_hot_labels_points_to_categorical_or_argmax(loss):
    finding = _only(check(loss, "softmax", ONE_HOT), "onehot-labels-sparse")
    assert finding.severity == "error" and "one-hot" in finding.problem
    assert "categorical_crossentropy" in finding.fix and "argmax" in finding.fix


@pytest.mark.parametrize(("loss", "labels"), [("hinge", BINARY), ("squared_hinge", BINARY), ("hinge", PM1)])
def test_hinge_after_a_sigmoid(loss, labels):
    finding = _only(check(loss, "sigmoid", labels), "hinge-nonnegative-output")
    assert finding.severity == "error" and "cannot be negative" in finding.problem
    assert "tanh" in finding.fix and "{-1, 1}" in finding.fix
    assert ("maps {0, 1} labels" in finding.problem) == (labels is BINARY)
    assert check(loss, "tanh", labels) == []


def test_hinge_with_class_indices():
    finding = _only(check("hinge", "tanh", np.array([[0.0], [2.0], [1.0]])), "hinge-labels")
    assert "from 0 to 2" in finding.problem


@pytest.mark.parametrize("loss", ["binary_crossentropy", "binary_focal_crossentropy", losslab.BinaryCrossentropy()])
def test_cross_entropy_with_pm1_labels(loss):
    finding = _only(check(loss, "sigmoid", PM1), "pm1-labels-crossentropy")
    assert finding.severity == "error" and "(y + 1) / 2" in finding.fix and "hinge" in finding.fix


def test_bce_with_class_indices_points_to_sparse():
    finding = _only(check("bce", "sigmoid", np.array([[0.0], [4.0]])), "labels-out-of-range")
    assert "sparse_categorical_crossentropy with 5 output units" in finding.fix


@pytest.mark.parametrize(
    ("loss", "activation", "squash"),
    [
        ("binary_crossentropy", "linear", "sigmoid"),
        ("binary_crossentropy", "tanh", "sigmoid"),
        (losslab.BinaryFocalCrossentropy(), "linear", "sigmoid"),
        ("categorical_crossentropy", None, "softmax"),
    ],
)
def test_linear_output_with_from_logits_false(loss, activation, squash):
    labels = ONE_HOT if squash == "softmax" else BINARY
    finding = _only(check(loss, activation, labels), "probabilities-expected")
    assert finding.severity == "error" and "from_logits=False" in finding.problem
    assert "from_logits=True" in finding.fix and squash in finding.fix


def test_from_logits_is_read_from_the_instance_and_overridden_by_the_argument():
    assert check(losslab.BinaryCrossentropy(from_logits=True), "linear", BINARY) == []
    assert _codes(check(losslab.BinaryCrossentropy(from_logits=True), "linear", BINARY, from_logits=False)) == [
        "probabilities-expected"
    ]
    assert check("binary_crossentropy", "linear", BINARY, from_logits=True) == []
    config = {"class_name": "BinaryCrossentropy", "config": {"from_logits": True}}
    assert check(config, "linear", BINARY) == []


@pytest.mark.parametrize(
    ("loss", "activation", "labels"),
    [
        (losslab.BinaryCrossentropy(from_logits=True), "sigmoid", BINARY),
        (losslab.CategoricalCrossentropy(from_logits=True), "softmax", ONE_HOT),
        ("sparse_categorical_crossentropy", "softmax", INDICES),
    ],
)
def test_from_logits_after_a_sigmoid_or_softmax_is_double_squashing(loss, activation, labels):
    finding = _only(check(loss, activation, labels, from_logits=True), "double-squashing")
    assert finding.severity == "error" and "twice" in finding.problem
    assert "linear" in finding.fix and "from_logits=False" in finding.fix


@pytest.mark.parametrize("loss", ["binary_crossentropy", "categorical_crossentropy"])
def test_softmax_on_a_multilabel_target(loss):
    findings = check(loss, "softmax", MULTI_HOT)
    assert "softmax-multilabel" in _codes(findings)
    finding = next(f for f in findings if f.code == "softmax-multilabel")
    assert "several 1s" in finding.problem and "sigmoid per output" in finding.fix
    if loss == "binary_crossentropy":
        assert _codes(findings) == ["softmax-multilabel"]
        assert check(loss, "sigmoid", MULTI_HOT) == []
    else:
        assert "multilabel-categorical" in _codes(findings)


def test_softmax_with_a_single_output_unit():
    finding = _only(check("binary_crossentropy", "softmax", BINARY), "softmax-single-unit")
    assert "always outputs 1.0" in finding.problem and "sigmoid" in finding.fix
    assert _codes(check("binary_crossentropy", "softmax", BINARY[:, 0], y_pred=np.zeros((4, 1)))) == [
        "softmax-single-unit"
    ]


def test_categorical_over_a_single_unit():
    findings = check("categorical_crossentropy", "softmax", BINARY, y_pred=np.full((4, 1), 1.0))
    assert set(_codes(findings)) == {"softmax-single-unit", "single-unit-categorical"}
    single = next(f for f in findings if f.code == "single-unit-categorical")
    assert "binary_crossentropy" in single.fix


@pytest.mark.parametrize(
    ("labels", "n_classes", "y_pred", "fix"),
    [
        (np.array([0, 1, 3]), 3, None, "4 units"),
        (np.array([1, 2, 3]), None, np.zeros((3, 3)), "1-based: subtract 1"),
        (np.array([-1, 0, 2]), 3, None, "ignore_class"),
    ],
)
def test_sparse_labels_out_of_range(labels, n_classes, y_pred, fix):
    finding = _only(
        check("sparse_categorical_crossentropy", "softmax", labels, y_pred=y_pred, n_classes=n_classes),
        "labels-out-of-range",
    )
    assert "valid indices 0..2" in finding.problem and fix in finding.fix
    assert check("sparse_categorical_crossentropy", "softmax", np.array([0, 1, 2]), n_classes=3) == []


def test_sparse_labels_must_be_integers():
    finding = _only(check("scce", "softmax", np.array([0.5, 1.0])), "labels-not-indices")
    assert "categorical_crossentropy" in finding.fix


@pytest.mark.parametrize("loss", ["mean_squared_error", "mae", losslab.Huber()])
def test_regression_loss_on_class_labels_is_a_warning(loss):
    finding = _only(check(loss, "sigmoid", BINARY), "regression-loss-on-class-labels")
    assert finding.severity == "warning" and "binary_crossentropy" in finding.fix
    assert check(loss, "linear", np.array([[0.3], [2.5], [-1.0]])) == []


@pytest.mark.parametrize("loss", ["mean_squared_logarithmic_error", "msle", "poisson"])
def test_log_losses_with_negative_targets(loss):
    activation = "softplus"
    finding = _only(check(loss, activation, np.array([[-2.0], [3.0]])), "negative-targets")
    assert finding.severity == "error" and "down to -2" in finding.problem and "mean_squared_error" in finding.fix
    assert check(loss, activation, np.array([[0.0], [3.0]])) == []


def test_poisson_needs_a_positive_output_and_mape_nonzero_targets():
    assert _codes(check("poisson", "linear", np.array([[1.0], [3.0]]))) == ["poisson-output"]
    finding = _only(check("mape", "linear", np.array([[0.0], [3.0]])), "mape-zero-targets")
    assert finding.severity == "warning" and "mean_absolute_error" in finding.fix


def test_overlap_losses_need_probabilities():
    finding = _only(check("dice", "linear", np.zeros((2, 4, 4))), "probabilities-expected")
    assert "sigmoid" in finding.fix
    assert _codes(check("kld", "linear", ONE_HOT)) == ["probabilities-expected"]


def test_shape_mismatch_with_predictions():
    finding = _only(check("bce", "sigmoid", BINARY, y_pred=np.zeros((4, 3))), "shape-mismatch")
    assert "(4, 1)" in finding.problem and "(4, 3)" in finding.problem
    assert check("bce", "sigmoid", BINARY[:, 0], y_pred=np.zeros((4, 1))) == []


def test_nan_labels_are_an_error():
    assert "labels-not-finite" in _codes(check("mse", "linear", np.array([1.5, np.nan])))


def test_combined_losses_are_checked_term_by_term():
    loss = 0.5 * losslab.BinaryCrossentropy(from_logits=True) + 0.5 * losslab.Dice()
    assert _codes(check(loss, "sigmoid", np.zeros((2, 4, 4)))) == ["double-squashing"]


def test_from_logits_on_a_loss_without_it_is_a_warning():
    finding = _only(check("mse", "linear", np.array([[0.5], [2.0]]), from_logits=True), "from-logits-ignored")
    assert finding.severity == "warning"


@pytest.mark.parametrize(
    ("loss", "activation", "labels", "kwargs"),
    [
        ("categorical_crossentropy", "softmax", ONE_HOT, {"y_pred": np.full((4, 3), 1 / 3)}),
        (losslab.CategoricalCrossentropy(from_logits=True), "linear", ONE_HOT, {}),
        ("sparse_categorical_crossentropy", "linear", INDICES, {"from_logits": True, "n_classes": 3}),
        ("binary_crossentropy", "sigmoid", MULTI_HOT, {"y_pred": np.full((4, 3), 0.5)}),
        ("hinge", "tanh", PM1, {}),
        ("huber", "linear", np.array([[0.3], [20.0]]), {}),
        ("tversky", "sigmoid", np.zeros((2, 8, 8, 1)), {}),
        ("categorical_generalized_cross_entropy", "softmax", INDICES, {"n_classes": 3}),
        ("kl_divergence", "softmax", np.array([[0.2, 0.8], [0.5, 0.5]]), {}),
    ],
)
def test_correct_setups_have_no_findings(loss, activation, labels, kwargs):
    assert check(loss, activation, labels, **kwargs) == []


def test_bad_check_arguments():
    with pytest.raises(ValueError, match="activation must be one of 'linear', 'sigmoid', 'softmax'"):
        check("mse", "swish", BINARY)
    with pytest.raises(ValueError, match=r"Could not interpret loss identifier.*'binary_crossentropy'"):
        check("binary_crossentropyy", "sigmoid", BINARY)
    with pytest.raises(ValueError, match="at least one label"):
        check("mse", "linear", np.zeros((0,)))
    with pytest.raises(ValueError, match="n_classes must be a positive int; got 0"):
        check("scce", "softmax", INDICES, n_classes=0)
    assert check("mse", None, np.array([0.5, 2.0])) == check("mse", "identity", np.array([0.5, 2.0])) == []


def test_check_reads_torch_tensors():
    torch = pytest.importorskip("torch")
    assert _codes(check("cce", "softmax", torch.tensor([0, 2, 1]))) == ["integer-labels"]


def test_check_or_raise_raises_with_every_error_and_returns_warnings():
    with pytest.raises(ValueError, match=r"2 errors in this loss setup:\n- .*Fix: .*\n- ") as info:
        check_or_raise("binary_crossentropy", "softmax", MULTI_HOT, from_logits=True)
    assert "double-squashing" not in str(info.value)  # problems and fixes, not codes
    warnings = check_or_raise("mse", "sigmoid", BINARY)
    assert _codes(warnings) == ["regression-loss-on-class-labels"]


def test_findings_put_errors_first_and_read_as_text():
    findings = check("poisson", "linear", np.array([[-1.0], [2.0]]))
    assert [f.severity for f in findings] == ["error", "warning"]
    assert str(findings[0]).startswith("error: poisson ") and "Fix: Shift the targets" in str(findings[0])


# ------------------------------------------------------------------------------------------ CLI


def test_cli_recommend_prints_the_loss_reasons_and_alternatives():
    result = runner.invoke(app, ["recommend", "--task", "regression", "--outliers"])
    assert result.exit_code == 0, result.output
    assert "Loss: huber(delta=1.0)" in result.output
    assert "Output activation: linear" in result.output
    assert "Label encoding: continuous" in result.output
    assert "scale of the normal residuals" in result.output
    assert result.output.index("log_cosh") < result.output.index("mean_absolute_error")


def test_cli_recommend_imbalanced_with_labels():
    result = runner.invoke(app, ["recommend", "--task", "multiclass", "--imbalanced", "--labels", "integer"])
    assert result.exit_code == 0, result.output
    assert "categorical_focal_crossentropy(from_logits=True, gamma=2.0)" in result.output
    assert "Label encoding: onehot" in result.output and "softmax at inference" in result.output


def test_cli_recommend_rejects_bad_arguments():
    result = runner.invoke(app, ["recommend", "--task", "ranking"])
    assert result.exit_code == 2
    assert "task must be one of" in result.output


def test_cli_check_exits_1_on_an_error(tmp_path):
    np.save(tmp_path / "labels.npy", INDICES)
    np.save(tmp_path / "pred.npy", np.full((4, 3), 1 / 3))
    args = ["check", "--loss", "cce", "--activation", "softmax", "--labels", str(tmp_path / "labels.npy")]
    result = runner.invoke(app, [*args, "--predictions", str(tmp_path / "pred.npy")])
    assert result.exit_code == 1, result.output
    assert "ERROR" in result.output and "integer-labels" in result.output
    assert "fix: Use sparse_categorical_crossentropy" in result.output


def test_cli_check_exits_0_when_clean_or_only_warnings(tmp_path):
    np.save(tmp_path / "labels.npy", INDICES)
    clean = ["check", "--loss", "scce", "--activation", "linear", "--labels", str(tmp_path / "labels.npy")]
    result = runner.invoke(app, [*clean, "--from-logits", "--n-classes", "3"])
    assert result.exit_code == 0, result.output
    assert "No problems found." in result.output
    np.save(tmp_path / "binary.npy", BINARY)
    warn = ["check", "--loss", "mse", "--activation", "sigmoid", "--labels", str(tmp_path / "binary.npy")]
    result = runner.invoke(app, warn)
    assert result.exit_code == 0, result.output
    assert "WARNING" in result.output and "0 error(s), 1 warning(s)." in result.output


def test_cli_check_from_logits_flag_and_json_config(tmp_path):
    np.save(tmp_path / "binary.npy", BINARY)
    base = ["check", "--activation", "sigmoid", "--labels", str(tmp_path / "binary.npy")]
    result = runner.invoke(app, [*base, "--loss", "bce", "--from-logits"])
    assert result.exit_code == 1 and "double-squashing" in result.output
    config = '{"class_name": "BinaryCrossentropy", "config": {"from_logits": true}}'
    result = runner.invoke(app, [*base, "--loss", config])
    assert result.exit_code == 1 and "double-squashing" in result.output
    result = runner.invoke(app, [*base, "--loss", config, "--no-from-logits"])
    assert result.exit_code == 0, result.output


def test_cli_check_rejects_bad_input(tmp_path):
    (tmp_path / "bad.npy").write_text("not an array")
    np.save(tmp_path / "binary.npy", BINARY)
    base = ["check", "--loss", "bce", "--activation", "sigmoid", "--labels"]
    result = runner.invoke(app, [*base, str(tmp_path / "bad.npy")])
    assert result.exit_code == 2 and "cannot read" in result.output
    good = ["check", "--loss", "bce", "--labels", str(tmp_path / "binary.npy")]
    result = runner.invoke(app, [*good, "--activation", "swish"])
    assert result.exit_code == 2 and "activation must be one of" in result.output
    result = runner.invoke(app, [*base, str(tmp_path / "no.npy")])
    assert result.exit_code == 2


def test_cli_help_lists_the_commands_without_importing_torch():
    code = (
        "import sys; from typer.testing import CliRunner; from losslab.cli import app; "
        "out = CliRunner().invoke(app, ['--help']).output; "
        "print('recommend' in out, 'check' in out, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True", "False"]
