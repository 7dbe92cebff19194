"""The layers stay apart (architecture.md promises 2 and 8), read from the source: the
mocks import nothing of the engine or the testbed, the engine nothing of the mocks,
the testbed or the benchmarks, a site nothing of the console or the archive."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: package → the top-level packages (or subpackages) it must not import
FORBIDDEN = {
    "mockews": ("engine", "scenarios", "bench"),
    "mockad": ("engine", "scenarios", "bench"),
    "wsgiserver": ("engine", "mockews", "mockad", "scenarios", "bench"),
    "engine": ("mockews", "mockad", "scenarios", "bench"),
    "engine/site": ("engine.console", "engine.archive"),
}
#: the one module that still composes every package's commands (issue 11 splits the CLI)
COMPOSER = ROOT / "engine" / "cli.py"


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_nothing_across_its_layer(package: str) -> None:
    crossings = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if path == COMPOSER:
            continue
        for name in imported(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[package]):
                crossings.append(f"{path.relative_to(ROOT)}: {name}")
    assert crossings == []
