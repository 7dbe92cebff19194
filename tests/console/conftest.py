"""The console and the archive platform, put together as `synceng serve console` does
(one WSGI app, the archive under /archive), on real SQLite files and a manual clock.
The console reaches the archive over HTTP through the in-process transport, so the
seam between them is the real API.  Every test runs on SQLite and on PostgreSQL (a
throwaway server started by the tests, tests/postgres.py)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from engine.clock import ManualClock
from engine.console.wiring import Platform, build_platform
from mockews.transport import InProcessAdapter, InProcessTransport

from ..postgres import databases as new_databases

#: a Monday morning in London (UTC+0 in winter)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN = "admin@contoso.example"
READER = "auditor@contoso.example"
PASSWORD = "correct horse battery"
_hosts = itertools.count(1)


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def error(self) -> dict[str, str]:
        assert isinstance(self.body, dict) and "error" in self.body, self.body
        return dict(self.body["error"])


class Caller:
    """JSON calls to one Flask app with one credential."""

    def __init__(self, client: FlaskClient, token: str | None = None, prefix: str = "") -> None:
        self.client = client
        self.token = token
        self.prefix = prefix

    def as_(self, token: str | None) -> Caller:
        return Caller(self.client, token, self.prefix)

    def call(self, method: str, path: str, json: Any = None, headers: dict[str, str] | None = None) -> Reply:
        sent = dict(headers or {})
        if self.token is not None:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        response = self.client.open(self.prefix + path, method=method, json=json, headers=sent)
        body = response.get_json(silent=True) if response.data else None
        return Reply(response.status_code, body, dict(response.headers))

    def get(self, path: str, **kw: Any) -> Reply:
        return self.call("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Reply:
        return self.call("POST", path, json=json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Reply:
        return self.call("PUT", path, json=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Reply:
        return self.call("PATCH", path, json=json, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.call("DELETE", path, **kw)

    def ok(self, method: str, path: str, json: Any = None, status: int | None = None) -> Any:
        reply = self.call(method, path, json=json)
        expected = status or 200
        assert reply.status == expected, (method, path, reply.status, reply.body)
        return reply.body


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


#: the databases the console and archive suite runs on: every test on each (a module may
#: narrow it with ``pytestmark = pytest.mark.backends("sqlite")``)
BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "databases" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("backends")
        chosen = marker.args if marker else BACKENDS
        metafunc.parametrize("databases", chosen, indirect=True)


@pytest.fixture
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The console's and the archive's databases: SQLite files, or a new database each
    on this process's throwaway PostgreSQL server (tests/postgres.py)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/console.db", f"sqlite:///{tmp_path}/archive.db"
        return
    server = request.getfixturevalue("postgresql_server")
    with new_databases(server, "console", "archive") as (console, archive):
        yield console, archive


@pytest.fixture
def platform(databases: tuple[str, str], clock: ManualClock) -> Iterator[Platform]:
    host = f"platform-{next(_hosts)}.inprocess"
    built = build_platform(
        databases[0],
        databases[1],
        clock,
        random.Random(7),
        archive_url=f"http://{host}/archive",
        adapter=InProcessAdapter(),
        secret_key="test-secret",
    )
    InProcessTransport.mount_base(built.wsgi(), host)
    built.connect()
    yield built
    InProcessTransport.unmount(host)
    built.console_store.engine.dispose()
    if built.archive_store is not None:
        built.archive_store.engine.dispose()


@pytest.fixture
def anonymous(platform: Platform) -> Caller:
    return Caller(platform.console.test_client())


@pytest.fixture
def admin(platform: Platform, anonymous: Caller) -> Caller:
    platform.console_store.create_admin(ADMIN, PASSWORD)
    token = anonymous.ok("POST", "/api/session", {"email": ADMIN, "password": PASSWORD}, status=201)["token"]
    return anonymous.as_(token)


@pytest.fixture
def reader(platform: Platform, anonymous: Caller) -> Caller:
    platform.console_store.create_admin(READER, PASSWORD, role="read_only")
    token = anonymous.ok("POST", "/api/session", {"email": READER, "password": PASSWORD}, status=201)["token"]
    return anonymous.as_(token)


@pytest.fixture
def archive_anonymous(platform: Platform) -> Caller:
    assert platform.archive is not None
    return Caller(platform.archive.test_client())


@pytest.fixture
def archive_admin(platform: Platform, archive_anonymous: Caller) -> Caller:
    return archive_anonymous.as_(platform.archive_token)


@dataclass
class Site:
    id: int
    code: str
    key: str
    console: Caller  # the console's site API with this site's binding key
    archive: Caller  # the archive with this site's binding key


def register_site(admin: Caller, platform: Platform, code: str, **fields: Any) -> Site:
    body = admin.ok("POST", "/api/sites", {"code": code, **fields}, status=201)
    assert platform.archive is not None
    key = body["binding_key"]
    return Site(
        body["site"]["id"],
        code,
        key,
        Caller(platform.console.test_client(), key),
        Caller(platform.archive.test_client(), key),
    )


@pytest.fixture
def site(admin: Caller, platform: Platform) -> Site:
    return register_site(admin, platform, "LON", description="London", time_zone="Europe/London")


@pytest.fixture
def old_site(admin: Caller, platform: Platform) -> Site:
    return register_site(admin, platform, "OLD", engine_version="2.6.0")


def create_schedule(admin: Caller, name: str = "Nightly", spec: dict[str, Any] | None = None) -> dict[str, Any]:
    spec = spec or {"kind": "daily", "times": {"mode": "once", "start": "02:00"}}
    result: dict[str, Any] = admin.ok("POST", "/api/schedules", {"name": name, "spec": spec}, status=201)
    return result


def create_definition(admin: Caller, name: str = "All folders", spec: dict[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = admin.ok(
        "POST", "/api/definitions", {"name": name, "spec": spec or {"type": "mfr"}}, status=201
    )
    return result


def task_body(site: Site, schedule: dict[str, Any], definition: dict[str, Any], **over: Any) -> dict[str, Any]:
    body = {
        "site_id": site.id,
        "type": definition["spec"]["type"],
        "definition_id": definition["id"],
        "schedule_id": schedule["id"],
        "group": {"kind": "single_mailbox", "address": "alice@contoso.example"},
    }
    body.update(over)
    return body


@pytest.fixture
def nightly(admin: Caller) -> dict[str, Any]:
    return create_schedule(admin)


@pytest.fixture
def mfr(admin: Caller) -> dict[str, Any]:
    return create_definition(admin)


@pytest.fixture
def task(admin: Caller, site: Site, nightly: dict[str, Any], mfr: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = admin.ok("POST", "/api/tasks", task_body(site, nightly, mfr), status=201)
    return result


def acknowledge(site: Site) -> int:
    """The site downloads its config and acknowledges it, as the engine does."""
    version = int(site.console.ok("GET", "/api/site/config")["version"])
    site.console.ok("POST", "/api/site/ack", {"version": version})
    return version
