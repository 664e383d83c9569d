"""The live feed reads the one note stream `notegen sample` reads: the same seed
gives the same first tune, and the endless melody goes on in time after it."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from notegen.live.feed import endless_notes
from notegen.models import load
from notegen.models.tunes import draw
from notetokens.errors import NotegenError


def test_live_plays_the_tune_sample_draws_then_goes_on(notes_model: Path) -> None:
    lm = load(notes_model)
    tune = draw(lm, "", seed=3, min_notes=8, max_chars=2000)
    first = sorted((n.onset, n.pitch) for n in tune.score.notes)
    assert len(first) >= 8
    notes = endless_notes(lm, "", seed=3, min_notes=8, segment_chars=2000)
    live = list(itertools.islice(notes, len(first) + 24))
    assert sorted((n.onset, n.pitch) for n in live[: len(first)]) == first
    onsets = [n.onset for n in live]
    assert onsets == sorted(onsets)  # the next segment starts where the first ended
    assert onsets[-1] > first[-1][0]


def test_a_text_model_is_refused_in_words(tiny_text_model: Path) -> None:
    with pytest.raises(NotegenError, match="can't play melodies"):
        next(endless_notes(load(tiny_text_model), ""))
