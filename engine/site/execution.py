"""One execution of a task (domain.md §2, §3): resolve the group (T7, T9), process
the mailboxes one at a time in order, each under a lock (T8), report progress and
per-mailbox results to the console, and write the task log (T10).

A stop request (the task was removed, R9, or the site disabled) lets the current
mailbox finish and abandons the rest."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from engine.model import TaskType
from engine.wire.site_console import MailboxReport, ProgressReport, ProgressStatus, executing_line, exit_line

from .events import Cost, Event
from .ews import Ews, EwsUnavailable
from .groups import Member, ResolutionFailed, resolve
from .links import LinkDown
from .work import HeldElsewhere, Job, MailboxFailed, Outcome, archive_call

if TYPE_CHECKING:
    from .site import Site, TaskSlot

log = logging.getLogger(__name__)

Handler = Callable[[Job], Generator[Event, None, Outcome]]


def handler_for(task_type: str) -> Handler:
    from . import calendar, managed, mfr, msm

    handlers: dict[str, Handler] = {
        "mfr": mfr.replicate,
        "calendar": calendar.replicate,
        "msm": msm.manage,
        "managed_folders": managed.apply,
    }
    return handlers[task_type]


VERBS = {
    "mfr": "Replicating mailbox",
    "calendar": "Replicating calendars of",
    "msm": "Managing storage of",
    "managed_folders": "Applying policies to",
}


@dataclass
class Row:
    mailbox: str
    result: str
    reason: str
    items: int
    last_run: str

    def json(self) -> MailboxReport:
        return {
            "mailbox": self.mailbox,
            "result": self.result,
            "reason": self.reason[:500],
            "items": self.items,
            "last_run": self.last_run,
        }


#: the console's Command follows the mailbox being processed, at most this often (a
#: report per mailbox would cost a console call per mailbox on a fast pass)
COMMAND_EVERY = 5.0


@dataclass
class Execution:
    site: Site
    slot: TaskSlot
    run: int
    rows: list[Row] = field(default_factory=list)
    sequence: int | None = None
    _reported_at: float | None = None

    @property
    def task_id(self) -> int:
        return int(self.spec["id"])

    def code(self) -> str:
        return TaskType(self.spec["type"]).log_code

    def log(self, line: str) -> None:
        self.site.log_line(self.task_id, f"{self.code()} [{self.site.code}] {line}")

    def report(self, status: ProgressStatus, command: str = "", detail: str = "", rows: bool = False) -> None:
        report: ProgressReport = {"task_id": self.task_id, "status": status, "command": command}
        if detail:
            report["latest_detail"] = detail[:1000]
        sequence = self.sequence if self.sequence is not None else self.slot.sequence
        if sequence is not None:
            report["sequence"] = sequence
        if rows:
            report["mailboxes"] = [r.json() for r in self.rows]
        self.site.report(report)

    def stop_requested(self) -> bool:
        return self.slot.stop or not self.site.enabled

    def __post_init__(self) -> None:
        self.spec = self.slot.spec  # what this execution runs with, whatever changes meanwhile (T1)

    def run_process(self) -> Generator[Event, None, str]:
        """The execution; returns the T10 exit message."""
        self.log(executing_line(self.task_id))
        self.report("Running", "Resolving the group")
        yield Cost(http_calls=2)
        ews = self.site.ews
        if ews is None:
            return self.finish("Failed", "the site has no EWS connection configured")
        try:
            members = yield from self.members(ews)
        except (ResolutionFailed, MailboxFailed) as exc:
            return self.finish("Failed", str(exc))
        handle = handler_for(self.spec["type"])
        total = len(members)
        for number, member in enumerate(members, 1):
            if self.stop_requested():
                self.log(f"stopping after {number - 1} of {total} mailboxes")
                break
            yield from self.process(member, f"{number}/{total}", ews, handle)
        failed = any(r.result in ("Error", "Warning") for r in self.rows)
        return self.finish("CompletedWithErrors" if failed else "Success", self.summary())

    def members(self, ews: Ews) -> Generator[Event, None, list[Member]]:
        """T7: the group's members, resolved at the start of the execution (or cached),
        in order; T9: the ones to skip say why."""
        site = self.site
        return (
            yield from resolve(
                self.spec["group"],
                self.task_id,
                site.state,
                site.directory,
                ews,
                site.clock,
                site.options.policy,
                declare=self.declare,
            )
        )

    def refusal(self, member: Member) -> Row | None:
        """The row of a mailbox this execution does not process: T9 Skipped, T8 locked
        by another task, or replicated by another MFR task (Duplicate)."""
        site, mailbox = self.site, member.mailbox
        now = site.clock.now().isoformat()
        if member.skip:
            return Row(mailbox, "Skipped", member.skip, 0, now)
        holder = site.locks.get(mailbox)
        if holder is not None and holder != self.task_id:
            return Row(mailbox, "Duplicate", f"being processed by task {holder}", 0, now)
        if self.spec["type"] == "mfr":
            owner = site.state.claim_mfr(mailbox, self.task_id)
            if owner != self.task_id:
                return Row(mailbox, "Duplicate", f"replicated by task {owner}", 0, now)
        return None

    def process(self, member: Member, position: str, ews: Ews, handle: Handler) -> Generator[Event, None, None]:
        """One mailbox (``position``: its number of the total), under its lock (T8)."""
        refused = self.refusal(member)
        if refused is not None:
            self.add_row(refused)
            return
        site, mailbox, spec = self.site, member.mailbox, self.spec
        site.locks[mailbox] = self.task_id  # taken before the next yield: no other task slips in
        site.emit("mailbox_start", task=self.task_id, type=spec["type"], mailbox=mailbox, spec=spec)
        self.report_command(f"{VERBS[spec['type']]} {position} {mailbox}")
        job = self.job(mailbox, ews)
        try:
            yield Cost(http_calls=1)
            outcome = yield from handle(job)
        except HeldElsewhere as exc:  # T8: another site's MFR task has it
            outcome = Outcome("Duplicate", str(exc))
        except (MailboxFailed, EwsUnavailable) as exc:
            outcome = Outcome("Error", str(exc))
        except Exception as exc:  # an EWS error for this mailbox: the others go on
            log.warning("task %s mailbox %s: %s", self.task_id, mailbox, exc)
            outcome = Outcome("Error", _describe(exc))
        finally:
            site.locks.pop(mailbox, None)
        if job.sequence is not None:
            self.sequence = self.slot.sequence = job.sequence
        self.add_row(Row(mailbox, outcome.result, outcome.reason, outcome.items, site.clock.now().isoformat()))

    def report_command(self, command: str) -> None:
        """The console's Command, at most every COMMAND_EVERY seconds."""
        now_s = self.site.clock.monotonic()
        if self._reported_at is None or now_s - self._reported_at >= COMMAND_EVERY:
            self._reported_at = now_s
            self.report("Running", command, detail=command)

    def job(self, mailbox: str, ews: Ews) -> Job:
        site = self.site
        return Job(
            task_id=self.task_id,
            task_type=self.spec["type"],
            definition=self.spec["definition"],  # what this execution runs with (T1)
            mailbox=mailbox,
            run=self.run,
            zone=site.time_zone,
            ews=ews,
            state=site.state,
            archive=site.archive_link(),
            clock=site.clock,
            policy=site.options.policy,
            batch_size=site.options.batch_size,
            change_margin=site.options.change_margin,
        )

    def declare(self, mailboxes: list[str]) -> Generator[Event, None, None]:
        """The archive learns the group's members: the mailboxes this task may submit
        for and act on (a refusal fails the execution)."""
        try:
            archive = self.site.archive_link()
            yield from archive_call(self.site.options.policy, partial(archive.declare, self.task_id, mailboxes))
        except (MailboxFailed, LinkDown) as exc:
            raise ResolutionFailed(f"the archive did not take the group's members: {exc}") from exc

    def add_row(self, row: Row) -> None:
        self.rows.append(row)
        self.site.emit(
            "mailbox_done",
            task=self.task_id,
            type=self.spec["type"],
            mailbox=row.mailbox,
            spec=self.spec,
            result=row.result,
            reason=row.reason,
            items=row.items,
        )

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.result] = counts.get(row.result, 0) + 1
        items = sum(r.items for r in self.rows)
        parts = ", ".join(f"{n} {k.lower()}" for k, n in sorted(counts.items()))
        mailboxes = counted(len(self.rows), "mailbox", "mailboxes")
        return f"{mailboxes} ({parts or 'none'}); {counted(items, 'item', 'items')}"

    def finish(self, message: str, detail: str) -> str:
        self.log(exit_line(self.task_id, message))
        status: ProgressStatus = "Completed" if self.slot.one_off() else "Idle"
        self.report(status, "", detail=f"{message}: {detail}", rows=True)
        return message


def counted(count: int, one: str, many: str) -> str:
    """ "1 mailbox", "2 mailboxes": the Latest Detail reads as English (issue 12 defect 6)."""
    return f"{count} {one if count == 1 else many}"


def _describe(exc: Exception) -> str:
    name = type(exc).__name__
    text = str(exc)
    return f"{name}: {text}"[:500] if text else name


__all__ = ["Execution", "Row", "handler_for"]
