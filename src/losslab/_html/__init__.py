"""The one HTML writer of losslab: Jinja2 templates, one CSS, one table helper, one image helper.

The lab's page (``losslab reproduce``, ``compare``, ``run``) and the full
analysis page (``losslab report``) both render here, from the templates in
``templates/`` (package data). Pages are self-contained: the CSS is inline
and images are ``data:`` URIs, so a page opens in a browser with no server.
Autoescape is on: every name a user supplies (experiment ids, titles, loss
configs, meta, study names) is escaped. Nothing here imports torch or
matplotlib.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from losslab._io import atomic_write_text

__all__ = ["Cell", "Image", "Table", "png", "render", "table", "write_page", "write_text"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Image:
    """An image embedded in a page: its ``data:`` URI and its alternative text."""

    src: str
    alt: str


@dataclass(frozen=True)
class Cell:
    """One table cell: its text and the CSS class of its ``<td>`` (``"num"``, ``"yes"``, ``"no"``, ``"na"`` or none)."""

    text: str
    css: str = ""


@dataclass(frozen=True)
class Table:
    """A table as data: column names and rows of cells, rendered by the ``table`` macro of the templates."""

    head: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def png(path: str | Path, alt: str) -> Image:
    """Embed a PNG file as a base64 ``data:`` URI.

    Raises
    ------
    ValueError
        If the file is not a PNG (it would show as a broken image).
    """
    data = Path(path).read_bytes()
    if not data.startswith(PNG_SIGNATURE):
        msg = f"{path} is not a PNG file; got first bytes {data[:8]!r}"
        raise ValueError(msg)
    return Image("data:image/png;base64," + base64.b64encode(data).decode("ascii"), alt)


def table(head: Iterable[str], rows: Iterable[Iterable[Cell | str]]) -> Table:
    """Build a :class:`Table`; plain strings become cells without a class.

    Raises
    ------
    ValueError
        If a row does not have one cell per column.
    """
    head = tuple(str(name) for name in head)
    cells = []
    for given in rows:
        row = tuple(cell if isinstance(cell, Cell) else Cell(str(cell)) for cell in given)
        if len(row) != len(head):
            msg = f"a table row needs one cell per column ({len(head)}: {head}); got {len(row)}: {row}"
            raise ValueError(msg)
        cells.append(row)
    return Table(head, tuple(cells))


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("losslab._html", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a missing value is an error, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **context: Any) -> str:
    """Render one of the package's templates (``"lab.html"``, ``"full.html"``) with ``context``."""
    return _environment().get_template(template).render(**context)


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to a temporary file beside ``path``, then move it into place with :func:`os.replace`.

    A reader never sees a half-written file, and a failed write leaves the old
    file as it was. The folder is created if needed.
    """
    return atomic_write_text(path, text)


def write_page(path: str | Path, template: str, **context: Any) -> Path:
    """Render ``template`` with ``context`` and write it to ``path`` with :func:`write_text`; return ``path``."""
    return write_text(path, render(template, **context))
