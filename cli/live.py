"""`notegen live` and `notegen ports`: thin click layers over cli/session.py and
cli/ports.py (only click is imported here, so `notegen --help` stays fast)."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from notetokens.score import Score

    from .scheduler import PlayStats, Voiced

API_CHOICE = click.Choice(["auto", "alsa", "jack", "coremidi", "windows"], case_sensitive=False)


@click.command()
@click.option("--api", type=API_CHOICE, default="auto", show_default=True,
              help="MIDI system; auto prefers a running JACK server on Linux.")
def ports(api: str) -> None:
    """List MIDI input and output ports."""
    from .ports import list_ports

    found = list_ports(api)
    click.echo(f"API: {found.api}")
    for title, names in (("inputs", found.inputs), ("outputs", found.outputs)):
        click.echo(f"{title}:")
        for name in names:
            click.echo(f"  {name}")
        if not names:
            click.echo("  (none)")


@click.command()
@click.option("--model", default="folk", show_default=True, help="Bundled model name or checkpoint path.")
@click.option("--virtual", metavar="NAME", help="Open a virtual output port (default: 'notegen').")
@click.option("--port", metavar="NAME",
              help="Play into this existing output port (or a unique part of its name).")
@click.option("--api", type=API_CHOICE, default="auto", show_default=True, help="MIDI system.")
@click.option("--bpm", type=float, default=120.0, show_default=True,
              help="Tempo in quarter notes per minute.")
@click.option("--temperature", type=float, default=1.0, show_default=True, help="Sampling temperature.")
@click.option("--top-k", type=int, help="Sample only from the k likeliest characters.")
@click.option("--top-p", type=float, help="Sample only from the top probability mass p.")
@click.option("--seed", type=int, help="Random seed: the same seed plays the same melody.")
@click.option("--prime", default="", help="Start of the melody as a note string, e.g. 'G4 G4 D5'.")
@click.option("--channel", type=click.IntRange(0, 15), default=0, show_default=True,
              help="MIDI channel 0-15 (0 is what DAWs call channel 1).")
@click.option("--program", type=click.IntRange(0, 127), help="General MIDI program to select first.")
@click.option("--velocity", type=click.IntRange(1, 127), help="Fixed velocity for every note.")
@click.option("--length", type=float, help="Stop after this many beats (default: until Ctrl-C).")
@click.option("--clock-out", is_flag=True, help="Send MIDI beat clock (24 per quarter) with start/stop.")
@click.option("--sync", is_flag=True, help="Follow the MIDI clock arriving on --input (start/stop/continue).")
@click.option("--input", "input_", metavar="NAME",
              help="Input port for --sync, --cc-temperature, --respond (default: a virtual 'NAME-in').")
@click.option("--cc-temperature", type=click.IntRange(0, 127), metavar="CC",
              help="This controller (e.g. 1, the mod wheel) sets the temperature: 0..127 -> 0.1..2.0.")
@click.option("--respond", is_flag=True, help="Call and response: continue what is played on --input.")
@click.option("--lookahead", type=click.IntRange(1, 4096), default=16, show_default=True,
              help="Notes generated ahead of playback.")
@click.option("--log-events", type=click.Path(dir_okay=False), hidden=True)
def live(input_: str | None, **options: object) -> None:
    """Play an endless sampled melody into a MIDI port, in time, for a DAW.

    Ctrl-C stops it; every sounding note is turned off first.
    """
    from .session import LiveOptions, run_live

    if options.get("api") == "auto":
        options["api"] = None
    opts = LiveOptions(input=input_, **options)  # type: ignore[arg-type]
    try:
        run_live(opts)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


def score_source(score: Score) -> list[Voiced]:
    """Every note of every part with its channel, in time order."""
    items = [(n, p.channel) for p in score.parts for n in p.notes]
    return sorted(items, key=lambda x: (x[0].onset, x[1], x[0].pitch))


def tempo_scaled(score: Score, bpm: float) -> list[Voiced]:
    """Fold a tempo map into beat times at a constant `bpm`, so a Player at that
    bpm plays each tempo section at its own speed."""
    tempos = sorted(score.tempos, key=lambda t: t.onset) or None
    if not tempos:
        return score_source(score)

    def at(beat: Fraction) -> Fraction:
        out, prev_beat, prev_bpm = Fraction(0), Fraction(0), tempos[0].bpm
        for t in tempos[1:]:
            if t.onset >= beat:
                break
            out += (t.onset - prev_beat) * Fraction(bpm) / Fraction(prev_bpm)
            prev_beat, prev_bpm = t.onset, t.bpm
        return out + (beat - prev_beat) * Fraction(bpm) / Fraction(prev_bpm)

    from notetokens.score import Note

    items = []
    for note, channel in score_source(score):
        start, end = at(note.onset), at(note.end)
        items.append((Note(start, note.pitch, end - start, note.velocity), channel))
    return items


def play_score(score: Score, port_name: str, api: str | None = None, bpm: float | None = None) -> PlayStats:
    """Play a whole score to an existing port (exact name or unique part of it);
    `bpm` overrides the score's tempo map. Ctrl-C silences and re-raises."""
    from .ports import open_output
    from .scheduler import Player

    port = open_output(port_name, api=api)
    try:
        programs = {p.channel: p.program for p in score.parts}
        for channel, program in programs.items():
            if program:
                port.send(_program_change(channel, program))
        if bpm is None:
            base = score.tempos[0].bpm if score.tempos else 120.0
            items = tempo_scaled(score, base)
        else:
            base, items = bpm, score_source(score)
        player = Player(port, bpm=base, realtime=True)
        return player.play(items)
    finally:
        port.close()


def _program_change(channel: int, program: int) -> Any:
    import mido

    return mido.Message("program_change", channel=channel, program=program)
