"""X2 in the one back-off loop every site call goes through (engine.site.backoff):
the server's wait and at least that, else capped exponential growth with seeded
jitter; a bounded number of attempts, then the caller's failure; a non-transient
error goes straight through."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from engine.site.backoff import RetryPolicy, attempts
from engine.site.events import Cost, Event, Sleep


class Busy(Exception):
    def __init__(self, back_off: float | None = None, retry_after: float | None = None) -> None:
        super().__init__("busy")
        self.back_off = back_off
        self.retry_after = retry_after


class GaveUp(Exception):
    pass


def drive(process: Generator[Event, None, Any]) -> tuple[Any, list[float]]:
    """Run a process to its end; its result and the waits it asked for."""
    waits: list[float] = []
    try:
        while True:
            event = next(process)
            if isinstance(event, Sleep):
                waits.append(event.seconds)
    except StopIteration as stop:
        return stop.value, waits


def failing(errors: list[Exception], answer: str = "ok") -> Any:
    def call() -> str:
        if errors:
            raise errors.pop(0)
        return answer

    return call


def run(call: Any, policy: RetryPolicy | None = None) -> Generator[Event, None, Any]:
    return attempts(
        call,
        policy or RetryPolicy(attempts=5, first_wait=2.0, max_wait=10.0),
        transient=lambda exc: isinstance(exc, Busy),
        give_up=lambda exc: GaveUp(str(exc)),
        failed=Cost(ews_calls=1),
        done=lambda _: Cost(ews_calls=1),
    )


def test_X2_the_servers_wait_is_honoured_whichever_way_it_is_said() -> None:
    answer, waits = drive(run(failing([Busy(back_off=45.0), Busy(retry_after=7.0)])))
    assert (answer, waits) == ("ok", [45.0, 7.0])


def test_X2_without_a_wait_named_the_back_off_grows_with_jitter_and_is_capped() -> None:
    _, waits = drive(run(failing([Busy(), Busy(), Busy(), Busy()])))
    for attempt, wait in enumerate(waits):
        ceiling = min(10.0, 2.0 * 2**attempt)
        assert ceiling / 2 <= wait <= ceiling
    assert max(waits) <= 10.0 and len(set(waits)) == len(waits)  # jittered, never one constant
    _, again = drive(run(failing([Busy(), Busy(), Busy(), Busy()])))
    assert again == waits  # the jitter comes from the policy's seeded RNG


def test_X2_after_the_last_attempt_the_callers_failure_is_raised() -> None:
    with pytest.raises(GaveUp):
        drive(run(failing([Busy()] * 5)))


def test_a_non_transient_error_is_not_retried() -> None:
    with pytest.raises(KeyError):
        drive(run(failing([KeyError("no")])))
