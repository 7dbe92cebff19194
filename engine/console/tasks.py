"""Tasks (domain.md §1 and §2) and what sites report about them: create with every
validation of §1, view (Options and Information, T3 status), change (T1/T2), delete
(R9), and the site-facing side — config download, acknowledgement, heartbeat, progress
and the task log (T10)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from engine.errors import Conflict, Invalid, NotFound
from engine.model import (
    MIN_VERSION_FOR_ADDRESS_TARGETS,
    SCHEDULE_SPEC,
    VERSION_GATED_KINDS,
    AdGroupTarget,
    OneOffSchedule,
    Progress,
    TaskIn,
    TaskStatus,
    TaskType,
    parse_version,
)
from engine.schedule import local_to_utc, next_occurrence
from engine.wire.console_archive import TaskRegistration

from .common import R9_WARNING, iso
from .database import ConsoleDatabase, site_row
from .schema import (
    ArchiveOutboxRow,
    DefinitionRow,
    DirectoryRow,
    ScheduleRow,
    SiteRow,
    TaskLogRow,
    TaskMailboxRow,
    TaskRow,
)
from .views import (
    ActivityLine,
    LogLine,
    TaskDetail,
    TaskInformation,
    TaskMailbox,
    TaskOptions,
    TaskRemoved,
    TaskView,
)

#: T1/T2: what a task change may carry
CHANGEABLE = frozenset({"schedule_id", "definition_id"})
LOG_LINES_SHOWN = 200


def next_run(schedule: ScheduleRow, site: SiteRow, after: datetime) -> datetime | None:
    """T5: the schedule's next occurrence after ``after``, in the site's zone."""
    return next_occurrence(SCHEDULE_SPEC.validate_json(schedule.spec), site.time_zone, after)


def is_one_off(schedule: ScheduleRow) -> bool:
    return isinstance(SCHEDULE_SPEC.validate_json(schedule.spec), OneOffSchedule)


class TaskRules:
    """The tasks of the console, on its database (the store offers them too)."""

    def __init__(self, db: ConsoleDatabase) -> None:
        self.db = db

    # -- creating ------------------------------------------------------------------------------

    def create_task(self, spec: TaskIn, by: str) -> TaskView:
        with self.db.session() as s:
            site = s.get(SiteRow, spec.site_id)
            if site is None:
                raise NotFound("site_id", f"no site {spec.site_id}")
            definition = s.get(DefinitionRow, spec.definition_id)
            if definition is None:
                raise NotFound("definition_id", f"no definition {spec.definition_id}")
            if definition.type != spec.type.value:
                raise Conflict(
                    "definition_id",
                    f"a {spec.type.label} task needs a {spec.type.label} definition; "
                    f"{definition.name!r} is a {TaskType(definition.type).label} definition",
                )
            if s.get(ScheduleRow, spec.schedule_id) is None:
                raise NotFound("schedule_id", f"no schedule {spec.schedule_id}")
            group = spec.group
            if (
                group.kind in VERSION_GATED_KINDS
                and parse_version(site.version_in_force) < MIN_VERSION_FOR_ADDRESS_TARGETS
            ):
                raise Conflict(
                    "group.kind",
                    f"{group.kind.replace('_', ' ')} targets need a site at engine version 2.7 or later; "
                    f"site {site.code} runs {site.version_in_force}",
                )
            if isinstance(group, AdGroupTarget) and group.chosen_by == "lookup":
                known = s.scalar(
                    select(DirectoryRow).where(
                        DirectoryRow.site_id == site.id, DirectoryRow.kind == "group", DirectoryRow.dn == group.dn
                    )
                )
                if known is None:
                    raise Conflict(
                        "group.dn", "the group is not in the directory copy of this site; enter the DN manually"
                    )
            now = self.db.now()
            site.config_version += 1
            row = TaskRow(
                site_id=site.id,
                type=spec.type.value,
                definition_id=definition.id,
                schedule_id=spec.schedule_id,
                group=group.model_dump_json(),
                created=now,
                last_modified=now,
                last_modified_by=by,
                changed_version=site.config_version,
            )
            s.add(row)
            s.flush()
            return self._task_view(s, row)

    # -- viewing ----------------------------------------------------------------------------------

    def _status(self, s: Session, row: TaskRow) -> tuple[TaskStatus, datetime | None]:
        """T3, in order: Disabled (site disabled) > Running (a change saved during an
        execution leaves it Running until the run ends) > Pending (change not
        acknowledged) > Completed (a one-off that has run) > Scheduled."""
        site = site_row(s, row.site_id)
        schedule = s.get(ScheduleRow, row.schedule_id)
        assert schedule is not None
        upcoming = next_run(schedule, site, self.db.now())
        if not site.enabled:
            return TaskStatus.DISABLED, upcoming
        if row.run_state == "Running":
            return TaskStatus.RUNNING, upcoming
        if row.changed_version > site.acked_version:
            return TaskStatus.PENDING, upcoming
        if is_one_off(schedule) and (row.run_state == "Completed" or row.last_run is not None):
            return TaskStatus.COMPLETED, None
        if upcoming is None:
            # a one-off whose time passed before the site could run it: it is still due
            spec = SCHEDULE_SPEC.validate_json(schedule.spec)
            assert isinstance(spec, OneOffSchedule)
            upcoming = local_to_utc(spec.at.date(), spec.at.time(), ZoneInfo(site.time_zone))
        return TaskStatus.SCHEDULED, upcoming

    def _task_view(self, s: Session, row: TaskRow) -> TaskView:
        site = site_row(s, row.site_id)
        schedule = s.get(ScheduleRow, row.schedule_id)
        definition = s.get(DefinitionRow, row.definition_id)
        assert schedule is not None and definition is not None
        task_type = TaskType(row.type)
        status, upcoming = self._status(s, row)
        return TaskView(
            id=row.id,
            type=task_type,
            type_label=task_type.label,
            log_code=task_type.log_code,
            options=TaskOptions(
                site={"id": site.id, "code": site.code, "time_zone": site.time_zone},
                type=task_type,
                schedule={"id": schedule.id, "name": schedule.name, "spec": json.loads(schedule.spec)},
                definition={"id": definition.id, "name": definition.name, "spec": json.loads(definition.spec)},
                group=json.loads(row.group),
            ),
            information=TaskInformation(
                created=iso(row.created),
                last_modified=iso(row.last_modified),
                last_modified_by=row.last_modified_by,
                status=status,
                command=row.command if status == TaskStatus.RUNNING else "",
                latest_detail=row.latest_detail,
                # Sequence is shown for MFR and Calendar tasks only
                sequence=row.sequence if task_type in (TaskType.MFR, TaskType.CALENDAR) else None,
                next_occurrence=iso(upcoming),
                last_run=iso(row.last_run),
            ),
        )

    def _task_detail(self, s: Session, row: TaskRow) -> TaskDetail:
        """The task's view with its mailboxes and the latest lines of its log."""
        mailboxes = s.scalars(
            select(TaskMailboxRow).where(TaskMailboxRow.task_id == row.id).order_by(TaskMailboxRow.mailbox)
        )
        lines = s.scalars(
            select(TaskLogRow)
            # lines are kept after a task's removal: only this task's, never those of
            # a removed task that had its number (R9, should a number come back)
            .where(TaskLogRow.task_id == row.id, TaskLogRow.at >= row.created)
            .order_by(TaskLogRow.id.desc())
            .limit(LOG_LINES_SHOWN)
        )
        return TaskDetail(
            **self._task_view(s, row),
            mailboxes=[
                TaskMailbox(
                    mailbox=m.mailbox, last_run=iso(m.last_run), result=m.result, reason=m.reason, items=m.items
                )
                for m in mailboxes
            ],
            log=[LogLine(at=iso(line.at), line=line.line) for line in reversed(list(lines))],
        )

    def _task(self, s: Session, task_id: int) -> TaskRow:
        row = s.get(TaskRow, task_id)
        if row is None:
            raise NotFound("task_id", f"no task {task_id}")
        return row

    def task(self, task_id: int) -> TaskDetail:
        with self.db.session() as s:
            return self._task_detail(s, self._task(s, task_id))

    def tasks(self, site_id: int | None = None, type_: str | None = None, status: str | None = None) -> list[TaskView]:
        with self.db.session() as s:
            query = select(TaskRow).order_by(TaskRow.id)
            if site_id is not None:
                query = query.where(TaskRow.site_id == site_id)
            if type_ is not None:
                query = query.where(TaskRow.type == type_)
            views = [self._task_view(s, row) for row in s.scalars(query)]
        if status is not None:
            views = [v for v in views if v["information"]["status"] == status]
        return views

    def recent_activity(self, limit: int = 20) -> list[ActivityLine]:
        with self.db.session() as s:
            lines = s.scalars(select(TaskLogRow).order_by(TaskLogRow.id.desc()).limit(limit))
            return [ActivityLine(task_id=line.task_id, at=iso(line.at), line=line.line) for line in lines]

    # -- changing and removing (T1, T2, R9) -----------------------------------------------------------

    def change_task(self, task_id: int, change: dict[str, Any], by: str) -> TaskDetail:
        """T1/T2: only the schedule and the definition (of the same type) change; a site
        change is refused with 'contact support', anything else by name."""
        with self.db.session() as s:
            row = self._task(s, task_id)
            for key in sorted(change):
                if key in CHANGEABLE:
                    continue
                if key == "site_id":
                    raise Invalid("site_id", "a task cannot move to another site here; contact support")
                raise Invalid(key, "only the schedule and the definition of a task can change")
            if not change:
                raise Invalid("body", "give schedule_id and/or definition_id")
            for key in CHANGEABLE & set(change):
                if not isinstance(change[key], int) or isinstance(change[key], bool) or change[key] < 1:
                    raise Invalid(key, "must be a positive integer id")
            if "schedule_id" in change:
                if s.get(ScheduleRow, change["schedule_id"]) is None:
                    raise NotFound("schedule_id", f"no schedule {change['schedule_id']}")
                row.schedule_id = change["schedule_id"]
            if "definition_id" in change:
                definition = s.get(DefinitionRow, change["definition_id"])
                if definition is None:
                    raise NotFound("definition_id", f"no definition {change['definition_id']}")
                if definition.type != row.type:
                    raise Conflict(
                        "definition_id", f"the new definition must be a {TaskType(row.type).label} definition"
                    )
                row.definition_id = definition.id
            site = site_row(s, row.site_id)
            site.config_version += 1
            row.changed_version = site.config_version
            row.last_modified, row.last_modified_by = self.db.now(), by
            return self._task_detail(s, row)

    def delete_task(self, task_id: int, confirm: bool, by: str) -> TaskRemoved:
        """R9: needs confirmation after the Full View warning.  The site stops scheduling
        the task at its next poll (the task is gone from its config)."""
        with self.db.session() as s:
            row = self._task(s, task_id)
            if not confirm:
                raise Conflict("confirm", f"{R9_WARNING} Repeat with confirm=true to remove task {task_id}.")
            site = site_row(s, row.site_id)
            site.config_version += 1
            s.add(TaskLogRow(task_id=row.id, site_id=site.id, at=self.db.now(), line=f"task {row.id} removed by {by}"))
            s.execute(delete(TaskMailboxRow).where(TaskMailboxRow.task_id == row.id))
            s.delete(row)
            # the archive's R9 reset goes out with the delete, in the same transaction (see outbox.py)
            s.add(ArchiveOutboxRow(kind="reset_task", task_id=task_id, site_id=site.id, queued=self.db.now()))
            return TaskRemoved(deleted=task_id, site_id=site.id, warning=R9_WARNING)

    # -- the site-facing side ---------------------------------------------------------------------------

    def heartbeat(self, site_id: int, engine_version: str | None, host_os: str | None) -> dict[str, Any]:
        """One statement, not the ORM's read-modify-write: every site calls this at least
        every 120 s, and a simulated week of a site makes ten thousand of them."""
        if engine_version:
            parse_version(engine_version)
        values: dict[str, Any] = {"last_active": self.db.now()}
        if engine_version:
            # kept beside the registered version, not over it: the pages say when they differ
            values["reported_version"] = engine_version
        if host_os:
            values["host_os"] = host_os[:100]
        table: Table = SiteRow.__table__  # type: ignore[assignment]  # Core, not the ORM's bulk update (dearer)
        with self.db.session() as s:
            row = (
                s.connection()
                .execute(
                    update(table)
                    .where(table.c.id == site_id)
                    .values(**values)
                    .returning(table.c.config_version, table.c.enabled)
                )
                .first()
            )
            if row is None:
                raise NotFound("site_id", f"no site {site_id}")
            return {"config_version": int(row[0]), "enabled": bool(row[1])}

    def site_config(self, site_id: int) -> dict[str, Any]:
        """Everything the site needs to run its tasks, stamped with its config version."""
        with self.db.session() as s:
            site = site_row(s, site_id)
            tasks = []
            for row in s.scalars(select(TaskRow).where(TaskRow.site_id == site.id).order_by(TaskRow.id)):
                schedule = s.get(ScheduleRow, row.schedule_id)
                definition = s.get(DefinitionRow, row.definition_id)
                assert schedule is not None and definition is not None
                task_type = TaskType(row.type)
                tasks.append(
                    {
                        "id": row.id,
                        "created": iso(row.created),  # its identity beside the number
                        "type": task_type.value,
                        "log_code": task_type.log_code,
                        "schedule": json.loads(schedule.spec),
                        "definition": json.loads(definition.spec),
                        "group": json.loads(row.group),
                        "changed_version": row.changed_version,
                    }
                )
            return {
                "version": site.config_version,
                "site": {
                    "id": site.id,
                    "code": site.code,
                    "enabled": site.enabled,
                    "time_zone": site.time_zone,
                    "directory_type": site.directory_type,
                    "ews": {
                        "endpoint": site.ews_endpoint,
                        "service_account": site.ews_service_account,
                        "password": site.ews_password,
                        "impersonation": site.ews_impersonation,
                    },
                },
                "tasks": tasks,
            }

    def config_version(self, site_id: int) -> int:
        with self.db.session() as s:
            return site_row(s, site_id).config_version

    def acknowledge(self, site_id: int, version: int) -> dict[str, Any]:
        """The site applied config ``version``: its tasks leave Pending (T3)."""
        with self.db.session() as s:
            site = site_row(s, site_id)
            if version > site.config_version:
                raise Conflict("version", f"version {version} was never issued (latest {site.config_version})")
            site.acked_version = max(site.acked_version, version)
            return {"acked_version": site.acked_version, "config_version": site.config_version}

    def _own_task(self, s: Session, site_id: int, task_id: int) -> TaskRow:
        row = s.get(TaskRow, task_id)
        if row is None or row.site_id != site_id:
            raise NotFound("task_id", f"no task {task_id} for this site")  # others' tasks do not exist
        return row

    def report_progress(self, site_id: int, progress: Progress) -> TaskView:
        with self.db.session() as s:
            row = self._own_task(s, site_id, progress.task_id)
            now = self.db.now()
            if progress.status == "Running":
                row.run_state = "Running"
            else:
                if row.run_state == "Running":
                    row.last_run = now
                row.run_state = "Completed" if progress.status == "Completed" else "Idle"
            row.command = progress.command
            row.latest_detail = progress.latest_detail or row.latest_detail
            if progress.sequence is not None:
                row.sequence = max(row.sequence, progress.sequence)  # never counts twice, never goes back
            known: dict[str, TaskMailboxRow] = {}
            if progress.mailboxes:
                # one query for the task's rows, not one per mailbox (a report can hold thousands)
                known = {
                    m.mailbox: m for m in s.scalars(select(TaskMailboxRow).where(TaskMailboxRow.task_id == row.id))
                }
            for entry in progress.mailboxes:
                existing = known.get(entry.mailbox.lower())
                if existing is None:
                    existing = TaskMailboxRow(task_id=row.id, mailbox=entry.mailbox.lower(), result=entry.result.value)
                    s.add(existing)
                    known[existing.mailbox] = existing
                existing.last_run = entry.last_run or now
                existing.result, existing.reason, existing.items = entry.result.value, entry.reason, entry.items
            return self._task_view(s, row)

    def append_log(self, site_id: int, task_id: int, lines: list[str]) -> int:
        with self.db.session() as s:
            self._own_task(s, site_id, task_id)
            now = self.db.now()
            s.add_all(TaskLogRow(task_id=task_id, site_id=site_id, at=now, line=line[:2000]) for line in lines)
            return len(lines)

    def archive_registration(self, site_id: int) -> tuple[str, list[TaskRegistration]]:
        """What the archive is told of a site: its key's hash and its tasks — owner,
        type, identity, and the addresses of single-mailbox and list targets (the
        archive then limits the site's key to them; groups the site resolves)."""
        with self.db.session() as s:
            site = site_row(s, site_id)
            tasks: list[TaskRegistration] = []
            for row in s.scalars(select(TaskRow).where(TaskRow.site_id == site_id).order_by(TaskRow.id)):
                group = json.loads(row.group)
                addresses = {"single_mailbox": [group.get("address")], "mailbox_list": group.get("addresses")}
                created = iso(row.created)
                assert created is not None  # a task always has its creation time
                tasks.append(
                    {
                        "id": row.id,
                        "type": TaskType(row.type),
                        "created": created,
                        "mailboxes": addresses.get(group["kind"]),
                    }
                )
            return site.key_hash, tasks

    def task_ids(self, site_id: int) -> Iterator[int]:
        with self.db.session() as s:
            yield from list(s.scalars(select(TaskRow.id).where(TaskRow.site_id == site_id)))


__all__ = ["CHANGEABLE", "TaskRules", "is_one_off", "next_run"]
