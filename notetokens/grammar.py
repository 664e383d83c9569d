"""Incremental grammars: which next characters keep a model text valid.

Each music notation provides `grammar() -> Grammar`; `grammar_for` builds the
one the sampler uses, complete (header fields, minimum length, form), limited
to a model's characters. Its lifecycle, in the order the sampler calls it:
the prime is read leniently (`feed` after `allowed`), `begin()` holds the rest
to every rule, then before each character `allowed()` and `can_end()` (the end
token is allowed only where the text is a complete document), `feed(ch)` after
it; at the character cap `close()` steers to the nearest end, and where the
model would end too early (`may_wind_down()`) `wind_down()` finishes the
phrase instead. `closing` says it is steering to an end (take the first one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Grammar(Protocol):
    closing: bool  # steering to the nearest end: the sampler takes the first one

    def allowed(self) -> frozenset[str]:
        """Characters that may come next."""
        ...

    def feed(self, ch: str) -> None:
        """Advance by one character; raises `ParseError` if `ch` is not allowed."""
        ...

    def can_end(self) -> bool:
        """True when the text so far is a complete document."""
        ...

    def copy(self) -> Grammar:
        """An independent copy (for look-ahead)."""
        ...

    def begin(self) -> None:
        """The prime is read: what follows is held to every rule."""
        ...

    def close(self) -> None:
        """Steer to the nearest end (the sampler's character cap)."""
        ...

    def wind_down(self) -> None:
        """The model would end here but may not yet: end at the next place the form allows."""
        ...

    def may_wind_down(self) -> bool:
        """Whether `wind_down` applies here (the end token is not allowed yet)."""
        ...

    def resting(self) -> bool:
        """Between tokens of the body, where a cut still parses."""
        ...


def grammar_for(
    notation: str, fields: Mapping[str, Any] | None = None, *, min_notes: int = 0, min_bars: int = 0,
    alphabet: frozenset[str] | None = None, form: bool = True, parts: str = "one",
) -> Restricted | None:
    """The grammar the sampler uses for `notation`, complete, or None (plain text
    has none): `fields` fixes header values, `min_notes` and `min_bars` delay
    the end, a meter and a key are required unless `alphabet` (the model's
    characters) cannot write them, and with `form` a tune ends on the tonic
    after a multiple of four bars. `parts` is the form of notetokens/parts_grammar.py
    ("one": no repeat marks). It reads the prime leniently until `begin()`."""
    from .errors import NotegenError
    from .notes_grammar import NotesGrammar
    from .registry import get

    nt = get(notation)
    if not nt.music:
        return None
    known = alphabet if alphabet is not None else frozenset("MK:/")
    if nt.model_text != "notes":
        if fields:
            raise NotegenError(
                f"a {notation} model has no tune header: --key, --meter and --type need a melody model"
            )
        return Restricted(nt.grammar(), known)
    required = ("M" if set("M:/") <= known else "") + ("K" if set("K:") <= known else "")
    if parts == "one":
        inner = NotesGrammar(fields, min_notes, min_bars, required=required, form=form, relaxed=True)
    else:
        from .parts_grammar import PartsGrammar

        inner = PartsGrammar(fields, min_notes, min_bars, required=required, form=form, relaxed=True,
                             parts=parts)
    return Restricted(inner, known)


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

    @property
    def closing(self) -> bool:
        return self.inner.closing

    def begin(self) -> None:
        self.inner.begin()

    def close(self) -> None:
        self.inner.close()

    def wind_down(self) -> None:
        self.inner.wind_down()

    def may_wind_down(self) -> bool:
        return self.inner.may_wind_down()

    def resting(self) -> bool:
        return self.inner.resting()

    def facts(self) -> Grammar:
        """The inner grammar, read-only by convention: bar and phrase facts
        (`pickup`, `winding`) that form rules such as the echo read."""
        return self.inner

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
