"""The one streaming sampler: `stream` yields a model's characters one at a time.

It carries the recurrent state, so each character costs one model step (O(1),
never re-running a window of past text). `sample`, `text` and `live` all read
this generator; `live` passes `temperature` as a callable to change it mid-stream.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch import Tensor

import notetokens
from notetokens.errors import NotegenError, ParseError
from notetokens.grammar import Restricted
from notetokens.vocab import BOS, EOS, PAD, UNK

from .checkpoint import LoadedModel
from .gru import Hidden

Temperature = float | Callable[[], float]
GRACE = 64  # characters a grammar may add past max_chars to finish what it began
BLOCKED = frozenset((PAD, BOS, UNK))  # specials never sampled (the end token may be)


class _Stepper:
    """Feeds ids one at a time, keeping the state: logits (V,) for the next id."""

    def __init__(self, lm: LoadedModel) -> None:
        self.model = lm.model
        self.device = lm.device
        self.hidden: Hidden | None = None
        with torch.inference_mode():
            self.x = torch.zeros((1, 1), dtype=torch.long, device=self.device)

    # callers hold torch.inference_mode(): one context per character, not per call
    def prime(self, ids: list[int]) -> Tensor:
        logits, self.hidden = self.model(torch.tensor([ids], device=self.device), None)
        return logits[0, -1]  # (V,)

    def feed(self, i: int) -> Tensor:
        self.x.fill_(i)
        logits, self.hidden = self.model(self.x, self.hidden)  # (1, 1, V)
        return logits[0, -1]  # (V,)


def step_logits(lm: LoadedModel, text: str) -> Tensor:
    """Logits (len(text) + 1, V) after bos and after each character of `text`, one
    step at a time through the sampler's own stepper."""
    lm.vocab.check(text)
    s = _Stepper(lm)
    with torch.inference_mode():
        out = [s.prime([BOS])]
        out += [s.feed(lm.vocab.id(ch)).clone() for ch in text]
        return torch.stack(out)


def grammar_for(notation: str) -> Any | None:
    """The notation's incremental grammar, or None (plain text has none)."""
    nt = notetokens.get(notation)
    if not nt.music:
        return None
    try:
        return nt.grammar()
    except (ImportError, AttributeError):
        return None


def stream(
    lm: LoadedModel,
    prime: str = "",
    *,
    temperature: Temperature = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = None,
    constrain: bool = True,
    max_chars: int | None = None,
    argmax: bool = False,
) -> Iterator[str]:
    """Characters sampled after `prime`, one by one, until the end token or `max_chars`.

    `temperature` (> 0; a callable is read before each character) divides the
    logits; `argmax` takes the likeliest character instead (the T -> 0 limit).
    `top_k` keeps the k likeliest, `top_p` the smallest set holding that much
    probability. The same `seed` gives the same characters. With `constrain`, a
    music notation's grammar masks every character that would make the text
    unparseable, and the end token is allowed only where the text is complete; the
    grammar may then run up to 64 characters past `max_chars` to finish a note.
    Options are checked here, before the first character is asked for.
    """
    lm.vocab.check(prime)
    if not callable(temperature):
        _check_temperature(temperature)
    if top_k is not None and (isinstance(top_k, bool) or top_k < 1):
        raise NotegenError(f"top_k must be >= 1, got {top_k}")
    if top_p is not None and not 0.0 < top_p <= 1.0:
        raise NotegenError(f"top_p must be in (0, 1], got {top_p}")
    if max_chars is not None and max_chars < 0:
        raise NotegenError(f"max_chars must be >= 0, got {max_chars}")
    grammar = grammar_for(lm.notation) if constrain else None
    if grammar is not None:
        # only characters this model knows, and only those after which it can finish
        grammar = Restricted(grammar, lm.vocab.chars)
        _feed_prime(grammar, prime, lm.notation)
    return _generate(lm, prime, grammar, temperature, top_k, top_p, seed, max_chars, argmax)


def sample_text(lm: LoadedModel, prime: str = "", **options: Any) -> str:
    """The prime followed by everything `stream` yields for it."""
    return prime + "".join(stream(lm, prime, **options))


