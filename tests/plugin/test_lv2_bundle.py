"""The LV2 bundle itself (make -C plugin/lv2): it validates, lilv reads its
ports as the contract lists them, its playback core and transport reader pass
their C tests under ASan/UBSan, the .so exports lv2_descriptor alone and needs only libc and libm,
and the score builder draws the same tunes as the Python side of the engine and
lays them as the contract says. Skipped where the LV2 headers or tools are
missing, except in CI."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from ..conftest import ROOT, need, need_program

LV2 = ROOT / "plugin" / "lv2"
BUILD = LV2 / "build"
BUNDLE = BUILD / "notegen.lv2"
URI = "urn:notegen:generator"
PORTS = [  # (symbol, default) in index order, as the contract's table has them
    ("control", None), ("notes", None), ("temperature", 0.8), ("seed", 7.0), ("key", 0.0),
    ("meter", 0.0), ("type", 0.0), ("new_tune", 0.0), ("channel", 1.0), ("low", 0.0), ("high", 127.0),
]


def _make(*targets: str) -> subprocess.CompletedProcess[str]:
    need(shutil.which("cc") is not None, "no C compiler (cc) to build the LV2 plugin")
    need(shutil.which("make") is not None, "no make to build the LV2 plugin")
    need(Path("/usr/include/lv2/core/lv2.h").is_file(), "no LV2 headers (Debian package lv2-dev)")
    done = subprocess.run(["make", "-s", "-C", str(LV2), *targets], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def lv2_bundle() -> Path:
    _make()
    for name in ("manifest.ttl", "notegen.ttl", "notegen.so", "model.safetensors"):
        assert (BUNDLE / name).is_file(), f"make -C plugin/lv2 made no notegen.lv2/{name}"
    return BUNDLE


def test_bundle_validates(lv2_bundle: Path) -> None:
    need_program("sord_validate", "sordi")
    validate = need_program("lv2_validate", "lv2-dev")
    ttl = sorted(str(p) for p in lv2_bundle.glob("*.ttl"))
    done = subprocess.run([validate, *ttl], capture_output=True, text=True, timeout=120)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert not [line for line in out.splitlines() if line.startswith("error")], out
    assert re.search(r"Found 0 errors", out), out


def _lv2info(lv2_bundle: Path) -> str:
    info = need_program("lv2info", "lilv-utils")
    env = {**os.environ, "LV2_PATH": str(lv2_bundle.parent)}
    done = subprocess.run([info, URI], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _ports(text: str) -> dict[int, str]:
    """lv2info's text of each port, by index."""
    parts = re.split(r"^\tPort (\d+):\s*$", text, flags=re.M)
    return {int(parts[i]): parts[i + 1] for i in range(1, len(parts), 2)}


def test_lv2info_lists_the_contract_ports(lv2_bundle: Path) -> None:
    text = _lv2info(lv2_bundle)
    assert "Name:              notegen" in text
    ports = _ports(text)
    assert sorted(ports) == list(range(len(PORTS)))
    for index, (symbol, default) in enumerate(PORTS):
        body = ports[index]
        assert re.search(rf"Symbol:\s+{symbol}\s*$", body, flags=re.M), (index, body)
        if default is None:
            assert "AtomPort" in body
            continue
        got = re.search(r"Default:\s+(\S+)", body)
        assert got and float(got.group(1)) == pytest.approx(default), (symbol, body)
    for feature in ("urid#map", "worker#schedule"):
        assert re.search(rf"Required Features:(.|\n)*{re.escape(feature)}", text)
    assert "worker#interface" in text and "state#interface" in text


def _scale_points(body: str) -> dict[int, str]:
    found = re.findall(r"^\s+(-?[\d.]+) = \"(.*)\"$", body, flags=re.M)
    return {int(float(v)): label.strip() for v, label in found}


