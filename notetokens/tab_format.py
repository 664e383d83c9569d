"""Rendering a Score as ASCII tab.

One voice is taken (`Score.one_voice`); notes with the same onset are a chord.
The instrument follows the range: a guitar in standard tuning when nothing goes
below E2, a 4-string bass down to E1, a 5-string bass down to B0, unless a
`tuning` is given. A pitch the instrument cannot play is an error naming it
(no silent octave folding: the tab would not be the music any more).

A melody that sits above the instrument's comfortable range is moved down by
whole octaves, as guitarists read music (a guitar sounds an octave below its
written pitch; a fiddle tune at D4..B5 is played in open position at D3..B4),
and a `transposed: down N octaves` header line says so; `parse` reads that line
and puts the notes back at the written pitch, so a round trip keeps them.
`exact_pitch=True` (`notegen convert --exact-pitch`) keeps the pitch as it is. A chord
with more notes than strings, or notes that cannot all sit on different strings
(E2 and F2 on a guitar), is an error naming the chord: no note is dropped.

Spacing is proportional to time: a `rhythm:` line states the beats per column,
each onset takes as many columns as the time to the next onset, so `parse` reads
the onsets back exactly. Bar lines go where an onset falls on a measure start.

Repeats: a section played N times with no endings (`Score.sections`) is a
system of its own, however wide, with `[Nx]` after its top line, which `parse`
plays N times; the music between sections is packed as usual. A tab has no
first and second endings, so a score with endings (or a part that starts
without a note, whose system would lose its leading rest) is written played out
(`Score.played_out()`): every note is kept, the repeat is not.

Limits: at most `TAB_WRITE_NOTES` notes (the fingering search takes a few
hundred steps a note), and no tab that `parse` would refuse (larger than
`MAX_TEXT_BYTES`, or longer than `MAX_BEATS`); both refused before anything is
written.
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction

from .errors import NotegenError
from .limits import MAX_BEATS, MAX_TEXT_BYTES, TAB_WRITE_NOTES, size_text
from .score import Note, Score
from .tab_fingering import MAX_FRET, Fingering, fingering, places, playable
from .tab_tuning import STANDARD, Tuning, note_name, pc_name, resolve

DEFAULT_WIDTH = 78
TRANSPOSED = (
    "transposed: down {down} octave{s} into open position (a guitar sounds an octave "
    "below written pitch; notegen reads the tab back at the written pitch)"
)
MAX_CELL = 32  # columns one onset may take before spacing is approximated
COMFORT_FRETS = 7  # open and second position: a melody's top note at fret 7 or below


def _choose(pitches: list[int], capo: int, tuning: str | None) -> Tuning:
    if tuning is not None:
        try:
            return resolve(tuning)
        except ValueError as e:
            raise NotegenError(str(e)) from None
    if not pitches or min(pitches) - capo >= STANDARD[6][0]:
        return STANDARD[6]
    if min(pitches) - capo >= STANDARD[4][0]:
        return STANDARD[4]
    return STANDARD[5]


def octaves_down(pitches: list[int], capo: int = 0, tuning: str | None = None) -> int:
    """How many octaves to move a melody down so its highest note sits in open
    position on the top string (fret `COMFORT_FRETS` at most), while its lowest
    note stays on the instrument: 0 when it already sits there."""
    if not pitches:
        return 0
    strings = _choose(pitches, capo, tuning)
    top, low = strings[-1] + capo + COMFORT_FRETS, strings[0] + capo
    down = 0
    while max(pitches) - 12 * down > top and min(pitches) - 12 * (down + 1) >= low:
        down += 1
    if max(pitches) - 12 * down > strings[-1] + capo + MAX_FRET:
        return 0  # it does not fit either way: the error names the written pitch
    return down


def instrument(pitches: list[int], capo: int = 0, tuning: str | None = None) -> Tuning:
    """The tuning to write `pitches` with; raises NotegenError naming a pitch that
    does not fit."""
    strings = _choose(pitches, capo, tuning)
    name = "guitar" if len(strings) == 6 else "bass"
    span = f"{note_name(strings[0] + capo)}..{note_name(strings[-1] + capo + MAX_FRET)}"
    for p in sorted(set(pitches)):
        if not places(p - capo, strings):
            raise NotegenError(
                f"pitch {note_name(p)} (MIDI {p}) is outside the {name}'s range {span}; "
                "transpose the music or choose another tuning"
            )
    return strings


Span = tuple[Fraction, Fraction, int]  # written start, stop, times played
MAX_REPEAT = 32  # the most passes `tab_parse` reads from a `[Nx]`


def repeat_spans(score: Score) -> list[Span] | None:
    """The parts of `score` as tab systems can hold them: each section on a
    system of its own with `[Nx]` after it (`tab_parse` plays such a system N
    times), the music between sections once. None when a tab cannot hold the
    sections: an ending (a tab has no first and second endings), more passes
    than `MAX_REPEAT`, or a part that starts without a note (a system's leading
    rest takes no time). No sections: []."""
    if not score.sections:
        return []
    onsets = {n.onset for n in score.notes}
    out: list[Span] = []
    now = Fraction(0)
    for sec in sorted(score.sections, key=lambda x: x.start):
        if sec.endings or not 2 <= sec.times <= MAX_REPEAT or sec.start < now:
            return None
        if sec.start > now:
            out.append((now, sec.start, 1))
        out.append((sec.start, sec.end, sec.times))
        now = sec.end
    if now < score.end:
        out.append((now, score.end, 1))
    if any(a not in onsets for a, _, k in out if k > 1 or a > 0):
        return None
    return out


def _events(notes: list[Note], spans: list[Span]) -> list[tuple[Fraction, list[int], Fraction]]:
    """(onset, pitches, time to the next onset or the longest note) per onset; in
    a repeated span, to the span's end at most (its last note lasts to the end)."""
    by_onset: dict[Fraction, list[Note]] = {}
    for n in notes:
        by_onset.setdefault(n.onset, []).append(n)
    times = sorted(by_onset)
    out = []
    for i, t in enumerate(times):
        nxt = times[i + 1] - t if i + 1 < len(times) else max(n.duration for n in by_onset[t])
        stop = next((b for a, b, k in spans if k > 1 and a <= t < b), None)
        if stop is not None:
            nxt = min(nxt, stop - t) if i + 1 < len(times) else stop - t
        out.append((t, sorted({n.pitch for n in by_onset[t]}), nxt))
    return out


