"""The console database's migration history (Alembic): env.py and versions/.  Add a
revision with ``synceng db revision console -m "what changes"`` (README, "Schema
migrations")."""

from __future__ import annotations

from engine.console.schema import Base
from engine.migrate import MigrationHistory

HISTORY = MigrationHistory(
    name="console",
    package=__name__,
    first_tables=frozenset(
        {
            "admins",
            "credentials",
            "sites",
            "schedules",
            "definitions",
            "tasks",
            "task_mailboxes",
            "task_log",
            "directory",
        }
    ),
    metadata=Base.metadata,
)

__all__ = ["HISTORY"]
