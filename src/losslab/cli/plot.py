"""``losslab plot`` and ``losslab info``: see a loss's curve and its fact sheet.

torch and matplotlib are imported inside the commands, so ``losslab --help``
stays light.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import typer

app = typer.Typer()

_PARAM_HELP = (
    "A hyperparameter KEY=VALUE for every listed loss that accepts it (repeatable); "
    "values are read as bool (true/false), int, float or none."
)


def parse_value(text: str) -> Any:
    """A parameter's value from text: ``true``/``false``, ``none``, an int, or a float.

    Parameters
    ----------
    text : str
        The value as typed.

    Returns
    -------
    bool, None, int or float

    Raises
    ------
    typer.BadParameter
        For anything else.

    Examples
    --------
    >>> [parse_value(t) for t in ("True", "false", "none", "3", "0.5", "1e-3")]
    [True, False, None, 3, 0.5, 0.001]
    """
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for convert in (int, float):
        with contextlib.suppress(ValueError):
            return convert(lowered)
    msg = f"parameter values are numbers, true/false or none; got {text!r}"
    raise typer.BadParameter(msg)


def parse_params(items: list[str]) -> dict[str, Any]:
    """``["delta=2", "from_logits=true"]`` as ``{"delta": 2, "from_logits": True}``.

    Examples
    --------
    >>> parse_params(["delta=2", "from_logits=true"])
    {'delta': 2, 'from_logits': True}
    """
    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            msg = f"a parameter is KEY=VALUE, like delta=1.0; got {item!r}"
            raise typer.BadParameter(msg)
        params[key.strip()] = parse_value(value)
    return params


def parse_loss(text: str) -> tuple[str, dict[str, Any]]:
    """A loss argument ``NAME`` or ``NAME:KEY=VALUE[,KEY=VALUE...]`` as ``(name, params)``.

    Examples
    --------
    >>> parse_loss("huber:delta=2")
    ('huber', {'delta': 2})
    >>> parse_loss("binary_focal_crossentropy:gamma=0,from_logits=true")
    ('binary_focal_crossentropy', {'gamma': 0, 'from_logits': True})
    """
    name, _, spec = text.partition(":")
    return name.strip(), parse_params([s for s in spec.split(",") if s.strip()])


@app.command()
def plot(
    losses: list[str] = typer.Argument(..., help="Loss names or aliases; NAME:KEY=VALUE,... gives one its own."),
    param: list[str] | None = typer.Option(None, "--param", "-p", help=_PARAM_HELP),
    out: Path = typer.Option(Path("loss_curves.png"), help="The PNG to write."),
) -> None:
    """Plot losses and their derivatives along their natural variable (residual, probability, margin...).

    A loss without a 1-D view (ctc, a ranking or metric-learning loss) is left out with a note; the others are drawn.
    """
    from losslab.analysis.gallery import loss_info, plot_losses

    shared = parse_params(param or [])
    entries = []
    notes = []
    for name, own in (parse_loss(text) for text in losses):
        try:
            info = loss_info(name, params=own)
        except ValueError as error:
            raise typer.BadParameter(str(error)) from error
        if info["x_kind"] is None:
            notes.append(f"{name}: not drawn, it has no 1-D view ({info['no_view']})")
        else:
            entries.append((name, own))
    if not entries:
        msg = "none of the losses has a 1-D view to draw: " + "; ".join(notes)
        raise typer.BadParameter(msg)
    try:
        path, curves = plot_losses(entries, out, params=shared)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    for curve in curves:
        typer.echo(f"{curve.label}: x = {curve.x_name} in [{curve.x[0]:g}, {curve.x[-1]:g}]")
    for note in notes:
        typer.echo(note)
    typer.echo(f"wrote {path}")


@app.command()
def info(
    loss: str = typer.Argument(..., help="A loss name or alias; NAME:KEY=VALUE,... sets the example's parameters."),
    param: list[str] | None = typer.Option(None, "--param", "-p", help="KEY=VALUE for the worked example."),
) -> None:
    """Print a loss's formula, arguments, aliases, expected activation and labels, range and an example.

    The formula is shown as Unicode text (the docstring's LaTeX converted by ``losslab.cli._math``).
    """
    from losslab.analysis.gallery import format_info, loss_info
    from losslab.cli._math import latex_to_text

    name, own = parse_loss(loss)
    try:
        info = loss_info(name, params={**parse_params(param or []), **own})
        if info["formula"]:
            info = {**info, "formula": latex_to_text(info["formula"])}
        text = format_info(info)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    typer.echo(text)
