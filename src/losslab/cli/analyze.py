"""``losslab recommend`` and ``check``: the loss chooser from the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from losslab.cli._clock import STARTED

app = typer.Typer()


def _console() -> Any:
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 200, highlight=False)


def _load(path: Path, option: str) -> Any:
    import numpy as np

    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise typer.BadParameter(f"cannot read {path} as a .npy array: {error}", param_hint=option) from error


_LABEL_KEYS = ("y", "labels", "y_true")


def _numbers(row: list[str]) -> list[float] | None:
    """A CSV row as floats, or ``None`` when a cell is not a number."""
    try:
        return [float(cell) for cell in row]
    except ValueError:
        return None


def _load_labels(path: Path) -> Any:
    """Labels from a ``.npy`` array, an ``.npz`` archive or a ``.csv`` file of numbers.

    An ``.npz`` archive gives its only array, else the one named ``y``, ``labels`` or ``y_true``. A CSV
    file may start with a header row; one column gives labels of shape ``(n,)``, several ``(n, k)``
    (one-hot rows, say); numbers that are all whole become integers (class indices).
    """
    import csv

    import numpy as np

    suffix = path.suffix.lower()
    if suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as archive:
                keys = list(archive.keys())
                key = keys[0] if len(keys) == 1 else next((k for k in _LABEL_KEYS if k in keys), None)
                if key is None:
                    msg = (
                        f"cannot tell which array of {path} holds the labels: it has {keys}; "
                        f"save one array, or name it one of {', '.join(_LABEL_KEYS)}"
                    )
                    raise typer.BadParameter(msg, param_hint="--labels")
                return archive[key]
        except (OSError, ValueError) as error:
            raise typer.BadParameter(
                f"cannot read {path} as an .npz archive: {error}", param_hint="--labels"
            ) from error
    if suffix == ".csv":
        try:
            with path.open(newline="", encoding="utf-8") as file:
                rows = [row for row in csv.reader(file) if any(cell.strip() for cell in row)]
        except (OSError, UnicodeDecodeError) as error:
            raise typer.BadParameter(f"cannot read {path} as a CSV file: {error}", param_hint="--labels") from error
        values = []
        for number, row in enumerate(rows, start=1):
            numbers = _numbers(row)
            if numbers is not None:
                values.append(numbers)
            elif number > 1:  # a first row that is not numbers is a header
                msg = f"{path}, line {number}: {row} is not a row of numbers; labels are numbers, one row per sample"
                raise typer.BadParameter(msg, param_hint="--labels")
        if not values or len({len(row) for row in values}) != 1:
            msg = f"{path}: expected rows of numbers with the same number of columns; got {len(values)} rows"
            raise typer.BadParameter(msg, param_hint="--labels")
        array = np.asarray(values, dtype=np.float64)
        array = array[:, 0] if array.shape[1] == 1 else array
        whole = np.isfinite(array).all() and (array == np.round(array)).all()
        return array.astype(np.int64) if whole else array
    if suffix != ".npy":
        msg = f"cannot read labels from {path}: use a .npy, .npz or .csv file"
        raise typer.BadParameter(msg, param_hint="--labels")
    return _load(path, "--labels")


@app.command()
def recommend(
    ctx: typer.Context,
    task: str = typer.Option(
        None,
        help="regression, binary, multiclass, multilabel or segmentation; with --data also auto (the default there).",
    ),
    outliers: bool = typer.Option(False, "--outliers", help="Outlying targets (regression) or noisy labels."),
    imbalanced: bool = typer.Option(False, "--imbalanced", help="Some classes (or the foreground) are rare."),
    labels: str = typer.Option(
        None, help="Label encoding: binary, pm1, integer, onehot, probabilities or continuous (default: the task's)."
    ),
    data: Path = typer.Option(
        None,
        dir_okay=False,
        help="Choose on your data: a .csv (with a header), .npz (arrays X and y) or .parquet file; "
        "the rules' pick and the usual alternatives are cross-validated and ranked.",
    ),
    target: str = typer.Option(
        None,
        help="With --data: the target column (npz: the array, default y); several comma-separated for a "
        "multi-label target of 0/1 columns (--target a,b,c).",
    ),
    features: str = typer.Option(None, help="With --data: the feature columns, comma-separated (default: all others)."),
    folds: int = typer.Option(5, help="With --data: cross-validation folds (stratified for classes)."),
    budget: str = typer.Option(None, help="With --data: a time limit such as 60s or 5m (fewer epochs, then folds)."),
    metric: str = typer.Option(
        None,
        help="With --data: the score to rank by: rmse or mae (regression); balanced_accuracy, f1, pr_auc, "
        "minority_recall or accuracy (classes).",
    ),
    epochs: int = typer.Option(50, help="With --data: training epochs of each loss on each fold."),
    seeds: int = typer.Option(1, help="With --data: seeds per loss and fold."),
    out: Path = typer.Option(None, help="With --data: a folder for choice.json, runs.json, curves and report.html."),
    jobs: int = typer.Option(1, help="With --data: parallel processes."),
    ray: str = typer.Option(None, "--ray", help="With --data: run on Ray at this address ('local', 'auto', ...)."),
) -> None:
    """Recommend a loss, output activation and label encoding for a task, with reasons and alternatives.

    With --data, choose on your data: cross-validate the rules' pick and the usual alternatives, and rank them.
    """
    from rich.table import Table
    from rich.text import Text

    from losslab.analysis import recommend as recommend_loss

    if data is not None:
        for flag, given in (("--outliers", outliers), ("--imbalanced", imbalanced), ("--labels", labels is not None)):
            if given:
                msg = f"{flag} is read from the data with --data; leave it out (or drop --data for the rules alone)"
                raise ValueError(msg)
        started = ctx.meta.get(STARTED)  # the root group's record of the command's start
        _recommend_on_data(
            data, target, task or "auto", features, folds, budget, metric, epochs, seeds, out, jobs, ray, started
        )
        return
    if task is None:
        msg = "pass --task (e.g. --task binary), or --data with your data file to choose on it"
        raise ValueError(msg)

    try:
        rec = recommend_loss(task, outliers=outliers, imbalanced=imbalanced, labels=labels)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    console = _console()
    kwargs = ", ".join(f"{k}={v!r}" for k, v in rec.loss_kwargs.items())
    console.print(Text.assemble(("Loss: ", "bold"), f"{rec.loss}({kwargs})"))
    activation = rec.output_activation
    if rec.inference_activation:
        activation += f" (apply a {rec.inference_activation} at inference to read probabilities)"
    console.print(Text.assemble(("Output activation: ", "bold"), activation))
    console.print(Text.assemble(("Label encoding: ", "bold"), rec.label_encoding))
    console.print(Text("Why:", style="bold"))
    for reason in rec.reasons:
        console.print(Text(f"  - {reason}"), soft_wrap=True)
    table = Table(title="Alternatives, best first", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("loss", no_wrap=True)
    table.add_column("activation", no_wrap=True)
    table.add_column("why")
    for rank, alt in enumerate(rec.alternatives, start=1):
        table.add_row(str(rank), Text(alt.loss), alt.activation, Text(alt.reason))
    console.print(table)


def _recommend_on_data(
    data: Path,
    target: str | None,
    task: str,
    features: str | None,
    folds: int,
    budget: str | None,
    metric: str | None,
    epochs: int,
    seeds: int,
    out: Path | None,
    jobs: int,
    ray: str | None,
    started: float | None = None,
) -> None:
    from rich.table import Table
    from rich.text import Text

    from losslab.analysis.choose import choose_loss, read_table, shown_labels
    from losslab.cli._progress import Progress

    names = None if features is None else [name.strip() for name in features.split(",") if name.strip()]
    table = read_table(data, target, names)
    with Progress(0) as bar:  # no heading line: a data error stays the only line

        def progress(done: int, total: int, what: str, status: str) -> None:
            bar.add(total - bar.total)
            bar.done(what, status=None if status == "ok" else status)

        choice = choose_loss(
            table,
            task=task,
            folds=folds,
            budget=budget,
            metric=metric,
            epochs=epochs,
            seeds=seeds,
            jobs=jobs,
            ray_address=ray,
            out=out,
            progress=progress,
            started=started,
        )
    console = _console()
    console.print(Text.assemble(("Task: ", "bold"), choice.task_reason), soft_wrap=True)
    rec = choice.recommendation
    console.print(Text.assemble(("Rules' pick: ", "bold"), f"{rec.loss} after a {rec.output_activation} output"))
    for note in choice.notes[1:]:
        console.print(Text(f"note: {note}"), soft_wrap=True)
    better = "higher" if choice.higher_is_better else "lower"
    grid = Table(
        title=f"{choice.metric} ({better} is better) over {choice.folds} folds, {choice.epochs} epochs, "
        f"{choice.seeds} seed(s); p: {choice.test} against the best",
        title_justify="left",
    )
    for name in ("#", "loss", "output", "labels", "mean", "std", "p vs best", "", "source"):
        grid.add_column(name, no_wrap=name in ("loss", "output"))
    for score in choice.ranking:
        noise = "" if score.within_noise is None else "within noise" if score.within_noise else "worse"
        status = score.source if score.status == "ok" else f"{score.status}: {score.error}"
        grid.add_row(
            str(score.rank),
            Text(score.name),
            score.output_activation,
            shown_labels(score.labels, choice.task),
            "n/a" if score.mean is None else f"{score.mean:.4g}",
            "n/a" if score.std is None else f"{score.std:.2g}",
            "" if score.p_value is None else f"{score.p_value:.3g}",
            noise,
            Text(status),
        )
    console.print(grid)
    console.print(Text(choice.verdict()), soft_wrap=True)
    for kind in ("choice", "runs", "html"):
        if kind in choice.files:
            console.print(Text(f"wrote {choice.files[kind]}"), soft_wrap=True)


@app.command()
def check(
    loss: str = typer.Option(..., help="A loss name or alias, or a JSON config such as '{\"class_name\": ...}'."),
    activation: str = typer.Option(..., help="The model's output activation: linear, sigmoid, softmax, tanh, ..."),
    labels: Path = typer.Option(
        ..., exists=True, dir_okay=False, help="A sample of labels: a .npy, .npz or .csv (one row per sample) file."
    ),
    predictions: Path = typer.Option(
        None, exists=True, dir_okay=False, help="A sample of model outputs (.npy), for the number of output units."
    ),
    from_logits: bool = typer.Option(
        None, "--from-logits/--no-from-logits", help="Override the loss's from_logits (default: the loss's own)."
    ),
    n_classes: int | None = typer.Option(None, min=1, help="Number of output units, when no predictions are given."),
) -> None:
    """Check a loss, output activation and labels for the classic mistakes; exit 1 on an error."""
    import json

    from rich.text import Text

    from losslab.analysis import check as check_setup

    identifier: Any = loss
    if loss.lstrip().startswith("{"):
        try:
            identifier = json.loads(loss)
        except json.JSONDecodeError as error:
            raise typer.BadParameter(f"not valid JSON: {error}", param_hint="--loss") from error
    y_true = _load_labels(labels)
    y_pred = None if predictions is None else _load(predictions, "--predictions")
    try:
        findings = check_setup(
            identifier, activation, y_true, y_pred=y_pred, from_logits=from_logits, n_classes=n_classes
        )
    except (ValueError, TypeError) as error:
        raise typer.BadParameter(str(error)) from error
    console = _console()
    console.print(Text(f"{loss} after a {activation} output, labels of shape {tuple(y_true.shape)}"))
    if not findings:
        console.print(Text("No problems found.", style="green"))
        return
    for finding in findings:
        style = "bold red" if finding.severity == "error" else "bold yellow"
        headline = Text.assemble((f"{finding.severity.upper()} ", style), f"[{finding.code}] {finding.problem}")
        console.print(headline, soft_wrap=True)
        console.print(Text(f"  fix: {finding.fix}"), soft_wrap=True)
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    console.print(Text(f"{errors} error(s), {warnings} warning(s)."))
    if errors:
        raise typer.Exit(code=1)
