"""pytest-benchmark groups for the mock Exchange (opt-in: ``python -m pytest bench``).

Each group pairs the measured path with a baseline run side by side; compare them in
the pytest-benchmark table (ratios, not absolute limits).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lxml import etree

from bench.ews import OWNER, PASSWORD, SERVICE, build_world, sync_request
from mockews.service import MockExchange

ITEMS = 10_000


@pytest.fixture(scope="module")
def service_and_folder() -> tuple[MockExchange, str]:
    world, folder_id = build_world(ITEMS)
    return MockExchange(world, auth="none"), folder_id


@pytest.mark.benchmark(group="sync-page-512")
def test_mock_answers_a_512_change_page(benchmark: object, service_and_folder: tuple[MockExchange, str]) -> None:
    service, folder_id = service_and_folder
    request = sync_request(folder_id)
    reply = benchmark(service.handle, request)  # type: ignore[operator]
    assert reply.body.count(b"<t:Create>") == 512


@pytest.mark.benchmark(group="sync-page-512")
def test_baseline_lxml_parses_the_same_page(benchmark: object, service_and_folder: tuple[MockExchange, str]) -> None:
    service, folder_id = service_and_folder
    page = service.handle(sync_request(folder_id)).body
    root = benchmark(etree.fromstring, page)  # type: ignore[operator]
    assert root is not None


@pytest.fixture
def inprocess_account() -> Iterator[object]:
    from exchangelib import BASIC, IMPERSONATION, Account, Build, Configuration, Credentials, Version
    from exchangelib.protocol import BaseProtocol, close_connections

    from mockews.app import create_app
    from mockews.transport import InProcessAdapter, InProcessTransport

    BaseProtocol.HTTP_ADAPTER_CLS = InProcessAdapter
    world, _ = build_world(2_000)
    url = InProcessTransport.mount(create_app(MockExchange(world, auth="basic")))
    config = Configuration(
        service_endpoint=url,
        credentials=Credentials(SERVICE, PASSWORD),
        auth_type=BASIC,
        version=Version(build=Build(15, 1, 2507, 6)),
    )
    yield Account(OWNER, config=config, access_type=IMPERSONATION, autodiscover=False)
    close_connections()
    InProcessTransport.unmount(url)


@pytest.mark.benchmark(group="exchangelib-sync-2000")
def test_exchangelib_sync_items_id_only(benchmark: object, inprocess_account: object) -> None:
    inbox = inprocess_account.inbox  # type: ignore[attr-defined]

    def run() -> int:
        return sum(1 for _ in inbox.sync_items(only_fields=["id", "changekey"], max_changes_returned=512))

    assert benchmark(run) == 2_000  # type: ignore[operator]


@pytest.mark.benchmark(group="exchangelib-sync-2000")
def test_exchangelib_sync_items_all_fields(benchmark: object, inprocess_account: object) -> None:
    inbox = inprocess_account.inbox  # type: ignore[attr-defined]

    def run() -> int:
        return sum(1 for _ in inbox.sync_items(max_changes_returned=512))

    assert benchmark.pedantic(run, rounds=3) == 2_000  # type: ignore[attr-defined]
