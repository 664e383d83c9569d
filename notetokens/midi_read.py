"""Reading Standard MIDI Files into a Score (`notetokens.midi.parse`).

Chunks and events are decoded here, one event at a time, rather than by mido
(which builds every message of a track before the first can be looked at): an
error names the track and its byte offset, unknown chunk types are skipped as
the standard asks, and the limits (`MAX_MIDI_EVENTS` events, `MAX_NOTES` notes,
nothing past beat `MAX_BEATS`) are checked at each event, so a hostile file is
refused before anything is built. Only the meta events a Score keeps go through
mido (tempo, meter, key, track name).

A track name is read as UTF-8 where it is valid UTF-8 (notegen writes names so),
else as Latin-1, and control characters are taken out of it: a NUL in a name
would make the text notations unreadable.
"""

from __future__ import annotations

import struct
from collections import defaultdict, deque
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from .errors import ParseError
from .limits import MAX_BEATS, MAX_MIDI_EVENTS, MAX_NOTES, MAX_PARTS, clean_name, meter_problem
from .score import DRUM_CHANNEL, Note, Part, Score, Tempo, TimeSignature

KEPT_METAS = {0x03, 0x51, 0x58, 0x59}  # track name, tempo, meter, key
DATA_BYTES = {0x8: 2, 0x9: 2, 0xA: 2, 0xB: 2, 0xC: 1, 0xD: 1, 0xE: 2}
KINDS = {0x8: "note_off", 0x9: "note_on", 0xC: "program_change"}


def read(data: bytes) -> Score:
    from mido.midifiles.meta import meta_charset

    fmt, tpb, chunks = _chunks(data)
    with meta_charset("latin1"):
        return _to_score(fmt, tpb, chunks)


def _chunks(data: bytes) -> tuple[int, int, list[tuple[int, bytes]]]:
    """The format, ticks per beat and (byte offset, bytes) of each track chunk."""
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
    chunks: list[tuple[int, bytes]] = []
    while len(chunks) < ntracks:
        if pos + 8 > len(data):
            raise ParseError(
                f"track {len(chunks)} is missing: the file ends at byte {len(data)} "
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
                f"track {len(chunks)} at byte {pos} is truncated: it announces "
                f"{length} bytes, {len(data) - pos - 8} remain"
            )
        chunks.append((pos, data[pos + 8 : end]))
        pos = end
    return fmt, division, chunks


def _events(chunk: bytes) -> Iterator[tuple[int, str, int, int, int, Any]]:
    """(delta, kind, channel, data1, data2, meta message) for each event a Score
    uses; other events yield kind "". Raises IndexError past the chunk's end,
    ValueError on a bad byte."""
    from mido.midifiles.meta import build_meta_message

    i, n, status = 0, len(chunk), 0
    while i < n:
        delta, i = _varlen(chunk, i)
        byte = chunk[i]
        if byte >= 0x80:
            i += 1
            if byte < 0xF0:
                status = byte
        elif not status:
            raise ValueError("running status without a status byte before it")
        else:
            byte = status
        if byte == 0xFF:
            meta, i = chunk[i], i + 1
            length, i = _varlen(chunk, i)
            body, i = chunk[i : i + length], i + length
            if i > n:
                raise IndexError
            if meta in KEPT_METAS:
                yield delta, "meta", 0, 0, 0, build_meta_message(meta, list(body), delta)
            else:
                yield delta, "", 0, 0, 0, None
        elif byte in (0xF0, 0xF7):
            length, i = _varlen(chunk, i)
            i += length
            if i > n:
                raise IndexError
            yield delta, "", 0, 0, 0, None
        elif byte > 0xF0:
            raise ValueError(f"undefined status byte 0x{byte:02x}")
        else:
            size = DATA_BYTES[byte >> 4]
            a = chunk[i]
            b = chunk[i + 1] if size == 2 else 0
            i += size
            if a > 127 or b > 127:
                raise ValueError("data byte must be in range 0..127")
            yield delta, KINDS.get(byte >> 4, ""), byte & 0x0F, a, b, None


def _varlen(chunk: bytes, i: int) -> tuple[int, int]:
    value = 0
    for _ in range(4):
        byte = chunk[i]
        i += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, i
    raise ValueError("a variable-length number runs past 4 bytes")


class _Channel:
    """What one (track, channel) pair collects while its events are read."""

    def __init__(self, channel: int) -> None:
        self.channel = channel
        self.program: int | None = None
        self.notes: list[Note] = []
        self.open: dict[int, deque[tuple[int, int]]] = defaultdict(deque)  # pitch -> (tick, vel)


