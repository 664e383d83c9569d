"""The fingering search: playable chords, staying in position."""

from __future__ import annotations

import itertools
import random

import pytest

from notetokens.tab_fingering import MAX_SPAN, candidates, fingering, places, playable
from notetokens.tab_tuning import STANDARD, TUNINGS

GUITAR = STANDARD[6]


def sounds(f, tuning=GUITAR):
    return sorted(tuning[s] + fret for s, fret in f)


def fretted_span(f):
    frets = [fret for _, fret in f if fret]
    return max(frets) - min(frets) if frets else 0


@pytest.mark.parametrize(
    "chord",
    [
        [43, 47, 50, 55, 59, 67],  # G major, six strings
        [48, 52, 55, 60, 64],  # C major
        [41, 48, 53, 57, 60, 65],  # F major, a barre
        [45, 52, 57, 61, 64],  # A major
        [52, 59, 64, 68, 71, 76],  # E major an octave up
        [55, 62, 67, 71],  # G major high voicing
    ],
)
def test_chords_fit_one_hand_span_on_distinct_strings(chord):
    [f] = fingering([chord], GUITAR)
    assert sounds(f) == sorted(chord)
    assert len({s for s, _ in f}) == len(chord)
    assert fretted_span(f) <= MAX_SPAN


def test_every_fingering_of_a_random_progression_is_playable():
    rng = random.Random(7)
    shapes = [[43, 47, 50, 55, 59, 67], [48, 52, 55, 60, 64], [45, 52, 57, 60, 64]]
    events = [rng.choice(shapes) for _ in range(20)] + [[rng.randint(40, 84)] for _ in range(20)]
    rng.shuffle(events)
    for pitches, f in zip(events, fingering(events, GUITAR), strict=True):
        assert sounds(f) == sorted(pitches)
        assert fretted_span(f) <= MAX_SPAN
        assert all(0 <= fret <= 24 for _, fret in f)


def test_open_chords_are_played_at_the_nut():
    [g] = fingering([[43, 47, 50, 55, 59, 67]], GUITAR)
    assert sorted(g) == [(0, 3), (1, 2), (2, 0), (3, 0), (4, 0), (5, 3)]


def test_scale_run_stays_in_position_instead_of_jumping_to_open_strings():
    # C5 only lives high on the neck; the run down from it should stay there
    run = [72, 71, 69, 67, 65, 64, 62, 60]
    fs = fingering([[p] for p in run], GUITAR)
    frets = [f[0][1] for f in fs]
    assert 0 not in frets  # E4 and others not taken as open strings
    assert max(frets) - min(frets) <= MAX_SPAN
    # the naive "lowest fret" choice would jump to the nut and back
    naive = [min(places(p, GUITAR), key=lambda sf: sf[1])[1] for p in run]
    assert 0 in naive


def test_hand_moves_little_along_a_melody():
    melody = [64, 66, 67, 69, 71, 72, 74, 76, 74, 72, 71, 69, 67, 66, 64]
    fs = fingering([[p] for p in melody], GUITAR)
    frets = [f[0][1] for f in fs]
    jumps = [abs(a - b) for a, b in itertools.pairwise(frets) if a and b]
    assert max(jumps) <= 5


def test_chord_too_big_for_the_strings_keeps_its_outer_notes():
    cluster = [40, 43, 47, 50, 52, 55, 59, 62, 64, 67]
    kept = playable(cluster, GUITAR)
    assert len(kept) == 6
    assert kept[0] == 40 and kept[-1] == 67
    assert candidates(kept, GUITAR, span=None)


def test_two_notes_that_only_fit_one_string_lose_one():
    assert playable([40, 41], GUITAR) in {(40,), (41,)}


def test_other_tunings_and_bass():
    [f] = fingering([[38]], TUNINGS["dropd"])
    assert f == ((0, 0),)
    bass = fingering([[28], [33], [38], [43]], STANDARD[4])
    assert [sounds(f, STANDARD[4]) for f in bass] == [[28], [33], [38], [43]]
