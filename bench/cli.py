"""The benchmarks' commands (``synceng bench …``): figures as JSON, never asserted.

Each suite's module is imported when its command runs, so ``synceng --help`` stays fast.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from engine.cliopts import options, results_options


@dataclass(frozen=True)
class Outputs:
    """What a bench command does with its results: --json, --compare and its options."""

    json_file: Path | None
    baseline: Path | None
    max_regression: str
    markdown_file: Path | None

    def finish(self, results: list[Any]) -> None:
        """Write the results (each saying what a comparison reads), then compare them
        with the baseline if one was given: exit 1 on a regression."""
        from bench.compare import CompareError, annotate, compare, load, markdown, parse_threshold, print_table
        from bench.results import write_results

        try:
            allowed = parse_threshold(self.max_regression)
            baseline = load(self.baseline) if self.baseline is not None else None
        except CompareError as exc:
            raise click.UsageError(str(exc)) from exc
        if self.json_file is not None:
            write_results(annotate(results), self.json_file)
            click.echo(f"results written to {self.json_file}")
        if baseline is None:
            return
        rows = compare(baseline, results, allowed)
        print_table(rows, click.echo)
        if self.markdown_file is not None:
            self.markdown_file.write_text(markdown(rows, allowed), encoding="utf-8")
        regressions = [row.name for row in rows if row.verdict == "regression"]
        if regressions:
            click.echo(
                f"{len(regressions)} figure(s) regressed by more than {self.max_regression}: {', '.join(regressions)}",
                err=True,
            )
            sys.exit(1)
        click.echo(f"no figure regressed by more than {self.max_regression}")


def _run(module: str, function: str, outputs: Outputs, quick: bool) -> None:
    """Run ``bench.<module>.<function>(quick=…, echo=…)``, then :meth:`Outputs.finish`."""
    outputs.finish(getattr(importlib.import_module(f"bench.{module}"), function)(quick=quick, echo=click.echo))


@click.group(invoke_without_command=True)
@options(*results_options())
@click.pass_context
def bench(
    ctx: click.Context,
    json_file: Path | None,
    quick: bool,
    baseline: Path | None,
    max_regression: str,
    markdown_file: Path | None,
) -> None:
    """Benchmarks (opt-in; results as JSON).  Without a subcommand: the standard suite —
    mock page render, EWS pages/s over HTTP, MFR initial replication vs naive exchangelib,
    the unchanged incremental pass, archive ingest, simulation acceleration and the
    simulation's overhead over the bare exchangelib client (one site), and multi-site
    sharded on one and two Dask workers."""
    if ctx.invoked_subcommand is None:
        _run("suite", "run_suite", Outputs(json_file, baseline, max_regression, markdown_file), quick)


@bench.command("ews")
@options(*results_options())
def bench_ews(json_file: Path | None, quick: bool, **comparison: Any) -> None:
    """Mock Exchange benchmarks: page render, exchangelib sync on both transports,
    pages/s over keep-alive HTTP, memory per stored message."""
    _run("ews", "run_ews_benchmarks", Outputs(json_file, **comparison), quick)


@bench.command("tenant")
@options(*results_options("Smaller profiles (a smoke check)."))
def bench_tenant(json_file: Path | None, quick: bool, **comparison: Any) -> None:
    """Tenant generation: generation + direct load rate and peak memory (medium
    profile), and the EWS population rate (small profile)."""
    _run("tenant", "run_tenant_benchmarks", Outputs(json_file, **comparison), quick)


@bench.command("site")
@options(*results_options())
def bench_site(json_file: Path | None, quick: bool, **comparison: Any) -> None:
    """Site engine: MFR initial replication beside naive exchangelib sync_items(), and
    an unchanged incremental pass (mailboxes/s, 20 folders each)."""
    _run("site", "run_site_benchmarks", Outputs(json_file, **comparison), quick)


@bench.command("archive")
@options(*results_options("A 10,000-placement mailbox instead of 50,000 (a smoke check)."))
def bench_archive(json_file: Path | None, quick: bool, **comparison: Any) -> None:
    """Archive platform: ingest rate over HTTP (placements/s, batched, SQLite) beside the
    store and bare sqlite3, an incremental run, and Full View query times."""
    _run("archive", "run_archive_benchmarks", Outputs(json_file, **comparison), quick)


@bench.command("scale")
@options(*results_options("Smaller runs (a smoke check)."))
@click.option(
    "--postgresql",
    metavar="URL",
    help="A PostgreSQL server of yours (postgresql+psycopg://…, its user may CREATE DATABASE); "
    "default: a throwaway server started here when Debian's postgresql is installed.",
)
def bench_scale(json_file: Path | None, quick: bool, postgresql: str | None, **comparison: Any) -> None:
    """The platform on several processes: archive ingest from several mailboxes at once
    and site polls at the console, on SQLite (one process) and PostgreSQL (one worker
    and two) — the figures of docs/scale.md."""
    from bench.scale import run_scale_benchmarks

    Outputs(json_file, **comparison).finish(run_scale_benchmarks(quick=quick, echo=click.echo, postgresql=postgresql))


@bench.command("compare")
@click.argument("baseline_file", metavar="BASELINE", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.argument("now_file", metavar="NOW", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--max-regression", default="10%", show_default=True, help="How much worse a figure may get.")
@click.option(
    "--markdown", "markdown_file", type=click.Path(dir_okay=False, path_type=Path), help="The table as Markdown too."
)
def bench_compare(baseline_file: Path, now_file: Path, max_regression: str, markdown_file: Path | None) -> None:
    """Two runs' --json files side by side, without running anything; exit 1 when a
    figure of NOW is worse than in BASELINE by more than --max-regression."""
    from bench.compare import CompareError, load

    try:
        now = load(now_file)
    except CompareError as exc:
        raise click.UsageError(str(exc)) from exc
    Outputs(None, baseline_file, max_regression, markdown_file).finish(now)


COMMANDS = (bench,)
