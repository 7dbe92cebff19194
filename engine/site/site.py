"""A site: one engine instance bound to the console with its key (domain.md §1, §2, §3).

Processes (see events.py; the same code under the real-time and the SimPy runtime):

* the **poll loop** — a heartbeat and a config download at least every 120 s (T2: a
  saved change reaches the site within two minutes; an unchanged config is a cheap
  304), acknowledgement of each new version, delivery of progress reports and
  task-log lines that could not be sent earlier;
* one **scheduler per task** — it sleeps until the task's next slot (T5, in the site's
  zone), runs the execution, and computes the next slot strictly after the run ended
  (T4: a slot that arrives while the task runs is skipped).  A changed schedule or
  definition reaches an idle task at once (its alarm rings); a running task keeps the
  configuration it started with and takes the change when it completes (T1).  A
  removed task stops after its current mailbox and its local state is dropped (R9) —
  so is the state of any task the configuration no longer names (it was removed while
  the site was away), and a task is known by its number *and* its creation time: a
  new task under a number the site knew never inherits the old one's state;
* at start, an execution the site was killed in is reported at once (the console
  would otherwise show it Running until a later run ends);
* the **directory sync** (ADR) — uploads the directory's groups and users so the
  console can offer *Lookup from AD*.
"""

from __future__ import annotations

import contextlib
import json
import logging
import platform
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import requests.adapters

from engine.clock import Clock
from engine.model import SCHEDULE_SPEC, OneOffSchedule, ScheduleSpec, TaskType
from engine.schedule import local_to_utc, next_occurrence
from engine.wire.site_console import (
    DirectoryGroupSent,
    DirectoryUserSent,
    MalformedConfig,
    ProgressReport,
    SiteConfig,
    SiteTask,
    exit_line,
)

from .backoff import RetryPolicy
from .directory import Directory, DirectorySettings
from .events import Alarm, Cost, Event, Process, Refusal, Sleep
from .ews import Ews, EwsSettings
from .execution import Execution
from .links import ArchiveLink, ConsoleLink, LinkDown, LinkRefused
from .runtime import Runtime
from .state import SiteState

log = logging.getLogger(__name__)

ENGINE_VERSION = "2.7.0"
#: the per-task flag that says an execution is under way (left behind if the site dies)
RUNNING = "execution_running"


@dataclass
class SiteOptions:
    engine_version: str = ENGINE_VERSION
    host_os: str = field(default_factory=lambda: f"{platform.system()} {platform.release()}"[:100])
    poll_seconds: float = 60.0  # ≤ 120 (domain.md §1)
    directory_sync_seconds: float = 3600.0
    batch_size: int = 5_000
    change_margin: float | None = 300.0  # see engine.site.work.Job
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    adapter: requests.adapters.BaseAdapter | None = None  # for the console, archive and directory
    directory: DirectorySettings | None = None
    ews_auth: str | None = None
    ews_version: str | None = None


@dataclass
class TaskSlot:
    """One task as the site knows it."""

    spec: SiteTask
    alarm: Alarm = field(default_factory=Alarm)
    parked: SiteTask | None = None  # T1: a change that waits for the running execution
    running: bool = False
    stop: bool = False
    removed: bool = False
    anchor: datetime | None = None  # slots strictly after this time are due
    last_end: datetime | None = None
    execution: Execution | None = None
    sequence: int | None = None  # the archive's count after the task's latest submission
    replacement: SiteTask | None = None  # another task that took this number (R9)
    released: bool = False  # its state is dropped and it left the site's slots

    def one_off(self) -> bool:
        return bool(self.spec["schedule"].get("kind") == "one_off")


def schedule_of(spec: SiteTask) -> ScheduleSpec:
    return SCHEDULE_SPEC.validate_python(spec["schedule"])


