"""domain.md §1 (a site's key reaches only its own tasks) at the archive, tried as
another site would: with site B's key, nothing of site A's tasks or mailboxes can be
read, changed or claimed; task ownership comes from the console when the task is
created, never from whoever submits first."""

from __future__ import annotations

from typing import Any

import pytest

from engine.console.wiring import Platform
from engine.security import hash_token

from .conftest import Caller, Site, create_definition, create_schedule, register_site, task_body

A_ONLY = "alice@contoso.example"  # processed by site A's tasks only
B_ONLY = "bob@contoso.example"  # processed by site B's tasks only
MESSAGE = "<m1@mail.example>|2026-03-01T10:00:00Z"


@pytest.fixture
def sites(admin: Caller, platform: Platform) -> tuple[Site, Site]:
    return register_site(admin, platform, "A"), register_site(admin, platform, "B")


def make_task(admin: Caller, site: Site, spec: dict[str, Any], address: str, name: str) -> int:
    schedule = create_schedule(admin, f"S {name}")
    definition = create_definition(admin, f"D {name}", spec)
    group = {"kind": "single_mailbox", "address": address}
    return int(admin.ok("POST", "/api/tasks", task_body(site, schedule, definition, group=group), status=201)["id"])


@pytest.fixture
def world(admin: Caller, archive_admin: Caller, sites: tuple[Site, Site]) -> dict[str, int]:
    """Site A replicates and manages Alice; site B has tasks of its own for Bob."""
    a, b = sites
    tasks = {
        "a_mfr": make_task(admin, a, {"type": "mfr"}, A_ONLY, "a mfr"),
        "a_managed": make_task(admin, a, {"type": "managed_folders"}, A_ONLY, "a managed"),
        "b_mfr": make_task(admin, b, {"type": "mfr"}, B_ONLY, "b mfr"),
        "b_managed": make_task(admin, b, {"type": "managed_folders"}, B_ONLY, "b managed"),
        "b_msm": make_task(admin, b, {"type": "msm", "action": "full_stub", "older_than_days": 30}, B_ONLY, "b msm"),
    }
    a.archive.ok(
        "POST",
        "/api/submissions",
        {
            "task_id": tasks["a_mfr"],
            "mailbox": A_ONLY,
            "batch_id": "a-1",
            "folders": [{"id": "inbox", "name": "Inbox"}],
            "placements": [{"item": MESSAGE, "folder_id": "inbox"}],
            "complete": True,
        },
    )
    archive_admin.ok("POST", "/api/archived", {"messages": [{"item": MESSAGE, "readers": [A_ONLY]}]})
    return tasks


def views(caller: Caller, mailbox: str = A_ONLY) -> tuple[int, int]:
    live = caller.get(f"/api/views/{mailbox}/items?folder=inbox&view=live").body["total"]
    full = caller.get(f"/api/views/{mailbox}/items?folder=inbox&view=full").body["total"]
    return live, full


def test_another_sites_key_cannot_expire_purge_or_stub_what_is_not_its_own(
    sites: tuple[Site, Site], world: dict[str, int], archive_admin: Caller
) -> None:
    """K1: a site's key acts only on its own tasks and the mailboxes they process."""
    _, b = sites
    # M3 with B's key on A's mailbox: under B's own task, and under A's task
    for task in (world["b_managed"], world["a_managed"]):
        reply = b.archive.post("/api/expire", {"task_id": task, "mailbox": A_ONLY, "items": [MESSAGE]})
        assert reply.status == 403, reply.body
    assert views(archive_admin) == (1, 1)  # A's Live and Full View untouched
    # M4: a purge date of 1971 on A's message
    purge = {"item": MESSAGE, "received": "1970-01-01T00:00:00Z", "lifespan_days": 365}
    for task, mailbox in ((world["a_managed"], A_ONLY), (world["b_managed"], A_ONLY)):
        reply = b.archive.post("/api/purge", {"task_id": task, "mailbox": mailbox, "entries": [purge]})
        assert reply.status == 403, reply.body
    # under B's own task and mailbox the message is not Bob's to purge
    mine = b.archive.ok("POST", "/api/purge", {"task_id": world["b_managed"], "mailbox": B_ONLY, "entries": [purge]})
    assert mine["set"] == 0 and mine["unreadable"] == 1
    assert archive_admin.ok("GET", f"/api/archived/{MESSAGE}")["purge_at"] is None
    # stubs recorded on A's task
    stub = {"task_id": world["a_managed"], "mailbox": A_ONLY, "entries": [{"item": MESSAGE, "action": "hard_delete"}]}
    assert b.archive.post("/api/stubs", stub).status == 403


