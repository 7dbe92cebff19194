"""No function in engine/ runs over 80 lines (issue 11's done-when): a longer one is
split into the steps of what it does, each named.  Read from the source, decorators
included."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 80


def long_functions(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            length = (node.end_lineno or node.lineno) - start + 1
            if length > LIMIT:
                found.append(f"{node.name} ({length} lines, line {start})")
    return found


def test_no_function_in_the_engine_is_over_80_lines() -> None:
    over = {}
    for path in sorted((ROOT / "engine").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if long_functions(path):
            over[name] = long_functions(path)
    assert over == {}, f"split these into named steps (at most {LIMIT} lines each)"


def test_the_length_check_counts_decorators_and_bodies(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    body = "\n".join(f"    x{n} = {n}" for n in range(LIMIT - 2))
    probe.write_text(f"@decorated\ndef long():\n{body}\n\ndef short():\n    pass\n")
    assert long_functions(probe) == []
    probe.write_text(f"@decorated\ndef long():\n{body}\n    extra = 1\n")
    assert long_functions(probe) == [f"long ({LIMIT + 1} lines, line 1)"]
