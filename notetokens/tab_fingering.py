"""Choosing string and fret for every note: a Viterbi search over hand positions.

The hand sits at a position `p` (the fret under the index finger) and covers
frets p..p+3 without stretching. For each event (a note or a chord) the
candidates are the ways to put its notes on distinct strings with at most
`MAX_SPAN` frets between the lowest and highest fretted note. A state is a
candidate with a hand position that covers it; the search minimizes, over the
whole piece,

    MOVE * |p - p_prev| + SHIFT * (p != p_prev)     moving the hand
  + STRETCH * (frets beyond the four the hand covers)
  + OPEN_UP * (open strings played while the hand is at fret 5 or above)
  + LOW * p                                       a slight pull to the nut

so a scale run stays in one position instead of jumping to open strings, and a
chord is fingered within one hand span. Open strings fit every position.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from .tab_tuning import Tuning

MAX_FRET = 24
MAX_SPAN = 4  # fretted notes of one chord lie within frets lo..lo+4
HAND = 3  # the hand covers p..p+3 without a stretch
MOVE = 1.0
SHIFT = 0.5
STRETCH = 2.0
OPEN_UP = 1.0
OPEN_UP_FROM = 5
LOW = 0.05
POSITIONS = range(1, MAX_FRET + 1)

Fingering = tuple[tuple[int, int], ...]  # (string low-first, fret) per note


def places(pitch: int, tuning: Tuning) -> list[tuple[int, int]]:
    """(string, fret) pairs that sound `pitch`."""
    return [(s, pitch - o) for s, o in enumerate(tuning) if 0 <= pitch - o <= MAX_FRET]


def candidates(pitches: Sequence[int], tuning: Tuning, span: int | None = MAX_SPAN) -> list[
    Fingering
]:
    """Every assignment of `pitches` to distinct strings whose fretted notes lie
    within `span` frets (no limit when None)."""
    options = [places(p, tuning) for p in pitches]
    out: list[Fingering] = []
    chosen: list[tuple[int, int]] = []

    def walk(i: int, used: int, lo: int, hi: int) -> None:
        if i == len(pitches):
            out.append(tuple(chosen))
            return
        for string, fret in options[i]:
            if used >> string & 1:
                continue
            nlo, nhi = (min(lo, fret), max(hi, fret)) if fret else (lo, hi)
            if span is not None and fret and nhi - nlo > span:
                continue
            chosen.append((string, fret))
            walk(i + 1, used | 1 << string, nlo, nhi)
            chosen.pop()

    walk(0, 0, MAX_FRET + 1, -1)
    return out


def playable(pitches: Sequence[int], tuning: Tuning) -> tuple[int, ...]:
    """The largest part of a chord that fits on distinct strings, keeping its top
    and bottom notes first. Every pitch must have a place on some string."""
    order = sorted(set(pitches), reverse=True)
    if len(order) > 2:
        order = [order[0], order[-1], *order[1:-1]]
    order = order[: 2 * len(tuning)]
    for k in range(min(len(order), len(tuning)), 0, -1):
        for combo in combinations(order, k):
            if candidates(combo, tuning, span=None):
                return tuple(sorted(combo))
    return ()


def _positions(f: Fingering) -> tuple[list[int], float]:
    """Hand positions that cover fingering `f`, and its stretch cost."""
    fretted = [fret for _, fret in f if fret]
    if not fretted:
        return list(POSITIONS), 0.0
    lo, hi = min(fretted), max(fretted)
    if hi - lo <= HAND:
        return list(range(max(1, hi - HAND), lo + 1)), 0.0
    return [lo], STRETCH * (hi - lo - HAND)


def fingering(events: Sequence[Sequence[int]], tuning: Tuning) -> list[Fingering]:
    """The cheapest fingering of each event (pitches already playable, see
    `playable`); entries follow the order of each event's pitches."""
    # states[i] = list of (fingering, position, total cost, index of previous state)
    states: list[list[tuple[Fingering, int, float, int]]] = []
    for i, pitches in enumerate(events):
        cands = candidates(pitches, tuning) or candidates(pitches, tuning, span=None)
        best_at: dict[int, tuple[float, int]] = {}
        if i:
            for k, (_, p, cost, _) in enumerate(states[-1]):
                if p not in best_at or cost < best_at[p][0]:
                    best_at[p] = (cost, k)
        row: list[tuple[Fingering, int, float, int]] = []
        for f in cands:
            ps, stretch = _positions(f)
            opens = sum(1 for _, fret in f if fret == 0)
            for p in ps:
                static = stretch + LOW * p + (OPEN_UP * opens if p >= OPEN_UP_FROM else 0.0)
                prev_cost, back = 0.0, -1
                if best_at:
                    prev_cost, back = min(
                        (c + MOVE * abs(p - q) + (SHIFT if p != q else 0.0), k)
                        for q, (c, k) in best_at.items()
                    )
                row.append((f, p, static + prev_cost, back))
        if not row:
            raise ValueError(f"no place for pitches {list(pitches)} on this tuning")
        states.append(row)
    if not states:
        return []
    k = min(range(len(states[-1])), key=lambda j: states[-1][j][2])
    out: list[Fingering] = []
    for row in reversed(states):
        f, _, _, back = row[k]
        out.append(f)
        k = back
    return out[::-1]
