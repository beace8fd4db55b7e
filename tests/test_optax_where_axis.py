"""optax's ``where`` masks and tuple ``axis``: ``losslab.optax`` and the catalogue's functions against optax 0.2.8.

optax computes in float64 on JAX (x64 on); each backend under test runs the
same inputs in its own float32 or float64.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest

import losslab
import losslab.optax as lo
from losslab.testing import Backend, assert_close
from tests.losses._edges import PATHS, on_path

optax = pytest.importorskip("optax")

DTYPES = ["float32", "float64"]
SEEDS = range(3)
AXES = [((3, 4, 5), -1), ((3, 4, 5), 1), ((3, 4, 5), (1, 2)), ((3, 4, 5), (2, 1)), ((2, 3, 4, 2), (0, 2))]
"""(shape, axis): one class axis, or several (optax flattens them in the order given)."""


def jnp():
    return Backend.JAX.namespace()  # x64 on, so optax computes in float64


def tolerance(dtype: str) -> dict[str, float]:
    return {"rtol": 2e-5, "atol": 1e-5} if dtype == "float32" else {"rtol": 1e-11, "atol": 1e-12}


def _ours(xp, dtype, a):
    return xp.asarray(a, dtype=getattr(xp, dtype)) if np.issubdtype(a.dtype, np.floating) else xp.asarray(a)


def _theirs(a):
    return jnp().asarray(a)


def _rows(shape, axis):
    """``shape`` without the class axes of ``axis``."""
    axes = {a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,))}
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _soft_labels(rng, shape, axis):
    """Labels that sum to 1 over the class axes (positive everywhere)."""
    labels = rng.uniform(0.1, 1.0, size=shape)
    return labels / labels.sum(axis=axis, keepdims=True)


def _mask(rng, shape, axis):
    """A random mask with one row of all False (those rows give 0)."""
    where = rng.uniform(size=shape) < 0.6
    first = [slice(None)] * len(shape)
    for a in range(len(shape)):
        if a not in {b % len(shape) for b in (axis if isinstance(axis, tuple) else (axis,))}:
            first[a] = 0
            break
    where[tuple(first)] = False
    return where


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "axis"), AXES, ids=str)
@pytest.mark.parametrize("masked", [False, True], ids=["all", "where"])
def test_softmax_cross_entropy(xp, dtype, shape, axis, masked):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        logits, labels = rng.normal(scale=3.0, size=shape), _soft_labels(rng, shape, axis)
        where = _mask(rng, shape, axis) if masked else None
        kw = {} if where is None else {"where": _theirs(where)}
        expected = np.asarray(optax.losses.softmax_cross_entropy(_theirs(logits), _theirs(labels), axis=axis, **kw))
        assert expected.shape == _rows(shape, axis)
        ours_kw = {} if where is None else {"where": xp.asarray(where)}
        z, y = _ours(xp, dtype, logits), _ours(xp, dtype, labels)
        got = lo.softmax_cross_entropy(z, y, axis=axis, **ours_kw)
        assert_close(got, expected, xp=xp, **tolerance(dtype))
        catalogue = losslab.categorical_crossentropy(y, z, from_logits=True, axis=axis, **ours_kw)
        assert_close(catalogue, expected, xp=xp, **tolerance(dtype))
        if masked:
            assert np.all(expected[~where.any(axis=axis)] == 0.0)  # a fully masked row: 0 in optax too


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "axis"), AXES, ids=str)
@pytest.mark.parametrize("masked", [False, True], ids=["all", "where"])
def test_softmax_cross_entropy_with_integer_labels(xp, dtype, shape, axis, masked):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        logits = rng.normal(scale=3.0, size=shape)
        rows = _rows(shape, axis)
        classes = int(np.prod(shape)) // int(np.prod(rows))
        labels = rng.integers(0, classes, size=rows)
        where = None
        kw = {}
        if masked:
            where = rng.uniform(size=(*rows, classes)) < 0.6
            where[(*np.indices(rows), labels)] = True  # labels on kept classes (a masked label costs 0 here)
            where[(0,) * len(rows)] = False  # one row with nothing kept: 0, as in optax
            where = _unmerge(where, shape, axis)
            kw = {"where": _theirs(where)}
        expected = np.asarray(
            optax.losses.softmax_cross_entropy_with_integer_labels(_theirs(logits), _theirs(labels), axis=axis, **kw)
        )
        ours_kw = {} if where is None else {"where": xp.asarray(where)}
        got = lo.softmax_cross_entropy_with_integer_labels(
            _ours(xp, dtype, logits), xp.asarray(labels), axis, **ours_kw
        )
        assert_close(got, expected, xp=xp, **tolerance(dtype))
        catalogue = losslab.sparse_categorical_crossentropy(
            xp.asarray(labels), _ours(xp, dtype, logits), from_logits=True, axis=axis, **ours_kw
        )
        assert_close(catalogue, expected, xp=xp, **tolerance(dtype))
        if masked:
            assert expected[(0,) * len(rows)] == 0.0


def _unmerge(merged, shape, axis):
    """The inverse of merging the class axes of ``shape`` into one last axis (optax's order)."""
    axes = tuple(a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,)))
    rest = tuple(a for a in range(len(shape)) if a not in axes)
    block = merged.reshape(*[shape[a] for a in rest], *[shape[a] for a in axes])
    return np.transpose(block, np.argsort(rest + axes))


