"""The standard benchmark suite (`synceng bench [--quick] --json FILE`): each workload
beside its baseline in the same run, as a list of ``{"name", "unit", "value",
"extra"}`` entries (the format CI benchmark-tracking actions read).

Names: ``mock_render_ms_per_512``, ``ews_pages_per_s_http``, ``mfr_items_per_s``,
``naive_exchangelib_items_per_s``, ``mfr_ratio_vs_naive``,
``incremental_mailboxes_per_s``, ``archive_placements_per_s``, ``sim_acceleration``,
``sim_overhead_vs_client``.
"""

from __future__ import annotations

from datetime import timedelta

from bench.results import Echo, Result, Step, beside, result, run_steps


def renamed(result: Result, name: str) -> Result:
    return {**result, "name": name}


def simulation_figures(hours: float) -> list[Result]:
    """The site-sizing scenario (1,000 mailboxes, hourly MFR) for ``hours`` of
    simulated time, once: ``sim_acceleration`` (simulated seconds per wall second, and
    the checks' outcome) and ``sim_overhead_vs_client`` (the run's wall time over the
    bare exchangelib cost of the same EWS requests, replayed after it against canned
    answers: bench.client_floor)."""
    from bench.client_floor import RecordedSimulation, replay
    from scenarios.sim.builtin import resolve
    from scenarios.testbed import EWS_VERSION

    simulation = RecordedSimulation(resolve("site-sizing"), horizon=timedelta(hours=hours))
    run = simulation.run()
    floor = replay(simulation.recorder.kinds.values(), EWS_VERSION)
    stats = run.stats
    acceleration: Result = {
        "name": "sim_acceleration",
        "unit": "x real time",
        "value": stats["acceleration"],
        "extra": {
            "scenario": "site-sizing",
            "simulated_hours": hours,
            "wall_seconds": stats["wall_seconds"],
            "mailboxes": stats["mailboxes"],
            "mailbox_runs": stats["mailbox_runs"],
            "activity_events": stats["activity_events"],
            "ews_requests": stats["ews_requests"],
            "checks_passed": run.passed,
            "baseline": "real time (1.0)",
            "ratio_to_baseline": stats["acceleration"],
        },
    }
    mailbox_hours = stats["mailboxes"] * hours
    simulating = run.wall_seconds - simulation.build_seconds - simulation.finish_seconds
    overhead = result(
        "sim_overhead_vs_client",
        "ratio",
        run.wall_seconds / floor.seconds,
        scenario="site-sizing",
        simulated_hours=hours,
        wall_seconds=round(run.wall_seconds, 2),
        build_seconds=round(simulation.build_seconds, 2),
        checks_seconds=round(simulation.finish_seconds, 2),
        simulating_ratio=round(simulating / floor.seconds, 2),
        **beside(
            "exchangelib alone: the engine's EWS calls replayed against canned answers, "
            "the same number and kind of requests",
            "client_seconds",
            run.wall_seconds,
            floor.seconds,
        ),
        ews_requests=floor.requests,
        requests_per_mailbox_hour={
            op: round(entry["requests"] / mailbox_hours, 3) for op, entry in floor.by_operation.items()
        },
        client_by_operation=floor.by_operation,
        not_replayed=floor.not_replayed,
        replayed_calls=floor.replayed_calls,
        request_kinds=len(simulation.recorder.kinds),
    )
    return [acceleration, overhead]


def run_suite(quick: bool = False, echo: Echo = print) -> list[Result]:
    from bench.archive import run_archive_benchmarks
    from bench.ews import bench_http_pages, bench_render
    from bench.site import bench_initial, bench_unchanged

    items = 2_000 if quick else 10_000

    def initial() -> list[Result]:
        engine = bench_initial(5_000 if quick else 20_000)
        extra = engine["extra"]
        naive = {
            "name": "naive_exchangelib_items_per_s",
            "unit": "items/s",
            "value": extra["baseline_items_per_s"],
            "extra": {"what": extra["baseline"], "items": extra["items"], "transport": extra["transport"]},
        }
        ratio = {
            "name": "mfr_ratio_vs_naive",
            "unit": "ratio",
            "value": extra["ratio_to_baseline"],
            "extra": {"only_fields_ratio": extra["ratio_to_only_fields"]},
        }
        return [renamed(engine, "mfr_items_per_s"), naive, ratio]

    def archive() -> list[Result]:
        found = run_archive_benchmarks(quick=quick, echo=lambda _: None)
        ingest = next(r for r in found if r["name"] == "archive_ingest_placements_per_s")
        return [renamed(ingest, "archive_placements_per_s"), *(r for r in found if r is not ingest)]

    steps: list[Step] = [
        (
            "mock page render",
            lambda: renamed(bench_render(items, repeat=20 if quick else 101), "mock_render_ms_per_512"),
        ),
        (
            "EWS pages over HTTP",
            lambda: renamed(bench_http_pages(items, seconds=2.0 if quick else 8.0), "ews_pages_per_s_http"),
        ),
        ("MFR initial replication vs naive exchangelib", initial),
        (
            "unchanged incremental pass",
            lambda: renamed(bench_unchanged(20 if quick else 100), "incremental_mailboxes_per_s"),
        ),
        ("archive ingest and Full View", archive),
        ("site-sizing simulation, beside the bare client", lambda: simulation_figures(1.5 if quick else 24.0)),
    ]
    return run_steps("bench", steps, echo)


__all__ = ["run_suite", "simulation_figures"]
