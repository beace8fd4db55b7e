"""``losslab reproduce``, ``compare`` and ``run``: the lab from the command line."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from losslab.cli._clock import STARTED

if TYPE_CHECKING:
    from losslab.analysis.studies import Study
    from losslab.lab.spec import ExperimentSpec

app = typer.Typer()


_RESUME_HELP = (
    "Keep the experiments already done in <out>/results.json, or in results.partial.json left by a stopped run "
    "(same spec and seeds); run the rest."
)
PARTIAL_RESULTS = "results.partial.json"
"""Where a run saves its results after each experiment, until its report replaces ``results.json``."""


_JOBS_HELP = (
    "Processes training at once: 0, one per CPU core (at most one per group of experiments that train together); "
    "1, all in this process."
)


def _cpu_cores() -> int:
    """The CPU cores this process may run on (its affinity where the system has one, else the machine's count)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _run_and_report(
    specs: Sequence[ExperimentSpec],
    seeds: int,
    jobs: int,
    ray: str | None,
    out: Path,
    title: str,
    resume: bool = False,
    started: float | None = None,
) -> None:
    """Check ``out``, train, save the results so far after each experiment, then write the report.

    Along the way the results go to ``results.partial.json``; the report's files (``results.json``, the
    PNGs, ``report.html``) are then replaced together and the partial file removed. A run killed
    part-way thus leaves the previous run's report whole, beside the partial file that ``--resume``
    reads. Exits with status 1, after writing everything, when an experiment failed or diverged.
    """
    from losslab._io import check_output_dir
    from losslab.cli._progress import Progress
    from losslab.lab.report import print_summary, write_report
    from losslab.lab.results import ExperimentResult, load_results, save_results
    from losslab.lab.runner import run_experiments

    check_output_dir(out)  # before any training: an unusable folder fails now, not after the work
    jobs = jobs or _cpu_cores()  # the runner uses at most one process per group of experiments that train together
    partial_path = out / PARTIAL_RESULTS
    json_path = partial_path if partial_path.exists() else out / "results.json"  # the newest results
    previous: list[ExperimentResult] = []
    if resume and json_path.exists():
        try:
            previous, _ = load_results(json_path)
        except (ValueError, KeyError, TypeError) as error:
            msg = f"cannot resume from {json_path}: it is not a results file ({error}); run without --resume"
            raise ValueError(msg) from error
    to_train = sum(not any(old.matches(spec, seeds) for old in previous) for spec in specs)
    if resume:
        typer.echo(f"resuming: {len(specs) - to_train} of {len(specs)} experiments already done in {json_path}")
    meta = {
        "title": title,
        "seeds": seeds,
        "jobs": jobs,
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
    }

    def save(done: list[ExperimentResult]) -> None:
        save_results(done, partial_path, {**meta, "in_progress": f"{len(done)} of {len(specs)} experiments done"})

    if jobs == 1 and ray is None and to_train:
        import losslab.lab.train  # noqa: F401 -- torch's import is start-up, not training (as in benchmarks/)
    startup = 0.0 if started is None else max(time.monotonic() - started, 0.0)
    start = time.perf_counter()
    with Progress(to_train, f"{to_train} experiments x {seeds} seeds") as progress:
        results = run_experiments(
            specs,
            seeds,
            jobs=jobs,
            ray_address=ray,
            on_done=progress.done,
            reuse=previous,
            on_update=save,
        )
    seconds = time.perf_counter() - start
    print_summary(results)
    paths = write_report(results, out, meta={**meta, "wall_seconds": round(seconds, 2)})
    partial_path.unlink(missing_ok=True)  # the report holds every result now
    typer.echo(
        f"{to_train} experiments x {seeds} seeds in {seconds:.1f} s (after {startup:.1f} s of start-up); "
        f"report: {paths['html']}"
    )
    bad = [result for result in results if result.status != "ok"]
    if bad:
        names = ", ".join(f"{result.spec.id} ({result.status})" for result in bad)
        typer.echo(f"{len(bad)} of {len(results)} experiments did not finish ok: {names}", err=True)
        raise typer.Exit(1)


