"""The note-string notation (README, "Notations"): `G-G-D-D-E-E-D`, `F#4 A4:2 | [D4 F#4]:4`.

The model text is the canonical form on two lines at most: an optional header
line, then every event of the tune on one line, bars included. Durations are
counted in the unit `L:`, which is chosen as the tune's most common note length,
so most notes carry no duration at all.
"""

from __future__ import annotations

from fractions import Fraction

from .errors import NotegenError, ParseError
from .keysig import SUFFIX_OF_WORD
from .limits import MAX_BEATS, MAX_NOTES
from .notes_grammar import NotesGrammar
from .notes_reader import KEY_RE, Header, NoteDecoder, duration_suffix
from .repeats import MarkSet, RepeatError, mark_layout, note_marks, sections
from .score import Note, Score, Section, Tempo, TimeSignature, common_duration

__all__ = ["NoteDecoder", "format", "from_model_text", "grammar", "parse", "to_model_text"]

SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
FLAT_KEYS = {"F", "Bb", "Eb", "Ab", "Db", "Gb", "Cb", "Dm", "Gm", "Cm", "Fm", "Bbm", "Ebm", "Abm"}


def parse(text: str) -> Score:
    decoder = NoteDecoder(max_events=MAX_NOTES, max_beats=MAX_BEATS)
    notes = decoder.feed(text)
    notes += decoder.close()
    if decoder.events == 0:
        raise ParseError("no notes: expected note letters like G-G-D-D-E-E-D", line=1, col=1)
    h = decoder.header
    pickup = pickup_of(h.meter, decoder.bars)
    return Score.from_notes(
        notes,
        tempos=[Tempo(Fraction(0), h.bpm)] if h.bpm else [],
        time_signatures=[h.meter] if h.meter else [],
        key=h.key,
        tune_type=h.tune_type,
        pickup=pickup,
        sections=_sections(decoder, pickup),
    )


def _sections(decoder: NoteDecoder, pickup: Fraction) -> tuple[Section, ...]:
    """The parts the repeat marks make; a ParseError at the mark at fault."""
    if not decoder.marks:
        return ()
    meter = decoder.header.meter
    bar = Fraction(4 * meter.numerator, meter.denominator) if meter else None
    try:
        return sections(decoder.marks, decoder.time, bar, pickup)
    except RepeatError as e:
        at = e.mark
        raise ParseError(e.message, line=at.line if at else None, col=at.col if at else None) from None


def pickup_of(meter: TimeSignature | None, bars: list[Fraction]) -> Fraction:
    """The pickup a note string shows: a first bar line before one bar is full."""
    if meter is None or not bars:
        return Fraction(0)
    first = bars[0]
    return first if 0 < first < Fraction(4 * meter.numerator, meter.denominator) else Fraction(0)


def normalize_key(key: str | None) -> str | None:
    """'E minor', 'e', 'Em' -> 'Em'; 'B- major' (music21) -> 'Bb'; None stays None."""
    if not key:
        return None
    words = key.replace("-", "b").split()
    tonic = words[0][0].upper() + words[0][1:]
    mode = words[1].lower() if len(words) > 1 else ""
    if len(words) == 1 and words[0][0].islower() and len(tonic) <= 2:
        mode = "minor"  # music21 writes minor keys in lower case
    name = tonic + SUFFIX_OF_WORD.get(mode, mode[:3])
    if KEY_RE.match(name):
        return name
    return tonic if KEY_RE.match(tonic) else None


def pitch_name(pitch: int, flats: bool = False) -> str:
    if pitch < 12:
        raise NotegenError(f"MIDI pitch {pitch} is below C0, which a note string cannot write")
    names = FLAT_NAMES if flats else SHARP_NAMES
    return f"{names[pitch % 12]}{pitch // 12 - 1}"


def choose_unit(notes: list[Note]) -> Fraction:
    """L: as a fraction of a whole note: the most common event duration when it
    is a power-of-two note value (1/1 .. 1/64), else a quarter."""
    durations = [Note(t, 0, d) for t, _, d in _events(notes)]
    whole = common_duration(durations) / 4
    if whole.numerator == 1 and whole.denominator & (whole.denominator - 1) == 0 and whole.denominator <= 64:
        return whole
    return Fraction(1, 4)


def _duration_text(beats: Fraction, unit: Fraction) -> str:
    return duration_suffix(beats / (unit * 4))


