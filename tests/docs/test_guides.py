"""The guides' code runs: every ```python block of docs/guides/*.md and docs/*.md, page by page.

Each page runs in a fresh process (``tests/docs/_runner.py``), in a temporary folder, with the blocks of the page in
order and in one namespace, as a notebook would run them; the suite's warning filters apply there too. A fresh
process per page keeps what a page registers (``losslab.register_loss``, Keras's serializable classes) out of the
other tests, and bounds ``torch.compile`` with a timeout. Shell sessions are written in ``bash`` or ``console``
fences, which are shown and not run.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from losslab.lab.experiments import TUTORIAL
from tests.docs._runner import OPENERS, python_blocks

ROOT = Path(__file__).resolve().parents[2]
GUIDES = ROOT / "docs" / "guides"
RUNNER = Path(__file__).with_name("_runner.py")
GUIDE_NAMES = (
    "quickstart",
    "keras",
    "pytorch",
    "jax",
    "custom-losses",
    "choosing",
    "tutorial",
    "differences",
    "benchmarks",
)
PAGES = sorted(GUIDES.glob("*.md")) + sorted((ROOT / "docs").glob("*.md"))
RUNNABLE = [page for page in PAGES if python_blocks(page.read_text())]

SNIPPET = re.compile(r'^--8<-- "(?P<path>[^"]+)"', re.MULTILINE)
IMAGE = re.compile(r"!\[[^\]]*\]\((?P<path>[^)\s]+)\)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\((?P<path>[^)\s#]+\.md)(?:#[^)]*)?\)")
NEEDED = ("torch", "jax", "optax", "keras", "sklearn", "matplotlib", "scipy", "array_api_strict")
"""What the guides' examples import: every backend, Keras, optax and the lab's dependencies."""
GENERATED = "tutorial/"
"""Files under this folder are written by the site's build (the tutorial's table and figures), not committed."""


def test_every_guide_is_there():
    assert sorted(page.stem for page in GUIDES.glob("*.md")) == sorted(GUIDE_NAMES)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT / "docs")))
def test_every_python_fence_is_closed(page):
    # An unclosed or mis-indented ```python fence would be skipped silently by the extractor.
    text = page.read_text()
    assert len(python_blocks(text)) == len(OPENERS.findall(text))


@pytest.mark.parametrize("page", RUNNABLE, ids=lambda page: str(page.relative_to(ROOT / "docs")))
def test_the_page_runs(page, tmp_path):
    missing = [name for name in NEEDED if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(f"the guides' examples need {', '.join(missing)}")
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "PYTHONUNBUFFERED": "1",
        "MPLBACKEND": "Agg",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, str(RUNNER), str(page)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    assert f"{page.name}: {len(python_blocks(page.read_text()))} blocks ran" in done.stdout


@pytest.mark.parametrize("page", sorted(GUIDES.glob("*.md")), ids=lambda page: page.name)
def test_includes_and_links_resolve(page):
    text = page.read_text()
    for path in SNIPPET.findall(text):
        assert path.startswith(GENERATED) or (ROOT / path).is_file(), f"{page.name}: no file {path} to include"
    for link in LINK.findall(text):
        assert (page.parent / link).resolve().is_file(), f"{page.name}: broken link {link}"


def test_the_tutorial_page_shows_every_experiment_the_report_draws():
    # The lab's report writes <id>.png per experiment; the site's build puts them beside the generated table.
    text = (GUIDES / "tutorial.md").read_text()
    images = {Path(path).name for path in IMAGE.findall(text) if f"../{GENERATED}" in path}
    assert images == {f"{spec.id}.png" for spec in TUTORIAL}
    assert "\n<!-- losslab:tutorial-results -->\n" in text  # the site's build puts the results table there