class _Reader:
    """The state of reading one file: what every track adds to the Score."""

    def __init__(self, fmt: int, tpb: int) -> None:
        self.fmt, self.tpb = fmt, tpb
        self.tempos: list[tuple[int, int, float]] = []  # (tick, order, bpm)
        self.meters: list[TimeSignature] = []
        self.key: str | None = None
        self.title: str | None = None
        self.parts: list[Part] = []
        self.notes = self.events = 0
        self.last_tick = MAX_BEATS * tpb

    def track(self, index: int, pos: int, chunk: bytes, start: int) -> int:
        """Read one track from tick `start`; the tick it ends at."""
        tick, name = start, ""
        channels: dict[int, _Channel] = {}
        where = f"track {index} at byte {pos}"
        try:
            for delta, kind, channel, a, b, meta in _events(chunk):
                tick += delta
                self.events += 1
                if self.events > MAX_MIDI_EVENTS:
                    raise ParseError(f"{where}: more than {MAX_MIDI_EVENTS} events (the limit)")
                if tick > self.last_tick:
                    raise ParseError(f"{where}: an event at tick {tick} is past beat {MAX_BEATS}, "
                                     "the limit (4,096 bars of 4/4)")
                if meta is not None:
                    named = self._meta(meta, index, tick)
                    name = name or named
                elif kind:
                    self._channel(channels.setdefault(channel, _Channel(channel)), kind, a, b, tick, index)
        except IndexError:
            raise ParseError(f"{where}: a message runs past the end of the track") from None
        except (ValueError, KeyError, TypeError) as e:
            if isinstance(e, ParseError):
                raise
            raise ParseError(f"{where}: {e}") from None
        self._finish(index, name, channels, tick)
        return tick

    def _meta(self, msg: Any, index: int, tick: int) -> str:
        kind = msg.type
        if kind == "set_tempo":
            self.tempos.append((tick, len(self.tempos), _bpm(msg.tempo)))
        elif kind == "time_signature":
            if problem := meter_problem(msg.numerator, msg.denominator):
                raise ParseError(f"track {index}, tick {tick}: time signature {problem}")
            ts = TimeSignature(Fraction(tick, self.tpb), msg.numerator, msg.denominator)
            if ts not in self.meters:
                self.meters.append(ts)
        elif kind == "key_signature":
            self.key = self.key or msg.key
        elif kind == "track_name":
            return clean_name(_decode(msg.name)).strip()
        return ""

    def _channel(self, ch: _Channel, kind: str, a: int, b: int, tick: int, index: int) -> None:
        if kind == "program_change":
            if ch.program is None:
                ch.program = a
        elif kind == "note_on" and b > 0:
            ch.open[a].append((tick, b))
        elif ch.open[a]:
            on, vel = ch.open[a].popleft()
            ch.notes.append(_note(on, tick, a, vel, self.tpb))
            self.notes += 1
            if self.notes > MAX_NOTES:
                raise ParseError(f"track {index}: more than {MAX_NOTES} notes (the limit)")

    def _finish(self, index: int, name: str, channels: dict[int, _Channel], tick: int) -> None:
        for ch in channels.values():
            for pitch, waiting in ch.open.items():
                ch.notes.extend(_note(on, tick, pitch, vel, self.tpb) for on, vel in waiting)
        if (not channels and index == 0 and self.fmt != 2) or self.fmt == 0:
            self.title = self.title or name or None
        for ch in channels.values():
            self.parts.append(Part(
                notes=sorted(ch.notes), name="" if self.fmt == 0 else name,
                program=ch.program or 0, channel=ch.channel, is_drum=ch.channel == DRUM_CHANNEL,
            ))
        if len(self.parts) > MAX_PARTS:
            raise ParseError(f"track {index}: more than {MAX_PARTS} parts (the limit)")

    def score(self) -> Score:
        tempo_map: list[Tempo] = []
        for tick, _, bpm in sorted(self.tempos):
            t = Tempo(Fraction(tick, self.tpb), bpm)
            if t not in tempo_map:
                tempo_map.append(t)
        meters = sorted(self.meters, key=lambda ts: ts.onset)
        return Score(parts=self.parts, tempos=tempo_map, time_signatures=meters, key=self.key,
                     title=self.title)


def _to_score(fmt: int, tpb: int, chunks: list[tuple[int, bytes]]) -> Score:
    reader = _Reader(fmt, tpb)
    start = 0  # type 2 tracks follow each other
    for index, (pos, chunk) in enumerate(chunks):
        end = reader.track(index, pos, chunk, start)
        if fmt == 2:
            start = end
    return reader.score()


def _decode(name: str) -> str:
    """A name mido read as Latin-1: UTF-8 where its bytes are UTF-8."""
    raw = name.encode("latin-1", "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return name


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
