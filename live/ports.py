"""MIDI ports and the MIDI system choice, through mido's rtmidi backend.

The MIDI system is chosen by a short name (`auto`, `alsa`, `jack`, `coremidi`,
`windows`) and mapped to the names mido uses for rtmidi's APIs. Every failure a
user can cause (no such port, no JACK server, no virtual ports on Windows) is a
`NotegenError` with one line that says what to do.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from notetokens.errors import NotegenError

# Our option names -> mido's names for rtmidi's APIs (rtmidi.API_* without the prefix).
APIS: dict[str, str | None] = {
    "auto": None,
    "alsa": "LINUX_ALSA",
    "jack": "UNIX_JACK",
    "coremidi": "MACOSX_CORE",
    "windows": "WINDOWS_MM",
}

DEFAULT_CLIENT = "notegen"


@dataclass(frozen=True)
class PortList:
    api: str
    inputs: list[str]
    outputs: list[str]


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence C libraries (libjack, libasound) that print to fd 2 while we probe;
    we report the failure ourselves in one line."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            sys.stderr.flush()
            os.dup2(null.fileno(), fd)
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, fd)
        os.close(saved)


def _jack_running() -> bool:
    import rtmidi

    if rtmidi.API_UNIX_JACK not in rtmidi.get_compiled_api():
        return False
    try:
        with _quiet_stderr():
            probe = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name="notegen-probe")
            probe.get_port_count()
            probe.delete()
    except rtmidi.RtMidiError:
        return False
    return True


def resolve_api(api: str | None) -> str:
    """mido's API name for one of our names; `auto` (or None) picks by platform:
    on Linux a running JACK server first, then the ALSA sequencer."""
    key = (api or "auto").lower()
    if key not in APIS:
        raise NotegenError(f"unknown MIDI API {api!r}; use one of {', '.join(APIS)}")
    import rtmidi

    compiled = {rtmidi.get_api_name(a) for a in rtmidi.get_compiled_api()}
    if key != "auto":
        name = APIS[key]
        if key not in compiled and not (key == "windows" and "winmm" in compiled):
            have = ", ".join(sorted(compiled)) or "none"
            raise NotegenError(f"this python-rtmidi was built without {key}; it has: {have}")
        return name  # type: ignore[return-value]
    if sys.platform == "darwin":
        return "MACOSX_CORE"
    if sys.platform == "win32":
        return "WINDOWS_MM"
    if _jack_running():
        return "UNIX_JACK"
    if os.path.exists("/dev/snd/seq"):
        return "LINUX_ALSA"
    raise NotegenError(
        "no MIDI system found: start a JACK server (e.g. `jackd -d alsa` or "
        "`jackd -d dummy`) and use --api jack, or load the ALSA sequencer (`modprobe snd-seq`)"
    )


def _explain(err: Exception, api: str) -> NotegenError:
    text = str(err)
    if api == "UNIX_JACK" and "not running" in text:
        return NotegenError(
            "the JACK server is not running: start it (e.g. `jackd -d alsa`, or "
            "`jackd -d dummy` without a sound card, or QjackCtl) and try again"
        )
    if api == "LINUX_ALSA" and "sequencer" in text:
        return NotegenError(
            "no ALSA sequencer (/dev/snd/seq): load it with `modprobe snd-seq`, "
            "or start JACK and use --api jack"
        )
    return NotegenError(f"MIDI ({api}): {text}")


def backend(api: str | None = None) -> Any:
    """A mido Backend on rtmidi for `api` (our short names)."""
    import mido

    return mido.Backend("mido.backends.rtmidi", api=resolve_api(api), load=True)


def list_ports(api: str | None = None) -> PortList:
    name = resolve_api(api)
    import rtmidi

    be = backend(api)
    try:
        with _quiet_stderr():
            inputs = be.get_input_names()
            outputs = be.get_output_names()
    except rtmidi.RtMidiError as err:
        raise _explain(err, name) from err
    return PortList(api=name, inputs=list(inputs), outputs=list(outputs))


def find_port(wanted: str, names: list[str], kind: str) -> str:
    """The port called `wanted`, else the one port whose name contains it."""
    if wanted in names:
        return wanted
    matches = [n for n in names if wanted.lower() in n.lower()]
    if len(matches) == 1:
        return matches[0]
    have = ", ".join(repr(n) for n in names) or "none"
    if matches:
        raise NotegenError(f"{kind} port {wanted!r} is ambiguous: it matches {have}")
    raise NotegenError(f"unknown {kind} port {wanted!r}; {kind} ports are: {have}")


def open_output(
    name: str | None = None,
    *,
    virtual: str | None = None,
    api: str | None = None,
    client_name: str = DEFAULT_CLIENT,
) -> Any:
    """An open mido output: a new virtual port called `virtual`, or the existing
    port `name` (exact or a unique part of it)."""
    return _open("output", name, virtual, api, client_name)


def open_input(
    name: str | None = None,
    *,
    virtual: str | None = None,
    api: str | None = None,
    client_name: str = DEFAULT_CLIENT,
    callback: Any = None,
) -> Any:
    """An open mido input (existing port by name, or a virtual one); `callback`
    receives each message on rtmidi's thread."""
    return _open("input", name, virtual, api, client_name, callback)


