"""MkDocs hooks of the losslab site (``hooks:`` in ``mkdocs.yml``): everything generated at build time.

- ``on_config``: the Markdown extension that renders the docstrings' ``.. math::`` blocks and
  ``:math:`` roles as MathML (``rst_markdown.py``), the generated sections of the navigation,
  and the tutorial's reproduction started in a child process.
- ``on_files``: the generated pages (``docs_pages.py``: a page per loss family with each loss's
  gallery picture, the API reference, the CLI) and the figures, added as virtual files: nothing
  generated is written into ``docs/`` or committed.
- ``on_env``: waits for the tutorial; its learning curves become virtual files.
- ``on_page_markdown``: replaces the tutorial's include marker with its results table.
- ``on_post_build``: fails the build when a public name has no entry or no docstring.

For the guides, two build-time products:

- **the tutorial** (``guides/tutorial.md``): ``tutorial/<id>.png``, the learning curves of each
  of the nine experiments of ``losslab reproduce`` (ids ``reg-mse``, ``reg-msle``, ``reg-mae``,
  ``bin-bce``, ``bin-hinge``, ``bin-sqhinge``, ``mc-cce``, ``mc-scce``, ``mc-kld``), referenced from the
  guide as ``../tutorial/<id>.png``; and the line ``<!-- losslab:tutorial-results -->``, replaced by
  the results table (published values beside the median over seeds);
- **the benchmarks** (``guides/benchmarks.md``): the committed tables are included with
  ``--8<-- "benchmarks/results/losses.md"`` (pymdownx.snippets, paths from the repository root).

``LOSSLAB_DOCS_TUTORIAL_SEEDS`` sets the tutorial's seeds (default 3).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "jax")  # losslab.keras's reference needs a Keras backend
os.environ.setdefault("MPLBACKEND", "Agg")
sys.path.insert(0, str(Path(__file__).parent))
# mkdocstrings imports every submodule of losslab; ``losslab/__main__.py`` would run the command line then.
sys.modules.setdefault("losslab.__main__", types.ModuleType("losslab.__main__", "``python -m losslab``."))

import docs_figures  # noqa: E402
import docs_pages  # noqa: E402
from mkdocs.config.defaults import MkDocsConfig  # noqa: E402
from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.plugins import event_priority  # noqa: E402
from mkdocs.structure.files import File, Files  # noqa: E402
from mkdocs.structure.pages import Page  # noqa: E402
from rst_markdown import RstExtension  # noqa: E402

log = logging.getLogger("mkdocs.plugins.losslab")

TUTORIAL_MARKER = re.compile(r"^<!-- losslab:tutorial-results -->[ \t]*$", re.MULTILINE)
"""The line of ``guides/tutorial.md`` that the tutorial's results table replaces (alone on its line)."""

_state: dict[str, Any] = {}


def _timed(step: str, start: float) -> None:
    log.info("losslab docs: %s in %.1f s", step, time.perf_counter() - start)


@event_priority(100)  # before mkdocstrings reads the Markdown extensions
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    config.markdown_extensions.append(RstExtension(resolve=docs_pages.resolve))
    losses, reference = docs_pages.nav()
    for section in config.nav or []:
        if isinstance(section, dict) and "Losses" in section:
            section["Losses"] = losses
        if isinstance(section, dict) and "Reference" in section:
            section["Reference"] = reference
    _clean_up()  # a rebuild under `mkdocs serve` starts afresh
    work = Path(tempfile.mkdtemp(prefix="losslab-docs-"))
    _state.update(work=work, tutorial=docs_figures.start_tutorial(work / "tutorial"), start=time.perf_counter())
    return config


def _add(files: Files, config: MkDocsConfig, path: str, content: str | Path) -> None:
    """Add a generated page (its text) or figure (a PNG's path) under ``path``, replacing a file of that name."""
    existing = files.get_file_from_path(path)
    if existing is not None:
        files.remove(existing)
    if isinstance(content, Path):
        files.append(File.generated(config, path, abs_src_path=str(content)))
    else:
        files.append(File.generated(config, path, content=content))


def on_files(files: Files, config: MkDocsConfig) -> Files:
    start = time.perf_counter()
    for path, text in docs_pages.pages().items():
        _add(files, config, path, text)
    _timed("pages generated", start)
    start = time.perf_counter()
    drawn = [card.name for cards in docs_pages.families().values() for card in cards if card.view and card.view.kind]
    for name, png in docs_figures.gallery(_state["work"] / "gallery", drawn).items():
        _add(files, config, f"losses/img/{name}.png", png)
    _timed(f"{len(drawn)} gallery figures drawn", start)
    for experiment in docs_figures.tutorial_ids():  # written by the child process before on_env returns
        source = _state["work"] / "tutorial" / f"{experiment}.png"
        _add(files, config, f"tutorial/{experiment}.png", source)
    return files


def _wait_for_tutorial() -> None:
    if _state.get("tutorial_done"):
        return
    start = time.perf_counter()
    try:
        docs_figures.finish_tutorial(_state["tutorial"], _state["work"] / "tutorial")
    except RuntimeError as error:
        raise PluginError(str(error)) from None
    _state["tutorial_done"] = True
    _timed("tutorial waited for", start)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if TUTORIAL_MARKER.search(markdown):
        _wait_for_tutorial()
        table = (_state["work"] / "tutorial" / docs_figures.TUTORIAL_TABLE).read_text(encoding="utf-8")
        markdown = TUTORIAL_MARKER.sub(lambda _: table, markdown)
    return markdown


def on_env(env: Any, config: MkDocsConfig, files: Files) -> Any:
    _wait_for_tutorial()  # before the static files, its PNGs among them, are copied
    _timed("pages rendered", _state["start"])
    return env


def on_post_build(config: MkDocsConfig) -> None:
    try:
        problems = docs_pages.check_site(Path(config.site_dir))
    finally:
        _clean_up()
    if problems:
        raise PluginError("undocumented public names:\n  " + "\n  ".join(problems))
    log.info("losslab docs: every public name has an entry and a docstring")


def on_build_error(error: Exception) -> None:
    _clean_up()


def on_shutdown() -> None:
    _clean_up()


def _clean_up() -> None:
    """Stop the tutorial's process if it still runs and remove the build's temporary folder."""
    process = _state.pop("tutorial", None)
    if process is not None and process.poll() is None:
        process.kill()
        process.wait()
    work = _state.pop("work", None)
    if work is not None:
        shutil.rmtree(work, ignore_errors=True)
    _state.clear()
