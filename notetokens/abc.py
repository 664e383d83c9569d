"""ABC tunes: read through music21, written by `abc_write`.

`parse` reads the first tune of a text; `parse_tunes` reads every tune of a
collection (the music21 folk collections hold hundreds per file). Repeats are
kept as written, as the Score's sections (`Score.played_out()` is what a player
plays); tied notes become one note; grace notes are skipped; tuplets keep
exact durations (a triplet eighth is 1/3 beat).

The model text of ABC is the note-string model text (see `notetokens.notes`); its
grammar and `from_model_text` are the note string's (the registry's `model_text`).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import re
from fractions import Fraction
from typing import Any

from .abc_check import check_tune, with_measures, without_beams
from .abc_prep import prepare
from .abc_write import format
from .bars import IrregularBars, bar_length, fit_measures
from .errors import ParseError
from .limits import score_problem
from .score import Score, TimeSignature
from .tunetype import normalize_tune_type

__all__ = ["format", "parse", "parse_tunes", "split_tunes", "to_model_text"]

_TUNE_START = re.compile(r"^X:", re.MULTILINE)
_FIELD = re.compile(r"^([A-Za-z]):[ \t]*(.*?)[ \t]*(?:%.*)?$")
_INLINE_METER = re.compile(r"\[M:([^\]]*)\]")


def parse(text: str, *, expand_repeats: bool = False, strict_bars: bool = False) -> Score:
    """The first tune of an ABC text (a text without `X:` is one tune), as
    written: each part once (endings in turn), its repeat marks (`|:`, `:|`,
    `::`, `[1`, `|1`, `:|2`) the Score's sections (`Score.played_out()` plays
    them); marks that do not make parts are a ParseError naming the tune's line
    and the bar. With `expand_repeats`, the played-out Score.

    The meter is the `M:` field's (music21 reads a pickup bar as a meter of its
    own), a short first bar is the pickup, and `R:` gives the tune type. With
    `strict_bars`, a tune without a meter, with meter changes, or with bars that
    do not add up to its meter raises `ParseError` (corpora skip such tunes)."""
    tunes = split_tunes(text)
    if not tunes:
        raise ParseError("no ABC tune found: the text has no notes")
    line, tune = tunes[0]
    return _parse_tune(tune, line, expand_repeats, strict_bars)


def parse_tunes(text: str, *, skip_errors: bool = False, expand_repeats: bool = False) -> list[Score]:
    """Every tune of an ABC collection, in order. With `skip_errors`, tunes that
    cannot be read are left out (corpora from the web have a few); otherwise the
    first bad tune raises `ParseError`."""
    out = []
    for line, tune in split_tunes(text):
        try:
            out.append(_parse_tune(tune, line, expand_repeats))
        except ParseError:
            if not skip_errors:
                raise
    return out


def split_tunes(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each tune. Lines before the first `X:` are
    the file header, whose fields apply to every tune, so each tune gets a copy."""
    if not isinstance(text, str):
        raise ParseError(f"ABC must be text, not {type(text).__name__}")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    starts = [m.start() for m in _TUNE_START.finditer(text)]
    if not starts:
        return [(1, text)] if text.strip() else []
    header = text[: starts[0]]
    # keep only field lines of the header: free text there is not music
    fields = "".join(ln + "\n" for ln in header.split("\n") if re.match(r"^[A-Za-z]:", ln))
    bounds = [*starts, len(text)]
    return [
        (text.count("\n", 0, a) + 1, fields + _tune_text(text[a:b]))
        for a, b in itertools.pairwise(bounds)
    ]


def _tune_text(text: str) -> str:
    """A tune without the text after it: a tune ends at the first empty line
    after its `K:` line (or its first line of music); what follows up to the
    next `X:` is free text, not music. Where a line after it holds a bar line,
    the text is kept whole, and the reader refuses music after the empty line
    (`abc_prep`) rather than drop it."""
    in_body, at = False, 0
    for ln in text.split("\n"):
        if in_body and not ln.strip():
            rest = text[at:].split("\n")
            if any("|" in x and not re.match(r"^[A-Za-z]:|%", x) for x in rest):
                return text
            return text[:at]
        in_body = in_body or ln.startswith("K:") or not (re.match(r"^[A-Za-z]:|%", ln) or not ln.strip())
        at += len(ln) + 1
    return text


