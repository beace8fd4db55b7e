"""Constraints against Keras 3 (the oracle) and hand-worked float64 formulas, on every backend."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from losslab import constraints as C
from losslab.testing import Backend, assert_close

EPS = 1e-7
DENSE, CONV = (4, 3), (3, 3, 2, 4)
CASES = [
    # (class name, kwargs, shapes it applies to)
    ("MaxNorm", {}, [DENSE, CONV]),
    ("MaxNorm", {"max_value": 1.5, "axis": 1}, [DENSE]),
    ("MaxNorm", {"max_value": 1.0, "axis": -1}, [DENSE]),
    ("MaxNorm", {"max_value": 2.5, "axis": [0, 1, 2]}, [CONV]),
    ("MinMaxNorm", {}, [DENSE]),
    ("MinMaxNorm", {"min_value": 0.5, "max_value": 1.5, "rate": 0.7, "axis": 1}, [DENSE]),
    ("MinMaxNorm", {"min_value": 0.5, "max_value": 3.5, "rate": 1.0, "axis": [0, 1, 2]}, [CONV]),
    ("NonNeg", {}, [DENSE, CONV]),
    ("UnitNorm", {}, [DENSE]),
    ("UnitNorm", {"axis": 1}, [DENSE]),
    ("UnitNorm", {"axis": [0, 1, 2]}, [CONV]),
]
# Every case and shape in float32; a subset covering every class again in float64 (the
# gradient tests below check more cases' values in float64, jitted in JAX).
_VALUE_GRID = [(i, shape, np.float32) for i, (_, _, shapes) in enumerate(CASES) for shape in shapes]
_VALUE_GRID += [(0, DENSE, np.float64), (3, CONV, np.float64), (5, DENSE, np.float64)]
_VALUE_GRID += [(7, DENSE, np.float64), (10, CONV, np.float64)]
PARAMS = [
    pytest.param(
        *CASES[i][:2], shape, dtype, id=f"{CASES[i][0]}-{i}-{'x'.join(map(str, shape))}-{np.dtype(dtype).name}"
    )
    for i, shape, dtype in _VALUE_GRID
]
CASE_PARAMS = [pytest.param(n, k, id=f"{n}-{i}") for i, (n, k, _) in enumerate(CASES)]


def _weights(shape, dtype, seed=0):
    """Last-axis scales from 0.05 to 2.5: for every case some norms are inside the bounds and some
    beyond them (below ``min_value`` too where it is positive)."""
    rng = np.random.default_rng(seed)
    return (rng.normal(size=shape) * np.geomspace(0.05, 2.5, shape[-1])).astype(dtype)


def _reference(name, kwargs, w):
    """float64 formulas written out independently of the library."""
    w = np.asarray(w, dtype=np.float64)
    if name == "NonNeg":
        return np.where(w > 0, w, 0.0)
    axis = kwargs.get("axis", 0)
    axis = tuple(axis) if isinstance(axis, list) else axis
    norms = np.sqrt((w**2).sum(axis=axis, keepdims=True))
    if name == "UnitNorm":
        return w / (EPS + norms)
    if name == "MaxNorm":
        desired = np.minimum(norms, kwargs.get("max_value", 2))
    else:
        rate = kwargs.get("rate", 1.0)
        bounded = np.clip(norms, kwargs.get("min_value", 0.0), kwargs.get("max_value", 1.0))
        desired = rate * bounded + (1 - rate) * norms
    return w * desired / (EPS + norms)


def _enable_x64():
    import jax

    jax.config.update("jax_enable_x64", True)  # as the xp fixture does; lets Keras compute float64


def _freeze(kwargs):
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(kwargs.items()))


@functools.cache
def _keras_cached(keras, name, frozen, shape, dtype_name, seed):
    import jax

    _enable_x64()
    kwargs = {k: list(v) if isinstance(v, tuple) else v for k, v in frozen}
    x = _weights(shape, np.dtype(dtype_name), seed)
    constraint = getattr(keras.constraints, name)(**kwargs)
    return np.asarray(jax.jit(constraint.__call__)(keras.ops.convert_to_tensor(x)))


def keras_value(keras, name, kwargs, x):
    _enable_x64()
    return np.asarray(getattr(keras.constraints, name)(**kwargs)(keras.ops.convert_to_tensor(x)))


def _rtol(dtype):
    return 2e-6 if dtype == np.float32 else 1e-12


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
    expected = _keras_cached(keras, name, _freeze(kwargs), shape, np.dtype(dtype).name, 0)
    assert expected.dtype == dtype  # the oracle itself ran in this precision
    w = xp.asarray(x)
    constraint = getattr(C, name)(**kwargs)
    actual = _maybe_jit(constraint, backend, eager=not kwargs and shape == DENSE and dtype == np.float32)(w)
    assert tuple(actual.shape) == shape
    assert actual.dtype == w.dtype
    assert_close(actual, expected, rtol=_rtol(dtype), atol=1e-7 if dtype == np.float32 else 1e-15, xp=xp)
    assert_close(actual, _reference(name, kwargs, x), rtol=_rtol(dtype), atol=1e-7 if dtype == np.float32 else 1e-15)


def test_norms_land_where_they_should():
    # Independent of both oracles: the resulting column norms, worked by hand.
    w = np.array([[3.0, 0.3, 0.0], [4.0, 0.4, 0.0]])  # column norms 5, 0.5, 0
    norms = lambda v: np.sqrt((np.asarray(v) ** 2).sum(axis=0))  # noqa: E731
    np.testing.assert_allclose(norms(C.MaxNorm(2.0)(w)), [2.0, 0.5, 0.0], rtol=1e-6)
    np.testing.assert_allclose(norms(C.UnitNorm()(w)), [1.0, 1.0, 0.0], rtol=1e-6)
    np.testing.assert_allclose(norms(C.MinMaxNorm(1.0, 2.0)(w)), [2.0, 1.0, 0.0], rtol=1e-6)
    # rate 0.25: a quarter of the way from 5 to 2, and from 0.5 to 1
    np.testing.assert_allclose(norms(C.MinMaxNorm(1.0, 2.0, rate=0.25)(w)), [4.25, 0.625, 0.0], rtol=1e-6)
    # axis=None: the norm of the whole array (sqrt(25.25)) is brought down to 2
    assert np.sqrt((C.MaxNorm(2.0, axis=None)(w) ** 2).sum()) == pytest.approx(2.0, rel=1e-6)
    assert C.NonNeg()(np.array([-1.0, 0.0, 2.0])).tolist() == [0.0, 0.0, 2.0]
    # NumPy integers work as axes, as they do in Keras
    np.testing.assert_array_equal(C.UnitNorm(axis=np.int64(1))(w), C.UnitNorm(axis=1)(w))


@pytest.mark.keras
@pytest.mark.parametrize(("name", "kwargs"), [("MaxNorm", {}), ("MinMaxNorm", {"min_value": 0.5}), ("UnitNorm", {})])
def test_zero_slices_stay_zero_like_keras(name, kwargs, xp, keras):
    x = _weights(DENSE, np.float32, seed=2)
    x[:, 1] = 0.0
    expected = keras_value(keras, name, kwargs, x)
    actual = getattr(C, name)(**kwargs)(xp.asarray(x))
    assert_close(actual, expected, rtol=2e-6, atol=1e-7, xp=xp)
    assert np.all(np.asarray(expected)[:, 1] == 0.0)


@pytest.mark.keras
@pytest.mark.parametrize("name", ["MaxNorm", "UnitNorm", "MinMaxNorm", "NonNeg"])
def test_integer_weights_like_keras(name, xp, keras):
    x = np.array([[3, -1], [4, 2]], dtype=np.int32)
    expected = keras_value(keras, name, {}, x)
    actual = getattr(C, name)()(xp.asarray(x))
    if name == "NonNeg":  # keeps the integer dtype
        assert actual.dtype == xp.int32
        assert np.asarray(expected).tolist() == [[3, 0], [4, 2]]
    else:  # norms are floating: float32, as Keras's floatx
        assert actual.dtype == xp.float32
    assert_close(actual, expected, rtol=2e-6, xp=xp)


def test_base_constraint_is_identity(xp):
    w = xp.asarray(np.array([[-1.0, 2.0]]))
    assert C.Constraint()(w) is w
    assert C.Constraint().get_config() == {}


def test_axis_out_of_range_raises(xp):
    w = xp.asarray(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"MaxNorm: axis=2 is out of range .* rank 2"):
        C.MaxNorm(axis=2)(w)
    with pytest.raises(ValueError, match=r"UnitNorm: axis=\[0, -2\] is out of range or repeated"):
        C.UnitNorm(axis=[0, -2])(w)


# -- autodiff and jit --------------------------------------------------------------------------


def _value_and_gradient(backend, fn, *xs):
    """For each ``x``: ``fn(x)`` and the gradient of ``sum(fn(w) * v)`` for a fixed random ``v``.

    That gradient is one vector-Jacobian product. JAX computes both under one ``jax.jit``,
    compiled once for inputs of one shape.
    """
    v = np.random.default_rng(5).normal(size=xs[0].shape)
    if backend is Backend.TORCH:
        import torch

        results = []
        for x in xs:
            t = torch.tensor(x, requires_grad=True)
            out = fn(t)
            assert out.dtype == t.dtype and out.device == t.device
            (out * torch.tensor(v)).sum().backward()
            results.append((out.detach().numpy(), t.grad.numpy()))
        return results, v
    if backend is Backend.JAX:
        import jax

        both = jax.jit(lambda w: (fn(w), jax.grad(lambda u: (fn(u) * v).sum())(w)))
        results = []
        for x in xs:
            out, grad = both(jax.numpy.asarray(x))
            assert out.dtype == x.dtype
            results.append((np.asarray(out), np.asarray(grad)))
        return results, v
    pytest.skip(f"{backend} has no autodiff")


@pytest.mark.parametrize(("name", "kwargs"), [CASE_PARAMS[i] for i in (1, 3, 4, 5, 6, 7, 9, 10)])
def test_gradient_matches_finite_differences(name, kwargs, backend, xp):
    shape = CONV if isinstance(kwargs.get("axis"), list) else DENSE
    x = _weights(shape, np.float64, seed=4) + 0.01  # no exact zeros (NonNeg's kink)
    [(out, grad)], v = _value_and_gradient(backend, getattr(C, name)(**kwargs), x)
    np.testing.assert_allclose(out, _reference(name, kwargs, x), rtol=1e-12, atol=1e-15)
    expected = np.zeros_like(x)
    h = 1e-6
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        expected[index] = ((_reference(name, kwargs, x + step) - _reference(name, kwargs, x - step)) * v).sum() / (
            2 * h
        )
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-8)


def test_gradient_finite_at_zero(backend, xp):
    # Keras's sqrt(0) makes these gradients NaN; losslab's must be finite. All constraints are
    # summed into one function (one compilation): a NaN in any of them would show. Weights: an
    # all-zero matrix, then one with a zero row and a zero column (zero slices along both axes).
    partial = _weights(DENSE, np.float64, seed=6)
    partial[0, :] = 0.0
    partial[:, 0] = 0.0
    constraints = [C.MaxNorm(), C.MaxNorm(0.5, axis=1), C.MinMaxNorm(0.5, 2.0), C.MinMaxNorm(0.5, 2.0, 0.3, axis=1)]
    constraints += [C.UnitNorm(), C.UnitNorm(axis=1), C.NonNeg()]
    results, _ = _value_and_gradient(backend, lambda w: sum(c(w) for c in constraints), np.zeros(DENSE), partial)
    for out, grad in results:
        assert np.all(np.isfinite(out))
        assert np.all(np.isfinite(grad))
        assert np.all(out[0, :] == 0.0) and np.all(out[:, 0] == 0.0)  # zero slices stay zero


# -- configs, names and (de)serialization -------------------------------------------------------


@pytest.mark.keras
@pytest.mark.parametrize(("name", "kwargs"), CASE_PARAMS)
def test_config_round_trip_matches_keras(name, kwargs, keras):
    constraint = getattr(C, name)(**kwargs)
    keras_constraint = getattr(keras.constraints, name)(**kwargs)
    config = constraint.get_config()
    assert config == keras_constraint.get_config()
    rebuilt = type(constraint).from_config(config)
    assert type(rebuilt) is type(constraint)
    assert rebuilt.get_config() == config
    serialized = C.serialize(constraint)
    keras_serialized = keras.constraints.serialize(keras_constraint)
    assert serialized == {"class_name": keras_serialized["class_name"], "config": keras_serialized["config"]}
    assert C.deserialize(serialized).get_config() == config
    assert C.get(serialized).get_config() == config
    from_keras = C.deserialize(keras_serialized)  # extra "module" and "registered_name" keys are ignored
    assert type(from_keras) is type(constraint)
    assert from_keras.get_config() == config


@pytest.mark.keras
def test_names_match_keras(keras):
    from keras.src.constraints import ALL_OBJECTS_DICT

    assert set(ALL_OBJECTS_DICT) == set(C.CONSTRAINTS.names())
    for name, keras_cls in ALL_OBJECTS_DICT.items():
        ours = C.get(name)
        assert type(ours).__name__ == keras_cls.__name__
        assert ours.get_config() == keras.constraints.get(name).get_config()
    for alias in ["max_norm", "min_max_norm", "non_neg", "unit_norm"]:
        assert getattr(C, alias) is getattr(C, getattr(keras.constraints, alias).__name__)


def test_get_variants():
    assert C.get(None) is None
    assert C.get("unit_norm").get_config() == {"axis": 0}
    assert C.get(C.MinMaxNorm).get_config() == {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}
    constraint = C.MaxNorm(3)
    assert C.get(constraint) is constraint

    def custom(w):
        return w

    assert C.get(custom) is custom
    assert C.deserialize(custom) is custom
    assert C.deserialize(None) is None
    assert C.serialize(None) is None
    assert C.serialize("non_neg") == "non_neg"
    assert isinstance(C.deserialize("NonNeg"), C.NonNeg)
    assert C.get({"class_name": "max_norm", "config": {"max_value": 4}}).max_value == 4
    assert repr(C.MaxNorm(3, axis=[0, 1])) == "MaxNorm(max_value=3, axis=[0, 1])"


def test_custom_objects_round_trip():
    class Scale(C.Constraint):
        def __init__(self, factor=1.0):
            self.factor = factor

        def __call__(self, w):
            return w * self.factor

        def get_config(self):
            return {"factor": self.factor}

    config = C.serialize(Scale(0.5))
    assert config == {"class_name": "Scale", "config": {"factor": 0.5}}
    with pytest.raises(ValueError, match="unknown constraint name 'Scale'"):
        C.deserialize(config)
    assert C.deserialize(config, custom_objects={"Scale": Scale}).factor == 0.5


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("maxnorm", "'max_norm'"), ("MAXNORM", "'MaxNorm'"), ("unitnorm", "'unit_norm'"), ("non_negative", "'non_neg'")],
)
def test_unknown_names_suggest_close_ones(name, suggestion):
    for call in (C.get, C.deserialize, lambda n: C.deserialize({"class_name": n, "config": {}})):
        with pytest.raises(ValueError, match=f"unknown constraint name '{name}'") as info:
            call(name)
        message = str(info.value)
        assert "Did you mean" in message
        assert suggestion in message.split("Did you mean")[1].split("?")[0]
        assert "Valid names:" in message and "min_max_norm" in message


def test_uninterpretable_identifiers():
    with pytest.raises(ValueError, match="Could not interpret constraint identifier") as info:
        C.get("qqqqqq")
    assert "Did you mean" not in str(info.value)
    with pytest.raises(ValueError, match="Could not interpret constraint identifier"):
        C.get(3.5)
    with pytest.raises(ValueError, match="Could not interpret constraint identifier"):
        C.deserialize({"config": {}})
    with pytest.raises(ValueError, match="cannot serialize"):
        C.serialize(lambda w: w)


@pytest.mark.parametrize(
    ("name", "kwargs", "argument"),
    [
        ("MaxNorm", {"max_value": -1.0}, "max_value"),
        ("MaxNorm", {"max_value": "2"}, "max_value"),
        ("MaxNorm", {"max_value": math.nan}, "max_value"),
        ("MaxNorm", {"axis": 0.5}, "axis"),
        ("MaxNorm", {"axis": [0, 0]}, "axis"),
        ("MinMaxNorm", {"min_value": -0.5}, "min_value"),
        ("MinMaxNorm", {"min_value": 2.0, "max_value": 1.0}, "min_value and max_value"),
        ("MinMaxNorm", {"rate": 1.5}, "rate"),
        ("MinMaxNorm", {"rate": None}, "rate"),
        ("UnitNorm", {"axis": "0"}, "axis"),
        ("UnitNorm", {"axis": True}, "axis"),
    ],
)
def test_bad_arguments_raise(name, kwargs, argument):
    # Keras does not validate constraint arguments (it fails later, or silently misbehaves:
    # MinMaxNorm(2, 1) clips every norm to 1); losslab raises at construction.
    with pytest.raises(ValueError, match=f"argument[s]? {argument}.*Received: "):
        getattr(C, name)(**kwargs)
