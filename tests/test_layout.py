"""The project's import structure, read from the source with `ast`: imports run
one way (notetokens <- notegen.models <- notegen.live <- notegen.cli), no module
imports itself through others, and the command modules stay thin."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# source folder -> the package it installs as (pyproject.toml's package-dir)
PACKAGES = {
    "notetokens": "notetokens",
    "notegen": "notegen",
    "models": "notegen.models",
    "live": "notegen.live",
    "cli": "notegen.cli",
}
LAYERS = ["notetokens", "notegen.models", "notegen.live", "notegen.cli"]  # each imports only leftwards
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


def layer(module: str) -> int | None:
    for i, prefix in reversed(list(enumerate(LAYERS))):
        if module == prefix or module.startswith(prefix + "."):
            return i
    return None


def test_the_source_folders_are_found() -> None:
    mods = modules()
    assert "notegen.live.session" in mods and "notegen.cli.live" in mods
    assert "notegen.live.session" in graph()["notegen.cli.live"]


def test_imports_run_one_way() -> None:
    wrong = [
        f"{a} imports {b}"
        for a, targets in graph().items()
        for b in targets
        if layer(a) is not None and layer(b) is not None and layer(b) > layer(a)  # type: ignore[operator]
    ]
    assert not wrong, wrong


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
