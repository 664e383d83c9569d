"""`notegen embed`: what a model's character embeddings hold (see models/embed.py)."""

from __future__ import annotations

import click

from .options import model_option


@click.command()
@model_option("A checkpoint file, a run folder or a bundled model (a classifier's encoder works too).")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), help="Write the PCA picture (PNG).")
@click.option(
    "--neighbours",
    "-k",
    type=click.IntRange(1, 20),
    default=3,
    show_default=True,
    help="Nearest neighbours printed per character.",
)
def embed(model: str, plot_path: str | None, neighbours: int) -> None:
    """Show what a model's character embeddings mean.

    Prints how well the embeddings order the note letters by pitch and the
    octave digits by octave (digits for a text model): the best rank correlation
    along a direction in those characters' main plane, with the share of random
    orderings that do as well (p). Then each character's nearest neighbours.

    \b
    notegen embed --plot folk.png
    notegen embed --model kjv --plot kjv.png
    notegen embed --model runs/mine -k 5
    """
    from notegen.models.embed import model_report, plot

    rep = model_report(model)
    if plot_path:
        plot(rep, plot_path)
    for line in rep.lines(neighbours):
        click.echo(line)
    if plot_path:
        click.echo(f"picture in {plot_path}", err=True)
