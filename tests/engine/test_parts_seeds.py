"""Tunes in parts: the same seed and options give the same tune in C and in
Python for every form (auto with a named type, as `notegen sample --type jig`
draws it, AABB, AB, free), and every C tune is one the Python grammar could
have written (its own close at the cap and wind-down included). The 200-seed
figures are in benchmarks/engine.md; the Python sampler is the slow half, so
this test compares a few short tunes."""

from __future__ import annotations

import subprocess

import pytest

from notegen.models.engine import FORMS
from notegen.models.options import SampleOptions
from notegen.models.rules import GRACE
from notegen.models.sampling import _writable, stream
from notetokens.grammar import accepts, grammar_for

from ..conftest import ROOT

CASES = [  # (seed, options): each form, with and without a named type
    (0, {"tune_type": "jig"}), (1, {"tune_type": "reel"}), (2, {}),
    (3, {"parts": "AABB", "tune_type": "jig"}), (4, {"parts": "AB"}),
    (5, {"parts": "free", "tune_type": "reel"}), (6, {"tune_type": "jig", "echo": 1.0}),
]


def accepted(lm, opts: SampleOptions, prime: str, tune: str) -> bool:
    """Whether the sampler's own grammar (form, parts, minimum lengths) reads
    `tune` after `prime` as what it writes: closed at the cap, wound down where
    the text needs it (where the model chose to end, which only the draw
    knows), ended where it may end or cut between tokens past the grace."""
    from notetokens import notes

    fields = _writable(lm, opts.header())
    g = grammar_for(lm.notation, fields, min_notes=opts.min_notes, min_bars=opts.bars or 0,
                    alphabet=frozenset(lm.vocab.chars), form=opts.form, parts=opts.parts)
    assert g is not None
    assert accepts(g, prime, complete=False)
    g.begin()
    notes.parse(prime + tune)
    for n, ch in enumerate(tune):
        if opts.max_chars is not None and n == opts.max_chars:
            g.close()
        if ch not in g.allowed() and not g.can_end() and g.may_wind_down():
            g.wind_down()
        if ch not in g.allowed():
            return False
        g.feed(ch)
    cut = opts.max_chars is not None and len(tune) >= opts.max_chars + GRACE and g.resting()
    return g.can_end() or cut


def test_each_form_gives_the_same_tune_in_both(folk):
    lm, engine = folk
    same, marked = 0, 0
    for seed, change in CASES:
        opts = SampleOptions(seed=seed, max_chars=600).but(**change)
        c = "".join(engine.stream(opts))
        assert accepted(lm, opts, "", c), (seed, change, c)
        marked += ":|" in c
        same += "".join(stream(lm, options=opts)) == c
    assert same >= len(CASES) - 1  # one may part where a draw falls within rounding of a boundary
    assert marked >= 3  # tunes in parts were written


def test_a_prime_in_parts_is_continued_alike(folk):
    lm, engine = folk
    prime = "T:jig L:1/8 M:6/8 K:D\n|: A4 | D4:2 F#4 A4:2 D5 | "
    opts = SampleOptions(seed=5, max_chars=500)
    c = "".join(engine.stream(opts, prime))
    assert c == "".join(stream(lm, prime, options=opts))
    assert accepted(lm, opts, prime, c)


def test_the_engine_tune_is_notegen_sample_in_parts(folk):
    from notegen.models.tunes import note_stream

    lm, engine = folk
    opts = SampleOptions(seed=11, tune_type="reel", max_chars=800)
    s = note_stream(lm, "", opts)
    for _ in s:
        pass
    assert engine.tune(opts) == s.text


@pytest.mark.parametrize("form", ["auto", "AABB", "AB", "free"])
def test_tunes_in_parts_under_the_sanitizers(sanitized, form):
    folk = ROOT / "models" / "bundled" / "folk.safetensors"
    done = subprocess.run([str(sanitized), "sample", str(folk), "1", "150", "T=jig", str(FORMS[form])],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "runtime error" not in done.stderr and "Sanitizer" not in done.stderr
    assert "failed 0" in done.stdout


def test_tunes_in_parts_allocate_nothing_after_open(counting):
    folk = ROOT / "models" / "bundled" / "folk.safetensors"
    for fields, form in (("T=jig", "auto"), ("T=reel", "AABB"), ("", "AB"), ("", "free")):
        done = subprocess.run([str(counting), "sample", str(folk), "3", "3000", fields, str(FORMS[form])],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        at_open, after = (int(w.strip(",")) for w in done.stdout.splitlines()[0].split()[3::2])
        assert at_open > 0 and after == 0


def test_the_default_form_is_the_python_samplers(folk):
    lm, engine = folk  # no options: sampling.stream's BARE (parts auto), changed by keyword alike
    for seed in (3, 4):
        c = "".join(engine.stream(seed=seed, max_chars=400, fields={"T": "jig"}))
        assert c == "".join(stream(lm, "", None, {"T": "jig"}, seed=seed, max_chars=400))


def test_primes_in_parts_under_the_sanitizers(folk, sanitized, tmp_path):
    form = "auto"  # (AABB runs on to its two closed parts past the 40 characters: slow under ASan)
    import random

    from .test_parts_walks import HOSTILE, _random_prime

    lm, rng = folk[0], random.Random(5)
    walked = [_random_prime(rng, lm, form, {"T": "jig"}) for _ in range(12)]
    primes = [*HOSTILE, *walked, "M:6/8\n" + "|: " * 40]
    (tmp_path / "primes").write_bytes(b"\0".join(p.encode() for p in primes))
    folk_file = ROOT / "models" / "bundled" / "folk.safetensors"
    command = [str(sanitized), "primes", str(folk_file), str(tmp_path / "primes"), str(FORMS[form])]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "runtime error" not in done.stderr and "Sanitizer" not in done.stderr
    sampled, refused = (int(w) for w in done.stdout.split()[1::2])
    assert sampled + refused == len(primes) and sampled > 8 and refused > 0
