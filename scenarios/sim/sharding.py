"""A scenario sharded by site on Dask distributed (``synceng scenario run FILE
--workers N`` starts a local cluster of N worker processes; ``--scheduler
tcp://HOST:8786`` uses a running one).

Sites are independent when each has its own mailboxes (``mailboxes: N`` on the site,
``site_mailboxes`` groups): no task reaches another site's mailbox, and a mailbox's
world does not depend on which others are acted out (scenarios.sim.activity).  So
each shard is a whole simulation of the same scenario and seed
(:class:`~scenarios.sim.runner.Simulation` with ``local_sites``): the same tenant
(its own mailboxes' content generated, the others empty), every site, task and
administrator action on its console (so every id is the unsharded run's), but only
its sites' engines, its mailboxes' activity and its tasks' verdicts.  Mail between
mailboxes of different shards arrives on both sides: every shard draws every
mailbox's schedule.  The runner merges the shards' verdicts, figures, measured
changes and rows, traces and timeline into one result — equal to the unsharded run's
(:func:`comparable` says what "equal" compares).

Dask is an optional extra (``pip install 'synceng[dask]'``), imported only here and
only when a sharded run starts.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .observed import Observed
from .runner import Progress, RunResult, Simulation, canonical_trace, execution_seconds
from .spec import GroupRef, Scenario, ScenarioError, TaskSpec

INSTALL_HINT = "pip install 'synceng[dask]'"
#: stats fields that measure the machine, not the simulation
WALL_CLOCK = ("wall_seconds", "acceleration")


class ShardingUnavailable(Exception):
    """Dask is not installed."""


def require_dask() -> Any:
    """The ``distributed`` module, or :class:`ShardingUnavailable` saying how to install it."""
    try:
        import dask  # noqa: F401  (distributed needs dask itself)
        import distributed
    except ImportError as exc:
        raise ShardingUnavailable(f"a sharded run needs Dask distributed: {INSTALL_HINT}") from exc
    return distributed


# -- what can be sharded -----------------------------------------------------------------------


def _group_refusal(group: GroupRef) -> str | None:
    if group.site_mailboxes:
        return None
    if group.target is not None and group.target.kind in ("single_mailbox", "mailbox_list"):
        return None  # its addresses must be homed at the task's site (checked when the tenant exists)
    if group.all_mailboxes:
        return "all_mailboxes"
    if group.first is not None:
        return f"first: {group.first}"
    return "a directory group"


def shard_refusal(scenario: Scenario) -> ScenarioError | None:
    """Why the scenario cannot be sharded by site, or None.  Allowed: tasks whose group
    is ``site_mailboxes`` or a mailbox list / single mailbox homed at the task's site,
    of any type but Managed Folders; faults and administrator actions of every kind."""
    tasks: list[tuple[str, TaskSpec]] = [(f"tasks.{n}", t) for n, t in enumerate(scenario.tasks)]
    tasks += [(f"admin.{n}.new_task", a.new_task) for n, a in enumerate(scenario.admin) if a.new_task is not None]
    for where, task in tasks:
        reason = _group_refusal(task.group)
        if reason is not None:
            return ScenarioError(
                f"task {task.name!r} targets {reason}, which may reach other sites' mailboxes: a sharded run needs "
                "each task's group to be site_mailboxes (or mailboxes homed at its site)",
                scenario.name,
                field=f"{where}.group",
            )
        if task.type == "managed_folders":
            return ScenarioError(
                f"task {task.name!r} is a Managed Folders task: its purge dates (M4) are checked on a sample drawn "
                "across the tenant, which a sharded run cannot draw",
                scenario.name,
                field=f"{where}.type",
            )
    return None


def plan_shards(scenario: Scenario, workers: int) -> list[list[str]]:
    """Site codes per shard: min(workers, sites) shards, the sites with the most
    mailboxes placed first, each on the least loaded shard (mailboxes, then sites;
    the lowest shard on a tie) — deterministic; each shard lists its sites in the
    scenario's order."""
    count = max(1, min(workers, len(scenario.sites)))
    order = {site.code: n for n, site in enumerate(scenario.sites)}
    loads = [(0, 0)] * count
    shards: list[list[str]] = [[] for _ in range(count)]
    for site in sorted(scenario.sites, key=lambda s: (-(s.mailboxes or 0), order[s.code])):
        target = min(range(count), key=lambda n: (loads[n], n))
        shards[target].append(site.code)
        loads[target] = (loads[target][0] + (site.mailboxes or 0), loads[target][1] + 1)
    return [sorted(codes, key=order.__getitem__) for codes in shards if codes]


