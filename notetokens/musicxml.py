"""MusicXML, read and written through music21 (`.musicxml`, `.xml`; `.mxl` is
the compressed form, see `notetokens.mxl`).

Reading takes what MuseScore, Finale, Sibelius or Dorico export: partwise
MusicXML, plain or zipped (an `.mxl` archive is recognised by its bytes, so
`--from musicxml` reads either). The XML is parsed here first, so a broken file
names the line and column, and a file past the limits (size, parts, measures,
notes, an internal DTD, whose entities can make a few bytes expand to
gigabytes) is refused before music21 builds anything; so is what music21 would
misread (`notetokens.musicxml_check`). Transposing parts are read at concert
pitch; unpitched percussion as General MIDI drums on channel 10. music21 then
reads the parts: tied notes become one note, grace notes are skipped, chords are
notes with one onset. A first measure shorter than a bar is the pickup; repeat
barlines (`<repeat direction="forward|backward">`) and endings (`<ending
number="1" type="start|stop|discontinue">`) of the first part are the Score's
sections (`notetokens.m21_repeats`), as the marks of a note string are; marks
that do not fit are a one-line error naming the measure. A backward repeat's
`times="N"` plays a part without endings N times.

Writing: music21 lays the score out: measures from the meter, ties across bar
lines, rests in gaps, note types and tuplet brackets from the durations; a
pickup is a short first measure, and the sections are written as repeat
barlines (with `times="N"` for a part played N times) and endings (a part with
endings played more times than it has endings is written played out). A part
with overlapping notes of different lengths is written as chords (one line of
notation per staff). music21's layout grows faster than the score, so a score
past `MUSICXML_WRITE_NOTES` notes or `MUSICXML_WRITE_MEASURES` measures is
refused before it starts (`notetokens.limits`).

MusicXML has no model text of its own: a corpus or training run with
`--notation notes` reads MusicXML files as the note strings of their melodies,
so a folder of MuseScore files is a training corpus.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
import zipfile
import zlib
from fractions import Fraction
from typing import Any

from .errors import NotegenError, ParseError
from .limits import (
    MAX_BINARY_BYTES,
    MAX_PARTS,
    MUSICXML_READ_MEASURES,
    MUSICXML_READ_NOTES,
    check_music21_write,
    check_read,
    check_write,
)
from .m21 import score_to_stream
from .m21_repeats import first_measure, measured, score_sections, writable
from .musicxml_check import check_tree, refuse_dtd
from .score import Score

MAX_BYTES = MAX_BINARY_BYTES["musicxml"]
ZIP_MAGIC = b"PK\x03\x04"


def format(score: Score) -> bytes:
    """The bytes of a MusicXML (partwise, UTF-8) document for `score`."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    check_write(score)
    if not any(p.notes for p in score.parts):
        raise NotegenError("cannot write MusicXML of no notes: notegen would not read it back")
    check_music21_write(score, "MusicXML")
    score = _writable(score)
    stream = score_to_stream(score)
    if score.sections or (score.meter and score.pickup):
        measured(stream, score)
    try:
        # music21 prints warnings of its own ("out of midi channels" past 16 parts)
        with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = GeneralObjectExporter(stream).parse()
    except Exception as e:  # music21 cannot notate some durations (e.g. 1/7 beat)
        raise NotegenError(f"cannot write MusicXML: {' '.join(str(e).split())}") from None
    _check_written(data)
    return data


def _writable(score: Score) -> Score:
    """`score`, or played out when MusicXML's marks cannot write its sections
    (a part with endings played more times than it has endings)."""
    return score if writable(score.sections) else score.played_out()


def _check_written(data: bytes) -> None:
    """Refuse a document `parse` would refuse: notes split at bar lines and rests
    add <note> elements to what `check_music21_write` counted."""
    notes = data.count(b"<note>") + data.count(b"<note ")
    measures = data.count(b"<measure>") + data.count(b"<measure ")
    if len(data) > MAX_BYTES or notes > MUSICXML_READ_NOTES or measures > MUSICXML_READ_MEASURES:
        raise NotegenError(
            f"the MusicXML would hold {notes} notes and rests in {measures} measures "
            f"({len(data) / 2**20:.1f} MB), more than notegen reads back "
            f"({MUSICXML_READ_NOTES}, {MUSICXML_READ_MEASURES}, {MAX_BYTES // 2**20} MB); "
            "split the music"
        )


