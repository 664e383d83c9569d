"""Sampling melodies: the streaming sampler's characters decoded into a Score.

`sample_melody` is what `notegen sample` calls. It builds the prime from a
header (key, meter, tempo) and a note-string or Score prime, then reads the
stream through the incremental note decoder, so it can stop after a number of
notes or bars at a point where the text still parses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from notetokens import Score, get, notes
from notetokens.errors import NotegenError, ParseError
from notetokens.notes_reader import Header, NoteDecoder, parse_header

from .checkpoint import LoadedModel
from .sampling import stream

NOTES_TEXT = {"notes", "abc", "midi"}  # notations whose model text is the note string
DEFAULT_MAX_CHARS = 3000
MIN_NOTES = 8  # a "melody" of fewer notes is drawn again
RETRIES = 5


@dataclass
class Melody:
    text: str  # the model text, prime included
    score: Score


def header_prime(key: str | None = None, meter: str | None = None) -> str:
    """A header line asking for a key and meter ('' when neither is given). L:1/8
    comes first, as in most folk tunes. The tempo is not primed but set on the
    result (`dress`): it does not change which notes a melody should have."""
    fields = []
    if meter:
        fields.append(f"M:{meter}")
    if key:
        fields.append(f"K:{notes.normalize_key(key) or key}")
    if not fields:
        return ""
    line = " ".join(["L:1/8", *fields])
    try:
        parse_header(line)
    except ParseError as e:
        raise NotegenError(f"--key/--meter: {e.message}") from None
    return line + "\n"


def prime_from(header: str, prime: str | None = None, prime_score: Score | None = None) -> str:
    """Model text to prime with: the header, then the prime melody rewritten in the
    header's unit (so `G-G-D` becomes `G4:2 G4:2 D4:2` under L:1/8)."""
    if prime and prime_score is not None:
        raise NotegenError("give --prime or --prime-file, not both")
    if prime:
        try:
            prime_score = notes.parse(prime)
        except ParseError as e:
            raise NotegenError(f"--prime: {e}") from None
    if prime_score is None or not prime_score.notes:
        return header
    unit = parse_header(header.strip()).unit if header.strip() else Header().unit
    body = notes.body_text(prime_score.one_voice(melody=False), unit)
    return header + body + " "


def sample_melody(lm: LoadedModel, prime: str = "", *, min_notes: int = MIN_NOTES, **options: Any) -> Melody:
    """A melody (see `draw`); one that ends after fewer than `min_notes` notes (a
    model may close a tune early) is drawn again, with the next seed."""
    seed = options.pop("seed", None)
    for attempt in range(RETRIES):
        melody = draw(lm, prime, seed=None if seed is None else seed + attempt * 7919, **options)
        onsets = {n.onset for n in melody.score.notes}
        if len(onsets) >= min_notes or options.get("length") or options.get("bars"):
            break
    return melody


def draw(
    lm: LoadedModel,
    prime: str = "",
    *,
    length: int | None = None,
    bars: int | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    program: int | None = None,
    bpm: float | None = None,
    **options: Any,
) -> Melody:
    """One melody after `prime` (model text); stops at the end of the tune, after
    `length` notes or `bars` bar lines of new material, or at `max_chars`."""
    nt = get(lm.notation)
    if not nt.music:
        raise NotegenError(f"this is a {lm.notation} model; use `notegen text` for it")
    counting = lm.notation in NOTES_TEXT
    if (length or bars) and not counting:
        raise NotegenError(f"--length/--bars need a note-string model, not {lm.notation}")
    decoder = NoteDecoder()
    decoder.feed(prime if counting else "")
    made_notes = made_bars = 0
    text = [prime]
    for ch in stream(lm, prime, max_chars=max_chars, **options):
        if counting:
            made_notes += bool(decoder.feed(ch))  # a separator completes one event
            made_bars += ch == "|"
            if length and made_notes >= length:
                break  # `ch` is the space after the last note
            if bars and made_bars >= bars:
                text.append(ch)
                break
        text.append(ch)
    model_text = "".join(text).rstrip()
    try:
        score = nt.from_model_text(model_text)
    except ParseError as e:  # only without the grammar (constrain=False)
        raise NotegenError(
            f"the model wrote text that does not parse ({e}); sample with the grammar"
        ) from None
    return Melody(model_text, dress(score, program, bpm))


def dress(score: Score, program: int | None, bpm: float | None) -> Score:
    """Set the instrument and, when asked, the tempo."""
    from notetokens import Tempo

    if program is not None:
        score = replace(score, parts=[replace(p, program=program) for p in score.parts])
    if bpm:
        score = replace(score, tempos=[Tempo(Fraction(0), float(bpm))])
    return score
