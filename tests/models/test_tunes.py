"""The one note stream: notes as they complete, bars by the meter, a header asked
for, no end before --min-notes, a close at the cap instead of a cut."""

from fractions import Fraction
from itertools import pairwise

import pytest

from notegen.models.loopguard import LoopGuard
from notegen.models.sampling import GRACE, stream
from notegen.models.tunes import BarLine, check_music_model, draw, note_stream
from notetokens import notes
from notetokens.errors import NotegenError
from notetokens.notes_reader import NoteDecoder
from notetokens.score import Note

NOTE_CHARS = "ABCDEFGR#b0123456789:/[]| \nLMKQTmajindorphlyxceu"


@pytest.fixture
def notes_lm(make_untrained):
    return make_untrained("notes", [NOTE_CHARS], seed=4)


def bar_beats(text: str) -> Fraction:
    meter = notes.parse(text).meter
    assert meter is not None
    return Fraction(4 * meter.numerator, meter.denominator)


def beats(text: str) -> Fraction:
    """How long the text lasts, rests included."""
    d = NoteDecoder()
    d.feed(text)
    d.close()
    return d.time


def test_a_text_model_cannot_play_melodies(make_untrained):
    lm = make_untrained("text", ["plain words only"])
    with pytest.raises(NotegenError, match="a text model can't play melodies"):
        note_stream(lm)


def test_one_check_for_sample_and_live(make_untrained):
    """The words `notegen sample` and `notegen live` both give; live also refuses tab."""
    text_lm = make_untrained("text", ["plain words only"])
    with pytest.raises(NotegenError) as e:
        check_music_model(text_lm, "kjv")
    assert str(e.value) == (
        "kjv is a text model, and a text model can't play melodies: "
        "use a melody model (--model folk), or `notegen text` for this one"
    )
    tab_lm = make_untrained("tab", ["T:E2A2D3G3B3E4\n0----- -0----"])
    assert check_music_model(tab_lm, "mine") is False  # sample writes a tab model's tunes whole
    with pytest.raises(NotegenError, match=r"mine is a tab model: live plays .* \(notes, abc, midi\)"):
        check_music_model(tab_lm, "mine", require_notes=True)
    notes_lm = make_untrained("notes", [NOTE_CHARS])
    assert check_music_model(notes_lm, require_notes=True) is True


def test_streamed_notes_are_the_notes_of_the_text(notes_lm):
    for seed in range(4):
        s = note_stream(notes_lm, seed=seed, max_chars=200, parts="one")  # bar lines counted as `|`
        events = list(s)
        got = [e for e in events if isinstance(e, Note)]
        assert got == notes.parse(s.text).notes
        bar_lines = [e for e in events if isinstance(e, BarLine)]
        assert [b.number for b in bar_lines] == list(range(1, s.text.count("|") + 1))
        bar = bar_beats(s.text)
        if len(bar_lines) > 1:  # every bar line after the first stands a whole bar on
            assert all(b.onset - a.onset == bar for a, b in pairwise(bar_lines))


def test_bars_counts_by_the_meter_even_for_a_prime_without_bar_lines(notes_lm):
    for seed in range(3):
        m = draw(notes_lm, "G-G-D-D-E-E-D", bars=4, seed=seed)
        score = m.score
        assert [n.pitch for n in score.notes[:7]] == [67, 67, 62, 62, 64, 64, 62]
        bar = bar_beats(m.text)
        body = m.text.split("\n")[1]
        first = body.split(" | ")[0]
        pickup = beats(m.text.split("\n")[0] + "\n" + first)
        pickup = pickup if pickup < bar else Fraction(0)
        assert beats(m.text) == pickup + 4 * bar, m.text


def test_fields_are_written_into_the_header_the_model_begins_with(notes_lm):
    m = draw(notes_lm, meter="6/8", key="Bb", seed=5, max_chars=150)
    score = notes.parse(m.text)
    assert str(score.meter) == "6/8" and score.key == "Bb"
    with pytest.raises(NotegenError, match="never saw 't'"):
        draw(notes_lm, tune_type="waltz", seed=1)


