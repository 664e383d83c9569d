"""How good a model is: bits per character on held-out text, the validity rate of
unconstrained samples, and musical statistics of samples against a corpus."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from notetokens.errors import NotegenError, ParseError
from notetokens.vocab import CharVocab

from .cache import cached_bits, format_weights
from .checkpoint import LoadedModel
from .data import IGNORE, Streams, encode_documents, encode_stream, make_documents, make_streams
from .dynamic import CHUNK, DYNAMIC_LR, Reader
from .rnn import mask_hidden


def stream_nll(model: torch.nn.Module, data: Streams) -> tuple[float, int]:
    """Summed negative log-likelihood (nats) and target count over all of `data`,
    the hidden state carried across batches (and reset at document starts) as in
    training."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    hidden = None
    with torch.inference_mode():
        for x, y, keep in data:
            if hidden is not None and keep is not None:
                hidden = mask_hidden(hidden, keep)
            logits, hidden = model(x, hidden)  # (B, T, V)
            total += F.cross_entropy(
                logits.flatten(0, 1), y.flatten(), ignore_index=IGNORE, reduction="sum"
            ).item()
            count += int((y != IGNORE).sum())
    model.train(was_training)
    return total, count


def layout(
    notation: str, documents: list[str], vocab: CharVocab, batch_size: int, seq_len: int,
    *, rank: int = 0, world: int = 1, strict: bool = True,
) -> Streams:
    """The rows a model of `notation` is trained and scored on: music documents
    (tunes) each from the zero state sampling starts from, text as one stream."""
    import notetokens

    if notetokens.get(notation).music:
        return make_documents(encode_documents(documents, vocab, strict), batch_size, seq_len,
                              rank=rank, world=world)
    return make_streams(encode_stream(documents, vocab, strict), batch_size, seq_len,
                        rank=rank, world=world)


def bits_per_char(
    lm: LoadedModel, documents: list[str], *, batch_size: int = 16, seq_len: int = 256
) -> float:
    """Bits per character of `documents` (the end token of each counts as one),
    read as in training: a tune from the zero state, text as one stream."""
    docs = [d for d in documents if d]
    if not docs:
        raise NotegenError("no text to evaluate on")
    data = layout(lm.notation, docs, lm.vocab, batch_size, seq_len, strict=False).to(lm.device)
    nll, count = stream_nll(lm.model, data)
    return nll / max(1, count) / math.log(2)


def dynamic_bits_per_char(
    lm: LoadedModel, documents: list[str], *, lr: float = DYNAMIC_LR, seq_len: int = CHUNK,
) -> float:
    """Bits per character under dynamic evaluation: the text is read in order, one
    stream, and after each chunk of `seq_len` characters has been scored the model
    takes one SGD step on it, so it adapts to the text as it reads it, as PPMd
    does. `lm` itself is left unchanged (a copy adapts)."""
    _, nats = read_in_order(lm, documents, lr=lr, seq_len=seq_len)
    return float(nats.mean()) / math.log(2)


def read_in_order(
    lm: LoadedModel, documents: list[str], *, lr: float | None = None, seq_len: int = CHUNK,
) -> tuple[list[int], Tensor]:
    """Every target of `documents` in reading order (the end token of each tune
    counts as one) and its nats: with the weights as trained, or with `lr`, under
    dynamic evaluation (see `dynamic_bits_per_char`)."""
    docs = [d for d in documents if d]
    if not docs:
        raise NotegenError("no text to evaluate on")
    if lr is not None and not lr > 0:
        raise NotegenError(f"the dynamic learning rate must be > 0, got {lr}")
    data = layout(lm.notation, docs, lm.vocab, 1, seq_len, strict=False).to(lm.device)
    targets: list[int] = []
    nats: list[Tensor] = []
    if lr is not None:
        reader = Reader(lm.model, lr)
        for x, y, keep in data:
            nats.append(reader.read(x, y, keep))  # scored before the step that learns from it
            targets += y[y != IGNORE].tolist()
        return targets, torch.cat(nats)
    model, hidden = lm.model, None
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        for x, y, keep in data:
            if hidden is not None and keep is not None:
                hidden = mask_hidden(hidden, keep)
            logits, hidden = model(x, hidden)
            real = y.flatten() != IGNORE
            nats.append(F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="none",
                                        ignore_index=IGNORE)[real])
            targets += y[y != IGNORE].tolist()
    model.train(was_training)
    return targets, torch.cat(nats)


