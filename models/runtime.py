"""Where training runs: the device (auto picks cuda, then mps, then cpu) and, when
launched by `torchrun`, the process group for DistributedDataParallel."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from notetokens.errors import NotegenError


def pick_device(name: str = "auto", local_rank: int = 0) -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", local_rank)
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError):
        raise NotegenError(f"unknown device {name!r}; use auto, cpu, cuda, cuda:N or mps") from None
    if device.type not in ("cpu", "cuda", "mps"):
        raise NotegenError(f"device {name!r} is not supported; use auto, cpu, cuda, cuda:N or mps")
    if device.type == "cpu" and device.index not in (None, 0):
        raise NotegenError(f"device {name!r}: there is one cpu device; use cpu")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise NotegenError("device cuda was asked for but CUDA is not available")
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", local_rank)
    if device.type == "cuda" and device.index >= torch.cuda.device_count():
        raise NotegenError(f"device {device} does not exist: {torch.cuda.device_count()} CUDA device(s) here")
    if device.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise NotegenError("device mps was asked for but MPS is not available")
    return device


@dataclass(frozen=True)
class Dist:
    """This process's place in a run: rank 0 of 1 unless launched by torchrun."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world > 1

    @property
    def main(self) -> bool:
        """Only the main process writes files and shows progress."""
        return self.rank == 0


def from_env() -> Dist:
    """torchrun sets RANK, WORLD_SIZE and LOCAL_RANK for every process it starts."""
    try:
        world = int(os.environ.get("WORLD_SIZE", "1"))
        rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", str(rank)))
    except ValueError:
        raise NotegenError("RANK, WORLD_SIZE and LOCAL_RANK must be integers") from None
    return Dist(rank, world, local)


def init(dist: Dist, device: torch.device) -> None:
    """Join the process group (nccl on CUDA, gloo elsewhere) unless already joined."""
    import torch.distributed as td

    if not dist.enabled or td.is_initialized():
        return
    if device.type == "cuda":
        torch.cuda.set_device(device)
    td.init_process_group("nccl" if device.type == "cuda" else "gloo")


def shutdown(dist: Dist) -> None:
    import torch.distributed as td

    if dist.enabled and td.is_initialized():
        td.destroy_process_group()


def barrier(dist: Dist) -> None:
    import torch.distributed as td

    if dist.enabled and td.is_initialized():
        td.barrier()
