"""Soak test of stopping `notegen live`: N Ctrl-C (SIGINT) stops in a row under
a real JACK server, counting native aborts and notes left sounding.

Starts its own JACK server (dummy driver, unique name) and a receiving rtmidi
client that tracks note on/off per channel and pitch. Each round starts
`notegen live --port <receiver>` with the bundled folk model and a new seed,
and sends SIGINT at a different moment: every fourth round while the model is
still loading (before any port is open), the others after 1 to 8 notes have
arrived. A round fails when notegen exits other than 0 (an abort is a negative
return code, e.g. -6), prints "terminate called" or a traceback, or leaves a
note sounding at the receiver.

With --sync, notegen also follows a MIDI clock
(`--sync --input soak-clock:clock`): the soak sends 24 clock messages a
beat into notegen's input, and a start until the first note arrives, so every
stop lands while JACK's thread is calling notegen's input callback.

    python benchmarks/soak_live.py [--rounds 100] [--model folk] [--minutes M] [--sync] > out.md
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

NOTE_ON, NOTE_OFF, CC = 0x90, 0x80, 0xB0


def start_jack() -> subprocess.Popen:
    name = f"notegen-soak-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    os.environ["JACK_DEFAULT_SERVER"] = name
    os.environ["JACK_NO_START_SERVER"] = "1"
    proc = subprocess.Popen(["jackd", "-n", name, "-t", "5000", "-d", "dummy", "-r", "48000", "-p", "256"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    from notegen.live.ports import _jack_running

    for _ in range(150):
        if _jack_running():
            return proc
        time.sleep(0.1)
    raise SystemExit("jackd did not start")


class Tracker:
    """A JACK MIDI input that counts note-ons and keeps the notes still sounding."""

    def __init__(self) -> None:
        import rtmidi

        self.midi = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, "soak", queue_size_limit=65536)
        self.midi.open_virtual_port("in")
        self.port = "soak:in"
        self.lock = threading.Lock()
        self.ons = self.all_off = 0
        self.sounding: dict[tuple[int, int], int] = {}
        self.midi.set_callback(self._got)

    def reset(self) -> None:
        with self.lock:
            self.ons = self.all_off = 0
            self.sounding.clear()

    def _got(self, event: tuple[list[int], float], data: object) -> None:
        m = event[0]
        kind, channel = m[0] & 0xF0, m[0] & 0x0F
        with self.lock:
            if kind == NOTE_ON and m[2] > 0:
                self.ons += 1
                self.sounding[(channel, m[1])] = self.sounding.get((channel, m[1]), 0) + 1
            elif kind in (NOTE_OFF, NOTE_ON):
                self.sounding.pop((channel, m[1]), None)
            elif kind == CC and m[1] == 123:
                self.all_off += 1

    def close(self) -> None:
        from notegen.live.ports import keep_callback

        keep_callback(self.midi)  # JACK's thread may still be about to call it
        self.midi.cancel_callback()
        self.midi.close_port()
        self.midi.delete()


class Clock:
    """A JACK MIDI output sending beat clock (24 a beat at `bpm`) from its own thread,
    and a start message whenever `want_start` is set."""

    def __init__(self, bpm: float = 300) -> None:
        import rtmidi

        self.midi = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, "soak-clock")
        self.midi.open_virtual_port("clock")
        self.port = "soak-clock:clock"
        self.period = 60 / bpm / 24
        self.want_start = threading.Event()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        due = time.monotonic()
        ticks = 0
        while not self.done.is_set():
            if self.want_start.is_set() and ticks % 12 == 0:  # a start every half beat
                self.midi.send_message([0xFA])
            self.midi.send_message([0xF8])
            ticks += 1
            due += self.period
            time.sleep(max(0.0, due - time.monotonic()))

    def close(self) -> None:
        self.done.set()
        self.thread.join()
        self.midi.close_port()
        self.midi.delete()


def _as_in_a_terminal() -> None:
    """Ctrl-C as a user at a terminal has it: a soak started in the background by
    a shell without job control would hand notegen SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def one_round(i: int, model: str, tracker: Tracker, rng: random.Random,
              clock: Clock | None = None) -> dict[str, object]:
    tracker.reset()
    notegen = str(Path(sys.executable).parent / "notegen")
    cmd = [notegen, "live", "--model", model, "--api", "jack", "--port", tracker.port,
           "--seed", str(i), "--bpm", "300"]
    if clock:
        cmd += ["--sync", "--input", clock.port]
        clock.want_start.set()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONFAULTHANDLER": "1"},
                            preexec_fn=_as_in_a_terminal)
    early = i % 4 == 0
    if early:
        time.sleep(rng.uniform(0.2, 1.5))  # still importing torch or loading the model
    else:
        want = rng.randint(1, 8)
        deadline = time.monotonic() + 60
        while tracker.ons < want and proc.poll() is None and time.monotonic() < deadline:
            if clock and tracker.ons:
                clock.want_start.clear()
            time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    if clock:
        clock.want_start.clear()
    try:
        _out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        _out, err = proc.communicate()
        err += "\n(hung: killed after 60 s)"
    time.sleep(0.2)  # the last JACK periods reach the tracker
    with tracker.lock:
        stuck = sum(tracker.sounding.values())
        ons = tracker.ons
    # SIGINT while Python itself starts, before any notegen code runs, ends the
    # way it ends for every Python program: KeyboardInterrupt in an import, exit
    # by SIGINT (-2). SIGINT while click parses: the CLI's "aborted", exit 130.
    startup = (proc.returncode == -2 and ons == 0 and err.rstrip().endswith("KeyboardInterrupt")
               and "cli/live.py" not in err and "session.py" not in err)
    before_command = startup or (proc.returncode == 130 and ons == 0 and "Traceback" not in err)
    native = "terminate called" in err or "Fatal Python error" in err
    abort = (proc.returncode < 0 and not startup) or native
    traceback = "Traceback" in err and not startup
    bad = (proc.returncode != 0 and not before_command) or abort or stuck or traceback
    return {"round": i, "early": early, "rc": proc.returncode, "abort": abort, "stuck": stuck,
            "before_command": before_command,
            "ons": ons, "bad": bool(bad), "err": err.strip().splitlines()[-3 if not bad else -60:]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--model", default="folk")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--minutes", type=float, help="stop after this long (a busy machine) and report")
    ap.add_argument("--sync", action="store_true", help="notegen follows the soak's MIDI clock")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    jack = start_jack()
    tracker = Tracker()
    clock = Clock() if args.sync else None
    results = []
    started = time.monotonic()
    try:
        for i in range(args.rounds):
            if args.minutes and time.monotonic() - started > args.minutes * 60:
                break
            r = one_round(i, args.model, tracker, rng, clock)
            results.append(r)
            status = f"FAILED {r}" if r["bad"] else f"ok rc={r['rc']} notes={r['ons']}"
            print(f"round {i} ({time.monotonic() - started:.0f} s): {status}", file=sys.stderr, flush=True)
    finally:
        if clock:
            clock.close()
        tracker.close()
        jack.terminate()
        jack.wait()
    minutes = (time.monotonic() - started) / 60
    aborts = sum(bool(r["abort"]) for r in results)
    nonzero = sum(r["rc"] != 0 for r in results)
    stuck = sum(int(r["stuck"]) for r in results)  # type: ignore[call-overload]
    bad = sum(bool(r["bad"]) for r in results)
    early = sum(bool(r["early"]) for r in results)
    played = [int(r["ons"]) for r in results if not r["early"]]  # type: ignore[call-overload]
    mode = "; --sync, following the soak's clock" if args.sync else ""
    print(f"JACK dummy driver (48000 Hz, period 256, client timeout 5 s); model {args.model}{mode}; "
          f"{len(results)} rounds in {minutes:.1f} min; SIGINT while loading in {early}, "
          "after 1-8 notes in the others\n")
    before = sum(bool(r["before_command"]) for r in results)
    print("| rounds | aborts | exit != 0 | of those, stopped before notegen's code ran (-2, 130) "
          "| notes left sounding | failed rounds | notes per playing round |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {len(results)} | {aborts} | {nonzero} | {before} | {stuck} | {bad} "
          f"| {min(played, default=0)}-{max(played, default=0)} |")


if __name__ == "__main__":
    main()
