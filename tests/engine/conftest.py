"""The C engine's tests: build it with the machine's compiler (skipped where
there is none, except in CI) and open the bundled models in both engines."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ..conftest import ROOT, need

ENGINE = ROOT / "plugin" / "engine"
BUILD = ENGINE / "build"


def _make(*targets: str) -> Path:
    need(shutil.which("cc") is not None, "no C compiler (cc) to build the engine")
    need(shutil.which("make") is not None, "no make to build the engine")
    command = ["make", "-s", "-C", str(ENGINE), *targets]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return BUILD


@pytest.fixture(scope="session")
def built() -> Path:
    """The engine library, built (make is incremental)."""
    return _make("all") / "libnotegen_engine.so"


@pytest.fixture(scope="session")
def sanitized() -> Path:
    """The test driver built with AddressSanitizer and UBSan."""
    _make("sanitize")
    return BUILD / "driver_asan"


@pytest.fixture(scope="session")
def counting() -> Path:
    """The test driver with every heap call of the process counted."""
    _make("count")
    return BUILD / "driver_count"


@pytest.fixture(scope="session")
def folk(built):
    from notegen.models.checkpoint import load
    from notegen.models.engine import Engine

    return load("folk"), Engine("folk")


@pytest.fixture(scope="session")
def kjv(built):
    from notegen.models.checkpoint import load
    from notegen.models.engine import Engine

    return load("kjv"), Engine("kjv")
