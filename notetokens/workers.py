"""Worker processes that end with the command: corpus parsing and the judge's
sampling map a function over items in a process pool.

A bare `ProcessPoolExecutor` outlives a SIGTERM to its parent: the parent dies
at once and its workers, forked with its pipes, wait for work for ever. Here,
while the pool runs, SIGTERM and SIGHUP in the parent raise KeyboardInterrupt
(the command exits 130, as for Ctrl-C, writing nothing), and whatever ends the
map early (a signal, an error, a caller that stops) ends the workers before it
goes on: each finishes its item, or is terminated after two seconds. A worker
ignores Ctrl-C (its parent ends it) and, on Linux, asks the kernel for SIGTERM
if the parent dies without cleaning up (SIGKILL).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

STOP_SIGNALS = ("SIGTERM", "SIGHUP")  # SIGINT already raises KeyboardInterrupt
PR_SET_PDEATHSIG = 1


def pool_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    jobs: int,
    each: Callable[[R], None],
    *,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
) -> None:
    """`each(fn(item))` for every item in order, `fn` running in `jobs` worker
    processes; the workers are gone when this returns or raises."""
    start = (os.getpid(), initializer, initargs)
    pool = ProcessPoolExecutor(jobs, initializer=_start_worker, initargs=start)
    try:
        with _signals_raise():
            for result in pool.map(fn, items):
                each(result)
    except BaseException:
        _end_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(parent: int, initializer: Callable[..., object] | None, initargs: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent ends its workers itself
    for name in STOP_SIGNALS:  # not the parent's handler, copied by fork
        sig = getattr(signal, name, None)
        if sig is not None:
            signal.signal(sig, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request above
        os._exit(1)
    if initializer is not None:
        initializer(*initargs)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def _signals_raise() -> Iterator[None]:
    """SIGTERM and SIGHUP raise KeyboardInterrupt while entered (main thread
    only; a signal the process was told to ignore stays ignored)."""
    old: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for name in STOP_SIGNALS:
            sig = getattr(signal, name, None)
            if sig is not None and signal.getsignal(sig) is not signal.SIG_IGN:
                old[sig] = signal.signal(sig, _raise_interrupt)
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)


def _end_workers(pool: ProcessPoolExecutor, grace: float = 2.0) -> None:
    """Stop `pool` now: no new item starts, a worker finishes the item it is on
    (up to `grace` seconds; terminating it at once races the pool's own thread,
    which then fails to mark the cancelled items) and exits; one still busy
    after that is terminated."""
    procs = list(dict(getattr(pool, "_processes", None) or {}).values())  # CPython's, since 3.2
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + grace
    for p in procs:
        p.join(timeout=max(0.0, deadline - time.monotonic()))
    for p in procs:
        if p.is_alive():
            p.terminate()
            p.join(timeout=5)
