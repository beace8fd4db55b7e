"""Regularizers against Keras 3 (the oracle) and hand-worked float64 formulas, on every backend."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from losslab import regularizers as R
from losslab.testing import Backend, assert_close

EPS = 1e-7
CASES = [
    ("L1", {}),
    ("L1", {"l1": 0.3}),
    ("L2", {}),
    ("L2", {"l2": 0.25}),
    ("L1L2", {}),
    ("L1L2", {"l1": 0.1}),
    ("L1L2", {"l2": 0.2}),
    ("L1L2", {"l1": 0.05, "l2": 0.2}),
    ("OrthogonalRegularizer", {}),
    ("OrthogonalRegularizer", {"factor": 0.3, "mode": "rows"}),
    ("OrthogonalRegularizer", {"factor": 0.3, "mode": "columns"}),
]
SHAPE = (5, 3)  # one 2-D shape throughout keeps JAX's per-shape compilations few
CASE_PARAMS = [pytest.param(n, k, id=f"{n}-{i}") for i, (n, k) in enumerate(CASES)]
# Every case in float32; the elementwise penalties also on a 3-D (conv-like) kernel
# (OrthogonalRegularizer is rank-2 only); a subset covering every class again in float64
# (the gradient tests below check every case in float64 as well).
_VALUE_GRID = [(i, SHAPE, np.float32) for i in range(len(CASES))]
_VALUE_GRID += [(i, (2, 3, 4), np.float32) for i in (1, 2, 7)]
_VALUE_GRID += [(i, SHAPE, np.float64) for i in (0, 3, 5, 8, 10)] + [(7, (2, 3, 4), np.float64)]
PARAMS = [
    pytest.param(*CASES[i], shape, dtype, id=f"{CASES[i][0]}-{i}-{'x'.join(map(str, shape))}-{np.dtype(dtype).name}")
    for i, shape, dtype in _VALUE_GRID
]


def _weights(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=shape) * rng.uniform(0.2, 3.0, size=shape[-1])).astype(dtype)


# -- float64 reference formulas, written out independently of the library ----------------------


def _reference(name, kwargs, x):
    x = np.asarray(x, dtype=np.float64)
    if name == "L1":
        return kwargs.get("l1", 0.01) * np.abs(x).sum()
    if name == "L2":
        return kwargs.get("l2", 0.01) * (x**2).sum()
    if name == "L1L2":
        return kwargs.get("l1", 0.0) * np.abs(x).sum() + kwargs.get("l2", 0.0) * (x**2).sum()
    vectors = x if kwargs.get("mode", "rows") == "rows" else x.T
    n = vectors.shape[0]
    total = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            ni = max(math.sqrt(float(vectors[i] @ vectors[i])), EPS)
            nj = max(math.sqrt(float(vectors[j] @ vectors[j])), EPS)
            total += abs(float(vectors[i] @ vectors[j])) / (ni * nj)
    return kwargs.get("factor", 0.01) * total / (n * (n - 1) / 2)


# -- Keras oracle ------------------------------------------------------------------------------


def _enable_x64():
    import jax

    jax.config.update("jax_enable_x64", True)  # as the xp fixture does; lets Keras compute float64


@functools.cache
def _keras_cached(keras, name, items, shape, dtype_name, seed):
    """Keras's penalty for one case, jitted (one compilation instead of one per primitive)."""
    import jax

    _enable_x64()
    x = _weights(shape, np.dtype(dtype_name), seed)
    reg = getattr(keras.regularizers, name)(**dict(items))
    return np.asarray(jax.jit(reg.__call__)(keras.ops.convert_to_tensor(x)))


def keras_value(keras, name, kwargs, x):
    """Keras's penalty of ``x`` (a tensor, so OrthogonalRegularizer takes Keras's tensor path)."""
    _enable_x64()
    reg = getattr(keras.regularizers, name)(**kwargs)
    return np.asarray(reg(keras.ops.convert_to_tensor(x)))