def _placed(
    events: list[tuple[Fraction, list[int], Fraction]], strings: Tuning, capo: int, down: int
) -> list[tuple[int, ...]]:
    """Each onset's pitches (less the capo) when all of them fit on distinct
    strings; a chord that does not is refused, naming it (never thinned)."""
    out = []
    for t, ps, _ in events:
        fit = playable([p - capo for p in ps], strings)
        if len(fit) < len(ps):
            chord = " ".join(note_name(p + 12 * down) for p in ps)
            why = (
                f"more notes than the {len(strings)} strings"
                if len(ps) > len(strings)
                else "notes that cannot all sit on different strings"
            )
            raise NotegenError(
                f"the chord [{chord}] at beat {float(t):g} has {why} of "
                f"{' '.join(note_name(p + capo) for p in strings)}; a tab cannot hold it "
                "(leave notes out, choose another tuning, or write another notation)"
            )
        out.append(fit)
    return out


def _gcd(values: list[Fraction]) -> Fraction:
    den = math.lcm(*(v.denominator for v in values))
    return Fraction(math.gcd(*(int(v * den) for v in values)), den)


def _columns(iois: list[Fraction], widths: list[int]) -> tuple[Fraction, list[int]]:
    """Beats per column and columns per onset: every onset gets room for its
    fret digits and one filler, the time between onsets exactly when that fits."""
    unit = _gcd(iois)
    scale = max(math.ceil(Fraction(w + 1) / (d / unit)) for d, w in zip(iois, widths, strict=True))
    unit /= scale
    cols = [int(d / unit) for d in iois]
    if max(cols) > MAX_CELL:  # e.g. a triplet next to a long note: approximate
        unit = min(iois) / (max(widths) + 1)
        pairs = zip(iois, widths, strict=True)
        cols = [max(w + 1, min(MAX_CELL, round(d / unit))) for d, w in pairs]
    return unit, cols


def _labels(strings: Tuning) -> list[str]:
    """Labels from the top (highest) line down, padded to one width."""
    names = [pc_name(p) for p in strings]
    if names[-1] in names[:-1]:
        names[-1] = names[-1].lower()
    width = max(len(n) for n in names)
    return [n.ljust(width) for n in reversed(names)]


def _cell(f: Fingering, nstrings: int, cols: int) -> list[str]:
    """One onset's columns for each line, top line first."""
    at = dict(f)
    out = []
    for string in reversed(range(nstrings)):
        fret = str(at[string]) if string in at else ""
        out.append(fret + "-" * (cols - len(fret)))
    return out


def _layout(measures: list[list[list[str]]], nlines: int, room: int) -> list[list[str]]:
    """Systems (one string per line) packed to `room` columns, broken between
    measures when a measure fits on a fresh system, else between onsets."""
    systems: list[list[str]] = []
    rows = [""] * nlines
    for m in measures:
        if rows[0] and len(rows[0]) + sum(len(c[0]) for c in m) > room:
            systems.append(rows)
            rows = [""] * nlines
        for cell in m:
            if rows[0] and len(rows[0]) + len(cell[0]) > room:
                systems.append(rows)
                rows = [""] * nlines
            rows = [r + c for r, c in zip(rows, cell, strict=True)]
        rows = [r + "|" for r in rows]
    if rows[0]:
        systems.append(rows)
    return systems


