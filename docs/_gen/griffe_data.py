"""A griffe extension: data names get their own docstring, never the one of their value's type.

mkdocstrings inspects losslab at run time (its Keras and torch classes are built from the cards).
Run-time inspection cannot see the string under ``REDUCTIONS = (...)``, so a module's data name
gets it from the source; and it gives an attribute the docstring of its value's type (a class
attribute holding a tuple would read "Built-in immutable sequence..."), which is dropped.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path
from typing import Any

import griffe

sys.path.insert(0, str(Path(__file__).parent))

from docs_pages import docstring_of


class DataDocstrings(griffe.Extension):
    """Fill the docstring of a module attribute from the source of a module that holds it."""

    def on_attribute_instance(self, *, attr: griffe.Attribute, **kwargs: Any) -> None:
        parent = attr.parent
        module = sys.modules.get(parent.path) if parent is not None and parent.is_module else None
        text = docstring_of(module, attr.name) if module is not None and attr.name in vars(module) else None
        if text is None and attr.docstring is not None and _is_type_docstring(attr):
            attr.docstring = None
        elif text:
            attr.docstring = griffe.Docstring(text, parent=attr)


class SplitGroupedParameters(griffe.Extension):
    """Give each name of a grouped numpydoc parameter (``reduction, name, dtype``) an entry of its own.

    griffe's numpy parser gives every name of a group the first name's default; one entry per name
    gets each its own default from the signature.
    """

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and "Parameters\n" in obj.docstring.value:
            obj.docstring.value = split_grouped_parameters(obj.docstring.value)


_SECTION_TITLE = re.compile(r"^[A-Z][A-Za-z ]+$")


def split_grouped_parameters(text: str) -> str:
    """A numpydoc docstring with each ``a, b : type`` entry of its Parameters section repeated once per name."""
    lines = text.splitlines()
    out: list[str] = []
    index, in_parameters = 0, False
    while index < len(lines):
        line = lines[index]
        underlined = index + 1 < len(lines) and set(lines[index + 1].strip()) == {"-"}
        if underlined and _SECTION_TITLE.match(line.strip()):
            in_parameters = line.strip() in ("Parameters", "Other Parameters")
        names, _, kind = line.partition(" : ")
        if in_parameters and line and not line[0].isspace() and ", " in names and not underlined:
            body = []
            while index + 1 < len(lines) and (not lines[index + 1].strip() or lines[index + 1][0].isspace()):
                body.append(lines[index + 1])
                index += 1
            blank = 0
            while body and not body[-1].strip():
                body.pop()
                blank += 1
            for name in names.split(", "):
                out += [f"{name.strip()} : {kind}" if kind else name.strip(), *body]
            out += [""] * blank
            index += 1
            continue
        out.append(line)
        index += 1
    return "\n".join(out)


def _is_type_docstring(attr: griffe.Attribute) -> bool:
    """Whether the attribute's docstring is the one of its run-time value's type."""
    owner: Any = sys.modules.get(attr.module.path)
    for part in attr.path.removeprefix(attr.module.path + ".").split("."):
        owner = getattr(owner, part, None)
    shared = inspect.getdoc(type(owner))
    return attr.docstring is not None and shared is not None and attr.docstring.value.strip() == shared.strip()
