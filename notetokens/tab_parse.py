"""Parsing ASCII tab as posted on the web into a Score.

Rhythm rule (a tab has no exact rhythm). Within a system, every column where a
fret starts is an onset; columns where every line has a bar line `|` take no
time, and so does one column of filler right after a bar line (`2-|-4` is as
long as `2-4`); filler before the first onset is ignored. A note lasts until the next
onset (any string), so its length is the distance in columns to that onset.
The last onset of a system lasts to the end of the system.

- Without a `rhythm:` line, the most common distance in the whole tab (ties go
  to the shorter) is an eighth note, and every distance `d` becomes
  `d / typical` eighths, rounded to the nearest 1/8 beat (at least 1/8 beat).
  So `3-3-3-` and `3--3--3--` are both even eighths, and `3-3---` is an eighth
  then a quarter. A system's last note lasts at least the typical distance.
- A `rhythm: 1/4 beat per column` line (which `format` writes) makes each column
  that many beats exactly, so tabs written by notegen read back exactly.

Systems follow each other in time; a repeat mark (`[2x]`, `x2`) after a
system's line, or on the line right after it, plays the system that many times.

Tuning: the `tuning` option, else a `tuning:` line, else the string labels,
matched against the instruments with that many strings
(`tab_tuning.instrument_for_labels`): 5 lines `e B G D A` are a guitar's top
five strings, `G D A E B` a 5-string bass, 6 lines `C G D A E B` a 6-string
bass; labels that fit no instrument (a tab drawn upside down, low E on top) are
an error at the system's first line. Unlabelled systems are a guitar (6 lines)
or a bass (4 or 5). A block of any other number of lines is an error, unless
its labels repeat a 4-, 5- or 6-string system's (systems stacked with no blank
line between); a space or tab inside a string line is an error at its column.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from . import tab_lines as tl
from .errors import ParseError
from .limits import MAX_BEATS, MAX_NOTES, check_read
from .score import Note, Part, Score, Tempo
from .tab_tuning import STANDARD, Tuning, instrument_for_labels, note_name, resolve_or_raise

EIGHTH = Fraction(1, 2)
MAX_REPEAT = 32
GUITAR_PROGRAM = 25  # General MIDI acoustic guitar (steel), 0-based
BASS_PROGRAM = 33  # General MIDI electric bass (finger), 0-based
# General MIDI has no ukulele or mandolin: the nylon and steel guitars stand in
BASS_BELOW = 30  # a 6-string system whose lowest string is below F#1 is a bass
PROGRAMS = {"guitar": GUITAR_PROGRAM, "bass": BASS_PROGRAM, "ukulele": 24, "mandolin": GUITAR_PROGRAM}


@dataclass
class _System:
    lines: list[tl.TabLine]  # top (highest string) first
    repeat: int = 1

    @property
    def first(self) -> int:
        return self.lines[0].number


@dataclass(frozen=True)
class _Onset:
    pos: int  # timed column (bar columns removed) within the system
    frets: tuple[tuple[int, int, int, int], ...]  # (string low-first, fret, line, col)


def _split_block(rows: list[list[tl.TabLine]]) -> list[_System]:
    """The systems of a block of consecutive tab lines, in time order: staves
    side by side on the same lines are read left to right, and several systems
    stacked in one block are split only where every line's label repeats them
    (`e B G D A E e B G D A E`); any other count of lines is an error."""
    n = len(rows)
    counts = Counter(len(row) for row in rows)
    width = max(counts, key=lambda k: (counts[k], -k))
    for row in rows:
        if len(row) != width:
            raise ParseError(
                f"this line holds {len(row)} staves side by side, the other lines of its "
                f"system hold {width}; the lines of one system must hold the same number",
                line=row[0].number,
                col=1,
            )
    if n in STANDARD:
        groups = [rows]
    elif n < 4 and not any(ln.label for r in rows for ln in r) and not any(
        ch.isdigit() for r in rows for ln in r for ch in ln.body
    ):
        return []  # a ruler or underline of dashes, not a system
    else:
        size = _stacked(rows)
        if size is None:
            raise ParseError(
                f"found {n} tab line{'s' if n > 1 else ''} together; notegen reads systems of "
                f"4, 5 or 6 strings (it knows no {n}-string tuning): separate stacked systems "
                "by a blank line",
                line=rows[0][0].number,
                col=1,
            )
        groups = [rows[i : i + size] for i in range(0, n, size)]
    return [_System([r[j] for r in g]) for g in groups for j in range(width)]


def _stacked(rows: list[list[tl.TabLine]]) -> int | None:
    """The string count of systems stacked in one block with nothing between,
    when every line is labelled and the labels repeat with that period."""
    labels = [row[0].label.lower() if row[0].label else None for row in rows]
    if None in labels:
        return None
    for size in STANDARD:
        if len(rows) > size and len(rows) % size == 0 and all(
            lab == labels[i % size] for i, lab in enumerate(labels)
        ):
            return size
    return None


def _check_ragged(system: _System) -> None:
    ref = system.lines[0]
    for ln in system.lines[1:]:
        if len(ln.body) != len(ref.body):
            short = min(len(ln.body), len(ref.body))
            raise ParseError(
                f"tab line is {len(ln.body)} columns long but line {ref.number} is "
                f"{len(ref.body)}; the lines of one system must have the same length",
                line=ln.number,
                col=ln.start + short + 1,
            )


def _onsets(system: _System) -> tuple[list[_Onset], int]:
    """Onsets in time order and the system's length in timed columns."""
    width = len(system.lines[0].body)
    bar = [all(ln.body[c] == "|" for ln in system.lines) for c in range(width)]
    # the filler right after a bar line pads it, as '|-' does at a system's start
    pad = [c > 0 and bar[c - 1] and all(ln.body[c] == "-" for ln in system.lines) for c in range(width)]
    timed = []  # timed[c] = timed columns before column c
    count = 0
    for c in range(width):
        timed.append(count)
        count += not (bar[c] or pad[c])
    at: dict[int, list[tuple[int, int, int, int]]] = {}
    nlines = len(system.lines)
    for row, ln in enumerate(system.lines):
        string = nlines - 1 - row
        for col, fret in tl.frets(ln):
            at.setdefault(timed[col], []).append((string, fret, ln.number, ln.start + col + 1))
    return [_Onset(p, tuple(at[p])) for p in sorted(at)], count


