"""Alembic's entry point for the console's revisions (run by Alembic, configured in
engine.migrate: no alembic.ini)."""

from engine.console.migrations import HISTORY

HISTORY.run_env()
