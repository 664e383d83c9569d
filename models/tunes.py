"""Melodies from a model: the one note stream that `sample` and `live` read.

`note_stream(lm, prime, **options)` checks the model's notation once, runs the
streaming sampler and decodes its characters into notes (and bar lines) the
moment each one is complete. `draw` collects one stream into a `DrawnTune` for
`notegen sample`; the live engine plays the same stream as it comes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from notetokens import Score, get, notes
from notetokens.errors import NotegenError, ParseError
from notetokens.notes_grammar import METERS, Field
from notetokens.notes_reader import Header, NoteDecoder, parse_header
from notetokens.registry import NOTATIONS
from notetokens.score import Note

from .checkpoint import LoadedModel
from .options import MAX_CHARS, SampleOptions
from .sampling import stream

DEFAULT_MAX_CHARS = MAX_CHARS


@dataclass
class DrawnTune:
    text: str  # the model text, prime included
    score: Score


@dataclass(frozen=True)
class BarLine:
    """A bar line in the stream: `onset` in beats from the start of the text."""

    onset: Fraction
    number: int  # bar lines read so far, the prime's included


Event = Note | BarLine


def check_music_model(
    lm: LoadedModel, name: str | None = None, *, require_notes: bool = False, python: bool = False
) -> bool:
    """Raise a clear error unless `lm` writes melodies; True when its model text is
    the note string (streamed note by note), False for another music text (tab).
    `name` is the model as the user named it (`--model kjv`; its file otherwise);
    `require_notes` refuses a music model whose text is not the note string too,
    as live playback does; `python` words the advice for a Python caller."""
    nt = get(lm.notation)
    who = name or (str(lm.path) if lm.path is not None else "this model")
    if not nt.music:
        fix = ("a melody model (model=\"folk\"), or notegen.text() for this one" if python
               else "a melody model (--model folk), or `notegen text` for this one")
        raise NotegenError(f"{who} is a {lm.notation} model, and a text model can't play melodies: use {fix}")
    streams_notes = nt.model_text == "notes"  # the registry: its model text is the note string
    if require_notes and not streams_notes:
        names = ", ".join(n.name for n in NOTATIONS.values() if n.model_text == "notes")
        raise NotegenError(
            f"{who} is a {lm.notation} model: live plays models whose text is note strings ({names})"
        )
    return streams_notes


# How an error names each asked-for field: the command's options by default
OPTION_NAMES = {"key": "--key", "meter": "--meter", "tune_type": "--type"}


def checked_header(
    key: str | None = None,
    meter: str | None = None,
    tune_type: str | None = None,
    *,
    names: Mapping[str, str] = OPTION_NAMES,
) -> dict[str, str]:
    """Header fields a user asks for (`SampleOptions.header`), checked and
    normalised; an error starts with the name `names` gives the field (`--key`)."""
    from .options import OptionError, header_fields

    try:
        return header_fields(key, meter, tune_type)
    except OptionError as e:
        raise NotegenError(f"{names[e.name]}: {e.reason}") from None


def prime_text(prime: str | Score | None) -> str:
    """The model text a user's prime begins with: a note string with its own
    header line as written, any other prime as `user_prime` writes it."""
    if isinstance(prime, Score):
        return user_prime(None, prime)
    if prime and _is_header(prime.partition("\n")[0]) and "\n" in prime:
        return prime
    return user_prime(prime or None)


def user_prime(prime: str | None = None, prime_score: Score | None = None) -> str:
    """A prime melody (`--prime` note string or `--prime-file` score) as a one-line
    note string in quarter-note units, '' for none; `NoteStream` rewrites it
    under the header the model writes."""
    body = prime_body(prime, prime_score)
    return "" if body is None else notes.body_text(body, Fraction(1, 4))


def prime_body(prime: str | None = None, prime_score: Score | None = None) -> Score | None:
    """The melody a user primes with (`--prime` note string or `--prime-file`)."""
    if prime and prime_score is not None:
        raise NotegenError("give --prime or --prime-file, not both")
    if prime:
        try:
            prime_score = notes.parse(prime)
        except ParseError as e:
            raise NotegenError(f"--prime: {e}") from None
    if prime_score is None or not prime_score.notes:
        return None
    return prime_score.one_voice(top_line=False)


def body_under(header_line: str, body: Score | None) -> str:
    """Model text: `header_line` (as the model or the user wrote it), then the
    prime melody rewritten in its unit, with bar lines at its meter."""
    line = header_line.strip()
    if body is None:
        return line + "\n" if line else ""
    h = parse_header(line) if line else Header()
    if h.meter is not None:
        body = replace(body, time_signatures=[h.meter])
    text = notes.body_text(body, h.unit)
    return (line + "\n" if line else "") + text + " "


class NoteStream:
    """Notes and bar lines of one sampled tune, each yielded as soon as it is
    complete (a note when the token after it starts). Onsets are in beats from
    the start of the text; the new material starts at `start`.

    `prime` (the options' prime as model text by default, see `prime_text`) is
    note-string text: with a header line it is used as written;
    without one, the model first writes a header (holding the `fields` asked
    for), and the prime melody is then rewritten under it. Stops at the tune's
    end, after `length` notes of new material, or at the end of bar `bars`
    (counted by the meter from the tune's start, a pickup not counted). A tune
    cut at a count is written in one part (`parts="one"`, no repeat marks: a
    cut could not close a part), so its bars and notes as written are the ones
    played.
    """

    def __init__(
        self, lm: LoadedModel, options: SampleOptions, prime: str | None = None, include_prime: bool = True
    ) -> None:
        self.lm = lm
        self.streams_notes = check_music_model(lm)
        self.options = options.but(parts="one") if options.length or options.bars else options
        self.length, self.bars, self.include_prime = options.length, options.bars, include_prime
        if (self.length or self.bars) and not self.streams_notes:
            raise NotegenError(f"--length/--bars need a note-string model, not {lm.notation}")
        self.fields: dict[str, Field] = dict(options.header())
        self.prime = prime_text(options.prime) if prime is None else prime
        self.text = ""  # the model text so far, prime included
        self.start = Fraction(0)
        self.notes_made = 0  # onsets of new material
        self.bar_lines = 0
        self._decoder: NoteDecoder | None = None

    @property
    def time(self) -> Fraction:
        """Beats from the start of the text to the end of what was decoded so far
        (a trailing rest included): where a following segment goes on."""
        return self._decoder.time if self._decoder is not None else Fraction(0)

    def __iter__(self) -> Iterator[Event]:
        if not self.streams_notes:
            yield from self._whole()
            return
        prime = self._compose_prime()
        decoder = self._decoder = NoteDecoder()
        self.text = prime
        prime_notes = decoder.feed(prime)
        self.bar_lines = prime.count("|")
        self.start = decoder.time
        if self.include_prime:
            yield from prime_notes
        meter = decoder.header.meter
        bar_len = Fraction(4 * meter.numerator, meter.denominator) if meter else None
        pickup = self._pickup(prime, bar_len)
        for ch in stream(self.lm, prime, self.options, fields={}):
            got = decoder.feed(ch)
            if got:
                self.notes_made += 1
            yield from got
            if ch == "|":
                self.bar_lines += 1
                if pickup is None and bar_len is not None:
                    pickup = decoder.time if decoder.time < bar_len else Fraction(0)
                yield BarLine(decoder.time, self.bar_lines)
            if self.length and self.notes_made >= self.length:
                return  # `ch` is the separator after the last note
            self.text += ch
            if self.bars and self._bars_done(ch, decoder.time, bar_len, pickup):
                return
        yield from decoder.close()

    def _compose_prime(self) -> str:
        """The full model text to sample after (header first)."""
        prime = self.prime
        if prime and not prime.endswith((" ", "\n", "|")):
            prime += " "  # a separator ends the prime's last note: it cannot be lengthened
        first, nl, _ = prime.partition("\n")
        if nl and _is_header(first):
            if self.fields:
                raise NotegenError("the prime has its own header; ask for a key, meter or type in it")
            return prime
        body = prime_body(prime) if prime.strip() else None
        if body is not None and "M" not in self.fields:
            fitting = tuple(m for m in METERS if _fits(body, m))
            if fitting:  # a meter the prime fits without a note held over a bar line
                self.fields["M"] = fitting
        header = self._sample_header()
        return body_under(header, body)

    def _sample_header(self) -> str:
        """The header line the model writes first (with the requested fields)."""
        line = ""
        for ch in stream(self.lm, "", self.options.but(max_chars=200), fields=self.fields):
            if ch == "\n":
                break
            line += ch
        try:
            parse_header(line)
            return line
        except ParseError:  # the model began a body without a header (a grammar-free sample)
            return " ".join(f"{k}:{v}" for k, v in self.fields.items() if isinstance(v, str))

    @staticmethod
    def _pickup(prime: str, bar_len: Fraction | None) -> Fraction | None:
        if bar_len is None or "|" not in prime:
            return None
        d = NoteDecoder()
        d.feed(prime[: prime.index("|")] + " ")
        return d.time if d.time < bar_len else Fraction(0)

    def _bars_done(self, ch: str, time: Fraction, bar_len: Fraction | None, pickup: Fraction | None) -> bool:
        assert self.bars is not None
        if bar_len is None:
            return ch == "|" and self.bar_lines >= self.bars
        if ch != " " or time <= self.start:
            return False
        return time >= (pickup or 0) + self.bars * bar_len

    def _whole(self) -> Iterator[Event]:
        """A notation without a streaming decoder (tab): its notes at the end."""
        self.text = self.prime + "".join(stream(self.lm, self.prime, self.options))
        score = get(self.lm.notation).from_model_text(self.text.rstrip())
        yield from sorted(score.notes, key=lambda n: (n.onset, n.pitch))


def _fits(body: Score, meter: str) -> bool:
    """Whether no note of `body` crosses a bar line of `meter` (from beat 0)."""
    bar = Fraction(meter) * 4
    return all((n.onset // bar) == ((n.end - Fraction(1, 10**6)) // bar) for n in body.notes)


def _is_header(token_line: str) -> bool:
    return len(token_line) > 1 and token_line[0] in "TLMKQ" and token_line[1] == ":"


def note_stream(
    lm: LoadedModel, prime: str = "", options: SampleOptions | None = None, **changes: Any
) -> NoteStream:
    """The notes of one sampled tune as they complete (see `NoteStream`): `options`
    (`SampleOptions()`, `notegen sample`'s defaults, when None) with `changes`,
    and `prime` (a note string) as its prime where given. Raises at once when
    `lm` is not a melody model ("a text model can't play melodies")."""
    opts = (options or SampleOptions()).but(**changes)
    return NoteStream(lm, opts.but(prime=prime) if prime else opts)


def draw(
    lm: LoadedModel, prime: str = "", options: SampleOptions | None = None, program: int | None = None,
    **changes: Any,
) -> DrawnTune:
    """One melody (see `note_stream`), its instrument `program` and the options' tempo."""
    s = note_stream(lm, prime, options, **changes)
    try:
        for _ in s:
            pass
        score = get(lm.notation).from_model_text(s.text.rstrip())
    except ParseError as e:  # only without the grammar (constrain=False)
        raise NotegenError(
            f"the model wrote text that does not parse ({e}); sample with the grammar"
        ) from None
    return DrawnTune(s.text.rstrip(), dress(score, program, s.options.bpm))


def sample_tune(lm: LoadedModel, prime: str = "", **options: Any) -> DrawnTune:
    """A melody with `notegen sample`'s defaults (`SampleOptions()`); see `draw`."""
    return draw(lm, prime, **options)


def dress(score: Score, program: int | None, bpm: float | None) -> Score:
    """Set the instrument and, when asked, the tempo."""
    from notetokens import Tempo

    if program is not None:
        score = replace(score, parts=[replace(p, program=program) for p in score.parts])
    if bpm:
        score = replace(score, tempos=[Tempo(Fraction(0), float(bpm))])
    return score
