"""Training: SGD with momentum, shuffled mini-batches, Keras-like history; compatible experiments at once."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

import losslab
from losslab.lab._groups import group_experiments
from losslab.lab.data import Dataset, load_data
from losslab.lab.model import EnsembleMLP
from losslab.lab.results import ExperimentResult, History, RunResult
from losslab.lab.spec import ExperimentSpec, check_seeds

METRICS = ("mse", "accuracy", "sign_accuracy", "binary_accuracy")

Split = tuple[torch.Tensor, torch.Tensor]
"""Inputs and targets of one split (train or test)."""


def _threshold(spec: ExperimentSpec) -> float:
    """Where a one-unit output decides for class 1: 0 for logits (a linear output), else 0.5 (probabilities)."""
    return 0.0 if spec.model.output_activation == "linear" else 0.5


def _metric(name: str, y_pred: torch.Tensor, y_true: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """The metric per member: ``y_pred`` of shape ``(members, n, out)``; a one-unit output is 1 above ``threshold``."""
    if name == "mse":
        return ((y_pred - y_true) ** 2).flatten(1).mean(dim=1)
    if name == "sign_accuracy":  # {-1, 1} labels: the sign of a tanh or linear output
        return (torch.where(y_pred >= 0, 1.0, -1.0) == y_true).flatten(1).float().mean(dim=1)
    if name == "binary_accuracy" or y_pred.shape[-1] == 1:  # 0.5 on probabilities, as Keras's; 0 on logits
        return ((y_pred > threshold).float() == y_true).flatten(1).float().mean(dim=1)
    classes = y_true if not torch.is_floating_point(y_true) else y_true.argmax(dim=-1)
    return (y_pred.argmax(dim=-1) == classes).float().mean(dim=1)


def _keras2_accuracy(y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
    """Keras 2's binary accuracy, ``mean(y_true == round(y_pred))``: what the tutorial printed for {-1, 1} labels."""
    return (torch.round(y_pred) == y_true).flatten(1).float().mean(dim=1)


def _per_member_loss(loss: Any, y_true: torch.Tensor, y_pred: torch.Tensor, weight: torch.Tensor | None = None) -> Any:
    """Mean loss of each member over its batch (Keras's ``sum_over_batch_size``), shape ``(members,)``.

    A loss that already reduces the batch gives one value per member (``Dice(axis=(1, 2))``) or one per
    output unit (``Dice(axis=1)``, averaged). ``weight`` holds one weight per sample ``(members, batch)``,
    or per sample and label ``(members, batch, labels)`` for multi-label 0/1 columns: the loss then runs
    on each label's column, and the weighted values are averaged over labels and samples.
    """
    if weight is not None and weight.ndim == 3:
        columns = [loss(y_true[..., j : j + 1], y_pred[..., j : j + 1]) for j in range(y_true.shape[-1])]
        return (torch.stack(columns, dim=-1) * weight).flatten(1).mean(dim=1)
    values = loss(y_true, y_pred)
    if values.ndim == 1:
        return values
    if weight is not None:
        values = values * weight.reshape(*weight.shape[:2], *([1] * (values.ndim - 2)))
    return values.flatten(1).mean(dim=1)


def _class_weights(spec: ExperimentSpec, y: torch.Tensor) -> torch.Tensor | None:
    """One weight per sample from ``spec.class_weight`` (``None`` without it).

    For multi-label data (``spec.data.params["task"] == "multilabel"``, 0/1 columns) a key is a label's
    index and its value weighs that label's positives (negatives weigh 1): one weight per sample and
    label, ``(n, labels)``.
    """
    if not spec.class_weight:
        return None
    if spec.data.params.get("task") == "multilabel":
        positives = torch.ones(y.shape[-1])
        for key, weight in spec.class_weight.items():
            if int(key) < len(positives):
                positives[int(key)] = float(weight)
        return 1.0 + (positives - 1.0) * y
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
    n = 9 if spec.model.output_units == 8 else 8  # so that one value per sample and one per unit differ in shape
    y_true = torch.as_tensor(data.y_train[:n]).unsqueeze(0)
    try:
        with torch.no_grad(), losslab.value_checks():
            values = loss(y_true, model(torch.as_tensor(data.x_train[:n]).unsqueeze(0)))
    except ValueError as error:
        msg = (
            f"experiment {spec.id!r}: the loss {spec.loss!r} does not fit the model's output "
            f"({spec.model.output_units} units, {spec.model.output_activation}) and the "
            f"{spec.data.labels!r} labels of shape {data.y_train.shape[1:]}: {error}"
        )
        raise ValueError(msg) from error
    per_unit = tuple(values.shape) == (1, spec.model.output_units)  # over the batch, per unit: Dice(axis=1)
    if values.ndim != 1 and tuple(values.shape[:2]) != (1, min(n, len(data.y_train))) and not per_unit:
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
    return _one_thread(lambda: _train([_Entry(spec, data, loss)], seeds))[0]


