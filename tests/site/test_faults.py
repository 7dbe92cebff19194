"""Faults (X2 and friends): throttling storms, 503s, the console or the archive down
for a while, and the site process killed at several points of an MFR run — the
results stay exact, back-off is honoured, nothing is submitted twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.site.state import SiteState
from mockews.store.loader import new_message
from scenarios.testbed import Outage, Testbed

from .conftest import ALICE, HOURLY, START
from .helpers import run_once


def fill(bed: Testbed, count: int, folder: str = "inbox", tag: str = "") -> set[str]:
    box = bed.world.mailbox(ALICE)
    keys = set()
    for n in range(count):
        name = f"{folder}{tag}-{n:03}"
        new_message(box, box.well_known(folder), subject=name, message_id=f"<{name}@mail.example>", sent=START)
        keys.add(f"<{name}@mail.example>|2026-03-02T09:00:00Z")
    return keys


def setup(bed: Testbed, **options: Any) -> tuple[Any, int]:
    site_id, key = bed.register_site()
    task = bed.task(
        site_id,
        "mfr",
        bed.definition("MFR", {"type": "mfr"}),
        bed.schedule("Hourly", HOURLY),
        {"kind": "single_mailbox", "address": ALICE},
    )
    site = bed.site(key, **options)
    site.start()
    return site, task


def sequences(bed: Testbed, task: int) -> tuple[int, int]:
    """(the archive's count, what the console shows)."""
    archive = int(bed.archive_call("GET", f"/api/tasks/{task}/sequence")["sequence"])
    return archive, int(bed.task_view(task)["information"]["sequence"])


def test_X2_server_busy_is_honoured_with_at_least_the_back_off(bed: Testbed) -> None:
    keys = fill(bed, 20)
    bed.exchange.admin.add_fault(
        {"kind": "ErrorServerBusy", "operation": "SyncFolderItems", "back_off_ms": 45_000, "count": 3}
    )
    site, _ = setup(bed)
    run_once(site)
    [(_, started)] = site.started
    [(_, message, ended)] = site.finished
    assert message == "Success"
    assert ended - started >= timedelta(seconds=3 * 45)  # waited at least BackOffMilliseconds each time
    assert bed.view(ALICE)["Inbox"] == keys


def test_X2_a_storm_beyond_the_retries_leaves_the_mailbox_in_error_and_its_state_unchanged(bed: Testbed) -> None:
    keys = fill(bed, 12)
    bed.exchange.admin.add_fault({"kind": "ErrorServerBusy", "operation": "SyncFolderItems", "back_off_ms": 1000})
    site, task = setup(bed)
    run_once(site)
    row = bed.task_view(task)["mailboxes"][0]
    assert row["result"] == "Error" and "ErrorServerBusy" in row["reason"]
    assert site.finished[-1][1] == "CompletedWithErrors"
    assert bed.view(ALICE) == {}  # nothing half-submitted
    assert {f.folder_id: f.sync_state for f in site.state.folders(task, ALICE).values() if f.sync_state} == {}
    bed.exchange.admin.clear_faults()
    run_once(site)
    assert bed.view(ALICE)["Inbox"] == keys
    assert sequences(bed, task) == (1, 1)


def test_transient_503s_and_dropped_connections_are_retried(bed: Testbed) -> None:
    keys = fill(bed, 8)
    bed.exchange.admin.add_fault({"kind": "http503", "operation": "SyncFolderHierarchy", "count": 2})
    bed.exchange.admin.add_fault({"kind": "drop", "operation": "SyncFolderItems", "count": 2})
    site, task = setup(bed)
    run_once(site)
    assert bed.task_view(task)["mailboxes"][0]["result"] == "Success"
    assert bed.view(ALICE)["Inbox"] == keys


def test_an_invalid_sync_state_storm_across_runs_stays_exact(bed: Testbed) -> None:
    keys = fill(bed, 5)
    site, task = setup(bed)
    for round_ in range(3):
        bed.exchange.admin.invalidate_sync_states(mailbox=ALICE)
        keys |= fill(bed, 2, tag=f"r{round_}")
        run_once(site)
        assert bed.view(ALICE)["Inbox"] == keys
    assert sequences(bed, task)[0] == sequences(bed, task)[1]


def test_R6_the_archive_down_for_a_while_loses_nothing_and_submits_nothing_twice(bed: Testbed) -> None:
    keys = fill(bed, 10)
    assert bed.platform.archive_url is not None
    outage = Outage(bed.clock, [(bed.platform.archive_url, START, START + timedelta(hours=1, minutes=30))])
    site, task = setup(bed, adapter=outage)
    run_once(site)  # 10:00: the archive is down; the batch waits in the outbox
    assert bed.task_view(task)["mailboxes"][0]["result"] == "Error"
    assert len(site.state.pending(task, ALICE)) == 1
    more = fill(bed, 3, tag="later")
    run_once(site)  # 11:00: still down
    run_once(site)  # 12:00: the outbox first, then the new items
    assert site.state.pending(task, ALICE) == []
    assert bed.view(ALICE)["Inbox"] == keys | more
    archive_count, console_count = sequences(bed, task)
    assert archive_count == console_count == 2


def test_the_console_down_for_a_while_delays_reports_not_work(bed: Testbed) -> None:
    keys = fill(bed, 4)
    outage = Outage(
        bed.clock, [(bed.console_url + "/api/site", START + timedelta(minutes=30), START + timedelta(hours=2))]
    )
    site, task = setup(bed, adapter=outage)
    run_once(site)  # 10:00, the console unreachable: the run goes on
    assert bed.view(ALICE)["Inbox"] == keys
    assert bed.task_view(task)["information"]["last_run"] is None  # not reported yet
    site.runtime.run(seconds=3 * 3600)  # type: ignore[attr-defined]
    info = bed.task_view(task)["information"]
    assert info["last_run"] is not None and info["sequence"] == 1
    assert any("executing task" in entry["line"] for entry in bed.task_view(task)["log"])
    assert outage.refused > 0


class Killed(BaseException):
    """The site process dies here (not an Exception: nothing in the engine catches it)."""


@pytest.fixture
def state_file(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "site.db"


@pytest.mark.parametrize(
    ("where", "nth"),
    [
        ("before submit", 1),  # enqueued, never sent
        ("after submit", 1),  # the archive applied it, the site never heard
        ("before submit", 3),
        ("after submit", 2),
    ],
)
def test_crash_safety_killed_mid_run_then_restarted_views_and_sequence_exact(
    bed: Testbed, state_file: Path, where: str, nth: int
) -> None:
    keys = fill(bed, 9) | fill(bed, 4, "sentitems")
    first, task = setup(bed, state=SiteState(state_file), batch_size=3)
    first.runtime.run(until=lambda: first._archive is not None)  # type: ignore[attr-defined]
    link = first.archive_link()
    real = link.submit
    calls = {"n": 0}

    def dying(body: dict[str, Any]) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == nth and where == "before submit":
            raise Killed
        answer = real(body)
        if calls["n"] == nth and where == "after submit":
            raise Killed
        return answer

    link.submit = dying  # type: ignore[method-assign]
    with pytest.raises(Killed):
        first.runtime.run()  # type: ignore[attr-defined]
    first.stopped = True
    first.state.close()

    second = bed.site(first.key, state=SiteState(state_file), batch_size=3)
    second.start()
    run_once(second)
    assert bed.view(ALICE)["Inbox"] | bed.view(ALICE)["Sent Items"] == keys
    assert bed.view(ALICE, "full")["Inbox"] | bed.view(ALICE, "full")["Sent Items"] == keys
    archive_count, console_count = sequences(bed, task)
    assert archive_count == console_count  # each batch counted once, replays included
    assert second.state.pending(task, ALICE) == []


def test_a_site_that_lost_its_state_starts_over_with_batch_ids_never_seen(bed: Testbed, tmp_path: Path) -> None:
    """Batch ids carry the state's instance: a reinstalled site (a new state file)
    cannot collide with batches the archive already has and be silently ignored."""
    keys = fill(bed, 4)
    site, task = setup(bed)
    run_once(site)
    site.stop()
    fresh = bed.site(site.key, state=SiteState(tmp_path / "new.db"))
    assert fresh.state.instance != site.state.instance
    fresh.start()
    run_once(fresh)  # a full replication again, applied (not taken for a replay)
    archive_count, _ = sequences(bed, task)
    assert archive_count == 2
    assert bed.view(ALICE)["Inbox"] == keys
