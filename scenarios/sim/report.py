"""Reports of a scenario run: a terminal summary (rich), ``report.json``, ``trace.jsonl``
(deterministic: the same scenario and seed give the same file) and ``report.html``
(templates/report.html): the verdicts, the changes not yet replicated and the
throughput over simulated time with the administrator's actions and fault windows
marked, the mailbox runs that did not replicate and why, each task and mailbox, the
execution durations and the run's figures."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from rich.console import Console
from rich.table import Table

from engine.durations import duration_text

from . import plots, report_data
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
        f"[bold]{result.scenario.name}[/bold] — seed {result.seed}, {duration_text(result.horizon)} simulated in "
        f"{duration_text(result.wall_seconds)} wall ({data['acceleration']:,.0f}x real time)"
    )
    console.print(
        f"{stats['mailboxes']} mailboxes, {stats['messages_at_start']:,} messages at the start, "
        f"{stats['activity_events']:,} changes people made, {stats['executions']} executions, "
        f"{stats['mailbox_runs']:,} mailbox runs ({report_data.results_text(Counter(stats['mailbox_results']))}), "
        f"{stats['ews_requests']:,} EWS requests"
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


def _context(result: RunResult) -> dict[str, Any]:
    """Everything the template shows (scenarios.sim.report_data computes it)."""
    end = result.start + result.horizon
    marks, windows = report_data.admin_marks(result), report_data.fault_windows(result)
    series = report_data.backlog(result)
    flow = report_data.throughput(result)
    took = report_data.durations(result)
    failed = [rule for rule, verdict in result.verdicts.items() if verdict["status"] == "fail"]
    return {
        "result": result,
        "scenario": result.scenario,
        "end": end,
        "acceleration": result.horizon.total_seconds() / max(result.wall_seconds, 1e-9),
        "failed": failed,
        "rule_titles": report_data.RULE_TITLES,
        "marks": marks,
        "windows": windows,
        "series": series,
        "throughput": flow,
        "unsuccessful": report_data.unsuccessful(result.observed),
        "tasks": report_data.task_rows(result),
        "mailboxes": report_data.mailbox_rows(result.observed),
        "figures": report_data.figures(result),
        "plots": {
            "backlog": plots.backlog_plot(series, result.start, end, marks, windows) if series else "",
            "throughput": plots.throughput_plot(flow, end, marks, windows) if flow.per_task else "",
            "durations": plots.durations_plot(took) if took else "",
        },
    }


#: autoescaped: scenario names, descriptions and failure messages are text, never markup
_TEMPLATES = Environment(loader=PackageLoader("scenarios.sim", "templates"), autoescape=True, undefined=StrictUndefined)
_TEMPLATES.filters.update(duration=duration_text, moment=report_data.moment)
_TEMPLATES.globals.update(counted=report_data.counted)


def html_report(result: RunResult) -> str:
    """One self-contained page (inline SVG plots and styles): it opens offline."""
    return _TEMPLATES.get_template("report.html").render(_context(result))


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
