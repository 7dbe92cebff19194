"""Injected time (architecture promise 1: one engine, two clocks).

Nothing in the engine, the console, the archive or the mocks reads the wall clock
directly; each takes a :class:`Clock` (the protocol and the wall clock live in the
neutral ``clocks`` package the mocks share).  Here: the engine's manual clock and the
SimPy clock of simulations.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from clocks import Clock as Clock  # re-exported: the engine's modules take their clock from here
from clocks import WallClock as WallClock

if TYPE_CHECKING:
    import simpy


EPOCH_2024 = datetime(2024, 1, 1, tzinfo=UTC)


class ManualClock:
    """A clock that moves only when told to (tests, deterministic worlds).

    ``sleep`` advances the clock instead of waiting, so code that backs off on the
    injected clock runs instantly and deterministically.  With ``tick`` set, every
    ``now()`` call advances the clock by that much, giving distinct timestamps to
    successive events without any wall-clock dependency.
    """

    def __init__(self, start: datetime = EPOCH_2024, tick: timedelta = timedelta(0)) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock start must be timezone-aware")
        self._now = start.astimezone(UTC)
        self._origin = self._now
        self._tick = tick
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            current = self._now
            self._now = current + self._tick
            return current

    def monotonic(self) -> float:
        with self._lock:
            return (self._now - self._origin).total_seconds()

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go back")
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def set(self, when: datetime) -> None:
        when = when.astimezone(UTC)
        with self._lock:
            if when < self._now:
                raise ValueError("a clock cannot go back")
            self._now = when

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.advance(seconds)


class SimClock:
    """The SimPy environment's clock: ``env.now`` is seconds since ``start``.

    Time moves only when a SimPy process waits, so ``sleep`` cannot block here: code
    that runs on both clocks yields a wait to its runtime instead (engine.site.runtime),
    and a blocking ``sleep`` on this clock is a programming error.
    """

    def __init__(self, env: simpy.Environment, start: datetime = EPOCH_2024) -> None:
        if start.tzinfo is None:
            raise ValueError("SimClock start must be timezone-aware")
        self.env = env
        self._start = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._start + timedelta(seconds=float(self.env.now))

    def monotonic(self) -> float:
        return float(self.env.now)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            raise RuntimeError("a SimClock cannot block: yield a Sleep to the runtime instead")
