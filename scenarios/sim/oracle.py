"""The oracle: ground truth recorded from the mock stores at every run boundary, and
the archive and console checked against domain.md with a small reference model of its
own (architecture: "the oracle stands apart" — nothing here calls the engine's or the
archive's logic; it reads the mock stores, the archive's and console's HTTP APIs, and
what the site reports happened).

Per rule, a verdict (pass, fail with a minimal diff, or not exercised)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mockews.service import RequestRecord
from mockews.store import World
from mockews.store.model import Folder, Item

PRIVATE = frozenset({"Personal", "Private"})
EV = "IPM.Note.EnterpriseVault.Shortcut"
STUB_PREFIX = "IPM.Note.Synceng."
EXCLUDABLE = {"exclude_inbox": "inbox", "exclude_sent_items": "sentitems", "exclude_deleted_items": "deleteditems"}


def key_of(item: Item) -> str | None:
    if not item.message_id:
        return None
    sent = datetime.fromtimestamp(item.sent, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if item.sent else ""
    return f"{item.message_id}|{sent}"


def is_mail(folder: Folder) -> bool:
    cls = folder.folder_class
    return cls is None or cls == "" or cls == "IPF.Note" or cls.startswith("IPF.Note.")


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


@dataclass
class Snapshot:
    live: dict[str, set[str]]  # key → folder ids where it is placed
    ineligible: set[str]  # keys present in included folders but not placeable (private, EV, …)
    included: set[str]  # folder ids included
    folders: set[str]  # every folder id that exists


def change_stamp(world: World, mailbox: str) -> tuple[int, int]:
    """Changes when anything in the mailbox changes: its latest item change and its
    latest hierarchy change (the store's own journal sequence numbers)."""
    box = world.mailbox(mailbox)
    return max((f.journal.last_seq for f in box.folders()), default=0), box.hierarchy.log.last_seq


def mfr_snapshot(world: World, mailbox: str, definition: dict[str, Any]) -> Snapshot:
    """R1 from the store: exactly the non-excluded mail folders and their eligible items."""
    box = world.mailbox(mailbox)
    root = box.well_known("msgfolderroot")
    excluded = {box.well_known(name).id for flag, name in EXCLUDABLE.items() if definition.get(flag)}
    include_ev = bool(definition.get("include_ev_shortcuts"))
    live: dict[str, set[str]] = {}
    ineligible: set[str] = set()
    included: set[str] = set()
    every: set[str] = set()
    for folder in root.walk():
        every.add(folder.id)
        node: Folder | None = folder
        ok = True
        while node is not None and node is not root:
            if node.id in excluded or not is_mail(node):
                ok = False
                break
            node = node.parent
        if not ok or node is not root:
            continue
        included.add(folder.id)
        for item in folder.items.values():
            key = key_of(item)
            if key is None:
                continue
            if (item.sensitivity or "Normal") in PRIVATE or (item.item_class == EV and not include_ev):
                ineligible.add(key)
                continue
            live.setdefault(key, set()).add(folder.id)
    return Snapshot(live, ineligible - set(live), included, every)


@dataclass
class MailboxModel:
    """R2/R3 for one mailbox: the Full View as the union of boundary snapshots, with
    the last location of items gone (for good) marked deleted."""

    live: dict[str, set[str]] = field(default_factory=dict)
    full: dict[tuple[str, str], bool] = field(default_factory=dict)  # (key, folder) → deleted
    boundaries: int = 0
    stamp: Any = None  # the mailbox's state when the model last took a snapshot

    def boundary(self, snap: Snapshot) -> None:
        for key, folders in snap.live.items():
            for folder in folders:
                self.full[(key, folder)] = False
        for key, folders in self.live.items():
            if key in snap.live:
                continue  # moved, or still where it was
            if key in snap.ineligible:
                continue  # turned private (or otherwise ineligible): history kept, not deleted
            if all(f in snap.folders and f not in snap.included for f in folders):
                continue  # its folder was excluded later (R4): entries stay, unmarked
            for folder in folders:
                self.full[(key, folder)] = True
        self.live = {k: set(v) for k, v in snap.live.items()}
        self.boundaries += 1

    def reset(self) -> None:
        """R9: the Full View becomes the Live View."""
        self.full = {(k, f): False for k, folders in self.live.items() for f in folders}


def schedule_slots(spec: dict[str, Any], zone: str, after: datetime, until: datetime) -> list[datetime]:
    """Slots of a schedule in (after, until], from the spec alone (T5) — an independent
    reading for the oracle."""
    tz = ZoneInfo(zone)
    kind = spec["kind"]
    if kind == "one_off":
        at = datetime.fromisoformat(spec["at"]).replace(tzinfo=tz).astimezone(UTC)
        return [at] if after < at <= until else []
    times = spec["times"]
    start = time.fromisoformat(times["start"])
    if times.get("mode", "once") == "once":
        minutes = [start.hour * 60 + start.minute]
    else:
        end = time.fromisoformat(times["end"])
        step = int(times["interval_minutes"])
        minutes = list(range(start.hour * 60 + start.minute, end.hour * 60 + end.minute + 1, step))
    days = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
    weekdays = {days[d] for d in spec.get("weekdays", days)} if kind == "weekly" else set(range(7))
    out: list[datetime] = []
    day: date = after.astimezone(tz).date() - timedelta(days=1)
    while day <= until.astimezone(tz).date() + timedelta(days=1):
        if day.weekday() in weekdays:
            for m in minutes:
                local = datetime(day.year, day.month, day.day, m // 60, m % 60, tzinfo=tz)
                at = local.astimezone(UTC)
                if after < at <= until and at not in out:
                    out.append(at)
        day += timedelta(days=1)
    return sorted(out)


@dataclass
class Execution:
    task: int
    start: datetime
    end: datetime | None = None
    spec_start: dict[str, Any] | None = None
    spec_end: dict[str, Any] | None = None


def skip_reason(world: World, mailbox: str) -> str | None:
    """T9: why a task skips this mailbox now (None: it is processed)."""
    user = world.directory.user_by_mail(mailbox)
    if user is None or not user.has_mailbox:
        return "no mailbox"
    if not user.account_enabled:
        return "account disabled"
    if not user.licensed:
        return "account not licensed"
    return None


class Oracle:
    def __init__(self, world: World, rules: Iterable[str], tracked: set[str] | None = None) -> None:
        self.world = world
        self.rules = list(rules)
        self.verdicts = {rule: Verdict(rule) for rule in self.rules}
        #: the mailboxes whose R1-R3 models are kept (None: all) — a large tenant's views
        #: are checked on a sample, and modelling only the sample keeps the oracle cheap
        self.tracked = tracked
        self.models: dict[str, MailboxModel] = {}
        self.processed_by: dict[int, set[str]] = {}  # MFR task → mailboxes it replicated
        self.calendar_snaps: dict[str, dict[str, str]] = {}  # mailbox → uid → subject
        self.executions: list[Execution] = []
        self.running: dict[int, Execution] = {}
        self.owner: dict[str, int] = {}  # T8: mailbox → MFR task replicating it
        self.deleted_tasks: set[int] = set()
        self.requests: dict[str, list[RequestRecord]] = {}
        self.changes: list[tuple[datetime, int, str, Any]] = []  # (when, task, what, new value)
        self.quiet: list[tuple[datetime, datetime]] = []  # windows where T4 gaps are expected
        self.trace: list[dict[str, Any]] = []
        self.directory_changes: dict[str, datetime] = {}  # mailbox → when its account last changed
        #: mailbox → (when its processing began, its items then), for every Managed Folders run
        self.managed_before: dict[str, list[tuple[datetime, dict[str, ManagedItem]]]] = {}
        self.managed_last: dict[str, dict[str, ManagedItem]] = {}  # mailbox → items at its latest managed run
        self.expired: dict[str, set[str]] = {}  # mailbox → keys that left the views (M3)
        self.sources: set[str] = set()  # M1: policy sources met
        self.memberships: dict[int, list[tuple[datetime, frozenset[str]]]] = {}  # T7: task → membership history
        self.group_of: dict[int, Callable[[], frozenset[str]]] = {}  # T7: task → current membership
        self.execution_rows: dict[int, set[str]] = {}  # task → mailboxes of its running execution
        self.stopped_at: datetime | None = None  # the horizon: sites stop, their runs end early
        #: whether a task's execution started at one of its slots (set by the runner): a run
        #: that did not is no run boundary (and T4 says so)
        self.at_slot: Callable[[int, datetime], bool] = lambda task, at: True

    def verdict(self, rule: str) -> Verdict:
        return self.verdicts.setdefault(rule, Verdict(rule))

    # -- what happens, as it happens ---------------------------------------------------------

    def on_site_event(self, kind: str, data: dict[str, Any]) -> None:
        at: datetime = data["at"]
        task = int(data.get("task", 0))
        entry = {"t": at.isoformat(), "event": kind, "site": data["site"], "task": task}
        if kind == "execution_start":
            execution = Execution(task, at, spec_start=data["spec"])
            self.running[task] = execution
            self.executions.append(execution)
            self.execution_rows[task] = set()
            if task in self.group_of:
                self.record_membership(task, at)
        elif kind == "execution_end":
            execution = self.running.pop(task, Execution(task, at))
            execution.end, execution.spec_end = at, data["spec"]
            entry["message"] = data["message"]
            if task in self.group_of and data["message"] != "Failed":
                self.check_t7(task, execution, self.execution_rows.pop(task, set()))
        elif kind == "mailbox_start":
            if data["type"] == "managed_folders":  # the mailbox as the task finds it (activity waits meanwhile)
                snapshot = managed_snapshot(self.world, data["mailbox"], data["spec"]["definition"])
                self.managed_before.setdefault(data["mailbox"], []).append((data["at"], snapshot))
            return  # not traced: the outcome is
        elif kind == "mailbox_done":
            entry.update(mailbox=data["mailbox"], result=data["result"])
            self.mailbox_done(task, data)
        self.trace.append(entry)

    def check_t9(self, mailbox: str, result: str, reason: str, at: datetime) -> None:
        """T9: disabled, unlicensed and mailbox-less accounts are Skipped with the reason
        (judged only when the account did not change within the cache hour, T7)."""
        changed = self.directory_changes.get(mailbox)
        if changed is not None and at - changed < timedelta(hours=1, minutes=5):
            return
        expected = skip_reason(self.world, mailbox)
        if expected is None and result == "Skipped":
            self.verdict("T9").fail(f"{mailbox}: Skipped ({reason}) though the account is eligible")
        elif expected is not None and (result != "Skipped" or reason != expected):
            self.verdict("T9").fail(f"{mailbox}: {result} ({reason}), expected Skipped ({expected})")
        else:
            self.verdict("T9").ok()

    def mailbox_done(self, task: int, data: dict[str, Any]) -> None:
        mailbox, result, kind = data["mailbox"], data["result"], data["type"]
        self.execution_rows.setdefault(task, set()).add(mailbox)
        if result in ("Success", "Skipped"):
            self.check_t9(mailbox, result, data.get("reason", ""), data["at"])
        if result != "Success":
            if result == "Duplicate" and kind == "mfr" and mailbox in self.owner:
                self.verdict("T8").ok()
            return
        if kind == "mfr":
            started = self.running.get(task)
            if started is not None and not self.at_slot(task, started.start):
                return  # not a scheduled run: nothing it saw counts as a boundary (R3)
            owner = self.owner.get(mailbox)
            if owner is not None and owner != task and owner not in self.deleted_tasks:
                self.verdict("T8").fail(f"{mailbox} replicated by task {task} while task {owner} owns it")
            else:
                self.owner[mailbox] = task
                self.verdict("T8").ok()
            self.processed_by.setdefault(task, set()).add(mailbox)
            if self.tracked is not None and mailbox not in self.tracked:
                return
            definition = data["spec"]["definition"]
            stamp = (
                change_stamp(self.world, mailbox),
                json.dumps(definition, sort_keys=True),
                len(self.expired.get(mailbox, ())),
            )
            model = self.models.setdefault(mailbox, MailboxModel())
            if model.stamp == stamp:
                model.boundaries += 1  # nothing changed since the last boundary: the same snapshot
            else:
                snap = mfr_snapshot(self.world, mailbox, definition)
                for key in self.expired.get(mailbox, ()):  # M3: they stay out of both views
                    snap.live.pop(key, None)
                    snap.ineligible.add(key)
                model.boundary(snap)
                model.stamp = stamp
        elif kind == "calendar":
            self.calendar_snaps[mailbox] = self.calendar_snapshot(mailbox, data["spec"]["definition"])
        elif kind == "managed_folders":
            self.managed_done(task, mailbox, data["spec"]["definition"], data["at"])

    def calendar_snapshot(self, mailbox: str, definition: dict[str, Any]) -> dict[str, str]:
        box = self.world.mailbox(mailbox)
        default = box.well_known("calendar")
        if definition.get("include", "default") == "default":
            folders = [default]
        else:
            root = box.well_known("msgfolderroot")
            folders = [f for f in root.walk() if (f.folder_class or "").startswith("IPF.Appointment")]
        return {item.id: item.subject or "" for f in folders for item in f.items.values()}

    def managed_done(self, task: int, mailbox: str, definition: dict[str, Any], at: datetime) -> None:
        """M3: items whose Expire View lifespan passed leave the views (from now on)."""
        if definition.get("dry_run"):
            return
        runs = self.managed_before.get(mailbox, [])
        before = runs[-1][1] if runs else {}
        self.managed_last[mailbox] = before
        now = at.timestamp()
        gone = set()
        for key, item in before.items():
            self.sources.add(item.source)
            rule = item.policy.get("expire_view")
            if rule and item.received <= now - rule["lifespan_days"] * 86_400:
                gone.add(key)
        if gone:
            self.expired.setdefault(mailbox, set()).update(gone)
            model = self.models.get(mailbox)
            if model is not None:
                model.live = {k: v for k, v in model.live.items() if k not in gone}
                model.full = {p: d for p, d in model.full.items() if p[0] not in gone}

    def record_membership(self, task: int, at: datetime) -> None:
        members = self.group_of[task]()
        history = self.memberships.setdefault(task, [])
        if not history or history[-1][1] != members:
            history.append((at, members))

    def check_t7(self, task: int, execution: Execution, processed: set[str]) -> None:
        """T7: an execution processes the group as it was at some moment of the hour
        before it started (membership is cached for an hour)."""
        if self.stopped_at is not None and execution.end is not None and execution.end >= self.stopped_at:
            return  # stopped at the horizon: it did not get through its mailboxes
        window = execution.start - timedelta(hours=1, minutes=2)
        history = self.memberships.get(task, [])
        candidates = [m for at, m in history if at >= window] + [m for at, m in history if at < window][-1:]
        if any(frozenset(processed) == m for m in candidates):
            self.verdict("T7").ok()
        else:
            self.verdict("T7").fail(
                f"task {task}: run at {execution.start} processed {len(processed)} mailboxes, "
                f"not the group's membership of the hour before"
            )

    def on_request(self, record: RequestRecord) -> None:
        if record.mailbox:
            self.requests.setdefault(record.mailbox, []).append(record)

    def task_deleted(self, task: int, at: datetime) -> None:
        """R9 at the console: the archive resets the Full View of the task's mailboxes."""
        self.deleted_tasks.add(task)
        for mailbox in self.processed_by.get(task, ()):
            if mailbox in self.models:
                self.models[mailbox].reset()
        for mailbox, owner in list(self.owner.items()):
            if owner == task:
                del self.owner[mailbox]
        self.trace.append({"t": at.isoformat(), "event": "task_deleted", "task": task})

    def changed(self, at: datetime, task: int, what: str, value: Any) -> None:
        self.changes.append((at, task, what, value))
        self.trace.append({"t": at.isoformat(), "event": f"changed_{what}", "task": task})

    def quiet_window(self, start: datetime, end: datetime) -> None:
        self.quiet.append((start, end))

    # -- the verdicts at the end --------------------------------------------------------------------

    def check_views(self, views: dict[str, tuple[set[tuple[str, str]], dict[tuple[str, str], bool]]]) -> None:
        """R1 to R4 (and R9, through the model): the archive's Live and Full View of each
        replicated mailbox against the model.  ``views``: mailbox → (live pairs, full
        pairs → deleted)."""
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
        if self.deleted_tasks and any(self.processed_by.get(t) for t in self.deleted_tasks):
            self.verdict("R9").ok()

    def _compare(self, rule: str, mailbox: str, what: str, expected: set[Any], actual: set[Any]) -> bool:
        if expected == actual:
            self.verdict(rule).ok()
            return True
        missing = sorted(expected - actual)[:3]
        extra = sorted(actual - expected)[:3]
        self.verdict(rule).fail(f"{mailbox} {what}: missing {missing}, unexpected {extra}")
        return False

    def check_r9_now(self, mailbox: str, live: set[tuple[str, str]], full: set[tuple[str, str]]) -> None:
        """Right after a task's removal: its mailboxes' Full View is the Live View."""
        if live == full:
            self.verdict("R9").ok()
        else:
            self.verdict("R9").fail(f"{mailbox}: Full View not reset to the Live View ({len(full)} vs {len(live)})")

    def check_calendars(self, replicas: dict[str, dict[str, str]]) -> None:
        for mailbox, expected in sorted(self.calendar_snaps.items()):
            self._compare("C1", mailbox, "calendar replica", set(expected.items()), set(replicas[mailbox].items()))

    def check_schedules(self, specs: dict[int, tuple[dict[str, Any], str]], horizon: datetime) -> None:
        """T4: a task never runs twice at once; each start is a slot, and the first slot
        strictly after the previous run ended (unless something changed in between)."""
        by_task: dict[int, list[Execution]] = {}
        for e in self.executions:
            by_task.setdefault(e.task, []).append(e)
        for task, runs in by_task.items():
            if task not in specs:
                continue
            _, zone = specs[task]
            for a, b in itertools.pairwise(runs):
                schedule = (b.spec_start or {}).get("schedule") or specs[task][0]  # what the site ran it on
                if a.end is None or b.start < a.end:
                    self.verdict("T4").fail(f"task {task}: a run started at {b.start} while one ran since {a.start}")
                    continue
                if self._disturbed(task, a.end, b.start):
                    continue
                slots = schedule_slots(schedule, zone, a.end, b.start)
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

    def check_t1(self) -> None:
        """T1: an execution runs with the configuration it started with; one that starts
        two minutes after a change has the change."""
        for e in self.executions:
            if e.spec_end is None or e.spec_start is None:
                continue
            if e.spec_start != e.spec_end:
                self.verdict("T1").fail(f"task {e.task}: configuration changed during the run of {e.start}")
                continue
            for at, task, what, value in self.changes:
                if task == e.task and e.start >= at + timedelta(seconds=120) and what in ("definition", "schedule"):
                    later = [c for c in self.changes if c[1] == task and c[2] == what and at < c[0] <= e.start]
                    if later:
                        continue
                    if e.spec_start.get(what) != value:
                        self.verdict("T1").fail(f"task {task}: run at {e.start} did not use the {what} saved at {at}")
                    else:
                        self.verdict("T1").ok()

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
        self,
        entries: list[dict[str, Any]],
        archived: dict[str, set[str]],
        received: dict[str, int],
        older_than: dict[int, int],
    ) -> None:
        """S1/S2: every stub or delete the archive recorded was for an item archived and
        readable by its mailbox, and old enough."""
        for entry in entries:
            task, mailbox, key = entry["task_id"], entry["mailbox"], entry["item"]
            if task not in older_than:
                continue
            if mailbox not in archived.get(key, set()):
                self.verdict("S2").fail(f"{mailbox}: {entry['action']} on {key}, never confirmed archived and readable")
            else:
                self.verdict("S2").ok()
            got = received.get(key)
            at = datetime.fromisoformat(entry["at"]).timestamp()
            if got is not None and got > at - older_than[task] * 86_400:
                self.verdict("S1").fail(f"{mailbox}: {key} acted on at {entry['at']}, younger than the criterion")
            else:
                self.verdict("S1").ok()

    def check_managed(
        self, entries: list[dict[str, Any]], purge_dates: dict[str, float | None], archived: dict[str, set[str]]
    ) -> None:
        """M2: what Managed Folders deleted was old enough under its folder's policy,
        read (or "delete unread" on) and confirmed archived and readable; M4: purge
        dates are received + the Archive Purge lifespan; M1: the policies came from the
        managed folders, the well-known folders and the default."""
        for entry in entries:
            mailbox, key = entry["mailbox"], entry["item"]
            when = datetime.fromisoformat(entry["at"])
            # the mailbox as the run that acted found it
            runs = [snap for started, snap in self.managed_before.get(mailbox, []) if started <= when]
            before = runs[-1].get(key) if runs else None
            rule = before.policy.get("exchange_delete") if before else None
            at = when.timestamp()
            if before is None or rule is None:
                self.verdict("M2").fail(f"{mailbox}: {key} deleted without an Exchange Delete policy")
            elif before.received > at - rule["lifespan_days"] * 86_400:
                self.verdict("M2").fail(f"{mailbox}: {key} deleted before its lifespan")
            elif not before.is_read and not rule.get("delete_unread"):
                self.verdict("M2").fail(f"{mailbox}: unread {key} deleted though 'delete unread' is off")
            elif mailbox not in archived.get(key, set()):
                self.verdict("M2").fail(f"{mailbox}: {key} deleted though not archived and readable")
            else:
                self.verdict("M2").ok()
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
        if self.expired:
            self.verdict("M3").ok(sum(len(v) for v in self.expired.values()))
        if {"managed", "well_known", "default"} <= self.sources:
            self.verdict("M1").ok()

    def check_stubs_recorded(self, stubbed: dict[str, set[str]], recorded: dict[str, set[str]]) -> None:
        """S3: every item that carries a stub mark was stubbed by a task that recorded it."""
        for mailbox, keys in stubbed.items():
            missing = keys - recorded.get(mailbox, set())
            if missing:
                self.verdict("S3").fail(f"{mailbox}: stubbed without a record: {sorted(missing)[:3]}")
            elif keys:
                self.verdict("S3").ok(len(keys))


__all__ = ["MailboxModel", "Oracle", "Snapshot", "Verdict", "key_of", "mfr_snapshot", "schedule_slots"]


# -- Managed Folders (M1 to M4), as the oracle reads domain.md -------------------------------------

POLICY_FOLDERS = ("inbox", "sentitems", "deleteditems", "drafts", "junkemail", "outbox")


def managed_policy(folder: Folder, root: Folder, definition: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """M1: (where the policy came from, the policy) for items of ``folder``."""
    if folder.parent is root:
        for managed in definition.get("managed_folders", []):
            if managed["name"].lower() == folder.name.lower():
                return "managed", managed["policy"]
    node: Folder | None = folder
    while node is not None and node is not root:
        if node.distinguished in POLICY_FOLDERS:
            policy = definition.get("well_known_policies", {}).get(node.distinguished)
            if policy is not None:
                return "well_known", policy
            break
        node = node.parent
    return "default", definition.get("default_policy") or {}


@dataclass
class ManagedItem:
    key: str
    folder: str
    received: float
    is_read: bool
    source: str
    policy: dict[str, Any]


def managed_snapshot(world: World, mailbox: str, definition: dict[str, Any]) -> dict[str, ManagedItem]:
    box = world.mailbox(mailbox)
    root = box.well_known("msgfolderroot")
    out: dict[str, ManagedItem] = {}
    for folder in root.walk():
        if not is_mail(folder):
            continue
        source, policy = managed_policy(folder, root, definition)
        for item in folder.items.values():
            key = key_of(item)
            if item.item_class == EV or (item.item_class or "").startswith(STUB_PREFIX):
                continue  # shortcuts and stubs are not managed: their archived copy is already governed
            if key is not None and item.received:
                out[key] = ManagedItem(key, folder.id, float(item.received), bool(item.is_read), source, policy)
    return out
