"""The ``losslab`` command line: a thin layer over the library.

The root app holds ``demo`` and ``list``; each sub-module (``lab``, ``analyze``,
``plot``) is a Typer app of its own, added without a name so that its commands
sit at the top level. Every command imports its heavy libraries inside itself.
"""

from __future__ import annotations

import sys

import typer

from losslab.cli import analyze, lab, plot

app = typer.Typer(
    help="losslab: loss functions with Keras 3 semantics on NumPy, PyTorch and JAX.", no_args_is_help=True
)


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
    app()
