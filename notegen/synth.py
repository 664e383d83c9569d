"""Rendering a Score to WAV through FluidSynth and a General MIDI soundfont.

FluidSynth writes into a temporary folder beside the output; the WAV is moved
into place only when FluidSynth exited cleanly and the file is complete (its
header agrees with its size and it lasts as long as the music), so a full disk
or a crash never replaces a WAV that was already there.
"""

from __future__ import annotations

import errno
import math
import os
import shutil
import struct
import subprocess
import tempfile
from fractions import Fraction
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
TAIL_SECONDS = 4.0  # release and reverb after the last note (about 3 s), in the space estimate
# FluidSynth plays a MIDI file, and a MIDI tempo is at most 0xFFFFFF microseconds a beat
MIN_BPM = 60_000_000 / 0xFFFFFF  # 3.576 BPM: slower music would come out too fast and short


def check_tempo(bpm: float | None, out: str) -> None:
    """Refuse, before anything is sampled or rendered, a tempo slower than a WAV
    can be rendered at (through MIDI); FluidSynth would play it at 3.58 BPM and
    the WAV would end long before the music."""
    if bpm is not None and bpm < MIN_BPM:
        raise NotegenError(
            f"{out}: {bpm:g} BPM is slower than audio can be rendered (through MIDI, whose "
            f"slowest tempo is {math.ceil(MIN_BPM * 100) / 100} BPM); use --bpm 3.58 or more"
        )


def find_soundfont() -> str | None:
    named = os.environ.get("NOTEGEN_SOUNDFONT")
    if named:
        if not Path(named).is_file():
            raise NotegenError(f"NOTEGEN_SOUNDFONT={named}: no such file")
        return named
    return next((p for p in SOUNDFONTS if Path(p).is_file()), None)


def synthesizer() -> tuple[str, str]:
    """FluidSynth's path and a soundfont, or the one line saying what to install
    (asked before sampling, so a missing synthesizer costs nothing)."""
    exe, sf2 = shutil.which("fluidsynth"), find_soundfont()
    if exe is None or sf2 is None:
        raise NotegenError(INSTALL)
    return exe, sf2


def seconds(score: Score) -> float:
    """How long the score plays, through its tempo map."""
    end, total, at, bpm = score.end, 0.0, Fraction(0), score.bpm if not score.tempos else 120.0
    for t in sorted(score.tempos, key=lambda t: t.onset):
        if t.onset >= end:
            break
        total += float(t.onset - at) * 60.0 / bpm
        at, bpm = t.onset, t.bpm
    return total + float(end - at) * 60.0 / bpm


def render_wav(score: Score, out: str, rate: int = 44100) -> None:
    from notetokens import outputs

    score = score.played_out()  # repeats as they are heard
    synthesizer()
    check_tempo(min((t.bpm for t in score.tempos), default=None), out)
    target = outputs.check(out, force=True)  # the command checked it with its --force
    folder = outputs.temp_folder(target)
    need = int((seconds(score) + TAIL_SECONDS) * rate * 4) + 44  # 16-bit stereo
    free = outputs.free_bytes(folder)
    kept = "; the old file is kept" if target.existed else ""
    if free is not None and free < need:
        raise NotegenError(
            f"{out}: no space left on the device (the WAV needs about {need / 1e6:.1f} MB, "
            f"{free / 1e6:.1f} MB are free){kept}"
        )
    try:
        with tempfile.TemporaryDirectory(dir=folder, prefix=".notegen-wav-") as tmp:
            try:
                wav = render(score, Path(tmp), rate)
            except NotegenError as e:
                raise NotegenError(f"{out}: {e}{kept}") from None
            outputs.install(wav, target)
    except OSError as e:
        full = e.errno in (errno.ENOSPC, errno.EDQUOT)
        why = "no space left on the device" if full else (e.strerror or str(e))
        raise NotegenError(f"{out}: {why}{kept}") from None


def render(score: Score, folder: Path, rate: int = 44100) -> Path:
    """FluidSynth's WAV of `score` in `folder`, checked whole: FluidSynth exits 0
    even when the disk fills up, so its file is read back before it is trusted."""
    from notetokens import midi

    exe, sf2 = synthesizer()
    mid, wav = folder / "in.mid", folder / "out.wav"
    mid.write_bytes(midi.format(score))
    r = subprocess.run(
        [exe, "-ni", "-q", "-g", "0.8", "-r", str(rate), "-F", str(wav), sf2, str(mid)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    said = " ".join((r.stderr or r.stdout).split())[:200]
    if r.returncode != 0:
        raise NotegenError(f"fluidsynth failed (exit {r.returncode}): {said}")
    problem = wav_problem(wav, min_seconds=0.99 * seconds(score))
    if problem is None and "write error" in said.lower():
        problem = said
    if problem:
        raise NotegenError(f"fluidsynth wrote an incomplete WAV ({problem})")
    return wav


def wav_problem(path: str | Path, min_seconds: float = 0.0) -> str | None:
    """What is wrong with a WAV file, or None when it is whole: RIFF and data
    sizes that agree with the file's size, and at least `min_seconds` of sound."""
    path = Path(path)
    if not path.is_file():
        return "no file"
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return "not a RIFF/WAVE file"
        if struct.unpack("<I", head[4:8])[0] + 8 != size:
            return f"the header gives {struct.unpack('<I', head[4:8])[0] + 8} bytes, the file has {size}"
        byte_rate = 0
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                return "no audio data"
            name, n = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if name == b"fmt ":
                fmt = f.read(n)
                byte_rate = struct.unpack("<I", fmt[8:12])[0] if len(fmt) >= 12 else 0
                continue
            if name == b"data":
                if f.tell() + n > size:
                    return f"the audio data is cut short at {size - f.tell()} of {n} bytes"
                if byte_rate and n / byte_rate < min_seconds:
                    return f"{n / byte_rate:.1f} s of sound for {min_seconds:.1f} s of music"
                return None
            f.seek(n + (n & 1), os.SEEK_CUR)


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
