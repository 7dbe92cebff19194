"""One engine, two clocks: the same process generators under the real-time runtime
(on a ManualClock) and under SimPy give the same trace of wake-up times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import simpy

from engine.clock import ManualClock, SimClock
from engine.site.events import Alarm, Cost, Process, Sleep
from engine.site.runtime import LatencyModel, RealTimeRuntime, SimPyRuntime

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NO_LATENCY = LatencyModel(per_ews_call=0, per_item=0, per_kilobyte=0, per_http_call=0)


def scenario(runtime: RealTimeRuntime | SimPyRuntime, trace: list[tuple[str, float]]) -> Alarm:
    clock = runtime.clock
    alarm = Alarm()

    def ticker() -> Process:
        for _ in range(3):
            trace.append(("tick", clock.monotonic()))
            yield Sleep(10)

    def sleeper() -> Process:
        trace.append(("sleep", clock.monotonic()))
        yield Sleep(100, alarm=alarm)  # woken at 15 by the ringer
        trace.append(("woken", clock.monotonic()))
        yield Cost(ews_calls=1)
        trace.append(("after cost", clock.monotonic()))

    def ringer() -> Process:
        yield Sleep(15)
        alarm.ring()
        trace.append(("rang", clock.monotonic()))

    def broken() -> Process:
        yield Sleep(1)
        raise RuntimeError("boom")

    runtime.spawn(ticker(), "ticker")
    runtime.spawn(sleeper(), "sleeper")
    runtime.spawn(ringer(), "ringer")
    runtime.spawn(broken(), "broken")
    return alarm


def test_both_runtimes_give_the_same_trace() -> None:
    clock = ManualClock(START)
    real = RealTimeRuntime(clock)
    real_trace: list[tuple[str, float]] = []
    scenario(real, real_trace)
    real.run()

    env = simpy.Environment()
    sim = SimPyRuntime(env, SimClock(env, START), latency=NO_LATENCY)
    sim_trace: list[tuple[str, float]] = []
    scenario(sim, sim_trace)
    env.run()

    assert sorted(real_trace, key=lambda e: (e[1], e[0])) == sorted(sim_trace, key=lambda e: (e[1], e[0]))
    assert ("woken", 15.0) in real_trace and ("tick", 20.0) in real_trace
    assert [h.name for h in real.handles if h.error] == ["broken"] == [h.name for h in sim.handles if h.error]
    assert clock.now() == START.replace(second=30)  # the ticker's last sleep


def test_a_ring_before_the_sleep_is_not_lost() -> None:
    runtime = RealTimeRuntime(ManualClock(START))
    alarm = Alarm()
    alarm.ring()
    woke: list[float] = []

    def sleeper() -> Process:
        yield Sleep(3600, alarm=alarm)
        woke.append(runtime.clock.monotonic())

    runtime.spawn(sleeper(), "sleeper")
    runtime.run()
    assert woke == [0.0]


def test_simpy_costs_take_simulated_time() -> None:
    env = simpy.Environment()
    runtime = SimPyRuntime(env, SimClock(env, START), latency=LatencyModel(per_ews_call=0.5, per_item=0.01))
    done: list[float] = []

    def work() -> Process:
        yield Cost(ews_calls=2, items=100)
        done.append(env.now)

    runtime.spawn(work(), "work")
    env.run()
    assert done == [pytest.approx(2.0)]


def test_real_time_run_stops_at_the_deadline() -> None:
    clock = ManualClock(START)
    runtime = RealTimeRuntime(clock)
    seen: list[float] = []

    def forever() -> Process:
        while True:
            seen.append(clock.monotonic())
            yield Sleep(60)

    runtime.spawn(forever(), "forever")
    runtime.run(seconds=150)
    assert seen == [0, 60, 120] and clock.monotonic() == 150
