"""The mocks' time is injected, as the engine's is (architecture promise 1): any object
with ``now()`` (aware UTC), ``monotonic()`` and ``sleep()`` will do.  The protocol is
the mocks' own, so they stand alone like moto — the engine's and the simulations'
clocks satisfy it structurally, neither package importing the other."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for intervals)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` on this clock."""
        ...


class SystemClock:
    """Real time, for a world nobody gave a clock (a mock served on its own)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


__all__ = ["Clock", "SystemClock"]
