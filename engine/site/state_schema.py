"""The site state's schema and its upgrades (SQLite, PRAGMA user_version).

``STEPS[n]`` brings a state from version n to n + 1, so the version is how many steps
a state has had; version 1 is the first schema.  A state opened by this code gets the
steps it lacks, each in its own transaction with its version number.  A state made
before versions were kept (the first schema's tables, user_version 0) is version 1.
A state newer than this code knows is refused, never touched: it was written by a
newer release that may keep things this one would lose.

To change the schema, append a step (SQL run once on every state at the previous
version: ALTER TABLE ... ADD COLUMN, a new table, a data move) — never edit a step that
has shipped — and add a test that opens a state of the previous version.
"""

from __future__ import annotations

import sqlite3

#: the first schema, as the first release made it
FIRST_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE folder_state (
    task_id INTEGER, mailbox TEXT, folder_id TEXT, sync_state TEXT, name TEXT, parent_id TEXT,
    well_known TEXT, included INTEGER, folder_class TEXT, commit_seen TEXT, read_at REAL,
    PRIMARY KEY (task_id, mailbox, folder_id));
CREATE TABLE item_index (
    task_id INTEGER, mailbox TEXT, item_id TEXT, folder_id TEXT, key TEXT,
    PRIMARY KEY (task_id, mailbox, item_id));
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, task_id INTEGER, mailbox TEXT, batch_id TEXT,
    body TEXT, commit_ TEXT, UNIQUE (task_id, mailbox, batch_id));
CREATE TABLE group_cache (
    task_id INTEGER, group_key TEXT, resolved_at REAL, members TEXT, PRIMARY KEY (task_id, group_key));
CREATE TABLE mfr_owner (mailbox TEXT PRIMARY KEY, task_id INTEGER);
CREATE TABLE mailbox_flag (
    task_id INTEGER, mailbox TEXT, name TEXT, value TEXT, PRIMARY KEY (task_id, mailbox, name));
CREATE TABLE well_known (mailbox TEXT, name TEXT, folder_id TEXT, PRIMARY KEY (mailbox, name));
"""
FIRST_TABLES = frozenset(
    {"meta", "folder_state", "item_index", "outbox", "group_cache", "mfr_owner", "mailbox_flag", "well_known"}
)

STEPS: tuple[str, ...] = (FIRST_SCHEMA,)
VERSION = len(STEPS)  # the version this code writes


class SiteStateVersionError(RuntimeError):
    """A site state this code cannot open (newer than it knows, or not a site state)."""


def version_of(db: sqlite3.Connection) -> int:
    """The state's schema version; 1 for a state made before versions were kept."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version == 0 and _tables(db) & FIRST_TABLES:
        return 1
    return version


def upgrade(db: sqlite3.Connection, path: str) -> int:
    """Bring the state (an autocommit connection) to VERSION; returns the version it had."""
    before = version_of(db)
    _check(before, path)
    if before == VERSION and _stored(db) == VERSION:
        return before
    while True:
        db.execute("BEGIN IMMEDIATE")  # the version is read again under the write lock
        try:
            version = version_of(db)
            _check(version, path)
            if version == 0 and _tables(db):
                raise SiteStateVersionError(f"{path} is not a site state: it holds other tables")
            if version == 1 and _stored(db) == 0:
                missing = sorted(FIRST_TABLES - _tables(db))
                if missing:
                    raise SiteStateVersionError(
                        f"{path} has some of the site state's tables but not {', '.join(missing)}: "
                        "it is not a state synceng made; refusing to touch it"
                    )
                db.execute("PRAGMA user_version = 1")  # made before versions were kept: it is version 1
            if version == VERSION:
                db.execute("COMMIT")
                return before
            for statement in _statements(STEPS[version]):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


def _check(version: int, path: str) -> None:
    if version > VERSION:
        raise SiteStateVersionError(
            f"site state {path} is at schema version {version}, newer than this synceng knows "
            f"(version {VERSION}): it was written by a newer release; run that release or start a new state"
        )


def _stored(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _tables(db: sqlite3.Connection) -> set[str]:
    return {
        str(r[0])
        for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    }


def _statements(script: str) -> list[str]:
    """A step's statements, one by one (executescript would commit the step's
    transaction before it runs)."""
    return [s.strip() for s in script.split(";") if s.strip()]


__all__ = ["FIRST_SCHEMA", "STEPS", "VERSION", "SiteStateVersionError", "upgrade", "version_of"]
