"""The documentation site in a real browser: pages load offline, formulas and pictures render, search works.

The site is built once per session with ``mkdocs build --strict`` into a temporary folder, or taken
from ``LOSSLAB_DOCS_SITE`` (``scripts/test`` builds it with ``scripts/docs`` first). It is served on
localhost and opened in Debian's headless Chromium through Playwright; any request that leaves
localhost is blocked and fails the test.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from losslab.losses._card import cards

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RAW_MARKUP = ("\\frac", "\\begin", "\\sum", ".. math::", ":math:", ":func:", ":class:")
FAMILIES = sorted({card.family for card in cards()})
REFERENCE_PAGES = ["reference/losslab/", "reference/regularizers/", "reference/torch/", "reference/cli/"]
GUIDE_PAGES = ["guides/quickstart/", "guides/tutorial/", "guides/benchmarks/", "design/"]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium package is not installed (scripts/test installs it)"
)


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site: ``LOSSLAB_DOCS_SITE``, or a strict build of this checkout."""
    given = os.environ.get("LOSSLAB_DOCS_SITE")
    if given:
        site = Path(given)
        assert (site / "index.html").is_file(), f"LOSSLAB_DOCS_SITE={given} holds no built site (no index.html)"
        return site
    pytest.importorskip("mkdocs", reason="the docs extra is not installed: pip install -e '.[docs]'")
    site = tmp_path_factory.mktemp("site")
    env = {**os.environ, "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "jax"), "NO_MKDOCS_2_WARNING": "1"}
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-6000:]
    return site


@pytest.fixture(scope="session")
def base_url(site_dir: Path) -> Iterator[str]:
    """The site served by ``http.server`` on a free localhost port."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site_dir)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (the docs extra)")
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Visit:
    """One page opened in the browser, with its console errors and the requests that tried to leave localhost."""

    def __init__(self, browser: Any, url: str) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page = browser.new_page()
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.route("**/*", self._route)
        response = self.page.goto(url, wait_until="load")
        assert response is not None and response.ok, f"{url}: HTTP {response.status if response else 'no response'}"

    def _route(self, route: Any) -> None:
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def text(self) -> str:
        return self.page.evaluate("document.body.innerText")

    def images(self) -> list[dict[str, Any]]:
        return self.page.evaluate(
            "Array.from(document.images).map(i => ({src: i.src, alt: i.alt, ok: i.complete && i.naturalWidth > 0}))"
        )

    def count(self, selector: str) -> int:
        return self.page.locator(selector).count()


def _visit(browser: Any, base_url: str, path: str) -> Visit:
    visit = Visit(browser, base_url + path)
    assert visit.errors == [], f"{path}: console errors {visit.errors}"
    assert visit.outside == [], f"{path}: requests outside localhost {visit.outside}"
    text = visit.text()
    raw = [markup for markup in RAW_MARKUP if markup in text]
    assert raw == [], f"{path}: raw markup {raw} in the page's text"
    broken = [image["src"] for image in visit.images() if not image["ok"]]
    assert broken == [], f"{path}: images that did not load {broken}"
    return visit


def test_the_home_page_loads_offline(browser: Any, base_url: str) -> None:
    visit = _visit(browser, base_url, "")
    assert "losslab" in visit.page.title()
    visit.page.close()


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_page_shows_every_loss_with_formula_and_picture(browser: Any, base_url: str, family: str) -> None:
    visit = _visit(browser, base_url, f"losses/{family}/")
    members = [card for card in cards() if card.family == family]
    drawn = [card for card in members if card.view is not None and card.view.kind is not None]
    pictures = [image for image in visit.images() if image["alt"].endswith(": value and derivative")]
    assert sorted(image["alt"].split(":")[0] for image in pictures) == sorted(card.name for card in drawn)
    text = visit.text()
    for card in members:
        assert visit.count(f'[id="losslab.{card.name}"]') == 1, f"no reference entry for {card.name}"
        assert visit.count(f'[id="losslab.{card.cls.__name__}"]') == 1, f"no entry for {card.cls.__name__}"
        for alias in card.aliases:
            assert alias in text, f"{card.name}'s alias {alias} is not on its entry"
        if card not in drawn:
            assert card.view is None or card.view.reason in text, f"{card.name}: the reason for no picture is missing"
    assert visit.count("math") >= len(members), "fewer MathML formulas than losses"
    visit.page.close()


@pytest.mark.parametrize("path", REFERENCE_PAGES + GUIDE_PAGES)
def test_reference_and_guide_pages_load(browser: Any, base_url: str, path: str) -> None:
    visit = _visit(browser, base_url, path)
    visit.page.close()


def test_a_class_form_lists_its_arguments(browser: Any, base_url: str) -> None:
    visit = _visit(browser, base_url, "losses/regression/")
    entry = visit.page.locator('[id="losslab.Huber"]').locator("xpath=..")  # the heading's entry
    text = entry.inner_text()
    for argument in ("delta", "reduction", "name", "dtype"):
        assert argument in text, f"losslab.Huber's entry lacks its argument {argument}"
    visit.page.close()


def test_offline_search_finds_a_loss_by_its_alias(browser: Any, base_url: str) -> None:
    visit = _visit(browser, base_url, "")
    page = visit.page
    page.locator("label.md-search__icon, .md-search__input").first.click()
    # The search worker builds its index first (slow on a busy machine); a query typed before then is lost.
    page.wait_for_function(
        "() => { const m = document.querySelector('.md-search-result__meta');"
        " return m && m.textContent.trim() !== '' && !/initializ/i.test(m.textContent); }",
        timeout=60000,
    )
    page.locator("input.md-search__input").press_sequentially("kld", delay=50)  # key events, as Material listens to
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=30000)
    links = [results.nth(i).locator("a").first.get_attribute("href") or "" for i in range(results.count())]
    texts = [results.nth(i).inner_text() for i in range(results.count())]
    assert any("kl_divergence" in text for text in texts), texts
    assert any("losses/probabilistic/" in link for link in links), links
    assert visit.errors == [] and visit.outside == []
    page.close()


def test_the_cli_page_holds_every_command_help(browser: Any, base_url: str) -> None:
    import typer.main

    from losslab.cli import app

    root = typer.main.get_command(app)
    commands = root.list_commands(root.context_class(root))
    visit = _visit(browser, base_url, "reference/cli/")
    text = visit.text()
    assert len(commands) >= 10
    for name in commands:
        assert visit.count(f'h2[id="losslab-{name}"]') == 1, f"no section for `losslab {name}`"
    assert "Usage: losslab plot" in text and "--help" in text
    visit.page.close()


def test_the_public_name_check_reports_a_missing_entry(site_dir: Path, tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "docs" / "_gen"))
    try:
        import docs_pages
    finally:
        sys.path.remove(str(ROOT / "docs" / "_gen"))
    assert docs_pages.check_site(site_dir) == []
    page = tmp_path / "index.html"
    html = (site_dir / "losses" / "regression" / "index.html").read_text(encoding="utf-8")
    page.write_text(html.replace('id="losslab.huber"', 'id="gone"'), encoding="utf-8")
    problems = docs_pages.check_site(tmp_path)
    assert "losslab.huber has no entry in the reference" in problems
    assert "losslab.kl_divergence has no entry in the reference" in problems  # not on this one page
