"""A tune's parts, as a fiddler counts them: the judge's figures of form.

A tune is written in repeated parts when its score has sections (`|:` ... `:|`,
with or without endings; notetokens/repeats.py). A part's length is the bars
one pass of it plays (its body and its first ending), counted by the meter; a
part that begins at the tune's start takes the pickup with it, and the pickup
and the part's short last bar make one bar. AABB is the dance-tune form: two
parts, each played twice, one after the other, covering the whole tune.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from notetokens import Score
from notetokens.bars import bar_length
from notetokens.score import Section


@dataclass(frozen=True)
class Shape:
    in_parts: bool  # written with at least one repeated part
    part_bars: tuple[Fraction, ...]  # each repeated part's length in bars (one pass)
    aabb: bool  # two parts, each twice, covering the tune

    @property
    def whole_parts(self) -> bool:
        """Every repeated part a whole number of bars."""
        return all(b.denominator == 1 for b in self.part_bars)


def shape(score: Score) -> Shape:
    """The parts of `score` (a written score, not a played-out one)."""
    sections = sorted(score.sections, key=lambda s: s.start)
    meter = score.time_signatures[0] if score.time_signatures else None
    bar = bar_length(meter) if meter is not None else None
    if not sections or bar is None:
        return Shape(bool(sections), (), False)
    lengths = tuple(_pass_length(s) / bar for s in sections)
    return Shape(True, lengths, _aabb(sections, score))


def _pass_length(section: Section) -> Fraction:
    first = section.passes()[0]
    return sum((b - a for a, b in first), Fraction(0))


def _aabb(sections: list[Section], score: Score) -> bool:
    if len(sections) != 2 or any(s.times != 2 for s in sections):
        return False
    a, b = sections
    starts_home = a.start <= score.pickup  # the pickup may lead into the first part
    return starts_home and a.end == b.start and b.end >= score.end
