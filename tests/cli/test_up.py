"""`synceng up` as a newcomer runs it: the whole stack in one process, in real time —
the console URL and the credentials it prints let one log in through the REST API, a
task created there runs on the site at once, and Ctrl+C (or SIGTERM) stops it all."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests

from .processes import launch

PASSWORD = "a walk in the park"


@dataclass
class Up:
    """A running `synceng up`: the process, what it printed until ready, and where its
    standard error goes."""

    process: subprocess.Popen[str]
    banner: str
    errors: Path
    started_in: float  # seconds from launch to the ready line

    def field(self, name: str) -> str:
        found = re.search(rf"^\s*{name}\s*:\s*(\S+)", self.banner, re.MULTILINE)
        assert found, f"no {name} in:\n{self.banner}"
        return found.group(1)

    @property
    def base_url(self) -> str:
        parts = urlsplit(self.field("console"))
        return f"{parts.scheme}://{parts.netloc}"

    def interrupt(self, sig: signal.Signals = signal.SIGINT) -> tuple[str, str]:
        """Send ``sig``; the rest of its output and all of its standard error, once it exited."""
        self.process.send_signal(sig)
        rest, _ = self.process.communicate(timeout=60)
        return rest, self.errors.read_text()


StartUp = Callable[..., Up]
"""`synceng up` with these arguments (and an environment), once it says it is ready."""


@pytest.fixture
def run_up(tmp_path: Path) -> Iterator[StartUp]:
    running: list[Up] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Up:
        errors = tmp_path / f"stderr{len(running)}.txt"
        began = time.monotonic()
        with errors.open("w") as sink:
            process, lines = launch("up", "--port", "0", *args, ready=r"^ready in", env=env, stderr=sink)
        up = Up(process, "".join(lines), errors, time.monotonic() - began)
        running.append(up)
        return up

    yield start
    for up in running:  # a failed test leaves nothing running
        if up.process.poll() is None:
            up.process.kill()
            up.process.communicate()


class Admin:
    """The console's REST API with a session token."""

    def __init__(self, base_url: str, email: str, password: str) -> None:
        self.base_url = base_url
        reply = requests.post(f"{base_url}/api/session", json={"email": email, "password": password}, timeout=10)
        assert reply.status_code == 201, reply.text
        self.token = reply.json()["token"]

    def call(self, method: str, path: str, body: Any = None) -> Any:
        reply = requests.request(
            method, f"{self.base_url}{path}", json=body, headers={"Authorization": f"Bearer {self.token}"}, timeout=10
        )
        assert reply.status_code < 400, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json()


def task_due_now(admin: Admin) -> int:
    """On the running site, a Calendar Replication task on the sample task's group whose
    one-off slot is this very second in the site's zone (a one-off whose time has come is
    due at once).  Calendar, not a second MFR task: T8 would mark the mailboxes the
    sample's MFR task already replicates Duplicate if a loaded machine let it run first."""
    (site,) = admin.call("GET", "/api/sites")["sites"]
    (sample,) = admin.call("GET", "/api/tasks")["tasks"]
    now = datetime.now(UTC).astimezone(ZoneInfo(site["time_zone"])).replace(tzinfo=None, microsecond=0)
    schedule = admin.call("POST", "/api/schedules", {"name": "Now", "spec": {"kind": "one_off", "at": now.isoformat()}})
    definition = admin.call("POST", "/api/definitions", {"name": "Calendars", "spec": {"type": "calendar"}})
    body = {
        "site_id": site["id"],
        "type": "calendar",
        "definition_id": definition["id"],
        "schedule_id": schedule["id"],
        "group": sample["options"]["group"],
    }
    return int(admin.call("POST", "/api/tasks", body)["id"])


def wait_for_a_run(admin: Admin, task_id: int, timeout: float = 120) -> dict[str, Any]:
    """The task as the console shows it once its site has run it (polled, not timed)."""
    deadline = time.monotonic() + timeout
    while True:
        task: dict[str, Any] = admin.call("GET", f"/api/tasks/{task_id}")
        if (task["information"]["sequence"] or 0) > 0 and any(row["result"] == "Success" for row in task["mailboxes"]):
            return task
        assert time.monotonic() < deadline, f"no run of task {task_id} within {timeout} s: {task}"
        time.sleep(0.5)


