"""The progress helper of long commands: plain lines in a log, a transient bar on a terminal."""

from __future__ import annotations

import io
import re

from losslab.cli._progress import Progress, track
from losslab.lab.experiments import tutorial_experiment
from losslab.lab.results import ExperimentResult, History, RunResult


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _result(status: str = "ok") -> ExperimentResult:
    runs = [RunResult(seed, History(), 0.8, 0.8, 0.75, status=status) for seed in range(2)]
    return ExperimentResult(tutorial_experiment("bin-bce"), runs, status=status)


def test_plain_lines_count_label_and_time_each_step():
    log = io.StringIO()
    with Progress(3, "3 experiments x 2 seeds", stream=log) as progress:  # a StringIO is not a terminal
        progress.done(_result())
        progress.done(_result("diverged"))
        progress.done("gallery figure 1", seconds=0.04)
    assert log.getvalue().splitlines() == [
        "3 experiments x 2 seeds",
        "[1/3] bin-bce done in 1.5 s",  # the wall time of its two runs, 0.75 s each
        "[2/3] bin-bce diverged in 1.5 s",
        "[3/3] gallery figure 1 done in 0.0 s",
    ]


def test_add_grows_the_total_as_work_is_discovered():
    log = io.StringIO()
    with Progress(0, plain=True, stream=log) as progress:
        progress.add(2)
        progress.done("a")
        progress.add(1)
        progress.done("b")
        progress.done("c")
    counts = re.findall(r"^\[(\d+)/(\d+)\]", log.getvalue(), flags=re.MULTILINE)
    assert counts == [("1", "2"), ("2", "3"), ("3", "3")]


def test_a_terminal_gets_a_bar_and_no_plain_lines():
    screen = _Terminal()
    with Progress(2, "training", stream=screen) as progress:
        progress.done("bin-bce")
        progress.done("mc-cce")
        assert progress.completed == 2
    assert "[1/2]" not in screen.getvalue()  # the bar, not the log lines


def test_track_yields_every_item_and_logs_each():
    log = io.StringIO()
    assert list(track(iter(["x", "y", "z"]), "letters", stream=log)) == ["x", "y", "z"]
    lines = log.getvalue().splitlines()
    assert lines[0] == "letters" and [line.split(" in ")[0] for line in lines[1:]] == [
        "[1/3] x done",
        "[2/3] y done",
        "[3/3] z done",
    ]
