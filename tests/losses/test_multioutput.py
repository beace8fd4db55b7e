"""``multioutput`` of the element-wise losses' classes against scikit-learn's regression metrics.

scikit-learn 1.9 is the oracle: ``mean_squared_error``, ``mean_absolute_error``,
``mean_absolute_percentage_error`` (a fraction, ours a percentage),
``mean_squared_log_error`` and ``mean_pinball_loss`` take ``multioutput``; the
deviances do not, so their per-output oracle is one scikit-learn call per
column. scikit-learn weights samples by ``np.average``, which is losslab's
``reduction="mean_with_sample_weight"``; the other reductions are checked
against NumPy formulas written here.
"""

from __future__ import annotations

import numpy as np
import pytest

import losslab
from losslab.losses._card import cards
from losslab.testing import Backend, assert_close

metrics = pytest.importorskip("sklearn.metrics")

RTOL = {"float32": 2e-5, "float64": 1e-10}
MULTIOUTPUTS = ["raw_values", "uniform_average", [0.2, 1.0, 3.0]]


def data(dtype: str, n: int = 7, k: int = 3, positive: bool = False, seed: int = 0):
    rng = np.random.default_rng(seed)
    if positive:
        y_true, y_pred = rng.uniform(0.3, 3.0, size=(n, k)), rng.uniform(0.3, 3.0, size=(n, k))
    else:
        y_true, y_pred = rng.normal(size=(n, k)), rng.normal(size=(n, k))
    weight = rng.uniform(0.1, 2.0, size=n)
    return y_true.astype(dtype), y_pred.astype(dtype), weight.astype(dtype)


def f64(*arrays):
    return tuple(a.astype("float64") for a in arrays)