def test_up_serves_the_whole_stack_a_new_task_runs_at_once_and_ctrl_c_stops_it(run_up: StartUp) -> None:
    up = run_up("--profile", "tiny", "--sites", "1", "--mail-every", "2")
    assert "site LON (Europe/London)" in up.banner and "Mailbox Folder Replication" in up.banner
    temporary = Path(up.field("databases"))
    assert (temporary / "console.db").exists() and (temporary / "site-LON.db").exists()

    admin = Admin(up.base_url, up.field("administrator"), up.field("password"))
    asked = time.monotonic()
    task_id = task_due_now(admin)
    task = wait_for_a_run(admin, task_id)
    first_run = time.monotonic() - asked
    print(f"\nsynceng up: ready {up.started_in:.1f} s after launch; a task due at once ran {first_run:.1f} s later")

    rows = {row["mailbox"]: row for row in task["mailboxes"]}
    succeeded = [row for row in rows.values() if row["result"] == "Success"]
    assert succeeded and all(row["last_run"] and row["items"] > 0 for row in succeeded)
    assert task["information"]["last_run"] is not None

    rest, errors = up.interrupt(signal.SIGINT)
    assert up.process.returncode == 0, rest + errors
    assert "stopped" in rest
    assert "new mail: one message in each of the" in rest  # --mail-every 2: live mail arrived
    assert "Traceback" not in rest + errors
    assert not temporary.exists()  # the default directory goes with the stack


def test_up_takes_the_password_from_the_environment_and_does_not_print_it(run_up: StartUp, tmp_path: Path) -> None:
    kept = tmp_path / "stack"
    up = run_up("--profile", "demo", "--sites", "2", "--dir", str(kept), env={"SYNCENG_ADMIN_PASSWORD": PASSWORD})
    assert PASSWORD not in up.banner and "SYNCENG_ADMIN_PASSWORD" in up.banner
    assert "site LON" in up.banner and "site NYC (America/New_York)" in up.banner

    admin = Admin(up.base_url, up.field("administrator"), PASSWORD)
    sites = admin.call("GET", "/api/sites")["sites"]
    assert sorted((s["code"], s["time_zone"]) for s in sites) == [
        ("LON", "Europe/London"),
        ("NYC", "America/New_York"),
    ]

    rest, errors = up.interrupt(signal.SIGTERM)
    assert up.process.returncode == 0, rest + errors
    assert PASSWORD not in rest + errors and "Traceback" not in rest + errors
    assert (kept / "console.db").exists() and (kept / "site-NYC.db").exists()  # --dir is kept


def test_up_refuses_a_short_password_from_the_environment_in_words() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "synceng", "up", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SYNCENG_ADMIN_PASSWORD": "short"},
    )
    assert done.returncode == 1
    assert "$SYNCENG_ADMIN_PASSWORD: a password needs at least 8 characters" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_up_journals_the_tenants_messages_so_exchange_folders_shows_them() -> None:
    """What `synceng up` indexes in the archive before the sites start: every message of
    the tenant once, with subject, sender, received time and size, readable by the
    mailboxes holding it, under the key MFR submits it with (Message-ID | sent time in
    EWS' form) — else Exchange Folders would list bare Message-IDs "not in the archive
    index"."""
    from engine.site.mail import archive_key
    from scenarios.serving import build_tenant
    from scenarios.up import journaled

    world = build_tenant("tiny", 42, None, False).world
    entries = {entry["item"]: entry for entry in journaled(world)}
    holders: dict[str, set[str]] = {}
    for mailbox in world.mailboxes.values():
        for folder in mailbox.folders():
            for item in folder.items.values():
                if item.kind == "Message" and item.message_id:
                    sent = datetime.fromtimestamp(item.sent, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if item.sent else None
                    holders.setdefault(archive_key(item.message_id, sent), set()).add(mailbox.email.lower())
    assert holders and set(entries) == set(holders)
    for key, entry in entries.items():
        assert entry["subject"] and entry["sender"] and entry["received"] and entry["size"] > 0, entry
        assert set(entry["readers"]) == holders[key]


def test_up_delivers_new_mail_to_every_mailbox_and_journals_it() -> None:
    """A round of live mail (`--mail-every`): one new Inbox message in every mailbox,
    from another mailbox of the tenant, indexed as journaling would under the key MFR
    submits; the same seed gives the same round."""
    import random

    from scenarios.serving import build_tenant
    from scenarios.up import deliver_mail

    rounds = []
    for _ in range(2):
        world = build_tenant("tiny", 42, None, False).world
        before = {m.email: len(m.well_known("inbox").items) for m in world.mailboxes.values()}
        entries = deliver_mail(world, random.Random(7), 1)
        after = {m.email: len(m.well_known("inbox").items) for m in world.mailboxes.values()}
        assert all(after[email] == before[email] + 1 for email in before)
        assert len(entries) == len(before) and len({e["item"] for e in entries}) == len(entries)
        for entry in entries:
            (reader,) = entry["readers"]
            assert entry["subject"] and entry["received"] and entry["size"] > 0
            assert reader not in entry["sender"]  # from another mailbox
        rounds.append([(e["subject"], e["sender"]) for e in entries])
    assert rounds[0] == rounds[1]
