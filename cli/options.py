"""Sampling options shared by `sample`, `text`, `live` and `judge`: each is built
from its SampleOptions field (models/options.py: name, default, help, range),
and the validators they share."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import click

from notegen.models.options import flag

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


def _click_option(f: Any) -> Callable[[F], F]:
    """The click option of one SampleOptions field, from its metadata: flags for
    booleans, the field's range as the type, its default and help."""
    m, flag_name = f.metadata, flag(f.name)
    decls = [f"{flag_name}/--no-{flag_name[2:]}" if m.get("negative") else flag_name, f.name]
    decls += [m["short"]] if m.get("short") else []
    kw: dict[str, Any] = {"help": m["help"], "default": f.default}
    if f.type.startswith("bool"):
        kw["is_flag"] = True
    elif f.name == "seed":
        kw["type"] = SEED
    elif m.get("choices"):
        kw["type"] = click.Choice(m["choices"], case_sensitive=False)
    elif m.get("range") is not None:
        r = m["range"]
        if r.whole:
            kw["type"] = click.IntRange(r.low, r.high)
        else:
            kw["type"] = FiniteFloat(r.low, r.high, min_open=r.low_open, max_open=r.high_open,
                                     rule=r.rule, hint=m.get("hint", ""))
    if m.get("metavar"):
        kw["metavar"] = m["metavar"]
    kw["show_default"] = f.default not in (None, False)
    return click.option(*decls, **kw)


def field_options(*names: str) -> Callable[[F], F]:
    """Click options for these SampleOptions fields, in this order."""
    from dataclasses import fields

    from notegen.models.options import SampleOptions

    by_name = {f.name: f for f in fields(SampleOptions)}

    def add(fn: F) -> F:
        for name in reversed(names):
            fn = _click_option(by_name[name])(fn)
        return fn

    return add


def command_options(command: str) -> Callable[[F], F]:
    """Every SampleOptions field `command` takes, as options (models/options.py)."""
    from notegen.models.options import for_command

    return field_options(*(f.name for f in for_command(command)))


SAMPLING = ("temperature", "top_k", "top_p", "argmax", "seed")
sampling_options = field_options(*SAMPLING)  # `text` and every sampling command


def options_from(values: dict[str, Any], command: str) -> Any:
    """The SampleOptions of a command's parsed options (the fields it takes); a
    bad value is one line naming the option (`--key: ...`)."""
    from notegen.models.options import OptionError, SampleOptions, for_command

    try:
        return SampleOptions(**{f.name: values[f.name] for f in for_command(command) if f.name in values})
    except OptionError as e:
        raise e.for_command() from None


MODEL_HELP = "A bundled model name, a run directory or a checkpoint file."


def model_option(help: str = MODEL_HELP) -> Callable[[F], F]:
    """--model / -m, the bundled `folk` by default."""
    return click.option("--model", "-m", default="folk", show_default=True, help=help)
