import math

import pytest
import torch

from notegen.models.sampling import sample_text, step_logits, stream
from notetokens import notes
from notetokens.errors import NotegenError
from notetokens.vocab import BOS

TEXT = "the quick brown fox jumps over the lazy dog. a stitch in time saves nine."
# every character the note grammar can write, so no path of the grammar is cut off
NOTE_CHARS = "ABCDEFGR#b0123456789:/[]| \nLMKQmajindorphlyxceu"


@pytest.fixture
def lm(make_untrained):
    return make_untrained("text", [TEXT], seed=3)


@pytest.fixture
def notes_lm(make_untrained):
    return make_untrained("notes", [NOTE_CHARS], seed=4)


def test_streaming_logits_equal_a_full_forward_pass(lm):
    text = "the lazy dog jumps"
    stepped = step_logits(lm, text)  # one character at a time, state carried
    ids = torch.tensor([[BOS, *lm.vocab.encode(text)]])
    full = lm.model(ids)[0][0]
    torch.testing.assert_close(stepped, full, rtol=1e-5, atol=1e-5)


def test_each_character_costs_one_single_step(lm):
    shapes = []
    handle = lm.model.register_forward_pre_hook(lambda m, args: shapes.append(tuple(args[0].shape)))
    try:
        out = list(stream(lm, "the ", seed=1, max_chars=50))
    finally:
        handle.remove()
    assert shapes[0] == (1, 5)  # bos + the prime, once
    assert all(s == (1, 1) for s in shapes[1:])  # never a window re-run
    assert len(shapes) - 1 in (len(out), len(out) - 1)


def test_same_seed_same_output_different_seed_differs(lm):
    a = sample_text(lm, "the", seed=7, max_chars=80)
    b = sample_text(lm, "the", seed=7, max_chars=80)
    c = sample_text(lm, "the", seed=8, max_chars=80)
    assert a == b and a != c and a.startswith("the")
    # the global RNG is neither used nor changed
    state = torch.get_rng_state()
    sample_text(lm, seed=1, max_chars=20)
    assert torch.equal(state, torch.get_rng_state())


@pytest.mark.parametrize("t", [0, 0.0, -1.0, math.nan, "hot"])
def test_temperature_must_be_positive(lm, t):
    with pytest.raises(NotegenError, match="temperature must be a number > 0"):
        stream(lm, temperature=t)


def test_a_callable_temperature_is_read_before_each_character(lm):
    reads = []

    def temperature():
        reads.append(1)
        return 0.5 if len(reads) < 5 else 0.0

    with pytest.raises(NotegenError, match="temperature"):
        list(stream(lm, temperature=temperature, seed=0, max_chars=40))
    assert len(reads) == 5


def test_unknown_prime_character_is_named(lm):
    with pytest.raises(NotegenError, match="'Z' at position 5"):
        stream(lm, "the Zebra")


def test_top_k_one_and_tiny_top_p_are_argmax(lm):
    greedy = sample_text(lm, "the ", argmax=True, max_chars=60)
    for seed in range(3):
        assert sample_text(lm, "the ", top_k=1, seed=seed, max_chars=60) == greedy
        assert sample_text(lm, "the ", top_p=1e-9, seed=seed, max_chars=60) == greedy
    assert sample_text(lm, "the ", temperature=1e-4, seed=5, max_chars=60) == greedy


def test_top_k_limits_the_choices(lm):
    logits = step_logits(lm, "")[0]
    allowed = {lm.vocab.char(int(i)) for i in torch.topk(logits, 3).indices}
    firsts = {sample_text(lm, top_k=3, seed=s, max_chars=1) for s in range(40)}
    assert firsts <= allowed | {""} and len(firsts) > 1


def test_bad_options(lm):
    with pytest.raises(NotegenError, match="top_k"):
        stream(lm, top_k=0)
    with pytest.raises(NotegenError, match="top_p"):
        stream(lm, top_p=1.5)
    with pytest.raises(NotegenError, match="max_chars"):
        stream(lm, max_chars=-1)


def test_stops_exactly_at_max_chars_or_where_the_model_ends(lm):
    """The cap cuts the same draws (a prefix of the uncapped text, exactly
    max_chars long); a text shorter than the cap ended at the end token, which
    the cap does not move."""
    ended = capped = 0
    for seed in range(8):
        short = sample_text(lm, max_chars=33, seed=seed)
        long = sample_text(lm, max_chars=2000, seed=seed)
        assert long.startswith(short)
        if len(short) < 33:
            assert long == short
            ended += 1
        else:
            assert len(short) == 33 and len(long) > 33
            capped += 1
    assert ended and capped  # an untrained model draws the end token now and then


def test_grammar_constrained_samples_always_parse(notes_lm):
    texts = [sample_text(notes_lm, seed=s, max_chars=150, temperature=1.5) for s in range(25)]
    for t in texts:
        notes.from_model_text(t)  # raises on an invalid melody
    assert sum(len(notes.from_model_text(t).notes) for t in texts) > 25
    # the same untrained model without the grammar mostly writes garbage
    raw = [sample_text(notes_lm, seed=s, max_chars=150, constrain=False) for s in range(10)]
    failures = 0
    for t in raw:
        try:
            notes.from_model_text(t)
        except NotegenError:
            failures += 1
    assert failures >= 5


def test_a_prime_is_checked_against_the_grammar(notes_lm):
    ok = sample_text(notes_lm, "L:1/8 M:6/8\nD4 F#4 ", seed=1, max_chars=60)
    assert notes.from_model_text(ok).time_signatures[0].numerator == 6
    with pytest.raises(NotegenError, match="not valid notes text"):
        stream(notes_lm, "D4 ]")
    # unconstrained, any prime in the vocabulary is taken and continued
    out = sample_text(notes_lm, "D4 ]", constrain=False, seed=1, max_chars=20)
    assert out.startswith("D4 ]") and len(out) > len("D4 ]")
    assert set(out) <= set(notes_lm.vocab.chars)
