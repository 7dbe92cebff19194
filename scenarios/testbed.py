"""Everything a site talks to, on one clock: the mock Exchange and the mock directory
on one world, the console and the archive platform — mounted on the in-process
transport (or served over loopback HTTP) — and helpers to administer the console
through its REST API and to start sites.

Used by the site tests, the benchmarks and the simulated scenarios; every seam is the
real protocol (architecture promise 2)."""

from __future__ import annotations

import itertools
import random
import tempfile
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
from exchangelib.protocol import BaseProtocol, close_connections

from engine.clock import Clock
from engine.console.wiring import Platform, build_platform
from engine.site.backoff import RetryPolicy
from engine.site.directory import DirectorySettings
from engine.site.runtime import RealTimeRuntime, Runtime
from engine.site.site import Site, SiteOptions
from engine.site.state import SiteState
from mockad.app import combine
from mockad.app import create_app as directory_app
from mockad.service import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, MockDirectory
from mockews.app import create_app as ews_app
from mockews.server import ServerThread
from mockews.service import MockExchange
from mockews.store import World
from mockews.transport import InProcessAdapter, InProcessTransport

from .wiretap import WireTap

SERVICE_ACCOUNT = "svc-sync@contoso.example"
SERVICE_PASSWORD = "svc-sync-pw"
ADMIN = "admin@contoso.example"
ADMIN_PASSWORD = "correct horse battery"
EWS_VERSION = "15.1.2507.6"
_hosts = itertools.count(1)

WSGIApp = Callable[..., Iterable[bytes]]


class Outage(InProcessAdapter):
    """The in-process transport with windows (on the clock) in which requests to one
    URL prefix get no answer — the console, the archive or the directory down for a
    while."""

    def __init__(self, clock: Clock, windows: list[tuple[str, datetime, datetime]]) -> None:
        super().__init__()
        self.clock = clock
        self.windows = windows
        self.refused = 0

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        now = self.clock.now()
        for prefix, start, end in self.windows:
            if (request.url or "").startswith(prefix) and start <= now < end:
                self.refused += 1
                raise requests.ConnectionError(f"{prefix} is down", request=request)
        return super().send(request, **kwargs)


class AdminError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


