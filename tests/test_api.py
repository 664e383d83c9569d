"""The Python API (`import notegen`): the same results as the commands, tunes that
show and save themselves, and an import that stays light."""

from __future__ import annotations

import base64
import io
import re
import struct
import subprocess
import sys
import wave
from pathlib import Path

import pytest

import notegen
from notegen import synth
from notetokens import io as nio
from notetokens.errors import NotegenError, ParseError

from .conftest import ROOT, need, run_notegen

EXAMPLES = ROOT / "examples"
PNG = b"\x89PNG\r\n\x1a\n"


def test_import_is_light():
    code = (
        "import sys, notegen\n"
        "names = [notegen.sample, notegen.Tune] and None\n"  # resolving names loads no model
        "print(*(m in sys.modules for m in ('torch', 'music21', 'click', 'matplotlib')))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False"] * 4


def test_every_exported_name_resolves_and_is_documented():
    for name in notegen.__all__:
        obj = getattr(notegen, name)
        assert obj.__doc__, name
    with pytest.raises(AttributeError):
        _ = notegen.no_such_verb


def test_sample_is_what_the_command_writes(notegen_here):
    tune = notegen.sample(key="D", meter="6/8", seed=7, temperature=0.8, bars=4)
    r = notegen_here("sample", "--key", "D", "--meter", "6/8", "--seed", "7", "--temperature", "0.8",
                     "--bars", "4", "--out", "-")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert tune.notes == r.stdout
    assert tune.score.key == "D" and str(tune.score.meter) == "6/8"
    assert tune.text is not None and tune.text.startswith("L:1/8 M:6/8 K:D\n")
    # --bars 4 ends at the end of bar 4 (6/8: three beats a bar), a pickup not counted
    assert tune.score.end <= (tune.score.pickup or 0) + 4 * 3


def test_sample_continues_a_prime_and_counts_notes(tiny_notes_model):
    tune = notegen.sample(tiny_notes_model, prime="G-G-D-D-E-E-D", length=8, seed=1)
    pitches = [n.pitch for n in tune.score.notes]
    assert pitches[:7] == [67, 67, 62, 62, 64, 64, 62]
    assert 7 < len(tune) <= 7 + 8  # length caps the new notes; the tune may end sooner
    again = notegen.sample(notegen.load(tiny_notes_model), prime=notegen.Tune.parse("G-G-D-D-E-E-D"),
                           length=8, seed=1)  # fmt: skip
    assert again.notes == tune.notes  # a tune as prime is the same prime; a loaded model the same model


def test_sample_sets_tempo_and_instrument(tiny_notes_model):
    tune = notegen.sample(tiny_notes_model, length=4, seed=3, bpm=96, program=73)
    assert tune.score.bpm == 96 and {p.program for p in tune.score.parts} == {73}
    back = nio.read(tune.save(Path(tiny_notes_model) / "t.mid"))
    assert back.bpm == pytest.approx(96, abs=0.01) and back.parts[0].program == 73


def test_text_is_what_the_command_writes(notegen_here):
    prime = "And God said"
    said = notegen.text(prime=prime, length=60, argmax=True)
    r = notegen_here("text", "--prime", prime, "--length", "60", "--argmax")
    assert r.returncode == 0, r.stderr
    assert said + "\n" == r.stdout
    assert said.startswith(prime) and len(said) <= len(prime) + 60


def test_predict_ranks_what_greedy_sampling_takes(tiny_text_model):
    prime = "and the dw"
    probs = notegen.predict(tiny_text_model, prime, k=4)
    assert len(probs) == 4
    values = list(probs.values())
    assert values == sorted(values, reverse=True) and 0 < sum(values) <= 1.0001
    greedy = notegen.text(tiny_text_model, prime, length=1, argmax=True)
    assert greedy[len(prime):] == next(iter(probs))


def test_a_music_model_is_not_a_text_model_and_back():
    with pytest.raises(NotegenError, match=r"notegen\.text\(\)"):
        notegen.sample("kjv", length=4)
    with pytest.raises(NotegenError, match="vocabulary"):
        notegen.text("kjv", prime="\u266b", length=5)
    with pytest.raises(NotegenError, match="bundled model"):
        notegen.load("no-such-model")


