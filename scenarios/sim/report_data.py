"""What the scenario report shows, computed from what the run recorded
(scenarios.sim.observed, the trace, the administrator's timeline, the scenario's
fault windows) — plain data, so tests can assert on the numbers a plot is drawn from.

The backlog is measured, in one unit: a change a person made to a mailbox (an
arrival, a move, a delete, …) is *not yet replicated* from the moment it happened
until a task of the replicating type next reported that mailbox done (Success or
Warning) — the moment the archive's views reflect it.  Reads are left out: the Live
View holds where an item is, not whether it was read.  Changes in mailboxes no such
task ever replicated (Skipped accounts, mailboxes outside every group) are counted
apart, not as backlog."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate

from engine.durations import duration_text
from engine.model import TaskType

from .observed import Observed, Row
from .runner import RunResult
from .spec import AdminAction, FaultSpec, parse_offset

HOUR = timedelta(hours=1)
#: the activity kinds (scenarios.sim.activity) each replicating task type brings into the archive
MAIL_CHANGES = frozenset({"arrival", "sent", "move", "soft_delete", "hard_delete", "folder", "private"})
REPLICATES = {"mfr": MAIL_CHANGES, "calendar": frozenset({"calendar"})}
DONE = frozenset({"Success", "Warning"})
#: the rules in a line each (domain.md has them in full)
RULE_TITLES = {
    "R1": "Live View: the mailbox as the last successful run read it",
    "R2": "Full View: every (item, folder) pair ever seen, deleted ones marked",
    "R3": "only locations seen at run boundaries are recorded",
    "R4": "an exclusion added later keeps the Full View's entries",
    "R9": "removing a task resets its mailboxes' Full View; a new task starts afresh",
    "C1": "the calendar replica mirrors the calendar at each run",
    "S1": "storage management: candidates match every criterion, stubs never again",
    "S2": "storage management acts only on items the archive confirms",
    "S3": "storage management's effects: delete, full, attachment and universal stubs",
    "M1": "an item's policy: managed folder, else well-known folder, else default",
    "M2": "Exchange Delete after the lifespan, once the archive confirms",
    "M3": "Expire View: expired items leave the Live and Full View",
    "M4": "Archive Purge: purge date received + lifespan, held messages kept",
    "T1": "a saved change reaches the site within 2 min; a running execution keeps its own",
    "T4": "a task never runs twice at once; it starts at its schedule's slots",
    "T7": "group membership is resolved at the start, cached for an hour",
    "T8": "one task at a time per mailbox, one MFR task per mailbox (Duplicate)",
    "T9": "disabled, unlicensed and mailbox-less accounts are Skipped with the reason",
    "T10": "the task log has a start and an exit line for each execution",
    "X2": "EWS throttling is honoured: the back-off waited, retries bounded",
    "K1": "a site's key reaches only its own tasks and their mailboxes",
}
TARGETS = {"ews": "Exchange (EWS)", "console": "the console", "archive": "the archive", "directory": "the directory"}


def moment(at: datetime) -> str:
    """A simulated instant (UTC, to the minute): "Sat 1 Jun 12:00"."""
    return f"{at:%a} {at.day} {at:%b %H:%M}"


def type_label(kind: str) -> str:
    return TaskType(kind).label


def counted(count: int, one: str, many: str | None = None) -> str:
    """ "1 change", "3 changes", "2 mailboxes" (``many`` for an irregular plural)."""
    return f"{count:,} {one if count == 1 else many or one + 's'}"


# -- the backlog -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """Changes not yet replicated by one task type, as a step function: ``points``
    gives each value from its moment on."""

    type: str  # the task type's label
    label: str
    points: list[tuple[datetime, int]]
    counted: int  # changes counted
    left_out: int  # changes in mailboxes no task of this type replicated
    left_out_mailboxes: int

    @property
    def peak(self) -> int:
        return max(p[1] for p in self.points)

    def at(self, when: datetime) -> int:
        """The value at ``when`` (0 before the first change)."""
        index = bisect_right([p[0] for p in self.points], when)
        return self.points[index - 1][1] if index else 0


def replicated_at(rows: Iterable[Row], tasks: set[int]) -> dict[str, list[datetime]]:
    """Mailbox → when a task of ``tasks`` reported it done, in order."""
    out: dict[str, list[datetime]] = {}
    for row in rows:
        if row.task in tasks and row.result in DONE:
            out.setdefault(row.mailbox, []).append(row.done)
    return {mailbox: sorted(times) for mailbox, times in out.items()}


def backlog_series(observed: Observed, kind: str, start: datetime) -> Series:
    tasks = {task for task, info in observed.tasks.items() if info.type == kind}
    done = replicated_at(observed.rows, tasks)
    steps: list[tuple[datetime, int]] = []
    left_out: list[str] = []
    for change in observed.changes:
        if change.kind not in REPLICATES[kind]:
            continue
        times = done.get(change.mailbox)
        if not times:
            left_out.append(change.mailbox)
            continue
        steps.append((change.at, 1))
        index = bisect_right(times, change.at)  # a change while the run read the mailbox waits (activity)
        if index < len(times):
            steps.append((times[index], -1))
    steps.sort()
    points: list[tuple[datetime, int]] = [(start, 0)]
    for at, value in zip((s[0] for s in steps), accumulate(s[1] for s in steps), strict=True):
        if points[-1][0] == at:
            points[-1] = (at, value)  # several steps at one moment: the value after them all
        else:
            points.append((at, value))
    label = f"{type_label(kind)}: changes not yet replicated"
    changes = sum(1 for step in steps if step[1] > 0)
    return Series(type_label(kind), label, points, changes, len(left_out), len(set(left_out)))


def backlog(result: RunResult) -> list[Series]:
    """One series per replicating task type the scenario runs (MFR, Calendar)."""
    kinds = {info.type for info in result.observed.tasks.values()}
    return [backlog_series(result.observed, kind, result.start) for kind in REPLICATES if kind in kinds]


# -- throughput ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Throughput:
    """Items the sites handed the archive, per simulated hour, per task."""

    hours: list[datetime]  # each hour's start
    per_task: dict[str, list[int]]  # task name → items in each hour

    @property
    def total(self) -> int:
        return sum(sum(values) for values in self.per_task.values())


def throughput(result: RunResult) -> Throughput:
    observed = result.observed
    last = max([result.start + result.horizon, *(s.at for s in observed.sent)])
    count = max(1, -(-(last - result.start) // HOUR))  # whole hours, rounded up
    hours = [result.start + n * HOUR for n in range(count)]
    per_task: dict[str, list[int]] = {}
    for task, info in sorted(observed.tasks.items()):
        if any(s.task == task for s in observed.sent):
            per_task[info.name] = [0] * count
    for sent in observed.sent:
        name = observed.tasks[sent.task].name if sent.task in observed.tasks else ""
        if name in per_task:
            per_task[name][min(count - 1, (sent.at - result.start) // HOUR)] += sent.items
    return Throughput(hours, per_task)


# -- the time axis's marks: the administrator's actions, the fault windows ----------------------


@dataclass(frozen=True)
class Mark:
    number: int
    at: datetime
    offset: timedelta  # since the start, as the scenario gives it
    text: str


def action_text(action: AdminAction) -> str:
    """An administrator's action in words: "definition “All mail” changed"."""
    verb = action.action
    if verb in ("change_definition", "change_schedule"):
        what = "definition" if verb == "change_definition" else "schedule"
        return f"{what} “{action.definition if what == 'definition' else action.schedule}” changed"
    if verb == "change_task":
        changes = [
            f"{what} → “{name}”"
            for what, name in (("schedule", action.schedule), ("definition", action.definition))
            if name
        ]
        return f"task “{action.task}” changed: {', '.join(changes)}"
    if verb == "delete_task":
        return f"task “{action.task}” removed"
    if verb == "create_task" and action.new_task is not None:
        task = action.new_task
        return f"task “{task.name}” created ({type_label(task.type)} on {task.site})"
    return f"site {action.site} {'disabled' if verb == 'disable_site' else 'enabled'}"


