"""The documented limits on what notegen reads and writes (README, "Limits").

Every reader checks what it can as early as it can (a file's size before it is
read, a note string's durations and meter as they are read, an ABC tune's
voices and meters before music21 sees them) and every reader and writer checks
the finished Score with `check_score`, so a hostile or mistaken input fails in
well under a second with one line instead of running for minutes or filling
the memory.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

from .errors import NotegenError, ParseError
from .score import Score

KB = 1024
MB = 1024 * KB

MAX_TEXT_BYTES = 1 * MB  # a note-string, tab or ABC file read as music
MAX_BINARY_BYTES = {"midi": 4 * MB, "musicxml": 16 * MB}  # .mxl: compressed and unpacked
MAX_NOTES = 100_000  # notes in one score, chords counting each note
MAX_BEATS = 16_384  # length of a score in quarter-note beats (4,096 bars of 4/4)
MAX_NOTE_BEATS = 1_024  # one note, rest or chord (256 bars of 4/4)
MIN_NOTE_BEATS = Fraction(1, 1024)  # the shortest duration a note string may write
MAX_PARTS = 64  # parts of a score: ABC voices, MIDI (track, channel) pairs, MusicXML parts
MAX_METER_NUMERATOR = 64  # beats in a bar
METER_DENOMINATORS = (1, 2, 4, 8, 16, 32, 64)  # note values a meter may count in
MAX_DIGITS = 9  # in one number of a note string (a duration, a meter)


def max_bytes(notation: str, binary: bool) -> int:
    return MAX_BINARY_BYTES.get(notation, MAX_TEXT_BYTES) if binary else MAX_TEXT_BYTES


def check_file_size(path: str | Path, notation: str, binary: bool) -> None:
    """Refuse a file larger than its notation's limit before reading it."""
    try:
        size = os.stat(path).st_size
    except OSError:
        return  # the read that follows says what is wrong
    limit = max_bytes(notation, binary)
    if size > limit:
        raise NotegenError(
            f"{path}: {_size(size)} is more than notegen reads as {notation} ({_size(limit)}); "
            "split the file into tunes"
        )


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n / KB:.0f} KB" if n >= KB else f"{n} bytes"


def meter_problem(numerator: int, denominator: int) -> str | None:
    """Why `numerator/denominator` is not a meter notegen keeps, or None."""
    shown = f"2^{denominator.bit_length() - 1}" if denominator > 2**20 and not denominator & (
        denominator - 1) else str(denominator)
    if denominator not in METER_DENOMINATORS:
        return (
            f"meter {numerator}/{shown}: the lower number must be a note value "
            f"({', '.join(map(str, METER_DENOMINATORS))})"
        )
    if not 1 <= numerator <= MAX_METER_NUMERATOR:
        return f"meter {numerator}/{denominator}: the upper number must be 1..{MAX_METER_NUMERATOR}"
    return None


def duration_problem(beats: Fraction) -> str | None:
    """Why one note-string duration (in beats) is refused, or None."""
    if beats > MAX_NOTE_BEATS:
        return f"a duration of {_beats(beats)} beats is longer than the limit of {MAX_NOTE_BEATS}"
    if beats < MIN_NOTE_BEATS:
        return (
            f"a duration of {_beats(beats)} beat is shorter than the limit of {MIN_NOTE_BEATS} beat"
        )
    return None


def _beats(x: Fraction) -> str:
    return str(x) if x.denominator <= 10_000 and x.numerator < 10**9 else f"{float(x):.3g}"


def check_read(score: Score) -> None:
    """Raise ParseError when a Score just read is past a limit. (Meters are
    checked where they are read: `meter_problem`.)"""
    problem = score_problem(score)
    if problem:
        raise ParseError(problem)


def check_write(score: Score) -> None:
    """Raise NotegenError when a Score to be written is past a limit, or has a
    meter no file can hold (the lower number a note value up to 1/128, the upper
    1..255, MIDI's range; 7/7 or 0/4 are not dropped in silence)."""
    problem = score_problem(score)
    for ts in score.time_signatures:
        d = ts.denominator
        if problem is None and not (1 <= ts.numerator <= 255 and 1 <= d <= 128 and d & (d - 1) == 0):
            problem = f"meter {ts} at beat {_beats(ts.onset)} is not a meter a file can hold"
    if problem:
        raise NotegenError(f"cannot write this music: {problem}")


def score_problem(score: Score) -> str | None:
    """What limit on parts, notes or length `score` is past, or None."""
    if len(score.parts) > MAX_PARTS:
        return f"{len(score.parts)} parts: more than the limit of {MAX_PARTS}"
    count = sum(len(p.notes) for p in score.parts)
    if count > MAX_NOTES:
        return f"{count} notes: more than the limit of {MAX_NOTES}"
    for part in score.parts:
        for n in part.notes:
            if n.duration > MAX_NOTE_BEATS:
                return (
                    f"a note at beat {_beats(n.onset)} lasts {_beats(n.duration)} beats: "
                    f"longer than the limit of {MAX_NOTE_BEATS}"
                )
            if n.end > MAX_BEATS:
                return f"the music lasts past beat {MAX_BEATS}, the limit (4,096 bars of 4/4)"
    return None
