"""The note-string grammar: every walk it allows parses, with bars that add up;
what it refuses is refused."""

import random
import re
from fractions import Fraction

import pytest

from notetokens import ParseError, notes
from notetokens.grammar import Restricted, accepts
from notetokens.notes_grammar import METERS, NotesGrammar
from notetokens.notes_reader import parse_header


def walk(rng: random.Random, steps: int, g: NotesGrammar | None = None) -> str:
    g, out = g or notes.grammar(), []
    for _ in range(steps):
        ch = rng.choice(sorted(g.allowed()))
        g.feed(ch)
        out.append(ch)
    while not g.can_end():  # finish on the shortest-looking continuation
        options = sorted(g.allowed())
        plain = [c for c in options if c not in " [|#b:/\n"] or options
        ch = rng.choice(plain)
        g.feed(ch)
        out.append(ch)
    return "".join(out)


def bar_lengths(text: str) -> tuple[Fraction, list[Fraction]]:
    """(bar length, the length of each bar) in quarter beats, from the text itself."""
    header, body = text.split("\n")
    h = parse_header(header)
    unit = h.unit * 4
    lengths, now, chord = [], Fraction(0), False
    for tok in body.split(" "):
        if tok == "|":
            lengths.append(now)
            now = Fraction(0)
            continue
        chord = chord or tok.startswith("[")
        if chord and "]" not in tok:
            continue  # a chord note: the chord's last token carries the duration
        chord = False
        _, _, dur = tok.rpartition("]")[2].partition(":")
        num, _, den = dur.partition("/")
        now += Fraction(int(num or 1), int(den or 1)) * unit
    lengths.append(now)
    assert h.meter is not None
    return Fraction(4 * h.meter.numerator, h.meter.denominator), lengths


def test_random_walks_parse_round_trip_and_every_bar_adds_up():
    rng = random.Random(7)
    for _ in range(400):
        text = walk(rng, rng.randint(1, 120))
        score = notes.parse(text)
        assert notes.parse(notes.to_model_text(score)).notes == score.notes
        assert str(score.meter) in METERS
        bar, lengths = bar_lengths(text)
        first, *inner, last = lengths if len(lengths) > 1 else (lengths[0], lengths[0])
        assert all(b == bar for b in inner), text
        assert 0 < first <= bar
        # the tune ends on a full bar, or where the last bar completes the pickup
        if len(lengths) > 1:
            assert last == bar or (first < bar and last == bar - first), text


def test_no_note_is_held_over_a_bar_line():
    g = NotesGrammar()
    for ch in "L:1/8 M:3/4\nC4:4 ":
        g.feed(ch)
    assert "|" in g.allowed()  # the first bar may be a pickup
    for ch in "| B3:2 C4:2 ":
        g.feed(ch)
    assert "|" not in g.allowed()  # 4 of 6 units: an inner bar is not full
    for ch in "D4:3":
        g.feed(ch)
    assert " " not in g.allowed() and "/" in g.allowed()  # 3 units do not fit in 2; 3/2 does
    g = g.copy()
    for ch in "/2 C4:/2 ":
        g.feed(ch)
    assert g.allowed() == frozenset("|")  # full: only the bar line


def test_a_tune_with_a_pickup_is_accepted_prefix_by_prefix():
    text = "T:jig L:1/8 M:6/8 K:F#m Q:96\nE4 | F#4 A4:2 [C#5 E5]:3 | B4:/2 G#4:3/2 A4:3"
    for i in range(len(text) + 1):
        assert accepts(notes.grammar(), text[:i], complete=False)
    assert accepts(notes.grammar(), text)  # the last bar completes the pickup


@pytest.mark.parametrize(
    "bad",
    [
        "C4",  # no header: the meter is required
        "L:1/8\nC4",
        "M:1/4\nC4",  # a pickup's length is not a meter
        "M:4/4 L:1/8\nC4",  # fields out of order
        "L:1/8 T:reel M:4/4\nC4",  # the tune type comes first
        "T:polkaa M:2/4\nC4",
        "M:2/4\nC4 C4 | D4 | D4 D4",  # a bar line before an inner bar is full
        "M:2/4\nC4 D4 E4 F4",  # no bar line where the bar is full
        "M:2/4\nC4:3",  # longer than the bar
        "M:2/4\nC4 D4 | E4",  # the tune may not end mid-bar
        "M:4/4\n[C4 E4 G4 B4 D5]:4",  # five notes in a chord
        "M:4/4\n[C4]:4",  # a one-note chord is written as a note
        "M:2/4\nC4:0",
        "M:2/4\nC4:2/4 C4",  # durations are written in lowest terms
        "M:2/4\nC4 | | D4",
        "M:2/4\nC4 D4 ",
        "M:2/4\nC4 D4\n",
    ],
)
def test_invalid_text_is_refused(bad):
    assert not accepts(notes.grammar(), bad)