def _beats(x: Fraction) -> str:
    word = "beat" if x <= 1 else "beats"
    return f"{x} {word} per column"


def _systems(
    events: list[tuple[Fraction, list[int], Fraction]], cells: list[list[str]],
    spans: list[Span], bar: Fraction, room: int,
) -> list[tuple[list[str], int]]:
    """The systems (rows, times played) of the cells: a repeated span on one
    system of its own, whatever its width; other music packed to `room`."""
    starts = {a: k for a, _, k in spans}
    groups: list[tuple[list[list[list[str]]], int]] = [([[]], starts.get(events[0][0], 1))]
    for i, cell in enumerate(cells):
        groups[-1][0][-1].append(cell)
        nxt = events[i + 1][0] if i + 1 < len(events) else None
        if nxt is not None and nxt in starts:
            groups.append(([[]], starts[nxt]))
        elif nxt is not None and nxt % bar == 0:
            groups[-1][0].append([])
    out: list[tuple[list[str], int]] = []
    nlines = len(cells[0])
    for measures, times in groups:
        wide = room if times == 1 else sum(len(c[0]) + 1 for m in measures for c in m)
        out += [(rows, times) for rows in _layout(measures, nlines, wide)]
    return out


def _header(strings: Tuning, capo: int, score: Score, down: int) -> list[str]:
    header = [f"tuning: {' '.join(note_name(p) for p in strings)}"]
    if capo:
        header.append(f"capo: {capo}")
    if score.tempos:
        header.append(f"tempo: {score.bpm:g}")
    if down:
        header.append(TRANSPOSED.format(down=down, s="s" if down > 1 else ""))
    return header


def format(
    score: Score,
    *,
    tuning: str | None = None,
    track: int | None = None,
    channel: int | None = None,
    width: int = DEFAULT_WIDTH,
    capo: int = 0,
    exact_pitch: bool = False,
) -> str:
    """The score's chosen voice as tab text (see the module docstring)."""
    if not 0 <= capo <= MAX_FRET:
        raise NotegenError(f"capo must be in range 0..{MAX_FRET}, got {capo}")
    voice = score.one_voice(track, channel)
    spans = repeat_spans(voice)
    if spans is None:  # what a tab cannot repeat is written as it is played
        voice, spans = voice.played_out(), []
    notes = voice.notes
    if len(notes) > TAB_WRITE_NOTES:
        raise NotegenError(
            f"{len(notes)} notes is more than notegen writes as tab ({TAB_WRITE_NOTES}); "
            "write MIDI or a note string, or split the music"
        )
    down = 0 if exact_pitch else octaves_down([n.pitch for n in notes], capo, tuning)
    notes = [replace(n, pitch=n.pitch - 12 * down) for n in notes]
    events = _events(notes, spans)
    strings = instrument([p for _, ps, _ in events for p in ps], capo, tuning)
    chords = _placed(events, strings, capo, down)
    fingers = fingering(chords, strings)
    header = _header(strings, capo, score, down)
    labels = _labels(strings)
    if not events:
        return "\n".join([*header, "", *(f"{lab}|--------|" for lab in labels)]) + "\n"
    iois = [d for _, _, d in events]
    widths = [max(len(str(fret)) for _, fret in f) if f else 1 for f in fingers]
    unit, cols = _columns(iois, widths)
    _check_length(events, cols, unit, spans)
    header.append(f"rhythm: {_beats(unit)}")
    meter = score.meter
    bar = Fraction(4 * meter.numerator, meter.denominator) if meter else Fraction(4)
    cells = [_cell(f, len(strings), c) for f, c in zip(fingers, cols, strict=True)]
    room = max(8, width - len(labels[0]) - 3)
    out = [*header]
    for rows, times in _systems(events, cells, spans, bar, room):
        out.append("")
        lines = [f"{lab}|-{row.rstrip('|')}|" for lab, row in zip(labels, rows, strict=True)]
        if times > 1:
            lines[0] += f"  [{times}x]"
        out.extend(lines)
    text = "\n".join(out) + "\n"
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise NotegenError(
            f"the tab would be {size_text(len(text.encode('utf-8')))}, more than notegen reads as "
            f"tab ({size_text(MAX_TEXT_BYTES)}); split the music"
        )
    return text


def _check_length(
    events: list[tuple[Fraction, list[int], Fraction]], cols: list[int], unit: Fraction, spans: list[Span],
) -> None:
    """Refuse a tab `parse` would read back as longer than `MAX_BEATS` (the
    spacing may be approximated; repeated systems count each pass)."""
    times = [next((k for a, b, k in spans if a <= t < b), 1) for t, _, _ in events]
    beats = sum(c * k for c, k in zip(cols, times, strict=True)) * unit
    if beats > MAX_BEATS:
        raise NotegenError(
            f"this tab would read back as {float(beats):.0f} beats, more than notegen "
            f"reads as tab ({MAX_BEATS}); split the music"
        )
