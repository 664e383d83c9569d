"""The musical judge: figures a folk musician would look at, for sampled tunes
against held-out tunes.

Every figure is computed from note-string model text (a sampled tune's text as
the model wrote it, bar lines included; a held-out tune's text as the corpus
writes it). `judge` takes texts or Scores (a Score is written as model text
first), so tests can feed real parsed tunes. The figures:

- normal meter: the header has `M:` and it is not a one-beat meter (1/4, 1/8, ...).
- every inner bar exact: the tune has a meter, and every bar between two bar
  lines fills it (the first and last bar may be shorter: pickup and close).
- last note on the tonic: the last note's pitch class is the `K:` tonic's.
- recurring 8-note phrases: of all 8-note pitch n-grams (consecutive notes, any
  rhythm) of all tunes, the share that occur at least twice in the same tune.
- notes tied over a bar line: of all notes of tunes with a meter, the share
  that sound across a bar line of the bar grid (the pickup, then every bar).
- a whole multiple of 4 bars: ceil((end - pickup) / bar) is 4, 8, 12, ...
  (a pickup and a last bar that completes it count as one bar).
- pitch-class and interval JS divergence (base 2, so 0..1) of these tunes'
  pitch-class histogram and melodic-interval histogram (semitones, clipped
  to +-12) to the held-out tunes'. The pitch classes follow the choice of
  key (the training collections' keys are not the held-out tunes'), so the
  scale-degree divergence counts each pitch class from its tune's `K:` tonic.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from notetokens import Score, notes
from notetokens.bars import bar_length, text_bars
from notetokens.errors import NotegenError
from notetokens.keysig import parse_key
from notetokens.notes_reader import LETTER_PC

from .parts import Shape, shape

PHRASE = 8  # notes in a phrase n-gram
MAX_INTERVAL = 12


@dataclass
class Figures:
    """The judge's counts over a set of tunes (shares are properties)."""

    tunes: int = 0
    failures: int = 0
    normal_meter: int = 0
    exact_bars: int = 0
    tonic_ending: int = 0
    four_bar_multiple: int = 0
    phrases: int = 0  # 8-note n-grams
    recurring: int = 0  # of them, those that occur twice or more in their tune
    notes: int = 0  # notes in tunes with a meter
    tied: int = 0  # of them, those held over a bar line
    pitch_classes: Counter[int] = field(default_factory=Counter)
    degrees: Counter[int] = field(default_factory=Counter)  # pitch classes from the tonic
    intervals: Counter[int] = field(default_factory=Counter)
    in_parts: int = 0  # tunes written in repeated parts
    aabb: int = 0  # of all tunes, those in AABB form
    parts: int = 0  # repeated parts
    whole_parts: int = 0  # of them, those a whole number of bars long
    part_bars: Counter[Fraction] = field(default_factory=Counter)  # part lengths in bars

    def share(self, name: str) -> float:
        of = {"recurring": self.phrases, "tied": self.notes, "whole_parts": self.parts}.get(name, self.tunes)
        return getattr(self, name) / of if of else 0.0


@dataclass(frozen=True)
class TuneFigures:
    normal_meter: bool
    exact_bars: bool
    tonic_ending: bool
    four_bar_multiple: bool
    phrases: int
    recurring: int
    notes: int
    tied: int
    pitches: tuple[int, ...]
    tonic: int | None = None  # the K: tonic's pitch class
    shape: Shape | None = None  # its parts (models/parts.py)


def tune_figures(tune: str | Score) -> TuneFigures:
    """One tune's figures. Raises `NotegenError` for text that does not parse."""
    text = tune if isinstance(tune, str) else notes.to_model_text(tune)
    written = notes.parse(text)
    score = written.played_out()  # what is heard: the repeats played
    tb = text_bars(text)
    meter = tb.header.meter
    bar = bar_length(meter) if meter else None
    melody = sorted(score.parts[0].notes) if score.parts else []
    pitches = tuple(n.pitch for n in melody)
    grams = [pitches[i : i + PHRASE] for i in range(len(pitches) - PHRASE + 1)]
    counts = Counter(grams)
    exact = bar is not None and all(
        b <= bar and (b == bar or i in (0, len(tb.bars) - 1)) for i, b in enumerate(tb.bars)
    )
    if bar is not None and len(tb.bars) < 2 and tb.end > bar:
        exact = False  # longer than a bar, and no bar line
    tied = 0
    if bar is not None:
        start = score.pickup
        tied = sum(1 for n in melody if _crosses(n.onset, n.end, start, bar))
    key = parse_key(score.key)
    tonic = (LETTER_PC[key.tonic] + key.alter) % 12 if key else None
    return TuneFigures(
        normal_meter=meter is not None and meter.numerator > 1,
        exact_bars=exact,
        tonic_ending=bool(melody) and tonic is not None and melody[-1].pitch % 12 == tonic,
        four_bar_multiple=bar is not None and _bars(score.end, score.pickup, bar) % 4 == 0,
        phrases=len(grams),
        recurring=sum(1 for g in grams if counts[g] > 1),
        notes=len(melody) if bar is not None else 0,
        tied=tied,
        pitches=pitches,
        tonic=tonic,
        shape=shape(written),
    )


