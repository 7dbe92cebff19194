"""docs/rules.md — where each rule of domain.md lives — stays true (issue 11 item 9).

The table is the source: each row names a rule, the modules that implement it and the
tests (``file::function`` or ``file::Class::function``) that check it.  This module
checks:

* against domain.md, **when it is there**: every numbered rule of ``../shared/domain.md``
  (relative to the repository root; ids such as ``R1``, ``T10``, ``X2``, and ranges such
  as ``S1`` to ``S3`` written with an en dash) has a row in the table of domain.md's rules, that table holds nothing
  else, and the ids beyond domain.md are indeed not in it.  domain.md lives beside the
  checkout, not in it: on a clean clone (CI) it may be missing, and that one test is
  skipped;
* always, the table's own consistency: each listed module exists and mentions its
  rule's id; each listed test exists and cites the id in its name, docstring or body
  (decorators included); a rule has one row; a rule without an implementation or a test
  is listed under "Known gaps" with a written reason, and a gap listed there is really
  one.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "docs" / "rules.md"
DOMAIN = ROOT.parent / "shared" / "domain.md"
DOMAIN_SECTION = "Rules of domain.md"
BEYOND_SECTION = "Ids beyond domain.md"
GAPS_SECTION = "Known gaps"
#: a rule id as domain.md writes it, or a range of them (S1, an en dash, S3)
RULE_ID = re.compile(r"(?<![A-Za-z0-9])([A-Z])(\d{1,2})(?:\s*" "[\u2013-]" r"\s*\1(\d{1,2}))?(?![0-9])")


def rule_ids(text: str) -> set[str]:
    """Every rule id in ``text``, ranges expanded."""
    found = set()
    for letter, first, last in RULE_ID.findall(text):
        for number in range(int(first), int(last or first) + 1):
            found.add(f"{letter}{number}")
    return found


def cites(text: str, rule: str, ignore_case: bool = False) -> bool:
    """``text`` names ``rule`` on its own (T1 is not cited by T10 nor by PT1H; an
    underscore may touch it, as in test_R9_…)."""
    return re.search(rf"(?<![A-Za-z0-9]){rule}(?![0-9])", text, re.IGNORECASE if ignore_case else 0) is not None


@dataclass(frozen=True)
class Row:
    rule: str
    implementations: tuple[str, ...]
    tests: tuple[str, ...]


@dataclass(frozen=True)
class Gap:
    rule: str
    missing: str  # implementation | test | implementation and test
    reason: str


def sections(text: str) -> dict[str, list[list[str]]]:
    """Each ``##`` section's table rows (cells stripped), header and rule lines left out."""
    out: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    header = True
    for line in text.splitlines():
        if line.startswith("## "):
            current = out.setdefault(line[3:].strip(), [])
            header = True
        elif current is not None and line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if header:
                header = False  # the column names
            elif not all(set(c) <= {"-", ":"} for c in cells):
                current.append(cells)
    return out


def listed(cell: str) -> tuple[str, ...]:
    return tuple(re.findall(r"`([^`]+)`", cell))


def read_table(text: str) -> tuple[list[Row], list[Row], list[Gap]]:
    found = sections(text)
    for name in (DOMAIN_SECTION, BEYOND_SECTION, GAPS_SECTION):
        assert name in found, f"docs/rules.md has no '## {name}' section"

    def rows(name: str) -> list[Row]:
        out = []
        for cells in found[name]:
            assert len(cells) == 4, f"{name}: a row is | rule | what | implemented in | checked by |: {cells}"
            out.append(Row(cells[0], listed(cells[2]), listed(cells[3])))
        return out

    gaps = []
    for cells in found[GAPS_SECTION]:
        assert len(cells) == 3, f"{GAPS_SECTION}: a row is | rule | missing | reason |: {cells}"
        gaps.append(Gap(*cells))
    return rows(DOMAIN_SECTION), rows(BEYOND_SECTION), gaps


RULES, BEYOND, GAPS = read_table(TABLE.read_text(encoding="utf-8"))
ALL = RULES + BEYOND


