"""Tune types: what a folk tune is for (reel, jig, hornpipe, ...).

ABC names it in the `R:` (rhythm) field, spelled in many ways; the note-string
header carries it as `T:reel`, first in the canonical order `T L M K Q`. Values
are lower case from `TUNE_TYPES`, spaces written as hyphens (`slip-jig`).
"""

from __future__ import annotations

import re

TUNE_TYPES = (
    "reel",
    "jig",
    "slip-jig",
    "hornpipe",
    "polka",
    "waltz",
    "strathspey",
    "march",
    "air",
    "slide",
    "set-dance",
    "clog",
    "fling",
    "barndance",
    "mazurka",
    "schottische",
    "gavotte",
    "minuet",
    "walkaround",
    "song",
)

# spellings met in ABC collections (lower case, separators squeezed to one space)
_ALIASES = {
    "double jig": "jig",
    "single jig": "jig",
    "jigg": "jig",
    "slipjig": "slip-jig",
    "slip jig": "slip-jig",
    "hop jig": "slip-jig",
    "set dance": "set-dance",
    "setdance": "set-dance",
    "highland fling": "fling",
    "barn dance": "barndance",
    "schottish": "schottische",
    "highland schottische": "schottische",
    "minuet": "minuet",
    "menuett": "minuet",
    "walzer": "waltz",
    "valse": "waltz",
    "marsch": "march",
    "quick march": "march",
    "slow air": "air",
    "walk around": "walkaround",
}
_SEPARATORS = re.compile(r"[\s_\-]+")


def normalize_tune_type(text: str | None) -> str | None:
    """The tune type an ABC `R:` value names, or None when it names none we know.
    'Reel' -> 'reel', 'Double Jig' -> 'jig', 'Slip Jig' -> 'slip-jig'; a list
    ('Tanz - Lied, Walzer') gives its first known item."""
    if not text:
        return None
    for item in re.split(r"[,;/]", text.lower()):
        words = _SEPARATORS.sub(" ", re.sub(r"[^a-z\s_\-]", " ", item)).strip()
        for w in (words, words[:-1] if words.endswith("s") else ""):  # plurals: "reels"
            found = _ALIASES.get(w) or _known(w.replace(" ", "-"))
            if found:
                return found
    return None


def _known(name: str) -> str | None:
    return name if name in TUNE_TYPES else None
