"""What notegen writes stays within what it reads, and what goes through music21
stays within seconds: the write caps of `notetokens.limits` (issue #12)."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notetokens import Note, Part, Score, TimeSignature, abc, limits, musicxml, mxl, tab
from notetokens.abc_check import MAX_TUNE_NOTES
from notetokens.errors import NotegenError, ParseError
from notetokens.tab_format import format as tab_format
from tests.conftest import peak_mib, untouched


def run(n: int, step: F = F(1, 2), meter: tuple[int, int] | None = (4, 4)) -> Score:
    """`n` notes of length `step` one after another."""
    notes = [Note(step * i, 60 + i % 12, step) for i in range(n)]
    meters = [TimeSignature(F(0), *meter)] if meter else []
    return Score.from_notes(notes, time_signatures=meters)


# -- counting bars -------------------------------------------------------------------


def test_bars_follow_the_meters():
    assert limits.bars(run(8, F(1), None)) == 2  # 4/4 where no meter is set
    assert limits.bars(run(9, F(1))) == 3  # a short last bar counts
    assert limits.bars(run(6, F(1, 2), (6, 8))) == 1
    changes = Score.from_notes(
        [Note(F(0), 60, F(20))],
        time_signatures=[TimeSignature(F(0), 4, 4), TimeSignature(F(8), 2, 4)],
    )
    assert limits.bars(changes) == 2 + 6
    assert limits.bars(Score()) == 0


# -- MusicXML through music21 --------------------------------------------------------


@pytest.mark.parametrize("fmt", [musicxml.format, mxl.format])
def test_musicxml_past_the_note_cap_is_refused_before_music21_starts(fmt, monkeypatch):
    many = run(limits.MUSICXML_WRITE_NOTES + 1)
    untouched(monkeypatch, "music21.musicxml.m21ToXml", "GeneralObjectExporter")
    with pytest.raises(NotegenError) as e:
        fmt(many)
    assert str(e.value) == (
        f"{limits.MUSICXML_WRITE_NOTES + 1} notes is more than notegen writes as MusicXML "
        f"({limits.MUSICXML_WRITE_NOTES}); write MIDI or a note string, or split the music"
    )


def test_musicxml_past_the_measure_cap_is_refused():
    # two notes, but a 1/64 meter makes 16 bars a beat: music21 took a minute on this
    tiny_bars = Score.from_notes([Note(F(0), 60, F(1000)), Note(F(1000), 62, F(1))],
                             time_signatures=[TimeSignature(F(0), 1, 64)])
    with pytest.raises(NotegenError, match=r"16016 measures \(bars times parts\) is more than"):
        musicxml.format(tiny_bars)
    parts = Score(parts=[Part([Note(F(0), 60, F(4 * 100))]) for _ in range(11)])
    with pytest.raises(NotegenError, match="1100 measures"):
        musicxml.format(parts)


@pytest.mark.parametrize(("length", "values"), [(F(1), 1), (F(3, 2), 1), (F(5, 4), 2), (F(1, 3), 1),
                                                (F(15, 8), 2), (F(1023, 256), 5)])
def test_note_values_count_tied_values(length, values):
    assert limits.note_values(length) == values


def test_notated_counts_pieces_at_bar_lines_rests_and_overlaps():
    ts = [TimeSignature(F(0), 4, 4)]
    assert limits.notated(Score.from_notes([Note(F(2), 60, F(4))], time_signatures=ts)) == 3  # rest, 2 + 2
    overlap = Score(parts=[Part([Note(F(0), 60, F(2)), Note(F(1), 64, F(2))])], time_signatures=ts)
    assert limits.notated(overlap) == 3  # chords over 0-1, 1-2, 2-3


def test_musicxml_whose_notation_is_past_the_cap_is_refused(monkeypatch):
    # 500 notes of 1023/256 beat: music21 writes each as six or seven tied values
    odd = [Note(F(1023, 256) * i, 60, F(1023, 256)) for i in range(500)]
    untouched(monkeypatch, "music21.musicxml.m21ToXml", "GeneralObjectExporter")
    with pytest.raises(NotegenError, match=r"notes and rests as notated .* is more than notegen writes"):
        musicxml.format(Score.from_notes(odd, time_signatures=[TimeSignature(F(0), 4, 4)]))


def test_musicxml_that_would_not_read_back_is_refused(monkeypatch):
    monkeypatch.setattr(musicxml, "MUSICXML_READ_NOTES", 9)
    with pytest.raises(NotegenError, match="would hold 10 notes and rests in 3 measures"):
        musicxml.format(run(10, F(1)))


def test_a_long_tune_at_the_caps_is_written_and_read_back():
    score = run(limits.MUSICXML_WRITE_NOTES, F(1, 2))
    back = musicxml.parse(musicxml.format(score))
    assert [(n.onset, n.pitch, n.duration) for n in back.notes] == [
        (n.onset, n.pitch, n.duration) for n in score.notes
    ]


def xml(parts: int, measures: int, notes: int) -> bytes:
    """Partwise MusicXML: `parts` parts of `measures` measures of `notes` quarter notes."""
    note = "<note><pitch><step>C</step><octave>4</octave></pitch><duration>1</duration></note>"
    head = ("<attributes><divisions>1</divisions>"
            "<time><beats>4</beats><beat-type>4</beat-type></time></attributes>")
    body = "".join(
        f'<part id="P{p}">'
        + "".join(f'<measure number="{m + 1}">{head if m == 0 else ""}{note * notes}</measure>'
                  for m in range(measures))
        + "</part>"
        for p in range(parts)
    )
    plist = "".join(f'<score-part id="P{p}"><part-name/></score-part>' for p in range(parts))
    return f"<score-partwise><part-list>{plist}</part-list>{body}</score-partwise>".encode()


@pytest.mark.parametrize(
    ("parts", "measures", "notes", "words"),
    [
        (1, limits.MUSICXML_READ_MEASURES + 1, 1, f"{limits.MUSICXML_READ_MEASURES + 1} measures"),
        (4, limits.MUSICXML_READ_MEASURES // 4 + 1, 1, "measures \\(all parts together\\)"),
        (1, 100, limits.MUSICXML_READ_NOTES // 100 + 1, "notes and rests is more than notegen reads"),
    ],
)
def test_musicxml_past_the_read_caps_is_refused_before_music21_reads_it(parts, measures, notes, words,
                                                                        monkeypatch):
    untouched(monkeypatch, "music21.musicxml.xmlToM21", "MusicXMLImporter")
    with pytest.raises(ParseError, match=words):
        musicxml.parse(xml(parts, measures, notes))


def test_musicxml_within_the_read_caps_is_read():
    score = musicxml.parse(xml(2, 50, 4))
    assert len(score.parts) == 2 and len(score.notes) == 400


def test_the_musicxml_size_cap_is_the_documented_one():
    assert musicxml.MAX_BYTES == limits.MAX_BINARY_BYTES["musicxml"] == 4 * limits.MB
    assert limits.max_bytes("mxl", True) == 4 * limits.MB


# -- ABC: never written past what the reader takes -------------------------------------


def test_abc_past_the_readers_note_cap_is_refused_up_front():
    with pytest.raises(NotegenError) as e:
        abc.format(run(MAX_TUNE_NOTES + 1))
    assert str(e.value).startswith(
        f"{MAX_TUNE_NOTES + 1} notes is more than notegen reads as ABC ({MAX_TUNE_NOTES} in a tune)"
    )
    with pytest.raises(NotegenError, match="reads as ABC"):
        abc.format(run(100_000, F(1, 8)))


def test_abc_whose_ties_across_bar_lines_pass_the_readers_cap_is_refused():
    # 1,500 notes, each across a bar line: 3,000 note letters
    notes = [Note(F(4 * i + 2), 60, F(4)) for i in range(1500)]
    with pytest.raises(NotegenError, match="that notegen reads back: the tune has more than 2000 notes"):
        abc.format(Score.from_notes(notes, time_signatures=[TimeSignature(F(0), 4, 4)]))


def test_abc_at_the_readers_note_cap_reads_back():
    score = run(MAX_TUNE_NOTES)
    back = abc.parse(abc.format(score))
    assert len(back.notes) == MAX_TUNE_NOTES


def test_abc_refuses_a_meter_its_reader_refuses():
    score = Score.from_notes([Note(F(0), 60, F(1))], time_signatures=[TimeSignature(F(0), 100, 4)])
    with pytest.raises(NotegenError, match=r"meter 100/4: the upper number must be 1\.\.64"):
        abc.format(score)


def test_odd_tuplets_music21_would_round_are_refused_naming_the_note():
    score = Score.from_notes([Note(F(0), 60, F(1, 1021)), Note(F(1, 1021), 62, F(1, 1019)),
                          Note(F(1, 1021) + F(1, 1019), 64, F(1, 1013))])
    with pytest.raises(NotegenError) as e:
        abc.format(score)
    assert str(e.value).startswith(
        "cannot write ABC exactly: D4 at beat 1/1021 ends at beat 2040/1040399, and music21"
    )


def test_odd_tuplets_music21_holds_round_trip_exactly():
    notes = []
    t = F(0)
    for d in [3, 3, 3, 5, 5, 5, 5, 5, 7, 1021, 1021]:
        notes.append(Note(t, 60 + len(notes), F(1, d)))
        t += F(1, d)
    score = Score.from_notes(notes)
    back = abc.parse(abc.format(score))
    assert [(n.onset, n.pitch, n.duration) for n in back.notes] == [
        (n.onset, n.pitch, n.duration) for n in score.notes
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([1, 2, 3, 5, 7, 9, 11, 13, 255, 257, 1013, 1019, 1021]),
                min_size=1, max_size=8),
       st.lists(st.integers(1, 3), min_size=8, max_size=8))
def test_abc_is_written_exactly_or_not_at_all(denominators, numerators):
    notes = []
    t = F(0)
    for d, n in zip(denominators, numerators, strict=False):
        notes.append(Note(t, 60 + len(notes), F(n, d)))
        t += F(n, d)
    score = Score.from_notes(notes)
    try:
        text = abc.format(score)
    except NotegenError as e:
        assert "cannot write ABC exactly" in str(e)
        return
    back = abc.parse(text)
    assert [(n.onset, n.pitch, n.duration) for n in back.notes] == [
        (n.onset, n.pitch, n.duration) for n in score.notes
    ]


# -- tab -----------------------------------------------------------------------------


def test_tab_past_the_note_cap_is_refused_up_front():
    many = run(limits.TAB_WRITE_NOTES + 1, F(1, 8))
    caught: list[NotegenError] = []

    def write() -> None:
        with pytest.raises(NotegenError) as e:
            tab_format(many)
        caught.append(e.value)

    assert peak_mib(write) < 16  # refused by its count, before any layout
    error = caught[0]
    assert str(error).startswith(
        f"{limits.TAB_WRITE_NOTES + 1} notes is more than notegen writes as tab "
        f"({limits.TAB_WRITE_NOTES})"
    )


def test_tab_larger_than_the_reader_takes_is_refused(monkeypatch):
    from notetokens import tab_format as tf

    score = run(200)
    text = tf.format(score)
    monkeypatch.setattr(tf, "MAX_TEXT_BYTES", len(text.encode()) - 1)
    with pytest.raises(NotegenError, match="more than notegen reads as tab"):
        tf.format(score)
    monkeypatch.setattr(tf, "MAX_TEXT_BYTES", len(text.encode()))
    assert tf.format(score) == text


def test_tab_that_would_read_back_past_the_beat_limit_is_refused(monkeypatch):
    from notetokens import tab_format as tf

    score = run(20, F(1))
    monkeypatch.setattr(tf, "MAX_BEATS", 19)
    with pytest.raises(NotegenError, match="read back as 20 beats"):
        tf.format(score)


def test_a_long_tab_at_the_cap_reads_back():
    score = run(limits.TAB_WRITE_NOTES, F(1, 4))
    text = tab_format(score)
    assert len(text.encode()) <= limits.MAX_TEXT_BYTES
    assert len(tab.parse(text).notes) == limits.TAB_WRITE_NOTES
