"""The ``losslab`` command line: a thin layer over the library.

The root app holds ``demo`` and ``list``; each sub-module (``lab``, ``analyze``,
``plot``) is a Typer app of its own, added without a name so that its commands
sit at the top level. Every command imports its heavy libraries inside itself.

A user's mistake (a bad spec, an unknown loss or task, a missing file) raises a
``ValueError``, ``TypeError`` or ``OSError`` somewhere below a command; the root
group turns it into one ``error:`` line per problem on stderr and exit status 2,
in one place for every command. ``losslab --debug ...`` re-raises it with its
traceback instead. Typer's own usage errors keep their form (also exit 2).
"""

from __future__ import annotations

import sys
import time
from typing import Any

import typer
from typer.core import TyperGroup

from losslab.cli import analyze, lab, plot

USER_ERRORS: tuple[type[Exception], ...] = (ValueError, TypeError, OSError)
"""What a command raises for a user's mistake (``losslab.lab.SpecError`` is a ``ValueError``)."""
_DEBUG = "losslab.debug"
from losslab.cli._clock import STARTED as STARTED  # noqa: E402 -- the key the commands read


def user_error_lines(error: BaseException) -> list[str]:
    """The message of a user error as ``error: ...`` lines, one per problem."""
    text = str(error).strip() or type(error).__name__
    if isinstance(error, OSError) and error.filename is not None and error.strerror:
        text = f"{error.filename}: {error.strerror}"
    return [f"error: {line.strip()}" for line in text.splitlines() if line.strip()]


class _Group(TyperGroup):
    """The root group: a user error below any command exits 2 with its message, without a traceback."""

    def invoke(self, ctx: Any) -> Any:  # typer's own click Context
        try:
            return super().invoke(ctx)
        except USER_ERRORS as error:
            if ctx.meta.get(_DEBUG):
                raise
            for line in user_error_lines(error):
                typer.echo(line, err=True)
            raise typer.Exit(code=2) from None


app = typer.Typer(
    cls=_Group,
    help="losslab: loss functions with Keras 3 semantics on NumPy, PyTorch and JAX.",
    no_args_is_help=True,
)


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="On an error, show the full traceback, not one line."),
) -> None:
    """losslab: loss functions with Keras 3 semantics on NumPy, PyTorch and JAX."""
    ctx.meta[_DEBUG] = debug
    ctx.meta[STARTED] = ctx.obj.get(STARTED, time.monotonic()) if isinstance(ctx.obj, dict) else time.monotonic()


@app.command()
def demo(
    keras: bool = typer.Option(True, help="Add a column with Keras 3's value (KERAS_BACKEND=jax) when installed."),
    seed: int = typer.Option(0, help="Seed of the demo batch."),
) -> None:
    """Print every loss on one small batch, on every installed backend side by side."""
    from rich.console import Console
    from rich.table import Table

    from losslab.demo import BACKENDS, demo_rows

    rows = demo_rows(with_keras=keras, seed=seed)
    table = Table(title="losslab: mean loss on a batch of 4 (float32)")
    table.add_column("loss")
    table.add_column("arguments")
    for backend in BACKENDS:
        table.add_column(backend, justify="right")
    if keras:
        table.add_column("keras 3", justify="right")
    table.add_column("note")
    for row in rows:
        cells = [row.loss, ", ".join(f"{k}={v}" for k, v in row.kwargs.items())]
        cells += ["-" if row.values[b] is None else f"{row.values[b]:.7g}" for b in BACKENDS]
        if keras:
            cells.append("-" if row.keras is None else f"{row.keras:.7g}")
        cells.append(row.note)
        table.add_row(*cells)
    Console(width=None if sys.stdout.isatty() else 200).print(table)


@app.command("list")
def list_losses() -> None:
    """Print every loss name and alias that losslab.get accepts."""
    import losslab

    for name in losslab.names():
        typer.echo(name)


app.add_typer(lab.app)
app.add_typer(analyze.app)
app.add_typer(plot.app)


def main() -> None:
    """Entry point of the ``losslab`` script."""
    from losslab.cli._clock import process_start

    app(obj={STARTED: process_start()})
