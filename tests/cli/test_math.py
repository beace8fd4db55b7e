# ruff: noqa: RUF001  (Greek letters and math symbols are what is tested)
"""LaTeX formulas of the docstrings as terminal text."""

from __future__ import annotations

import re

import pytest

import losslab
from losslab.analysis.gallery import loss_info
from losslab.cli._math import latex_to_text


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"\frac{1}{d} \sum_i e_i^2", "(1/d) Σᵢ eᵢ²"),
        (r"\log\frac{t_i}{p_i}", "log(tᵢ/pᵢ)"),
        (r"1 - \frac{TP}{TP + \alpha\,FP}", "1 - TP/(TP + α FP)"),
        (r"\sqrt{e^2 + \varepsilon^2}", "√(e² + ε²)"),
        (r"\operatorname{softplus}(-2 e_i)", "softplus(-2 eᵢ)"),
        (r"y_\text{true}, y_{\text{pred},i}", "y_true, y_{pred,i}"),
        (r"\max\left(\tau u, (\tau - 1) u\right)", "max(τ u, (τ - 1) u)"),
        (r"\tfrac12 \log 2\pi", "½ log 2π"),
        (r"\mathbb{1}(u < 0)", "𝟙(u < 0)"),
        (r"y \in \{-1, 1\}", "y ∈ {-1, 1}"),
    ],
)
def test_each_construct(latex, text):
    assert latex_to_text(latex) == text


def test_cases_are_aligned_lines():
    latex = (
        "\\ell = \\sum_i\n\\begin{cases} \\tfrac12 e_i^2 & |e_i| \\le \\delta \\\\\n"
        "\\delta |e_i| & \\text{otherwise} \\end{cases}"
    )
    first, second = latex_to_text(latex).splitlines()
    assert first == "ℓ = Σᵢ { ½ eᵢ²    if |eᵢ| ≤ δ"
    assert second == "       { δ |eᵢ|   otherwise"
    assert first.index("{") == second.index("{")


def test_every_catalogue_formula_reads_without_latex():
    seen = set()
    for name in losslab.names():
        try:
            info = loss_info(name)
        except ValueError:
            continue
        if info["name"] in seen or not info["formula"]:
            continue
        seen.add(info["name"])
        text = latex_to_text(info["formula"])
        assert "\\" not in text and "begin" not in text and "&" not in text, (name, text)
        assert not re.search(r"\b(frac|sum|text|operatorname|left|right|quad)\b", text), (name, text)
    assert len(seen) > 30
