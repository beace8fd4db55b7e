"""The losses that optax has and Keras does not, against optax itself (optax 0.2.8, JAX float64).

Each loss is compared with its optax namesake on the same float64 inputs, on every backend
(``xp``) in float32 and float64; gradients (torch autograd, ``jax.grad``) against ``jax.grad``
of optax's function; and edge inputs (zeros, huge values) give finite values and gradients
where losslab's finite policy departs from optax (documented in each docstring).
optax's argument order is ``(prediction, target)``; losslab's is ``(y_true, y_pred)``.
"""

from __future__ import annotations

import numpy as np
import pytest

import losslab
from losslab.testing import Backend, assert_close

optax = pytest.importorskip("optax")

DTYPES = ["float32", "float64"]
SEEDS = range(5)
SHAPES = [(6, 4), (3, 5, 7), (8, 1)]


def jnp():
    return Backend.JAX.namespace()  # JAX with x64 enabled, so optax computes in float64


def tolerance(dtype: str) -> dict[str, float]:
    return {"rtol": 2e-5, "atol": 1e-6} if dtype == "float32" else {"rtol": 1e-12, "atol": 1e-14}


def as_dtype(xp, x: np.ndarray, dtype: str):
    return xp.asarray(x, dtype=getattr(xp, dtype)) if np.issubdtype(x.dtype, np.floating) else xp.asarray(x)


def rounded(x: np.ndarray, dtype: str) -> np.ndarray:
    """``x`` as the backend sees it in ``dtype``, back in float64 (the oracle's inputs)."""
    return x.astype(dtype).astype(np.float64) if np.issubdtype(x.dtype, np.floating) else x


