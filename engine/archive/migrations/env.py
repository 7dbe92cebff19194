"""Alembic's entry point for the archive's revisions (run by Alembic, configured in
engine.migrate: no alembic.ini)."""

from engine.archive.migrations import HISTORY

HISTORY.run_env()
