"""pytest-benchmark groups for the archive platform (opt-in: ``python -m pytest bench``).

Each group pairs the measured path with a baseline side by side: compare the ratio in
the pytest-benchmark table (no absolute limits)."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

from bench.archive import MAILBOX, START, _submission, first_run, registered_store
from engine.archive.store import ArchiveStore
from engine.clock import ManualClock

BATCH = first_run(5_000)[0]
_files = itertools.count()


@pytest.mark.benchmark(group="archive-ingest-5000")
def test_store_applies_a_5000_placement_batch(benchmark: object, tmp_path: Path) -> None:
    def fresh() -> tuple[tuple[ArchiveStore, object], dict[str, object]]:
        store = registered_store(f"sqlite:///{tmp_path}/a{next(_files)}.db", ManualClock(START))
        return (store, _submission(BATCH)), {}

    def submit(store: ArchiveStore, sub: object) -> None:
        store.submit(1, sub)  # type: ignore[arg-type]

    benchmark.pedantic(submit, setup=fresh, rounds=10)  # type: ignore[attr-defined]


@pytest.mark.benchmark(group="archive-ingest-5000")
def test_baseline_sqlite3_inserts_the_same_rows(benchmark: object, tmp_path: Path) -> None:
    rows = [(MAILBOX, p["item"], p["folder_id"]) for p in BATCH["placements"]]

    def fresh() -> tuple[tuple[sqlite3.Connection], dict[str, object]]:
        db = sqlite3.connect(tmp_path / f"r{next(_files)}.db")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(
            "CREATE TABLE live (mailbox TEXT, item TEXT, folder_id TEXT, PRIMARY KEY (mailbox, item, folder_id))"
        )
        return (db,), {}

    def insert(db: sqlite3.Connection) -> None:
        with db:
            db.executemany("INSERT OR IGNORE INTO live VALUES (?, ?, ?)", rows)

    benchmark.pedantic(insert, setup=fresh, rounds=10)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def full_mailbox(tmp_path_factory: pytest.TempPathFactory) -> tuple[ArchiveStore, Path]:
    path = tmp_path_factory.mktemp("archive") / "full.db"
    store = registered_store(f"sqlite:///{path}", ManualClock(START))
    for body in first_run(50_000):
        store.submit(1, _submission(body))
    return store, path


@pytest.mark.benchmark(group="full-view-50k")
def test_full_view_folder_tree(benchmark: object, full_mailbox: tuple[ArchiveStore, Path]) -> None:
    store, _ = full_mailbox
    tree = benchmark(store.folder_tree, MAILBOX, "full")  # type: ignore[operator]
    assert sum(f["items"] for f in tree) == 50_000


@pytest.mark.benchmark(group="full-view-50k")
def test_baseline_bare_count_per_folder(benchmark: object, full_mailbox: tuple[ArchiveStore, Path]) -> None:
    _, path = full_mailbox
    db = sqlite3.connect(path)

    def count() -> list[tuple[str, int]]:
        return db.execute(
            "SELECT folder_id, count(*) FROM full_view WHERE mailbox = ? GROUP BY folder_id", (MAILBOX,)
        ).fetchall()

    assert sum(n for _, n in benchmark(count)) == 50_000  # type: ignore[operator]