def test_feeding_a_refused_character_raises():
    g = notes.grammar()
    with pytest.raises(ParseError):
        g.feed("H")


def test_end_needs_a_note_and_min_notes():
    assert not accepts(notes.grammar(), "M:2/4\nR:2")
    assert accepts(notes.grammar(), "M:2/4\nR C4")
    assert not accepts(NotesGrammar(min_notes=3), "M:2/4\nC4 D4")
    assert accepts(NotesGrammar(min_notes=3), "M:2/4\nC4 D4 | [C4 E4] R")


def test_fields_fix_header_values_and_cannot_be_skipped():
    fields = {"T": "reel", "K": "D"}
    rng = random.Random(1)
    for _ in range(30):
        text = walk(rng, rng.randint(1, 30), NotesGrammar(fields))
        h = parse_header(text.split("\n")[0])
        assert h.tune_type == "reel" and h.key == "D" and h.meter is not None
    assert not accepts(NotesGrammar(fields), "M:4/4\nC4:4")
    assert accepts(NotesGrammar(fields), "T:reel M:4/4 K:D\nC4:4")


def test_closing_writes_no_chord_and_no_short_note_while_a_unit_is_left():
    g = NotesGrammar()
    for ch in "L:1/8 M:4/4\nC4 ":
        g.feed(ch)
    g.close()
    assert "[" not in g.allowed()
    for ch in "D4:":
        g.feed(ch)
    assert "/" not in g.allowed()
    h = NotesGrammar()
    for ch in "L:1/8 M:4/4\nC4:/":
        h.feed(ch)
    h.close()  # mid-token: the token may finish as it began
    for ch in "2 ":
        h.feed(ch)
    assert h.closing and "[" not in h.allowed()


def test_closing_notes_take_plain_lengths_whatever_the_bar_holds():
    from notetokens.durations import PLAIN, TRIPLETS, value

    rng = random.Random(5)
    odd = 0
    for _ in range(60):
        g = NotesGrammar()
        text = walk(rng, rng.randint(12, 60), g)  # inner bars: any length that fits
        if not text.endswith(" ") and " " in g.allowed():
            g.feed(" ")
            text += " "
        if g.state != "sep":  # close between two tokens
            continue
        g.close()
        closing = walk(rng, 0, g)
        odd += any(value(d) not in PLAIN for d in re.findall(r":(\S+)", text.split("\n", 1)[-1]))
        for d in re.findall(r":(\S+)", closing):
            assert value(d) in PLAIN | TRIPLETS, (text, closing)
        notes.parse(text + closing)  # and the bars still add up
    assert odd > 10  # the bars before the close did hold odd lengths


def test_without_a_meter_lengths_stay_within_the_limit():
    from notetokens.durations import MAX_UNITS, value

    rng = random.Random(7)
    g = NotesGrammar()
    g.relaxed = True
    for ch in "G4 G4 D4 ":  # a prime with no header: no meter after it either
        g.feed(ch)
    g.begin()
    lengths = []
    for _ in range(200):  # notes with random lengths, a character at a time
        for ch in "C4:":
            g.feed(ch)
        typed = ""
        while True:
            ch = rng.choice(sorted(g.allowed() - {"\n", "|"}))
            g.feed(ch)
            if ch == " ":
                break
            typed += ch
        lengths.append(value(typed))
    assert all(v is not None and 0 < v <= MAX_UNITS for v in lengths)
    assert max(lengths) > 8  # long ones were on offer too


def test_a_relaxed_prime_then_the_rules():
    g = NotesGrammar()
    g.relaxed = True
    for ch in "L:1/8 M:2/4\nC4:3 D4:3 | E4 ":  # bars the user wrote however they liked
        g.feed(ch)
    g.begin()
    assert g.remaining() == 3
    assert "|" not in g.allowed()
    h = NotesGrammar()
    h.relaxed = True
    for ch in "G4 G4 D4 ":  # no header at all: no meter, free bars
        h.feed(ch)
    h.begin()
    assert "|" in h.allowed() and h.can_end() is False


def test_restricted_to_a_vocabulary_without_tune_types():
    alphabet = set(" #/0123456789:ABCDEFGKLMQR[]bdhilmoprxy|\n")
    g = Restricted(NotesGrammar(), alphabet)
    assert "T" not in g.allowed()
    rng = random.Random(3)
    text = []
    for _ in range(200):
        ch = rng.choice(sorted(g.allowed()))
        g.feed(ch)
        text.append(ch)
    assert set(text) <= alphabet
