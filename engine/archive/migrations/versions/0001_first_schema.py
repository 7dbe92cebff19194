"""The first schema: the tables as create_all made them before migrations existed.

Revision 0001 (the first release's schema, written out table by table).  A database
made by that release (these tables, no version table) is stamped 0001 when it is
first opened, never re-created.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Every table of the first schema, each with its indexes."""
    _access()
    _archive_sites()
    _archive_tasks()
    _archived()
    _boundaries()
    _calendar_items()
    _calendars()
    _dirty()
    _expired()
    _folder_names()
    _folders()
    _full_view()
    _live()
    _mfr_holders()
    _roster()
    _stubs()
    _submissions()


def _access() -> None:
    op.create_table(
        "access",
        sa.Column("item", sa.String(length=1000), nullable=False),
        sa.Column("mailbox", sa.String(length=254), nullable=False),
        sa.PrimaryKeyConstraint("item", "mailbox"),
    )


def _archive_sites() -> None:
    op.create_table(
        "archive_sites",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("site_id"),
        sa.UniqueConstraint("key_hash"),
    )


def _archive_tasks() -> None:
    op.create_table(
        "archive_tasks",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(length=20), nullable=True),
        sa.Column("created", sa.String(length=40), nullable=True),
        sa.Column("explicit", sa.Boolean(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("removed", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("task_id"),
    )
    op.create_index("ix_archive_tasks_site_id", "archive_tasks", ["site_id"], unique=False)


def _archived() -> None:
    op.create_table(
        "archived",
        sa.Column("item", sa.String(length=1000), nullable=False),
        sa.Column("subject", sa.String(length=1000), nullable=True),
        sa.Column("received", sa.Float(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("held", sa.Boolean(), nullable=True),
        sa.Column("purge_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("item"),
    )


def _boundaries() -> None:
    op.create_table(
        "boundaries",
        sa.Column("mailbox", sa.String(length=254), nullable=False),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("mailbox"),
    )


def _calendar_items() -> None:
    op.create_table(
        "calendar_items",
        sa.Column("mailbox", sa.String(length=254), nullable=False),
        sa.Column("uid", sa.String(length=1000), nullable=False),
        sa.Column("calendar_id", sa.String(length=600), nullable=True),
        sa.Column("data", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("mailbox", "uid"),
    )


def _calendars() -> None:
    op.create_table(
        "calendars",
        sa.Column("mailbox", sa.String(length=254), nullable=False),
        sa.Column("calendar_id", sa.String(length=600), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("mailbox", "calendar_id"),
    )


def _dirty() -> None:
    op.create_table(
        "dirty",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("mailbox", sa.String(length=254), nullable=False),
        sa.Column("item", sa.String(length=1000), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("task_id", "mailbox", "item"),
    )


def _expired() -> None:
    op.create_table(
        "expired",
        sa.Column("mailbox", sa.String(length=254), nullable=False),
        sa.Column("item", sa.String(length=1000), nullable=False),
        sa.Column("at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("mailbox", "item"),
    )


def _folder_names() -> None:
    op.create_table(
        "folder_names",
        sa.Column("mailbox", sa.String(length=254), nullable=True),
        sa.Column("folder_id", sa.String(length=600), nullable=True),
        sa.Column("at", sa.Float(), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("parent_id", sa.String(length=600), nullable=True),
    )
    op.create_index("ix_folder_names", "folder_names", ["mailbox", "folder_id", "at"], unique=False)


def _folders() -> None:
    op.create_table(
        "folders",
        sa.Column("mailbox", sa.String(length=254), nullable=False),
        sa.Column("folder_id", sa.String(length=600), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("parent_id", sa.String(length=600), nullable=True),
        sa.Column("well_known", sa.String(length=40), nullable=True),
        sa.Column("live", sa.Boolean(), nullable=True),
        sa.Column("removed_reason", sa.String(length=20), nullable=True),
        sa.Column("first_seen", sa.Float(), nullable=True),
        sa.Column("deleted_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("mailbox", "folder_id"),
    )


def _full_view() -> None:
    op.create_table(
        "full_view",
        sa.Column("mailbox", sa.String(length=254), nullable=False),
        sa.Column("item", sa.String(length=1000), nullable=False),
        sa.Column("folder_id", sa.String(length=600), nullable=False),
        sa.Column("first_seen", sa.Float(), nullable=True),
        sa.Column("last_seen", sa.Float(), nullable=True),
        sa.Column("boundary", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("mailbox", "item", "folder_id"),
    )
    op.create_index("ix_full_folder", "full_view", ["mailbox", "folder_id", "first_seen"], unique=False)


def _live() -> None:
    op.create_table(
        "live",
        sa.Column("mailbox", sa.String(length=254), nullable=False),
        sa.Column("item", sa.String(length=1000), nullable=False),
        sa.Column("folder_id", sa.String(length=600), nullable=False),
        sa.PrimaryKeyConstraint("mailbox", "item", "folder_id"),
    )
    op.create_index("ix_live_folder", "live", ["mailbox", "folder_id"], unique=False)


def _mfr_holders() -> None:
    op.create_table(
        "mfr_holders",
        sa.Column("mailbox", sa.String(length=254), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("mailbox"),
    )
    op.create_index("ix_mfr_holders_task_id", "mfr_holders", ["task_id"], unique=False)


def _roster() -> None:
    op.create_table(
        "roster",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("mailbox", sa.String(length=254), nullable=False),
        sa.PrimaryKeyConstraint("task_id", "mailbox"),
    )
    op.create_index("ix_roster_mailbox", "roster", ["mailbox"], unique=False)


def _stubs() -> None:
    op.create_table(
        "stubs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("mailbox", sa.String(length=254), nullable=True),
        sa.Column("item", sa.String(length=1000), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=True),
        sa.Column("at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def _submissions() -> None:
    op.create_table(
        "submissions",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("mailbox", sa.String(length=254), nullable=False),
        sa.Column("batch_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=True),
        sa.Column("at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("task_id", "mailbox", "batch_id"),
    )


def downgrade() -> None:
    op.drop_table("submissions")
    op.drop_table("stubs")
    op.drop_index("ix_roster_mailbox", table_name="roster")
    op.drop_table("roster")
    op.drop_index("ix_mfr_holders_task_id", table_name="mfr_holders")
    op.drop_table("mfr_holders")
    op.drop_index("ix_live_folder", table_name="live")
    op.drop_table("live")
    op.drop_index("ix_full_folder", table_name="full_view")
    op.drop_table("full_view")
    op.drop_table("folders")
    op.drop_index("ix_folder_names", table_name="folder_names")
    op.drop_table("folder_names")
    op.drop_table("expired")
    op.drop_table("dirty")
    op.drop_table("calendars")
    op.drop_table("calendar_items")
    op.drop_table("boundaries")
    op.drop_table("archived")
    op.drop_index("ix_archive_tasks_site_id", table_name="archive_tasks")
    op.drop_table("archive_tasks")
    op.drop_table("archive_sites")
    op.drop_table("access")
