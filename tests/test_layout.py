"""The project's import structure, read from the source with `ast`: imports run
one way (notetokens <- notegen.models <- notegen.live <- the root modules
notegen.api, notegen.tune, ... <- notegen.cli), no module imports itself through
others, and the command modules stay thin."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# source folder -> the package it installs as (pyproject.toml's package-dir), in
# layer order: a module imports only from its own layer and the layers before it.
# The root folder notegen/ (api.py, tune.py, synth.py, pianoroll.py) is the Python
# API over the library, and the commands use its media helpers (synth, pianoroll):
# it sits between live and cli. Its __init__ is a layer of its own, below all:
# it holds the version and lazy exports and imports no project module, so models
# and cli may read `notegen.__version__`.
PACKAGES = {
    "notetokens": "notetokens",
    "models": "notegen.models",
    "live": "notegen.live",
    "notegen": "notegen",
    "cli": "notegen.cli",
}
INIT = "notegen"  # the package's __init__ (layer -1)
COMMAND_FORBIDDEN = {"threading", "mido", "rtmidi", "torch"}
COMMAND_MAX_LINES = 250


def modules() -> dict[str, Path]:
    found = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).glob("*.py")):
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            found[name] = path
    return found


def imports_of(name: str, path: Path) -> set[str]:
    """Every module `path` imports anywhere (top level, functions, TYPE_CHECKING),
    relative imports resolved against its package."""
    package = name if path.stem == "__init__" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.add(target)
            out.update(f"{target}.{alias.name}" for alias in node.names)  # `from . import notes`
    return out


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {
        name: {m for m in imports_of(name, path) if m in mods and m != name} for name, path in mods.items()
    }


def layers() -> dict[str, int]:
    """Every module's layer: the index of its source folder in PACKAGES."""
    folders = list(PACKAGES)
    return {
        name: -1 if name == INIT else folders.index(path.parent.name) for name, path in modules().items()
    }


def against_the_layers(edges: dict[str, set[str]], layer: dict[str, int]) -> list[str]:
    """The imports that go from a layer to a later one."""
    return [f"{a} imports {b}" for a, targets in sorted(edges.items()) for b in sorted(targets)
            if layer[b] > layer[a]]


def test_the_source_folders_are_found() -> None:
    mods = modules()
    assert "notegen.live.session" in mods and "notegen.cli.live" in mods
    assert "notegen.live.session" in graph()["notegen.cli.live"]
    assert {"notegen", "notegen.api", "notegen.tune"} <= set(mods)


def test_every_module_has_a_layer_and_the_root_modules_sit_below_the_commands() -> None:
    layer = layers()
    order = ["notegen", "notetokens", "notegen.models.tunes", "notegen.live.session", "notegen.api",
             "notegen.cli.main"]
    assert [layer[m] for m in order] == [-1, 0, 1, 2, 3, 4]
    assert layer["notegen.tune"] == layer["notegen.synth"] == layer["notegen.api"]


def test_imports_run_one_way() -> None:
    wrong = against_the_layers(graph(), layers())
    assert not wrong, wrong


def test_an_import_against_the_layers_is_found() -> None:
    layer = layers()
    edges = {
        "notegen.tune": {"notetokens.notes", "notegen.cli.main"},  # the API may not use the commands
        "notegen.models.tunes": {"notegen.api"},  # nor the library the API
        "notegen.cli.sample_cmd": {"notegen.synth", "notegen.models.tunes", "notegen"},
    }
    assert against_the_layers(edges, layer) == [
        "notegen.models.tunes imports notegen.api",
        "notegen.tune imports notegen.cli.main",
    ]


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path a -> ... -> a, or None (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_find_cycle_finds_one() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(edges) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_among_the_project_modules() -> None:
    cycle = find_cycle(graph())
    assert cycle is None, " -> ".join(cycle or [])


OVER_LENGTH: dict[str, str] = {}  # known exceptions, each with its reason (none now)


def command_modules() -> list:
    return [
        pytest.param(p, marks=pytest.mark.xfail(reason=OVER_LENGTH[p.name], strict=True))
        if p.name in OVER_LENGTH else p
        for p in sorted((ROOT / "cli").glob("*.py"))
    ]


@pytest.mark.parametrize("path", command_modules(), ids=lambda p: p.name)
def test_command_modules_are_thin(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines < COMMAND_MAX_LINES, f"{path.name} has {lines} lines"
    heavy = {m.split(".")[0] for m in imports_of(f"notegen.cli.{path.stem}", path)} & COMMAND_FORBIDDEN
    assert not heavy, f"{path.name} imports {sorted(heavy)}: that belongs in a library package"
