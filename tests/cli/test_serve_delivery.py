"""`synceng serve ews --delivery-delay` (issue 13, "Delivery: … after a configurable
delay …, zero available for tests that need it")."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from exchangelib import DELEGATE, Account, Configuration, Credentials, Message

from mockews.store import World
from mockews.store.persist import save_world
from synceng.cli import main

from .test_serve_ews import start_server, stop_server

SOLO = "solo@contoso.example"


def test_zero_delay_delivers_at_once_on_the_served_mock(tmp_path: Path) -> None:
    world = World(seed=3)
    world.provision_mailbox(SOLO, password="pw")
    path = tmp_path / "solo.world.jsonl.gz"
    save_world(world, path)
    process, url = start_server("--world", str(path), "--auth", "basic", "--delivery-delay", "0")
    try:
        config = Configuration(service_endpoint=url, credentials=Credentials(SOLO, "pw"))
        account = Account(SOLO, config=config, access_type=DELEGATE, autodiscover=False)
        Message(account=account, subject="to me", to_recipients=[SOLO]).send()
        assert [m.subject for m in account.inbox.all()] == ["to me"]
    finally:
        stop_server(process)


def test_a_negative_delay_is_refused() -> None:
    result = CliRunner().invoke(main, ["serve", "ews", "--delivery-delay", "-1"])
    assert result.exit_code == 2 and "--delivery-delay" in result.output
