"""Progress of a long command: a ``rich`` bar in a terminal, one plain line per step in a log.

Every command that trains (``reproduce``, ``compare``, ``run``, ``study``,
``report``) reports its steps through :class:`Progress`. On a terminal (standard
error is a TTY) it draws a transient bar on standard error; otherwise (a pipe,
a file, a CI log) it writes one line per finished step to standard error::

    [3/9] bin-bce done in 1.2 s
    [4/9] mc-cce diverged in 0.8 s

so that standard output keeps only the command's result (its table, its JSON).

A step is anything: :meth:`Progress.done` takes a label, or an
:class:`~losslab.lab.results.ExperimentResult` (its id, its status, and the wall
time of its runs). :meth:`Progress.add` grows the total for work whose size is
known only when it starts (a study's grid). The bound methods fit the lab's
hooks as they are: ``run_experiments(..., on_done=progress.done)``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import IO, Any, TypeVar

__all__ = ["Progress", "track"]

T = TypeVar("T")


class Progress:
    """Count finished steps of a command, shown as a bar on a terminal or as plain lines in a log.

    Parameters
    ----------
    total : int
        The steps expected; :meth:`add` adds more.
    description : str
        What the steps are, shown beside the bar (and as a first line in plain mode).
    plain : bool, optional
        Plain lines (``True``) or a bar (``False``); by default a bar exactly when
        ``stream`` is a terminal.
    stream : file, optional
        Where to write; standard error by default.

    Examples
    --------
    >>> import io
    >>> log = io.StringIO()
    >>> with Progress(2, "2 losses", plain=True, stream=log) as progress:
    ...     progress.done("mse", seconds=1.25)
    ...     progress.done("huber", status="failed", seconds=0.5)
    >>> print(log.getvalue(), end="")
    2 losses
    [1/2] mse done in 1.2 s
    [2/2] huber failed in 0.5 s
    """

    def __init__(
        self, total: int = 0, description: str = "", *, plain: bool | None = None, stream: IO[str] | None = None
    ) -> None:
        self.total = int(total)
        self.completed = 0
        self.description = description
        self._stream = stream
        self._plain = plain
        self._bar: Any = None
        self._task: Any = None
        self._last = time.perf_counter()

    @property
    def stream(self) -> IO[str]:
        """Where the progress goes (standard error, read when used so that a test's capture applies)."""
        return self._stream if self._stream is not None else sys.stderr

    def __enter__(self) -> Progress:
        plain = self._plain
        if plain is None:
            isatty = getattr(self.stream, "isatty", None)
            plain = not (callable(isatty) and isatty())
        self._plain = plain
        self._last = time.perf_counter()
        if plain:
            if self.description:
                self._write(self.description)
            return self
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[last]}", style="dim"),
            console=Console(file=self.stream),
            transient=True,
        )
        self._bar.__enter__()
        self._task = self._bar.add_task(self.description, total=self.total or None, last="")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc_info)
            self._bar = None

    def add(self, steps: int) -> None:
        """Expect ``steps`` more steps (e.g. when a study starts and its grid is known)."""
        self.total += int(steps)
        if self._bar is not None:
            self._bar.update(self._task, total=self.total)

    def done(self, item: Any, *, status: str | None = None, seconds: float | None = None) -> None:
        """One step finished.

        Parameters
        ----------
        item : str or ExperimentResult
            The step's label; a result gives its spec's id, its status and the wall time of its runs.
        status : str, optional
            ``"done"`` by default (a result's own status when not ``"ok"``).
        seconds : float, optional
            How long the step took; by default a result's run time, else the time since the previous step.
        """
        now = time.perf_counter()
        label = str(item)
        spec = getattr(item, "spec", None)
        if spec is not None:
            label = spec.id
            if status is None and getattr(item, "status", "ok") != "ok":
                status = item.status
            if seconds is None:
                seconds = sum(run.seconds for run in getattr(item, "runs", ())) or None
        seconds = now - self._last if seconds is None else seconds
        self._last = now
        self.completed += 1
        status = status or "done"
        if self._bar is not None:
            self._bar.update(self._task, advance=1, last=f"{label} {status}")
            return
        total = max(self.total, self.completed)
        self._write(f"[{self.completed}/{total}] {label} {status} in {seconds:.1f} s")

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()


def track(items: Iterable[T], description: str = "", *, total: int | None = None, **options: Any) -> Iterator[T]:
    """Iterate over ``items``, each one a step of a :class:`Progress` (labelled ``str(item)``) when the loop body ends.

    Parameters
    ----------
    items : iterable
        The steps.
    description : str
        As in :class:`Progress`.
    total : int, optional
        The number of items, when ``len(items)`` does not give it.
    **options
        ``plain`` and ``stream``, as in :class:`Progress`.

    Examples
    --------
    >>> import io
    >>> log = io.StringIO()
    >>> [name.upper() for name in track(["a", "b"], plain=True, stream=log)]
    ['A', 'B']
    >>> log.getvalue().splitlines()[1].startswith("[2/2] b done in ")
    True
    """
    items = list(items) if total is None and not hasattr(items, "__len__") else items
    count = total if total is not None else len(items)  # type: ignore[arg-type]
    with Progress(count, description, **options) as progress:
        for item in items:
            yield item
            progress.done(item)
