"""The checkpoint metadata format: one object that writes and reads it.

A checkpoint's safetensors header maps names to strings. `CheckpointMeta` holds
the decoded fields (the config, vocabulary, notation, metrics, and whatever a
task adds: labels, training state) and is the only place that turns them into
header strings and back, so a caller hands it Python values and gets the same
values back. Every field is JSON-encoded except the three that version 1 wrote
as plain strings and other readers (the C engine) read as they are: `format`,
`notation` and `notegen_version`.

The header carries an integer `format_version` (absent in version 1 files, the
bundled models among them) and still the legacy `format` string, which older
notegens match exactly. A file of an older version is brought to the current one
by `MIGRATIONS`, step by step, as it is read; a file of a newer version is one
line asking for a newer notegen. The training state a `last.safetensors` keeps
beside the weights lives under `TRAIN_PREFIX` (`split_train_state`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torch import Tensor

from notetokens.errors import NotegenError

FORMAT = "notegen-checkpoint/1"  # the legacy marker, written by every version
VERSION = 1  # the format this code writes; raise it with a migration below
RAW = ("format", "notation", "notegen_version")  # plain strings in the header, as in version 1
TRAIN_PREFIX = "_train."

# A migration from version n to n + 1 rewrites the decoded fields in place and,
# when the weights are read too (not for a header-only read), the tensors.
Migration = Callable[[dict[str, Any], "dict[str, Tensor] | None"], None]
MIGRATIONS: dict[int, Migration] = {}  # version n -> the step to n + 1


@dataclass(frozen=True)
class CheckpointMeta(Mapping[str, Any]):
    """A checkpoint's metadata fields, decoded, at the current `format_version`.

    It reads as a mapping of the fields (`meta["notation"]`, `meta.get("task")`);
    `format` and `format_version` are the format's own and not among them."""

    fields: dict[str, Any] = field(default_factory=dict)
    read_from: int | None = None  # the format version of the file it was read from

    @property
    def format_version(self) -> int:
        """Its version: the current one, which it was migrated to if read from an older file."""
        return VERSION

    def __getitem__(self, key: str) -> Any:
        return self.fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def encode(self) -> dict[str, str]:
        """The safetensors header: every field a string, JSON but for `RAW`."""
        header = {"format": FORMAT, "format_version": json.dumps(self.format_version)}
        for key, value in self.fields.items():
            if key in ("format", "format_version"):
                raise ValueError(f"metadata field {key!r} belongs to the format")
            if key in RAW and not isinstance(value, str):
                raise TypeError(f"metadata field {key!r} must be a string, not {type(value).__name__}")
            header[key] = value if key in RAW else json.dumps(value)
        return header

    @classmethod
    def decode(cls, path: Path, header: Mapping[str, str],
               tensors: dict[str, Tensor] | None = None) -> CheckpointMeta:
        """The metadata of the header of the file at `path` (named in every
        error), migrated to the current version; `tensors`, when given, are
        migrated in place with it."""
        if header.get("format") != FORMAT:
            raise NotegenError(f"{path}: a safetensors file but not a notegen checkpoint")
        version = _version(path, header.get("format_version"))
        fields: dict[str, Any] = {}
        for key, text in header.items():
            if key in ("format", "format_version"):
                continue
            try:
                fields[key] = text if key in RAW else json.loads(text)
            except json.JSONDecodeError:
                raise NotegenError(f"{path}: metadata field {key!r} is not valid JSON") from None
        for step in range(version, VERSION):
            MIGRATIONS[step](fields, tensors)
        return cls(fields, version)


def _version(path: Path, text: str | None) -> int:
    if text is None:
        return 1  # version 1 files carry only the legacy string
    try:
        version = json.loads(text)
    except json.JSONDecodeError:
        version = text
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise NotegenError(f"{path}: metadata 'format_version' is {version!r:.40}, not a version number")
    if version > VERSION:
        raise NotegenError(f"{path}: written by a newer notegen (checkpoint format {version}; "
                           f"this one reads up to {VERSION}); upgrade notegen to load it")
    return version


def split_train_state(tensors: Mapping[str, Tensor]) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """The weights, and the training state with its names' prefix taken off."""
    weights: dict[str, Tensor] = {}
    state: dict[str, Tensor] = {}
    for name, t in tensors.items():
        if name.startswith(TRAIN_PREFIX):
            state[name[len(TRAIN_PREFIX):]] = t
        else:
            weights[name] = t
    return weights, state


def join_train_state(weights: Mapping[str, Tensor], state: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """The tensors of one file: the weights, and the training state under the prefix."""
    out = dict(weights)
    for name, t in state.items():
        out[TRAIN_PREFIX + name] = t
    return out
