"""What every benchmark group shares: the result format (a list of ``{"name", "unit",
"value", "extra"}`` entries, which CI benchmark-tracking actions read), the median of
repeated timings, and running a group's steps while reporting each figure."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

Result = dict[str, Any]
Echo = Callable[[str], None]
Step = tuple[str, Callable[[], Result | list[Result]]]


def result(name: str, unit: str, value: float, **extra: object) -> Result:
    return {"name": name, "unit": unit, "value": round(value, 4), "extra": extra}


def beside(baseline: str, key: str, value: float, baseline_value: float, digits: int = 2) -> dict[str, object]:
    """What puts a figure beside its baseline, run side by side (never a wall-clock
    threshold): the baseline named, its own figure under ``key``, and the ratio."""
    return {
        "baseline": baseline,
        key: round(baseline_value, 4),
        "ratio_to_baseline": round(value / baseline_value, digits),
    }


def median_ms(run: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def run_steps(group: str, steps: Sequence[Step], echo: Echo) -> list[Result]:
    """Runs each (label, step) in order, echoing the label, then every figure the step
    produced with its ratio to its baseline."""
    out: list[Result] = []
    for label, step in steps:
        echo(f"{group}: {label} …")
        produced = step()
        for entry in produced if isinstance(produced, list) else [produced]:
            out.append(entry)
            extra = entry["extra"]
            ratio = extra.get("ratio_to_baseline", extra.get("ratio_inprocess_to_http"))
            ratio_text = f" (ratio {ratio})" if ratio is not None else ""
            echo(f"  {entry['name']}: {entry['value']} {entry['unit']}{ratio_text}")
    return out


def write_results(results: list[Result], path: Path) -> None:
    path.write_text(json.dumps(results, indent=2) + "\n")