def _parse_tune(tune: str, line: int, expand_repeats: bool = False, strict_bars: bool = False) -> Score:
    """One tune through music21; every failure becomes a `ParseError` naming the
    tune's first line (music21 does not report positions)."""
    from .m21 import stream_to_score
    from .m21_repeats import score_sections

    check_tune(tune, line)
    prepared = prepare(tune, line)
    try:
        s = _music21_tune(_default_unit(prepared))
    except ParseError as e:
        raise ParseError(e.message, line=line) from None
    except RecursionError:
        raise ParseError("the tune is nested too deeply to read", line=line) from None
    except Exception as e:  # music21 raises many types on bad ABC
        raise ParseError(f"cannot read the tune: {_one_line(e)}", line=line) from None
    try:
        score = stream_to_score(s)
    except Exception as e:
        raise ParseError(f"cannot read the tune: {_one_line(e)}", line=line) from None
    if not any(p.notes for p in score.parts):
        raise ParseError("the tune has no notes", line=line)
    header, body_meters = _fields(tune)
    score.tune_type = normalize_tune_type(header.get("R"))
    try:
        _fit_meter(score, s, header.get("M"), body_meters, strict_bars)
        score.sections = score_sections(s, score)
    except ParseError as e:
        if not expand_repeats or "repeat marks" not in e.message:
            raise ParseError(e.message, line=line) from None
        score = _music21_played_out(s, score)  # music21's own expansion, where ours refuses
    if expand_repeats:
        score = score.played_out()
    if problem := score_problem(score):
        raise ParseError(problem, line=line)
    return score


def _music21_played_out(s: Any, written: Score) -> Score:
    """The tune played out by music21's `expandRepeats` (marks our reading cannot
    fit, often where music21 misread a bar), with the written tune's header."""
    from dataclasses import replace

    from .m21 import stream_to_score

    try:
        played = stream_to_score(s.expandRepeats())
    except Exception as e:
        raise ParseError(f"cannot play the repeats out: {_one_line(e)}") from None
    return replace(written, parts=played.parts, sections=())


def _fields(tune: str) -> tuple[dict[str, str], list[str]]:
    """The header's fields (the first of each name, up to `K:`), and the meters
    the body sets (`M:` lines after `K:` and inline `[M:...]`)."""
    header: dict[str, str] = {}
    body_meters: list[str] = []
    in_body = False
    for ln in tune.split("\n"):
        m = _FIELD.match(ln)
        if m and not in_body:
            header.setdefault(m.group(1), m.group(2))
            in_body = m.group(1) == "K"
        elif m and m.group(1) == "M":
            body_meters.append(m.group(2))
        elif in_body and not m:
            body_meters += _INLINE_METER.findall(ln)
    return header, body_meters


def meter_field(value: str) -> TimeSignature | None:
    """The meter an ABC `M:` value names (`6/8`, `C`, `C|`); None for `none`,
    free meter or anything else."""
    value = value.strip()
    if value in ("C", "C|"):
        return TimeSignature(Fraction(0), *((4, 4) if value == "C" else (2, 2)))
    m = re.fullmatch(r"(\d{1,2})\s*/\s*(\d{1,2})", value)
    if not m:
        return None
    num, den = int(m.group(1)), int(m.group(2))
    if num == 0 or den not in (1, 2, 4, 8, 16, 32):
        return None
    return TimeSignature(Fraction(0), num, den)


def _fit_meter(score: Score, s: Any, field: str | None, body_meters: list[str], strict: bool) -> None:
    """Set the score's meter from the `M:` field and its pickup from the first
    measure (see `bars.fit_measures`); in `strict` mode, raise for a tune whose
    meter is missing, changes, or does not fit its bars."""
    meter = meter_field(field) if field is not None else None
    if meter is None:
        if strict:
            raise ParseError(f"no meter: M:{field or ' missing'} gives no bar length")
        return
    spans = _measure_spans(s)
    if any(meter_field(v) != meter for v in body_meters):
        if strict:
            raise ParseError(f"the meter changes from M:{meter} to M:{body_meters[0]}")
        read = score.time_signatures
        score.time_signatures = _meter_changes(meter, body_meters, read)
        spurious = {ts.onset for ts in read} - {ts.onset for ts in score.time_signatures}
        merged: list[tuple[Fraction, Fraction]] = []
        for onset, length in spans:  # the bar music21 cut in two before a change
            if merged and onset in spurious:
                merged[-1] = (merged[-1][0], merged[-1][1] + length)
            else:
                merged.append((onset, length))
        first = merged[0][1] if merged else bar_length(meter)
        score.pickup = first if first < bar_length(meter) else Fraction(0)
        return
    real = _meter_of_bars(spans, meter)
    try:
        if real is not None:  # a wrong M: field: most bars are of another length
            meter, score.pickup = real
        else:
            score.pickup = fit_measures(spans, bar_length(meter))
    except IrregularBars as e:
        if strict:
            raise ParseError(f"the bars do not fit M:{meter}: {e}") from None
        else:
            first = spans[0][1] if spans else bar_length(meter)
            score.pickup = first if first < bar_length(meter) else Fraction(0)
    score.time_signatures = [meter]