def test_enumerations_are_values_the_grammar_accepts(lv2_bundle: Path) -> None:
    """The scale points name what the folk header may hold; the C tables must
    list the same values in the same order (src/choices.h)."""
    from notetokens.header_values import METERS, VALUES
    from notetokens.tunetype import TUNE_TYPES

    ports = _ports(_lv2info(lv2_bundle))
    keys, meters, types = (_scale_points(ports[i]) for i in (4, 5, 6))
    assert keys[0] and meters[0] and meters[1] and types[0]
    key_names = [keys[i].removesuffix(" major") for i in sorted(keys) if i > 0]
    assert key_names and all(k in VALUES["K"] for k in key_names)
    assert len(set(key_names)) == len(key_names) == 15  # every major key signature, once
    meter_names = [meters[i] for i in sorted(meters) if i > 1]
    assert meter_names == ["2/4", "3/4", "4/4", "6/8", "9/8"] and set(meter_names) <= set(METERS)
    assert [types[i] for i in sorted(types) if i > 0] == list(TUNE_TYPES)
    choices = (LV2 / "src" / "choices.h").read_text()

    def table(name: str) -> list[str]:
        body = re.search(rf"{name}\[\] = \{{(.*?)\}};", choices, flags=re.S)
        assert body, name
        return re.findall(r'"([^"]*)"', body.group(1))

    assert table("NG_KEYS") == key_names
    assert table("NG_METERS") == meter_names
    assert table("NG_TYPES") == list(TUNE_TYPES)
    assert table("NG_GRAMMAR_METERS") == list(METERS)


def test_playback_and_transport_under_sanitizers() -> None:
    """plugin/lv2/test/: frame-exact events at 120 and 133.7 bpm, 4/4 and 6/8,
    blocks of 1, 333 and 4096, stop mid-note, relocation back, a loop; the
    transport reader with every numeric atom type and Ardour's rounding."""
    done = _make("test")
    assert "test_playback: all passed" in done.stdout, done.stdout
    assert "test_transport: all passed" in done.stdout, done.stdout


def test_exports_only_the_descriptor(lv2_bundle: Path) -> None:
    nm = need_program("nm", "binutils")
    so = str(lv2_bundle / "notegen.so")
    defined = subprocess.run([nm, "-D", "--defined-only", so], capture_output=True, text=True,
                             check=True).stdout
    names = [line.split()[-1] for line in defined.splitlines() if line.strip()]
    assert names == ["lv2_descriptor"], names
    undefined = subprocess.run([nm, "-D", "--undefined-only", so], capture_output=True, text=True,
                               check=True).stdout
    weak = {"_ITM_deregisterTMCloneTable", "_ITM_registerTMCloneTable", "__cxa_finalize", "__gmon_start__"}
    for line in undefined.splitlines():
        name = line.split()[-1]
        symbol, _, version = name.partition("@")
        assert symbol in weak or version.startswith("GLIBC_"), f"{name} is not a libc/libm symbol"
    readelf = shutil.which("readelf")
    if readelf:
        dyn = subprocess.run([readelf, "-d", so], capture_output=True, text=True, check=True).stdout
        needed = set(re.findall(r"\(NEEDED\).*\[(.*)\]", dyn))
        assert needed <= {"libc.so.6", "libm.so.6"}, needed


Laid = list[tuple[float, float, int]]


