"""`notegen live` and `notegen ports`: option parsing over the notegen.live library
(only click is imported here, so `notegen --help` stays fast)."""

from __future__ import annotations

import click

from notegen.models.options import LIVE
from notegen.models.ranges import BPM, PROGRAM

from .options import FiniteFloat, command_options, model_option

API_CHOICE = click.Choice(["auto", "alsa", "jack", "coremidi", "windows"], case_sensitive=False)


@click.command()
@click.option("--api", type=API_CHOICE, default="auto", show_default=True,
              help="MIDI system; auto prefers a running JACK server on Linux.")
def ports(api: str) -> None:
    """List MIDI input and output ports."""
    from notegen.live.ports import list_ports

    found = list_ports(api)
    click.echo(f"API: {found.api}")
    for title, names in (("inputs", found.inputs), ("outputs", found.outputs)):
        click.echo(f"{title}:")
        for name in names:
            click.echo(f"  {name}")
        if not names:
            click.echo("  (none)")


@click.command()
@model_option("A bundled model name, a run directory or a checkpoint file (a note-string model).")
@click.option("--virtual", metavar="NAME", help="Open a virtual output port (default: 'notegen').")
@click.option("--port", metavar="NAME",
              help="Play into this existing output port (or a unique part of its name).")
@click.option("--api", type=API_CHOICE, default="auto", show_default=True, help="MIDI system.")
@click.option("--bpm", type=FiniteFloat(BPM.low, BPM.high, rule=BPM.rule), default=120.0,
              show_default=True, help=f"Tempo in quarter notes per minute ({BPM.rule}).")
@command_options(LIVE)
@click.option("--channel", type=click.IntRange(0, 15), default=0, show_default=True,
              help="MIDI channel 0-15 (0 is what DAWs call channel 1).")
@click.option("--program", type=click.IntRange(PROGRAM.low, PROGRAM.high),
              help="General MIDI program to select first.")
@click.option("--velocity", type=click.IntRange(1, 127), help="Fixed velocity for every note.")
@click.option("--length", type=FiniteFloat(0, min_open=True, rule="> 0"),
              help="Stop after this many beats (default: until Ctrl-C).")
@click.option("--clock-out", is_flag=True, help="Send MIDI beat clock (24 per quarter) with start/stop.")
@click.option("--sync", is_flag=True, help="Follow the MIDI clock arriving on --input (start/stop/continue).")
@click.option("--input", "input_", metavar="NAME",
              help="Input port for --sync, --cc-temperature, --respond (default: a virtual 'NAME-in').")
@click.option("--cc-temperature", type=click.IntRange(0, 127), metavar="CC",
              help="This controller (e.g. 1, the mod wheel) sets the temperature: 0..127 -> 0.1..2.0.")
@click.option("--respond", is_flag=True,
              help="Call and response: after a bar of silence, continue what was played on --input.")
@click.option("--lookahead", type=click.IntRange(1, 4096), default=16, show_default=True,
              help="Notes generated ahead of playback.")
@click.option("--log-events", type=click.Path(dir_okay=False), hidden=True)
def live(input_: str | None, **options: object) -> None:
    """Play an endless sampled melody into a MIDI port, in time, for a DAW.

    Ctrl-C (or SIGTERM, or closing the terminal) stops it: every sounding note
    is turned off first, and it exits 0.

    \b
    notegen live --virtual notegen             a port your DAW records from
    notegen live --port loopMIDI --bpm 96 --seed 7
    notegen live --respond --input Keys        call and response
    """
    try:
        stopped = _run(input_, options)
    except KeyboardInterrupt:  # before the session's own signal handling was in place
        stopped = True
    if stopped:
        click.echo("stopped", err=True)


def _run(input_: str | None, options: dict[str, object]) -> bool:
    """Run a session; True when a signal stopped it."""
    from dataclasses import fields

    from notegen.live.session import LiveOptions, run_live

    if options.get("api") == "auto":
        options["api"] = None
    known = {f.name for f in fields(LiveOptions)}
    unused = sorted(k for k, v in options.items() if k not in known and v not in (None, False))
    if unused:
        raise click.UsageError(f"live does not take --{unused[0].replace('_', '-')}")
    chosen = {k: v for k, v in options.items() if k in known}
    stats = run_live(LiveOptions(input=input_, **chosen))  # type: ignore[arg-type]
    return stats.stopped_by is not None
