"""The console's state and rules (domain.md §1 and §2): administrators, sites, schedules,
definitions, the directory copy, tasks, and what sites report.  No HTTP here: methods
take validated domain types, return plain dicts, and raise the domain's errors
(:mod:`engine.errors`, naming the field they are about) when a rule refuses.
"""

from __future__ import annotations

import json
import random
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from engine.clock import Clock, WallClock
from engine.errors import Conflict, Invalid, NotFound, Unauthorized
from engine.model import DefinitionIn, Progress, ScheduleIn, SiteChange, SiteIn, TaskIn, TaskType, valid_address
from engine.security import NOBODYS_PASSWORD_HASH, hash_password, hash_token, new_token, verify_password
from engine.wire.console_archive import TaskRegistration

from .common import aware, iso
from .database import ConsoleDatabase, site_row
from .logins import LoginThrottle
from .schema import (
    AdminRow,
    CredentialRow,
    DefinitionRow,
    DirectoryRow,
    ScheduleRow,
    SiteRow,
    TaskRow,
)
from .tasks import TaskRules
from .views import (
    ActivityLine,
    AdminView,
    DefinitionView,
    DirectoryGroup,
    ScheduleView,
    SiteView,
    TaskDetail,
    TaskRemoved,
    TaskView,
)

Entry = TypeVar("Entry", ScheduleRow, DefinitionRow)  # a catalog entry: a schedule or a definition
ACTIVE_WINDOW = timedelta(minutes=10)  # a site is Active while its last heartbeat is younger
SESSION_LIFETIME = timedelta(hours=12)
ROLES = ("admin", "read_only")


