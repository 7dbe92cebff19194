"""Archive platform benchmarks (`synceng bench archive`).

* ``archive_ingest_placements_per_s`` — one mailbox's first full replication
  (50,000 placements in 100 folders, batches of 5,000, the last one the run boundary)
  posted over keep-alive HTTP from a separate process to the archive served by
  waitress on an SQLite file; beside it the same batches through ``ArchiveStore``
  directly (no HTTP, no JSON) and the floor: plain ``sqlite3`` inserting the same rows
  into a table of the same key;
* ``archive_incremental_run_ms`` — a second run over the same mailbox (5 % of the
  items moved, 1 % hard-deleted), boundary included;
* ``full_view_query_ms`` — the Exchange Folders reads of that mailbox's Full View over
  HTTP (the folder tree, the first page of the largest folder, the tree as of a past
  time), median of repeats, beside the equivalent bare SQL on the same file.

Figures are ratios to baselines measured in the same run, never pass/fail limits.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from bench.results import Echo, Result, beside, median_ms
from engine.archive.app import create_archive_app
from engine.archive.registry import TaskRegistration
from engine.archive.store import ArchiveStore, Submission
from engine.clock import ManualClock
from engine.security import hash_token
from mockews.server import ServerThread

MAILBOX = "bench@contoso.example"
SITE_KEY = "site_bench-key"
ADMIN_TOKEN = "arc_bench-admin"
FOLDERS = 100
BATCH = 5_000
START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def folders() -> list[dict[str, Any]]:
    tree: list[dict[str, Any]] = [{"id": "root", "name": "Top of Information Store", "well_known": "msgfolderroot"}]
    tree += [{"id": f"f{n:03}", "name": f"Folder {n}", "parent_id": "root"} for n in range(FOLDERS)]
    return tree


def placements(count: int) -> list[tuple[str, str]]:
    """Archive keys shaped like real ones (Internet Message-ID | sent time), spread over
    the folders with a skew (the first folders hold most, as an Inbox does)."""
    rng = random.Random(11)
    out = []
    for n in range(count):
        folder = min(int(rng.expovariate(1 / 12)), FOLDERS - 1)
        sent = (START - timedelta(minutes=7 * n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append((f"<{n:08x}.{rng.getrandbits(48):012x}@mail.contoso.example>|{sent}", f"f{folder:03}"))
    return out


def first_run(count: int) -> list[dict[str, Any]]:
    """The batches of a first full replication, as the site sends them."""
    rows = placements(count)
    batches = []
    for start in range(0, count, BATCH):
        body: dict[str, Any] = {
            "task_id": 1,
            "mailbox": MAILBOX,
            "batch_id": f"run1-{start // BATCH}",
            "placements": [{"item": i, "folder_id": f} for i, f in rows[start : start + BATCH]],
            "complete": start + BATCH >= count,
        }
        if start == 0:
            body["folders"] = folders()
        batches.append(body)
    return batches


def second_run(count: int) -> dict[str, Any]:
    rows = placements(count)
    rng = random.Random(12)
    moved = rng.sample(rows, count // 20)
    deleted = rng.sample([r for r in rows if r not in set(moved)], count // 100)
    return {
        "task_id": 1,
        "mailbox": MAILBOX,
        "batch_id": "run2-0",
        "placements": [{"item": i, "folder_id": "f099" if f != "f099" else "f098"} for i, f in moved],
        "removed_placements": [{"item": i, "folder_id": f, "reason": "moved"} for i, f in moved]
        + [{"item": i, "folder_id": f, "reason": "deleted"} for i, f in deleted],
        "complete": True,
    }


def _submission(body: dict[str, Any]) -> Submission:
    return Submission(
        task_id=body["task_id"],
        mailbox=body["mailbox"],
        batch_id=body["batch_id"],
        folders=body.get("folders", []),
        placements=[(p["item"], p["folder_id"]) for p in body["placements"]],
        removed_placements=[(r["item"], r["folder_id"], r["reason"]) for r in body.get("removed_placements", [])],
        complete=body["complete"],
    )


def _post_worker(port: int, bodies: list[bytes], out: Any) -> None:
    """In its own process: post the batches in order over one keep-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Authorization": f"Bearer {SITE_KEY}", "Content-Type": "application/json"}
    started = time.perf_counter()
    for body in bodies:
        connection.request("POST", "/api/submissions", body=body, headers=headers)
        reply = connection.getresponse()
        answer = reply.read()
        if reply.status != 200 or not json.loads(answer)["applied"]:
            out.put({"error": f"{reply.status} {answer[:200]!r}"})
            return
    out.put({"seconds": time.perf_counter() - started})
    connection.close()


def _post_from_another_process(port: int, bodies: list[bytes]) -> float:
    context = mp.get_context("spawn")
    queue: Any = context.Queue()
    worker = context.Process(target=_post_worker, args=(port, bodies, queue))
    worker.start()
    outcome = queue.get(timeout=600)
    worker.join(timeout=30)
    if "error" in outcome:
        raise RuntimeError(f"archive ingest failed: {outcome['error']}")
    return float(outcome["seconds"])


