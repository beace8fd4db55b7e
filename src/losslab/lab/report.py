"""Reports of the lab: summary tables, learning curves, one self-contained HTML page (through ``losslab._html``).

``rich`` and ``matplotlib`` are imported inside the functions that need them,
so importing this module stays cheap.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from losslab import _html
from losslab._io import Staging, atomic_path
from losslab.lab.results import ExperimentResult, RunResult, results_json

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from rich.console import Console

__all__ = [
    "CHANCE_MARGIN",
    "STUCK_PROGRESS",
    "experiment_sections",
    "is_stuck",
    "plot_all",
    "plot_learning_curves",
    "print_summary",
    "seed_flags",
    "summary_rows",
    "summary_table",
    "write_html",
    "write_report",
]

_METRIC_LABELS = {
    "mse": "Mean Squared Error",
    "accuracy": "Accuracy",
    "sign_accuracy": "Accuracy (sign)",
    "binary_accuracy": "Accuracy (per label)",
}
_SERIES = {"loss": ("loss", "val_loss"), "metric": ("metric", "val_metric")}
_NOT_A_TTY_WIDTH = 400  # a table is as wide as its content needs, at most this


def _loss_name(loss: Any) -> str:
    """A loss identifier as text: names as they are, configs as compact JSON."""
    if isinstance(loss, str):
        return loss
    if isinstance(loss, dict):
        return json.dumps(loss, sort_keys=True, default=str)
    return str(loss)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _flag(value: bool | None, yes: str = "✓", no: str = "✗") -> str:
    return "–" if value is None else (yes if value else no)


STUCK_PROGRESS = 0.1
"""A seed that closed less than this fraction of the gap between its first epoch and a perfect score is stuck."""
CHANCE_MARGIN = 0.02
"""A seed whose final train accuracy is at most chance level plus this is stuck."""


def is_stuck(spec: Any, run: RunResult) -> bool:
    """Whether an ok seed is stuck: it trained but its training metric did not move.

    A seed is stuck when its final train metric ``m`` is

    * at chance level, for an accuracy (``"accuracy"``, ``"sign_accuracy"``, ``"binary_accuracy"``):
      ``m <= 1 / max(2, output_units) + CHANCE_MARGIN`` (0.52 for a binary
      task or per label, 0.353 for three classes); or
    * no real progress over its first epoch ``m1`` (with at least two epochs):
      less than ``STUCK_PROGRESS`` (10 %) of the way from ``m1`` to a perfect
      score, ``m - m1 < 0.1 * (1 - m1)`` for an accuracy and
      ``m1 - m < 0.1 * m1`` for ``"mse"`` (lower is better, perfect is 0).

    A seed that diverged or failed is not "stuck" (it has its own status).

    Parameters
    ----------
    spec : ExperimentSpec
        The experiment (its metric and output units).
    run : RunResult
        One seed.

    Returns
    -------
    bool

    Examples
    --------
    >>> from losslab.lab.experiments import tutorial_experiment
    >>> from losslab.lab.results import History, RunResult
    >>> spec = tutorial_experiment("mc-cce")  # three classes: chance is 1/3
    >>> def run(series):
    ...     return RunResult(0, History(metric=series), series[-1], series[-1], 1.0)
    >>> is_stuck(spec, run([0.49, 0.51, 0.53])), is_stuck(spec, run([0.49, 0.66, 0.83]))
    (True, False)
    """
    if run.status != "ok":
        return False
    series = list(run.history.metric)
    final = run.train_metric if run.train_metric is not None else (series[-1] if series else None)
    if final is None:
        return False
    first = series[0] if len(series) >= 2 else None
    if spec.metric == "mse":
        return first is not None and first - final < STUCK_PROGRESS * first
    classes = 2 if spec.metric == "binary_accuracy" else max(2, spec.model.output_units)  # per label: two values
    if final <= 1.0 / classes + CHANCE_MARGIN:
        return True
    return first is not None and final - first < STUCK_PROGRESS * (1.0 - first)


def seed_flags(result: ExperimentResult) -> dict[int, str]:
    """The seeds of an experiment that did not train like the others: ``{seed: "stuck" | "outlier" | "diverged" |
    "failed"}``.

    See :func:`is_stuck` for a stuck seed; an outlier is an ok seed whose final test value lies far outside
    the other seeds' (:meth:`~losslab.lab.results.ExperimentResult.outlier_seeds`, needs 4 ok seeds or more).
    """
    flags: dict[int, str] = {}
    outliers = set(result.outlier_seeds("test"))
    for run in result.runs:
        if run.status != "ok":
            flags[run.seed] = run.status
        elif is_stuck(result.spec, run):
            flags[run.seed] = "stuck"
        elif run.seed in outliers:
            flags[run.seed] = "outlier"
    return flags


def summary_rows(results: list[ExperimentResult]) -> list[dict[str, Any]]:
    """Summarize each experiment: published values against ours over seeds.

    Parameters
    ----------
    results : list of ExperimentResult
        The experiments, each with one or more runs (seeds).

    Returns
    -------
    list of dict
        One dict per experiment, in order, with keys ``id``, ``title``,
        ``loss`` (str), ``metric``, ``published_train``, ``published_test``
        (``None`` when not published); per split (``train_``, ``test_``):
        ``values`` (the final value of each ok seed), ``seeds_of_values``
        (their seeds), ``median``, ``mean``, ``std`` (population), ``min``,
        ``max`` (``None`` when no seed is ok) and ``in_range`` (from
        :meth:`ExperimentResult.published_in_range`); ``seeds`` (number of
        runs), ``seeds_ok``, ``flags`` (:func:`seed_flags`: stuck, diverged
        and failed seeds), ``seconds_per_run`` (mean wall time of a run),
        ``status`` and ``error``. Values are in the published metric
        (``spec.published_metric``) when there is one, and over the ok seeds only.
    """
    rows = []
    for result in results:
        spec = result.spec
        published = spec.published or {}
        row: dict[str, Any] = {
            "id": spec.id,
            "title": spec.title,
            "loss": _loss_name(spec.loss),
            "metric": spec.published_metric or spec.metric,
            "published_train": published.get("train"),
            "published_test": published.get("test"),
        }
        for split in ("train", "test"):
            values = result.values(split, spec.published_metric) if result.runs else []
            row[f"{split}_values"] = list(values)
            row[f"{split}_seeds_of_values"] = [run.seed for run in result.ok_runs]
            if values:
                row[f"{split}_median"] = float(np.median(values))
                row[f"{split}_mean"] = result.mean(split, spec.published_metric)
                row[f"{split}_std"] = result.std(split, spec.published_metric)
                row[f"{split}_min"] = min(values)
                row[f"{split}_max"] = max(values)
                row[f"{split}_in_range"] = result.published_in_range(split)
            else:
                keys = ("median", "mean", "std", "min", "max", "in_range")
                row.update(dict.fromkeys((f"{split}_{k}" for k in keys), None))
        row["seeds"] = len(result.runs)
        row["seeds_ok"] = len(result.ok_runs)
        row["flags"] = seed_flags(result)
        row["status"] = result.status
        row["error"] = result.error
        row["seconds_per_run"] = sum(run.seconds for run in result.runs) / len(result.runs) if result.runs else None
        rows.append(row)
    return rows


WIDE_TABLE = 160
"""Below this many columns, :func:`print_summary` stacks each experiment's id, loss and metric in one cell."""


