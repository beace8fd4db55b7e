"""Training: SGD with momentum, shuffled mini-batches, Keras-like history, all seeds at once."""

from __future__ import annotations

import math
import time
from typing import Any

import torch

import losslab
from losslab.lab.data import Dataset, load_data
from losslab.lab.model import EnsembleMLP
from losslab.lab.results import ExperimentResult, History, RunResult
from losslab.lab.spec import ExperimentSpec, check_seeds

METRICS = ("mse", "accuracy", "sign_accuracy")

Split = tuple[torch.Tensor, torch.Tensor]
"""Inputs and targets of one split (train or test)."""


def _metric(name: str, y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
    """The metric per member: ``y_pred`` of shape ``(members, n, out)``."""
    if name == "mse":
        return ((y_pred - y_true) ** 2).flatten(1).mean(dim=1)
    if name == "sign_accuracy":  # {-1, 1} labels: the sign of a tanh or linear output
        return (torch.where(y_pred >= 0, 1.0, -1.0) == y_true).flatten(1).float().mean(dim=1)
    if y_pred.shape[-1] == 1:  # binary: threshold 0.5, as Keras's binary_accuracy
        return ((y_pred > 0.5).float() == y_true).flatten(1).float().mean(dim=1)
    classes = y_true if not torch.is_floating_point(y_true) else y_true.argmax(dim=-1)
    return (y_pred.argmax(dim=-1) == classes).float().mean(dim=1)


def _keras2_accuracy(y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
    """Keras 2's binary accuracy, ``mean(y_true == round(y_pred))``: what the tutorial printed for {-1, 1} labels."""
    return (torch.round(y_pred) == y_true).flatten(1).float().mean(dim=1)


def _per_member_loss(loss: Any, y_true: torch.Tensor, y_pred: torch.Tensor, weight: torch.Tensor | None = None) -> Any:
    """Mean loss of each member over its batch (Keras's ``sum_over_batch_size``), shape ``(members,)``.

    A loss that already reduces the batch (e.g. ``Dice(axis=(1, 2))``) gives one value per member.
    """
    values = loss(y_true, y_pred)
    if values.ndim == 1:
        return values
    if weight is not None:
        values = values * weight.reshape(*weight.shape[:2], *([1] * (values.ndim - 2)))
    return values.flatten(1).mean(dim=1)


def _class_weights(spec: ExperimentSpec, y: torch.Tensor) -> torch.Tensor | None:
    """One weight per sample from ``spec.class_weight`` (``None`` without it)."""
    if not spec.class_weight:
        return None
    if torch.is_floating_point(y):
        classes = y.argmax(dim=-1) if y.shape[-1] > 1 else y[..., 0].round().long()
    else:
        classes = y
    table = torch.ones(int(classes.max()) + 1 if classes.numel() else 1)
    for key, weight in spec.class_weight.items():
        if int(key) < len(table):
            table[int(key)] = float(weight)
    return table[classes.clamp(min=0)]


def check_experiment(spec: ExperimentSpec, data: Dataset) -> Any:
    """Validate a spec against its data before training; return the loss with ``reduction="none"``.

    Runs the loss once on a few training samples through an untrained model,
    with value checks on, so that an unknown loss, labels that do not fit it
    and a wrong output size fail here, with the loss's own message.
    """
    if spec.metric not in METRICS:
        msg = f"experiment {spec.id!r}: unknown metric {spec.metric!r}; use one of {METRICS}"
        raise ValueError(msg)
    loss = losslab.get(spec.loss)
    if not isinstance(loss, losslab.Loss):
        loss = losslab.LossFunctionWrapper(loss)
    config = loss.get_config()
    config["reduction"] = "none"
    loss = type(loss).from_config(config)
    model = EnsembleMLP(spec.model, data.n_features, 1)
    y_true = torch.as_tensor(data.y_train[:8]).unsqueeze(0)
    try:
        with torch.no_grad(), losslab.value_checks():
            values = loss(y_true, model(torch.as_tensor(data.x_train[:8]).unsqueeze(0)))
    except ValueError as error:
        msg = (
            f"experiment {spec.id!r}: the loss {spec.loss!r} does not fit the model's output "
            f"({spec.model.output_units} units, {spec.model.output_activation}) and the "
            f"{spec.data.labels!r} labels of shape {data.y_train.shape[1:]}: {error}"
        )
        raise ValueError(msg) from error
    if values.ndim != 1 and tuple(values.shape[:2]) != (1, 8):
        msg = f"experiment {spec.id!r}: the loss gives values of shape {tuple(values.shape)}, not one per sample"
        raise ValueError(msg)
    return loss


def train_experiment(spec: ExperimentSpec, seeds: int, data: Dataset | None = None) -> ExperimentResult:
    """Train seeds ``0, 1, ..., seeds - 1`` of ``spec`` as one ensemble; return their histories and final metrics.

    The same number of seeds gives the same histories, bit for bit. A seed
    whose loss, metric or penalty becomes NaN or infinite is marked
    ``"diverged"`` (its history stops at its last finite epoch, its metrics
    are ``None``); the other seeds train on unchanged, since the members of
    the ensemble share nothing, and training stops early once every seed
    has diverged.
    """
    seeds = check_seeds(seeds)
    data = load_data(spec.data) if data is None else data
    loss = check_experiment(spec, data)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: threads cost more than they give, and results stay bitwise stable
    try:
        return _train(spec, seeds, data, loss)
    finally:
        torch.set_num_threads(threads)


def _train(spec: ExperimentSpec, seeds: int, data: Dataset, loss: Any) -> ExperimentResult:
    start = time.perf_counter()
    model = EnsembleMLP(spec.model, data.n_features, seeds)
    optimizer = torch.optim.SGD(model.parameters(), lr=spec.learning_rate, momentum=spec.momentum)
    x_train, y_train = torch.as_tensor(data.x_train), torch.as_tensor(data.y_train)
    x_test, y_test = torch.as_tensor(data.x_test), torch.as_tensor(data.y_test)
    sample_weight = _class_weights(spec, y_train)
    shufflers = [torch.Generator().manual_seed(10_000 + seed) for seed in range(seeds)]
    n = len(x_train)
    histories = [History() for _ in range(seeds)]
    diverged: dict[int, str] = {}  # seed -> why; members are independent, so the others train on unchanged
    for epoch in range(spec.epochs):
        order = torch.stack([torch.randperm(n, generator=g) for g in shufflers])
        epoch_loss = torch.zeros(seeds)
        for begin in range(0, n, spec.batch_size):
            index = order[:, begin : begin + spec.batch_size]
            y_pred = model(x_train[index])
            weight = None if sample_weight is None else sample_weight[index]
            batch_loss = _per_member_loss(loss, y_train[index], y_pred, weight) + model.penalty()
            optimizer.zero_grad(set_to_none=True)
            batch_loss.sum().backward()
            optimizer.step()
            model.apply_constraints()
            epoch_loss += batch_loss.detach() * index.shape[1]
        _log_epoch(spec, model, loss, histories, epoch_loss / n, (x_train, y_train), (x_test, y_test), diverged, epoch)
        if len(diverged) == seeds:  # nothing left to learn
            break
    seconds = (time.perf_counter() - start) / seeds
    return _results(spec, seeds, model, histories, seconds, (x_train, y_train), (x_test, y_test), diverged)


@torch.no_grad()
def _log_epoch(
    spec: ExperimentSpec,
    model: EnsembleMLP,
    loss: Any,
    histories: list[History],
    epoch_loss: torch.Tensor,
    train: Split,
    test: Split,
    diverged: dict[int, str],
    epoch: int,
) -> None:
    """Append the epoch to the history of every seed still finite; a seed with a non-finite value diverges.

    A diverged seed's history stops at its last finite epoch, and ``diverged`` records why.
    """
    train_metric = _metric(spec.metric, model(train[0]), train[1])
    test_pred = model(test[0])
    penalty = model.penalty()
    val_loss = _per_member_loss(loss, test[1].expand(len(histories), *test[1].shape), test_pred) + penalty
    test_metric = _metric(spec.metric, test_pred, test[1])
    series = {
        "loss": epoch_loss,
        "val_loss": val_loss,
        "metric": train_metric,
        "val_metric": test_metric,
        "penalty": penalty,
    }
    finite = {name: torch.isfinite(values).tolist() for name, values in series.items()}
    for m, history in enumerate(histories):
        if m in diverged:
            continue
        bad = [name for name in series if not finite[name][m]]
        if bad:
            diverged[m] = f"non-finite {', '.join(bad)} at epoch {epoch + 1}"
            continue
        for name, values in series.items():
            getattr(history, name).append(float(values[m]))


@torch.no_grad()
def _results(
    spec: ExperimentSpec,
    seeds: int,
    model: EnsembleMLP,
    histories: list[History],
    seconds: float,
    train: Split,
    test: Split,
    diverged: dict[int, str],
) -> ExperimentResult:
    ok = [m for m in range(seeds) if m not in diverged]
    train_pred, test_pred = model(train[0]), model(test[0])
    train_metric = _metric(spec.metric, train_pred, train[1])
    test_metric = _metric(spec.metric, test_pred, test[1])
    extra: dict[int, dict[str, float]] = {
        m: {**_weight_statistics(model, m), "penalty": histories[m].penalty[-1]} for m in ok
    }
    if spec.data.labels == "binary" and spec.model.output_units == 1 and ok:
        for m, metrics in zip(ok, _binary_metrics(test_pred[ok], test[1]), strict=True):
            extra[m].update(metrics)
    if "task" in spec.data.params and ok:  # data of `losslab recommend --data`: its task's test scores
        from losslab.lab.scores import task_scores

        for m, scores in zip(ok, task_scores(spec, test_pred[ok], test[1]), strict=True):
            extra[m].update(scores)
    if spec.data.labels == "pm1":
        for split, pred, target in (("train", train_pred, train[1]), ("test", test_pred, test[1])):
            values = _keras2_accuracy(pred, target)
            for m in ok:
                extra[m][f"keras2_accuracy_{split}"] = float(values[m])
    runs = []
    for seed in range(seeds):
        finals = (float(train_metric[seed]), float(test_metric[seed]), *extra.get(seed, {}).values())
        if seed not in diverged and not all(math.isfinite(value) for value in finals):
            diverged[seed] = "non-finite final metrics"
        if seed in diverged:
            runs.append(RunResult(seed, histories[seed], None, None, seconds, status="diverged", error=diverged[seed]))
        else:
            runs.append(RunResult(seed, histories[seed], finals[0], finals[1], seconds, extra[seed]))
    return ExperimentResult.from_runs(spec, runs)


def _weight_statistics(model: EnsembleMLP, member: int) -> dict[str, float]:
    """The L2 norm of a member's kernels and the fraction of their weights below 1e-3 in magnitude."""
    weights = torch.cat([kernel[member].detach().flatten() for kernel in model.kernels])
    return {"weight_norm": float(weights.norm()), "weight_sparsity": float((weights.abs() < 1e-3).float().mean())}


def _binary_metrics(y_pred: torch.Tensor, y_true: torch.Tensor) -> list[dict[str, float]]:
    """Recall, precision and F1 of the positive (minority) class at 0.5, and PR-AUC, per member, on test."""
    from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score

    truth = y_true[:, 0].numpy().astype(int)
    metrics = []
    for scores in y_pred[..., 0].numpy():
        predicted = (scores > 0.5).astype(int)
        metrics.append(
            {
                "recall_test": float(recall_score(truth, predicted, zero_division=0)),
                "precision_test": float(precision_score(truth, predicted, zero_division=0)),
                "f1_test": float(f1_score(truth, predicted, zero_division=0)),
                "pr_auc_test": float(average_precision_score(truth, scores)),
            }
        )
    return metrics
