"""The standard benchmark suite (`synceng bench [--quick] --json FILE`): each workload
beside its baseline in the same run, as a list of ``{"name", "unit", "value",
"extra"}`` entries (the format CI benchmark-tracking actions read).

Names: ``mock_render_ms_per_512``, ``ews_pages_per_s_http``, ``mfr_items_per_s``,
``naive_exchangelib_items_per_s``, ``mfr_ratio_vs_naive``,
``incremental_mailboxes_per_s``, ``archive_placements_per_s``, ``sim_acceleration``,
``sim_overhead_vs_client``, ``sim_acceleration_sharded``, ``shard_speedup``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bench.results import Echo, Result, Step, beside, result, run_steps

if TYPE_CHECKING:
    from scenarios.sim.spec import Scenario


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
    if floor.seconds <= 0:  # site-sizing's first run starts after its first hour
        raise ValueError(f"{hours} simulated hours of site-sizing sent no EWS request: give at least 1.5")
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


def scaled(scenario: Scenario, per_site: int) -> Scenario:
    """The scenario with ``per_site`` mailboxes at each site (and a tenant of just those)."""
    sites = [site.model_copy(update={"mailboxes": per_site}) for site in scenario.sites]
    tenant = scenario.tenant.model_copy(update={"mailboxes": per_site * len(sites), "groups": len(sites)})
    return scenario.model_copy(update={"sites": sites, "tenant": tenant})


def sharded(quick: bool) -> list[Result]:
    """The multi-site scenario (10 sites x 200 mailboxes, a day; --quick: 10 mailboxes
    a site, an hour) sharded by site on a local Dask cluster of one worker and of two,
    side by side: the two-worker run's acceleration, and the speedup (one-worker wall
    time / two-worker wall time; each counts its cluster's start and the shards'
    tenant builds).  Whether both merged results are equal is said too."""
    from scenarios.sim.builtin import resolve
    from scenarios.sim.sharding import comparable, run_sharded

    scenario = resolve("multi-site")
    horizon = None
    if quick:
        scenario, horizon = scaled(scenario, 10), timedelta(hours=1)
    one = run_sharded(scenario, horizon=horizon, workers=1)
    two = run_sharded(scenario, horizon=horizon, workers=2)
    speedup = one.wall_seconds / max(two.wall_seconds, 1e-9)
    common = {
        "scenario": scenario.name,
        "mailboxes": two.stats["mailboxes"],
        "sites": len(scenario.sites),
        "simulated_hours": two.horizon.total_seconds() / 3600,
        "checks_passed": one.passed and two.passed,
        "equal_results": comparable(one) == comparable(two),
    }
    return [
        {
            "name": "sim_acceleration_sharded",
            "unit": "x real time",
            "value": two.stats["acceleration"],
            "extra": {
                **common,
                "workers": 2,
                "shards": [s["sites"] for s in two.shards],
                "wall_seconds": round(two.wall_seconds, 2),
                "baseline": "the same run on one worker",
                "baseline_acceleration": one.stats["acceleration"],
                "ratio_to_baseline": round(speedup, 2),
            },
        },
        {
            "name": "shard_speedup",
            "unit": "ratio",
            "value": round(speedup, 2),
            "extra": {
                **common,
                "one_worker_wall_seconds": round(one.wall_seconds, 2),
                "two_worker_wall_seconds": round(two.wall_seconds, 2),
                "shard_wall_seconds": [s["wall_seconds"] for s in two.shards],
            },
        },
    ]


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
        ("sharded simulation (multi-site, one worker and two)", lambda: sharded(quick)),
    ]
    return run_steps("bench", steps, echo)


__all__ = ["run_suite", "sharded", "simulation_figures"]
