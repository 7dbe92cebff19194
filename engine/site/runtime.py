"""The two runtimes that drive a site's processes (see events.py).

* :class:`RealTimeRuntime` — a cooperative loop on an injected clock: a process runs
  until it yields; ``Cost`` lets the others have a turn, ``Sleep`` parks it until its
  time (``clock.sleep`` covers the gap, so with a ``ManualClock`` a test runs a day of
  schedules in milliseconds, and with the wall clock it is the real engine).
* :class:`SimPyRuntime` — each process is a SimPy process; ``Cost`` becomes
  ``env.timeout(latency(cost))`` and ``Sleep`` a timeout (or the alarm, if sooner).

Both run the very same generators.  A process that raises is recorded on its handle
and logged; the other processes go on.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.clock import Clock

from .events import Alarm, Cost, Process, Refusal, Sleep

log = logging.getLogger(__name__)


@dataclass
class Handle:
    """A spawned process: whether it finished, and how."""

    name: str
    done: bool = False
    error: BaseException | None = None
    process: Any = field(default=None, repr=False)  # the SimPy process, under SimPyRuntime


class Runtime(Protocol):
    clock: Clock

    def spawn(self, process: Process, name: str) -> Handle: ...


@dataclass(frozen=True)
class LatencyModel:
    """Simulated seconds a piece of work takes (SimPy runtime only).  The defaults are
    loopback-to-LAN figures for EWS: ~20 ms a call plus ~0.2 ms an item."""

    per_ews_call: float = 0.02
    per_item: float = 0.0002
    per_kilobyte: float = 0.00005
    per_http_call: float = 0.01

    def __call__(self, cost: Cost) -> float:
        return (
            cost.ews_calls * self.per_ews_call
            + cost.items * self.per_item
            + cost.bytes / 1024 * self.per_kilobyte
            + cost.http_calls * self.per_http_call
        )


def next_event(handle: Handle, process: Process) -> Any:
    """The process's next event, or None when it has ended — returned, refused (a
    :class:`Refusal`, logged without a traceback) or failed: a broken process must not
    stop the site, on either clock.  The handle records how it ended."""
    try:
        return next(process)
    except StopIteration:
        handle.done = True
    except Refusal as exc:
        log.info("process %s stopped: %s", handle.name, exc)
        handle.done, handle.error = True, exc
    except Exception as exc:
        log.exception("process %s failed", handle.name)
        handle.done, handle.error = True, exc
    return None


class RealTimeRuntime:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._queue: list[tuple[float, int, Handle, Process]] = []
        self._order = itertools.count()
        self._armed: dict[int, Alarm] = {}  # sleeps an alarm may end early, by queue entry
        self._cancelled: set[int] = set()  # queue entries superseded by a ring
        self.handles: list[Handle] = []

    def spawn(self, process: Process, name: str) -> Handle:
        handle = Handle(name)
        self.handles.append(handle)
        self._push(self.clock.monotonic(), handle, process)
        return handle

    def _push(self, when: float, handle: Handle, process: Process) -> int:
        seq = next(self._order)
        heapq.heappush(self._queue, (when, seq, handle, process))
        return seq

    def _ring(self, seq: int, handle: Handle, process: Process) -> None:
        if self._armed.pop(seq, None) is not None:
            self._cancelled.add(seq)
            self._push(self.clock.monotonic(), handle, process)

    def _next(self) -> tuple[float, int, Handle, Process] | None:
        while self._queue:
            entry = self._queue[0]
            if entry[1] in self._cancelled:
                heapq.heappop(self._queue)
                self._cancelled.discard(entry[1])
                continue
            return entry
        return None

    def step(self) -> bool:
        """Run the earliest process to its next yield, sleeping on the clock until it
        is due.  False when nothing is left."""
        entry = self._next()
        if entry is None:
            return False
        heapq.heappop(self._queue)
        when, seq, handle, process = entry
        alarm = self._armed.pop(seq, None)
        if alarm is not None:
            alarm.disarm()
        gap = when - self.clock.monotonic()
        if gap > 0:
            self.clock.sleep(gap)
        self._advance(handle, process)
        return True

    def _advance(self, handle: Handle, process: Process) -> None:
        event = next_event(handle, process)
        if event is None:
            return
        now = self.clock.monotonic()
        if isinstance(event, Cost):
            self._push(now, handle, process)  # behind whatever else is due now
            return
        seq = next(self._order)
        when = now + max(0.0, event.seconds)
        if event.alarm is not None:
            if event.alarm.arm(lambda: self._ring(seq, handle, process)):
                self._armed[seq] = event.alarm
            else:
                when = now  # a ring was pending: the sleep ends at once
        heapq.heappush(self._queue, (when, seq, handle, process))

    def run(self, until: Callable[[], bool] | None = None, seconds: float | None = None) -> None:
        """Run processes until ``until()`` holds, ``seconds`` of clock time have passed,
        or nothing is left to run."""
        deadline = None if seconds is None else self.clock.monotonic() + seconds
        while True:
            if until is not None and until():
                return
            entry = self._next()
            if entry is None:
                return
            if deadline is not None and entry[0] > deadline:
                gap = deadline - self.clock.monotonic()
                if gap > 0:
                    self.clock.sleep(gap)
                return
            self.step()


class SimPyRuntime:
    def __init__(self, env: Any, clock: Clock, latency: LatencyModel | None = None) -> None:
        self.env = env
        self.clock = clock
        self.latency = latency or LatencyModel()
        self.handles: list[Handle] = []

    def spawn(self, process: Process, name: str) -> Handle:
        handle = Handle(name)
        self.handles.append(handle)
        handle.process = self.env.process(self._drive(handle, process))
        return handle

    def _drive(self, handle: Handle, process: Process) -> Any:
        while True:
            event = next_event(handle, process)
            if event is None:
                return
            if isinstance(event, Cost):
                delay = self.latency(event)
                yield self.env.timeout(delay)
            elif isinstance(event, Sleep):
                yield from self._sleep(event)

    def _sleep(self, event: Sleep) -> Any:
        timeout = self.env.timeout(max(0.0, event.seconds))
        if event.alarm is None:
            yield timeout
            return
        woken = self.env.event()

        def wake() -> None:
            if not woken.triggered:
                woken.succeed()

        if not event.alarm.arm(wake):
            return
        yield timeout | woken
        event.alarm.disarm()


__all__ = ["Alarm", "Handle", "LatencyModel", "RealTimeRuntime", "Runtime", "SimPyRuntime"]
