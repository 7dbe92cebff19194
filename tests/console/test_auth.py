"""Every console and archive endpoint in the OpenAPI documents refuses an
unauthenticated call with 401 (only the documents themselves and login are public),
and the pages send an anonymous browser to the login page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from engine.console.wiring import Platform

from .conftest import Caller, Site

PUBLIC = {("get", "/api/openapi.json"), ("post", "/api/session")}
PAGES = [
    "/exchange-services",
    "/tasks",
    "/tasks/new",
    "/tasks/1",
    "/schedules",
    "/definitions",
    "/sites",
    "/exchange-folders",
]


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, methods in document["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        for method, operation in methods.items():
            found.append((method, concrete, operation))
    return found


def body_for(operation: dict[str, Any]) -> Any:
    return {} if "requestBody" in operation else None


@pytest.mark.parametrize("credential", [None, "Bearer nonsense", "Basic YWRtaW46eA==", "Bearer "])
def test_every_console_endpoint_needs_authentication(anonymous: Caller, credential: str | None) -> None:
    document = anonymous.ok("GET", "/api/openapi.json")
    checked = 0
    for method, path, operation in operations(document):
        if (method, path) in PUBLIC:
            assert operation["security"] == []
            continue
        headers = {"Authorization": credential} if credential else {}
        reply = anonymous.call(method.upper(), path, json=body_for(operation), headers=headers)
        assert reply.status == 401, (method, path, reply.status, reply.body)
        assert reply.error["field"] == "Authorization"
        assert "401" in operation["responses"]
        checked += 1
    assert checked >= 25


@pytest.mark.parametrize("credential", [None, "Bearer nonsense"])
def test_every_archive_endpoint_needs_authentication(archive_anonymous: Caller, credential: str | None) -> None:
    document = archive_anonymous.ok("GET", "/api/openapi.json")
    checked = 0
    for method, path, operation in operations(document):
        if (method, path) == ("get", "/api/openapi.json"):
            continue
        headers = {"Authorization": credential} if credential else {}
        reply = archive_anonymous.call(method.upper(), path, json=body_for(operation), headers=headers)
        assert reply.status == 401, (method, path, reply.status, reply.body)
        checked += 1
    assert checked >= 14


def test_a_site_key_is_not_an_administrator_anywhere(anonymous: Caller, site: Site) -> None:
    document = anonymous.ok("GET", "/api/openapi.json")
    for method, path, operation in operations(document):
        if (method, path) in PUBLIC or path.startswith("/api/site/"):
            continue
        reply = site.console.call(method.upper(), path, json=body_for(operation))
        assert reply.status == 401, (method, path, reply.status)


def test_an_administrator_session_is_not_a_site_key(admin: Caller) -> None:
    for path in ("/api/site/config", "/api/site/heartbeat"):
        assert admin.call("GET" if path.endswith("config") else "POST", path, json={}).status == 401


def test_site_keys_cannot_use_archive_admin_calls(site: Site, archive_admin: Caller) -> None:
    for method, path, body in [
        ("POST", "/api/sites", {"site_id": 9, "key_hash": "0" * 64}),
        ("POST", "/api/tasks/1/reset", None),
        ("POST", "/api/archived", {"messages": []}),
        ("POST", "/api/archived/hold", {"items": []}),
        ("GET", "/api/archived/x", None),
    ]:
        assert site.archive.call(method, path, json=body).status == 403, path
    # and the admin token is not a site: it cannot submit
    body = {"task_id": 1, "mailbox": "a@b.example", "batch_id": "b"}
    assert archive_admin.post("/api/submissions", body).status == 403


def test_pages_send_an_anonymous_browser_to_login(platform: Platform) -> None:
    client = platform.console.test_client()
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path
    assert client.get("/login").status_code == 200
    assert client.get("/").headers["Location"] == "/exchange-services"
    # a form post without a session changes nothing and goes to login as well
    assert client.post("/tasks/new", data={"site_id": "1"}).headers["Location"].startswith("/login")


def test_oversized_and_malformed_bodies_are_refused_before_anything_is_stored(
    admin: Caller, site: Site, platform: Platform
) -> None:
    huge = b'{"groups": [' + b"0," * (33 * 1024 * 1024) + b"0]}"
    for client, key, path in [
        (platform.console.test_client(), site.key, "/api/site/directory"),
        (platform.archive.test_client() if platform.archive else None, site.key, "/api/submissions"),
    ]:
        assert client is not None
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        response = client.post(path, data=huge, headers=headers)
        assert response.status_code == 413, path
        assert response.get_json()["error"]["field"] == "request"
        for body, content_type in [
            (b"{not json", "application/json"),
            (b"[]", "application/json"),
            (b"{}", "text/plain"),
        ]:
            response = client.post(path, data=body, headers={**headers, "Content-Type": content_type})
            assert response.status_code == 400, (path, body)
            assert response.get_json()["error"]["field"] in ("body", "task_id", "mailbox", "batch_id"), body
    assert admin.ok("GET", "/api/directory/groups")["groups"] == []


def test_nul_characters_are_refused_everywhere(admin: Caller, site: Site, platform: Platform) -> None:
    """NUL is the one character PostgreSQL cannot store; SQLite would take it, so the
    APIs refuse it up front and both databases behave alike."""
    reply = admin.post("/api/schedules", {"name": "a\u0000b", "spec": {"kind": "one_off", "at": "2027-01-01T00:00"}})
    assert reply.status == 400 and reply.error["field"] == "body"
    assert (
        admin.post(
            "/api/schedules", {"name": "a\\u0000b", "spec": {"kind": "one_off", "at": "2027-01-01T00:00"}}
        ).status
        == 201
    )  # a backslash, then text
    assert admin.get("/api/directory/groups?q=%00").error["field"] == "q"
    assert site.archive.get("/api/views/a%00b/folders").error["field"] == "mailbox"
    client = platform.console.test_client()
    client.set_cookie("synceng_session", admin.token or "")
    assert client.post("/login", data={"email": "x\x00", "password": "y"}).status_code == 400
