"""Files of :func:`losslab.analysis.choose.choose_loss`: the ranking as JSON, learning curves, an HTML page.

Everything goes through the lab's writers: strict JSON (NaN as ``null``) as
:func:`losslab.lab.results.results_json` writes it, the page through
:mod:`losslab._html`, and every file staged and moved into place at once
(:class:`losslab._io.Staging`), so a failure leaves the folder as it was.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from losslab import _html
from losslab._io import Staging


def _curves(results: Sequence[Any], title: str) -> Any:
    """One loss's learning curves over its folds: loss (train, test) on top, the lab's test metric below."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 6), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    for k, result in enumerate(results, start=1):
        for run in result.ok_runs or result.runs:
            epochs = np.arange(1, len(run.history.loss) + 1)
            top.plot(epochs, run.history.loss, color="tab:blue", alpha=0.6, label="train" if k == 1 else None)
            top.plot(epochs, run.history.val_loss, color="tab:orange", alpha=0.6, label="test" if k == 1 else None)
            bottom.plot(epochs, run.history.val_metric, color="tab:green", alpha=0.6, label=f"fold {k}")
    top.set_ylabel("loss")
    top.legend()
    top.grid(alpha=0.3)
    metric = results[0].spec.metric if results else "metric"
    bottom.set_ylabel(f"test {metric}")
    bottom.set_xlabel("epoch")
    bottom.grid(alpha=0.3)
    fig.suptitle(f"{title} (one line per fold)")
    return fig


def _cell(value: float | None, css: str = "num") -> _html.Cell:
    return _html.Cell("n/a" if value is None else f"{value:.4g}", css if value is not None else "na")


def write_choice(choice: Any, cands: Sequence[Any], folds: int, out: Path) -> dict[str, Path]:
    """Write ``choice.json``, ``runs.json``, ``curves/<NN>.png`` per loss and ``report.html`` into ``out``."""
    from losslab.analysis.choose import shown_labels
    from losslab.lab.results import _finite, results_json

    paths = {"choice": out / "choice.json", "runs": out / "runs.json", "html": out / "report.html"}
    by_name = {cand.name: i for i, cand in enumerate(cands)}
    meta = {
        "task": choice.task_reason,
        "metric": f"{choice.metric} ({'higher' if choice.higher_is_better else 'lower'} is better)",
        "folds, epochs, seeds": f"{choice.folds}, {choice.epochs}, {choice.seeds}",
        "rules' pick": choice.recommendation.loss,
        "verdict": choice.verdict(),
    }
    rows = []
    sections = []
    with Staging() as staging:
        staging.write_text(
            paths["choice"], json.dumps(_finite(choice.to_dict()), indent=1, allow_nan=False, default=str)
        )
        staging.write_text(paths["runs"], results_json(list(choice.results), {"choice": str(paths["choice"])}))
        for score in choice.ranking:
            i = by_name[score.name]
            png = out / "curves" / f"{i:02d}.png"
            staged = staging.path(png)
            _curves(choice.results[i * folds : (i + 1) * folds], score.name).savefig(staged, dpi=80, format="png")
            paths[f"curves:{score.name}"] = png
            noise = "" if score.within_noise is None else ("within noise" if score.within_noise else "worse")
            labels = shown_labels(score.labels, choice.task)
            rows.append(
                [
                    str(score.rank),
                    score.name,
                    score.output_activation,
                    labels,
                    _cell(score.mean),
                    _cell(score.std),
                    _cell(score.p_value),
                    _html.Cell(noise, "yes" if score.within_noise else "no" if noise else ""),
                    _html.Cell(score.status if score.error is None else f"{score.status}: {score.error}"),
                ]
            )
            sections.append(
                {
                    "id": f"loss-{i:02d}",
                    "title": score.name,
                    "spec": f"{score.output_activation} output, {labels} labels, {score.source}",
                    "image": _html.png(staged, f"learning curves of {score.name}"),
                }
            )
        head = ["#", "loss", "output", "labels", f"{choice.metric} mean", "std over folds", "p vs best", "", "status"]
        _html.write_page(
            staging.path(paths["html"]),
            "choose.html",
            title="losslab: choosing a loss on your data",
            meta=list(meta.items()),
            ranking_note=(
                f"Mean of {choice.metric} over {choice.folds} folds (std with ddof=1); p: {choice.test} against the "
                f"best, within noise when p >= 0.05."
            ),
            summary=_html.table(head, rows),
            notes=list(choice.notes),
            sections=sections,
        )
    return paths