def _seeds_cell(row: dict[str, Any]) -> str:
    """The number of seeds, how many are ok if not all, and the stuck ones: ``3``, ``2 of 3 ok``, ``3, 1 stuck``."""
    text = (
        str(row["seeds"])
        if row.get("seeds_ok", row["seeds"]) == row["seeds"]
        else f"{row['seeds_ok']} of {row['seeds']} ok"
    )
    flags = list(row.get("flags", {}).values())
    return text + "".join(f", {flags.count(kind)} {kind}" for kind in ("stuck", "outlier") if kind in flags)


def _split_cells(row: dict[str, Any], split: str, dash: str = "–") -> tuple[str, str]:
    """``(median, range)`` of a split as text; an experiment without an ok seed shows its status twice."""
    if row[f"{split}_median"] is None:
        status = row.get("status", "ok")
        return (status, "") if status != "ok" else ("–", "")
    low, high = row[f"{split}_min"], row[f"{split}_max"]
    return f"{row[f'{split}_median']:.3f}", f"{low:.3f}{dash}{high:.3f}" if len(row[f"{split}_values"]) > 1 else ""


def _any_published(rows: list[dict[str, Any]]) -> bool:
    return any(row["published_train"] is not None or row["published_test"] is not None for row in rows)


def _wide_columns(published: bool) -> list[str]:
    columns = ["id", "title", "loss", "metric"]
    for split in ("train", "test"):
        columns += [f"published {split}"] if published else []
        columns += [f"{split} median", f"{split} min–max"]
        columns += [f"{split} in range"] if published else []
    return [*columns, "seeds", "s/run"]


