"""The platform on more than one process (`synceng bench scale`; issue 14, docs/scale.md).

* ``archive_ingest_concurrent_placements_per_s_<database>_<N>w`` — first full replications of several
  mailboxes at once, each posted by its own process (as several sites' submissions
  arrive), to ``synceng serve archive``: on an SQLite file (one process), and on
  PostgreSQL with one worker process and with two (gunicorn).  The first is the
  baseline of the others.
* ``archive_hourly_submissions_per_s_<database>_<N>w`` — the steady state: an hourly
  run's submission for each mailbox that changed (five new messages each, the run
  boundary), many mailboxes, from several processes at once; each mailbox was
  replicated once before (not timed).
* ``console_site_polls_per_s_<database>_<N>w`` — the site API's most frequent call, ``GET
  /api/site/config`` (every poll of every site), from several client processes with
  keep-alive connections, to ``synceng serve console``: on SQLite (one process), and
  on PostgreSQL with one worker and with two.

Every server is the real command in its own process; PostgreSQL is a throwaway server
started here with fsync on (or ``--postgresql URL``, a server of yours: its user needs
CREATEDB).  Figures are side by side in one run, never pass/fail limits; on a 2-core
machine the clients and the servers share the cores, so worker counts beyond the cores
show contention rather than capacity.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import create_engine, make_url, text

from bench.archive import ADMIN_TOKEN, SITE_KEY, START, first_run
from bench.results import Echo, Result, beside
from engine.security import hash_token
from scenarios.postgres import cluster

CLIENTS = 4
SENT = "2026-01-05T02:00:00Z"
ADMIN = "bench@contoso.example"
PASSWORD = "bench password, long enough"


@contextmanager
def serving(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """``synceng serve <args> --port 0`` in its own process, up: its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "synceng", "serve", *args, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    assert process.stdout is not None
    said: list[str] = []
    base = None
    for line in process.stdout:
        said.append(line)
        found = re.search(r"serving on (http://\S+)", line)
        base = base or (found.group(1) if found else None)
        if "Ctrl+C" in line:
            break
    if base is None:
        process.kill()
        raise RuntimeError("synceng serve did not start:\n" + "".join(said))
    try:
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


Request = tuple[str, str, bytes | None]  # method, path, body


def _client(base: str, token: str, requests: list[Request], gate: Any, out: Any) -> None:
    """In its own process: wait for the others, then send the requests in order over one
    keep-alive connection; report when it started and ended (the monotonic clock is
    the machine's, shared by the processes)."""
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=300)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    gate.wait()
    started = time.monotonic()
    for method, path, body in requests:
        connection.request(method, url.path + path, body=body, headers=headers)
        reply = connection.getresponse()
        answer = reply.read()
        if reply.status != 200:
            out.put({"error": f"{method} {path}: {reply.status} {answer[:300]!r}"})
            return
    out.put({"started": started, "ended": time.monotonic()})
    connection.close()


def at_once(base: str, token: str, work: list[list[Request]]) -> float:
    """Each list of requests from its own process, all starting together: the seconds
    from the first start to the last end."""
    context = mp.get_context("spawn")
    gate, out = context.Barrier(len(work)), context.Queue()
    clients = [context.Process(target=_client, args=(base, token, requests, gate, out)) for requests in work]
    for client in clients:
        client.start()
    outcomes = [out.get(timeout=900) for _ in clients]
    for client in clients:
        client.join(timeout=30)
    failed = [o["error"] for o in outcomes if "error" in o]
    if failed:
        raise RuntimeError(f"a client failed: {failed[0]}")
    return float(max(o["ended"] for o in outcomes) - min(o["started"] for o in outcomes))


