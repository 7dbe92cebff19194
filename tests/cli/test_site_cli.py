"""`synceng site run-once` and `synceng site run` against a console, an archive and
the mocks served over real HTTP (loopback)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.clock import ManualClock
from mockews.store import World
from mockews.store.loader import new_message
from scenarios.testbed import EWS_VERSION, Testbed, build_testbed
from synceng.cli import main

from .processes import as_from_a_terminal

ALICE = "alice@contoso.example"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def bed() -> Iterator[Testbed]:
    clock = ManualClock(START)
    world = World(seed=5, clock=clock, domain="contoso.example")
    box = world.provision_mailbox(ALICE, "Alice", password="pw")
    for n in range(5):
        new_message(box, box.well_known("inbox"), subject=f"m{n}", message_id=f"<m{n}@x>", sent=START)
    testbed = build_testbed(world, clock, transport="http")
    yield testbed
    testbed.close()


def site_args(bed: Testbed, key: str, state: Path) -> list[str]:
    return [
        "--console",
        bed.console_url,
        "--key",
        key,
        "--state",
        str(state),
        "--ews-auth",
        "basic",
        "--ews-version",
        EWS_VERSION,
    ]


def far_away_task(bed: Testbed) -> tuple[str, int]:
    """A site with an MFR task for Alice whose one slot is years away: (key, task)."""
    site_id, key = bed.register_site()
    task = bed.task(
        site_id,
        "mfr",
        bed.definition("MFR", {"type": "mfr"}),
        bed.schedule("Far away", {"kind": "one_off", "at": "2030-01-01T00:00:00"}),
        {"kind": "single_mailbox", "address": ALICE},
    )
    return key, task


def test_site_run_once_runs_a_task_now_and_prints_the_results(bed: Testbed, tmp_path: Path) -> None:
    key, task = far_away_task(bed)
    result = CliRunner().invoke(
        main, ["site", "run-once", "--task", str(task), *site_args(bed, key, tmp_path / "s.db")]
    )
    assert result.exit_code == 0, result.output
    assert f"task {task}: Success" in result.output
    assert "alice@contoso.example" in result.output and "Success" in result.output
    assert len(bed.view(ALICE)["Inbox"]) == 5
    assert bed.task_view(task)["information"]["sequence"] == 1
    missing = CliRunner().invoke(main, ["site", "run-once", "--task", "999", *site_args(bed, key, tmp_path / "s.db")])
    assert missing.exit_code == 1 and "not a task of this site" in missing.output


def test_site_run_binds_and_heartbeats_until_interrupted(bed: Testbed, tmp_path: Path) -> None:
    site_id, key = bed.register_site()
    process = subprocess.Popen(
        [sys.executable, "-m", "synceng", "site", "run", *site_args(bed, key, tmp_path / "run.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=as_from_a_terminal,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # a heartbeat, then the configuration and its acknowledgement
            view = bed.call("GET", f"/api/sites/{site_id}")
            if view["status"] == "Active" and view["acked_version"] == view["config_version"]:
                break
            time.sleep(0.2)
        view = bed.call("GET", f"/api/sites/{site_id}")
        assert view["status"] == "Active" and view["engine_version"] == "2.7.0"
        assert view["acked_version"] == view["config_version"]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired as late:
            # what the site printed, and no process left behind
            process.kill()
            output, _ = process.communicate()
            raise AssertionError(f"site run did not stop within 20 s of Ctrl+C:\n{output}") from late
    assert process.returncode == 0, output
    assert "site running against" in output and "stopping" in output


def synceng(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: its own process, stdout and stderr as they print."""
    return subprocess.run(
        [sys.executable, "-m", "synceng", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_site_run_with_a_key_the_console_refuses_stops_and_says_so(bed: Testbed, tmp_path: Path) -> None:
    """A refused key is a permanent error: no retrying forever, a clear line, exit 1."""
    bed.register_site()
    done = synceng("site", "run", *site_args(bed, "site_not-a-key", tmp_path / "s.db"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "refused the site's binding key" in done.stderr and "--key" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_site_run_once_on_a_removed_task_says_so_without_a_traceback(bed: Testbed, tmp_path: Path) -> None:
    key, task = far_away_task(bed)
    bed.call("DELETE", f"/api/tasks/{task}?confirm=true")
    done = synceng("site", "run-once", "--task", str(task), *site_args(bed, key, tmp_path / "s.db"))
    assert done.returncode == 1
    assert f"task {task} is not a task of this site" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
