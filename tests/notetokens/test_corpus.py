"""Corpus building: files and folders of every notation, skipping, caching."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notetokens import NotegenError, ParseError, corpus, notes

ROOT = Path(__file__).resolve().parents[2]


def test_folder_of_note_strings_becomes_canonical_documents(tmp_path):
    (tmp_path / "a.txt").write_text("G-G-D-D-E-E-D\n")
    (tmp_path / "b.notes").write_text("M:3/4\nC4 E4 G4 | C5:3\n")
    (tmp_path / "readme.md").write_text("not music")  # ignored: not a music extension
    docs = corpus.documents([str(tmp_path)], "notes")
    assert docs == ["G4 G4 D4 D4 E4 E4 D4", "M:3/4\nC4 E4 G4 | C5:3"]


def test_abc_collection_tunes_tab_and_midi_sources(tmp_path):
    docs = corpus.documents([str(ROOT / "examples/abc"), str(ROOT / "examples/tabs")], "notes")
    assert len(docs) >= 5
    for d in docs:  # every document is valid model text
        assert notes.from_model_text(d).notes


def test_bad_tune_in_a_folder_or_named_is_skipped_and_counted(tmp_path):
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text("C4 D4\n")
    bad.write_text("C4 H4\n")
    skipped: list[str] = []
    assert corpus.documents([str(tmp_path)], "notes", skipped) == ["C4 D4"]
    assert len(skipped) == 1 and "bad.txt" in skipped[0]
    named = corpus.build([good, bad], "notes")  # named files too: the README's Input limits
    assert named.documents == ["C4 D4"] and named.files == 2
    assert named.skipped == [f"{bad}:1:4: expected a note letter, got 'H'"]  # the file named once


def test_an_unreadable_file_among_good_ones_is_skipped(tmp_path):
    (tmp_path / "good.abc").write_text("X:1\nM:4/4\nL:1/4\nK:C\nC D E F|G4|\n")
    (tmp_path / "noise.abc").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "meter.txt").write_text("M:99/4 K:G\nG4 A4 | B4:2\n")
    built = corpus.build([tmp_path], "notes")
    assert len(built.documents) == 1 and built.files == 3
    assert sorted(s.split(":")[0].rsplit("/", 1)[1] for s in built.skipped) == ["meter.txt", "noise.abc"]


def test_second_build_comes_from_the_cache(tmp_path, monkeypatch):
    src = tmp_path / "tunes"
    src.mkdir()
    for i in range(3):
        (src / f"t{i}.txt").write_text(f"C4 D4 E{i + 3}\n")
    first = corpus.build([src], "notes", jobs=1)

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(corpus, "file_documents", no_parsing)
    assert corpus.build([src], "notes", jobs=1).documents == first.documents
    (src / "t0.txt").write_text("G4\n")  # a changed file is parsed again
    with pytest.raises(AssertionError, match="parsed again"):
        corpus.build([src], "notes", jobs=1)


def test_parallel_build_equals_serial(tmp_path):
    for i in range(8):
        (tmp_path / f"t{i}.txt").write_text(" ".join(f"C{i % 5 + 2}" for _ in range(i + 1)) + "\n")
    serial = corpus.build([tmp_path], "notes", jobs=1).documents
    assert corpus.build([tmp_path], "notes", jobs=2).documents == serial


def test_jsonl_round_trip_and_notation_check(tmp_path):
    c = corpus.Corpus(documents=["C4 D4", "L:1/8\nE4 F4"], files=2)
    path = tmp_path / "c.jsonl"
    corpus.save_jsonl(path, c, "notes")
    assert corpus.documents([str(path)], "notes") == c.documents
    with pytest.raises(NotegenError, match="'notes' model text"):
        corpus.documents([str(path)], "text")
    path.write_text(json.dumps({"notation": "notes", "text": "C4"}) + "\n{oops\n")
    with pytest.raises(ParseError, match=r"c\.jsonl:2:1"):
        corpus.documents([str(path)], "notes")


def test_text_files_and_missing_paths(tmp_path):
    (tmp_path / "a.txt").write_text("In the beginning\n")
    assert corpus.documents([str(tmp_path)], "text") == ["In the beginning\n"]
    with pytest.raises(NotegenError, match="no such file"):
        corpus.documents([str(tmp_path / "nope")], "notes")


def test_kjv_split_parses_bible_output():
    raw = (
        "Genesis 1\n\n  1 In the beginning God created the heaven\nand the earth.\n"
        "  2 And the earth was without form.\n3 John 1\n\n  1 The elder unto Gaius.\n"
    )
    from notetokens.sources import split_books

    books = split_books(raw)
    assert books == [
        (
            "Genesis",
            "1:1 In the beginning God created the heaven and the earth.\n"
            "1:2 And the earth was without form.\n",
        ),
        ("3 John", "1:1 The elder unto Gaius.\n"),
    ]


def test_corpus_reads_abc_as_written_while_convert_plays_repeats_out():
    from notetokens import abc
    from notetokens.io import read_text as read_text_file

    jig = ROOT / "examples/abc/lantern_jig.abc"
    written = corpus.documents([str(jig)], "notes")[0]
    played = abc.parse(read_text_file(jig)).played_out()
    assert ":|" in written and "[1" in written and "[2" in written
    as_written = notes.from_model_text(written)
    assert len(as_written.notes) < len(played.notes)
    assert len(as_written.played_out().notes) == len(played.notes)


def test_a_device_or_a_missing_path_is_named_for_what_it_is(tmp_path):
    with pytest.raises(NotegenError, match=r"/dev/zero: is a device, not a file or folder"):
        corpus.build(["/dev/zero"], "notes")
    with pytest.raises(NotegenError, match=r"nowhere: no such file or folder"):
        corpus.build([tmp_path / "nowhere"], "notes")