def torch_grad(fn, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    torch = pytest.importorskip("torch")
    pred = torch.tensor(y_pred, dtype=torch.float64, requires_grad=True)
    fn(torch.asarray(y_true), pred).backward()
    return pred.grad.numpy()


def jax_grad(fn, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    import jax

    j = jnp()
    return np.asarray(jax.grad(lambda p: fn(j.asarray(y_true), p))(j.asarray(y_pred, dtype=j.float64)))


def assert_gradients_match(ours, theirs, y_true: np.ndarray, y_pred: np.ndarray) -> None:
    """torch autograd and ``jax.grad`` of ``ours`` equal ``jax.grad`` of optax's ``theirs`` (both scalar)."""
    expected = jax_grad(theirs, y_true, y_pred)
    assert np.max(np.abs(expected)) > 1e-6  # a gradient that is zero everywhere would prove nothing
    assert_close(torch_grad(ours, y_true, y_pred), expected, rtol=1e-10, atol=1e-14)
    assert_close(jax_grad(ours, y_true, y_pred), expected, rtol=1e-10, atol=1e-14)


def finite_value_and_grad(fn, y_true: np.ndarray, y_pred: np.ndarray, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """``fn`` (a scalar) and its gradient in ``y_pred`` on torch and JAX, both finite; the torch pair is returned."""
    torch = pytest.importorskip("torch")
    import jax

    j = jnp()
    pred = torch.tensor(y_pred, dtype=getattr(torch, dtype), requires_grad=True)
    labels = torch.asarray(rounded(y_true, dtype).astype(dtype) if y_true.dtype.kind == "f" else y_true)
    value = fn(labels, pred)
    value.backward()
    jax_value, grad = jax.value_and_grad(lambda p: fn(j.asarray(labels.numpy()), p))(
        j.asarray(y_pred, dtype=getattr(j, dtype))
    )
    for x in (value.detach().numpy(), pred.grad.numpy(), np.asarray(jax_value), np.asarray(grad)):
        assert np.all(np.isfinite(x)), x
    return value.detach().numpy(), pred.grad.numpy()


# ---------------------------------------------------------------- generalized KL divergence


def optax_generalized_kl(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    j = jnp()
    return np.asarray(optax.losses.generalized_kl_divergence(j.log(j.asarray(y_pred)), j.asarray(y_true)))


def measures(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Unnormalised non-negative measures, some entries far above 1."""
    scale = rng.choice([0.1, 1.0, 20.0], size=shape)
    return scale * rng.uniform(0.01, 3.0, size=shape), scale * rng.uniform(0.01, 3.0, size=shape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_generalized_kl_matches_optax(xp, dtype, shape):
    for seed in SEEDS:
        y_true, y_pred = measures(np.random.default_rng(seed), shape)
        expected = optax_generalized_kl(rounded(y_true, dtype), rounded(y_pred, dtype))
        got = losslab.generalized_kl_divergence(as_dtype(xp, y_true, dtype), as_dtype(xp, y_pred, dtype))
        tol = tolerance(dtype)  # float32: the terms t log t - t + p cancel, so atol scales with their size
        tol["atol"] = tol["atol"] * float(np.max(np.sum(y_true + y_pred, axis=-1)))
        assert_close(got, expected, xp=xp, dtype=getattr(xp, dtype), **tol)


def test_generalized_kl_of_distributions_is_kl_divergence(rng):
    y_true, y_pred = (np.exp(x) / np.exp(x).sum(-1, keepdims=True) for x in rng.normal(size=(2, 5, 4)))
    expected = np.sum(y_true * np.log(y_true / y_pred), axis=-1)  # -t + p sums to 0
    assert_close(losslab.generalized_kl_divergence(y_true, y_pred), expected, rtol=1e-12)
    assert_close(losslab.kl_divergence(y_true, y_pred), expected, rtol=1e-12)


def test_generalized_kl_gradients_match_optax(rng):
    y_true, y_pred = measures(rng, (5, 4))
    j = jnp()

    def theirs(t, p):
        return j.mean(optax.losses.generalized_kl_divergence(j.log(p), t))

    # d/dp (t log(t/p) - t + p) = 1 - t/p: optax's gradient through log p is the same
    assert_gradients_match(losslab.GeneralizedKLDivergence(), theirs, y_true, y_pred)


@pytest.mark.parametrize("dtype", DTYPES)
def test_generalized_kl_zeros_stay_finite_where_optax_does_not(xp, backend, dtype):
    y_true = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 3.0]])
    y_pred = np.array([[1.0, 0.0, 0.0], [1.0, 0.5, 3.0]])
    optax_value = optax_generalized_kl(y_true, y_pred)
    assert not np.isfinite(optax_value[0]) and np.isfinite(optax_value[1])  # log 0 of a prediction: inf, NaN at 0/0
    eps = 1e-7
    t, p = np.maximum(y_true, eps), np.maximum(y_pred, eps)
    expected = np.sum(t * np.log(t / p) - t + p, axis=-1)  # the clipped formula, by hand
    got = losslab.generalized_kl_divergence(as_dtype(xp, y_true, dtype), as_dtype(xp, y_pred, dtype))
    assert_close(got, expected, xp=xp, **tolerance(dtype))
    assert abs(float(got[1]) - optax_value[1]) < 2e-6  # a target of 0: within eps (log(p / eps) + 1) of optax's p
    if backend is not Backend.TORCH:  # the torch and JAX gradients below depend on no xp: checked once
        return
    finite_value_and_grad(losslab.GeneralizedKLDivergence(), y_true, y_pred, dtype)
    big = np.full((2, 3), 1e30 if dtype == "float64" else 1e15)
    finite_value_and_grad(losslab.GeneralizedKLDivergence(), big, np.ones((2, 3)), dtype)


# ---------------------------------------------------------------- perceptron


def optax_mean_over_last_axis(fn, *args: np.ndarray) -> np.ndarray:
    """An elementwise optax loss of float64 ``args``, averaged over the last axis (losslab's per-sample loss)."""
    j = jnp()
    return np.asarray(j.mean(fn(*(j.asarray(a) for a in args)), axis=-1))


@pytest.mark.parametrize("labels", ["pm1", "01"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_perceptron_matches_optax(xp, dtype, shape, labels):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        pm1, scores = rng.choice([-1.0, 1.0], size=shape), rng.normal(scale=2.0, size=shape)
        y_true = pm1 if labels == "pm1" else (pm1 + 1.0) / 2.0  # {0, 1} labels are mapped to {-1, 1}
        expected = optax_mean_over_last_axis(optax.losses.perceptron_loss, rounded(scores, dtype), pm1)
        got = losslab.perceptron(as_dtype(xp, y_true, dtype), as_dtype(xp, scores, dtype))
        assert_close(got, expected, xp=xp, dtype=getattr(xp, dtype), **tolerance(dtype))


def test_perceptron_gradients_match_optax(rng):
    y_true, scores = rng.choice([-1.0, 1.0], size=(5, 4)), rng.normal(size=(5, 4))
    j = jnp()
    assert_gradients_match(
        losslab.Perceptron(), lambda t, p: j.mean(optax.losses.perceptron_loss(p, t)), y_true, scores
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_perceptron_huge_scores_stay_finite(dtype):
    y_true = np.array([[1.0, -1.0, 1.0], [-1.0, 1.0, 1.0]])
    scores = 1e30 * np.array([[1.0, 1.0, -1.0], [-1.0, 1.0, -1.0]])  # float32: inf is 3.4e38
    value, grad = finite_value_and_grad(losslab.Perceptron(), y_true, scores, dtype)
    assert_close(value, np.asarray(3e30 / 6), rtol=1e-6)  # three of the six margins are -1e30
    assert_close(grad, -y_true * (y_true * scores < 0) / 6, rtol=1e-6)  # d/df max(0, -y f) = -y where violated


# ---------------------------------------------------------------- binary sparsemax


def sparse_plus_by_hand(z: np.ndarray) -> np.ndarray:
    return np.where(z <= -1.0, 0.0, np.where(z >= 1.0, z, (z + 1.0) ** 2 / 4.0))


@pytest.mark.parametrize("labels", ["01", "pm1"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_binary_sparsemax_matches_optax(xp, dtype, shape, labels):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        y01, logits = rng.integers(0, 2, size=shape).astype(float), rng.normal(scale=2.0, size=shape)
        logits.reshape(-1)[:3] = [1.0, -1.0, 0.0]  # the joins of the three pieces
        y_true = y01 if labels == "01" else 2.0 * y01 - 1.0
        expected = optax_mean_over_last_axis(optax.losses.sparsemax_loss, rounded(logits, dtype), y01)
        got = losslab.binary_sparsemax(as_dtype(xp, y_true, dtype), as_dtype(xp, logits, dtype))
        assert_close(got, expected, xp=xp, dtype=getattr(xp, dtype), **tolerance(dtype))
        assert_close(
            got,
            np.mean(sparse_plus_by_hand(-(2.0 * y01 - 1.0) * rounded(logits, dtype)), -1),
            xp=xp,
            **tolerance(dtype),
        )


def test_binary_sparsemax_gradients_match_optax(rng):
    y_true, logits = rng.integers(0, 2, size=(6, 4)).astype(float), rng.normal(scale=1.5, size=(6, 4))
    j = jnp()
    assert_gradients_match(
        losslab.BinarySparsemax(), lambda t, p: j.mean(optax.losses.sparsemax_loss(p, t)), y_true, logits
    )


def test_binary_sparsemax_is_zero_where_the_sparse_sigmoid_equals_the_label():
    y_true = np.array([[1.0, 0.0, 1.0, 0.0]])
    logits = np.array([[1.0, -1.0, 5.0, -0.5]])
    assert np.clip((1.0 + logits) / 2.0, 0.0, 1.0)[0, :3].tolist() == [1.0, 0.0, 1.0]  # the sparse sigmoid
    got = losslab.binary_sparsemax(y_true, logits)
    assert_close(got, np.array([(-0.5 + 1.0) ** 2 / 4 / 4]))  # only the last costs: z = f = -0.5, over 4 values


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_sparsemax_huge_logits_stay_finite(xp, backend, dtype):
    y_true = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    logits = 1e30 * np.array([[1.0, 1.0, -1.0], [-1.0, 1.0, -1.0]])  # squared, 1e30 would overflow
    expected = np.mean(sparse_plus_by_hand(-(2.0 * y_true - 1.0) * logits), -1)  # linear beyond the margin
    got = losslab.binary_sparsemax(as_dtype(xp, y_true, dtype), as_dtype(xp, logits, dtype))
    assert_close(got, expected, xp=xp, rtol=1e-6)
    if backend is not Backend.TORCH:  # the torch and JAX gradients below depend on no xp: checked once
        return
    _, grad = finite_value_and_grad(losslab.BinarySparsemax(), y_true, logits, dtype)
    wrong = (2.0 * y_true - 1.0) * logits < 0
    assert_close(grad, -(2.0 * y_true - 1.0) * wrong / 6, rtol=1e-6)  # slope 1 in z = -y f where wrong


# ---------------------------------------------------------------- NT-Xent


def optax_ntxent(labels: np.ndarray, embeddings: np.ndarray, temperature: float) -> float:
    j = jnp()
    return float(optax.losses.ntxent(j.asarray(embeddings), j.asarray(labels), temperature=temperature))


def views(rng: np.random.Generator, items: int, per_item: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """``per_item`` noisy views of each of ``items`` items (not normalised): every sample has as many positives."""
    centres = rng.normal(size=(items, d))
    labels = np.repeat(np.arange(items), per_item)
    scale = rng.uniform(0.2, 5.0, size=(items * per_item, 1))
    embeddings = scale * (centres[labels] + 0.5 * rng.normal(size=(items * per_item, d)))
    order = rng.permutation(len(labels))
    return labels[order], embeddings[order]


def positives_per_sample(labels: np.ndarray) -> np.ndarray:
    return (labels[:, None] == labels[None, :]).sum(axis=1) - 1.0


@pytest.mark.parametrize("temperature", [0.07, 0.5, 1.0])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("items", "per_item", "d"), [(4, 2, 3), (3, 3, 5), (6, 2, 8)])
def test_ntxent_matches_optax_on_batches_of_views(xp, dtype, items, per_item, d, temperature):
    for seed in SEEDS:
        labels, embeddings = views(np.random.default_rng(seed), items, per_item, d)
        expected = optax_ntxent(labels, rounded(embeddings, dtype), temperature)
        loss = losslab.NTXent(temperature=temperature)
        got = loss(xp.asarray(labels), as_dtype(xp, embeddings, dtype))
        assert_close(got, np.asarray(expected), xp=xp, dtype=getattr(xp, dtype), **tolerance(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_ntxent_with_uneven_groups_matches_optax_weighted_by_positives(xp, dtype, rng):
    """optax averages over pairs: weighting each sample by its number of positives gives that mean.

    The first two samples have no positive: weight 0, and masked in the plain mean.
    """
    for _ in SEEDS:
        labels = np.concatenate([[3, 4], rng.permutation([0, 0, 0, 1, 1, 2, 2, 2])])  # groups of 1, 1, 3, 2, 3
        embeddings = rng.normal(size=(10, 4))
        expected = optax_ntxent(labels, rounded(embeddings, dtype), 0.2)
        weights = positives_per_sample(labels)
        loss = losslab.NTXent(temperature=0.2, reduction="mean_with_sample_weight")
        got = loss(xp.asarray(labels), as_dtype(xp, embeddings, dtype), sample_weight=as_dtype(xp, weights, dtype))
        assert_close(got, np.asarray(expected), xp=xp, **tolerance(dtype))
        per_sample = losslab.ntxent(labels, embeddings, temperature=0.2)
        assert np.all(per_sample[:2] == 0.0) and np.all(per_sample[2:] > 0.0)
        plain = losslab.NTXent(temperature=0.2)(labels, embeddings)  # the mean over the 8 samples with positives
        assert_close(plain, np.asarray(per_sample[2:].mean()), rtol=1e-12)


def test_ntxent_gradients_match_optax(rng):
    labels, embeddings = views(rng, 3, 2, 4)

    def theirs(t, p):
        return optax.losses.ntxent(p, t, temperature=0.3)

    assert_gradients_match(losslab.NTXent(temperature=0.3), theirs, labels, embeddings)


@pytest.mark.parametrize("dtype", DTYPES)
def test_ntxent_edges_stay_finite_where_optax_does_not(xp, backend, dtype, rng):
    labels = np.array([0, 1, 2, 3])  # no positive pair at all
    embeddings = rng.normal(size=(4, 3))
    assert np.isnan(optax_ntxent(labels, embeddings, 0.1))
    got = losslab.NTXent(temperature=0.1)(xp.asarray(labels), as_dtype(xp, embeddings, dtype))
    assert_close(got, np.asarray(0.0), xp=xp, atol=0.0)
    if backend is not Backend.TORCH:  # the torch and JAX gradients below depend on no xp: checked once
        return
    # huge and tiny rows, a zero row, a tiny temperature: finite values and gradients
    labels = np.array([0, 0, 1, 1, 2])
    big = 1e30 if dtype == "float64" else 1e18  # float32: a squared norm would overflow from 1.8e19
    embeddings = np.array([[big, 1.0], [big, -big], [1e-30, 2e-30], [0.0, 1e-20], [0.0, 0.0]])
    finite_value_and_grad(losslab.NTXent(temperature=1e-3), labels, embeddings, dtype)
    value, _ = finite_value_and_grad(losslab.NTXent(temperature=0.5), labels, embeddings, dtype)
    directions = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-300)
    s = directions @ directions.T / 0.5
    positive = (labels[:, None] == labels[None, :]) & ~np.eye(5, dtype=bool)
    negative = labels[:, None] != labels[None, :]
    by_hand = [
        np.logaddexp(s[i, j], np.logaddexp.reduce(s[i][negative[i]])) - s[i, j]
        for i, j in zip(*np.nonzero(positive), strict=True)
    ]
    assert_close(value, np.asarray(np.mean(by_hand)), rtol=1e-5 if dtype == "float32" else 1e-10)


def test_ntxent_huge_float32_rows_keep_their_direction():
    """optax squares the rows as they are: in float32 a row of 1e20 overflows and its similarities become 0."""
    labels = np.array([0, 0, 1, 1])
    rows = np.array([[1.0, 1e-20], [1.0, -1.0], [1.0, 2.0], [0.0, 1.0]])
    huge = (rows * np.array([[1e20], [1e20], [1.0], [1.0]])).astype(np.float32)
    expected = optax_ntxent(labels, rows, 0.5)  # the same directions at ordinary scale, float64
    assert abs(optax_ntxent(labels, huge, 0.5) - expected) > 0.1
    assert_close(losslab.NTXent(temperature=0.5)(labels, huge), np.asarray(expected), rtol=1e-6)


# ---------------------------------------------------------------- ranking softmax


def optax_ranking(y_true, scores, where=None, weights=None, reduce_fn=None) -> np.ndarray:
    j = jnp()
    extra = {k: j.asarray(v) for k, v in (("where", where), ("weights", weights)) if v is not None}
    return np.asarray(
        optax.losses.ranking_softmax_loss(j.asarray(scores), j.asarray(y_true), reduce_fn=reduce_fn, **extra)
    )


def lists(rng: np.random.Generator, shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Graded labels, scores, a padding mask (one list fully padded) and item weights."""
    where = rng.uniform(size=shape) < 0.7
    where.reshape(-1, shape[-1])[0] = False  # a list without a valid item
    where.reshape(-1, shape[-1])[1] = True
    return {
        "y_true": rng.integers(0, 4, size=shape).astype(float),
        "scores": rng.normal(scale=3.0, size=shape),
        "where": where,
        "weights": rng.uniform(0.2, 2.0, size=shape),
    }


@pytest.mark.parametrize("options", ["plain", "where", "weights", "where+weights"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 6), (5, 1)], ids=str)
def test_ranking_softmax_matches_optax_per_list(xp, dtype, shape, options):
    for seed in SEEDS:
        data = lists(np.random.default_rng(seed), shape)
        extra = {k: data[k] for k in ("where", "weights") if k in options}
        theirs = {k: rounded(v, dtype) for k, v in extra.items()}
        expected = optax_ranking(data["y_true"], rounded(data["scores"], dtype), **theirs)
        ours = {k: as_dtype(xp, v, dtype) for k, v in extra.items()}
        got = losslab.ranking_softmax(xp.asarray(data["y_true"]), as_dtype(xp, data["scores"], dtype), **ours)
        assert_close(got, expected, xp=xp, dtype=getattr(xp, dtype), **tolerance(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_ranking_softmax_reductions_are_optax_reduce_fns(xp, dtype, rng):
    j = jnp()
    data = lists(rng, (8, 5))
    t, s = xp.asarray(data["y_true"]), as_dtype(xp, data["scores"], dtype)
    scores = rounded(data["scores"], dtype)
    for reduction, reduce_fn in (("sum", j.sum), ("sum_over_batch_size", j.mean), ("none", None)):
        expected = optax_ranking(data["y_true"], scores, reduce_fn=reduce_fn)
        got = losslab.RankingSoftmax(reduction=reduction)(t, s)
        assert_close(got, expected, xp=xp, **tolerance(dtype))
    # with where, optax's mean counts the lists that have a valid item
    losses = losslab.ranking_softmax(t, s, where=xp.asarray(data["where"]))
    valid_lists = xp.sum(xp.astype(xp.any(xp.asarray(data["where"]), axis=-1), losses.dtype))
    expected = optax_ranking(data["y_true"], scores, where=data["where"], reduce_fn=j.mean)
    assert_close(xp.sum(losses) / valid_lists, expected, xp=xp, **tolerance(dtype))
    expected = optax_ranking(data["y_true"], scores, where=data["where"], reduce_fn=j.sum)
    assert_close(xp.sum(losses), expected, xp=xp, **tolerance(dtype))


def test_ranking_softmax_gradients_match_optax(rng):
    data = lists(rng, (4, 5))
    j = jnp()
    assert_gradients_match(
        losslab.RankingSoftmax(),
        lambda t, p: optax.losses.ranking_softmax_loss(p, t),
        data["y_true"],
        data["scores"],
    )
    where, weights = data["where"], data["weights"]

    def ours(t, p):
        return losslab.ranking_softmax(t, p, where=where, weights=weights).sum()

    def theirs(t, p):
        return optax.losses.ranking_softmax_loss(
            p, t, where=j.asarray(where), weights=j.asarray(weights), reduce_fn=j.sum
        )

    assert_gradients_match(ours, theirs, data["y_true"], data["scores"])


def test_ranking_softmax_with_one_hot_labels_is_categorical_crossentropy(rng):
    labels = np.eye(5)[rng.integers(0, 5, size=6)]
    scores = rng.normal(size=(6, 5))
    expected = losslab.categorical_crossentropy(labels, scores, from_logits=True)
    assert_close(losslab.ranking_softmax(labels, scores), np.asarray(expected), rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_ranking_softmax_huge_scores_and_padding_stay_finite(xp, backend, dtype):
    y_true = np.array([[1.0, 0.0, 2.0, 1.0], [1.0, 1.0, 0.0, 0.0]])
    scores = 1e30 * np.array([[1.0, -1.0, -1.0, 1.0], [1.0, -1.0, 1.0, -1.0]])
    where = np.array([[True, True, True, False], [False, False, False, False]])
    shifted = np.where(where, scores, -np.inf)
    log_p = shifted - np.logaddexp.reduce(shifted[:1], axis=-1, keepdims=True)
    expected = np.array([-np.sum(np.where(where[0], y_true[0] * log_p[0], 0.0)), 0.0])  # 2e30 * 2: item 2 is 2e30 down
    got = losslab.ranking_softmax(as_dtype(xp, y_true, dtype), as_dtype(xp, scores, dtype), where=xp.asarray(where))
    assert_close(got, expected, xp=xp, rtol=1e-6)
    if backend is not Backend.TORCH:  # the torch and JAX gradients below depend on no xp: checked once
        return

    def ours(t, p):
        return losslab.ranking_softmax(t, p, where=where).sum()

    _, grad = finite_value_and_grad(ours, y_true, scores, dtype)
    assert np.all(grad[1] == 0.0) and np.all(grad[0, 3] == 0.0)  # padding gets no gradient


# ---------------------------------------------------------------- multiclass sparsemax


def optax_multiclass_sparsemax(labels: np.ndarray, scores: np.ndarray) -> np.ndarray:
    j = jnp()
    flat = scores.reshape(-1, scores.shape[-1])
    out = optax.losses.multiclass_sparsemax_loss(j.asarray(flat), j.asarray(labels.reshape(-1)))
    return np.asarray(out).reshape(labels.shape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(6, 4), (3, 5, 7), (8, 1), (4, 2)], ids=str)
def test_multiclass_sparsemax_matches_optax(xp, dtype, shape):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        scores, labels = (
            rng.normal(scale=rng.choice([0.3, 2.0, 10.0]), size=shape),
            rng.integers(0, shape[-1], size=shape[:-1]),
        )
        scores.reshape(-1, shape[-1])[0] = 0.0  # a tie of every class: the support is all of them
        expected = optax_multiclass_sparsemax(labels, rounded(scores, dtype))
        got = losslab.multiclass_sparsemax(xp.asarray(labels), as_dtype(xp, scores, dtype))
        assert_close(got, expected, xp=xp, dtype=getattr(xp, dtype), **tolerance(dtype))


def test_multiclass_sparsemax_on_another_axis_and_two_classes(rng):
    scores, labels = rng.normal(size=(5, 3, 4)), rng.integers(0, 3, size=(5, 4))
    expected = losslab.multiclass_sparsemax(labels, np.moveaxis(scores, 1, -1))
    assert_close(losslab.multiclass_sparsemax(labels, scores, axis=1), np.asarray(expected), rtol=1e-12)
    f, y01 = rng.normal(scale=2.0, size=(6, 1)), rng.integers(0, 2, size=(6, 1)).astype(float)
    two = np.concatenate([np.zeros_like(f), f], axis=-1)  # class 1 scores f, class 0 scores 0
    assert_close(losslab.multiclass_sparsemax(y01[:, 0].astype(int), two), losslab.binary_sparsemax(y01, f), rtol=1e-12)


def test_multiclass_sparsemax_gradients_match_optax(rng):
    scores, labels = rng.normal(scale=1.5, size=(6, 5)), rng.integers(0, 5, size=6)
    j = jnp()
    assert_gradients_match(
        losslab.MulticlassSparsemax(),
        lambda t, p: j.mean(optax.losses.multiclass_sparsemax_loss(p, t)),
        labels,
        scores,
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_multiclass_sparsemax_huge_scores_stay_finite(xp, backend, dtype):
    labels = np.array([0, 1, 2])
    scores = 1e30 * np.array([[1.0, -1.0, 0.0], [1.0, -1.0, 0.5], [2.0, 2.0, 2.0]])
    # sparsemax is one-hot on the leading score (a tie: uniform); the loss is then its lead over the true score
    expected = np.array([0.0, 2e30, 0.5 * (1.0 - 1.0 / 3.0)])
    got = losslab.multiclass_sparsemax(xp.asarray(labels), as_dtype(xp, scores, dtype))
    assert_close(got, expected, xp=xp, rtol=1e-6)
    if backend is not Backend.TORCH:  # the torch and JAX gradients below depend on no xp: checked once
        return
    finite_value_and_grad(losslab.MulticlassSparsemax(), labels, scores, dtype)
