"""The C engine (plugin/engine/) through ctypes: the same model step, grammar,
rules and draw as models/sampling.py, for the plugin and for speed.

`Engine(path)` opens a checkpoint in C; `stream(options, prime)` yields the
characters `sampling.stream` yields for the same seed and options (the prime is
model text), tunes in parts included (`parts`: auto, AABB, AB, free or one).
The library is built by scripts/setup.sh (`make -C plugin/engine`) where a C
compiler exists; `NOTEGEN_ENGINE` may name another build of it.
"""

from __future__ import annotations

import ctypes as C
import os
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from notetokens.errors import NotegenError

from .options import SampleOptions, pitch_range

LIBRARY = Path(__file__).resolve().parents[1] / "plugin" / "engine" / "build" / "libnotegen_engine.so"
NG_DONE, NG_FAIL = -1, -2
MISSING = "the C engine is not built (run scripts/setup.sh, or make -C plugin/engine, with a C compiler)"


class _Options(C.Structure):
    _fields_ = [
        ("temperature", C.c_double), ("top_k", C.c_int), ("top_p", C.c_double), ("argmax", C.c_int),
        ("seed", C.c_uint64), ("min_notes", C.c_int), ("bars", C.c_int), ("max_chars", C.c_int),
        ("echo", C.c_double), ("loop_guard", C.c_int), ("constrain", C.c_int), ("form", C.c_int),
        ("range_low", C.c_int), ("range_high", C.c_int), ("fields", C.c_char_p), ("parts", C.c_int),
    ]


FORMS = {"one": 0, "auto": 1, "AABB": 2, "AB": 3, "free": 4}  # ng_options.parts


class _Note(C.Structure):
    _fields_ = [("onset", C.c_double), ("duration", C.c_double), ("pitch", C.c_int)]


def library_path() -> Path:
    return Path(os.environ.get("NOTEGEN_ENGINE", LIBRARY))


@lru_cache(maxsize=4)
def _lib(path: str) -> C.CDLL:
    lib = C.CDLL(path)
    P, N, S = C.c_void_p, C.c_int, C.c_char_p
    sig: dict[str, tuple[Any, list[Any]]] = {
        "ng_open": (P, [S, S, C.c_size_t]), "ng_close": (None, [P]), "ng_error": (S, [P]),
        "ng_vocab_size": (N, [P]), "ng_codepoint": (C.c_int32, [P, N]), "ng_notation": (S, [P]),
        "ng_reset": (None, [P]), "ng_step": (N, [P, N, C.POINTER(C.c_float)]),
        "ng_start": (N, [P, C.POINTER(_Options), C.POINTER(C.c_int32), N]), "ng_next": (N, [P]),
        "ng_gram_start": (N, [P, C.POINTER(_Options), C.POINTER(C.c_int32), N]),
        "ng_gram_allowed": (N, [P, C.POINTER(C.c_uint8)]), "ng_gram_feed": (N, [P, N]),
        "ng_gram_close": (None, [P]), "ng_gram_wind_down": (N, [P]), "ng_allocations": (C.c_long, []),
        "ng_decode": (N, [S, C.POINTER(_Note), N, S, C.c_size_t]),
        "ng_decode_played": (N, [S, C.POINTER(_Note), N, S, C.c_size_t]),
    }
    for name, (res, args) in sig.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    return lib


def available() -> bool:
    return library_path().is_file()


def library() -> C.CDLL:
    """The loaded engine library; a NotegenError in one line where it is not built."""
    path = library_path()
    if not path.is_file():
        raise NotegenError(MISSING)
    return _lib(str(path))


