"""The Python API refuses a wrong argument in one line of Python words (a
NotegenError naming the argument), before any work, with the ranges of the
commands' options; it no longer fails deep inside or ignores a bad number."""

from __future__ import annotations

import pytest

import notegen
from notegen.models import checkpoint
from notegen.models.ranges import BPM
from notetokens.errors import NotegenError

ABC = "X:1\nT:One\nM:3/4\nL:1/8\nK:G\nG2 A2 B2 | d6 |]\n\nX:2\nT:Two\nM:3/4\nL:1/8\nK:G\nB2 A2 G2 | G6 |]\n"
TEXT = "abcabdabcabd hello world, hello there. " * 30


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"seed": "abc"}, "seed='abc': must be a whole number from 0 to 2**63-1"),
        ({"seed": -1}, "seed=-1: must be a whole number"),
        ({"seed": 2**63}, "seed="),
        ({"seed": 1.5}, "seed=1.5: must be a whole number"),
        ({"key": 5}, "key=5: must be a string"),
        ({"meter": 68}, "meter=68: must be a string"),
        ({"length": 0}, "length=0: must be a whole number >= 1"),
        ({"length": -5}, "length=-5: must be a whole number >= 1"),
        ({"bars": 0}, "bars=0: must be a whole number >= 1"),
        ({"bars": -1}, "bars=-1: must be a whole number >= 1"),
        ({"min_notes": -1}, "min_notes=-1: must be a whole number >= 0"),
        ({"prime": b"G-G"}, "prime=b'G-G': must be a note string"),
        ({"bpm": 0}, f"bpm=0: must be a number {BPM.rule}"),
        ({"bpm": 10**6}, "bpm=1000000: must be a number from 1 to 999"),
        ({"bpm": float("nan")}, "bpm=nan"),
        ({"program": 128}, "program=128: must be a whole number from 0 to 127"),
        ({"top_p": "x"}, "top_p='x': must be a number in (0, 1]"),
        ({"echo": 2}, "echo=2: must be a number from 0 to 1"),
    ],
)
def test_sample_names_a_wrong_argument(arguments, words):
    with pytest.raises(NotegenError) as e:
        notegen.sample(**arguments)
    assert words in str(e.value) and "\n" not in str(e.value)


def test_sample_takes_the_edges_of_each_range():
    tune = notegen.sample(seed=3, bpm=999, length=1, program=127)
    assert [t.bpm for t in tune.score.tempos] == [999]
    assert len(tune) >= 1


def test_predict_and_text_name_a_wrong_argument():
    with pytest.raises(NotegenError, match=r"^k=-1: must be a whole number >= 1$"):
        notegen.predict("kjv", "x", k=-1)
    with pytest.raises(NotegenError, match=r"^text=5: must be a string$"):
        notegen.predict("kjv", 5)
    with pytest.raises(NotegenError, match=r"^seed='x': must be a whole number"):
        notegen.text(prime="And", length=5, seed="x")
    with pytest.raises(NotegenError, match=r"^length=-1: must be a whole number >= 0$"):
        notegen.text(prime="And", length=-1)
    assert len(notegen.predict("kjv", "And God sa", k=1)) == 1


def test_a_tune_holds_a_score_and_write_writes_one(tmp_path):
    with pytest.raises(NotegenError, match=r"Tune\.parse\('G-G-D'\)"):
        notegen.Tune("G-G-D")
    out = tmp_path / "x.mid"
    with pytest.raises(NotegenError, match=r"^write\(\) writes a Tune or a Score, not None$"):
        notegen.write(None, out)
    assert not out.exists()
    tune = notegen.Tune.parse("G4 G4 D5")
    notegen.write(tune, out)
    assert notegen.read(out).notes.split()[-3:] == ["G4", "G4", "D5"]


def test_read_refuses_tune_zero_and_reads_tune_two(tmp_path):
    f = tmp_path / "two.abc"
    f.write_text(ABC)
    with pytest.raises(NotegenError, match=r"^tune=0: must be a whole number >= 1$"):
        notegen.read(f, tune=0)
    assert notegen.read(f, tune=2).notes.split("\n")[1] == "B4 A4 G4 | G4:3"


def test_train_takes_dropout_as_the_command_does(tmp_path):
    corpus = tmp_path / "book.txt"
    corpus.write_text(TEXT)
    out = tmp_path / "run"
    notegen.train(corpus, out, notation="text", steps=2, dropout=0.25, batch_size=4, seq_len=16,
                  progress=False)
    assert checkpoint.read(out / checkpoint.LAST)[1]["config"]["dropout"] == 0.25
    with pytest.raises(NotegenError, match="dropout= shapes a new run"):
        notegen.train(corpus, out, notation="text", steps=4, dropout=0.1, resume=True, progress=False)
    with pytest.raises(NotegenError, match=r"^dropout=1: must be a number in \[0, 1\)$"):
        notegen.train(corpus, tmp_path / "other", notation="text", dropout=1, progress=False)
    with pytest.raises(NotegenError, match=r"train\(\) takes no option 'droput'; it takes dropout and"):
        notegen.train(corpus, tmp_path / "other", notation="text", droput=0.1, progress=False)
    assert not (tmp_path / "other").exists()


@pytest.mark.parametrize(("corpus", "words"), [([], "corpus=[]: name at least one file or folder"),
                                               (None, "corpus=None: name files or folders"),
                                               ([""], "corpus=['']: name files or folders")])
def test_train_names_a_missing_corpus(tmp_path, corpus, words):
    with pytest.raises(NotegenError) as e:
        notegen.train(corpus, tmp_path / "run", notation="notes", steps=1, progress=False)
    assert words in str(e.value)
    assert not (tmp_path / "run").exists()