class ConsoleStore:
    """The console's one façade: administrators, sites, schedules, definitions and the
    directory copy here; the tasks' rules in :class:`TaskRules`, on the same database."""

    def __init__(self, url: str = "sqlite://", clock: Clock | None = None, rng: random.Random | None = None) -> None:
        self.db = ConsoleDatabase(url, clock or WallClock())
        self.clock: Clock = self.db.clock
        self.engine = self.db.engine
        self.rng = rng or random.Random(0)
        self.task_rules = TaskRules(self.db)
        self.logins = LoginThrottle(self.db)
        self._keys: dict[str, int] = {}  # key hash → site id, for keys found

    def session(self) -> AbstractContextManager[Session]:
        """One transaction; calls made inside an open one join it."""
        return self.db.session()

    transaction = session

    def now(self) -> datetime:
        return self.db.now()

    # -- administrators and credentials ---------------------------------------------------

    def admin_count(self) -> int:
        with self.session() as s:
            return int(s.scalar(select(func.count()).select_from(AdminRow)) or 0)

    def create_admin(self, email: str, password: str, role: str = "admin") -> AdminView:
        if role not in ROLES:
            raise Invalid("role", f"role must be one of {', '.join(ROLES)}")
        try:
            email = valid_address(email)
        except ValueError as exc:
            raise Invalid("email", str(exc)) from exc
        if len(password) < 8:
            raise Invalid("password", "a password needs at least 8 characters")
        with self.session() as s:
            if s.scalar(select(AdminRow).where(AdminRow.email == email)):
                raise Conflict("email", f"an administrator {email} exists already")
            row = AdminRow(email=email, password_hash=hash_password(password, self.rng), role=role, created=self.now())
            s.add(row)
            s.flush()
            return {"id": row.id, "email": row.email, "role": row.role}

    def login(self, email: str, password: str, address: str = "") -> tuple[str, AdminView]:
        """A new session for the administrator; (session token, admin).  Refused while
        the account or the client's ``address`` has failed too often of late
        (Throttled); an unknown account costs the same password check as a known one
        (engine/console/logins.py)."""
        attempt = self.logins.admit(email, address)
        with self.session() as s:
            row = s.scalar(select(AdminRow).where(AdminRow.email == email))
            admin: AdminView | None = None if row is None else {"id": row.id, "email": row.email, "role": row.role}
            stored = NOBODYS_PASSWORD_HASH if row is None else row.password_hash
        # outside the transaction: scrypt takes tens of milliseconds, the database is not held
        if not verify_password(password, stored) or admin is None:
            raise Unauthorized("password", "unknown administrator or wrong password")
        self.logins.succeeded(attempt)
        token = new_token(self.rng, "ses_")
        with self.session() as s:
            s.add(
                CredentialRow(
                    admin_id=admin["id"],
                    kind="session",
                    secret_hash=hash_token(token),
                    created=self.now(),
                    expires=self.now() + SESSION_LIFETIME,
                )
            )
        return token, admin

    def logout(self, token: str) -> None:
        """Ends a session; an API token is not a session (scripts keep theirs)."""
        with self.session() as s:
            s.execute(
                delete(CredentialRow).where(
                    CredentialRow.secret_hash == hash_token(token), CredentialRow.kind == "session"
                )
            )

    def create_api_token(self, admin_id: int, name: str) -> str:
        with self.session() as s:
            token = new_token(self.rng, "api_")
            s.add(
                CredentialRow(
                    admin_id=admin_id, kind="token", name=name, secret_hash=hash_token(token), created=self.now()
                )
            )
            return token

    def admin_for(self, secret: str) -> AdminView | None:
        """The administrator a session or API token belongs to, if it is valid now."""
        with self.session() as s:
            cred = s.scalar(select(CredentialRow).where(CredentialRow.secret_hash == hash_token(secret)))
            if cred is None:
                return None
            expires = aware(cred.expires)
            if expires is not None and expires <= self.now():
                return None
            admin = s.get(AdminRow, cred.admin_id)
            return None if admin is None else {"id": admin.id, "email": admin.email, "role": admin.role}

    # -- sites ------------------------------------------------------------------------------

    def register_site(self, spec: SiteIn) -> tuple[SiteView, str]:
        """A new site and its binding key — the key is returned once and stored hashed."""
        with self.session() as s:
            if s.scalar(select(SiteRow).where(func.lower(SiteRow.code) == spec.code.lower())):
                raise Conflict("code", f"a site with code {spec.code} exists already")
            key = new_token(self.rng, "site_")
            row = SiteRow(
                code=spec.code,
                description=spec.description,
                engine_version=spec.engine_version,
                host_os=spec.host_os,
                time_zone=spec.time_zone,
                enabled=spec.enabled,
                directory_type=spec.directory_type.value,
                ews_endpoint=spec.ews.endpoint,
                ews_service_account=spec.ews.service_account,
                ews_password=spec.ews.password,
                ews_impersonation=spec.ews.impersonation,
                key_hash=hash_token(key),
                registered=self.now(),
            )
            s.add(row)
            s.flush()
            return self._site_view(row), key

    def _site_view(self, row: SiteRow) -> SiteView:
        last = aware(row.last_active)
        active = last is not None and self.now() - last < ACTIVE_WINDOW
        return {
            "id": row.id,
            "code": row.code,
            "description": row.description,
            "engine_version": row.version_in_force,
            "registered_version": row.engine_version,
            "reported_version": row.reported_version,
            "host_os": row.host_os,
            "time_zone": row.time_zone,
            "enabled": row.enabled,
            "status": "Active" if active else "Inactive",
            "last_active": iso(last),
            "directory_type": row.directory_type,
            "ews": {
                "endpoint": row.ews_endpoint,
                "service_account": row.ews_service_account,
                "impersonation": row.ews_impersonation,
                "password_set": bool(row.ews_password),
            },
            "config_version": row.config_version,
            "acked_version": row.acked_version,
        }

    def sites(self) -> list[SiteView]:
        with self.session() as s:
            return [self._site_view(r) for r in s.scalars(select(SiteRow).order_by(SiteRow.code))]

    def site(self, site_id: int) -> SiteView:
        with self.session() as s:
            return self._site_view(site_row(s, site_id))

    def change_site(self, site_id: int, change: SiteChange) -> SiteView:
        with self.session() as s:
            row = site_row(s, site_id)
            if change.description is not None:
                row.description = change.description
            if change.time_zone is not None:
                row.time_zone = change.time_zone
            if change.ews is not None:
                row.ews_endpoint, row.ews_service_account = change.ews.endpoint, change.ews.service_account
                row.ews_impersonation = change.ews.impersonation
                if change.ews.password is not None:
                    row.ews_password = change.ews.password
            if change.enabled is not None:
                row.enabled = change.enabled
            row.config_version += 1  # the site sees every change at its next poll
            return self._site_view(row)

    def site_for_key(self, key: str) -> int | None:
        """Every site call authenticates this way: a key found once is remembered (a
        site's key never changes and sites are not removed); one not found is asked
        again (another process may have registered it since)."""
        digest = hash_token(key)
        known = self._keys.get(digest)
        if known is not None:
            return known
        with self.session() as s:
            site_id: int | None = s.scalar(select(SiteRow.id).where(SiteRow.key_hash == digest))
        if site_id is not None:
            self._keys[digest] = site_id
        return site_id

    def site_key_hashes(self) -> dict[int, str]:
        with self.session() as s:
            return {r.id: r.key_hash for r in s.scalars(select(SiteRow))}

    # -- schedules and definitions ----------------------------------------------------------

    def _used_by(self, s: Session, column: Any, object_id: int) -> list[int]:
        return list(s.scalars(select(TaskRow.id).where(column == object_id).order_by(TaskRow.id)))

    @staticmethod
    def _check_name_free(
        s: Session, table: type[ScheduleRow | DefinitionRow], what: str, name: str, other_than: int | None = None
    ) -> None:
        query = select(table.id).where(table.name_key == name.casefold())
        if other_than is not None:
            query = query.where(table.id != other_than)
        if s.scalar(query) is not None:
            raise Conflict("name", f"a {what} named {name!r} exists already")

    def _delete_unused(self, s: Session, row: ScheduleRow | DefinitionRow, column: Any, what: str) -> None:
        """A schedule or definition any task uses cannot be deleted: the error names the tasks."""
        users = self._used_by(s, column, row.id)
        if users:
            names = ", ".join(f"task {t}" for t in users)
            raise Conflict(f"{what}_id", f"the {what} {row.name!r} is used by {names}; change or remove them first")
        s.delete(row)

    def _bump_sites_for(self, s: Session, column: Any, object_id: int, by: str) -> None:
        """A schedule or definition changed: every task using it changes (Pending until
        its site acknowledges)."""
        now = self.now()
        for task in s.scalars(select(TaskRow).where(column == object_id)):
            site = site_row(s, task.site_id)
            site.config_version += 1
            task.changed_version = site.config_version
            task.last_modified, task.last_modified_by = now, by

    @staticmethod
    def _entry(s: Session, row_type: type[Entry], noun: str, entry_id: int) -> Entry:
        """A schedule or definition by id (404 naming ``<noun>_id`` when there is none)."""
        row = s.get(row_type, entry_id)
        if row is None:
            raise NotFound(f"{noun}_id", f"no {noun} {entry_id}")
        return row

    def _new_entry(
        self, s: Session, row_type: type[Entry], noun: str, spec: ScheduleIn | DefinitionIn, by: str, **columns: Any
    ) -> Entry:
        """A new schedule or definition: its name free beyond case, stamped now by ``by``."""
        self._check_name_free(s, row_type, noun, spec.name)
        now = self.now()
        row = row_type(created=now, **columns)
        self._write_entry(row, spec, by, now)
        s.add(row)
        s.flush()
        return row

    @staticmethod
    def _write_entry(row: ScheduleRow | DefinitionRow, spec: ScheduleIn | DefinitionIn, by: str, now: datetime) -> None:
        row.name, row.name_key, row.spec = spec.name, spec.name.casefold(), spec.spec.model_dump_json()
        row.modified, row.modified_by = now, by

    def _rewrite_entry(
        self,
        s: Session,
        row: ScheduleRow | DefinitionRow,
        noun: str,
        spec: ScheduleIn | DefinitionIn,
        by: str,
        used: Any,
    ) -> None:
        """A schedule or definition replaced: its tasks' sites get a new configuration."""
        self._check_name_free(s, type(row), noun, spec.name, other_than=row.id)
        self._write_entry(row, spec, by, self.now())
        self._bump_sites_for(s, used, row.id, by)

    def create_schedule(self, spec: ScheduleIn, by: str) -> ScheduleView:
        with self.session() as s:
            return self._schedule_view(s, self._new_entry(s, ScheduleRow, "schedule", spec, by))

    def _schedule_view(self, s: Session, row: ScheduleRow) -> ScheduleView:
        return {
            "id": row.id,
            "name": row.name,
            "spec": json.loads(row.spec),
            "created": iso(row.created),
            "modified": iso(row.modified),
            "modified_by": row.modified_by,
            "tasks": self._used_by(s, TaskRow.schedule_id, row.id),
        }

    def schedules(self) -> list[ScheduleView]:
        with self.session() as s:
            return [self._schedule_view(s, r) for r in s.scalars(select(ScheduleRow).order_by(ScheduleRow.name))]

    def schedule(self, schedule_id: int) -> ScheduleView:
        with self.session() as s:
            return self._schedule_view(s, self._entry(s, ScheduleRow, "schedule", schedule_id))

    def update_schedule(self, schedule_id: int, spec: ScheduleIn, by: str) -> ScheduleView:
        with self.session() as s:
            row = self._entry(s, ScheduleRow, "schedule", schedule_id)
            self._rewrite_entry(s, row, "schedule", spec, by, TaskRow.schedule_id)
            return self._schedule_view(s, row)

    def delete_schedule(self, schedule_id: int) -> None:
        with self.session() as s:
            self._delete_unused(
                s, self._entry(s, ScheduleRow, "schedule", schedule_id), TaskRow.schedule_id, "schedule"
            )

    def create_definition(self, spec: DefinitionIn, by: str) -> DefinitionView:
        with self.session() as s:
            row = self._new_entry(s, DefinitionRow, "definition", spec, by, type=spec.spec.type)
            return self._definition_view(s, row)

    def _definition_view(self, s: Session, row: DefinitionRow) -> DefinitionView:
        return {
            "id": row.id,
            "name": row.name,
            "type": TaskType(row.type),
            "spec": json.loads(row.spec),
            "created": iso(row.created),
            "modified": iso(row.modified),
            "modified_by": row.modified_by,
            "tasks": self._used_by(s, TaskRow.definition_id, row.id),
        }

    def definitions(self, type_: str | None = None) -> list[DefinitionView]:
        with self.session() as s:
            query = select(DefinitionRow).order_by(DefinitionRow.name)
            if type_ is not None:
                query = query.where(DefinitionRow.type == type_)
            return [self._definition_view(s, r) for r in s.scalars(query)]

    def definition(self, definition_id: int) -> DefinitionView:
        with self.session() as s:
            return self._definition_view(s, self._entry(s, DefinitionRow, "definition", definition_id))

    def update_definition(self, definition_id: int, spec: DefinitionIn, by: str) -> DefinitionView:
        with self.session() as s:
            row = self._entry(s, DefinitionRow, "definition", definition_id)
            if spec.spec.type != row.type and self._used_by(s, TaskRow.definition_id, row.id):
                raise Conflict("spec.type", "a definition used by tasks keeps its type")
            row.type = spec.spec.type
            self._rewrite_entry(s, row, "definition", spec, by, TaskRow.definition_id)
            return self._definition_view(s, row)

    def delete_definition(self, definition_id: int) -> None:
        with self.session() as s:
            self._delete_unused(
                s, self._entry(s, DefinitionRow, "definition", definition_id), TaskRow.definition_id, "definition"
            )

    # -- the directory copy (Lookup from AD) --------------------------------------------------

    def upload_directory(self, site_id: int, groups: list[dict[str, Any]], users: list[dict[str, Any]]) -> int:
        """Replace the site's directory copy.  The rows go in as one executemany (not
        through the ORM's unit of work): a site uploads its whole directory every hour."""
        with self.session() as s:
            site_row(s, site_id)
            s.execute(delete(DirectoryRow).where(DirectoryRow.site_id == site_id))
            now = self.now()
            rows = [
                {
                    "site_id": site_id,
                    "kind": "group",
                    "object_id": g["id"],
                    "name": g["name"],
                    "dn": g.get("dn"),
                    "mail": g.get("mail"),
                    "group_kind": g.get("kind"),
                    "members": g.get("members", 0),
                    "uploaded": now,
                }
                for g in groups
            ] + [
                {
                    "site_id": site_id,
                    "kind": "user",
                    "object_id": u["id"],
                    "name": u["name"],
                    "dn": u.get("dn"),
                    "mail": u.get("mail"),
                    "group_kind": None,
                    "members": 0,
                    "uploaded": now,
                }
                for u in users
            ]
            if rows:
                s.execute(insert(DirectoryRow), rows)
            return len(rows)

    def lookup_groups(self, text: str, site_id: int | None = None, limit: int = 50) -> list[DirectoryGroup]:
        """Lookup from AD: groups of the uploaded directory copy whose name, DN or address
        contains ``text`` (all groups when it is empty)."""
        with self.session() as s:
            query = select(DirectoryRow).where(DirectoryRow.kind == "group")
            if site_id is not None:
                query = query.where(DirectoryRow.site_id == site_id)
            needle = text.strip().lower()
            if needle:
                pattern = f"%{needle}%"
                query = query.where(
                    or_(
                        func.lower(DirectoryRow.name).like(pattern),
                        func.lower(DirectoryRow.dn).like(pattern),
                        func.lower(DirectoryRow.mail).like(pattern),
                    )
                )
            rows = s.scalars(query.order_by(DirectoryRow.name).limit(limit))
            return [
                DirectoryGroup(
                    site_id=r.site_id,
                    id=r.object_id,
                    name=r.name,
                    dn=r.dn,
                    mail=r.mail,
                    kind=r.group_kind,
                    members=r.members,
                )
                for r in rows
            ]

    # -- tasks (their rules live in TaskRules) ----------------------------------------------------

    def create_task(self, spec: TaskIn, by: str) -> TaskView:
        return self.task_rules.create_task(spec, by)

    def task(self, task_id: int) -> TaskDetail:
        return self.task_rules.task(task_id)

    def tasks(self, site_id: int | None = None, type_: str | None = None, status: str | None = None) -> list[TaskView]:
        return self.task_rules.tasks(site_id, type_, status)

    def recent_activity(self, limit: int = 20) -> list[ActivityLine]:
        return self.task_rules.recent_activity(limit)

    def change_task(self, task_id: int, change: dict[str, Any], by: str) -> TaskDetail:
        return self.task_rules.change_task(task_id, change, by)

    def delete_task(self, task_id: int, confirm: bool, by: str) -> TaskRemoved:
        return self.task_rules.delete_task(task_id, confirm, by)

    def heartbeat(self, site_id: int, engine_version: str | None, host_os: str | None) -> dict[str, Any]:
        return self.task_rules.heartbeat(site_id, engine_version, host_os)

    def site_config(self, site_id: int) -> dict[str, Any]:
        return self.task_rules.site_config(site_id)

    def config_version(self, site_id: int) -> int:
        return self.task_rules.config_version(site_id)

    def acknowledge(self, site_id: int, version: int) -> dict[str, Any]:
        return self.task_rules.acknowledge(site_id, version)

    def report_progress(self, site_id: int, progress: Progress) -> TaskView:
        return self.task_rules.report_progress(site_id, progress)

    def append_log(self, site_id: int, task_id: int, lines: list[str]) -> int:
        return self.task_rules.append_log(site_id, task_id, lines)

    def archive_registration(self, site_id: int) -> tuple[str, list[TaskRegistration]]:
        return self.task_rules.archive_registration(site_id)


#: what the command line (engine/cli.py) catches from the store, under its old name

__all__ = ["ConsoleStore"]
