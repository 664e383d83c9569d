"""Writing a Score as an ABC tune (music21 reads ABC but does not write it).

Each part is a voice (`V:`); within a voice, notes with one onset form a chord
that lasts as long as its longest note, cut where the next onset starts (ABC
voices have one line of time). Bar lines follow the meter (4/4 when the score
has none); a note, chord or rest across a bar line is split, notes and chords
tied (`[CE]2-|[CE]2`). Accidentals: a note that
differs from the key signature is written with its accidental; once a letter
has an accidental in a bar, every later note of that letter in the bar is
written explicitly, so the tune reads the same whether a reader carries
accidentals through the bar by octave, by letter, or not at all. Tempos are
written as whole quarter notes per minute. Meter and tempo changes at a bar
line are written as field lines just before that bar line, the one place where
music21 reads them (it drops inline `[M:3/4]` fields); it still reads a meter
change with a spurious one-beat meter in the bar before it. Tempo changes
inside a bar are written too, but music21 ignores them.

notegen writes no ABC that it would refuse to read: a tune past the reader's
limits (`abc_check.MAX_TUNE_NOTES` note letters, ties across bar lines
included; the meters and size it reads) is refused before anything is written,
and so is a time music21 cannot hold exactly: it keeps a time in beats only up
to a denominator of `limits.M21_DENOMINATOR`, so `C4:1/1021 D4:1/1019` would
come back with D4 a little off and a spurious rest.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from .abc_check import MAX_TUNE_NOTES, check_tune
from .abc_prep import prepare
from .errors import NotegenError, ParseError
from .keysig import LETTER_PC, LETTERS, MAJOR_BY_SHARPS, PC_NAME, Key, parse_key, signature
from .limits import M21_DENOMINATOR, MAX_TEXT_BYTES, check_write, meter_problem, size_text, tempo_problem
from .repeats import MarkSet, mark_layout, note_marks
from .score import Part, Score, TimeSignature, common_duration

_ACCIDENTAL = {-2: "__", -1: "_", 0: "=", 1: "^", 2: "^^"}
_BARS_PER_LINE = 4


def format(score: Score) -> str:
    """ABC text for `score`: one tune, one voice per part. Raises NotegenError for
    a score that notegen could not read back exactly (see the module docstring)."""
    check_write(score)
    _check_readable(score)
    key = parse_key(score.key)
    sharps = key.sharps if key is not None and -7 <= key.sharps <= 7 else 0
    sig = signature(sharps)
    unit = _unit(score)
    meters = score.time_signatures or [TimeSignature(Fraction(0), 4, 4)]
    head = [
        "X:1",
        f"T:{_one_line(score.title) or 'Untitled'}",
        f"M:{meters[0]}",
        f"L:{_fraction_text(unit / 4)}",
    ]
    if score.tune_type:
        head.insert(2, f"R:{score.tune_type}")
    if score.tempos:
        head.append(f"Q:1/4={_bpm(score.tempos[0].bpm)}")
    head.append(f"K:{_key_field(key, sharps)}")
    marks = {t: _abc_marks(m) for t, m in mark_layout(score.sections).items()}
    end = max(score.end, *marks, Fraction(0))  # a `:|` may follow a rest
    bars = sorted(set(_bar_starts(meters, end, score.pickup)) | set(marks))
    body: list[str] = []
    parts = score.parts or [Part()]
    for i, part in enumerate(parts):
        if len(parts) > 1:
            name = f' name="{_one_line(part.name)}"' if part.name else ""
            body.append(f"V:{i + 1}{name}")
        body.extend(_voice(part, (bars, marks, end), meters, unit, sig, score if i == 0 else None))
    text = "\n".join(head + body) + "\n"
    _check_written(text)
    return text


def _check_readable(score: Score) -> None:
    """Refuse up front what the ABC reader would refuse: more notes than it
    reads, a meter it does not read."""
    count = sum(len(p.notes) for p in score.parts)
    if count > MAX_TUNE_NOTES:
        raise NotegenError(
            f"{count} notes is more than notegen reads as ABC ({MAX_TUNE_NOTES} in a tune); "
            "write MIDI or a note string, or split the music"
        )
    for ts in score.time_signatures:
        if problem := meter_problem(ts.numerator, ts.denominator):
            raise NotegenError(f"cannot write ABC that notegen reads back: {problem}")
    for t in score.tempos:  # written in whole beats per minute
        if problem := tempo_problem(_bpm(t.bpm)):
            raise NotegenError(f"cannot write ABC that notegen reads back: {problem}")


def _check_written(text: str) -> None:
    """The reader's own checks on the finished tune (note letters, ties across
    bar lines included; meters; voices) and its file size."""
    try:
        check_tune(text, 1)
        prepare(text, 1)
    except ParseError as e:
        raise NotegenError(f"cannot write ABC that notegen reads back: {e.message}") from None
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        raise NotegenError(
            f"the ABC would be {size_text(size)}, more than notegen reads as ABC "
            f"({size_text(MAX_TEXT_BYTES)}); split the music"
        )


def _check_exact(t: Fraction, stop: Fraction, pitches: list[int]) -> None:
    """Refuse a note, chord or rest whose start, end or length music21 would
    round: it keeps a time in beats exactly only up to a denominator of
    M21_DENOMINATOR."""
    if max(t.denominator, stop.denominator, (stop - t).denominator) <= M21_DENOMINATOR:
        return
    what = (
        "a rest" if not pitches
        else _name(pitches[0]) if len(pitches) == 1
        else "[" + " ".join(_name(p) for p in pitches) + "]"
    )
    if t.denominator > M21_DENOMINATOR:
        problem = f"{what} starts at beat {t}"
    elif stop.denominator > M21_DENOMINATOR:
        problem = f"{what} at beat {t} ends at beat {stop}"
    else:
        problem = f"{what} at beat {t} lasts {stop - t} beat"
    raise NotegenError(
        f"cannot write ABC exactly: {problem}, and music21, which reads ABC, rounds "
        f"a time whose denominator is over {M21_DENOMINATOR}; keep such music as a note string"
    )


def _name(midi: int) -> str:
    return f"{PC_NAME[midi % 12]}{midi // 12 - 1}"


def _key_field(key: Key | None, sharps: int) -> str:
    """The `K:` value. music21 reads `K:Bloc` as B major, so locrian keys are
    written as the major key with the same signature (the notes stay right, the
    tonic is lost)."""
    if key is None or sharps != key.sharps:
        return "C"
    return MAJOR_BY_SHARPS[sharps] if key.mode == "loc" else key.name


def _unit(score: Score) -> Fraction:
    """The `L:` unit in beats: the most common note length, kept between a
    sixteenth and a quarter."""
    common = common_duration(score.notes)
    if common >= 1:
        return Fraction(1)
    if common <= Fraction(1, 4):
        return Fraction(1, 4)
    return Fraction(1, 2)


def _bar_starts(meters: list[TimeSignature], end: Fraction, pickup: Fraction = Fraction(0)) -> list[Fraction]:
    """Onsets of every bar up to `end` (and the bar after, as a sentinel). A meter
    change starts a new bar where it stands; a pickup is a short first bar."""
    starts: list[Fraction] = []
    t = Fraction(0)
    for i, ts in enumerate(meters):
        stop = meters[i + 1].onset if i + 1 < len(meters) else None
        length = Fraction(4 * ts.numerator, ts.denominator) if ts.numerator > 0 else Fraction(4)
        t = ts.onset
        if i == 0 and 0 < pickup < length and (stop is None or pickup < stop):
            starts.append(t)
            t += pickup
        while t < (stop if stop is not None else end):
            starts.append(t)
            t += length
    starts.append(t)  # the bar line after the last note
    if len(starts) == 1:
        starts.append(t + 4)
    return sorted(set(starts))


def _events(part: Part) -> list[tuple[Fraction, Fraction, list[int]]]:
    """(onset, duration, pitches) with rests as empty pitch lists, back to back
    from beat 0."""
    groups: dict[Fraction, list[tuple[int, Fraction]]] = {}
    for n in part.notes:
        groups.setdefault(n.onset, []).append((n.pitch, n.duration))
    onsets = sorted(groups)
    out: list[tuple[Fraction, Fraction, list[int]]] = []
    now = Fraction(0)
    for i, onset in enumerate(onsets):
        if onset > now:
            out.append((now, onset - now, []))
        dur = max(d for _, d in groups[onset])
        if i + 1 < len(onsets):
            dur = min(dur, onsets[i + 1] - onset)
        out.append((onset, dur, sorted({p for p, _ in groups[onset]})))
        now = onset + dur
    return out


def _abc_marks(m: MarkSet) -> str:
    """A beat's repeat marks as ABC: `::`, `:|`, `|:`, `|`, with an ending `|1`, `:|2`."""
    text = note_marks(replace(m, ending=0))
    return f"{text}{m.ending}" if m.ending else text


