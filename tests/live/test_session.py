"""A live session's stop signals, in this process: SIGINT, SIGTERM and SIGHUP set
the stop event instead of raising, and a signal the process ignores stays ignored."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from notegen.live.session import StopSignals


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_sets_the_event_and_the_handlers_come_back(sig: signal.Signals) -> None:
    outer = signal.signal(sig, signal.SIG_DFL)  # as at a terminal (a background run may ignore it)
    before = signal.getsignal(sig)
    stop = threading.Event()
    try:
        with StopSignals(stop) as signals:
            os.kill(os.getpid(), sig)  # delivered to this (the main) thread before kill returns
            assert stop.wait(2.0)
            os.kill(os.getpid(), signal.SIGINT)  # a second one during the clean-up changes nothing
        assert signals.caught == sig.name
        assert signal.getsignal(sig) is before
    finally:
        signal.signal(sig, outer)


def test_an_ignored_signal_stays_ignored() -> None:
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    try:
        stop = threading.Event()
        with StopSignals(stop) as signals:
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGHUP)
            assert not stop.wait(0.2)
        assert signals.caught is None
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_off_the_main_thread_nothing_is_installed() -> None:
    seen = []

    def enter() -> None:
        with StopSignals(threading.Event()) as signals:
            seen.append(dict(signals._previous))

    t = threading.Thread(target=enter)
    t.start()
    t.join()
    assert seen == [{}]


def test_a_port_that_fails_to_open_after_ctrl_c_is_a_stop_not_an_error() -> None:
    from notegen.live.session import _unless_stopped
    from notetokens.errors import NotegenError

    def refused(*args: object, **kwargs: object) -> object:
        raise NotegenError("the JACK server is not running")  # what an interrupted connect says

    stop = threading.Event()
    with pytest.raises(NotegenError, match="not running"):
        _unless_stopped(stop, refused, "port", api="jack")  # no signal: the error stands
    assert _unless_stopped(stop, lambda name, api: (name, api), "port", api="jack") == ("port", "jack")
    stop.set()
    assert _unless_stopped(stop, refused, "port", api="jack") is None
