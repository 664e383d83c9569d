"""Every sampling choice in one frozen, validated object: `SampleOptions`.

Each field is declared once, with its default, its help line, its range
(models/ranges.py) and the commands that take it (`COMMANDS`): the click
options of `notegen sample`, `live` and `judge` are built from these fields
(cli/options.py), the Python API's `notegen.sample` takes them as keyword
arguments (its signature is derived from them), and `notegen.live`'s
`LiveOptions` extends the class. So `sample` and `live` share every default:
one seed and one set of options draw one tune, whichever front end asks.

The echo's default is `notegen sample`'s 0.7 (models/echo.py), which `live`
now shares: before, a `LiveOptions` made in Python had 0.0 and drew another tune
than `sample` for the same seed. 0.7 is the default whose tunes recur like the
held-out tunes (benchmarks/music_quality.md); `--echo 0` turns it off.

A few fields belong to the sampler and to no command (`max_chars`, `constrain`,
`form`): `notegen text`, `eval` and the tests set them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields, replace
from typing import Any, ClassVar

from notetokens.errors import NotegenError
from notetokens.parts_grammar import FORMS
from notetokens.score import Score

from . import ranges
from .echo import ECHO

SAMPLE, LIVE, JUDGE, API = "sample", "live", "judge", "api"
EVERY = frozenset({SAMPLE, LIVE, JUDGE, API})
FILES = frozenset({SAMPLE, API})  # choices about one written tune (not an endless stream)
NONE: frozenset[str] = frozenset()  # the sampler's own: no command option
TEMPERATURE = ranges.Range(0, whole=False, low_open=True)
DYNAMIC_LR = ranges.Range(0, 10, whole=False, low_open=True)
DYNAMIC_DEFAULT = 0.01
MAX_CHARS = 3000  # a melody's character cap; at it the tune is steered to its end


class OptionError(NotegenError):
    """A bad option value: `name` is the field, `reason` what is wrong."""

    def __init__(self, name: str, value: object, reason: str, message: str = "") -> None:
        self.name, self.value, self.reason = name, value, reason
        super().__init__(message or f"{name}={value!r}: {reason}")

    def for_command(self) -> NotegenError:
        """The same error in the command's words (`--key: unknown key 'H'`)."""
        return NotegenError(f"{flag(self.name)}: {self.reason}")


def flag(name: str) -> str:
    """The command-line spelling of a field: `--tune-type` is `--type`."""
    return f"--{FLAGS.get(name, name.replace('_', '-'))}"


FLAGS = {"tune_type": "type", "parts": "form"}


def option(default: Any, help: str, *, commands: frozenset[str] = EVERY, **how: Any) -> Any:
    """A field with what the front ends build from it: `help`, the `commands`
    that take it, and optionally `range` (a ranges.Range), `short` ("-t"),
    `metavar`, `hint` (what to do instead), `negative` (a --no- flag)."""
    return field(default=default, metadata={"help": help, "commands": commands, **how})