def _gaps(onsets: list[_Onset], length: int) -> list[int]:
    return [b.pos - a.pos for a, b in itertools.pairwise(onsets)] + (
        [length - onsets[-1].pos] if onsets else []
    )


def _typical(systems: list[tuple[list[_Onset], int]]) -> int:
    inner = Counter(g for o, n in systems for g in _gaps(o, n)[:-1])
    if not inner:
        inner = Counter(g for o, n in systems for g in _gaps(o, n)[-1:])
    return min(inner, key=lambda g: (-inner[g], g)) if inner else 1


def _duration(gap: int, typical: int, per_column: Fraction | None) -> Fraction:
    if per_column is not None:
        return gap * per_column
    return Fraction(max(1, round(Fraction(4 * gap, typical))), 8)


@dataclass
class _Directives:
    capo: int = 0
    tuning: tuple[str, int, int] | None = None  # spec, line, col
    per_column: Fraction | None = None
    bpm: float | None = None
    octaves_up: int = 0  # a 'transposed: down N octaves' line: read back N octaves up


def _directive(d: _Directives, number: int, text: str) -> bool:
    """Record a directive line; False if `text` is not one."""
    if (c := tl.capo(text)) is not None:
        if c > tl.MAX_FRET:
            raise ParseError(f"capo {c} is past fret {tl.MAX_FRET}", line=number, col=1)
        d.capo = d.capo or c
    elif (spec := tl.tuning_spec(text)) is not None:
        if d.tuning is None:
            d.tuning = (spec[0], number, spec[1] + 1)
    elif (r := tl.rhythm(text)) is not None:
        if r <= 0:
            raise ParseError("a rhythm line needs a positive beat value", line=number, col=1)
        d.per_column = r
    elif (down := tl.transposed(text)) is not None:
        d.octaves_up = down
    elif (bpm := tl.tempo(text)) is not None:
        if not 1 <= bpm <= 1000:
            raise ParseError(f"tempo {bpm:g} is outside 1..1000 BPM", line=number, col=1)
        d.bpm = bpm
    else:
        return False
    return True


