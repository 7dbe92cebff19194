"""Archive property (issue 4): any sequence of submissions — runs split into batches,
failed runs, duplicates and replays — yields Live and Full Views equal to a simple
reference model of R1 to R4 built from the runs' observations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text

from engine.archive.migrations import HISTORY as ARCHIVE_HISTORY
from engine.archive.registry import TaskRegistration
from engine.archive.store import ArchiveStore, Submission
from engine.clock import ManualClock

from ..postgres import databases

ITEMS = [f"<m{n}@x>|1700000000" for n in range(6)]
FOLDERS = ["inbox", "A", "B"]
MAILBOX = "owner@contoso.example"

observation = st.dictionaries(st.sampled_from(ITEMS), st.sampled_from(FOLDERS), max_size=len(ITEMS))
run = st.tuples(
    observation,
    st.integers(1, 4),  # batch size
    st.one_of(st.none(), st.integers(0, 6)),  # None: the run completes; n: it fails after n batches
    st.lists(st.sampled_from(["deleted", "private", "excluded"]), min_size=len(ITEMS), max_size=len(ITEMS)),
    st.integers(0, 3),  # replays of earlier batches
)


@dataclass
class Reference:
    """R1 to R4 stated directly: Live is what the acknowledged batches left; Full is the
    union of Live at every run boundary; an item that disappeared by deletion has the
    entry of its last boundary location marked deleted, until seen there again."""

    live: set[tuple[str, str]] = field(default_factory=set)
    full: set[tuple[str, str]] = field(default_factory=set)
    deleted: set[tuple[str, str]] = field(default_factory=set)
    last_location: dict[str, str] = field(default_factory=dict)
    last_reason: dict[str, str] = field(default_factory=dict)
    at_last_boundary: set[str] = field(default_factory=set)

    def apply(self, placements: list[tuple[str, str]], removals: list[tuple[str, str, str]]) -> None:
        for item, folder, reason in removals:
            self.live.discard((item, folder))
            self.last_reason[item] = reason
        for pair in placements:
            self.live.add(pair)

    def boundary(self) -> None:
        present = {item for item, _ in self.live}
        for item in self.at_last_boundary - present:
            if self.last_reason.get(item) == "deleted" and item in self.last_location:
                self.deleted.add((item, self.last_location[item]))
        for pair in self.live:
            self.full.add(pair)
            self.deleted.discard(pair)
            self.last_location[pair[0]] = pair[1]
        self.at_last_boundary = present


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """Where each example's archive goes: None for SQLite in memory, else a database on
    the tests' PostgreSQL (emptied before each example: a new database per example costs
    more than the example)."""
    if request.param == "sqlite":
        yield None
        return
    with databases(request.getfixturevalue("postgresql_server"), "archive") as (url,):
        yield url


@contextmanager
def new_archive(url: str | None) -> Iterator[ArchiveStore]:
    if url is None:
        yield ArchiveStore(clock=ManualClock(tick=timedelta(seconds=1)))
        return
    store = ArchiveStore(url, clock=ManualClock(tick=timedelta(seconds=1)))
    tables = [t for t in inspect(store.engine).get_table_names() if t != ARCHIVE_HISTORY.version_table]
    with store.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    try:
        yield store
    finally:
        store.engine.dispose()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=st.lists(run, min_size=1, max_size=8))
def test_archive_views_match_the_reference_model(backend: str | None, runs: list[tuple]) -> None:  # type: ignore[type-arg]
    """R1: Live is exactly what the last run's acknowledged batches left; R2: Full is
    the union of Live at every boundary; R3: only boundary locations are recorded — for
    any runs, failed runs and replays.  On SQLite and on PostgreSQL."""
    with new_archive(backend) as store:
        check_against_reference(store, runs)


def check_against_reference(store: ArchiveStore, runs: list[tuple]) -> None:  # type: ignore[type-arg]
    store.registry.register_site(1, "0" * 64, [TaskRegistration(1, "mfr", "2026-01-01T00:00:00+00:00", [MAILBOX])])
    reference = Reference()
    acked: dict[tuple[str, str], None] = {}  # what the site knows the archive holds
    sent: list[Submission] = []
    for number, (seen, size, fail_after, reasons, replays) in enumerate(runs):
        target = set(seen.items())
        removals = [
            (i, f, "moved" if i in seen else reasons[ITEMS.index(i)]) for i, f in sorted(acked) if (i, f) not in target
        ]
        additions = sorted(target - set(acked))
        changes: list[tuple[str, object]] = [("remove", r) for r in removals] + [("add", a) for a in additions]
        batches = [changes[k : k + size] for k in range(0, len(changes), size)]
        complete = fail_after is None
        if not complete:
            batches = batches[:fail_after]
        folders = [{"id": f, "name": f.title()} for f in FOLDERS]
        for index, batch in enumerate([*batches, []] if complete else batches):
            last = complete and index == len(batches)
            sub = Submission(
                task_id=1,
                mailbox=MAILBOX,
                batch_id=f"run{number}:{index}",
                folders=folders,
                placements=[c for kind, c in batch if kind == "add"],  # type: ignore[misc]
                removed_placements=[c for kind, c in batch if kind == "remove"],  # type: ignore[misc]
                complete=last,
            )
            assert store.submit(1, sub)["applied"]
            sent.append(sub)
            reference.apply(sub.placements, sub.removed_placements)
            for pair in sub.placements:
                acked[pair] = None
            for item, folder, _ in sub.removed_placements:
                acked.pop((item, folder), None)
            if last:
                reference.boundary()
        for k in range(replays):  # duplicates and replays are acknowledged, not applied
            if sent:
                again = sent[(number * 7 + k) % len(sent)]
                assert store.submit(1, again) == {"applied": False, "sequence": store.registry.task_sequence(None, 1)}
    assert store.registry.task_sequence(None, 1) == len(sent)

    live = {
        (entry["item"], f["id"])
        for f in store.folder_tree(MAILBOX, "live")
        for entry in store.folder_items(MAILBOX, f["id"], "live", limit=1000)["items"]
    }
    assert live == reference.live
    full: set[tuple[str, str]] = set()
    deleted: set[tuple[str, str]] = set()
    for folder in FOLDERS:
        for entry in store.folder_items(MAILBOX, folder, "full", limit=1000)["items"]:
            full.add((entry["item"], folder))
            if entry["deleted"]:
                deleted.add((entry["item"], folder))
    assert full == reference.full
    assert deleted == reference.deleted