class Engine:
    """One checkpoint open in the C engine (one stream at a time)."""

    def __init__(self, path: str | Path, build: str | Path | None = None) -> None:
        from .checkpoint import resolve

        self.lib = library() if build is None else _lib(str(build))
        err = C.create_string_buffer(512)
        self.handle = self.lib.ng_open(str(resolve(path)).encode(), err, len(err))
        if not self.handle:
            raise NotegenError(err.value.decode(errors="replace"))
        self.size = int(self.lib.ng_vocab_size(self.handle))
        points = [self.lib.ng_codepoint(self.handle, i) for i in range(self.size)]
        self.chars = [chr(c) if c >= 0 else "" for c in points]
        self.index = {c: i for i, c in enumerate(self.chars) if c}
        self.notation = self.lib.ng_notation(self.handle).decode()
        self._out = (C.c_float * self.size)()
        self._flags = (C.c_uint8 * self.size)()

    def __del__(self) -> None:
        handle = getattr(self, "handle", None)
        if handle:
            self.lib.ng_close(handle)
            self.handle = None

    def _check(self, rc: int) -> int:
        if rc == NG_FAIL:
            raise NotegenError(self.lib.ng_error(self.handle).decode(errors="replace"))
        return rc

    # -- the model ----------------------------------------------------------
    def reset(self) -> None:
        self.lib.ng_reset(self.handle)

    def step(self, i: int) -> np.ndarray:
        """Feed id `i`: the logits (V,) for the next id."""
        self._check(self.lib.ng_step(self.handle, i, self._out))
        return np.frombuffer(self._out, dtype=np.float32).copy()

    # -- sampling -----------------------------------------------------------
    def _options(self, options: SampleOptions, fields: Mapping[str, Any] | None) -> _Options:
        o = options
        if callable(o.temperature) or o.cache or o.dynamic_rate is not None:
            raise NotegenError("the C engine takes a fixed temperature, without --cache or --dynamic")
        if o.max_chars is None:
            raise NotegenError("the C engine needs a character cap (max_chars)")
        low, high = pitch_range("range", o.range) if o.range is not None else (-1, -1)
        seed = o.seed if o.seed is not None else int.from_bytes(os.urandom(8), "little")
        chosen = self._fields(o, fields).items()
        spec = ";".join(f"{k}={v if isinstance(v, str) else ','.join(v)}" for k, v in chosen)
        return _Options(
            float(o.temperature), o.top_k or 0, o.top_p if o.top_p is not None else 0.0, int(o.argmax),
            seed & (2**64 - 1), o.min_notes, o.bars or 0, o.max_chars, o.echo, int(o.loop_guard),
            int(o.constrain), int(o.form), low, high, spec.encode(), FORMS[o.parts] if o.constrain else 0)

    def _fields(self, o: SampleOptions, fields: Mapping[str, Any] | None) -> dict[str, Any]:
        from .sampling import _writable

        like = SimpleNamespace(vocab=SimpleNamespace(chars=tuple(c for c in self.chars if c)))
        return _writable(like, o.header() if fields is None else fields)  # type: ignore[arg-type]

    def _prime(self, prime: str) -> Any:
        return (C.c_int32 * max(1, len(prime)))(*[ord(c) for c in prime])

    def stream(self, options: SampleOptions | None = None, prime: str = "",
               fields: Mapping[str, Any] | None = None, **changes: Any) -> Iterator[str]:
        """The characters sampled after `prime`, as `sampling.stream` gives them."""
        from .options import BARE

        opts = (options or BARE).but(**changes)
        raw = self._options(opts, fields)
        self._check(self.lib.ng_start(self.handle, C.byref(raw), self._prime(prime), len(prime)))
        return self._run()

    def tune(self, options: SampleOptions | None = None) -> str:
        """The model text `notegen sample` writes for these options (no prime, no
        --length or --bars): as models/tunes.py composes it, the header line is
        drawn first (200 characters at most, the requested fields), then the
        tune after it with the same seed."""
        opts = options or SampleOptions()
        if opts.prime or opts.length or opts.bars:
            raise NotegenError("Engine.tune takes no prime, --length or --bars; use stream()")
        fields = self._fields(opts, None)
        line = ""
        for ch in self.stream(opts.but(max_chars=200), "", fields):
            if ch == "\n":
                break
            line += ch
        prime = line.strip() + "\n" if line.strip() else ""
        return prime + "".join(self.stream(opts, prime, fields={}))

    def _run(self) -> Iterator[str]:
        while (i := self._check(self.lib.ng_next(self.handle))) != NG_DONE:
            yield self.chars[i]

    # -- the grammar alone (the differential tests) -------------------------
    def grammar_start(
        self, options: SampleOptions, prime: str = "", fields: Mapping[str, Any] | None = None
    ) -> None:
        raw = self._options(options, fields)
        self._check(self.lib.ng_gram_start(self.handle, C.byref(raw), self._prime(prime), len(prime)))

    def grammar_allowed(self) -> set[int]:
        """The ids allowed next (the end token where the text may end)."""
        self.lib.ng_gram_allowed(self.handle, self._flags)
        return {i for i in range(self.size) if self._flags[i]}

    def grammar_feed(self, i: int) -> None:
        self._check(self.lib.ng_gram_feed(self.handle, i))

    def grammar_close(self) -> None:
        self.lib.ng_gram_close(self.handle)

    def grammar_wind_down(self) -> bool:
        return bool(self.lib.ng_gram_wind_down(self.handle))


def decode(text: str, cap: int = 100_000, *, played: bool = False) -> list[tuple[float, float, int]]:
    """The C decoder: (onset, duration, pitch) of each note of a note string,
    in quarter-note beats (a chord gives one note per pitch), as written; with
    `played`, as played (`ng_decode_played`: the repeats expanded, as
    `notes.parse(text).played_out()` and the MIDI file have them)."""
    out = (_Note * cap)()
    err = C.create_string_buffer(256)
    fn = library().ng_decode_played if played else library().ng_decode
    n = fn(text.encode("ascii", errors="replace"), out, cap, err, len(err))
    if n < 0:
        raise NotegenError(err.value.decode(errors="replace"))
    return [(out[i].onset, out[i].duration, out[i].pitch) for i in range(n)]


def decode_played(text: str, cap: int = 400_000) -> list[tuple[float, float, int]]:
    """The C decoder's notes as played: `decode(text, cap, played=True)`."""
    return decode(text, cap, played=True)


def allocations() -> int:
    """Heap blocks the engine library has asked for in this process."""
    return int(library().ng_allocations())
