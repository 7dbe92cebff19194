"""What the engine's processes yield to their runtime (architecture: "How the engine
meets the SimPy clock").

A site's processes — its console poll loop, one scheduler per task, the executions —
are generators.  They do real work (HTTP to the console, the archive, the directory;
EWS through exchangelib) between yields, and yield:

* :class:`Cost` — the work just done (EWS calls, items, bytes, other HTTP calls).  The
  real-time runtime has already spent that time and simply lets other processes run;
  the SimPy runtime turns it into simulated time with a latency model, so a running
  execution lasts a while and "Running" is observable.
* :class:`Sleep` — wait this long on the runtime's clock (a poll interval, the time to
  the next scheduled slot, an EWS back-off), or until ``alarm`` rings.

Nothing here reads a clock or blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Cost:
    ews_calls: int = 0
    items: int = 0
    bytes: int = 0
    http_calls: int = 0


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float
    reason: str = ""
    alarm: Alarm | None = None


Event = Cost | Sleep
Process = Generator[Event, None, None]


class Refusal(Exception):
    """A process that stops on a reason it states (a task that is not the site's, a
    key the console refuses): the runtime records it without a traceback."""


class Alarm:
    """Wakes a process sleeping on it before its time (a changed schedule, a stop).

    A ring with nobody asleep is kept: the next :class:`Sleep` on this alarm returns at
    once, so a wake-up can never be lost between a check and a sleep.
    """

    def __init__(self) -> None:
        self._waiter: Callable[[], None] | None = None
        self._pending = False

    def ring(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None:
            waiter()
        else:
            self._pending = True

    def arm(self, waiter: Callable[[], None]) -> bool:
        """For runtimes: register the sleeper; False if a ring is already pending
        (the sleep ends at once)."""
        if self._pending:
            self._pending = False
            return False
        self._waiter = waiter
        return True

    def disarm(self) -> None:
        self._waiter = None


__all__ = ["Alarm", "Cost", "Event", "Process", "Sleep"]
