"""One run folder, as training (`notegen train`) and classifier fitting
(`notegen classify fit`) both keep it: `best.safetensors` (the best validation
so far), `last.safetensors` (everything needed to resume), a lock while a run
uses it, and the messages that say what is wrong with it.

A run checks the folder before any work (something to resume, or a folder it
can create), locks it for the whole run (runlock.py), refuses to overwrite the
checkpoints of another run unless told to, and on resume reads its last
checkpoint back, refused when it is another task's or another notation's. It
saves through the folder: best when it improved (or there is none yet), then
last with the optimizer's state, each atomically; a file that cannot be written
is one line saying which checkpoint is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from notetokens.errors import NotegenError

from . import checkpoint, trainstate
from .ckpt_format import CheckpointMeta
from .rnn import Hidden
from .runlock import RunLock

LM, CLASSIFY = "lm", "classify"

# write(path, training-state tensors or None, extra metadata): one checkpoint file
Writer = Callable[[Path, "dict[str, Tensor] | None", "dict[str, Any]"], None]


def wrong_task(last: Path, found: str, wanted: str) -> str | None:
    """Why the run saved in `last` (a `found` run) cannot go on as a `wanted` one."""
    if found == wanted:
        return None
    if wanted == CLASSIFY:
        return f"{last}: a language model's run, not a classifier's"
    if found == CLASSIFY:
        return (f"{last}: a classifier run (notegen classify fit), not a language model's; "
                "resume it with `notegen classify fit --resume`, or train in another folder")
    return f"{last}: a {found!r} run, not a language model's; train in another folder"


class RunFolder:
    """The folder of one run of `task` ("lm" or "classify"). Under torchrun only
    rank 0 (`writer`) creates, locks and writes it; the others read."""

    def __init__(self, path: str | Path, task: str, *, writer: bool = True) -> None:
        self.path = Path(path)
        self.task = task
        self.writer = writer
        self.saved_step = 0  # the step of the last.safetensors on disk (0: none of this run)

    @property
    def best(self) -> Path:
        return self.path / checkpoint.BEST

    @property
    def last(self) -> Path:
        return self.path / checkpoint.LAST

    def check(self, resume: bool) -> None:
        """Before any work: something to resume, or a folder to write the run in."""
        if resume and not self.last.is_file():
            raise NotegenError(f"{self.path}: nothing to resume (no {checkpoint.LAST})")
        if self.writer and not resume:
            try:
                self.path.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise NotegenError(f"{self.path}: cannot create the folder ({e.strerror})") from None

    def lock(self) -> AbstractContextManager[Any]:
        """One run per folder at a time, held until the run ends."""
        return RunLock(self.path) if self.writer else nullcontext()

    def refuse_overwrite(self, overwrite: bool) -> None:
        """A new run does not replace another run's checkpoints unless told to."""
        if self.writer and not overwrite and (self.last.exists() or self.best.exists()):
            raise NotegenError(
                f"{self.path}: already holds a checkpoint; resume it or choose another folder"
            )

    def resume(self, device: torch.device, notation: str) -> tuple[dict[str, Tensor], CheckpointMeta]:
        """The tensors and metadata of the run to go on with, refused when it is
        another task's or was trained on another notation."""
        tensors, meta = checkpoint.read(self.last, device)
        problem = wrong_task(self.last, str(meta.get("task", LM)), self.task)
        if problem:
            raise NotegenError(problem)
        if meta.get("notation") != notation:
            raise NotegenError(f"{self.last}: was trained on notation "
                               f"{meta.get('notation')!r}, not {notation!r}")
        state = meta.get("train_state")
        self.saved_step = int(state.get("step", 0)) if isinstance(state, dict) else 0
        return tensors, meta

    def save(self, write: Writer, improved: bool, state: dict[str, Any],
             optimizer: torch.optim.Optimizer, device: torch.device,
             hidden: Hidden | None = None) -> None:
        """Best when `improved` (or there is none yet), then last with the
        training state (`state`, the optimizer and the carried hidden state)."""
        if not self.writer:
            return
        target = self.best
        try:
            if improved or not self.best.exists():
                write(self.best, None, {})
            target = self.last
            self._write_last(write, state, optimizer, device, hidden)
        except OSError as e:
            raise self._unwritten(target, e) from None

    def save_last(self, write: Writer, state: dict[str, Any], optimizer: torch.optim.Optimizer,
                  device: torch.device, hidden: Hidden | None = None) -> None:
        """Last alone: a run stopped mid-epoch saves where it is, to resume."""
        if not self.writer:
            return
        try:
            self._write_last(write, state, optimizer, device, hidden)
        except OSError as e:
            raise self._unwritten(self.last, e) from None

    def _write_last(self, write: Writer, state: dict[str, Any], optimizer: torch.optim.Optimizer,
                    device: torch.device, hidden: Hidden | None) -> None:
        tensors, opt_meta = trainstate.pack(optimizer, hidden, device)
        write(self.last, tensors, {**opt_meta, "train_state": state})
        self.saved_step = int(state["step"])

    def _unwritten(self, target: Path, e: OSError) -> NotegenError:
        kept = f"; {checkpoint.LAST} of step {self.saved_step} is kept" if self.saved_step else ""
        return NotegenError(f"{target}: cannot write the checkpoint ({e.strerror or e}){kept}")
