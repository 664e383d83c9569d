"""`notegen embed`: what a model's character embeddings hold (see models/embed.py)."""

from __future__ import annotations

import click

from .options import force_option, model_option


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
@force_option
def embed(model: str, plot_path: str | None, neighbours: int, force: bool) -> None:
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
    from notetokens.errors import NotegenError
    from notetokens.outputs import check

    if plot_path == "-":
        raise NotegenError("--plot needs a file name: standard output carries the report")
    target = check(plot_path, force=force) if plot_path else None  # before the model loads
    if target is not None:
        from notegen.pianoroll import available

        if not available():
            raise NotegenError("--plot needs matplotlib: pip install 'notegen[plot]'")
    from notegen.models.embed import model_report, plot

    rep = model_report(model)
    if target is not None:
        plot(rep, target)
    for line in rep.lines(neighbours):
        click.echo(line)
    if plot_path:
        click.echo(f"picture in {plot_path}", err=True)
