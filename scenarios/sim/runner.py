"""The scenario runner: one SimPy environment drives the real engine (sites on the
SimPy runtime), the console, the archive platform, mockews and mockad — all on one
simulated clock, over the in-process transport (or loopback HTTP) — plus the
activity, the administrator's timeline, fault windows and the oracle.

EWS and HTTP work becomes simulated time through the runtime's cost model
(engine.site.runtime.LatencyModel), so executions last, ``Running`` is observable, and
a change can arrive mid-run."""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Collection, Generator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import quote

import simpy

from engine.clock import SimClock
from engine.site.events import Cost
from engine.site.runtime import LatencyModel, SimPyRuntime
from engine.site.site import Site
from engine.site.state import SiteState
from engine.wire.console_archive import archived_batches
from mockad.store import DirectoryGroup, DirectoryUser
from mockews.faults import FaultDecision, FaultPlan, FaultRule
from scenarios.testbed import Outage, Testbed, build_testbed

from .activity import Activity
from .check import console_refusal
from .observed import Observed, TaskInfo
from .oracle import STUB_PREFIX, Oracle, key_of, schedule_slots, skip_reason
from .spec import AdminAction, FaultSpec, GroupRef, Scenario, ScenarioError, TaskSpec, parse_offset
from .tenant import Tenant, archive_key, build_tenant

Progress = Callable[[float, float, str], None]  # (simulated seconds done, total, note)
#: a fault window: (kind, target, start, end, latency factor, the sites it applies to — None: all)
Window = tuple[str, str, datetime, datetime, float, frozenset[str] | None]


def applies(window: Window, site: str) -> bool:
    return window[5] is None or site in window[5]


class SiteFaults(FaultPlan):
    """EWS fault decisions per site, for a tenant whose mailboxes are homed at sites: a
    request for a mailbox draws from its home site's plan (its own RNG and rules), so
    what one site meets never depends on another's requests — a run sharded by site
    meets the same faults.  Requests for no homed mailbox use the tenant's plan."""

    def __init__(self, tenant_plan: FaultPlan, plans: dict[str, FaultPlan], homes: dict[str, str]) -> None:
        super().__init__(tenant_plan.clock)
        self.tenant_plan = tenant_plan
        self.plans = plans
        self.homes = homes

    def decide(self, operation: str, mailbox: str | None) -> FaultDecision:
        home = self.homes.get(mailbox.lower()) if mailbox else None
        plan = self.plans.get(home, self.tenant_plan) if home else self.tenant_plan
        return plan.decide(operation, mailbox)


def seed_of(*parts: object) -> int:
    """A stable integer seed from ``parts`` (random.Random takes strings, FaultPlan ints)."""
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "big")


def trace_group(entry: dict[str, Any]) -> str:
    """Whose entry: a site's code, or "" for the administrator's (actions, changes)."""
    return "" if entry["event"] == "admin" else str(entry.get("site", ""))