def _wide_cells(row: dict[str, Any], published: bool, yes: str = "✓", no: str = "✗", dash: str = "–") -> list[str]:
    """The cells of one summary row as text, in the order of :func:`_wide_columns`."""
    cells = [row["id"], row["title"], row["loss"], row["metric"]]
    for split in ("train", "test"):
        median, spread = _split_cells(row, split, dash)
        cells += [_fmt(row[f"published_{split}"])] if published else []
        cells += [median, spread]
        cells += [_flag(row[f"{split}_in_range"], yes, no)] if published else []
    return [*cells, _seeds_cell(row), _fmt(row["seconds_per_run"], 1)]


_NOTE_KINDS = (
    ("stuck", "train", "stuck (see losslab.lab.report.is_stuck)"),
    ("outlier", "test", "far from the other seeds (Tukey's fences)"),
)
"""The seed flags that get a note under the table: the flag, the split whose values it lists, what it says."""


def _notes(rows: list[dict[str, Any]], results: list[ExperimentResult]) -> list[str]:
    """One line per experiment with a flagged seed or a failure: what happened, and every seed's value."""
    lines = []
    for row, result in zip(rows, results, strict=True):
        flags = row["flags"]
        if not flags and result.status == "ok":
            continue
        if result.status != "ok":
            lines.append(f"{result.spec.id}: {result.status}: {result.error}")
        for kind, split, why in _NOTE_KINDS:
            seeds = [seed for seed, flag in flags.items() if flag == kind]
            if seeds:
                values = ", ".join(
                    f"seed {seed} {value:.3f}" + (f" ({kind})" if seed in seeds else "")
                    for seed, value in zip(row[f"{split}_seeds_of_values"], row[f"{split}_values"], strict=True)
                )
                which = ", ".join(str(seed) for seed in seeds)
                lines.append(f"{result.spec.id}: seed {which} {why}; {split}: {values}")
    return lines


