"""When a command started: what ``--budget`` counts from."""

from __future__ import annotations

import os
import time
from pathlib import Path

STARTED = "losslab.started"
"""Key of ``ctx.meta``: ``time.monotonic()`` when the command started (the process's start from ``main``)."""


def process_age() -> float:
    """Seconds since this process started (Linux's ``/proc``), or 0 where that cannot be read.

    The interpreter's start-up and the imports before the command line's
    first line of code run before any clock of the program can start; the
    kernel's record of the process's start counts them.

    Returns
    -------
    float
        The age in seconds, ``>= 0``.

    Examples
    --------
    >>> process_age() >= 0.0
    True
    """
    try:
        stat = Path("/proc/self/stat").read_text()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        ticks = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, AttributeError):
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
    started = int(fields[19]) / ticks  # field 22 of the line: start time in clock ticks after boot
    return max(uptime - started, 0.0)


def process_start() -> float:
    """``time.monotonic()`` at this process's start (:func:`process_age` before now).

    Examples
    --------
    >>> process_start() <= time.monotonic()
    True
    """
    return time.monotonic() - process_age()
