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
from losslab.lab.results import ExperimentResult, results_json

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from rich.console import Console

__all__ = [
    "experiment_sections",
    "plot_all",
    "plot_learning_curves",
    "print_summary",
    "summary_rows",
    "summary_table",
    "write_html",
    "write_report",
]

_METRIC_LABELS = {"mse": "Mean Squared Error", "accuracy": "Accuracy", "sign_accuracy": "Accuracy (sign)"}
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


def _fmt_mean_std(mean: float | None, std: float | None) -> str:
    return "–" if mean is None else f"{mean:.3f} ± {std:.3f}"


def _flag(value: bool | None, yes: str = "✓", no: str = "✗") -> str:
    return "–" if value is None else (yes if value else no)


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
        (``None`` when not published), ``train_mean``, ``train_std``,
        ``train_min``, ``train_max``, ``test_mean``, ``test_std``,
        ``test_min``, ``test_max`` (population std over seeds; ``None`` when
        there are no runs), ``train_in_range``, ``test_in_range`` (from
        :meth:`ExperimentResult.published_in_range`), ``seeds`` (number of
        runs) and ``seconds_per_run`` (mean wall time of a run); ``status``,
        ``error`` and ``seeds_ok`` (the number of ok seeds). The statistics
        are over the ok seeds only (``None`` when none is ok).
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
            if values:
                row[f"{split}_mean"] = result.mean(split, spec.published_metric)
                row[f"{split}_std"] = result.std(split, spec.published_metric)
                row[f"{split}_min"] = min(values)
                row[f"{split}_max"] = max(values)
                row[f"{split}_in_range"] = result.published_in_range(split)
            else:
                row.update(dict.fromkeys((f"{split}_{k}" for k in ("mean", "std", "min", "max", "in_range")), None))
        row["seeds"] = len(result.runs)
        row["seeds_ok"] = len(result.ok_runs)
        row["status"] = result.status
        row["error"] = result.error
        row["seconds_per_run"] = sum(run.seconds for run in result.runs) / len(result.runs) if result.runs else None
        rows.append(row)
    return rows


_COLUMNS = (
    "id",
    "title",
    "loss",
    "metric",
    "published train",
    "train (mean ± std)",
    "train in range",
    "published test",
    "test (mean ± std)",
    "test in range",
    "seeds",
    "s/run",
)


def _seeds_cell(row: dict[str, Any]) -> str:
    """The number of seeds, and how many are ok when not all are: ``3``, ``2 of 3 ok``."""
    if row.get("seeds_ok", row["seeds"]) == row["seeds"]:
        return str(row["seeds"])
    return f"{row['seeds_ok']} of {row['seeds']} ok"


def _table_cells(row: dict[str, Any], yes: str = "✓", no: str = "✗") -> list[str]:
    """The cells of one summary row as text, in the order of ``_COLUMNS``.

    An experiment without an ok seed shows its status (``diverged``, ``failed``) in place of its values.
    """
    status = row.get("status", "ok")
    no_values = row["train_mean"] is None and status != "ok"
    return [
        row["id"],
        row["title"],
        row["loss"],
        row["metric"],
        _fmt(row["published_train"]),
        status if no_values else _fmt_mean_std(row["train_mean"], row["train_std"]),
        _flag(row["train_in_range"], yes, no),
        _fmt(row["published_test"]),
        status if no_values else _fmt_mean_std(row["test_mean"], row["test_std"]),
        _flag(row["test_in_range"], yes, no),
        _seeds_cell(row),
        _fmt(row["seconds_per_run"], 1),
    ]


