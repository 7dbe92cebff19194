"""A working console in two commands: `synceng console create-admin` (password from the
environment), `synceng console register-site` (prints the binding key), then
`synceng serve console` on a real port — the console and the archive in one process."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from synceng.cli import main

from .processes import start, stop


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/console.db"


def test_create_admin_takes_the_password_from_the_environment(db: str) -> None:
    runner = CliRunner()
    env = {"SYNCENG_ADMIN_PASSWORD": "a long password"}
    result = runner.invoke(main, ["console", "create-admin", "Root@Contoso.example", "--db", db], env=env)
    assert result.exit_code == 0, result.output
    assert "root@contoso.example (admin) created" in result.output
    again = runner.invoke(main, ["console", "create-admin", "root@contoso.example", "--db", db], env=env)
    assert again.exit_code == 2 and "exists already" in again.output
    short = runner.invoke(
        main, ["console", "create-admin", "x@contoso.example", "--db", db], env={"SYNCENG_ADMIN_PASSWORD": "short"}
    )
    assert short.exit_code == 2 and "8 characters" in short.output
    bad = runner.invoke(main, ["console", "create-admin", "not-an-email", "--db", db], env=env)
    assert bad.exit_code == 2 and "email" in bad.output


def test_create_admin_prompts_for_the_password(db: str) -> None:
    result = CliRunner().invoke(
        main,
        ["console", "create-admin", "ops@contoso.example", "--role", "read_only", "--db", db],
        input="pw-12345\npw-12345\n",
    )
    assert result.exit_code == 0, result.output
    assert "(read_only) created" in result.output


def test_register_site_prints_the_binding_key_once(db: str) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["console", "register-site", "LON", "--time-zone", "Europe/London", "--db", db])
    assert result.exit_code == 0, result.output
    assert re.search(r"site_[A-Za-z0-9_-]{20,}", result.output)
    bad = runner.invoke(main, ["console", "register-site", "NYC", "--time-zone", "Nowhere/Else", "--db", db])
    assert bad.exit_code == 2 and "time_zone" in bad.output


@pytest.fixture
def served(db: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    env = {"SYNCENG_ADMIN_PASSWORD": "a long password"}
    runner = CliRunner()
    assert runner.invoke(main, ["console", "create-admin", "root@contoso.example", "--db", db], env=env).exit_code == 0
    registered = runner.invoke(main, ["console", "register-site", "LON", "--db", db])
    found = re.search(r"site_[A-Za-z0-9_-]{20,}", registered.output)
    assert found, registered.output
    command = ["serve", "console", "--port", "0", "--db", db, "--archive-db", f"sqlite:///{tmp_path}/archive.db"]
    process, listening = start(*command, ready=r"console serving on (http://\S+)", env=env)
    try:
        yield listening.group(1), found.group(0)
    finally:
        stop(process)


def test_serve_console_runs_the_console_and_the_archive_in_one_process(served: tuple[str, str]) -> None:
    base, key = served
    session = requests.Session()
    login = session.post(f"{base}/api/session", json={"email": "root@contoso.example", "password": "a long password"})
    assert login.status_code == 201
    assert [s["code"] for s in session.get(f"{base}/api/sites").json()["sites"]] == ["LON"]
    site = requests.Session()
    site.headers["Authorization"] = f"Bearer {key}"
    schedule = session.post(
        f"{base}/api/schedules", json={"name": "Nightly", "spec": {"kind": "daily", "times": {"start": "02:00"}}}
    ).json()
    definition = session.post(f"{base}/api/definitions", json={"name": "All", "spec": {"type": "mfr"}}).json()
    task = {
        "site_id": 1,
        "type": "mfr",
        "definition_id": definition["id"],
        "schedule_id": schedule["id"],
        "group": {"kind": "single_mailbox", "address": "alice@contoso.example"},
    }
    assert session.post(f"{base}/api/tasks", json=task).status_code == 201
    site.post(f"{base}/api/site/heartbeat", json={})
    config = site.get(f"{base}/api/site/config").json()
    # the site learns where the archive is, and the archive knows the site's key and task
    # (the site was registered from the command line, before the console started)
    assert config["archive_url"] == f"{base}/archive"
    submission = {"task_id": 1, "mailbox": "alice@contoso.example", "batch_id": "b1", "complete": True}
    assert site.post(f"{config['archive_url']}/api/submissions", json=submission).json() == {
        "applied": True,
        "sequence": 1,
    }
    assert session.get(f"{base}/exchange-services").status_code == 200  # the pages, with the session cookie


def test_a_site_registered_from_the_command_line_while_the_console_runs_works_at_once(
    served: tuple[str, str], db: str
) -> None:
    """`console register-site` writes the console's database behind the running
    server's back: the archive learns the key at the site's first heartbeat, not at the
    next console restart."""
    base, _ = served
    registered = CliRunner().invoke(main, ["console", "register-site", "NYC", "--db", db])
    key = re.search(r"site_[A-Za-z0-9_-]{20,}", registered.output)
    assert key, registered.output
    site = requests.Session()
    site.headers["Authorization"] = f"Bearer {key.group(0)}"
    archive = f"{base}/archive"
    assert site.get(f"{archive}/api/tasks/1/sequence").status_code == 401  # the archive does not know it yet
    assert site.post(f"{base}/api/site/heartbeat", json={}).status_code == 200
    # known now: a task that is not its own is refused as such (403), not the key (401)
    assert site.get(f"{archive}/api/tasks/1/sequence").status_code == 403


def test_serve_console_says_how_to_log_in_or_to_create_an_administrator_first(db: str, tmp_path: Path) -> None:
    """Issue 12 defect 6: the banner asked for an administrator even when one existed."""
    command = ["serve", "console", "--port", "0", "--db", db, "--archive-db", f"sqlite:///{tmp_path}/archive.db"]
    banner = r"(Create an administrator with: synceng console create-admin|\d+ administrators? can log in at \S+/login)"
    process, said = start(*command, ready=banner)
    stop(process)
    assert said.group(1).startswith("Create an administrator")
    env = {"SYNCENG_ADMIN_PASSWORD": "a long password"}
    assert (
        CliRunner().invoke(main, ["console", "create-admin", "root@contoso.example", "--db", db], env=env).exit_code
        == 0
    )
    process, said = start(*command, ready=banner)
    stop(process)
    assert said.group(1).startswith("1 administrator can log in at http://")
