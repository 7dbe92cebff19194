"""The benchmarks' commands (``synceng bench …``): figures as JSON, never asserted.

Each suite's module is imported when its command runs, so ``synceng --help`` stays fast.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import click

from engine.cliopts import options, results_options


def _run(module: str, function: str, json_file: Path | None, quick: bool) -> None:
    """Run ``bench.<module>.<function>(quick=…, echo=…)``; write its results if asked."""
    from bench.results import write_results

    results = getattr(importlib.import_module(f"bench.{module}"), function)(quick=quick, echo=click.echo)
    if json_file is not None:
        write_results(results, json_file)
        click.echo(f"results written to {json_file}")


@click.group(invoke_without_command=True)
@options(*results_options())
@click.pass_context
def bench(ctx: click.Context, json_file: Path | None, quick: bool) -> None:
    """Benchmarks (opt-in; results as JSON).  Without a subcommand: the standard suite —
    mock page render, EWS pages/s over HTTP, MFR initial replication vs naive exchangelib,
    the unchanged incremental pass, archive ingest, simulation acceleration and the
    simulation's overhead over the bare exchangelib client (one site), and multi-site
    sharded on one and two Dask workers."""
    if ctx.invoked_subcommand is None:
        _run("suite", "run_suite", json_file, quick)


@bench.command("ews")
@options(*results_options())
def bench_ews(json_file: Path | None, quick: bool) -> None:
    """Mock Exchange benchmarks: page render, exchangelib sync on both transports,
    pages/s over keep-alive HTTP, memory per stored message."""
    _run("ews", "run_ews_benchmarks", json_file, quick)


@bench.command("tenant")
@options(*results_options("Smaller profiles (a smoke check)."))
def bench_tenant(json_file: Path | None, quick: bool) -> None:
    """Tenant generation: generation + direct load rate and peak memory (medium
    profile), and the EWS population rate (small profile)."""
    _run("tenant", "run_tenant_benchmarks", json_file, quick)


@bench.command("site")
@options(*results_options())
def bench_site(json_file: Path | None, quick: bool) -> None:
    """Site engine: MFR initial replication beside naive exchangelib sync_items(), and
    an unchanged incremental pass (mailboxes/s, 20 folders each)."""
    _run("site", "run_site_benchmarks", json_file, quick)


@bench.command("archive")
@options(*results_options("A 10,000-placement mailbox instead of 50,000 (a smoke check)."))
def bench_archive(json_file: Path | None, quick: bool) -> None:
    """Archive platform: ingest rate over HTTP (placements/s, batched, SQLite) beside the
    store and bare sqlite3, an incremental run, and Full View query times."""
    _run("archive", "run_archive_benchmarks", json_file, quick)


@bench.command("scale")
@options(*results_options("Smaller runs (a smoke check)."))
@click.option(
    "--postgresql",
    metavar="URL",
    help="A PostgreSQL server of yours (postgresql+psycopg://…, its user may CREATE DATABASE); "
    "default: a throwaway server started here when Debian's postgresql is installed.",
)
def bench_scale(json_file: Path | None, quick: bool, postgresql: str | None) -> None:
    """The platform on several processes: archive ingest from several mailboxes at once
    and site polls at the console, on SQLite (one process) and PostgreSQL (one worker
    and two) — the figures of docs/scale.md."""
    from bench.results import write_results
    from bench.scale import run_scale_benchmarks

    results = run_scale_benchmarks(quick=quick, echo=click.echo, postgresql=postgresql)
    if json_file is not None:
        write_results(results, json_file)


COMMANDS = (bench,)
