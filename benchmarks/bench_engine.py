"""The C engine (plugin/engine/) against the PyTorch streaming sampler, in one run,
per bundled model: characters per second of each, the compute floor beside them
(multiply-adds of one step over this machine's peak multiply-add rate, measured
here by a C kernel), the build variants' speed and logit error, and how often the
two engines write the same tune for the same seed (and whether the Python grammar
accepts every C tune: the full 200-seed check; tests/engine/test_seeds.py runs 20).

    python benchmarks/bench_engine.py [--chars 20000] [--seeds 200] [--text-seeds 20] [--models folk kjv]
    python benchmarks/bench_engine.py --agreement-only --models folk    # the 200 seeds alone
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

import numpy as np
import torch

from notegen.models.checkpoint import LoadedModel, load
from notegen.models.engine import Engine
from notegen.models.options import SampleOptions
from notegen.models.sampling import _writable, step_logits, stream
from notetokens import notes
from notetokens.errors import NotegenError
from notetokens.grammar import accepts, grammar_for

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "plugin" / "engine"
VARIANTS = {  # build folder -> flags
    "build": "-O3 -march=native -ffp-contract=fast",  # the default (Makefile OPT)
    "build-O2": "-O2 -march=native",
    "build-fastmath": "-O3 -march=native -ffast-math",
}
GATES = {"gru": 3, "lstm": 4, "rnn": 1}


def build(folder: str, flags: str) -> Path:
    command = ["make", "-s", "-C", str(ENGINE), f"BUILD={folder}", f"OPT={flags}", "all", "bench"]
    subprocess.run(command, check=True)
    return ENGINE / folder


def measure(args: list[str]) -> dict[str, float]:
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return {w[0]: float(w[-1]) for line in out.splitlines() if (w := line.split())}


def options(lm: LoadedModel, seed: int) -> SampleOptions:
    if lm.notation == "text":
        return SampleOptions(parts="one", seed=seed, max_chars=2000, min_notes=0, echo=0.0)
    return SampleOptions(parts="one", seed=seed)  # what `notegen sample` draws


def python_rate(lm: LoadedModel, chars: int) -> float:
    total, seed, t = 0, 0, time.perf_counter()
    while total < chars:
        total += sum(1 for _ in stream(lm, options=options(lm, seed)))
        seed += 1
    return total / (time.perf_counter() - t)


def binding_rate(engine: Engine, lm: LoadedModel, chars: int) -> float:
    total, seed, t = 0, 0, time.perf_counter()
    while total < chars:
        total += sum(1 for _ in engine.stream(options(lm, seed)))
        seed += 1
    return total / (time.perf_counter() - t)


def macs(lm: LoadedModel) -> tuple[int, int]:
    """Multiply-adds of one step: as the model is defined, and as the engine
    computes it (layer 0's input projection is a table lookup per id)."""
    c = lm.config
    g = GATES[c.cell]
    full = sum(g * c.hidden_size * ((c.embed_dim if k == 0 else c.hidden_size) + c.hidden_size)
               for k in range(c.num_layers)) + c.hidden_size * c.vocab_size
    return full, full - g * c.hidden_size * c.embed_dim


def logit_error(lm: LoadedModel, folder: Path, text: str) -> float:
    engine = Engine(lm.path, build=folder / "libnotegen_engine.so")  # type: ignore[arg-type]
    ref = step_logits(lm, text).numpy()
    engine.reset()
    got = [engine.step(1)] + [engine.step(lm.vocab.id(ch)) for ch in text]
    return float(np.abs(np.stack(got) - ref).max())


def accepted(lm: LoadedModel, opts: SampleOptions, tune: str) -> bool:
    """Whether the Python grammar reads `tune` as a whole tune, as the tests
    judge it (tests/engine/test_seeds.py): header, exact bars, an end where a
    bar is full (unless the tune stopped at the character cap), and whether
    notes.parse reads it. A text model's output has no grammar to pass."""
    if lm.notation == "text":
        return True
    fields = _writable(lm, opts.header())
    g = grammar_for(lm.notation, fields, min_bars=opts.bars or 0, alphabet=frozenset(lm.vocab.chars),
                    form=False)
    if g is None:
        return False
    g.begin()
    try:
        notes.parse(tune)
    except NotegenError:
        return False
    capped = opts.max_chars is not None and len(tune) >= opts.max_chars
    return accepts(g, tune, complete=not capped)


def agreement(lm: LoadedModel, engine: Engine, seeds: int) -> tuple[int, int]:
    """Of `seeds` seeds: how many give the same tune in C and in Python, and how
    many C tunes the Python grammar accepts."""
    same = read = 0
    for seed in range(seeds):
        opts = options(lm, seed)
        py, c = "".join(stream(lm, options=opts)), "".join(engine.stream(opts))
        same += py == c
        read += accepted(lm, opts, c)
    return same, read


def report_agreement(name: str, lm: LoadedModel, engine: Engine, seeds: int) -> None:
    same, read = agreement(lm, engine, seeds)
    print(f"{name}: same tune for the same seed: {same}/{seeds} ({100 * same / seeds:.1f}%); "
          f"C tunes the Python grammar accepts: {read}/{seeds} ({100 * read / seeds:.1f}%)")


def report(name: str, chars: int, seeds: int, builds: dict[str, Path], peak: float) -> None:
    lm = load(name)
    engine = Engine(name)
    full, computed = macs(lm)
    text = "".join(stream(lm, options=options(lm, 1)))[:300]
    print(f"\n## {name} ({lm.config.cell}, {lm.config.num_layers} x {lm.config.hidden_size}, "
          f"{lm.config.vocab_size} tokens)\n")
    print(f"multiply-adds per step: {full:,} as defined, {computed:,} computed "
          f"(layer 0's input projection looked up)")
    floor_us = computed / peak * 1e6
    print(f"compute floor: {floor_us:.1f} us/char ({computed:,} / {peak / 1e9:.1f} G multiply-adds/s)\n")
    print("| sampler | chars/s | us/char | x floor | step alone (us) | max logit diff vs PyTorch |")
    print("|---|---|---|---|---|---|")
    for folder_name, folder in builds.items():
        got = measure([str(folder / "driver"), "time", str(lm.path), str(chars)])
        us = 1e6 / got["sample_chars_per_s"]
        err = logit_error(lm, folder, text)
        rate = got["sample_chars_per_s"]
        print(f"| C {VARIANTS[folder_name]} | {rate:.0f} | {us:.1f} | {us / floor_us:.2f} "
              f"| {got['step_us']:.1f} | {err:.2e} |")
    c_binding = binding_rate(engine, lm, chars // 2)
    print(f"| C through ctypes (models/engine.py) | {c_binding:.0f} | {1e6 / c_binding:.1f} "
          f"| {1e6 / c_binding / floor_us:.2f} | | |")
    py = python_rate(lm, chars // 4)
    print(f"| PyTorch streaming sampler | {py:.0f} | {1e6 / py:.1f} | {1e6 / py / floor_us:.2f} | | |")
    print(f"\nC (default build, ctypes) is {c_binding / py:.1f}x the PyTorch sampler's rate.")
    if seeds:
        report_agreement(name, lm, engine, seeds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chars", type=int, default=20000)
    ap.add_argument("--seeds", type=int, default=200, help="seeds compared on a melody model")
    ap.add_argument("--text-seeds", type=int, default=20, help="seeds compared on a text model (2000 chars)")
    ap.add_argument("--models", nargs="+", default=["folk", "kjv"])
    ap.add_argument("--agreement-only", action="store_true",
                    help="only the same-seed comparison (no builds of the variants, no rates)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    if a.agreement_only:
        subprocess.run(["make", "-s", "-C", str(ENGINE), "all"], check=True)
        for name in a.models:
            lm = load(name)
            report_agreement(name, lm, Engine(name), a.text_seeds if lm.notation == "text" else a.seeds)
        return
    builds = {folder: build(folder, flags) for folder, flags in VARIANTS.items()}
    peak = max(measure([str(builds["build"] / "peak"), "20000000"])["peak_mac_per_s"] for _ in range(3))
    out = subprocess.run([str(builds["build"] / "peak"), "1000", "0.5", "5.4", "9.5"], capture_output=True,
                         text=True, check=True).stdout
    reads = ", ".join(f"{w[1]} MB at {float(w[2]) / 1e9:.0f} GB/s" for line in out.splitlines()
                      if (w := line.split())[0] == "read_bytes_per_s")
    print(f"peak multiply-add rate, one core: {peak / 1e9:.1f} G/s; reading an array of {reads}")
    for name in a.models:
        report(name, a.chars, a.text_seeds if load(name).notation == "text" else a.seeds, builds, peak)


if __name__ == "__main__":
    main()
