"""notegen: a char-RNN toolkit for melodies and text.

The Python API (the commands as functions; see the README's "From Python"):

    import notegen
    tune = notegen.sample(key="D", meter="6/8", seed=7)   # a Tune: shows itself in Jupyter
    tune.save("jig.mid")
    print(notegen.text(prime="And God said", length=200, temperature=0.5))

`import notegen` is light: torch and music21 load on first use. The library
underneath: `notegen.models` (the folder models/: model, training, sampling),
`notetokens` (notations), `notegen.live` (the folder live/: live MIDI playback),
`notegen.cli` (the folder cli/: the `notegen` command).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load": "api",
    "sample": "api",
    "text": "api",
    "predict": "api",
    "train": "api",
    "read": "api",
    "write": "api",
    "convert": "api",
    "evaluate": "api",
    "list_models": "api",
    "embed": "api",
    "classify": "api",
    "classify_fit": "api",
    "Tune": "tune",
    "NotegenError": "notetokens",
    "ParseError": "notetokens",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    target = module if module == "notetokens" else f"{__name__}.{module}"
    return getattr(importlib.import_module(target), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
