"""The C decoder plays repeats out as `notegen sample --out tune.mid` does:
`ng_decode_played` gives the notes of `notes.parse(text).played_out()` (what
`midi.format` writes), exactly, for hand-written tunes in parts, for random
ones (valid and broken: C refuses what Python refuses), and for tunes in parts
from the Python sampler; hostile texts give one line, under ASan/UBSan too,
and nothing is allocated."""

from __future__ import annotations

import random
import subprocess
from fractions import Fraction

import pytest

from notegen.models.engine import decode, decode_played
from notegen.models.options import SampleOptions
from notetokens import notes
from notetokens.errors import NotegenError

Played = list[tuple[Fraction, Fraction, int]]

PARTS = [
    "L:1/8 M:6/8 K:D\nA4 |: D5 F#5 A5 D5 F#5 A5 | B5:6 :: [A4 C#5]:3 R:3 | [1 D5:6 :| [2 E5:6 |",
    "M:4/4\nG3 | C4 D4 E4 F4 :| G4 A4 B4 C5 |",  # a part with no |: after a pickup
    "M:4/4\nC4 D4 E4 F4 | G4:4 :| A4 B4 C5 D5 |",  # a part from the tune's start
    "M:3/4\n|: C4 D4 E4 | F4:3 | [1 G4:3 :| [2 A4:3 |",
    "M:3/4\n|: C4 D4 E4 | [1 G4:3 :| [2 A4:3 :| [3 B4:3 |",  # three passes
    "L:1/8 M:2/2 K:G\n|: G4 A4 | B4:8 | C5:6 :: B4 A4 | G4:8 | D5:6 :|",  # pickups in both parts
    "L:1/8 M:6/8\n|: D4 | G4:3 A4:3 | [1 B4:5 :| [2 C5:5 |: D5 | E5:5 :|",  # short endings, pickups
    "M:4/4\n|: [C4 E4 G4]:2 R:2 | [D4 D4 F4]:4 :| R E4:3 |",  # chords (a doubled pitch), rests
    "M:2/4\n|: C4:/2 D4:/2 E4:1/3 F4:1/3 G4:1/3 | A4:2 :| |: B4:2 | C5:2 :|",
    "|: C4 D4 :| E4 |: F4 G4 A4 :: B4 :| C5",  # no meter: free bars
    "T:reel L:1/16 M:4/4 K:G Q:120\n|: G3:4 B3:4 D4:4 G4:4 | [1 A4:16 :| [2 B4:16 |",
]
REFUSED = [
    "M:4/4\n|: C4 D4 E4 F4 :| :|",  # :| with nothing to repeat
    "M:4/4\n|: C4 D4 E4 F4 |: G4:4 :|",  # parts do not nest
    "M:4/4\n|: C4 D4 E4 F4 | G4:4",  # |: never closed
    "M:4/4\nC4 D4 E4 F4 | [2 G4:4 |",  # [2 without [1
    "M:4/4\n|: C4:4 | [1 D4:4 |",  # [1 never closed
    "M:4/4\n|: C4:4 | [1 D4:4 :| [2 E4:4 | F4:4 :|",  # endings of unequal length
    "M:4/4\n|: C4 D4 E4 :|",  # a part short of a whole bar
    "M:4/4\n|: C4 D4 E4 F4 :",
    "M:4/4\n|: C4 D4 [E4 F4",
    "M:4/4\n|: C4:4 [1 D4:4 :|",  # an ending off the bar line
]


def python_played(text: str) -> Played:
    return sorted((n.onset, n.duration, n.pitch) for n in notes.parse(text).played_out().notes)


def c_played(text: str, cap: int = 400_000) -> Played:
    return [(Fraction(o), Fraction(d), p) for o, d, p in decode_played(text, cap)]


def same(c: Played, py: Played) -> bool:
    """Equal notes: times within 1e-9 (the doubles of binary and ternary
    fractions), pitches exactly."""
    return len(c) == len(py) and all(
        abs(a[0] - b[0]) < 1e-9 and abs(a[1] - b[1]) < 1e-9 and a[2] == b[2]
        for a, b in zip(c, py, strict=True)
    )


def outcome(text: str) -> Played | None:
    """Python's played notes, or None where notes.parse refuses the text."""
    try:
        return python_played(text)
    except NotegenError:
        return None


