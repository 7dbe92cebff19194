"""The mocks' time is injected, as the engine's is (architecture promise 1): any object
with ``now()`` (aware UTC), ``monotonic()`` and ``sleep()`` will do.  The protocol and
the wall clock come from the neutral ``clocks`` package, so the mocks stand alone like
moto — importing nothing of the engine, whose clocks satisfy the same protocol."""

from __future__ import annotations

from clocks import Clock
from clocks import WallClock as SystemClock  # real time, for a world nobody gave a clock

__all__ = ["Clock", "SystemClock"]