def _check_temperature(t: float) -> float:
    if not isinstance(t, (int, float)) or isinstance(t, bool) or math.isnan(t) or t <= 0:
        raise NotegenError(
            f"temperature must be a number > 0, got {t!r} (use argmax for the T -> 0 limit)"
        )
    return float(t)


def _feed_prime(grammar: Any, prime: str, notation: str) -> None:
    for pos, ch in enumerate(prime):
        if ch not in grammar.allowed():
            raise NotegenError(
                f"the prime is not valid {notation} text: {ch!r} at position {pos + 1}"
            )
        try:
            grammar.feed(ch)
        except ParseError as e:
            raise NotegenError(f"the prime is not valid {notation} text: {e}") from None


def _generate(
    lm: LoadedModel,
    prime: str,
    grammar: Any | None,
    temperature: Temperature,
    top_k: int | None,
    top_p: float | None,
    seed: int | None,
    max_chars: int | None,
    argmax: bool,
) -> Iterator[str]:
    vocab, device = lm.vocab, lm.device
    size = len(vocab)
    chars = [vocab.char(i) for i in range(size)]
    gen = torch.Generator(device=device)
    if seed is None:
        gen.seed()  # fresh entropy for this stream only; the global RNG is untouched
    else:
        gen.manual_seed(seed)
    # specials other than the end token are never sampled: (V,) of 0 or -inf
    block = torch.zeros(size, device=device)
    block[list(BLOCKED)] = -math.inf
    masks: dict[tuple[frozenset[str], bool], Tensor] = {}
    stepper = _Stepper(lm)
    ids = [BOS, *vocab.encode(prime)]
    last: int | None = None
    limit = None if max_chars is None else max_chars + (GRACE if grammar is not None else 0)
    n = 0
    while True:
        if limit is not None and n >= max_chars and (
            grammar is None or n >= limit or grammar.can_end()
        ):
            return
        mask = None
        if grammar is not None:
            key = (grammar.allowed(), grammar.can_end())
            mask = masks.get(key)
            if mask is None:
                mask = masks[key] = _mask(key, vocab, size, device)
        with torch.inference_mode():
            logits = stepper.prime(ids) if last is None else stepper.feed(last)
            if mask is not None:
                i = _choose(logits + mask, temperature, top_k, top_p, argmax, gen)
            else:
                i = _choose(logits, temperature, top_k, top_p, argmax, gen)
                if i in BLOCKED:  # rare: draw again without them (exact rejection sampling)
                    i = _choose(logits + block, temperature, top_k, top_p, argmax, gen)
        if i == EOS:
            return
        ch = chars[i]
        if grammar is not None:
            grammar.feed(ch)
        yield ch
        n += 1
        last = i


def _mask(key: tuple[frozenset[str], bool], vocab: Any, size: int, device: torch.device) -> Tensor:
    allowed, can_end = key
    ids = [vocab.id(c) for c in allowed if c in vocab]
    if can_end:
        ids.append(EOS)
    if not ids:
        raise NotegenError("the grammar allows no character this model knows; cannot continue")
    mask = torch.full((size,), -math.inf, device=device)
    mask[ids] = 0.0
    return mask


def _choose(
    scores: Tensor,
    temperature: Temperature,
    top_k: int | None,
    top_p: float | None,
    argmax: bool,
    gen: torch.Generator,
) -> int:
    """One id from scores (V,): greedy, or sampled after temperature, top-k, top-p."""
    if argmax:
        return int(scores.argmax())
    t = _check_temperature(temperature()) if callable(temperature) else temperature
    if top_k is None and top_p is None:
        probs = torch.softmax(scores if t == 1.0 else scores / t, dim=-1)
        return int(torch.multinomial(probs, 1, generator=gen))
    ids: Tensor | None = None
    if top_k is not None and top_k < scores.numel():
        scores, ids = torch.topk(scores, top_k)  # sorted, likeliest first
    probs = torch.softmax(scores / t, dim=-1)
    if top_p is not None and top_p < 1.0:
        probs, order = torch.sort(probs, descending=True)
        ids = order if ids is None else ids[order]
        # keep the likeliest characters until their mass reaches top_p (at least one)
        keep = (torch.cumsum(probs, 0) - probs) < top_p
        probs = probs * keep
    j = int(torch.multinomial(probs, 1, generator=gen))
    return j if ids is None else int(ids[j])
