"""A griffe extension: module-level data names get the docstring written under their assignment.

mkdocstrings inspects losslab at run time (its Keras and torch classes are built from the cards), and
run-time inspection cannot see the string under ``REDUCTIONS = (...)``; this reads it from the source.
"""

from __future__ import annotations

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
        if module is not None and attr.name in vars(module):
            text = docstring_of(module, attr.name)
            if text:
                attr.docstring = griffe.Docstring(text, parent=attr)