@pytest.mark.parametrize("text", PARTS)
def test_hand_written_parts_play_as_python_plays_them(built, text):
    py = python_played(text)
    assert notes.parse(text).sections  # the case is a tune in parts
    got = c_played(text)
    assert len(got) > len(notes.parse(text).notes)  # something was heard twice
    assert same(got, py)
    assert got == sorted(got)  # in time order, a chord low to high
    written = sorted((Fraction(o), Fraction(d), p) for o, d, p in decode(text))  # ng_decode: as written
    assert same(written, sorted((n.onset, n.duration, n.pitch) for n in notes.parse(text).notes))


@pytest.mark.parametrize("text", REFUSED)
def test_marks_python_refuses_are_one_line(built, text):
    with pytest.raises(NotegenError):
        notes.parse(text)
    with pytest.raises(NotegenError, match=r"^[^\n]+ at line \d+, column \d+$"):
        decode_played(text)


def _bar(rng: random.Random, beats: Fraction, unit: Fraction) -> str:
    out, left = [], beats
    while left > 0:
        d = min(rng.choice([Fraction(1), Fraction(1, 2), Fraction(2), Fraction(2, 3)]), left / unit)
        left -= d * unit
        head = rng.choice(["C4", "E4", "R", "[C4 G4]", "A5", "F#4", "[D4 D4 A4]"])
        tail = "" if d == 1 else f":{d.numerator}/{d.denominator}".removesuffix("/1")
        out.append(head + tail)
    return " ".join(out)


def _part(rng: random.Random, opener: str, bar: Fraction, unit: Fraction, pickup: Fraction) -> list[str]:
    kind = rng.choice(["repeat", "endings", "three", "plain"])
    n = rng.randint(1, 3)
    out = ["|" if kind == "plain" else opener]
    for i in range(n):
        short = pickup if kind == "repeat" and i == n - 1 and rng.random() < 0.5 else 0
        out += [_bar(rng, bar - short, unit), "|"]
    if kind == "repeat":
        out[-1] = ":|"
    elif kind != "plain":
        k = 3 if kind == "three" else 2
        for e in range(1, k + 1):
            out[-1] = f"{out[-1]} [{e}"
            out += [_bar(rng, bar, unit), ":|" if e < k else "|"]
    return out


def random_tune(rng: random.Random) -> str:
    """A tune in parts as fiddlers write them, or (a third of the time) one
    with a mark dropped, added or changed."""
    header, bar, unit = rng.choice([("", 4, 1), ("M:4/4", 4, 1), ("M:3/4", 3, 1), ("L:1/8 M:6/8", 3, 0.5)])
    bar, unit = Fraction(bar), Fraction(unit)
    pickup = Fraction(rng.choice([0, 0, 1, 2])) if header else Fraction(0)
    words = [_bar(rng, pickup, unit)] if pickup else []
    for i in range(rng.randint(1, 4)):
        words += _part(rng, "|:" if i == 0 or rng.random() < 0.5 else "::", bar, unit, pickup)
    words = " ".join(words).split(" ")
    if rng.random() < 0.35:
        at = rng.randrange(len(words))
        change = rng.choice(["|:", ":|", "::", "[1", "| [2", "[2", "|", None])
        if change is None:
            del words[at]
        else:
            words.insert(at, change)
    body = " ".join(words)
    return f"{header}\n{body}" if header else body


def test_random_tunes_in_parts_agree_with_python(built):
    rng = random.Random(2026)
    played = refused = 0
    for _ in range(800):
        text = random_tune(rng)
        py = outcome(text)
        if py is None:
            with pytest.raises(NotegenError):
                decode_played(text)
            refused += 1
        else:
            assert same(c_played(text), py), text
            played += 1
    assert played > 250 and refused > 50  # both sides of the rules were tried


@pytest.fixture(scope="module")
def sampled() -> list[str]:
    """Tunes from the Python sampler (what `notegen sample` draws), in parts as
    the folk model writes jigs and reels (a sweep of 50 seeds of each agreed
    as well; two keep this test fast)."""
    from notegen.models.checkpoint import load
    from notegen.models.tunes import draw

    lm = load("folk")
    return [draw(lm, "", SampleOptions(seed=seed, tune_type=kind, parts="auto")).text
            for kind, seed in (("jig", 11), ("reel", 1))]


