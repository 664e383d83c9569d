"""Phrase echoes: the sampler replays a tune's own earlier bars where folk tunes
repeat themselves, so a strain comes back instead of wandering on.

The GRU barely reuses what it has written in the same tune (a sampled tune has
almost no recurring 8-note phrase; held-out tunes have 27%). In the training
tunes, counting full bars from the first one after the pickup (k = 0, 1, ...),
the places where a bar most often equals an earlier one are:

- the second phrase of an 8-bar strain opens as the first did: bar k (k mod 8
  = 4) equals bar k - 4 in 24-30% of tunes, bar k + 1 equals k - 3 in 18-26%;
- a second strain closes as the first: bars 15-16 of 16 (k mod 16 = 14)
  equal bars k - 8 in 25%.

At the bar line before such a bar, with probability `chance`, the sampler
feeds the two source bars (their characters, bar lines included) instead of
sampling them; the model reads them like any other text, so what follows
continues from the echo. A character the grammar does not allow at that point
(a winding-down or closing tune) ends the echo and sampling takes over. A tune
written in repeated parts (notetokens/parts_grammar.py) brings its strains back
itself: once it writes a repeat mark, the echo plans no more.
"""

from __future__ import annotations

from collections import deque

from .draw import echo_gen

ECHO = 0.7  # `notegen sample`'s chance per rule (see benchmarks/music_quality.md)
STRAIN = 8  # bars in a strain
RULES = ((STRAIN, 4, 4), (2 * STRAIN, 14, 8))  # (period, bar k mod period, bars back)
LENGTH = 2  # bars replayed per echo


class PhraseEcho:
    """Plans echoes as the tune is written. `push(ch, grammar)` after each
    character the tune gets; `forced()` is the next character to feed instead of
    sampling, or None; `drop()` abandons the echo under way."""

    def __init__(self, chance: float, seed: int | None = None) -> None:
        self.chance = chance
        self.rng = echo_gen(seed)  # the shared generator (models/draw.py), its own stream
        self.body: list[str] | None = None  # the tune's body so far (None: in the header)
        self.chunks: list[str] = []  # the text of each finished bar (pickup included)
        self.queue: deque[str] = deque()

    def push(self, ch: str, grammar: object) -> None:
        if self.body is None:
            if ch == "\n":
                self.body = []
            return
        if ch != "|":
            self.body.append(ch)
            return
        self.chunks.append("".join(self.body))
        self.body = []
        if not self.queue:
            self._plan(grammar)

    def forced(self) -> str | None:
        return self.queue[0] if self.queue else None

    def took(self) -> None:
        self.queue.popleft()

    def drop(self) -> None:
        self.queue.clear()

    def _plan(self, grammar: object) -> None:
        if getattr(grammar, "winding", False) or getattr(grammar, "closing", False):
            return
        if getattr(grammar, "marks_used", False):
            return  # a tune in parts repeats its own strains: the echo stands aside
        pickup = 1 if getattr(grammar, "pickup", 0) else 0
        k = len(self.chunks) - pickup  # the full bar about to begin
        for period, at, back in RULES:
            if k % period != at or k - back < 0:
                continue
            first = k - back + pickup
            source = self.chunks[first : first + LENGTH]
            if len(source) == LENGTH and self.rng.uniform() < self.chance:
                self.queue.extend(" " + " | ".join(c.strip() for c in source) + " |")
            return
