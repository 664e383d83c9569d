"""Mixed precision for training: bfloat16 autocast where the hardware runs it fast
(CPUs with AVX512-BF16 or AMX, CUDA GPUs with bf16), fp32 everywhere else.

The weights, optimizer moments and gradients stay fp32 ("master weights"); only
the matrix products inside the forward and backward pass run in bfloat16. bf16
keeps fp32's exponent range, so no loss scaling is needed.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

import torch

from notetokens.errors import NotegenError

PRECISIONS = ("auto", "fp32", "bf16")
# Below this state width the casts cost more than bfloat16 saves (measured on a
# CPU with AMX: hidden 48 ran at 0.6x of fp32, 384 at 1.4-2x; benchmarks/models.md).
AUTO_MIN_HIDDEN = 256


def bf16_supported(device: torch.device) -> bool:
    """Whether `device` runs bfloat16 matrix products natively."""
    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    if device.type == "cpu":
        try:
            return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
        except (AttributeError, RuntimeError):
            return False
    return False


def resolve(precision: str, device: torch.device, hidden_size: int = AUTO_MIN_HIDDEN) -> str:
    """"fp32" or "bf16": `auto` picks bf16 where the device supports it and the
    model is wide enough to gain; asking for bf16 where it is not supported is an
    error rather than a silent slowdown."""
    if precision not in PRECISIONS:
        raise NotegenError(f"unknown precision {precision!r}; known: {', '.join(PRECISIONS)}")
    supported = bf16_supported(device)
    if precision == "auto":
        return "bf16" if supported and hidden_size >= AUTO_MIN_HIDDEN else "fp32"
    if precision == "bf16" and not supported:
        raise NotegenError(f"this {device.type} device has no fast bfloat16; use --precision fp32 or auto")
    return precision


def autocast(precision: str, device: torch.device) -> AbstractContextManager[Any]:
    """The context a training step's forward pass runs in (`precision` resolved)."""
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return nullcontext()
