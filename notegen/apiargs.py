"""The Python API's argument checks: each refusal a one-line NotegenError that
names the argument as Python spells it (`bars=0: must be a whole number >= 1`),
before any work, with the ranges of the commands' options (models/ranges.py).
Without them a wrong type failed deep inside (a RuntimeError from torch, an
AttributeError from the score code) or a bad number was silently ignored."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notetokens import Score
from notetokens.errors import NotegenError

if TYPE_CHECKING:
    from notegen.models.config import ModelConfig, TrainConfig

EXAMPLES = {"key": "D", "meter": "6/8", "tune_type": "reel"}


def numbers(**given: object) -> None:
    """Each argument given (not None) within its command option's range."""
    from notegen.models.ranges import check_args

    check_args(**given)


def strings(**given: object) -> None:
    """Each of `key`, `meter`, `tune_type` given is a string."""
    for name, value in given.items():
        if value is not None and not isinstance(value, str):
            raise NotegenError(f"{name}={value!r}: must be a string, such as {EXAMPLES[name]!r}")


def prime(value: object) -> None:
    from .tune import Tune

    if value is not None and not isinstance(value, str | Tune | Score):
        raise NotegenError(f"prime={value!r}: must be a note string such as 'G-G-D', a Tune or a Score")


def text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise NotegenError(f"{name}={value!r}: must be a string")
    return value


def tune(value: object, verb: str) -> None:
    from .tune import Tune

    if not isinstance(value, Tune | Score):
        raise NotegenError(f"{verb}() writes a Tune or a Score, not {what(value)}")


def paths(name: str, given: object) -> list[str]:
    """The files and folders named by a path or a list of them; none is an error."""
    items = list(given) if isinstance(given, list | tuple) else [given]
    for item in items:
        if not isinstance(item, str | Path) or not str(item):
            raise NotegenError(f"{name}={given!r}: name files or folders (a path, or a list of paths)")
    if not items:
        raise NotegenError(f"{name}={given!r}: name at least one file or folder")
    return [str(p) for p in items]


def train_config(**options: Any) -> TrainConfig:
    """A TrainConfig of `train()`'s options; an unknown one is named."""
    from dataclasses import fields

    from notegen.models.config import TrainConfig

    known = [f.name for f in fields(TrainConfig)]
    unknown = sorted(set(options) - set(known))
    if unknown:
        takes = ", ".join(k for k in known if k not in ("preset", "steps", "epochs"))
        raise NotegenError(f"train() takes no option {unknown[0]!r}; it takes dropout and {takes}")
    return TrainConfig(**options)


def model_config(preset_name: str, dropout: float | None) -> ModelConfig | None:
    """The preset with `dropout` instead of its own, as `notegen train --dropout`."""
    if dropout is None:
        return None
    from dataclasses import replace

    from notegen.models.config import preset

    return replace(preset(preset_name), dropout=dropout)


def what(value: object) -> str:
    """A wrong argument in words: `None`, `a str ('G-G-D')`."""
    return "None" if value is None else f"a {type(value).__name__} ({value!r:.40})"


def api_fields() -> list[Any]:
    """The SampleOptions fields `notegen.sample` takes (all the user's choices)."""
    from notegen.models.options import API, for_command

    return for_command(API)


def api_only(given: dict[str, Any]) -> dict[str, Any]:
    """`given`, refusing a sampler-internal field or an unknown name in one line."""
    from notegen.models.options import OptionError

    takes = [f.name for f in api_fields()]
    for name, value in given.items():
        if name not in takes:
            why = f"sample() takes no such option; it takes program, {', '.join(takes)}"
            raise OptionError(name, value, why)
    return given


def sample_signature(fn: Any) -> inspect.Signature:
    """`fn`'s signature with each SampleOptions field as a keyword argument, so
    help() and a notebook's completion show them with their defaults."""
    sig = inspect.signature(fn)
    fixed = [p for p in sig.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    kw = inspect.Parameter.KEYWORD_ONLY
    derived = [inspect.Parameter(f.name, kw, default=f.default, annotation=f.type) for f in api_fields()]
    return sig.replace(parameters=[*fixed, *derived])
