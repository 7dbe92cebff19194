"""Mock Exchange benchmarks (`synceng bench ews`).

Each figure is measured beside a baseline in the same run, and reported with the
ratio to it (never as an absolute pass/fail):

* ``mock_render_ms_per_512`` — median time for the mock to answer a 512-change IdOnly
  SyncFolderItems page in-process (parse request, compute changes, render), beside
  lxml merely parsing the same page;
* ``exchangelib_sync_items_per_s_{inprocess,http}`` — what the real client consumes
  through ``sync_items()`` over a 10,000-item folder, on both transports;
* ``ews_pages_per_s_http`` — 512-change pages per second over keep-alive HTTP from a
  separate load process, beside a canned-page WSGI app on the same server;
* ``bytes_per_message`` — memory per stored message (metadata: no body, no
  attachments), measured with tracemalloc.

Results are a JSON list of ``{"name", "unit", "value", "extra"}`` entries.
"""

from __future__ import annotations

import gc
import http.client
import logging
import multiprocessing as mp
import time
import tracemalloc
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import etree

from bench.results import Echo, Result, Step, beside, median_ms, result, run_steps
from engine.clock import ManualClock
from mockews.app import create_app
from mockews.server import ServerThread
from mockews.service import MockExchange
from mockews.store import World
from mockews.store.loader import new_message

OWNER = "bench@contoso.example"
SERVICE = "svc@contoso.example"
PASSWORD = "bench-pw"


def build_world(items: int, seed: int = 1) -> tuple[World, str]:
    """A mailbox whose Inbox holds ``items`` realistic messages (metadata only)."""
    world = World(seed=seed, clock=ManualClock(datetime(2024, 1, 1, tzinfo=UTC)))
    mailbox = world.provision_mailbox(OWNER, "Bench Owner", password=PASSWORD)
    world.add_account(SERVICE, PASSWORD, can_impersonate=True)
    inbox = mailbox.well_known("inbox")
    base = datetime(2023, 1, 1, tzinfo=UTC)
    senders = [(f"Sender {n}", f"sender{n}@example.org") for n in range(50)]
    for n in range(items):
        when = base + timedelta(minutes=7 * n)
        new_message(
            mailbox,
            inbox,
            subject=f"Re: project status update number {n}",
            sender=senders[n % len(senders)],
            to=[("Bench Owner", OWNER)],
            received=when,
            sent=when - timedelta(seconds=30),
            is_read=n % 3 == 0,
            message_id=f"<{n:08d}.bench@example.org>",
            size=2000 + n % 5000,
        )
    return world, inbox.id


def sync_request(folder_id: str, max_changes: int = 512, state: str | None = None) -> bytes:
    state_xml = f"<m:SyncState>{state}</m:SyncState>" if state else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
        'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Header>'
        '<t:RequestServerVersion Version="Exchange2016"/><t:ExchangeImpersonation><t:ConnectingSID>'
        f"<t:PrimarySmtpAddress>{OWNER}</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>"
        "</s:Header><s:Body><m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>"
        f'<m:SyncFolderId><t:FolderId Id="{folder_id}"/></m:SyncFolderId>{state_xml}'
        f"<m:MaxChangesReturned>{max_changes}</m:MaxChangesReturned></m:SyncFolderItems></s:Body></s:Envelope>"
    ).encode()


# -- 1. page render ------------------------------------------------------------------------


def bench_render(items: int, repeat: int) -> Result:
    world, folder_id = build_world(items)
    service = MockExchange(world, auth="none")
    request = sync_request(folder_id)
    reply = service.handle(request)
    assert reply.status == 200 and reply.body.count(b"<t:Create>") == 512, reply.body[:500]
    mock_ms = median_ms(lambda: service.handle(request), repeat)
    lxml_ms = median_ms(lambda: etree.fromstring(reply.body), repeat)
    return result(
        "mock_render_ms_per_512",
        "ms",
        mock_ms,
        **beside("lxml parsing the same page", "baseline_ms", mock_ms, lxml_ms),
        page_bytes=len(reply.body),
        folder_items=items,
        repeat=repeat,
    )


# -- 2. exchangelib sync_items on both transports -------------------------------------------


def _exchangelib_items_per_s(url: str, only_ids: bool) -> tuple[float, int]:
    from exchangelib import BASIC, IMPERSONATION, Account, Build, Configuration, Credentials, Version
    from exchangelib.protocol import close_connections

    config = Configuration(
        service_endpoint=url,
        credentials=Credentials(SERVICE, PASSWORD),
        auth_type=BASIC,
        version=Version(build=Build(15, 1, 2507, 6)),
    )
    account = Account(OWNER, config=config, access_type=IMPERSONATION, autodiscover=False)
    inbox = account.inbox
    only = ["id", "changekey"] if only_ids else None
    started = time.perf_counter()
    count = sum(1 for _ in inbox.sync_items(only_fields=only, max_changes_returned=512))
    elapsed = time.perf_counter() - started
    close_connections()
    return count / elapsed, count


def bench_exchangelib(items: int) -> list[Result]:
    from exchangelib.protocol import BaseProtocol

    from mockews.transport import InProcessAdapter, InProcessTransport

    BaseProtocol.HTTP_ADAPTER_CLS = InProcessAdapter
    results = []
    figures: dict[tuple[str, bool], float] = {}
    for transport in ("inprocess", "http"):
        for only_ids in (True, False):
            world, _ = build_world(items)
            app = create_app(MockExchange(world, auth="basic"))
            if transport == "inprocess":
                url = InProcessTransport.mount(app)
                rate, count = _exchangelib_items_per_s(url, only_ids)
                InProcessTransport.unmount(url)
            else:
                with ServerThread(app, threads=4) as server:
                    rate, count = _exchangelib_items_per_s(f"{server.url}/EWS/Exchange.asmx", only_ids)
            assert count == items, (count, items)
            figures[(transport, only_ids)] = rate
    for transport in ("inprocess", "http"):
        results.append(
            result(
                f"exchangelib_sync_items_per_s_{transport}",
                "items/s",
                figures[(transport, True)],
                shape="IdOnly",
                all_fields_items_per_s=round(figures[(transport, False)], 1),
                folder_items=items,
                page=512,
                ratio_inprocess_to_http=round(figures[("inprocess", True)] / figures[("http", True)], 2),
            )
        )
    return results


