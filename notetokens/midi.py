"""Standard MIDI Files through mido.

Reading: type 0, 1 and 2 files (type 2 tracks play one after another), running
status, tempo maps, meters, key, track names, programs; channel 9 is drums. A
part is one (track, channel) pair that plays notes or sets a program. Notes pair
note-on with note-off first in, first out per channel and pitch; a note-on with
velocity 0 is a note-off; a note never closed ends with its track; a note that
closes at the tick it starts lasts one tick (a `Note` has a positive duration).

Writing: a type 1 file with a conductor track (title, meters, key, tempo map)
and one track per part. The resolution is chosen so every onset and duration
is exact when that fits MIDI's 15 bits; otherwise times are rounded to ticks of
480 per beat (see `format`).

Lost on the way through a Score: controllers, pitch bend, lyrics and text, later
program changes of a part, key changes after the first, note-off velocities.
"""

from __future__ import annotations

import io
import math
import struct
from collections import defaultdict, deque
from fractions import Fraction
from typing import Any

from .errors import NotegenError, ParseError
from .keysig import parse_key
from .limits import MAX_NOTES, MAX_PARTS, check_read, check_write, meter_problem
from .score import DRUM_CHANNEL, Note, Part, Score, Tempo, TimeSignature

DEFAULT_TICKS_PER_BEAT = 480
MAX_TICKS_PER_BEAT = 0x7FFF  # the top bit of the division word means SMPTE time


