"""The gallery: loss curves checked by their data against hand formulas, plots, fact sheets and the CLI."""

from __future__ import annotations

import inspect
import struct
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

import losslab
from losslab.analysis.gallery import CATALOGUE, KINDS, format_info, loss_curves, loss_info, plot_losses
from losslab.cli import app

pytest.importorskip("torch")
pytest.importorskip("matplotlib")

EPS = 1e-7
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
R = np.array([-2.5, -1.2, -0.3, 0.2, 0.7, 1.9, 2.8])  # residuals and margins off every kink
P = np.array([0.01, 0.1, 0.3, 0.5, 0.75, 0.9, 0.99])
Z = np.array([-30.0, -4.0, -0.5, 0.0, 1.5, 6.0, 30.0])

runner = CliRunner()


def softplus(z):
    return np.logaddexp(0.0, z)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def only(curves):
    assert len(curves) == 1, [c.label for c in curves]
    return curves[0]


def branches(curves):
    return {c.y: c for c in curves}


# --- curves against hand formulas -------------------------------------------------------------------------------


def test_mse_value_and_derivative():
    curve = only(loss_curves("mse", grid=R))
    assert curve.label == "mean_squared_error" and curve.loss == "mean_squared_error"
    assert curve.x_kind == "residual" and curve.x_name == KINDS["residual"][0]
    np.testing.assert_array_equal(curve.x, R)
    np.testing.assert_allclose(curve.value, R**2, rtol=1e-12)
    np.testing.assert_allclose(curve.derivative, 2 * R, rtol=1e-12)
    assert curve.value.dtype == curve.derivative.dtype == np.float64


def test_mae_and_log_cosh_derivatives():
    np.testing.assert_allclose(only(loss_curves("mae", grid=R)).derivative, np.sign(R))
    log_cosh = only(loss_curves("logcosh", grid=R))
    np.testing.assert_allclose(log_cosh.value, np.log(np.cosh(R)), rtol=1e-12)
    np.testing.assert_allclose(log_cosh.derivative, np.tanh(R), rtol=1e-12)


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
def test_huber_derivative_is_the_clipped_residual(delta):
    curve = only(loss_curves("huber", params={"delta": delta}, grid=R))
    np.testing.assert_allclose(curve.derivative, np.clip(R, -delta, delta), rtol=1e-12)
    hand = np.where(np.abs(R) <= delta, 0.5 * R**2, delta * np.abs(R) - 0.5 * delta**2)
    np.testing.assert_allclose(curve.value, hand, rtol=1e-12)


def test_an_instances_hyperparameters_are_used_and_params_override_them():
    curve = only(loss_curves(losslab.Huber(delta=0.5), grid=R))
    assert curve.label == "huber (delta=0.5)" and curve.params == {"delta": 0.5}
    np.testing.assert_allclose(curve.derivative, np.clip(R, -0.5, 0.5))
    override = only(loss_curves(losslab.Huber(delta=0.5), params={"delta": 2.0}, grid=R))
    np.testing.assert_allclose(override.derivative, np.clip(R, -2.0, 2.0))


def test_percentage_and_log_errors_are_drawn_at_a_target_of_one():
    mape = only(loss_curves("mape", grid=R))
    assert mape.label == "mean_absolute_percentage_error, y_true=1" and mape.y == 1.0
    np.testing.assert_allclose(mape.value, 100 * np.abs(R), rtol=1e-12)
    np.testing.assert_allclose(mape.derivative, 100 * np.sign(R), rtol=1e-12)
    r = R[R > -1]  # y_pred = 1 + r > 0, before the clip at epsilon
    msle = only(loss_curves("msle", grid=r))
    np.testing.assert_allclose(msle.value, (np.log1p(1 + r) - np.log(2)) ** 2, rtol=1e-9)
    np.testing.assert_allclose(msle.derivative, 2 * (np.log1p(1 + r) - np.log(2)) / (2 + r), rtol=1e-9)


