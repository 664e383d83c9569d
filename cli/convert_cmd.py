"""`notegen convert`: one file from one notation to another."""

from __future__ import annotations

import click

from notetokens.registry import NOTATIONS

from .options import force_option

MUSIC = [n for n, nt in NOTATIONS.items() if nt.music]


@click.command()
@click.argument("src", type=click.Path(dir_okay=False))
@click.argument("dst", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--from", "src_notation", type=click.Choice(MUSIC), help="Input notation (default: by extension)."
)
@click.option(
    "--to", "dst_notation", type=click.Choice(MUSIC), help="Output notation (default: by extension)."
)
@click.option("--track", type=int, help="Take this part (0-based) of a several-part file.")
@click.option(
    "--tune", type=click.IntRange(1), help="Take this tune (from 1) of an ABC file of several [default: 1]."
)
@click.option("--channel", type=click.IntRange(0, 15), help="Take the part on this MIDI channel (0-15).")
@click.option("--melody", is_flag=True, help="Keep only the highest note at each moment.")
@click.option(
    "--tuning", help="Tab tuning: standard, 'drop D', DADGAD, or note names like 'D2 A2 D3 G3 B3 E4'."
)
@click.option(
    "--exact-pitch", is_flag=True,
    help="Tab: keep the pitch; by default a melody above open position moves down by octaves.",
)
@force_option
def convert(src: str, dst: str, force: bool, **options: object) -> None:
    """Convert SRC to DST; the notations follow the extensions.

    \b
    .txt/.notes  note strings    .tab  ASCII tab    .abc  ABC
    .mid/.midi   MIDI            .musicxml/.xml MusicXML   .mxl compressed MusicXML
    DST '-' writes to standard output (name the notation with --to). Of an ABC
    file of several tunes the first is converted (with a warning), or --tune N.

    \b
    Example:
      notegen convert examples/notes/ode.txt ode.mid
      notegen convert song.mid - --to tab --melody
    """
    from notetokens.convert import convert_score, notation_for
    from notetokens.outputs import check, write_bytes

    target = check(dst, force=force, inputs=[src])  # before reading: a bad output costs nothing
    to = notation_for(dst, options.pop("dst_notation"), "output")  # type: ignore[arg-type]
    write_bytes(target, convert_score(src, to, warn=_warn, dst=dst, **options))  # type: ignore[arg-type]


def _warn(message: str) -> None:
    from .main import echo

    echo(f"notegen: warning: {message}")