def print_summary(results: list[ExperimentResult], console: Console | None = None) -> None:
    """Print the summary of :func:`summary_rows` as a ``rich`` table.

    Each split shows our median over seeds and the range (min–max) over
    seeds; when a spec has published values, the published value and ✓/✗
    for whether it lies in our range (columns left out when no experiment
    has any). Values are over the ok seeds; an experiment with none shows
    ``diverged`` or ``failed``. The seeds column counts the ok and the stuck
    seeds (:func:`is_stuck`); lines under the table name each stuck seed with
    every seed's value, and the reason of each experiment that is not ok.

    On a console of at least :data:`WIDE_TABLE` columns, id, title, loss and
    metric have columns of their own; on a narrower one (a terminal of 80
    columns) the title is left out, the id, loss and metric share one cell,
    and each split's median, range and published value are stacked in one
    cell: no number is cut.

    Parameters
    ----------
    results : list of ExperimentResult
        The experiments to summarize.
    console : rich.console.Console, optional
        Where to print. By default the terminal; when standard output is not
        a terminal (a pipe, a file, a CI log), a console wide enough (up to
        400 columns) that rows are not wrapped.

    Returns
    -------
    None
    """
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    if console is None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=max(console.width, _NOT_A_TTY_WIDTH))
    encoding = (console.encoding or "").lower()
    utf = encoding.startswith("utf")
    yes, no, dash = ("✓", "✗", "–") if utf else ("yes", "no", "-")
    rows = summary_rows(results)
    published = _any_published(rows)
    title = "Loss-choice experiments: ours over seeds vs. published" if published else "Experiments over seeds"
    table = Table(title=title)
    marks = {yes: "green", no: "red", "diverged": "red", "failed": "red"}
    if console.width >= WIDE_TABLE:
        columns = _wide_columns(published)
        for name in columns:
            numeric = name.startswith(("published", "train", "test", "s/run")) and "range" not in name
            header = name.replace("published ", "published\n").replace(" ", "\n", 1) if name != "s/run" else name
            justify: Literal["right", "center", "left"] = (
                "right" if numeric else "center" if "range" in name else "left"
            )
            table.add_column(header, justify=justify, no_wrap=name not in ("title", "loss"))
        for row in rows:
            cells = _wide_cells(row, published, yes, no, dash)
            table.add_row(*(Text(cell, style=marks.get(cell, "")) for cell in cells))
    else:
        table.add_column("experiment\nloss, metric", overflow="fold")
        for split in ("train", "test"):
            head = f"{split}\nmedian\nmin{dash}max" + ("\npublished" if published else "")
            table.add_column(head, justify="right", no_wrap=True)
        table.add_column("seeds", justify="right")
        table.add_column("s/run", justify="right", no_wrap=True)
        for row in rows:
            experiment = Text.assemble((row["id"], "bold"), "\n", (row["loss"], ""), "\n", (row["metric"], "dim"))
            split_cells = []
            for split in ("train", "test"):
                median, spread = _split_cells(row, split, dash)
                cell = Text(median, style=marks.get(median, ""))
                if spread:
                    cell.append("\n" + spread)
                if published and row[f"published_{split}"] is not None:
                    mark = _flag(row[f"{split}_in_range"], yes, no)
                    cell.append(f"\n{row[f'published_{split}']:.3f} ")
                    cell.append(mark, style=marks.get(mark, ""))
                split_cells.append(cell)
            seeds = _seeds_cell(row).replace(", ", "\n").replace(" of ", "/")
            table.add_row(experiment, *split_cells, seeds, _fmt(row["seconds_per_run"], 1))
    console.print(table)
    for line in _notes(rows, results):
        console.print(Text(line, style="red" if ": failed" in line or ": diverged" in line else "yellow"))


def _stack(result: ExperimentResult, attribute: str) -> np.ndarray | None:
    """One series of every ok run as a ``(runs, epochs)`` array, cut to the shortest run; ``None`` if empty.

    Without an ok run, the runs that diverged are shown up to their last finite epoch.
    """
    runs = result.ok_runs or result.runs
    series = [np.asarray(getattr(run.history, attribute), dtype=float) for run in runs]
    series = [s for s in series if s.size]
    if not series:
        return None
    n = min(s.size for s in series)
    return np.stack([s[:n] for s in series])


