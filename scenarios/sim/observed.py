"""What the report shows, recorded as the run goes — measured, never estimated from
counters: every change the activity made to a mailbox (when, which mailbox, what
kind), and what crossed the wire (scenarios.wiretap): each item count the sites sent
the archive (submissions, stubs, expiry, purge) and each per-mailbox row they reported
to the console (result, reason, when the mailbox was done).

Kept apart from the oracle: this judges nothing, and the golden traces do not see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scenarios.wiretap import WireRecord

#: archive calls that carry items, and the body lists that hold them (MFR and calendar
#: submissions apart: their kind says which lists)
ITEM_LISTS = {
    "mfr": ("placements", "removed_placements"),
    "calendar": ("calendar_items", "removed_calendar_items"),
    "/api/stubs": ("entries",),
    "/api/expire": ("items",),
    "/api/purge": ("entries",),
}


@dataclass(frozen=True)
class Change:
    """One change a person made to a mailbox (scenarios.sim.activity's kinds)."""

    at: datetime
    mailbox: str
    kind: str


@dataclass(frozen=True)
class Sent:
    """Items a site's call handed the archive, as the wire saw it (applied calls only)."""

    at: datetime
    task: int
    mailbox: str
    items: int


@dataclass(frozen=True)
class Row:
    """A mailbox's result as a site reported it to the console (the Mailboxes table)."""

    task: int
    mailbox: str
    result: str
    reason: str
    done: datetime  # when the site finished the mailbox (the row's last_run)


@dataclass(frozen=True)
class TaskInfo:
    name: str
    type: str  # mfr | calendar | msm | managed_folders
    site: str


@dataclass
class Observed:
    changes: list[Change] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    tasks: dict[int, TaskInfo] = field(default_factory=dict)
    #: (task, mailbox, last_run) of the rows kept: a row is reported again by every
    #: later report of its execution (and a held report re-sends its rows)
    _seen: set[tuple[int, str, str]] = field(default_factory=set, repr=False)

    def change(self, at: datetime, mailbox: str, kind: str) -> None:
        self.changes.append(Change(at, mailbox.lower(), kind))

    def task(self, task_id: int, info: TaskInfo) -> None:
        self.tasks[task_id] = info

    def on_wire(self, record: WireRecord) -> None:
        if record.status != 200 or not isinstance(record.body, dict):
            return
        if record.service == "console":
            if record.path == "/api/site/progress":
                self._progress(record.body)
            return
        lists = self._item_lists(record)
        if lists and "task_id" in record.body and "mailbox" in record.body:
            count = sum(len(record.body.get(name) or ()) for name in lists)
            self.sent.append(Sent(record.at, int(record.body["task_id"]), str(record.body["mailbox"]).lower(), count))

    @staticmethod
    def _item_lists(record: WireRecord) -> tuple[str, ...]:
        if record.path == "/api/submissions":
            answer = record.answer if isinstance(record.answer, dict) else {}
            if not answer.get("applied"):
                return ()  # a replay, counted when it was applied
            return ITEM_LISTS.get(str(record.body.get("kind", "mfr")), ())
        return ITEM_LISTS.get(record.path, ())

    def _progress(self, body: dict[str, Any]) -> None:
        task = int(body.get("task_id", 0))
        for row in body.get("mailboxes") or ():
            stamp = str(row.get("last_run") or "")
            key = (task, str(row["mailbox"]).lower(), stamp)
            if not stamp or key in self._seen:
                continue
            self._seen.add(key)
            self.rows.append(
                Row(task, key[1], str(row["result"]), str(row.get("reason") or ""), datetime.fromisoformat(stamp))
            )


__all__ = ["Change", "Observed", "Row", "Sent", "TaskInfo"]
