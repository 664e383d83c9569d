"""A piano-roll picture of a Score (matplotlib, imported only when asked for)."""

from __future__ import annotations

import io

from notetokens import Score
from notetokens.errors import NotegenError
from notetokens.io import write_bytes


def plot(score: Score, path: str, title: str = "") -> None:
    write_bytes(path, png_bytes(score, title))


def png_bytes(score: Score, title: str = "") -> bytes:
    """The piano roll as PNG bytes: pitch against beats, bar lines in grey. A bare
    Figure draws with Agg and leaves pyplot's backend (a notebook's) alone."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise NotegenError("the piano roll (--plot) needs matplotlib: pip install 'notegen[plot]'") from None
    score = score.played_out()  # repeats as they are heard
    notes = score.notes
    fig = Figure(figsize=(min(20.0, max(6.0, float(score.end) * 0.25)), 4), dpi=100)
    ax = fig.subplots()
    for n in notes:
        ax.broken_barh([(float(n.onset), float(n.duration))], (n.pitch - 0.4, 0.8), color="tab:blue")
    if notes:
        lo, hi = min(n.pitch for n in notes), max(n.pitch for n in notes)
        ax.set_ylim(lo - 2, hi + 2)
        ticks = [p for p in range(lo - 1, hi + 2) if p % 12 in (0, 7)]
        from notetokens.notes import pitch_name

        ax.set_yticks(ticks, [pitch_name(p) for p in ticks])
    meter = score.meter
    if meter:
        bar = 4 * meter.numerator / meter.denominator
        for i in range(int(float(score.end) / bar) + 1):
            ax.axvline(i * bar, color="0.85", linewidth=0.8, zorder=0)
    ax.set_xlabel("beats")
    ax.set_title(title or "notegen")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def available() -> bool:
    """Whether matplotlib is installed (the `plot` extra)."""
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None
