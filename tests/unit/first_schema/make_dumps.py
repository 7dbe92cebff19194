"""How the first-schema dumps beside this file were made: run once, on the code of
commit e8e3823 (the last one whose stores made their tables with ``create_all`` and
``CREATE TABLE IF NOT EXISTS``), with

    PYTHONPATH=. python tests/unit/first_schema/make_dumps.py tests/unit/first_schema

Kept as the record of what the dumps hold; re-running it on later code would dump a
later schema, which is not what the upgrade tests need (they open a database made by
the code that released the first schema)."""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from engine.archive.registry import TaskRegistration
from engine.archive.store import ArchiveStore, Submission
from engine.clock import ManualClock
from engine.console.store import ConsoleStore
from engine.model import DefinitionIn, MailboxTarget, ScheduleIn, SiteIn, TaskIn
from engine.site.state import Commit, FolderState, SiteState

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def dump(path: Path, out: Path) -> None:
    db = sqlite3.connect(path)
    out.write_text("\n".join(db.iterdump()) + "\n", encoding="utf-8")
    db.close()


def console(folder: Path) -> None:
    path = folder / "console.sqlite"
    store = ConsoleStore(f"sqlite:///{path}", ManualClock(START))
    admin = store.create_admin("admin@contoso.example", "correct horse battery", "admin")
    token = store.create_api_token(admin["id"], "deploy")
    site, key = store.register_site(
        SiteIn.model_validate({"code": "LON1", "description": "London", "time_zone": "Europe/London"})
    )
    schedule = store.create_schedule(
        ScheduleIn.model_validate(
            {
                "name": "Hourly",
                "spec": {
                    "kind": "daily",
                    "times": {"mode": "many", "start": "00:00", "end": "23:00", "interval_minutes": 60},
                },
            }
        ),
        "admin@contoso.example",
    )
    definition = store.create_definition(
        DefinitionIn.model_validate({"name": "Replicate all", "spec": {"type": "mfr"}}), "admin@contoso.example"
    )
    store.create_task(
        TaskIn(
            site_id=site["id"],
            type="mfr",
            definition_id=definition["id"],
            schedule_id=schedule["id"],
            group=MailboxTarget(address="alice@contoso.example"),
        ),
        "admin@contoso.example",
    )
    store.engine.dispose()
    dump(path, folder / "console.sql")
    (folder / "console-secrets.json").write_text(json.dumps({"api_token": token, "site_key": key}, indent=1) + "\n")
    path.unlink()


def archive(folder: Path) -> None:
    path = folder / "archive.sqlite"
    store = ArchiveStore(f"sqlite:///{path}", ManualClock(START, tick=timedelta(seconds=1)))
    store.registry.register_site(
        1, "a" * 64, [TaskRegistration(1, "mfr", "2026-03-02T09:00:00+00:00", ["alice@contoso.example"])]
    )
    store.submit(
        1,
        Submission(
            task_id=1,
            mailbox="alice@contoso.example",
            batch_id="run1-1",
            full=True,
            folders=[
                {"id": "inbox", "name": "Inbox", "parent_id": None, "well_known": "inbox"},
                {"id": "f-projects", "name": "Projects", "parent_id": "inbox", "well_known": None},
            ],
            placements=[
                ("<m1@contoso.example>|1772441000", "inbox"),
                ("<m2@contoso.example>|1772441100", "f-projects"),
            ],
        ),
    )
    store.submit(
        1,
        Submission(
            task_id=1,
            mailbox="alice@contoso.example",
            batch_id="run1-2",
            placements=[("<m3@contoso.example>|1772441200", "inbox")],
            complete=True,
        ),
    )
    store.record_stubs(1, "alice@contoso.example", [("<m1@contoso.example>|1772441000", "full_stub")])
    store.engine.dispose()
    dump(path, folder / "archive.sql")
    path.unlink()


def site_state(folder: Path) -> None:
    path = folder / "site_state.sqlite"
    state = SiteState(path, instance="first0schema")
    state.next_number("run")
    state.adopt(1, "2026-03-02T09:00:00+00:00")
    state.commit_now(
        1,
        "alice@contoso.example",
        Commit(
            folders=[
                FolderState("", "hierarchy-state-1", "", None, None, True),
                FolderState("inbox", "inbox-state-1", "Inbox", None, "inbox", True, "IPF.Note", "c1", 1772442000.0),
            ],
            index=[("AAMkItem1", "inbox", "<m1@contoso.example>|1772441000")],
            flags={"full_done": "1"},
        ),
    )
    state.enqueue(
        1,
        "alice@contoso.example",
        "first0schema-1-1",
        {"task_id": 1, "placements": []},
        Commit(index=[("AAMkItem2", "inbox", "<m2@contoso.example>|1772441100")]),
    )
    state.claim_mfr("alice@contoso.example", 1)
    state.close()
    dump(path, folder / "site_state.sql")
    path.unlink()
    for extra in ("-wal", "-shm"):
        Path(f"{path}{extra}").unlink(missing_ok=True)


if __name__ == "__main__":
    target = Path(sys.argv[1])
    console(target)
    archive(target)
    site_state(target)
