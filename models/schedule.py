"""Learning-rate schedules as pure functions of the step, so resuming a run needs
nothing but the step number (no scheduler object to save)."""

from __future__ import annotations

import math

SCHEDULES = ("cosine", "step", "constant")


def lr_at(
    step: int,
    total: int,
    base_lr: float,
    *,
    schedule: str = "cosine",
    warmup: int = 100,
    min_ratio: float = 0.1,
    gamma: float = 0.3,
) -> float:
    """Linear warmup over `warmup` steps (at most a tenth of the run), then cosine
    decay to `min_ratio * base_lr`, or `gamma` times lower at each third of the run
    ("step"), or flat ("constant")."""
    warm = max(1, min(warmup, total // 10))
    if step < warm:
        return base_lr * (step + 1) / warm
    progress = min(1.0, (step - warm) / max(1, total - warm))
    if schedule == "cosine":
        return base_lr * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))
    if schedule == "step":
        return base_lr * gamma ** min(2, int(progress * 3))
    return base_lr
