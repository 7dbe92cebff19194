"""Faults (X2 and friends): throttling storms, 503s, the console or the archive down
for a while, and the site process killed at several points of an MFR run — the
results stay exact, back-off is honoured, nothing is submitted twice."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.site.state import SiteState
from mockews.store.loader import new_message
from scenarios.testbed import Outage, Testbed

from .conftest import ALICE, START
from .helpers import Killed, run_once, start


def fill(bed: Testbed, count: int, folder: str = "inbox", tag: str = "") -> set[str]:
    box = bed.world.mailbox(ALICE)
    keys = set()
    for n in range(count):
        name = f"{folder}{tag}-{n:03}"
        new_message(box, box.well_known(folder), subject=name, message_id=f"<{name}@mail.example>", sent=START)
        keys.add(f"<{name}@mail.example>|2026-03-02T09:00:00Z")
    return keys


def sequences(bed: Testbed, task: int) -> tuple[int, int]:
    """(the archive's count, what the console shows)."""
    archive = int(bed.archive_call("GET", f"/api/tasks/{task}/sequence")["sequence"])
    return archive, int(bed.task_view(task)["information"]["sequence"])


def test_X2_server_busy_is_honoured_with_at_least_the_back_off(bed: Testbed) -> None:
    keys = fill(bed, 20)
    bed.exchange.admin.add_fault(
        {"kind": "ErrorServerBusy", "operation": "SyncFolderItems", "back_off_ms": 45_000, "count": 3}
    )
    site, _ = start(bed)
    run_once(site)
    [(_, started)] = site.started
    [(_, message, ended)] = site.finished
    assert message == "Success"
    assert ended - started >= timedelta(seconds=3 * 45)  # waited at least BackOffMilliseconds each time
    assert bed.view(ALICE)["Inbox"] == keys


def test_X2_a_storm_beyond_the_retries_leaves_the_mailbox_in_error_and_its_state_unchanged(bed: Testbed) -> None:
    keys = fill(bed, 12)
    bed.exchange.admin.add_fault({"kind": "ErrorServerBusy", "operation": "SyncFolderItems", "back_off_ms": 1000})
    site, task = start(bed)
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
    site, task = start(bed)
    run_once(site)
    assert bed.task_view(task)["mailboxes"][0]["result"] == "Success"
    assert bed.view(ALICE)["Inbox"] == keys


def test_an_invalid_sync_state_storm_across_runs_stays_exact(bed: Testbed) -> None:
    keys = fill(bed, 5)
    site, task = start(bed)
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
    site, task = start(bed, adapter=outage)
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
    site, task = start(bed, adapter=outage)
    run_once(site)  # 10:00, the console unreachable: the run goes on
    assert bed.view(ALICE)["Inbox"] == keys
    assert bed.task_view(task)["information"]["last_run"] is None  # not reported yet
    site.runtime.run(seconds=3 * 3600)  # type: ignore[attr-defined]
    info = bed.task_view(task)["information"]
    assert info["last_run"] is not None and info["sequence"] == 1
    assert any("executing task" in entry["line"] for entry in bed.task_view(task)["log"])
    assert outage.refused > 0


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
    first, task = start(bed, state=SiteState(state_file), batch_size=3)
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
    site, task = start(bed)
    run_once(site)
    site.stop()
    fresh = bed.site(site.key, state=SiteState(tmp_path / "new.db"))
    assert fresh.state.instance != site.state.instance
    fresh.start()
    run_once(fresh)  # a full replication again, applied (not taken for a replay)
    archive_count, _ = sequences(bed, task)
    assert archive_count == 2
    assert bed.view(ALICE)["Inbox"] == keys


def ews_requests(bed: Testbed) -> list[Any]:
    """The mock's request log (what happened on the wire), as the test reads it."""
    records: list[Any] = []
    bed.exchange.listeners.append(records.append)
    return records


def gaps_after_503(records: list[Any]) -> list[float]:
    """Seconds between each HTTP 503 and the request that followed it."""
    return [(b.at - a.at).total_seconds() for a, b in itertools.pairwise(records) if a.outcome == "http503"]


def test_X2_a_503_with_retry_after_is_honoured(bed: Testbed) -> None:
    keys = fill(bed, 5)
    records = ews_requests(bed)
    bed.exchange.admin.add_fault({"kind": "http503", "operation": "SyncFolderItems", "count": 3, "retry_after_s": 37})
    site, task = start(bed)
    run_once(site)
    assert gaps_after_503(records) == [37.0, 37.0, 37.0]  # what the server asked, each time
    assert bed.task_view(task)["mailboxes"][0]["result"] == "Success"
    assert bed.view(ALICE)["Inbox"] == keys


def test_X2_a_503_without_retry_after_backs_off_exponentially_with_jitter(bed: Testbed) -> None:
    fill(bed, 3)
    records = ews_requests(bed)
    bed.exchange.admin.add_fault({"kind": "http503", "operation": "SyncFolderItems", "count": 4, "retry_after_s": 0})
    site, task = start(bed)  # the testbed's policy: 5 attempts, first wait 2 s, jitter up to half
    run_once(site)
    gaps = gaps_after_503(records)
    assert len(gaps) == 4
    for attempt, gap in enumerate(gaps):
        ceiling = 2.0 * 2**attempt
        assert ceiling / 2 <= gap <= ceiling, (attempt, gaps)  # grows, never above the cap of its step
    assert len(set(gaps)) == 4 and any(gap < 2.0 * 2**n for n, gap in enumerate(gaps))  # jittered, not constant
    assert bed.task_view(task)["mailboxes"][0]["result"] == "Success"


def test_X2_the_jitter_comes_from_a_seeded_rng() -> None:
    from engine.site.backoff import RetryPolicy

    error = RuntimeError("503")
    first = [RetryPolicy().wait(n, error) for n in range(6)]
    again = [RetryPolicy().wait(n, error) for n in range(6)]
    assert first == again
    assert all(w <= RetryPolicy().max_wait for w in [RetryPolicy(first_wait=100).wait(n, error) for n in range(8)])


def test_X2_retry_after_as_an_http_date_counts_from_the_servers_date() -> None:
    import requests

    from engine.site.links import retry_after

    reply = requests.Response()
    reply.headers["Retry-After"] = "Wed, 21 Oct 2026 07:28:30 GMT"
    reply.headers["Date"] = "Wed, 21 Oct 2026 07:28:00 GMT"
    assert retry_after(reply) == 30.0
    reply.headers["Retry-After"] = "soon"
    assert retry_after(reply) is None
