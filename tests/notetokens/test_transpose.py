"""Tunes moved to fiddle keys: the nearest tonic, the key re-spelled, the notes
moved and spelled for the new key, the range kept; and `notegen corpus --transpose`."""

import json

from notetokens import notes
from notetokens.transpose import fiddle_copy

IN_F = "L:1/8 M:2/4 K:F\nA4 Bb4 | C5 F4 | A4:2 | F4:2"
IN_EB_MINOR_LOW = "L:1/8 M:2/4 K:Cm\nC4 Eb4 | G4 C4 | G3:2 | C4:2"


def test_a_tune_in_f_moves_up_a_tone_to_g():
    copy = fiddle_copy(notes.to_model_text(notes.parse(IN_F)))
    assert copy is not None
    s, t = notes.parse(IN_F), notes.parse(copy)
    assert t.key == "G" and copy.startswith("L:1/8 M:2/4 K:G\n")
    assert [n.pitch for n in t.notes] == [n.pitch + 2 for n in s.notes]
    assert [(n.onset, n.duration) for n in t.notes] == [(n.onset, n.duration) for n in s.notes]
    assert "#" not in copy.split("\n")[1].replace("F#", "")  # G major's only sharp


def test_minor_and_modal_tunes_keep_their_mode():
    dorian = fiddle_copy("L:1/8 M:2/4 K:Gdor\nG4 A4 | Bb4 C5 | D5:2 | G4:2")
    assert dorian is not None and notes.parse(dorian).key == "Ador"  # up a tone, not down five
    minor = fiddle_copy("L:1/8 M:2/4 K:Dm\nD4 F4 | A4 D5 | A4:2 | D4:2")
    assert minor is not None and notes.parse(minor).key == "Em"


def test_no_copy_in_a_fiddle_key_or_out_of_range():
    assert fiddle_copy("L:1/8 M:2/4 K:D\nD4 F#4 | A4 D5 | A4:2 | D4:2") is None
    assert fiddle_copy("L:1/8 M:2/4 K:Em\nE4 G4 | B4 E5 | B4:2 | E4:2") is None
    # C minor goes down a semitone to B minor: its G3 would fall below the G string
    assert fiddle_copy(notes.to_model_text(notes.parse(IN_EB_MINOR_LOW))) is None
    assert fiddle_copy("L:1/8 M:2/4\nC4 D4 | E4 F4") is None  # no key, nothing to move to


def test_corpus_transpose_appends_the_copies(tmp_path, notegen):
    src = tmp_path / "tunes"
    src.mkdir()
    (src / "f.txt").write_text(IN_F + "\n")
    (src / "d.txt").write_text("L:1/8 M:2/4 K:D\nD4 F#4 | A4 D5 | A4:2 | D4:2\n")
    out = tmp_path / "c.jsonl"
    r = notegen("corpus", str(src), "--transpose", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "1 tunes moved" in r.stderr
    rows = [json.loads(line)["text"] for line in out.read_text().splitlines()]
    assert len(rows) == 3
    assert sorted(notes.parse(t).key for t in rows) == ["D", "F", "G"]
    r = notegen("corpus", str(tmp_path / "tunes"), "--notation", "text", "--transpose", "--out",
                str(tmp_path / "t.jsonl"))
    assert r.returncode == 2 and "--transpose" in r.stderr and not (tmp_path / "t.jsonl").exists()
