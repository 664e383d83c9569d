"""Sampling options shared by `sample`, `text` and `live`, declared once, and the
validators they share."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])


class FiniteFloat(click.FloatRange):
    """A float in a range that is also finite: click's FloatRange lets nan through
    (every comparison with nan is false) and inf where the range is open-ended.
    `rule` says the range in words for the error ("> 0"), `hint` what to do instead."""

    name = "number"

    def __init__(self, *args: Any, rule: str = "", hint: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rule, self.hint = rule, hint

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            rv = super().convert(value, param, ctx)
            if math.isfinite(rv):
                return rv
        except click.BadParameter:
            if not self.rule:
                raise
        name = f"--{param.name.replace('_', '-')}" if param is not None and param.name else "the value"
        rule = f" {self.rule}" if self.rule else ""
        hint = f"; {self.hint}" if self.hint else ""
        raise click.UsageError(f"{name} must be a finite number{rule}, not {value!r}{hint}", ctx)


MAX_SEED = 2**63 - 1  # torch's manual_seed takes a signed 64-bit number


class Seed(click.ParamType):
    """A random seed: a whole number from 0 to 2**63 - 1, which every generator
    notegen seeds (torch, numpy, Python's) accepts; a larger one was a traceback."""

    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SEED:
            return value
        try:
            number = int(str(value).strip(), 10)
        except ValueError:
            number = -1
        if 0 <= number <= MAX_SEED:
            return number
        name = f"--{param.name.replace('_', '-')}" if param is not None and param.name else "the seed"
        rule = f"a whole number from 0 to 2**63-1 ({MAX_SEED})"
        raise click.UsageError(f"{name} must be {rule}, not {value!r}", ctx)


SEED = Seed()


def force_option(f: F) -> F:
    """`--force`: replace a write-protected output file."""
    return click.option(
        "--force", is_flag=True, help="Replace output files even if they are write-protected."
    )(f)


def sampling_options(f: F) -> F:
    for option in reversed(
        [
            click.option(
                "--temperature",
                "-t",
                type=FiniteFloat(0, min_open=True, rule="> 0", hint="--argmax is the T -> 0 limit"),
                default=1.0,
                show_default=True,
                help="Randomness: below 1 safer and more repetitive, above 1 wilder (must be > 0).",
            ),
            click.option(
                "--top-k", type=click.IntRange(1), help="Sample only among the k likeliest characters."
            ),
            click.option(
                "--top-p",
                type=FiniteFloat(0, 1, min_open=True, rule="in (0, 1]"),
                help="Sample among the likeliest characters holding this much probability.",
            ),
            click.option(
                "--argmax",
                is_flag=True,
                help="Always take the likeliest character (the temperature -> 0 limit).",
            ),
            click.option("--seed", type=SEED, help="Random seed: the same seed gives the same output."),
        ]
    ):
        f = option(f)
    return f


MODEL_HELP = "A bundled model name, a run directory or a checkpoint file."


def model_option(help: str = MODEL_HELP) -> Callable[[F], F]:
    """--model / -m, the bundled `folk` by default."""
    return click.option("--model", "-m", default="folk", show_default=True, help=help)


def echo_option(f: F) -> F:
    """--echo: the chance that a tune replays its earlier bars where folk tunes repeat."""
    from notegen.models.echo import ECHO

    return click.option(
        "--echo",
        type=FiniteFloat(0, 1, rule="from 0 to 1"),
        default=ECHO,
        show_default=True,
        help="Chance that a phrase comes back: bars 5-6 of a strain replay bars 1-2, "
        "the second strain's last two bars replay the first's (0 = off).",
    )(f)


def melody_options(f: F) -> F:
    """What a melody is asked to be, shared by `sample` and `live`: --key, --meter,
    --type (through the tune header the model writes first) and --min-notes."""
    for option in reversed(
        [
            click.option("--key", help="Ask for a key, e.g. D, Em, Bb (through the tune header)."),
            click.option("--meter", help="Ask for a meter, e.g. 6/8 (through the tune header)."),
            click.option(
                "--type",
                "tune_type",
                metavar="TYPE",
                help="Ask for a tune type: reel, jig, hornpipe, polka, waltz, slip-jig, ... "
                "(a model trained with tune types).",
            ),
            click.option(
                "--min-notes",
                type=click.IntRange(0),
                default=16,
                show_default=True,
                help="The tune may not end before this many notes.",
            ),
            echo_option,
        ]
    ):
        f = option(f)
    return f
