"""pytest-benchmark groups for the site engine and the simulator (opt-in: ``python -m
pytest bench``) — the workloads of `synceng bench site` and of the standard suite's
simulation step, each beside its baseline in the same group, so that ``pytest-benchmark
compare`` shows the ratio (no absolute limits).

* ``mfr-initial-2000``: one mailbox's first MFR through the engine, beside naive
  exchangelib ``sync_items()`` over the same folders;
* ``unchanged-pass-10``: an hourly pass over 10 unchanged mailboxes, beside naive
  ``sync_hierarchy()`` + ``sync_items()`` with states kept;
* ``simulation-quickstart-6h``: six simulated hours of the quickstart scenario (the
  simulator's acceleration is simulated time over these seconds)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest

from bench.site import MFR_FIELDS, account, build, engine_run, mail_folders, naive_initial, task_for
from engine.site.state import SiteState

_instances = itertools.count()


@pytest.mark.benchmark(group="mfr-initial-2000")
def test_engine_replicates_a_2000_item_mailbox(benchmark: Any) -> None:
    def fresh() -> tuple[tuple[Any, str, int], dict[str, Any]]:
        bed, addresses = build(1, 2_000)
        key, task = task_for(bed, addresses)
        return (bed, key, task), {}

    def run(bed: Any, key: str, task: int) -> None:
        try:
            engine_run(bed, key, task, SiteState(instance=f"bench{next(_instances)}"))
        finally:
            bed.close()

    benchmark.pedantic(run, setup=fresh, rounds=3)


@pytest.mark.benchmark(group="mfr-initial-2000")
def test_baseline_naive_exchangelib_reads_the_same_mailbox(benchmark: Any) -> None:
    bed, addresses = build(1, 2_000)
    try:
        benchmark.pedantic(lambda: naive_initial(bed, addresses[0], None), rounds=3)
    finally:
        bed.close()


@pytest.fixture
def unchanged() -> Any:
    """Ten mailboxes of 20 folders, 40 messages each, replicated once an hour ago."""
    bed, addresses = build(10, 0, each=40)
    key, task = task_for(bed, addresses)
    state = SiteState(instance="bench-unchanged")
    bed.clock.advance(3600)  # type: ignore[attr-defined]  # a ManualClock: the mail arrived an hour before
    engine_run(bed, key, task, state)
    yield bed, addresses, key, task, state
    bed.close()


@pytest.mark.benchmark(group="unchanged-pass-10")
def test_engine_passes_over_10_unchanged_mailboxes(benchmark: Any, unchanged: Any) -> None:
    bed, _, key, task, state = unchanged

    def later() -> tuple[tuple[()], dict[str, Any]]:
        bed.clock.advance(3600)
        return (), {}

    benchmark.pedantic(lambda: engine_run(bed, key, task, state), setup=later, rounds=5)


@pytest.mark.benchmark(group="unchanged-pass-10")
def test_baseline_naive_exchangelib_syncs_every_folder_again(benchmark: Any, unchanged: Any) -> None:
    bed, addresses, *_ = unchanged
    accounts = [account(bed, a) for a in addresses]
    roots = [a.root / "Top of Information Store" for a in accounts]
    folders = [mail_folders(a) for a in accounts]

    def naive() -> None:
        for root, mine in zip(roots, folders, strict=True):
            list(root.sync_hierarchy())
            for folder in mine:
                list(folder.sync_items(only_fields=MFR_FIELDS))

    naive()  # the naive client's states, as after its own first pass
    benchmark.pedantic(naive, rounds=5)


@pytest.mark.benchmark(group="simulation-quickstart-6h")
def test_six_simulated_hours_of_quickstart(benchmark: Any) -> None:
    from scenarios.sim.builtin import resolve
    from scenarios.sim.runner import run_scenario

    result = benchmark.pedantic(lambda: run_scenario(resolve("quickstart"), horizon=timedelta(hours=6)), rounds=2)
    assert result.passed