def test_sparse_categorical_crossentropy_with_where_and_label_smoothing(xp):
    """Smoothing spreads over the kept classes only: by hand, a mean of log-probabilities over them."""
    rng = np.random.default_rng(3)
    logits, labels = rng.normal(size=(6, 5)), rng.integers(0, 5, size=6)
    where = rng.uniform(size=(6, 5)) < 0.7
    where[np.arange(6), labels] = True
    shifted = np.where(where, logits, -np.inf)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    nll = -log_p[np.arange(6), labels]
    smooth = -np.array([log_p[i, where[i]].mean() for i in range(6)])
    expected = 0.8 * nll + 0.2 * smooth
    got = losslab.sparse_categorical_crossentropy(
        xp.asarray(labels), xp.asarray(logits), from_logits=True, label_smoothing=0.2, where=xp.asarray(where)
    )
    assert_close(got, expected, xp=xp, rtol=1e-6, atol=1e-6)


def test_categorical_crossentropy_with_where_on_probabilities(xp):
    """Probabilities: the kept classes are renormalised, the others leave the sum (worked by hand)."""
    y_pred = np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])
    y_true = np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])
    where = np.array([[True, True, False], [True, False, True]])
    expected = [-np.log(0.3 / 0.5), -0.5 * np.log(0.6 / 0.9) - 0.5 * np.log(0.3 / 0.9)]
    got = losslab.categorical_crossentropy(xp.asarray(y_true), xp.asarray(y_pred), where=xp.asarray(where))
    assert_close(got, np.array(expected), xp=xp, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "axis"), [((4, 6), -1), ((3, 4, 5), 1), ((3, 4, 5), (1, 2))], ids=str)
