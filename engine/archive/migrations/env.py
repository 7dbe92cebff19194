"""Alembic's entry point for the archive's revisions: Alembic runs it, configured by
engine.migrate (no alembic.ini), which hands it the history to run."""

from engine.migrate import run_env

run_env()
