"""Issue 14: three `synceng site run` processes at once against one console served by
two gunicorn workers (`serve console --workers 2`) on PostgreSQL, in real time, with
overlapping schedules in three time zones — and an R9 delete while the other sites
submit.

Judged from outside the engine: the archive's own tables (what was accepted), the
mock Exchange's store (what the mailboxes hold, read by the oracle's reading of R1,
scenarios/sim/oracle/reference.py), and the console's REST API (what an administrator
sees).  ``problems`` is the judge; the mutation tests below break the stored state the
way a lost update, a double count or a missed reset would, and it must say so."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from exchangelib import IMPERSONATION, Account, Build, Configuration, Credentials, Message, Version
from exchangelib.protocol import close_connections
from sqlalchemy import Connection, create_engine, text

from mockad.app import combine
from mockad.app import create_app as directory_app
from mockad.service import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, MockDirectory
from mockews.app import create_app as ews_app
from mockews.faults import FaultRule
from mockews.server import ServerThread
from mockews.service import MockExchange
from mockews.store import World
from mockews.store.loader import folder_by_path, new_message
from scenarios.sim.oracle.reference import mfr_snapshot
from scenarios.testbed import (
    EWS_VERSION,
    SERVICE_ACCOUNT,
    SERVICE_PASSWORD,
    archive_view,
    site_registration,
)

from ..postgres import empty_database
from .processes import base_url, drain, launch, stop
from .test_serve_workers import ADMIN, PASSWORD, children, create_admin

DOMAIN = "contoso.example"
#: three sites in three zones: the same instant is three different local times (T5)
SITES = {"LON": "Europe/London", "NYC": "America/New_York", "TYO": "Asia/Tokyo"}
LEAD = 12  # seconds from scheduling a round to its slot: a poll (5 s) and a margin
ARCHIVE_TOKEN = "arc_concurrent-sites-test"


def address(site: str, n: int) -> str:
    return f"{site.lower()}{n}@{DOMAIN}"


def tenant() -> World:
    """Four mailboxes a site, mail in the Inbox and in a Projects folder under it."""
    world = World(seed=14, domain=DOMAIN)
    world.delivery_delay_s = 0
    world.add_account(SERVICE_ACCOUNT, SERVICE_PASSWORD, can_impersonate=True)
    sent = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    for site in SITES:
        for n in range(1, 5):
            box = world.provision_mailbox(address(site, n), f"{site} {n}", password="pw")
            projects = folder_by_path(box, "Inbox/Projects")
            for m in range(8):
                folder = projects if m % 3 == 0 else box.well_known("inbox")
                stamp = sent + timedelta(minutes=m)
                new_message(box, folder, subject=f"m{m}", message_id=f"<{site}{n}.{m}@x>", sent=stamp)
    return world


@dataclass
class Run:
    """The finished run, for the checks: where everything is, and what was done."""

    base: str
    admin: dict[str, str]
    archive_db: str
    world: World
    tasks: dict[str, int]  # "LON-a" → task id
    deleted: str  # the task removed in round 2 (R9)
    deleted_at: float  # the archive's clock (epoch seconds) just before the DELETE
    changed: int  # rounds before which every mailbox changed (the first, and the second)
    sites_said: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)  # what the console printed

    def get(self, path: str) -> requests.Response:
        return requests.get(f"{self.base}{path}", headers=self.admin, timeout=30)

    def mailboxes(self, name: str) -> list[str]:
        site, half = name.split("-")
        return [address(site, n) for n in ((1, 2) if half == "a" else (3, 4))]


def wait_for(what: str, ready: Callable[[], bool], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.25)


def schedule_round(base: str, admin: dict[str, str], tasks: dict[str, int], label: str) -> datetime:
    """Every task's next slot: one instant, LEAD seconds away, written in each site's
    own zone (one one-off schedule per zone, seconds given).  Returns the instant."""
    slot = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=LEAD)
    for site, zone in SITES.items():
        local = slot.astimezone(ZoneInfo(zone)).replace(tzinfo=None).isoformat(timespec="seconds")
        spec = {"kind": "one_off", "at": local}
        made = requests.post(f"{base}/api/schedules", json={"name": f"{label} {site}", "spec": spec}, headers=admin)
        assert made.status_code == 201, made.text
        for name, task in tasks.items():
            if name.startswith(site):
                changed = requests.patch(
                    f"{base}/api/tasks/{task}", json={"schedule_id": made.json()["id"]}, headers=admin
                )
                assert changed.status_code == 200, changed.text
    return slot


def ran_since(run_base: str, admin: dict[str, str], task: int, since: datetime) -> bool:
    info = requests.get(f"{run_base}/api/tasks/{task}", headers=admin, timeout=30).json()["information"]
    last = info["last_run"]
    return info["status"] == "Completed" and last is not None and datetime.fromisoformat(last) >= since


def ews(world_url: str, mailbox: str) -> Account:
    config = Configuration(
        service_endpoint=world_url,
        credentials=Credentials(SERVICE_ACCOUNT, SERVICE_PASSWORD),
        auth_type="basic",
        version=Version(Build(*map(int, EWS_VERSION.split(".")))),
    )
    return Account(mailbox, config=config, access_type=IMPERSONATION, autodiscover=False)


def change_the_mailboxes(ews_url: str) -> None:
    """Between rounds, as users do, through exchangelib: one Inbox message deleted in
    every mailbox, mail across sites (lon1 → nyc1 → tyo1 → lon1), and a burst of new
    mail at LON and TYO so that their next runs take a while."""
    for site in SITES:
        for n in range(1, 5):
            account = ews(ews_url, address(site, n))
            account.inbox.filter(subject="m1").delete()
            if site != "NYC":
                burst = [Message(account=account, subject=f"burst {k}", body="x" * 200) for k in range(150)]
                account.bulk_create(folder=account.inbox, items=burst)
    codes = list(SITES)
    for i, site in enumerate(codes):
        to = address(codes[(i + 1) % len(codes)], 1)
        Message(account=ews(ews_url, address(site, 1)), subject=f"from {site}", to_recipients=[to]).send_and_save()


@pytest.fixture(scope="module")
def run(postgresql_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("sites")
    world = tenant()
    exchange = MockExchange(world, auth="basic")
    mocks = combine(ews_app(exchange), directory_app(MockDirectory(world)))
    with (
        empty_database(postgresql_server) as console_db,
        empty_database(postgresql_server) as archive_db,
        ServerThread(mocks, threads=8) as served_mocks,
    ):
        create_admin(console_db)
        console, lines = launch(
            "serve", "console", "--workers", "2", "--port", "0", "--db", console_db, "--archive-db", archive_db,
            ready=r"Ctrl\+C", env={"SYNCENG_ARCHIVE_TOKEN": ARCHIVE_TOKEN},
        )  # fmt: skip
        base = base_url(lines)
        drain(console, lines)
        sites: list[Any] = []
        try:
            try:
                run = concurrently(base, archive_db, exchange, served_mocks.url, tmp, sites, console.pid)
            except AssertionError as failed:  # with what the console said meanwhile
                raise AssertionError(f"{failed}\n-- the console printed:\n{''.join(lines)}") from failed
            run.outputs = lines
            yield run
        finally:
            for process in sites:
                stop(process)
            stop(console)
            close_connections()


def concurrently(
    base: str, archive_db: str, exchange: MockExchange, mocks_url: str, tmp: Path, sites: list[Any], console_pid: int
) -> Run:
    """The scenario: register three sites, two MFR tasks each, start the three site
    processes, then three rounds of overlapping slots; in round 2, NYC-b is deleted
    (R9) while LON and TYO are running."""
    token = requests.post(f"{base}/api/session", json={"email": ADMIN, "password": PASSWORD}).json()["token"]
    admin = {"Authorization": f"Bearer {token}"}
    mfr = requests.post(f"{base}/api/definitions", json={"name": "MFR", "spec": {"type": "mfr"}}, headers=admin)
    later = requests.post(
        f"{base}/api/schedules", json={"name": "Later", "spec": {"kind": "one_off", "at": "2030-01-01T00:00:00"}},
        headers=admin,
    )  # fmt: skip
    tasks: dict[str, int] = {}
    said: list[str] = []  # what the three sites print
    for code, zone in SITES.items():
        site = requests.post(f"{base}/api/sites", json=site_registration(mocks_url, code, zone), headers=admin)
        assert site.status_code == 201, site.text
        for half, numbers in (("a", (1, 2)), ("b", (3, 4))):
            body = {
                "site_id": site.json()["site"]["id"],
                "type": "mfr",
                "definition_id": mfr.json()["id"],
                "schedule_id": later.json()["id"],
                "group": {"kind": "mailbox_list", "addresses": [address(code, n) for n in numbers]},
            }
            task = requests.post(f"{base}/api/tasks", json=body, headers=admin)
            assert task.status_code == 201, task.text
            tasks[f"{code}-{half}"] = task.json()["id"]
        process, _ = launch(
            "site", "run", "--console", base, "--key", site.json()["binding_key"], "--state", str(tmp / f"{code}.db"),
            "--poll-seconds", "5", "--ews-auth", "basic", "--ews-version", EWS_VERSION,
            "--directory-url", f"{mocks_url}/v1.0",
            "--directory-token-url", f"{mocks_url}/{DOMAIN}/oauth2/v2.0/token",
            "--directory-client-id", DEFAULT_CLIENT_ID, "--directory-secret", DEFAULT_CLIENT_SECRET,
            ready="site running against",
        )  # fmt: skip
        drain(process, said)
        sites.append(process)
    assert len(children(console_pid)) == 2  # two console workers answer the three sites
    ews_url = f"{mocks_url}/EWS/Exchange.asmx"

    slot = schedule_round(base, admin, tasks, "Round 1")
    wait_for("round 1 ran everywhere", lambda: all(ran_since(base, admin, t, slot) for t in tasks.values()))

    change_the_mailboxes(ews_url)
    # A quick machine reads the burst between two looks at the task (0.25 s apart), and
    # the delete below must fall while LON and TYO run: their EWS is slowed for round 2.
    for busy in ("LON", "TYO"):
        for n in range(1, 5):
            exchange.faults.add(FaultRule("latency", latency_ms=200, mailbox=address(busy, n)))
    slot = schedule_round(base, admin, tasks, "Round 2")
    deleted = "NYC-b"

    def others_running() -> bool:
        return any(run_view(base, admin, t)["status"] == "Running" for n, t in tasks.items() if n[:3] in ("LON", "TYO"))

    wait_for("LON or TYO running in round 2", others_running, timeout=LEAD + 60)
    deleted_at = time.time()
    gone = requests.delete(f"{base}/api/tasks/{tasks[deleted]}?confirm=true", headers=admin)
    assert gone.status_code == 200, gone.text
    survivors = {n: t for n, t in tasks.items() if n != deleted}
    wait_for("round 2 ran", lambda: all(ran_since(base, admin, t, slot) for t in survivors.values()))
    exchange.faults.clear()

    slot = schedule_round(base, admin, survivors, "Round 3")
    wait_for("round 3 ran", lambda: all(ran_since(base, admin, t, slot) for t in survivors.values()))
    return Run(base, admin, archive_db, exchange.world, tasks, deleted, deleted_at, changed=2, sites_said=said)


def run_view(base: str, admin: dict[str, str], task: int) -> dict[str, Any]:
    info: dict[str, Any] = requests.get(f"{base}/api/tasks/{task}", headers=admin, timeout=30).json()["information"]
    return info


# -- the judge --------------------------------------------------------------------------------------------


def expected_live(world: World, mailbox: str) -> dict[str, set[str]]:
    """R1 from the mock's store: folder name → keys, the folders that hold any."""
    with world.lock:
        snap = mfr_snapshot(world, mailbox, {"type": "mfr"})
        names = {f.id: f.name for f in world.mailbox(mailbox).well_known("msgfolderroot").walk()}
    out: dict[str, set[str]] = {}
    for key, folders in snap.live.items():
        for folder in folders:
            out.setdefault(names[folder], set()).add(key)
    return out


