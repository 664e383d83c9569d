"""The one streaming sampler: `stream` yields a model's characters one at a time.

It carries the recurrent state, so each character costs one model step (O(1),
never re-running a window of past text). `sample`, `text` and `live` all read
this generator; `live` passes `temperature` as a callable to change it mid-stream.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import torch
from torch import Tensor

from notetokens.errors import NotegenError, ParseError
from notetokens.grammar import Restricted, grammar_for
from notetokens.notes_grammar import Field
from notetokens.vocab import BOS, EOS, PAD, UNK

from .checkpoint import LoadedModel
from .draw import Gen, choose
from .options import BARE, SampleOptions, finite_temperature
from .rnn import Hidden
from .rules import GRACE, rules_for

Temperature = float | Callable[[], float]
__all__ = ["BARE", "GRACE", "SampleOptions", "grammar_for", "sample_text", "step_logits", "stream"]
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

def stream(
    lm: LoadedModel,
    prime: str = "",
    options: SampleOptions | None = None,
    fields: Mapping[str, Field] | None = None,
    **changes: Any,
) -> Iterator[str]:
    """Characters sampled after `prime`, one by one, until the end token or the cap.

    `options` (a `SampleOptions`; `BARE` by default: no minimum, no echo, no
    cap) holds every choice; `changes` are field names that replace its values
    (`stream(lm, seed=1, max_chars=50)`). `temperature` (> 0; a callable is read
    before each character) divides the logits; `argmax` takes the likeliest
    character instead (the T -> 0 limit); `top_k` keeps the k likeliest, `top_p`
    the smallest set holding that much probability. The same `seed` gives the
    same characters. With `constrain`, a music notation's grammar masks every
    character that would make the text unparseable, and the end token is
    allowed only where the text is complete. For a melody model, `fields`
    fixes header values (`{"T": "reel", "K": "D"}`; the options' key, meter and
    type when None); `min_notes` and `bars` keep the end token away until the
    tune has that many notes and bars. The form rules (models/rules.py: the
    nearest end at `max_chars`, the echo, the loop guard, the wind-down) are
    composed here. `cache` mixes the tune's own earlier continuations into the
    model's distribution (`cache.TuneCache`); with `dynamic`, a copy of the
    model adapts as it reads (`dynamic.Follower`). The prime is read leniently
    (any bar lines and lengths); the rules hold after it. Options are checked
    before the first character is asked for.
    """
    opts = (options or BARE).but(**changes)
    lm.vocab.check(prime)
    fields = _writable(lm, opts.header() if fields is None else fields)
    grammar = None
    if opts.constrain:
        grammar = grammar_for(lm.notation, fields, min_notes=opts.min_notes, min_bars=opts.bars or 0,
                              alphabet=frozenset(lm.vocab.chars), form=opts.form, parts=opts.parts)
    if grammar is not None:
        _feed_prime(grammar, prime, lm.notation)
        grammar.begin()
    return _Sampler(lm, prime, opts, grammar).run()


class _Sampler:
    """One stream: the model's stepper, the grammar, the rules and the draw;
    `run()` yields the characters. Rules see it as their `rules.Context`."""

    def __init__(
        self, lm: LoadedModel, prime: str, options: SampleOptions, grammar: Restricted | None
    ) -> None:
        self.lm, self.options, self.grammar = lm, options, grammar
        self.text, self.n = list(prime), 0
        self.vocab, self.size = lm.vocab, len(lm.vocab)
        self.gen = Gen(options.seed)  # the shared draw (models/draw.py); None: os.urandom
        self.block = torch.zeros(self.size, device=lm.device)  # specials other than the end token
        self.block[list(BLOCKED)] = -math.inf
        self.masks: dict[tuple[frozenset[str], bool], Tensor] = {}
        self.stepper = _Stepper(lm)
        self.ids = [BOS, *lm.vocab.encode(prime)]
        self.rules = rules_for(options, grammar, prime)
        self.strict = [r for r in self.rules if not r.soft]
        self.soft = [r for r in self.rules if r.soft]
        self.cache: Any = None
        self.follower: Any = None
        self.mask: Tensor | None = None
        self.logits: Tensor | None = None
        self._adapters(prime)

    def _adapters(self, prime: str) -> None:
        if self.options.cache:
            from .cache import TuneCache

            self.cache = TuneCache()
            self.cache.extend(self.vocab.encode(prime))
        if self.options.dynamic_rate is not None:
            from .dynamic import Follower

            self.follower = Follower(self.lm.model, self.options.dynamic_rate, self.lm.device)
            self.stepper.model = self.follower.model
            for i in self.ids:
                self.follower.push(i)

    def run(self) -> Iterator[str]:
        last: int | None = None
        while not any(r.stop(self) for r in self.rules):
            self.logits = None
            self.refresh()
            with torch.inference_mode():
                self.logits = self.stepper.prime(self.ids) if last is None else self.stepper.feed(last)
                i = self._forced()
                if i is None:
                    i = self._drawn()
            if i == EOS:
                return
            ch = self.vocab.char(i)
            self._push(i, ch)
            yield ch
            self.n += 1
            last = i

    # -- what the rules see (rules.Context) ---------------------------------
    def refresh(self) -> None:
        """The mask of the grammar's state, with every strict rule's bans."""
        if self.grammar is None:
            self.mask = None
            return
        key = (self.grammar.allowed(), self.grammar.can_end())
        mask = self.masks.get(key)
        if mask is None:
            mask = self.masks[key] = _mask(key, self.vocab, self.size, self.lm.device)
        self.mask = self._ban(mask, self.strict, strict=True)

    def permits(self, ch: str) -> bool:
        i = self.vocab.id(ch) if ch in self.vocab else None
        return i is not None and (self.mask is None or bool(torch.isfinite(self.mask[i])))

    def chooses_end(self) -> bool:
        """A draw with the end token allowed too: whether the model would end here."""
        assert self.mask is not None and self.logits is not None
        with_end = self.mask.clone()
        with_end[EOS] = 0.0
        return self._choose(self.logits + with_end) == EOS

    # -- one character -------------------------------------------------------
    def _forced(self) -> int | None:
        for rule in self.rules:
            ch = rule.forced(self)
            if ch is not None:
                return self.vocab.id(ch)
        return None

    def _drawn(self) -> int:
        assert self.logits is not None
        if self.cache is not None:
            self.logits = torch.log(self.cache.mix(torch.softmax(self.logits, dim=-1)))
        if self.soft:
            self.mask = self._ban(self.mask, self.soft, strict=False)
        for rule in self.rules:
            rule.before_choice(self)
        if self.mask is not None:
            return self._choose(self.logits + self.mask)
        i = self._choose(self.logits)
        if i in BLOCKED:  # rare: draw again without them (exact rejection sampling)
            i = self._choose(self.logits + self.block)
        return i

    def _ban(self, mask: Tensor | None, rules: list[Any], strict: bool) -> Tensor | None:
        ids = [self.vocab.id(c) for r in rules for c in r.banned(self) if c in self.vocab]
        if not ids:
            return mask
        extra = (mask if mask is not None else torch.zeros(self.size, device=self.lm.device)).clone()
        extra[ids] = -math.inf
        if strict or bool(torch.isfinite(self.logits + extra).any()):  # type: ignore[operator]
            return extra  # a soft rule never blocks the only way on
        return mask

    def _choose(self, scores: Tensor) -> int:
        o = self.options
        return _choose(scores, o.temperature, o.top_k, o.top_p, o.argmax, self.gen)

    def _push(self, i: int, ch: str) -> None:
        if self.grammar is not None:
            self.grammar.feed(ch)
        self.text.append(ch)
        if self.cache is not None:
            self.cache.push(i)
        for rule in self.rules:
            rule.pushed(ch, self)
        if self.follower is not None:
            self.follower.push(i)


def _writable(lm: LoadedModel, fields: Mapping[str, Field] | None) -> dict[str, Field]:
    """`fields` with each choice narrowed to what the model's characters can write;
    a fixed value it cannot write is a clear error."""
    out: dict[str, Field] = {}
    known = set(lm.vocab.chars)
    for name, value in (fields or {}).items():
        values = (value,) if isinstance(value, str) else value
        ok = tuple(v for v in values if set(f"{name}:{v}") <= known)
        if isinstance(value, str) and not ok:
            missing = sorted(set(f"{name}:{value}") - known)
            raise NotegenError(
                f"this model never saw {missing[0]!r}, so it cannot write {name}:{value} "
                "(a model trained before that header field existed); retrain it or leave the option out"
            )
        if ok:
            out[name] = value if isinstance(value, str) else ok
    return out


def sample_text(lm: LoadedModel, prime: str = "", **options: Any) -> str:
    """The prime followed by everything `stream` yields for it."""
    return prime + "".join(stream(lm, prime, **options))


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
    gen: Gen,
) -> int:
    """One id from scores (V,): greedy, or sampled after temperature, top-k, top-p,
    by the inverse CDF of models/draw.py (the draw the C engine makes too)."""
    t = 1.0 if argmax else finite_temperature(temperature()) if callable(temperature) else temperature
    return choose(scores.detach().cpu().numpy(), t, top_k, top_p, argmax, gen)
