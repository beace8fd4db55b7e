r"""A Markdown extension that renders the reStructuredText bits of losslab's numpydoc docstrings.

The docstrings are numpydoc: their formulas are ``.. math::`` blocks and ``:math:`` roles, and they
name other objects with ``:func:``, ``:class:``, ``:data:``... roles. Markdown knows none of these.
This preprocessor runs before every other Markdown step, on the docs pages and on the docstrings
that mkdocstrings renders with the site's extensions:

- a ``.. math::`` block (its indented continuation lines; blank lines separate equations) becomes
  display MathML, an inline ``:math:`...``` role inline MathML, both made here at build time by
  ``latex2mathml`` (browsers render MathML natively: no script, no font, nothing fetched);
- a cross-reference role becomes a link to the object's entry when the reference documents it
  (``resolve`` answers that), and inline code otherwise.

A formula that ``latex2mathml`` cannot convert raises, so a strict build fails instead of showing
raw LaTeX.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from latex2mathml.converter import convert
from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

MATH_BLOCK = re.compile(r"^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<first>.*)$")
MATH_ROLE = re.compile(r":math:`(?P<tex>[^`]+)`")
XREF_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|attr|data|mod|obj|exc|const):`(?P<target>[^`]+)`")
FENCE = re.compile(r"^[ \t]*(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(?:.|\n)*?(?<!`)\1(?!`)")
ROLE_PREFIX = re.compile(r":(?:py:)?[a-z]+:\Z")
DISPLAY_DOLLARS = re.compile(r"\$\$(?P<tex>.+?)\$\$", re.DOTALL)
INLINE_DOLLARS = re.compile(r"(?<![\\$\w])\$(?P<tex>[^\s$](?:[^$\n]*[^\s$\\])?)\$(?![\w$])")
"""Markdown pages write math as ``$...$`` and ``$$...$$`` (docstrings use the roles above)."""

# latex2mathml leaves a few commands out; each is replaced by an equivalent it knows.
_REWRITES = (
    (re.compile(r"\\tfrac\b"), r"\\frac"),
    (re.compile(r"\\dfrac\b"), r"\\frac"),
    (re.compile(r"\\lVert\b"), r"\\|"),
    (re.compile(r"\\rVert\b"), r"\\|"),
)
_TEXT = re.compile(r"\\(?:text|mathrm|operatorname)\{[^{}]*\}")


def latex_to_mathml(tex: str, *, display: bool) -> str:
    """One LaTeX formula as a MathML ``<math>`` element; raises ``ValueError`` when it cannot be converted."""
    source = tex.strip()
    for pattern, replacement in _REWRITES:
        source = pattern.sub(replacement, source)
    source = _TEXT.sub(lambda m: m[0].replace("\\_", "_"), source)  # \text{log\_input}: no escape inside text
    if display and "\\\\" in source and "\\begin" not in source:
        source = "\\begin{aligned}" + source + "\\end{aligned}"  # Sphinx's multi-line equation
    try:
        mathml = convert(source, display="block" if display else "inline")
    except Exception as error:
        msg = f"latex2mathml cannot convert the formula {tex!r}: {error}"
        raise ValueError(msg) from error
    if "\\" in re.sub(r"<[^>]*>", "", mathml):
        msg = f"the formula {tex!r} leaves a raw LaTeX command in its MathML; rewrite it or add a rewrite here"
        raise ValueError(msg)
    return mathml


def _unresolved(target: str) -> str | None:
    return None


class RstPreprocessor(Preprocessor):
    """Turn ``.. math::`` blocks and ``:math:``/cross-reference roles into MathML, links and code."""

    def __init__(self, md: Markdown, resolve: Callable[[str], str | None]) -> None:
        super().__init__(md)
        self.resolve = resolve

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        chunk: list[str] = []  # lines outside code fences, whose roles may span lines

        def flush() -> None:
            out.extend(self.inline("\n".join(chunk)).split("\n") if chunk else [])
            chunk.clear()

        fenced = False
        index = 0
        while index < len(lines):
            line = lines[index]
            if FENCE.match(line):
                flush()
                fenced = not fenced
            match = None if fenced else MATH_BLOCK.match(line)
            if match is None:
                (out if fenced or FENCE.match(line) else chunk).append(line)
                index += 1
                continue
            indent = len(match["indent"].expandtabs())
            body = [match["first"]]
            index += 1
            while index < len(lines):
                following = lines[index]
                if following.strip() and len(following) - len(following.lstrip()) <= indent:
                    break
                body.append(following.strip())
                index += 1
            while body and not body[-1]:
                body.pop()
                index -= 1  # give trailing blank lines back to the document
            equations = "\n".join(body).split("\n\n")
            html = "".join(latex_to_mathml(tex, display=True) for tex in equations if tex.strip())
            chunk.extend(["", match["indent"] + self.md.htmlStash.store(html), ""])
        flush()
        return out

    def inline(self, text: str) -> str:
        """Roles and dollar math to MathML, links and code, outside code spans; a role may run over lines."""
        pieces = []
        start = 0
        for span in CODE_SPAN.finditer(text):
            if ROLE_PREFIX.search(text, 0, span.start()):
                continue  # a role's `text`, not a code span
            pieces.append(self.outside_code(text[start : span.start()]))
            pieces.append(span.group(0))
            start = span.end()
        pieces.append(self.outside_code(text[start:]))
        return "".join(pieces)

    def outside_code(self, text: str) -> str:
        def math(display: bool) -> Callable[[re.Match[str]], str]:
            return lambda m: self.md.htmlStash.store(latex_to_mathml(m["tex"].strip(), display=display))

        text = MATH_ROLE.sub(math(False), text)
        text = DISPLAY_DOLLARS.sub(math(True), text)
        text = INLINE_DOLLARS.sub(math(False), text)
        return XREF_ROLE.sub(self.xref, text)

    def xref(self, match: re.Match[str]) -> str:
        target = match["target"].strip()
        short = target.startswith("~")
        target = target.lstrip("~")
        if "<" in target and target.endswith(">"):  # :func:`title <target>`
            title, target = (part.strip() for part in target[:-1].split("<", 1))
        else:
            title = target.rsplit(".", 1)[-1] if short else target
        identifier = self.resolve(target)
        if identifier is None:
            return f"`{title}`"
        return f"[`{title}`][{identifier}]"


class RstExtension(Extension):
    """``RstExtension(resolve=...)``: ``resolve(target)`` is the reference's identifier of a name, or ``None``."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {"resolve": [_unresolved, "name -> identifier of its documented entry, or None"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        # After whitespace normalisation (30, which drops the placeholders' marker characters), before raw HTML
        # blocks (20) and long before the inline patterns: the raw LaTeX must not meet Markdown's escapes.
        md.preprocessors.register(RstPreprocessor(md, self.getConfig("resolve")), "losslab_rst", 25)