def _dump(model: Path, seed: int, tunes: int, *controls: str) -> tuple[list[str], Laid, dict[str, float]]:
    """score_dump's tune texts, laid notes and layout end."""
    done = subprocess.run([str(BUILD / "score_dump"), str(model), str(seed), str(tunes), *controls],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    texts = [r["text"] for r in rows if "tune" in r]
    notes = [(r["on"], r["off"], r["pitch"]) for r in rows if "on" in r]
    return texts, notes, rows[-1]


def _layout(texts: list[str]) -> tuple[list[tuple[Fraction, Fraction, int]], Fraction]:
    """The contract's layout, worked out with the Python note-string parser:
    pickups shifted onto a bar line, each tune from the bar line after the
    previous one's last note plus an empty bar."""
    from notetokens import notes as note_strings

    out: list[tuple[Fraction, Fraction, int]] = []
    start = Fraction(0)
    for text in texts:
        tune = note_strings.parse(text)
        bar = Fraction(4 * tune.meter.numerator, tune.meter.denominator) if tune.meter else Fraction(4)
        shift = bar - tune.pickup if 0 < tune.pickup < bar else Fraction(0)
        last = start
        for n in tune.played_out().notes:  # the repeats as they are heard
            on = start + shift + Fraction(n.onset)
            out.append((on, on + Fraction(n.duration), n.pitch))
            last = max(last, out[-1][1])
        start += bar * math.ceil((last - start) / bar) + bar
    return sorted(out, key=lambda n: n[0]), start


@pytest.mark.parametrize(("controls", "asked"), [
    ((), {"meter": "4/4"}),  # meter 0 follows the host's 4/4 bar
    (("3", "5", "2"), {"key": "D", "meter": "6/8", "tune_type": "jig"}),  # D major, 6/8, jig
    (("0", "1", "0", "1.3"), {"temperature": 1.3}),  # the model's own meter
])
def test_score_builder_draws_and_lays_as_python(lv2_bundle: Path, controls: tuple[str, ...],
                                                asked: dict[str, object]) -> None:
    from notegen.models import engine
    from notegen.models.options import SampleOptions

    need(engine.available(), engine.MISSING)
    _make("dump")
    model = lv2_bundle / "model.safetensors"
    texts, notes, tail = _dump(model, 11, 3, *controls)
    py = engine.Engine(model)
    for k, text in enumerate(texts):
        opts = SampleOptions(**{"seed": 11 + k, "parts": "auto", "temperature": 0.8, **asked})  # type: ignore[arg-type]
        assert text == py.tune(opts), f"tune {k}"
    want, end = _layout(texts)
    assert len(notes) == len(want)
    for (on, off, pitch), (w_on, w_off, w_pitch) in zip(notes, want, strict=True):
        assert (on, off, pitch) == (pytest.approx(float(w_on)), pytest.approx(float(w_off)), w_pitch)
    assert tail["end"] == pytest.approx(float(end)) and tail["tunes"] == 3
    if "meter" in asked:
        assert all(f"M:{asked['meter']}" in t.split("\n", 1)[0] for t in texts)


PHRASE = "67:4:5,71:5:6,74:6:8,72:8:8.5,71:8.5:9,69:9:10,67:10:12"  # G B D C B A G, in G major


def test_a_played_phrase_primes_the_next_tune(lv2_bundle: Path) -> None:
    """Continuing from the user: the phrase on an eighth grid from its bar,
    whole bars, in the key it fits; the model's continuation of that prime is
    the Python sampler's, and only the continuation is laid."""
    from notegen.models import engine
    from notegen.models.options import SampleOptions
    from notetokens import notes as note_strings

    need(engine.available(), engine.MISSING)
    _make("dump")
    model = lv2_bundle / "model.safetensors"
    done = subprocess.run([str(BUILD / "score_dump"), str(model), "5", "0"], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "NG_PHRASE": PHRASE})
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    head = next(r for r in rows if "prime" in r)
    prime, text = head["prime"], head["continued"]
    assert prime.split("\n")[0] == "L:1/8 M:4/4 K:G"
    call = note_strings.parse(prime)
    assert call.pickup == 0 and call.end == 8  # bars 1 and 2 of the host, from the phrase's bar line
    played = [(p, Fraction(on) - 4, Fraction(off) - Fraction(on))
              for p, on, off in (map(Fraction, x.split(":")) for x in PHRASE.split(","))]
    assert [(n.pitch, n.onset, n.duration) for n in call.notes] == played
    assert text.startswith(prime)
    opts = SampleOptions(seed=5, parts="one", temperature=0.8)
    assert text[len(prime):] == "".join(engine.Engine(model).stream(opts, prime, fields={}))
    laid = [(r["on"], r["off"], r["pitch"]) for r in rows if "on" in r]
    whole = note_strings.parse(text)
    want = [(float(n.onset - 8), float(n.onset - 8 + n.duration), n.pitch)
            for n in whole.notes if n.onset >= 8]
    assert laid and laid == [pytest.approx(w) for w in want]


def _host_script(phrase: bool) -> str:
    lines = ["blocks 256", "tempo 120", "meter 4 4", "run 256f", "position 0 0", "roll", "run 4b"]
    if phrase:  # G B D, one beat each but the last two: it ends at beat 8
        lines += ["midi 0x90 67 100", "run 1b", "midi 0x80 67 0", "midi 0x90 71 100", "run 1b",
                  "midi 0x80 71 0", "midi 0x90 74 100", "run 2b", "midi 0x80 74 0", "run 16b"]
    else:
        lines += ["run 20b"]
    return "\n".join(lines) + "\n"