def _crosses(onset: Fraction, end: Fraction, start: Fraction, bar: Fraction) -> bool:
    """Whether a bar line of the grid start + k * bar lies strictly inside (onset, end)."""
    k = math.floor((onset - start) / bar) + 1
    return start + k * bar < end


def _bars(end: Fraction, pickup: Fraction, bar: Fraction) -> int:
    return math.ceil((end - pickup) / bar)


def judge(tunes: Iterable[str | Score], failures: int = 0) -> Figures:
    """Figures over tunes; a tune that does not parse counts as a failure."""
    f = Figures(failures=failures)
    for tune in tunes:
        try:
            t = tune_figures(tune)
        except NotegenError:
            f.failures += 1
            continue
        f.tunes += 1
        f.normal_meter += t.normal_meter
        f.exact_bars += t.exact_bars
        f.tonic_ending += t.tonic_ending
        f.four_bar_multiple += t.four_bar_multiple
        f.phrases += t.phrases
        f.recurring += t.recurring
        f.notes += t.notes
        f.tied += t.tied
        f.pitch_classes.update(p % 12 for p in t.pitches)
        if t.tonic is not None:
            f.degrees.update((p - t.tonic) % 12 for p in t.pitches)
        steps = (b - a for a, b in itertools.pairwise(t.pitches))
        f.intervals.update(max(-MAX_INTERVAL, min(MAX_INTERVAL, s)) for s in steps)
        if t.shape is not None and t.shape.in_parts:
            f.in_parts += 1
            f.aabb += t.shape.aabb
            f.parts += len(t.shape.part_bars)
            f.whole_parts += sum(b.denominator == 1 for b in t.shape.part_bars)
            f.part_bars.update(t.shape.part_bars)
    return f


def js_divergence(p: Counter[int], q: Counter[int]) -> float:
    """Jensen-Shannon divergence of two histograms, in bits (0 same, 1 disjoint)."""
    sp, sq = sum(p.values()), sum(q.values())
    if not sp or not sq:
        return 1.0
    out = 0.0
    for k in set(p) | set(q):
        a, b = p[k] / sp, q[k] / sq
        m = (a + b) / 2
        out += (a * math.log2(a / m) if a else 0.0) + (b * math.log2(b / m) if b else 0.0)
    return out / 2


def held_out(
    paths: list[str] | None = None, progress: Callable[[int, int], None] | None = None
) -> tuple[list[str], int]:
    """Held-out tunes as note-string model text, and how many were skipped: by
    default airdsAirs and miscFolk, read from music21's corpus as `notegen corpus
    folk-test` writes them (cached after the first time); else `paths`."""
    from notetokens.corpus import build, source

    if paths:
        test = build(paths, "notes", progress=progress, strict=False)
    else:
        test = source("folk-test", "notes", progress=progress)
    if not test.documents:  # figures of 0 tunes would be a table of nothing
        first = f" (first: {test.skipped[0]})" if test.skipped else ""
        raise NotegenError(
            f"no held-out tunes could be read from {', '.join(map(str, paths or ['folk-test']))}: "
            f"{len(test.skipped)} skipped{first}"
        )
    return test.documents, len(test.skipped)


def sample_tunes(lm: Any, num: int, seed: int = 0, prime: str = "", **options: Any) -> tuple[list[str], int]:
    """`num` tunes through `sample_tune` (what `notegen sample` calls), seeds
    seed, seed + 1, ...; a tune whose sampling raises is a failure, not the end."""
    from .tunes import sample_tune

    texts, failures = [], 0
    for i in range(num):
        try:
            texts.append(sample_tune(lm, prime, seed=seed + i, **options).text)
        except Exception:  # the judge counts every failure, whatever raised it
            failures += 1
    return texts, failures


_WORKER: dict[str, Any] = {}


def _load_worker(model: str) -> None:
    import torch

    from .checkpoint import load

    torch.set_num_threads(1)
    _WORKER["lm"] = load(model)


def _sample_one(args: tuple[int, dict[str, Any]]) -> tuple[str | None, int]:
    texts, failures = sample_tunes(_WORKER["lm"], 1, seed=args[0], **args[1])
    return (texts[0] if texts else None), failures