def test_every_rule_of_domain_md_has_a_row() -> None:
    if not DOMAIN.exists():
        pytest.skip(f"{DOMAIN} is not beside this checkout (a clean clone): the table's consistency is checked alone")
    numbered = rule_ids(DOMAIN.read_text(encoding="utf-8"))
    in_table = {row.rule for row in RULES}
    assert sorted(numbered - in_table) == [], "rules of domain.md with no row in docs/rules.md"
    assert sorted(in_table - numbered) == [], f"not rules of domain.md: move them to '{BEYOND_SECTION}'"
    assert sorted({row.rule for row in BEYOND} & numbered) == [], f"numbered in domain.md: move to '{DOMAIN_SECTION}'"


def test_rule_ids_are_read_as_domain_md_writes_them() -> None:
    text = "T5: daily-many … (T1, T2) … Sync state (R6, R8) … (S1\u2013S3) … T10 (task log) … in 2.6.0, PT1H, v1.0"
    assert rule_ids(text) == {"T5", "T1", "T2", "R6", "R8", "S1", "S2", "S3", "T10"}
    assert cites("test_R9_delete", "R9") and cites("(T10)", "T10") and not cites("T10", "T1")
    assert not cites("PT1H", "T1") and cites("test_t5_weekly", "T5", ignore_case=True)


def test_a_rule_has_one_row() -> None:
    rules = [row.rule for row in ALL]
    assert sorted({r for r in rules if rules.count(r) > 1}) == []
    assert all(RULE_ID.fullmatch(r) for r in rules), "a rule cell holds one id"


@pytest.mark.parametrize("row", ALL, ids=lambda row: row.rule)
def test_a_listed_module_exists_and_mentions_its_rule(row: Row) -> None:
    for module in row.implementations:
        path = ROOT / module
        assert path.is_file(), f"{row.rule}: {module} does not exist"
        assert cites(path.read_text(encoding="utf-8"), row.rule), f"{row.rule}: {module} does not mention {row.rule}"


def find_test(reference: str) -> tuple[str, str] | None:
    """(name, source with decorators) of ``file::function`` or ``file::Class::function``."""
    path, _, qualified = reference.partition("::")
    file = ROOT / path
    if not qualified or not file.is_file():
        return None
    source = file.read_text(encoding="utf-8")
    scope: list[ast.stmt] = ast.parse(source).body
    node: ast.stmt | None = None
    for part in qualified.split("::"):
        node = next(
            (
                n
                for n in scope
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name == part
            ),
            None,
        )
        if node is None:
            return None
        scope = node.body if isinstance(node, ast.ClassDef) else []
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    start = min([d.lineno for d in node.decorator_list] + [node.lineno])
    return node.name, "\n".join(source.splitlines()[start - 1 : node.end_lineno])


@pytest.mark.parametrize("row", ALL, ids=lambda row: row.rule)
def test_a_listed_test_exists_and_cites_its_rule(row: Row) -> None:
    for reference in row.tests:
        found = find_test(reference)
        assert found is not None, f"{row.rule}: no test {reference}"
        name, source = found
        assert name.startswith("test"), f"{row.rule}: {reference} is not a test"
        assert cites(name, row.rule, ignore_case=True) or cites(source, row.rule), (
            f"{row.rule}: {reference} does not cite {row.rule} in its name, docstring or body"
        )


def test_a_rule_without_implementation_or_test_is_a_known_gap_with_a_reason() -> None:
    gaps = {gap.rule: gap for gap in GAPS}
    for row in ALL:
        missing = [what for what, have in (("implementation", row.implementations), ("test", row.tests)) if not have]
        gap = gaps.pop(row.rule, None)
        if missing:
            assert gap is not None, f"{row.rule} has no {' and no '.join(missing)}: add one, or a known gap"
            assert gap.missing == " and ".join(missing), f"{row.rule}: the gap says {gap.missing!r}"
            assert len(gap.reason) >= 20, f"{row.rule}: a known gap needs its reason written out"
        else:
            assert gap is None, f"{row.rule} is covered: remove it from the known gaps"
    assert gaps == {}, "known gaps for rules with no row"