def admin_marks(result: RunResult) -> list[Mark]:
    """The actions the runner performed (its timeline), in the order it performed them."""
    actions = sorted(result.scenario.admin, key=lambda a: parse_offset(a.at))
    marks = []
    for number, (entry, action) in enumerate(zip(result.timeline, actions, strict=False), start=1):
        at = datetime.fromisoformat(entry["t"])
        marks.append(Mark(number, at, at - result.start, action_text(action)))
    return marks


@dataclass(frozen=True)
class Window:
    kind: str  # throttling | ews_errors | outage | latency
    start: datetime
    end: datetime
    offset: timedelta
    text: str


def fault_text(fault: FaultSpec) -> str:
    target = TARGETS[fault.target]
    share = f"{fault.probability:.0%} of requests"
    if fault.kind == "throttling":
        return f"{target} throttling: ErrorServerBusy, back-off {duration_text(fault.back_off_ms / 1000)}, {share}"
    if fault.kind == "ews_errors":
        return f"{target} errors: HTTP 503, {share}"
    if fault.kind == "outage":
        return f"{target} unreachable"
    return f"{target} {fault.factor:g} times slower"


def fault_windows(result: RunResult) -> list[Window]:
    """The scenario's faults, cut at the horizon."""
    end = result.start + result.horizon
    out = []
    for fault in result.scenario.faults:
        offset = parse_offset(fault.at)
        start = result.start + offset
        if start < end:
            out.append(
                Window(fault.kind, start, min(end, result.start + parse_offset(fault.until)), offset, fault_text(fault))
            )
    return out


