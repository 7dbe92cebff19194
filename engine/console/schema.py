"""The console's tables (SQLAlchemy 2 ORM).  SQLite by default; any SQLAlchemy URL
(PostgreSQL) works unchanged.  Every timestamp is written from the injected clock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class AdminRow(Base):
    __tablename__ = "admins"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused, as on PostgreSQL
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # admin | read_only
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CredentialRow(Base):
    """A login session or an API token (both bearer secrets, stored hashed)."""

    __tablename__ = "credentials"
    id: Mapped[int] = mapped_column(primary_key=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("admins.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # session | token
    name: Mapped[str] = mapped_column(String(120), default="")
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SiteRow(Base):
    __tablename__ = "sites"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused, as on PostgreSQL
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    engine_version: Mapped[str] = mapped_column(String(20))  # as registered by an administrator
    #: as the site last reported it in a heartbeat (None until it does): what it runs
    reported_version: Mapped[str | None] = mapped_column(String(20), nullable=True)
    host_os: Mapped[str] = mapped_column(String(100), default="")
    time_zone: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    directory_type: Mapped[str] = mapped_column(String(20))
    ews_endpoint: Mapped[str] = mapped_column(String(2048), default="")
    ews_service_account: Mapped[str] = mapped_column(String(254), default="")
    ews_password: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    ews_impersonation: Mapped[bool] = mapped_column(Boolean, default=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    registered: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_active: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    config_version: Mapped[int] = mapped_column(Integer, default=1)
    acked_version: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def version_in_force(self) -> str:
        """The engine version the console goes by: the one the site reported, else the
        one it was registered with.  The site is the judge of what it runs, so the
        2.7 gate of group kinds 3-5 (domain.md, Group target) follows what it reports:
        a site registered as 2.6.0 that reports 2.7.0 may take them, and one registered
        as 2.7.1 that reports 2.6.0 may not (a registration is a claim, a heartbeat a fact)."""
        return self.reported_version or self.engine_version


class CatalogEntry:
    """What schedules and definitions share: an id never reused, a name unique beyond
    case, a JSON spec, and who changed it when (mapped on each table)."""

    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused, as on PostgreSQL
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(480), unique=True)  # name.casefold(): names differ beyond case
    spec: Mapped[str] = mapped_column(Text)  # JSON of the model's spec (engine.model)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    modified: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    modified_by: Mapped[str] = mapped_column(String(254))


class ScheduleRow(CatalogEntry, Base):
    __tablename__ = "schedules"  # spec: engine.model.ScheduleSpec


class DefinitionRow(CatalogEntry, Base):
    __tablename__ = "definitions"  # spec: engine.model.DefinitionSpec
    type: Mapped[str] = mapped_column(String(20))


class TaskRow(Base):
    __tablename__ = "tasks"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused, as on PostgreSQL
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    type: Mapped[str] = mapped_column(String(20))
    definition_id: Mapped[int] = mapped_column(ForeignKey("definitions.id"))
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id"))
    group: Mapped[str] = mapped_column(Text)  # JSON of engine.model.GroupTarget
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_modified: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_modified_by: Mapped[str] = mapped_column(String(254))
    changed_version: Mapped[int] = mapped_column(Integer)  # the site's config version at the last change
    run_state: Mapped[str] = mapped_column(String(20), default="Idle")  # Idle | Running | Completed
    command: Mapped[str] = mapped_column(String(500), default="")
    latest_detail: Mapped[str] = mapped_column(String(1000), default="")
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    last_run: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class TaskMailboxRow(Base):
    __tablename__ = "task_mailboxes"
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(254), primary_key=True)
    last_run: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    result: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500), default="")
    items: Mapped[int] = mapped_column(Integer, default=0)


class TaskLogRow(Base):
    __tablename__ = "task_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(Integer, index=True)  # kept after the task is deleted
    site_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    line: Mapped[str] = mapped_column(String(2000))


class ArchiveOutboxRow(Base):
    """What the archive must still be told, committed with the change that calls for it
    (issue 11: the R9 reset of a deleted task).  Delivered at least once — the archive's
    reset is idempotent — and removed when the archive has answered."""

    __tablename__ = "archive_outbox"
    __table_args__ = {"sqlite_autoincrement": True}  # delivery follows the order of the changes
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # reset_task
    task_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int] = mapped_column(Integer)
    queued: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")


class LoginThrottleRow(Base):
    """Failed logins of late, per account (the email as typed, known or not) and per
    client address (issue 12 defect 7).  In the database, not in memory, so that every
    console process (several on PostgreSQL) counts the same attempts.  The key is
    hashed: a password typed into the email field is not kept."""

    __tablename__ = "login_throttle"
    __table_args__ = (Index("ix_login_throttle_last_failure", "last_failure"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of "account:…" or "address:…"
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in the window that began at window_start
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_failure: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lockouts: Mapped[int] = mapped_column(Integer, default=0)  # since the last success: each doubles the wait
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DirectoryRow(Base):
    """The directory copy a site uploads (directory sync, ADR) for Lookup from AD."""

    __tablename__ = "directory"
    __table_args__ = (UniqueConstraint("site_id", "kind", "object_id"), Index("ix_directory_name", "name"))
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # group | user
    object_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(256))
    dn: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    mail: Mapped[str | None] = mapped_column(String(254), nullable=True)
    group_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)  # security | distribution | unified
    members: Mapped[int] = mapped_column(Integer, default=0)
    uploaded: Mapped[datetime] = mapped_column(DateTime(timezone=True))
