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


def _events(notes: list[Note]) -> list[tuple[Fraction, list[int], Fraction]]:
    """(onset, pitches, time to the next onset or the longest note) per onset."""
    by_onset: dict[Fraction, list[Note]] = {}
    for n in notes:
        by_onset.setdefault(n.onset, []).append(n)
    times = sorted(by_onset)
    out = []
    for i, t in enumerate(times):
        nxt = times[i + 1] - t if i + 1 < len(times) else max(n.duration for n in by_onset[t])
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
    notes = score.one_voice(track, channel).notes
    if len(notes) > TAB_WRITE_NOTES:
        raise NotegenError(
            f"{len(notes)} notes is more than notegen writes as tab ({TAB_WRITE_NOTES}); "
            "write MIDI or a note string, or split the music"
        )
    down = 0 if exact_pitch else octaves_down([n.pitch for n in notes], capo, tuning)
    notes = [replace(n, pitch=n.pitch - 12 * down) for n in notes]
    events = _events(notes)
    strings = instrument([p for _, ps, _ in events for p in ps], capo, tuning)
    chords = _placed(events, strings, capo, down)
    fingers = fingering(chords, strings)
    header = [f"tuning: {' '.join(note_name(p) for p in strings)}"]
    if capo:
        header.append(f"capo: {capo}")
    if score.tempos:
        header.append(f"tempo: {score.bpm:g}")
    if down:
        header.append(TRANSPOSED.format(down=down, s="s" if down > 1 else ""))
    labels = _labels(strings)
    if not events:
        return "\n".join([*header, "", *(f"{lab}|--------|" for lab in labels)]) + "\n"
    iois = [d for _, _, d in events]
    widths = [max(len(str(fret)) for _, fret in f) if f else 1 for f in fingers]
    unit, cols = _columns(iois, widths)
    if sum(cols) * unit > MAX_BEATS:  # the spacing was approximated: what `parse` reads back
        raise NotegenError(
            f"this tab would read back as {float(sum(cols) * unit):.0f} beats, more than notegen "
            f"reads as tab ({MAX_BEATS}); split the music"
        )
    header.append(f"rhythm: {_beats(unit)}")
    meter = score.meter
    bar = Fraction(4 * meter.numerator, meter.denominator) if meter else Fraction(4)
    # measures: lists of cells, a bar line between consecutive measures
    measures: list[list[list[str]]] = [[]]
    for i, (f, c) in enumerate(zip(fingers, cols, strict=True)):
        measures[-1].append(_cell(f, len(strings), c))
        nxt = events[i + 1][0] if i + 1 < len(events) else None
        if nxt is not None and nxt % bar == 0:
            measures.append([])
    room = max(8, width - len(labels[0]) - 3)
    out = [*header]
    for rows in _layout(measures, len(strings), room):
        out.append("")
        out.extend(f"{lab}|-{row.rstrip('|')}|" for lab, row in zip(labels, rows, strict=True))
    text = "\n".join(out) + "\n"
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise NotegenError(
            f"the tab would be {size_text(len(text.encode('utf-8')))}, more than notegen reads as "
            f"tab ({size_text(MAX_TEXT_BYTES)}); split the music"
        )
    return text
