"""`notegen corpus --parts-weight`: tunes written in repeated parts count more."""

from __future__ import annotations

import json

from ..conftest import one_line, run_notegen

IN_PARTS = "M:4/4 K:G\n|: G4 A4 B4 C5 | D5:4 :: E5:4 | D5:4 :|\n"
SONG = "M:3/4 K:D\nD4 F#4 A4 | D5:3\n"


def test_tunes_in_parts_are_written_as_often_as_asked(tmp_path):
    (tmp_path / "a.txt").write_text(IN_PARTS)
    (tmp_path / "b.txt").write_text(SONG)
    out = tmp_path / "c.jsonl"
    r = run_notegen("corpus", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"),
                    "--parts-weight", "3", "--out", str(out))
    assert r.returncode == 0, r.stderr
    texts = [json.loads(line)["text"] for line in out.read_text().splitlines()]
    assert sorted(texts) == sorted([IN_PARTS.strip()] * 3 + [SONG.strip()])
    assert "2 copies of tunes in parts added" in r.stderr


def test_parts_weight_needs_note_strings(tmp_path):
    (tmp_path / "a.txt").write_text("plain words\n")
    r = run_notegen("corpus", str(tmp_path / "a.txt"), "--notation", "text",
                    "--parts-weight", "2", "--out", str(tmp_path / "c.jsonl"))
    one_line(r, "--parts-weight counts tunes in parts")
    assert not (tmp_path / "c.jsonl").exists()
