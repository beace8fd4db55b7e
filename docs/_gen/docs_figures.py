"""The site's generated figures and tables: the loss gallery and the tutorial's reproduction.

Both are made at build time into a temporary folder, from the same code as the command line:
``losslab plot`` (:func:`losslab.analysis.gallery.plot_losses`) draws each loss's value and
derivative; ``losslab reproduce`` (:func:`losslab.lab.runner.run_experiments`, then
:func:`losslab.lab.report.plot_all` and :func:`losslab.lab.report.summary_rows`) trains the
tutorial's nine experiments and draws their learning curves.

The tutorial runs in a child process (``python docs_figures.py tutorial OUT``) that starts when
the build starts, so that its ~15 s of training overlap the gallery and the pages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

TUTORIAL_SEEDS = int(os.environ.get("LOSSLAB_DOCS_TUTORIAL_SEEDS", "3"))
"""Seeds per tutorial experiment on the site (all seeds of one experiment train together as one ensemble)."""

TUTORIAL_TABLE = "results.md"
"""The tutorial's results table, as Markdown, in the tutorial's output folder."""


def gallery(out: Path, names: list[str]) -> dict[str, Path]:
    """Draw ``<out>/<name>.png`` for each loss name (about 0.5 s each); returns name -> PNG."""
    from losslab.analysis.gallery import plot_losses

    out.mkdir(parents=True, exist_ok=True)
    return {name: plot_losses([name], out / f"{name}.png")[0] for name in names}


def tutorial_ids() -> list[str]:
    """The tutorial's experiment ids, in order: each gives ``tutorial/<id>.png``."""
    from losslab.lab import TUTORIAL

    return [spec.id for spec in TUTORIAL]


def _cell(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}"


def results_table(rows: list[dict[str, Any]], seeds: int) -> str:
    """The tutorial's results as a Markdown table: the published value beside the median over seeds."""
    lines = [
        (
            f"| Experiment | Metric | Train (published) | Train (median of {seeds}) "
            f"| Test (published) | Test (median of {seeds}) | Seeds |"
        ),
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        flags = "; ".join(f"seed {seed} {flag}" for seed, flag in sorted(row["flags"].items()))
        cells = [
            f"`{row['id']}`: {row['title']}",
            row["metric"],
            _cell(row["published_train"]),
            _cell(row["train_median"]),
            _cell(row["published_test"]),
            _cell(row["test_median"]),
            f"{row['seeds_ok']} of {row['seeds']} ok" + (f" ({flags})" if flags else ""),
        ]
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def tutorial(out: Path, seeds: int = TUTORIAL_SEEDS) -> None:
    """Reproduce the tutorial into ``out``: ``<id>.png`` per experiment, ``results.md`` and ``results.json``."""
    from losslab.lab import TUTORIAL
    from losslab.lab.report import plot_all, summary_rows
    from losslab.lab.results import save_results
    from losslab.lab.runner import run_experiments

    results = run_experiments(TUTORIAL, seeds=seeds)
    out.mkdir(parents=True, exist_ok=True)
    plot_all(results, out)
    save_results(results, out / "results.json", {"title": "the tutorial's nine experiments", "seeds": seeds})
    (out / TUTORIAL_TABLE).write_text(results_table(summary_rows(results), seeds), encoding="utf-8")


def start_tutorial(out: Path) -> subprocess.Popen[bytes]:
    """Start :func:`tutorial` in a child process; its errors reach the build through :func:`finish_tutorial`."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, __file__, "tutorial", str(out)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def finish_tutorial(process: subprocess.Popen[bytes], out: Path) -> None:
    """Wait for the tutorial's process; raise with its output when it failed or left a file out."""
    output, _ = process.communicate()
    missing = [f"{i}.png" for i in tutorial_ids() if not (out / f"{i}.png").is_file()]
    missing += [] if (out / TUTORIAL_TABLE).is_file() else [TUTORIAL_TABLE]
    if process.returncode != 0 or missing:
        log = output.decode(errors="replace")[-4000:]
        msg = f"the tutorial's reproduction failed (exit {process.returncode}, missing {missing}):\n{log}"
        raise RuntimeError(msg)


if __name__ == "__main__":
    if sys.argv[1:2] == ["tutorial"]:
        tutorial(Path(sys.argv[2]))
        print(json.dumps({"done": str(sys.argv[2])}))
