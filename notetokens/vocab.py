"""The character vocabulary and the tokenizer a model reads every notation with.

A `CharVocab` is built once from a training corpus and stored inside every
checkpoint (`to_dict`/`from_dict`), never rebuilt at sampling time: a model's
ids mean the same characters for its whole life.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import NotegenError

SPECIALS: tuple[str, ...] = ("<pad>", "<bos>", "<eos>", "<unk>")
PAD, BOS, EOS, UNK = range(4)


@dataclass(frozen=True)
class CharVocab:
    chars: tuple[str, ...]  # ordinary characters; char i has id len(SPECIALS) + i
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(set(self.chars)) != len(self.chars):
            raise ValueError("vocabulary characters must be distinct")
        if any(len(c) != 1 for c in self.chars):
            raise ValueError("vocabulary entries must be single characters")
        index = {c: i + len(SPECIALS) for i, c in enumerate(self.chars)}
        object.__setattr__(self, "_index", index)

    @classmethod
    def build(cls, texts: Iterable[str]) -> CharVocab:
        """The sorted set of characters in `texts`."""
        seen: set[str] = set()
        for t in texts:
            seen.update(t)
        return cls(tuple(sorted(seen)))

    def __len__(self) -> int:
        return len(SPECIALS) + len(self.chars)

    def __contains__(self, ch: object) -> bool:
        return ch in self._index

    def id(self, ch: str) -> int:
        return self._index.get(ch, UNK)

    def char(self, i: int) -> str:
        """The character of an id; specials decode to ''."""
        return self.chars[i - len(SPECIALS)] if i >= len(SPECIALS) else ""

    def encode(self, text: str, strict: bool = False) -> list[int]:
        """Ids of `text`. Unknown characters become `<unk>`, or with `strict` an
        error naming the first one and its position."""
        if strict:
            self.check(text)
        return [self._index.get(c, UNK) for c in text]

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.char(i) for i in ids)

    def unknown(self, text: str) -> list[str]:
        """Characters of `text` this vocabulary does not have, in order of first use."""
        return list(dict.fromkeys(c for c in text if c not in self._index))

    def check(self, text: str) -> None:
        for pos, c in enumerate(text):
            if c not in self._index:
                raise NotegenError(
                    f"character {c!r} at position {pos + 1} is not in the model's "
                    f"vocabulary of {len(self.chars)} characters"
                )

    def to_dict(self) -> dict[str, Any]:
        return {"specials": list(SPECIALS), "chars": "".join(self.chars)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CharVocab:
        if list(d.get("specials", [])) != list(SPECIALS):
            raise NotegenError(f"vocabulary has specials {d.get('specials')}, expected {list(SPECIALS)}")
        return cls(tuple(d["chars"]))


@dataclass(frozen=True)
class Tokenizer:
    """A notation's model text to ids and back, a document framed by bos/eos."""

    vocab: CharVocab
    notation: str = "text"

    def encode(self, text: str, frame: bool = True) -> list[int]:
        ids = self.vocab.encode(text)
        return [BOS, *ids, EOS] if frame else ids

    def decode(self, ids: Sequence[int]) -> str:
        """Text up to the first end token."""
        out = []
        for i in ids:
            if i == EOS:
                break
            out.append(self.vocab.char(i))
        return "".join(out)

    def encode_score(self, score: Any) -> list[int]:
        from .registry import get

        return self.encode(get(self.notation).to_model_text(score))

    def decode_score(self, ids: Sequence[int]) -> Any:
        from .registry import get

        return get(self.notation).from_model_text(self.decode(ids))
