"""The oracle: domain.md checked against what happened, never against what the engine
says about itself (architecture: "the oracle stands apart").

Where its facts come from:

* **the mock stores** — the ground truth: what a mailbox held when a run read it
  (the harness holds a mailbox still while a site reads it, so each run boundary
  has one state), the directory's groups and accounts;
* **the wire** (scenarios.wiretap) — what each site sent: its task-log lines (when
  executions started and ended, T10), the per-mailbox rows the console shows, every
  submission (what an MFR run placed and removed: the Live View it built, which
  definition it ran with — T1), every call a site key made to the archive (K1), the
  EWS requests the mock served (X2);
* **the archive's and console's HTTP APIs** — the views, Sequences, stub log, purge
  dates and task logs, as a user would read them.

The site's own events serve only as the harness's clock (when to look at the store:
a mailbox done); no configuration, definition or result the engine reports about
itself is taken as a fact.  Each rule gets a verdict: pass, fail with the first
differences, or not exercised."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mockews.service import RequestRecord
from mockews.store import World
from scenarios.wiretap import WireRecord

from .reference import (
    MailboxModel,
    ManagedItem,
    Snapshot,
    calendar_snapshot,
    change_stamp,
    managed_snapshot,
    mfr_snapshot,
    schedule_slots,
    skip_reason,
)
from .timeline import Timeline, same
from .wire import EXIT, START, Call, WireRun, archive_call

Pair = tuple[str, str]  # (archive key, folder id)
TASK_NUMBER = re.compile(r"\btask (\d+)")
#: a mailbox counts as a group's member for scoping if it was one within this long
MEMBERSHIP_WINDOW = timedelta(hours=2)


@dataclass
class Verdict:
    rule: str
    status: str = "not exercised"  # pass | fail | not exercised
    checked: int = 0
    failures: list[str] = field(default_factory=list)

    def ok(self, n: int = 1) -> None:
        self.checked += n
        if self.status == "not exercised":
            self.status = "pass"

    def fail(self, message: str) -> None:
        self.checked += 1
        self.status = "fail"
        if len(self.failures) < 8:
            self.failures.append(message)


def pairs(snap: Snapshot) -> set[Pair]:
    return {(k, f) for k, folders in snap.live.items() for f in folders}


@dataclass
class Task:
    """A task as the administrator created it (the oracle's own record)."""

    id: int
    site: str
    type: str
    created: datetime
    target: dict[str, Any]
    timeline: Timeline

    @property
    def addresses(self) -> frozenset[str] | None:
        """The mailboxes of a single-mailbox or list target (None: a directory group)."""
        if self.target["kind"] == "single_mailbox":
            return frozenset({self.target["address"].lower()})
        if self.target["kind"] == "mailbox_list":
            return frozenset(a.lower() for a in self.target["addresses"])
        return None


class Oracle:
    def __init__(self, world: World, rules: Iterable[str], tracked: set[str] | None = None) -> None:
        self.world = world
        self.rules = list(rules)
        self.verdicts = {rule: Verdict(rule) for rule in self.rules}
        #: the mailboxes whose R1-R3 models are kept (None: all) — a large tenant's views
        #: are checked on a sample, and modelling only the sample keeps the oracle cheap
        self.tracked = tracked
        self.tasks: dict[int, Task] = {}
        self.models: dict[str, MailboxModel] = {}
        self._snaps: dict[str, tuple[Any, dict[str, Snapshot]]] = {}  # mailbox → (its state, definition → snapshot)
        self.processed_by: dict[int, set[str]] = {}  # MFR task → mailboxes it replicated
        self.calendar_snaps: dict[str, dict[str, str]] = {}  # mailbox → uid → subject
        self.runs: dict[int, list[WireRun]] = {}  # task → its executions, from the wire
        self.owner: dict[str, int] = {}  # T8: mailbox → MFR task replicating it
        self.deleted_tasks: set[int] = set()
        self.replaced: dict[str, datetime] = {}  # mailbox → when a task that processed it was removed (R9)
        self.requests: dict[str, list[RequestRecord]] = {}
        self.changes: list[tuple[datetime, int, str, Any]] = []  # (when, task, what, new value)
        self.quiet: list[tuple[datetime, datetime]] = []  # windows where T4 gaps are expected
        self.trace: list[dict[str, Any]] = []
        self.directory_changes: dict[str, datetime] = {}  # mailbox → when its account last changed
        #: mailbox → (when its processing began, its items then), for every Managed Folders run
        self.managed_before: dict[str, list[tuple[datetime, dict[str, ManagedItem]]]] = {}
        self.managed_last: dict[str, dict[str, ManagedItem]] = {}  # mailbox → items at its latest managed run
        self.expired: dict[str, set[str]] = {}  # mailbox → keys that must have left the views (M3)
        self.sources: set[str] = set()  # M1: policy sources met
        self.memberships: dict[int, list[tuple[datetime, frozenset[str]]]] = {}  # T7: task → membership history
        self.group_of: dict[int, Callable[[], frozenset[str]]] = {}  # T7: task → current membership
        self.stopped_at: datetime | None = None  # the horizon: sites stop, their runs end early
        #: what the wire says: the Live View each mailbox's submissions built, items the
        #: archive was told to expire, accepted submissions per task, archive calls (K1)
        self.observed: dict[str, set[Pair]] = {}
        self.wire_expired: dict[str, set[str]] = {}
        self.accepted: dict[int, int] = {}
        self.purges: list[tuple[datetime, str, dict[str, Any]]] = []  # (when, mailbox, entry) sent (M4)
        self.probing = False  # the runner is trying another site's key (K1): refusals expected
        #: whether the administrator's actions go into the trace (a sharded run: one shard's)
        self.records_admin = True
        #: whether a task's execution started at one of its slots (set by the runner): a run
        #: that did not is no run boundary (and T4 says so)
        self.at_slot: Callable[[int, datetime], bool] = lambda task, at: True

    def verdict(self, rule: str) -> Verdict:
        return self.verdicts.setdefault(rule, Verdict(rule))

    def tracks(self, mailbox: str) -> bool:
        return self.tracked is None or mailbox in self.tracked

    # -- what the administrator did (the runner tells, as it does it through the REST API) --------

    def task_created(
        self,
        task: int,
        at: datetime,
        site: str,
        type_: str,
        target: dict[str, Any],
        definition: dict[str, Any],
        schedule: dict[str, Any],
    ) -> None:
        timeline = Timeline()
        timeline.record(at, "definition", definition)
        timeline.record(at, "schedule", schedule)
        self.tasks[task] = Task(task, site, type_, at, target, timeline)

    def changed(self, at: datetime, task: int, what: str, value: Any) -> None:
        self.changes.append((at, task, what, value))
        if task in self.tasks and what in ("definition", "schedule"):
            self.tasks[task].timeline.record(at, what, value)
        if self.records_admin:
            self.trace.append({"t": at.isoformat(), "event": f"changed_{what}", "task": task})

    def task_deleted(self, task: int, at: datetime) -> None:
        """R9 at the console: the archive resets the Full View of the task's mailboxes."""
        self.deleted_tasks.add(task)
        for mailbox in self.processed_by.get(task, ()):
            self.replaced[mailbox] = at
            if mailbox in self.models:
                self.models[mailbox].reset()
        for mailbox, owner in list(self.owner.items()):
            if owner == task:
                del self.owner[mailbox]
        if self.records_admin:
            self.trace.append({"t": at.isoformat(), "event": "task_deleted", "task": task})

    def quiet_window(self, start: datetime, end: datetime) -> None:
        self.quiet.append((start, end))

    def record_membership(self, task: int, at: datetime) -> None:
        members = self.group_of[task]()
        history = self.memberships.setdefault(task, [])
        if not history or history[-1][1] != members:
            history.append((at, members))

    # -- the site's events: when to look at the store ----------------------------------------------

    def on_site_event(self, kind: str, data: dict[str, Any]) -> None:
        at: datetime = data["at"]
        task = int(data.get("task", 0))
        entry = {"t": at.isoformat(), "event": kind, "site": data["site"], "task": task}
        if kind == "execution_start":
            if task in self.group_of:
                self.record_membership(task, at)
        elif kind == "execution_end":
            entry["message"] = data["message"]
        elif kind == "mailbox_start":
            if data["type"] == "managed_folders":  # the mailbox as the task finds it (activity waits meanwhile)
                definition = self.definition_of(task, at)
                snapshot = managed_snapshot(self.world, data["mailbox"], definition)
                self.managed_before.setdefault(data["mailbox"], []).append((at, snapshot))
            return  # not traced: the outcome is
        elif kind == "mailbox_done":
            entry.update(mailbox=data["mailbox"], result=data["result"])
            if data["result"] == "Success" and task in self.tasks:
                self.mailbox_done(task, data["mailbox"], at)
        self.trace.append(entry)

    def current_run(self, task: int) -> WireRun | None:
        runs = self.runs.get(task)
        return runs[-1] if runs else None

    def definition_of(self, task: int, at: datetime) -> dict[str, Any]:
        """The definition the task's current execution may run with (the first of them,
        when a change was saved just before it started)."""
        run = self.current_run(task)
        timeline = self.tasks[task].timeline
        if run is None or run.end is not None:
            return timeline.at("definition", at)
        if run.candidates is None:
            run.candidates = timeline.allowed("definition", run.start)
        return run.candidates[0]

    def mailbox_done(self, task: int, mailbox: str, at: datetime) -> None:
        kind = self.tasks[task].type
        if kind == "mfr":
            self.mfr_boundary(task, mailbox, at)
        elif kind == "calendar":
            self.calendar_snaps[mailbox] = calendar_snapshot(self.world, mailbox, self.definition_of(task, at))
        elif kind == "managed_folders":
            self.managed_done(task, mailbox, self.definition_of(task, at), at)

    # -- MFR run boundaries (R1 to R4, T1, T8, R9) -------------------------------------------------

    def snapshot(self, mailbox: str, definition: dict[str, Any]) -> Snapshot:
        """R1 from the store, with M3's expired items left out; kept while the mailbox
        does not change."""
        state = (change_stamp(self.world, mailbox), len(self.expired.get(mailbox, ())))
        known = self._snaps.get(mailbox)
        if known is None or known[0] != state:
            known = (state, {})
            self._snaps[mailbox] = known
        key = json.dumps(definition, sort_keys=True)
        snap = known[1].get(key)
        if snap is None:
            snap = mfr_snapshot(self.world, mailbox, definition)
            for gone in self.expired.get(mailbox, ()):  # M3: they stay out of both views
                snap.live.pop(gone, None)
                snap.ineligible.add(gone)
            known[1][key] = snap
        return snap

    def mfr_boundary(self, task: int, mailbox: str, at: datetime) -> None:
        run = self.current_run(task)
        if run is not None and not self.at_slot(task, run.start):
            return  # not a scheduled run: nothing it saw counts as a boundary (R3)
        owner = self.owner.get(mailbox)
        if owner is not None and owner != task and owner not in self.deleted_tasks:
            self.verdict("T8").fail(f"{mailbox} replicated by task {task} while task {owner} owns it")
        else:
            self.owner[mailbox] = task
            self.verdict("T8").ok()
        self.processed_by.setdefault(task, set()).add(mailbox)
        removed_at = self.replaced.get(mailbox)
        fresh = removed_at is not None and self.tasks[task].created >= removed_at
        if not self.tracks(mailbox):
            if fresh:
                del self.replaced[mailbox]  # replicated by the new task: not modelled, not judged
            return
        definition, snap = self.judge_run(task, run, mailbox, at)
        if fresh:
            self.check_fresh_start(task, run, mailbox, snap)
        model = self.models.setdefault(mailbox, MailboxModel())
        stamp = (self._snaps[mailbox][0], json.dumps(definition, sort_keys=True))
        if model.stamp == stamp:
            model.boundaries += 1  # nothing changed since the last boundary: the same snapshot
        else:
            model.boundary(snap)
            model.stamp = stamp

    def judge_run(self, task: int, run: WireRun | None, mailbox: str, at: datetime) -> tuple[dict[str, Any], Snapshot]:
        """R1 at this boundary and T1: the Live View the run's submissions built (from the
        wire) must be the mailbox as the run read it, under a definition the run may
        have had — the same one for every mailbox of the run."""
        timeline = self.tasks[task].timeline
        if run is None:
            candidates = [timeline.at("definition", at)]
        else:
            if run.candidates is None:
                run.candidates = timeline.allowed("definition", run.start)
            candidates = run.candidates
        observed = self.observed.get(mailbox, set())
        snaps = [(d, self.snapshot(mailbox, d)) for d in candidates]
        matching = [(d, s) for d, s in snaps if pairs(s) == observed]
        if matching:
            if run is not None:
                run.candidates = [d for d, _ in matching]
            if len(timeline.saved["definition"]) > 1:
                self.verdict("T1").ok()
            self.verdict("R1").ok()
            return matching[0]
        definition, snap = snaps[0]
        wrong = [
            spec
            for saved_at, spec in timeline.saved["definition"]
            if not any(same(spec, c) for c in candidates) and pairs(self.snapshot(mailbox, spec)) == observed
        ]
        started = run.start if run is not None else at
        if wrong:
            self.verdict("T1").fail(
                f"task {task}: {mailbox} was replicated at {at} with a definition the execution started at "
                f"{started} could not have (T1: it keeps the one it started with; a change counts from 120 s)"
            )
        else:
            expected = pairs(snap)
            self.verdict("R1").fail(
                f"{mailbox}: after task {task}'s run at {at} its submissions built a Live View that is not the "
                f"mailbox: missing {sorted(expected - observed)[:3]}, unexpected {sorted(observed - expected)[:3]}"
            )
        return definition, snap

    def check_fresh_start(self, task: int, run: WireRun | None, mailbox: str, snap: Snapshot) -> None:
        """R9: the first run of a task on a mailbox a removed task processed replicates it
        in full — every item placed anew, nothing taken from the removed task's state."""
        del self.replaced[mailbox]
        if run is None:
            self.verdict("T10").fail(f"task {task} replicated {mailbox} in no execution its log announced")
            return
        missing = pairs(snap) - run.placed.get(mailbox, set())
        if missing:
            self.verdict("R9").fail(
                f"task {task}'s first run on {mailbox} was no full replication: {len(missing)} items not "
                f"submitted, e.g. {sorted(missing)[:2]}"
            )
        else:
            self.verdict("R9").ok()

    # -- what crosses the wire ---------------------------------------------------------------------

    def on_wire(self, record: WireRecord) -> None:
        if record.service == "console":
            if record.path == "/api/site/log" and record.status == 200:
                self.log_lines(record)
            elif record.path == "/api/site/progress" and record.status == 200:
                self.progress(record)
            return
        call = archive_call(record)
        if "K1" in self.verdicts:
            self.check_scope(call)
        if record.status != 200 or self.probing:
            return
        body = record.body
        if record.path == "/api/submissions" and body.get("kind", "mfr") == "mfr":
            self.submitted(record)
        elif record.path == "/api/submissions" and record.answer.get("applied"):
            self.accepted[int(body["task_id"])] = self.accepted.get(int(body["task_id"]), 0) + 1
        elif record.path == "/api/expire":
            mailbox = str(body["mailbox"]).lower()
            self.wire_expired.setdefault(mailbox, set()).update(body["items"])
            self.check_expiry(mailbox, set(body["items"]), record.at)
            live = self.observed.get(mailbox)
            if live is not None:
                self.observed[mailbox] = {p for p in live if p[0] not in self.wire_expired[mailbox]}
        elif record.path == "/api/purge":
            self.purges.extend((record.at, str(body["mailbox"]).lower(), e) for e in body["entries"])

    def log_lines(self, record: WireRecord) -> None:
        """T10 lines: an execution starts at its 'executing task' line, ends at TaskExit."""
        for line in record.body.get("lines", []):
            started = START.search(line)
            if started:
                task = int(started.group(1))
                self.runs.setdefault(task, []).append(WireRun(task, record.site, record.at))
                continue
            ended = EXIT.search(line)
            if ended:
                run = self.current_run(int(ended.group(1)))
                if run is not None and run.end is None:
                    run.end, run.message = record.at, ended.group(2)

    def progress(self, record: WireRecord) -> None:
        """The rows the console shows once an execution ends: T7, T8, T9 are judged on them."""
        body = record.body
        if body.get("status") == "Running" or not body.get("mailboxes"):
            return
        task = int(body["task_id"])
        run = self.current_run(task)
        if run is None or task not in self.tasks:
            return
        run.rows = body["mailboxes"]
        for row in run.rows:
            if row["result"] in ("Success", "Skipped"):
                self.check_t9(row["mailbox"], row["result"], row.get("reason", ""), record.at)
            if row["result"] == "Duplicate" and self.tasks[task].type == "mfr":
                self.check_duplicate(task, row)
        if task in self.group_of and run.message != "Failed":
            self.check_t7(task, run, {row["mailbox"] for row in run.rows})

    def check_duplicate(self, task: int, row: dict[str, Any]) -> None:
        """T8: Duplicate because another task has the mailbox — never because of a task
        that was removed (its hold went with it, R9)."""
        holder = self.owner.get(row["mailbox"])
        named = [int(n) for n in TASK_NUMBER.findall(row.get("reason", ""))]
        if any(n in self.deleted_tasks for n in named):
            self.verdict("T8").fail(f"{row['mailbox']}: Duplicate for task {task}: {row['reason']} (a removed task)")
        elif holder is not None and holder != task:
            self.verdict("T8").ok()

    def submitted(self, record: WireRecord) -> None:
        """An MFR submission: what it placed (R9's full replication), the Live View the
        mailbox's submissions build (R1 at each boundary), the Sequence it counts."""
        body, answer = record.body, record.answer
        task, mailbox = int(body["task_id"]), str(body["mailbox"]).lower()
        if not answer.get("applied"):
            return  # a replay, applied before
        self.accepted[task] = self.accepted.get(task, 0) + 1
        run = self.current_run(task)
        placements = {(p["item"], p["folder_id"]) for p in body.get("placements", [])}
        if run is not None:
            run.placed.setdefault(mailbox, set()).update(placements)
        if not self.tracks(mailbox):
            return
        if body.get("full"):
            self.observed[mailbox] = set()  # a full replication replaces the Live View
        live = self.observed.setdefault(mailbox, set())
        gone_folders = {f["id"] for f in body.get("removed_folders", [])}
        if gone_folders:
            live -= {p for p in live if p[1] in gone_folders}
        live -= {(r["item"], r["folder_id"]) for r in body.get("removed_placements", [])}
        expired = self.wire_expired.get(mailbox, set())
        live |= {p for p in placements if p[0] not in expired}  # M3: the archive keeps expired items out

    # -- K1: a site's key reaches only its own tasks and their mailboxes -----------------------------

    def processes(self, task: Task, mailbox: str, at: datetime) -> bool:
        addresses = task.addresses
        if addresses is not None:
            return mailbox in addresses
        history = self.memberships.get(task.id, [])
        recent = [m for when, m in history if when >= at - MEMBERSHIP_WINDOW]
        before = [m for when, m in history if when < at - MEMBERSHIP_WINDOW][-1:]
        return any(mailbox in members for members in recent + before)

    def check_scope(self, call: Call) -> None:
        if self.probing:
            if call.status in (401, 403, 404, 410):
                self.verdict("K1").ok()
            else:
                self.verdict("K1").fail(
                    f"the archive answered {call.status} to site {call.site}'s {call.what} "
                    f"on another site's task or mailbox ({call.task}, {call.mailboxes})"
                )
            return
        task = self.tasks.get(call.task) if call.task is not None else None
        if call.task is not None and (task is None or task.site != call.site):
            self.verdict("K1").fail(f"site {call.site} sent {call.what} for task {call.task}, not one of its own")
            return
        for mailbox in call.mailboxes:
            mine = [task] if task is not None else [t for t in self.tasks.values() if t.site == call.site]
            if not any(self.processes(t, mailbox, call.at) for t in mine):
                self.verdict("K1").fail(
                    f"site {call.site} sent {call.what} for {mailbox}, which none of its tasks processes"
                )
                return
        allowed = {200}
        if call.what == "POST /api/submissions":
            allowed.add(409)  # T8: another site's MFR task has the mailbox
        if call.task in self.deleted_tasks:
            allowed.add(410)  # its last mailbox, finished after its removal
        if call.status in allowed:
            self.verdict("K1").ok()
        else:
            self.verdict("K1").fail(f"the archive refused site {call.site}'s own {call.what} ({call.status})")

    # -- T7, T9 ------------------------------------------------------------------------------------

    def check_t9(self, mailbox: str, result: str, reason: str, at: datetime) -> None:
        """T9: disabled, unlicensed and mailbox-less accounts are Skipped with the reason
        (judged only when the account did not change within the cache hour, T7)."""
        changed = self.directory_changes.get(mailbox)
        if changed is not None and at - changed < timedelta(hours=1, minutes=5):
            return
        expected = skip_reason(self.world, mailbox)
        if expected is None and result == "Skipped":
            if "R7" in reason:
                return  # deferred inside a full-sync exclusion window, not an account matter
            self.verdict("T9").fail(f"{mailbox}: Skipped ({reason}) though the account is eligible")
        elif expected is not None and (result != "Skipped" or reason != expected):
            self.verdict("T9").fail(f"{mailbox}: {result} ({reason}), expected Skipped ({expected})")
        else:
            self.verdict("T9").ok()

    def check_t7(self, task: int, run: WireRun, processed: set[str]) -> None:
        """T7: an execution processes the group as it was at some moment of the hour
        before it started (membership is cached for an hour)."""
        if self.stopped_at is not None and run.end is not None and run.end >= self.stopped_at:
            return  # stopped at the horizon: it did not get through its mailboxes
        window = run.start - timedelta(hours=1, minutes=2)
        history = self.memberships.get(task, [])
        candidates = [m for at, m in history if at >= window] + [m for at, m in history if at < window][-1:]
        if any(frozenset(processed) == m for m in candidates):
            self.verdict("T7").ok()
        else:
            self.verdict("T7").fail(
                f"task {task}: run at {run.start} processed {len(processed)} mailboxes, "
                f"not the group's membership of the hour before"
            )

    def on_request(self, record: RequestRecord) -> None:
        if record.mailbox:
            self.requests.setdefault(record.mailbox, []).append(record)

    # -- Managed Folders (M1, M3) as runs end ---------------------------------------------------------

    def managed_done(self, task: int, mailbox: str, definition: dict[str, Any], at: datetime) -> None:
        """M3: items whose Expire View lifespan passed leave the views (from now on)."""
        if definition.get("dry_run"):
            return
        runs = self.managed_before.get(mailbox, [])
        before = runs[-1][1] if runs else {}
        self.managed_last[mailbox] = before
        gone = set()
        for key, item in before.items():
            self.sources.add(item.source)
            if self.expiry_due(item, at):
                gone.add(key)
        if gone:
            self.expired.setdefault(mailbox, set()).update(gone)
            model = self.models.get(mailbox)
            if model is not None:
                model.live = {k: v for k, v in model.live.items() if k not in gone}
                model.full = {p: d for p, d in model.full.items() if p[0] not in gone}

    @staticmethod
    def expiry_due(item: ManagedItem, at: datetime) -> bool:
        rule = item.policy.get("expire_view")
        return rule is not None and item.received <= at.timestamp() - rule["lifespan_days"] * 86_400

    def check_expiry(self, mailbox: str, items: set[str], at: datetime) -> None:
        """M1/M3 on the wire: the archive is told to expire only items whose folder's
        policy (M1, the oracle's own reading) has an Expire View that has run out."""
        runs = [snap for started, snap in self.managed_before.get(mailbox, []) if started <= at]
        before = runs[-1] if runs else {}
        for key in sorted(items):
            item = before.get(key)
            if item is None or not item.policy.get("expire_view"):
                self.verdict("M1").fail(f"{mailbox}: {key} expired, though its folder's policy has no Expire View")
            elif not self.expiry_due(item, at):
                self.verdict("M3").fail(f"{mailbox}: {key} expired before its Expire View lifespan")
            else:
                self.verdict("M1").ok()

    # -- the verdicts at the end --------------------------------------------------------------------

    def check_views(self, views: dict[str, tuple[set[Pair], dict[Pair, bool]]]) -> None:
        """R1 to R4 (and R9, through the model), M3: the archive's Live and Full View of
        each replicated mailbox against the model.  ``views``: mailbox → (live pairs,
        full pairs → deleted)."""
        excluded_later = {task for _, task, what, value in self.changes if what == "definition"}
        for mailbox, model in sorted(self.models.items()):
            live, full = views[mailbox]
            expected_live = {(k, f) for k, folders in model.live.items() for f in folders}
            self._compare("R1", mailbox, "Live View", expected_live, live)
            placed = {p for p in model.full}
            ok_full = self._compare("R2", mailbox, "Full View entries", placed, set(full))
            marked = {p for p, d in model.full.items() if d}
            ok_marks = self._compare(
                "R3", mailbox, "Full View deleted marks", marked, {p for p, d in full.items() if d}
            )
            if self.owner.get(mailbox) in excluded_later or any(
                mailbox in self.processed_by.get(t, set()) for t in excluded_later
            ):
                # R4: the definition changed under this mailbox; its Full View must have kept its entries
                if ok_full and ok_marks:
                    self.verdict("R4").ok()
                else:
                    self.verdict("R4").fail(f"{mailbox}: Full View after the definition change differs (see R2/R3)")
            gone = self.expired.get(mailbox, set())
            if gone:
                kept = {k for k, _ in live | set(full) if k in gone}
                if kept:
                    self.verdict("M3").fail(f"{mailbox}: expired items still in the views: {sorted(kept)[:3]}")
                else:
                    self.verdict("M3").ok(len(gone))
        for task in sorted(self.deleted_tasks):
            if self.processed_by.get(task):  # a removed task that had replicated something (one check each)
                self.verdict("R9").ok()

    def _compare(self, rule: str, mailbox: str, what: str, expected: set[Any], actual: set[Any]) -> bool:
        if expected == actual:
            self.verdict(rule).ok()
            return True
        missing = sorted(expected - actual)[:3]
        extra = sorted(actual - expected)[:3]
        self.verdict(rule).fail(f"{mailbox} {what}: missing {missing}, unexpected {extra}")
        return False

    def check_fresh_starts(self) -> None:
        """R9: a mailbox a removed task processed, which a later MFR task has processed
        since, was replicated in full by it (see check_fresh_start) — a new task that
        met it only as Duplicate or Error inherited something."""
        for mailbox, removed_at in sorted(self.replaced.items()):
            for task in self.tasks.values():
                if task.type != "mfr" or task.created < removed_at:
                    continue
                met = [r for r in self.runs.get(task.id, []) if any(row["mailbox"] == mailbox for row in r.rows or [])]
                if met:
                    results = sorted({row["result"] for r in met for row in r.rows or [] if row["mailbox"] == mailbox})
                    self.verdict("R9").fail(
                        f"task {task.id}, created after the removal, never replicated {mailbox} ({', '.join(results)})"
                    )

    def check_r9_now(self, mailbox: str, live: set[Pair], full: set[Pair]) -> None:
        """Right after a task's removal: its mailboxes' Full View is the Live View."""
        if live == full:
            self.verdict("R9").ok()
        else:
            self.verdict("R9").fail(f"{mailbox}: Full View not reset to the Live View ({len(full)} vs {len(live)})")

    def check_sequences(self, archive: dict[int, int], console: dict[int, int | None]) -> None:
        """Each task's Sequence counts its own accepted submissions, as the wire saw them
        — a new task never starts from a removed one's count (R9) — and the console shows
        the archive's number."""
        for task, counted in sorted(archive.items()):
            seen = self.accepted.get(task, 0)
            if counted != seen:
                self.verdict("R9").fail(
                    f"task {task}: the archive's Sequence is {counted}, its accepted batches {seen}"
                )
            elif console.get(task) is not None and console[task] != counted:
                self.verdict("R9").fail(
                    f"task {task}: the console shows Sequence {console[task]}, the archive {counted}"
                )
            else:
                self.verdict("R9").ok()

    def check_logs(self, logs: dict[int, list[dict[str, Any]]]) -> None:
        """T10: a task's log holds its own lines only (none from before it was created)
        and a start and an exit line for each of its executions."""
        for task, lines in sorted(logs.items()):
            created = self.tasks[task].created
            early = [line for line in lines if datetime.fromisoformat(line["at"]) < created]
            if early:
                self.verdict("T10").fail(f"task {task}: log lines from before it was created: {early[0]['line']}")
                continue
            text = [line["line"] for line in lines]
            starts = sum(1 for line in text if START.search(line))
            exits = sum(1 for line in text if EXIT.search(line))
            # every execution ends with its exit line, those the horizon stopped included
            # (the runner lets them finish their current mailbox)
            if exits != starts or starts < len(self.runs.get(task, [])):
                self.verdict("T10").fail(f"task {task}: {starts} start and {exits} exit lines in its log")
            else:
                self.verdict("T10").ok()

    def check_calendars(self, replicas: dict[str, dict[str, str]]) -> None:
        for mailbox, expected in sorted(self.calendar_snaps.items()):
            self._compare("C1", mailbox, "calendar replica", set(expected.items()), set(replicas[mailbox].items()))

    def check_schedules(self, zones: dict[int, str]) -> None:
        """T4: a task never runs twice at once; each start is a slot of the schedule
        saved then, and the first slot strictly after the previous run ended (unless
        something changed in between).  Starts and ends are the T10 lines on the wire."""
        for task, runs in self.runs.items():
            if task not in zones or task not in self.tasks:
                continue
            timeline = self.tasks[task].timeline
            for a, b in itertools.pairwise(runs):
                if a.end is None or b.start < a.end:
                    self.verdict("T4").fail(f"task {task}: a run started at {b.start} while one ran since {a.start}")
                    continue
                if self._disturbed(task, a.end, b.start):
                    continue
                schedule = timeline.at("schedule", a.end)
                slots = schedule_slots(schedule, zones[task], a.end, b.start)
                if slots and slots[0] < b.start:
                    self.verdict("T4").fail(f"task {task}: slot {slots[0]} skipped after the run ending {a.end}")
                elif b.start not in slots and schedule["kind"] != "one_off":
                    self.verdict("T4").fail(f"task {task}: started at {b.start}, not a slot")
                else:
                    self.verdict("T4").ok()

    def _disturbed(self, task: int, start: datetime, end: datetime) -> bool:
        if any(start <= at <= end for at, t, _, _ in self.changes if t in (task, 0)):
            return True
        return any(s <= end and start <= e for s, e in self.quiet)

    def check_x2(self) -> None:
        """X2: after ErrorServerBusy with BackOffMilliseconds, the next request for that
        mailbox waits at least that long."""
        for mailbox, records in self.requests.items():
            for a, b in itertools.pairwise(records):
                if a.outcome == "ErrorServerBusy" and a.back_off_ms:
                    if (b.at - a.at).total_seconds() * 1000 + 1e-6 < a.back_off_ms:
                        self.verdict("X2").fail(
                            f"{mailbox}: retried {(b.at - a.at).total_seconds():.1f} s after a "
                            f"{a.back_off_ms} ms back-off"
                        )
                    else:
                        self.verdict("X2").ok()

    def check_storage(
        self, entries: list[dict[str, Any]], archived: dict[str, set[str]], received: dict[str, int]
    ) -> None:
        """S1/S2: every stub or delete the archive recorded was for an item archived and
        readable by its mailbox, and old enough under the definition saved then."""
        for entry in entries:
            task, mailbox, key = entry["task_id"], entry["mailbox"], entry["item"]
            when = datetime.fromisoformat(entry["at"])
            older_than = int(self.tasks[task].timeline.at("definition", when).get("older_than_days", 0))
            if mailbox not in archived.get(key, set()):
                self.verdict("S2").fail(f"{mailbox}: {entry['action']} on {key}, never confirmed archived and readable")
            else:
                self.verdict("S2").ok()
            got = received.get(key)
            if got is not None and got > when.timestamp() - older_than * 86_400:
                self.verdict("S1").fail(f"{mailbox}: {key} acted on at {entry['at']}, younger than the criterion")
            else:
                self.verdict("S1").ok()

    def check_managed(
        self, entries: list[dict[str, Any]], purge_dates: dict[str, float | None], archived: dict[str, set[str]]
    ) -> None:
        """M1/M2: what Managed Folders deleted had an Exchange Delete policy (M1, the
        oracle's reading of the folder), was old enough, read (or "delete unread" on)
        and confirmed archived and readable; M4: the purge dates it sent are received +
        the Archive Purge lifespan of the item's policy, and the archive holds them."""
        for entry in entries:
            mailbox, key = entry["mailbox"], entry["item"]
            when = datetime.fromisoformat(entry["at"])
            item = self.item_when(mailbox, key, when)
            rule = item.policy.get("exchange_delete") if item else None
            at = when.timestamp()
            if item is None or rule is None:
                self.verdict("M1").fail(f"{mailbox}: {key} deleted, though its folder's policy has no Exchange Delete")
                continue
            self.verdict("M1").ok()
            if item.received > at - rule["lifespan_days"] * 86_400:
                self.verdict("M2").fail(f"{mailbox}: {key} deleted before its lifespan")
            elif not item.is_read and not rule.get("delete_unread"):
                self.verdict("M2").fail(f"{mailbox}: unread {key} deleted though 'delete unread' is off")
            elif mailbox not in archived.get(key, set()):
                self.verdict("M2").fail(f"{mailbox}: {key} deleted though not archived and readable")
            else:
                self.verdict("M2").ok()
        for when, mailbox, sent in self.purges:
            item = self.item_when(mailbox, sent["item"], when)
            rule = item.policy.get("archive_purge") if item else None
            if item is None or rule is None:
                self.verdict("M1").fail(
                    f"{mailbox}: purge date sent for {sent['item']}, whose policy has no Archive Purge"
                )
            elif (
                sent["lifespan_days"] != rule["lifespan_days"]
                or abs(datetime.fromisoformat(sent["received"]).timestamp() - item.received) > 1
            ):
                self.verdict("M4").fail(f"{mailbox}: {sent['item']} purge sent as {sent}, expected the policy's")
            else:
                self.verdict("M4").ok()
        for mailbox, items in self.managed_last.items():
            for key, item in items.items():
                rule = item.policy.get("archive_purge")
                if rule is None or key not in purge_dates:
                    continue
                expected = item.received + rule["lifespan_days"] * 86_400
                got = purge_dates[key]
                if got is None or abs(got - expected) > 1:
                    self.verdict("M4").fail(f"{mailbox}: {key} purge date {got}, expected received + lifespan")
                else:
                    self.verdict("M4").ok()
        if {"managed", "well_known", "default"} <= self.sources and self.verdict("M1").status != "fail":
            self.verdict("M1").ok()

    def item_when(self, mailbox: str, key: str, when: datetime) -> ManagedItem | None:
        """The item as the Managed Folders run that acted at ``when`` found it."""
        runs = [snap for started, snap in self.managed_before.get(mailbox, []) if started <= when]
        return runs[-1].get(key) if runs else None

    def check_stubs_recorded(self, stubbed: dict[str, set[str]], recorded: dict[str, set[str]]) -> None:
        """S3: every item that carries a stub mark was stubbed by a task that recorded it."""
        for mailbox, keys in stubbed.items():
            missing = keys - recorded.get(mailbox, set())
            if missing:
                self.verdict("S3").fail(f"{mailbox}: stubbed without a record: {sorted(missing)[:3]}")
            elif keys:
                self.verdict("S3").ok(len(keys))


__all__ = ["Oracle", "Task", "Verdict", "pairs"]