def plot_learning_curves(
    result: ExperimentResult, path: str | Path, return_data: bool = False
) -> Path | tuple[Path, dict[str, dict[str, np.ndarray]]]:
    """Plot an experiment's learning curves, every seed and their median, to a PNG.

    Two subplots stacked vertically: the loss on top (train ``history.loss``
    and test ``history.val_loss``), the metric below (``history.metric`` and
    ``history.val_metric``), against the epoch. Each split has one thin line
    per seed and a bold line, the median over the ok seeds; a stuck seed
    (:func:`is_stuck`) is dashed and a diverged seed dotted (drawn up to its
    last finite epoch, ended by a cross), both named in the legend. When the
    spec publishes values, they are drawn as stars at the last epoch; when
    they are in another metric (``published_metric``, e.g. Keras 2's
    accuracy of the hinge experiments, which the history does not log per
    epoch), each ok seed's final value in that metric is drawn as a marker
    at the last epoch beside them, so the plot shows what the table compares.

    Parameters
    ----------
    result : ExperimentResult
        The experiment; the median is over the ok runs cut to the shortest.
    path : str or Path
        The PNG to write; its folder is created if needed. It is written
        under a temporary name and moved into place.
    return_data : bool, default False
        Also return the plotted medians.

    Returns
    -------
    Path or tuple of (Path, dict)
        The PNG's path; with ``return_data``, ``(path, data)`` where ``data``
        is ``{"loss": {"train": median, "test": median}, "metric": {...}}`` of
        the medians drawn (a split without history is left out), plus
        ``"final": {"train": values, "test": values}`` of the per-seed final
        values in the published metric when it differs from the spec's.
    """
    figure, data = _learning_curves_figure(result)
    path = Path(path)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=100, format="png")
    return (path, data) if return_data else path


_MARGINS = {"left": 0.09, "right": 0.98, "bottom": 0.06, "top": 0.895, "hspace": 0.11}
"""Where the two panels of a learning-curves figure sit (figure fractions; room for tick labels and a 2-line title)."""
_STYLES = {"stuck": "--", "outlier": "-.", "diverged": ":", "failed": ":"}


def _learning_curves_figure(result: ExperimentResult) -> tuple[Figure, dict[str, dict[str, np.ndarray]]]:
    """The figure of :func:`plot_learning_curves` and the medians it draws."""
    from matplotlib.figure import Figure  # no pyplot: the user's backend and figure list stay untouched

    spec = result.spec
    titles = {"loss": f"Loss ({_loss_name(spec.loss)})", "metric": _METRIC_LABELS.get(spec.metric, spec.metric)}
    flags = seed_flags(result)
    data: dict[str, dict[str, np.ndarray]] = {}
    fig = Figure(figsize=(8, 8))
    # fixed margins for the 8 x 8 inch page: a constrained layout gives about the same and doubles the drawing time
    axes = fig.subplots(2, 1, sharex=True, gridspec_kw=_MARGINS)
    last_epoch = 1
    for ax, (panel, attributes) in zip(axes, _SERIES.items(), strict=True):
        data[panel] = {}
        for split, attribute, color in zip(("train", "test"), attributes, ("tab:blue", "tab:orange"), strict=True):
            for run in result.runs:
                series = np.asarray(getattr(run.history, attribute), dtype=float)
                if not series.size:
                    continue
                epochs = np.arange(1, series.size + 1)
                last_epoch = max(last_epoch, series.size)
                flag = flags.get(run.seed)
                label = f"{split} seed {run.seed} ({flag})" if flag else None
                style = {"color": color, "linewidth": 1.0 if flag else 0.7, "alpha": 0.9 if flag else 0.35}
                ax.plot(epochs, series, linestyle=_STYLES.get(flag or "", "-"), label=label, **style)
                if flag == "diverged":
                    ax.plot(epochs[-1:], series[-1:], marker="x", markersize=8, color=color, linestyle="none")
            stacked = _stack(result, attribute)
            if stacked is None:
                continue
            median = np.median(stacked, axis=0)
            ax.plot(np.arange(1, median.size + 1), median, color=color, linewidth=2.4, label=f"{split} (median)")
            data[panel][split] = median
        ax.set_title(titles[panel])
        ax.set_ylabel("loss" if panel == "loss" else spec.metric)
        ax.grid(alpha=0.3)
    metric_ax = axes[-1]
    published = spec.published or {}
    other = spec.published_metric not in (None, spec.metric)
    if other:
        data["final"] = {}
    for split, color in (("train", "tab:blue"), ("test", "tab:orange")):
        if other and result.ok_runs:
            values = np.asarray(result.values(split, spec.published_metric), dtype=float)
            data["final"][split] = values
            metric_ax.plot(
                np.full(values.size, last_epoch + 1.0),
                values,
                marker="^",
                linestyle="none",
                color=color,
                alpha=0.7,
                label=f"{split}: final {spec.published_metric} per seed",
            )
        if split in published:
            metric_ax.plot(
                [last_epoch + 1.0 + 0.03 * last_epoch],
                [published[split]],
                marker="*",
                markersize=14,
                markeredgecolor="black",
                linestyle="none",
                color=color,
                label=f"{split}: published ({spec.published_metric or spec.metric})",
            )
    if other:
        metric_ax.set_title(f"{titles['metric']}; markers: {spec.published_metric}, the published values' metric")
    for ax in axes:
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small")
    axes[-1].set_xlabel("epoch")
    bad = ", ".join(f"seed {seed} {flag}" for seed, flag in flags.items())
    seeds = f"{len(result.runs)} seeds" + (f": {bad}" if bad else "")
    fig.suptitle(f"{spec.id}: {spec.title}\n{seeds}; thin lines: each seed, bold: median")
    return fig, data


