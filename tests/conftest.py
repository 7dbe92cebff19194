"""Shared fixtures: a deterministic world, the mock served on both transports, and
exchangelib accounts against it (the real client is the judge of fidelity)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from exchangelib import BASIC, DELEGATE, IMPERSONATION, Account, Build, Configuration, Credentials, Version
from exchangelib.protocol import BaseProtocol, close_connections
from hypothesis import settings

from engine.clock import ManualClock
from mockews.app import create_app
from mockews.server import ServerThread
from mockews.service import MockExchange
from mockews.store import World
from mockews.transport import InProcessAdapter, InProcessTransport

from . import postgres

pytest_plugins = ["pytester"]  # tests/unit/test_pytest_plugin.py runs test files as a user would

# Property tests are deterministic (same examples every run) and leave no database in
# the checkout; run with --hypothesis-profile=explore for a fresh random search.
settings.register_profile("default", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, database=None, max_examples=1000)
settings.load_profile("default")

#: the long tier (`slow`): what takes the suite past a developer's few minutes.  The
#: README's test command (scripts/test) leaves it out; `scripts/test --slow` runs it, and
#: .ci/run runs both.  Each entry says why it is long.
SLOW_MODULES = {
    "tests/scenarios/test_simulation.py": "every built-in scenario and 1,000 mailboxes simulated",
    "tests/scenarios/test_mutations.py": "a simulated scenario per broken rule",
    "tests/scenarios/test_sharding.py": "Dask clusters of worker processes",
    "tests/console/test_fuzz.py": "schemathesis over every operation",
    "tests/console/test_pages_seen.py": "Chromium: a screenshot of every page",
    "tests/console/test_browser.py": "Chromium",
    "tests/console/test_browser_forms.py": "Chromium",
    "tests/console/test_browser_folders.py": "Chromium",
    "tests/console/test_browser_times.py": "Chromium",
    "tests/console/test_browser_login.py": "Chromium",
    "tests/engine/test_archive_property.py": "Hypothesis over the archive on both databases",
    "tests/contract/test_calendar_recurrence.py": "Hypothesis over recurrence patterns",
    "tests/cli/test_up.py": "the whole stack in real time",
    "tests/cli/test_populate_cli.py": "tenants populated through EWS",
    "tests/cli/test_serve_workers.py": "gunicorn workers on PostgreSQL",
    "tests/cli/test_concurrent_sites.py": "three sites and two console workers in real time",
    "tests/unit/test_pytest_plugin.py": "whole test files run by pytester, tenants generated",
}


#: the modules whose tests take a minute or more each (scripts/test --slow's tail)
LONGEST = {
    "tests/scenarios/test_simulation.py",
    "tests/cli/test_concurrent_sites.py",
    "tests/scenarios/test_sharding.py",
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the long tier: the modules above, every console and archive test's run on
    PostgreSQL (the quick tier runs them on SQLite), and every test's run over the
    in-process transport (the quick tier reaches the mock over loopback HTTP, as a real
    client does)."""
    for item in items:
        path = item.nodeid.split("::")[0]
        params = getattr(item, "callspec", None)
        chosen = params.params if params is not None else {}
        if path in SLOW_MODULES or chosen.get("databases") == "postgresql" or chosen.get("transport") == "inprocess":
            item.add_marker(pytest.mark.slow)
    # the longest tests first: started last, one of them would keep a worker busy alone
    # at the end while the other has nothing left to take
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in LONGEST)


# Unmounted hosts fall through to a normal HTTP adapter, so this is safe globally.
BaseProtocol.HTTP_ADAPTER_CLS = InProcessAdapter

