"""The archive's SQL plumbing, shared by its store and its task registry: one engine
(SQLite by default, any SQLAlchemy URL), one writer at a time, and statements sent to
the driver as text where SQLAlchemy's per-statement work costs more than the database's
(the same SQL on SQLite and PostgreSQL: ``?`` placeholders are rewritten for drivers
that want ``%s``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from engine.console.database import make_engine

from .migrations import HISTORY


class Database:
    def __init__(self, url: str = "sqlite://") -> None:
        self.engine = make_engine(url)
        HISTORY.upgrade(self.engine)  # the schema comes from the revisions (engine.migrate)
        self._lock = threading.RLock()
        self._dialect = self.engine.dialect.name
        #: appended to the SELECT of a task's row by every call that changes what the task
        #: owns: on PostgreSQL several processes serve the archive (serve --workers N), and
        #: the row lock puts a task's submissions and its R9 reset one after the other, as
        #: this process' lock does for its threads (SQLite has one writer anyway)
        self.for_update = " FOR UPDATE" if self._dialect == "postgresql" else ""

    @contextmanager
    def tx(self) -> Iterator[Connection]:
        with self._lock, self.engine.begin() as conn:
            yield conn

    def insert(self, table: Table) -> Any:
        """An INSERT that takes ON CONFLICT clauses, in this database's dialect."""
        return postgresql.insert(table) if self._dialect == "postgresql" else sqlite.insert(table)

    def ignore(self, table: Table) -> Any:
        return self.insert(table).on_conflict_do_nothing()

    def sql(self, conn: Connection, sql: str, params: tuple[Any, ...] = ()) -> Any:
        if self.engine.dialect.paramstyle != "qmark":
            sql = sql.replace("?", "%s")
        return conn.exec_driver_sql(sql, params)

    def bulk(self, conn: Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """A many-row statement straight to the driver: for the hot paths (a batch holds
        up to 100,000 placements) SQLAlchemy's per-row parameter handling costs more than
        SQLite's insert.  ``sql`` uses ``?``; the standard upsert syntax suits SQLite and
        PostgreSQL alike."""
        if rows:
            if self.engine.dialect.paramstyle != "qmark":
                sql = sql.replace("?", "%s")
            conn.exec_driver_sql(sql, rows)


__all__ = ["Database"]