def _raw_sqlite_rate(path: Path, batches: list[dict[str, Any]]) -> float:
    """The floor: the same rows into a table of the same key, nothing else."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE live (mailbox TEXT, item TEXT, folder_id TEXT, PRIMARY KEY (mailbox, item, folder_id))")
    count = 0
    started = time.perf_counter()
    for body in batches:
        rows = [(MAILBOX, p["item"], p["folder_id"]) for p in body["placements"]]
        with db:
            db.executemany("INSERT OR IGNORE INTO live VALUES (?, ?, ?)", rows)
        count += len(rows)
    elapsed = time.perf_counter() - started
    db.close()
    return count / elapsed


def registered_store(url: str, clock: ManualClock) -> ArchiveStore:
    """An archive that knows the site and its MFR task 1 for MAILBOX, as the console
    would have told it."""
    store = ArchiveStore(url, clock)
    store.registry.register_site(1, hash_token(SITE_KEY), [TaskRegistration(1, "mfr", START.isoformat(), [MAILBOX])])
    return store


def _store_rate(path: Path, batches: list[dict[str, Any]]) -> float:
    store = registered_store(f"sqlite:///{path}", ManualClock(START))
    subs = [_submission(b) for b in batches]
    started = time.perf_counter()
    for sub in subs:
        store.submit(1, sub)
    elapsed = time.perf_counter() - started
    store.engine.dispose()
    return sum(len(s.placements) for s in subs) / elapsed


def run_archive_benchmarks(quick: bool = False, echo: Echo = print) -> list[Result]:
    count = 10_000 if quick else 50_000
    repeat = 5 if quick else 21
    batches = first_run(count)
    bodies = [json.dumps(b).encode() for b in batches]
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        echo("bench archive: baselines (ArchiveStore directly; bare sqlite3) …")
        store_rate = _store_rate(workdir / "direct.db", batches)
        raw_rate = _raw_sqlite_rate(workdir / "raw.db", batches)

        clock = ManualClock(START)
        store = registered_store(f"sqlite:///{workdir / 'archive.db'}", clock)
        with ServerThread(create_archive_app(store, ADMIN_TOKEN), threads=4) as server:
            echo(f"bench archive: ingest of {count:,} placements over HTTP …")
            seconds = _post_from_another_process(server.port, bodies)
            rate = count / seconds
            results.append(
                {
                    "name": "archive_ingest_placements_per_s",
                    "unit": "placements/s",
                    "value": round(rate, 1),
                    "extra": {
                        "placements": count,
                        "batch": BATCH,
                        "folders": FOLDERS,
                        "seconds": round(seconds, 3),
                        "transport": "HTTP keep-alive (waitress, 4 threads) from another process; SQLite file, WAL",
                        "store_direct_placements_per_s": round(store_rate, 1),
                        **beside(
                            "bare sqlite3 executemany of the same rows into a table of the same key",
                            "baseline_placements_per_s",
                            rate,
                            raw_rate,
                            3,
                        ),
                        "ratio_to_store_direct": round(rate / store_rate, 3),
                    },
                }
            )
            echo(f"  ingest: {rate:,.0f} placements/s (store direct {store_rate:,.0f}, bare sqlite3 {raw_rate:,.0f})")

            clock.advance(3600)
            between = clock.now()
            clock.advance(3600)
            second = json.dumps(second_run(count)).encode()
            incremental_ms = _post_from_another_process(server.port, [second]) * 1000
            results.append(
                {
                    "name": "archive_incremental_run_ms",
                    "unit": "ms",
                    "value": round(incremental_ms, 1),
                    "extra": {
                        "moved": count // 20,
                        "deleted": count // 100,
                        "measured": "the request, boundary included",
                    },
                }
            )
            echo(f"  incremental run (5 % moved, 1 % deleted): {incremental_ms:,.0f} ms")

            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
            base = f"{server.url}/api/views/{MAILBOX}"
            as_of = between.isoformat()

            def tree() -> None:
                session.get(f"{base}/folders", params={"view": "full"}).raise_for_status()

            def page() -> None:
                query = {"folder": "f000", "view": "full", "limit": "100"}
                session.get(f"{base}/items", params=query).raise_for_status()

            def tree_as_of() -> None:
                session.get(f"{base}/folders", params={"view": "full", "as_of": as_of}).raise_for_status()

            tree_ms, page_ms, as_of_ms = (median_ms(f, repeat) for f in (tree, page, tree_as_of))
            session.close()

        db = sqlite3.connect(workdir / "archive.db")

        def raw_tree() -> None:
            db.execute(
                "SELECT folder_id, count(*) FROM full_view WHERE mailbox = ? GROUP BY folder_id", (MAILBOX,)
            ).fetchall()

        def raw_page() -> None:
            db.execute(
                "SELECT item FROM full_view WHERE mailbox = ? AND folder_id = 'f000' ORDER BY item LIMIT 100",
                (MAILBOX,),
            ).fetchall()

        raw_tree_ms, raw_page_ms = median_ms(raw_tree, repeat), median_ms(raw_page, repeat)
        db.close()
        full_rows = count + count // 20  # every placement, and the moved items' new locations
        results.append(
            {
                "name": "full_view_query_ms",
                "unit": "ms",
                "value": round(tree_ms + page_ms, 2),
                "extra": {
                    "mailbox_full_view_entries": full_rows,
                    "folder_tree_ms": round(tree_ms, 2),
                    "first_page_of_largest_folder_ms": round(page_ms, 2),
                    "folder_tree_as_of_ms": round(as_of_ms, 2),
                    "transport": "HTTP keep-alive, median of repeats",
                    **beside(
                        "the bare SQL (count per folder; one page) on the same file",
                        "baseline_ms",
                        tree_ms + page_ms,
                        raw_tree_ms + raw_page_ms,
                    ),
                },
            }
        )
        echo(f"  full view: tree {tree_ms:.1f} ms, page {page_ms:.1f} ms, tree as of {as_of_ms:.1f} ms")
        echo(f"  (bare SQL: tree {raw_tree_ms:.1f} ms, page {raw_page_ms:.1f} ms)")
    return results
