"""scikit-learn's three sample generators of the lab, in NumPy: the same arrays, bit for bit, without its import.

Importing :mod:`sklearn` costs about a second (it loads much of SciPy); the
tutorial's data sets need only ``make_regression``, ``make_circles`` and
``make_blobs`` with their common arguments. These functions draw from a
``numpy.random.RandomState`` in the order scikit-learn's generators do, so
that they return the same arrays (``tests/lab/test_samples.py`` checks that
against scikit-learn). :func:`generate` falls back to scikit-learn itself for
any argument outside that subset.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

Sample = tuple[np.ndarray, np.ndarray]


def _state(random_state: Any) -> np.random.RandomState:
    if isinstance(random_state, np.random.RandomState):
        return random_state
    return np.random.RandomState(random_state)


def _shuffled(state: np.random.RandomState, x: np.ndarray, y: np.ndarray) -> Sample:
    """Rows of ``x`` and ``y`` in one random order (an index array shuffled in place, as scikit-learn's ``shuffle``)."""
    order = np.arange(len(x))
    state.shuffle(order)
    return x[order], y[order]


def make_regression(
    n_samples: int = 100,
    n_features: int = 100,
    *,
    n_informative: int = 10,
    n_targets: int = 1,
    bias: float = 0.0,
    noise: float = 0.0,
    shuffle: bool = True,
    random_state: Any = None,
) -> Sample:
    """Gaussian features and a linear target on ``n_informative`` of them, as ``sklearn.datasets.make_regression``.

    .. math:: y = X w + b + \\varepsilon, \\quad w_j \\sim 100\\,U(0, 1) \\text{ for informative } j, \\text{ else } 0

    Parameters
    ----------
    n_samples, n_features, n_informative, n_targets, bias, noise, shuffle, random_state
        As scikit-learn's (without ``effective_rank``, ``tail_strength`` and ``coef``).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)

    Examples
    --------
    >>> X, y = make_regression(4, 2, random_state=0)
    >>> X.shape, y.shape
    ((4, 2), (4,))
    """
    n_informative = min(n_features, n_informative)
    state = _state(random_state)
    x = state.standard_normal(size=(n_samples, n_features))
    truth = np.zeros((n_features, n_targets))
    truth[:n_informative, :] = 100 * state.uniform(size=(n_informative, n_targets))
    y = np.dot(x, truth) + bias
    if noise > 0.0:
        y += state.normal(scale=noise, size=y.shape)
    if shuffle:
        x, y = _shuffled(state, x, y)
        columns = np.arange(n_features)
        state.shuffle(columns)
        x[:, :] = x[:, columns]
    return x, np.squeeze(y)


def make_circles(
    n_samples: int = 100,
    *,
    shuffle: bool = True,
    noise: float | None = None,
    random_state: Any = None,
    factor: float = 0.8,
) -> Sample:
    """Two concentric circles in 2-D, labels 0 (outer) and 1 (inner), as ``sklearn.datasets.make_circles``.

    .. math:: x = (\\cos t, \\sin t) \\text{ (outer)}, \\quad x = f\\,(\\cos t, \\sin t) \\text{ (inner)}

    Parameters
    ----------
    n_samples : int
        All samples; the outer circle has ``n_samples // 2``.
    shuffle, noise, random_state, factor
        As scikit-learn's.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)

    Examples
    --------
    >>> X, y = make_circles(4, shuffle=False)
    >>> y.tolist()
    [0, 0, 1, 1]
    """
    n_out = n_samples // 2
    n_in = n_samples - n_out
    state = _state(random_state)
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    x = np.vstack([np.append(np.cos(t_out), np.cos(t_in) * factor), np.append(np.sin(t_out), np.sin(t_in) * factor)]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    if shuffle:
        x, y = _shuffled(state, x, y)
    if noise is not None:
        x += state.normal(scale=noise, size=x.shape)
    return x, y


def make_blobs(
    n_samples: int = 100,
    n_features: int = 2,
    *,
    centers: int | None = None,
    cluster_std: float = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    shuffle: bool = True,
    random_state: Any = None,
) -> Sample:
    """Isotropic Gaussian blobs around ``centers`` random centres, as ``sklearn.datasets.make_blobs``.

    .. math:: x \\sim \\mathcal{N}(c_k, \\sigma^2 I), \\quad c_k \\sim U(\\text{center\\_box})^d

    Parameters
    ----------
    n_samples : int
        All samples, split as evenly as possible (the first blobs get one more).
    n_features, centers, cluster_std, center_box, shuffle, random_state
        As scikit-learn's, with ``centers`` a number (default 3) and ``cluster_std`` one number.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)

    Examples
    --------
    >>> X, y = make_blobs(5, centers=2, shuffle=False, random_state=0)
    >>> y.tolist()
    [0, 0, 0, 1, 1]
    """
    state = _state(random_state)
    n_centers = 3 if centers is None else centers
    means = state.uniform(center_box[0], center_box[1], size=(n_centers, n_features))
    sizes = [n_samples // n_centers + (i < n_samples % n_centers) for i in range(n_centers)]
    x = np.empty((n_samples, n_features), dtype=np.float64)
    y = np.empty((n_samples,), dtype=int)
    start = 0
    for k, size in enumerate(sizes):
        x[start : start + size] = state.normal(loc=means[k], scale=float(cluster_std), size=(size, n_features))
        y[start : start + size] = k
        start += size
    if shuffle:
        x, y = _shuffled(state, x, y)
    return x, y


def _integer(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _seed(value: Any) -> bool:
    return value is None or (_integer(value) and 0 <= value < 2**32)


def _real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


_ARGUMENTS: dict[str, tuple[Callable[..., Sample], dict[str, Callable[[Any], bool]]]] = {
    "regression": (
        make_regression,
        {
            "n_samples": _integer,
            "n_features": _integer,
            "n_informative": _integer,
            "n_targets": _integer,
            "bias": _real,
            "noise": _real,
            "shuffle": lambda v: isinstance(v, bool),
            "random_state": _seed,
        },
    ),
    "circles": (
        make_circles,
        {
            "n_samples": _integer,
            "shuffle": lambda v: isinstance(v, bool),
            "noise": lambda v: v is None or _real(v),
            "random_state": _seed,
            "factor": _real,
        },
    ),
    "blobs": (
        make_blobs,
        {
            "n_samples": _integer,
            "n_features": _integer,
            "centers": lambda v: v is None or _integer(v),
            "cluster_std": _real,
            "center_box": lambda v: isinstance(v, tuple | list) and len(v) == 2 and all(map(_real, v)),
            "shuffle": lambda v: isinstance(v, bool),
            "random_state": _seed,
        },
    ),
}


def generate(name: str, params: Mapping[str, Any]) -> Sample | None:
    """``(X, y)`` of generator ``name`` (``"regression"``, ``"circles"``, ``"blobs"``) from NumPy alone.

    Returns ``None`` when an argument is outside what these functions cover
    (an argument they lack, a random state that is not a seed, an array of
    centres, a value scikit-learn would refuse): the caller then asks
    scikit-learn, which gives the same arrays where both apply and its own
    message otherwise.

    Examples
    --------
    >>> X, y = generate("circles", {"n_samples": 6, "random_state": 1})
    >>> X.shape, sorted(y.tolist())
    ((6, 2), [0, 0, 0, 1, 1, 1])
    >>> generate("blobs", {"centers": [[0.0, 0.0]]}) is None
    True
    """
    if name not in _ARGUMENTS:
        return None
    function, checks = _ARGUMENTS[name]
    if not all(key in checks and checks[key](value) for key, value in params.items()):
        return None
    positive = ("n_samples", "n_features", "n_targets", "centers")
    if any(params.get(key) is not None and params[key] < 1 for key in positive):
        return None
    if params.get("n_informative", 0) < 0 or (params.get("noise") or 0) < 0 or params.get("cluster_std", 0) < 0:
        return None
    if name == "circles" and not 0 <= params.get("factor", 0.8) < 1:
        return None
    return function(**params)