def train_experiments(specs: Sequence[ExperimentSpec], seeds: int) -> list[ExperimentResult]:
    """Train specs that :func:`group_experiments` puts together as one ensemble; results in the order of ``specs``.

    Every seed of every spec is a member of one ensemble, so a training step
    costs about what one experiment's step costs. Each member keeps its own
    loss, labels, metric and class weights, and its initial weights and
    batch order depend on its seed only: each result is the one
    :func:`train_experiment` gives for its spec alone, up to float rounding
    (about 1e-6 relative; batched kernels may sum in another order), and
    the same specs with the same number of seeds give the same histories,
    bit for bit. A seed that diverges is marked as in :func:`train_experiment`,
    and its non-finite values reach no other member.

    Raises
    ------
    ValueError
        When the specs cannot train together (see :func:`group_experiments`), or when a spec does not fit its
        data (:func:`check_experiment`'s message).
    """
    seeds = check_seeds(seeds)
    datasets = [load_data(spec.data) for spec in specs]
    if len(group_experiments(specs, datasets)) > 1:
        msg = f"experiments {[spec.id for spec in specs]} cannot train as one ensemble; see group_experiments"
        raise ValueError(msg)
    entries = [_Entry(spec, data, check_experiment(spec, data)) for spec, data in zip(specs, datasets, strict=True)]
    return _one_thread(lambda: _train(entries, seeds))