@dataclass
class Testbed:
    __test__ = False  # not a pytest test class

    clock: Clock
    world: World
    exchange: MockExchange
    directory: MockDirectory
    platform: Platform
    mocks_url: str
    console_url: str
    workdir: Path
    admin_token: str = ""
    transport: str = "inprocess"
    wire: WireTap | None = None  # what sites send the platform, for oracles
    stack: ExitStack = field(default_factory=ExitStack)
    sites: list[Site] = field(default_factory=list)

    # -- the console's REST API, as an administrator ----------------------------------------------

    def call(self, method: str, path: str, json: Any = None, expect: int | None = None) -> Any:
        session = requests.Session()
        session.mount("http://", InProcessAdapter())
        reply = session.request(
            method, f"{self.console_url}{path}", json=json, headers={"Authorization": f"Bearer {self.admin_token}"}
        )
        if (expect is not None and reply.status_code != expect) or (expect is None and reply.status_code >= 400):
            raise AdminError(reply.status_code, reply.text)
        return reply.json() if reply.content else None

    def register_site(
        self, code: str = "LON", time_zone: str = "UTC", engine_version: str = "2.7.0"
    ) -> tuple[int, str]:
        answer = self.call("POST", "/api/sites", site_registration(self.mocks_url, code, time_zone, engine_version))
        key = str(answer["binding_key"])
        if self.wire is not None:
            self.wire.keys[key] = code
        return int(answer["site"]["id"]), key

    def schedule(self, name: str, spec: dict[str, Any]) -> int:
        return int(self.call("POST", "/api/schedules", {"name": name, "spec": spec})["id"])

    def definition(self, name: str, spec: dict[str, Any]) -> int:
        return int(self.call("POST", "/api/definitions", {"name": name, "spec": spec})["id"])

    def task(self, site_id: int, task_type: str, definition: int, schedule: int, group: dict[str, Any]) -> int:
        body = {
            "site_id": site_id,
            "type": task_type,
            "definition_id": definition,
            "schedule_id": schedule,
            "group": group,
        }
        return int(self.call("POST", "/api/tasks", body)["id"])

    def task_view(self, task_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", f"/api/tasks/{task_id}")
        return result

    # -- the archive, read directly through its API ----------------------------------------------------

    def archive_call(self, method: str, path: str, json: Any = None) -> Any:
        session = requests.Session()
        session.mount("http://", InProcessAdapter())
        assert self.platform.archive_url is not None
        reply = session.request(
            method,
            f"{self.platform.archive_url}{path}",
            json=json,
            headers={"Authorization": f"Bearer {self.platform.archive_token}"},
        )
        if reply.status_code >= 400:
            raise AdminError(reply.status_code, reply.text)
        return reply.json()

    def archive_read(self, path: str) -> Any:
        """An archive GET as its administrator: the answer, or None when it is not found."""
        try:
            return self.archive_call("GET", path)
        except AdminError as exc:
            if exc.status == 404:
                return None
            raise

    def site_call(self, key: str, method: str, path: str, json: Any = None) -> int:
        """A call to the archive with a site's binding key; its status."""
        session = requests.Session()
        session.mount("http://", InProcessAdapter())
        assert self.platform.archive_url is not None
        reply = session.request(
            method, f"{self.platform.archive_url}{path}", json=json, headers={"Authorization": f"Bearer {key}"}
        )
        return reply.status_code

    def view(self, mailbox: str, view: str = "live") -> dict[str, set[str]]:
        """folder name → archive keys of a mailbox's Live or Full View (see :func:`archive_view`)."""
        session = requests.Session()
        session.mount("http://", InProcessAdapter())
        assert self.platform.archive_url is not None
        return archive_view(session, self.platform.archive_url, self.platform.archive_token, mailbox, view)

    # -- sites ---------------------------------------------------------------------------------------

    def options(self, **over: Any) -> SiteOptions:
        settings = DirectorySettings(
            graph_url=f"{self.mocks_url}/v1.0",
            token_url=f"{self.mocks_url}/{self.world.domain}/oauth2/v2.0/token",
            client_id=DEFAULT_CLIENT_ID,
            client_secret=DEFAULT_CLIENT_SECRET,
        )
        base: dict[str, Any] = {
            "adapter": InProcessAdapter(),
            "directory": settings,
            "ews_auth": "basic",
            "ews_version": EWS_VERSION,
            "policy": RetryPolicy(attempts=5, first_wait=2.0),
        }
        base.update(over)
        return SiteOptions(**base)

    def site(self, key: str, runtime: Runtime | None = None, state: SiteState | None = None, **options: Any) -> Site:
        site = Site(
            self.console_url,
            key,
            state or SiteState(instance=f"site{len(self.sites) + 1}"),
            runtime or RealTimeRuntime(self.clock),
            self.options(**options),
        )
        self.sites.append(site)
        return site

    def close(self) -> None:
        for site in self.sites:
            site.stop()
        close_connections()
        self.stack.close()


def site_registration(
    mocks_url: str, code: str, time_zone: str = "UTC", engine_version: str = "2.7.0"
) -> dict[str, Any]:
    """The body of ``POST /api/sites`` for a site whose Exchange is the mock at
    ``mocks_url``, reached with the testbed's service account (impersonation)."""
    return {
        "code": code,
        "time_zone": time_zone,
        "engine_version": engine_version,
        "ews": {
            "endpoint": f"{mocks_url}/EWS/Exchange.asmx",
            "service_account": SERVICE_ACCOUNT,
            "password": SERVICE_PASSWORD,
            "impersonation": True,
        },
    }


def archive_view(
    session: requests.Session, archive_url: str, token: str, mailbox: str, view: str = "live"
) -> dict[str, set[str]]:
    """folder name → archive keys of a mailbox's Live or Full View, read through the
    archive's API as its administrator (deleted entries of the Full View carry a
    trailing " (deleted)", so do deleted folders)."""
    auth = {"Authorization": f"Bearer {token}"}
    out: dict[str, set[str]] = {}
    listed = session.get(f"{archive_url}/api/views/{mailbox}/folders", params={"view": view}, headers=auth)
    listed.raise_for_status()
    for folder in listed.json()["folders"]:
        keys: set[str] = set()
        params = {"folder": folder["id"], "view": view, "offset": 0, "limit": 1000}
        while True:
            reply = session.get(f"{archive_url}/api/views/{mailbox}/items", params=params, headers=auth)
            reply.raise_for_status()
            page = reply.json()
            for item in page["items"]:
                keys.add(item["item"] + (" (deleted)" if item.get("deleted") else ""))
            params["offset"] = int(params["offset"]) + 1000
            if int(params["offset"]) >= page["total"]:
                break
        out[folder["name"] + (" (deleted)" if folder.get("deleted") else "")] = keys
    return out


def build_testbed(world: World, clock: Clock, seed: int = 7, transport: str = "inprocess") -> Testbed:
    """Mocks and platform on ``world`` and ``clock``.  ``transport``: ``inprocess`` (the
    requests adapter calling the WSGI apps) or ``http`` (waitress on loopback)."""
    stack = ExitStack()
    workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="synceng-testbed-")))
    world.add_account(SERVICE_ACCOUNT, SERVICE_PASSWORD, can_impersonate=True)
    exchange = MockExchange(world, auth="basic")
    directory = MockDirectory(world)
    mocks: WSGIApp = combine(ews_app(exchange), directory_app(directory))
    BaseProtocol.HTTP_ADAPTER_CLS = InProcessAdapter  # unmounted hosts fall through to real HTTP
    n = next(_hosts)
    platform_host = f"platform-tb{n}.inprocess"
    if transport == "http":
        mocks_server = stack.enter_context(ServerThread(mocks, threads=4))
        mocks_url = mocks_server.url
    else:
        mocks_host = f"mocks-tb{n}.inprocess"
        InProcessTransport.mount_base(mocks, mocks_host)
        stack.callback(InProcessTransport.unmount, mocks_host)
        mocks_url = f"http://{mocks_host}"
    platform = build_platform(
        f"sqlite:///{workdir}/console.db",
        f"sqlite:///{workdir}/archive.db",
        clock,
        random.Random(seed),
        archive_url=None,
        adapter=InProcessAdapter(),
        secret_key="testbed",
    )
    wire = WireTap(platform.wsgi(), clock)
    if transport == "http":
        server = stack.enter_context(ServerThread(wire, threads=4))
        console_url = server.url
    else:
        InProcessTransport.mount_base(wire, platform_host)
        stack.callback(InProcessTransport.unmount, platform_host)
        console_url = f"http://{platform_host}"
    platform.serve_at(console_url)
    platform.connect()
    store = platform.console_store
    admin = store.create_admin(ADMIN, ADMIN_PASSWORD)
    token = store.create_api_token(admin["id"], "testbed")
    return Testbed(
        clock, world, exchange, directory, platform, mocks_url, console_url, workdir, token, transport, wire, stack
    )


__all__ = [
    "ADMIN",
    "SERVICE_ACCOUNT",
    "AdminError",
    "Outage",
    "Testbed",
    "archive_view",
    "build_testbed",
    "site_registration",
]