# -- a shard (runs on a Dask worker) ------------------------------------------------------------


@dataclass
class ShardResult:
    shard: int
    sites: list[str]
    result: RunResult


def run_shard(
    scenario: dict[str, Any],
    seed: int,
    horizon_seconds: float,
    sites: list[str],
    shard: int,
    transport: str = "inprocess",
) -> ShardResult:
    """One shard: the scenario (as ``Scenario.model_dump(mode="json")``) with only
    ``sites`` running.  Top level and plain data in and out, for Dask to ship."""
    loaded = Scenario.model_validate(scenario)
    simulation = Simulation(loaded, seed, timedelta(seconds=horizon_seconds), transport, local_sites=sites, shard=shard)
    return ShardResult(shard, sites, simulation.run())


# -- merging -----------------------------------------------------------------------------------


def merge_verdicts(parts: Sequence[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Each rule: checks added up; failed if a shard failed it, else passed if a shard
    exercised it (as one oracle's verdict would be); the first failures, shard by shard."""
    merged: dict[str, dict[str, Any]] = {}
    for verdicts in parts:
        for rule, verdict in verdicts.items():
            into = merged.setdefault(rule, {"status": "not exercised", "checked": 0, "failures": []})
            into["checked"] += verdict["checked"]
            into["failures"] = (into["failures"] + verdict["failures"])[:8]
            if verdict["status"] == "fail" or into["status"] == "fail":
                into["status"] = "fail"
            elif verdict["status"] == "pass":
                into["status"] = "pass"
    return dict(sorted(merged.items()))


def _sum(dicts: Sequence[dict[str, int]]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for counts in dicts:
        total.update(counts)
    return dict(total)


def merge_stats(results: Sequence[RunResult], wall: float, task_order: list[str]) -> dict[str, Any]:
    """The run's figures: counts added up, the tenant's taken once, execution
    durations recomputed over every shard's executions."""
    stats = [r.stats for r in results]
    first = stats[0]
    detail = sorted(
        (e for s in stats for e in s["executions_detail"]),
        key=lambda e: (datetime.fromisoformat(e["start"]), e["task"]),
    )
    sequences: dict[str, int] = {}
    for s in stats:
        sequences.update(s["sequences"])
    horizon = first["simulated_seconds"]
    return {
        "mailboxes": first["mailboxes"],
        "messages_at_start": sum(s["messages_at_start"] for s in stats),
        "activity_events": sum(s["activity_events"] for s in stats),
        "activity_by_kind": _sum([s["activity_by_kind"] for s in stats]),
        "activity_deferred_while_read": sum(s["activity_deferred_while_read"] for s in stats),
        "executions": sum(s["executions"] for s in stats),
        "mailbox_runs": sum(s["mailbox_runs"] for s in stats),
        "mailbox_results": _sum([s["mailbox_results"] for s in stats]),
        "execution_seconds": execution_seconds(detail),
        "sequences": {name: sequences[name] for name in task_order if name in sequences},
        "ews_requests": sum(s["ews_requests"] for s in stats),
        "simulated_seconds": horizon,
        "wall_seconds": round(wall, 2),
        "acceleration": round(horizon / max(wall, 1e-9), 1),
        "executions_detail": detail,
    }


def merge_observed(parts: Sequence[Observed]) -> Observed:
    """What every shard measured, in time order (the tasks: every shard has them all)."""
    return Observed(
        changes=sorted((c for p in parts for c in p.changes), key=lambda c: c.at),
        sent=sorted((s for p in parts for s in p.sent), key=lambda s: s.at),
        rows=sorted((r for p in parts for r in p.rows), key=lambda r: r.done),
        tasks=dict(parts[0].tasks),
    )


def merge(scenario: Scenario, parts: Sequence[ShardResult], wall: float) -> RunResult:
    """One result from the shards' (shard 0 traced the administrator's actions)."""
    parts = sorted(parts, key=lambda p: p.shard)
    results = [p.result for p in parts]
    first = results[0]
    names = list(dict.fromkeys(info.name for info in first.observed.tasks.values()))
    return RunResult(
        scenario,
        first.seed,
        first.start,
        first.horizon,
        wall,
        merge_verdicts([r.verdicts for r in results]),
        merge_stats(results, wall, names),
        canonical_trace([entry for r in results for entry in r.trace]),
        first.timeline,
        merge_observed([r.observed for r in results]),
        shards=[{"shard": p.shard, "sites": p.sites, "wall_seconds": round(p.result.wall_seconds, 2)} for p in parts],
    )


def comparable(result: RunResult) -> dict[str, Any]:
    """What must be equal between a sharded run and the unsharded run of the same
    scenario and seed: the verdicts exactly, the figures but wall-clock ones, the
    trace (canonically ordered, as every run writes it), the timeline, and what the
    report plots (each list in time order, ties by content)."""
    observed = result.observed
    return {
        "verdicts": result.verdicts,
        "stats": {k: v for k, v in result.stats.items() if k not in WALL_CLOCK},
        "trace": result.trace,
        "timeline": result.timeline,
        "changes": sorted((c.at, c.mailbox, c.kind) for c in observed.changes),
        "sent": sorted((s.at, s.task, s.mailbox, s.items) for s in observed.sent),
        "rows": sorted((r.done, r.task, r.mailbox, r.result, r.reason) for r in observed.rows),
        "tasks": observed.tasks,
    }


# -- running on Dask ---------------------------------------------------------------------------


@contextmanager
def dask_client(workers: int | None, scheduler: str | None) -> Iterator[Any]:
    """A client of the cluster at ``scheduler``, or of a local cluster of ``workers``
    processes of one thread each (stopped on leaving)."""
    distributed = require_dask()
    if scheduler is not None:
        with distributed.Client(scheduler) as client:
            yield client
        return
    cluster = distributed.LocalCluster(
        n_workers=workers or 1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # any free port: never a clash with another cluster (nor its warning)
        memory_limit=0,  # a shard is one large task: no pausing or restarting it for its memory
        silence_logs=logging.ERROR,
    )
    try:
        with distributed.Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def run_sharded(
    scenario: Scenario,
    seed: int | None = None,
    horizon: timedelta | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    transport: str = "inprocess",
    progress: Progress | None = None,
) -> RunResult:
    """The scenario sharded by site on Dask: ``workers`` local worker processes, or the
    cluster at ``scheduler`` (as many shards as ``workers`` if given, else as the
    cluster has worker threads).  The wall time counts the cluster's start."""
    refused = shard_refusal(scenario)
    if refused is not None:
        raise refused
    seed = scenario.seed if seed is None else seed
    span = (horizon or scenario.horizon_delta()).total_seconds()
    data = scenario.model_dump(mode="json")
    started = time.perf_counter()
    with dask_client(workers, scheduler) as client:
        if workers is None:
            workers = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()) or 1
        plan = plan_shards(scenario, workers)
        futures = [
            client.submit(run_shard, data, seed, span, sites, n, transport, pure=False) for n, sites in enumerate(plan)
        ]
        parts: list[ShardResult] = []
        for done, future in enumerate(require_dask().as_completed(futures), start=1):
            parts.append(future.result())
            if progress is not None:
                progress(span * done / len(plan), span, f"{done} of {len(plan)} shards done")
    return merge(scenario, parts, time.perf_counter() - started)


__all__ = [
    "INSTALL_HINT",
    "ShardResult",
    "ShardingUnavailable",
    "comparable",
    "merge",
    "plan_shards",
    "require_dask",
    "run_shard",
    "run_sharded",
    "shard_refusal",
]