# -- 3. pages per second over keep-alive HTTP ------------------------------------------------


def _load_worker(host: str, port: int, body: bytes, seconds: float, connections: int, out: Any) -> None:
    """Runs in its own process: ``connections`` keep-alive connections, pipelined one
    request each at a time, round robin."""
    import selectors

    selector = selectors.DefaultSelector()
    conns = []
    for _ in range(connections):
        conn = http.client.HTTPConnection(host, port, timeout=30)
        conn.connect()
        conns.append(conn)
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    done = 0
    errors = 0
    deadline = time.perf_counter() + seconds
    pending = []
    for conn in conns:
        conn.request("POST", "/EWS/Exchange.asmx", body=body, headers=headers)
        pending.append(conn)
    for conn in pending:
        selector.register(conn.sock, selectors.EVENT_READ, conn)
    while time.perf_counter() < deadline:
        for key, _ in selector.select(timeout=1.0):
            conn = key.data
            response = conn.getresponse()
            payload = response.read()
            if response.status == 200 and len(payload) > 1000:
                done += 1
            else:
                errors += 1
            selector.unregister(conn.sock)
            conn.request("POST", "/EWS/Exchange.asmx", body=body, headers=headers)
            selector.register(conn.sock, selectors.EVENT_READ, conn)
    elapsed = seconds
    for conn in conns:
        conn.close()
    out.put((done / elapsed, errors))


def _pages_per_s(
    app: Callable[..., Iterable[bytes]], body: bytes, seconds: float, connections: int, threads: int
) -> tuple[float, int]:
    # Under deliberate load waitress warns "Task queue depth is N" for every queued
    # request: thousands of lines that say only that the benchmark is loading it.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    with ServerThread(app, threads=threads) as server:
        queue: Any = mp.get_context("spawn").Queue()
        worker = mp.get_context("spawn").Process(
            target=_load_worker, args=(server.host, server.port, body, seconds, connections, queue)
        )
        worker.start()
        rate, errors = queue.get(timeout=seconds + 60)
        worker.join(timeout=30)
    return float(rate), int(errors)


def _canned_app(payload: bytes) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(payload)))])
        return [payload]

    return app


def bench_http_pages(items: int, seconds: float, connections: int = 4, threads: int = 4) -> Result:
    world, folder_id = build_world(items)
    service = MockExchange(world, auth="none")
    body = sync_request(folder_id)
    page = service.handle(body).body
    mock_rate, mock_errors = _pages_per_s(create_app(service), body, seconds, connections, threads)
    canned_rate, _ = _pages_per_s(_canned_app(page), body, seconds, connections, threads)
    return result(
        "ews_pages_per_s_http",
        "pages/s",
        mock_rate,
        **beside(
            "a canned-page WSGI app on the same waitress server", "baseline_pages_per_s", mock_rate, canned_rate, 3
        ),
        errors=mock_errors,
        page_bytes=len(page),
        connections=connections,
        seconds=seconds,
        server=f"waitress, {threads} threads, keep-alive",
    )


# -- 4. memory per stored message ------------------------------------------------------------


def bench_memory(items: int) -> Result:
    gc.collect()
    world, _ = build_world(0)
    mailbox = world.mailbox(OWNER)
    inbox = mailbox.well_known("inbox")
    senders = [(f"Sender {n}", f"sender{n}@example.org") for n in range(50)]
    base = datetime(2023, 1, 1, tzinfo=UTC)
    # Prepare inputs before measuring, so only what the store keeps is counted.
    subjects = [f"Re: project status update number {n}" for n in range(items)]
    ids = [f"<{n:08d}.bench@example.org>" for n in range(items)]
    when = [base + timedelta(minutes=7 * n) for n in range(items)]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for n in range(items):
        new_message(
            mailbox,
            inbox,
            subject=subjects[n],
            sender=senders[n % len(senders)],
            to=[("Bench Owner", OWNER)],
            received=when[n],
            sent=when[n],
            is_read=n % 3 == 0,
            message_id=ids[n],
            size=2000,
        )
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    # The subject and Message-ID strings were allocated before measuring and are now
    # referenced by the store: add them, as a real load would allocate them.
    strings = sum(len(s) + 49 for s in subjects) + sum(len(s) + 49 for s in ids)
    per_message = (after - before + strings) / items
    return result(
        "bytes_per_message",
        "bytes",
        per_message,
        items=items,
        note="metadata only (no body, no attachments); subject and Message-ID strings included",
        target_bytes=2048,
    )


# -- driver ------------------------------------------------------------------------------------


def run_ews_benchmarks(quick: bool = False, echo: Echo = print) -> list[Result]:
    items = 2_000 if quick else 10_000
    steps: list[Step] = [
        ("render", lambda: bench_render(items, repeat=20 if quick else 101)),
        ("exchangelib", lambda: bench_exchangelib(items)),
        ("http pages", lambda: bench_http_pages(items, seconds=2.0 if quick else 8.0)),
        ("memory", lambda: bench_memory(20_000 if quick else 100_000)),
    ]
    return run_steps("bench ews", steps, echo)
