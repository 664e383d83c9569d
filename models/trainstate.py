"""The trainer's resumable state as flat tensors plus JSON, so it fits in the same
safetensors file as the weights: optimizer moments, the RNG, the carried hidden
state, and the step counters."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from notetokens.errors import NotegenError

from .rnn import Hidden, hidden_from, hidden_tensors


def pack(
    optimizer: torch.optim.Optimizer, hidden: Hidden | None, device: torch.device
) -> tuple[dict[str, Tensor], dict[str, Any]]:
    """Tensors (names without the checkpoint's `_train.` prefix) and JSON fields."""
    sd = optimizer.state_dict()
    tensors: dict[str, Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for pid, state in sd["state"].items():
        for key, value in state.items():
            if isinstance(value, Tensor):
                tensors[f"optim.{pid}.{key}"] = value
            else:
                scalars.setdefault(str(pid), {})[key] = value
    tensors["rng.cpu"] = torch.get_rng_state()
    if device.type == "cuda":
        tensors["rng.cuda"] = torch.cuda.get_rng_state(device)
    if hidden is not None:
        for i, h in enumerate(hidden_tensors(hidden)):
            tensors[f"hidden.{i}"] = h
    meta = {"optim_groups": sd["param_groups"], "optim_scalars": scalars}
    return tensors, meta


def unpack(
    optimizer: torch.optim.Optimizer,
    tensors: dict[str, Tensor],
    meta: dict[str, Any],
    device: torch.device,
    cell: str,
) -> Hidden | None:
    """Restore the optimizer and RNG from `pack`'s output; return the saved hidden state."""
    state: dict[int, dict[str, Any]] = {}
    for name, value in tensors.items():
        kind, _, rest = name.partition(".")
        if kind == "optim":
            pid, _, key = rest.partition(".")
            state.setdefault(int(pid), {})[key] = value
    for pid, extra in meta.get("optim_scalars", {}).items():
        state.setdefault(int(pid), {}).update(extra)
    groups = meta.get("optim_groups")
    if not isinstance(groups, list):
        raise NotegenError("the checkpoint has no optimizer state; it cannot be resumed")
    for g in groups:
        if "betas" in g:
            g["betas"] = tuple(g["betas"])
    try:
        optimizer.load_state_dict({"state": state, "param_groups": groups})
    except (ValueError, KeyError) as e:
        raise NotegenError(f"the checkpoint's optimizer state does not fit this model ({e})") from None
    if "rng.cpu" in tensors:
        torch.set_rng_state(tensors["rng.cpu"].cpu())
    if "rng.cuda" in tensors and device.type == "cuda":
        torch.cuda.set_rng_state(tensors["rng.cuda"].cpu(), device)
    saved = [tensors[f"hidden.{i}"].to(device) for i in range(2) if f"hidden.{i}" in tensors]
    return hidden_from(saved, cell) if saved else None
