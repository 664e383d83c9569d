"""A whole Score played into a port at its tempo map (`notegen sample --play`),
or rendered to events in seconds (the file-render driver of the beat core).
A tune written in repeated parts is heard as its MIDI file plays it: each part
as many times as its marks say (`Score.played_out`)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from notetokens.score import Note, Score

from .beats import BeatCore, TimedEvent, Voiced, render
from .player import Player, PlayStats


def score_source(score: Score) -> list[Voiced]:
    """Every note of every part with its channel, in time order, repeats played out."""
    score = score.played_out()
    items = [(n, p.channel) for p in score.parts for n in p.notes]
    return sorted(items, key=lambda x: (x[0].onset, x[1], x[0].pitch))


def tempo_scaled(score: Score, bpm: float) -> list[Voiced]:
    """Fold a tempo map into beat times at a constant `bpm`, so a Player at that
    bpm plays each tempo section at its own speed (repeats played out)."""
    score = score.played_out()
    tempos = sorted(score.tempos, key=lambda t: t.onset) or None
    if not tempos:
        return score_source(score)

    def at(beat: Fraction) -> Fraction:
        out, prev_beat, prev_bpm = Fraction(0), Fraction(0), tempos[0].bpm
        for t in tempos[1:]:
            if t.onset >= beat:
                break
            out += (t.onset - prev_beat) * Fraction(bpm) / Fraction(prev_bpm)
            prev_beat, prev_bpm = t.onset, t.bpm
        return out + (beat - prev_beat) * Fraction(bpm) / Fraction(prev_bpm)

    items = []
    for note, channel in score_source(score):
        start, end = at(note.onset), at(note.end)
        items.append((Note(start, note.pitch, end - start, note.velocity), channel))
    return items


def render_score(score: Score) -> list[TimedEvent]:
    """The score's note events with their times in seconds, as its MIDI file
    plays them: the tempo map folded into beats at the first tempo, rendered there."""
    base = score.tempos[0].bpm if score.tempos else 120.0
    return render(BeatCore(tempo_scaled(score, base)), base)


def play_score(score: Score, port_name: str, api: str | None = None, bpm: float | None = None) -> PlayStats:
    """Play a whole score to an existing port (exact name or unique part of it);
    `bpm` overrides the score's tempo map. Ctrl-C silences and re-raises."""
    from .ports import close_port, open_output

    port = open_output(port_name, api=api)
    try:
        programs = {p.channel: p.program for p in score.parts}
        for channel, program in programs.items():
            if program:
                port.send(_program_change(channel, program))
        if bpm is None:
            base = score.tempos[0].bpm if score.tempos else 120.0
            items = tempo_scaled(score, base)
        else:
            base, items = bpm, score_source(score)
        player = Player(port, bpm=base, realtime=True)
        return player.play(items)
    finally:
        close_port(port)


def _program_change(channel: int, program: int) -> Any:
    import mido

    return mido.Message("program_change", channel=channel, program=program)
