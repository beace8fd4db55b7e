"""The NumPy generators give scikit-learn's arrays, bit for bit (scikit-learn is the oracle)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import datasets

from losslab.lab._samples import generate
from losslab.lab.experiments import TUTORIAL

CASES = [
    *sorted({(spec.data.name, repr(spec.data.params)): spec.data for spec in TUTORIAL}.items()),
]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        *[(data.name, dict(data.params)) for _, data in CASES],  # the tutorial's three data sets
        (
            "regression",
            {"n_samples": 50, "n_features": 7, "n_informative": 3, "n_targets": 2, "bias": 1.5, "random_state": 4},
        ),
        ("regression", {"n_samples": 30, "n_features": 4, "noise": 2.0, "shuffle": False, "random_state": 5}),
        ("circles", {"n_samples": 31, "factor": 0.3, "random_state": 0}),
        ("circles", {"n_samples": 10, "shuffle": False, "noise": 0.05, "random_state": 3}),
        ("blobs", {"n_samples": 101, "n_features": 5, "centers": 4, "cluster_std": 0.5, "random_state": 7}),
        ("blobs", {"n_samples": 20, "center_box": (0.0, 1.0), "shuffle": False, "random_state": 2}),
        ("blobs", {"n_samples": 2, "centers": 3, "random_state": 0}),  # a blob without samples
    ],
)
def test_equals_scikit_learn_bit_for_bit(name, params):
    got = generate(name, params)
    assert got is not None
    expected = getattr(datasets, f"make_{name}")(**params)
    for ours, theirs in zip(got, expected, strict=True):
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        assert np.array_equal(ours, theirs)  # exact: same draws, same arithmetic


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("regression", {"effective_rank": 5}),  # an argument the NumPy version lacks
        ("blobs", {"centers": [[0.0, 0.0], [1.0, 1.0]]}),  # centres given as an array
        ("blobs", {"cluster_std": [1.0, 2.0, 3.0]}),
        ("circles", {"random_state": np.random.default_rng(0)}),  # not a RandomState or a seed
        ("circles", {"factor": 1.5}),  # scikit-learn refuses it, with its own message
        ("regression", {"n_samples": 0}),
        ("moons", {}),
    ],
)
def test_other_arguments_are_left_to_scikit_learn(name, params):
    assert generate(name, params) is None


def test_the_lab_does_not_import_scikit_learn_for_the_tutorial():
    import subprocess
    import sys

    code = (
        "import sys; from losslab.lab.data import load_data; from losslab.lab.experiments import TUTORIAL; "
        "[load_data(s.data) for s in TUTORIAL]; print('sklearn' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
