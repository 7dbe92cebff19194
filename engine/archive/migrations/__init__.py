"""The archive database's migration history (Alembic): env.py and versions/.  Add a
revision with ``synceng db revision archive -m "what changes"`` (README, "Schema
migrations")."""

from __future__ import annotations

from engine.archive.schema import metadata
from engine.migrate import MigrationHistory

HISTORY = MigrationHistory(
    name="archive",
    package=__name__,
    first_tables=frozenset(
        {
            "archive_sites",
            "archive_tasks",
            "roster",
            "mfr_holders",
            "submissions",
            "folders",
            "folder_names",
            "live",
            "full_view",
            "boundaries",
            "dirty",
            "expired",
            "calendars",
            "calendar_items",
            "archived",
            "access",
            "stubs",
        }
    ),
    metadata=metadata,
)

__all__ = ["HISTORY"]