class Site:
    def __init__(
        self, console_url: str, key: str, state: SiteState, runtime: Runtime, options: SiteOptions | None = None
    ) -> None:
        self.options = options or SiteOptions()
        self.runtime = runtime
        self.clock: Clock = runtime.clock
        self.state = state
        self.console = ConsoleLink(console_url, key, adapter=self.options.adapter)
        self.key = key
        self.code = "?"
        self.enabled = True
        self.time_zone = "UTC"
        self.ews: Ews | None = None
        self._ews_settings: EwsSettings | None = None
        self._archive: ArchiveLink | None = None
        self.directory = (
            Directory(self.options.directory, self.clock, self.options.adapter) if self.options.directory else None
        )
        self.slots: dict[int, TaskSlot] = {}
        self.locks: dict[str, int] = {}  # T8: mailbox → the task processing it
        self.etag: str | None = None
        self.version = 0
        self.poll_alarm = Alarm()
        self.directory_alarm = Alarm()
        self.stopped = False
        self.refused: str | None = None  # why the console refused the site's key, if it did
        self.malformed: str | None = None  # why the latest configuration was refused, if it was
        self._reports: dict[int, ProgressReport] = {}  # the latest undelivered report per task
        self._log: list[tuple[int, str]] = []  # undelivered task-log lines
        self.polls = 0
        self.scheduling = True  # False: run-once mode, executions only when asked
        self.last_rows: list[Any] = []  # the rows of the latest finished execution
        #: callbacks told of executions and mailboxes (simulations, oracles, traces)
        self.observers: list[Callable[[str, dict[str, Any]], None]] = []
        self.started: list[tuple[int, datetime]] = []  # (task, when) of every execution
        self.finished: list[tuple[int, str, datetime]] = []  # (task, T10 exit message, when)

    # -- start and stop ---------------------------------------------------------------------

    def start(self) -> None:
        self.runtime.spawn(self.poll_loop(), "site:poll")
        if self.directory is not None:
            self.runtime.spawn(self.directory_loop(), "site:directory")

    def stop(self) -> None:
        self.stopped = True
        for slot in self.slots.values():
            slot.stop = True
            slot.alarm.ring()
        self.poll_alarm.ring()
        self.directory_alarm.ring()

    def emit(self, kind: str, **data: Any) -> None:
        for observer in self.observers:
            observer(kind, {"site": self.code, "at": self.clock.now(), **data})

    def archive_link(self) -> ArchiveLink:
        if self._archive is None:
            raise LinkDown("the console has not said where the archive platform is")
        return self._archive

    # -- the poll loop ------------------------------------------------------------------------------

    def poll_loop(self) -> Process:
        while not self.stopped:
            yield from self.poll()
            yield Sleep(min(self.options.poll_seconds, 120.0), "console poll", alarm=self.poll_alarm)

    def poll(self) -> Generator[Event, None, None]:
        self.polls += 1
        calls = 0
        try:
            beat = self.console.heartbeat(self.options.engine_version, self.options.host_os)
            calls += 1
            self.set_enabled(bool(beat.get("enabled", True)))
            config = None
            # the heartbeat names the configuration's version (its ETag): download only
            # when it is not the one the site has — an idle poll is then one call
            if self.etag is None or self.etag.strip('"') != str(beat.get("config_version")):
                config, etag = self.console.config(self.etag)
                calls += 1
            if config is not None:
                self.malformed = None
                self.apply(config)
                self.etag = etag
                self.console.ack(int(config["version"]))
                calls += 1
            calls += self.deliver_reports()
        except LinkDown as exc:
            log.warning("site %s: console unreachable (%s)", self.code, exc)
        except MalformedConfig as exc:
            # neither applied nor acknowledged: the tasks run on with the configuration
            # they have, and the console keeps showing them Pending (T3) until it sends
            # one the site can run
            self.malformed = str(exc)
            log.error("site %s: %s; the configuration is not applied", self.code, exc)
        except LinkRefused as exc:
            if exc.status == 401:
                # the key is wrong or the site was never registered: no retry mends that
                self.refused = f"the console refused the site's binding key ({exc.message})"
                log.error("site %s: %s; the site stops", self.code, self.refused)
                self.stop()
            else:
                log.error("site %s: the console refused a request (%s)", self.code, exc)
        yield Cost(http_calls=max(calls, 1))

    def set_enabled(self, enabled: bool) -> None:
        if enabled != self.enabled:
            self.enabled = enabled
            for slot in self.slots.values():
                slot.alarm.ring()

    def apply(self, config: SiteConfig) -> None:
        """A new configuration version: site settings, and tasks added, changed (idle:
        at once; running: parked until the run completes, T1) or removed (R9)."""
        site = config["site"]  # checked whole on arrival (ConsoleLink.config)
        self.code = site["code"]
        self.time_zone = site["time_zone"] or "UTC"
        self.set_enabled(site["enabled"])
        ews = site["ews"]
        if ews["endpoint"]:
            settings = EwsSettings(
                ews["endpoint"],
                ews["service_account"],
                ews["password"] or "",
                ews["impersonation"],
                auth=self.options.ews_auth,
                version=self.options.ews_version,
            )
            if settings != self._ews_settings:
                self._ews_settings, self.ews = settings, Ews(settings)
        archive_url = config["archive_url"]
        if archive_url and (self._archive is None or self._archive.base_url != archive_url.rstrip("/")):
            self._archive = ArchiveLink(archive_url, self.key, adapter=self.options.adapter)
        first = self.version == 0
        self.version = config["version"]
        now = self.clock.now()
        seen = set()
        for task in config["tasks"]:
            task_id = int(task["id"])
            seen.add(task_id)
            slot = self.slots.get(task_id)
            if slot is not None and slot.spec.get("created") != task.get("created"):
                self._remove(task_id, slot, replacement=task)  # R9: another task under the same number
                continue
            if slot is None:
                self._add(task, now)
                continue
            if _same(slot.spec, task) and slot.parked is None:
                continue
            if slot.running:
                slot.parked = task  # T1: applied when the execution completes
            else:
                self._take(slot, task, now)
        for task_id, slot in list(self.slots.items()):
            if task_id not in seen and not slot.removed:
                self._remove(task_id, slot)
        for task_id in self.state.task_ids() - seen - set(self.slots):
            self.state.drop_task(task_id)  # R9: removed while the site was away
        if first:
            self.report_interrupted({int(t["id"]) for t in config["tasks"]})

    def _add(self, task: SiteTask, now: datetime) -> TaskSlot:
        task_id = int(task["id"])
        self.state.adopt(task_id, task.get("created"))  # state of an older task under this number goes
        slot = TaskSlot(task, anchor=now)
        self.slots[task_id] = slot
        if self.scheduling:
            self.runtime.spawn(self.scheduler(slot), f"task:{task_id}")
        return slot

    def _remove(self, task_id: int, slot: TaskSlot, replacement: SiteTask | None = None) -> None:
        """R9: the task stops after its current mailbox and abandons the rest; its
        state goes once it has stopped (at once when idle)."""
        slot.removed = slot.stop = True
        slot.replacement = replacement
        slot.alarm.ring()
        if not slot.running:
            self._release(task_id, slot)

    def _release(self, task_id: int, slot: TaskSlot) -> None:
        if slot.released:
            return
        slot.released = True
        if self.slots.get(task_id) is slot:
            del self.slots[task_id]
        self.state.drop_task(task_id)  # R9: the task's sync states go
        if slot.replacement is not None and not self.stopped:
            self._add(slot.replacement, self.clock.now())

    def report_interrupted(self, task_ids: set[int]) -> None:
        """An execution the site was killed in: the console hears at once that it ended
        (status and Latest Detail say so) instead of showing it Running until a later
        run ends; the T10 log says it failed."""
        for task_id in sorted(task_ids):
            started = self.state.flag(task_id, "", RUNNING)
            if started is None or (task_id in self.slots and self.slots[task_id].running):
                continue
            slot = self.slots.get(task_id)
            code = TaskType(slot.spec["type"]).log_code if slot else "MMS"
            detail = f"Interrupted: the site stopped during the execution started at {started}"
            self.log_line(task_id, f"{code} [{self.code}] {detail}")
            self.log_line(task_id, f"{code} [{self.code}] {exit_line(task_id, 'Failed')}")
            self.report({"task_id": task_id, "status": "Idle", "command": "", "latest_detail": f"Failed: {detail}"})
            self.state.set_flag(task_id, "", RUNNING, None)

    @staticmethod
    def _take(slot: TaskSlot, task: SiteTask, now: datetime) -> None:
        if task["schedule"] != slot.spec["schedule"]:
            slot.anchor = now  # slots of the new schedule count from now
        slot.spec, slot.parked = task, None
        slot.alarm.ring()

    # -- reporting ----------------------------------------------------------------------------------

    def report(self, report: ProgressReport) -> None:
        """Progress for the console: sent now, or kept (the latest per task) for the
        next poll when the console is unreachable."""
        task_id = report["task_id"]
        pending = self._reports.pop(task_id, None)
        if pending is not None:
            # the undelivered report's rows and Sequence are not lost to a newer one
            report = report.copy()
            if "mailboxes" in pending and "mailboxes" not in report:
                report["mailboxes"] = pending["mailboxes"]
            if "sequence" in pending and "sequence" not in report:
                report["sequence"] = pending["sequence"]
            if "latest_detail" in pending and "latest_detail" not in report:
                report["latest_detail"] = pending["latest_detail"]
        try:
            self.console.progress(report)
        except LinkDown:
            self._reports[task_id] = report
        except LinkRefused as exc:
            log.warning("site %s: progress of task %s refused (%s)", self.code, task_id, exc)

    def log_line(self, task_id: int, line: str) -> None:
        log.info("%s", line)
        self._log.append((task_id, line))
        with contextlib.suppress(LinkDown):
            self._flush_log()

    def _flush_log(self) -> int:
        calls = 0
        while self._log:
            task_id = self._log[0][0]
            lines = [line for t, line in self._log if t == task_id]
            with contextlib.suppress(LinkRefused):  # the task is gone: its log with it
                self.console.log(task_id, lines)
            self._log = [(t, line) for t, line in self._log if t != task_id]
            calls += 1
        return calls

    def deliver_reports(self) -> int:
        calls = self._flush_log()
        for task_id in list(self._reports):
            self.console.progress(self._reports.pop(task_id))
            calls += 1
        return calls

    # -- scheduling -------------------------------------------------------------------------------------

    def next_start(self, slot: TaskSlot) -> datetime | None:
        schedule = schedule_of(slot.spec)
        if isinstance(schedule, OneOffSchedule):
            if self.state.flag(int(slot.spec["id"]), "", f"one_off:{json.dumps(slot.spec['schedule'])}"):
                return None
            # a one-off whose time passed before the site could run it is still due
            return local_to_utc(schedule.at.date(), schedule.at.time(), ZoneInfo(self.time_zone))
        # T4: the first slot strictly after the last run ended (or after the task or its
        # schedule became known)
        after = slot.anchor or self.clock.now()
        if slot.last_end is not None and slot.last_end > after:
            after = slot.last_end
        return next_occurrence(schedule, self.time_zone, after)

    def scheduler(self, slot: TaskSlot) -> Process:
        task_id = int(slot.spec["id"])
        while not slot.removed and not self.stopped:
            if not self.enabled:
                yield Sleep(3600, "site disabled", alarm=slot.alarm)
                continue
            when = self.next_start(slot)
            if when is None:
                yield Sleep(86_400, "no further slot", alarm=slot.alarm)
                continue
            wait = (when - self.clock.now()).total_seconds()
            if wait > 0:
                yield Sleep(wait, "next slot", alarm=slot.alarm)
                continue
            yield from self.execute(slot)
        if slot.removed:
            self._release(task_id, slot)

    def execute(self, slot: TaskSlot) -> Generator[Event, None, None]:
        task_id = int(slot.spec["id"])
        run = self.state.next_number(f"run:{task_id}")
        execution = Execution(self, slot, run)
        slot.running, slot.execution = True, execution
        self.started.append((task_id, self.clock.now()))
        self.state.set_flag(task_id, "", RUNNING, self.clock.now().isoformat())
        self.emit("execution_start", task=task_id, spec=slot.spec, run=run)
        try:
            message = yield from execution.run_process()
            # cleared only when the execution ended: one the site died in (or was stopped
            # in) is reported as interrupted when the site starts again
            self.state.set_flag(task_id, "", RUNNING, None)
            self.finished.append((task_id, message, self.clock.now()))
            self.emit("execution_end", task=task_id, spec=execution.spec, message=message, run=run)
            self.last_rows = execution.rows
        finally:
            slot.running, slot.execution = False, None
            now = self.clock.now()
            slot.last_end = now
            if slot.one_off():
                self.state.set_flag(task_id, "", f"one_off:{json.dumps(slot.spec['schedule'])}", "done")
            if slot.parked is not None:
                self._take(slot, slot.parked, now)
                slot.anchor = now

    def run_once(self, task_id: int) -> Generator[Event, None, str]:
        """Debugging: download the configuration and run one task now, whatever its
        schedule says; returns the T10 exit message."""
        self.scheduling = False
        yield from self.poll()
        if self.refused is not None:
            raise Refusal(self.refused)
        slot = self.slots.get(task_id)
        if slot is None and self.malformed is not None:
            raise Refusal(self.malformed)
        if slot is None:
            raise Refusal(f"task {task_id} is not a task of this site (removed, or another site's)")
        yield from self.execute(slot)
        yield from self.poll()  # deliver what is left to report
        return self.finished[-1][1]

    # -- directory sync (ADR) ---------------------------------------------------------------------------

    def directory_loop(self) -> Process:
        while not self.stopped:
            yield from self.sync_directory()
            yield Sleep(self.options.directory_sync_seconds, "directory sync", alarm=self.directory_alarm)

    def sync_directory(self) -> Generator[Event, None, None]:
        directory = self.directory
        if directory is None:
            return
        before = directory.calls
        try:
            groups = directory.all_groups()
            users = directory.all_users()
        except (LinkDown, LinkRefused) as exc:
            log.warning("ADR [%s] directory sync failed: %s", self.code, exc)
            yield Cost(http_calls=directory.calls - before)
            return
        upload_groups: list[DirectoryGroupSent] = [
            {
                "id": g["id"],
                "name": g.get("displayName") or g["id"],
                "dn": g.get("onPremisesDistinguishedName"),
                "mail": g.get("mail"),
                "kind": "unified"
                if "Unified" in (g.get("groupTypes") or [])
                else ("security" if g.get("securityEnabled") else "distribution"),
            }
            for g in groups
        ]
        upload_users: list[DirectoryUserSent] = [
            {
                "id": u["id"],
                "name": u.get("displayName") or u["id"],
                "dn": u.get("onPremisesDistinguishedName"),
                "mail": u.get("mail"),
            }
            for u in users
        ]
        try:
            stored = self.console.directory(upload_groups, upload_users)
            log.info("ADR [%s] directory sync: %s objects uploaded", self.code, stored)
        except (LinkDown, LinkRefused) as exc:
            log.warning("ADR [%s] directory upload failed: %s", self.code, exc)
        yield Cost(http_calls=directory.calls - before + 1, items=len(groups) + len(users))


def _same(a: SiteTask, b: SiteTask) -> bool:
    keys = ("schedule", "definition", "group", "type")
    return all(a.get(k) == b.get(k) for k in keys)


__all__ = ["ENGINE_VERSION", "Site", "SiteOptions", "TaskSlot"]
