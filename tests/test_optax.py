"""``losslab.optax``: optax's names and argument order on every backend, against optax 0.2.8 (JAX float64)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from array_api_compat import array_namespace

import losslab
import losslab.optax as lo
from losslab.testing import Backend, assert_close

optax = pytest.importorskip("optax")

DTYPES = ["float32", "float64"]
SHARED_NAMES = ("cosine_similarity", "generalized_kl_divergence", "kl_divergence", "ntxent")
"""Names of the catalogue's own losses that optax shares; the catalogue's take (y_true, y_pred), as documented."""
SEEDS = range(4)


def jnp():
    return Backend.JAX.namespace()  # x64 on, so optax computes in float64


def tolerance(dtype: str) -> dict[str, float]:
    return {"rtol": 2e-5, "atol": 1e-5} if dtype == "float32" else {"rtol": 1e-12, "atol": 1e-13}


def ours_and_theirs(xp, dtype: str, *arrays: np.ndarray) -> tuple[list, list]:
    """The arrays on the backend under test (floats in ``dtype``), and for optax as float64 JAX arrays of them."""
    j = jnp()
    ours, theirs = [], []
    for a in arrays:
        if np.issubdtype(a.dtype, np.floating):
            ours.append(xp.asarray(a, dtype=getattr(xp, dtype)))
            theirs.append(j.asarray(a.astype(dtype).astype(np.float64)))
        else:
            ours.append(xp.asarray(a))
            theirs.append(j.asarray(a))
    return ours, theirs


def test_optax_names_are_not_catalogue_aliases():
    """The catalogue takes (y_true, y_pred): an optax name there would swap optax's (logits, labels) silently."""
    for name in lo.__all__:
        if name in SHARED_NAMES:
            assert getattr(losslab, name) is not getattr(lo, name)
            continue
        with pytest.raises(ValueError, match="Could not interpret"):
            losslab.get(name)
        assert not hasattr(losslab, name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(6, 4), (3, 5, 2), (7,)], ids=str)
def test_sigmoid_binary_cross_entropy(xp, dtype, shape):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        logits, labels = rng.normal(scale=4.0, size=shape), rng.uniform(size=shape)
        (z, y), (jz, jy) = ours_and_theirs(xp, dtype, logits, labels)
        got = lo.sigmoid_binary_cross_entropy(z, y)
        assert got.shape == shape
        assert_close(got, np.asarray(optax.losses.sigmoid_binary_cross_entropy(jz, jy)), xp=xp, **tolerance(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "axis"), [((6, 4), -1), ((3, 5, 4), 1), ((4, 3), 0)], ids=str)
def test_softmax_cross_entropy(xp, dtype, shape, axis):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        logits = rng.normal(scale=3.0, size=shape)
        labels = rng.dirichlet(np.ones(shape[axis]), size=shape[: axis % len(shape)] + shape[axis % len(shape) + 1 :])
        labels = np.moveaxis(labels, -1, axis)
        (z, y), (jz, jy) = ours_and_theirs(xp, dtype, logits, labels)
        expected = np.asarray(optax.losses.softmax_cross_entropy(jz, jy, axis=axis))
        assert_close(lo.softmax_cross_entropy(z, y, axis=axis), expected, xp=xp, **tolerance(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "axis"), [((6, 5), -1), ((3, 5, 4), 1)], ids=str)
def test_softmax_cross_entropy_with_where(xp, dtype, shape, axis):
    j = jnp()
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        logits = rng.normal(scale=3.0, size=shape)
        where = rng.uniform(size=shape) < 0.7
        labels = rng.uniform(size=shape) * where  # labels only on kept classes
        (z, y), (jz, jy) = ours_and_theirs(xp, dtype, logits, labels)
        expected = np.asarray(optax.losses.softmax_cross_entropy(jz, jy, axis=axis, where=j.asarray(where)))
        got = lo.softmax_cross_entropy(z, y, axis=axis, where=xp.asarray(where))
        assert_close(got, expected, xp=xp, **tolerance(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "axis"), [((6, 5), -1), ((3, 4, 2), 1), ((4, 3), 0)], ids=str)