def assert_configs_match(ours, theirs):
    """Same keys and values; floats to 1e-7 since Keras rounds L1's l1 and the orthogonal factor to float32."""
    assert ours.keys() == theirs.keys()
    for key, value in theirs.items():
        assert ours[key] == (pytest.approx(value, rel=1e-7) if isinstance(value, float) else value), key


def keras_rtol(name, dtype):
    if dtype == np.float32:
        return 2e-6
    # Keras stores L1's l1 and OrthogonalRegularizer's factor as float32 tensors, so its float64
    # results carry a float32 rounding of the factor (relative error below 6e-8).
    return 1e-7 if name in ("L1", "OrthogonalRegularizer") else 1e-12


# -- values ------------------------------------------------------------------------------------


def _maybe_jit(fn, backend, *, eager):
    if backend is Backend.JAX and not eager:
        import jax

        return jax.jit(fn)
    return fn


@pytest.mark.keras
@pytest.mark.parametrize(("name", "kwargs", "shape", "dtype"), PARAMS)
def test_matches_keras_and_formula(name, kwargs, shape, dtype, backend, xp, keras):
    """Keras and the float64 formula agree with us. JAX runs under ``jax.jit`` except for the
    default-argument float32 cases, which run eagerly (eager JAX compiles every primitive
    separately and would make this test several times slower)."""
    x = _weights(shape, dtype)
    expected = _keras_cached(keras, name, tuple(sorted(kwargs.items())), shape, np.dtype(dtype).name, 0)
    assert expected.dtype == dtype  # the oracle itself ran in this precision
    reg = getattr(R, name)(**kwargs)
    w = xp.asarray(x)
    actual = _maybe_jit(reg, backend, eager=not kwargs and shape == SHAPE and dtype == np.float32)(w)
    assert tuple(actual.shape) == ()
    assert actual.dtype == w.dtype
    assert_close(actual, expected, rtol=keras_rtol(name, dtype), xp=xp)
    assert_close(actual, np.asarray(_reference(name, kwargs, x)), rtol=2e-6 if dtype == np.float32 else 1e-12)


def test_hand_worked_values():
    w = np.array([[1.0, -2.0], [0.5, 0.0]])
    assert float(R.L1(0.1)(w)) == pytest.approx(0.1 * 3.5, rel=1e-15)
    assert float(R.L2(0.1)(w)) == pytest.approx(0.1 * 5.25, rel=1e-15)
    assert float(R.L1L2(0.1, 0.2)(w)) == pytest.approx(0.35 + 1.05, rel=1e-15)
    # rows (1, -2) and (0.5, 0): |cos| = 0.5 / (sqrt(5) * 0.5); one pair
    assert float(R.OrthogonalRegularizer(1.0)(w)) == pytest.approx(1 / math.sqrt(5), rel=1e-14)
    # identical rows are maximally non-orthogonal: the mean |cos| is 1
    assert float(R.OrthogonalRegularizer(0.7)(np.ones((4, 3)))) == pytest.approx(0.7, rel=1e-14)
    assert float(R.OrthogonalRegularizer(0.7, mode="columns")(np.eye(3))) == 0.0


@pytest.mark.keras
@pytest.mark.parametrize("mode", ["rows", "columns"])
@pytest.mark.parametrize("kind", ["zeros", "zero_row", "tiny_row"])
def test_orthogonal_epsilon_matches_keras(kind, mode, xp, keras):
    x = _weights(SHAPE, np.float32, seed=3)
    if kind == "zeros":
        x[:] = 0.0
    elif kind == "zero_row":
        x[1, :] = 0.0
        x[:, 2] = 0.0
    else:  # norm below epsilon: Keras scales by 1/epsilon instead of normalizing to 1
        x[1, :] = 1e-9
        x[:, 2] = 1e-9
    reg = R.OrthogonalRegularizer(0.5, mode=mode)
    expected = keras_value(keras, "OrthogonalRegularizer", {"factor": 0.5, "mode": mode}, x)
    assert_close(reg(xp.asarray(x)), expected, rtol=2e-6, atol=1e-9, xp=xp)


