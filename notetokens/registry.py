"""Notations by name and by file extension.

A notation is a module with `parse`, `format`, `to_model_text`, `from_model_text`
and, for music, `grammar`. Modules are imported on first use, so naming a
notation costs nothing until it is read (music21 takes a second to import).
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

    def impl(self) -> ModuleType:
        return importlib.import_module(self.module)

    def parse(self, data: Any, **options: Any) -> Any:
        return self.impl().parse(data, **options)

    def format(self, score: Any, **options: Any) -> Any:
        return self.impl().format(score, **options)

    def to_model_text(self, score: Any) -> str:
        return self.impl().to_model_text(score)

    def from_model_text(self, text: str) -> Any:
        return self.impl().from_model_text(text)

    def grammar(self) -> Any:
        return self.impl().grammar()


NOTATIONS: dict[str, Notation] = {
    n.name: n
    for n in (
        Notation("notes", "notetokens.notes", (".txt", ".notes")),
        Notation("tab", "notetokens.tab", (".tab",)),
        Notation("abc", "notetokens.abc", (".abc",)),
        Notation("midi", "notetokens.midi", (".mid", ".midi"), binary=True),
        Notation("musicxml", "notetokens.musicxml", (".musicxml", ".xml"), binary=True),
        Notation("mxl", "notetokens.mxl", (".mxl",), binary=True),
        Notation("text", "notetokens.text", (), music=False),
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
