"""`notegen sample` (melodies from a model to files) and `notegen models`."""

from __future__ import annotations

import os
from pathlib import Path

import click

from notegen.models.options import SAMPLE
from notetokens.errors import NotegenError
from notetokens.score import Score

from .options import command_options, force_option, model_option, options_from

WRITES = (".mid", ".midi", ".txt", ".notes", ".tab", ".abc", ".musicxml", ".xml", ".wav")
OUT_HELP = "Output file; the format follows the extension (.mid .txt .tab .abc .musicxml .wav), '-' prints."


@click.command()
@model_option()
@click.option("--out", "-o", default="-", show_default=True, help=OUT_HELP)
@click.option(
    "--num",
    "-n",
    type=click.IntRange(1, 1000),
    default=1,
    show_default=True,
    help="How many melodies (files get -1, -2, ... suffixes).",
)
@command_options(SAMPLE)
@click.option(
    "--prime-file", type=click.Path(dir_okay=False), help="Begin with this file's melody (any notation)."
)
@click.option("--program", type=click.IntRange(0, 127), help="General MIDI program (0 = piano, 73 = flute).")
@click.option("--plot", type=click.Path(dir_okay=False), help="Also draw a piano roll to this PNG.")
@click.option("--play", is_flag=True, help="Also play the melody to a MIDI port (--port).")
@click.option("--port", help="MIDI output port for --play (name or part of it).")
@click.option("--api", help="MIDI API for --play: alsa, jack, coremidi, windows.")
@force_option
def sample(**o: object) -> None:
    """Sample melodies from a music model and write them to --out.

    \b
    Examples:
      notegen sample --out song.mid
      notegen sample --out jig.abc --meter 6/8 --key D --temperature 0.8 --seed 1
      notegen sample --prime "G-G-D-D-E-E-D" --bars 8 --out -
      notegen sample --type reel --key D --num 4 --out reel.abc
      notegen sample --out song.wav --program 73
      notegen sample --prime-file my_tune.abc --dynamic --out more.abc
    """
    from notetokens import io

    out, num, seed = str(o["out"]), int(o["num"]), o["seed"]  # type: ignore[call-overload]
    prime_files = [str(o["prime_file"])] if o["prime_file"] else []
    check_outputs(out, o["plot"], num, bool(o["force"]), prime_files, o["bpm"])  # type: ignore[arg-type]
    if o["play"] and not o["port"]:
        raise NotegenError("--play needs --port NAME; `notegen ports` lists them")
    if o["prime"] and o["prime_file"]:
        raise NotegenError("give --prime or --prime-file, not both")
    if o["prime_file"]:
        o["prime"] = io.read(str(o["prime_file"]))
    options = options_from(o, SAMPLE)
    from notegen.models.checkpoint import load
    from notegen.models.tunes import check_music_model, draw, prime_text

    lm = load(str(o["model"]))
    check_music_model(lm, str(o["model"]))  # a text model, in words that name it
    prime_text(options.prime)  # a --prime that does not parse: one line, before sampling
    for i in range(num):
        seeded = options if seed is None else options.but(seed=int(seed) + i)  # type: ignore[call-overload]
        melody = draw(lm, "", seeded, program=o["program"])  # type: ignore[arg-type]
        target = numbered(out, i, num)
        write_tune(melody.score, target)
        if o["plot"]:
            from notegen.pianoroll import plot

            plot(melody.score, numbered(str(o["plot"]), i, num), title=Path(target).name)
        if o["play"]:
            from notegen.live.scoreplay import play_score

            play_score(melody.score, str(o["port"]), api=o["api"])  # type: ignore[arg-type]


def check_outputs(
    out: str, plot: object, num: int, force: bool, inputs: list[str], bpm: float | None = None
) -> None:
    """Every file this run will write, checked before anything is written; none
    may be one of `inputs` (the --prime-file); a WAV's tempo `bpm` too."""
    from notetokens.outputs import check_all

    paths = _named(out, num) + (_named(str(plot), num) if plot else [])
    check_all(paths, force=force, inputs=inputs)  # type: ignore[arg-type]  # a folder is named before its extension
    if out != "-" and not out.lower().endswith(WRITES):
        ext = Path(out).suffix or "(none)"
        raise NotegenError(
            f"{out}: unknown extension {ext!r}; sample writes {', '.join(WRITES)} or '-' (standard output)"
        )
    if out.lower().endswith(".wav"):
        from notegen.synth import check_tempo, synthesizer

        synthesizer()
        check_tempo(bpm, out)
    if plot:
        from notegen.pianoroll import available

        if not available():
            raise NotegenError("--plot needs matplotlib: pip install 'notegen[plot]'")


def _named(path: str, num: int) -> list[str]:
    """The files `path` stands for; a folder's name as given (numbering it would
    drop its trailing slash), for the checks to refuse."""
    if path.endswith(("/", os.sep)) or os.path.isdir(path):
        return [path]
    return [numbered(path, i, num) for i in range(num)]


def numbered(path: str, i: int, n: int) -> str:
    if n == 1 or path == "-":
        return path
    p = Path(path)
    return str(p.with_name(f"{p.stem}-{i + 1}{p.suffix}"))


def write_tune(score: Score, out: str) -> None:
    from notetokens import io, notes
    from notetokens.outputs import write_stdout

    if out == "-":
        write_stdout(notes.format(score))
    elif out.lower().endswith(".wav"):
        from notegen.synth import render_wav

        render_wav(score, out)
    else:
        io.write(score, out)
    if out != "-":
        from .main import echo

        echo(f"wrote {out}")


@click.command()
@click.option(
    "--dir",
    "dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Also list checkpoints under this folder (default: ./runs).",
)
def models(dirs: tuple[str, ...]) -> None:
    """List bundled and local models with their size and test metrics.

    \b
    Example:
      notegen models --dir runs
    """
    from notegen.models.catalog import describe_all

    for line in describe_all([Path(d) for d in dirs] or [Path("runs")]):
        click.echo(line)
