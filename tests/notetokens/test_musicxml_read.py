"""Reading MusicXML (`.musicxml`, `.xml`, compressed `.mxl`): files notegen
writes, files from music21's corpus (real exports of notation programs), and
broken or hostile documents."""

from __future__ import annotations

import io
import zipfile
from fractions import Fraction as F
from pathlib import Path

import pytest

from notetokens import Note, Part, Score, Tempo, TimeSignature, musicxml, mxl, notes, read, write
from notetokens.corpus import build
from notetokens.errors import NotegenError, ParseError
from notetokens.registry import for_path

TUNE = "L:1/8 M:6/8 K:D Q:100\nD4 F#4 A4 D5:2 A4 | B4 A4 F#4 E4:3 | [D4 F#4 A4]:3 F#4 E4 D4 |\n"


def m21_corpus(name: str) -> Path:
    import music21

    path = Path(music21.__file__).parent / "corpus" / name
    assert path.is_file(), path
    return path


def key(score: Score) -> list[tuple[F, int, F]]:
    return [(n.onset, n.pitch, n.duration) for n in score.notes]


def test_registry_reads_every_musicxml_extension():
    for name, notation in [("a.musicxml", "musicxml"), ("a.xml", "musicxml"), ("a.MXL", "mxl")]:
        nt = for_path(name)
        assert nt.name == notation and nt.readable and nt.binary


@pytest.mark.parametrize("fmt", [musicxml.format, mxl.format])
def test_what_notegen_writes_reads_back(fmt):
    score = notes.parse(TUNE)
    back = musicxml.parse(fmt(score))
    assert key(back) == key(score)
    assert back.meter == TimeSignature(F(0), 6, 8)
    assert back.key == "D" and back.bpm == 100.0
    assert notes.format(back) == notes.format(score)


def test_several_parts_programs_and_triplets_read_back():
    score = Score(
        parts=[
            Part([Note(F(i, 3), 72 + i, F(1, 3)) for i in range(6)], name="Flute", program=73),
            Part([Note(F(0), 48, F(2)), Note(F(2), 43, F(2))], name="Cello", program=42, channel=1),
        ],
        tempos=[Tempo(F(0), 90.0)],
        time_signatures=[TimeSignature(F(0), 4, 4)],
    )
    back = musicxml.parse(musicxml.format(score))
    assert [key(Score(parts=[p])) for p in back.parts] == [key(Score(parts=[p])) for p in score.parts]
    assert [p.program for p in back.parts] == [73, 42]


@pytest.mark.parametrize(
    ("name", "parts"),
    [("bach/bwv66.6.mxl", 4), ("corelli/opus3no1/1grave.xml", 3), ("schoenberg/opus19/movement2.mxl", 2)],
)
def test_music21_corpus_files_are_read(tmp_path, name, parts):
    score = read(m21_corpus(name))
    assert len(score.parts) == parts
    assert len(score.notes) > 50
    assert score.meter is not None
    # and they go on to every other notation
    for ext in ("mid", "abc", "txt", "mxl"):
        write(score if ext != "txt" else score.one_voice(), tmp_path / f"out.{ext}")
    again = read(tmp_path / "out.mxl")
    assert key(again) == key(score)


def test_musicxml_has_no_model_text_of_its_own():
    with pytest.raises(NotegenError, match="--notation notes"):
        musicxml.to_model_text(notes.parse(TUNE))


def test_a_folder_of_musicxml_is_a_corpus(tmp_path):
    (tmp_path / "a.musicxml").write_bytes(musicxml.format(notes.parse(TUNE)))
    (tmp_path / "b.mxl").write_bytes(mxl.format(notes.parse("M:4/4\nC4 D4 E4 F4 | G4:4")))
    (tmp_path / "broken.xml").write_text("<score-partwise><part>")
    corpus = build([tmp_path], "notes", jobs=1)
    assert len(corpus.documents) == 2 and len(corpus.skipped) == 1
    assert "broken.xml" in corpus.skipped[0]
    assert any(d.endswith("G4:4") for d in corpus.documents)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "not MusicXML"),
        (b"<score-partwise>\n  <part id='P1'>\n  <oops>\n</score-partwise>", "not MusicXML"),
        (b"<html><body>hi</body></html>", "<html>"),
        (b"<score-timewise/>", "timewise"),
        (b"<score-partwise/>", "no parts"),
        (b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
         b"<score-partwise>&b;</score-partwise>", "ENTITY"),
        (b"PK\x03\x04not a zip at all", "not a readable .mxl"),
    ],
)
def test_broken_and_hostile_documents_are_one_parse_error(data, words):
    with pytest.raises(ParseError, match=words):
        musicxml.parse(data)


def test_an_xml_syntax_error_names_line_and_column():
    with pytest.raises(ParseError) as e:
        musicxml.parse(b"<score-partwise>\n  <part id='P1'>\n  </prt>\n</score-partwise>")
    assert (e.value.line, e.value.col) == (3, 5)


def test_an_archive_without_a_score_or_past_the_size_limit_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(ParseError, match="holds no MusicXML"):
        musicxml.parse(buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("score.xml", b" " * (musicxml.MAX_BYTES + 1))  # a zip bomb in miniature
    with pytest.raises(ParseError, match="larger than"):
        musicxml.parse(buf.getvalue())


def test_a_score_with_too_many_parts_is_refused_before_music21_reads_it():
    parts = "".join(f'<part id="P{i}"/>' for i in range(65))
    with pytest.raises(ParseError, match="65 parts"):
        musicxml.parse(f"<score-partwise>{parts}</score-partwise>".encode())