def _one_thread(work: Callable[[], list[ExperimentResult]]) -> list[ExperimentResult]:
    """Run ``work`` on one torch thread: tiny matrices gain nothing from threads, and results stay bitwise stable."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return work()
    finally:
        torch.set_num_threads(threads)


@dataclass(frozen=True)
class _Entry:
    """One experiment of an ensemble: its spec, its data and its loss (``reduction="none"``)."""

    spec: ExperimentSpec
    data: Dataset
    loss: Any


SERIES = ("loss", "val_loss", "metric", "val_metric", "penalty")
"""The series of :class:`~losslab.lab.results.History`, in the order of the rows :func:`_train` logs."""


def _train(entries: list[_Entry], seeds: int) -> list[ExperimentResult]:
    """Train every seed of every entry as one ensemble: member ``e * seeds + s`` is seed ``s`` of entry ``e``.

    One step runs the model once on every member's batch, each entry's loss on its members' outputs, and
    one SGD-with-momentum update of every parameter (with ``torch._foreach`` ops: the same arithmetic as
    ``torch.optim.SGD``, ``v = momentum * v + g; w -= lr * v``, in fewer calls). Each epoch logs one row
    per series for every member, with no Python loop over members; histories are read back once at the end.
    """
    start = time.perf_counter()
    spec = entries[0].spec
    n_entries = len(entries)
    members = n_entries * seeds
    outputs = [entry.spec.model.output_activation for entry in entries]
    model = EnsembleMLP(spec.model, entries[0].data.n_features, seeds, repeats=n_entries, output_activations=outputs)
    params: list[torch.Tensor] = list(model.parameters())
    velocities: list[torch.Tensor] = []
    x_train, x_test = torch.as_tensor(entries[0].data.x_train), torch.as_tensor(entries[0].data.x_test)
    y_train = [torch.as_tensor(entry.data.y_train) for entry in entries]
    y_test = [torch.as_tensor(entry.data.y_test) for entry in entries]
    weights = [_class_weights(entry.spec, y) for entry, y in zip(entries, y_train, strict=True)]
    shufflers = [torch.Generator().manual_seed(10_000 + seed) for seed in range(seeds)]
    n, batch = len(x_train), spec.batch_size
    slices = [slice(e * seeds, (e + 1) * seeds) for e in range(n_entries)]
    x_both = torch.cat([x_train, x_test])
    rows: list[torch.Tensor] = []  # one (series, members) row per epoch
    alive = torch.ones(members, dtype=torch.bool)
    for _ in range(spec.epochs):
        order = torch.stack([torch.randperm(n, generator=g) for g in shufflers])  # (seeds, n): one order per seed
        x_epoch = x_train[order]
        if n_entries > 1:
            x_epoch = x_epoch.repeat(n_entries, 1, 1)  # seed s of every entry sees the same batches
        y_epoch = [y[order] for y in y_train]
        w_epoch = [None if w is None else w[order] for w in weights]
        epoch_loss = torch.zeros(members)
        for begin in range(0, n, batch):
            batch_slice = slice(begin, begin + batch)
            y_pred = model(x_epoch[:, batch_slice])
            parts = [
                _per_member_loss(
                    entry.loss,
                    y[:, batch_slice],
                    y_pred[members_slice],
                    None if w is None else w[:, batch_slice],
                )
                for entry, y, w, members_slice in zip(entries, y_epoch, w_epoch, slices, strict=True)
            ]
            batch_loss = parts[0] if n_entries == 1 else torch.cat(parts)
            if model.regularizer is not None:
                batch_loss = batch_loss + model.penalty()
            grads = torch.autograd.grad(batch_loss.sum(), params)
            with torch.no_grad():
                if velocities:
                    torch._foreach_mul_(velocities, spec.momentum)
                    torch._foreach_add_(velocities, grads)
                else:
                    velocities = [grad.clone() for grad in grads]
                torch._foreach_add_(params, velocities, alpha=-spec.learning_rate)
            model.apply_constraints()
            epoch_loss += batch_loss.detach() * min(batch, n - begin)
        row = _log_epoch(entries, model, epoch_loss / n, (x_train, y_train), (x_test, y_test), slices, x_both)
        rows.append(row)
        alive &= torch.isfinite(row).all(dim=0)
        if not bool(alive.any()):  # every member has diverged: nothing left to learn
            break
    seconds = (time.perf_counter() - start) / members
    histories, diverged = _histories(torch.stack(rows), members)
    return _results(entries, seeds, model, histories, diverged, seconds, (x_train, y_train), (x_test, y_test))


@torch.no_grad()
def _log_epoch(
    entries: list[_Entry],
    model: EnsembleMLP,
    epoch_loss: torch.Tensor,
    train: tuple[torch.Tensor, list[torch.Tensor]],
    test: tuple[torch.Tensor, list[torch.Tensor]],
    slices: list[slice],
    inputs: torch.Tensor,
) -> torch.Tensor:
    """The epoch's values of every series (:data:`SERIES`) for every member, shape ``(series, members)``.

    ``inputs`` holds the inputs of both splits, train then test, so that one pass evaluates both.
    """
    both = model(inputs)  # one pass over both splits
    train_pred, test_pred = both[:, : len(train[0])], both[:, len(train[0]) :]
    penalty = model.penalty()
    seeds = slices[0].stop
    val_loss, train_metric, test_metric = [], [], []
    for entry, y_train, y_test, members in zip(entries, train[1], test[1], slices, strict=True):
        val_loss.append(_per_member_loss(entry.loss, y_test.expand(seeds, *y_test.shape), test_pred[members]))
        threshold = _threshold(entry.spec)
        train_metric.append(_metric(entry.spec.metric, train_pred[members], y_train, threshold))
        test_metric.append(_metric(entry.spec.metric, test_pred[members], y_test, threshold))
    return torch.stack(
        [epoch_loss, torch.cat(val_loss) + penalty, torch.cat(train_metric), torch.cat(test_metric), penalty]
    )


def _histories(rows: torch.Tensor, members: int) -> tuple[list[History], dict[int, str]]:
    """Each member's history from the epochs' rows ``(epochs, series, members)``, and why members diverged.

    A member's history stops at its last epoch whose every series is finite; ``diverged`` maps a
    member to the series that were not finite at its first bad epoch.
    """
    finite = torch.isfinite(rows)
    good_epoch = finite.all(dim=1)  # (epochs, members)
    epochs = len(rows)
    # the first bad epoch of each member (epochs when none)
    first_bad = torch.where(~good_epoch, torch.arange(epochs).unsqueeze(1), epochs).min(dim=0).values.tolist()
    values = rows.permute(2, 1, 0).tolist()  # members x series x epochs
    finite_at = finite.permute(2, 1, 0).tolist()
    histories, diverged = [], {}
    for m in range(members):
        stop = first_bad[m]
        histories.append(History(**{name: values[m][i][:stop] for i, name in enumerate(SERIES)}))
        if stop < epochs:
            bad = [name for i, name in enumerate(SERIES) if not finite_at[m][i][stop]]
            diverged[m] = f"non-finite {', '.join(bad)} at epoch {stop + 1}"
    return histories, diverged


@torch.no_grad()
def _results(
    entries: list[_Entry],
    seeds: int,
    model: EnsembleMLP,
    histories: list[History],
    diverged: dict[int, str],
    seconds: float,
    train: tuple[torch.Tensor, list[torch.Tensor]],
    test: tuple[torch.Tensor, list[torch.Tensor]],
) -> list[ExperimentResult]:
    """One result per entry from the trained ensemble; member ``e * seeds + s`` is seed ``s`` of entry ``e``."""
    train_pred, test_pred = model(train[0]), model(test[0])
    results = []
    for e, entry in enumerate(entries):
        members = slice(e * seeds, (e + 1) * seeds)
        results.append(
            _experiment_result(
                entry.spec,
                seeds,
                model,
                histories[members],
                {m - e * seeds: why for m, why in diverged.items() if members.start <= m < members.stop},
                seconds,
                (train_pred[members], train[1][e]),
                (test_pred[members], test[1][e]),
                e * seeds,
            )
        )
    return results


def _experiment_result(
    spec: ExperimentSpec,
    seeds: int,
    model: EnsembleMLP,
    histories: list[History],
    diverged: dict[int, str],
    seconds: float,
    train: Split,
    test: Split,
    first_member: int,
) -> ExperimentResult:
    """The result of one experiment from its members' predictions ``(seeds, n, out)`` on each split."""
    ok = [m for m in range(seeds) if m not in diverged]
    train_metric = _metric(spec.metric, train[0], train[1], _threshold(spec)).tolist()
    test_metric = _metric(spec.metric, test[0], test[1], _threshold(spec)).tolist()
    extra: dict[int, dict[str, float]] = {
        m: {**_weight_statistics(model, first_member + m), "penalty": histories[m].penalty[-1]} for m in ok
    }
    if spec.data.labels == "binary" and spec.model.output_units == 1 and ok:
        for m, metrics in zip(ok, _binary_metrics(test[0][ok], test[1], _threshold(spec)), strict=True):
            extra[m].update(metrics)
    if "task" in spec.data.params and ok:  # data of `losslab recommend --data`: its task's test scores
        from losslab.lab.scores import task_scores

        for m, scores in zip(ok, task_scores(spec, test[0][ok], test[1]), strict=True):
            extra[m].update(scores)
    if spec.data.labels == "pm1":
        for split, (pred, target) in (("train", train), ("test", test)):
            values = _keras2_accuracy(pred, target).tolist()
            for m in ok:
                extra[m][f"keras2_accuracy_{split}"] = values[m]
    runs = []
    for seed in range(seeds):
        finals = (train_metric[seed], test_metric[seed], *extra.get(seed, {}).values())
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


def _binary_metrics(y_pred: torch.Tensor, y_true: torch.Tensor, threshold: float) -> list[dict[str, float]]:
    """Recall, precision and F1 of the positive (minority) class above ``threshold``, and PR-AUC, per member."""
    from losslab.lab._metrics import average_precision_score, f1_score, precision_score, recall_score

    truth = y_true[:, 0].numpy().astype(int)
    metrics = []
    for scores in y_pred[..., 0].numpy():
        predicted = (scores > threshold).astype(int)
        metrics.append(
            {
                "recall_test": recall_score(truth, predicted),
                "precision_test": precision_score(truth, predicted),
                "f1_test": f1_score(truth, predicted),
                "pr_auc_test": average_precision_score(truth, scores),
            }
        )
    return metrics
