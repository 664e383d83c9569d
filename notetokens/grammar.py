"""Incremental grammars: which next characters keep a model text valid.

Each music notation provides `grammar() -> Grammar`. The sampler asks `allowed()`
before every character, masks everything else, then calls `feed(ch)`. `can_end()`
says whether the text so far is a complete, parseable document, so the sampler
knows when the end token is allowed.
"""

from __future__ import annotations

from typing import Protocol


class Grammar(Protocol):
    def allowed(self) -> frozenset[str]:
        """Characters that may come next."""
        ...

    def feed(self, ch: str) -> None:
        """Advance by one character; raises `ParseError` if `ch` is not allowed."""
        ...

    def can_end(self) -> bool:
        """True when the text so far is a complete document."""
        ...


def accepts(grammar: Grammar, text: str, complete: bool = True) -> bool:
    """Whether `grammar` accepts `text` (as a whole document when `complete`)."""
    for ch in text:
        if ch not in grammar.allowed():
            return False
        grammar.feed(ch)
    return grammar.can_end() or not complete