def _meter_changes(
    meter: TimeSignature, body_meters: list[str], read: list[TimeSignature]
) -> list[TimeSignature]:
    """The tune's meters: `meter` from the start, then each meter the body sets
    where music21 put it. music21 also puts a one-beat meter of its own in the
    bar before a change; that one is no meter the tune names, so it is left out."""
    out = [meter]
    rest = iter(read)
    for value in body_meters:
        named = meter_field(value)
        if named is None:
            raise ParseError(f"M:{value}: notegen reads a meter change only to a meter like 3/4")
        if (named.numerator, named.denominator) == (out[-1].numerator, out[-1].denominator):
            continue
        found = next((ts for ts in rest if (ts.numerator, ts.denominator) == (
            named.numerator, named.denominator) and ts.onset > out[-1].onset), None)
        if found is None:
            raise ParseError(f"M:{value}: music21 did not read this meter change")
        out.append(found)
    return out


def _meter_of_bars(
    spans: list[tuple[Fraction, Fraction]], field: TimeSignature
) -> tuple[TimeSignature, Fraction] | None:
    """The meter (with the field's beat unit) and pickup that the most common
    measure length gives, where that is not the field's bar and every measure
    fits it; None otherwise."""
    lengths = [length for _, length in spans[1:-1] if length > 0]
    if not lengths:
        return None
    common = max(set(lengths), key=lambda x: (lengths.count(x), x))
    num = common * field.denominator / 4
    if num.denominator != 1 or not 0 < num.numerator <= 16 or common == bar_length(field):
        return None
    meter = TimeSignature(Fraction(0), num.numerator, field.denominator)
    try:
        return meter, fit_measures(spans, common)
    except IrregularBars:
        return None


def _measure_spans(s: Any) -> list[tuple[Fraction, Fraction]]:
    """(onset, length) of each measure of the first part that has measures."""
    from music21 import stream

    parts = list(s.parts) if isinstance(s, stream.Score) else [s]
    for p in parts:
        ms = list(p.getElementsByClass(stream.Measure))
        if ms:
            return [(Fraction(p.elementOffset(m)), Fraction(m.duration.quarterLength)) for m in ms]
    return []


def _default_unit(tune: str) -> str:
    """The tune with `L:1/8` added when it sets neither `L:` nor `M:`: that is
    ABC's default, which music21 does not apply."""
    if re.search(r"^[LM]:", tune, re.MULTILINE):
        return tune
    first, _, rest = tune.partition("\n")
    if first.startswith("X:"):
        return f"{first}\nL:1/8\n{rest}"
    return "L:1/8\n" + tune


def _music21_tune(tune: str) -> Any:
    """music21's reading of one tune. music21 warns on stderr and reads a token it
    cannot make sense of as a C; that warning is turned into a `ParseError`, and
    the others are kept off the user's terminal."""
    from music21 import abcFormat
    from music21.abcFormat import translate

    warnings = io.StringIO()
    with contextlib.redirect_stderr(warnings), without_beams(), with_measures():
        handler = abcFormat.ABCFile().readstr(tune)
        s = translate.abcToStreamScore(handler)
        _tie_chords(handler, s)
    bad = re.search(r"Could not get pitch information from note:\s*(.*?), assuming C",
                    warnings.getvalue())
    if bad:
        raise ParseError(f"not a note: {bad.group(1).strip()!r}")
    return s


def _tie_chords(handler: Any, s: Any) -> None:
    """Carry ties of chords (`[CE]2-|[CE]2`) into the stream. music21's reader
    marks them on its chord tokens but does not copy them to the chords it makes;
    chords are matched to tokens in order, voice by voice, and left alone when
    the counts differ."""
    from music21 import abcFormat, chord, harmony, tie

    voices = handler.splitByVoice()
    voices = voices if len(voices) == 1 else voices[1:]
    for voice, part in zip(voices, s.parts, strict=False):
        tokens = [
            t for t in voice.tokens
            if isinstance(t, abcFormat.ABCChord)
            and any(isinstance(x, abcFormat.ABCNote) for x in t.subTokens)
        ]
        chords = [
            c for c in part.recurse().getElementsByClass(chord.Chord)
            if not isinstance(c, harmony.Harmony)
        ]
        if len(tokens) != len(chords):
            continue
        for t, c in zip(tokens, chords, strict=True):
            if t.tie is not None:
                c.tie = tie.Tie(t.tie)


def _one_line(e: Exception) -> str:
    msg = " ".join(str(e).split()) or type(e).__name__
    return msg[:200]


def to_model_text(score: Score) -> str:
    """ABC reads as the note-string model text of its melody."""
    from . import notes

    return notes.to_model_text(score.one_voice(top_line=True))
