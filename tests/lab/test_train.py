"""The lab's engine: it learns, it reproduces itself, it rejects bad specs before training."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from losslab.lab.data import encode_labels, load_data
from losslab.lab.experiments import TUTORIAL, tutorial_experiment
from losslab.lab.runner import run_experiments
from losslab.lab.spec import DataSpec, ExperimentSpec, ModelSpec
from losslab.lab.train import train_experiment

torch = pytest.importorskip("torch")


def short(spec: ExperimentSpec, epochs: int = 5) -> ExperimentSpec:
    return replace(spec, epochs=epochs)


def test_binary_crossentropy_learns_the_circles_for_every_seed():
    result = train_experiment(tutorial_experiment("bin-bce"), 5)
    assert all(run.test_metric > 0.8 for run in result.runs), [run.test_metric for run in result.runs]
    assert all(run.history.loss[-1] < run.history.loss[0] for run in result.runs)


def test_same_seeds_give_the_same_history_bit_for_bit():
    spec = short(tutorial_experiment("mc-scce"), epochs=8)
    first, second = train_experiment(spec, 2), train_experiment(spec, 2)
    assert [r.history for r in first.runs] == [r.history for r in second.runs]
    assert first.runs[0].history != first.runs[1].history  # the seeds differ
    assert [r.seed for r in first.runs] == [0, 1]


def test_a_seed_trains_the_same_alone_as_beside_other_seeds():
    spec = short(tutorial_experiment("mc-scce"), epochs=4)
    alone, beside = train_experiment(spec, 1).runs[0], train_experiment(spec, 3).runs[0]
    assert alone.seed == beside.seed == 0
    np.testing.assert_allclose(alone.history.val_loss, beside.history.val_loss, rtol=1e-5)


@pytest.mark.parametrize(
    ("seeds", "error", "message"),
    [
        ([3, 7], TypeError, r"seeds is the number of seeds .*; got \[3, 7\]"),
        (range(2), TypeError, r"got range\(0, 2\)"),
        (True, TypeError, "got True"),
        (0, ValueError, "seeds must be >= 1; got seeds=0"),
    ],
)
def test_seeds_is_a_count_and_anything_else_is_refused(seeds, error, message):
    spec = short(tutorial_experiment("reg-mse"), epochs=1)
    with pytest.raises(error, match=message):
        train_experiment(spec, seeds)
    with pytest.raises(error, match=message):
        run_experiments([spec], seeds)


def test_history_follows_keras_semantics():
    spec = short(tutorial_experiment("reg-mse"), epochs=3)
    run = train_experiment(spec, 1).runs[0]
    assert len(run.history.loss) == len(run.history.val_loss) == len(run.history.val_metric) == 3
    # mse loss and mse metric on the test split are the same number at the end of each epoch
    np.testing.assert_allclose(run.history.val_loss, run.history.val_metric, rtol=1e-5)
    assert run.test_metric == pytest.approx(run.history.val_metric[-1])


def test_pm1_experiments_report_keras2_accuracy_beside_sign_accuracy():
    result = train_experiment(short(tutorial_experiment("bin-hinge"), epochs=30), 1)
    run = result.runs[0]
    assert 0.0 <= run.extra_metrics["keras2_accuracy_test"] <= run.test_metric  # round() needs |y_pred| >= 0.5 too


def test_the_tutorial_data_match_scikit_learn():
    from sklearn.datasets import make_blobs

    data = load_data(tutorial_experiment("mc-cce").data)
    x, y = make_blobs(n_samples=1000, centers=3, n_features=2, cluster_std=2, random_state=2)
    np.testing.assert_allclose(data.x_test, x[500:].astype(np.float32))
    np.testing.assert_array_equal(data.y_train, np.eye(3)[y[:500]])
    regression = load_data(tutorial_experiment("reg-mse").data)
    both = np.concatenate([regression.y_train, regression.y_test])
    assert abs(both.mean()) < 1e-6 and both.std() == pytest.approx(1.0, rel=1e-5)


def test_label_encodings():
    y = np.array([3, 5, 3])
    np.testing.assert_array_equal(encode_labels(y, "pm1")[:, 0], [-1, 1, -1])
    np.testing.assert_array_equal(encode_labels(y, "onehot"), [[1, 0], [0, 1], [1, 0]])
    with pytest.raises(ValueError, match="exactly two classes"):
        encode_labels(np.array([0, 1, 2]), "binary")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"loss": "binary_crosentropy"}, "unknown loss name 'binary_crosentropy'.*'binary_crossentropy'"),
        ({"loss": "sparse_categorical_crossentropy"}, "looks one-hot encoded: use categorical_crossentropy"),
        ({"model": ModelSpec(hidden=(50,), output_units=1, output_activation="softmax")}, r"y_true \(1, 8, 3\)"),
        ({"metric": "f1"}, "unknown metric 'f1'"),
    ],
)
def test_bad_specs_fail_before_training(change, message):
    spec = replace(tutorial_experiment("mc-cce"), epochs=10_000, **change)
    with pytest.raises(ValueError, match=message):
        train_experiment(spec, 1)


def test_pm1_labels_with_binary_crossentropy_fail_with_the_fix():
    spec = replace(tutorial_experiment("bin-hinge"), loss="binary_crossentropy", epochs=10_000)
    with pytest.raises(ValueError, match=r"y_true must lie in \[0, 1\].*use hinge"):
        train_experiment(spec, 1)


def test_user_arrays_and_regularizers():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4))
    y = (x[:, 0] - x[:, 1] > 0).astype(int)
    spec = ExperimentSpec(
        "mine",
        "my data",
        DataSpec("arrays", {"X": x, "y": y}, labels="binary", n_train=200),
        ModelSpec(
            hidden=(16,),
            output_activation="sigmoid",
            kernel_regularizer={"class_name": "L2", "config": {"l2": 1e-3}},
            kernel_constraint="max_norm",
        ),
        "binary_focal_crossentropy",
        epochs=40,
    )
    result = train_experiment(spec, 2)
    assert all(run.test_metric > 0.85 for run in result.runs)


def test_process_pool_gives_the_same_results_as_one_process():
    """The pool trains the same groups as one process does (bin-bce and bin-hinge as one ensemble): bit for bit."""
    ids = ["bin-bce", "reg-mae", "bin-hinge"]
    specs = [short(tutorial_experiment(i), 3) for i in ids]
    serial = run_experiments(specs, 2, jobs=1)
    pooled = run_experiments(specs, 2, jobs=2)
    assert [r.spec.id for r in pooled] == ids
    assert [[run.history for run in r.runs] for r in serial] == [[run.history for run in r.runs] for r in pooled]


# Ray forks its workers; JAX, when an earlier test of this pytest worker imported it, warns at every fork of a
# process it runs threads in. The lab never uses JAX: the warning is about the test process, not about Ray's results.
@pytest.mark.filterwarnings("ignore:os.fork\\(\\) was called:RuntimeWarning")
def test_ray_gives_the_same_results_as_one_process():
    pytest.importorskip("ray")
    specs = [short(tutorial_experiment("mc-kld"), 2)]
    local = run_experiments(specs, 1, jobs=1)
    on_ray = run_experiments(specs, 1, ray_address="local")
    assert local[0].runs[0].history == on_ray[0].runs[0].history


def test_every_tutorial_spec_round_trips_through_json():
    import json

    for spec in TUTORIAL:
        assert ExperimentSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


def test_grouping_follows_inputs_model_and_optimizer():
    from losslab.lab.experiments import TUTORIAL
    from losslab.lab.train import group_experiments, train_experiments

    ids = [[TUTORIAL[i].id for i in group] for group in group_experiments(TUTORIAL)]
    assert ids == [
        ["reg-mse", "reg-msle", "reg-mae"],
        ["bin-bce", "bin-hinge", "bin-sqhinge"],  # sigmoid and tanh outputs train together
        ["mc-cce", "mc-scce", "mc-kld"],
    ]
    mse, mae = short(tutorial_experiment("reg-mse"), 2), short(tutorial_experiment("reg-mae"), 2)
    assert group_experiments([mse, replace(mae, learning_rate=0.02)]) == [[0], [1]]
    assert group_experiments([mse, replace(mae, model=replace(mae.model, hidden=(8,)))]) == [[0], [1]]
    with pytest.raises(ValueError, match="cannot train as one ensemble"):
        train_experiments([mse, short(tutorial_experiment("bin-bce"), 2)], 1)


def test_a_group_is_bit_for_bit_the_same_from_one_call_to_the_next():
    from losslab.lab.train import train_experiments

    specs = [short(tutorial_experiment(id_), 3) for id_ in ("mc-cce", "mc-scce", "mc-kld")]
    first, second = train_experiments(specs, 2), train_experiments(specs, 2)
    assert [[r.history for r in e.runs] for e in first] == [[r.history for r in e.runs] for e in second]


def test_a_logit_output_is_class_1_above_0_and_a_probability_above_one_half():
    bce = tutorial_experiment("bin-bce")  # a sigmoid output
    logits = replace(bce, loss={"class_name": "BinaryCrossentropy", "config": {"from_logits": True}})
    logits = replace(logits, model=replace(bce.model, output_activation="linear"))
    result = train_experiment(replace(logits, epochs=40), 2)
    # the same model's accuracy by hand: logits z > 0 are class 1; thresholding them at 0.5 would differ
    from losslab.lab import train as lab_train

    outputs = torch.tensor([[[-0.2], [0.3], [0.7]]])
    labels = torch.tensor([[0.0], [1.0], [1.0]])
    assert lab_train._metric("accuracy", outputs, labels, lab_train._threshold(logits)).tolist() == [1.0]
    assert lab_train._metric("accuracy", outputs, labels, lab_train._threshold(bce)).tolist() == [pytest.approx(2 / 3)]
    assert all(run.test_metric > 0.8 for run in result.runs), [run.test_metric for run in result.runs]
    assert all(run.extra_metrics["recall_test"] > 0.7 for run in result.runs)


def test_binary_accuracy_thresholds_each_label_on_its_own():
    """Multi-label 0/1 columns: the share of right (sample, label) cells; argmax accuracy would score one class."""
    from losslab.lab.train import _metric

    y_true = torch.tensor([[[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]])  # one member, two samples, three labels
    probabilities = torch.tensor([[[0.9, 0.2, 0.4], [0.8, 0.1, 0.7]]])  # wrong: (0, 2) and (1, 0)
    assert _metric("binary_accuracy", probabilities, y_true).tolist() == [pytest.approx(4 / 6)]
    logits = torch.logit(probabilities)
    assert _metric("binary_accuracy", logits, y_true, threshold=0.0).tolist() == [pytest.approx(4 / 6)]
    assert _metric("accuracy", probabilities, y_true).tolist() == [pytest.approx(1 / 2)]  # argmax: sample 0 only
