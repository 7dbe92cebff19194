"""The site's side of the task lifecycle (domain.md §2, §3) on a simulated clock:
change propagation (T1, T2), overlapping slots (T4), one-offs, removal (R9), a
disabled site, and the task log (T10)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import requests

from engine.site.site import Site
from mockews.transport import InProcessAdapter
from scenarios.testbed import Testbed

from .conftest import ALICE, BOB, HOURLY, START, SimBed
from .helpers import deliver


def setup_task(
    bed: Testbed,
    group: dict[str, Any] | None = None,
    schedule: dict[str, Any] = HOURLY,
    definition: dict[str, Any] | None = None,
) -> tuple[int, str, int, int]:
    site_id, key = bed.register_site()
    definition_id = bed.definition("MFR", definition or {"type": "mfr"})
    task = bed.task(
        site_id,
        "mfr",
        definition_id,
        bed.schedule("Sched", schedule),
        group or {"kind": "single_mailbox", "address": ALICE},
    )
    return site_id, key, task, definition_id


def started(sim: SimBed, key: str, **runtime: Any) -> Site:
    """The site bound with ``key``, started on the simulation's clock (``runtime``: its
    latency model, e.g. how long each EWS call takes)."""
    site = sim.bed.site(key, runtime=sim.runtime(**runtime))
    site.start()
    return site


def test_T2_a_change_saved_while_idle_reaches_the_site_within_120_seconds(sim: SimBed) -> None:
    bed = sim.bed
    _, key, task, definition = setup_task(bed)
    site = started(sim, key)
    sim.env.run(until=sim.at(9, 20))
    assert bed.task_view(task)["information"]["status"] == "Scheduled"
    changed_at = sim.env.now
    bed.call("PUT", f"/api/definitions/{definition}", {"name": "MFR", "spec": {"type": "mfr", "exclude_inbox": True}})
    assert bed.task_view(task)["information"]["status"] == "Pending"
    while bed.task_view(task)["information"]["status"] == "Pending":
        sim.env.run(until=sim.env.now + 1)
    assert sim.env.now - changed_at <= 120
    assert site.slots[task].spec["definition"]["exclude_inbox"] is True
    deliver(bed, "after the change")
    sim.env.run(until=sim.at(10, 30))
    assert "Inbox" not in bed.view(ALICE)  # the 10:00 run used the new definition


def test_T1_a_change_saved_while_running_applies_only_after_the_run(sim: SimBed) -> None:
    bed = sim.bed
    deliver(bed, "in the inbox")
    _, key, task, definition = setup_task(bed)
    site = started(sim, key, per_ews_call=60.0)  # each EWS call a minute: a run lasts minutes
    sim.env.run(until=sim.at(10, 2))
    assert bed.task_view(task)["information"]["status"] == "Running"
    assert bed.task_view(task)["information"]["command"].startswith("Replicating mailbox 1/1")
    bed.call("PUT", f"/api/definitions/{definition}", {"name": "MFR", "spec": {"type": "mfr", "exclude_inbox": True}})
    sim.env.run(until=sim.at(10, 5))
    slot = site.slots[task]
    assert slot.running and slot.parked is not None  # received, parked
    assert slot.spec["definition"]["exclude_inbox"] is False  # not applied mid-run
    while not site.finished:
        sim.env.run(until=sim.env.now + 30)
    assert len(bed.view(ALICE)["Inbox"]) == 1  # the run finished with the definition it started with
    assert slot.parked is None and slot.spec["definition"]["exclude_inbox"] is True
    while len(site.finished) < 2:
        sim.env.run(until=sim.env.now + 60)
    assert "Inbox" not in bed.view(ALICE)  # the next run: the new definition


def test_T4_a_slot_that_arrives_while_the_task_runs_is_skipped(sim: SimBed) -> None:
    bed = sim.bed
    _, key, task, _ = setup_task(bed)
    # every EWS call ten minutes: a run of ~10 calls lasts well over an hour
    site = started(sim, key, per_ews_call=600.0)
    sim.env.run(until=sim.at(14, 0))
    starts = [when for t, when in site.started if t == task]
    ends = [when for t, _, when in site.finished if t == task]
    assert starts[0] == START.replace(hour=10)
    assert ends[0] - starts[0] > (starts[0].replace(hour=11) - starts[0])  # ran past the 11:00 slot
    # never two at once, and each start is the first slot strictly after the previous end
    for end, next_start in zip(ends, starts[1:], strict=False):
        assert next_start > end
        assert next_start == end.replace(minute=0, second=0, microsecond=0).replace(hour=end.hour + 1)


def test_one_off_runs_once_and_shows_completed(sim: SimBed) -> None:
    """T3: a one-off that has run is Completed, with no next occurrence."""
    bed = sim.bed
    _, key, task, _ = setup_task(bed, schedule={"kind": "one_off", "at": "2026-03-02T09:30:00"})
    site = started(sim, key)
    sim.env.run(until=sim.at(12, 0))
    assert [t for t, _ in site.started] == [task]
    info = bed.task_view(task)["information"]
    assert info["status"] == "Completed" and info["next_occurrence"] is None


def test_R9_removing_a_running_task_finishes_the_current_mailbox_and_resets(sim: SimBed) -> None:
    bed = sim.bed
    deliver(bed, "for alice", to=ALICE)
    deliver(bed, "for carol", to="carol@contoso.example")
    group = {"kind": "mailbox_list", "addresses": f"{ALICE}; carol@contoso.example"}
    _, key, task, _ = setup_task(bed, group=group)
    site = started(sim, key, per_ews_call=60.0)
    sim.env.run(until=sim.at(10, 3))  # inside Alice's mailbox
    assert bed.task_view(task)["information"]["command"].startswith("Replicating mailbox 1/2 alice@")
    bed.call("DELETE", f"/api/tasks/{task}?confirm=true")
    sim.env.run(until=sim.at(11, 30))
    # the current mailbox was finished, the rest abandoned; the archive takes nothing
    # more from the removed task (the Full Views were just reset): Alice's late
    # submission is refused, so nothing lands in views after their reset
    assert [(r.mailbox, r.result) for r in site.last_rows] == [(ALICE, "Error")]
    assert "was removed" in site.last_rows[0].reason
    assert bed.view(ALICE) == {} and bed.view("carol@contoso.example") == {}
    assert task not in site.slots  # scheduling stopped
    assert task not in site.state.task_ids() and site.state.folders(task, ALICE) == {}  # sync states dropped
    assert [t for t, _ in site.started] == [task]


def test_a_disabled_site_starts_nothing_and_stops_after_the_current_mailbox(sim: SimBed) -> None:
    bed = sim.bed
    group = {"kind": "mailbox_list", "addresses": f"{ALICE}; carol@contoso.example"}
    site_id, key, task, _ = setup_task(bed, group=group)
    site = started(sim, key, per_ews_call=60.0)
    sim.env.run(until=sim.at(10, 3))
    bed.call("PATCH", f"/api/sites/{site_id}", {"enabled": False})
    sim.env.run(until=sim.at(13, 0))
    assert len(site.started) == 1  # nothing new
    assert bed.view("carol@contoso.example") == {}
    assert bed.task_view(task)["information"]["status"] == "Disabled"
    bed.call("PATCH", f"/api/sites/{site_id}", {"enabled": True})
    sim.env.run(until=sim.at(14, 30))
    assert len(site.started) >= 2


def test_T10_the_task_log_has_the_start_and_exit_lines(sim: SimBed) -> None:
    bed = sim.bed
    _, key, task, _ = setup_task(bed)
    started(sim, key)
    sim.env.run(until=sim.at(10, 30))
    lines = [entry["line"] for entry in bed.task_view(task)["log"]]
    assert re.fullmatch(rf"MMS .* executing task {task}", lines[0])
    assert re.fullmatch(rf"MMS .* TaskExit called, scheduedTaskId: {task}, message: Success", lines[-1])


def test_T8_a_mailbox_is_replicated_by_one_mfr_task_only(sim: SimBed) -> None:
    bed = sim.bed
    site_id, key, first, definition = setup_task(bed)
    second = bed.task(
        site_id, "mfr", definition, bed.schedule("Other", HOURLY), {"kind": "single_mailbox", "address": ALICE}
    )
    started(sim, key)
    sim.env.run(until=sim.at(12, 30))  # three runs of each
    rows = {t: bed.task_view(t)["mailboxes"][0] for t in (first, second)}
    [owner] = [t for t, row in rows.items() if row["result"] == "Success"]
    [other] = [t for t in rows if t != owner]
    assert rows[other]["result"] == "Duplicate" and f"task {owner}" in rows[other]["reason"]
    # the owner keeps the mailbox run after run
    assert all(result == "Success" for result in [rows[owner]["result"]])


def test_T8_another_task_meeting_a_locked_mailbox_marks_it_duplicate(sim: SimBed) -> None:
    bed = sim.bed
    site_id, key, mfr_task, _ = setup_task(bed)
    calendar = bed.task(
        site_id,
        "calendar",
        bed.definition("Calendars", {"type": "calendar"}),
        bed.schedule("Same time", HOURLY),
        {"kind": "single_mailbox", "address": ALICE},
    )
    started(sim, key, per_ews_call=60.0)
    sim.env.run(until=sim.at(10, 30))
    rows = {t: bed.task_view(t)["mailboxes"][0] for t in (mfr_task, calendar)}
    results = sorted(r["result"] for r in rows.values())
    assert results == ["Duplicate", "Success"], rows
    assert BOB  # the other mailboxes are untouched


class RecordingAdapter(InProcessAdapter):
    """The in-process transport, keeping (method, path) of what the site asks."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[tuple[str, str]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.asked.append((request.method or "", urlsplit(request.url or "").path))
        return super().send(request, **kwargs)


def test_the_site_downloads_its_configuration_when_the_heartbeat_names_a_new_version(sim: SimBed) -> None:
    """Every poll heartbeats; the configuration is fetched only when the version the
    heartbeat names is not the one the site has (its ETag) — T2 still within 120 s."""
    bed = sim.bed
    _, key, task, definition = setup_task(bed)
    recorder = RecordingAdapter()
    site = bed.site(key, runtime=sim.runtime(), adapter=recorder)
    site.start()
    sim.env.run(until=sim.at(9, 30))

    def count(path: str) -> int:
        return sum(1 for _, p in recorder.asked if p == path)

    assert count("/api/site/heartbeat") >= 15
    assert count("/api/site/config") == 1
    changed_at = sim.env.now
    bed.call("PUT", f"/api/definitions/{definition}", {"name": "MFR", "spec": {"type": "mfr", "exclude_inbox": True}})
    while bed.task_view(task)["information"]["status"] == "Pending":
        sim.env.run(until=sim.env.now + 1)
    assert sim.env.now - changed_at <= 120
    assert count("/api/site/config") == 2
    sim.env.run(until=sim.env.now + 1800)
    assert count("/api/site/config") == 2
    assert site.slots[task].spec["definition"]["exclude_inbox"] is True
