"""`notegen compare`: one temperature sweep over a text model and a music model."""

from __future__ import annotations

import math

import click

from .options import SEED, force_option


@click.command()
@click.option("--text-model", default="kjv", show_default=True, help="A text model (bundled name or path).")
@click.option(
    "--music-model", default="folk", show_default=True, help="A music model (bundled name or path)."
)
@click.option(
    "--temperatures",
    default="0.1,0.25,0.5,0.75,1,1.25,1.5,2",
    show_default=True,
    help="Comma-separated temperatures, each > 0.",
)
@click.option(
    "--length", type=click.IntRange(20), default=400, show_default=True, help="Characters per sample."
)
@click.option(
    "--samples", type=click.IntRange(1), default=3, show_default=True, help="Samples per temperature."
)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    default="compare.png",
    show_default=True,
    help="Where to draw the curves ('' for none).",
)
@force_option
def compare(
    text_model: str,
    music_model: str,
    temperatures: str,
    length: int,
    samples: int,
    seed: int,
    plot: str,
    force: bool,
) -> None:
    """Sweep temperatures on a text model and a music model, side by side.

    Prints a table (bits per character of each sample, distinct 4-gram rate, the
    longest repeated loop, how many music samples parse without the grammar) and
    draws the curves: low temperatures loop, high temperatures fall apart.

    \b
    Example:
      notegen compare --temperatures 0.2,1,2 --plot compare.png
    """
    from notegen.models.checkpoint import load
    from notegen.models.compare import plot as draw
    from notegen.models.compare import sweep, table
    from notetokens.errors import NotegenError
    from notetokens.outputs import check

    if plot:
        from notegen.pianoroll import available

        check(plot, force=force)
        if not available():
            raise NotegenError("--plot needs matplotlib: pip install 'notegen[plot]'")
    try:
        temps = tuple(float(t) for t in temperatures.split(","))
    except ValueError:
        raise NotegenError(f"--temperatures: expected numbers like 0.5,1,2, got {temperatures!r}") from None
    if not all(math.isfinite(t) and t > 0 for t in temps):
        raise NotegenError("--temperatures: every temperature must be a finite number > 0")
    rows = []
    for name in (text_model, music_model):
        rows += sweep(load(name), name, temps, length=length, samples=samples, seed=seed)
    click.echo(table(rows))
    if plot:
        draw(rows, plot)
        click.echo(f"wrote {plot}", err=True)
