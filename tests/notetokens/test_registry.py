"""Each notation's facts live in the registry: which model text it shares, one
voice or many, its options, whether it has a grammar, whether a file holds many
tunes; and one table of pitches and keys."""

from __future__ import annotations

import pytest

from notetokens import NOTATIONS, get, notes
from notetokens.errors import NotegenError
from notetokens.keysig import LETTER_PC, MODES, estimate_key, parse_key

MELODY = "L:1/8 K:D\nD4 F#4 A4 D5:2 A4 | B4 A4 F#4 E4:3"


@pytest.mark.parametrize(
    ("name", "text_form", "one_voice", "grammar"),
    [("notes", "notes", True, True), ("abc", "notes", False, True), ("midi", "notes", False, True),
     ("tab", "tab", True, True), ("text", "text", False, False)],
)
def test_facts(name: str, text_form: str, one_voice: bool, grammar: bool) -> None:
    nt = get(name)
    assert nt.text_form().name == text_form
    assert nt.one_voice is one_voice
    assert nt.has_grammar is grammar


def test_notations_sharing_the_note_string_share_its_reader_and_grammar() -> None:
    from notetokens.notes_grammar import NotesGrammar

    want = notes.from_model_text(MELODY)
    for name in ("abc", "midi"):
        assert get(name).from_model_text(MELODY) == want
        assert isinstance(get(name).grammar(), NotesGrammar)


def test_a_notation_without_grammar_or_model_says_so() -> None:
    with pytest.raises(NotegenError, match="text has no grammar"):
        get("text").grammar()
    with pytest.raises(NotegenError, match="MusicXML has no model text"):
        get("musicxml").from_model_text(MELODY)
    assert not get("mxl").has_grammar


def test_options_and_collections() -> None:
    assert [n.name for n in NOTATIONS.values() if "tuning" in n.options] == ["tab"]
    assert [n.name for n in NOTATIONS.values() if n.collection] == ["abc"]


def test_one_letter_table_and_one_mode_list() -> None:
    import notetokens.notes_reader as reader
    import notetokens.tab_tuning as tuning

    assert reader.LETTER_PC is LETTER_PC and tuning.LETTER_PC is LETTER_PC
    assert MODES == ("maj", "min", "dor", "phr", "lyd", "mix", "loc")
    assert [parse_key(k).mode for k in ("D", "Dion", "Em", "Eaeo", "Ador", "Gmix")] == [  # type: ignore[union-attr]
        "maj", "maj", "min", "min", "dor", "mix"]


@pytest.mark.parametrize(
    ("pitches", "key"),
    [([62, 64, 66, 67, 69, 71, 73, 74], "D"),  # D major scale
     ([57, 60, 64, 69, 67, 65, 64, 62, 60, 59, 57], "Am"),  # an A minor line
     ([66, 70, 73, 78, 73, 70, 66], "F#"),  # F# major arpeggio
     ([65, 67, 69, 70, 72, 74, 76, 77], "F")],
)
def test_estimate_key(pitches: list[int], key: str) -> None:
    assert estimate_key((p, 1.0) for p in pitches) == key
