"""Standard MIDI Files through mido.

Reading (`notetokens.midi_read`, event by event within the limits): type 0, 1
and 2 files (type 2 tracks play one after another), running status, tempo
maps, meters, key, track names (UTF-8 or Latin-1), programs; channel 9 is
drums. A part is one (track, channel) pair that plays notes or sets a program. Notes pair
note-on with note-off first in, first out per channel and pitch; a note-on with
velocity 0 is a note-off; a note never closed ends with its track; a note that
closes at the tick it starts lasts one tick (a `Note` has a positive duration).

Writing: a type 1 file with a conductor track (title, meters, key, tempo map)
and one track per part. The resolution is chosen so every onset and duration
is exact when that fits MIDI's 15 bits; otherwise times are rounded to ticks of
480 per beat (see `format`). Names are written as UTF-8.

Lost on the way through a Score: controllers, pitch bend, lyrics and text, later
program changes of a part, key changes after the first, note-off velocities.
"""

from __future__ import annotations

import io
import math
from fractions import Fraction
from typing import Any

from .errors import NotegenError, ParseError
from .keysig import parse_key
from .limits import check_read, check_write, clean_name
from .midi_read import read
from .score import DRUM_CHANNEL, Part, Score

DEFAULT_TICKS_PER_BEAT = 480
MAX_TICKS_PER_BEAT = 0x7FFF  # the top bit of the division word means SMPTE time
MAX_TEMPO_MICROS = 0xFFFFFF  # a set_tempo event holds microseconds a beat in 3 bytes