# (losslab class, kwargs, scikit-learn metric, its kwargs, factor from sklearn's scale to losslab's, positive data)
SKLEARN = [
    ("MeanSquaredError", {}, "mean_squared_error", {}, 1.0, False),
    ("MeanAbsoluteError", {}, "mean_absolute_error", {}, 1.0, False),
    ("MeanAbsolutePercentageError", {}, "mean_absolute_percentage_error", {}, 100.0, True),
    ("MeanSquaredLogarithmicError", {}, "mean_squared_log_error", {}, 1.0, True),
    ("Pinball", {"quantile": 0.8}, "mean_pinball_loss", {"alpha": 0.8}, 1.0, False),
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("multioutput", MULTIOUTPUTS, ids=["raw", "uniform", "weights"])
@pytest.mark.parametrize(("cls", "kwargs", "metric", "metric_kwargs", "factor", "positive"), SKLEARN, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matches_sklearn(xp, cls, kwargs, metric, metric_kwargs, factor, positive, multioutput, weighted, dtype):
    y_true, y_pred, weight = data(dtype, positive=positive)
    sample_weight = weight if weighted else None
    expected = factor * np.asarray(
        getattr(metrics, metric)(
            *f64(y_true, y_pred),
            sample_weight=None if sample_weight is None else sample_weight.astype("float64"),
            multioutput=multioutput,
            **metric_kwargs,
        )
    )
    loss = getattr(losslab, cls)(**kwargs, multioutput=multioutput, reduction="mean_with_sample_weight")
    actual = loss(
        xp.asarray(y_true), xp.asarray(y_pred), sample_weight=None if sample_weight is None else xp.asarray(weight)
    )
    assert tuple(actual.shape) == expected.shape
    assert actual.dtype == getattr(xp, dtype)
    assert_close(actual, xp.asarray(expected.astype(dtype)), rtol=RTOL[dtype], xp=xp)


DEVIANCES = [
    ("PoissonDeviance", {}, "mean_poisson_deviance", {}),
    ("GammaDeviance", {}, "mean_gamma_deviance", {}),
    ("TweedieDeviance", {"power": 1.5}, "mean_tweedie_deviance", {"power": 1.5}),
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize(("cls", "kwargs", "metric", "metric_kwargs"), DEVIANCES, ids=str)
def test_deviances_per_output_match_sklearn_per_column(xp, cls, kwargs, metric, metric_kwargs, weighted):
    """scikit-learn's deviances take no ``multioutput``: one call per column is the per-output oracle."""
    y_true, y_pred, weight = data("float64", positive=True)
    sample_weight = weight if weighted else None
    per_column = np.array(
        [
            getattr(metrics, metric)(y_true[:, j], y_pred[:, j], sample_weight=sample_weight, **metric_kwargs)
            for j in range(y_true.shape[1])
        ]
    )
    out_weights = [0.5, 0.0, 2.0]
    raw = getattr(losslab, cls)(**kwargs, multioutput="raw_values", reduction="mean_with_sample_weight")
    weighted_loss = getattr(losslab, cls)(**kwargs, multioutput=out_weights, reduction="mean_with_sample_weight")
    arrays = (xp.asarray(y_true), xp.asarray(y_pred))
    sw = None if sample_weight is None else xp.asarray(weight)
    assert_close(raw(*arrays, sample_weight=sw), xp.asarray(per_column), rtol=1e-10, xp=xp)
    expected = np.average(per_column, weights=out_weights)
    assert_close(weighted_loss(*arrays, sample_weight=sw), xp.asarray(expected), rtol=1e-10, xp=xp)


def test_one_output_is_sklearn_1d():
    """scikit-learn's ``(n,)`` is n samples of one output: losslab's ``(n, 1)``."""
    y_true, y_pred, weight = data("float64", k=1)
    expected = metrics.mean_squared_error(y_true[:, 0], y_pred[:, 0], sample_weight=weight, multioutput="raw_values")
    loss = losslab.MeanSquaredError(multioutput="raw_values", reduction="mean_with_sample_weight")
    actual = loss(y_true, y_pred, sample_weight=weight)
    assert actual.shape == (1,)
    np.testing.assert_allclose(actual, expected, rtol=1e-12)
    # (n,) against (n, 1) is aligned as everywhere in losslab
    np.testing.assert_allclose(loss(y_true[:, 0], y_pred, sample_weight=weight), expected, rtol=1e-12)


def test_one_dimensional_inputs_raise():
    """losslab reads ``(n,)`` as one sample of n outputs; per output that would weight outputs, not samples."""
    y = np.arange(4.0)
    loss = losslab.MeanSquaredError(multioutput="raw_values")
    with pytest.raises(
        ValueError, match=r"needs inputs with a batch axis and an outputs axis.*got shape \(4,\).*\(n, 1\)"
    ):
        loss(y, y + 1.0)


# ---------------------------------------------------------------- reductions other than sklearn's


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "mean", "sum", "mean_with_sample_weight", "none"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
def test_uniform_average_of_raw_values_is_the_loss_as_it_is(xp, reduction, weighted):
    """The default's numbers are the mean over outputs of the raw values, for every reduction."""
    y_true, y_pred, weight = data("float64", n=5, k=4)
    sw = xp.asarray(weight) if weighted else None
    arrays = (xp.asarray(y_true), xp.asarray(y_pred))
    raw = losslab.Huber(delta=0.5, reduction=reduction, multioutput="raw_values")(*arrays, sample_weight=sw)
    default = losslab.Huber(delta=0.5, reduction=reduction)(*arrays, sample_weight=sw)
    assert_close(xp.mean(raw, axis=-1), default, rtol=1e-12, xp=xp)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
def test_raw_values_per_reduction_by_hand(xp, reduction):
    """Per-output sums, means over the batch, and every weighted term, from NumPy."""
    y_true, y_pred, weight = data("float64", n=6, k=3)
    terms = weight[:, None] * np.abs(y_pred - y_true)
    expected = {"sum_over_batch_size": terms.mean(axis=0), "sum": terms.sum(axis=0), "none": terms}[reduction]
    loss = losslab.MeanAbsoluteError(reduction=reduction, multioutput="raw_values")
    actual = loss(xp.asarray(y_true), xp.asarray(y_pred), sample_weight=xp.asarray(weight))
    assert_close(actual, xp.asarray(expected), rtol=1e-12, xp=xp)


def test_higher_rank_reduces_every_axis_but_the_last(xp):
    """Shape (batch, time, outputs): each output is reduced over batch and time; weights per (batch, time)."""
    rng = np.random.default_rng(3)
    y_true, y_pred, weight = rng.normal(size=(4, 5, 2)), rng.normal(size=(4, 5, 2)), rng.uniform(size=(4, 5))
    terms = (y_pred - y_true) ** 2
    expected = (weight[..., None] * terms).sum(axis=(0, 1)) / weight.sum()
    loss = losslab.MeanSquaredError(reduction="mean_with_sample_weight", multioutput="raw_values")
    actual = loss(xp.asarray(y_true), xp.asarray(y_pred), sample_weight=xp.asarray(weight))
    assert_close(actual, xp.asarray(expected), rtol=1e-12, xp=xp)


def test_per_output_barron_parameters_keep_their_outputs(xp):
    """An array ``alpha`` of shape (outputs,) still pairs with its own output."""
    y_true, y_pred, _ = data("float64", n=5, k=3)
    alpha = np.array([0.0, 1.0, 2.0])
    x2 = (y_pred - y_true) ** 2
    by_hand = np.stack([np.log1p(0.5 * x2[:, 0]), np.sqrt(x2[:, 1] + 1.0) - 1.0, 0.5 * x2[:, 2]], axis=-1)
    loss = losslab.Barron(alpha=xp.asarray(alpha), multioutput="raw_values")
    assert_close(loss(xp.asarray(y_true), xp.asarray(y_pred)), xp.asarray(by_hand.mean(axis=0)), rtol=1e-12, xp=xp)


@pytest.mark.parametrize("backend", [Backend.TORCH, Backend.JAX], ids=str)
def test_gradient_of_weighted_outputs(backend):
    """A weighted average of outputs is a scalar a framework differentiates: 2 e / n, times w_j / sum(w)."""
    y_true, y_pred, _ = data("float64", n=4, k=3)
    out_weights = np.array([1.0, 0.0, 3.0])
    expected = 2.0 * (y_pred - y_true) / y_true.shape[0] * out_weights / out_weights.sum()
    loss = losslab.MeanSquaredError(multioutput=list(out_weights))
    if backend is Backend.TORCH:
        torch = pytest.importorskip("torch")
        pred = torch.tensor(y_pred, requires_grad=True)
        loss(torch.tensor(y_true), pred).backward()
        grad = pred.grad.numpy()
    else:
        jax = pytest.importorskip("jax")
        jnp = backend.namespace()
        grad = np.asarray(jax.grad(lambda p: loss(jnp.asarray(y_true), p))(jnp.asarray(y_pred)))
    np.testing.assert_allclose(grad, expected, rtol=1e-12)


# ---------------------------------------------------------------- errors, configs, cards


def test_wrong_number_of_output_weights():
    y_true, y_pred, _ = data("float64", k=3)
    loss = losslab.MeanSquaredError(multioutput=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"multioutput has 2 weights but the inputs have 3 outputs"):
        loss(y_true, y_pred)


@pytest.mark.parametrize("bad", ["average", [], [1.0, -1.0], [0.0, 0.0], 3, None, [[1.0, 2.0]], ["a"]], ids=str)
def test_invalid_multioutput(bad):
    with pytest.raises(ValueError, match=r"MeanSquaredError: multioutput must be 'uniform_average', 'raw_values' or"):
        losslab.MeanSquaredError(multioutput=bad)


def test_loss_without_multioutput_support():
    with pytest.raises(ValueError, match=r"categorical_crossentropy: multioutput='raw_values' needs a loss that"):
        losslab.LossFunctionWrapper(losslab.categorical_crossentropy, multioutput="raw_values")
    with pytest.raises(ValueError, match=r"needs a loss that averages element-wise terms"):
        losslab.LossFunctionWrapper(lambda y_true, y_pred: y_pred, multioutput="raw_values")


def test_sample_weight_of_the_wrong_length():
    y_true, y_pred, _ = data("float64", n=6)
    loss = losslab.MeanSquaredError(multioutput="raw_values")
    with pytest.raises(
        ValueError, match=r"sample_weight of shape \(5(, 1)?\) does not fit per-sample losses of shape \(6, 3\)"
    ):
        loss(y_true, y_pred, sample_weight=np.ones(5))


def test_config_round_trip():
    loss = losslab.TweedieDeviance(power=1.2, multioutput=np.array([1.0, 2.0]))
    config = loss.get_config()
    assert config["multioutput"] == [1.0, 2.0]
    again = losslab.deserialize(losslab.serialize(loss))
    assert again.multioutput == (1.0, 2.0)
    assert "multioutput" not in losslab.MeanSquaredError().get_config()


def test_cards_declare_the_classes_that_take_it():
    """A card says multioutput exactly when its class takes the argument."""
    import inspect

    for card in cards():
        assert ("multioutput" in inspect.signature(card.cls).parameters) == card.multioutput, card.name


def test_adapters_leave_it_out():
    """Keras and torch train on one scalar per batch: their forms do not take multioutput."""
    import inspect

    torch_forms = pytest.importorskip("losslab.torch")
    assert "multioutput" not in inspect.signature(torch_forms.get("mean_absolute_error")).parameters
    with pytest.raises(TypeError):
        torch_forms.get("tweedie_deviance")(multioutput="raw_values")


def test_keras_adapt_refuses_it():
    keras_forms = pytest.importorskip("losslab.keras")
    with pytest.raises(ValueError, match=r"MeanSquaredError has multioutput='raw_values', which Keras cannot use"):
        keras_forms.adapt(losslab.MeanSquaredError(multioutput="raw_values"))
