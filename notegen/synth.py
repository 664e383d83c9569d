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


# --- for the Python API: is there a synthesizer, and a WAV in memory ----------


def available() -> bool:
    """Whether FluidSynth and a soundfont are both installed (nothing is downloaded)."""
    try:
        return shutil.which("fluidsynth") is not None and find_soundfont() is not None
    except NotegenError:
        return False


def wav_bytes(score: Score, rate: int = 16000, mono: bool = True) -> bytes:
    """The WAV file of `score` in memory; mono at 16 kHz by default, small enough
    to embed in a notebook (32 kB per second)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "tune.wav"
        render_wav(score, str(out), rate)
        data = out.read_bytes()
    return _downmix(data) if mono else data


def _downmix(data: bytes) -> bytes:
    """A 16-bit stereo WAV as mono (the mean of the channels)."""
    import io
    import wave

    import numpy as np

    with wave.open(io.BytesIO(data)) as w:
        channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
        frames = w.readframes(w.getnframes())
    if channels == 1 or width != 2:
        return data
    samples = np.frombuffer(frames, dtype="<i2").reshape(-1, channels).mean(axis=1)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.round().astype("<i2").tobytes())
    return buf.getvalue()