@pytest.mark.parametrize("masked", [False, True], ids=["all", "where"])
@pytest.mark.parametrize("name", ["kl_divergence", "generalized_kl_divergence"])
def test_kl_divergences(xp, dtype, shape, axis, masked, name):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        targets, predictions = _soft_labels(rng, shape, axis), _soft_labels(rng, shape, axis)
        if name == "generalized_kl_divergence":
            targets, predictions = 3.0 * targets, 2.0 * predictions  # unnormalised measures
        where = _mask(rng, shape, axis) if masked else None
        kw = {} if where is None else {"where": _theirs(where)}
        log_p = np.log(predictions)
        expected = np.asarray(getattr(optax.losses, name)(_theirs(log_p), _theirs(targets), axis=axis, **kw))
        ours_kw = {} if where is None else {"where": xp.asarray(where)}
        got = getattr(lo, name)(_ours(xp, dtype, log_p), _ours(xp, dtype, targets), axis=axis, **ours_kw)
        assert_close(got, expected, xp=xp, **tolerance(dtype))
        if axis == -1:  # the catalogue's function: (y_true, y_pred), probabilities, the last axis
            catalogue = getattr(losslab, name)(_ours(xp, dtype, targets), _ours(xp, dtype, predictions), **ours_kw)
            assert_close(catalogue, expected, xp=xp, **tolerance(dtype))


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("shape", "axis"), AXES, ids=str)
def test_a_tuple_axis_is_moving_and_merging_the_axes(xp, path, shape, axis):
    """A tuple axis equals the single-axis loss on the class axes moved last and flattened, on either path."""
    rng = np.random.default_rng(5)
    logits, labels = rng.normal(size=shape), _soft_labels(rng, shape, axis)
    axes = tuple(a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,)))
    rest = tuple(a for a in range(len(shape)) if a not in axes)
    flat = [np.transpose(a, rest + axes).reshape(*_rows(shape, axis), -1) for a in (logits, labels)]
    expected = -(flat[1] * (flat[0] - np.log(np.exp(flat[0]).sum(axis=-1, keepdims=True)))).sum(axis=-1)
    with on_path(path):
        got = losslab.categorical_crossentropy(xp.asarray(labels), xp.asarray(logits), from_logits=True, axis=axis)
    assert_close(got, expected, xp=xp, rtol=1e-6, atol=1e-6)


NEW_SHAPE = (3, 4, 5)
"""The one shape of the tests of the losses below (JAX compiles each operation once per shape)."""
NEW_CASES = [(-1, True), ((2, 1), False), ((2, 1), True)]
NEW_LOSSES = ("poly_loss_cross_entropy", "cosine_similarity", "kl_divergence_with_log_targets")
CLASS_FORMS = ("CategoricalCrossentropy", "SparseCategoricalCrossentropy", "Poly1Crossentropy")


@functools.cache
def _case(axis, masked: bool) -> dict[str, np.ndarray]:
    """Inputs of shape ``NEW_SHAPE`` for a class ``axis`` (the same for the same arguments)."""
    rng = np.random.default_rng(7)
    case = {
        "logits": rng.normal(scale=3.0, size=NEW_SHAPE),
        "labels": _soft_labels(rng, NEW_SHAPE, axis),
        "other": rng.normal(size=NEW_SHAPE),
        "log_p": np.log(_soft_labels(rng, NEW_SHAPE, axis)),
        "classes": rng.integers(0, NEW_SHAPE[1] * NEW_SHAPE[2], size=NEW_SHAPE[0]),
    }
    case["log_t"] = np.log(case["labels"])
    if masked:
        case["where"] = _mask(rng, NEW_SHAPE, axis)
        case["grad_where"] = case["where"].copy()
        case["grad_where"][:, 0, 0] = True  # every vector keeps an entry (optax's gradient of an empty one is NaN)
    return case


def _args(name: str, c: dict) -> tuple:
    """The two arrays of optax's ``name`` in case ``c``."""
    return {
        "poly_loss_cross_entropy": (c["logits"], c["labels"]),
        "cosine_similarity": (c["logits"], c["other"]),
        "cosine_distance": (c["logits"], c["other"]),
        "kl_divergence_with_log_targets": (c["log_p"], c["log_t"]),
    }[name]


