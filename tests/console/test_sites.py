"""domain.md §1 Site: binding keys, heartbeats and status, enable/disable."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, select

from engine.clock import ManualClock
from engine.console.wiring import Platform

from .conftest import Caller, Site, acknowledge, register_site, task_body


def test_site_binding_key_is_shown_once_and_stored_hashed(admin: Caller, platform: Platform) -> None:
    reply = admin.post("/api/sites", {"code": "PAR", "description": "Paris", "time_zone": "Europe/Paris"})
    assert reply.status == 201
    key = reply.body["binding_key"]
    site_id = reply.body["site"]["id"]
    assert key.startswith("site_") and len(key) > 30
    # never again: not in the site, not in the list, not in the database
    assert key not in str(admin.ok("GET", f"/api/sites/{site_id}"))
    assert key not in str(admin.ok("GET", "/api/sites"))
    tables = MetaData()
    tables.reflect(platform.console_store.engine)
    with platform.console_store.engine.connect() as conn:
        dump = "\n".join(str(row) for table in tables.sorted_tables for row in conn.execute(select(table)))
    assert "LON" not in dump and "Paris" in dump  # the dump reads the rows…
    assert key not in dump  # …and the key is not among them
    # …yet it authenticates the site
    assert Caller(platform.console.test_client(), key).get("/api/site/config").status == 200


def test_site_code_is_unique_and_fields_are_validated(admin: Caller, site: Site) -> None:
    clash = admin.post("/api/sites", {"code": "lon"})
    assert clash.status == 409 and clash.error["field"] == "code"
    for body, field in [
        ({"code": "has space"}, "code"),
        ({"code": "X1", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"code": "X2", "engine_version": "two"}, "engine_version"),
        ({"code": "X3", "directory_type": "ldap"}, "directory_type"),
        ({"code": "X4", "ews": {"endpoint": "ftp://x"}}, "ews.endpoint"),
        ({"code": "X5", "unknown": 1}, "unknown"),
    ]:
        reply = admin.post("/api/sites", body)
        assert reply.status == 400, body
        assert reply.error["field"] == field, (body, reply.error)


def test_site_status_is_active_while_the_last_heartbeat_is_under_10_minutes(
    admin: Caller, site: Site, clock: ManualClock
) -> None:
    assert admin.ok("GET", f"/api/sites/{site.id}")["status"] == "Inactive"  # never heard from
    site.console.ok("POST", "/api/site/heartbeat", {"engine_version": "2.7.3", "host_os": "Windows Server 2022"})
    view = admin.ok("GET", f"/api/sites/{site.id}")
    assert view["status"] == "Active"
    assert view["last_active"] == clock.now().isoformat()
    assert (view["engine_version"], view["host_os"]) == ("2.7.3", "Windows Server 2022")
    clock.advance(9 * 60 + 59)
    assert admin.ok("GET", f"/api/sites/{site.id}")["status"] == "Active"
    clock.advance(1)  # exactly 10 minutes: no longer "under 10 minutes"
    assert admin.ok("GET", f"/api/sites/{site.id}")["status"] == "Inactive"
    site.console.ok("POST", "/api/site/heartbeat", {})
    assert admin.ok("GET", f"/api/sites/{site.id}")["status"] == "Active"


def test_a_site_keeps_its_registered_version_beside_the_one_it_reports(
    admin: Caller, platform: Platform, nightly: dict[str, Any], mfr: dict[str, Any]
) -> None:
    """Issue 12 defect 6: a site registered as 2.7.1 silently became 2.7.0 at its first
    heartbeat.  Both are kept and the reported one is in force: the site is the judge of
    what it runs, so the 2.7 gate of group kinds 3-5 follows it (domain.md, Group target)."""
    site = register_site(admin, platform, "TYO", engine_version="2.7.1")
    view = admin.ok("GET", f"/api/sites/{site.id}")
    assert (view["engine_version"], view["registered_version"], view["reported_version"]) == ("2.7.1", "2.7.1", None)
    site.console.ok("POST", "/api/site/heartbeat", {"engine_version": "2.7.0"})
    view = admin.ok("GET", f"/api/sites/{site.id}")
    assert (view["engine_version"], view["registered_version"], view["reported_version"]) == ("2.7.0", "2.7.1", "2.7.0")
    site.console.ok("POST", "/api/site/heartbeat", {})  # a heartbeat that says nothing of it changes nothing
    assert admin.ok("GET", f"/api/sites/{site.id}")["reported_version"] == "2.7.0"
    # registered as 2.7.1, but it runs 2.6.0: an address target is refused, naming what it runs
    site.console.ok("POST", "/api/site/heartbeat", {"engine_version": "2.6.0"})
    refused = admin.post("/api/tasks", task_body(site, nightly, mfr))
    assert refused.status == 409 and "runs 2.6.0" in refused.error["message"]


def test_site_heartbeat_rejects_a_malformed_version(site: Site) -> None:
    reply = site.console.post("/api/site/heartbeat", {"engine_version": "2.7"})
    assert reply.status == 400 and reply.error["field"] == "engine_version"


def test_site_list_shows_description_version_status_and_last_active(admin: Caller, site: Site) -> None:
    listed = {s["code"]: s for s in admin.ok("GET", "/api/sites")["sites"]}
    assert set(listed["LON"]) >= {"description", "engine_version", "status", "last_active", "enabled", "time_zone"}
    assert listed["LON"]["description"] == "London"
    assert listed["LON"]["time_zone"] == "Europe/London"


def test_disabled_site_tasks_show_disabled_and_the_site_is_told(
    admin: Caller, site: Site, task: dict[str, Any]
) -> None:
    acknowledge(site)
    assert admin.ok("GET", f"/api/tasks/{task['id']}")["information"]["status"] == "Scheduled"
    changed = admin.ok("PATCH", f"/api/sites/{site.id}", {"enabled": False})
    assert changed["enabled"] is False
    # T3: Disabled whatever else is true, and the site learns it at its next poll
    assert admin.ok("GET", f"/api/tasks/{task['id']}")["information"]["status"] == "Disabled"
    assert site.console.ok("POST", "/api/site/heartbeat", {})["enabled"] is False
    assert site.console.ok("GET", "/api/site/config")["site"]["enabled"] is False
    admin.ok("PATCH", f"/api/sites/{site.id}", {"enabled": True})
    acknowledge(site)
    assert admin.ok("GET", f"/api/tasks/{task['id']}")["information"]["status"] == "Scheduled"


def test_site_ews_password_is_write_only(admin: Caller, site: Site) -> None:
    ews = {"endpoint": "https://mail.contoso.example/EWS/Exchange.asmx", "service_account": "svc", "password": "pw1"}
    view = admin.ok("PATCH", f"/api/sites/{site.id}", {"ews": ews})
    assert view["ews"]["password_set"] is True
    assert "pw1" not in str(view) and "pw1" not in str(admin.ok("GET", "/api/sites"))
    # the site itself needs it to reach Exchange
    assert site.console.ok("GET", "/api/site/config")["site"]["ews"]["password"] == "pw1"


def test_site_key_reaches_only_its_own_site(
    admin: Caller, platform: Platform, site: Site, task: dict[str, Any]
) -> None:
    other = register_site(admin, platform, "NYC", time_zone="America/New_York")
    assert other.console.ok("GET", "/api/site/config")["tasks"] == []
    assert [t["id"] for t in site.console.ok("GET", "/api/site/config")["tasks"]] == [task["id"]]
    progress = {"task_id": task["id"], "status": "Running", "command": "x"}
    assert other.console.post("/api/site/progress", progress).status == 404
    assert other.console.post("/api/site/log", {"task_id": task["id"], "lines": ["x"]}).status == 404
    # nothing changed on the task
    assert admin.ok("GET", f"/api/tasks/{task['id']}")["log"] == []
    # a site key is not an administrator
    assert other.console.get("/api/tasks").status == 401


def test_site_change_is_refused_to_read_only_administrators(reader: Caller, site: Site) -> None:
    assert reader.ok("GET", f"/api/sites/{site.id}")["code"] == "LON"
    reply = reader.patch(f"/api/sites/{site.id}", {"enabled": False})
    assert reply.status == 403 and reply.error["field"] == "role"
    assert reader.post("/api/sites", {"code": "NEW"}).status == 403