def test_another_sites_key_cannot_plant_data_in_a_mailbox_only_the_other_site_processes(
    sites: tuple[Site, Site], world: dict[str, int], archive_admin: Caller
) -> None:
    """K1: a site's own task cannot reach a mailbox only another site's task processes."""
    _, b = sites
    planted = {
        "task_id": world["b_mfr"],  # B's own task…
        "mailbox": A_ONLY,  # …for a mailbox it does not process
        "batch_id": "evil",
        "folders": [{"id": "planted", "name": "Planted"}],
        "complete": True,
    }
    reply = b.archive.post("/api/submissions", planted)
    assert reply.status == 403 and reply.error["field"] == "mailbox"
    names = {f["name"] for f in archive_admin.ok("GET", f"/api/views/{A_ONLY}/folders?view=full")["folders"]}
    assert names == {"Inbox"}


def test_another_sites_key_reads_nothing_of_the_other_sites_tasks_and_mailboxes(
    sites: tuple[Site, Site], world: dict[str, int]
) -> None:
    """K1: another site's key reads none of the views, calendars or Sequence of tasks
    that are not its own."""
    a, b = sites
    for path in (
        f"/api/views/{A_ONLY}/folders?view=live",
        f"/api/views/{A_ONLY}/items?folder=inbox&view=full",
        f"/api/views/{A_ONLY}/calendars",
        f"/api/tasks/{world['a_mfr']}/sequence",
    ):
        assert b.archive.get(path).status == 403, path
        assert a.archive.get(path).status == 200, path  # the owner reads them
    check = {"task_id": world["b_msm"], "mailbox": A_ONLY, "items": [MESSAGE]}
    assert b.archive.post("/api/archived/check", check).status == 403
    own = b.archive.ok("POST", "/api/archived/check", {**check, "mailbox": B_ONLY})
    assert own["results"] == [{"item": MESSAGE, "archived": True, "readable": False}]


def test_task_ownership_comes_from_the_console_not_the_first_submission(
    admin: Caller, sites: tuple[Site, Site]
) -> None:
    a, b = sites
    task = make_task(admin, a, {"type": "mfr"}, A_ONLY, "unrun")  # never run yet
    claim = {"task_id": task, "mailbox": A_ONLY, "batch_id": "claim", "complete": True}
    assert b.archive.post("/api/submissions", claim).status == 403  # B cannot claim it…
    assert b.archive.post("/api/submissions", {**claim, "task_id": 50}).status == 403  # …nor a task nobody has
    assert a.archive.ok("POST", "/api/submissions", {**claim, "batch_id": "mine"})["applied"] is True  # A can


def test_a_site_registered_behind_the_consoles_back_is_known_to_the_archive_at_its_first_heartbeat(
    platform: Platform,
) -> None:
    """Registered in the store (as `console register-site` does while the console
    runs): the archive learns the key at the site's first heartbeat."""
    from engine.model import SiteIn

    _, key = platform.console_store.register_site(SiteIn(code="CLI"))
    assert platform.archive is not None
    archive = Caller(platform.archive.test_client(), key)
    console = Caller(platform.console.test_client(), key)
    assert archive.get("/api/tasks/1/sequence").status == 401  # unknown key
    console.ok("POST", "/api/site/heartbeat", {})
    assert archive.get("/api/tasks/1/sequence").status == 403  # known key, not its task


def test_the_archive_refuses_a_key_another_site_holds_with_409(
    platform: Platform, sites: tuple[Site, Site], archive_admin: Caller
) -> None:
    a, b = sites
    reply = archive_admin.post("/api/sites", {"site_id": b.id, "key_hash": hash_token(a.key)})
    assert reply.status == 409 and reply.error["field"] == "key_hash"
    assert b.archive.get(f"/api/tasks/{1}/sequence").status == 403  # B's key still B's, A's still A's


def test_T8_a_second_mfr_task_of_another_site_is_told_the_mailbox_is_taken(
    admin: Caller, sites: tuple[Site, Site], world: dict[str, int]
) -> None:
    """Overlapping groups across sites: one MFR task replicates a mailbox's views."""
    _, b = sites
    overlap = make_task(admin, b, {"type": "mfr"}, A_ONLY, "b overlap")
    body = {"task_id": overlap, "mailbox": A_ONLY, "batch_id": "b-1", "complete": True}
    reply = b.archive.post("/api/submissions", body)
    assert reply.status == 409 and reply.error["field"] == "mailbox"
    assert f"task {world['a_mfr']}" in reply.error["message"]