def nonempty(view: dict[str, set[str]]) -> dict[str, set[str]]:
    return {name: keys for name, keys in view.items() if keys}


def problems(run: Run, conn: Connection) -> list[str]:
    """What does not hold, read from the archive's tables (``conn``), the console's API
    and the mock's store."""
    found: list[str] = []
    rows = conn.execute(text("SELECT task_id, sequence, removed FROM archive_tasks")).all()
    archived = {r.task_id: (r.sequence, r.removed) for r in rows}
    counted = dict(conn.execute(text("SELECT task_id, count(*) FROM submissions GROUP BY task_id")).all())
    held = dict(conn.execute(text("SELECT mailbox, task_id FROM mfr_holders")).all())
    session = requests.Session()
    for name, task in run.tasks.items():
        sequence, removed = archived.get(task, (None, None))
        if name == run.deleted:
            # R9: gone from the console, retired in the archive with nothing left to count
            if run.get(f"/api/tasks/{task}").status_code != 404:
                found.append(f"{name}: still at the console")
            if (sequence, removed) != (0, True) or counted.get(task):
                found.append(f"{name}: archive keeps sequence {sequence}, removed {removed}, {counted.get(task)} rows")
            found += [f"{name}: still holds {m}" for m in run.mailboxes(name) if held.get(m) == task]
            for mailbox in run.mailboxes(name):
                live = archive_view(session, f"{run.base}/archive", ARCHIVE_TOKEN, mailbox)
                full = archive_view(session, f"{run.base}/archive", ARCHIVE_TOKEN, mailbox, "full")
                if nonempty(full) != nonempty(live):
                    found.append(f"{name}: the Full View of {mailbox} is not reset to its Live View (R9)")
            continue
        view = run.get(f"/api/tasks/{task}").json()
        info = view["information"]
        # Sequence: as many as the archive accepted, each once, and the console shows the same
        if sequence != counted.get(task, 0) or removed:
            found.append(f"{name}: archive sequence {sequence} but {counted.get(task, 0)} submissions accepted")
        if info["sequence"] != sequence:
            found.append(f"{name}: the console shows Sequence {info['sequence']}, the archive {sequence}")
        if sequence != 2 * run.changed:  # a run submits once for each mailbox that changed
            found.append(f"{name}: {sequence} submissions for two mailboxes changed before {run.changed} runs")
        # the task's status: no report lost between the workers
        if info["status"] != "Completed" or info["command"]:
            found.append(f"{name}: left {info['status']} {info['command']!r}")
        results = {row["mailbox"]: row["result"] for row in view["mailboxes"]}
        if results != {m: "Success" for m in run.mailboxes(name)}:
            found.append(f"{name}: mailbox results {results}")
        for mailbox in run.mailboxes(name):
            if held.get(mailbox) != task:
                found.append(f"{name}: does not hold {mailbox} (T8)")
            live = archive_view(session, f"{run.base}/archive", ARCHIVE_TOKEN, mailbox)
            if nonempty(live) != expected_live(run.world, mailbox):
                found.append(f"{name}: the Live View of {mailbox} differs from the mailbox (R1)")
            full = archive_view(session, f"{run.base}/archive", ARCHIVE_TOKEN, mailbox, "full")
            if not any(key.endswith(" (deleted)") for keys in full.values() for key in keys):
                found.append(f"{name}: the Full View of {mailbox} lost its deleted message (R2, not this task's R9)")
    # the delete happened while the other sites submitted: their accepted submissions straddle it
    others = [t for n, t in run.tasks.items() if not n.startswith("NYC")]
    marks = conn.execute(text("SELECT task_id, at FROM submissions")).all()
    before = any(r.task_id in others and r.at < run.deleted_at for r in marks)
    after = any(r.task_id in others and r.at > run.deleted_at for r in marks)
    if not (before and after):
        found.append("the R9 delete did not fall among the other sites' submissions")
    return found


