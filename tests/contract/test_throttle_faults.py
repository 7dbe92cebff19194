"""Throttling budgets and injected faults, as exchangelib sees them."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from exchangelib import Account, Message
from exchangelib.errors import (
    ErrorInvalidSyncStateData,
    ErrorMailboxStoreUnavailable,
    ErrorServerBusy,
    ErrorTimeoutExpired,
)

from engine.clock import ManualClock
from mockews.faults import FaultRule
from mockews.service import MockExchange
from mockews.throttle import ThrottlePolicy

from ..conftest import ALICE, START


def test_rate_budget_answers_server_busy_with_back_off(
    alice: Account, service: MockExchange, clock: ManualClock
) -> None:
    alice.inbox.refresh()
    service.admin.set_throttle(ThrottlePolicy(rate=1.0, burst=2))
    alice.inbox.refresh()
    alice.inbox.refresh()
    with pytest.raises(ErrorServerBusy) as caught:
        alice.inbox.refresh()
    assert caught.value.back_off is not None and 0 < caught.value.back_off <= 1.0
    clock.advance(caught.value.back_off)  # the budget refills on the injected clock
    alice.inbox.refresh()


def test_concurrency_budget(service: MockExchange) -> None:
    service.throttle.configure(ThrottlePolicy(max_concurrency=2, concurrency_back_off_ms=250))
    release = threading.Event()
    entered = threading.Barrier(3)

    def hold() -> None:
        with service.throttle.slot("svc@contoso.example"):
            entered.wait()
            release.wait(5)

    holders = [threading.Thread(target=hold) for _ in range(2)]
    for h in holders:
        h.start()
    entered.wait()
    try:
        from mockews.errors import ErrorServerBusy as StoreBusy

        with pytest.raises(StoreBusy) as caught, service.throttle.slot("SVC@contoso.example"):
            pass
        assert caught.value.back_off_ms == 250
        with service.throttle.slot("other@contoso.example"):  # budgets are per account
            pass
    finally:
        release.set()
        for h in holders:
            h.join()


@pytest.mark.parametrize(
    ("kind", "expected", "message"),
    [
        ("ErrorServerBusy", ErrorServerBusy, "server cannot service"),
        # exchangelib's fail-fast policy re-raises transient errors as ErrorServerBusy
        ("ErrorInternalServerTransientError", ErrorServerBusy, "ErrorInternalServerTransientError"),
        ("ErrorMailboxStoreUnavailable", ErrorMailboxStoreUnavailable, "temporarily unavailable"),
        ("http503", ErrorServerBusy, "HTTP 503"),
        # a dropped connection is ErrorTimeoutExpired, re-raised as busy when exchangelib
        # still has sessions to give up
        ("drop", (ErrorServerBusy, ErrorTimeoutExpired), "dropped|IncompleteRead"),
    ],
)
def test_injected_faults(
    alice: Account,
    service: MockExchange,
    kind: str,
    expected: type[Exception] | tuple[type[Exception], ...],
    message: str,
) -> None:
    alice.inbox.refresh()
    service.admin.add_fault(FaultRule(kind=kind, operation="GetFolder", count=1, back_off_ms=2500))  # type: ignore[arg-type]
    with pytest.raises(expected, match=message) as caught:
        alice.inbox.refresh()
    if kind == "ErrorServerBusy":
        assert caught.value.back_off == 2.5  # type: ignore[attr-defined]
    alice.inbox.refresh()  # count=1: the next call succeeds
    Message(account=alice, folder=alice.inbox, subject="other operations are untouched").save()


def test_fault_windows_follow_the_injected_clock(alice: Account, service: MockExchange, clock: ManualClock) -> None:
    now = clock.now()
    service.admin.add_fault(
        FaultRule(kind="ErrorServerBusy", start=now + timedelta(minutes=10), end=now + timedelta(minutes=20))
    )
    alice.inbox.refresh()
    clock.advance(11 * 60)
    with pytest.raises(ErrorServerBusy):
        alice.inbox.refresh()
    clock.advance(10 * 60)
    alice.inbox.refresh()


def test_probabilistic_faults_are_deterministic_by_seed(service: MockExchange) -> None:
    def pattern(seed: int) -> list[bool]:
        service.faults.clear(seed)
        service.faults.add(FaultRule(kind="ErrorServerBusy", probability=0.3))
        return [service.faults.decide("GetItem", ALICE).error is not None for _ in range(200)]

    first, again, other = pattern(5), pattern(5), pattern(6)
    assert first == again and first != other
    assert 30 < sum(first) < 90


def test_latency_faults_sleep_on_the_injected_clock(alice: Account, service: MockExchange, clock: ManualClock) -> None:
    alice.inbox.refresh()
    before = clock.monotonic()
    service.admin.add_fault(FaultRule(kind="latency", latency_ms=30_000, operation="GetFolder"))
    alice.inbox.refresh()
    assert clock.monotonic() - before >= 30.0  # 30 simulated seconds, no real waiting


def test_fault_scoped_to_a_mailbox(connect: object, service: MockExchange) -> None:
    from ..conftest import BOB

    service.admin.add_fault(FaultRule(kind="ErrorMailboxStoreUnavailable", mailbox=BOB))
    connect(ALICE).inbox.refresh()  # type: ignore[operator]
    with pytest.raises(ErrorMailboxStoreUnavailable):
        connect(BOB).inbox.refresh()  # type: ignore[operator]


def test_invalidated_sync_states(alice: Account, service: MockExchange) -> None:
    list(alice.inbox.sync_items())
    state = alice.inbox.item_sync_state
    assert service.admin.invalidate_sync_states(folder_id=alice.inbox.id) == 1
    with pytest.raises(ErrorInvalidSyncStateData):
        list(alice.inbox.sync_items(sync_state=state))
    assert START.tzinfo is not None
