"""Injected time, neutral ground (architecture promise 1: one engine, two clocks):
the :class:`Clock` protocol every time-dependent part takes — the engine, the console,
the archive and the mocks — and the wall clock, the one place that reads the system
clock.  The engine adds its manual and simulated clocks (engine.clock); the mocks
import only this, so they stand alone like moto, as the serving in ``wsgiserver`` does.

``now()`` is timezone-aware UTC and ``monotonic()`` is seconds for measuring
intervals (budgets, back-off windows).
"""

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


class WallClock:
    """Real time: the only place that reads the system clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


__all__ = ["Clock", "WallClock"]
