"""Back-off on the runtime's clock (X2), one loop for every kind of call the site makes
— EWS through exchangelib, the archive, the directory: what the server asked for
(ErrorServerBusy's BackOffMilliseconds, an HTTP Retry-After) and at least that, else
capped exponential growth with jitter from a seeded RNG; a bounded number of attempts,
then the caller's own failure."""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TypeVar

from .events import Cost, Event, Sleep

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    first_wait: float = 2.0  # seconds, doubled per attempt when the server names none
    max_wait: float = 300.0
    jitter: float = 0.5  # an exponential wait is cut by up to this share, at random
    rng: random.Random = field(default_factory=lambda: random.Random(0), compare=False, repr=False)

    def wait(self, attempt: int, exc: BaseException) -> float:
        """What the server asked for — ErrorServerBusy's BackOffMilliseconds (exchangelib
        hands it over in seconds) or an HTTP Retry-After — and at least that; when it
        names nothing, exponential (first_wait · 2^attempt, capped at max_wait) with
        jitter, so clients that failed together do not come back together."""
        asked = getattr(exc, "back_off", None) or getattr(exc, "retry_after", None)
        if asked:
            return float(asked)
        ceiling = min(self.max_wait, self.first_wait * 2**attempt)
        return float(ceiling * (1.0 - self.jitter * self.rng.random()))


def attempts(
    call: Callable[[], T],
    policy: RetryPolicy,
    transient: Callable[[BaseException], bool],
    give_up: Callable[[BaseException], Exception],
    failed: Cost | Callable[[], Cost],
    done: Callable[[T], Cost] | None = None,
    reason: str = "back-off",
) -> Generator[Event, None, T]:
    """Run ``call`` until it answers, backing off after each ``transient`` failure
    (the cost of a failed attempt is ``failed``; of the one that answered, ``done``'s,
    or the caller's to yield).  After ``policy.attempts`` the caller's ``give_up``
    exception is raised; anything not transient goes straight through."""
    for attempt in range(policy.attempts):
        try:
            result = call()
        except Exception as exc:
            if not transient(exc):
                raise
            if attempt + 1 >= policy.attempts:
                raise give_up(exc) from exc
            yield failed if isinstance(failed, Cost) else failed()
            yield Sleep(policy.wait(attempt, exc), f"{reason} ({type(exc).__name__})")
            continue
        if done is not None:
            yield done(result)
        return result
    raise AssertionError("unreachable")


__all__ = ["RetryPolicy", "attempts"]
