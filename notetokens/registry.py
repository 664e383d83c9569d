"""Notations by name and by file extension, and the facts about each one.

A notation is a module with `parse` and `format`, and, when a model can learn
it, `to_model_text`. What a model reads and writes is the text of one of three
forms, named by `model_text`: the canonical note string ("notes"; ABC and MIDI
models learn it too), the tab token text ("tab") or plain text ("text").
`from_model_text` and `grammar` belong to that form, so the notations that share
it share them here instead of delegating in their own modules. Modules are
imported on first use, so naming a notation costs nothing until it is read
(music21 takes a second to import).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from .errors import NotegenError


@dataclass(frozen=True)
class Notation:
    name: str
    module: str  # import path of the implementing module
    extensions: tuple[str, ...]  # lower case, with the dot
    binary: bool = False  # parse takes bytes and format returns bytes
    readable: bool = True  # False for an output-only notation
    music: bool = True  # False for plain text, which has no Score
    model_text: str | None = "notes"  # the form of its model text; None: no model learns it
    one_voice: bool = False  # holds one part: a Score of several is reduced to its voice
    options: tuple[str, ...] = ()  # keyword options that parse and format accept
    collection: bool = False  # one file holds many tunes (an ABC songbook)

    def impl(self) -> ModuleType:
        return importlib.import_module(self.module)

    def text_form(self) -> Notation:
        """The notation whose model text this one's models learn (itself where no
        model learns it: its module then says so)."""
        return NOTATIONS[self.model_text] if self.model_text else self

    @property
    def has_grammar(self) -> bool:
        """Whether sampling can be constrained to text that parses."""
        return self.music and self.model_text is not None

    def parse(self, data: Any, **options: Any) -> Any:
        return self.impl().parse(data, **options)

    def format(self, score: Any, **options: Any) -> Any:
        return self.impl().format(score, **options)

    def to_model_text(self, score: Any) -> str:
        return self.impl().to_model_text(score)

    def from_model_text(self, text: str) -> Any:
        return self.text_form().impl().from_model_text(text)

    def grammar(self) -> Any:
        """The incremental grammar of the model text (music notations only)."""
        if not self.has_grammar:
            raise NotegenError(f"{self.name} has no grammar")
        return self.text_form().impl().grammar()


NOTATIONS: dict[str, Notation] = {
    n.name: n
    for n in (
        Notation("notes", "notetokens.notes", (".txt", ".notes"), one_voice=True),
        Notation("tab", "notetokens.tab", (".tab",), model_text="tab", one_voice=True,
                 options=("tuning", "exact_pitch")),
        Notation("abc", "notetokens.abc", (".abc",), collection=True),
        Notation("midi", "notetokens.midi", (".mid", ".midi"), binary=True),
        Notation("musicxml", "notetokens.musicxml", (".musicxml", ".xml"), binary=True,
                 model_text=None),
        Notation("mxl", "notetokens.mxl", (".mxl",), binary=True, model_text=None),
        Notation("text", "notetokens.text", (), music=False, model_text="text"),
    )
}


def get(name: str) -> Notation:
    try:
        return NOTATIONS[name]
    except KeyError:
        raise NotegenError(f"unknown notation {name!r}; known: {', '.join(NOTATIONS)}") from None


def for_path(path: str | Path) -> Notation:
    """The notation a file name's extension names."""
    ext = Path(path).suffix.lower()
    for n in NOTATIONS.values():
        if ext in n.extensions:
            return n
    known = ", ".join(e for n in NOTATIONS.values() for e in n.extensions)
    raise NotegenError(
        f"{path}: cannot tell the notation from the extension {ext or '(none)'!r}; "
        f"use one of {known} or name it with --from/--to"
    )
