"""Ctrl-C during training: finish the step, save, and return (the caller decides
the exit status); a second Ctrl-C interrupts at once."""

from __future__ import annotations

import signal
import threading
from typing import Any


class StopOnSigint:
    """The first Ctrl-C asks the loop to stop after the current step; a second one
    interrupts at once. Only the main thread can own a signal handler."""

    def __init__(self) -> None:
        self.requested = False
        self._old: Any = None

    def __enter__(self) -> StopOnSigint:
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
