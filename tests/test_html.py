"""losslab._html: the one HTML writer of the lab and the analysis."""

from __future__ import annotations

import base64
import fnmatch
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest

from losslab import _html

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "src" / "losslab" / "_html" / "templates"
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _lab_page(**changes):
    context = {
        "title": "t",
        "meta": [],
        "summary": _html.table(["a"], [["1"]]),
        "sections": [],
        **changes,
    }
    return _html.render("lab.html", **context)


def test_import_leaves_torch_and_matplotlib_out():
    code = "import sys, losslab._html; print('torch' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_every_user_supplied_text_is_escaped():
    text = _lab_page(
        title="<name>",
        meta=[("<key>", "<value>")],
        summary=_html.table(["<column>"], [[_html.Cell("<cell>", "num")]]),
        sections=[{"id": 'x"y', "title": "<exp>", "spec": "<spec>", "image": _html.Image("data:,", "<alt>")}],
    )
    for raw in ("name", "key", "value", "column", "cell", "exp", "spec"):
        assert f"<{raw}>" not in text
        assert f"&lt;{raw}&gt;" in text
    assert 'alt="&lt;alt&gt;"' in text
    assert 'id="x&#34;y"' in text
    assert '<td class="num">&lt;cell&gt;</td>' in text


def test_a_missing_value_is_an_error_not_a_blank():
    with pytest.raises(jinja2.UndefinedError, match="summary"):
        _html.render("lab.html", title="t", meta=[], sections=[])


def test_table_cells_and_ragged_rows():
    table = _html.table(["a", "b"], [["x", _html.Cell("1.0", "num")], [2, 3]])
    assert table.head == ("a", "b")
    assert table.rows == (
        (_html.Cell("x"), _html.Cell("1.0", "num")),
        (_html.Cell("2"), _html.Cell("3")),
    )
    with pytest.raises(ValueError, match=r"one cell per column \(2: .*\); got 1"):
        _html.table(["a", "b"], [["x"]])


def test_png_embeds_the_bytes_and_refuses_other_files(tmp_path):
    path = tmp_path / "dot.png"
    path.write_bytes(TINY_PNG)
    image = _html.png(path, "a dot")
    assert image.alt == "a dot"
    assert image.src.startswith("data:image/png;base64,")
    assert base64.b64decode(image.src.removeprefix("data:image/png;base64,")) == TINY_PNG
    svg = tmp_path / "plot.svg"
    svg.write_text("<svg/>")
    with pytest.raises(ValueError, match=r"plot.svg is not a PNG file; got first bytes b'<svg/>'"):
        _html.png(svg, "plot")


def test_write_text_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "sub" / "page.html"
    assert _html.write_text(path, "first") == path
    assert _html.write_text(path, "second ✓") == path
    assert path.read_text(encoding="utf-8") == "second ✓"
    assert [p.name for p in path.parent.iterdir()] == ["page.html"]


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        _html.write_text(path, "half \ud800")  # a lone surrogate cannot be written as UTF-8
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_write_page_renders_a_whole_page(tmp_path):
    path = _html.write_page(
        tmp_path / "page.html", "lab.html", title="t", meta=[], summary=_html.table([], []), sections=[]
    )
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert "<style>" in text and "border-collapse" in text  # the one CSS, inline


def test_every_template_is_package_data():
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["losslab._html"]
    files = sorted(p.relative_to(TEMPLATES.parent).as_posix() for p in TEMPLATES.iterdir())
    assert {"templates/lab.html", "templates/full.html", "templates/style.css"} <= set(files)
    assert [f for f in files if not any(fnmatch.fnmatch(f, pattern) for pattern in patterns)] == []
