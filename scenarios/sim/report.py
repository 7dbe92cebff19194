"""Reports of a scenario run: a terminal summary (rich), ``report.json``, ``trace.jsonl``
(deterministic: the same scenario and seed give the same file) and ``report.html`` with
plots (throughput over simulated time, execution durations, the activity backlog,
per-rule verdicts)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from rich.console import Console
from rich.table import Table

from .runner import RunResult

STYLE = {"pass": "green", "fail": "bold red", "not exercised": "dim"}


def trace_lines(result: RunResult) -> list[str]:
    return [json.dumps(entry, sort_keys=True, separators=(",", ":")) for entry in result.trace]


def trace_digest(result: RunResult) -> str:
    digest = hashlib.sha256()
    for line in trace_lines(result):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def print_summary(result: RunResult, console: Console | None = None) -> None:
    console = console or Console()
    data = result.to_json()
    stats = result.stats
    console.print(
        f"[bold]{result.scenario.name}[/bold] — seed {result.seed}, {result.horizon} simulated in "
        f"{result.wall_seconds:.1f} s wall ({data['acceleration']:,.0f}x real time)"
    )
    console.print(
        f"{stats['mailboxes']} mailboxes, {stats['messages_at_start']:,} messages at the start, "
        f"{stats['activity_events']:,} activity events, {stats['executions']} executions, "
        f"{stats['mailbox_runs']:,} mailbox runs {stats['mailbox_results']}, {stats['ews_requests']:,} EWS requests"
    )
    table = Table(title="Verdicts")
    table.add_column("rule")
    table.add_column("verdict")
    table.add_column("checked", justify="right")
    table.add_column("first failures")
    for rule, verdict in result.verdicts.items():
        status = verdict["status"]
        table.add_row(
            rule, f"[{STYLE[status]}]{status}[/]", str(verdict["checked"]), "; ".join(verdict["failures"][:2])
        )
    console.print(table)
    console.print("[bold green]all checks pass[/]" if result.passed else "[bold red]checks failed[/]")


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def plots(result: RunResult) -> dict[str, str]:
    """Base64 PNGs: throughput, execution durations, backlog, verdicts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    start = result.start
    hours = max(1, int(result.horizon.total_seconds() // 3600) + 1)
    per_hour = [0] * hours
    for entry in result.trace:
        if entry["event"] == "mailbox_done" and entry.get("result") == "Success":
            h = int((datetime.fromisoformat(entry["t"]) - start).total_seconds() // 3600)
            if 0 <= h < hours:
                per_hour[h] += 1
    out: dict[str, str] = {}
    fig, ax = plt.subplots(figsize=(8, 2.8))
    ax.plot(range(hours), per_hour, drawstyle="steps-post")
    ax.set_xlabel("simulated hour")
    ax.set_ylabel("mailboxes processed")
    ax.set_title("Throughput over simulated time")
    out["throughput"] = _png(fig)
    plt.close(fig)

    durations = [
        (datetime.fromisoformat(e["end"]) - datetime.fromisoformat(e["start"])).total_seconds()
        for e in result.stats.get("executions_detail", [])
        if e["end"]
    ]
    fig, ax = plt.subplots(figsize=(8, 2.8))
    ax.hist(durations or [0], bins=30)
    ax.set_xlabel("execution duration (simulated seconds)")
    ax.set_ylabel("executions")
    ax.set_title("Execution durations")
    out["durations"] = _png(fig)
    plt.close(fig)

    done = 0
    backlog = []
    events_per_hour = result.stats.get("activity_events", 0) / hours
    for h in range(hours):
        done += per_hour[h]
        backlog.append(max(0.0, events_per_hour * (h + 1) - done))
    fig, ax = plt.subplots(figsize=(8, 2.8))
    ax.plot(range(hours), backlog)
    ax.set_xlabel("simulated hour")
    ax.set_ylabel("activity not yet replicated (est.)")
    ax.set_title("Backlog")
    out["backlog"] = _png(fig)
    plt.close(fig)

    rules = list(result.verdicts)
    colors = {"pass": "tab:green", "fail": "tab:red", "not exercised": "lightgray"}
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.3 * len(rules)))
    ax.barh(
        rules,
        [max(1, result.verdicts[r]["checked"]) for r in rules],
        color=[colors[result.verdicts[r]["status"]] for r in rules],
    )
    ax.set_xscale("log")
    ax.set_xlabel("checks (log)")
    ax.set_title("Verdicts per rule")
    out["verdicts"] = _png(fig)
    plt.close(fig)
    return out


#: autoescaped: scenario names, descriptions and failure messages are text, never markup
_TEMPLATES = Environment(loader=PackageLoader("scenarios.sim", "templates"), autoescape=True, undefined=StrictUndefined)


def html_report(result: RunResult) -> str:
    return _TEMPLATES.get_template("report.html").render(
        scenario=result.scenario,
        seed=result.seed,
        horizon=result.horizon,
        wall_seconds=result.wall_seconds,
        acceleration=result.to_json()["acceleration"],
        passed=result.passed,
        verdicts=result.verdicts,
        figures=plots(result),
        stats=json.dumps({k: v for k, v in result.stats.items() if k != "executions_detail"}, indent=2),
    )


def write_reports(result: RunResult, directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": directory / "report.json",
        "trace": directory / "trace.jsonl",
        "html": directory / "report.html",
    }
    report = result.to_json()
    report["trace_sha256"] = trace_digest(result)
    paths["json"].write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    paths["trace"].write_text("\n".join(trace_lines(result)) + "\n", encoding="utf-8")
    paths["html"].write_text(html_report(result), encoding="utf-8")
    return paths


__all__ = ["html_report", "print_summary", "trace_digest", "write_reports"]