DOMAIN = "contoso.example"
ALICE = f"alice@{DOMAIN}"
BOB = f"bob@{DOMAIN}"
CAROL = f"carol@{DOMAIN}"
SVC = f"svc@{DOMAIN}"
PASSWORD = "secret-1"
SVC_PASSWORD = "svc-secret"
EXCHANGE_2016 = Version(build=Build(15, 1, 2507, 6))
START = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def make_world(seed: int = 7) -> World:
    # Delivery at once: the contract tests of other features read the Inbox right after a
    # send (tests/contract/test_delivery.py sets a delay).
    world = World(seed=seed, clock=ManualClock(START, tick=timedelta(seconds=1)), domain=DOMAIN, delivery_delay_s=0)
    world.provision_mailbox(ALICE, "Alice Martin", password=PASSWORD)
    world.provision_mailbox(BOB, "Bob Nguyen", password=PASSWORD)
    world.provision_mailbox(CAROL, "Carol Schmidt", password=PASSWORD)
    world.add_account(SVC, SVC_PASSWORD, can_impersonate=True)
    world.accounts[BOB].full_access.add(CAROL)  # Bob is Carol's delegate
    directory = world.directory
    alice = directory.user_by_mail(ALICE)
    bob = directory.user_by_mail(BOB)
    carol = directory.user_by_mail(CAROL)
    assert alice and bob and carol
    inner = directory.add_group("Engineering", f"engineering@{DOMAIN}", "distribution", members=[alice.id, bob.id])
    outer = directory.add_group("All Staff", f"all-staff@{DOMAIN}", "distribution", members=[inner.id, carol.id])
    directory.add_member(inner.id, outer.id)  # a cycle: tolerated
    return world


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture
def clock(world: World) -> ManualClock:
    assert isinstance(world.clock, ManualClock)
    return world.clock


#: how a contract test reaches Alice's mailbox: (server auth mode, exchangelib access)
MODES = {
    "basic-impersonation": ("basic", IMPERSONATION),
    "basic-delegate": ("basic", DELEGATE),
    "none-impersonation": ("none", IMPERSONATION),
}
#: parametrize a contract module over every mode (two transports each)
every_mode = pytest.mark.parametrize("mode", list(MODES), indirect=True)


@pytest.fixture
def mode(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "basic-impersonation"))


@pytest.fixture
def service(world: World, mode: str) -> MockExchange:
    return MockExchange(world, auth=MODES[mode][0])


@pytest.fixture(params=["inprocess", "http"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def endpoint(service: MockExchange, transport: str) -> Iterator[str]:
    app = create_app(service)
    if transport == "inprocess":
        url = InProcessTransport.mount(app)
        yield url
        InProcessTransport.unmount(url)
    else:
        with ServerThread(app, threads=4) as server:
            yield f"{server.url}/EWS/Exchange.asmx"
    close_connections()


Connect = Callable[..., Account]


@pytest.fixture
def connect(endpoint: str) -> Connect:
    """connect(mailbox, user=SVC, password=SVC_PASSWORD, access=IMPERSONATION, probe=False)"""

    def _connect(
        mailbox: str = ALICE,
        user: str = SVC,
        password: str = SVC_PASSWORD,
        access: str = IMPERSONATION,
        probe: bool = False,
    ) -> Account:
        credentials = Credentials(user, password)
        if probe:
            config = Configuration(service_endpoint=endpoint, credentials=credentials, auth_type=None, version=None)
        else:
            config = Configuration(
                service_endpoint=endpoint, credentials=credentials, auth_type=BASIC, version=EXCHANGE_2016
            )
        return Account(mailbox, config=config, access_type=access, autodiscover=False)

    return _connect


@pytest.fixture
def alice(connect: Connect, mode: str) -> Account:
    if MODES[mode][1] == DELEGATE:
        return connect(ALICE, user=ALICE, password=PASSWORD, access=DELEGATE)
    return connect(ALICE)


__all__ = ["ALICE", "BOB", "CAROL", "DELEGATE", "DOMAIN", "IMPERSONATION", "PASSWORD", "SVC", "SVC_PASSWORD"]


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[str]:
    """A PostgreSQL server for this pytest process (tests/postgres.py): started on first
    use, stopped at the end.  Skips only when PostgreSQL is not installed (scripts/test
    installs it)."""
    with postgres.cluster() as url:
        if url is None:
            pytest.skip("PostgreSQL is not installed (scripts/test installs Debian's postgresql)")
        yield url
