"""The archive platform's tables (SQLAlchemy Core; SQLite by default, any SQLAlchemy
URL works).  Timestamps are epoch seconds from the injected clock."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()
sites = Table(
    "archive_sites", metadata, Column("site_id", Integer, primary_key=True), Column("key_hash", String(64), unique=True)
)
#: the tasks the console registered: which site owns each (never whoever submits
#: first), the task's type and identity (its creation time: a task created under a
#: number the archive knew is another task), and its Sequence
tasks = Table(
    "archive_tasks",
    metadata,
    Column("task_id", Integer, primary_key=True),
    Column("site_id", Integer, index=True),
    Column("type", String(20)),
    Column("created", String(40)),
    Column("explicit", Boolean),  # its mailboxes are the addresses the console was given
    Column("sequence", Integer, default=0),
    # R9: removed by the console — its views were reset and it submits nothing more, but
    # what it did in Exchange before it stopped can still be recorded (stubs)
    Column("removed", Boolean, default=False),
)
#: the mailboxes each task processes: the console's addresses for single-mailbox and
#: list targets, the site's group resolution (declared each execution) otherwise
roster = Table(
    "roster",
    metadata,
    Column("task_id", Integer, primary_key=True),
    Column("mailbox", String(254), primary_key=True),
    Index("ix_roster_mailbox", "mailbox"),
)
#: T8 across sites: the MFR task that replicates a mailbox's views, until it is removed
holders = Table(
    "mfr_holders",
    metadata,
    Column("mailbox", String(254), primary_key=True),
    Column("task_id", Integer, index=True),
)
submissions = Table(
    "submissions",
    metadata,
    Column("task_id", Integer, primary_key=True),
    Column("mailbox", String(254), primary_key=True),
    Column("batch_id", String(200), primary_key=True),
    Column("kind", String(20)),
    Column("at", Float),
)
folders = Table(
    "folders",
    metadata,
    Column("mailbox", String(254), primary_key=True),
    Column("folder_id", String(600), primary_key=True),
    Column("name", String(500)),
    Column("parent_id", String(600), nullable=True),
    Column("well_known", String(40), nullable=True),
    Column("live", Boolean),
    Column("removed_reason", String(20), nullable=True),
    Column("first_seen", Float, nullable=True),
    Column("deleted_at", Float, nullable=True),
)
folder_names = Table(
    "folder_names",
    metadata,
    Column("mailbox", String(254)),
    Column("folder_id", String(600)),
    Column("at", Float),
    Column("name", String(500)),
    Column("parent_id", String(600), nullable=True),
    Index("ix_folder_names", "mailbox", "folder_id", "at"),
)
live = Table(
    "live",
    metadata,
    Column("mailbox", String(254), primary_key=True),
    Column("item", String(1000), primary_key=True),
    Column("folder_id", String(600), primary_key=True),
    Index("ix_live_folder", "mailbox", "folder_id"),
)
full = Table(
    "full_view",
    metadata,
    Column("mailbox", String(254), primary_key=True),
    Column("item", String(1000), primary_key=True),
    Column("folder_id", String(600), primary_key=True),
    Column("first_seen", Float),
    Column("last_seen", Float),
    Column("boundary", Integer, default=0),  # the mailbox's boundary count when last seen
    Column("deleted_at", Float, nullable=True),
    Index("ix_full_folder", "mailbox", "folder_id", "first_seen"),  # covers the "as of" counts
)
#: per mailbox, how many run boundaries have been recorded: "last known location" is
#: the entry seen at the latest boundary, whatever the clock said (runs may share a time)
boundaries = Table(
    "boundaries", metadata, Column("mailbox", String(254), primary_key=True), Column("count", Integer, default=0)
)
dirty = Table(
    "dirty",
    metadata,
    Column("task_id", Integer, primary_key=True),
    Column("mailbox", String(254), primary_key=True),
    Column("item", String(1000), primary_key=True),
    Column("reason", String(20)),
)
expired = Table(
    "expired",
    metadata,
    Column("mailbox", String(254), primary_key=True),
    Column("item", String(1000), primary_key=True),
    Column("at", Float),
)
calendars = Table(
    "calendars",
    metadata,
    Column("mailbox", String(254), primary_key=True),
    Column("calendar_id", String(600), primary_key=True),
    Column("name", String(500)),
)
calendar_items = Table(
    "calendar_items",
    metadata,
    Column("mailbox", String(254), primary_key=True),
    Column("uid", String(1000), primary_key=True),
    Column("calendar_id", String(600)),
    Column("data", Text),
)
archived = Table(
    "archived",
    metadata,
    Column("item", String(1000), primary_key=True),
    Column("subject", String(1000), default=""),
    Column("sender", String(1000), default=""),  # as journaling saw it: "Name <address>" or an address
    Column("received", Float, nullable=True),
    Column("size", Integer, default=0),
    Column("held", Boolean, default=False),
    Column("purge_at", Float, nullable=True),
)
access = Table(
    "access", metadata, Column("item", String(1000), primary_key=True), Column("mailbox", String(254), primary_key=True)
)
stubs = Table(
    "stubs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", Integer),
    Column("mailbox", String(254)),
    Column("item", String(1000)),
    Column("action", String(40)),
    Column("at", Float),
)