def test_tune_shows_itself():
    tune = notegen.Tune.parse("M:3/4 K:G\nG4 A4 B4 | D5:2 B4 | G4:3", title="waltz & co")
    md = tune._repr_markdown_()
    assert md.startswith("```\n") and "G4 A4 B4" in md
    png = tune._repr_png_()
    assert png is not None and png[:8] == PNG
    width, height = struct.unpack(">II", png[16:24])
    assert width > 100 and height > 100
    page = tune._repr_html_()
    assert "<pre>" in page and "G4 A4 B4" in page and "data:image/png;base64," in page
    assert ("<audio" in page) == synth.available()
    assert repr(tune) == "Tune(6 notes, 9 beats, M:3/4, K:G, 'waltz & co')"
    assert str(tune) == tune.notes
    assert repr(notegen.Tune.parse("T:slip-jig M:9/8\nG4:9")) == "Tune(slip-jig, 1 note, 9 beats, M:9/8)"
    long = notegen.Tune.parse("Q:30\n" + "G4:4 " * 40)  # 320 seconds: no player, no 14 MB page
    assert "<audio" not in long._repr_html_() and "<pre>" in long._repr_html_()


def test_tune_plays_when_a_synthesizer_is_present():
    need(synth.available(), "fluidsynth and a GM soundfont (Debian: fluidsynth timgm6mb-soundfont)")
    tune = notegen.Tune.parse("G4 A4 B4 D5:2 B4 G4:2")
    audio = re.search(r'data:audio/wav;base64,([A-Za-z0-9+/=]+)"', tune._repr_html_())
    assert audio is not None
    with wave.open(io.BytesIO(base64.b64decode(audio.group(1)))) as w:
        assert w.getnchannels() == 1 and w.getframerate() == 16000
        assert w.getnframes() > 16000 * 3  # 8 beats at 120 BPM is 4 seconds
        frames = w.readframes(w.getnframes())
    assert any(frames[: len(frames) // 2])  # not silence


@pytest.mark.parametrize("ext", [".mid", ".txt", ".abc", ".tab"])
def test_save_reads_back_the_same_melody(tmp_path, ext):
    tune = notegen.Tune.parse("L:1/8 M:6/8 K:D\nD4 F#4 A4 D5:2 A4 | B4 A4 F#4 E4:3")
    path = tune.save(tmp_path / f"song{ext}")
    back = notegen.read(path)
    assert [(n.pitch, n.onset, n.duration) for n in back.score.notes] == [
        (n.pitch, n.onset, n.duration) for n in tune.score.notes
    ]
    assert back.title == path.name


def test_save_writes_pictures_sheet_music_and_audio(tmp_path):
    tune = notegen.Tune.parse("G4 A4 B4 D5:2 B4 G4:2")
    assert tune.save(tmp_path / "roll.png").read_bytes()[:8] == PNG
    assert b"<score-partwise" in notegen.write(tune.score, tmp_path / "s.musicxml").read_bytes()
    if synth.available():
        with wave.open(str(tune.save(tmp_path / "s.wav"))) as w:
            assert w.getnframes() > w.getframerate()


def test_a_failed_save_leaves_what_was_there(tmp_path):
    tune = notegen.Tune.parse("G4 A4 B4")
    with pytest.raises(NotegenError, match="extension"):
        tune.save(tmp_path / "song.xyz")
    assert list(tmp_path.iterdir()) == []
    kept = tmp_path / "kept.txt"
    kept.write_text("mine")
    with pytest.raises(NotegenError):
        tune.save(kept, notation="text")  # plain text holds no notes
    assert kept.read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt"]


def test_read_names_file_line_and_column(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("G4 A4\nB4 H4\n")
    with pytest.raises(ParseError) as e:
        notegen.read(bad)
    assert str(e.value).startswith(f"{bad}:2:4:")


def test_tab_in_and_convert_agree_with_the_command(tmp_path):
    riff = notegen.read(EXAMPLES / "tabs" / "riff.tab")
    assert len(riff) > 4
    api_out = notegen.convert(EXAMPLES / "tabs" / "riff.tab", tmp_path / "api.mid")
    r = run_notegen("convert", str(EXAMPLES / "tabs" / "riff.tab"), str(tmp_path / "cli.mid"))
    assert r.returncode == 0, r.stderr
    assert api_out.read_bytes() == (tmp_path / "cli.mid").read_bytes()
    assert nio.read(api_out).notes == riff.score.notes


def test_train_returns_the_run_and_its_model_samples(tmp_path):
    run = notegen.train(EXAMPLES / "notes", tmp_path / "run", notation="notes", steps=6,
                        batch_size=4, seq_len=32, eval_every=3, progress=False)  # fmt: skip
    assert run.step == 6 and run.best.is_file()
    assert run.best_val_bpc is not None and run.best_val_bpc > 0
    assert notegen.load(tmp_path / "run").notation == "notes"
    listed = [line.split() for line in notegen.list_models(tmp_path)]
    assert ["run/best.safetensors", "notes"] in [words[:2] for words in listed]
    with pytest.raises(NotegenError, match="no notes"):
        notegen.train(tmp_path / "run", tmp_path / "other", notation="notes", steps=1)
    # resume goes on with the run's own settings, as `notegen train --resume` does
    more = notegen.train(EXAMPLES / "notes", tmp_path / "run", notation="notes", steps=8,
                         resume=True, progress=False)  # fmt: skip
    assert more.step == 8
    with pytest.raises(NotegenError, match="batch size 4, not 8"):
        notegen.train(EXAMPLES / "notes", tmp_path / "run", notation="notes", steps=9,
                      batch_size=8, resume=True, progress=False)  # fmt: skip


def test_evaluate_reports_what_the_command_reports(tiny_notes_model, notegen_here):
    files = [EXAMPLES / "notes" / "ode.txt", EXAMPLES / "notes" / "twinkle.txt"]
    report = notegen.evaluate(tiny_notes_model, files, samples=2, max_chars=80)
    r = notegen_here("eval", "-m", str(tiny_notes_model), *map(str, files), "-n", "2", "--max-chars", "80")
    assert r.returncode == 0, r.stderr
    assert report.documents == 2 and report.bits_per_char > 0
    assert "\n".join(report.lines()) in r.stdout


def test_embed_and_classify_are_the_commands_as_functions(tmp_path):
    import random

    import notegen

    rep = notegen.embed("folk", plot=tmp_path / "e.png")
    assert (tmp_path / "e.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "C" in rep.chars and len(rep.coords) == len(rep.chars)

    rng = random.Random(0)
    for label, octave in (("high", 5), ("low", 3)):
        (tmp_path / "data" / label).mkdir(parents=True)
        for i in range(20):
            notes = " ".join(f"{rng.choice('CDEFGAB')}{octave}" for _ in range(8))
            (tmp_path / "data" / label / f"{i}.txt").write_text(notes + "\n")
    with pytest.raises(NotegenError, match="notation="):  # no base to take it from, as the command
        notegen.classify_fit(tmp_path / "data", tmp_path / "run", epochs=1, progress=False)
    assert not (tmp_path / "run").exists()
    run = notegen.classify_fit(tmp_path / "data", tmp_path / "run", notation="notes", epochs=6, batch_size=8,
                               lr=1e-2, dropout=0.0, device="cpu", progress=False)  # fmt: skip
    assert run.best_path.exists()
    probe = tmp_path / "probe.txt"
    probe.write_text("C5 E5 G5 B5 D5 F5 A5 C5\n")
    [(name, label, p)] = notegen.classify(tmp_path / "run", [probe])
    assert name.endswith("probe.txt") and label == "high" and 0.5 < p <= 1.0
    # one file needs no list: a str or a Path is that file, not its characters
    assert notegen.classify(tmp_path / "run", str(probe)) == [(name, label, p)]
    assert notegen.classify(str(tmp_path / "run"), probe) == [(name, label, p)]
    # a resumed run keeps its notation and its epochs unless given, as the command
    again = notegen.classify_fit(tmp_path / "data", tmp_path / "run", resume=True, progress=False)
    assert again.epoch == 6 and again.step == run.step


def test_classify_fit_reads_the_base_models_notation(tmp_path, tiny_text_model):
    from notegen.models import checkpoint

    for label, words in (("dwarves", "and the dwarves sang of gold"), ("hall", "went into the hall")):
        (tmp_path / "data" / label).mkdir(parents=True)
        for i in range(4):
            (tmp_path / "data" / label / f"{i}.txt").write_text(f"{words}, {words}.\n" * (i + 1))
    run = notegen.classify_fit(tmp_path / "data", tmp_path / "run", base=tiny_text_model, epochs=1,
                               batch_size=4, device="cpu", progress=False)  # fmt: skip
    assert checkpoint.read_meta(run.best_path)["notation"] == "text"  # the base's, not "notes"
    [(_, label, _)] = notegen.classify(run.out_dir, tmp_path / "data" / "hall" / "0.txt")
    assert label in ("dwarves", "hall")


def test_sample_errors_name_the_python_argument():
    for asked, shown in ((dict(key="H"), "key='H': "), (dict(meter="7/x"), "meter='7/x': "),
                         (dict(tune_type="foo"), "tune_type='foo': "),
                         (dict(key="D", meter="7/x"), "meter='7/x': ")):  # fmt: skip
        with pytest.raises(NotegenError) as e:
            notegen.sample(**asked)
        assert str(e.value).startswith(shown) and "--" not in str(e.value), str(e.value)


def test_sampling_a_text_model_says_so_in_python_words():
    with pytest.raises(NotegenError) as e:
        notegen.sample("kjv")
    assert str(e.value).startswith("kjv is a text model") and "--" not in str(e.value), str(e.value)
    assert 'model="folk"' in str(e.value) and "notegen.text()" in str(e.value)


def _examples() -> list[tuple[str, str]]:
    """(function, line) for every `>>>` line of notegen/api.py's docstrings, in order."""
    import inspect

    from notegen import api

    found = []
    for name, fn in inspect.getmembers(api, inspect.isfunction):
        if fn.__module__ == api.__name__ and not name.startswith("_"):
            found += [(name, line.strip()[4:]) for line in (fn.__doc__ or "").splitlines()
                      if line.strip().startswith(">>> ")]  # fmt: skip
    lines = inspect.getsource(api)
    return sorted(found, key=lambda ex: lines.index(f"def {ex[0]}("))


def test_every_api_function_has_an_example():
    from notegen import api

    shown = {name for name, _ in _examples()}
    public = {name for name in notegen.__all__ if getattr(api, name, None) is getattr(notegen, name)}
    assert public - {"Tune", "NotegenError", "ParseError"} <= shown


@pytest.mark.slow
def test_the_docstring_examples_run(tmp_path, monkeypatch):
    """Every `>>>` line of notegen/api.py, in order and in one namespace (the
    `write` example saves the `sample` example's tune), from a folder with the
    repository's examples/ and the labelled folders the classify examples name."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(EXAMPLES)
    for label, bar in (("reel", "G4 A4 B4 G4 A4 B4 C5 A4"), ("jig", "G4 A4 B4 A4 G4 E4")):
        (tmp_path / "tunes_by_type" / label).mkdir(parents=True)
        meter = "4/4" if label == "reel" else "6/8"
        for i in range(5):
            (tmp_path / "tunes_by_type" / label / f"{i}.txt").write_text(
                f"L:1/8 M:{meter} K:G\n" + " | ".join([bar] * (i + 2)) + "\n")
    (tmp_path / "reel.abc").write_text("X:1\nT:probe\nM:4/4\nL:1/8\nK:G\nGABG ABcA|GABG ABcA|\n")
    namespace: dict[str, object] = {"notegen": notegen}
    examples = _examples()
    assert len(examples) >= 13
    for name, line in examples:
        try:
            exec(line, namespace)
        except Exception as e:  # pragma: no cover - the message names the example
            pytest.fail(f"{name}'s example {line!r} raised {type(e).__name__}: {e}")
    assert (tmp_path / "song.mid").is_file() and (tmp_path / "ode.tab").is_file()
    assert (tmp_path / "runs" / "types" / "best.safetensors").is_file()
