"""R9 and task identity through the console's REST API and a running site: a task
removed while its site was away leaves no state behind; a new task never inherits a
removed one's sync state, Sequence or log — not even if it were to get the same
number (a console database from before ids were kept unique, a restore); a site
killed in the middle of an execution says so when it starts again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from engine.site.site import Site
from engine.site.state import SiteState
from mockews.store.loader import new_message
from scenarios.testbed import Testbed

from .conftest import ALICE, HOURLY, START
from .helpers import Killed, mailbox, run_once


def fill(bed: Testbed, count: int, tag: str) -> None:
    box = bed.world.mailbox(ALICE)
    for n in range(count):
        name = f"{tag}-{n:03}"
        new_message(box, box.well_known("inbox"), subject=name, message_id=f"<{name}@mail.example>", sent=START)


def new_task(bed: Testbed, site_id: int, name: str) -> int:
    return bed.task(
        site_id,
        "mfr",
        bed.definition(f"MFR {name}", {"type": "mfr"}),
        bed.schedule(f"Hourly {name}", HOURLY),
        {"kind": "single_mailbox", "address": ALICE},
    )


def items_of_last_run(bed: Testbed, task: int) -> int:
    return int(bed.task_view(task)["mailboxes"][0]["items"])


def on_disk(bed: Testbed, key: str, tmp_path: Path) -> Site:
    """The site bound with ``key``, its local state in a file (so a later site can be
    the same site started again), started."""
    site = bed.site(key, state=SiteState(tmp_path / "site.db"))
    site.start()
    return site


def test_R9_task_ids_are_never_reused(bed: Testbed) -> None:
    site_id, _ = bed.register_site()
    first = new_task(bed, site_id, "a")
    bed.call("DELETE", f"/api/tasks/{first}?confirm=true")
    second = new_task(bed, site_id, "b")
    assert second > first  # SQLite would hand the freed rowid out again without AUTOINCREMENT
    assert bed.task_view(second)["log"] == [] and bed.task_view(second)["information"]["sequence"] == 0
    assert bed.archive_call("GET", f"/api/tasks/{second}/sequence")["sequence"] == 0


def test_R9_a_task_removed_while_its_site_was_away_leaves_no_state(bed: Testbed, tmp_path: Path) -> None:
    fill(bed, 4, "m")
    site_id, key = bed.register_site()
    task = new_task(bed, site_id, "a")
    site = on_disk(bed, key, tmp_path)
    run_once(site)
    assert task in site.state.task_ids()
    site.stop()
    site.state.close()
    bed.call("DELETE", f"/api/tasks/{task}?confirm=true")  # the site is away
    again = on_disk(bed, key, tmp_path)
    again.runtime.run(until=lambda: again.version > 0)  # type: ignore[attr-defined]
    assert task not in again.state.task_ids()  # dropped at the first configuration


def reuse_next_id(bed: Testbed, task: int) -> None:
    """What a console database made before ids were kept unique (or restored from a
    backup) would do: hand the removed task's number out again."""
    with bed.platform.console_store.engine.begin() as conn:
        conn.execute(text("UPDATE sqlite_sequence SET seq = :n WHERE name = 'tasks'"), {"n": task - 1})


@pytest.mark.parametrize("site_away", [True, False], ids=["site away", "site running"])
def test_R9_a_new_task_under_a_known_number_starts_from_scratch(bed: Testbed, tmp_path: Path, site_away: bool) -> None:
    """Defence in depth: even under the same number, the new task replicates in full,
    counts its own Sequence and shows only its own log."""
    fill(bed, 6, "m")
    site_id, key = bed.register_site()
    old = new_task(bed, site_id, "old")
    site = on_disk(bed, key, tmp_path)
    run_once(site)
    fill(bed, 2, "more")
    run_once(site)
    assert items_of_last_run(bed, old) == 2  # incremental
    if site_away:
        site.stop()
        site.state.close()
    bed.call("DELETE", f"/api/tasks/{old}?confirm=true")
    reuse_next_id(bed, old)
    bed.clock.advance(60)
    created = bed.task_view(new := new_task(bed, site_id, "new"))["information"]["created"]
    assert new == old  # the same number, another task
    if site_away:
        site = on_disk(bed, key, tmp_path)
    run_once(site)
    view = bed.task_view(new)
    assert items_of_last_run(bed, new) == 8  # a full replication, not the old task's increment
    assert view["information"]["sequence"] == 1
    assert bed.archive_call("GET", f"/api/tasks/{new}/sequence")["sequence"] == 1
    assert all(line["at"] >= created for line in view["log"])  # none of the old task's lines
    assert any("executing task" in line["line"] for line in view["log"])


def test_an_execution_the_site_was_killed_in_is_reported_when_it_starts_again(bed: Testbed, tmp_path: Path) -> None:
    fill(bed, 3, "m")
    site_id, key = bed.register_site()
    task = new_task(bed, site_id, "a")
    first = on_disk(bed, key, tmp_path)
    first.runtime.run(until=lambda: first._archive is not None)  # type: ignore[attr-defined]
    link = first.archive_link()

    def dying(body: dict[str, Any]) -> dict[str, Any]:
        raise Killed

    link.submit = dying  # type: ignore[method-assign]
    with pytest.raises(Killed):
        first.runtime.run()  # type: ignore[attr-defined]
    info = bed.task_view(task)["information"]
    assert info["status"] == "Running" and info["command"].startswith("Replicating mailbox 1/1")
    first.state.close()

    second = on_disk(bed, key, tmp_path)
    second.runtime.run(until=lambda: second.version > 0)  # type: ignore[attr-defined]
    view = bed.task_view(task)
    assert view["information"]["status"] == "Scheduled" and view["information"]["command"] == ""
    assert view["information"]["latest_detail"].startswith("Failed: Interrupted: the site stopped during")
    lines = [entry["line"] for entry in view["log"]]
    assert any("was interrupted" in line or "Interrupted" in line for line in lines)
    assert lines[-1].endswith(f"TaskExit called, scheduedTaskId: {task}, message: Failed")
    run_once(second)  # and the task runs again at its next slot
    assert bed.task_view(task)["information"]["latest_detail"].startswith("Success")


def test_R9_a_new_tasks_full_replication_replaces_what_the_removed_task_left_in_the_live_view(
    bed: Testbed,
) -> None:
    """Mail deleted while no task replicates the mailbox must not linger in the Live
    View: the new task knows nothing of the old one's items, so its full replication
    replaces the view (and R3 marks what went as deleted at its boundary)."""
    fill(bed, 3, "m")
    site_id, key = bed.register_site()
    old = new_task(bed, site_id, "old")
    site = bed.site(key)
    site.start()
    run_once(site)
    assert len(bed.view(ALICE)["Inbox"]) == 3
    bed.call("DELETE", f"/api/tasks/{old}?confirm=true")
    gone = next(iter(mailbox(bed).inbox.filter(subject="m-000")))
    gone.delete()  # as a mail client would, while no task replicates the mailbox
    new_task(bed, site_id, "new")
    run_once(site)
    live = bed.view(ALICE)["Inbox"]
    assert len(live) == 2 and not any("m-000" in key for key in live)
    assert any(key.startswith("<m-000@") and key.endswith(" (deleted)") for key in bed.view(ALICE, "full")["Inbox"])
