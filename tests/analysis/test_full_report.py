"""``losslab report``: one page, every section, every image loads in a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

pytest.importorskip("torch")

from losslab.analysis.report import gallery_figures, write_full_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHECK_IMAGES = """<script>
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const broken = images.filter((img) => !(img.complete && img.naturalWidth > 0)).length;
  document.body.setAttribute("data-images", images.length + " loaded " + (images.length - broken));
});
</script></body>"""


IMAGES = 9 + len(gallery_figures()) + 3  # the experiments, the gallery read from the cards, the studies


STEPS: dict[str, list] = {"started": [], "done": []}  # what the progress hooks received


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    return write_full_report(
        folder, seeds=1, quick=True, on_start=STEPS["started"].append, on_done=STEPS["done"].append
    )


def test_the_progress_hooks_see_every_step(page):
    started, done = STEPS["started"], STEPS["done"]
    assert started[:2] == [9, len(gallery_figures())] and len(started) == 5  # tutorial, gallery, three studies
    assert sum(started) == len(done)
    assert [getattr(item, "spec", None) is not None for item in done[:9]] == [True] * 9  # the experiments' results
    assert done[9] == "gallery figure 1"


def test_the_page_holds_every_section_with_embedded_images(page):
    text = page.read_text()
    for heading in (
        "nine experiments",
        "Loss gallery",
        "Study: robustness",
        "Study: imbalance",
        "Study: regularization",
    ):
        assert heading in text
    assert text.count('src="data:image/png;base64,') == IMAGES
    assert not re.search(r'(src|href)="https?://', text)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium package is not installed (scripts/test installs it)")
def test_every_image_loads_in_headless_chromium(page, tmp_path):
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text().replace("</body>", CHECK_IMAGES))
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=10000",
        "--dump-dom",
    ]
    dom = subprocess.run(
        [CHROMIUM, *flags, probe.as_uri()], capture_output=True, text=True, timeout=120, check=False
    ).stdout
    match = re.search(r'data-images="(\d+) loaded (\d+)"', dom)
    assert match, dom[-2000:]
    total, loaded = map(int, match.groups())
    assert total == IMAGES and loaded == total