def adaptive_figures(
    lm: LoadedModel, documents: list[str], weights: Mapping[int, float], *,
    lr: float | None = None, seq_len: int = CHUNK,
) -> dict[str, float]:
    """Bits per character "static" and "static + cache" (the continuation cache of
    the text read so far mixed in, models/cache.py); with `lr`, "dynamic" and
    "dynamic + cache" too. One pass of the model for each of static and dynamic."""
    reset = cache_reset(lm)
    figures: dict[str, float] = {}
    for name, rate in (("static", None), ("dynamic", lr)):
        if name == "dynamic" and lr is None:
            break
        targets, nats = read_in_order(lm, documents, lr=rate, seq_len=seq_len)
        figures[name] = float(nats.double().mean()) / math.log(2)
        figures[f"{name} + cache"] = cached_bits(targets, probabilities(nats), weights, reset)
    return figures


def probabilities(nats: Tensor) -> list[float]:
    return torch.exp(-nats.double()).tolist()


def cache_reset(lm: LoadedModel) -> int | None:
    """The target at which the cache starts again: a tune's end for music (a cache
    per tune, as the sampler keeps); None for text (one cache over all of it)."""
    import notetokens
    from notetokens.vocab import EOS

    return EOS if notetokens.get(lm.notation).music else None


def samples(
    lm: LoadedModel, n: int, *, constrain: bool, seed: int = 0, max_chars: int = 400,
    temperature: float = 1.0, prime: str = "",
) -> list[str]:
    """N sampled documents, the i-th from seed + i."""
    from .sampling import sample_text

    return [
        sample_text(lm, prime, temperature=temperature, seed=seed + i, constrain=constrain,
                    max_chars=max_chars)
        for i in range(n)
    ]


def _parse(notation: str, text: str) -> Any | None:
    import notetokens

    try:
        return notetokens.get(notation).from_model_text(text)
    except ParseError:
        return None


def validity_rate(
    lm: LoadedModel, n: int = 20, *, seed: int = 0, max_chars: int = 400,
    temperature: float = 1.0,
) -> float:
    """The fraction of N unconstrained samples that the notation parses."""
    if n < 1:
        raise NotegenError(f"the number of samples must be >= 1, got {n}")
    texts = samples(lm, n, constrain=False, seed=seed, max_chars=max_chars,
                    temperature=temperature)
    return sum(_parse(lm.notation, t) is not None for t in texts) / n


@dataclass(frozen=True)
class MusicStats:
    melodies: int
    notes: int
    pitch_low: int | None
    pitch_high: int | None
    pitch_mean: float | None
    pitch_classes: tuple[float, ...]  # 12 frequencies, C first; zeros when no notes
    repeated_ngram_rate: float  # of pitch n-grams, the share seen before in the same melody


def music_stats(scores: list[Any], n: int = 4) -> MusicStats:
    """Pitch range, pitch-class histogram and repetition of the scores' notes."""
    pitches_all: list[int] = []
    repeated = grams = 0
    for score in scores:
        pitches = [note.pitch for note in score.notes]
        pitches_all += pitches
        seen: set[tuple[int, ...]] = set()
        for i in range(len(pitches) - n + 1):
            g = tuple(pitches[i : i + n])
            grams += 1
            repeated += g in seen
            seen.add(g)
    counts = Counter(p % 12 for p in pitches_all)
    total = len(pitches_all)
    return MusicStats(
        melodies=len(scores),
        notes=total,
        pitch_low=min(pitches_all) if pitches_all else None,
        pitch_high=max(pitches_all) if pitches_all else None,
        pitch_mean=sum(pitches_all) / total if total else None,
        pitch_classes=tuple(counts[c] / total if total else 0.0 for c in range(12)),
        repeated_ngram_rate=repeated / grams if grams else 0.0,
    )


def js_distance(p: tuple[float, ...], q: tuple[float, ...]) -> float:
    """Jensen-Shannon distance in bits (0 = same distribution, 1 = disjoint)."""
    def kl(a: tuple[float, ...], m: list[float]) -> float:
        return sum(x * math.log2(x / y) for x, y in zip(a, m, strict=True) if x > 0)

    if not any(p) or not any(q):
        return 1.0
    m = [(x + y) / 2 for x, y in zip(p, q, strict=True)]
    return math.sqrt(max(0.0, (kl(p, m) + kl(q, m)) / 2))


def total_variation(p: tuple[float, ...], q: tuple[float, ...]) -> float:
    return sum(abs(x - y) for x, y in zip(p, q, strict=True)) / 2


