"""MusicXML output through music21 (output only: notegen does not read MusicXML).

music21 lays the score out: measures from the meter, ties across bar lines,
rests in gaps, note types and tuplet brackets from the durations. A part with
overlapping notes of different lengths is written as chords (one line of
notation per staff).
"""

from __future__ import annotations

from .errors import NotegenError
from .m21 import score_to_stream
from .score import Score


def format(score: Score) -> bytes:
    """The bytes of a MusicXML (partwise, UTF-8) document for `score`."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    stream = score_to_stream(score)
    try:
        return GeneralObjectExporter(stream).parse()
    except Exception as e:  # music21 cannot notate some durations (e.g. 1/7 beat)
        raise NotegenError(f"cannot write MusicXML: {' '.join(str(e).split())}") from None


def parse(data: bytes) -> Score:
    raise NotegenError("MusicXML is an output format here; read ABC, MIDI, notes or tab")


def to_model_text(score: Score) -> str:
    raise NotegenError("MusicXML has no model text; train on notes, abc, midi or tab")


def from_model_text(text: str) -> Score:
    raise NotegenError("MusicXML has no model text; train on notes, abc, midi or tab")


def grammar() -> object:
    raise NotegenError("MusicXML has no model text; train on notes, abc, midi or tab")
