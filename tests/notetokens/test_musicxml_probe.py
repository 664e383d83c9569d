"""MusicXML cases from the probe of issue #18: DTDs and entities in any encoding
or place, transposing and percussion parts, and fields music21 would misread,
each read right or refused in one line by the real command."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from notetokens import midi, musicxml
from notetokens.errors import ParseError
from tests.conftest import one_line, peak_mib, run_notegen

NOTE = "<note><pitch><step>E</step><octave>4</octave></pitch><duration>1</duration></note>"
METER = "<time><beats>4</beats><beat-type>4</beat-type></time>"


def doc(notes: str = NOTE, attrs: str = f"<divisions>1</divisions>{METER}", pid: str = "P1",
        part_list: str = '<score-part id="P1"><part-name>A</part-name></score-part>',
        prolog: str = "", encoding: str = "UTF-8") -> str:
    return (f'<?xml version="1.0" encoding="{encoding}"?>{prolog}<score-partwise version="3.1">'
            f"<part-list>{part_list}</part-list><part id=\"{pid}\"><measure number=\"1\">"
            f"<attributes>{attrs}</attributes>{notes}</measure></part></score-partwise>")


def entity_doc(spaces: int = 0, encoding: str = "UTF-8") -> str:
    return doc("&m;", prolog=" " * spaces + f'<!DOCTYPE s [<!ENTITY m "{NOTE}">]>', encoding=encoding)


def mxl_of(text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("score.xml", text)
    return buf.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        entity_doc(70_000).encode(),  # past the first 64 KB the old check scanned
        entity_doc(encoding="UTF-16").encode("utf-16"),  # with a BOM
        entity_doc(encoding="UTF-16LE").encode("utf-16-le"),
        entity_doc(encoding="UTF-16BE").encode("utf-16-be"),
        mxl_of(entity_doc(70_000)),
    ],
    ids=["after-70k-spaces", "utf-16", "utf-16le", "utf-16be", "mxl"],
)
def test_an_internal_dtd_is_refused_in_any_encoding_or_place(data):
    with pytest.raises(ParseError, match="internal DTD"):
        musicxml.parse(data)


def test_utf32_is_not_read_at_all():
    with pytest.raises(ParseError, match="not MusicXML"):
        musicxml.parse(entity_doc(encoding="UTF-32").encode("utf-32"))


def test_nested_entities_in_a_large_file_are_refused_before_any_expansion():
    ents = f'<!ENTITY a0 "{NOTE}">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 7))
    data = doc("&a6;", prolog=" " * 3_900_000 + f"<!DOCTYPE s [{ents}]>").encode()
    def parse() -> None:
        with pytest.raises(ParseError, match="internal DTD"):
            musicxml.parse(data)

    assert peak_mib(parse) < 4 * len(data) / 2**20  # expanded, it took 2.8 GB


def test_a_public_doctype_without_an_internal_subset_is_read():
    prolog = ('<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 3.1 Partwise//EN" '
              '"http://www.musicxml.org/dtds/partwise.dtd">')
    assert [n.pitch for n in musicxml.parse(doc(prolog=prolog)).notes] == [64]


def test_a_transposing_part_is_read_at_concert_pitch(tmp_path: Path):
    clarinet = (f"<divisions>1</divisions>{METER}"
                "<transpose><diatonic>-1</diatonic><chromatic>-2</chromatic></transpose>")
    src = tmp_path / "clarinet.musicxml"
    src.write_text(doc(NOTE.replace("<step>E", "<step>D"), attrs=clarinet))
    r = run_notegen("convert", str(src), str(tmp_path / "out.mid"))
    assert r.returncode == 0, r.stderr
    assert [n.pitch for n in midi.parse((tmp_path / "out.mid").read_bytes()).notes] == [60]  # D4 sounds C4


DRUM_PART = (
    '<score-part id="P1"><part-name>Drums</part-name>'
    '<score-instrument id="I36"><instrument-name>Kick</instrument-name></score-instrument>'
    '<score-instrument id="I39"><instrument-name>Snare</instrument-name></score-instrument>'
    '<midi-instrument id="I36"><midi-unpitched>37</midi-unpitched></midi-instrument>'
    '<midi-instrument id="I39"><midi-unpitched>39</midi-unpitched></midi-instrument></score-part>'
)


def drum_note(inst: str, step: str = "F", octave: int = 4) -> str:
    return (f"<note><unpitched><display-step>{step}</display-step><display-octave>{octave}"
            f"</display-octave></unpitched><duration>1</duration>{inst}</note>")


def test_unpitched_percussion_reads_as_drums_on_channel_10():
    notes = drum_note('<instrument id="I36"/>') + drum_note('<instrument id="I39"/>') + drum_note("", "G", 5)
    score = musicxml.parse(doc(notes, part_list=DRUM_PART))
    (part,) = score.parts
    assert part.is_drum and part.channel == 9
    # the instruments' <midi-unpitched> (counted from 1), else the displayed G5
    assert [n.pitch for n in part.notes] == [36, 38, 79]
    back = midi.parse(midi.format(score))
    assert back.parts[0].is_drum and [n.pitch for n in back.notes] == [36, 38, 79]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (doc(NOTE.replace("<duration>1", "<duration>-4") + NOTE), ["measure 1", "<duration> '-4'"]),
        (doc(attrs="<divisions>1</divisions><time><beats>7</beats><beat-type>7</beat-type></time>"),
         ["measure 1", "meter 7/7"]),
        (doc(NOTE.replace("<octave>4", "<octave>10")), ["measure 1", "outside MIDI's range"]),
        (doc(pid="P9"), ["'P9'", "not declared"]),
        (doc(attrs="<divisions>0</divisions>"), ["measure 1", "<divisions>"]),
        (entity_doc(70_000), ["internal DTD"]),
    ],
    ids=["negative-duration", "meter-7/7", "octave-10", "undeclared-part", "divisions-0", "entity"],
)
def test_the_command_refuses_in_one_line(tmp_path: Path, text, words):
    src = tmp_path / "in.musicxml"
    src.write_text(text)
    r = run_notegen("convert", str(src), str(tmp_path / "out.mid"))
    one_line(r, "in.musicxml", *words)
    assert not (tmp_path / "out.mid").exists()
