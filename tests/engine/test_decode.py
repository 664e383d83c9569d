"""The C decoder reads what notes.parse reads: the same pitches, onsets and
durations in beats, for hand-written strings and for sampled tunes."""

from __future__ import annotations

import pytest

from notegen.models.engine import decode
from notegen.models.options import SampleOptions
from notetokens import notes
from notetokens.errors import NotegenError

STRINGS = [
    "G-G-D-D-E-E-D",
    "L:1/8 M:6/8 K:D\nD4:2 F#4 | [A4 D5]:3/2 R:/2 G4 |",
    "M:3/4\nC4 Eb4 G4 | C#5:3 |",
    "T:reel L:1/16 M:4/4 K:G Q:120\nG3:4 B3:2/3 D4:2/3 G4:2/3 [G3 B3 D4 G4]:8 |",
]


def _python(text: str) -> list[tuple[float, float, int]]:
    return [(float(n.onset), float(n.duration), n.pitch) for n in notes.parse(text).notes]


def same(a: list[tuple[float, float, int]], b: list[tuple[float, float, int]]) -> bool:
    return len(a) == len(b) and all(
        abs(x[0] - y[0]) < 1e-9 and abs(x[1] - y[1]) < 1e-9 and x[2] == y[2]
        for x, y in zip(a, b, strict=True)
    )


@pytest.mark.parametrize("text", STRINGS)
def test_written_strings_decode_as_python_reads_them(built, text):
    assert same(decode(text), _python(text))


def test_sampled_tunes_decode_as_python_reads_them(folk):
    _, engine = folk
    for seed in range(8):
        tune = "".join(engine.stream(SampleOptions(parts="one", seed=seed, max_chars=800)))
        got = decode(tune)
        assert len(got) > 10
        assert same(got, _python(tune))


def test_a_broken_string_is_one_line(built):
    with pytest.raises(NotegenError, match="character"):
        decode("C4 [E4 G4")