def print_summary(results: list[ExperimentResult], console: Console | None = None) -> None:
    """Print the summary of :func:`summary_rows` as a ``rich`` table.

    Each split shows the published value, our "mean ± std" over seeds, and
    ✓/✗ for whether the published value lies in our [min, max] over seeds
    (– when nothing was published). Values are over the ok seeds; an
    experiment with none shows ``diverged`` or ``failed``, and a line under
    the table gives the reason of each experiment that is not ok.

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
    yes, no = ("✓", "✗") if encoding.startswith("utf") else ("yes", "no")
    table = Table(title="Loss-choice experiments: published vs. ours (over seeds)")
    for name in _COLUMNS:
        numeric = name.startswith(("published", "train", "test", "seeds", "s/run")) and "range" not in name
        header = name.replace(" (", "\n(").replace("published ", "published\n").replace(" in range", "\nin range")
        justify: Literal["right", "center", "left"] = "right" if numeric else "center" if "range" in name else "left"
        table.add_column(header, justify=justify, no_wrap=name != "loss")
    for row in summary_rows(results):
        cells = _table_cells(row, yes, no)
        styled = []
        for name, cell in zip(_COLUMNS, cells, strict=True):
            style = ""
            if name.endswith("in range"):
                style = {yes: "green", no: "red"}.get(cell, "")
            styled.append(Text(cell, style=style))
        table.add_row(*styled)
    console.print(table)
    for result in results:
        if result.status != "ok":
            console.print(Text(f"{result.spec.id}: {result.status}: {result.error}", style="red"))


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
    """Plot an experiment's learning curves, as the tutorial does, to a PNG.

    Two subplots stacked vertically: the loss on top (train ``history.loss``
    and test ``history.val_loss``), the metric below (``history.metric`` and
    ``history.val_metric``), against the epoch. Each split is one line, the
    mean over seeds, with a shaded band from the minimum to the maximum over
    seeds.

    Parameters
    ----------
    result : ExperimentResult
        The experiment; runs whose histories differ in length are cut to the
        shortest.
    path : str or Path
        The PNG to write; its folder is created if needed. It is written
        under a temporary name and moved into place.
    return_data : bool, default False
        Also return the plotted means.

    Returns
    -------
    Path or tuple of (Path, dict)
        The PNG's path; with ``return_data``, ``(path, data)`` where ``data``
        is ``{"loss": {"train": mean, "test": mean}, "metric": {...}}`` of the
        arrays drawn (a split without history is left out).
    """
    figure, data = _learning_curves_figure(result)
    path = Path(path)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=100, format="png")
    return (path, data) if return_data else path


def _learning_curves_figure(result: ExperimentResult) -> tuple[Figure, dict[str, dict[str, np.ndarray]]]:
    """The figure of :func:`plot_learning_curves` and the means it draws."""
    from matplotlib.figure import Figure  # no pyplot: the user's backend and figure list stay untouched

    spec = result.spec
    titles = {"loss": f"Loss ({_loss_name(spec.loss)})", "metric": _METRIC_LABELS.get(spec.metric, spec.metric)}
    data: dict[str, dict[str, np.ndarray]] = {}
    fig = Figure(figsize=(8, 8), layout="constrained")
    axes = fig.subplots(2, 1, sharex=True)
    for ax, (panel, attributes) in zip(axes, _SERIES.items(), strict=True):
        data[panel] = {}
        for split, attribute, color in zip(("train", "test"), attributes, ("tab:blue", "tab:orange"), strict=True):
            stacked = _stack(result, attribute)
            if stacked is None:
                continue
            mean = stacked.mean(axis=0)
            epochs = np.arange(1, mean.size + 1)
            ax.plot(epochs, mean, color=color, label=split)
            if stacked.shape[0] > 1:
                ax.fill_between(epochs, stacked.min(axis=0), stacked.max(axis=0), color=color, alpha=0.2, linewidth=0)
            data[panel][split] = mean
        ax.set_title(titles[panel])
        ax.set_ylabel("loss" if panel == "loss" else spec.metric)
        if data[panel]:
            ax.legend()
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("epoch")
    seeds = (
        f"{len(result.runs)} seeds"
        if result.status == "ok"
        else f"{len(result.ok_runs)} of {len(result.runs)} seeds ok"
    )
    fig.suptitle(f"{spec.id}: {spec.title} ({seeds}; band: min–max)")
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
        f"data: {spec.data.name} ({spec.data.labels} labels); "
        f"model: hidden {hidden} {model.activation}, output {model.output_units} {model.output_activation}; "
        f"loss: {_loss_name(spec.loss)}; metric: {spec.metric}; epochs: {spec.epochs}; "
        f"batch {spec.batch_size}, lr {spec.learning_rate}, momentum {spec.momentum}; "
        f"seeds: {len(result.runs)}"
    ) + ("" if result.status == "ok" else f"; status: {result.status}: {result.error}")


def summary_table(results: list[ExperimentResult]) -> _html.Table:
    """The rows of :func:`summary_rows` as an HTML table: numbers right-aligned, ✓ green, ✗ red.

    Parameters
    ----------
    results : list of ExperimentResult
        The experiments, one row each.

    Returns
    -------
    losslab._html.Table
        The columns of :func:`print_summary`.
    """
    rows = []
    for row in summary_rows(results):
        cells = []
        for name, text in zip(_COLUMNS, _table_cells(row), strict=True):
            if text in {"diverged", "failed"} or (name == "seeds" and "ok" in text):
                css = "no"
            elif name.endswith("in range"):
                css = {"✓": "yes", "✗": "no"}.get(text, "na")
            elif name in {"id", "title", "loss", "metric"}:
                css = ""
            else:
                css = "num"
            cells.append(_html.Cell(text, css))
        rows.append(cells)
    return _html.table(_COLUMNS, rows)


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
