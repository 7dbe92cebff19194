"""A benchmark run beside a baseline run (`synceng bench … --compare BASELINE.json`,
`synceng bench compare BASELINE NOW`): a table of each figure then and now, and a
verdict — a figure that got worse by more than the allowed regression fails the run.

What is compared is the ratio measured side by side in one run where a figure has one
(``extra.ratio_to_baseline``: the render time over lxml's bare parse, MFR over naive
exchangelib …), since those hold from one machine to another while absolute times
drift; otherwise the figure itself.  Whether higher or lower is better follows from the
unit (rates and accelerations up, times and sizes down) and, for plain ratios, from
the figure's name.  Written results say both (``compared``, ``better``) for each entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bench.results import Result

Better = Literal["higher", "lower"]
#: plain ratios where less is better (the others — speedups, MFR over naive — are gains)
LOWER_RATIOS = frozenset({"sim_overhead_vs_client"})
LOWER_UNITS = frozenset({"ms", "s", "bytes", "B", "MB", "MiB"})


class CompareError(Exception):
    """A baseline that cannot be read, or a threshold that makes no sense."""


def better(entry: Result) -> Better:
    unit = str(entry["unit"])
    if unit == "ratio":
        return "lower" if entry["name"] in LOWER_RATIOS else "higher"
    return "lower" if unit in LOWER_UNITS else "higher"


def compared(entry: Result) -> tuple[str, float]:
    """What is compared: the side-by-side ratio when the entry has one, else its value."""
    ratio = entry.get("extra", {}).get("ratio_to_baseline")
    if isinstance(ratio, int | float) and not isinstance(ratio, bool):
        return "ratio_to_baseline", float(ratio)
    return "value", float(entry["value"])


def annotate(results: list[Result]) -> list[Result]:
    """The results as written: each says what a comparison reads and which way is better."""
    return [{**entry, "compared": compared(entry)[0], "better": better(entry)} for entry in results]


@dataclass(frozen=True)
class Row:
    name: str
    compared: str  # "ratio_to_baseline", "value", or "" for a figure on one side only
    then: float | None
    now: float | None
    better: Better
    change: float | None  # (now - then) / then
    verdict: Literal["ok", "better", "worse", "regression", "new", "gone"]


def parse_threshold(text: str) -> float:
    """``10%`` or ``0.1`` → 0.1."""
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError as exc:
        raise CompareError(f"--max-regression: {text!r} is not a percentage such as 10%") from exc
    if not 0 <= value < 10:
        raise CompareError(f"--max-regression: {text!r} is out of range (0% to 1000%)")
    return value


def load(path: Path) -> list[Result]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CompareError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, list) or not all(
        isinstance(e, dict) and {"name", "unit", "value"} <= e.keys() for e in data
    ):
        raise CompareError(f"{path} is not a list of {{name, unit, value, extra}} results (synceng bench --json)")
    return data


def compare(baseline: list[Result], now: list[Result], max_regression: float) -> list[Row]:
    before = {e["name"]: e for e in baseline}
    rows = []
    for entry in now:
        old = before.pop(entry["name"], None)
        if old is None:
            rows.append(Row(entry["name"], "", None, compared(entry)[1], better(entry), None, "new"))
            continue
        kind, value = compared(entry)
        old_kind, old_value = compared(old)
        if old_kind != kind:  # the baseline run measured it otherwise: compare the figures
            kind, value, old_value = "value", float(entry["value"]), float(old["value"])
        change = (value - old_value) / old_value if old_value else None
        rows.append(
            Row(
                entry["name"],
                kind,
                old_value,
                value,
                better(entry),
                change,
                _verdict(change, better(entry), max_regression),
            )
        )
    rows += [Row(name, "", compared(e)[1], None, better(e), None, "gone") for name, e in before.items()]
    return rows


def _verdict(change: float | None, way: Better, allowed: float) -> Literal["ok", "better", "worse", "regression"]:
    if change is None:
        return "ok"
    gain = change if way == "higher" else -change
    if gain < -allowed:
        return "regression"
    return "better" if gain > allowed else ("worse" if gain < 0 else "ok")


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.4g}"


def table_rows(rows: list[Row]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for row in rows:
        change = "—" if row.change is None else f"{row.change:+.1%}"
        what = {"ratio_to_baseline": "side-by-side ratio", "value": "figure", "": ""}[row.compared]
        out.append(
            (row.name, what, _number(row.then), _number(row.now), change, f"{row.better} is better", row.verdict)
        )
    return out


HEADERS = ("figure", "compared", "baseline", "now", "change", "", "verdict")


def markdown(rows: list[Row], max_regression: float) -> str:
    lines = [
        f"### Benchmarks beside the baseline (a regression: worse by more than {max_regression:.0%})",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "|".join(["---"] * len(HEADERS)) + "|",
    ]
    for cells in table_rows(rows):
        marked = [*cells[:-1], f"**{cells[-1]}**" if cells[-1] == "regression" else cells[-1]]
        lines.append("| " + " | ".join(f"`{c}`" if i == 0 else c for i, c in enumerate(marked)) + " |")
    regressions = [r.name for r in rows if r.verdict == "regression"]
    lines += ["", f"{len(regressions)} regression(s)" + (": " + ", ".join(regressions) if regressions else ""), ""]
    return "\n".join(lines)


def print_table(rows: list[Row], echo: Any) -> None:
    """The table on the terminal (rich), the regressions in red."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Benchmarks beside the baseline")
    for header in HEADERS:
        table.add_column(header, justify="right" if header in ("baseline", "now", "change") else "left")
    for cells in table_rows(rows):
        style = "bold red" if cells[-1] == "regression" else ("green" if cells[-1] == "better" else None)
        table.add_row(*cells, style=style)
    console = Console(width=140, force_terminal=False)
    with console.capture() as captured:
        console.print(table)
    echo(captured.get().rstrip())
