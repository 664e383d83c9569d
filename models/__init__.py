"""notegen.models: the character language model (training, checkpoints, sampling,
evaluation). Names are imported on first use so `import notegen.models` does not
import torch. Submodules: config (ModelConfig, TrainConfig, presets), gru (the
model), data (training rows), precision (bf16 autocast), training (the loop),
trainreport (TrainProgress, TrainResult, ProgressBar), trainstate (what resume
restores), runlock (one run per folder), schedule, checkpoint, sampling,
evaluate."""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ModelConfig": "config",
    "PRESETS": "config",
    "CharRNN": "gru",
    "TrainConfig": "config",
    "TrainResult": "trainreport",
    "TrainProgress": "trainreport",
    "ProgressBar": "trainreport",
    "train": "training",
    "LoadedModel": "checkpoint",
    "load": "checkpoint",
    "save": "checkpoint",
    "stream": "sampling",
    "sample_text": "sampling",
    "bits_per_char": "evaluate",
    "validity_rate": "evaluate",
    "evaluate_model": "evaluate",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
