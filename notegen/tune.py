"""`Tune`: a Score that shows itself in a notebook and saves itself in one call.

In Jupyter a tune displays as its note string, a piano roll (with matplotlib) and
an audio player (with FluidSynth and a soundfont); nothing is downloaded. Every
notation it can be written in is one property or one `save(path)` away.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from notetokens import Score
from notetokens.errors import NotegenError

AUDIO_SECONDS = 120  # a longer tune shows no player (its WAV would bloat the notebook): save it


@dataclass(frozen=True)
class Tune:
    """A melody (or any Score) with the model text it was sampled as, if any.

    >>> tune = Tune.parse("G-G-D-D-E-E-D")
    >>> tune.save("twinkle.mid")
    PosixPath('twinkle.mid')
    """

    score: Score
    text: str | None = None  # model text, prime included (None for a tune read from a file)
    title: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.score, Score):
            text = isinstance(self.score, str)
            hint = f"; for a note string use Tune.parse({self.score!r:.40})" if text else ""
            raise NotegenError(f"Tune() holds a Score, not a {type(self.score).__name__}{hint}")

    @classmethod
    def parse(cls, notes: str, title: str = "") -> Tune:
        """A tune from a note string such as `G-G-D-D-E-E-D`."""
        from notetokens import notes as notes_notation

        return cls(notes_notation.parse(notes), title=title)

    # --- the notations -------------------------------------------------------

    def format(self, notation: str) -> str | bytes:
        """The tune in a notation by name: notes, tab, abc, midi, musicxml."""
        from notetokens import get
        from notetokens.convert import fit
        from notetokens.io import render

        nt = get(notation)
        if not nt.music:
            raise NotegenError(f"a tune cannot be written as {notation}: use notes, tab, abc, midi, musicxml")
        data = render(fit(self.score, nt), nt)
        return data if nt.binary else data.decode("utf-8")

    @property
    def notes(self) -> str:
        """The note string (`L:1/8 M:6/8 K:D` header, then the melody)."""
        return str(self.format("notes"))

    @property
    def abc(self) -> str:
        return str(self.format("abc"))

    @property
    def tab(self) -> str:
        """An ASCII guitar tab, fingered by the hand-position search."""
        return str(self.format("tab"))

    @property
    def midi(self) -> bytes:
        return bytes(self.format("midi"))  # type: ignore[arg-type]

    def save(self, path: str | Path, notation: str | None = None) -> Path:
        """Write the tune; the format follows the extension (.mid .txt .tab .abc
        .musicxml, .png for the piano roll, .wav with a synthesizer). Atomic: a
        failed save leaves no file and keeps the one that was there."""
        from notetokens.io import for_path, require_notes, write_bytes

        path = Path(path)
        require_notes(self.score, path)
        ext = path.suffix.lower()
        if notation is None and ext == ".wav":
            from .synth import render_wav

            render_wav(self.score, path)
        elif notation is None and ext == ".png":
            write_bytes(path, self.png())
        else:
            nt = notation or for_path(path).name
            data = self.format(nt)
            write_bytes(path, data if isinstance(data, bytes) else data.encode("utf-8"))
        return path

    # --- pictures and sound --------------------------------------------------

    def png(self) -> bytes:
        """The piano roll as PNG bytes (needs matplotlib: the `plot` extra)."""
        return self._png

    @cached_property
    def _png(self) -> bytes:
        from .pianoroll import png_bytes

        return png_bytes(self.score, self.title)

    def wav(self) -> bytes:
        """The tune as a small mono WAV (needs FluidSynth and a soundfont)."""
        return self._wav

    @cached_property
    def _wav(self) -> bytes:
        from .synth import wav_bytes

        return wav_bytes(self.score)

    # --- how it shows ----------------------------------------------------------

    def __len__(self) -> int:
        return len(self.score.notes)

    def __str__(self) -> str:
        return self.notes

    def __repr__(self) -> str:
        s = self.score
        fields = [s.tune_type] if s.tune_type else []
        n = len(s.notes)
        fields += [f"{n} note{'' if n == 1 else 's'}", f"{float(s.end):g} beats"]
        fields += [f"M:{s.meter}"] if s.meter else []
        fields += [f"K:{s.key}"] if s.key else []
        return f"Tune({', '.join(fields)}{', ' + repr(self.title) if self.title else ''})"

    def _repr_markdown_(self) -> str:
        return f"```\n{self.notes.rstrip()}\n```\n"

    def _repr_png_(self) -> bytes | None:
        from . import pianoroll

        return self.png() if pianoroll.available() else None

    def _repr_html_(self) -> str:
        from . import pianoroll, synth

        parts = [f"<pre>{html.escape(self.notes.rstrip())}</pre>"]
        if pianoroll.available():
            parts.append(f'<img src="data:image/png;base64,{_b64(self.png())}" alt="piano roll"/>')
        if synth.available() and _seconds(self.score) <= AUDIO_SECONDS:
            parts.append(f'<audio controls src="data:audio/wav;base64,{_b64(self.wav())}"></audio>')
        return "<div>" + "".join(parts) + "</div>"


def _seconds(score: Score) -> float:
    """How long `score` plays, through its tempo map."""
    from notetokens.score import DEFAULT_BPM

    score = score.played_out()
    end, total, at, bpm = float(score.end), 0.0, 0.0, DEFAULT_BPM
    for t in sorted(score.tempos, key=lambda t: t.onset):
        onset = min(float(t.onset), end)
        total += (onset - at) * 60 / bpm
        at, bpm = onset, t.bpm
    return total + (end - at) * 60 / bpm


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
