"""Files written whole or not at all: a temporary name in the same folder, then :func:`os.replace`.

Every file that losslab writes (results, plots, reports, study tables) goes
through here, so that a failed write (a full disk, a killed process) leaves
the previous file as it was and no temporary file behind, and a reader never
sees half a file. :class:`Staging` extends this to a group of files (a
report's JSON, PNGs and HTML): all are written first, then all are moved
into place, so a failure while writing leaves none of them changed.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

__all__ = ["Staging", "atomic_path", "atomic_write_bytes", "atomic_write_text", "check_output_dir"]


def _temporary(path: Path) -> Path:
    """A fresh hidden name beside ``path`` (same folder, so :func:`os.replace` stays on one file system)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it onto ``path``, on failure remove it.

    For writers that want a file name, such as matplotlib's ``savefig``
    (pass ``format=`` explicitly: the temporary name ends in ``.tmp``).
    The folder is created if needed.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with atomic_path(folder / "a.txt") as temporary:
    ...     _ = temporary.write_text("done")
    >>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
    ('done', ['a.txt'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary(path)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and :func:`os.replace`; return ``path``."""
    path = Path(path)
    with atomic_path(path) as temporary, open(temporary, "xb") as file:
        file.write(data)
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and :func:`os.replace`; return ``path``.

    Examples
    --------
    >>> import tempfile
    >>> path = atomic_write_text(Path(tempfile.mkdtemp()) / "sub" / "b.md", "| a |")
    >>> path.read_text()
    '| a |'
    """
    return atomic_write_bytes(path, text.encode("utf-8"))


class Staging:
    """Write several files to temporary names, then move them all into place at once.

    Use as a context manager: :meth:`path` gives the temporary name of a
    destination; when the block ends without an exception every staged file
    is moved onto its destination (in the order staged), otherwise every
    temporary file is removed and no destination is touched.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with Staging() as staging:
    ...     _ = staging.path(folder / "a.json").write_text("{}")
    ...     _ = staging.path(folder / "b.html").write_text("<p>")
    ...     sorted(p.name.startswith(".") for p in folder.iterdir())
    [True, True]
    >>> sorted(p.name for p in folder.iterdir())
    ['a.json', 'b.html']
    """

    def __init__(self) -> None:
        self._staged: dict[Path, Path] = {}

    def path(self, destination: str | Path) -> Path:
        """The temporary file that will become ``destination`` (its folder is created if needed)."""
        destination = Path(destination)
        if destination not in self._staged:
            destination.parent.mkdir(parents=True, exist_ok=True)
            self._staged[destination] = _temporary(destination)
        return self._staged[destination]

    def write_text(self, destination: str | Path, text: str) -> Path:
        """Stage ``text`` (UTF-8) for ``destination``; return ``destination``."""
        with open(self.path(destination), "xb") as file:
            file.write(text.encode("utf-8"))
        return Path(destination)

    def __enter__(self) -> Staging:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                for destination, temporary in self._staged.items():
                    os.replace(temporary, destination)
        finally:
            for temporary in self._staged.values():
                temporary.unlink(missing_ok=True)
            self._staged.clear()


def check_output_dir(folder: str | Path, option: str = "--out") -> Path:
    """Create ``folder`` if needed and check that a file can be created in it; return it as a Path.

    Meant to run before any long work, so that an unusable folder fails at
    once rather than after the work.

    Raises
    ------
    ValueError
        If ``folder`` is a file, cannot be created, or is not writable; the
        message names the folder and the fix (``option`` names the setting
        to change).

    Examples
    --------
    >>> import tempfile
    >>> check_output_dir(Path(tempfile.mkdtemp()) / "new").is_dir()
    True
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        msg = f"the output folder {str(folder)!r} is a file, not a folder; pass another folder with {option}"
        raise ValueError(msg)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = _temporary(folder / "write-check")
        probe.touch(exist_ok=False)
        probe.unlink()
    except OSError as error:
        reason = error.strerror or str(error)
        msg = f"cannot write to the output folder {str(folder)!r} ({reason}); pass a writable folder with {option}"
        raise ValueError(msg) from error
    return folder
