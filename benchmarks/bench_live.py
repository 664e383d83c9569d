"""Live timing: scheduled time of each MIDI event against when it was sent and
when an independent JACK receiver saw it.

Starts its own JACK server (dummy driver, unique name), a receiving rtmidi client
in this process, and plays notes through the real path of `notegen live`: a
generator thread, the bounded queue and the Player on an existing JACK port.
Runs at 120 and 240 BPM, idle and with two CPU-busy processes.

    python benchmarks/bench_live.py [--notes 1000] [--period 256] > benchmarks/live.md
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from fractions import Fraction

BUSY = "while True: pass"


def start_jack(period: int) -> subprocess.Popen:
    name = f"notegen-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    os.environ["JACK_DEFAULT_SERVER"] = name
    os.environ["JACK_NO_START_SERVER"] = "1"
    proc = subprocess.Popen(["jackd", "-n", name, "-d", "dummy", "-r", "48000", "-p", str(period)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    from notegen.live.ports import _jack_running

    for _ in range(150):
        if _jack_running():
            return proc
        time.sleep(0.1)
    raise SystemExit("jackd did not start")


def percentile(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def run(bpm: float, notes: int, busy: int) -> dict[str, float]:
    import rtmidi

    from notegen.live.feed import Generator
    from notegen.live.player import Player, QueueSource
    from notegen.live.ports import close_port, open_output
    from notetokens.score import Note

    got: list[tuple[float, list[int]]] = []
    lock = threading.Lock()

    def on_msg(event: tuple[list[int], float], data: object) -> None:
        t = time.perf_counter()
        with lock:
            got.append((t, event[0]))

    rx = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, "bench-rx", queue_size_limit=65536)
    rx.open_virtual_port("in")
    rx.set_callback(on_msg)
    hogs = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(busy)]
    try:
        port = open_output("bench-rx:in", api="jack")
        step = Fraction(1, 8)  # 32nd notes, each half as long, so ons and offs interleave
        source = (Note(i * step, 48 + (i * 5) % 36, step / 2) for i in range(notes))
        gen = Generator(source, lookahead=16)
        gen.start()
        player = Player(port, bpm=bpm, record=True, preroll=0.2, realtime=True)
        stats = player.play(QueueSource(gen.queue))
        time.sleep(0.3)
        close_port(port)
    finally:
        for h in hogs:
            h.kill()
            h.wait()
        rx.cancel_callback()
        rx.close_port()
        rx.delete()
    log = [e for e in stats.log or [] if e.message.type in ("note_on", "note_off")]
    send_err = [(e.sent - e.scheduled) * 1000 for e in log]
    # the receiver sees the same events in the same order: pair them one by one
    received = [(t, m) for t, m in got if m[0] & 0xE0 == 0x80]
    recv_err = [(t - e.scheduled) * 1000 for (t, _), e in zip(received, log, strict=False)]
    sounding: set[int] = set()
    ons = 0
    for _, m in received:
        if m[0] & 0xF0 == 0x90 and m[2] > 0:
            sounding.add(m[1])
            ons += 1
        else:
            sounding.discard(m[1])
    return {
        "notes": stats.notes, "lost": stats.notes - ons, "stuck": len(sounding),
        "send_med": statistics.median(send_err), "send_p99": percentile(send_err, 0.99),
        "send_max": max(send_err),
        "recv_med": statistics.median(recv_err), "recv_p99": percentile(recv_err, 0.99),
        "recv_max": max(recv_err), "underruns": stats.underruns,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--notes", type=int, default=1000)
    ap.add_argument("--period", type=int, default=256)
    args = ap.parse_args()
    jack = start_jack(args.period)
    try:
        print(f"JACK dummy driver, 48000 Hz, period {args.period} frames "
              f"({args.period / 48:.2f} ms); {args.notes} notes (32nds) per run; errors in ms\n")
        print("| BPM | load | notes | lost | stuck | send median | send p99 | send max "
              "| recv median | recv p99 | recv max |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for busy in (0, 2):
            for bpm in (120.0, 240.0):
                r = run(bpm, args.notes, busy)
                print(f"| {bpm:.0f} | {'2 busy' if busy else 'idle'} | {r['notes']} | {r['lost']} "
                      f"| {r['stuck']} | {r['send_med']:.3f} | {r['send_p99']:.3f} "
                      f"| {r['send_max']:.3f} | {r['recv_med']:.2f} | {r['recv_p99']:.2f} "
                      f"| {r['recv_max']:.2f} |", flush=True)
    finally:
        jack.terminate()
        jack.wait()


if __name__ == "__main__":
    main()