def parse(data: bytes) -> Score:
    """A Score from the bytes of a Standard MIDI File; anything else is a `ParseError`."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ParseError(f"MIDI data must be bytes, not {type(data).__name__}")
    score = read(bytes(data))
    check_read(score)
    return score


# -- writing ----------------------------------------------------------------


def format(score: Score, *, ticks_per_beat: int | None = None) -> bytes:
    """The bytes of a type 1 Standard MIDI File.

    `ticks_per_beat=None` picks the resolution: 480 when every time falls on a
    480th of a beat, else the smallest resolution that holds every time exactly
    (a file read at 1024 ticks per beat is written at 1024), and 480 with times
    rounded to the nearest tick when no resolution up to 32767 is exact; then a
    note shorter than one tick is an error (it would vanish or join the next note
    as a chord). A given `ticks_per_beat` rounds onsets and durations to its
    ticks; a note never shrinks below one tick. Meters past `limits` (7/7, 0/4)
    are an error, not dropped; so is a tempo MIDI cannot hold (below 3.58 BPM),
    not clamped. Repeats are played out (MIDI has no repeat marks).
    """
    import mido

    score = score.played_out()
    check_write(score)
    tpb = ticks_per_beat or _resolution(score)
    if not 0 < tpb <= MAX_TICKS_PER_BEAT:
        raise NotegenError(f"ticks per beat must be in 1..{MAX_TICKS_PER_BEAT}, got {tpb}")
    if ticks_per_beat is None:
        _check_ticks(score, tpb)

    def tick(t: Fraction) -> int:
        return max(0, math.floor(t * tpb + Fraction(1, 2)))

    conductor: list[tuple[int, int, Any]] = []
    if score.title and _name(score.title):
        conductor.append((0, 0, mido.MetaMessage("track_name", name=_name(score.title))))
    for ts in score.time_signatures:  # check_write let only MIDI's meters through
        meta = mido.MetaMessage("time_signature", numerator=ts.numerator, denominator=ts.denominator)
        conductor.append((tick(ts.onset), 1, meta))
    midi_key = _mido_key(score.key)
    if midi_key:
        conductor.append((0, 2, mido.MetaMessage("key_signature", key=midi_key)))
    for t in score.tempos:
        if not t.bpm > 0:
            raise NotegenError(f"tempo {t.bpm} BPM at beat {t.onset} is not positive")
        micros = round(60_000_000 / t.bpm)
        if not 1 <= micros <= MAX_TEMPO_MICROS:
            raise NotegenError(_tempo_problem(t.bpm, t.onset))
        conductor.append((tick(t.onset), 3, mido.MetaMessage("set_tempo", tempo=micros)))
    out = mido.MidiFile(type=1, ticks_per_beat=tpb)
    out.tracks.append(_track(conductor))
    for i, part in enumerate(score.parts):
        out.tracks.append(_track(_part_events(i, part, tick)))
    buf = io.BytesIO()
    out.save(file=buf)
    return buf.getvalue()


def _tempo_problem(bpm: float, onset: Fraction) -> str:
    """Why MIDI cannot hold a tempo (it would otherwise be clamped in silence)."""
    slowest = math.ceil(60_000_000 / MAX_TEMPO_MICROS * 100) / 100
    limit = f"slower than MIDI's slowest, {slowest} BPM" if bpm < slowest else (
        "faster than MIDI's fastest, 60,000,000 BPM")
    return f"cannot write MIDI: the tempo of {bpm:g} BPM at beat {float(onset):g} is {limit}"


def _check_ticks(score: Score, tpb: int) -> None:
    """Refuse a note shorter than a tick: rounded to ticks it would vanish or
    sound with the next note as a chord."""
    for part in score.parts:
        for n in part.notes:
            if n.duration * tpb < 1:
                raise NotegenError(
                    f"cannot write MIDI: the note at beat {float(n.onset):g} lasts "
                    f"{n.duration} beat, less than one tick (1/{tpb} beat)"
                )


def _resolution(score: Score) -> int:
    times = [n.onset for p in score.parts for n in p.notes]
    times += [n.duration for p in score.parts for n in p.notes]
    times += [t.onset for t in score.tempos] + [ts.onset for ts in score.time_signatures]
    denom = 1
    for t in times:
        denom = math.lcm(denom, Fraction(t).denominator)
        if denom > MAX_TICKS_PER_BEAT:
            return DEFAULT_TICKS_PER_BEAT
    if DEFAULT_TICKS_PER_BEAT % denom == 0:
        return DEFAULT_TICKS_PER_BEAT
    # the finest multiple of the exact resolution that stays under the limit
    return denom * max(1, min(DEFAULT_TICKS_PER_BEAT, MAX_TICKS_PER_BEAT) // denom)


# Order of events at one tick: metas and program changes, then note-offs, then
# note-ons, each group in its own sequence.
_OFF = 1 << 40
_ON = 2 << 40


def _part_events(index: int, part: Part, tick: Any) -> list[tuple[int, int, Any]]:
    import mido

    channel = DRUM_CHANNEL if part.is_drum else part.channel
    if not 0 <= channel <= 15:
        raise NotegenError(f"part {index}: channel {channel} is not a MIDI channel (0..15)")
    if not 0 <= part.program <= 127:
        raise NotegenError(f"part {index}: program {part.program} is not in 0..127")
    events: list[tuple[int, int, Any]] = []
    if part.name and _name(part.name):
        events.append((0, -2, mido.MetaMessage("track_name", name=_name(part.name))))
    events.append((0, -1, mido.Message("program_change", channel=channel, program=part.program)))
    spans = []
    for n in part.notes:
        if not 0 <= n.pitch <= 127:
            raise NotegenError(f"part {index}: pitch {n.pitch} at beat {n.onset} is not in 0..127")
        on = tick(n.onset)
        spans.append((on, max(tick(n.onset + n.duration), on + 1), n.pitch, n.velocity))
    # Reading pairs offs with ons first in, first out, so offs of one pitch must
    # come in the order of their ons; sorting by (on, off) and keeping that index
    # for ties does it. Offs go before ons at the same tick.
    spans.sort()
    for seq, (on, off, pitch, vel) in enumerate(spans):
        vel = min(max(vel, 1), 127)
        events.append((on, _ON + seq, mido.Message("note_on", channel=channel, note=pitch,
                                                   velocity=vel)))
        events.append((off, _OFF + seq, mido.Message("note_off", channel=channel, note=pitch,
                                                     velocity=0)))
    return events


def _name(text: str) -> str:
    """A name as mido writes it (one Latin-1 character a byte) holding its UTF-8
    bytes, without control characters; `midi_read` reads UTF-8 names back."""
    return clean_name(text).strip().encode("utf-8").decode("latin-1")


def _track(events: list[tuple[int, int, Any]]) -> Any:
    """A mido track from (absolute tick, order, message) triples."""
    import mido

    track = mido.MidiTrack()
    now = 0
    for at, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=at - now))
        now = at
    return track


def _mido_key(name: str | None) -> str | None:
    """The mido key name for a Score key: modes become the major or minor key
    with the same signature (D dorian is written as C major)."""
    key = parse_key(name)
    if key is None or not -7 <= key.sharps <= 7:
        return None
    from mido.midifiles.meta import _key_signature_decode

    return _key_signature_decode[(key.sharps, 1 if key.mode == "min" else 0)]


# -- model text -------------------------------------------------------------


MODEL_GRID = Fraction(1, 12)  # a beat in twelfths holds sixteenths and triplets


def to_model_text(score: Score) -> str:
    """MIDI reads as the note-string model text of its melody, with times rounded
    to twelfths of a beat: played MIDI has durations like 239/480 that would
    make noisy text (and that the note-string grammar does not accept)."""
    from . import notes

    return notes.to_model_text(quantize(score.one_voice(top_line=True)))


def quantize(score: Score, grid: Fraction = MODEL_GRID) -> Score:
    """`score` with onsets and ends rounded to `grid`; a note keeps at least one
    grid step, and notes of a part that now overlap are cut (a skyline)."""
    from dataclasses import replace

    from .score import skyline

    def snap(t: Fraction) -> Fraction:
        return math.floor(t / grid + Fraction(1, 2)) * grid

    parts = []
    for part in score.parts:
        snapped = [
            replace(n, onset=snap(n.onset), duration=max(snap(n.end) - snap(n.onset), grid))
            for n in part.notes
        ]
        parts.append(replace(part, notes=skyline(snapped) if len(score.parts) == 1 else snapped))
    tempos = [replace(t, onset=snap(t.onset)) for t in score.tempos]
    meters = [replace(m, onset=snap(m.onset)) for m in score.time_signatures]
    return replace(score, parts=parts, tempos=tempos, time_signatures=meters)
