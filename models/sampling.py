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

import notetokens
from notetokens.errors import NotegenError, ParseError
from notetokens.grammar import Restricted
from notetokens.notes_grammar import Field, NotesGrammar
from notetokens.vocab import BOS, EOS, PAD, UNK

from .checkpoint import LoadedModel
from .gru import Hidden
from .loopguard import LoopGuard

Temperature = float | Callable[[], float]
GRACE = 400  # characters a grammar may add past max_chars to reach its nearest end
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


def grammar_for(
    notation: str,
    fields: Mapping[str, Field] | None = None,
    min_notes: int = 0,
    min_bars: int = 0,
    vocab: Any | None = None,
    form: bool = True,
) -> Any | None:
    """The notation's incremental grammar, or None (plain text has none). For the
    note string, `fields` fixes header values; `min_notes` and `min_bars` delay the end;
    a meter and a key are required unless `vocab` (the model's) cannot write
    them; with `form`, a tune ends on the tonic after a multiple of four bars."""
    nt = notetokens.get(notation)
    if not nt.music:
        return None
    grammar = nt.grammar()
    if isinstance(grammar, NotesGrammar):
        grammar.fields, grammar.min_notes, grammar.min_bars = dict(fields or {}), min_notes, min_bars
        known = set(vocab.chars) if vocab is not None else set("MK:/")
        grammar.required = ("M" if set("M:/") <= known else "") + ("K" if set("K:") <= known else "")
        grammar.form = form
    elif fields:
        raise NotegenError(
            f"a {notation} model has no tune header: --key, --meter and --type need a melody model"
        )
    return grammar


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
    fields: Mapping[str, Field] | None = None,
    min_notes: int = 0,
    min_bars: int = 0,
    loop_guard: bool = True,
    form: bool = True,
    cache: bool = False,
    echo: float = 0.0,
    dynamic_lr: float | None = None,
) -> Iterator[str]:
    """Characters sampled after `prime`, one by one, until the end token or `max_chars`.

    `temperature` (> 0; a callable is read before each character) divides the
    logits; `argmax` takes the likeliest character instead (the T -> 0 limit).
    `top_k` keeps the k likeliest, `top_p` the smallest set holding that much
    probability. The same `seed` gives the same characters. With `constrain`, a
    music notation's grammar masks every character that would make the text
    unparseable, and the end token is allowed only where the text is complete.
    From `max_chars` on, the grammar steers to its nearest end (for melodies: the
    end of the bar) and the end token is taken as soon as it is allowed; at most
    `GRACE` characters more are written. For a melody model, `fields` fixes
    header values (`{"T": "reel", "K": "D"}`); `min_notes` and `min_bars` keep
    the end token away until the tune has that many notes and bars. `loop_guard`
    breaks loops (see `LoopGuard`; they come at low temperature and argmax).
    With `form`, a melody ends only on its key's tonic after a multiple of four
    bars: where the model would end before that, it winds down (its notes until
    the bar that completes four, then the tonic to the bar's end); near the cap,
    the tonic to the end of the bar. `cache` mixes the tune's own earlier
    continuations into the model's distribution (`cache.TuneCache`). `echo`
    (0..1) is the chance that a melody replays its own earlier bars where folk
    tunes repeat themselves (`echo.PhraseEcho`; with the grammar only). With
    `dynamic_lr`, a copy of the model adapts as it reads, one SGD step per 128
    characters of the prime and then of its own text (`dynamic.Follower`).
    The prime is read leniently (any bar lines and lengths); the rules hold
    after it. Options are checked here, before the first character is asked for.
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
    if dynamic_lr is not None and not (isinstance(dynamic_lr, (int, float)) and dynamic_lr > 0):
        raise NotegenError(f"the dynamic learning rate must be > 0, got {dynamic_lr}")
    if not 0.0 <= echo <= 1.0:
        raise NotegenError(f"echo must be in [0, 1], got {echo}")
    if min_notes < 0 or min_bars < 0:
        raise NotegenError(f"min_notes and min_bars must be >= 0, got {min_notes}, {min_bars}")
    fields = _writable(lm, fields)
    grammar = grammar_for(lm.notation, fields, min_notes, min_bars, lm.vocab, form) if constrain else None
    if grammar is not None:
        # only characters this model knows, and only those after which it can finish
        if hasattr(grammar, "relaxed"):
            grammar.relaxed = True
        grammar = Restricted(grammar, lm.vocab.chars)
        _feed_prime(grammar, prime, lm.notation)
        if hasattr(grammar.inner, "begin"):
            grammar.inner.begin()
    guard = LoopGuard() if loop_guard else None
    tune_cache = None
    if cache:
        from .cache import TuneCache

        tune_cache = TuneCache()
        tune_cache.extend(lm.vocab.encode(prime))
    echoes = None
    if echo > 0 and grammar is not None and isinstance(grammar.inner, NotesGrammar):
        from .echo import PhraseEcho

        echoes = PhraseEcho(echo, seed)
        for ch in prime:
            echoes.push(ch, grammar.inner)
    return _generate(
        lm, prime, grammar, temperature, top_k, top_p, seed, max_chars, argmax, guard, tune_cache,
        echoes, dynamic_lr,
    )


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
    guard: LoopGuard | None,
    tune_cache: Any = None,
    echoes: Any = None,
    dynamic_lr: float | None = None,
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
    follower = None
    if dynamic_lr is not None:
        from .dynamic import Follower

        follower = Follower(lm.model, dynamic_lr, device)
        stepper.model = follower.model
        for i in ids:
            follower.push(i)
    last: int | None = None
    limit = None if max_chars is None else max_chars + (GRACE if grammar is not None else 0)
    n = 0
    closed = False
    text = list(prime)
    while True:
        closing = limit is not None and n >= max_chars  # type: ignore[operator]
        if closing and (grammar is None or (n >= limit and _settled(grammar))):  # type: ignore[operator]
            return
        mask = None
        if grammar is not None:
            if closing and not closed:
                closed = True
                if hasattr(grammar.inner, "close"):
                    grammar.inner.close()
            key = (grammar.allowed(), grammar.can_end())
            if key[1] and (closing or getattr(grammar.inner, "closing", False)):
                return  # closing (at the cap, or winding down): take the nearest end
            mask = masks.get(key)
            if mask is None:
                mask = masks[key] = _mask(key, vocab, size, device)
        with torch.inference_mode():
            logits = stepper.prime(ids) if last is None else stepper.feed(last)
            i = _echoed(echoes, mask, vocab)
            if i is None:
                if tune_cache is not None:
                    logits = torch.log(tune_cache.mix(torch.softmax(logits, dim=-1)))
                banned = [vocab.id(c) for c in guard.banned(text) if c in vocab] if guard else []
                if banned:
                    extra = (mask if mask is not None else torch.zeros_like(logits)).clone()
                    extra[banned] = -math.inf
                    if bool(torch.isfinite(logits + extra).any()):  # never block the only way on
                        mask = extra
                if grammar is not None and mask is not None and _may_wind_down(grammar, key[1]):
                    # where the model would end but the form may not, it winds down instead
                    with_end = mask.clone()
                    with_end[EOS] = 0.0
                    if _choose(logits + with_end, temperature, top_k, top_p, argmax, gen) == EOS:
                        grammar.inner.wind_down()
                        key = (grammar.allowed(), grammar.can_end())
                        mask = masks.get(key)
                        if mask is None:
                            mask = masks[key] = _mask(key, vocab, size, device)
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
        text.append(ch)
        if tune_cache is not None:
            tune_cache.push(i)
        if echoes is not None:
            echoes.push(ch, grammar.inner)  # type: ignore[union-attr]
        if follower is not None:
            follower.push(i)
        yield ch
        n += 1
        last = i


def _echoed(echoes: Any, mask: Tensor | None, vocab: Any) -> int | None:
    """The id of the echo's next character where the grammar allows it; a
    character it does not allow ends the echo (sampling takes over)."""
    ch = echoes.forced() if echoes is not None else None
    if ch is None:
        return None
    i = vocab.id(ch) if ch in vocab else None
    if i is None or (mask is not None and not bool(torch.isfinite(mask[i]))):
        echoes.drop()
        return None
    echoes.took()
    return i


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


def _may_wind_down(grammar: Any, can_end: bool) -> bool:
    """A melody the model would end that may not end yet, with notes enough."""
    g = grammar.inner
    return (
        not can_end and getattr(g, "form", False) and not g.winding and not g.closing
        and g.state in ("sep", "note", "rest", "chord_end", "dur") and g.events >= max(1, g.min_notes)
    )


def _settled(grammar: Any) -> bool:
    """Complete, or between tokens (a cut there still parses)."""
    resting = getattr(grammar.inner, "resting", None)
    return bool(grammar.can_end() or (resting is not None and resting()))
