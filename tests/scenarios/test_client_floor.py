"""``sim_overhead_vs_client``'s baseline (bench.client_floor): the recorder counts every
EWS request a simulation makes, by kind, and the replay sends each kind again through
the engine's own exchangelib calls — which read the recorded answer without failing —
so that the bare client cost covers the same number and kind of requests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bench.client_floor import RecordedSimulation, replay
from scenarios.sim.builtin import resolve
from scenarios.testbed import EWS_VERSION


@pytest.fixture(scope="module")
def recorded() -> RecordedSimulation:
    simulation = RecordedSimulation(resolve("quickstart"), horizon=timedelta(hours=3))
    simulation.run()
    return simulation


def test_the_recorder_counts_every_ews_request_of_the_run(recorded: RecordedSimulation) -> None:
    kinds = list(recorded.recorder.kinds.values())
    made = recorded.bed.exchange.requests - recorded.requests_before
    assert made > 0 and sum(kind.count for kind in kinds) == made
    counted = recorded.recorder.by_operation()
    assert {"FindFolder", "SyncFolderItems", "GetFolder", "SyncFolderHierarchy"} <= set(counted)
    assert all(kind.status == 200 and kind.answer.startswith(b"<?xml") for kind in kinds)


def test_the_replay_sends_each_kind_through_the_engines_exchangelib_calls(recorded: RecordedSimulation) -> None:
    kinds = list(recorded.recorder.kinds.values())
    floor = replay(kinds, EWS_VERSION, per_kind=2)
    assert floor.not_replayed == {} and floor.failed == {}
    assert floor.requests == sum(kind.count for kind in kinds)
    expected: dict[str, int] = {}
    for kind in kinds:  # a warm-up call, then up to per_kind timed ones
        expected[kind.operation] = expected.get(kind.operation, 0) + 1 + min(kind.count, 2)
    assert floor.sent == expected and floor.replayed_calls == sum(expected.values())
    assert {op: entry["requests"] for op, entry in floor.by_operation.items()} == recorded.recorder.by_operation()
    assert floor.seconds > 0 and all(entry["ms_per_request"] > 0 for entry in floor.by_operation.values())