def sample_parallel(
    model: str,
    num: int,
    seed: int = 0,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> tuple[list[str], int]:
    """`sample_tunes` for the model at `model` (a name or path), spread over `jobs`
    worker processes; the tunes are the same as in one process, in seed order."""
    from notetokens.workers import pool_map

    todo = [(seed + i, options) for i in range(num)]
    if jobs <= 1:
        _load_worker(model)
        results: Iterable[tuple[str | None, int]] = map(_sample_one, todo)
        return _collect(results, num, progress)
    done: list[tuple[str | None, int]] = []

    def each(result: tuple[str | None, int]) -> None:
        done.append(result)
        if progress:
            progress(len(done), num)

    # the workers end with the command, a SIGTERM too
    pool_map(_sample_one, todo, jobs, each, initializer=_load_worker, initargs=(model,))
    return _collect(done, num, None)


def _collect(
    results: Iterable[tuple[str | None, int]], num: int, progress: Callable[[int, int], None] | None
) -> tuple[list[str], int]:
    texts, failures = [], 0
    for i, (text, failed) in enumerate(results, 1):
        if text is not None:
            texts.append(text)
        failures += failed
        if progress:
            progress(i, num)
    return texts, failures


ROWS = (
    ("tunes written", None),
    ("a normal meter (not missing, not 1/4 or 1/8)", "normal_meter"),
    ("every inner bar exact", "exact_bars"),
    ("last note on the tonic", "tonic_ending"),
    ("8-note phrases that recur within the tune", "recurring"),
    ("notes tied over a bar line", "tied"),
    ("length a whole multiple of 4 bars (played out)", "four_bar_multiple"),
    ("written in repeated parts", "in_parts"),
    ("in AABB form", "aabb"),
    ("repeated parts a whole number of bars", "whole_parts"),
)


def table(
    model: Figures,
    reference: Figures,
    name: str = "model",
    told: tuple[float | None, float | None, int] | None = None,
) -> str:
    """A Markdown table of the figures: held-out tunes against the model's."""
    lines = [f"| figure | held-out tunes | {name} |", "|---|---|---|"]
    for label, attr in ROWS:
        if attr is None:
            ref = f"{reference.tunes} ({reference.failures} skipped)"
            got = f"{model.tunes} of {model.tunes + model.failures} ({model.failures} failures)"
        else:
            digits = 2 if attr == "tied" else 1
            ref, got = (f"{100 * f.share(attr):.{digits}f}%" for f in (reference, model))
        lines.append(f"| {label} | {ref} | {got} |")
    pc = js_divergence(model.pitch_classes, reference.pitch_classes)
    iv = js_divergence(model.intervals, reference.intervals)
    sd = js_divergence(model.degrees, reference.degrees)
    lines.append(f"| pitch-class JS divergence to held-out | 0 | {pc:.3f} |")
    lines.append(f"| scale-degree JS divergence (from the tonic) | 0 | {sd:.3f} |")
    lines.append(f"| interval JS divergence to held-out | 0 | {iv:.3f} |")
    lines.append(f"| part lengths in bars (median; most common) | {_lengths(reference)} | "
                 f"{_lengths(model)} |")
    if told is not None:
        acc, floor, n = told
        show = [("-" if x is None else f"{x:.2f}") for x in (floor, acc)]
        lines.append(f"| told apart from {n} held-out tunes (two-sample classifier; 0.5 = not) | "
                     f"{show[0]} (real vs real) | {show[1]} |")
    return "\n".join(lines)


def told_apart(
    texts: list[str], reference: list[str], tune_type: str | None = None, seed: int = 0
) -> tuple[float | None, float | None, int]:
    """The two-sample classifier test (models/twosample.py) of the sampled tunes
    against the held-out tunes (of `tune_type` when one was asked for), and the
    floor: two halves of those held-out tunes against each other."""
    import random

    from .twosample import MIN_PER_SET, accuracy

    same = [t for t in reference if tune_type is None or _tune_type(t) == tune_type]
    if tune_type is not None and len(same) < MIN_PER_SET and tune_type in TYPE_METERS:
        # the held-out collections seldom name a type: take the type's meters instead
        same = [t for t in reference if _meter(t) in TYPE_METERS[tune_type]]
    halves = list(same)
    random.Random(seed).shuffle(halves)
    floor = accuracy(halves[::2], halves[1::2], seed=seed)
    return accuracy(texts, same, seed=seed), floor, len(same)


# a type's usual meters, for held-out tunes that name no type (airdsAirs and miscFolk)
TYPE_METERS = {"jig": ("6/8",), "reel": ("4/4", "2/2"), "hornpipe": ("4/4", "2/4"),
               "slip-jig": ("9/8",), "polka": ("2/4",), "waltz": ("3/4",), "slide": ("12/8",)}


def _meter(text: str) -> str | None:
    head = text.partition("\n")[0].split()
    return next((f[2:] for f in head if f.startswith("M:")), None)


def _tune_type(text: str) -> str | None:
    head = text.partition("\n")[0].split()
    return next((f[2:] for f in head if f.startswith("T:")), None)


def _lengths(f: Figures) -> str:
    if not f.part_bars:
        return "-"
    ordered = sorted(f.part_bars.elements())
    common = ", ".join(f"{_bars_text(b)} ({n})" for b, n in f.part_bars.most_common(3))
    return f"{_bars_text(ordered[len(ordered) // 2])}; {common}"


def _bars_text(b: Fraction) -> str:
    return str(b.numerator) if b.denominator == 1 else f"{float(b):.2f}"