def _voice(
    part: Part,
    layout: tuple[list[Fraction], dict[Fraction, str], Fraction],
    meters: list[TimeSignature],
    unit: Fraction,
    sig: dict[str, int],
    tempo_score: Score | None,
) -> list[str]:
    bars, marks, end = layout  # bar lines, the repeat marks at some, where the tune ends
    meter_at = {ts.onset: ts for ts in meters[1:]}
    tempo_at = {t.onset: t.bpm for t in tempo_score.tempos[1:]} if tempo_score else {}
    events = _events(part) or [(Fraction(0), bars[1] - bars[0], [])]
    last = events[-1][0] + events[-1][1]
    if end > last:
        events.append((last, end - last, []))
    lines: list[str] = []
    line: list[str] = [marks[Fraction(0)]] if Fraction(0) in marks else []
    bar_index = 0
    touched: dict[str, int] = {}  # letters with an accidental in this bar
    for onset, dur, pitches in events:
        t = onset
        while t < onset + dur:
            while bar_index + 1 < len(bars) and bars[bar_index + 1] <= t:
                bar_index += 1
                touched = {}
                # music21 drops inline fields ([M:3/4]) and field lines that
                # follow a bar line; it reads a field line put before the bar
                fields = []
                if bars[bar_index] in meter_at:
                    fields.append(f"M:{meter_at.pop(bars[bar_index])}")
                if bars[bar_index] in tempo_at:
                    fields.append(f"Q:1/4={_bpm(tempo_at.pop(bars[bar_index]))}")
                bar = marks.get(bars[bar_index], "|")
                if fields:
                    lines += [" ".join(line), *fields]
                    line = [bar]
                else:
                    line.append(bar)
                    if sum(x[:1] in "|:" for x in line) >= _BARS_PER_LINE:
                        lines.append(" ".join(line))
                        line = []
            if t in tempo_at:
                lines += [" ".join(line), f"Q:1/4={_bpm(tempo_at.pop(t))}"]
                line = []
            stop = onset + dur
            if bar_index + 1 < len(bars):
                stop = min(stop, bars[bar_index + 1])
            _check_exact(t, stop, pitches)
            length = _duration_text((stop - t) / unit)
            tie = "-" if pitches and stop < onset + dur else ""
            if not pitches:
                line.append(f"z{length}")
            elif len(pitches) == 1:
                line.append(f"{_pitch(pitches[0], sig, touched)}{length}{tie}")
            else:
                inner = "".join(_pitch(p, sig, touched) for p in pitches)
                line.append(f"[{inner}]{length}{tie}")
            t = stop
    line.append(":|" if marks.get(end, "").startswith(":|") else "|]")
    lines.append(" ".join(line))
    return lines


