"""The archive platform's state (domain.md §4): submissions, Live and Full Views,
calendar replicas, the archived-message index with its access list, stub bookkeeping,
Expire View and Archive Purge.  SQLAlchemy Core (bulk statements) on SQLite by default;
any SQLAlchemy URL works.

How the views are kept (R1 to R4):

* a submission (one batch of a run) applies its folder and placement changes to the
  Live View at once, and marks the items it touched as *dirty* for its task;
* the run's last submission (``complete``) is the run boundary: every live placement
  of a dirty item joins the Full View (R2, R3: only what is seen at a boundary is
  recorded), and a dirty item that left the mailbox (reason ``deleted``) gets its last
  known Full View entry marked deleted.  Items that left for another reason (an
  exclusion added later, R4; turning private) keep their Full View history unmarked;
* submissions are idempotent by (task, mailbox, batch id): applied once, counted once —
  the count is the task's Sequence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Float, Integer, delete, func, literal, select, update
from sqlalchemy.engine import Connection

from engine.clock import Clock, WallClock
from engine.wire.console_archive import ArchivedMessage, MessagesPage, StubRecord, ViewMessage
from engine.wire.site_archive import CheckResult, Purged, Submitted
from engine.wire.views import CalendarReplica, ItemsPage, ViewFolder, ViewItem

from .database import Database
from .registry import TaskRegistry
from .schema import (
    access,
    archived,
    calendar_items,
    calendars,
    expired,
    folder_names,
    folders,
    full,
    live,
    stubs,
    submissions,
)

REMOVAL_REASONS = ("moved", "deleted", "excluded", "private")


@dataclass
class Submission:
    """One batch of a run, already validated (the API parses it from JSON)."""

    task_id: int
    mailbox: str
    batch_id: str
    kind: str = "mfr"  # mfr | calendar
    folders: list[dict[str, Any]] = field(default_factory=list)  # {id, name, parent_id, well_known}
    removed_folders: list[tuple[str, str]] = field(default_factory=list)  # (folder id, reason)
    placements: list[tuple[str, str]] = field(default_factory=list)  # (item key, folder id)
    removed_placements: list[tuple[str, str, str]] = field(default_factory=list)  # (item, folder id, reason)
    calendars: list[dict[str, Any]] = field(default_factory=list)  # {id, name}
    calendar_items: list[dict[str, Any]] = field(default_factory=list)  # {uid, calendar_id, ...}
    removed_calendar_items: list[str] = field(default_factory=list)
    reset_calendars: list[str] = field(default_factory=list)
    complete: bool = False
    full: bool = False  # the first batch of a full replication (MFR): it replaces the Live View


def _ts(value: datetime) -> float:
    return value.timestamp()


def _iso(value: float | None) -> str | None:
    return None if value is None else datetime.fromtimestamp(value, UTC).isoformat()


def _by(when: float | None, moment: float | None) -> float | None:
    """``when`` (a deletion's time), if it had happened by ``moment`` (None: now)."""
    return when if when is not None and (moment is None or when <= moment) else None


def _key_parts(item: str) -> tuple[str, str | None]:
    """An archive key's Message-ID and sent time (ISO, UTC), as far as the key tells."""
    message_id, bar, sent = item.rpartition("|")
    if not bar:
        return item, None
    try:
        moment = datetime.fromisoformat(sent)
    except ValueError:
        return message_id, None
    return message_id, (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def _message(row: Any, full_view: bool, moment: float | None) -> ViewMessage:
    message_id, sent = _key_parts(row.item)
    indexed = row.indexed is not None
    return {
        "item": row.item,
        "message_id": message_id,
        "sent": sent,
        "archived": indexed,
        "subject": row.subject if indexed else None,
        "sender": (row.sender or None) if indexed else None,
        "received": _iso(row.received),
        "size": row.size if indexed else None,
        "first_seen": _iso(row.first_seen) if full_view else None,
        "deleted_at": _iso(_by(row.deleted_at, moment)) if full_view else None,
    }


class ArchiveStore(Database):
    def __init__(self, url: str = "sqlite://", clock: Clock | None = None) -> None:
        super().__init__(url)
        self.clock: Clock = clock or WallClock()
        self.registry = TaskRegistry(self)  # site keys, tasks and what a site's key may reach

    def now(self) -> float:
        return _ts(self.clock.now())

    # -- submissions ------------------------------------------------------------------------

    def submit(self, site_id: int, sub: Submission) -> Submitted:
        """Apply one batch; a batch seen before is acknowledged again without effect.

        The statements of this hot path go to the driver as SQL text (the same on
        SQLite and PostgreSQL): a submission is a dozen small statements, and building
        them as SQLAlchemy expressions cost more than running them."""
        now = self.now()
        with self.tx() as conn:
            self.registry.may_submit(conn, site_id, sub.task_id, sub.mailbox, sub.kind)
            # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING
            claimed = self.sql(
                conn,
                "INSERT INTO submissions (task_id, mailbox, batch_id, kind, at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING RETURNING task_id",
                (sub.task_id, sub.mailbox, sub.batch_id, sub.kind, now),
            ).first()
            if claimed is None:
                return {"applied": False, "sequence": self.registry.sequence(conn, sub.task_id)}
            if sub.kind == "calendar":
                self._apply_calendar(conn, sub)
            else:
                self._apply_mfr(conn, sub, now)
            sequence = self.sql(
                conn,
                "UPDATE archive_tasks SET sequence = sequence + 1 WHERE task_id = ? RETURNING sequence",
                (sub.task_id,),
            ).scalar()
            return {"applied": True, "sequence": int(sequence or 0)}

    def _apply_mfr(self, conn: Connection, sub: Submission, now: float) -> None:
        mailbox = sub.mailbox
        if sub.full:
            excluded = {folder_id for folder_id, reason in sub.removed_folders if reason == "excluded"}
            self._replace_live(conn, sub.task_id, mailbox, excluded)
        if sub.folders:
            ids = [f["id"] for f in sub.folders]
            known = {
                row.folder_id: (row.name, row.parent_id)
                for row in conn.execute(
                    select(folders.c.folder_id, folders.c.name, folders.c.parent_id).where(
                        folders.c.mailbox == mailbox, folders.c.folder_id.in_(ids)
                    )
                )
            }
            rows = [
                {
                    "mailbox": mailbox,
                    "folder_id": f["id"],
                    "name": f["name"],
                    "parent_id": f.get("parent_id"),
                    "well_known": f.get("well_known"),
                    "live": True,
                    "removed_reason": None,
                    "first_seen": None,
                    "deleted_at": None,
                }
                for f in sub.folders
            ]
            stmt = self.insert(folders)
            changed = {c: stmt.excluded[c] for c in ("name", "parent_id", "well_known", "live", "removed_reason")}
            conn.execute(stmt.on_conflict_do_update(index_elements=["mailbox", "folder_id"], set_=changed), rows)
            # the name history behind "Full View as of": a row per new name or parent
            renamed = [
                {k: r[k] for k in ("mailbox", "folder_id", "name", "parent_id")} | {"at": now}
                for r in rows
                if known.get(r["folder_id"]) != (r["name"], r["parent_id"])
            ]
            if renamed:
                conn.execute(folder_names.insert(), renamed)
        for folder_id, reason in sub.removed_folders:
            conn.execute(
                update(folders)
                .where(folders.c.mailbox == mailbox, folders.c.folder_id == folder_id)
                .values(live=False, removed_reason=reason)
            )
            # its placements leave the Live View with it
            items = list(
                conn.execute(
                    select(live.c.item).where(live.c.mailbox == mailbox, live.c.folder_id == folder_id)
                ).scalars()
            )
            conn.execute(delete(live).where(live.c.mailbox == mailbox, live.c.folder_id == folder_id))
            self._mark_dirty(conn, sub.task_id, mailbox, ((i, reason) for i in items))
        if sub.removed_placements:
            self.bulk(
                conn,
                "DELETE FROM live WHERE mailbox = ? AND item = ? AND folder_id = ?",
                [(mailbox, i, f) for i, f, _ in sub.removed_placements],
            )
            self._mark_dirty(conn, sub.task_id, mailbox, ((i, reason) for i, _, reason in sub.removed_placements))
        placements = sub.placements
        if placements:
            # M3: an expired item stays out of both views, however often runs see it again
            expired_items = set(conn.execute(select(expired.c.item).where(expired.c.mailbox == mailbox)).scalars())
            if expired_items:
                placements = [(i, f) for i, f in placements if i not in expired_items]
        if placements:
            self.bulk(
                conn,
                "INSERT INTO live (mailbox, item, folder_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(mailbox, i, f) for i, f in placements],
            )
            self._mark_dirty(conn, sub.task_id, mailbox, ((i, "present") for i, _ in placements))
        if sub.complete:
            self._boundary(conn, sub.task_id, mailbox, now)

    def _replace_live(self, conn: Connection, task_id: int, mailbox: str, excluded: set[str]) -> None:
        """A full replication starts: what the Live View holds leaves it — as deleted
        unless the run places it again before its boundary (then R3 marks the last known
        location of what is gone), as excluded if the run excludes its folder (R4).  The
        folders leave too, to come back as the run names them."""
        live_rows = self.sql(conn, "SELECT item, folder_id FROM live WHERE mailbox = ?", (mailbox,)).all()
        self.sql(conn, "DELETE FROM live WHERE mailbox = ?", (mailbox,))
        self._mark_dirty(
            conn, task_id, mailbox, ((item, "excluded" if f in excluded else "deleted") for item, f in live_rows)
        )
        self.sql(
            conn,
            "UPDATE folders SET live = ?, removed_reason = 'deleted' WHERE mailbox = ? AND live = ?",
            (False, mailbox, True),
        )
        self.bulk(
            conn,
            "UPDATE folders SET removed_reason = 'excluded' WHERE mailbox = ? AND folder_id = ?",
            [(mailbox, folder_id) for folder_id in sorted(excluded)],
        )

    def _mark_dirty(self, conn: Connection, task_id: int, mailbox: str, entries: Iterable[tuple[str, str]]) -> None:
        self.bulk(
            conn,
            "INSERT INTO dirty (task_id, mailbox, item, reason) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (task_id, mailbox, item) DO UPDATE SET reason = excluded.reason",
            [(task_id, mailbox, item, reason) for item, reason in entries],
        )

    def _boundary(self, conn: Connection, task_id: int, mailbox: str, now: float) -> None:
        """The end of a successful run: record what is live now (R2, R3).  Set-based:
        one boundary may touch hundreds of thousands of entries."""
        count = self._next_boundary(conn, mailbox)
        self.sql(
            conn,
            "INSERT INTO full_view (mailbox, item, folder_id, first_seen, last_seen, boundary) "
            "SELECT l.mailbox, l.item, l.folder_id, ?, ?, ? FROM live AS l "
            "JOIN dirty AS d ON d.mailbox = l.mailbox AND d.item = l.item "
            "WHERE d.task_id = ? AND d.mailbox = ? "
            "ON CONFLICT (mailbox, item, folder_id) DO UPDATE SET "
            "last_seen = excluded.last_seen, boundary = excluded.boundary, deleted_at = NULL",
            (now, now, count, task_id, mailbox),
        )
        # dirty items gone from the mailbox: their last known location (the entries seen
        # at their latest boundary) is marked deleted
        self.sql(
            conn,
            "UPDATE full_view SET deleted_at = ? WHERE mailbox = ? AND item IN ("
            "SELECT d.item FROM dirty AS d WHERE d.task_id = ? AND d.mailbox = ? AND d.reason = 'deleted' "
            "AND NOT EXISTS (SELECT 1 FROM live AS l WHERE l.mailbox = d.mailbox AND l.item = d.item)) "
            "AND boundary = (SELECT max(f2.boundary) FROM full_view AS f2 "
            "WHERE f2.mailbox = full_view.mailbox AND f2.item = full_view.item)",
            (now, mailbox, task_id, mailbox),
        )
        self.sql(conn, "DELETE FROM dirty WHERE task_id = ? AND mailbox = ?", (task_id, mailbox))
        # folders: seen at this boundary → in the Full View; deleted ones are marked
        self.sql(
            conn,
            "UPDATE folders SET first_seen = ? WHERE mailbox = ? AND live = ? AND first_seen IS NULL",
            (now, mailbox, True),
        )
        self.sql(
            conn,
            "UPDATE folders SET deleted_at = ? WHERE mailbox = ? AND live = ? AND removed_reason = 'deleted' "
            "AND deleted_at IS NULL",
            (now, mailbox, False),
        )

    def _next_boundary(self, conn: Connection, mailbox: str) -> int:
        count = self.sql(
            conn,
            "INSERT INTO boundaries (mailbox, count) VALUES (?, 1) "
            "ON CONFLICT (mailbox) DO UPDATE SET count = boundaries.count + 1 RETURNING count",
            (mailbox,),
        ).scalar()
        return int(count or 0)

    def _apply_calendar(self, conn: Connection, sub: Submission) -> None:
        """C1: the replica mirrors the calendar — no history."""
        mailbox = sub.mailbox
        for calendar_id in sub.reset_calendars:
            conn.execute(
                delete(calendar_items).where(
                    calendar_items.c.mailbox == mailbox, calendar_items.c.calendar_id == calendar_id
                )
            )
        for cal in sub.calendars:
            stmt = self.insert(calendars).values(mailbox=mailbox, calendar_id=cal["id"], name=cal["name"])
            conn.execute(
                stmt.on_conflict_do_update(index_elements=["mailbox", "calendar_id"], set_={"name": cal["name"]})
            )
        if sub.removed_calendar_items:
            conn.execute(
                delete(calendar_items).where(
                    calendar_items.c.mailbox == mailbox, calendar_items.c.uid.in_(sub.removed_calendar_items)
                )
            )
        for item in sub.calendar_items:
            data = json.dumps(item, sort_keys=True)
            stmt = self.insert(calendar_items).values(
                mailbox=mailbox, uid=item["uid"], calendar_id=item["calendar_id"], data=data
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["mailbox", "uid"], set_={"calendar_id": item["calendar_id"], "data": data}
                )
            )

    # -- R9 ------------------------------------------------------------------------------------

    def reset_task(self, task_id: int) -> list[str]:
        """R9: the Full View of every mailbox the task replicated becomes its Live View.
        The Full View is what MFR builds: a Calendar task's removal leaves it alone (its
        replica mirrors, with no history to drop), as it does another task's views."""
        now = self.now()
        with self.tx() as conn:
            # the task's row first: a submission under way in another process finishes
            # before the reset reads the mailboxes, and any later one meets the tombstone
            self.sql(conn, "SELECT task_id FROM archive_tasks WHERE task_id = ?" + self.for_update, (task_id,))
            mailboxes = list(
                conn.execute(
                    select(submissions.c.mailbox)
                    .where(submissions.c.task_id == task_id, submissions.c.kind == "mfr")
                    .distinct()
                ).scalars()
            )
            for mailbox in mailboxes:
                conn.execute(delete(full).where(full.c.mailbox == mailbox))
                count = self._next_boundary(conn, mailbox)  # the reset is a boundary of its own
                conn.execute(
                    full.insert().from_select(
                        ["mailbox", "item", "folder_id", "first_seen", "last_seen", "boundary"],
                        select(
                            live.c.mailbox,
                            live.c.item,
                            live.c.folder_id,
                            literal(now, Float),
                            literal(now, Float),
                            literal(count, Integer),
                        ).where(live.c.mailbox == mailbox),
                    )
                )
                conn.execute(delete(folders).where(folders.c.mailbox == mailbox, folders.c.live.is_(False)))
                conn.execute(
                    update(folders).where(folders.c.mailbox == mailbox).values(first_seen=now, deleted_at=None)
                )
                conn.execute(delete(folder_names).where(folder_names.c.mailbox == mailbox))
                for f in conn.execute(select(folders).where(folders.c.mailbox == mailbox)).all():
                    conn.execute(
                        folder_names.insert().values(
                            mailbox=mailbox, folder_id=f.folder_id, at=now, name=f.name, parent_id=f.parent_id
                        )
                    )
            self.registry.retire(conn, task_id)  # a later task under any number starts from nothing
            return mailboxes

    # -- views ---------------------------------------------------------------------------------

    def folder_tree(self, mailbox: str, view: str = "live", as_of: datetime | None = None) -> list[ViewFolder]:
        """The folders of a view with their item counts; the Full View as of a past
        time shows the folders seen by then, with the names they had then."""
        moment = None if as_of is None else _ts(as_of)
        table = live if view == "live" else full
        with self.tx() as conn:
            # expired items never reach the views (M3, kept out at write time), so a
            # count per folder is all the tree needs
            counted = select(table.c.folder_id, func.count()).where(table.c.mailbox == mailbox)
            if view != "live" and moment is not None:
                counted = counted.where(full.c.first_seen <= moment)
            counts: dict[str, int] = {
                str(k): int(v) for k, v in conn.execute(counted.group_by(table.c.folder_id)).all()
            }
            names: dict[str, tuple[str, str | None]] = {}
            if view != "live" and moment is not None:
                history = conn.execute(
                    select(folder_names)
                    .where(folder_names.c.mailbox == mailbox, folder_names.c.at <= moment)
                    .order_by(folder_names.c.at)
                ).all()
                names = {h.folder_id: (h.name, h.parent_id) for h in history}  # the latest by `at` wins
            out: list[ViewFolder] = []
            for f in conn.execute(select(folders).where(folders.c.mailbox == mailbox)).all():
                if view == "live":
                    if not f.live:
                        continue
                    name, parent, deleted_at = f.name, f.parent_id, None
                else:
                    if f.first_seen is None or (moment is not None and f.first_seen > moment):
                        continue
                    name, parent = names.get(f.folder_id, (f.name, f.parent_id))
                    deleted_at = _by(f.deleted_at, moment)
                out.append(
                    {
                        "id": f.folder_id,
                        "name": name,
                        "parent_id": parent,
                        "well_known": f.well_known,
                        "deleted": deleted_at is not None,
                        "deleted_at": _iso(deleted_at),
                        "items": int(counts.get(f.folder_id, 0)),
                    }
                )
            return sorted(out, key=lambda x: (x["parent_id"] or "", x["name"].lower()))

    def folder_items(
        self,
        mailbox: str,
        folder_id: str,
        view: str = "live",
        as_of: datetime | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> ItemsPage:
        with self.tx() as conn:
            table = live if view == "live" else full
            query = select(table).where(table.c.mailbox == mailbox, table.c.folder_id == folder_id)
            moment = None if as_of is None else _ts(as_of)
            if view != "live" and moment is not None:
                query = query.where(full.c.first_seen <= moment)
            total = int(conn.scalar(select(func.count()).select_from(query.subquery())) or 0)
            rows = conn.execute(query.order_by(table.c.item).offset(offset).limit(limit)).all()
            items: list[ViewItem] = []
            for row in rows:
                entry: ViewItem = {"item": row.item}
                if view != "live":
                    deleted_at = row.deleted_at
                    entry["deleted"] = deleted_at is not None and (moment is None or deleted_at <= moment)
                    entry["first_seen"] = _iso(row.first_seen)
                items.append(entry)
            return {"total": total, "offset": offset, "limit": limit, "items": items}

    def folder_messages(
        self, mailbox: str, folder_id: str, view: str, as_of: datetime | None, offset: int, limit: int
    ) -> MessagesPage | None:
        """A page of one folder's messages with what the archived index knows of each,
        newest received first; None if the folder is not in the view (as of ``as_of``)."""
        moment = None if as_of is None or view == "live" else _ts(as_of)
        table = live if view == "live" else full
        where = [table.c.mailbox == mailbox, table.c.folder_id == folder_id]
        if moment is not None:
            where.append(full.c.first_seen <= moment)
        columns = [table.c.item, archived.c.item.label("indexed"), archived.c.subject, archived.c.sender]
        columns += [archived.c.received, archived.c.size]
        if view != "live":
            columns += [full.c.first_seen, full.c.deleted_at]
        query = (
            select(*columns)
            .select_from(table.outerjoin(archived, archived.c.item == table.c.item))
            .where(*where)
            .order_by(archived.c.received.desc().nulls_last(), table.c.item)
        )
        with self.tx() as conn:
            if not self._in_view(conn, mailbox, folder_id, view, moment):
                return None
            total = int(conn.scalar(select(func.count()).select_from(table).where(*where)) or 0)
            rows = conn.execute(query.offset(offset).limit(limit)).all()
        return {
            "mailbox": mailbox,
            "view": "full" if view == "full" else "live",
            "folder": folder_id,
            "as_of": None if moment is None or as_of is None else as_of.isoformat(),  # as asked
            "total": total,
            "offset": offset,
            "limit": limit,
            "messages": [_message(row, view != "live", moment) for row in rows],
        }

    def _in_view(self, conn: Connection, mailbox: str, folder_id: str, view: str, moment: float | None) -> bool:
        """The folder is in the view's tree (as :meth:`folder_tree` lists it)."""
        row = conn.execute(
            select(folders.c.live, folders.c.first_seen).where(
                folders.c.mailbox == mailbox, folders.c.folder_id == folder_id
            )
        ).first()
        if row is None:
            return False
        if view == "live":
            return bool(row.live)
        return row.first_seen is not None and (moment is None or row.first_seen <= moment)

    def calendar_replica(self, mailbox: str) -> CalendarReplica:
        with self.tx() as conn:
            cals = conn.execute(
                select(calendars).where(calendars.c.mailbox == mailbox).order_by(calendars.c.name)
            ).all()
            items = conn.execute(
                select(calendar_items).where(calendar_items.c.mailbox == mailbox).order_by(calendar_items.c.uid)
            ).all()
            return {
                "calendars": [{"id": c.calendar_id, "name": c.name} for c in cals],
                "items": [json.loads(i.data) for i in items],
            }

    # -- the archived-message index (S2, M2, M4) ------------------------------------------------

    def ingest_archived(self, messages: list[dict[str, Any]]) -> int:
        with self.tx() as conn:
            self.bulk(
                conn,
                "INSERT INTO archived (item, subject, sender, received, size, held, purge_at) "
                "VALUES (?, ?, ?, ?, ?, ?, NULL) "
                "ON CONFLICT (item) DO UPDATE SET subject = excluded.subject, sender = excluded.sender, "
                "received = excluded.received, size = excluded.size",
                [
                    (m["item"], m.get("subject", ""), m.get("sender", ""), m.get("received"), m.get("size", 0), False)
                    for m in messages
                ],
            )
            self.bulk(
                conn,
                "INSERT INTO access (item, mailbox) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(m["item"], r.lower()) for m in messages for r in m.get("readers") or ()],
            )
            return len(messages)

    def hold(self, items: list[str], held: bool) -> int:
        with self.tx() as conn:
            return int(conn.execute(update(archived).where(archived.c.item.in_(items)).values(held=held)).rowcount)

    def check(self, mailbox: str, items: list[str]) -> list[CheckResult]:
        """S2/M2: archived and readable by this mailbox?"""
        mailbox = mailbox.lower()
        with self.tx() as conn:
            present = set(conn.execute(select(archived.c.item).where(archived.c.item.in_(items))).scalars())
            readable = set(
                conn.execute(
                    select(access.c.item).where(access.c.mailbox == mailbox, access.c.item.in_(items))
                ).scalars()
            )
            return [{"item": i, "archived": i in present, "readable": i in present and i in readable} for i in items]

    def record_stubs(self, task_id: int, mailbox: str, entries: Sequence[tuple[str, str]]) -> int:
        now = self.now()
        with self.tx() as conn:
            if entries:
                conn.execute(
                    stubs.insert(),
                    [{"task_id": task_id, "mailbox": mailbox, "item": i, "action": a, "at": now} for i, a in entries],
                )
            return len(entries)

    def stub_log(self, mailbox: str) -> list[StubRecord]:
        with self.tx() as conn:
            rows = conn.execute(select(stubs).where(stubs.c.mailbox == mailbox).order_by(stubs.c.id)).all()
            return [{"task_id": r.task_id, "item": r.item, "action": r.action, "at": _iso(r.at)} for r in rows]

    def expire(self, mailbox: str, items: list[str]) -> int:
        """M3: the items' entries leave the Live and Full Views; the archived message stays."""
        now = self.now()
        with self.tx() as conn:
            if not items:
                return 0
            conn.execute(self.ignore(expired), [{"mailbox": mailbox, "item": i, "at": now} for i in items])
            conn.execute(delete(live).where(live.c.mailbox == mailbox, live.c.item.in_(items)))
            conn.execute(delete(full).where(full.c.mailbox == mailbox, full.c.item.in_(items)))
            return len(items)

    def purge(self, mailbox: str, entries: list[tuple[str, float, int]]) -> Purged:
        """M4: purge date = received + lifespan, irreversible (only ever moves earlier);
        a held message is not purged, nor one ``mailbox`` may not read (a task purges
        what its mailboxes hold, never another's messages)."""
        counts: Purged = {"set": 0, "held": 0, "unknown": 0, "unreadable": 0}
        with self.tx() as conn:
            readable = set(
                conn.execute(
                    select(access.c.item).where(access.c.mailbox == mailbox, access.c.item.in_([e[0] for e in entries]))
                ).scalars()
            )
            for item, received, lifespan_days in entries:
                row = conn.execute(select(archived.c.held, archived.c.purge_at).where(archived.c.item == item)).first()
                if row is None:
                    counts["unknown"] += 1
                    continue
                if item not in readable:
                    counts["unreadable"] += 1
                    continue
                if row.held:
                    counts["held"] += 1
                    continue
                when = received + lifespan_days * 86400
                if row.purge_at is None or when < row.purge_at:
                    conn.execute(update(archived).where(archived.c.item == item).values(purge_at=when))
                counts["set"] += 1
            return counts

    def archived_message(self, item: str) -> ArchivedMessage | None:
        with self.tx() as conn:
            row = conn.execute(select(archived).where(archived.c.item == item)).first()
            if row is None:
                return None
            readers = sorted(conn.execute(select(access.c.mailbox).where(access.c.item == item)).scalars())
            return {
                "item": row.item,
                "subject": row.subject,
                "sender": row.sender or "",
                "held": row.held,
                "purge_at": _iso(row.purge_at),
                "readers": readers,
            }
