"""The generated pages of the site: the loss families, the API reference, the CLI, and the public-name check.

Everything here is read from losslab itself at build time: the cards (``losslab.losses._card``)
give the families, aliases and peer names; each public module's ``__all__`` gives the reference;
the Typer app gives the CLI pages. ``docs/_gen/hooks.py`` calls :func:`pages` and :func:`check_site`.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import itertools
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

PUBLIC_MODULES = (
    "losslab",
    "losslab.losses",
    "losslab.functional",
    "losslab.regularizers",
    "losslab.constraints",
    "losslab.keras",
    "losslab.torch",
    "losslab.torch.functional",
    "losslab.optax",
    "losslab.lab",
    "losslab.analysis",
    "losslab.testing",
)
"""The modules whose ``__all__`` is the public API: every name in them must be documented."""

FAMILY_TITLES = {
    "regression": "Regression",
    "probabilistic": "Probabilistic",
    "hinge": "Hinge (margin)",
    "segmentation": "Segmentation (overlap)",
    "similarity": "Similarity",
    "sequence": "Sequence",
    "robust": "Robust regression",
    "deviance": "Deviances and likelihoods",
    "noisy": "Noisy labels and imbalance",
    "embedding": "Embedding and ranking",
}
"""Page titles of the family modules (``losses/_<family>.py``); a family without one gets its name capitalised."""

EXTRA_OPTAX = {"ctc": "ctc_loss"}
"""optax names of the same loss that the cards leave out (``benchmarks/losses.py`` times ``optax.losses.ctc_loss``)."""

CORE_SECTIONS = {
    "losslab.losses._loss": "Loss classes",
    "losslab.losses._reduction": "Reductions",
    "losslab.losses._registry": "Registry",
    "losslab._checks": "Value checks",
}
"""Sections of the core page, by the module that defines a name of ``losslab.__all__`` (others: "Helpers")."""

MODULE_PAGES = (
    ("functional", "losslab.functional", "torch.nn.functional's losses with torch's names, on every backend."),
    ("regularizers", "losslab.regularizers", "Weight penalties, as in ``keras.regularizers``."),
    ("constraints", "losslab.constraints", "Weight constraints, as in ``keras.constraints``."),
    ("keras", "losslab.keras", "Every loss as a ``keras.losses.Loss``, generated from the cards."),
    ("torch", "losslab.torch", "Every loss as a ``torch.nn.Module``, with torch's conventions."),
    ("torch-functional", "losslab.torch.functional", "``import losslab.torch.functional as LF`` mirrors ``F``."),
    ("optax", "losslab.optax", "optax's loss names and argument order ``(logits, labels)``, on every backend."),
    ("lab", "losslab.lab", "Training experiments that compare losses (PyTorch)."),
    ("analysis", "losslab.analysis", "Choosing and checking a loss; the gallery and studies."),
    ("testing", "losslab.testing", "Test helpers for your own losses: ``assert_close`` and the backends."),
)
"""The reference pages of the public submodules: (page, module, one-line description)."""


RENDERED: set[str] = set()
"""The identifiers of the entries written so far (each ``::: identifier``, and a module page's members)."""


def resolve(target: str) -> str | None:
    """The identifier of the entry that documents ``target`` (``huber``, ``losslab.Loss``...), or ``None``."""
    for candidate in (target, f"losslab.{target}"):
        if candidate in RENDERED:
            return candidate
    return None


def _cards() -> list[Any]:
    from losslab.losses._card import cards

    return list(cards())


def families() -> dict[str, list[Any]]:
    """The cards by family module, in declaration order."""
    grouped: dict[str, list[Any]] = {}
    for card in _cards():
        grouped.setdefault(card.family, []).append(card)
    return grouped


def family_title(family: str) -> str:
    """The page title of a family."""
    return FAMILY_TITLES.get(family, family.capitalize())


def figure_path(card: Any) -> str:
    """Where the gallery picture of a loss lives in the site (relative to the docs root)."""
    return f"losses/img/{card.name}.png"


def _directive(identifier: str, heading_level: int = 3, **options: Any) -> str:
    RENDERED.add(identifier)
    lines = [f"::: {identifier}", "    options:", f"      heading_level: {heading_level}"]
    for key, value in options.items():
        lines.append(f"      {key}: {value!r}" if not isinstance(value, list) else f"      {key}: {value}")
    return "\n".join(lines) + "\n"


def _code_list(names: Any) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _peer_rows(card: Any) -> list[tuple[str, str]]:
    """(framework, name) rows of the same loss elsewhere: Keras, torch.nn, optax, and losslab's adapters."""
    import losslab.keras
    import losslab.torch
    from losslab.torch._catalogue import module_name

    rows = []
    if card.keras:
        rows.append(("Keras", f"`keras.losses.{card.keras}`"))
    if card.torch:
        rows.append(("PyTorch", f"`torch.nn.{card.torch}`"))
    optax = card.optax or EXTRA_OPTAX.get(card.name)
    if optax:
        rows.append(("optax", f"`optax.losses.{optax}`"))
    keras_name = card.cls.__name__
    if keras_name in losslab.keras.__all__:
        rows.append(("losslab.keras", f"[`losslab.keras.{keras_name}`][losslab.keras.{keras_name}]"))
    torch_name = module_name(card.cls.__name__)
    if torch_name in losslab.torch.__all__:
        rows.append(("losslab.torch", f"[`losslab.torch.{torch_name}`][losslab.torch.{torch_name}]"))
    return rows


def _loss_section(card: Any) -> str:
    function, cls = card.name, card.cls.__name__
    aliases = [*card.aliases, *card.class_aliases]
    lines = [f"## {function}", ""]
    lines.append(f"**Aliases:** {_code_list(aliases)}" if aliases else "**Aliases:** none")
    lines += [
        "",
        (
            f"**For:** {', '.join(card.tasks)} · **labels:** {card.labels} · "
            f"**output activation:** {card.activation} · **range:** `{card.range}`"
        ),
        "",
        "| Same loss in | Name |",
        "|---|---|",
        f"| losslab | [`losslab.{function}`][losslab.{function}] (function), [`losslab.{cls}`][losslab.{cls}] |",
    ]
    lines += [f"| {where} | {name} |" for where, name in _peer_rows(card)]
    lines.append("")
    if card.keras_differs:
        lines += ['!!! note "Where Keras differs"', f"    {card.keras_differs}", ""]
    if card.view is not None and card.view.kind is not None:
        lines += [f'![{function}: value and derivative](img/{function}.png){{ width="480" }}', ""]
    else:
        reason = card.view.reason if card.view is not None else "it has no gallery view"
        lines += ['!!! info "No 1-D picture"', f"    `losslab plot {function}` draws no curve: {reason}.", ""]
    lines.append(_directive(f"losslab.{function}", show_root_full_path=True))
    lines.append(_directive(f"losslab.{cls}", show_root_full_path=True, members=False))
    return "\n".join(lines)


def family_page(family: str, cards: list[Any]) -> str:
    """The page of one family: its module's docstring, then each loss with its picture and reference entries."""
    module = importlib.import_module(cards[0].function.__module__)
    intro = inspect.cleandoc(module.__doc__ or "")
    summary = "\n".join(f"- [`{card.name}`](#{card.name})" for card in cards)
    sections = "\n".join(_loss_section(card) for card in cards)
    return f"# {family_title(family)}\n\n{intro}\n\n{summary}\n\n{sections}"


def losses_index(grouped: dict[str, list[Any]]) -> str:
    """The catalogue at a glance: one row per loss, with its aliases and peer names."""
    lines = [
        "# Losses",
        "",
        (
            "Every loss is a function that returns per-sample losses and a class that weights and reduces them "
            "(see [`Loss`][losslab.Loss]). Each family page shows, for every loss, its formula, its arguments, its "
            "aliases, the same loss's names in Keras, PyTorch and optax, a runnable example, and the picture of its "
            "value and derivative that `losslab plot` draws."
        ),
        "",
        "| Loss | Family | Aliases | Keras | PyTorch | optax |",
        "|---|---|---|---|---|---|",
    ]
    for family, cards in grouped.items():
        for card in cards:
            optax = card.optax or EXTRA_OPTAX.get(card.name)
            cells = [
                f"[`{card.name}`]({family}.md#{card.name})",
                f"[{family_title(family)}]({family}.md)",
                _code_list([*card.aliases, *card.class_aliases]),
                f"`{card.keras}`" if card.keras else "",
                f"`{card.torch}`" if card.torch else "",
                f"`{optax}`" if optax else "",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _module_of(owner: ModuleType, name: str) -> str:
    """The module that defines ``owner.name``; for data, the first private module that holds the same object."""
    import sys

    obj = getattr(owner, name)
    module = getattr(obj, "__module__", None)
    if isinstance(module, str) and not inspect.ismodule(obj):
        return module
    holders = (
        module_name
        for module_name, candidate in sorted(sys.modules.items())
        if module_name.startswith("losslab.")
        and module_name.rsplit(".", 1)[-1].startswith("_")
        and candidate is not None
        and vars(candidate).get(name) is obj
    )
    return next(holders, owner.__name__)


def core_page() -> str:
    """``losslab``'s own names that are not losses: the base classes, reductions, registry and checks."""
    import losslab

    loss_names = {name for card in _cards() for name in (card.name, card.cls.__name__, *card.aliases)}
    sections: dict[str, list[str]] = {title: [] for title in CORE_SECTIONS.values()}
    modules = []
    for name in losslab.__all__:
        obj = getattr(losslab, name)
        if name in loss_names:
            continue
        if inspect.ismodule(obj):
            modules.append(name)
            continue
        sections.setdefault(CORE_SECTIONS.get(_module_of(losslab, name), "Helpers"), []).append(name)
    lines = [
        "# losslab",
        "",
        "The top-level namespace: every loss (see [Losses](../losses/index.md)), the base classes, the reductions, "
        "the registry and the value checks. Submodules: "
        + ", ".join(f"[`losslab.{name}`][losslab.{name}]" for name in modules)
        + ".",
        "",
    ]
    for title, names in sections.items():
        if not names:
            continue
        lines += [f"## {title}", ""]
        lines += [_directive(f"losslab.{name}", show_root_full_path=True) for name in names]
    return "\n".join(lines)


def module_page(module_name: str) -> str:
    """A submodule's page: its docstring (the page's title is the module's entry), then every name of ``__all__``."""
    module = importlib.import_module(module_name)
    members = list(getattr(module, "__all__", []))
    submodules = [name for name in members if inspect.ismodule(getattr(module, name))]
    members = [name for name in members if name not in submodules]
    shared = _shared_module(module)
    if shared is not None:  # the same objects under a second name: one entry each, on the first module's page
        return (
            _directive(module_name, heading_level=1, members=False)
            + f"\nIts names are the very objects of [`{shared}`][{shared}]: "
            + ", ".join(f"[`{name}`][{shared}.{name}]" for name in members)
            + ".\n"
        )
    RENDERED.update(f"{module_name}.{name}" for name in members)
    text = _directive(module_name, heading_level=1, members=members)
    if submodules:
        text += "\nSubmodules: " + ", ".join(f"[`{module_name}.{n}`][{module_name}.{n}]" for n in submodules) + ".\n"
    return text


def _shared_module(module: ModuleType) -> str | None:
    """The public module whose ``__all__`` objects ``module`` re-exports one for one, if any (torch.functional)."""
    names = list(getattr(module, "__all__", []))
    for other_name in PUBLIC_MODULES:
        if other_name in ("losslab", module.__name__) or PUBLIC_MODULES.index(other_name) > PUBLIC_MODULES.index(
            module.__name__
        ):
            continue
        other = importlib.import_module(other_name)
        if names and all(vars(other).get(name, None) is getattr(module, name) for name in names):
            return other_name
    return None


def cli_page() -> str:
    """Every command of the ``losslab`` script with its ``--help``, as Typer prints it."""
    import typer.main
    from typer.testing import CliRunner

    from losslab.cli import app

    root = typer.main.get_command(app)
    runner = CliRunner()
    lines = [
        "# Command line",
        "",
        "The `losslab` script (also `python -m losslab`). Each section is the command's own `--help`.",
        "",
    ]

    def walk(command: Any, path: list[str]) -> Iterator[list[str]]:  # a Click command (Typer ships its own Click)
        yield path
        if hasattr(command, "list_commands"):
            context = command.context_class(command)
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                if sub is not None and not sub.hidden:
                    yield from walk(sub, [*path, name])

    for path in walk(root, []):
        result = runner.invoke(
            app, [*path, "--help"], prog_name="losslab", terminal_width=100, env={"COLUMNS": "100", "NO_COLOR": "1"}
        )
        if result.exit_code != 0:
            msg = f"`losslab {' '.join(path)} --help` failed with exit code {result.exit_code}: {result.output}"
            raise RuntimeError(msg)
        title = " ".join(["losslab", *path])
        help_text = "\n".join(line.rstrip() for line in result.output.splitlines()).strip("\n")
        lines += [f"## {title}", "", "```text", textwrap.dedent(help_text), "```", ""]
    return "\n".join(lines)


def reference_index() -> str:
    """The reference's front page: one line per page."""
    lines = [
        "# API reference",
        "",
        (
            "Generated from the docstrings at build time. The losses themselves are on the "
            "[loss family pages](../losses/index.md)."
        ),
        "",
        "- [`losslab`](losslab.md): the base classes, reductions, registry and value checks.",
    ]
    lines += [f"- [`{module}`]({page}.md): {description}" for page, module, description in MODULE_PAGES]
    lines.append("- [Command line](cli.md): every `losslab` command and its options.")
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    """Every generated Markdown page, by its path under the docs folder."""
    grouped = families()
    out = {"losses/index.md": losses_index(grouped)}
    out.update({f"losses/{family}.md": family_page(family, cards) for family, cards in grouped.items()})
    out["reference/index.md"] = reference_index()
    out["reference/losslab.md"] = core_page()
    out.update({f"reference/{page}.md": module_page(module) for page, module, _ in MODULE_PAGES})
    out["reference/cli.md"] = cli_page()
    return out


def nav() -> tuple[list[Any], list[Any]]:
    """The Losses and Reference sections of the navigation."""
    losses: list[Any] = ["losses/index.md"]
    losses += [{family_title(family): f"losses/{family}.md"} for family in families()]
    reference: list[Any] = ["reference/index.md", {"losslab": "reference/losslab.md"}]
    reference += [{module: f"reference/{page}.md"} for page, module, _ in MODULE_PAGES]
    reference.append({"Command line": "reference/cli.md"})
    return losses, reference


# ---------------------------------------------------------------- the public-name check


def attribute_docstring(module_name: str, name: str) -> str | None:
    """The docstring written under a module-level assignment (``NAME = ...`` then a string), from the source."""
    return _attribute_docstrings(module_name).get(name)


@functools.cache
def _attribute_docstrings(module_name: str) -> dict[str, str]:
    """Every module-level ``NAME = ...`` of a module that has a string right under it, from the source."""
    try:
        source = inspect.getsource(importlib.import_module(module_name))
    except (OSError, TypeError, ImportError):
        return {}
    body = ast.parse(source).body
    found = {}
    for statement, following in itertools.pairwise(body):
        targets = []
        if isinstance(statement, ast.Assign):
            targets = [t.id for t in statement.targets if isinstance(t, ast.Name)]
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            targets = [statement.target.id]
        value = following.value if isinstance(following, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            found.update(dict.fromkeys(targets, inspect.cleandoc(value.value)))
    return found


def docstring_of(owner: ModuleType, name: str) -> str | None:
    """The object's own docstring (a class's, not its base's), or a data name's docstring from the source."""
    import sys

    obj = getattr(owner, name)
    if inspect.ismodule(obj) or inspect.isroutine(obj):
        return inspect.getdoc(obj)
    if inspect.isclass(obj):
        return inspect.cleandoc(obj.__dict__["__doc__"]) if obj.__dict__.get("__doc__") else None
    holders = [owner.__name__]  # then every module that holds the same object under that name
    holders += [
        m
        for m, module in sorted(sys.modules.items())
        if m.startswith("losslab.") and module is not None and vars(module).get(name) is obj
    ]
    for holder in holders:
        text = attribute_docstring(holder, name)
        if text:
            return text
    return None


def public_names() -> Iterator[tuple[str, str, Any]]:
    """(module, name, object) for every name of every public module's ``__all__``."""
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            yield module_name, name, getattr(module, name)


def unlisted_modules() -> set[str]:
    """Modules of the package that look public (no ``_`` in their path, an ``__all__``) but are not in PUBLIC_MODULES.

    A submodule of a listed package other than ``losslab`` itself (``losslab.lab.report``) is covered by
    its package, which re-exports what users need.
    """
    import pkgutil

    import losslab

    found = set()
    for info in pkgutil.walk_packages(losslab.__path__, "losslab."):
        if any(part.startswith("_") for part in info.name.split(".")) or info.name.startswith("losslab.cli"):
            continue  # private, or the CLI (documented from its help on the CLI page)
        parent = info.name.rpartition(".")[0]
        if parent != "losslab" and parent in PUBLIC_MODULES:
            continue
        if "__all__" in vars(importlib.import_module(info.name)):
            found.add(info.name)
    return found - set(PUBLIC_MODULES)


_ID = re.compile(r'\bid="([^"]+)"')


def check_site(site_dir: Path) -> list[str]:
    """Problems of the built site: public names without an entry in the reference or without a docstring.

    A name is documented when the site has an entry (an element whose ``id`` is a dotted path)
    for that object under any of its public paths, and the page holding that entry mentions the
    name (an alias is listed on its loss's entry).
    """
    entries: dict[str, str] = {}  # identifier -> the text of the page that holds it
    for page in site_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for identifier in _ID.findall(html):
            if identifier.startswith("losslab"):
                entries.setdefault(identifier, html)
    paths_of: dict[int, list[str]] = {}
    names = list(public_names())
    for module_name, name, obj in names:
        paths_of.setdefault(id(obj), []).append(f"{module_name}.{name}")
    problems = [
        f"{module} is a public module (no leading underscore, an __all__) missing from PUBLIC_MODULES"
        for module in sorted(unlisted_modules())
    ]
    for module_name, name, obj in names:
        documented = [path for path in paths_of[id(obj)] if path in entries]
        if not documented or not any(name in entries[path] for path in documented):
            problems.append(f"{module_name}.{name} has no entry in the reference")
        if not docstring_of(importlib.import_module(module_name), name):
            problems.append(f"{module_name}.{name} has no docstring")
    return problems
