"""Whatever text comes in, `tab.parse` returns a Score or raises ParseError."""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notetokens import tab
from notetokens.errors import ParseError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "tabs"
TABBY = "eBGDAEbd|-0123456789 hpbrstvx~/\\*()[]{}x2\n\n:#Capo tuning rhythm:1/4 beat per column"


def parse_or_parse_error(text: str, **options) -> None:
    try:
        score = tab.parse(text, **options)
    except ParseError as e:
        assert e.message
        return
    assert all(0 <= n.pitch <= 127 and n.duration > 0 for n in score.notes)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text(text):
    parse_or_parse_error(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=TABBY, max_size=300))
def test_tab_like_text(text):
    parse_or_parse_error(text)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet="-0123456789|hpx/()12", min_size=0, max_size=16), min_size=1,
             max_size=7),
    st.sampled_from(["e", "E", "D", "Bb", "", "x"]),
    st.sampled_from([None, "drop D", "DADGAD", "E1 A1 D2 G2", "C#", "C9 C9 C9 C9"]),
)
def test_systems_of_random_lines(rows, label, tuning):
    text = "\n".join(f"{label}|{r}|" for r in rows)
    parse_or_parse_error(text, tuning=tuning)


example_texts = [p.read_text() for p in sorted(EXAMPLES.glob("*.tab"))]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(example_texts),
    st.lists(st.tuples(st.integers(0, 2000), st.sampled_from("-|0912x \n[]()3Capo:2")),
             max_size=6),
)
def test_mutated_examples(text, edits):
    chars = list(text)
    for pos, ch in edits:
        if chars:
            chars[pos % len(chars)] = ch
    parse_or_parse_error("".join(chars))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_model_text_reader_raises_only_parse_error(text):
    with contextlib.suppress(ParseError):
        tab.from_model_text(text)
