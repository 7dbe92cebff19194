"""`synceng serve ews` on a real port, judged by exchangelib with probing
configuration — the issue's acceptance walk-through — plus keep-alive behaviour."""

from __future__ import annotations

import http.client
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from exchangelib import IMPERSONATION, Account, Configuration, Credentials, Folder, Message
from exchangelib.protocol import close_connections

from scenarios.demo_tenant import SERVICE_ACCOUNT, SERVICE_PASSWORD
from synceng.cli import main

from .processes import start, stop


def start_server(*args: str, command: tuple[str, ...] = ("serve", "ews")) -> tuple[subprocess.Popen[str], str]:
    """Run `synceng <command> --port 0 <args>`; returns the process and the EWS URL."""
    process, found = start(*command, "--port", "0", *args, ready=r"EWS endpoint : (http://\S+)")
    return process, found.group(1)


def stop_server(process: subprocess.Popen[str]) -> None:
    close_connections()  # exchangelib's pooled connections to it
    stop(process)


@pytest.fixture
def served() -> Iterator[str]:
    process, url = start_server()
    try:
        yield url
    finally:
        stop_server(process)


def test_exchangelib_walks_the_served_mock_with_probing(served: str) -> None:
    config = Configuration(
        service_endpoint=served,
        credentials=Credentials(SERVICE_ACCOUNT, SERVICE_PASSWORD),
        auth_type=None,
        version=None,
    )
    account = Account("alice@contoso.example", config=config, access_type=IMPERSONATION, autodiscover=False)
    assert account.protocol.auth_type == "basic"
    tree = account.root.tree()
    assert "Inbox" in tree and "Apollo" in tree  # the demo tenant's folders

    # folders: create, rename, move, delete
    folder = Folder(parent=account.inbox, name="Walkthrough")
    folder.save()
    folder.name = "Walkthrough 2"
    folder.save(update_fields=["name"])
    folder.move(account.msg_folder_root)

    # items: create, read, update, move, delete
    message = Message(account=account, folder=account.inbox, subject="walk", body="through")
    message.save()
    assert account.inbox.get(id=message.id).body == "through"
    message.subject = "walk 2"
    message.save(update_fields=["subject"])
    message.move(folder)
    assert [m.subject for m in folder.all()] == ["walk 2"]
    message.delete()
    assert folder.all().count() == 0
    folder.delete()

    # sync items and hierarchy
    changes = list(account.inbox.sync_items())
    assert changes and all(kind == "create" for kind, _ in changes)
    assert list(account.inbox.sync_items(sync_state=account.inbox.item_sync_state)) == []
    hierarchy = list(account.msg_folder_root.sync_hierarchy())
    assert {"Inbox", "Projects"} <= {f.name for _, f in hierarchy}

    # directory
    members = {m.email_address for m in account.protocol.expand_dl("engineering@contoso.example")}
    assert members == {"alice@contoso.example", "bob@contoso.example"}
    assert [m.email_address for m in account.protocol.resolve_names(["carol"])] == ["carol@contoso.example"]


def test_401_keeps_the_connection_alive(served: str) -> None:
    """exchangelib reads a non-200 reply with Connection: close as throttling."""
    host, port = re.match(r"http://([^:/]+):(\d+)", served).groups()  # type: ignore[union-attr]
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    for _ in range(3):
        connection.request("POST", "/EWS/Exchange.asmx", body=b"<x/>", headers={"Content-Type": "text/xml"})
        response = connection.getresponse()
        response.read()
        assert response.status == 401
        assert response.getheader("WWW-Authenticate", "").startswith("Basic")
        assert (response.getheader("Connection") or "").lower() != "close"
    connection.close()


def test_serve_a_saved_world(tmp_path: Path) -> None:
    from mockews.store import World
    from mockews.store.persist import save_world

    world = World(seed=3)
    world.provision_mailbox("solo@contoso.example", password="pw")
    path = tmp_path / "solo.world.jsonl.gz"
    save_world(world, path)
    process, url = start_server("--world", str(path), "--auth", "basic", "--server-version", "15.2.1118.7")
    try:
        config = Configuration(service_endpoint=url, credentials=Credentials("solo@contoso.example", "pw"))
        from exchangelib import DELEGATE

        account = Account("solo@contoso.example", config=config, access_type=DELEGATE, autodiscover=False)
        assert account.inbox.total_count == 0
        assert (account.version.build.major_version, account.version.build.minor_version) == (15, 2)
    finally:
        stop_server(process)


def test_bad_options_get_clear_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["serve", "ews", "--user", "no-colon"])
    assert result.exit_code == 2 and "EMAIL:PASSWORD" in result.output
    result = runner.invoke(main, ["serve", "ews", "--world", str(tmp_path / "missing.gz")])
    assert result.exit_code == 2 and "no such file" in result.output
    bad = tmp_path / "bad.gz"
    bad.write_text("not gzip")
    result = runner.invoke(main, ["serve", "ews", "--world", str(bad)])
    assert result.exit_code == 2 and "world file" in result.output
    result = runner.invoke(main, ["serve", "ews", "--impersonator", "ghost@contoso.example", "--world", str(bad)])
    assert result.exit_code == 2
    result = runner.invoke(main, ["serve", "ews", "--port", "99999"])
    assert result.exit_code == 2 and "99999" in result.output
    result = runner.invoke(main, ["serve", "ews", "--server-version", "15.x"])
    assert result.exit_code == 2 and "--server-version" in result.output
