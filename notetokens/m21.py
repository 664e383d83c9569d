"""Score <-> music21 stream, shared by the ABC reader and the MusicXML writer.

music21 is imported inside the functions: it takes about half a second.
Reading a stream keeps what sounds: tied notes become one note, grace notes
(which take no time in music21) are skipped, chords become notes with one
onset, rests are gaps. Offsets in music21 are floats or Fractions; both convert
to exact Fractions (music21 keeps a float only when it is exact in binary).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .keysig import MODE_NAMES, parse_key
from .score import DEFAULT_VELOCITY, DRUM_CHANNEL, Note, Part, Score, Tempo, TimeSignature


def stream_to_score(s: Any) -> Score:
    """A Score from a music21 Score, Part or flat stream."""
    from music21 import stream

    parts = list(s.parts) if isinstance(s, stream.Score) else [s]
    if not parts:
        parts = [s]
    out: list[Part] = []
    for p in parts:
        out.append(_part(p, p.flatten()))
    first = parts[0].flatten()
    return Score(
        parts=out,
        tempos=_tempos(s.flatten() if len(parts) > 1 else first),
        time_signatures=_meters(first),
        key=_key(first),
        title=(s.metadata.title or None) if getattr(s, "metadata", None) is not None else None,
    )


def _part(p: Any, flat: Any) -> Part:
    from music21 import chord, note

    notes: list[Note] = []
    # tied notes by pitch: [onset, duration, velocity]; music21's stripTies would
    # deep-copy the whole part, which costs more than the rest of reading
    tied: dict[int, list[Any]] = {}
    for el in flat.notes:
        ql = Fraction(el.quarterLength)
        if el.duration.isGrace or ql <= 0:
            continue
        if isinstance(el, chord.Chord):
            members = [(x.pitch, x.tie or el.tie) for x in el.notes]
        elif isinstance(el, note.Note):
            members = [(el.pitch, el.tie)]
        else:  # unpitched percussion has no MIDI pitch to keep
            continue
        onset = Fraction(flat.elementOffset(el))
        velocity = el.volume.velocity if el.volume.velocity is not None else DEFAULT_VELOCITY
        velocity = min(max(int(velocity), 1), 127)
        for pitch, tie in members:
            midi = round(pitch.ps)
            if not 0 <= midi <= 127:
                continue
            kind = tie.type if tie is not None else None
            held = tied.get(midi)
            if held is not None and kind in ("stop", "continue") and held[0] + held[1] == onset:
                held[1] += ql
                if kind == "stop":
                    notes.append(Note(held[0], midi, held[1], held[2]))
                    del tied[midi]
                continue
            if held is not None:  # a tie that never stopped
                notes.append(Note(held[0], midi, held[1], held[2]))
                del tied[midi]
            if kind in ("start", "continue"):
                tied[midi] = [onset, ql, velocity]
            else:
                notes.append(Note(onset, midi, ql, velocity))
    notes += [Note(on, midi, dur, vel) for midi, (on, dur, vel) in tied.items()]
    inst = p.getInstrument(returnDefault=False) if hasattr(p, "getInstrument") else None
    program = getattr(inst, "midiProgram", None)
    channel = getattr(inst, "midiChannel", None)
    drum = channel == DRUM_CHANNEL or type(inst).__name__ == "UnpitchedPercussion"
    return Part(
        notes=sorted(notes),
        name=getattr(p, "partName", None) or "",
        program=program if isinstance(program, int) and 0 <= program <= 127 else 0,
        channel=DRUM_CHANNEL if drum else (channel if isinstance(channel, int) else 0),
        is_drum=drum,
    )


def _tempos(flat: Any) -> list[Tempo]:
    from music21 import tempo

    out: list[Tempo] = []
    for mm in flat.getElementsByClass(tempo.MetronomeMark):
        bpm = mm.getQuarterBPM()
        if bpm is None or bpm <= 0:
            continue
        # music21 computes BPM in floats (217 reads as 216.99999999999997)
        t = Tempo(Fraction(flat.elementOffset(mm)), round(float(bpm), 6))
        if not out or out[-1].bpm != t.bpm:
            out.append(t)
    return out


def _meters(flat: Any) -> list[TimeSignature]:
    from music21 import meter

    out: list[TimeSignature] = []
    for ts in flat.getElementsByClass(meter.TimeSignature):
        t = TimeSignature(Fraction(flat.elementOffset(ts)), ts.numerator, ts.denominator)
        if not out or (out[-1].numerator, out[-1].denominator) != (t.numerator, t.denominator):
            out.append(t)
    return out


def _key(flat: Any) -> str | None:
    from music21 import key

    for ks in flat.getElementsByClass(key.KeySignature):
        k = ks if isinstance(ks, key.Key) else ks.asKey("major")
        tonic = k.tonic.name.replace("-", "b")
        mode = {"major": "", "minor": "m"}.get(k.mode, (k.mode or "")[:3])
        parsed = parse_key(tonic + mode)
        return parsed.name if parsed else tonic
    return None


def score_to_stream(score: Score) -> Any:
    """A music21 Score: one Part per part, same-onset same-length notes as chords.
    Each part gets its own meter, key and tempo objects (music21 fails to write
    MIDI when one TimeSignature object is shared by several measures)."""
    from music21 import chord, key, metadata, meter, note, stream, tempo

    s = stream.Score()
    s.metadata = metadata.Metadata()
    s.metadata.title = score.title or ""
    k = parse_key(score.key)
    for index, part in enumerate(score.parts):
        p = stream.Part()
        p.partName = part.name or None
        p.insert(0, _instrument(part))
        if k is not None:
            p.insert(0, key.Key(k.tonic + {1: "#", -1: "-", 0: ""}[k.alter], MODE_NAMES[k.mode]))
        for ts in score.time_signatures:
            p.insert(float(ts.onset), meter.TimeSignature(f"{ts.numerator}/{ts.denominator}"))
        if index == 0:
            for t in score.tempos:
                p.insert(float(t.onset), tempo.MetronomeMark(number=t.bpm, referent=1.0))
        groups: dict[tuple[Fraction, Fraction], list[Note]] = {}
        for n in sorted(part.notes):
            groups.setdefault((n.onset, n.duration), []).append(n)
        for (onset, dur), ns in groups.items():
            el: Any
            if len(ns) == 1:
                el = note.Note(midi=ns[0].pitch)
            else:
                el = chord.Chord([note.Note(midi=n.pitch) for n in ns])
            el.quarterLength = dur
            el.volume.velocity = ns[0].velocity
            p.insert(onset, el)
        if _overlaps(sorted(groups)):
            # notation needs one line per staff: sounding notes become chords
            p = p.chordify()
        s.insert(0, p)
    return s


def _overlaps(spans: list[tuple[Fraction, Fraction]]) -> bool:
    end = Fraction(0)
    for onset, dur in spans:
        if onset < end:
            return True
        end = max(end, onset + dur)
    return False


def _instrument(part: Part) -> Any:
    from music21 import instrument

    try:
        inst = instrument.instrumentFromMidiProgram(part.program)
    except Exception:  # music21 has no class for some programs
        inst = instrument.Instrument()
        inst.midiProgram = part.program
    inst.midiChannel = DRUM_CHANNEL if part.is_drum else part.channel
    return inst
