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


class StepClock:
    """Time that moves only when the player sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 1e-4)


class SilencingFails:
    """A port that plays notes but fails on every note-off or controller (the
    messages that silence), as a port whose server went away in between."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, msg: object) -> None:
        kind = getattr(msg, "type", "")
        if kind != "note_on":
            raise OSError(f"port gone\n(while sending {kind})")
        self.sent.append(kind)


def test_a_port_failing_during_the_clean_up_is_one_warning_line(capsys: pytest.CaptureFixture[str]) -> None:
    from fractions import Fraction

    from notegen.live.player import Player
    from notegen.live.session import played
    from notetokens.score import Note

    def model_fails():
        yield Note(Fraction(0), 60, Fraction(4))
        yield Note(Fraction(1), 64, Fraction(4))
        raise RuntimeError("model failed")

    clock = StepClock()
    port = SilencingFails()
    player = Player(port, clock=clock, sleep=clock.sleep, preroll=0.0)
    with pytest.raises(RuntimeError, match="model failed"):  # the first error is the one raised
        played(player, model_fails())
    assert port.sent and isinstance(player.stats.cleanup_error, OSError)
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "notegen: warning: notes may still sound: the port failed while silencing them "
        "(port gone (while sending note_off))"
    ]


def test_no_warning_when_the_clean_up_works(capsys: pytest.CaptureFixture[str]) -> None:
    from fractions import Fraction

    from notegen.live.player import Player
    from notegen.live.session import played
    from notetokens.score import Note

    class Port:
        def send(self, msg: object) -> None:
            pass

    def model_fails():
        yield Note(Fraction(0), 60, Fraction(4))
        raise RuntimeError("model failed")

    clock = StepClock()
    player = Player(Port(), clock=clock, sleep=clock.sleep, preroll=0.0)
    with pytest.raises(RuntimeError):
        played(player, model_fails())
    assert player.stats.cleanup_error is None and capsys.readouterr().err == ""


# --- the hidden --log-events output goes by the output rules (issue 12)


def test_a_bad_event_log_path_is_refused_before_a_port_opens(tmp_path) -> None:
    from notegen.live.session import LiveOptions
    from notetokens.errors import NotegenError

    with pytest.raises(NotegenError, match="is a directory"):
        LiveOptions(log_events=str(tmp_path)).check()
    with pytest.raises(NotegenError, match="does not exist"):
        LiveOptions(log_events=str(tmp_path / "no" / "log.jsonl")).check()
    protected = tmp_path / "old.jsonl"
    protected.write_text("old\n")
    protected.chmod(0o444)
    with pytest.raises(NotegenError, match="write-protected"):
        LiveOptions(log_events=str(protected)).check()
    LiveOptions(log_events=str(tmp_path / "new.jsonl")).check()


def test_the_event_log_is_written_whole_through_a_temporary_file(tmp_path, monkeypatch) -> None:
    import json

    import mido

    from notegen.live.player import PlayStats, SentEvent
    from notegen.live.session import _write_log

    log = tmp_path / "log.jsonl"
    log.write_text("old\n")
    stats = PlayStats(log=[SentEvent(1.0, 1.001, mido.Message("note_on", note=60, velocity=64))])
    renamed: list[tuple[str, str]] = []
    replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (renamed.append((str(a), str(b))), replace(a, b)))
    _write_log(str(log), stats, [(None, 1.0), (2.5, 0.8)])
    assert [json.loads(line) for line in log.read_text().splitlines()] == [
        {"scheduled": 1.0, "sent": 1.001, "bytes": [144, 60, 64]},
        {"time": None, "temperature": 1.0},
        {"time": 2.5, "temperature": 0.8},
    ]
    assert len(renamed) == 1 and renamed[0][1] == str(log)  # renamed into place, not opened "w"
    assert [p.name for p in tmp_path.iterdir()] == ["log.jsonl"]