@functools.cache
def _optax_numbers() -> dict:
    """optax's values and gradients on every case, as one ``jax.jit`` program (one compile per process)."""
    import jax

    cases = {repr(key): {k: _theirs(v) for k, v in _case(*key).items()} for key in NEW_CASES}
    everything = _case((1, 2), False)

    def numbers(cases, everything):
        out = {}  # (keyed by the repr of a tuple: a pytree's keys must sort)
        for axis, masked in NEW_CASES:
            c = cases[repr((axis, masked))]
            kw = {"axis": axis, "where": c["where"]} if masked else {"axis": axis}
            for name in (*NEW_LOSSES, "cosine_distance"):
                out[repr((name, axis, masked))] = getattr(optax.losses, name)(*_args(name, c), **kw)
                if name != "cosine_distance" and masked and axis != -1:
                    first, second = _args(name, c)
                    loss = functools.partial(getattr(optax.losses, name), axis=axis, where=c["grad_where"])
                    out[repr(("grad", name))] = jax.grad(lambda z, f=loss, t=second: f(z, t).sum())(first)
        c = {k: jax.numpy.asarray(v) for k, v in everything.items()}
        for name in NEW_LOSSES:
            out[repr((name, None))] = getattr(optax.losses, name)(*_args(name, c), axis=None)
        out[repr(("CategoricalCrossentropy",))] = optax.losses.softmax_cross_entropy(
            c["logits"], c["labels"], axis=(1, 2)
        )
        out[repr(("SparseCategoricalCrossentropy",))] = optax.losses.softmax_cross_entropy_with_integer_labels(
            c["logits"], c["classes"], axis=(1, 2)
        )
        out[repr(("Poly1Crossentropy",))] = optax.losses.poly_loss_cross_entropy(
            c["logits"], c["labels"], epsilon=1.0, axis=(1, 2)
        )
        return out

    return {k: np.asarray(v) for k, v in jax.jit(numbers)(cases, everything).items()}


def _optax(*key) -> np.ndarray:
    """optax's number for ``key``: (loss name, axis, masked), (loss name, None) for ``axis=None``, ("grad", loss
    name), or (class name,) for a class form's case."""
    return _optax_numbers()[repr(key)]


@pytest.mark.parametrize(("axis", "masked"), NEW_CASES, ids=str)
def test_poly_loss_cosine_and_log_target_kl(xp, axis, masked):
    """PolyLoss, cosine similarity and distance, KL of log-targets: losslab.optax and the catalogue against optax."""
    case = _case(axis, masked)
    z, y, o, log_p, log_t = (xp.asarray(case[k]) for k in ("logits", "labels", "other", "log_p", "log_t"))
    kw = {"where": xp.asarray(case["where"])} if masked else {}
    tol = tolerance("float64")
    poly, cosine = _optax("poly_loss_cross_entropy", axis, masked), _optax("cosine_similarity", axis, masked)
    assert poly.shape == _rows(NEW_SHAPE, axis)
    assert_close(lo.poly_loss_cross_entropy(z, y, axis=axis, **kw), poly, xp=xp, **tol)
    assert_close(losslab.poly1_crossentropy(y, z, epsilon=2.0, axis=axis, **kw), poly, xp=xp, **tol)
    assert_close(lo.cosine_similarity(z, o, axis=axis, **kw), cosine, xp=xp, **tol)
    assert_close(losslab.cosine_similarity(o, z, axis=axis, **kw), -cosine, xp=xp, **tol)
    distance = _optax("cosine_distance", axis, masked)
    assert_close(lo.cosine_distance(z, o, axis=axis, **kw), distance, xp=xp, **tol)
    log_kl = _optax("kl_divergence_with_log_targets", axis, masked)
    assert_close(lo.kl_divergence_with_log_targets(log_p, log_t, axis=axis, **kw), log_kl, xp=xp, **tol)
    if masked:  # a vector without a kept entry: 0 in optax too
        dead = ~case["where"].any(axis=axis)
        assert dead.any() and all(np.all(v[dead] == 0.0) for v in (poly, cosine, log_kl))


def test_float32_inputs_stay_float32():
    """The float32 path (NumPy): optax's float64 numbers within float32's tolerance, and a float32 result."""
    case = _case((2, 1), True)
    z, y, o = (case[k].astype(np.float32) for k in ("logits", "labels", "other"))
    got = lo.poly_loss_cross_entropy(z, y, axis=(2, 1), where=case["where"])
    assert got.dtype == np.float32
    assert_close(got, _optax("poly_loss_cross_entropy", (2, 1), True).astype(np.float32), **tolerance("float32"))
    got = lo.cosine_similarity(z, o, axis=(2, 1), where=case["where"])
    assert_close(got, _optax("cosine_similarity", (2, 1), True).astype(np.float32), **tolerance("float32"))


