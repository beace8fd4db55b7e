"""``losslab report``: one self-contained HTML page with everything the lab and the analysis show.

The tutorial's reproduction, the loss gallery (each loss and its gradient),
and the robustness, imbalance and regularization studies; pictures are
embedded as data URIs, so the page opens in a browser with no server.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

GALLERY: tuple[tuple[str, list[Any]], ...] = (
    ("Regression losses against the residual", ["mean_squared_error", "mean_absolute_error", "huber", "log_cosh"]),
    ("Binary cross-entropy, both branches", ["binary_crossentropy"]),
    ("Hinge losses against the margin", ["hinge", "squared_hinge"]),
    ("Focal loss for several gamma", [("binary_focal_crossentropy", {"gamma": g}) for g in (0.0, 1.0, 2.0, 5.0)]),
)


def _image(path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(Path(path).stem)}">'


def write_full_report(out: str | Path, *, seeds: int = 3, quick: bool = False, jobs: int = 1) -> Path:
    """Run the reproduction and the studies, draw the gallery, write ``<out>/report.html``.

    Parameters
    ----------
    out : path
        Folder for the page, its PNGs and the results.
    seeds : int
        Seeds per experiment.
    quick : bool
        Fewer epochs and settings, for a look in about a minute.
    jobs : int
        Experiments in parallel on a local process pool.

    Returns
    -------
    Path
        The HTML page.
    """
    from dataclasses import replace

    from losslab.analysis import studies
    from losslab.analysis.gallery import plot_losses
    from losslab.lab.experiments import TUTORIAL
    from losslab.lab.report import write_report
    from losslab.lab.runner import run_experiments

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    scale = 0.25 if quick else 1.0
    specs = [replace(s, epochs=max(1, round(s.epochs * scale))) for s in TUTORIAL]
    results = run_experiments(specs, seeds, jobs=jobs)
    tutorial = write_report(results, out / "tutorial", meta={"seeds": seeds, "epochs scale": scale})

    sections = [_tutorial_section(results, tutorial["plots"])]
    gallery = []
    for index, (title, losses) in enumerate(GALLERY):
        path, _ = plot_losses(losses, out / f"gallery-{index}.png")
        gallery.append(f"<h3>{html.escape(title)}</h3>{_image(path)}")
    sections.append("<h2>Loss gallery: value and gradient</h2>" + "".join(gallery))

    epochs = {
        "robustness": 60 if quick else 100,
        "imbalance": 15 if quick else 30,
        "regularization": 80 if quick else 200,
    }
    runs = {
        "robustness": lambda: studies.robustness_study(
            (0.0, 0.2) if quick else (0.0, 0.1, 0.2, 0.3), seeds=seeds, epochs=epochs["robustness"], jobs=jobs
        ),
        "imbalance": lambda: studies.imbalance_study((1, 10, 50), seeds=seeds, epochs=epochs["imbalance"], jobs=jobs),
        "regularization": lambda: studies.regularization_study(seeds=seeds, epochs=epochs["regularization"], jobs=jobs),
    }
    for name, run in runs.items():
        study = run()
        picture = studies.plot_study(study, out / f"{name}.png")
        (out / f"{name}.md").write_text(studies.study_markdown(study))
        sections.append(_study_section(study, picture))

    page = out / "report.html"
    page.write_text(_page("losslab report", sections), encoding="utf-8")
    return page


def _tutorial_section(results: list[Any], plots: dict[str, Path]) -> str:
    from losslab.lab.report import summary_rows

    head = ["experiment", "metric", "published train", "ours train", "published test", "ours test"]
    rows = []
    for row in summary_rows(results):
        cells = [row["id"], row["metric"]]
        for split in ("train", "test"):
            published = row[f"published_{split}"]
            cells += [
                "–" if published is None else f"{published:.3f}",
                f"{row[f'{split}_mean']:.3f} ± {row[f'{split}_std']:.3f}",
            ]
        rows.append(cells)
    images = "".join(f"<h3>{html.escape(r.spec.title)}</h3>{_image(plots[r.spec.id])}" for r in results)
    return "<h2>The tutorial's nine experiments</h2>" + _table(head, rows) + images


def _study_section(study: Any, picture: Path) -> str:
    head = ["config", study.setting, *study.metrics]
    rows = [
        [
            row["config"],
            f"{row[study.setting]:g}",
            *(f"{row[f'{m}_mean']:.4g} ± {row[f'{m}_std']:.2g}" for m in study.metrics),
        ]
        for row in study.rows
    ]
    claims = "".join(
        f"<li>{html.escape(claim)}: <b>{'holds' if held else 'does not hold'}</b></li>"
        for claim, held in study.claims.items()
    )
    return f"<h2>Study: {html.escape(study.name)}</h2>{_image(picture)}<ul>{claims}</ul>" + _table(head, rows)


def _table(head: list[str], rows: list[list[str]]) -> str:
    header = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _page(title: str, sections: list[str]) -> str:
    style = (
        "body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
        "img{max-width:100%}"
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>{''.join(sections)}</body></html>"
    )
