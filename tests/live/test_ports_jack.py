"""live/ports.py against a real JACK server (dummy driver): port lookup and
closing an input safely."""

from __future__ import annotations

import pytest

from notetokens.errors import NotegenError

pytestmark = pytest.mark.jack


def test_unknown_port_lists_ports(jack_server: str, receiver) -> None:
    from notegen.live.ports import open_output

    with pytest.raises(NotegenError, match=r"unknown output port 'nothing-here'.*receiver:recv"):
        open_output("nothing-here", api="jack")


def test_a_closed_input_keeps_its_callback_pair_alive(jack_server: str) -> None:
    """python-rtmidi frees an input's (callback, data) tuple when the callback is
    cancelled, while JACK's thread may still be about to use it; a freed tuple
    broke the interpreter's free list and notegen died with SIGSEGV at exit
    (1-6 in 100 stops following a clock, benchmarks/soak_live.md)."""
    from notegen.live import ports

    port = ports.open_input(virtual="keep", api="jack", client_name="keep-test", callback=lambda m: None)
    pairs = ports.callback_pairs(port._rt)
    assert len(pairs) == 1 and pairs[0][0].__self__ is port  # mido's wrapper, as python-rtmidi holds it
    ports.close_port(port)
    assert port.closed and any(kept is pairs[0] for kept in ports._RETIRED)
