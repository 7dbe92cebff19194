"""The console's SQL plumbing, shared by its store and its task rules: one engine
(SQLite by default, any SQLAlchemy URL), one writer at a time, transactions that
nest, and the injected clock every timestamp is written from."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from engine.clock import Clock
from engine.errors import NotFound

from .migrations import HISTORY
from .schema import SiteRow

#: the PostgreSQL advisory lock the console's transactions take, one after another
CONSOLE_LOCK = 0x5359_4E43  # "SYNC"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=StaticPool if memory else None,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _: Any) -> None:
            cursor = connection.cursor()
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class ConsoleDatabase:
    def __init__(self, url: str, clock: Clock) -> None:
        self.clock = clock
        self.engine = make_engine(url)
        HISTORY.upgrade(self.engine)  # the schema comes from the revisions (engine.migrate)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # one writer at a time: SQLite would otherwise answer "database is locked"
        self._lock = threading.RLock()
        self._local = threading.local()
        self._serialize_processes = self.engine.dialect.name == "postgresql"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction; calls made inside an open one join it, so several store
        calls (a task with its new schedule and definition) commit or fail together."""
        current: Session | None = getattr(self._local, "session", None)
        if current is not None:
            yield current
            return
        with self._lock, self._sessions.begin() as session:
            if self._serialize_processes:
                # several processes on one database (serve --workers N): their transactions
                # follow one another as this process' lock makes its threads' do — the
                # store's read-then-write steps (a task's status, a site's configuration
                # version) rely on it, and the console's load is light
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CONSOLE_LOCK})
            self._local.session = session
            try:
                yield session
            finally:
                self._local.session = None

    def now(self) -> datetime:
        return self.clock.now()


def site_row(s: Session, site_id: int) -> SiteRow:
    """The site every task, report and directory upload belongs to."""
    row = s.get(SiteRow, site_id)
    if row is None:
        raise NotFound("site_id", f"no site {site_id}")
    return row


__all__ = ["ConsoleDatabase", "make_engine", "site_row"]