def plot_all(results: list[ExperimentResult], out_dir: str | Path) -> dict[str, Path]:
    """Plot every experiment's learning curves to ``<out_dir>/<id>.png``.

    Parameters
    ----------
    results : list of ExperimentResult
        The experiments to plot.
    out_dir : str or Path
        The folder of the PNGs, created if needed.

    Returns
    -------
    dict of str to Path
        Each experiment id and its PNG.
    """
    out_dir = Path(out_dir)
    paths = {}
    for result in results:
        path = plot_learning_curves(result, out_dir / f"{result.spec.id}.png")
        assert isinstance(path, Path)  # without return_data
        paths[result.spec.id] = path
    return paths


def _spec_summary(result: ExperimentResult) -> str:
    spec = result.spec
    model = spec.model
    hidden = "×".join(str(h) for h in model.hidden) or "none"
    return (
        (
            f"data: {spec.data.name} ({spec.data.labels} labels); "
            f"model: hidden {hidden} {model.activation}, output {model.output_units} {model.output_activation}; "
            f"loss: {_loss_name(spec.loss)}; metric: {spec.metric}; epochs: {spec.epochs}; "
            f"batch {spec.batch_size}, lr {spec.learning_rate}, momentum {spec.momentum}; "
            f"seeds: {len(result.runs)}"
        )
        + ("" if result.status == "ok" else f"; status: {result.status}: {result.error}")
        + _flag_summary(result)
    )


def _flag_summary(result: ExperimentResult) -> str:
    stuck = [seed for seed, flag in seed_flags(result).items() if flag == "stuck"]
    return f"; stuck seeds: {', '.join(map(str, stuck))}" if stuck else ""


def _per_seed(row: dict[str, Any]) -> str:
    """Every seed's final train value, a flagged seed marked: ``0.832, 0.530 (stuck), diverged``."""
    values = dict(zip(row["train_seeds_of_values"], row["train_values"], strict=True))
    cells = []
    for seed in range(row["seeds"]):
        flag = row["flags"].get(seed)
        if seed in values:
            cells.append(f"{values[seed]:.3f}" + (f" ({flag})" if flag else ""))
        else:
            cells.append(flag or "–")
    return ", ".join(cells)


