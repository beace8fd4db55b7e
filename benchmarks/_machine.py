"""What machine and which package versions a benchmark ran on (standard library only)."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any


def version(dist: str) -> str | None:
    """The installed version of distribution ``dist``, or ``None``."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def machine_info(packages: tuple[str, ...]) -> dict[str, Any]:
    """Platform, Python, CPU model, usable CPUs, and the versions of ``packages``."""
    cpu_model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "cpu_model": cpu_model,
        "cpu_count": usable,
        "cpu_count_total": os.cpu_count(),
        **{name: version(name) for name in packages},
    }
