"""PostgreSQL for the tests: a throwaway server (scenarios/postgres.py) without
durability (fsync off: nothing here outlives the run), one per pytest process (an
xdist worker each), and a fresh database per test, copied from a migrated template.

``$SYNCENG_TEST_DATABASE_URL`` points the tests at an existing server instead (its
user needs CREATEDB)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, make_url, text

from engine.archive.migrations import HISTORY as ARCHIVE_HISTORY
from engine.console.database import make_engine
from engine.console.migrations import HISTORY as CONSOLE_HISTORY
from scenarios.postgres import cluster as throwaway

_numbers = itertools.count(1)


@contextmanager
def cluster() -> Iterator[str | None]:
    """The URL of a server for this pytest process, or None when there is none to be had
    (no $SYNCENG_TEST_DATABASE_URL and PostgreSQL not installed)."""
    with throwaway(os.environ.get("SYNCENG_TEST_DATABASE_URL")) as url:
        yield url


def _with_database(server: str, database: str) -> str:
    """``server``'s URL naming another database (its query, e.g. options, kept)."""
    return make_url(server).set(database=database).render_as_string(hide_password=False)


#: template databases made by this process: (server, store) -> name
_templates: dict[tuple[str, str], str] = {}


def _template(server: str, admin: Any, store: str) -> str:
    """A database migrated to the head of ``store``'s history ("console" or "archive"),
    made once per process: new test databases are copies of it (CREATE DATABASE …
    TEMPLATE copies files, far quicker than running the revisions each time)."""
    name = _templates.get((server, store))
    if name is None:
        name = f"template_{store}_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(text(f"CREATE DATABASE {name}"))
        history = CONSOLE_HISTORY if store == "console" else ARCHIVE_HISTORY
        engine = make_engine(_with_database(server, name))
        history.upgrade(engine)
        engine.dispose()
        _templates[(server, store)] = name
    return name


@contextmanager
def databases(server: str, *stores: str) -> Iterator[list[str]]:
    """A new database per store ("console", "archive") on ``server``, at the schema's
    head, as URLs; dropped afterwards."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    suffix = f"{os.getpid()}_{next(_numbers)}"
    made: list[str] = []
    try:
        for store in stores:
            template = _template(server, admin, store)
            name = f"{store}_{suffix}"
            with admin.connect() as conn:
                conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
            made.append(name)
        yield [_with_database(server, name) for name in made]
    finally:
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@contextmanager
def empty_database(server: str) -> Iterator[str]:
    """A new, empty database on ``server`` (for the migration tests), dropped afterwards."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"empty_{os.getpid()}_{next(_numbers)}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield _with_database(server, name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