def test_bce_both_branches():
    curves = loss_curves("bce", grid=P)
    assert [c.label for c in curves] == ["binary_crossentropy, y=1", "binary_crossentropy, y=0"]
    one, zero = branches(curves)[1.0], branches(curves)[0.0]
    assert one.x_kind == "probability"
    np.testing.assert_allclose(one.value, -np.log(P), rtol=1e-12)
    np.testing.assert_allclose(one.derivative, -1 / P, rtol=1e-12)
    np.testing.assert_allclose(zero.value, -np.log(1 - P), rtol=1e-12)
    np.testing.assert_allclose(zero.derivative, 1 / (1 - P), rtol=1e-12)


def test_focal_with_gamma_zero_is_bce_and_not_otherwise():
    bce = loss_curves("binary_crossentropy", grid=P)
    flat = loss_curves("binary_focal_crossentropy", params={"gamma": 0.0}, grid=P)
    for a, b in zip(bce, flat, strict=True):
        assert a.y == b.y
        np.testing.assert_allclose(b.value, a.value, rtol=1e-12)
        np.testing.assert_allclose(b.derivative, a.derivative, rtol=1e-12)
    focal = branches(loss_curves("binary_focal_crossentropy", grid=P))[1.0]  # gamma=2 by default
    assert focal.label == "binary_focal_crossentropy, y=1"
    np.testing.assert_allclose(focal.value, -((1 - P) ** 2) * np.log(P), rtol=1e-12)
    hand = 2 * (1 - P) * np.log(P) - (1 - P) ** 2 / P
    np.testing.assert_allclose(focal.derivative, hand, rtol=1e-12)


