"""`notegen live` refuses what it cannot play before it opens a port: a text
model, a tempo out of range (nan, inf, 1e9), and takes the shared sampling
options (--argmax)."""

from __future__ import annotations

import math
from dataclasses import fields

import pytest

from notegen.live.session import LiveOptions
from notetokens.errors import NotegenError


def one_line_error(r) -> str:
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    return r.stderr


def test_a_text_model_cannot_play_melodies(notegen) -> None:
    r = notegen("live", "--model", "kjv", "--api", "jack", timeout=120)
    err = one_line_error(r)
    assert err.strip().splitlines() == [err.strip()]
    assert "kjv is a text model" in err and "can't play melodies" in err
    assert "expected a note letter" not in err


def test_a_tiny_text_model_is_refused_the_same_way(tiny_text_model, notegen) -> None:
    err = one_line_error(notegen("live", "--model", str(tiny_text_model)))
    assert "is a text model" in err


@pytest.mark.parametrize("bpm", ["nan", "inf", "-inf", "1e9", "0", "1000"])
def test_bpm_out_of_range_is_refused(bpm: str, notegen) -> None:
    err = one_line_error(notegen("live", "--bpm", bpm))
    assert "--bpm" in err


@pytest.mark.parametrize("bpm", [math.nan, math.inf, 1e9, 0.5, 0.0, -120.0])
def test_the_library_checks_the_tempo_too(bpm: float) -> None:
    with pytest.raises(NotegenError, match="--bpm must be a number from 1 to 999"):
        LiveOptions(bpm=bpm).check()


@pytest.mark.parametrize("bpm", [1.0, 120.0, 999.0])
def test_tempos_in_range_pass(bpm: float) -> None:
    LiveOptions(bpm=bpm).check()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"length": math.nan}, "--length"),
        ({"temperature": math.inf}, "--temperature"),
        ({"virtual": "a", "port": "b"}, "not both"),
        ({"sync": True, "clock_out": True}, "--clock-out"),
    ],
)
def test_other_live_options_are_checked(options: dict, message: str) -> None:
    with pytest.raises(NotegenError, match=message):
        LiveOptions(**options).check()


def test_live_takes_the_shared_sampling_options(notegen) -> None:
    r = notegen("live", "--help")
    assert r.returncode == 0
    for option in ("--temperature", "--top-k", "--top-p", "--argmax", "--seed"):
        assert option in r.stdout
    assert "argmax" in {f.name for f in fields(LiveOptions)}


def test_live_takes_the_shared_model_option_with_its_short_name(notegen) -> None:
    """`-m` as in `notegen sample -m`: the model is loaded (and refused here) before
    any port opens, so no MIDI system is needed."""
    err = one_line_error(notegen("live", "-m", "no-such-model", "--api", "jack"))
    assert "no-such-model" in err and "no bundled model" in err
    assert "No such option" not in err
