"""Converting a file from one notation to another: the library side of
`notegen convert`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from .errors import NotegenError
from .io import read_tune, render
from .outputs import check, write_bytes
from .registry import Notation, for_path, get
from .score import Score


def notation_for(path: str | Path, name: str | None, role: str) -> Notation:
    if name:
        return get(name)
    if str(path) == "-":
        raise NotegenError(
            f"name the {role} notation with --{'from' if role == 'input' else 'to'} "
            "when reading or writing standard streams"
        )
    return for_path(path)


def reduce(score: Score, track: int | None, channel: int | None, melody: bool) -> Score:
    """The chosen part(s): everything unless a track, channel or melody is asked for."""
    if track is None and channel is None and not melody:
        return score
    return score.one_voice(track, channel, melody)


def fit(score: Score, notation: Notation) -> Score:
    """`score` as `notation` can hold it: a one-voice notation takes the main part."""
    if notation.one_voice and len(score.parts) > 1:
        return replace(score, parts=[score.voice()])
    return score


def convert_score(
    src: str | Path,
    dst_notation: Notation,
    *,
    src_notation: str | None = None,
    track: int | None = None,
    channel: int | None = None,
    melody: bool = False,
    tuning: str | None = None,
    exact_pitch: bool = False,
    tune: int | None = None,
    warn: Callable[[str], object] | None = None,
) -> bytes:
    """Read `src`, reduce it as asked, and render it in `dst_notation`. Of a file
    of several tunes (ABC) the first is converted, or tune number `tune` (from
    1); `warn` is told when a file of several tunes was reduced to its first."""
    src_nt = notation_for(src, src_notation, "input")
    if not dst_notation.music or not src_nt.music:
        raise NotegenError("plain text has no notes to convert; convert between music notations")
    parse_opts: dict[str, Any] = {"tuning": tuning} if "tuning" in src_nt.options and tuning else {}
    score, count = read_tune(src, src_nt.name, tune=tune, **parse_opts)
    if count > 1 and tune is None and warn is not None:
        warn(f"{src} holds {count} tunes; converting tune 1 (--tune N picks another)")
    score = reduce(score, track, channel, melody)
    if not score.notes:
        raise NotegenError(f"{src}: no notes to convert")
    fmt_opts: dict[str, Any] = {"tuning": tuning} if "tuning" in dst_notation.options and tuning else {}
    if "exact_pitch" in dst_notation.options and exact_pitch:
        fmt_opts["exact_pitch"] = True
    return render(fit(score, dst_notation), dst_notation, **fmt_opts)


def convert(src: str | Path, dst: str | Path, **options: Any) -> None:
    """Convert the file `src` into the file `dst` (written atomically); `dst` may
    not be `src` itself (by any name: a file converted onto itself would be lost)."""
    to = options.pop("dst_notation", None)
    target = check(dst, force=True, inputs=[src])
    data = convert_score(src, notation_for(dst, to, "output"), **options)
    write_bytes(target, data)