def _open(
    kind: str,
    name: str | None,
    virtual: str | None,
    api: str | None,
    client_name: str,
    callback: Any = None,
) -> Any:
    if (name is None) == (virtual is None):
        raise NotegenError(f"give either a port name or a virtual {kind} port name")
    api_name = resolve_api(api)
    import rtmidi

    be = backend(api)
    opener = be.open_output if kind == "output" else be.open_input
    extra = {"callback": callback} if callback is not None else {}
    try:
        with _quiet_stderr():
            if virtual is not None:
                if api_name == "WINDOWS_MM":
                    raise NotegenError(
                        "Windows MIDI has no virtual ports: install loopMIDI "
                        "(tobias-erichsen.de), create a port there and use --port NAME"
                    )
                return opener(virtual, virtual=True, client_name=client_name, **extra)
            names = be.get_output_names() if kind == "output" else be.get_input_names()
            found = find_port(name, list(names), kind)  # type: ignore[arg-type]
            return opener(found, **extra)
    except rtmidi.RtMidiError as err:
        raise _explain(err, api_name) from err
    except NotImplementedError as err:  # rtmidi on Windows: virtual ports unsupported
        raise NotegenError(
            "this MIDI system has no virtual ports; on Windows use loopMIDI and --port NAME"
        ) from err



# python-rtmidi's (callback, data) pairs of closed inputs, kept alive for good: see close_port
_RETIRED: list[tuple[Any, Any]] = []


def close_port(port: Any) -> None:
    """Close a port opened here. mido's rtmidi backend then deletes the rtmidi
    object at once, so its JACK or ALSA client and thread end now, not whenever
    the interpreter gets round to it.

    An input with a callback keeps python-rtmidi's (callback, data) tuple alive
    for good: closing the port or cancelling the callback frees that tuple,
    while JACK's thread may still be about to use it (a clock sends 24 messages
    a beat, and a loaded machine can hold that thread back). A freed tuple
    broke the interpreter's tuple free list, and notegen died with SIGSEGV at
    exit. Kept alive, a late message reaches mido's wrapper, which queues it
    harmlessly. The port is then cut off from new messages and a callback under
    way is let through before mido deletes the rtmidi object."""
    rt = getattr(port, "_rt", None)
    if getattr(port, "callback", None) is not None and rt is not None and not port.closed:
        keep_callback(rt)  # before close_port, which frees it
        rt.close_port()  # no new messages: rtmidi's thread skips a closed port
        time.sleep(0.05)  # without the GIL: a callback under way completes
    port.close()


def callback_pairs(rt: Any) -> list[tuple[Any, Any]]:
    """The (callback, data) tuple a python-rtmidi input holds (not exposed to Python,
    but its garbage-collector referents include it)."""
    return [r for r in gc.get_referents(rt) if isinstance(r, tuple) and len(r) == 2 and callable(r[0])]


def keep_callback(rt: Any) -> None:
    """Keep the (callback, data) tuple of the python-rtmidi input `rt` alive for
    good; call it before closing the port or cancelling the callback, whoever
    owns the input (see close_port)."""
    _RETIRED.extend(callback_pairs(rt))
