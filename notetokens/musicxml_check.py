"""Checks on a MusicXML document before music21 reads it (`notetokens.musicxml`).

`refuse_dtd` runs expat over the bytes and stops at the first start tag: a
document type declaration with an internal subset (where `<!ENTITY` lives) is
refused at its first byte, whatever the encoding or the offset, before any
entity is declared or expanded. A plain `<!DOCTYPE score-partwise PUBLIC ...>`,
as every exporter writes, is read.

`check_tree` refuses what music21 would read wrongly or without a word: a part
that the part-list does not declare, `<divisions>` that is not positive, a
negative `<duration>`, a pitch outside MIDI's 0..127, a meter notegen cannot
write, an `<ending>` that starts and never stops, a
repeat on the wrong side of its measure (music21 would drop it). It also
rewrites unpitched percussion notes as the pitches of their General MIDI drum
sounds (the instrument's `<midi-unpitched>`, else the displayed step and
octave) on channel 10, since music21 reads them as notes without a pitch.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .errors import ParseError
from .limits import meter_problem

STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
NAMES = ["C", "C", "D", "D", "E", "F", "F", "G", "G", "A", "A", "B"]
DRUM_MIDI_CHANNEL = "10"  # MusicXML counts channels from 1


class _Started(Exception):
    """The root element began: no document type declaration can follow."""


def refuse_dtd(data: bytes) -> None:
    """Raise ParseError if the document declares an internal DTD subset."""
    from xml.parsers import expat

    parser = expat.ParserCreate()

    def doctype(name: str, system: str | None, public: str | None, internal: int) -> None:
        if internal:
            raise ParseError(
                f"MusicXML with an internal DTD (<!DOCTYPE {name} [...]>) is not read: "
                "its <!ENTITY declarations can expand without end",
                line=parser.CurrentLineNumber, col=parser.CurrentColumnNumber + 1,
            )

    def entity(*_: Any) -> None:  # unreachable after `doctype`, kept as a second guard
        raise ParseError("MusicXML with <!ENTITY declarations is not read (they can expand without end)")

    def started(*_: Any) -> None:
        raise _Started

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.StartElementHandler = started
    try:
        parser.Parse(data, True)
    except ParseError:
        raise
    except (_Started, expat.ExpatError, LookupError, ValueError):
        pass  # the real parse names a broken document's line and column


def check_tree(root: Any) -> None:
    """Refuse what music21 would misread (see the module notes); rewrite
    unpitched notes as drum pitches."""
    declared = {sp.get("id"): sp for sp in root.iter("score-part")}
    for part in root.findall("part"):
        pid = part.get("id")
        if pid not in declared:
            raise ParseError(
                f"part {pid!r} is not declared in the <part-list> "
                f"(declared: {', '.join(repr(k) for k in declared) or 'none'})"
            )
        drums = _drum_notes(declared[pid])
        _check_endings(part, pid)
        for measure in part.findall("measure"):
            where = f"part {pid!r}, measure {measure.get('number', '?')}"
            _check_measure(measure, where)
            if _unpitched(measure, drums, where):
                _drum_channel(declared[pid])


def _check_endings(part: Any, pid: str | None) -> None:
    """Refuse an `<ending>` opened and never closed (music21 drops such an
    ending without a word, and with it what it marks)."""
    opened: tuple[str, str] | None = None  # (number, measure) of the open ending
    for measure in part.findall("measure"):
        where = f"part {pid!r}, measure {measure.get('number', '?')}"
        for barline in measure.iter("barline"):
            _check_repeat(barline, where)
            for ending in barline.findall("ending"):
                number, kind = (ending.get("number") or "").strip(), ending.get("type")
                if kind == "start":
                    if opened is not None:
                        raise ParseError(f"{where}: ending {number} starts inside ending {opened[0]} "
                                         f"(measure {opened[1]}), which has no stop")
                    opened = (number, measure.get("number", "?"))
                elif kind in ("stop", "discontinue"):
                    opened = None  # a stop with no start (some exporters write one) marks nothing
    if opened is not None:
        raise ParseError(f"part {pid!r}, measure {opened[1]}: ending {opened[0]} starts and never "
                         "stops (an <ending type=\"stop\"> or \"discontinue\" closes it)")


def _check_repeat(barline: Any, where: str) -> None:
    """A backward repeat closes a measure (right barline), a forward one opens it."""
    side = barline.get("location") or "right"
    for rep in barline.findall("repeat"):
        direction = rep.get("direction")
        if (direction, side) in (("backward", "left"), ("forward", "right")):
            what = "backward repeat (:|) at the start" if side == "left" else "forward repeat (|:) at the end"
            raise ParseError(f"{where}: a {what} of the measure; a backward repeat closes a measure "
                             "(right barline) and a forward repeat opens one (left barline)")


def _check_measure(measure: Any, where: str) -> None:
    for div in measure.iter("divisions"):
        value = _number(div.text)
        if value is None or value <= 0:
            raise ParseError(f"{where}: <divisions> is {(div.text or '').strip()!r}; "
                             "it must be a positive number")
    for el in measure:
        for dur in el.findall("duration"):
            value = _number(dur.text)
            if value is None or value < 0:
                raise ParseError(f"{where}: <{el.tag}> has <duration> {(dur.text or '').strip()!r}; "
                                 "it must be a number of divisions, 0 or more")
    for pitch in measure.iter("pitch"):
        midi = _midi(pitch)
        if midi is not None and not 0 <= midi <= 127:
            raise ParseError(f"{where}: the pitch at octave {pitch.findtext('octave', '').strip()} "
                             f"is MIDI {midi}, outside MIDI's range 0..127")
    for time in measure.iter("time"):
        beats, kind = time.findtext("beats"), time.findtext("beat-type")
        if beats is None or kind is None:
            continue
        try:
            num, den = sum(int(b) for b in beats.split("+")), int(kind)
        except ValueError:
            continue  # a form music21 reads its own way (e.g. 3/8+2/4 lists)
        if problem := meter_problem(num, den):
            raise ParseError(f"{where}: {problem}; notegen cannot write it")


def _number(text: str | None) -> Fraction | None:
    try:
        return Fraction((text or "").strip())
    except (ValueError, ZeroDivisionError):
        return None


def _midi(pitch: Any) -> int | None:
    step = STEPS.get((pitch.findtext("step") or "").strip().upper())
    try:
        octave = int((pitch.findtext("octave") or "").strip())
        alter = round(float((pitch.findtext("alter") or "0").strip()))
    except ValueError:
        return None  # music21 says what is wrong with it
    return None if step is None else 12 * (octave + 1) + step + alter


def _drum_notes(score_part: Any) -> dict[str, int]:
    """Instrument id -> MIDI note, from `<midi-unpitched>` (counted from 1)."""
    out = {}
    for mi in score_part.findall("midi-instrument"):
        value = _number(mi.findtext("midi-unpitched"))
        if value is not None and value.denominator == 1 and 1 <= value <= 128:
            out[mi.get("id", "")] = int(value) - 1
    return out


def _unpitched(measure: Any, drums: dict[str, int], where: str) -> bool:
    """Rewrite each unpitched note of `measure` as its drum's pitch; whether any was."""
    from xml.etree import ElementTree as ET

    found = False
    for note in measure.iter("note"):
        up = note.find("unpitched")
        if up is None:
            continue
        inst = note.find("instrument")
        midi = drums.get(inst.get("id", "") if inst is not None else "")
        if midi is None:
            shown = ET.Element("pitch")
            ET.SubElement(shown, "step").text = up.findtext("display-step") or "E"
            ET.SubElement(shown, "octave").text = up.findtext("display-octave") or "4"
            midi = _midi(shown)
            if midi is None or not 0 <= midi <= 127:
                raise ParseError(f"{where}: an unpitched note has no drum sound notegen can read")
        pitch = ET.Element("pitch")
        ET.SubElement(pitch, "step").text = NAMES[midi % 12]
        if NAMES[midi % 12] == NAMES[(midi - 1) % 12]:
            ET.SubElement(pitch, "alter").text = "1"
        ET.SubElement(pitch, "octave").text = str(midi // 12 - 1)
        index = list(note).index(up)
        note.remove(up)
        note.insert(index, pitch)
        found = True
    return found


def _drum_channel(score_part: Any) -> None:
    """Put the part's instruments on MIDI channel 10, where music21 reads drums."""
    from xml.etree import ElementTree as ET

    instruments = score_part.findall("midi-instrument")
    if not instruments:
        ids = [si.get("id", "") for si in score_part.findall("score-instrument")] or ["drums"]
        instruments = [ET.SubElement(score_part, "midi-instrument", id=ids[0])]
    for mi in instruments:
        channel = mi.find("midi-channel")
        if channel is None:
            channel = ET.Element("midi-channel")
            mi.insert(0, channel)
        channel.text = DRUM_MIDI_CHANNEL
