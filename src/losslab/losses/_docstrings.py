"""The docstring of each loss class, built once from its function's docstring and its constructor.

A class form only forwards hyperparameters to its function, so its arguments are documented
where the function documents them. :func:`class_docstring` writes the class's numpydoc
``Parameters`` from the constructor's signature: each hyperparameter with the function's
description (and the class's default), then ``reduction``, ``name`` and ``dtype``, which
:class:`~losslab.Loss` documents once. The class's own text (notes, examples) is kept.
``declare`` (``_card.py``) sets it on every catalogue class, so ``help(losslab.Huber)`` and the
documentation site show the real arguments.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from typing import Any

_SECTION = re.compile(r"^(?P<title>[A-Z][A-Za-z ]+)\n-{3,}$", re.MULTILINE)
_SHARED = {
    "reduction": "How the weighted per-sample losses are reduced; see :class:`~losslab.Loss`.",
    "name": "Name of the loss instance.",
    "dtype": "Floating dtype of the computation; see :class:`~losslab.Loss`.",
}


def _sections(doc: str) -> tuple[str, dict[str, str]]:
    """A cleaned docstring split into its text before the first numpydoc section, and the sections by title."""
    matches = list(_SECTION.finditer(doc))
    head = doc[: matches[0].start()] if matches else doc
    sections = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(doc)
        sections[match["title"]] = doc[match.end() : end].strip("\n")
    return head.strip(), sections


def _parameter_entries(text: str) -> list[tuple[list[str], str, list[str]]]:
    """A ``Parameters`` section as ``(names, type, description lines)`` entries."""
    entries: list[tuple[list[str], str, list[str]]] = []
    for line in text.splitlines():
        if line and not line[0].isspace():
            names, _, kind = line.partition(" : ")
            entries.append(([n.strip() for n in names.split(",")], kind.strip(), []))
        elif entries:
            entries[-1][2].append(line)
    return entries


def _with_default(kind: str, parameter: inspect.Parameter) -> str:
    """``float, default 1.0``: the function's type with the class's default."""
    kind = re.sub(r",?\s*(default\b.*|optional)$", "", kind).strip()
    if parameter.default is inspect.Parameter.empty:
        return kind
    default = parameter.default
    if default is None:
        return f"{kind}, optional" if kind else "optional"
    shown = f'"{default}"' if isinstance(default, str) else repr(default)
    return f"{kind}, default {shown}" if kind else f"default {shown}"


def class_docstring(cls: type, function: Any) -> str:
    """The docstring of a loss class whose instances compute ``function``'s per-sample losses.

    Parameters
    ----------
    cls : type
        The class form; its ``__init__`` signature lists the arguments.
    function : callable
        The function form, whose docstring describes the hyperparameters.

    Returns
    -------
    str
        A numpydoc docstring: a summary, the class's own notes, ``Parameters``,
        the class's own sections (``Examples``...) and ``See Also``.
    """
    own_head, own_sections = _sections(inspect.cleandoc(cls.__doc__ or ""))
    function_head, function_sections = _sections(inspect.cleandoc(function.__doc__ or ""))
    name = function.__name__
    own_paragraphs = own_head.split("\n\n") if own_head else []
    if not own_paragraphs or own_paragraphs[0].startswith("Class form of"):
        # "Class form of :func:`huber` (``delta``)...": replaced by the function's summary and the arguments below
        own_paragraphs[:1] = [function_head.split("\n\n")[0]]
    summary = own_paragraphs.pop(0)
    role = (
        f"The class form of :func:`{name}`: ``loss(y_true, y_pred, sample_weight=None)`` weights and reduces "
        f"the per-sample losses that :func:`{name}` returns (see :class:`~losslab.Loss`)."
    )
    lines = [summary, "", textwrap.fill(role, 100, break_on_hyphens=False, break_long_words=False), ""]
    for paragraph in own_paragraphs:
        lines += [paragraph, ""]
    lines += ["Parameters", "----------"]
    entries = _parameter_entries(function_sections.get("Parameters", ""))
    for parameter in inspect.signature(cls).parameters.values():
        if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        entry = next((e for e in entries if parameter.name in e[0]), None)
        if parameter.name in _SHARED:
            kind = "str or None" if parameter.name == "reduction" else "str"
            lines += [f"{parameter.name} : {_with_default(kind, parameter)}", f"    {_SHARED[parameter.name]}"]
        elif entry is None:
            lines += [f"{parameter.name} : {_with_default('', parameter)}", f"    As in :func:`{name}`."]
        else:
            description = [line for line in entry[2] if line.strip()]  # (some functions give none)
            lines += [f"{parameter.name} : {_with_default(entry[1], parameter)}", *description]
    for title, body in own_sections.items():
        if title not in ("Parameters", "See Also"):
            lines += ["", title, "-" * len(title), body]
    lines += ["", "See Also", "--------", f"{name} : the function form, with the formula and an example."]
    return "\n".join(lines) + "\n"