def test_from_logits_curves_are_softplus():
    curves = loss_curves("bce", params={"from_logits": True}, grid=Z)
    one, zero = branches(curves)[1.0], branches(curves)[0.0]
    assert one.x_kind == "logit" and one.label == "binary_crossentropy (from_logits=True), y=1"
    np.testing.assert_allclose(one.value, softplus(-Z), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(one.derivative, sigmoid(Z) - 1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(zero.value, softplus(Z), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(zero.derivative, sigmoid(Z), rtol=1e-12, atol=1e-15)
    for name in ("cce", "scce"):  # the true class's logit against a logit of 0
        curve = only(loss_curves(name, params={"from_logits": True}, grid=Z))
        assert curve.x_kind == "logit"
        np.testing.assert_allclose(curve.value, softplus(-Z), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(curve.derivative, sigmoid(Z) - 1, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence"])
def test_categorical_losses_against_the_true_class_probability(name):
    curve = only(loss_curves(name, grid=P))
    assert curve.x_kind == "true_class_probability"
    # kl_divergence clips the one-hot target's zero to epsilon: a term of order 1e-6
    np.testing.assert_allclose(curve.value, -np.log(P), rtol=1e-12, atol=1e-5 if name == "kl_divergence" else 0)
    np.testing.assert_allclose(curve.derivative, -1 / P, rtol=1e-5 if name == "kl_divergence" else 1e-12)


def test_categorical_focal_and_generalized_cross_entropy():
    focal = only(loss_curves("categorical_focal_crossentropy", params={"gamma": 2.0, "alpha": 0.5}, grid=P))
    np.testing.assert_allclose(focal.value, -0.5 * (1 - P) ** 2 * np.log(P), rtol=1e-12)
    gce = only(loss_curves("categorical_generalized_cross_entropy", params={"q": 0.3}, grid=P))
    np.testing.assert_allclose(gce.value, (1 - P**0.3) / 0.3, rtol=1e-12)
    np.testing.assert_allclose(gce.derivative, -(P ** (0.3 - 1)), rtol=1e-12)


def test_hinge_losses_against_the_margin():
    hinge = only(loss_curves("hinge", grid=R))
    assert hinge.x_kind == "margin" and hinge.label == "hinge"
    np.testing.assert_allclose(hinge.value, np.maximum(0.0, 1 - R), rtol=1e-12)
    np.testing.assert_allclose(hinge.derivative, np.where(R < 1, -1.0, 0.0))
    squared = only(loss_curves("squared_hinge", grid=R))
    np.testing.assert_allclose(squared.value, np.maximum(0.0, 1 - R) ** 2, rtol=1e-12)
    np.testing.assert_allclose(squared.derivative, -2 * np.maximum(0.0, 1 - R), rtol=1e-12)
    categorical = only(loss_curves("categorical_hinge", grid=R))
    np.testing.assert_allclose(categorical.value, hinge.value)
    np.testing.assert_allclose(categorical.derivative, hinge.derivative)


def test_poisson_against_the_rate():
    rate = np.array([0.05, 0.5, 1.0, 2.0, 4.5])
    curves = branches(loss_curves("poisson", grid=rate))
    np.testing.assert_allclose(curves[1.0].value, rate - np.log(rate + EPS), rtol=1e-12)
    np.testing.assert_allclose(curves[1.0].derivative, 1 - 1 / (rate + EPS), rtol=1e-12)
    np.testing.assert_allclose(curves[0.0].value, rate)
    np.testing.assert_allclose(curves[0.0].derivative, np.ones_like(rate))


def test_dice_on_one_pixel():
    curves = branches(loss_curves("dice", grid=P))
    np.testing.assert_allclose(curves[1.0].value, 1 - 2 * P / (1 + P + EPS), rtol=1e-12)
    np.testing.assert_allclose(curves[1.0].derivative, -2 * (1 + EPS) / (1 + P + EPS) ** 2, rtol=1e-12)
    np.testing.assert_allclose(curves[0.0].value, np.ones_like(P))  # an empty target always costs 1


def test_default_grid_of_each_kind():
    for name in ("mse", "bce", "cce", "hinge", "poisson"):
        for curve in loss_curves(name):
            start, stop, num = KINDS[curve.x_kind][1]
            np.testing.assert_allclose(curve.x, np.linspace(start, stop, num))
            assert np.all(np.isfinite(curve.value)) and np.all(np.isfinite(curve.derivative))
    assert loss_curves("bce", params={"from_logits": True})[0].x.min() == KINDS["logit"][1][0]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("cosine_similarity", "direction of a vector"),
        ("circle", "pair of embeddings"),
        ("ctc", "alignments of a label sequence"),
    ],
)
def test_losses_without_a_1d_view_say_why(name, reason):
    with pytest.raises(ValueError, match=f"{name} has no 1-D view: .*{reason}"):
        loss_curves(name)


def test_bad_requests_raise_clear_errors():
    with pytest.raises(ValueError, match="huber has no parameter 'gamma'; its parameters are: delta"):
        loss_curves("huber", params={"gamma": 2.0})
    with pytest.raises(ValueError, match="axis is set by the 1-D view"):
        loss_curves("dice", params={"axis": 0})
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]; got \[-0.5, 0.5\]"):
        loss_curves("bce", grid=[-0.5, 0.5])
    with pytest.raises(ValueError, match="non-empty 1-D"):
        loss_curves("mse", grid=[[0.0, 1.0]])
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        loss_curves("not_a_loss")
    with pytest.raises(ValueError, match="one loss of the catalogue"):
        loss_curves(0.5 * losslab.Huber() + 0.5 * losslab.MeanAbsoluteError())


def test_the_catalogue_covers_every_keras_loss_function(keras):
    from keras.src.losses import ALL_OBJECTS_DICT

    keras_functions = {
        losslab.serialize(losslab.get(n)) for n, obj in ALL_OBJECTS_DICT.items() if inspect.isfunction(obj)
    }
    assert keras_functions <= set(CATALOGUE)
    assert all(inspect.isfunction(losslab.get(name)) for name in CATALOGUE)


# --- losses beyond Keras's catalogue ---------------------------------------------------------------------------

D = np.array([0.1, 0.4, 0.9, 1.3, 2.5])  # distances off the margin of 1
MU = np.array([0.1, 0.5, 1.0, 2.0, 4.5])  # predicted means and rates
LOG_RATE = np.array([-3.0, -1.0, 0.0, 0.5, 1.8])


def test_every_registered_loss_has_curves_or_says_why():
    """A loss added to the registry without a gallery entry fails here: every name gives curves or the reason."""
    from losslab.losses._registry import LOSSES

    public = {id(getattr(losslab.losses, name)) for name in losslab.losses.__all__}
    names = [name for name in losslab.losses.names() if id(LOSSES.lookup(name)) in public]  # not tests' own
    assert {"pinball", "barron", "contrastive", "lovasz_softmax", "Lorentzian", "GaussianNLL"} <= set(names)
    drawn = {}
    for name in names:
        obj = LOSSES.lookup(name)
        if obj in (losslab.CombinedLoss, losslab.LossFunctionWrapper):
            with pytest.raises(ValueError, match="needs one loss of the catalogue"):
                loss_curves(name)
            continue
        canonical = loss_info(name)["name"]
        assert canonical in CATALOGUE, name
        if CATALOGUE[canonical].kind is None:
            with pytest.raises(ValueError, match=f"{canonical} has no 1-D view: "):
                loss_curves(name)
            continue
        if canonical in drawn:  # an alias or the class: the same curves, drawn once
            continue
        drawn[canonical] = loss_curves(name)
        for curve in drawn[canonical]:
            assert curve.loss == canonical and curve.x_kind in KINDS, name
            assert np.all(np.isfinite(curve.value)) and np.all(np.isfinite(curve.derivative)), curve.label
    assert len(drawn) == sum(meta.kind is not None for meta in CATALOGUE.values())


def pinball_hand(r, tau):
    """``max(tau u, (tau - 1) u)`` with ``u = y_true - y_pred = -r`` (an under-prediction costs tau)."""
    u = -r
    return np.maximum(tau * u, (tau - 1) * u), np.where(u > 0, -tau, 1 - tau)


def barron_hand(r, alpha, c):
    """Barron's rho(r / c) for alpha not in {0, 2} and its derivative (x / c) (x^2 / b + 1)^(alpha / 2 - 1)."""
    x, b = r / c, abs(alpha - 2)
    return b / alpha * ((x**2 / b + 1) ** (alpha / 2) - 1), x / c * (x**2 / b + 1) ** (alpha / 2 - 1)


def sigmoid_pair(z):
    return sigmoid(z), sigmoid(z) * (1 - sigmoid(z))


def focal_tversky_hand(p, gamma=0.75):
    denominator = p + 0.5 * (1 - p) + EPS
    index, d_index = p / denominator, (0.5 + EPS) / denominator**2
    return (1 - index) ** gamma, -gamma * (1 - index) ** (gamma - 1) * d_index


HAND = [  # (name, params, grid, {branch: (value, derivative)}), each from the loss's docstring formula
    ("pinball", {"quantile": 0.9}, R, {0.0: pinball_hand(R, 0.9)}),
    ("pinball", {"quantile": 0.1}, R, {0.0: pinball_hand(R, 0.1)}),
    ("expectile", {"expectile": 0.9}, R, {0.0: (np.where(R < 0, 0.9, 0.1) * R**2, 2 * np.where(R < 0, 0.9, 0.1) * R)}),
    ("cauchy", {"scale": 0.5}, R, {0.0: (np.log1p(0.5 * (R / 0.5) ** 2), R / 0.25 / (1 + 0.5 * (R / 0.5) ** 2))}),
    ("welsch", {"scale": 2.0}, R, {0.0: (1 - np.exp(-0.5 * (R / 2) ** 2), R / 4 * np.exp(-0.5 * (R / 2) ** 2))}),
    ("geman_mcclure", {}, R, {0.0: (2 * R**2 / (R**2 + 4), 16 * R / (R**2 + 4) ** 2)}),
    ("charbonnier", {"epsilon": 0.5}, R, {0.0: (np.sqrt(R**2 + 0.25) - 0.5, R / np.sqrt(R**2 + 0.25))}),
    ("smooth_l1", {}, R, {0.0: (np.where(np.abs(R) < 1, 0.5 * R**2, np.abs(R) - 0.5), np.clip(R, -1, 1))}),
    ("gaussian_nll", {"var": 2.0}, R, {0.0: (0.5 * (np.log(2.0) + R**2 / 2), R / 2)}),
    (
        "poisson_nll",
        {},
        LOG_RATE,
        {1.0: (np.exp(LOG_RATE) - LOG_RATE, np.exp(LOG_RATE) - 1), 0.0: (np.exp(LOG_RATE), np.exp(LOG_RATE))},
    ),
    (
        "poisson_nll",
        {"log_input": False},
        MU,
        {1.0: (MU - np.log(MU + 1e-8), 1 - 1 / (MU + 1e-8)), 0.0: (MU, np.ones_like(MU))},
    ),
    ("poisson_deviance", {}, MU, {1.0: (2 * (MU - 1 - np.log(MU)), 2 * (1 - 1 / MU)), 0.0: (2 * MU, 2 + 0 * MU)}),
    ("gamma_deviance", {}, MU, {1.0: (2 * (np.log(MU) + 1 / MU - 1), 2 * (1 / MU - 1 / MU**2))}),
    ("tweedie_deviance", {}, MU, {1.0: (2 * (-4 + 2 / np.sqrt(MU) + 2 * np.sqrt(MU)), 2 * (MU**-0.5 - MU**-1.5))}),
    ("contrastive", {}, D, {1.0: (D**2, 2 * D), 0.0: (np.maximum(1 - D, 0) ** 2, -2 * np.maximum(1 - D, 0))}),
    ("triplet_margin", {}, D, {None: (np.maximum(1 - D, 0), np.where(D < 1, -1.0, 0.0))}),
    ("margin_ranking", {"margin": 0.5}, R, {1.0: (np.maximum(0.5 - R, 0), np.where(R < 0.5, -1.0, 0.0))}),
    ("multilabel_soft_margin", {}, Z, {1.0: (softplus(-Z), sigmoid(Z) - 1), 0.0: (softplus(Z), sigmoid(Z))}),
    (
        "lovasz_hinge",
        {},
        Z,
        {
            1.0: (np.maximum(1 - Z, 0), np.where(Z < 1, -1.0, 0.0)),
            0.0: (np.maximum(1 + Z, 0), np.where(Z > -1, 1.0, 0.0)),
        },
    ),
    (
        "poly1_crossentropy",
        {"epsilon": 2.0},
        Z,
        {1.0: (softplus(-Z) + 2 * (1 - sigmoid(Z)), sigmoid(Z) - 1 - 2 * sigmoid_pair(Z)[1])},
    ),
    (
        "sparse_poly1_crossentropy",
        {"epsilon": 2.0},
        Z,
        {1.0: (softplus(-Z) + 2 * (1 - sigmoid(Z)), sigmoid(Z) - 1 - 2 * sigmoid_pair(Z)[1])},
    ),
    ("symmetric_crossentropy", {}, P, {1.0: (-0.1 * np.log(P) + 4 * (1 - P), -0.1 / P - 4)}),
    ("class_weighted_crossentropy", {}, P, {1.0: (-2 * np.log(P), -2 / P)}),  # the view's class_weight=(1, 2)
    ("generalized_dice", {}, P, {1.0: (1 - 2 * P / (2 + EPS), -2 / (2 + EPS) + 0 * P)}),
    ("lovasz_softmax", {}, P, {1.0: (1 - P, -np.ones_like(P))}),
    ("focal_tversky", {}, P, {1.0: focal_tversky_hand(P), 0.0: (np.ones_like(P), np.zeros_like(P))}),
]


@pytest.mark.parametrize(("name", "params", "grid", "hand"), HAND, ids=[f"{h[0]}{h[1] or ''}" for h in HAND])
def test_losses_beyond_keras_against_hand_formulas(name, params, grid, hand):
    curves = loss_curves(name, params=params, grid=grid)
    assert [c.y for c in curves] == list(hand)
    for curve in curves:
        value, derivative = hand[curve.y]
        np.testing.assert_allclose(curve.value, value, rtol=1e-9, atol=1e-12, err_msg=curve.label)
        np.testing.assert_allclose(curve.derivative, derivative, rtol=1e-9, atol=1e-12, err_msg=curve.label)


@pytest.mark.parametrize("alpha", [1.0, -2.0, 0.5, 4.0])
def test_barron_against_its_general_formula(alpha):
    curve = only(loss_curves("barron", params={"alpha": alpha, "scale": 1.5}, grid=R))
    value, derivative = barron_hand(R, alpha, 1.5)
    np.testing.assert_allclose(curve.value, value, rtol=1e-9)
    np.testing.assert_allclose(curve.derivative, derivative, rtol=1e-9)


def test_barron_figure_one_limits_are_its_special_cases(tmp_path):
    alphas = [2.0, 1.0, 0.0, -2.0, -np.inf]
    path, curves = plot_losses([("barron", {"alpha": a}) for a in alphas], tmp_path / "barron.png")
    png_size(path)
    assert [c.label for c in curves] == [f"barron (alpha={a:g})" for a in alphas]
    half_square, _, log_like, geman, bounded = curves
    np.testing.assert_allclose(half_square.value, 0.5 * half_square.x**2, rtol=1e-12)
    np.testing.assert_allclose(half_square.derivative, half_square.x, rtol=1e-9, atol=1e-12)
    for curve, name in ((log_like, "cauchy"), (geman, "geman_mcclure"), (bounded, "welsch")):
        special = only(loss_curves(name))
        np.testing.assert_allclose(curve.value, special.value, rtol=1e-9, atol=1e-15, err_msg=name)
        np.testing.assert_allclose(curve.derivative, special.derivative, rtol=1e-9, atol=1e-15, err_msg=name)
    assert bounded.value.max() < 1 and geman.value.max() < 2  # the bounded, redescending ones


def test_multi_quantile_draws_one_curve_per_quantile():
    curves = loss_curves("multi_quantile", params={"quantiles": (0.1, 0.5, 0.9)}, grid=R)
    labels = [f"multi_quantile (quantiles=(0.1, 0.5, 0.9)), quantile={q}" for q in (0.1, 0.5, 0.9)]
    assert [c.label for c in curves] == labels
    for curve in curves:  # that column moves, the other two sit on the target: its pinball loss over 3
        value, derivative = pinball_hand(R, curve.y)
        np.testing.assert_allclose(curve.value, value / 3, rtol=1e-12)
        np.testing.assert_allclose(curve.derivative, derivative / 3, rtol=1e-12)
    assert next(c.label for c in loss_curves("multi_quantile", grid=R)) == "multi_quantile, quantile=0.1"


def test_switches_move_the_view_to_the_raw_output():
    assert loss_curves("poisson_nll")[0].x_name == KINDS["log_rate"][0]  # log_input=True by default
    assert loss_curves("poisson_nll", params={"log_input": 0})[0].x_kind == "rate"
    assert only(loss_curves("poly1_crossentropy")).x_kind == "logit"  # from_logits=True by default
    assert only(loss_curves("poly1_crossentropy", params={"from_logits": False})).x_kind == "true_class_probability"
    params = {"sparse": True, "class_weight": (1.0, 3.0)}
    sparse = only(loss_curves("class_weighted_crossentropy", params=params, grid=P))
    np.testing.assert_allclose(sparse.value, -3 * np.log(P), rtol=1e-12)
    assert loss_info("poisson_nll")["example"]["y_pred"] == [[0.0, pytest.approx(np.log(2.0))]]
    info = loss_info("class_weighted_crossentropy", params={"sparse": True})
    assert info["example"]["y_true"] == [1] and info["example"]["value"] == [pytest.approx(-2 * np.log(0.7))]


def test_classes_and_instances_beyond_keras():
    assert only(loss_curves("ClassWeightedCrossentropy", grid=P)).label.startswith("class_weighted_crossentropy")
    packed = only(loss_curves(losslab.GaussianNLL(full=True), grid=R))  # the class packs mean and variance
    assert packed.label == "gaussian_nll (var=1, full=True)"
    np.testing.assert_allclose(packed.value, 0.5 * R**2 + 0.5 * np.log(2 * np.pi), rtol=1e-12)
    swap = only(loss_curves(losslab.TripletMargin(swap=True, margin=2.0), grid=D))
    np.testing.assert_allclose(swap.value, np.maximum(2.0 - D, 0), rtol=1e-9)
    assert only(loss_curves("lorentzian", grid=R)).loss == "cauchy"


def test_bad_requests_beyond_keras():
    with pytest.raises(ValueError, match=r"predicted mean mu must lie in \(0, inf\]; got \[0, 1\]"):
        loss_curves("gamma_deviance", grid=[0.0, 1.0])
    with pytest.raises(ValueError, match="distance D must lie in"):
        loss_curves("contrastive", grid=[-1.0, 1.0])
    with pytest.raises(ValueError, match="per_image is set by the 1-D view"):
        loss_curves("lovasz_hinge", params={"per_image": False})
    with pytest.raises(ValueError, match="quantiles must be a non-empty sequence"):
        loss_curves("multi_quantile", params={"quantiles": 0.5})
    with pytest.raises(ValueError, match="CombinedLoss, which wraps or combines other losses"):
        loss_curves("CombinedLoss")


def test_info_for_pinball_shows_the_formula_and_a_worked_example():
    info = loss_info("pinball", params={"quantile": 0.9})
    assert info["class_name"] == "Pinball" and {"quantile_loss", "QuantileLoss"} <= set(info["aliases"])
    assert r"\max\left(\tau u_i, (\tau - 1) u_i\right)" in info["formula"] and "u = y_\\text{true}" in info["formula"]
    assert info["x_kind"] == "residual" and info["arguments"]["quantile"] == 0.5
    u = np.subtract(info["example"]["y_true"], info["example"]["y_pred"])
    hand = np.mean(np.maximum(0.9 * u, (0.9 - 1) * u))  # one over-prediction (0.1 per unit), one under (0.9)
    assert info["example"]["value"] == [pytest.approx(hand)] and hand == pytest.approx(0.475)


# --- plots -----------------------------------------------------------------------------------------------------


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    return struct.unpack(">II", data[16:24])


def test_plot_writes_a_png_with_one_legend_entry_per_curve(tmp_path):
    import matplotlib.image

    path, curves = plot_losses(["mse", ("huber", {"delta": 0.5}), "log_cosh"], tmp_path / "sub" / "r.png")
    assert path == tmp_path / "sub" / "r.png"
    width, height = png_size(path)
    image = matplotlib.image.imread(path)
    assert image.shape[:2] == (height, width) and image.std() > 0
    assert [c.label for c in curves] == ["mean_squared_error", "huber (delta=0.5)", "log_cosh"]
    np.testing.assert_allclose(curves[1].derivative, np.clip(curves[1].x, -0.5, 0.5))


def test_mixed_kinds_get_one_column_each(tmp_path):
    one_path, _ = plot_losses(["mse", "mae"], tmp_path / "one.png")
    two_path, curves = plot_losses(["mse", "bce", "mae"], tmp_path / "two.png")
    assert [c.x_kind for c in curves] == ["residual", "probability", "probability", "residual"]
    (one_width, one_height), (two_width, two_height) = png_size(one_path), png_size(two_path)
    assert one_height == two_height and two_width == 2 * one_width


def test_shared_params_go_to_the_losses_that_accept_them(tmp_path):
    _, curves = plot_losses(["huber", "mse", ("huber", {"delta": 0.25})], tmp_path / "p.png", params={"delta": 2.0})
    assert [c.label for c in curves] == ["huber (delta=2)", "mean_squared_error", "huber (delta=0.25)"]
    np.testing.assert_allclose(curves[0].derivative, np.clip(curves[0].x, -2.0, 2.0))
    np.testing.assert_allclose(curves[2].derivative, np.clip(curves[2].x, -0.25, 0.25))
    with pytest.raises(ValueError, match="no listed loss has the parameter"):
        plot_losses(["mse", "mae"], tmp_path / "q.png", params={"delta": 2.0})
    with pytest.raises(ValueError, match="at least one loss"):
        plot_losses([], tmp_path / "r.png")


# --- fact sheets -----------------------------------------------------------------------------------------------


def test_info_for_huber():
    info = loss_info("huber")
    assert info["name"] == "huber" and info["class_name"] == "Huber"
    assert info["arguments"]["delta"] == 1.0 and info["arguments"]["reduction"] == "sum_over_batch_size"
    assert info["aliases"] == ["Huber"]
    assert r"\delta |e_i| - \tfrac12 \delta^2" in info["formula"] and r"\begin{cases}" in info["formula"]
    assert info["range"] == "[0, inf)" and info["x_kind"] == "residual"
    example = info["example"]
    errors = np.subtract(example["y_pred"], example["y_true"])
    hand = np.mean(np.where(np.abs(errors) <= 1.0, 0.5 * errors**2, np.abs(errors) - 0.5))
    assert example["value"] == [pytest.approx(hand)] and hand == pytest.approx(0.8125)
    text = format_info(info)
    assert "delta=1.0" in text and "Huber" in text and "0.8125" in text and r"\begin{cases}" in text


def test_info_example_uses_params_and_from_logits():
    info = loss_info(losslab.Huber(delta=2.0))
    assert info["example"]["value"] == [pytest.approx((0.5 * 0.5**2 + 0.5 * 2.0**2) / 2)]
    assert "delta=2" in info["example"]["text"]
    plain, logits = loss_info("cce"), loss_info("cce", params={"from_logits": True})
    assert logits["x_kind"] == "logit" and plain["x_kind"] == "true_class_probability"
    assert logits["example"]["y_pred"] != plain["example"]["y_pred"]
    assert logits["example"]["value"] == pytest.approx(plain["example"]["value"], abs=1e-6)
    assert plain["example"]["value"] == [pytest.approx(-np.log(0.7))]


def test_info_aliases_formula_and_ranges():
    assert loss_info("mse")["aliases"] == ["MSE", "MeanSquaredError", "mse"]
    assert set(loss_info("kld")["aliases"]) == {"KLD", "KLDivergence", "kld", "kullback_leibler_divergence"}
    cosine = loss_info("cosine_similarity")
    assert cosine["range"] == "[-1, 1]" and cosine["x_kind"] is None and "direction" in cosine["no_view"]
    assert cosine["example"]["value"] == [pytest.approx(-1 / np.sqrt(2))]
    assert loss_info("ctc")["example"]["value"] == [pytest.approx(-np.log(0.75))]
    for name in CATALOGUE:
        info = loss_info(name)
        assert info["formula"] and info["activation"] and info["labels"] and info["range"], name
        assert name not in info["aliases"] and info["class_name"] in info["aliases"], name


# --- command line ----------------------------------------------------------------------------------------------


def test_cli_plot(tmp_path):
    out = tmp_path / "curves.png"
    result = runner.invoke(app, ["plot", "huber:delta=2", "mse", "bce", "--param", "delta=0.5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    png_size(out)
    assert "huber (delta=2)" in result.output and "mean_squared_error" in result.output
    assert "binary_crossentropy, y=0" in result.output and f"wrote {out}" in result.output
    result = runner.invoke(app, ["plot", "bce:from_logits=false", "bce", "-p", "from_logits=1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "binary_crossentropy (from_logits=False), y=1: x = predicted probability p" in result.output
    assert "binary_crossentropy (from_logits=True), y=1: x = logit z" in result.output


def test_cli_plot_errors(tmp_path):
    result = runner.invoke(app, ["plot", "mse", "--param", "delta=x", "--out", str(tmp_path / "a.png")])
    assert result.exit_code == 2 and "parameter values are numbers" in result.output
    result = runner.invoke(app, ["plot", "circle", "--out", str(tmp_path / "b.png")])
    assert result.exit_code == 2 and "no 1-D view" in result.output
    assert not (tmp_path / "b.png").exists()


def test_cli_info():
    result = runner.invoke(app, ["info", "huber"])
    assert result.exit_code == 0, result.output
    assert "delta=1.0" in result.output and "Huber" in result.output and "= [0.8125]" in result.output
    result = runner.invoke(app, ["info", "huber", "--param", "delta=2"])
    assert result.exit_code == 0 and "= [1.0625]" in result.output


def test_plot_help_imports_neither_torch_nor_matplotlib():
    code = (
        "import sys; from typer.testing import CliRunner; from losslab.cli import app; "
        "r = CliRunner().invoke(app, ['plot', '--help']); "
        "print(r.exit_code, 'torch' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "False", "False"]


def test_cli_plot_beyond_keras(tmp_path):
    out = tmp_path / "beyond.png"
    losses = ["pinball:quantile=0.9", "pinball:quantile=0.1", "barron:alpha=-inf", "contrastive"]
    result = runner.invoke(app, ["plot", *losses, "--out", str(out)])
    assert result.exit_code == 0, result.output
    png_size(out)
    assert "pinball (quantile=0.9): x = residual r = y_pred - y_true in [-3, 3]" in result.output
    assert "pinball (quantile=0.1): x = residual" in result.output
    assert "barron (alpha=-inf): x = residual" in result.output
    assert "contrastive, y=0: x = distance D in [0, 3]" in result.output


def test_cli_info_pinball():
    result = runner.invoke(app, ["info", "pinball", "--param", "quantile=0.9"])
    assert result.exit_code == 0, result.output
    assert "max(τ uᵢ, (τ - 1) uᵢ)" in result.output and "\\" not in result.output  # LaTeX read as text
    assert "pinball(y_true=[[1.0, 2.0]], y_pred=[[1.5, 1.0]], quantile=0.9) = [0.475]" in result.output
    assert "QuantileLoss" in result.output and "1-D view:   residual" in result.output