def test_no_end_before_min_notes(notes_lm):
    for seed in range(6):
        m = draw(notes_lm, min_notes=20, seed=seed, max_chars=60)
        assert len({n.onset for n in m.score.played_out().notes}) >= 20  # counted as heard


def test_at_the_cap_the_tune_is_finished_not_cut(notes_lm):
    for seed in range(8):
        text = "".join(stream(notes_lm, seed=seed, max_chars=80, temperature=1.5, parts="one"))
        assert len(text) <= 80 + GRACE
        notes.parse(text)  # parses: no open chord, no cut note
        bar = bar_beats(text)
        header, body = text.split("\n")
        bars = body.split(" | ")
        if len(bars) > 1:
            first = beats(header + "\n" + bars[0])
            last = beats(text) - beats(header + "\n" + " | ".join(bars[:-1]))
            assert last == bar or (first < bar and last == bar - first), text


def test_loop_guard_blocks_the_start_of_a_fourth_copy_for_good():
    guard = LoopGuard()
    assert guard.banned(list("C4 D4 G4 G4 G4 ")) == {"G"}
    assert guard.banned(list("C4 D4 G4 G4 G4 A4 C4 D4 G4 G4 G4 ")) == {"G"}  # remembered
    fresh = LoopGuard()
    assert fresh.banned(list("C4 D4 E4 | C4 D4 E4 | C4 D4 E4 | ")) == {"C"}
    assert LoopGuard().banned(list("C4 D4 E4 | C4 D4 E4 | ")) == set()  # a phrase may come back
    assert LoopGuard().banned(list("C4 D4 E4 F4 G4 A4 B4 C5 ")) == set()
    assert LoopGuard().banned(list("C4 G4 G4 G4")) == set()  # only between tokens


def most_repeats_of_a_bar(text: str) -> int:
    bars = text.split("\n")[-1].split(" | ")
    best = run = 1
    for a, b in pairwise(bars):
        run = run + 1 if a == b else 1
        best = max(best, run)
    return best


def test_argmax_does_not_loop_with_the_guard(notes_lm):
    options = {"argmax": True, "max_chars": 1000, "min_notes": 60, "form": False, "parts": "one"}
    loose = "".join(stream(notes_lm, loop_guard=False, **options))
    assert most_repeats_of_a_bar(loose) >= 5  # this model loops at argmax
    guarded = "".join(stream(notes_lm, **options))
    assert most_repeats_of_a_bar(guarded) <= 3
    notes.parse(guarded)


def test_the_cache_repeats_what_the_tune_played(notes_lm):
    from notegen.models.cache import TuneCache

    c = TuneCache(orders=(2,), weights={2: 0.9})
    c.extend([5, 6, 7, 5, 6])  # after (5, 6) came 7
    import torch

    p = c.mix(torch.full((10,), 0.1))
    assert int(p.argmax()) == 7 and abs(float(p.sum()) - 1) < 1e-6
    assert c.prob(0.1, 7) > 0.5 > c.prob(0.1, 8)
    plain = "".join(stream(notes_lm, seed=3, max_chars=600, min_notes=60, form=False))
    cached = "".join(stream(notes_lm, seed=3, max_chars=600, min_notes=60, form=False, cache=True))
    assert plain != cached
    notes.parse(cached)


def test_at_the_cap_a_tune_in_parts_closes_its_part(notes_lm):
    from notetokens.bars import bar_errors

    in_parts = 0
    for seed in range(8):
        text = "".join(stream(notes_lm, seed=seed, max_chars=80, temperature=1.5, parts="auto"))
        assert len(text) <= 80 + GRACE, text  # no `::` after `::` at the cap
        score = notes.parse(text)  # the marks fit: no part left open
        assert bar_errors(text) == [], text
        in_parts += bool(score.sections)
    assert in_parts  # this small model writes marks now and then
