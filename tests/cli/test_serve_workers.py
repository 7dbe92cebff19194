"""`synceng serve console --workers N` and `serve archive --workers N`: several gunicorn
worker processes behind one port, on PostgreSQL (a throwaway server, tests/postgres.py).
Requests land on any worker, so what one worker does (a login, a site registered) must
hold in the others: the cookie key, the archive's token and every record are shared."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from ..postgres import empty_database
from .processes import base_url, launch

ADMIN = "admin@contoso.example"
PASSWORD = "correct horse battery"


def start(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """A serving command, up: its process and its base URL (read from what it prints)."""
    process, lines = launch("serve", *args, "--port", "0", ready=r"Ctrl\+C", env=env)
    return process, base_url(lines)


def create_admin(db: str) -> None:
    """`synceng console create-admin` as a user runs it, the password from the environment."""
    made = subprocess.run(
        [sys.executable, "-m", "synceng", "console", "create-admin", ADMIN, "--db", db],
        capture_output=True,
        text=True,
        env={**os.environ, "SYNCENG_ADMIN_PASSWORD": PASSWORD},
    )
    assert made.returncode == 0, made.stdout + made.stderr


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    return output


@pytest.fixture
def console(postgresql_server: str) -> Iterator[tuple[str, int]]:
    with empty_database(postgresql_server) as console_db, empty_database(postgresql_server) as archive_db:
        create_admin(console_db)
        process, base = start("console", "--workers", "2", "--db", console_db, "--archive-db", archive_db)
        try:
            yield base, process.pid
        finally:
            output = stop(process)
            assert process.returncode == 0, output
            assert "Traceback" not in output, output


def children(pid: int) -> set[int]:
    """The processes ``pid`` started (gunicorn's workers), from /proc."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if parent == pid:
                found.add(int(entry))
    return found


def test_two_console_workers_share_sessions_sites_and_the_archive(console: tuple[str, int]) -> None:
    base, pid = console
    # many fresh connections: each may land on either worker
    token = requests.post(f"{base}/api/session", json={"email": ADMIN, "password": PASSWORD}).json()["token"]
    admin = {"Authorization": f"Bearer {token}"}
    for _ in range(8):
        assert requests.get(f"{base}/api/sites", headers=admin).status_code == 200
    site = requests.post(f"{base}/api/sites", json={"code": "LON"}, headers=admin)
    assert site.status_code == 201, site.text
    key = site.json()["binding_key"]
    # the site key works at the console and at the archive (which another worker may answer)
    for _ in range(8):
        assert requests.get(f"{base}/api/site/config", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        sequence = requests.get(f"{base}/archive/api/tasks/1/sequence", headers={"Authorization": f"Bearer {key}"})
        assert sequence.status_code == 403, sequence.text  # known key, a task it does not have
    # a page login (cookie signed by one worker) is honoured by the others
    with requests.Session() as browser:
        form = browser.get(f"{base}/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf is not None, form
        page = browser.post(
            f"{base}/login",
            data={"email": ADMIN, "password": PASSWORD, "csrf": csrf.group(1)},
            allow_redirects=False,
        )
        assert page.status_code in (302, 303), page.text
        for _ in range(8):
            shown = browser.get(f"{base}/exchange-services", allow_redirects=False)
            assert shown.status_code == 200 and "LON" in shown.text
    assert len(children(pid)) == 2  # the master (the command's own process) and its two workers


def test_workers_never_hand_out_the_same_key_or_token(console: tuple[str, int]) -> None:
    """Each worker draws its secrets from its own generator: one copied by the fork made
    two workers give two sites the same binding key (a 500 on the second) and two
    logins the same session token."""
    base, _ = console
    tokens = [
        requests.post(f"{base}/api/session", json={"email": ADMIN, "password": PASSWORD}).json()["token"]
        for _ in range(8)
    ]
    assert len(set(tokens)) == len(tokens)
    admin = {"Authorization": f"Bearer {tokens[0]}"}
    keys = []
    for n in range(12):
        site = requests.post(f"{base}/api/sites", json={"code": f"S{n:02}"}, headers=admin)
        assert site.status_code == 201, site.text
        keys.append(site.json()["binding_key"])
    assert len(set(keys)) == len(keys)


def test_seed_with_more_than_one_worker_is_refused_in_words() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "synceng", "serve", "console", "--workers", "2", "--seed", "3",
         "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none",
         "--archive-db", "postgresql+psycopg://nobody@127.0.0.1:1/none"],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--seed with --workers: every worker would draw the same keys and tokens" in done.stderr


def test_more_than_one_worker_on_sqlite_is_refused_in_words(tmp_path: object) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "synceng", "serve", "console", "--workers", "2", "--db", "sqlite:///x.db"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "--workers 2 needs a PostgreSQL database for --db" in done.stderr
    archive = subprocess.run(
        [sys.executable, "-m", "synceng", "serve", "archive", "--workers", "3", "--token", "t"],
        capture_output=True,
        text=True,
    )
    assert archive.returncode == 2 and "--workers 3 needs a PostgreSQL database for --db" in archive.stderr