class Databases:
    """New databases for each server: SQLite files in a folder, or PostgreSQL databases
    on one server (dropped by :meth:`drop`)."""

    def __init__(self, folder: Path, postgresql: str | None) -> None:
        self.folder = folder
        self.postgresql = postgresql
        self.made: list[str] = []

    def drop(self) -> None:
        if self.postgresql and self.made:
            admin = create_engine(self.postgresql, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                for name in self.made:
                    conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()

    def new(self, kind: str, name: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{self.folder / name}.db"
        assert self.postgresql is not None
        admin = create_engine(self.postgresql, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        self.made.append(name)
        return make_url(self.postgresql).set(database=name).render_as_string(hide_password=False)


def _ingest_work(placements: int) -> tuple[list[dict[str, Any]], list[list[Request]]]:
    """A site with one MFR task per mailbox, and each mailbox's first run as batches."""
    tasks: list[dict[str, Any]] = []
    work: list[list[Request]] = []
    for n in range(1, CLIENTS + 1):
        mailbox = f"bench{n}@contoso.example"
        tasks.append({"id": n, "type": "mfr", "created": START.isoformat(), "mailboxes": [mailbox]})
        batches = first_run(placements)
        for batch in batches:
            batch.update(task_id=n, mailbox=mailbox, batch_id=f"{n}-{batch['batch_id']}")
        work.append([("POST", "/api/submissions", json.dumps(b).encode()) for b in batches])
    return tasks, work


def ingest(kind: str, workers: int, dbs: Databases, placements: int) -> float:
    """Placements/s into ``synceng serve archive`` from CLIENTS processes at once."""
    db = dbs.new(kind, f"ingest_{kind}_{workers}")
    tasks, work = _ingest_work(placements)
    with serving("archive", "--db", db, "--workers", str(workers), "--token", ADMIN_TOKEN) as base:
        site = {"site_id": 1, "key_hash": hash_token(SITE_KEY), "tasks": tasks}
        at_once(base, ADMIN_TOKEN, [[("POST", "/api/sites", json.dumps(site).encode())]])
        seconds = at_once(base, SITE_KEY, work)
    return placements * CLIENTS / seconds


def _hourly_work(mailboxes: int) -> tuple[list[dict[str, Any]], list[list[Request]], list[list[Request]]]:
    """A task per client over ``mailboxes`` mailboxes; each mailbox's first run (a small
    tree, twenty messages) and its next hourly run (five more): (tasks, first, next)."""
    tree = [
        {"id": "root", "name": "Top of Information Store", "well_known": "msgfolderroot"},
        {"id": "inbox", "name": "Inbox", "parent_id": "root", "well_known": "inbox"},
    ]
    tasks: list[dict[str, Any]] = []
    first: list[list[Request]] = []
    after: list[list[Request]] = []
    for n in range(1, CLIENTS + 1):
        boxes = [f"user{n}.{m}@contoso.example" for m in range(mailboxes)]
        tasks.append({"id": n, "type": "mfr", "created": START.isoformat(), "mailboxes": boxes})
        first.append([])
        after.append([])
        for mailbox in boxes:
            for run, (queue, items) in enumerate(((first[-1], range(20)), (after[-1], range(20, 25))), 1):
                body = {
                    "task_id": n,
                    "mailbox": mailbox,
                    "batch_id": f"run{run}",
                    "folders": tree,
                    "placements": [{"item": f"<{mailbox}.{i}@x>|{SENT}", "folder_id": "inbox"} for i in items],
                    "complete": True,
                }
                queue.append(("POST", "/api/submissions", json.dumps(body).encode()))
    return tasks, first, after


def hourly(kind: str, workers: int, dbs: Databases, mailboxes: int) -> float:
    """Hourly submissions/s into ``synceng serve archive`` from CLIENTS processes at once."""
    db = dbs.new(kind, f"hourly_{kind}_{workers}")
    tasks, first, after = _hourly_work(mailboxes)
    with serving("archive", "--db", db, "--workers", str(workers), "--token", ADMIN_TOKEN) as base:
        site = {"site_id": 1, "key_hash": hash_token(SITE_KEY), "tasks": tasks}
        at_once(base, ADMIN_TOKEN, [[("POST", "/api/sites", json.dumps(site).encode())]])
        at_once(base, SITE_KEY, first)
        seconds = at_once(base, SITE_KEY, after)
    return mailboxes * CLIENTS / seconds


def _console_site(base: str) -> str:
    """An administrator's session, then a site: its binding key."""
    import requests

    token = requests.post(f"{base}/api/session", json={"email": ADMIN, "password": PASSWORD}).json()["token"]
    made = requests.post(f"{base}/api/sites", json={"code": "LON"}, headers={"Authorization": f"Bearer {token}"})
    made.raise_for_status()
    return str(made.json()["binding_key"])


def polls(kind: str, workers: int, dbs: Databases, count: int) -> float:
    """Site polls/s against ``synceng serve console`` from CLIENTS processes at once."""
    console_db, archive_db = dbs.new(kind, f"console_{kind}_{workers}"), dbs.new(kind, f"archive_{kind}_{workers}")
    made = subprocess.run(
        [sys.executable, "-m", "synceng", "console", "create-admin", ADMIN, "--db", console_db],
        capture_output=True,
        text=True,
        env={**os.environ, "SYNCENG_ADMIN_PASSWORD": PASSWORD},
    )
    if made.returncode != 0:
        raise RuntimeError(made.stdout + made.stderr)
    args = ("console", "--db", console_db, "--archive-db", archive_db, "--workers", str(workers))
    with serving(*args) as base:
        key = _console_site(base)
        poll: Request = ("GET", "/api/site/config", None)
        work = [[poll] * count for _ in range(CLIENTS)]
        seconds = at_once(base, key, work)
    return count * CLIENTS / seconds


def run_scale_benchmarks(quick: bool = False, echo: Echo = print, postgresql: str | None = None) -> list[Result]:
    placements = 5_000 if quick else 25_000
    count = 200 if quick else 1_500
    mailboxes = 50 if quick else 250
    with tempfile.TemporaryDirectory() as tmp, cluster(postgresql, durable=True) as server:
        dbs = Databases(Path(tmp), server)
        try:
            results = _measure(dbs, echo, placements, count, mailboxes)
        finally:
            dbs.drop()
    return results


def _measure(dbs: Databases, echo: Echo, placements: int, count: int, mailboxes: int) -> list[Result]:
    kinds = [("sqlite", 1)] + ([("postgresql", 1), ("postgresql", 2)] if dbs.postgresql else [])
    if dbs.postgresql is None:
        echo("bench scale: PostgreSQL is not installed (Debian's postgresql): SQLite figures only")
    ingested: dict[tuple[str, int], float] = {}
    for kind, workers in kinds:
        echo(f"bench scale: archive ingest, {CLIENTS} mailboxes at once, {kind}, {workers} worker(s) …")
        ingested[(kind, workers)] = ingest(kind, workers, dbs, placements)
        echo(f"  {ingested[(kind, workers)]:,.0f} placements/s")
    submitted: dict[tuple[str, int], float] = {}
    for kind, workers in kinds:
        echo(f"bench scale: hourly submissions, {CLIENTS} x {mailboxes} mailboxes, {kind}, {workers} worker(s) …")
        submitted[(kind, workers)] = hourly(kind, workers, dbs, mailboxes)
        echo(f"  {submitted[(kind, workers)]:,.0f} submissions/s")
    polled: dict[tuple[str, int], float] = {}
    for kind, workers in kinds:
        echo(f"bench scale: console site polls, {CLIENTS} clients, {kind}, {workers} worker(s) …")
        polled[(kind, workers)] = polls(kind, workers, dbs, count)
        echo(f"  {polled[(kind, workers)]:,.0f} requests/s")
    return (
        _figures("archive_ingest_concurrent_placements_per_s", "placements/s", ingested, placements)
        + _figures("archive_hourly_submissions_per_s", "submissions/s", submitted, mailboxes)
        + _figures("console_site_polls_per_s", "requests/s", polled, count)
    )


def _figures(name: str, unit: str, rates: dict[tuple[str, int], float], size: int) -> list[Result]:
    """One result per database and worker count, each beside the SQLite one-process figure."""
    base = rates[("sqlite", 1)]
    out: list[Result] = []
    for (kind, workers), rate in rates.items():
        extra: dict[str, Any] = {"database": kind, "workers": workers, "clients": CLIENTS, "per_client": size}
        if (kind, workers) != ("sqlite", 1):
            extra.update(beside("the same on SQLite, one process", "baseline_per_s", rate, base))
        if kind == "postgresql":
            extra["server"] = "PostgreSQL, fsync on, synchronous_commit on, on the same machine"
        out.append({"name": f"{name}_{kind}_{workers}w", "unit": unit, "value": round(rate, 1), "extra": extra})
    return out