def _scan(text: str) -> tuple[list[_System], _Directives, int | None]:
    """Systems, directives, and the first chord-name line (for the error when
    there is no tab at all)."""
    d = _Directives()
    systems: list[_System] = []
    block: list[list[tl.TabLine]] = []
    chord_line = None
    for number, raw in enumerate(text.split("\n"), start=1):
        row = tl.staves(number, raw)
        if row is not None:
            block.append(row)
            continue
        if (gap := tl.inner_gap(number, raw)) is not None:
            what = "tab character" if raw[gap] == "\t" else "space"
            raise ParseError(
                f"a {what} inside a tab line: a string line holds frets, '-' and '|' "
                "(and technique marks) with no spaces or tabs between them",
                line=number,
                col=gap + 1,
            )
        if tl.looks_like_tab(raw):
            raise ParseError(
                "this looks like a tab line but cannot be read: a tab line holds frets, "
                "'-' and '|' (and technique marks) with no spaces between",
                line=number,
                col=1,
            )
        if block:
            systems.extend(_split_block(block))
            block = []
        if systems and tl.is_repeat_line(raw) and systems[-1].lines[-1].number == number - 1:
            systems[-1].repeat = tl.repeat_count(raw) or 1
        elif not _directive(d, number, raw) and chord_line is None and tl.is_chord_line(raw):
            chord_line = number
    if block:
        systems.extend(_split_block(block))
    return systems, d, chord_line


def _tuning_for(system: _System, d: _Directives, option: str | None) -> tuple[str, Tuning]:
    """The instrument and open pitches of a system: the `tuning` option, else the
    `tuning:` line, else the string labels."""
    n = len(system.lines)
    if option is not None or d.tuning is not None:
        spec, line, col = (option, None, None) if option is not None else d.tuning
        strings = resolve_or_raise(spec, n, line, col)
        # a 6-string bass (B0 up) goes lower than any guitar tuning
        return ("bass" if n < 6 or strings[0] < BASS_BELOW else "guitar"), strings
    try:
        return instrument_for_labels([ln.label for ln in system.lines])
    except ValueError as e:
        raise ParseError(str(e), line=system.first, col=1) from None


def parse(text: str, *, tuning: str | None = None) -> Score:
    """A Score from tab text; see the module docstring for the rhythm rule.
    `tuning` (a name or note names) overrides `tuning:` lines and string labels."""
    if not isinstance(text, str):
        raise ParseError("tab input must be text")
    systems, d, chord_line = _scan(text.replace("\r\n", "\n").replace("\r", "\n"))
    if not systems:
        if chord_line is not None:
            raise ParseError(
                "found chord names but no tab lines (a tab line looks like 'e|--3--0--|')",
                line=chord_line,
                col=1,
            )
        raise ParseError("no tab lines found (a tab line looks like 'e|--3--0--|')", line=1, col=1)
    for s in systems:
        _check_ragged(s)
        for ln in s.lines:
            r = tl.repeat_count(ln.trailing)
            if r is not None:
                if not 1 <= r <= MAX_REPEAT:
                    raise ParseError(
                        f"repeat count {r} is outside 1..{MAX_REPEAT}",
                        line=ln.number,
                        col=ln.start + len(ln.body) + 1,
                    )
                s.repeat = max(s.repeat, r)
        if not 1 <= s.repeat <= MAX_REPEAT:
            raise ParseError(f"repeat count {s.repeat} is outside 1..{MAX_REPEAT}", line=s.first)
    timed = [_onsets(s) for s in systems]
    typical = _typical(timed)
    notes: list[Note] = []
    t = Fraction(0)
    instrument = ""
    for s, (onsets, length) in zip(systems, timed, strict=True):
        name, open_pitch = _tuning_for(s, d, tuning)
        instrument = instrument or name
        gaps = _gaps(onsets, length)
        if d.per_column is None and gaps:
            gaps[-1] = max(gaps[-1], typical)
        for _ in range(s.repeat):
            for onset, gap in zip(onsets, gaps, strict=True):
                dur = _duration(gap, typical, d.per_column)
                for string, fret, line, col in onset.frets:
                    pitch = open_pitch[string] + fret + d.capo + 12 * d.octaves_up
                    if pitch > 127:
                        raise ParseError(
                            f"fret {fret} on the {note_name(open_pitch[string])} string "
                            f"is above the MIDI range",
                            line=line,
                            col=col,
                        )
                    notes.append(Note(t, pitch, dur))
                t += dur
            if len(notes) > MAX_NOTES or t > MAX_BEATS:
                raise ParseError(
                    f"the tab is longer than {MAX_NOTES} notes or {MAX_BEATS} beats (the limit)",
                    line=s.first,
                    col=1,
                )
    part = Part(notes=sorted(set(notes)), name=instrument, program=PROGRAMS[instrument])
    tempos = [Tempo(Fraction(0), d.bpm)] if d.bpm else []
    score = Score(parts=[part], tempos=tempos)
    check_read(score)
    return score
