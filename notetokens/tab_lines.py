"""Reading the lines of an ASCII tab: which lines are tab lines, where their
frets are, and the directive lines (`tuning:`, `capo:`, `rhythm:`, `tempo:`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from .errors import ParseError

# Characters a tab line's body may hold outside brackets: frets, filler, bar
# lines and technique marks (hammer, pull, slide, bend, release, tap, vibrato,
# mute, harmonics and the like).
TAB_CHARS = frozenset("0123456789-|hpbrstvxX~/\\*<>.=^:'+_")
OPEN_BRACKETS = {"(": ")", "[": "]", "{": "}"}
MAX_FRET = 24
_BLANK = "\x00"

_LEAD = re.compile(r"(\s*)([A-Ga-g][#b]?)?(\s*)([|:]?)")
_CHORD = re.compile(
    r"\(?[A-G][#b]?(?:maj|min|m|dim|aug|sus|add|M|\+|°|ø)?\d*"
    r"(?:(?:sus|add|maj|b|#)\d+)*(?:/[A-G][#b]?)?\)?|\||N\.?C\.?|%"
)
_REPEAT = re.compile(r"(?:^|[\s\[(])(?:x\s*(\d+)|(\d+)\s*x)(?=$|[\s\])])")
_CAPO = re.compile(r"\s*capo\b\s*[:=]?\s*(?:on\s+)?(?:fret\s+)?(\d+)", re.IGNORECASE)
_TUNING = re.compile(r"(\s*tuning\b\s*[:=]?\s*)(\S.*?)\s*$", re.IGNORECASE)
_RHYTHM = re.compile(
    r"\s*rhythm\s*:\s*(\d+)(?:/(\d+))?\s*beats?\s+per\s+column\s*$", re.IGNORECASE
)
_TEMPO = re.compile(r"\s*tempo\s*[:=]\s*(\d+(?:\.\d+)?)\s*(?:bpm)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class TabLine:
    number: int  # 1-based line number in the file
    label: str | None  # string label as written ('e', 'D', 'Bb'), if any
    start: int  # 0-based column of the body's first character in the file line
    body: str  # the tab part: frets, filler, bars (trailing text removed)
    trailing: str  # text after the closing bar line ('x2', '[2x]', comments)


def _find_last_bar(body: str) -> int:
    """Index of the last '|' outside brackets, or -1."""
    depth: list[str] = []
    last = -1
    for i, ch in enumerate(body):
        if depth:
            if ch == depth[-1]:
                depth.pop()
            elif ch in OPEN_BRACKETS:
                depth.append(OPEN_BRACKETS[ch])
        elif ch in OPEN_BRACKETS:
            depth.append(OPEN_BRACKETS[ch])
        elif ch == "|":
            last = i
    return last


def _outside_brackets(body: str) -> str:
    """`body` with bracketed text blanked to NULs (same length, no fret digits)."""
    out = []
    depth: list[str] = []
    for ch in body:
        if depth:
            if ch == depth[-1]:
                depth.pop()
            elif ch in OPEN_BRACKETS:
                depth.append(OPEN_BRACKETS[ch])
            out.append(_BLANK)
        elif ch in OPEN_BRACKETS:
            depth.append(OPEN_BRACKETS[ch])
            out.append(_BLANK)
        else:
            out.append(ch)
    return "".join(out)


def tab_line(number: int, text: str) -> TabLine | None:
    """The tab line `text` is, or None for any other line (lyrics, chords, titles)."""
    m = _LEAD.match(text)
    if m is None:  # cannot happen: every part of the pattern is optional
        return None
    lead, label, gap, sep = m.groups()
    start = m.end()
    if label and not gap and not sep and text[start : start + 1] != "-":
        label, start = None, len(lead)  # a word such as 'Bridge', not a label
    body = text[start:].rstrip()
    last = _find_last_bar(body)
    trailing = ""
    if last >= 0:
        rest = body[last + 1 :]
        content = set(rest) <= TAB_CHARS and "-" in rest
        if rest and not content:
            body, trailing = body[: last + 1], rest.strip()
    plain = _outside_brackets(body)
    if not body or plain.count("-") < 2 or not set(plain) <= TAB_CHARS | {" ", _BLANK}:
        return None
    if " " in plain.strip(" "):
        return None  # spaces between tab characters: prose, not tab
    return TabLine(number, label, start, body, trailing)


def staves(number: int, text: str) -> list[TabLine] | None:
    """The tab lines of one file line: one, or several staves side by side
    (`e|--3--|--5--|   e|--7--|--8--|`, as posted tabs save paper), left to
    right; a repeat mark after the last is its trailing text. None when the
    line is not tab."""
    whole = tab_line(number, text)
    if whole is not None:
        return [whole]
    chunks = [(m.start(), m.group(0)) for m in re.finditer(r"\S+", text)]
    merged: list[tuple[int, str]] = []
    for start, chunk in chunks:  # a label written apart from its line: 'e |--3--|'
        if merged and _LABEL_ONLY.fullmatch(merged[-1][1]):
            merged[-1] = (merged[-1][0], text[merged[-1][0] : start + len(chunk)])
        else:
            merged.append((start, chunk))
    if len(merged) < 2:
        return None
    out: list[TabLine] = []
    for i, (start, chunk) in enumerate(merged):
        line = tab_line(number, " " * start + chunk)
        if line is not None and not _STAVE.fullmatch(chunk):
            line = None  # 'e|--3-- --|': a gap inside one stave, not a second stave
        if line is None:
            if i == len(merged) - 1 and out and repeat_count(chunk) is not None:
                last = out[-1]
                out[-1] = TabLine(last.number, last.label, last.start, last.body, chunk)
                break
            return None
        out.append(line)
    return out if len(out) > 1 else None


_LABEL_ONLY = re.compile(r"[A-Ga-g][#b]?")
# one of several staves side by side: a label or bar line first, a bar line last
_STAVE = re.compile(r"(?:[A-Ga-g][#b]?\s*[|:]|\|).*\|", re.DOTALL)
_BARRED = re.compile(r"\s*(?:[A-Ga-g][#b]?\s*)?\|")


def inner_gap(number: int, text: str) -> int | None:
    """The 0-based column of the first space or tab inside a line that would be
    a tab line without its inner blanks ('e|--3--<TAB>--|'), else None."""
    body = text.rstrip()
    m = _BARRED.match(body)
    if m is None:
        return None
    gaps = [i for i in range(m.end(), len(body)) if body[i].isspace()]
    if not gaps:
        return None
    squeezed = tab_line(number, body[: m.end()] + re.sub(r"\s+", "", body[m.end() :]))
    if squeezed is None or not (squeezed.label or any(c.isdigit() for c in squeezed.body)):
        return None
    return gaps[0]
_LOOKS_LIKE_TAB = re.compile(r"\s*[A-Ga-g][#b]?\s*\|[-|0-9]*-[-|0-9]*\d")


def looks_like_tab(text: str) -> bool:
    """A line that starts the way a tab line does ('e|--3-') with frets on it."""
    return bool(_LOOKS_LIKE_TAB.match(text))


def frets(line: TabLine) -> list[tuple[int, int]]:
    """(column in the body, fret) for every fret on the line. A run of digits is
    one fret at its first digit's column (`12` is fret 12, not 1 then 2); a run
    that cannot be one fret (over `MAX_FRET`, a leading zero, three digits or
    more) is a ParseError at its first digit: reading it digit by digit would
    be a guess."""
    plain = _outside_brackets(line.body)
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(plain):
        if not plain[i].isdigit():
            i += 1
            continue
        j = i
        while j < len(plain) and plain[j].isdigit():
            j += 1
        run = plain[i:j]
        if len(run) > 1 and (run[0] == "0" or int(run) > MAX_FRET):
            raise ParseError(_not_a_fret(run), line=line.number, col=line.start + i + 1)
        out.append((i, int(run)))
        i = j
    return out


def _not_a_fret(run: str) -> str:
    why = "has a leading zero" if run[0] == "0" else f"is past fret {MAX_FRET}, the highest notegen reads"
    split = "-".join(run)
    return f"fret {run} {why}; separate frets need a '-' between them ({split})"


def repeat_count(text: str) -> int | None:
    """N of a repeat mark such as '[2x]', 'x2', '(3x)' in `text`, else None."""
    m = _REPEAT.search(text.lower())
    if not m:
        return None
    return int(m.group(1) or m.group(2))


def is_repeat_line(text: str) -> bool:
    return bool(text.strip()) and repeat_count(text) is not None and bool(
        re.fullmatch(r"\s*[\[(]?\s*(?:x\s*\d+|\d+\s*x)\s*[\])]?\s*", text.lower())
    )


def is_chord_line(text: str) -> bool:
    toks = text.split()
    return bool(toks) and all(_CHORD.fullmatch(t) for t in toks) and any(
        t[:1].isalpha() or t[:2].lstrip("(")[:1].isalpha() for t in toks
    )


def capo(text: str) -> int | None:
    m = _CAPO.match(text)
    return int(m.group(1)) if m else None


def tuning_spec(text: str) -> tuple[str, int] | None:
    """The spec of a `tuning:` line and its 0-based column."""
    m = _TUNING.match(text)
    return (m.group(2), len(m.group(1))) if m else None


def rhythm(text: str) -> Fraction | None:
    """Beats per column from a 'rhythm: 1/4 beat per column' line."""
    m = _RHYTHM.match(text)
    if not m:
        return None
    den = int(m.group(2)) if m.group(2) else 1
    return Fraction(int(m.group(1)), den) if den else Fraction(0)


def transposed(text: str) -> int | None:
    """N of a 'transposed: down N octaves' line (which `format` writes)."""
    m = _TRANSPOSED.match(text)
    return int(m.group(1)) if m else None


_TRANSPOSED = re.compile(r"\s*transposed\s*:\s*down\s+(\d{1,2})\s+octaves?\b", re.IGNORECASE)


def tempo(text: str) -> float | None:
    m = _TEMPO.match(text)
    return float(m.group(1)) if m else None
