"""A site's local state, in one SQLite file (or memory): what must survive a restart.

* folder states — per (task, mailbox, folder): the folder's EWS sync state and what the
  site last told the archive about it (name, parent, well-known kind, included); the
  row with folder id ``""`` holds the hierarchy's sync state (R6, R8);
* the item index — per (task, mailbox, item id): the archive key and folder the site
  last submitted, because an EWS Delete carries only the item id;
* the outbox — submissions not yet acknowledged by the archive, each with the state
  change to commit when it is: local state advances only after the archive's
  acknowledgement, and a batch is re-sent under the same batch id after a crash (the
  archive applies it once);
* the group cache (T7), MFR mailbox ownership (T8), run counters, per-mailbox flags.

Every method is one transaction.  No HTTP, no EWS here.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engine.wire.site_archive import Submission

from .state_schema import upgrade

HIERARCHY = ""  # the folder id under which the hierarchy's sync state is kept


@dataclass
class FolderState:
    folder_id: str
    sync_state: str | None
    name: str
    parent_id: str | None
    well_known: str | None
    included: bool
    folder_class: str | None = None
    commit_seen: str | None = None  # the folder's PidTagLocalCommitTimeMax when last read
    read_at: float | None = None  # when that was (epoch seconds, the site's clock)


@dataclass
class Commit:
    """The local state change a submission carries, applied when the archive has it."""

    folders: list[FolderState] = field(default_factory=list)
    forget_folders: list[str] = field(default_factory=list)
    index: list[tuple[str, str, str]] = field(default_factory=list)  # (item id, folder id, key)
    unindex: list[str] = field(default_factory=list)  # item ids
    flags: dict[str, str | None] = field(default_factory=dict)  # per-mailbox flags; None deletes

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Commit:
        raw = json.loads(text)
        return cls(
            folders=[FolderState(**f) for f in raw["folders"]],
            forget_folders=raw["forget_folders"],
            index=[(i[0], i[1], i[2]) for i in raw["index"]],
            unindex=raw["unindex"],
            flags=raw["flags"],
        )


@dataclass
class OutboxEntry:
    id: int
    task_id: int
    mailbox: str
    batch_id: str
    body: Submission
    commit: Commit


class SiteState:
    def __init__(self, path: str | Path = ":memory:", instance: str | None = None) -> None:
        """``instance`` names this state for its whole life (batch ids carry it, so a
        site that starts over with a new state can never reuse a batch id the archive
        has seen); a new state takes the given one or a random one."""
        self.path = str(path)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        try:  # its schema version (PRAGMA user_version) brought up to this code's; a newer one is refused
            upgrade(self._db, self.path)
        except BaseException:
            self._db.close()
            raise
        self._lock = threading.RLock()
        with self._tx() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'instance'").fetchone()
            if row is None:
                row = (instance or secrets.token_hex(6),)
                db.execute("INSERT INTO meta VALUES ('instance', ?)", row)
        self.instance = str(row[0])

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- counters -------------------------------------------------------------------------

    def next_number(self, name: str) -> int:
        """A persistent counter (run numbers make batch ids unique across restarts)."""
        with self._tx() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (name,)).fetchone()
            value = int(row[0]) + 1 if row else 1
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, str(value)))
            return value

    # -- folder states and the item index ----------------------------------------------------

    def folders(self, task_id: int, mailbox: str) -> dict[str, FolderState]:
        with self._lock:
            rows = self._db.execute(
                "SELECT folder_id, sync_state, name, parent_id, well_known, included, folder_class, commit_seen, "
                "read_at FROM folder_state WHERE task_id = ? AND mailbox = ?",
                (task_id, mailbox),
            ).fetchall()
        return {r[0]: FolderState(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7], r[8]) for r in rows}

    def indexed(self, task_id: int, mailbox: str, item_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """item id → (folder id, archive key) for the ids the index knows."""
        ids = list(item_ids)
        out: dict[str, tuple[str, str]] = {}
        with self._lock:
            for start in range(0, len(ids), 900):
                chunk = ids[start : start + 900]
                marks = ",".join("?" * len(chunk))
                for item_id, folder_id, key in self._db.execute(
                    f"SELECT item_id, folder_id, key FROM item_index WHERE task_id = ? AND mailbox = ? "
                    f"AND item_id IN ({marks})",
                    (task_id, mailbox, *chunk),
                ):
                    out[item_id] = (folder_id, key)
        return out

    def indexed_in_folder(self, task_id: int, mailbox: str, folder_id: str) -> list[tuple[str, str]]:
        """(item id, key) of every item the index has in a folder (a folder dropped or
        resynchronised in full)."""
        with self._lock:
            return [
                (r[0], r[1])
                for r in self._db.execute(
                    "SELECT item_id, key FROM item_index WHERE task_id = ? AND mailbox = ? AND folder_id = ?",
                    (task_id, mailbox, folder_id),
                )
            ]

    def flag(self, task_id: int, mailbox: str, name: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM mailbox_flag WHERE task_id = ? AND mailbox = ? AND name = ?",
                (task_id, mailbox, name),
            ).fetchone()
        return None if row is None else str(row[0])

    def set_flag(self, task_id: int, mailbox: str, name: str, value: str | None) -> None:
        with self._tx() as db:
            self._set_flag(db, task_id, mailbox, name, value)

    @staticmethod
    def _set_flag(db: sqlite3.Connection, task_id: int, mailbox: str, name: str, value: str | None) -> None:
        if value is None:
            db.execute(
                "DELETE FROM mailbox_flag WHERE task_id = ? AND mailbox = ? AND name = ?", (task_id, mailbox, name)
            )
        else:
            db.execute("INSERT OR REPLACE INTO mailbox_flag VALUES (?, ?, ?, ?)", (task_id, mailbox, name, value))

    def _apply(self, db: sqlite3.Connection, task_id: int, mailbox: str, commit: Commit) -> None:
        if commit.folders:
            db.executemany(
                "INSERT OR REPLACE INTO folder_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        task_id,
                        mailbox,
                        f.folder_id,
                        f.sync_state,
                        f.name,
                        f.parent_id,
                        f.well_known,
                        int(f.included),
                        f.folder_class,
                        f.commit_seen,
                        f.read_at,
                    )
                    for f in commit.folders
                ],
            )
        if commit.forget_folders:
            db.executemany(
                "DELETE FROM folder_state WHERE task_id = ? AND mailbox = ? AND folder_id = ?",
                [(task_id, mailbox, f) for f in commit.forget_folders],
            )
        if commit.unindex:
            db.executemany(
                "DELETE FROM item_index WHERE task_id = ? AND mailbox = ? AND item_id = ?",
                [(task_id, mailbox, i) for i in commit.unindex],
            )
        if commit.index:
            db.executemany(
                "INSERT OR REPLACE INTO item_index VALUES (?, ?, ?, ?, ?)",
                [(task_id, mailbox, item_id, folder_id, key) for item_id, folder_id, key in commit.index],
            )
        for name, value in commit.flags.items():
            self._set_flag(db, task_id, mailbox, name, value)

    def commit_now(self, task_id: int, mailbox: str, commit: Commit) -> None:
        """A state change with nothing to submit (e.g. a folder state that moved on
        without changes)."""
        with self._tx() as db:
            self._apply(db, task_id, mailbox, commit)

    # -- the outbox ----------------------------------------------------------------------------

    def enqueue(self, task_id: int, mailbox: str, batch_id: str, body: Submission, commit: Commit) -> OutboxEntry:
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO outbox (task_id, mailbox, batch_id, body, commit_) VALUES (?, ?, ?, ?, ?)",
                (task_id, mailbox, batch_id, json.dumps(body, separators=(",", ":")), commit.to_json()),
            )
            entry_id = int(cursor.lastrowid or 0)
        return OutboxEntry(entry_id, task_id, mailbox, batch_id, body, commit)

    def pending(self, task_id: int | None = None, mailbox: str | None = None) -> list[OutboxEntry]:
        query = "SELECT id, task_id, mailbox, batch_id, body, commit_ FROM outbox WHERE 1 = 1"
        args: list[Any] = []
        if task_id is not None:
            query += " AND task_id = ?"
            args.append(task_id)
        if mailbox is not None:
            query += " AND mailbox = ?"
            args.append(mailbox)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY id", args).fetchall()
        return [OutboxEntry(r[0], r[1], r[2], r[3], json.loads(r[4]), Commit.from_json(r[5])) for r in rows]

    def acknowledged(self, entry: OutboxEntry) -> None:
        """The archive has the batch: its state change is committed with the entry's
        removal, in one transaction."""
        with self._tx() as db:
            if db.execute("DELETE FROM outbox WHERE id = ?", (entry.id,)).rowcount:
                self._apply(db, entry.task_id, entry.mailbox, entry.commit)

    def discard(self, entry: OutboxEntry) -> None:
        """A submission the archive refused for good: dropped, its state change unapplied."""
        with self._tx() as db:
            db.execute("DELETE FROM outbox WHERE id = ?", (entry.id,))

    # -- well-known folder ids ---------------------------------------------------------------------

    def well_known(self, mailbox: str) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT name, folder_id FROM well_known WHERE mailbox = ?", (mailbox,)))

    def remember_well_known(self, mailbox: str, ids: dict[str, str]) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO well_known VALUES (?, ?, ?)", [(mailbox, k, v) for k, v in ids.items()]
            )

    # -- group cache (T7) and MFR ownership (T8) ------------------------------------------------------

    def cached_group(self, task_id: int, key: str, now: float, max_age: float) -> list[dict[str, Any]] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT resolved_at, members FROM group_cache WHERE task_id = ? AND group_key = ?", (task_id, key)
            ).fetchone()
        if row is None or now - float(row[0]) >= max_age:
            return None
        members: list[dict[str, Any]] = json.loads(row[1])
        return members

    def cache_group(self, task_id: int, key: str, now: float, members: list[dict[str, Any]]) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO group_cache VALUES (?, ?, ?, ?)", (task_id, key, now, json.dumps(members))
            )

    def claim_mfr(self, mailbox: str, task_id: int) -> int:
        """T8: the MFR task that owns the mailbox (this one, if nobody did)."""
        with self._lock:
            row = self._db.execute("SELECT task_id FROM mfr_owner WHERE mailbox = ?", (mailbox,)).fetchone()
        if row is not None:
            return int(row[0])  # the common case, without a write transaction
        with self._tx() as db:
            row = db.execute("SELECT task_id FROM mfr_owner WHERE mailbox = ?", (mailbox,)).fetchone()
            if row is not None:
                return int(row[0])
            db.execute("INSERT INTO mfr_owner VALUES (?, ?)", (mailbox, task_id))
            return task_id

    # -- R9 -----------------------------------------------------------------------------------------

    def drop_task(self, task_id: int) -> None:
        """R9: everything the site kept for a removed task (its sync states included)."""
        with self._tx() as db:
            self._drop(db, task_id)

    @staticmethod
    def _drop(db: sqlite3.Connection, task_id: int) -> None:
        for table in ("folder_state", "item_index", "outbox", "group_cache", "mailbox_flag", "mfr_owner"):
            db.execute(f"DELETE FROM {table} WHERE task_id = ?", (task_id,))
        db.execute("DELETE FROM meta WHERE key = ?", (f"task:{task_id}",))

    def task_ids(self) -> set[int]:
        """Every task the state holds anything for."""
        tables = ("folder_state", "item_index", "outbox", "group_cache", "mailbox_flag", "mfr_owner")
        query = " UNION ".join(f"SELECT task_id FROM {table}" for table in tables)
        with self._lock:
            return {int(r[0]) for r in self._db.execute(query)}

    # -- task identity (R9) -------------------------------------------------------------------------

    def identity(self, task_id: int) -> str | None:
        """The identity (creation time) of the task whose state is kept under this number."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (f"task:{task_id}",)).fetchone()
        return None if row is None else str(row[0])

    def adopt(self, task_id: int, identity: str | None) -> bool:
        """The task under this number is ``identity``: state kept for another task under
        the same number is dropped (R9: a later task starts with full replication).
        True when something was dropped."""
        with self._tx() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (f"task:{task_id}",)).fetchone()
            stale = row is not None and identity is not None and row[0] != identity
            if stale:
                self._drop(db, task_id)
            if identity is not None:
                db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"task:{task_id}", identity))
            return stale


__all__ = ["HIERARCHY", "Commit", "FolderState", "OutboxEntry", "SiteState"]