def test_the_plugin_answers_a_phrase_from_the_next_bar(lv2_bundle: Path, tmp_path: Path) -> None:
    """In the lilv host: the score is the same up to the bar line after a bar of
    silence (the phrase ends at beat 8: ready at 12, cut at 16), then it is the
    continuation; run() still makes no heap call."""
    need(subprocess.run(["pkg-config", "--exists", "lilv-0"], capture_output=True).returncode == 0,
         "no lilv (Debian package liblilv-dev) for the test host")
    _make("host")
    runs = []
    for phrase in (False, True):
        script = tmp_path / f"s{int(phrase)}.txt"
        script.write_text(_host_script(phrase))
        done = subprocess.run([str(BUILD / "ng_host"), "--bundle", str(lv2_bundle), str(script)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        rows = [json.loads(line) for line in done.stdout.splitlines()]
        assert rows[-1]["summary"]["allocations"] == 0
        runs.append([r for r in rows if "frame" in r])
    plain, answered = runs
    cut = 256 + 16 * 24000
    assert [e for e in answered if e["frame"] < cut] == [e for e in plain if e["frame"] < cut]
    after = [e for e in answered if e["frame"] >= cut and e["bytes"][0] == 0x90]
    assert after and after != [e for e in plain if e["frame"] >= cut and e["bytes"][0] == 0x90]


@pytest.mark.slow
def test_a_full_score_moves_its_window_and_lays_again_when_sent_back(lv2_bundle: Path) -> None:
    """With room for 1024 notes (score_window), 1200 quarter beats of music
    (some 16 tunes) come out note for note as the whole layout has them: a full
    score drops what ended 16 bars behind the position; a relocation back
    before the window lays the score again from beat 0 and plays the same."""
    _make("dump")
    model = str(lv2_bundle / "model.safetensors")

    def rows(*args: str) -> list[dict[str, float]]:
        done = subprocess.run([str(BUILD / args[0]), model, *args[1:]], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines()]

    whole = [(r["on"], r["off"], r["pitch"]) for r in rows("score_dump", "7", "-1300") if "on" in r]
    out = rows("score_window", "7", "1200", "300")
    split = next(i for i, r in enumerate(out) if "floor" in r)
    assert out[split]["floor"] > 300  # the window moved past the place the test goes back to
    played = [(r["on"], r["off"], r["pitch"]) for r in out[:split]]
    assert len(played) > 1024 and played == [n for n in whole if n[0] < 1200]
    back = [(r["on"], r["off"], r["pitch"]) for r in out[split + 2:]]
    assert back and back == [n for n in whole if 300 <= n[0] < 364]


STRESS = """worker thread
blocks 1,333,4096,64
tempo 133.7
meter 6 8
run 256f
wait
position 0 0
roll
posevery on
run 2s
midi 0x90 62 100
run 1b
midi 0x80 62 0
midi 0x90 66 90
run 1b
midi 0x80 66 0
run 5b
wait
set new_tune 1
run 1s
set new_tune 0
save {state}
position 1 0.5
run 1s
stop
run 1000f
restore {state}
tempo 200
meter 3 4
position 12 0
roll
run 1s
wait
position 2 0
run 1s
"""


@pytest.mark.slow
def test_the_plugin_under_sanitizers_in_the_test_host(lv2_bundle: Path, tmp_path: Path) -> None:
    """The plugin itself built with ASan/UBSan (make asan) in the sanitized
    ng_host: a thread worker, odd block sizes, a phrase from the user, new_tune,
    save/restore, tempo and meter changes, relocations: no sanitizer report."""
    need(subprocess.run(["pkg-config", "--exists", "lilv-0"], capture_output=True).returncode == 0,
         "no lilv (Debian package liblilv-dev) for the test host")
    _make("asan")
    done = subprocess.run(["make", "-s", "-C", str(LV2 / "host"), "asan"], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    script = tmp_path / "stress.txt"
    script.write_text(STRESS.format(state=tmp_path / "state.ttl"))
    env = {**os.environ, "ASAN_OPTIONS": "detect_leaks=1", "UBSAN_OPTIONS": "halt_on_error=1"}
    run = subprocess.run([str(BUILD / "ng_host_asan"), "--bundle", str(BUILD / "asan" / "notegen.lv2"),
                          str(script)], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Sanitizer" not in run.stderr and "runtime error" not in run.stderr, run.stderr[-2000:]
    events = [json.loads(line) for line in run.stdout.splitlines() if line.startswith('{"frame"')]
    assert len(events) > 10
