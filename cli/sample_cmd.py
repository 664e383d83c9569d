"""`notegen sample` (melodies from a model to files) and `notegen models`."""

from __future__ import annotations

import os
from pathlib import Path

import click

from notetokens.errors import NotegenError
from notetokens.score import Score

from .options import FiniteFloat, force_option, melody_options, model_option, sampling_options

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
@click.option("--length", type=click.IntRange(1), help="Stop after this many notes.")
@click.option(
    "--bars",
    type=click.IntRange(1),
    help="Stop at the end of this bar (counted by the meter, the prime's bars included).",
)
@sampling_options
@click.option("--prime", help="Begin the melody with these notes, e.g. 'G-G-D-D'.")
@click.option(
    "--prime-file", type=click.Path(dir_okay=False), help="Begin with this file's melody (any notation)."
)
@melody_options
@click.option(
    "--bpm", type=FiniteFloat(1, 999, rule="from 1 to 999"), help="Tempo in quarter notes per minute."
)
@click.option("--program", type=click.IntRange(0, 127), help="General MIDI program (0 = piano, 73 = flute).")
@click.option("--plot", type=click.Path(dir_okay=False), help="Also draw a piano roll to this PNG.")
@click.option(
    "--dynamic",
    is_flag=True,
    help="Adapt as it reads: a copy of the model takes an SGD step on every 128 characters "
    "of the prime and of its own tune (as `eval --dynamic` does).",
)
@click.option(
    "--dynamic-lr",
    type=FiniteFloat(0, 10, min_open=True, rule="in (0, 10]"),
    default=0.01,
    show_default=True,
    help="Learning rate of --dynamic's SGD steps.",
)
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
    prime_score = io.read(str(o["prime_file"])) if o["prime_file"] else None
    from notegen.models.checkpoint import load
    from notegen.models.melody import check_melody_model, draw, header_prime, user_prime

    lm = load(str(o["model"]))
    check_melody_model(lm, str(o["model"]))  # a text model, in words that name it
    fields = header_prime(o["key"], o["meter"], o["tune_type"])  # type: ignore[arg-type]
    prime = user_prime(o["prime"], prime_score)  # type: ignore[arg-type]
    for i in range(num):
        melody = draw(
            lm,
            prime,
            fields=fields,
            min_notes=o["min_notes"],
            echo=o["echo"],
            length=o["length"],  # type: ignore[arg-type]
            bars=o["bars"],  # type: ignore[arg-type]
            program=o["program"],  # type: ignore[arg-type]
            bpm=o["bpm"],  # type: ignore[arg-type]
            seed=None if seed is None else int(seed) + i,  # type: ignore[call-overload]
            **_sampling(o),
        )
        target = numbered(out, i, num)
        write_melody(melody.score, target)
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


def _sampling(o: dict[str, object]) -> dict[str, object]:
    chosen = {k: o[k] for k in ("temperature", "top_k", "top_p", "argmax")}
    return {**chosen, "dynamic_lr": o["dynamic_lr"] if o["dynamic"] else None}


def numbered(path: str, i: int, n: int) -> str:
    if n == 1 or path == "-":
        return path
    p = Path(path)
    return str(p.with_name(f"{p.stem}-{i + 1}{p.suffix}"))


def write_melody(score: Score, out: str) -> None:
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
