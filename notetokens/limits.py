"""The documented limits on what notegen reads and writes (README, "Limits").

Every reader checks what it can as early as it can (a file's size before it is
read, a note string's durations and meter as they are read, an ABC tune's
voices and meters before music21 sees them) and every reader and writer checks
the finished Score with `check_score`, so a hostile or mistaken input fails in
well under a second with one line instead of running for minutes or filling
the memory. What goes through music21 (MusicXML read and written) or the tab
fingering search has lower caps of its own, and the ABC, tab and MusicXML
writers refuse music their own reader would refuse, so notegen does not write a
file of those notations that it cannot read back.
"""

from __future__ import annotations

import itertools
import math
import os
from fractions import Fraction
from pathlib import Path

from .errors import NotegenError, ParseError
from .score import Score

KB = 1024
MB = 1024 * KB

MAX_TEXT_BYTES = 1 * MB  # a note-string, tab or ABC file read as music
# MusicXML: what music21 reads within seconds; .mxl: the archive and the document in it
MAX_BINARY_BYTES = {"midi": 4 * MB, "musicxml": 4 * MB, "mxl": 4 * MB}
MAX_NOTES = 100_000  # notes in one score, chords counting each note
MAX_BEATS = 16_384  # length of a score in quarter-note beats (4,096 bars of 4/4)
MAX_NOTE_BEATS = 1_024  # one note, rest or chord (256 bars of 4/4)
MIN_NOTE_BEATS = Fraction(1, 1024)  # the shortest duration a note string may write
MAX_PARTS = 64  # parts of a score: ABC voices, MIDI (track, channel) pairs, MusicXML parts
MAX_METER_NUMERATOR = 64  # beats in a bar
METER_DENOMINATORS = (1, 2, 4, 8, 16, 32, 64)  # note values a meter may count in
MAX_DIGITS = 9  # in one number of a note string (a duration, a meter)
MAX_MIDI_EVENTS = 500_000  # events of a MIDI file, all tracks together (notes count two)
# tempos an ABC tune may name (quarter notes per minute): a MIDI tempo is at most
# 0xFFFFFF microseconds a beat, and a note string reads a tempo below 10,000
MIN_BPM = 60_000_000 / 0xFFFFFF  # 3.58
MAX_BPM = 9_999

# music21 builds a part's measures, and lays notation out, in time that grows
# faster than the music (about the square of the measures), so what goes
# through it has lower caps, checked before it starts:
MUSICXML_READ_NOTES = 10_000  # <note> elements (rests and chord notes count)
MUSICXML_READ_MEASURES = 2_000  # <measure> elements, all parts together
MUSICXML_WRITE_NOTES = 3_000  # notes, chords counting each note
MUSICXML_WRITE_MEASURES = 1_000  # bars of the score times its parts
TAB_WRITE_NOTES = 10_000  # the fingering search costs a few hundred steps a note
M21_DENOMINATOR = 65_535  # music21 keeps a time (in beats) exactly up to this denominator


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
            f"{path}: {size_text(size)} is more than notegen reads as {notation} "
            f"({size_text(limit)}); "
            "split the file into tunes"
        )


def clean_name(text: str) -> str:
    """`text` (a title, a part name) without control characters: a NUL or a
    line break in a name would make a text notation that does not read back."""
    return "".join(" " if ch in "\t\n\r" else ch for ch in text
                   if ch in "\t\n\r" or (ord(ch) >= 32 and not 0x7F <= ord(ch) < 0xA0))


def name_problem(score: Score) -> str | None:
    """Why the title or a part name cannot be written (a control character), or None."""
    for what, text in [("the title", score.title or ""), *(
            (f"the name of part {i}", p.name) for i, p in enumerate(score.parts))]:
        if clean_name(text) != text.replace("\t", " "):
            bad = next(ch for ch in text if clean_name(ch) != ch.replace("\t", " "))
            return f"{what} holds the control character U+{ord(bad):04X}; take it out"
    return None


def size_text(n: int) -> str:
    """A byte count for a message: '1.2 MB', '300 KB', '12 bytes'."""
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