@pytest.mark.parametrize("name", NEW_LOSSES)
def test_axis_none_is_every_axis(name):
    got = getattr(lo, name)(*_args(name, _case((1, 2), False)), axis=None)
    expected = _optax(name, None)
    assert got.shape == () and expected.shape == ()
    assert_close(got, expected, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("cls", CLASS_FORMS)
def test_class_forms_take_a_tuple_axis_through_a_json_config(cls):
    """A tuple axis survives get_config, JSON (which gives a list back) and from_config; the loss is optax's mean.

    (The config is the same on every backend; the functions' tuple axes are tested on each above.)
    """
    case = _case((1, 2), False)
    y = case["classes"] if cls == "SparseCategoricalCrossentropy" else case["labels"]
    loss = getattr(losslab, cls)(from_logits=True, axis=(1, 2))
    config = json.loads(json.dumps(losslab.serialize(loss)))
    assert config["config"]["axis"] == [1, 2]
    again = losslab.get(config)
    assert again.get_config() == loss.get_config() and again.get_config()["axis"] == (1, 2)
    expected = np.mean(_optax(cls))
    assert_close(again(y, case["logits"]), expected, rtol=1e-12, atol=1e-13)


def test_gradients_of_the_new_masked_losses_match_optax():
    """torch autograd and jax.grad of losslab.optax against jax.grad of optax, over a tuple axis with a mask.

    A dropped entry holds a value (1e200) that optax's formula would overflow on: it must reach neither
    losslab's value nor its gradient, which is 0 there.
    """
    torch = pytest.importorskip("torch")
    import jax

    axis, case = (2, 1), _case((2, 1), True)
    where = case["grad_where"]
    inputs = {name: _args(name, case) for name in NEW_LOSSES}
    huge = {name: np.where(where, first, 1e200) for name, (first, _) in inputs.items()}

    def ours(firsts):  # all three in one program: one compile
        return {
            name: jax.grad(lambda z, n=name: getattr(lo, n)(z, inputs[n][1], axis=axis, where=where).sum())(z)
            for name, z in firsts.items()
        }

    on_jax = jax.jit(ours)({name: _theirs(z) for name, z in huge.items()})
    for name, (_, second) in inputs.items():
        grad = _optax("grad", name)
        assert np.all(np.isfinite(grad)) and np.abs(grad).max() > 1e-3
        assert_close(np.asarray(on_jax[name]), grad, rtol=1e-9, atol=1e-12)
        z = torch.tensor(huge[name], requires_grad=True)
        value = getattr(lo, name)(z, torch.asarray(second), axis=axis, where=torch.asarray(where))
        value.sum().backward()
        assert np.all(np.isfinite(value.detach().numpy()))
        assert_close(z.grad, grad, rtol=1e-9, atol=1e-12)
        assert np.all(z.grad.numpy()[~where] == 0.0)


# --------------------------------------------------------------------------- gradients


def _jax_grad(f, logits, *args, **kwargs):
    import jax

    j = jnp()
    return np.asarray(jax.grad(lambda z: j.sum(f(z, *args, **kwargs)))(j.asarray(logits)))


@pytest.mark.parametrize(("shape", "axis"), AXES, ids=str)
def test_gradients_match_optax_on_jax_and_torch(shape, axis):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    logits, labels = rng.normal(scale=2.0, size=shape), _soft_labels(rng, shape, axis)
    where = _mask(rng, shape, axis)
    j = jnp()
    for kw in ({}, {"where": where}):
        jkw = {k: j.asarray(v) for k, v in kw.items()}
        expected = _jax_grad(optax.losses.softmax_cross_entropy, logits, j.asarray(labels), axis=axis, **jkw)
        assert np.all(np.isfinite(expected))
        ours = _jax_grad(lo.softmax_cross_entropy, logits, j.asarray(labels), axis=axis, **jkw)
        assert_close(ours, expected, rtol=1e-10, atol=1e-13)
        z = torch.tensor(logits, requires_grad=True)
        lo.softmax_cross_entropy(
            z, torch.asarray(labels), axis=axis, **{k: torch.asarray(v) for k, v in kw.items()}
        ).sum().backward()
        assert_close(z.grad, expected, rtol=1e-10, atol=1e-13)
        if kw:  # a fully masked row has a zero gradient
            dead = ~where.any(axis=axis)
            assert np.all(np.moveaxis(z.grad.numpy(), _rows_axes(shape, axis), range(dead.ndim))[dead] == 0.0)


def _rows_axes(shape, axis):
    axes = {a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,))}
    return [a for a in range(len(shape)) if a not in axes]