def _pitch(midi: int, sig: dict[str, int], touched: dict[str, int]) -> str:
    letter, alter = _spell(midi, sig)
    octave = (midi - LETTER_PC[letter] - alter) // 12 - 1
    if letter in touched or alter != sig[letter]:
        acc = _ACCIDENTAL[alter]
        touched[letter] = alter
    else:
        acc = ""
    name = letter.lower() + "'" * (octave - 5) if octave >= 5 else letter + "," * (4 - octave)
    return acc + name


def _spell(midi: int, sig: dict[str, int]) -> tuple[str, int]:
    """Letter and alteration for a MIDI pitch: the key's own note when there is
    one, else the natural, else a sharp in sharp keys and a flat in flat keys."""
    pc = midi % 12
    options = [(L, a) for L in LETTERS for a in (-1, 0, 1) if (LETTER_PC[L] + a) % 12 == pc]
    flats = any(v < 0 for v in sig.values())
    return min(options, key=lambda o: (o[1] != sig[o[0]], o[1] != 0, (o[1] > 0) == flats))


def _duration_text(units: Fraction) -> str:
    if units == 1:
        return ""
    if units.denominator == 1:
        return str(units.numerator)
    if units.numerator == 1:
        return f"/{units.denominator}"
    return f"{units.numerator}/{units.denominator}"


def _fraction_text(f: Fraction) -> str:
    return f"{f.numerator}/{f.denominator}"


def _bpm(bpm: float) -> int:
    return max(1, round(bpm))


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())
