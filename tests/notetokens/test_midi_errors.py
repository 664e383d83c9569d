"""Bad MIDI input raises ParseError and nothing else: empty, truncated, random
and mutated files, with the byte offset or track named where it can be."""

from __future__ import annotations

import contextlib
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notetokens import Note, ParseError, Part, Score, Tempo, midi


def valid_file() -> bytes:
    notes = [Note(Fraction(i, 2), 60 + i % 12, Fraction(1, 2), 64 + i) for i in range(24)]
    score = Score(parts=[Part(notes, name="Flute", program=73)], tempos=[Tempo(Fraction(0), 90.0)],
                  key="G", title="t")
    return midi.format(score)


VALID = valid_file()


def parse_error(data: bytes) -> ParseError:
    with pytest.raises(ParseError) as info:
        midi.parse(data)
    assert info.value.line is None and info.value.col is None
    return info.value


def test_empty_file():
    assert "empty" in str(parse_error(b""))


def test_text_file_is_not_midi():
    assert "MThd" in str(parse_error(b"X:1\nK:C\nCDEF|\n"))


def test_header_only_files():
    assert "no tracks" in str(parse_error(VALID[:8] + b"\x00\x01\x00\x00\x01\xe0"))
    assert "missing" in str(parse_error(VALID[:14]))  # announces tracks, has none


def test_truncated_track_names_track_and_offset():
    err = str(parse_error(VALID[:-10]))
    assert "track 1" in err and "truncated" in err and "byte" in err


@pytest.mark.parametrize("cut", range(1, 120, 7))
def test_every_prefix_is_an_error(cut: int):
    parse_error(VALID[:cut])


def test_smpte_division_and_unknown_type():
    smpte = VALID[:12] + b"\xe7\x28" + VALID[14:]
    assert "SMPTE" in str(parse_error(smpte))
    assert "type 7" in str(parse_error(VALID[:8] + b"\x00\x07" + VALID[10:]))


def test_bad_status_byte_in_a_track():
    body = b"\x00\xf4\x00" + b"\x00\xff\x2f\x00"  # 0xF4 is undefined
    data = VALID[:8] + b"\x00\x00\x00\x01\x00\x60" + b"MTrk" + len(body).to_bytes(4, "big") + body
    err = str(parse_error(data))
    assert "track 0 at byte 14" in err


def test_unknown_chunks_are_skipped():
    extra = b"XFIH" + (3).to_bytes(4, "big") + b"abc"
    data = VALID[:14] + extra + VALID[14:]
    assert midi.parse(data) == midi.parse(VALID)


def test_non_bytes_input():
    with pytest.raises(ParseError):
        midi.parse("MThd")  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_parse_error(data: bytes):
    with contextlib.suppress(ParseError):
        midi.parse(data)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), max_size=6),
       st.integers(0, len(VALID)))
def test_mutated_files_raise_only_parse_error(edits: list[tuple[int, int]], keep: int):
    data = bytearray(VALID)
    for at, value in edits:
        data[at] = value
    try:
        score = midi.parse(bytes(data[: max(keep, 14)]))
    except ParseError:
        return
    # whatever survives is a Score that writes and reads back
    assert midi.parse(midi.format(score)) == score