@app.command()
def reproduce(
    ctx: typer.Context,
    seeds: int = typer.Option(5, min=1, help="Seeds per experiment."),
    jobs: int = typer.Option(0, min=0, help=_JOBS_HELP),
    ray: str | None = typer.Option(None, help="Ray address ('auto', 'ray://host:port', or 'local')."),
    out: Path = typer.Option(Path("out/reproduce"), help="Folder for results.json, the PNGs and report.html."),
    experiments: str | None = typer.Option(None, help="Comma-separated ids, e.g. bin-bce,mc-cce (default: all nine)."),
    epochs_scale: float = typer.Option(1.0, help="Multiply every experiment's epochs (for quick looks)."),
    resume: bool = typer.Option(False, help=_RESUME_HELP),
) -> None:
    """Reproduce the loss-choice tutorial's nine experiments over several seeds."""
    from losslab.lab.experiments import TUTORIAL, tutorial_experiment

    chosen = TUTORIAL if not experiments else tuple(tutorial_experiment(i.strip()) for i in experiments.split(","))
    specs = [replace(s, epochs=max(1, round(s.epochs * epochs_scale))) for s in chosen]
    _run_and_report(
        specs,
        seeds,
        jobs,
        ray,
        out,
        "How to choose loss functions: the nine experiments",
        resume,
        ctx.meta.get(STARTED),
    )


@app.command()
def compare(
    ctx: typer.Context,
    task: str = typer.Option(..., help="regression, circles or blobs."),
    losses: str = typer.Option(..., help="Comma-separated loss names, e.g. binary_crossentropy,hinge."),
    seeds: int = typer.Option(3, min=1),
    epochs: int | None = typer.Option(None, help="Default: the tutorial's for the task."),
    jobs: int = typer.Option(0, min=0, help=_JOBS_HELP),
    out: Path = typer.Option(Path("out/compare")),
    resume: bool = typer.Option(False, help=_RESUME_HELP),
) -> None:
    """Compare losses on a built-in task, each with the activation and labels it needs.

    Each loss gets the output layer and label encoding its card asks for; a loss
    that ``losslab check`` calls an error on the task is refused before anything trains.
    """
    from losslab.lab.spec import SpecError, check_specs
    from losslab.lab.tasks import specs_for

    names = [name.strip() for name in losses.split(",")]
    if not all(names):
        raise SpecError([f"--losses: {losses!r} has an empty name; use comma-separated names, e.g. mse,huber"])
    # every loss set up (or refused) first; then the checks a spec file gets (one id per loss, epochs, ...)
    specs = check_specs(specs_for(task, names, epochs=epochs))
    _run_and_report(specs, seeds, jobs, None, out, f"Losses compared on {task}", resume, ctx.meta.get(STARTED))


_RUN_HELP = """Run your own experiments from a JSON spec file: one experiment or a list.

\b
Fields of an experiment (* required; a default after "="):
  id*           a short name; also names its plot, <id>.png
  title*        one line shown in the report
  data*         name*: regression, circles, blobs (scikit-learn), csv, npz
                params: the generator's arguments, or for a file
                  {"path": ..., "target": ...}
                labels=continuous: or binary, pm1 ({-1, 1}), onehot, integer
                standardize=false
                n_train=500: the first n_train samples train, the rest test
  model         hidden=[25], activation=relu, output_units=1,
                output_activation=linear, kernel_initializer=he_uniform,
                kernel_regularizer, kernel_constraint
  loss*         a name or alias (losslab list), or
                  {"class_name": ..., "config": {...}}
  metric        accuracy (default), sign_accuracy ({-1, 1} labels), mse,
                binary_accuracy (per label: multi-label 0/1 columns)
  epochs=100, batch_size=32, learning_rate=0.01, momentum=0.9 (SGD)
  class_weight  per class, e.g. {"0": 1.0, "1": 50.0}
  published     values to compare with: {"train": ..., "test": ...}
  published_metric  their metric when not `metric` (keras2_accuracy)

Every problem of the file is listed, one per line, before anything
trains. Start from `losslab run --example > spec.json`; `losslab run
--schema` prints the full JSON Schema (the file losslab/lab/spec.schema.json).
"""


def example_specs() -> list[dict[str, object]]:
    """The spec that ``losslab run --example`` prints: two experiments, a classifier and a regression."""
    return [
        {
            "id": "circles-bce",
            "title": "Circles, binary cross-entropy",
            "data": {
                "name": "circles",
                "params": {"n_samples": 1000, "noise": 0.1, "random_state": 1},
                "labels": "binary",
                "n_train": 500,
            },
            "model": {"hidden": [50], "activation": "relu", "output_units": 1, "output_activation": "sigmoid"},
            "loss": "binary_crossentropy",
            "metric": "accuracy",
            "epochs": 100,
            "batch_size": 32,
            "learning_rate": 0.01,
            "momentum": 0.9,
        },
        {
            "id": "regression-huber",
            "title": "Regression, Huber (delta 0.5) with L2",
            "data": {
                "name": "regression",
                "params": {"n_samples": 1000, "n_features": 20, "noise": 0.1, "random_state": 1},
                "standardize": True,
            },
            "model": {
                "hidden": [25],
                "output_activation": "linear",
                "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.0001}},
            },
            "loss": {"class_name": "Huber", "config": {"delta": 0.5}},
            "metric": "mse",
            "epochs": 100,
        },
    ]


