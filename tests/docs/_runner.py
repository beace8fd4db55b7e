"""Run the ```python blocks of one Markdown page in order, in one namespace, as a notebook would.

``python tests/docs/_runner.py PAGE.md`` executes every block of the page; a
failing block's traceback names the page and the line in it. The warning
filters are the test suite's own (pyproject.toml's ``filterwarnings``), so an
example that warns fails as a test would. Blocks in other fences (``bash``,
``console``, ``text``) are shown, not run.
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[2]

FENCE = re.compile(r"^(?P<indent>[ \t]*)```python[ \t]*\n(?P<code>.*?)^(?P=indent)```[ \t]*$", re.MULTILINE | re.DOTALL)
"""A ```python block, possibly indented (inside an admonition or a list item), closed at the same indentation."""
OPENERS = re.compile(r"^[ \t]*```python\b", re.MULTILINE)


class Block(NamedTuple):
    """One ```python block: the line of its first line of code in the page, and its code, dedented."""

    line: int
    code: str


def python_blocks(text: str) -> list[Block]:
    """The ```python blocks of a Markdown text, in order."""
    blocks = []
    for match in FENCE.finditer(text):
        indent = match.group("indent")
        lines = match.group("code").splitlines()
        code = "\n".join(line.removeprefix(indent) for line in lines)
        blocks.append(Block(text.count("\n", 0, match.start("code")) + 1, code + "\n"))
    return blocks


def _suite_warning_filters() -> None:
    """Warnings are errors, except those that pyproject.toml's pytest section ignores."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for entry in config["tool"]["pytest"]["ini_options"]["filterwarnings"]:
        action, message, category, module = [*entry.split(":"), "", "", ""][:4]
        kind: type[Warning] = Warning
        if category:
            owner, _, name = category.rpartition(".")
            kind = getattr(__import__(owner or "builtins", fromlist=[name]), name)
        warnings.filterwarnings(action, message, kind, module)


def run_page(page: Path) -> int:
    """Execute the page's blocks; the number of blocks run."""
    blocks = python_blocks(page.read_text())
    namespace: dict[str, object] = {"__name__": "__main__"}
    for block in blocks:
        # Padded with blank lines, so that a traceback's line number is the line in the page.
        code = compile("\n" * (block.line - 1) + block.code, str(page), "exec")
        exec(code, namespace)
    return len(blocks)


if __name__ == "__main__":
    _suite_warning_filters()
    page = Path(sys.argv[1]).resolve()
    count = run_page(page)
    print(f"{page.name}: {count} blocks ran")
