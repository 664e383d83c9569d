"""Every reader, given text or bytes from hypothesis, returns a Score within the
limits or raises ParseError (NotegenError for a Score notegen cannot write):
never another exception. CI draws the same examples every run (conftest)."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notetokens import abc, midi, musicxml, mxl, notes, tab
from notetokens.errors import NotegenError, ParseError
from notetokens.limits import score_problem
from notetokens.score import Score

NOTE_CHARS = "CDEFGABcdg#b0123456789:/[] -|\nRLMKQ"
SMALL = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def within_limits(score: Score) -> None:
    assert score_problem(score) is None
    assert all(0 <= n.pitch <= 127 and n.duration > 0 for n in score.notes)


def only_parse_errors(read, data) -> None:
    try:
        score = read(data)
    except ParseError as e:
        assert e.message
        return
    within_limits(score)


@SMALL
@given(st.text(alphabet=NOTE_CHARS, max_size=120))
def test_note_strings(text):
    only_parse_errors(notes.parse, text)


@SMALL
@given(
    st.lists(st.sampled_from(["C4", "[", "]", ":", "9", "/", "0", " ", "|", "\n", "R", "#", "b",
                              "M:", "L:", "99999999", "1/", "[C4 E4]"]), max_size=40)
)
def test_note_string_tokens(tokens):
    only_parse_errors(notes.parse, "".join(tokens))


@SMALL
@given(st.text(alphabet="XTMLKV:0123456789/+ \nCDEFGABcz|[]hello!\"%", max_size=120))
def test_abc_fields_and_bodies(text):
    only_parse_errors(abc.parse, text)


@SMALL
@given(
    st.lists(
        st.tuples(st.sampled_from(["e", "B", "G", "D", "A", "E", " ", ""]),
                  st.text(alphabet="-0123|x ", max_size=12)),
        min_size=1, max_size=7,
    ),
    st.integers(1, 3),
)
def test_tab_lines_with_staves_side_by_side(rows, staves):
    text = "\n".join(" ".join(f"{label}|{body}|" for _ in range(staves)) for label, body in rows)
    only_parse_errors(tab.parse, text)


@SMALL
@given(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=8))
def test_midi_time_signatures_and_trailing_bytes(numerator, power, tail):
    track = bytes([0, 0xFF, 0x58, 4, numerator, power, 24, 8, 0, 0x90, 60, 64, 0x60, 0x80, 60, 0])
    track += tail + bytes([0, 0xFF, 0x2F, 0])
    data = b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0MTrk" + len(track).to_bytes(4, "big") + track
    only_parse_errors(midi.parse, data)


XML = musicxml.format(notes.parse("L:1/8 M:3/4 K:G\nG4 A4 B4 c5 [D4 G4]:2 | d5:6"))
MXL = mxl.format(notes.parse("M:2/4\nC4 D4 | E4:2"))


def mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for pos, byte in edits:
        out[pos % len(out)] = byte
    return bytes(out)


@SLOW
@given(st.lists(st.tuples(st.integers(0, len(XML) - 1), st.sampled_from(b"<>/=\"'0123456789 az-&")),
                max_size=4))
def test_mutated_musicxml(edits):
    only_parse_errors(musicxml.parse, mutate(XML, edits))


@SLOW
@given(st.lists(st.tuples(st.integers(0, len(MXL) - 1), st.integers(0, 255)), max_size=4))
def test_mutated_mxl_archives(edits):
    only_parse_errors(musicxml.parse, mutate(MXL, edits))


@SMALL
@given(st.binary(max_size=200))
def test_random_bytes_as_musicxml(data):
    only_parse_errors(musicxml.parse, data)


@SMALL
@given(st.text(alphabet=NOTE_CHARS, max_size=80))
def test_writers_take_whatever_the_note_reader_returns(text):
    with contextlib.suppress(ParseError):
        score = notes.parse(text)
        for fmt in (midi.format, abc.format):
            with contextlib.suppress(NotegenError):
                fmt(score)