def test_orthogonal_single_vector_is_zero(xp):
    # One row means no pairs. Keras computes 0 / 0 = NaN here; losslab returns 0.
    out = R.OrthogonalRegularizer(0.5)(xp.asarray(np.array([[1.0, 2.0, 3.0]], dtype=np.float32)))
    assert float(out) == 0.0
    assert out.dtype == xp.float32
    out = R.OrthogonalRegularizer(0.5, mode="columns")(xp.asarray(np.ones((4, 1))))
    assert float(out) == 0.0


def test_orthogonal_requires_rank_2(xp):
    with pytest.raises(ValueError, match=r"rank 2.*\(2, 2, 2\)"):
        R.OrthogonalRegularizer()(xp.asarray(np.ones((2, 2, 2))))


@pytest.mark.keras
def test_l1l2_skips_zero_terms_like_keras(xp, keras):
    x = np.array([[np.inf, 1.0], [2.0, -3.0]], dtype=np.float32)
    expected = keras_value(keras, "L1L2", {"l2": 0.1}, x)
    assert np.isinf(expected)
    assert math.isinf(float(R.L1L2(l2=0.1)(xp.asarray(x))))  # not 0 * inf = nan
    zero = R.L1L2()(xp.asarray(x))
    assert float(zero) == 0.0
    assert zero.dtype == xp.float32


def test_integer_input_is_computed_in_float32(xp):
    # Keras casts the factor to the integer dtype (L2()(ints) is 0); losslab computes in float32.
    w = xp.asarray(np.array([[1, -2], [3, 4]], dtype=np.int32))
    for reg, expected in [(R.L1(0.5), 5.0), (R.L2(0.5), 15.0), (R.L1L2(0.5, 0.5), 20.0)]:
        out = reg(w)
        assert out.dtype == xp.float32
        assert float(out) == expected


def test_base_regularizer_is_zero(xp):
    out = R.Regularizer()(xp.asarray(np.ones((2, 3))))
    assert float(out) == 0.0
    assert out.dtype == xp.float64
    with pytest.raises(NotImplementedError):
        R.Regularizer().get_config()


# -- autodiff ----------------------------------------------------------------------------------


def _numeric_gradient(fn, x, h=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (fn(x + step) - fn(x - step)) / (2 * h)
    return grad


def _value_and_gradient(backend, fn, *xs):
    """``[(fn(x), gradient at x) for x in xs]``: torch autograd, or ``jax.value_and_grad`` under one
    ``jax.jit`` (compiled once for inputs of one shape)."""
    if backend is Backend.TORCH:
        import torch

        results = []
        for x in xs:
            t = torch.tensor(x, requires_grad=True)
            out = fn(t)
            assert out.dtype == t.dtype and out.device == t.device and out.shape == ()
            out.backward()
            results.append((float(out.detach()), t.grad.numpy()))
        return results
    if backend is Backend.JAX:
        import jax

        compiled = jax.jit(jax.value_and_grad(fn))
        results = []
        for x in xs:
            value, grad = compiled(jax.numpy.asarray(x))
            assert value.dtype == x.dtype
            results.append((float(value), np.asarray(grad)))
        return results
    pytest.skip(f"{backend} has no autodiff")


@pytest.mark.parametrize(("name", "kwargs"), CASE_PARAMS)
def test_gradient_matches_finite_differences(name, kwargs, backend, xp):
    rng = np.random.default_rng(7)
    x = rng.uniform(0.2, 1.5, size=SHAPE) * rng.choice([-1.0, 1.0], size=SHAPE)  # away from |x|'s kink
    [(value, grad)] = _value_and_gradient(backend, getattr(R, name)(**kwargs), x)
    assert value == pytest.approx(_reference(name, kwargs, x), rel=1e-12)
    expected = _numeric_gradient(lambda v: _reference(name, kwargs, v), x)
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-9)