def parse(data: bytes | str) -> Score:
    """A Score from MusicXML bytes (plain or an `.mxl` archive); anything else
    is a `ParseError`."""
    from xml.etree import ElementTree as ET

    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ParseError(f"MusicXML must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if data[:4] == ZIP_MAGIC:
        data = unpack(data)
    if len(data) > MAX_BYTES:
        raise ParseError(f"the MusicXML is larger than {MAX_BYTES // 2**20} MB, the limit")
    refuse_dtd(data)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        line, col = e.position
        raise ParseError(f"not MusicXML: {_xml_message(e)}", line=line, col=col + 1) from None
    except (LookupError, ValueError) as e:  # an unknown encoding="..." in the declaration
        raise ParseError(f"not MusicXML: {e}") from None
    if root.tag == "score-timewise":
        raise ParseError("timewise MusicXML is not read; export it as partwise (the usual form)")
    if root.tag != "score-partwise":
        raise ParseError(f"not MusicXML: the document is <{root.tag}>, not <score-partwise>")
    parts = root.findall("part")
    if len(parts) > MAX_PARTS:
        raise ParseError(f"{len(parts)} parts: more than the limit of {MAX_PARTS}")
    if not parts:
        raise ParseError("the MusicXML score has no parts")
    _check_size(parts)
    check_tree(root)
    score = _read_root(root)
    if not any(p.notes for p in score.parts):
        raise ParseError("the MusicXML score has no notes")
    check_read(score)
    return score


def _check_size(parts: list[Any]) -> None:
    """Refuse a score with more measures or notes than music21 reads in a few
    seconds (it builds a part's measures in time that grows with their square)."""
    measures = sum(len(p.findall("measure")) for p in parts)
    if measures > MUSICXML_READ_MEASURES:
        raise ParseError(
            f"{measures} measures (all parts together) is more than notegen reads as MusicXML "
            f"({MUSICXML_READ_MEASURES}); export a shorter score or fewer parts"
        )
    notes = sum(1 for p in parts for _ in p.iter("note"))
    if notes > MUSICXML_READ_NOTES:
        raise ParseError(
            f"{notes} notes and rests is more than notegen reads as MusicXML "
            f"({MUSICXML_READ_NOTES}); export a shorter score or fewer parts"
        )


def _read_root(root: Any) -> Score:
    from music21.musicxml import xmlToM21

    from .m21 import stream_to_score

    importer = xmlToM21.MusicXMLImporter()
    try:
        with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # music21 warns about measures it mends
            importer.xmlRootToScore(root, importer.stream)
            importer.stream.toSoundingPitch(inPlace=True)  # a B-flat clarinet's D4 sounds C4
        score = stream_to_score(importer.stream)
        _read_marks(importer.stream, score)
        return score
    except ParseError:
        raise
    except RecursionError:
        raise ParseError("the MusicXML is nested too deeply to read") from None
    except Exception as e:  # music21 raises many types on odd MusicXML
        msg = " ".join(str(e).split())[:200] or type(e).__name__
        raise ParseError(f"cannot read the MusicXML: {msg}") from None


def _read_marks(s: Any, score: Score) -> None:
    """The pickup (a first measure shorter than a bar) and the sections that the
    repeat barlines and endings make; ParseError naming the measure at fault."""
    meter = score.meter
    first = first_measure(s)
    if meter is not None and first is not None:
        bar = Fraction(4 * meter.numerator, meter.denominator)
        if 0 < first < bar and first < score.end:
            score.pickup = first
    score.sections = score_sections(s, score, "measure")


def _xml_message(e: Exception) -> str:
    return re.sub(r": line \d+, column \d+$", "", str(e))


def unpack(data: bytes) -> bytes:
    """The score document inside an `.mxl` archive (the rootfile that
    META-INF/container.xml names, else the first .xml or .musicxml file)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            name = _rootfile(z, names) or next(
                (n for n in names if n.lower().endswith((".musicxml", ".xml"))
                 and not n.startswith("META-INF/")),
                None,
            )
            if name is None:
                raise ParseError("the .mxl archive holds no MusicXML file")
            if z.getinfo(name).file_size > MAX_BYTES:
                raise ParseError(f"the MusicXML in the archive is larger than {MAX_BYTES // 2**20} MB")
            with z.open(name) as f:
                out = f.read(MAX_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, KeyError, OSError, EOFError,
            NotImplementedError, RuntimeError, ValueError) as e:
        if isinstance(e, ParseError):
            raise
        raise ParseError(f"not a readable .mxl archive: {e}") from None
    return out


def _rootfile(z: zipfile.ZipFile, names: list[str]) -> str | None:
    if "META-INF/container.xml" not in names:
        return None
    if z.getinfo("META-INF/container.xml").file_size > 65536:
        return None
    m = re.search(rb'full-path="([^"]+)"', z.read("META-INF/container.xml"))
    name = m.group(1).decode("utf-8", "replace") if m else None
    return name if name in names else None


NO_MODEL_TEXT = (
    "MusicXML has no model text of its own: train on its melodies as note strings "
    "(--notation notes reads .musicxml, .xml and .mxl files)"
)


def to_model_text(score: Score) -> str:
    raise NotegenError(NO_MODEL_TEXT)


def from_model_text(text: str) -> Score:
    raise NotegenError(NO_MODEL_TEXT)


def grammar() -> Any:
    raise NotegenError(NO_MODEL_TEXT)
