"""Rendering a Score to WAV through FluidSynth and a General MIDI soundfont."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from notetokens import Score
from notetokens.errors import NotegenError

SOUNDFONTS = (
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/soundfonts/default.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/opt/homebrew/share/soundfonts/default.sf2",
)
INSTALL = (
    "WAV output needs FluidSynth and a General MIDI soundfont: on Debian/Ubuntu "
    "`sudo apt-get install fluidsynth timgm6mb-soundfont`, on macOS `brew install fluid-synth` "
    "and a .sf2 file named by NOTEGEN_SOUNDFONT; or write .mid and open it in your DAW"
)


def find_soundfont() -> str | None:
    named = os.environ.get("NOTEGEN_SOUNDFONT")
    if named:
        if not Path(named).is_file():
            raise NotegenError(f"NOTEGEN_SOUNDFONT={named}: no such file")
        return named
    return next((p for p in SOUNDFONTS if Path(p).is_file()), None)


def render_wav(score: Score, out: str, rate: int = 44100) -> None:
    from notetokens import midi

    exe, sf2 = shutil.which("fluidsynth"), find_soundfont()
    if exe is None or sf2 is None:
        raise NotegenError(INSTALL)
    folder = Path(out).parent
    with tempfile.TemporaryDirectory(dir=folder if str(folder) else ".") as tmp:
        mid, wav = Path(tmp) / "in.mid", Path(tmp) / "out.wav"
        mid.write_bytes(midi.format(score))
        r = subprocess.run(
            [exe, "-ni", "-q", "-g", "0.8", "-r", str(rate), "-F", str(wav), sf2, str(mid)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if r.returncode != 0 or not wav.is_file() or wav.stat().st_size <= 44:
            raise NotegenError(f"fluidsynth failed: {(r.stderr or r.stdout).strip()[:200]}")
        os.replace(wav, out)
