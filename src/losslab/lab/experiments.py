"""The nine experiments of the loss-choice tutorial, as specs.

"How to Choose Loss Functions When Training Deep Learning Neural Networks"
trains small MLPs on scikit-learn's generators with SGD (lr 0.01, momentum
0.9, batch 32) on the first 500 of 1000 samples and tests on the last 500.
``published`` holds the train/test values the tutorial reports. For the hinge
experiments ({-1, 1} labels, tanh output) those are Keras 2's round-based
accuracy, ``mean(y == round(y_pred))``, which counts a correct sign with
``|y_pred| < 0.5`` as wrong; the lab measures the sign accuracy and reports the
Keras 2 accuracy beside it to compare with the published values. (Keras 3's
``accuracy`` checks ``y_pred > 0.5`` against -1 and is wrong for these labels.)
"""

from __future__ import annotations

from losslab.lab.spec import DataSpec, ExperimentSpec, ModelSpec

REGRESSION = DataSpec(
    "regression", {"n_samples": 1000, "n_features": 20, "noise": 0.1, "random_state": 1}, standardize=True
)
CIRCLES = DataSpec("circles", {"n_samples": 1000, "noise": 0.1, "random_state": 1}, labels="binary")
CIRCLES_PM1 = DataSpec("circles", {"n_samples": 1000, "noise": 0.1, "random_state": 1}, labels="pm1")
BLOBS = {"n_samples": 1000, "centers": 3, "n_features": 2, "cluster_std": 2, "random_state": 2}

_REG_MODEL = ModelSpec(hidden=(25,), output_units=1, output_activation="linear")
_BIN_MODEL = ModelSpec(hidden=(50,), output_units=1, output_activation="sigmoid")
_PM1_MODEL = ModelSpec(hidden=(50,), output_units=1, output_activation="tanh")
_MC_MODEL = ModelSpec(hidden=(50,), output_units=3, output_activation="softmax")


def _regression(id_: str, loss: str, published: tuple[float, float]) -> ExperimentSpec:
    return ExperimentSpec(
        id_,
        f"Regression, {loss}",
        REGRESSION,
        _REG_MODEL,
        loss,
        metric="mse",
        epochs=100,
        published={"train": published[0], "test": published[1]},
    )


def _multiclass(id_: str, loss: str, labels: str, published: tuple[float, float]) -> ExperimentSpec:
    return ExperimentSpec(
        id_,
        f"Multi-class, {loss}",
        DataSpec("blobs", BLOBS, labels=labels),
        _MC_MODEL,
        loss,
        metric="accuracy",
        epochs=100,
        published={"train": published[0], "test": published[1]},
    )


TUTORIAL: tuple[ExperimentSpec, ...] = (
    _regression("reg-mse", "mean_squared_error", (0.000, 0.001)),
    _regression("reg-msle", "mean_squared_logarithmic_error", (0.165, 0.184)),
    _regression("reg-mae", "mean_absolute_error", (0.002, 0.002)),
    ExperimentSpec(
        "bin-bce",
        "Binary, binary_crossentropy",
        CIRCLES,
        _BIN_MODEL,
        "binary_crossentropy",
        metric="accuracy",
        epochs=200,
        published={"train": 0.836, "test": 0.852},
    ),
    ExperimentSpec(
        "bin-hinge",
        "Binary, hinge",
        CIRCLES_PM1,
        _PM1_MODEL,
        "hinge",
        metric="sign_accuracy",
        epochs=200,
        published={"train": 0.792, "test": 0.740},
        published_metric="keras2_accuracy",
    ),
    ExperimentSpec(
        "bin-sqhinge",
        "Binary, squared_hinge",
        CIRCLES_PM1,
        _PM1_MODEL,
        "squared_hinge",
        metric="sign_accuracy",
        epochs=200,
        published={"train": 0.682, "test": 0.646},
        published_metric="keras2_accuracy",
    ),
    _multiclass("mc-cce", "categorical_crossentropy", "onehot", (0.840, 0.822)),
    _multiclass("mc-scce", "sparse_categorical_crossentropy", "integer", (0.832, 0.818)),
    _multiclass("mc-kld", "kullback_leibler_divergence", "onehot", (0.822, 0.822)),
)
"""The tutorial's nine experiments, in its order."""


def tutorial_experiment(id_: str) -> ExperimentSpec:
    """One of :data:`TUTORIAL` by id (``"bin-bce"``...)."""
    for spec in TUTORIAL:
        if spec.id == id_:
            return spec
    msg = f"unknown experiment {id_!r}; the tutorial's are {[s.id for s in TUTORIAL]}"
    raise ValueError(msg)
