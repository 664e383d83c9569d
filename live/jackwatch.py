"""Noticing that the JACK server went away while `live` plays.

python-rtmidi does not tell its caller when the JACK server stops: its client
just stops being called, libjack prints a few lines of its own on stderr, and
`notegen live` would play into nothing for ever. So while a session plays
through JACK, a second, silent JACK client of ours (libjack through ctypes,
no ports) registers libjack's shutdown callback: when the server goes, the
callback sets the session's stop event, the session ends its playback, and the
command prints one line and exits with an error. libjack's own messages are
kept off the terminal for the whole process while the watch is open (its error
and info functions are set to collect them), so that one line is the only one.

Without libjack (no JACK installed), the watch is a no-op: rtmidi could not be
talking to a JACK server either.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from pathlib import Path
from typing import Any

JACK_NO_START_SERVER = 0x01
_MESSAGE = ctypes.CFUNCTYPE(None, ctypes.c_char_p)
_SHUTDOWN = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


def _libjack() -> Any:
    """The libjack that rtmidi uses: a python-rtmidi wheel bundles its own copy
    (whose error function is the one to set), a system build links the system's."""
    for name in (*_bundled(), ctypes.util.find_library("jack"), "libjack.so.0"):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        return _typed(lib)
    return None


def _bundled() -> list[str]:
    try:
        import rtmidi
    except ImportError:
        return []
    site = Path(rtmidi.__file__).resolve().parent.parent
    return [str(p) for p in sorted(site.glob("python_rtmidi*/libjack*.so*"))]


def _typed(lib: Any) -> Any:
    lib.jack_client_open.restype = ctypes.c_void_p
    lib.jack_client_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    lib.jack_on_shutdown.argtypes = [ctypes.c_void_p, _SHUTDOWN, ctypes.c_void_p]
    lib.jack_activate.argtypes = [ctypes.c_void_p]
    lib.jack_client_close.argtypes = [ctypes.c_void_p]
    lib.jack_set_error_function.argtypes = [_MESSAGE]
    lib.jack_set_info_function.argtypes = [_MESSAGE]
    return lib


class JackWatch:
    """While open, `stop` is set the moment the JACK server shuts down, and
    `gone` says so. `messages` holds what libjack said meanwhile."""

    def __init__(self, stop: threading.Event, enabled: bool = True) -> None:
        self.stop = stop
        self.gone = threading.Event()
        self.messages: list[str] = []
        self._lib = _libjack() if enabled else None
        self._client: int | None = None
        # ctypes callbacks must outlive every call libjack may make to them
        self._on_message = _MESSAGE(self._said)
        self._on_shutdown = _SHUTDOWN(self._shutdown)

    def _said(self, text: bytes | None) -> None:
        if len(self.messages) < 100:
            self.messages.append((text or b"").decode("utf-8", "replace"))

    def _shutdown(self, arg: int | None) -> None:
        self.gone.set()
        self.stop.set()

    def __enter__(self) -> JackWatch:
        lib = self._lib
        if lib is None:
            return self
        lib.jack_set_error_function(self._on_message)
        lib.jack_set_info_function(self._on_message)
        status = ctypes.c_int(0)
        client = lib.jack_client_open(b"notegen-watch", JACK_NO_START_SERVER, ctypes.byref(status))
        if not client:
            return self  # no server: rtmidi's own open reports that
        lib.jack_on_shutdown(client, self._on_shutdown, None)
        if lib.jack_activate(client) != 0:
            lib.jack_client_close(client)
            return self
        self._client = client
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None and not self.gone.is_set():
            self._lib.jack_client_close(self._client)  # a dead server's client is left to exit
        self._client = None
