"""Who may do what at the archive (domain.md §1: a site's key reaches only its own
tasks — K1 in the scenario oracle): the site keys and the tasks the console registers, with the mailboxes each
task processes.

* The console registers every site's key and its tasks (owner site, type, identity,
  and for single-mailbox and list targets the addresses).  A task is never claimed by
  whoever submits first: an unregistered task is refused.
* A task's identity is its number *and* its creation time: registering a number the
  archive knows under another identity forgets the old task's bookkeeping (its
  Sequence, batches, mailboxes) — the archive never lends a removed task's past to a
  new one, whatever number it gets (R9).
* A removed task (R9: its Full Views were reset) is kept as a tombstone: it submits,
  checks, expires and purges nothing more (410), so nothing lands in views that were
  just reset; the stubs and deletes its last mailbox made in Exchange before it
  stopped are still recorded (S3: no stub without its record).  A registration of the
  same task arriving late never brings it back.
* Directory-group targets (AD groups, Office 365 groups) are resolved by the site at
  run time (T7), where the directory is; the site declares the resolution each
  execution and the task's mailboxes are those.  The archive has no directory of its
  own, so it takes the site's word for the members of its group — the one thing a
  site key is trusted with.
* T8 across sites: one MFR task replicates a mailbox's views; another MFR task (of any
  site) is answered 409 and marks the mailbox Duplicate.
* K1: with a site key every call is limited to that site's tasks and their mailboxes
  (403 otherwise); the archive admin token (the console's) reaches everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from engine.errors import Conflict, Forbidden, Gone
from engine.security import hash_token

from .database import Database
from .schema import dirty, holders, roster, sites, submissions, tasks


@dataclass(frozen=True)
class TaskRegistration:
    """A task as the console registers it."""

    task_id: int
    type: str  # mfr | calendar | msm | managed_folders
    created: str  # its identity beside the number (ISO 8601, from the console)
    mailboxes: Sequence[str] | None = None  # the addresses of single/list targets; None: a group


class TaskRegistry:
    """Site keys, tasks and their mailboxes, on the archive's database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- what the console registers -------------------------------------------------------------

    def register_site(self, site_id: int, key_hash: str, registrations: Sequence[TaskRegistration] = ()) -> int:
        """The site's key, and its tasks (added or brought up to date; a task the
        console removed was forgotten by its reset).  Returns how many tasks were
        registered.  A key hash another site holds is a conflict (409)."""
        with self.db.tx() as conn:
            holder = self.db.sql(conn, "SELECT site_id FROM archive_sites WHERE key_hash = ?", (key_hash,)).first()
            if holder is not None and int(holder[0]) != site_id:
                raise Conflict("key_hash", "another site holds this key")
            stmt = self.db.insert(sites).values(site_id=site_id, key_hash=key_hash)
            try:
                conn.execute(stmt.on_conflict_do_update(index_elements=["site_id"], set_={"key_hash": key_hash}))
            except IntegrityError as exc:  # a concurrent registration took it meanwhile
                raise Conflict("key_hash", "another site holds this key") from exc
            for task in registrations:
                self._register(conn, site_id, task)
            return len(registrations)

    def _register(self, conn: Connection, site_id: int, task: TaskRegistration) -> None:
        known = self.db.sql(
            conn, "SELECT site_id, created, removed FROM archive_tasks WHERE task_id = ?", (task.task_id,)
        ).first()
        if known is not None and (int(known[0]) != site_id or known[1] != task.created):
            self._forget(conn, task.task_id)  # another task under that number: none of its past carries over
            known = None
        elif known is not None and known[2]:
            return  # removed meanwhile (a registration sent before the removal): it stays removed
        explicit = task.mailboxes is not None
        if known is None:
            self.db.sql(
                conn,
                "INSERT INTO archive_tasks (task_id, site_id, type, created, explicit, sequence, removed) "
                "VALUES (?, ?, ?, ?, ?, 0, ?)",
                (task.task_id, site_id, task.type, task.created, explicit, False),
            )
        if explicit:
            assert task.mailboxes is not None
            self.db.sql(conn, "DELETE FROM roster WHERE task_id = ?", (task.task_id,))
            self._add_roster(conn, task.task_id, task.mailboxes)

    def _add_roster(self, conn: Connection, task_id: int, mailboxes: Sequence[str]) -> None:
        rows = [(task_id, m.lower()) for m in dict.fromkeys(mailboxes)]
        if rows:
            sql = "INSERT INTO roster (task_id, mailbox) VALUES (?, ?) ON CONFLICT DO NOTHING"
            self.db.bulk(conn, sql, rows)

    def _forget(self, conn: Connection, task_id: int) -> None:
        """Everything the archive kept about a task but the views it built."""
        for table in (tasks, roster, holders, submissions, dirty):
            conn.execute(table.delete().where(table.c.task_id == task_id))

    def retire(self, conn: Connection, task_id: int) -> None:
        """R9: the task is removed — its Sequence, batches and hold on mailboxes go; a
        tombstone with its owner and mailboxes stays (see the module's docstring)."""
        for table in (holders, submissions, dirty):
            conn.execute(table.delete().where(table.c.task_id == task_id))
        conn.execute(tasks.update().where(tasks.c.task_id == task_id).values(removed=True, sequence=0))

    # -- what a site declares -------------------------------------------------------------------------

    def declare_mailboxes(self, site_id: int, task_id: int, mailboxes: Sequence[str]) -> int:
        """A group task's members as the site resolved them (T7): they join the
        mailboxes the task processes.  Tasks with addresses keep the console's."""
        with self.db.tx() as conn:
            row = self._own_task(conn, site_id, task_id)
            if row.explicit:
                raise Conflict("mailboxes", f"task {task_id} processes the addresses the console was given")
            self._add_roster(conn, task_id, mailboxes)
            return len(mailboxes)

    # -- what a site key may reach ----------------------------------------------------------------------

    def site_for_key(self, key: str) -> int | None:
        with self.db.tx() as conn:  # driver-level SQL like the submission hot path: every site call asks
            row = self.db.sql(conn, "SELECT site_id FROM archive_sites WHERE key_hash = ?", (hash_token(key),)).first()
            return None if row is None else int(row[0])

    def _own_task(self, conn: Connection, site_id: int, task_id: int, removed_too: bool = False) -> Any:
        row = self.db.sql(
            conn,
            "SELECT site_id, type, explicit, removed FROM archive_tasks WHERE task_id = ?" + self.db.for_update,
            (task_id,),
        ).first()
        if row is None or int(row[0]) != site_id:
            # the console never registered it for this site: another site's, or none at all
            raise Forbidden("task_id", f"task {task_id} is not a task of this site")
        if row.removed and not removed_too:
            raise Gone("task_id", f"task {task_id} was removed (R9)")
        return row

    def _processes(self, conn: Connection, task_id: int, mailbox: str) -> None:
        found = self.db.sql(conn, "SELECT 1 FROM roster WHERE task_id = ? AND mailbox = ?", (task_id, mailbox)).first()
        if found is None:
            raise Forbidden("mailbox", f"task {task_id} does not process {mailbox}")

    def authorize(
        self, site_id: int, task_id: int, mailbox: str, types: Sequence[str] = (), removed_too: bool = False
    ) -> None:
        """A site's call for a mailbox under one of its tasks (of one of ``types``;
        ``removed_too``: a record of what a removed task did before it stopped)."""
        with self.db.tx() as conn:
            self._authorize(conn, site_id, task_id, mailbox, types, removed_too)

    def _authorize(
        self,
        conn: Connection,
        site_id: int,
        task_id: int,
        mailbox: str,
        types: Sequence[str],
        removed_too: bool = False,
    ) -> Any:
        row = self._own_task(conn, site_id, task_id, removed_too)
        if types and row.type not in types:
            wanted = " or ".join(types)
            raise Forbidden("task_id", f"task {task_id} is a {row.type} task; this call is for {wanted} tasks")
        self._processes(conn, task_id, mailbox)
        return row

    def may_submit(self, conn: Connection, site_id: int, task_id: int, mailbox: str, kind: str) -> None:
        row = self._authorize(conn, site_id, task_id, mailbox, ())
        if row.type != kind:  # an MFR task submits MFR data, a Calendar task calendars
            raise Forbidden("kind", f"task {task_id} is a {row.type} task; it cannot submit {kind} data")
        if kind == "mfr":
            self.hold(conn, mailbox, task_id)

    def hold(self, conn: Connection, mailbox: str, task_id: int) -> None:
        """T8 across sites: the first MFR task to submit for a mailbox replicates it
        until it is removed; another is refused (409) and marks it Duplicate."""
        held = self.db.sql(conn, "SELECT task_id FROM mfr_holders WHERE mailbox = ?", (mailbox,)).first()
        if held is None:
            # two tasks (of two sites, in two processes) may claim one mailbox at once: the
            # insert that loses finds the winner's row instead of failing
            claimed = self.db.sql(
                conn,
                "INSERT INTO mfr_holders (mailbox, task_id) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING task_id",
                (mailbox, task_id),
            ).first()
            if claimed is not None:
                return
            held = self.db.sql(conn, "SELECT task_id FROM mfr_holders WHERE mailbox = ?", (mailbox,)).first()
        if held is not None and int(held[0]) != task_id:
            raise Conflict("mailbox", f"{mailbox} is replicated by task {int(held[0])} (T8)")

    def site_reaches(self, site_id: int, mailbox: str) -> None:
        """A site key reads a mailbox's views only if one of its tasks processes it."""
        with self.db.tx() as conn:
            found = self.db.sql(
                conn,
                "SELECT 1 FROM roster AS r JOIN archive_tasks AS t ON t.task_id = r.task_id "
                "WHERE t.site_id = ? AND r.mailbox = ? AND NOT t.removed",
                (site_id, mailbox),
            ).first()
            if found is None:
                raise Forbidden("mailbox", f"no task of this site processes {mailbox}")

    def task_sequence(self, site_id: int | None, task_id: int) -> int:
        """The task's Sequence; a site asks only of its own tasks (an unknown task: 0
        for the console, which may ask before the first submission)."""
        with self.db.tx() as conn:
            if site_id is not None:
                self._own_task(conn, site_id, task_id, removed_too=True)
            return self.sequence(conn, task_id)

    def sequence(self, conn: Connection, task_id: int) -> int:
        value = self.db.sql(conn, "SELECT sequence FROM archive_tasks WHERE task_id = ?", (task_id,)).scalar()
        return int(value or 0)


__all__ = ["TaskRegistration", "TaskRegistry"]
