"""Each resource's routes stand alone: mounted by themselves on a bare Flask app over a
real store (an SQLite file), they answer — with the refusals of the store mapped to
HTTP in one place — and nothing else is served.  And every kind of domain error has
one HTTP status, which a client of our APIs reads back as the same kind."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from flask import Flask

from engine.archive.registry import TaskRegistration
from engine.archive.routes import empty_api as empty_archive_api
from engine.archive.routes import views
from engine.archive.store import ArchiveStore, Submission
from engine.clock import ManualClock
from engine.console.context import ConsoleContext
from engine.console.pages import empty_pages
from engine.console.pages import schedules as schedule_pages
from engine.console.pages.base import csrf_token
from engine.console.routes import empty_api, schedules
from engine.console.store import ConsoleStore
from engine.console.workflows import Workflows
from engine.errors import DomainError
from engine.security import hash_token
from engine.webapi import error_for_status, status_of

from .conftest import ADMIN, PASSWORD, START

NIGHTLY = {"name": "Nightly", "spec": {"kind": "daily", "times": {"mode": "once", "start": "02:00"}}}


@pytest.fixture
def store(tmp_path: Path) -> ConsoleStore:
    return ConsoleStore(f"sqlite:///{tmp_path}/console.db", ManualClock(START), random.Random(3))


def test_the_schedules_api_mounts_alone(store: ConsoleStore) -> None:
    admin = store.create_admin(ADMIN, PASSWORD)
    auth = {"Authorization": f"Bearer {store.create_api_token(admin['id'], 'test')}"}
    console = ConsoleContext(store, Workflows(store, None))
    bp, api = empty_api(console)
    schedules.routes.register(api, console)
    app = Flask(__name__)
    app.register_blueprint(bp)
    client = app.test_client()

    created = client.post("/api/schedules", json=NIGHTLY, headers=auth)
    assert created.status_code == 201, created.get_json()
    assert [s["name"] for s in store.schedules()] == ["Nightly"]
    # the store refuses a taken name (Conflict); the API's one mapping makes it a 409 naming the field
    again = client.post("/api/schedules", json=NIGHTLY, headers=auth)
    assert again.status_code == 409
    assert again.get_json() == {"error": {"field": "name", "message": "a schedule named 'Nightly' exists already"}}
    assert client.get("/api/schedules", headers={}).status_code == 401  # the console's authentication
    assert client.get("/api/sites", headers=auth).status_code == 404  # no other resource is served
    document = client.get("/api/openapi.json").get_json()
    assert set(document["paths"]) == {"/api/openapi.json", "/api/schedules", "/api/schedules/{schedule_id}"}


def test_the_schedules_pages_mount_alone(store: ConsoleStore) -> None:
    store.create_admin(ADMIN, PASSWORD)
    session, _ = store.login(ADMIN, PASSWORD)
    console = ConsoleContext(store, Workflows(store, None))
    bp = empty_pages()
    schedule_pages.pages.register(bp, console)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "test"
    app.register_blueprint(bp)
    client = app.test_client()
    client.set_cookie("synceng_session", session)
    with app.test_request_context(headers={"Cookie": f"synceng_session={session}"}):
        csrf = csrf_token()

    form = {"csrf": csrf, "name": "Nightly", "kind": "daily", "mode": "once", "start": "02:00"}
    posted = client.post("/schedules", data=form)
    assert posted.status_code == 302 and posted.headers["Location"] == "/schedules"
    assert [s["spec"]["times"]["start"] for s in store.schedules()] == ["02:00:00"]
    assert client.post("/schedules", data={**form, "csrf": "forged"}).status_code == 400
    assert client.get("/sites").status_code == 404  # no other resource is served


def test_the_archive_views_mount_alone(tmp_path: Path) -> None:
    store = ArchiveStore(f"sqlite:///{tmp_path}/archive.db", ManualClock(START))
    store.registry.register_site(
        1, hash_token("site-key"), [TaskRegistration(7, "mfr", "t7", ["alice@contoso.example"])]
    )
    folders = [{"id": "inbox", "name": "Inbox", "parent_id": None, "well_known": "inbox"}]
    store.submit(1, Submission(7, "alice@contoso.example", "b1", folders=folders, complete=True, full=True))
    bp, api = empty_archive_api(store, "admin-token")
    views.routes.register(api, store)
    app = Flask(__name__)
    app.register_blueprint(bp)
    client = app.test_client()
    site = {"Authorization": "Bearer site-key"}

    tree = client.get("/api/views/alice@contoso.example/folders", headers=site)
    assert tree.status_code == 200 and [f["name"] for f in tree.get_json()["folders"]] == ["Inbox"]
    # the registry's Forbidden (no task of the site processes the mailbox) is a 403 naming the field
    other = client.get("/api/views/bob@contoso.example/folders", headers=site)
    assert other.status_code == 403 and other.get_json()["error"]["field"] == "mailbox"
    assert client.post("/api/submissions", json={}, headers=site).status_code == 404  # not mounted


@pytest.mark.parametrize("kind", DomainError.__subclasses__(), ids=lambda kind: kind.__name__)
def test_each_kind_of_domain_error_has_its_own_status(kind: type[DomainError]) -> None:
    status = status_of(kind("field", "message"))
    assert 400 <= status < 600
    back = error_for_status(status, "field", "message")
    assert type(back) is kind and (back.field, back.message) == ("field", "message")