def tempo_problem(bpm: float) -> str | None:
    """Why a tempo of `bpm` quarter notes per minute is refused, or None."""
    if MIN_BPM <= bpm <= MAX_BPM:
        return None
    return (f"a tempo of {bpm:.6g} quarter notes per minute is outside the "
            f"{MIN_BPM:.2f} to {MAX_BPM} that notegen reads and writes")


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
    problem = score_problem(score) or name_problem(score)
    for ts in score.time_signatures:
        d = ts.denominator
        if problem is None and not (1 <= ts.numerator <= 255 and 1 <= d <= 128 and d & (d - 1) == 0):
            problem = f"meter {ts} at beat {_beats(ts.onset)} is not a meter a file can hold"
    if problem:
        raise NotegenError(f"cannot write this music: {problem}")


def bars(score: Score) -> int:
    """How many bars the score spans by its meters (4/4 before the first): the
    measures music21 makes of each part."""
    end = score.end
    count, start, length = 0, Fraction(0), Fraction(4)
    for ts in sorted(score.time_signatures, key=lambda ts: ts.onset):
        if ts.onset >= end:
            break
        if ts.onset > start:
            count += math.ceil((ts.onset - start) / length)
            start = ts.onset
        if ts.numerator >= 1 and ts.denominator >= 1:
            length = Fraction(4 * ts.numerator, ts.denominator)
    if end > start:
        count += math.ceil((end - start) / length)
    return count


def bar_starts(score: Score) -> list[Fraction]:
    """The onset of every bar up to the score's end, by its meters (4/4 before
    the first); call it after `bars` is known to be small."""
    end = score.end
    starts: list[Fraction] = []
    t, length = Fraction(0), Fraction(4)
    for ts in [*sorted(score.time_signatures, key=lambda ts: ts.onset), None]:
        stop = end if ts is None else min(ts.onset, end)
        while t < stop:
            starts.append(t)
            t += length
        if ts is None or ts.onset >= end:
            break
        t = max(t, ts.onset)
        if ts.numerator >= 1 and ts.denominator >= 1:
            length = Fraction(4 * ts.numerator, ts.denominator)
    return starts


def note_values(length: Fraction) -> int:
    """About how many tied note values notation needs for one length: each run
    of ones in the binary numerator takes a value with a dot per two ones (3/2
    beat is a dotted quarter, 5/4 a quarter tied to a sixteenth, 15/8 a dotted
    quarter tied to a dotted sixteenth); music21 writes a few more at most."""
    n, count = length.numerator, 0
    while n:
        while not n & 1:
            n >>= 1
        run = 0
        while n & 1:
            run, n = run + 1, n >> 1
        count += -(-run // 2)
    return count


def notated(score: Score) -> int:
    """About how many notes, chords and rests a score becomes in notation: each
    part is one line of notation (music21 writes overlapping notes as chords),
    cut wherever a note starts or ends and at every bar line, each piece written
    as `note_values` tied values. What music21's layout time grows with."""
    end = score.end
    bars = bar_starts(score)
    count = 0
    for part in score.parts:
        cuts = {Fraction(0), end, *bars}
        for n in part.notes:
            cuts.add(n.onset)
            cuts.add(n.end)
        times = sorted(cuts)
        count += sum(note_values(b - a) for a, b in itertools.pairwise(times))
    return count


def check_music21_write(score: Score, notation: str) -> None:
    """Refuse, before music21 starts, a score past what notegen writes through it
    in a few seconds (`MUSICXML_WRITE_NOTES`, `MUSICXML_WRITE_MEASURES`)."""
    count = sum(len(p.notes) for p in score.parts)
    if count > MUSICXML_WRITE_NOTES:
        raise NotegenError(
            f"{count} notes is more than notegen writes as {notation} ({MUSICXML_WRITE_NOTES}); "
            "write MIDI or a note string, or split the music"
        )
    measures = bars(score) * max(1, len(score.parts))
    if measures > MUSICXML_WRITE_MEASURES:
        raise NotegenError(
            f"{measures} measures (bars times parts) is more than notegen writes as {notation} "
            f"({MUSICXML_WRITE_MEASURES}); write MIDI or a note string, or split the music"
        )
    pieces = notated(score)
    if pieces > MUSICXML_WRITE_NOTES:
        raise NotegenError(
            f"{pieces} notes and rests as notated (split at bar lines and into tied values) is "
            f"more than notegen writes as {notation} ({MUSICXML_WRITE_NOTES}); "
            "write MIDI or a note string, or split the music"
        )


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
    for event in [*score.tempos, *score.time_signatures]:
        if event.onset > MAX_BEATS:
            return (f"a tempo or meter at beat {_beats(event.onset)} is past beat {MAX_BEATS}, "
                    "the limit (4,096 bars of 4/4)")
    return None
