"""`synceng populate` and `synceng serve` (both mocks on one world): the issue's
acceptance — populate a served mockews through EWS, then a second run adds nothing —
and clear errors for bad options."""

from __future__ import annotations

import re
from pathlib import Path

import requests
from click.testing import CliRunner

from synceng.cli import main

from ..graph.client import Graph
from .processes import as_from_a_terminal
from .test_serve_ews import start_server, stop_server


def test_populate_through_ews_then_nothing_to_add() -> None:
    process, url = start_server("--profile", "tiny", "--seed", "8", "--empty", command=("serve",))
    try:
        runner = CliRunner()
        user, password = "svc-synceng@contoso.example", "Sync-8-Pass"  # the tenant's service account
        args = [
            "populate",
            "--profile",
            "tiny",
            "--seed",
            "8",
            "--ews-url",
            url,
            "--user",
            user,
            "--password",
            password,
            "--no-progress",
        ]
        first = runner.invoke(main, args)
        assert first.exit_code == 0, first.output
        created = re.search(r"created (\d+) folders and (\d+) items", first.output)
        assert created and int(created.group(2)) > 150, first.output
        second = runner.invoke(main, args)
        assert second.exit_code == 0, second.output
        assert "created 0 folders and 0 items" in second.output and "Nothing to add." in second.output
        dry = runner.invoke(main, [*args, "--dry-run"])
        assert "would create 0 folders and 0 items" in dry.output
    finally:
        stop_server(process)


ADMIN_TOKEN = "admin-token-for-tests"


def test_serve_puts_graph_beside_ews() -> None:
    process, url = start_server("--profile", "tiny", "--seed", "2", "--admin-token", ADMIN_TOKEN, command=("serve",))
    try:
        base = url.rsplit("/EWS/", 1)[0]
        bearer = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        state = requests.get(f"{base}/mockad-api/state", headers=bearer, timeout=10).json()
        users = Graph(base, state["tenant_id"]).get("users").json()
        assert len(users["value"]) == 6  # tiny: 4 mailboxes + 2 users without one
        assert requests.get(f"{base}/mockews-api/state", headers=bearer, timeout=10).json()["counts"]["mailboxes"] == 4
    finally:
        stop_server(process)


def test_serve_the_directory_on_its_own_port() -> None:
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "synceng", "serve", "--profile", "tiny", "--port", "0", "--directory-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=as_from_a_terminal,
    )
    try:
        assert process.stdout is not None
        lines = []
        while not lines or "Press Ctrl+C" not in lines[-1]:
            lines.append(process.stdout.readline())
            assert len(lines) < 40 and lines[-1], lines
        ews = next(line for line in lines if "EWS endpoint" in line)
        graph = next(line for line in lines if "Graph API" in line)
        ews_port = re.search(r":(\d+)/", ews).group(1)  # type: ignore[union-attr]
        graph_base = re.search(r"(http://\S+)/v1.0/users", graph).group(1)  # type: ignore[union-attr]
        assert f":{ews_port}" not in graph_base
        assert requests.get(f"{graph_base}/mockad-api/ready", timeout=10).json() == {"ready": True}
    finally:
        stop_server(process)


def test_direct_populate_saves_a_world_that_serve_loads(tmp_path: Path) -> None:
    out = tmp_path / "tiny.world.jsonl.gz"
    result = CliRunner().invoke(main, ["populate", "--profile", "tiny", "--seed", "4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert re.search(r"loaded the tiny population \(seed 4\): 4 mailboxes", result.output)
    assert "messages/s" in result.output and "peak memory" in result.output
    process, _ = start_server("--world", str(out), command=("serve",))
    stop_server(process)
    dry = CliRunner().invoke(main, ["populate", "--profile", "tiny", "--seed", "4", "--dry-run"])
    again = CliRunner().invoke(main, ["populate", "--profile", "tiny", "--seed", "4", "--dry-run"])
    assert dry.output == again.output and "digest" in dry.output


def test_bad_populate_and_serve_options(tmp_path: Path) -> None:
    runner = CliRunner()
    cases = [
        (["populate", "--profile", "huge"], "'huge' is not one of"),
        (["populate", "--profile", "tiny", "--coverage", "1.5"], "1.5"),
        (["populate", "--profile", "tiny", "--seed", "x"], "'x' is not a valid integer"),
        (["populate", "--profile", "tiny", "--ews-url", "ftp://host"], "expected an http(s) URL"),
        (["populate", "--profile", "tiny", "--ews-url", "http://h/EWS/Exchange.asmx"], "--ews-url needs --user"),
        (["populate", "--profile", "tiny", "--user", "u"], "need --ews-url"),
        (
            [
                "populate",
                "--profile",
                "tiny",
                "--ews-url",
                "http://h/x",
                "--user",
                "u",
                "--password",
                "p",
                "--out",
                str(tmp_path / "x"),
            ],
            "--out saves a directly loaded world",
        ),
        (["serve", "--empty"], "--empty needs --profile"),
        (["serve", "--profile", "tiny", "--world", str(tmp_path / "w")], "not --world and --profile"),
        (["serve", "--profile", "tiny", "--spec", "small"], "not --profile and --spec"),
        (["serve", "--spec", str(tmp_path / "nothing.yaml")], "no such file, and not a built-in population"),
        (["populate"], "give --profile or --spec"),
        (["populate", "--profile", "tiny", "--spec", "small"], "give --profile or --spec"),
        (["populate", "--spec", "nope"], "not a built-in population (every-setting, large, medium, small, tiny)"),
    ]
    for args, message in cases:
        result = runner.invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