def test_sampled_tunes_play_as_their_midi_files(built, sampled):
    from notetokens import midi
    from notetokens.midi_read import read

    assert any(notes.parse(text).sections for text in sampled)  # not a vacuous test
    for text in sampled:
        score = notes.parse(text)
        py = python_played(text)
        assert same(c_played(text), py)
        heard = sorted((n.onset, n.duration, n.pitch) for n in read(midi.format(score)).notes)
        assert same(c_played(text), heard)  # the notes the MIDI file holds
        written = [(Fraction(o), Fraction(d), p) for o, d, p in decode(text)]
        assert same(sorted(written), sorted((n.onset, n.duration, n.pitch) for n in score.notes))


def test_tunes_the_c_sampler_writes_in_parts_play_as_python_plays_them(folk):
    _, engine = folk  # what the plugin draws and then decodes
    texts = [engine.tune(SampleOptions(seed=seed, tune_type=kind, parts="auto"))
             for kind in ("jig", "reel") for seed in range(3)]
    assert sum(bool(notes.parse(t).sections) for t in texts) >= 3
    for text in texts:
        assert same(c_played(text), python_played(text)), text


def test_a_tune_longer_than_cap_is_cut_in_time_order(built):
    text = PARTS[0]
    whole = c_played(text)
    assert c_played(text, 7) == whole[:7]
    assert c_played(text, 0) == []


REPEATS = "|: C4 :| " * 10_000  # 10,000 repeats: played out, 20,000 notes
# too big for Python's played_out (each span looks at every note): checked alone
BIG = [
    REPEATS,
    "M:3/4\n" + "|: C4:3 :: " * 20_000 + "C4:3 :|",  # past the 16,384-beat limit
    "M:4/4\n" + "|: C4 D4 E4 F4 | [1 G4:4 :| [2 A4:4 " * 1000 + "|",
]
HOSTILE = [
    *REFUSED,
    "|: [" + " ".join(["C4"] * 5000) + "] :|",
    "|: C" + "#" * 5000 + " :|",
    "|: C4:" + "9" * 5000 + " :|",
    "C4:1/999999937 C4:1/999999929 C4:1/999999893 :|",
    "[1", ":|", "::", "|:", "[9", "[", "]", ":", "|", "", "M:4/4\n", "M:4/4\n:: C4:4 ::",
    "C4 :| [2 C4 :| [3 C4 :| [4 C4",
    "M:4/4\n|: C4 D4 E4 F4 | [1 G4:4 :| [2 A4",  # cut short: a short last bar, which Python plays
    "M:4/4\n|: C4 D4 E4 F4 | [1 G4:4 :| [",
]


def _driver_lines(driver, texts: list[str], tmp_path) -> list[str]:
    path = tmp_path / "texts"
    path.write_bytes(b"\0".join(t.encode() for t in texts))
    done = subprocess.run([str(driver), "decode", str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "runtime error" not in done.stderr and "Sanitizer" not in done.stderr, done.stderr
    return done.stdout.splitlines()


def test_hostile_texts_under_the_sanitizers(built, sanitized, tmp_path):
    texts = [t for t in HOSTILE if t]  # a NUL-separated file holds no empty text
    lines = _driver_lines(sanitized, texts + BIG, tmp_path)
    assert len(lines) == len(texts) + len(BIG)
    for text, line in zip(texts, lines[: len(texts)], strict=True):
        py = outcome(text)
        if py is None:
            assert line.startswith("error: "), (text[:60], line)
        else:
            assert line.split()[1] == str(len(py)), (text[:60], line)
            assert same(c_played(text), py)
    assert lines[len(texts):] == ["10000 20000", lines[len(texts) + 1], "6000 10000"]
    assert lines[len(texts) + 1].startswith("error: the tune lasts past beat 16384")


def test_ten_thousand_repeats_are_played_out(built):
    got = c_played(REPEATS)
    assert got == [(Fraction(t), Fraction(1), 60) for t in range(20_000)]
    assert c_played(BIG[2])[-1] == (Fraction(16_000 - 4), Fraction(4), 69)  # the last [2's A4


def test_decoding_allocates_nothing(counting, tmp_path):
    rng = random.Random(7)
    texts = [t for t in HOSTILE if t] + BIG + PARTS + [random_tune(rng) for _ in range(50)]
    lines = _driver_lines(counting, texts, tmp_path)
    assert lines[-1] == "allocations 0"