def test_orthogonal_gradient_finite_at_zero(backend, xp):
    # Keras's rsqrt(0) gives NaN gradients for a zero matrix or row (and a NaN value for a single
    # row); losslab's must be finite. Both modes are summed into one function: NaN anywhere shows.
    rows, columns = R.OrthogonalRegularizer(0.5), R.OrthogonalRegularizer(0.5, mode="columns")

    def both(w):
        return rows(w) + columns(w)

    partial = _weights(SHAPE, np.float64, seed=8)  # a zero row and a zero column among non-zero ones
    partial[1, :] = 0.0
    partial[:, 2] = 0.0
    [zeros, mixed] = _value_and_gradient(backend, both, np.zeros(SHAPE), partial)  # one compilation
    [single] = _value_and_gradient(backend, both, np.zeros((1, 3)))
    for value, grad in (zeros, single, mixed):
        assert math.isfinite(value)
        assert np.all(np.isfinite(grad))
    assert zeros[0] == 0.0 and single[0] == 0.0
    expected = sum(
        _reference("OrthogonalRegularizer", {"factor": 0.5, "mode": m}, partial) for m in ("rows", "columns")
    )
    assert mixed[0] == pytest.approx(expected, rel=1e-12)


# -- configs, names and (de)serialization -------------------------------------------------------


@pytest.mark.keras
@pytest.mark.parametrize(("name", "kwargs"), CASE_PARAMS)
def test_config_round_trip_matches_keras(name, kwargs, keras):
    reg = getattr(R, name)(**kwargs)
    config = reg.get_config()
    keras_config = getattr(keras.regularizers, name)(**kwargs).get_config()
    assert_configs_match(config, keras_config)
    rebuilt = type(reg).from_config(config)
    assert type(rebuilt) is type(reg)
    assert rebuilt.get_config() == config
    serialized = R.serialize(reg)
    assert serialized == {"class_name": name, "config": config}
    assert (
        serialized["class_name"]
        == keras.regularizers.serialize(getattr(keras.regularizers, name)(**kwargs))["class_name"]
    )
    assert R.deserialize(serialized).get_config() == config
    assert R.get(serialized).get_config() == config
    # Keras's own serialized dict (with "module" and "registered_name") loads too
    from_keras = R.deserialize(keras.regularizers.serialize(getattr(keras.regularizers, name)(**kwargs)))
    assert type(from_keras) is type(reg)
    assert_configs_match(from_keras.get_config(), config)


@pytest.mark.keras
def test_names_match_keras(keras):
    from keras.src.regularizers import ALL_OBJECTS_DICT

    assert set(ALL_OBJECTS_DICT) <= set(R.REGULARIZERS.names())
    for name, keras_cls in ALL_OBJECTS_DICT.items():
        ours = R.get(name)
        assert type(ours).__name__ == keras_cls.__name__
        if keras_cls.__name__ != "Regularizer":
            assert_configs_match(ours.get_config(), keras.regularizers.get(name).get_config())
    for alias in ["l1", "l2", "l1_l2", "orthogonal_regularizer"]:
        assert getattr(R, alias) is getattr(R, getattr(keras.regularizers, alias).__name__)


def test_get_variants():
    assert R.get(None) is None
    assert isinstance(R.get("l1_l2"), R.L1L2)  # Keras's public alias; keras.regularizers.get rejects it
    assert R.get("l1_l2").get_config() == {"l1": 0.0, "l2": 0.0}
    assert R.get("L2").get_config() == {"l2": 0.01}
    assert R.get(R.OrthogonalRegularizer).get_config() == {"factor": 0.01, "mode": "rows"}
    reg = R.L1(0.2)
    assert R.get(reg) is reg

    def custom(x):
        return 0.0

    assert R.get(custom) is custom
    assert R.deserialize(custom) is custom
    assert R.deserialize(None) is None
    assert R.serialize(None) is None
    assert R.serialize("l2") == "l2"
    assert isinstance(R.deserialize("l1"), R.L1)
    assert R.get({"class_name": "l2", "config": {"l2": 0.5}}).l2 == 0.5
    assert repr(R.L1L2(l1=0.5)) == "L1L2(l1=0.5, l2=0.0)"