@dataclass
class EvalReport:
    notation: str
    bits_per_char: float
    documents: int
    characters: int
    validity_rate: float | None = None  # music only: unconstrained samples that parse
    samples: MusicStats | None = None  # music only: constrained samples
    corpus: MusicStats | None = None  # music only: the evaluated documents
    pc_js_distance: float | None = None
    pc_total_variation: float | None = None
    dynamic_bits_per_char: float | None = None  # adapting to the text as it reads it
    dynamic_setting: str = ""  # its learning rate and chunk
    cache_bits_per_char: float | None = None  # the continuation cache mixed in
    dynamic_cache_bits_per_char: float | None = None  # both
    cache_setting: str = ""  # its weights
    extra: dict[str, Any] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """A human-readable summary, one measurement per line."""
        out = [
            f"notation           {self.notation}",
            f"held-out text      {self.documents} documents, {self.characters} characters",
            f"bits per char      {self.bits_per_char:.4f} (static: the weights as trained)",
        ]
        if self.dynamic_bits_per_char is not None:
            out.append(f"dynamic            {self.dynamic_bits_per_char:.4f} bits per char "
                       f"(one SGD step after each chunk is scored; {self.dynamic_setting})")
        if self.cache_bits_per_char is not None:
            out.append(f"static + cache     {self.cache_bits_per_char:.4f} bits per char "
                       f"(continuations of the text read so far mixed in; {self.cache_setting})")
        if self.dynamic_cache_bits_per_char is not None:
            out.append(f"dynamic + cache    {self.dynamic_cache_bits_per_char:.4f} bits per char")
        if self.validity_rate is not None:
            out.append(f"validity rate      {self.validity_rate:.1%} of unconstrained samples parse")
        if self.samples and self.corpus:
            for name, s in (("samples", self.samples), ("corpus", self.corpus)):
                rng = f"{s.pitch_low}-{s.pitch_high}" if s.notes else "-"
                mean = f"{s.pitch_mean:.1f}" if s.pitch_mean is not None else "-"
                out.append(
                    f"{name:<18} {s.melodies} melodies, {s.notes} notes, pitch range {rng}, "
                    f"mean {mean}, repeated 4-gram rate {s.repeated_ngram_rate:.3f}"
                )
            out.append(
                f"pitch classes      Jensen-Shannon distance {self.pc_js_distance:.3f}, "
                f"total variation {self.pc_total_variation:.3f}"
            )
        return out


def evaluate_model(
    lm: LoadedModel, documents: list[str], *, n_samples: int = 20, seed: int = 0,
    max_chars: int = 400, temperature: float = 1.0, dynamic_lr: float | None = None,
    dynamic_chunk: int = 128, cache_weights: Mapping[int, float] | None = None,
) -> EvalReport:
    """Bits per character on `documents` (and with `dynamic_lr`, under dynamic
    evaluation too; with `cache_weights`, with the continuation cache mixed in
    too); for music, the validity rate of N unconstrained samples and
    statistics of N constrained samples against them."""
    import notetokens

    figures: dict[str, float] = {}
    if cache_weights is not None:  # its static pass gives the static figure too
        figures = adaptive_figures(lm, documents, cache_weights, lr=dynamic_lr, seq_len=dynamic_chunk)
    elif dynamic_lr is not None:
        figures["dynamic"] = dynamic_bits_per_char(lm, documents, lr=dynamic_lr, seq_len=dynamic_chunk)
    report = EvalReport(
        notation=lm.notation,
        bits_per_char=figures["static"] if "static" in figures else bits_per_char(lm, documents),
        documents=len(documents),
        characters=sum(len(d) for d in documents),
        dynamic_bits_per_char=figures.get("dynamic"),
        cache_bits_per_char=figures.get("static + cache"),
        dynamic_cache_bits_per_char=figures.get("dynamic + cache"),
    )
    if cache_weights is not None:
        report.cache_setting = f"weights {format_weights(cache_weights)}"
    if dynamic_lr is not None:
        report.dynamic_setting = f"lr {dynamic_lr:g}, {dynamic_chunk}-character chunks"
    if not notetokens.get(lm.notation).music or n_samples < 1:
        return report
    report.validity_rate = validity_rate(lm, n_samples, seed=seed, max_chars=max_chars,
                                         temperature=temperature)
    texts = samples(lm, n_samples, constrain=True, seed=seed, max_chars=max_chars,
                    temperature=temperature)
    sampled = [s for s in (_parse(lm.notation, t) for t in texts) if s is not None]
    corpus = [s for s in (_parse(lm.notation, d) for d in documents) if s is not None]
    report.samples = music_stats(sampled)
    report.corpus = music_stats(corpus)
    report.pc_js_distance = js_distance(report.samples.pitch_classes, report.corpus.pitch_classes)
    report.pc_total_variation = total_variation(
        report.samples.pitch_classes, report.corpus.pitch_classes
    )
    return report