# -- tables ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unsuccessful:
    """Mailbox runs that did not succeed (Skipped, Duplicate, Error), alike ones together."""

    result: str
    task: str
    mailbox: str
    reason: str
    runs: int
    first: datetime
    last: datetime


def unsuccessful(observed: Observed) -> list[Unsuccessful]:
    groups: dict[tuple[str, str, str, str], list[datetime]] = {}
    for row in observed.rows:
        if row.result in DONE:
            continue
        name = observed.tasks[row.task].name if row.task in observed.tasks else f"task {row.task}"
        groups.setdefault((row.result, name, row.mailbox, row.reason), []).append(row.done)
    return [
        Unsuccessful(result, task, mailbox, reason or "(no reason given)", len(times), min(times), max(times))
        for (result, task, mailbox, reason), times in sorted(groups.items())
    ]


def results_text(counts: Counter[str]) -> str:
    """ "44 Success, 2 Duplicate" (most first)."""
    return ", ".join(f"{n} {result}" for result, n in counts.most_common()) or "none"


@dataclass(frozen=True)
class TaskRow:
    name: str
    type: str
    site: str
    executions: int
    mailbox_runs: str  # their results, counted
    items: int
    last_run: str
    last_result: str
    sequence: str


def task_rows(result: RunResult) -> list[TaskRow]:
    observed = result.observed
    starts: Counter[int] = Counter()
    ends: dict[int, tuple[datetime, str]] = {}
    for entry in result.trace:
        if entry["event"] == "execution_start":
            starts[entry["task"]] += 1
        elif entry["event"] == "execution_end":
            ends[entry["task"]] = (datetime.fromisoformat(entry["t"]), str(entry.get("message", "")))
    removed = {e["task"]: datetime.fromisoformat(e["t"]) for e in result.trace if e["event"] == "task_deleted"}
    out = []
    for task, info in sorted(observed.tasks.items()):
        counts = Counter(row.result for row in observed.rows if row.task == task)
        last = ends.get(task)
        gone = removed.get(task)
        sequence = result.stats.get("sequences", {}).get(info.name)
        out.append(
            TaskRow(
                name=info.name + (f" (removed {moment(gone)})" if gone else ""),
                type=type_label(info.type),
                site=info.site,
                executions=starts[task],
                mailbox_runs=results_text(counts),
                items=sum(s.items for s in observed.sent if s.task == task),
                last_run=moment(last[0]) if last else "never ran",
                last_result=last[1] if last else "—",
                sequence="—" if sequence is None or gone else str(sequence),
            )
        )
    return out