def summary_table(results: list[ExperimentResult]) -> _html.Table:
    """The rows of :func:`summary_rows` as an HTML table: numbers right-aligned, ✓ green, ✗ red.

    Parameters
    ----------
    results : list of ExperimentResult
        The experiments, one row each.

    Returns
    -------
    losslab._html.Table
        The columns of :func:`print_summary` on a wide console, then every
        seed's final train value (a stuck, diverged or failed seed marked).
    """
    summary = summary_rows(results)
    published = _any_published(summary)
    columns = [*_wide_columns(published), "train per seed"]
    rows = []
    for row in summary:
        cells = []
        for name, text in zip(columns, [*_wide_cells(row, published), _per_seed(row)], strict=True):
            flagged = name == "seeds" and any(word in text for word in ("ok", "stuck", "outlier"))
            if text in {"diverged", "failed"} or flagged:
                css = "no"
            elif name.endswith("in range"):
                css = {"✓": "yes", "✗": "no"}.get(text, "na")
            elif name in {"id", "title", "loss", "metric", "train per seed"}:
                css = ""
            else:
                css = "num"
            cells.append(_html.Cell(text, css))
        rows.append(cells)
    return _html.table(columns, rows)


def experiment_sections(results: list[ExperimentResult], plots: dict[str, Path]) -> list[dict[str, Any]]:
    """One section per experiment for the templates: id, title, spec summary and embedded plot.

    Parameters
    ----------
    results : list of ExperimentResult
        The experiments, in the order they are shown.
    plots : dict of str to Path
        Experiment id to its PNG; an experiment without one gets ``image=None``.

    Returns
    -------
    list of dict
        ``{"id", "title", "spec", "image"}`` per experiment.
    """
    sections = []
    for result in results:
        spec = result.spec
        png = plots.get(spec.id)
        image = None if png is None else _html.png(png, f"learning curves of {spec.id}")
        sections.append({"id": spec.id, "title": spec.title, "spec": _spec_summary(result), "image": image})
    return sections


def write_html(
    results: list[ExperimentResult],
    plots: dict[str, Path],
    path: str | Path,
    meta: dict[str, Any] | None = None,
) -> Path:
    """Write one self-contained HTML report: summary table and learning curves.

    The page has no external resources: the CSS is inline and the plots are
    embedded as base64 ``data:`` URIs. It is written to a temporary file and
    moved into place, so a reader never sees half a page.

    Parameters
    ----------
    results : list of ExperimentResult
        The experiments, in the order they are shown.
    plots : dict of str to Path
        Experiment id to its PNG (as :func:`plot_all` returns); experiments
        without one are shown without a plot.
    path : str or Path
        The HTML file to write; its folder is created if needed.
    meta : dict, optional
        Free-form information shown at the top (timings, seeds, machine...).

    Returns
    -------
    Path
        ``path``.
    """
    items = [
        (str(key), value if isinstance(value, str) else json.dumps(value, default=str))
        for key, value in (meta or {}).items()
    ]
    return _html.write_page(
        path,
        "lab.html",
        title="losslab: loss-choice experiments",
        meta=items,
        summary=summary_table(results),
        sections=experiment_sections(results, plots),
    )


def write_report(
    results: list[ExperimentResult], out_dir: str | Path, meta: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Write everything: ``results.json``, one PNG per experiment, ``report.html``.

    Every file is first written under a temporary name in ``out_dir``, then
    all are moved into place: a failure while writing (a full disk, an
    error in a plot) leaves the folder's previous files untouched and no
    temporary file behind.

    Parameters
    ----------
    results : list of ExperimentResult
        The experiments.
    out_dir : str or Path
        The folder, created if needed.
    meta : dict, optional
        Free-form information saved in the JSON and shown in the HTML.

    Returns
    -------
    dict
        ``{"results": Path, "plots": {id: Path}, "html": Path}``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "results.json", out_dir / "report.html"
    with Staging() as staging:
        staging.write_text(json_path, results_json(results, meta))
        plots: dict[str, Path] = {}
        staged: dict[str, Path] = {}
        for result in results:
            plots[result.spec.id] = out_dir / f"{result.spec.id}.png"
            staged[result.spec.id] = staging.path(plots[result.spec.id])
            figure, _ = _learning_curves_figure(result)
            figure.savefig(staged[result.spec.id], dpi=100, format="png")
        write_html(results, staged, staging.path(html_path), meta)
    return {"results": json_path, "plots": plots, "html": html_path}
