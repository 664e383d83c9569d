"""Ctrl-C, SIGTERM and SIGHUP during training: finish the step, save, and return
(the caller decides the exit status: `notegen train` and `classify fit` exit 130
for any of them, as for Ctrl-C); a second signal interrupts at once (a
KeyboardInterrupt, which the atomic checkpoint write cleans up after).

Without this a SIGTERM (a job scheduler, `kill`, `timeout`) or a closed terminal
ended the process wherever it was: nothing saved, and a checkpoint being written
left its temporary file behind."""

from __future__ import annotations

import signal
import threading
from typing import Any

STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


class StopOnSigint:
    """While entered, the first SIGINT, SIGTERM or SIGHUP asks the loop to stop
    after the current step (`requested`, and its name in `caught`); a second one
    interrupts at once. The previous handlers come back on exit. A signal the
    process was told to ignore (`nohup`'s SIGHUP) stays ignored. Only the main
    thread can own a signal handler: elsewhere this does nothing."""

    def __init__(self) -> None:
        self.requested = False
        self.caught: str | None = None
        self._old: dict[int, Any] = {}

    def __enter__(self) -> StopOnSigint:
        if threading.current_thread() is threading.main_thread():
            for name in STOP_SIGNALS:
                sig = getattr(signal, name, None)  # no SIGHUP on Windows
                if sig is not None and signal.getsignal(sig) is not signal.SIG_IGN:
                    self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        self.caught = signal.Signals(signum).name

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, signal.SIG_DFL if old is None else old)  # None: not set from Python
        self._old.clear()
