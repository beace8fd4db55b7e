"""``losslab report``: one self-contained HTML page with everything the lab and the analysis show.

The tutorial's reproduction, the loss gallery (each loss and its gradient),
and the robustness, imbalance and regularization studies; pictures are
embedded as data URIs, so the page opens in a browser with no server. The
page is rendered by ``losslab._html``, the writer the lab's page uses too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from losslab import _html
from losslab.losses._card import card, cards

_DRAWN = {  # the views the report draws, with their titles; every card of one of these kinds is in a figure
    "residual": "against the residual",
    "probability": "against the predicted probability",
    "margin": "against the margin",
}


def gallery_figures() -> list[tuple[str, list[Any]]]:
    """The report's figures: each drawn view kind's losses, Keras's and beyond Keras, then focal's gamma.

    Read from the cards, so a new loss with one of these views is drawn without an edit here.
    """
    groups: dict[tuple[str, bool], list[Any]] = {}
    for c in cards():
        kind = c.view.kind if c.view is not None and c.view.layout == "elementwise" else None
        if kind in _DRAWN and "divides_by_targets" not in c.facts:  # a percentage would flatten every other curve
            groups.setdefault((str(kind), c.keras is not None), []).append(c.name)
    figures = [
        (f"{'Keras' if keras else 'Beyond Keras'}: losses {title}", groups[kind, keras])
        for kind, title in _DRAWN.items()
        for keras in (True, False)
        if (kind, keras) in groups
    ]
    focal = card("binary_focal_crossentropy").name
    figures.append(("Focal loss for several gamma", [(focal, {"gamma": g}) for g in (0.0, 1.0, 2.0, 5.0)]))
    return figures


def write_full_report(
    out: str | Path,
    *,
    seeds: int = 3,
    quick: bool = False,
    jobs: int = 1,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[Any], None] | None = None,
) -> Path:
    """Run the reproduction and the studies, draw the gallery, write ``<out>/report.html``.

    Parameters
    ----------
    out : path
        Folder for the page, its PNGs and the results.
    seeds : int
        The number of seeds per experiment (seeds ``0, ..., seeds - 1``).
    quick : bool
        Fewer epochs and settings, for a look in about a minute.
    jobs : int
        Experiments in parallel on a local process pool.
    on_start : callable, optional
        A progress hook, called with the number of steps about to start, once per part of the page: the
        tutorial's experiments, the gallery's figures, each study's grid (known when the study starts).
    on_done : callable, optional
        A progress hook, called after each step: with the
        :class:`~losslab.lab.results.ExperimentResult` of each experiment, and with a label (str) for
        each gallery figure.

    Returns
    -------
    Path
        The HTML page.
    """
    from dataclasses import replace

    from losslab.analysis import studies
    from losslab.analysis.gallery import plot_losses
    from losslab.lab.experiments import TUTORIAL
    from losslab.lab.report import experiment_sections, summary_table, write_report
    from losslab.lab.runner import run_experiments

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    scale = 0.25 if quick else 1.0
    specs = [replace(s, epochs=max(1, round(s.epochs * scale))) for s in TUTORIAL]
    if on_start is not None:
        on_start(len(specs))
    results = run_experiments(specs, seeds, jobs=jobs, on_done=on_done)
    tutorial = write_report(results, out / "tutorial", meta={"seeds": seeds, "epochs scale": scale})

    gallery = []
    figures = gallery_figures()
    if on_start is not None:
        on_start(len(figures))
    for index, (title, losses) in enumerate(figures):
        path, _ = plot_losses(losses, out / f"gallery-{index}.png")
        gallery.append({"title": title, "image": _html.png(path, title)})
        if on_done is not None:
            on_done(f"gallery figure {index + 1}")

    epochs = {
        "robustness": 60 if quick else 100,
        "imbalance": 15 if quick else 30,
        "regularization": 80 if quick else 200,
    }
    hooks: dict[str, Any] = {"seeds": seeds, "jobs": jobs, "on_start": on_start, "on_done": on_done}
    runs = {
        "robustness": lambda: studies.robustness_study(
            (0.0, 0.2) if quick else (0.0, 0.1, 0.2, 0.3), epochs=epochs["robustness"], **hooks
        ),
        "imbalance": lambda: studies.imbalance_study((1, 10, 50), epochs=epochs["imbalance"], **hooks),
        "regularization": lambda: studies.regularization_study(epochs=epochs["regularization"], **hooks),
    }
    sections = []
    for name, run in runs.items():
        study = run()
        picture = studies.plot_study(study, out / f"{name}.png")
        _html.write_text(out / f"{name}.md", studies.study_markdown(study))
        sections.append(_study_section(study, picture))

    return _html.write_page(
        out / "report.html",
        "full.html",
        title="losslab report",
        tutorial={
            "summary": summary_table(results),
            "sections": experiment_sections(results, tutorial["plots"]),
        },
        gallery=gallery,
        studies=sections,
    )


def _study_section(study: Any, picture: Path) -> dict[str, Any]:
    """A study for the template: name, picture, claims checked and its table (mean ± std per metric)."""
    rows = [
        [
            row["config"],
            _html.Cell(f"{row[study.setting]:g}", "num"),
            *(_html.Cell(f"{row[f'{m}_mean']:.4g} ± {row[f'{m}_std']:.2g}", "num") for m in study.metrics),
        ]
        for row in study.rows
    ]
    return {
        "name": study.name,
        "image": _html.png(picture, f"study {study.name}"),
        "claims": list(study.claims.items()),
        "table": _html.table(["config", study.setting, *study.metrics], rows),
    }