def test_custom_objects_round_trip():
    class Scaled(R.Regularizer):
        def __init__(self, scale=1.0):
            self.scale = scale

        def __call__(self, x):
            return self.scale * float(np.sum(np.asarray(x)))

        def get_config(self):
            return {"scale": self.scale}

    config = R.serialize(Scaled(3.0))
    assert config == {"class_name": "Scaled", "config": {"scale": 3.0}}
    with pytest.raises(ValueError, match="unknown regularizer name 'Scaled'"):
        R.deserialize(config)
    assert R.deserialize(config, custom_objects={"Scaled": Scaled}).scale == 3.0


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("l3", "'l1'"),
        ("L1l2", "'L1L2'"),
        ("orthogonal", "'orthogonal_regularizer'"),
        ("ORTHOGONALREGULARIZER", "'OrthogonalRegularizer'"),
    ],
)
def test_unknown_names_suggest_close_ones(name, suggestion):
    for call in (R.get, R.deserialize, lambda n: R.deserialize({"class_name": n, "config": {}})):
        with pytest.raises(ValueError, match=f"unknown regularizer name '{name}'") as info:
            call(name)
        message = str(info.value)
        assert "Did you mean" in message
        assert suggestion in message.split("Did you mean")[1].split("?")[0]
        assert "Valid names:" in message and "orthogonal_regularizer" in message


def test_unknown_name_without_close_match():
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier") as info:
        R.get("zzzzzz")
    assert "Did you mean" not in str(info.value)


def test_uninterpretable_identifiers():
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier"):
        R.get(42)
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier"):
        R.deserialize({"config": {}})
    with pytest.raises(ValueError, match="cannot serialize"):
        R.serialize(lambda x: 0.0)


@pytest.mark.keras
@pytest.mark.parametrize(
    ("name", "kwargs", "argument"),
    [
        ("L1", {"l1": -0.1}, "l1"),
        ("L1", {"l1": "0.1"}, "l1"),
        ("L1", {"l1": math.nan}, "l1"),
        ("L2", {"l2": -1}, "l2"),
        ("L2", {"l2": math.inf}, "l2"),
        ("L1L2", {"l1": -0.5}, "l1"),
        ("L1L2", {"l2": [0.1]}, "l2"),
        ("OrthogonalRegularizer", {"factor": -0.01}, "factor"),
        ("OrthogonalRegularizer", {"factor": None}, "factor"),
        ("OrthogonalRegularizer", {"mode": "diagonal"}, "mode"),
    ],
)
def test_bad_arguments_raise_like_keras(name, kwargs, argument, keras):
    pattern = f"argument `?{argument}`?.*Received: {argument}="
    with pytest.raises(ValueError, match=pattern):
        getattr(keras.regularizers, name)(**kwargs)
    with pytest.raises(ValueError, match=pattern):
        getattr(R, name)(**kwargs)


@pytest.mark.keras
def test_none_means_default_like_keras(keras):
    assert R.L1(None).l1 == pytest.approx(float(keras.regularizers.L1(None).get_config()["l1"]), rel=1e-7)
    assert R.L2(None).get_config() == keras.regularizers.L2(None).get_config()
    assert R.L1L2(None, None).get_config() == keras.regularizers.L1L2(None, None).get_config()


def test_booleans_are_not_factors():
    # Keras accepts True as 1.0 (bool is an int); losslab rejects it as a likely mistake.
    with pytest.raises(ValueError, match="argument l1"):
        R.L1(True)
    assert R.L2(np.float32(0.5)).l2 == 0.5  # NumPy scalars are numbers (Keras rejects np.float32)