def test_gradients_of_the_masked_kl_divergence_match_optax():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    targets, predictions = _soft_labels(rng, (4, 5), -1), _soft_labels(rng, (4, 5), -1)
    where = rng.uniform(size=(4, 5)) < 0.6
    where[0] = False
    j = jnp()
    expected = _jax_grad(optax.losses.kl_divergence, np.log(predictions), j.asarray(targets), where=j.asarray(where))
    log_p = torch.tensor(np.log(predictions), requires_grad=True)
    lo.kl_divergence(log_p, torch.asarray(targets), where=torch.asarray(where)).sum().backward()
    assert_close(log_p.grad, expected, rtol=1e-9, atol=1e-12)
    assert np.all(log_p.grad.numpy()[0] == 0.0)


def test_finite_values_and_gradients_when_every_class_is_masked(xp):
    """All masked: 0 and a zero (finite) gradient, even for huge logits; finite differences agree on torch."""
    logits = np.array([[1e9, -1e9, 3.0], [0.5, -0.5, 2.0]])
    labels = np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0]])
    where = np.array([[False, False, False], [True, True, False]])
    got = losslab.categorical_crossentropy(
        xp.asarray(labels), xp.asarray(logits), from_logits=True, where=xp.asarray(where)
    )
    expected = [0.0, np.log1p(np.exp(1.0))]  # log(e^0.5 + e^-0.5) - (-0.5)
    assert_close(got, np.array(expected), xp=xp, rtol=1e-6, atol=1e-6)


def test_torch_gradient_against_finite_differences():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    logits, labels = rng.normal(size=(3, 2, 4)), _soft_labels(rng, (3, 2, 4), (1, 2))
    where = rng.uniform(size=(3, 2, 4)) < 0.7
    where[1] = False

    def loss(z):
        return losslab.categorical_crossentropy(
            torch.asarray(labels), z, from_logits=True, axis=(1, 2), where=torch.asarray(where)
        ).sum()

    assert torch.autograd.gradcheck(loss, (torch.tensor(logits, requires_grad=True),))


# --------------------------------------------------------------------------- errors


def test_where_of_another_shape_is_refused():
    logits, labels = np.zeros((2, 3)), np.full((2, 3), 1 / 3)
    with pytest.raises(ValueError, match=r"categorical_crossentropy: where must have the shape of y_pred \(2, 3\), "):
        losslab.categorical_crossentropy(labels, logits, from_logits=True, where=np.ones(3, bool))
    with pytest.raises(ValueError, match=r"got where \(3,\)"):
        lo.softmax_cross_entropy(logits, labels, where=np.ones(3, bool))
    with pytest.raises(ValueError, match=r"kl_divergence: where must have the shape of y_pred \(2, 3\)"):
        losslab.kl_divergence(labels, labels, where=np.ones((2, 1), bool))


@pytest.mark.parametrize(
    ("axis", "match"),
    [((1, 1), "names an axis twice"), ((0, -3), "names an axis twice"), ((0, 3), "out of range"), ((), "non-empty")],
    ids=str,
)
def test_bad_tuple_axes_are_refused(axis, match):
    logits, labels = np.zeros((2, 3, 4)), np.full((2, 3, 4), 1 / 12)
    with pytest.raises(ValueError, match=f"categorical_crossentropy: .*{match}"):
        losslab.categorical_crossentropy(labels, logits, axis=axis)
    with pytest.raises(ValueError, match=f"kl_divergence: .*{match}"):
        lo.kl_divergence(logits, labels, axis=axis)
