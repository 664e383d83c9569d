"""notetokens: notations (note strings, tabs, ABC, MIDI, text), the Score model
they share, and the character vocabulary a model reads them with."""

from .errors import NotegenError, ParseError
from .io import read, write
from .registry import NOTATIONS, Notation, for_path, get
from .score import Note, Part, Score, Section, Tempo, TimeSignature
from .vocab import CharVocab, Tokenizer

__all__ = [
    "NOTATIONS",
    "CharVocab",
    "Notation",
    "Note",
    "NotegenError",
    "ParseError",
    "Part",
    "Score",
    "Section",
    "Tempo",
    "TimeSignature",
    "Tokenizer",
    "for_path",
    "get",
    "read",
    "write",
]
