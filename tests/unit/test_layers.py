"""The layers stay apart (architecture.md promises 2 and 8), read from the source: the
mocks import nothing of the engine or the testbed, the engine nothing of the mocks,
the testbed or the benchmarks, a site nothing of the console or the archive, the wire
types nothing of either end.  Only ``synceng/`` (the command group
that composes the layers' commands) sees them all."""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[2]
#: package → the top-level packages (or subpackages) it must not import
FORBIDDEN = {
    "mockews": ("engine", "scenarios", "bench", "synceng"),
    "mockad": ("engine", "scenarios", "bench", "synceng"),
    "wsgiserver": ("engine", "mockews", "mockad", "scenarios", "bench", "synceng"),
    "clocks": ("engine", "mockews", "mockad", "scenarios", "bench", "synceng", "wsgiserver"),
    "engine": ("mockews", "mockad", "scenarios", "bench", "synceng"),
    "engine/site": ("engine.console", "engine.archive"),
    "scenarios": ("bench", "synceng"),
    "bench": ("synceng",),
    # the messages both ends share: neither end's code, nor the web framework (a site
    # reads them without it)
    "engine/wire": ("engine.console", "engine.archive", "engine.site", "engine.webapi", "flask"),
}


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
        for name in imported(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[package]):
                crossings.append(f"{path.relative_to(ROOT)}: {name}")
    assert crossings == []


def test_the_synceng_command_composes_each_layers_own_commands() -> None:
    """Issue 11 item 5: the engine's commands live in engine/cli.py, the testbed's in
    scenarios/cli.py, the benchmarks' in bench/cli.py; ``synceng`` shows all of them, and
    ``synceng serve`` holds the mocks' and the engine's serving commands."""
    from click.testing import CliRunner

    from synceng.cli import main

    assert set(main.commands) == {"serve", "console", "site", "db", "demo", "scenario", "populate", "up", "bench"}
    serve = main.commands["serve"]
    assert isinstance(serve, click.Group)
    assert set(serve.commands) == {"ews", "console", "archive"}
    composed = {name.split(".")[0] for name in imported(ROOT / "synceng" / "cli.py")}
    assert {"engine", "scenarios", "bench"} <= composed
    for option in ("--host", "--port", "--threads"):  # one listen() for every serving command
        for name in ("ews", "console", "archive"):
            assert option in CliRunner().invoke(main, ["serve", name, "--help"]).output