@app.command(help=_RUN_HELP)
def run(
    ctx: typer.Context,
    spec_file: Path | None = typer.Argument(
        None, exists=True, dir_okay=False, help="A JSON file: one experiment spec or a list of them."
    ),
    seeds: int = typer.Option(3, min=1),
    jobs: int = typer.Option(0, min=0, help=_JOBS_HELP),
    out: Path = typer.Option(Path("out/run")),
    resume: bool = typer.Option(False, help=_RESUME_HELP),
    example: bool = typer.Option(False, "--example", help="Print a working spec of two experiments to start from."),
    schema: bool = typer.Option(False, "--schema", help="Print the JSON Schema of one experiment spec."),
) -> None:
    from losslab.lab.spec import SpecError, check_data_files, specs_from_payload

    if example or schema:
        if spec_file is not None or (example and schema):
            raise typer.BadParameter("--example and --schema print and exit; use one, without a spec file")
        if example:
            typer.echo(json.dumps(example_specs(), indent=2))
        else:
            from losslab.lab.spec import json_schema

            typer.echo(json.dumps(json_schema(), indent=2, sort_keys=True))
        return
    if spec_file is None:
        raise typer.BadParameter("give a spec file (start from: losslab run --example > spec.json)")
    try:
        payload = json.loads(spec_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        msg = f"{spec_file}: not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        raise SpecError([msg]) from None
    except UnicodeDecodeError as error:
        raise SpecError([f"{spec_file}: not a UTF-8 text file ({error.reason} at byte {error.start})"]) from None
    specs = specs_from_payload(payload)
    check_data_files(specs)
    _run_and_report(specs, seeds, jobs, None, out, f"Experiments from {spec_file.name}", resume, ctx.meta.get(STARTED))


@app.command()
def study(
    name: str = typer.Argument(..., help="robustness, imbalance or regularization."),
    seeds: int = typer.Option(3, min=1),
    jobs: int = typer.Option(1, min=1),
    out: Path = typer.Option(Path("out/study")),
) -> None:
    """Run one study of losses (outliers, class imbalance, regularization): a table, a plot, the claims checked."""
    from losslab._io import Staging, check_output_dir
    from losslab.analysis import studies
    from losslab.cli._progress import Progress

    runs: dict[str, Callable[..., Study]] = {
        "robustness": studies.robustness_study,
        "imbalance": studies.imbalance_study,
        "regularization": studies.regularization_study,
    }
    if name not in runs:
        raise typer.BadParameter(f"unknown study {name!r}; use one of {sorted(runs)}")
    check_output_dir(out)  # before the runs
    with Progress(0, f"study {name}, {seeds} seeds") as progress:
        result = runs[name](seeds=seeds, jobs=jobs, on_start=progress.add, on_done=progress.done)
    table = studies.study_markdown(result)
    picture = out / f"{name}.png"
    with Staging() as staging:  # the table and the plot are replaced together, or neither is
        staging.write_text(out / f"{name}.md", table)
        studies.plot_study(result, staging.path(picture))
    typer.echo(table)
    typer.echo(f"plot: {picture}")


@app.command()
def report(
    out: Path = typer.Option(Path("out/report")),
    seeds: int = typer.Option(3, min=1),
    jobs: int = typer.Option(1, min=1),
    quick: bool = typer.Option(False, help="Fewer epochs and settings: about a minute."),
) -> None:
    """Write one self-contained HTML page: tutorial, loss gallery, robustness, imbalance, regularization."""
    from losslab._io import check_output_dir
    from losslab.analysis.report import write_full_report
    from losslab.cli._progress import Progress

    check_output_dir(out)  # before the runs
    with Progress(0, f"report: experiments, gallery and studies, {seeds} seeds") as progress:
        page = write_full_report(out, seeds=seeds, quick=quick, jobs=jobs, on_start=progress.add, on_done=progress.done)
    typer.echo(f"report: {page}")