@dataclass(frozen=True)
class MailboxRow:
    mailbox: str
    task: str
    runs: str  # their results, counted
    items: int
    last_run: str
    result: str  # the last run's, with its reason


def mailbox_rows(observed: Observed) -> list[MailboxRow]:
    rows: dict[tuple[str, int], list[Row]] = {}
    for row in observed.rows:
        rows.setdefault((row.mailbox, row.task), []).append(row)
    items: Counter[tuple[str, int]] = Counter()
    for sent in observed.sent:
        items[(sent.mailbox, sent.task)] += sent.items
    out = []
    for (mailbox, task), runs in sorted(rows.items()):
        last = max(runs, key=lambda r: r.done)
        name = observed.tasks[task].name if task in observed.tasks else f"task {task}"
        out.append(
            MailboxRow(
                mailbox,
                name,
                results_text(Counter(r.result for r in runs)),
                items[(mailbox, task)],
                moment(last.done),
                f"{last.result}: {last.reason}" if last.reason else last.result,
            )
        )
    return out


#: the activity's kinds in words
ACTIVITY_WORDS = {
    "arrival": "mail received",
    "sent": "mail sent",
    "read": "mail read",
    "move": "items moved",
    "soft_delete": "items moved to Deleted Items",
    "hard_delete": "items deleted for good",
    "folder": "folders created, renamed, moved or deleted",
    "private": "items made private",
    "calendar": "appointments created, changed or deleted",
    "directory_account": "accounts enabled or disabled",
    "directory_license": "licences granted or withdrawn",
    "directory_membership": "group memberships changed",
}


def durations(result: RunResult) -> list[float]:
    """How long each execution that ended took, in simulated seconds."""
    return [
        (datetime.fromisoformat(e["end"]) - datetime.fromisoformat(e["start"])).total_seconds()
        for e in result.stats.get("executions_detail", [])
        if e["end"]
    ]


def figures(result: RunResult) -> list[tuple[str, str]]:
    """The run's figures in words (a hand-made scenario result may have none)."""
    stats = result.stats
    out: list[tuple[str, str]] = []
    if "mailboxes" in stats:
        out.append(
            ("Tenant", f"{stats['mailboxes']:,} mailboxes, {stats['messages_at_start']:,} messages at the start")
        )
    if "activity_events" in stats:
        kinds = Counter(stats.get("activity_by_kind") or {})
        detail = ", ".join(f"{n:,} {ACTIVITY_WORDS.get(kind, kind)}" for kind, n in kinds.most_common())
        out.append(("Changes people made", f"{stats['activity_events']:,}" + (f": {detail}" if detail else "")))
    if "executions" in stats:
        out.append(("Executions", f"{stats['executions']:,}"))
        out.append(("Mailbox runs", f"{stats['mailbox_runs']:,}: {results_text(Counter(stats['mailbox_results']))}"))
    took = durations(result)
    if took:
        shortest, mean, longest = (duration_text(v) for v in (min(took), sum(took) / len(took), max(took)))
        out.append(("Execution durations", f"shortest {shortest}, mean {mean}, longest {longest} (simulated)"))
    if "ews_requests" in stats:
        out.append(("EWS requests served", f"{stats['ews_requests']:,}"))
    wall = max(result.wall_seconds, 1e-9)
    out.append(("Simulated", f"{duration_text(result.horizon)} in {duration_text(wall)} of wall time"))
    out.append(("Speed", f"{result.horizon.total_seconds() / wall:,.0f} times real time"))
    return out
