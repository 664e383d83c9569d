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


def state_key(grammar: object) -> tuple[object, ...]:
    """A hashable snapshot of a grammar's state: its `key()` where it has one
    (the state without counters that never change what may follow), else all
    of its attributes."""
    key = getattr(grammar, "key", None)
    if key is not None:
        return key()  # type: ignore[no-any-return]
    return tuple(sorted(vars(grammar).items()))


def _settled(grammar: Grammar) -> bool:
    """Complete, or between two tokens of a body (`resting()`, where a grammar has it)."""
    resting = getattr(grammar, "resting", None)
    return grammar.can_end() or (resting is not None and resting())


class Restricted:
    """A grammar limited to an alphabet (a model's vocabulary), allowing only the
    characters after which the text can still be finished with that alphabet.

    Without this, a model that knows `d` but not `o` could start the key mode
    `dor` and find nothing it may write next. Look-ahead runs over copies of the
    inner grammar (which must have `copy()`), memoized by state, so after a few
    characters each step is a dictionary look-up. A path counts as finishable
    once it completes the text or reaches a token boundary of the body.
    """

    DEPTH = 12  # beyond this, a path is assumed finishable

    def __init__(self, inner: Grammar, alphabet: frozenset[str] | set[str] | str) -> None:
        self.inner = inner
        self.alphabet = frozenset(alphabet)
        self._viable: dict[tuple[object, ...], bool] = {}
        self._allowed: dict[tuple[object, ...], frozenset[str]] = {}

    def allowed(self) -> frozenset[str]:
        key = state_key(self.inner)
        got = self._allowed.get(key)
        if got is None:
            got = self._allowed[key] = frozenset(
                c for c in self.inner.allowed() & self.alphabet if self._after(self.inner, c)
            )
        return got

    def feed(self, ch: str) -> None:
        self.inner.feed(ch)

    def can_end(self) -> bool:
        return self.inner.can_end()

    def _after(self, g: Grammar, ch: str, depth: int = 0) -> bool:
        nxt = g.copy()  # type: ignore[attr-defined]
        nxt.feed(ch)
        return self._finishable(nxt, depth + 1)

    def _finishable(self, g: Grammar, depth: int) -> bool:
        key = state_key(g)
        if key in self._viable:
            return self._viable[key]
        if _settled(g):
            result = True
        elif depth >= self.DEPTH:
            return True  # optimistic, and not memoized
        else:
            result = any(self._after(g, c, depth) for c in sorted(g.allowed() & self.alphabet))
        self._viable[key] = result
        return result