def test_softmax_cross_entropy_with_integer_labels(xp, dtype, shape, axis):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        logits = rng.normal(scale=3.0, size=shape)
        rest = shape[: axis % len(shape)] + shape[axis % len(shape) + 1 :]
        labels = rng.integers(0, shape[axis], size=rest)
        (z, y), (jz, jy) = ours_and_theirs(xp, dtype, logits, labels)
        expected = np.asarray(optax.losses.softmax_cross_entropy_with_integer_labels(jz, jy, axis=axis))
        got = lo.softmax_cross_entropy_with_integer_labels(z, y, axis=axis)
        assert_close(got, expected, xp=xp, **tolerance(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_cross_entropy_with_integer_labels_and_where(xp, dtype):
    j = jnp()
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        logits, labels = rng.normal(scale=3.0, size=(8, 5)), rng.integers(0, 5, size=8)
        where = rng.uniform(size=(8, 5)) < 0.6
        where[np.arange(8), labels] = True  # each label on a kept class (a masked one costs 0 here, see the docstring)
        where[0] = False  # a row with no class kept: 0, as in optax
        where[0, labels[0]] = False
        (z, y), (jz, jy) = ours_and_theirs(xp, dtype, logits, labels)
        expected = np.asarray(optax.losses.softmax_cross_entropy_with_integer_labels(jz, jy, where=j.asarray(where)))
        got = lo.softmax_cross_entropy_with_integer_labels(z, y, where=xp.asarray(where))
        assert expected[0] == 0.0
        assert_close(got, expected, xp=xp, **tolerance(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "axis"), [((6, 4), -1), ((3, 5, 4), 1)], ids=str)
def test_generalized_kl_divergence(xp, dtype, shape, axis):
    j = jnp()
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        log_p, t = np.log(rng.uniform(0.05, 4.0, size=shape)), rng.uniform(0.05, 4.0, size=shape)
        where = rng.uniform(size=shape) < 0.8
        (lp, tt), (jlp, jt) = ours_and_theirs(xp, dtype, log_p, t)
        expected = np.asarray(optax.losses.generalized_kl_divergence(jlp, jt, axis=axis))
        assert_close(lo.generalized_kl_divergence(lp, tt, axis=axis), expected, xp=xp, **tolerance(dtype))
        expected = np.asarray(optax.losses.generalized_kl_divergence(jlp, jt, axis=axis, where=j.asarray(where)))
        got = lo.generalized_kl_divergence(lp, tt, axis=axis, where=xp.asarray(where))
        assert_close(got, expected, xp=xp, **tolerance(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_perceptron_and_sparsemax_losses(xp, dtype):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        scores, y01 = rng.normal(scale=2.0, size=(5, 3)), rng.integers(0, 2, size=(5, 3)).astype(float)
        (s, t01, tpm), (js, jt01, jtpm) = ours_and_theirs(xp, dtype, scores, y01, 2.0 * y01 - 1.0)
        expected = np.asarray(optax.losses.perceptron_loss(js, jtpm))
        assert_close(lo.perceptron_loss(s, tpm), expected, xp=xp, **tolerance(dtype))
        expected = np.asarray(optax.losses.sparsemax_loss(js, jt01))
        assert_close(lo.sparsemax_loss(s, t01), expected, xp=xp, **tolerance(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_ntxent(xp, dtype):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        labels = rng.permutation([0, 0, 0, 1, 1, 2, 2, 2, 3, 4])  # uneven groups, two samples without a positive
        embeddings = rng.normal(size=(10, 6))
        (e, y), (je, jy) = ours_and_theirs(xp, dtype, embeddings, labels)
        expected = np.asarray(optax.losses.ntxent(je, jy, temperature=0.3))
        got = lo.ntxent(e, y, temperature=0.3)
        assert got.ndim == 0
        assert_close(got, expected, xp=xp, **tolerance(dtype))
    (e, y), (je, jy) = ours_and_theirs(xp, dtype, np.ones((3, 2)), np.array([0, 1, 2]))
    assert np.isnan(np.asarray(optax.losses.ntxent(je, jy)))
    assert_close(lo.ntxent(e, y), np.asarray(0.0), xp=xp, atol=0.0)  # no positive pair: 0, not NaN


@pytest.mark.parametrize("dtype", DTYPES)
def test_ranking_softmax_loss_reduce_fns(xp, dtype):
    j = jnp()
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        scores, labels = rng.normal(scale=2.0, size=(6, 5)), rng.integers(0, 3, size=(6, 5)).astype(float)
        where = rng.uniform(size=(6, 5)) < 0.7
        where[0] = False
        weights = rng.uniform(0.5, 2.0, size=(6, 5))
        (s, y, w), (js, jy, jw) = ours_and_theirs(xp, dtype, scores, labels, weights)
        for reduce_fn, theirs in ((None, None), (xp.sum, j.sum), (xp.mean, j.mean), (lo.mean, j.mean)):
            for mask in (None, where):
                extra = {} if mask is None else {"where": mask}
                jextra = {} if mask is None else {"where": j.asarray(mask)}
                expected = optax.losses.ranking_softmax_loss(js, jy, weights=jw, reduce_fn=theirs, **jextra)
                got = lo.ranking_softmax_loss(s, y, weights=w, reduce_fn=reduce_fn, **extra)
                assert_close(got, np.asarray(expected), xp=xp, **tolerance(dtype))
        expected = optax.losses.ranking_softmax_loss(js, jy)  # both defaults: the mean
        assert_close(lo.ranking_softmax_loss(s, y), np.asarray(expected), xp=xp, **tolerance(dtype))


def test_ranking_softmax_loss_refuses_an_unknown_reduce_fn_with_where():
    scores, labels = np.zeros((2, 3)), np.ones((2, 3))
    assert float(lo.ranking_softmax_loss(scores, labels, reduce_fn=np.max)) == pytest.approx(3 * np.log(3))
    with pytest.raises(ValueError, match="with where, reduce_fn must be None or a mean or sum function"):
        lo.ranking_softmax_loss(scores, labels, where=np.ones((2, 3), bool), reduce_fn=np.max)


def test_a_bad_tuple_axis_is_refused_with_the_fix():
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: axis=\(1, -1\) names an axis twice"):
        lo.softmax_cross_entropy(np.zeros((2, 3)), np.zeros((2, 3)), axis=(1, -1))
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: axis=\(0, 2\) is out of range .* \[-2, 1\]"):
        lo.softmax_cross_entropy(np.zeros((2, 3)), np.zeros((2, 3)), axis=(0, 2))


def test_gradients_match_optax():
    torch = pytest.importorskip("torch")
    import jax

    j = jnp()
    rng = np.random.default_rng(0)
    logits, labels = rng.normal(size=(4, 3)), rng.dirichlet(np.ones(3), size=4)
    where = rng.uniform(size=(4, 3)) < 0.8
    where[:, 0] = True
    cases = [
        (lo.sigmoid_binary_cross_entropy, optax.losses.sigmoid_binary_cross_entropy, {}, {}),
        (lo.softmax_cross_entropy, optax.losses.softmax_cross_entropy, {"where": where}, {"where": j.asarray(where)}),
    ]
    for ours, theirs, kwargs, jkwargs in cases:
        expected = jax.grad(lambda z, f=theirs, k=jkwargs: j.sum(f(z, j.asarray(labels), **k)))(j.asarray(logits))
        z = torch.tensor(logits, requires_grad=True)
        ours(z, torch.asarray(labels), **kwargs).sum().backward()
        assert_close(z.grad, np.asarray(expected), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("dtype", DTYPES)
def test_multiclass_sparsemax_loss(xp, dtype):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        scores, labels = rng.normal(scale=2.0, size=(7, 5)), rng.integers(0, 5, size=7)
        (s, y), (js, jy) = ours_and_theirs(xp, dtype, scores, labels)
        expected = np.asarray(optax.losses.multiclass_sparsemax_loss(js, jy))
        assert_close(lo.multiclass_sparsemax_loss(s, y), expected, xp=xp, **tolerance(dtype))


# --------------------------------------------------------------------------- signatures, Fenchel-Young, aliases


@pytest.mark.parametrize(
    "name",
    [
        "poly_loss_cross_entropy",
        "cosine_similarity",
        "cosine_distance",
        "kl_divergence_with_log_targets",
        "convex_kl_divergence",
        "kl_divergence",
        "generalized_kl_divergence",
        "softmax_cross_entropy",
        "softmax_cross_entropy_with_integer_labels",
    ],
)
def test_signatures_are_optaxs(name):
    """The same parameters, kinds and defaults as optax 0.2.8's function."""
    import inspect

    ours, theirs = inspect.signature(getattr(lo, name)), inspect.signature(getattr(optax.losses, name))
    assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == [
        (p.name, p.kind, p.default) for p in theirs.parameters.values()
    ]


def test_convex_kl_divergence_is_optaxs_deprecated_alias():
    """optax's old name of the generalized KL divergence (tested on every backend above), without the warning."""
    rng = np.random.default_rng(11)
    log_p, t = np.log(rng.uniform(0.05, 4.0, size=(3, 4, 5))), rng.uniform(0.05, 4.0, size=(3, 4, 5))
    where = rng.uniform(size=(3, 4, 5)) < 0.7
    j = jnp()
    with pytest.warns(DeprecationWarning, match="generalized_kl_divergence"):
        expected = optax.losses.convex_kl_divergence(
            j.asarray(log_p), j.asarray(t), axis=(2, 1), where=j.asarray(where)
        )
    got = lo.convex_kl_divergence(log_p, t, axis=(2, 1), where=where)
    assert_close(got, np.asarray(expected), **tolerance("float64"))
    assert_close(got, lo.generalized_kl_divergence(log_p, t, axis=(2, 1), where=where), rtol=0.0, atol=0.0)


def _logsumexp(v):
    """logsumexp of one vector on the Array API: a max function for every backend."""
    xp = array_namespace(v)
    top = xp.max(v)
    return xp.log(xp.sum(xp.exp(v - top))) + top


@functools.cache
def _fenchel_young_case() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Scores, targets, and optax's loss (``jax.nn.logsumexp``) and its gradient in the scores."""
    import jax

    rng = np.random.default_rng(12)
    scores, targets = rng.normal(scale=2.0, size=(3, 4, 5)), rng.dirichlet(np.ones(5), size=(3, 4))
    loss = optax.losses.make_fenchel_young_loss(jax.nn.logsumexp)
    j = jnp()

    @jax.jit  # one compile for both
    def value_and_grad(s, t):
        return loss(s, t), jax.grad(lambda x: j.sum(loss(x, t)))(s)

    value, grad = value_and_grad(j.asarray(scores), j.asarray(targets))
    return scores, targets, np.asarray(value), np.asarray(grad)


def test_make_fenchel_young_loss_values(xp):
    """Per vector (optax's contract) and batched, against optax's loss with jax.nn.logsumexp."""
    scores, targets, expected, _ = _fenchel_young_case()
    s, t = xp.asarray(scores), xp.asarray(targets)
    assert_close(lo.make_fenchel_young_loss(_logsumexp)(s, t), expected, xp=xp, **tolerance("float64"))

    def batched(x):
        top = xp.max(x, axis=-1, keepdims=True)
        return xp.log(xp.sum(xp.exp(x - top), axis=-1)) + top[..., 0]

    assert_close(lo.make_fenchel_young_loss(batched, batched=True)(s, t), expected, xp=xp, **tolerance("float64"))
    # with logsumexp the loss is the softmax cross-entropy of targets that sum to 1
    assert_close(lo.softmax_cross_entropy(s, t), expected, xp=xp, **tolerance("float64"))


def test_make_fenchel_young_loss_gradients_on_torch_and_jax():
    """The gradient comes from the backend's autodiff: softmax(scores) - targets, as jax.grad of optax's loss."""
    torch = pytest.importorskip("torch")
    import jax

    scores, targets, _, expected = _fenchel_young_case()
    z = torch.tensor(scores, requires_grad=True)
    lo.make_fenchel_young_loss(_logsumexp)(z, torch.asarray(targets)).sum().backward()
    assert_close(z.grad, expected, rtol=1e-12, atol=1e-13)
    z = torch.tensor(scores, requires_grad=True)
    lo.make_fenchel_young_loss(lambda v: torch.logsumexp(v, 0))(z, torch.asarray(targets)).sum().backward()
    assert_close(z.grad, expected, rtol=1e-12, atol=1e-13)
    j = jnp()
    loss = lo.make_fenchel_young_loss(jax.nn.logsumexp)
    grad = jax.jit(jax.grad(lambda s: j.sum(loss(s, j.asarray(targets)))))(j.asarray(scores))
    assert_close(np.asarray(grad), expected, rtol=1e-12, atol=1e-13)


def test_make_fenchel_young_loss_refuses_bad_inputs():
    with pytest.raises(ValueError, match="make_fenchel_young_loss: max_fun must be a function"):
        lo.make_fenchel_young_loss("logsumexp")
    loss = lo.make_fenchel_young_loss(_logsumexp)
    with pytest.raises(ValueError, match=r"scores \(2, 3\) and targets \(2, 1\)"):
        loss(np.zeros((2, 3)), np.zeros((2, 1)))
    assert loss(np.zeros((0, 3)), np.zeros((0, 3))).shape == (0,)  # an empty batch: no call, no loss
