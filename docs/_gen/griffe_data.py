"""A griffe extension: data names get their own docstring, never the one of their value's type.

mkdocstrings inspects losslab at run time (its Keras and torch classes are built from the cards).
Run-time inspection cannot see the string under ``REDUCTIONS = (...)``, so a module's data name
gets it from the source; and it gives an attribute the docstring of its value's type (a class
attribute holding a tuple would read "Built-in immutable sequence..."), which is dropped.
"""

from __future__ import annotations

import inspect
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


def _is_type_docstring(attr: griffe.Attribute) -> bool:
    """Whether the attribute's docstring is the one of its run-time value's type."""
    owner: Any = sys.modules.get(attr.module.path)
    for part in attr.path.removeprefix(attr.module.path + ".").split("."):
        owner = getattr(owner, part, None)
    shared = inspect.getdoc(type(owner))
    return attr.docstring is not None and shared is not None and attr.docstring.value.strip() == shared.strip()
