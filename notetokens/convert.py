"""Converting a file from one notation to another: the library side of
`notegen convert`."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from .errors import NotegenError
from .io import read_tune, render
from .m21_repeats import writable
from .outputs import check, write_bytes
from .registry import Notation, for_path, get
from .repeats import mark_layout
from .score import Note, Score, Section


def notation_for(path: str | Path, name: str | None, role: str) -> Notation:
    if name:
        return get(name)
    if str(path) == "-":
        raise NotegenError(
            f"name the {role} notation with --{'from' if role == 'input' else 'to'} "
            "when reading or writing standard streams"
        )
    return for_path(path)


def reduce(score: Score, track: int | None, channel: int | None, top_line: bool) -> Score:
    """The chosen part(s): everything unless a track, a channel or the top line
    (the highest note at each moment: `--melody`) is asked for."""
    if track is None and channel is None and not top_line:
        return score
    return score.one_voice(track, channel, top_line)


PITCHED_ONLY = ("notes", "tab", "abc")  # notations that would play drum sounds as pitches
# notations that write repeat marks, and whether their marks write the sections
# (a tab writes the parts it can as `[Nx]` and plays out the rest itself; MIDI
# plays every repeat out)
def _note_marks(secs: tuple[Section, ...]) -> bool:
    try:
        mark_layout(secs)
    except NotegenError:  # a part played more than twice with no ending for each pass
        return False
    return True


MARKED: dict[str, Callable[[tuple[Section, ...]], bool]] = {
    "notes": _note_marks, "abc": _note_marks, "musicxml": writable, "mxl": writable}


def keep_marks(score: Score, notation: Notation) -> Score:
    """`score` with its repeat marks where `notation` can write them, else
    played out, so that no note is lost."""
    holds = MARKED.get(notation.name)
    if not score.sections or holds is None or holds(score.sections):
        return score
    return score.played_out()


def fit(score: Score, notation: Notation) -> Score:
    """`score` as `notation` can hold it: a one-voice notation takes the main part,
    which it must hold as it is (one length per chord, no note sounding past the
    next onset); drums go only where drums can be written (MIDI, MusicXML); repeat
    marks stay where the notation writes them and are played out elsewhere."""
    if notation.one_voice and len(score.parts) > 1:
        score = replace(score, parts=[score.voice()])
    sounding = [p for p in score.parts if p.notes]
    if notation.name in PITCHED_ONLY and sounding and all(p.is_drum for p in sounding):
        raise NotegenError(
            f"the music is drums (MIDI channel 10): {notation.name} would write drum sounds "
            "as pitches; write MIDI or MusicXML, or pick a pitched part with --track/--channel"
        )
    if notation.one_voice and score.parts:
        _check_one_voice(score.parts[0].notes, notation.name)
    return keep_marks(score, notation)


def _check_one_voice(notes: list[Note], name: str) -> None:
    """Refuse a part a one-voice notation would change: a chord whose notes end
    apart, or a note still sounding at the next onset (it would be cut)."""
    from .notes import pitch_name

    ordered = sorted(notes)
    for a, b in itertools.pairwise(ordered):
        if a.onset == b.onset and a.duration != b.duration:
            raise NotegenError(
                f"at beat {a.onset} {pitch_name(a.pitch)} lasts {a.duration} beats and "
                f"{pitch_name(b.pitch)} {b.duration}: a {name} chord has one length; "
                "--melody takes the top line, or write MIDI or MusicXML"
            )
    onsets = sorted({n.onset for n in ordered})
    following = dict(itertools.pairwise(onsets))
    for n in ordered:
        later = following.get(n.onset)
        if later is not None and n.end > later:
            raise NotegenError(
                f"at beat {n.onset} {pitch_name(n.pitch)} sounds past the next onset (beat {later}): "
                f"{name} would cut it; --melody takes the top line, or write MIDI or MusicXML"
            )


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
    dst: str | Path | None = None,
) -> bytes:
    """Read `src`, reduce it as asked, and render it in `dst_notation`. Of a file
    of several tunes (ABC) the first is converted, or tune number `tune` (from
    1); `warn` is told when a file of several tunes was reduced to its first.
    A failure to write the music names `dst`, the output, when given."""
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
    try:
        return render(fit(score, dst_notation), dst_notation, **fmt_opts)
    except NotegenError as e:  # what cannot be written is said of the output
        if dst is None:
            raise
        raise NotegenError(f"{dst}: {e}") from None


def convert(src: str | Path, dst: str | Path, **options: Any) -> None:
    """Convert the file `src` into the file `dst` (written atomically); `dst` may
    not be `src` itself (by any name: a file converted onto itself would be lost)."""
    to = options.pop("dst_notation", None)
    target = check(dst, force=True, inputs=[src])
    data = convert_score(src, notation_for(dst, to, "output"), dst=dst, **options)
    write_bytes(target, data)
