"""One SampleOptions behind `sample`, `live`, `judge` and the API: each field is
an option of each command that takes it, `notegen.sample`'s signature is its
fields, and one model, seed and options draw one tune whichever asks."""

from __future__ import annotations

import inspect
import itertools

import pytest

import notegen
from notegen.live.feed import endless_notes
from notegen.models import load
from notegen.models.options import API, JUDGE, LIVE, SAMPLE, OptionError, SampleOptions, flag, for_command
from notetokens import notes

from ..conftest import one_line


def _params(command: object) -> dict[str, object]:
    return {p.name: p for p in command.params}  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", [SAMPLE, LIVE, JUDGE])
def test_each_field_is_an_option_of_each_command_that_takes_it(name):
    from notegen.cli.judge_cmd import judge
    from notegen.cli.live import live
    from notegen.cli.sample_cmd import sample

    command = {SAMPLE: sample, LIVE: live, JUDGE: judge}[name]
    params = _params(command)
    for f in for_command(name):
        p = params[f.name]
        assert flag(f.name) in p.opts, (name, f.name, p.opts)  # type: ignore[attr-defined]
        if f.name != "bpm" or name != LIVE:
            assert p.default == f.default, (name, f.name)  # type: ignore[attr-defined]
        assert p.help == f.metadata["help"]  # type: ignore[attr-defined]


def test_sample_and_live_share_every_default_they_both_take():
    live = {f.name for f in for_command(LIVE)}
    assert {"echo", "min_notes", "temperature", "seed", "range", "prime", "key"} <= live
    from notegen.live.session import LiveOptions

    shared = SampleOptions()
    assert LiveOptions().sampling() == shared and shared.echo == 0.7


def test_the_api_signature_is_the_fields():
    sig = inspect.signature(notegen.sample)
    fields = {f.name: f.default for f in for_command(API)}
    got = {k: p.default for k, p in sig.parameters.items() if k not in ("model", "program")}
    assert got == fields


def test_bad_values_name_the_field_in_python_and_the_option_on_the_command():
    with pytest.raises(OptionError, match=r"^bars=0: must be a whole number >= 1"):
        SampleOptions(bars=0)
    with pytest.raises(OptionError, match="not a sampling option"):
        SampleOptions().but(colour="red")
    assert str(OptionError("tune_type", "x", "bad").for_command()) == "--type: bad"


def test_sample_live_and_the_api_draw_the_same_tune(tiny_notes_model, notegen_here):
    r = notegen_here("sample", "-m", str(tiny_notes_model), "--seed", "3", "--min-notes", "8", "--echo", "1")
    assert r.returncode == 0, r.stderr
    from_cli = sorted((n.onset, n.pitch) for n in notes.parse(r.stdout).notes)
    tune = notegen_sample(tiny_notes_model)
    from_api = sorted((n.onset, n.pitch) for n in tune.score.notes)
    options = SampleOptions(seed=3, min_notes=8, echo=1.0)
    live = list(itertools.islice(endless_notes(load(tiny_notes_model), "", options), len(from_api)))
    assert from_cli == from_api == sorted((n.onset, n.pitch) for n in live)
    assert len(from_api) >= 8


def notegen_sample(model):
    return notegen.sample(model, seed=3, min_notes=8, echo=1.0)


def test_range_keeps_every_sampled_pitch_inside(tiny_notes_model):
    lm = load(tiny_notes_model)
    for seed in range(4):
        tune = notegen.sample(lm, seed=seed, range="E4-E5", min_notes=20)
        assert tune.score.notes and all(64 <= n.pitch <= 76 for n in tune.score.notes), tune.text
    wide = {n.pitch for s in range(4) for n in notegen.sample(lm, seed=s, min_notes=20).score.notes}
    assert not all(64 <= p <= 76 for p in wide)  # without it the model goes outside


@pytest.mark.parametrize(
    ("value", "words"),
    [("G3", "LOW-HIGH"), ("E6-G3", "upwards"), ("G3-C4", "at least an octave"), ("H3-E6", "LOW-HIGH")],
)
def test_a_bad_range_is_one_line_naming_the_option(tiny_notes_model, notegen, notegen_here, tmp_path, value,
                                                    words):
    with pytest.raises(OptionError, match=rf"^range='{value}': .*{words}"):
        notegen_api_range(tiny_notes_model, value)
    # the first value through real processes; the rest take the same path to the
    # one line, run here (but live, which must never start playing here)
    here = notegen if value == "G3" else notegen_here
    for command, run in ((["sample", "-o", str(tmp_path / "x.mid")], here), (["judge", "--num", "1"], here),
                         (["live"], notegen)):
        r = run(*command, "-m", str(tiny_notes_model), "--range", value, cwd=tmp_path)
        assert r.returncode == 2, r.stderr
        one_line(r, "--range", words)
    assert list(tmp_path.iterdir()) == []


def notegen_api_range(model, value):
    return notegen.sample(model, range=value)