@pytest.fixture
def archive(run: Run) -> Iterator[Connection]:
    """A connection to the archive's database in a transaction rolled back afterwards:
    what a mutation test breaks is never kept."""
    engine = create_engine(run.archive_db)
    with engine.connect() as conn, conn.begin() as tx:
        yield conn
        tx.rollback()
    engine.dispose()


def test_three_sites_two_console_workers_every_sequence_exact_and_r9_while_others_submit(
    run: Run, archive: Connection
) -> None:
    """Sequence exact (each accepted submission counted once, the console showing the
    archive's count), T3 status left Completed, T8 holds, R1 Live Views equal to the
    mailboxes, and R9 exact for the task deleted while the others submitted."""
    found = problems(run, archive)
    assert found == [], "\n".join(found)
    # nothing went wrong on the way: no error answered, no traceback in any process
    assert "Traceback" not in "".join(run.outputs), "".join(run.outputs)
    assert "Traceback" not in "".join(run.sites_said), "".join(run.sites_said)


def test_the_judge_sees_a_submission_counted_twice(run: Run, archive: Connection) -> None:
    archive.execute(
        text("UPDATE archive_tasks SET sequence = sequence + 1 WHERE task_id = :t"), {"t": run.tasks["LON-a"]}
    )
    assert "LON-a: archive sequence" in " ".join(problems(run, archive))


def test_the_judge_sees_a_lost_submission(run: Run, archive: Connection) -> None:
    archive.execute(
        text("DELETE FROM submissions WHERE ctid IN (SELECT ctid FROM submissions WHERE task_id = :t LIMIT 1)"),
        {"t": run.tasks["TYO-b"]},
    )
    assert "TYO-b: archive sequence" in " ".join(problems(run, archive))


def test_the_judge_sees_a_retired_task_still_counted(run: Run, archive: Connection) -> None:
    archive.execute(text("UPDATE archive_tasks SET sequence = 3 WHERE task_id = :t"), {"t": run.tasks[run.deleted]})
    assert f"{run.deleted}: archive keeps sequence 3" in " ".join(problems(run, archive))


def test_the_judge_sees_a_delete_that_fell_outside_the_submissions(run: Run, archive: Connection) -> None:
    late = Run(**{**run.__dict__, "deleted_at": time.time() + 3600})
    assert "the R9 delete did not fall among" in " ".join(problems(late, archive))
