"""Phrase echoes: bars 5-6 of a strain replay bars 1-2, the second strain's last
two bars replay the first's; the grammar still has the last word."""

from fractions import Fraction
from types import SimpleNamespace

import pytest

from notegen.models.echo import PhraseEcho
from notegen.models.sampling import stream
from notetokens import notes
from notetokens.bars import bar_length, text_bars
from notetokens.errors import NotegenError

NOTE_CHARS = "ABCDEFGR#b0123456789:/[]| \nLMKQTmajindorphlyxceu"
FIELDS = {"L": "1/8", "M": "2/4", "K": "C"}


@pytest.fixture
def notes_lm(make_untrained):
    return make_untrained("notes", [NOTE_CHARS], seed=4)


def feed(echo: PhraseEcho, text: str, pickup: Fraction = Fraction(0), winding: bool = False) -> None:
    grammar = SimpleNamespace(pickup=pickup, winding=winding, closing=False)
    for ch in text:
        echo.push(ch, grammar)


def queued(echo: PhraseEcho) -> str:
    return "".join(echo.queue)


def test_bar_five_replays_bars_one_and_two():
    echo = PhraseEcho(1.0, seed=0)
    feed(echo, "L:1/8 M:2/4 K:C\nC4 D4 | E4 F4 | G4 A4 | B4 C5 ")
    assert queued(echo) == ""
    feed(echo, "|")  # four full bars done: the fifth begins
    assert queued(echo) == " C4 D4 | E4 F4 |"  # as the model writes a bar line's sequel


def test_a_pickup_is_not_counted_as_a_bar():
    echo = PhraseEcho(1.0, seed=0)
    feed(echo, "L:1/8 M:2/4 K:C\nG3 | C4 D4 | E4 F4 | G4 A4 | B4 C5 |", pickup=Fraction(1))
    assert queued(echo) == " C4 D4 | E4 F4 |"


def test_the_second_strain_ends_as_the_first():
    echo = PhraseEcho(1.0, seed=0)
    bars = [f"C4 {n}4" for n in "CDEFGABCDEFGAB"]  # 14 full bars
    echo.queue.clear()
    for i, b in enumerate(bars):
        feed(echo, ("L:1/8 M:2/4 K:C\n" if i == 0 else " ") + b + " |")
        if i in (3, 11):  # echoes planned at bars 5 and 13: take them as given
            echo.queue.clear()
    assert queued(echo) == f" {bars[6]} | {bars[7]} |"


def test_no_echo_at_chance_zero_or_while_winding_down():
    off = PhraseEcho(0.0, seed=0)
    feed(off, "L:1/8 M:2/4 K:C\nC4 D4 | E4 F4 | G4 A4 | B4 C5 |")
    assert queued(off) == ""
    winding = PhraseEcho(1.0, seed=0)
    feed(winding, "L:1/8 M:2/4 K:C\nC4 D4 | E4 F4 | G4 A4 | B4 C5 |", winding=True)
    assert queued(winding) == ""


def full_bars(text: str) -> list[str]:
    """The body's bars as written, without a pickup."""
    body = text.split("\n", 1)[1]
    chunks = [c.strip() for c in body.split("|")]
    tb = text_bars(text)
    assert tb.header.meter is not None
    return chunks[1:] if tb.bars[0] < bar_length(tb.header.meter) else chunks


def test_sampled_tunes_echo_their_opening_bars(notes_lm):
    options = {"fields": FIELDS, "min_notes": 40, "max_chars": 700, "temperature": 1.2,
               "parts": "one"}  # the echo plans in tunes without repeat marks
    echoed = 0
    for seed in range(4):
        text = "".join(stream(notes_lm, seed=seed, echo=1.0, **options))
        notes.parse(text)  # still valid note-string text
        bars = full_bars(text)
        if len(bars) >= 7:
            assert bars[4:6] == bars[0:2], text
            echoed += 1
        plain = full_bars("".join(stream(notes_lm, seed=seed, echo=0.0, **options)))
        assert plain[4:6] != plain[0:2]  # this model does not repeat itself unaided
    assert echoed >= 2


def test_echo_must_be_a_chance(notes_lm):
    with pytest.raises(NotegenError, match=r"echo=1\.5: must be a number from 0 to 1"):
        next(stream(notes_lm, echo=1.5))


def test_dynamic_sampling_adapts_a_copy_and_leaves_the_model_alone(notes_lm):
    import torch

    before = [p.clone() for p in notes_lm.model.parameters()]
    options = {"fields": FIELDS, "min_notes": 60, "max_chars": 700, "seed": 2}
    plain = "".join(stream(notes_lm, **options))
    adapted = "".join(stream(notes_lm, dynamic_lr=0.5, **options))
    assert adapted != plain  # the copy learned from the first 128 characters on
    assert adapted[:100] == plain[:100]  # and not before its first step
    notes.parse(adapted)
    assert all(torch.equal(a, b) for a, b in zip(before, notes_lm.model.parameters(), strict=True))
    with pytest.raises(NotegenError, match=r"dynamic_lr=0.0: must be a number in \(0, 10\]"):
        next(stream(notes_lm, dynamic_lr=0.0))


def test_the_echo_stands_aside_in_a_tune_in_parts():
    from types import SimpleNamespace

    from notegen.models.echo import PhraseEcho

    def fed(marks_used: bool) -> list[str]:
        echo, facts = PhraseEcho(1.0, seed=1), SimpleNamespace(pickup=0, marks_used=marks_used)
        planned = []
        for ch in "M:2/4 K:C\n" + "C4 D4 | E4 F4 | G4 A4 | B4 C5 |":
            echo.push(ch, facts)
            planned.append(echo.forced() or "")
        return planned

    assert any(fed(marks_used=False))  # at bar 5, bars 1-2 come back
    assert not any(fed(marks_used=True))