def _events(notes: list[Note]) -> list[tuple[Fraction, list[int], Fraction]]:
    """(onset, pitches, duration) per onset, rests as empty pitch lists; a chord
    lasts as long as its longest note, cut where the next event starts."""
    by_onset: dict[Fraction, list[Note]] = {}
    for n in notes:
        by_onset.setdefault(n.onset, []).append(n)
    onsets = sorted(by_onset)
    out: list[tuple[Fraction, list[int], Fraction]] = []
    time = Fraction(0)
    for i, t in enumerate(onsets):
        if t > time:
            out.append((time, [], t - time))
        group = by_onset[t]
        dur = max(n.duration for n in group)
        if i + 1 < len(onsets):
            dur = min(dur, onsets[i + 1] - t)
        out.append((t, sorted({n.pitch for n in group}), dur))
        time = t + dur
    return out


def _body(score: Score, unit: Fraction, flats: bool, bars_per_line: int | None) -> str:
    notes = score.parts[0].notes if score.parts else []
    meter = score.meter
    bar_len = Fraction(4 * meter.numerator, meter.denominator) if meter else None
    marks = mark_layout(score.sections)
    tokens: list[str] = []
    next_bar = score.pickup if bar_len and 0 < score.pickup < bar_len else bar_len
    bars = 0
    for onset, pitches, dur in _events(notes):
        on_bar = next_bar is not None and bar_len is not None and onset >= next_bar
        mark = marks.pop(onset, None)
        if on_bar or (mark and (onset > 0 or mark.open)):
            bars += on_bar  # one bar line, even after a note longer than a bar
            sep = "\n" if on_bar and bars_per_line and bars % bars_per_line == 0 else ""
            tokens.append(_bar_text(mark) + sep)
        if on_bar and next_bar is not None and bar_len:
            next_bar += bar_len * ((onset - next_bar) // bar_len + 1)
        if not pitches:
            head = "R"
        elif len(pitches) == 1:
            head = pitch_name(pitches[0], flats)
        else:
            head = "[" + " ".join(pitch_name(p, flats) for p in pitches) + "]"
        tokens.append(head + _duration_text(dur, unit))
    end = max((n.end for n in notes), default=Fraction(0))
    if any(t < end for t in marks):
        raise NotegenError(f"a repeat mark at beat {min(marks)} falls inside a note; write MIDI")
    for t, m in sorted(marks.items()):  # a `:|` at the end, after a rest to it
        if t > end:
            tokens.append("R" + _duration_text(t - end, unit))
            end = t
        tokens.append(_bar_text(m))
    text = " ".join(tokens)
    return text.replace("\n ", "\n").rstrip()


def _bar_text(mark: MarkSet | None) -> str:
    """The bar line, with its repeat marks."""
    return note_marks(mark) if mark else "|"


def body_text(score: Score, unit: Fraction) -> str:
    """The one-line body of a one-part score, durations counted in `unit`."""
    return _body(score, unit, normalize_key(score.key) in FLAT_KEYS, None)


def _header(score: Score, unit: Fraction) -> Header:
    meter = score.meter
    return Header(
        unit=unit,
        meter=TimeSignature(Fraction(0), meter.numerator, meter.denominator) if meter else None,
        key=normalize_key(score.key),
        bpm=score.tempos[0].bpm if score.tempos else None,
        tune_type=score.tune_type,
    )


def _render(score: Score, bars_per_line: int | None) -> str:
    notes = score.parts[0].notes if score.parts else []
    unit = choose_unit(notes)
    header = _header(score, unit)
    flats = header.key in FLAT_KEYS
    body = _body(score, unit, flats, bars_per_line)
    return f"{header.text()}\n{body}" if header.text() else body


def format(
    score: Score, *, track: int | None = None, channel: int | None = None, top_line: bool = False
) -> str:
    """The canonical note string of one voice, four bars a line when there is a
    meter. A note string holds one meter: a score that changes meter is refused,
    not re-barred in its first meter."""
    changes = [ts for ts in score.time_signatures if (ts.numerator, ts.denominator) != (
        score.time_signatures[0].numerator, score.time_signatures[0].denominator)]
    if changes:
        raise NotegenError(
            f"a note string holds one meter, and this music changes from {score.time_signatures[0]} "
            f"to {changes[0]} at beat {changes[0].onset}; write ABC, MIDI or MusicXML")
    return _render(score.one_voice(track, channel, top_line), bars_per_line=4) + "\n"


def to_model_text(score: Score) -> str:
    """The model's form: header line (if any) and the whole tune on one line."""
    return _render(score.one_voice(), bars_per_line=None)


def from_model_text(text: str) -> Score:
    return parse(text)


def grammar() -> NotesGrammar:
    return NotesGrammar()