def canonical_trace(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The trace in time order; at one instant the administrator's entries first, then
    each site's (by code) in the order the site had them.  Sites are independent, so
    this order is the same whether the run was one process or sharded by site."""
    seen: dict[str, int] = {}
    keyed = []
    for entry in entries:
        group = trace_group(entry)
        seen[group] = seen.get(group, 0) + 1
        keyed.append(((datetime.fromisoformat(entry["t"]), group, seen[group]), entry))
    keyed.sort(key=lambda pair: pair[0])
    return [entry for _, entry in keyed]


class FaultyLatency(LatencyModel):
    """The cost model, slower by ``factor`` inside latency fault windows."""

    def __init__(self, base: LatencyModel, clock: SimClock, windows: list[tuple[datetime, datetime, float]]) -> None:
        super().__init__(base.per_ews_call, base.per_item, base.per_kilobyte, base.per_http_call)
        object.__setattr__(self, "_windows", windows)
        object.__setattr__(self, "_clock", clock)

    def __call__(self, cost: Cost) -> float:
        base = super().__call__(cost)
        now = self._clock.now()  # type: ignore[attr-defined]
        for start, end, factor in self._windows:  # type: ignore[attr-defined]
            if start <= now < end:
                return float(base * factor)
        return base


@dataclass
class RunResult:
    scenario: Scenario
    seed: int
    start: datetime
    horizon: timedelta
    wall_seconds: float
    verdicts: dict[str, dict[str, Any]]
    stats: dict[str, Any]
    trace: list[dict[str, Any]]
    timeline: list[dict[str, Any]] = field(default_factory=list)
    #: what the report plots and tabulates (changes, items sent, mailbox rows), measured
    observed: Observed = field(default_factory=Observed)
    #: a sharded run: each shard's sites and wall time (scenarios.sim.sharding)
    shards: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(v["status"] != "fail" for v in self.verdicts.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "description": self.scenario.description,
            "seed": self.seed,
            "start": self.start.isoformat(),
            "horizon_seconds": self.horizon.total_seconds(),
            "wall_seconds": round(self.wall_seconds, 3),
            "acceleration": round(self.horizon.total_seconds() / max(self.wall_seconds, 1e-9), 1),
            "passed": self.passed,
            "verdicts": self.verdicts,
            "stats": self.stats,
            "timeline": self.timeline,
            **({"shards": self.shards} if self.shards else {}),
        }


class Simulation:
    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        horizon: timedelta | None = None,
        transport: str = "inprocess",
        progress: Progress | None = None,
        sample: int = 200,
        local_sites: Collection[str] | None = None,
        shard: int = 0,
    ) -> None:
        """``local_sites``: run as one shard of a run sharded by site — every site, task
        and administrator action is set up on the console (so every id is the run's),
        but only these sites' engines run, only their mailboxes are acted out, and the
        oracle judges only their tasks; ``shard`` 0 also acts out the mailboxes homed at
        no site and counts the directory's changes (see scenarios.sim.sharding)."""
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.horizon = horizon or scenario.horizon_delta()
        self.transport = transport
        self.progress = progress
        self.sample = sample
        self.env = simpy.Environment()
        self.timeline: list[dict[str, Any]] = []
        self.zones: dict[int, str] = {}
        self._slot_answers: dict[tuple[int, datetime], bool] = {}
        self.observed = Observed()
        self.sharded = local_sites is not None
        self.acks_pending = 0
        self.shard = shard
        self.local = set(local_sites) if local_sites is not None else {s.code for s in scenario.sites}

    # -- building ------------------------------------------------------------------------------

    def build(self) -> None:
        refused = console_refusal(self.scenario)  # a scenario made in Python, not loaded from a file
        if refused is not None:
            where = ".".join(str(part) for part in refused.loc)
            raise ScenarioError(f"the console refuses it: {refused.message}", self.scenario.name, field=where)
        tenant_spec = self.scenario.tenant
        from .tenant import profile_for

        self.start = self.scenario.start or profile_for(tenant_spec).now
        self.clock = SimClock(self.env, self.start)
        self.tenant: Tenant = build_tenant(
            tenant_spec, self.seed, self.clock, self.scenario.sites, self.owns if self.sharded else None
        )
        self.messages_at_start = self.tenant.messages
        if self.sharded:  # before anything is started: a refusal leaves nothing running
            news = [a.new_task for a in self.scenario.admin if a.new_task is not None]
            for task in [*self.scenario.tasks, *news]:
                self.check_homed(task)
        self.bed: Testbed = build_testbed(self.tenant.world, self.clock, seed=self.seed, transport=self.transport)
        tracked = None
        if len(self.tenant.mailboxes) > self.sample:
            # the views are checked on a sample (see finish), drawn from the accounts a
            # task can replicate at the start (T9 skips the others)
            eligible = [m for m in self.tenant.mailboxes if skip_reason(self.tenant.world, m) is None]
            pool = eligible if len(eligible) >= self.sample else self.tenant.mailboxes
            tracked = set(random.Random(f"{self.seed}:sample").sample(sorted(pool), self.sample))
            tracked &= self.tenant.own  # drawn over the whole tenant, whichever shard this is
        self.oracle = Oracle(self.tenant.world, self.scenario.checks, tracked)
        self.oracle.records_admin = self.shard == 0  # every shard acts them, one traces them
        assert self.bed.wire is not None
        self.bed.wire.listeners.append(self.oracle.on_wire)  # what the sites send, as it crosses the wire
        self.bed.wire.listeners.append(self.observed.on_wire)  # the same, for the report
        if "X2" in self.scenario.checks:  # only X2 reads the request log (a week of a large tenant: ~300k)
            self.bed.exchange.listeners.append(self.oracle.on_request)
        self.ingest(
            [{"item": key, "readers": sorted(readers)} for key, readers in sorted(self.tenant.archived.items())]
        )
        self.pending_archive: list[dict[str, Any]] = []
        self.windows = self.fault_windows()
        self.site_ids: dict[str, int] = {}
        self.site_keys: dict[str, str] = {}
        self.sites: dict[str, Site] = {}
        for spec in self.scenario.sites:
            site_id, key = self.bed.register_site(spec.code, spec.time_zone, spec.engine_version)
            self.site_ids[spec.code], self.site_keys[spec.code] = site_id, key
        self.schedule_ids = {
            s.name: self.bed.schedule(s.name, s.spec.model_dump(mode="json")) for s in self.scenario.schedules
        }
        self.definition_ids = {
            d.name: self.bed.definition(d.name, d.spec.model_dump(mode="json")) for d in self.scenario.definitions
        }
        self.task_ids: dict[str, int] = {}
        for task in self.scenario.tasks:
            self.create_task(task)
        self.oracle.at_slot = self.at_slot
        base = LatencyModel(**self.scenario.latency)
        for site_spec in self.scenario.sites:
            if site_spec.code not in self.local:
                continue  # another shard runs it
            latency = FaultyLatency(
                base,
                self.clock,
                [(w[2], w[3], w[4]) for w in self.windows if w[0] == "latency" and applies(w, site_spec.code)],
            )
            outage = Outage(self.clock, [])
            for window in self.windows:
                kind, target, s, e = window[:4]
                reached = target in ("console", "archive", "directory") and applies(window, site_spec.code)
                if kind == "outage" and reached:
                    prefix = {
                        "console": self.bed.console_url + "/api/site",
                        "archive": str(self.bed.platform.archive_url),
                        "directory": self.bed.mocks_url + "/v1.0",
                    }[target]
                    outage.windows.append((prefix, s, e))
            engine_site = self.bed.site(
                self.site_keys[site_spec.code],
                runtime=SimPyRuntime(self.env, self.clock, latency),
                state=SiteState(instance=f"{site_spec.code.lower()}-{self.seed}"),
                adapter=outage,
            )
            engine_site.observers.append(self.oracle.on_site_event)
            self.sites[site_spec.code] = engine_site

    def owns(self, mailbox: str, home: str | None) -> bool:
        """Whether this shard acts the mailbox out: homed at one of its sites, or (shard
        0) homed at none."""
        return home in self.local if home else self.shard == 0

    def ingest(self, messages: list[dict[str, Any]]) -> None:
        for body in archived_batches(messages):
            self.bed.archive_call("POST", "/api/archived", body)

    def fault_windows(self) -> list[Window]:
        out: list[Window] = []
        homes = self.tenant.homes
        plans: dict[str, FaultPlan] = {}
        if homes:  # EWS faults per home site (SiteFaults)
            exchange = self.bed.exchange
            plans = {
                code: FaultPlan(self.clock, seed_of(self.seed, "faults", code)) for code in sorted(set(homes.values()))
            }
            exchange.faults = SiteFaults(exchange.faults, plans, homes)
        for fault in self.scenario.faults:
            start = self.start + parse_offset(fault.at)
            end = self.start + parse_offset(fault.until)
            sites = frozenset(fault.sites) if fault.sites else None
            out.append((fault.kind, fault.target, start, end, fault.factor, sites))
            rule = self.ews_rule(fault, start, end)
            if rule is not None:
                if sites is None:
                    self.bed.exchange.admin.add_fault(rule)  # the tenant's plan
                for code, plan in plans.items():
                    if sites is None or code in sites:
                        plan.add(FaultRule(**rule))
            if fault.kind in ("outage", "throttling"):
                self.oracle.quiet_window(start, end + timedelta(hours=2))
        return out

    @staticmethod
    def ews_rule(fault: FaultSpec, start: datetime, end: datetime) -> dict[str, Any] | None:
        """The mock Exchange's fault rule for an EWS fault (None: not an EWS fault)."""
        if fault.kind == "throttling" and fault.target == "ews":
            return {
                "kind": "ErrorServerBusy",
                "back_off_ms": fault.back_off_ms,
                "probability": fault.probability,
                "start": start,
                "end": end,
            }
        if fault.kind == "ews_errors":
            return {"kind": "http503", "probability": fault.probability, "start": start, "end": end}
        if fault.kind == "outage" and fault.target == "ews":
            return {"kind": "ErrorMailboxStoreUnavailable", "probability": 1.0, "start": start, "end": end}
        return None

    def group(self, ref: GroupRef, site: str) -> dict[str, Any]:
        if ref.site_mailboxes:
            homed = [m for m in self.tenant.mailboxes if self.tenant.homes.get(m) == site]
            return {"kind": "mailbox_list", "addresses": homed}
        if ref.all_mailboxes:
            return {"kind": "mailbox_list", "addresses": self.tenant.mailboxes}
        if ref.first is not None:
            return {"kind": "mailbox_list", "addresses": self.tenant.mailboxes[: ref.first]}
        if ref.directory_group is not None:
            kind = ref.directory_group.kind
            groups = sorted(
                (g for g in self.tenant.world.directory.all_objects() if isinstance(g, DirectoryGroup)),
                key=lambda g: g.display_name,
            )
            if kind == "security":
                found = [g for g in groups if g.security_enabled and g.distinguished_name]
                chosen = found[ref.directory_group.index % len(found)]
                return {"kind": "ad_security_group", "dn": chosen.distinguished_name}
            found = [g for g in groups if not g.security_enabled and g.mail and not g.group_types]
            chosen = found[ref.directory_group.index % len(found)]
            return {"kind": "o365_group", "address": chosen.mail}
        assert ref.target is not None
        return ref.target.model_dump(mode="json")

    def create_task(self, task: TaskSpec) -> int:
        target = self.group(task.group, task.site)
        task_id = self.bed.task(
            self.site_ids[task.site],
            task.type,
            self.definition_ids[task.definition],
            self.schedule_ids[task.schedule],
            target,
        )
        self.task_ids[task.name] = task_id
        self.observed.task(task_id, TaskInfo(task.name, task.type, task.site))
        self.zones[task_id] = next(s.time_zone for s in self.scenario.sites if s.code == task.site)
        options = self.bed.task_view(task_id)["options"]  # as the console keeps them
        self.oracle.task_created(
            task_id,
            self.clock.now(),
            task.site,
            task.type,
            options["group"],
            options["definition"]["spec"],
            options["schedule"]["spec"],
        )
        if target["kind"] in ("ad_security_group", "ad_distribution_group", "o365_group"):
            self.oracle.group_of[task_id] = partial(self.members, target)
            self.oracle.record_membership(task_id, self.clock.now())
        return task_id

    def check_homed(self, task: TaskSpec) -> None:
        """A shard runs only its sites: a task may reach only mailboxes homed at its site."""
        if task.group.directory_group is not None:
            raise ScenarioError(f"task {task.name!r}: a directory group cannot be sharded", self.scenario.name)
        target = self.group(task.group, task.site)
        if target["kind"] == "single_mailbox":
            addresses = [target["address"]]
        elif target["kind"] == "mailbox_list":
            addresses = target["addresses"]
        else:
            raise ScenarioError(f"task {task.name!r}: a directory group cannot be sharded", self.scenario.name)
        strays = [a for a in addresses if self.tenant.homes.get(a.lower()) != task.site]
        if strays:
            raise ScenarioError(
                f"task {task.name!r}: {strays[0]} is not homed at site {task.site} (a sharded run needs each "
                "task's mailboxes homed at its site)",
                self.scenario.name,
            )

    def local_task(self, task_id: int) -> bool:
        """Whether this simulation runs the task's site (always, unless sharded)."""
        task = self.oracle.tasks.get(task_id)
        return task is not None and task.site in self.local

    def at_slot(self, task_id: int, start: datetime) -> bool:
        """Whether an execution began at a slot of the schedule it ran on (to the second;
        a one-off may start late, and so may a run right after a change).  Asked per
        mailbox, answered once per execution."""
        cached = self._slot_answers.get((task_id, start))
        if cached is not None:
            return cached
        answer = self._at_slot(task_id, start)
        self._slot_answers[(task_id, start)] = answer
        return answer

    def _at_slot(self, task_id: int, start: datetime) -> bool:
        task = self.oracle.tasks.get(task_id)
        if task is None:
            return True
        zone = self.zones.get(task_id, "UTC")
        for schedule in task.timeline.allowed("schedule", start):  # what the administrator had saved then
            if schedule.get("kind") == "one_off":
                return True
            if schedule_slots(schedule, zone, start - timedelta(seconds=1), start + timedelta(seconds=1)):
                return True
        return self.oracle._disturbed(task_id, start - timedelta(hours=2), start)

    def members(self, target: dict[str, Any]) -> frozenset[str]:
        """A group's mailboxes as the directory has them now (T7's ground truth)."""
        directory = self.tenant.world.directory
        group = directory.group_by_dn(target["dn"]) if "dn" in target else directory.group_by_mail(target["address"])
        if group is None:
            return frozenset()
        if "dn" in target:
            # AD groups: every member user with an address (the ineligible ones are Skipped)
            return frozenset(
                str(m.mail).lower()
                for m in directory.transitive_members(group)
                if isinstance(m, DirectoryUser) and m.mail
            )
        # Exchange's ExpandDL: mailboxes, expanding nested lists that have an address
        # (Microsoft 365 groups are not distribution lists: they are not expanded)
        found: set[str] = set()
        seen = {group.id}
        pending = [group]
        while pending:
            current = pending.pop()
            for member in directory.members(current):
                if isinstance(member, DirectoryUser):
                    if member.mail and member.has_mailbox:
                        found.add(str(member.mail).lower())
                elif (
                    isinstance(member, DirectoryGroup)
                    and member.mail
                    and not member.group_types
                    and member.id not in seen
                ):
                    seen.add(member.id)
                    pending.append(member)
        return frozenset(found)

    def directory_changed(self, mail: str | None) -> None:
        if mail:
            self.oracle.directory_changes[mail] = self.clock.now()
        for task_id in self.oracle.group_of:
            self.oracle.record_membership(task_id, self.clock.now())

    # -- processes ------------------------------------------------------------------------------

    def journal(self, mailbox: str, message_id: str, sent: int, received: int, readers: list[str]) -> None:
        """Journaling: new mail reaches the archive (at the profile's coverage: whether a
        message is covered is drawn from its key, the same for each of its copies)."""
        key = archive_key(message_id, sent)
        self.tenant.received[key] = received
        if random.Random(f"{self.seed}:journal:{key}").random() < self.tenant.profile.archive_coverage:
            self.tenant.archived.setdefault(key, set()).update(readers)
            self.pending_archive.append({"item": key, "readers": readers})

    def journaling(self) -> Generator[Any, None, None]:
        while True:
            yield self.env.timeout(600)
            if self.pending_archive:
                batch, self.pending_archive = self.pending_archive, []
                self.ingest(batch)

    def busy(self, mailbox: str) -> bool:
        return any(mailbox in site.locks for site in self.sites.values())

    def admin_timeline(self) -> Generator[Any, None, None]:
        for action in sorted(self.scenario.admin, key=lambda a: parse_offset(a.at)):
            wait = parse_offset(action.at).total_seconds() - self.env.now
            if wait > 0:
                yield self.env.timeout(wait)
            self.perform(action)

    def perform(self, action: AdminAction) -> None:
        now = self.clock.now()
        entry: dict[str, Any] = {"t": now.isoformat(), "action": action.action}
        bed = self.bed
        if action.action in ("change_definition", "change_schedule"):
            what = "definition" if action.action == "change_definition" else "schedule"
            name = action.definition if what == "definition" else action.schedule
            assert name is not None and action.spec is not None
            ids = self.definition_ids if what == "definition" else self.schedule_ids
            path = "definitions" if what == "definition" else "schedules"
            bed.call("PUT", f"/api/{path}/{ids[name]}", {"name": name, "spec": action.spec})
            saved = bed.call("GET", f"/api/{path}/{ids[name]}")  # as the console keeps it, with the tasks using it
            for task_id in saved["tasks"]:
                self.oracle.changed(now, task_id, what, saved["spec"])
                if self.local_task(task_id):
                    self.env.process(self.check_acknowledged(task_id, now))
            entry[what] = name
        elif action.action == "change_task":
            assert action.task is not None
            change: dict[str, Any] = {}
            if action.schedule:
                change["schedule_id"] = self.schedule_ids[action.schedule]
            if action.definition:
                change["definition_id"] = self.definition_ids[action.definition]
            task_id = self.task_ids[action.task]
            view = bed.call("PATCH", f"/api/tasks/{task_id}", change)
            for what in ("schedule", "definition"):
                if f"{what}_id" in change:
                    self.oracle.changed(now, task_id, what, view["options"][what]["spec"])
            if self.local_task(task_id):
                self.env.process(self.check_acknowledged(task_id, now))
            entry["task"] = action.task
        elif action.action == "delete_task":
            assert action.task is not None
            task_id = self.task_ids[action.task]
            bed.call("DELETE", f"/api/tasks/{task_id}?confirm=true")
            self.oracle.task_deleted(task_id, now)
            for mailbox in sorted(self.oracle.processed_by.get(task_id, set())):
                live, full = self.view_pairs(mailbox)
                self.oracle.check_r9_now(mailbox, live, set(full))
            entry["task"] = action.task
        elif action.action == "create_task":
            assert action.new_task is not None
            self.create_task(action.new_task)
            entry["task"] = action.new_task.name
        elif action.action in ("disable_site", "enable_site"):
            assert action.site is not None
            bed.call("PATCH", f"/api/sites/{self.site_ids[action.site]}", {"enabled": action.action == "enable_site"})
            self.oracle.changed(now, 0, "site", action.action)
            self.oracle.quiet_window(now, now + timedelta(hours=2))
            entry["site"] = action.site
        self.timeline.append(entry)
        if self.oracle.records_admin:
            self.oracle.trace.append(
                {"t": now.isoformat(), "event": "admin", **{k: v for k, v in entry.items() if k != "t"}}
            )

    def check_acknowledged(self, task_id: int, at: datetime) -> Generator[Any, None, None]:
        """T1/T2: the site has the change within 120 s (its status leaves Pending)."""
        self.acks_pending += 1
        yield self.env.timeout(121)
        self.acks_pending -= 1
        if any(s <= at <= e for s, e in self.oracle.quiet):
            return
        view = self.bed.task_view(task_id)
        status = view["information"]["status"]
        if status == "Pending":
            self.oracle.verdict("T1").fail(f"task {task_id}: still Pending 121 s after the change at {at}")
        else:
            self.oracle.verdict("T1").ok()

    def reporter(self, total: float) -> Generator[Any, None, None]:
        assert self.progress is not None
        step = max(600.0, total / 200)
        while self.env.now < total:
            self.progress(self.env.now, total, "")
            yield self.env.timeout(step)

    # -- running --------------------------------------------------------------------------------------

    def run(self) -> RunResult:
        started = time.perf_counter()
        self.build()
        total = self.horizon.total_seconds()
        activity = Activity(
            self.env,
            self.tenant.world,
            self.tenant.mailboxes,
            self.scenario.activity,
            self.seed,
            self.busy,
            self.journal,
            on_account=self.directory_changed,
            on_change=lambda mailbox, kind: self.observed.change(self.clock.now(), mailbox, kind),
            own=self.tenant.own,
            count_directory=self.shard == 0,
            until=total,
        )
        activity.start()
        for site in self.sites.values():
            site.start()
        self.env.process(self.journaling())
        self.env.process(self.admin_timeline())
        if self.progress is not None:
            self.env.process(self.reporter(total))
        self.env.run(until=total)
        drain_until = total + 6 * 3600
        self.oracle.stopped_at = self.clock.now()
        for site in self.sites.values():
            site.stop()
        # the sites finish their current mailboxes, and the T1 checks due run (whether
        # another shard's site is still busy must not matter)
        while self.env.now < drain_until and (
            self.acks_pending or any(s.execution for site in self.sites.values() for s in site.slots.values())
        ):
            self.env.run(until=self.env.now + 60)
        if self.progress is not None:
            self.progress(total, total, "checking")
        verdicts = self.finish()
        wall = time.perf_counter() - started
        stats = self.statistics(activity, wall)
        self.bed.close()
        return RunResult(
            self.scenario,
            self.seed,
            self.start,
            self.horizon,
            wall,
            verdicts,
            stats,
            canonical_trace(self.oracle.trace),
            self.timeline,
            self.observed,
        )

    def view_pairs(self, mailbox: str) -> tuple[set[tuple[str, str]], dict[tuple[str, str], bool]]:
        """(Live View pairs, Full View pairs → deleted) through the archive's API."""
        live: set[tuple[str, str]] = set()
        full: dict[tuple[str, str], bool] = {}
        for view in ("live", "full"):
            folders = self.bed.archive_call("GET", f"/api/views/{quote(mailbox)}/folders?view={view}")["folders"]
            for folder in folders:
                if not folder["items"]:
                    continue
                offset = 0
                while True:
                    page = self.bed.archive_call(
                        "GET",
                        f"/api/views/{quote(mailbox)}/items?view={view}&folder={quote(folder['id'])}"
                        f"&offset={offset}&limit=1000",
                    )
                    for item in page["items"]:
                        pair = (item["item"], folder["id"])
                        if view == "live":
                            live.add(pair)
                        else:
                            full[pair] = bool(item.get("deleted"))
                    offset += 1000
                    if offset >= page["total"]:
                        break
        return live, full

    def finish(self) -> dict[str, dict[str, Any]]:
        oracle = self.oracle
        if "K1" in self.scenario.checks:
            self.probe_other_sites()
        mailboxes = sorted(oracle.models)  # the sample chosen at build time, those replicated
        oracle.check_views({m: self.view_pairs(m) for m in mailboxes})
        replicas = {}
        for mailbox in oracle.calendar_snaps:
            answer = self.bed.archive_call("GET", f"/api/views/{quote(mailbox)}/calendars")
            replicas[mailbox] = {item["uid"]: item.get("subject") or "" for item in answer["items"]}
        oracle.check_calendars(replicas)
        oracle.check_schedules(self.zones)
        oracle.check_x2()
        live = [task for task in self.task_ids.values() if task not in oracle.deleted_tasks and self.local_task(task)]
        if {"R9", "T10"} & set(self.scenario.checks):
            views = {task: self.bed.task_view(task) for task in live}
            archive = {
                task: int(self.bed.archive_call("GET", f"/api/tasks/{task}/sequence")["sequence"]) for task in live
            }
            console = {task: views[task]["information"]["sequence"] for task in live}
            oracle.check_sequences(archive, console)
            oracle.check_fresh_starts()
            oracle.check_logs({task: views[task]["log"] for task in live})
        self.check_storage()
        self.check_managed()
        return {
            rule: {"status": v.status, "checked": v.checked, "failures": v.failures}
            for rule, v in sorted(oracle.verdicts.items())
            if rule in self.scenario.checks
        }

    def probe_other_sites(self) -> None:
        """K1 from outside: with each site's key, reach for another site's task and a
        mailbox only the other site's tasks process — the archive must refuse (the wire
        tap hands every answer to the oracle, told these are probes)."""
        tasks = self.oracle.tasks
        self.oracle.probing = True
        try:
            for code, key in sorted(self.site_keys.items()):
                if code not in self.local:
                    continue  # its shard probes with it
                mine = [t for t in tasks.values() if t.site == code and t.id not in self.oracle.deleted_tasks]
                others = [t for t in tasks.values() if t.site != code and t.id not in self.oracle.deleted_tasks]
                theirs = sorted(
                    {m for t in others for m in self.processed_or_targeted(t)}
                    - {m for t in mine for m in self.processed_or_targeted(t)}
                )
                if not others or not theirs or not mine:
                    continue
                other, mailbox, own = others[0], theirs[0], mine[0]
                for method, path, body in (
                    ("POST", "/api/submissions", {"task_id": other.id, "mailbox": mailbox, "batch_id": "probe"}),
                    ("POST", "/api/submissions", {"task_id": own.id, "mailbox": mailbox, "batch_id": "probe"}),
                    ("GET", f"/api/views/{quote(mailbox)}/folders?view=full", None),
                    ("GET", f"/api/tasks/{other.id}/sequence", None),
                    ("POST", "/api/archived/check", {"task_id": own.id, "mailbox": mailbox, "items": ["probe"]}),
                    ("POST", "/api/stubs", {"task_id": other.id, "mailbox": mailbox, "entries": []}),
                    ("POST", "/api/expire", {"task_id": own.id, "mailbox": mailbox, "items": []}),
                ):
                    self.bed.site_call(key, method, path, body)
        finally:
            self.oracle.probing = False

    def processed_or_targeted(self, task: Any) -> set[str]:
        addresses = task.addresses
        if addresses is not None:
            return set(addresses)
        return set(self.oracle.processed_by.get(task.id, set())) | {
            m for _, members in self.oracle.memberships.get(task.id, []) for m in members
        }

    def own_mailboxes(self) -> list[str]:
        """The mailboxes this simulation acts out (all of them, unless sharded)."""
        return [m for m in self.tenant.mailboxes if m in self.tenant.own]

    def stub_log(self) -> list[dict[str, Any]]:
        """Every stub and delete the archive recorded, read through its API."""
        entries: list[dict[str, Any]] = []
        for mailbox in self.own_mailboxes():
            answer = self.bed.archive_call("GET", f"/api/stubs?mailbox={quote(mailbox)}")
            entries.extend({**entry, "mailbox": mailbox} for entry in answer["entries"])
        return entries

    def check_storage(self) -> None:
        msm = {t.id for t in self.oracle.tasks.values() if t.type == "msm"}
        if not msm:
            return
        entries = self.stub_log()
        recorded: dict[str, set[str]] = {}
        for entry in entries:
            recorded.setdefault(entry["mailbox"], set()).add(entry["item"])
        self.oracle.check_storage(
            [e for e in entries if e["task_id"] in msm], self.tenant.archived, self.tenant.received
        )
        stubbed: dict[str, set[str]] = {}
        for mailbox in self.own_mailboxes():
            box = self.tenant.world.mailbox(mailbox)
            for folder in box.folders():
                for item in folder.items.values():
                    if (item.item_class or "").startswith(STUB_PREFIX):
                        key = key_of(item)
                        if key:
                            stubbed.setdefault(mailbox, set()).add(key)
        self.oracle.check_stubs_recorded(stubbed, recorded)

    def check_managed(self) -> None:
        managed = {t.id for t in self.oracle.tasks.values() if t.type == "managed_folders"}
        if not managed:
            return
        entries = [e for e in self.stub_log() if e["task_id"] in managed]
        keys = sorted(
            {
                k
                for items in self.oracle.managed_last.values()
                for k, i in items.items()
                if i.policy.get("archive_purge")
            }
        )
        if len(keys) > 500:
            keys = sorted(random.Random(f"{self.seed}:purge").sample(keys, 500))
        purge: dict[str, float | None] = {}
        for key in keys:
            found = self.bed.archive_read(f"/api/archived/{quote(key, safe='')}")
            if found is None:
                continue  # not in the archive (journaling's coverage): no purge date to check
            purge[key] = datetime.fromisoformat(found["purge_at"]).timestamp() if found["purge_at"] else None
        self.oracle.check_managed(entries, purge, self.tenant.archived)

    def statistics(self, activity: Activity, wall: float) -> dict[str, Any]:
        executions = [run for runs in self.oracle.runs.values() for run in runs]
        executions.sort(key=lambda run: (run.start, run.task))
        mailbox_runs = [e for e in self.oracle.trace if e["event"] == "mailbox_done"]
        results: dict[str, int] = {}
        for entry in mailbox_runs:
            results[entry["result"]] = results.get(entry["result"], 0) + 1
        sequences = {
            name: self.bed.archive_call("GET", f"/api/tasks/{task_id}/sequence")["sequence"]
            for name, task_id in self.task_ids.items()
            if self.local_task(task_id)
        }
        detail = [
            {"task": e.task, "start": e.start.isoformat(), "end": e.end.isoformat() if e.end else None}
            for e in executions
        ]
        return {
            "mailboxes": len(self.tenant.mailboxes),
            "messages_at_start": self.messages_at_start,
            "activity_events": activity.counters.events,
            "activity_by_kind": activity.counters.by_kind or {},
            "activity_deferred_while_read": activity.counters.deferred,
            "executions": len(executions),
            "mailbox_runs": len(mailbox_runs),
            "mailbox_results": results,
            "execution_seconds": execution_seconds(detail),
            "sequences": sequences,
            "ews_requests": self.bed.exchange.requests,
            "simulated_seconds": self.horizon.total_seconds(),
            "wall_seconds": round(wall, 2),
            "acceleration": round(self.horizon.total_seconds() / max(wall, 1e-9), 1),
            "executions_detail": detail,
        }


def execution_seconds(detail: list[dict[str, Any]]) -> dict[str, float | None]:
    """Shortest, longest and mean duration of the executions that ended (``detail``:
    the stats' executions_detail, in start order)."""
    durations = [
        (datetime.fromisoformat(e["end"]) - datetime.fromisoformat(e["start"])).total_seconds()
        for e in detail
        if e["end"] is not None
    ]
    return {
        "min": round(min(durations), 1) if durations else None,
        "max": round(max(durations), 1) if durations else None,
        "mean": round(sum(durations) / len(durations), 1) if durations else None,
    }


def run_scenario(
    scenario: Scenario,
    seed: int | None = None,
    horizon: timedelta | None = None,
    transport: str = "inprocess",
    progress: Progress | None = None,
) -> RunResult:
    return Simulation(scenario, seed, horizon, transport, progress).run()


__all__ = ["RunResult", "Simulation", "canonical_trace", "execution_seconds", "run_scenario"]