@dataclass(frozen=True)
class SampleOptions:
    """How to sample a tune. Bad values raise `OptionError` naming the field."""

    SPELLING: ClassVar[str] = "python"  # errors name `key='H'`; "command": `--key`

    temperature: float | Callable[[], float] = option(  # noqa: RUF009
        1.0, "Randomness: below 1 safer and more repetitive, above 1 wilder (must be > 0).",
        range=TEMPERATURE, short="-t", hint="--argmax is the T -> 0 limit")
    top_k: int | None = option(None, "Sample only among the k likeliest characters.", range=ranges.TOP_K)
    top_p: float | None = option(
        None, "Sample among the likeliest characters holding this much probability.", range=ranges.TOP_P)
    argmax: bool = option(False, "Always take the likeliest character (the temperature -> 0 limit).")
    seed: int | None = option(None, "Random seed: the same seed gives the same output.", range=ranges.SEED)
    prime: str | Score | None = option(  # noqa: RUF009
        None, "Begin the melody with these notes, e.g. 'G-G-D-D' (a note string).",
        commands=FILES | {LIVE})
    key: str | None = option(None, "Ask for a key, e.g. D, Em, Bb (through the tune header).")
    meter: str | None = option(None, "Ask for a meter, e.g. 6/8 (through the tune header).")
    tune_type: str | None = option(
        None, "Ask for a tune type: reel, jig, hornpipe, polka, waltz, slip-jig, ... "
        "(a model trained with tune types).", metavar="TYPE")
    bpm: float | None = option(None, "Tempo in quarter notes per minute.", range=ranges.BPM, commands=FILES)
    min_notes: int = option(16, "The tune may not end before this many notes.", range=ranges.MIN_NOTES)
    bars: int | None = option(
        None, "Stop at the end of this bar (counted by the meter, the prime's bars included).",
        range=ranges.BARS, commands=FILES)
    length: int | None = option(None, "Stop after this many notes.", range=ranges.NOTES, commands=FILES)
    echo: float = option(
        ECHO, "Chance that a phrase comes back: bars 5-6 of a strain replay bars 1-2, "
        "the second strain's last two bars replay the first's (0 = off).", range=ranges.ECHO)
    dynamic: bool = option(
        False, "Adapt as it reads: a copy of the model takes an SGD step on every 128 characters "
        "of the prime and of its own tune (as `eval --dynamic` does).")
    dynamic_lr: float | None = option(
        None, f"Learning rate of --dynamic's SGD steps ({DYNAMIC_DEFAULT} unless given; giving it "
        "turns --dynamic on).", range=DYNAMIC_LR)
    cache: bool = option(False, "Mix the tune's own earlier continuations into the model's choices.")
    loop_guard: bool = option(
        True, "Break loops (they come at low temperature and with --argmax).", negative=True)
    range: str | None = option(
        None, "Keep every sampled pitch inside LOW-HIGH, e.g. G3-E6 (at least an octave): "
        "a guitar's or a singer's range.", metavar="LOW-HIGH", parse="pitch_range")
    max_chars: int | None = option(MAX_CHARS, "Characters at most (None: no cap).", commands=NONE,
                                   range=ranges.CHARS)
    constrain: bool = option(True, "A music model's grammar keeps the text valid.", commands=NONE)
    form: bool = option(True, "A melody ends on the tonic after a multiple of four bars.", commands=NONE)
    parts: str = option(
        "auto", "The tune's form: auto (the model writes repeated parts or not, as its tunes of "
        "the type do), AABB (two eight-bar parts, each repeated), AB (two eight-bar parts played "
        "once), free (repeats, no phrase rule), one (one part, no repeat marks).",
        commands=FILES | {JUDGE}, choices=FORMS, metavar="FORM")

    def __post_init__(self) -> None:
        try:
            self._check()
        except OptionError as e:
            if self.SPELLING == "command":
                raise e.for_command() from None
            raise

    def _check(self) -> None:
        if not callable(self.temperature):
            try:
                finite_temperature(self.temperature)
            except NotegenError as e:
                raise OptionError("temperature", self.temperature, "must be a number > 0", str(e)) from None
        for f in self._shared():
            value = getattr(self, f.name)
            limits = f.metadata.get("range")
            if f.type.startswith("bool") and not isinstance(value, bool):  # type: ignore[union-attr]
                raise OptionError(f.name, value, "must be True or False")
            if limits is not None and value is not None and not callable(value) and not limits.holds(value):
                raise OptionError(f.name, value, f"must be {limits.words}")
            if f.metadata.get("parse") and value is not None:
                PARSERS[f.metadata["parse"]](f.name, value)
        if self.parts not in FORMS:
            raise OptionError("parts", self.parts, f"must be one of {', '.join(FORMS)}")
        for name in ("key", "meter", "tune_type"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise OptionError(name, value, "must be a string")
        if self.prime is not None and not isinstance(self.prime, str | Score):
            raise OptionError("prime", self.prime, "must be a note string such as 'G-G-D' or a Score")
        self.header()

    def header(self) -> dict[str, str]:
        """The header fields asked for (`T`, `M`, `K`, with `L:1/8` as the unit
        when any is asked for), checked and normalised (see melody.checked_header)."""
        return header_fields(self.key, self.meter, self.tune_type)

    @property
    def dynamic_rate(self) -> float | None:
        """The learning rate of dynamic evaluation, or None when it is off
        (`dynamic_lr` given alone turns it on, as the API's `dynamic_lr=` did)."""
        if self.dynamic_lr is not None:
            return self.dynamic_lr
        return DYNAMIC_DEFAULT if self.dynamic else None

    def but(self, **changes: Any) -> SampleOptions:
        """A copy with `changes` (field names), checked again; an unknown name is
        an OptionError that lists the fields."""
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            raise OptionError(unknown[0], changes[unknown[0]], f"not a sampling option; they are {names()}")
        return replace(self, **changes) if changes else self

    def sampling(self) -> SampleOptions:
        """These choices as a plain SampleOptions: a subclass's own fields are
        dropped, and so are those it redefines (live's `length` is in beats)."""
        return SampleOptions(**{f.name: getattr(self, f.name) for f in self._shared()})

    def _shared(self) -> list[Field[Any]]:
        """SampleOptions' fields as this class has them (not redefined by a subclass)."""
        mine = {f.name: f for f in fields(self)}
        return [f for f in fields(SampleOptions) if mine[f.name] is f]


def header_fields(key: str | None, meter: str | None, tune_type: str | None) -> dict[str, str]:
    """`SampleOptions.header` for these values; an OptionError names the field."""
    from notetokens import notes
    from notetokens.errors import ParseError
    from notetokens.notes_reader import parse_header
    from notetokens.tunetype import TUNE_TYPES, normalize_tune_type

    out: dict[str, str] = {"L": "1/8"} if key or meter or tune_type else {}  # folk tunes' unit
    if tune_type:
        name = normalize_tune_type(tune_type)
        if name is None:
            raise OptionError("tune_type", tune_type,
                              f"unknown tune type {tune_type!r}; known: {', '.join(TUNE_TYPES)}")
        out["T"] = name
    if meter:
        out["M"] = meter
    if key:
        out["K"] = notes.normalize_key(key) or key
    for letter, name, value in (("M", "meter", meter), ("K", "key", key)):
        if letter in out:
            try:
                parse_header(f"{letter}:{out[letter]}")
            except ParseError as e:
                raise OptionError(name, value, e.message.removeprefix(f"{letter}: ")) from None
    return out


def pitch_range(name: str, text: object) -> tuple[int, int]:
    """`G3-E6` as MIDI pitches (55, 88): two note names with octaves, low first,
    at least an octave apart (every pitch class then has a place in it)."""
    import re

    from notetokens.notes_reader import LETTER_PC

    note = r"([A-G])(#|b)?(-?\d)"
    m = re.fullmatch(f"{note}-{note}", text.strip()) if isinstance(text, str) else None
    if m is None:
        raise OptionError(name, text, "must be LOW-HIGH with octaves, such as G3-E6")
    low, high = (12 * (int(o) + 1) + LETTER_PC[n] + {"#": 1, "b": -1}.get(a or "", 0)
                 for n, a, o in (m.groups()[:3], m.groups()[3:]))
    if not 12 <= low < high <= 127:
        raise OptionError(name, text, "must run upwards, from C0 to G9")
    if high - low < 11:
        raise OptionError(name, text, "must span at least an octave (twelve pitches), such as G3-G4")
    return low, high


PARSERS: dict[str, Callable[[str, Any], Any]] = {"pitch_range": pitch_range}


def names() -> str:
    return ", ".join(f.name for f in fields(SampleOptions))


def for_command(command: str) -> list[Field[Any]]:
    """The fields a command takes as options, in declaration order."""
    return [f for f in fields(SampleOptions) if command in f.metadata["commands"]]


def finite_temperature(t: Any) -> float:
    """A temperature read from a callable (live's controller): a number > 0."""
    if not isinstance(t, (int, float)) or isinstance(t, bool) or math.isnan(t) or t <= 0:
        raise NotegenError(f"temperature must be a number > 0, got {t!r} (use argmax for the T -> 0 limit)")
    return float(t)


BARE = SampleOptions(min_notes=0, echo=0.0, max_chars=None)  # the bare sampler: no minimum, echo or cap