def parse(data: bytes) -> Score:
    """A Score from the bytes of a Standard MIDI File; anything else is a `ParseError`."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ParseError(f"MIDI data must be bytes, not {type(data).__name__}")
    fmt, tpb, tracks = _read(bytes(data))
    score = _to_score(fmt, tpb, tracks)
    check_read(score)
    return score


# -- reading ----------------------------------------------------------------


def _read(data: bytes) -> tuple[int, int, list[Any]]:
    """The format, ticks per beat and mido tracks of a file. Chunks are walked
    here rather than by `mido.MidiFile` so an error can name the track and its
    byte offset, and unknown chunk types are skipped as the standard asks."""
    from mido.midifiles.meta import meta_charset
    from mido.midifiles.midifiles import read_track

    if not data:
        raise ParseError("not a MIDI file: it is empty")
    if data[:4] != b"MThd":
        raise ParseError("not a MIDI file: it does not start with 'MThd' (byte 0)")
    if len(data) < 14:
        raise ParseError(f"the MIDI header is truncated: {len(data)} bytes, 14 needed")
    (size,) = struct.unpack(">L", data[4:8])
    if size < 6:
        raise ParseError(f"the MIDI header is {size} bytes long, at least 6 expected (byte 4)")
    fmt, ntracks, division = struct.unpack(">HHH", data[8:14])
    if fmt > 2:
        raise ParseError(f"unknown MIDI file type {fmt} (byte 8); types are 0, 1 and 2")
    if division & 0x8000:
        raise ParseError("SMPTE time division is not supported, only ticks per beat (byte 12)")
    if division == 0:
        raise ParseError("ticks per beat is 0 (byte 12)")
    if ntracks == 0:
        raise ParseError("the MIDI file has no tracks (byte 10)")
    pos = 8 + size
    tracks: list[Any] = []
    with meta_charset("latin1"):
        while len(tracks) < ntracks:
            if pos + 8 > len(data):
                raise ParseError(
                    f"track {len(tracks)} is missing: the file ends at byte {len(data)} "
                    f"but the header announces {ntracks} tracks"
                )
            kind, length = struct.unpack(">4sL", data[pos : pos + 8])
            end = pos + 8 + length
            if kind != b"MTrk":
                if not kind.isalnum():  # neither a track nor a named extension chunk
                    raise ParseError(f"expected a track chunk 'MTrk' at byte {pos}, got {kind!r}")
                pos = end
                continue
            if end > len(data):
                raise ParseError(
                    f"track {len(tracks)} at byte {pos} is truncated: it announces "
                    f"{length} bytes, {len(data) - pos - 8} remain"
                )
            try:
                tracks.append(read_track(io.BytesIO(data[pos:end])))
            except EOFError:
                raise ParseError(
                    f"track {len(tracks)} at byte {pos}: a message runs past the end of the track"
                ) from None
            except Exception as e:  # mido raises OSError, ValueError, KeyError... on bad bytes
                raise ParseError(f"track {len(tracks)} at byte {pos}: {e}") from None
            pos = end
    return fmt, division, tracks


class _Channel:
    """What one (track, channel) pair collects while its messages are read."""

    def __init__(self, channel: int) -> None:
        self.channel = channel
        self.program: int | None = None
        self.notes: list[Note] = []
        self.open: dict[int, deque[tuple[int, int]]] = defaultdict(deque)  # pitch -> (tick, vel)


def _to_score(fmt: int, tpb: int, tracks: list[Any]) -> Score:
    def beats(tick: int) -> Fraction:
        return Fraction(tick, tpb)

    tempos: list[tuple[int, int, float]] = []  # (tick, order, bpm)
    meters: list[TimeSignature] = []
    key: str | None = None
    title: str | None = None
    parts: list[Part] = []
    start = 0  # type 2 tracks follow each other
    order = 0
    count = 0  # notes read so far
    for index, track in enumerate(tracks):
        tick = start
        name = ""
        channels: dict[int, _Channel] = {}
        for msg in track:
            tick += msg.time
            kind = msg.type
            if kind == "set_tempo":
                order += 1
                tempos.append((tick, order, _bpm(msg.tempo)))
            elif kind == "time_signature":
                if problem := meter_problem(msg.numerator, msg.denominator):
                    raise ParseError(f"track {index}, tick {tick}: time signature {problem}")
                ts = TimeSignature(beats(tick), msg.numerator, msg.denominator)
                if ts not in meters:
                    meters.append(ts)
            elif kind == "key_signature":
                key = key or msg.key
            elif kind == "track_name":
                name = name or msg.name.strip()
            elif kind in ("note_on", "note_off", "program_change"):
                ch = channels.setdefault(msg.channel, _Channel(msg.channel))
                if kind == "program_change":
                    if ch.program is None:
                        ch.program = msg.program
                elif kind == "note_on" and msg.velocity > 0:
                    ch.open[msg.note].append((tick, msg.velocity))
                elif ch.open[msg.note]:
                    on, vel = ch.open[msg.note].popleft()
                    ch.notes.append(_note(on, tick, msg.note, vel, tpb))
                    count += 1
                    if count > MAX_NOTES:
                        raise ParseError(f"track {index}: more than {MAX_NOTES} notes (the limit)")
        for ch in channels.values():
            for pitch, waiting in ch.open.items():
                ch.notes.extend(_note(on, tick, pitch, vel, tpb) for on, vel in waiting)
        if (not channels and index == 0 and fmt != 2) or fmt == 0:
            title = title or name or None
        for ch in channels.values():
            parts.append(
                Part(
                    notes=sorted(ch.notes),
                    name="" if fmt == 0 else name,
                    program=ch.program or 0,
                    channel=ch.channel,
                    is_drum=ch.channel == DRUM_CHANNEL,
                )
            )
        if len(parts) > MAX_PARTS:
            raise ParseError(f"track {index}: more than {MAX_PARTS} parts (the limit)")
        if fmt == 2:
            start = tick
    tempos.sort()
    tempo_map: list[Tempo] = []
    for tick, _, bpm in tempos:
        t = Tempo(beats(tick), bpm)
        if t not in tempo_map:
            tempo_map.append(t)
    meters.sort(key=lambda ts: ts.onset)
    return Score(parts=parts, tempos=tempo_map, time_signatures=meters, key=key, title=title)


def _bpm(tempo: int) -> float:
    """Quarter notes per minute for microseconds per quarter: the shortest decimal
    that is written back as the same microseconds (454545 us reads as 132, not
    132.000132), so BPM values read as people set them and still round-trip."""
    if tempo <= 0:
        return 120.0
    exact = 60_000_000 / tempo
    for digits in range(7):
        bpm = round(exact, digits)
        if bpm > 0 and round(60_000_000 / bpm) == tempo:
            return float(bpm)
    return exact


def _note(on: int, off: int, pitch: int, velocity: int, tpb: int) -> Note:
    return Note(Fraction(on, tpb), pitch, Fraction(max(off - on, 1), tpb), velocity)


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
    are an error, not dropped.
    """
    import mido

    check_write(score)
    tpb = ticks_per_beat or _resolution(score)
    if not 0 < tpb <= MAX_TICKS_PER_BEAT:
        raise NotegenError(f"ticks per beat must be in 1..{MAX_TICKS_PER_BEAT}, got {tpb}")
    if ticks_per_beat is None:
        _check_ticks(score, tpb)

    def tick(t: Fraction) -> int:
        return max(0, math.floor(t * tpb + Fraction(1, 2)))

    conductor: list[tuple[int, int, Any]] = []
    if score.title:
        conductor.append((0, 0, mido.MetaMessage("track_name", name=score.title)))
    for ts in score.time_signatures:  # check_write let only MIDI's meters through
        meta = mido.MetaMessage("time_signature", numerator=ts.numerator, denominator=ts.denominator)
        conductor.append((tick(ts.onset), 1, meta))
    midi_key = _mido_key(score.key)
    if midi_key:
        conductor.append((0, 2, mido.MetaMessage("key_signature", key=midi_key)))
    for t in score.tempos:
        if not t.bpm > 0:
            raise NotegenError(f"tempo {t.bpm} BPM at beat {t.onset} is not positive")
        micros = min(max(round(60_000_000 / t.bpm), 1), 0xFFFFFF)
        conductor.append((tick(t.onset), 3, mido.MetaMessage("set_tempo", tempo=micros)))
    out = mido.MidiFile(type=1, ticks_per_beat=tpb)
    out.tracks.append(_track(conductor))
    for i, part in enumerate(score.parts):
        out.tracks.append(_track(_part_events(i, part, tick)))
    buf = io.BytesIO()
    out.save(file=buf)
    return buf.getvalue()


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
    if part.name:
        events.append((0, -2, mido.MetaMessage("track_name", name=part.name)))
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

    return notes.to_model_text(quantize(score.one_voice(melody=True)))


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
