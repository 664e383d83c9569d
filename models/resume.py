"""What a resumed training run keeps: its model's shape (preset), the settings its
saved state depends on (batch size, sequence length, seed, validation fraction),
and every setting the user does not give again (`notegen train --resume`)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import fields, replace
from pathlib import Path

from notetokens.errors import NotegenError

from . import checkpoint, ckpt_meta
from .config import PRESETS, ModelConfig, TrainConfig, preset
from .runfolder import LM, wrong_task


def check_lm_run(out_dir: str | Path) -> None:
    """Refuse to resume, as a language model, a run folder that holds another
    task's run (a `notegen classify fit` classifier): its weights would be
    counted against a config they do not describe."""
    last = Path(out_dir) / checkpoint.LAST
    if not last.is_file():
        return
    problem = wrong_task(last, str(checkpoint.read_meta(last).get("task", LM)), LM)
    if problem:
        raise NotegenError(problem)


def check_resume_preset(out_dir: str | Path, name: str) -> None:
    """Refuse to resume the run in `out_dir` as preset `name` when its model has
    another shape (a resumed run keeps the shape it was created with)."""
    last = Path(out_dir) / checkpoint.LAST
    if not last.is_file():
        return  # train() says there is nothing to resume
    saved = ModelConfig.from_dict(checkpoint.read_meta(last)["config"])
    wanted = preset(name).with_vocab(saved.vocab_size)
    if saved != wanted:
        was = next((k for k, v in PRESETS.items() if v.with_vocab(saved.vocab_size) == saved),
                   "a custom model")
        raise NotegenError(f"{last}: the run was made with preset {was}, not {name}; "
                           "resume without --preset, or start a new run in another folder")


# The settings a saved run's state depends on: the rows its step counter and carried
# hidden state point into (batch size, sequence length) and its validation split
# (seed, held-out fraction). A resumed run keeps them.
KEPT_ON_RESUME = {"batch_size": "batch size", "seq_len": "sequence length", "seed": "seed",
                  "val_fraction": "validation fraction"}


def saved_train_config(out_dir: str | Path) -> TrainConfig | None:
    """The settings the run in `out_dir` was trained with (None: no run there, or
    one saved before runs kept them)."""
    last = Path(out_dir) / checkpoint.LAST
    if not last.is_file():
        return None
    d = checkpoint.read_meta(last).get("train_config")
    if d is None:
        return None
    if not isinstance(d, dict):
        raise NotegenError(f"{last}: metadata 'train_config' is {ckpt_meta.kind(d)}, not an object")
    try:
        return TrainConfig.from_dict(d)
    except (NotegenError, TypeError, ValueError) as e:
        raise NotegenError(f"{last}: metadata 'train_config' is not a training config ({e})") from None


def resume_config(out_dir: str | Path, config: TrainConfig, given: Collection[str]) -> TrainConfig:
    """The settings of `--resume` in `out_dir`: the fields named in `given` (what
    the user set) from `config`, every other one from the saved run, so a resumed
    run goes on as it was made; `device` (the machine's) always from `config`, and
    `epochs` and `steps` as one bound (giving either replaces both). A given
    setting that the saved state depends on (KEPT_ON_RESUME) and differs from the
    saved one is refused, as another preset is."""
    check_lm_run(out_dir)
    if "preset" in given:
        check_resume_preset(out_dir, config.preset)
    saved = saved_train_config(out_dir)
    if saved is None:
        return config
    mine = {*given, "device"} | ({"epochs", "steps"} if {"epochs", "steps"} & set(given) else set())
    merged = replace(saved, **{f.name: getattr(config, f.name) for f in fields(TrainConfig)
                               if f.name in mine})
    check_kept(out_dir, saved, merged, "resume without {option}")  # only a given one can differ
    return merged


def check_kept(out_dir: str | Path, saved: TrainConfig, config: TrainConfig, hint: str) -> None:
    """Refuse `config` for resuming the run saved with `saved` where they differ
    in a setting the saved state depends on (KEPT_ON_RESUME). `hint` says what to
    do, with {option} (the command's), {name} and {value} (the saved one) filled in."""
    for name, words in KEPT_ON_RESUME.items():
        was, now = getattr(saved, name), getattr(config, name)
        if was != now:
            fix = hint.format(option="--" + name.replace("_", "-"), name=name, value=was)
            raise NotegenError(
                f"{Path(out_dir) / checkpoint.LAST}: the run was made with {words} {was}, not "
                f"{now}, and a resumed run keeps it; {fix}, or start a new run in another folder"
            )


def resumed_notation(out_dir: str | Path) -> str | None:
    """The notation of the run saved in `out_dir` (None: nothing saved there)."""
    last = Path(out_dir) / checkpoint.LAST
    check_lm_run(out_dir)
    return str(checkpoint.read_meta(last)["notation"]) if last.is_file() else None
