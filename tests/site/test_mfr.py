"""Mailbox Folder Replication end to end: the console schedules, the site replicates
through exchangelib against the mock Exchange, the archive's views follow R1 to R4."""

from __future__ import annotations

from typing import Any

from exchangelib import IMPERSONATION, Account, Configuration, Credentials, Folder, Message
from exchangelib.version import Build, Version

from engine.site.site import Site
from scenarios.testbed import SERVICE_ACCOUNT, SERVICE_PASSWORD, Testbed

from .conftest import ALICE, BOB, HOURLY


def mailbox(bed: Testbed, address: str = ALICE) -> Account:
    """The mailbox through exchangelib, as a user's mail client would change it."""
    config = Configuration(
        service_endpoint=f"{bed.mocks_url}/EWS/Exchange.asmx",
        credentials=Credentials(SERVICE_ACCOUNT, SERVICE_PASSWORD),
        auth_type="basic",
        version=Version(build=Build(15, 1, 2507, 6)),
    )
    return Account(address, config=config, access_type=IMPERSONATION, autodiscover=False)


def deliver(bed: Testbed, subject: str, sender: str = BOB, to: str = ALICE) -> None:
    """Mail as mail arrives: sent by another mailbox, delivered with a Message-ID."""
    Message(account=mailbox(bed, sender), subject=subject, body=subject, to_recipients=[to]).send()


def start(
    bed: Testbed, schedule: dict[str, Any] = HOURLY, definition: dict[str, Any] | None = None
) -> tuple[Site, int]:
    site_id, key = bed.register_site()
    task = bed.task(
        site_id,
        "mfr",
        bed.definition("MFR", definition or {"type": "mfr"}),
        bed.schedule("Hourly", schedule),
        {"kind": "single_mailbox", "address": ALICE},
    )
    site = bed.site(key)
    site.start()
    return site, task


def run_once(site: Site) -> None:
    """Let the site run until its next execution has finished."""
    done = len(site.finished)
    runtime = site.runtime
    runtime.run(until=lambda: len(site.finished) > done)  # type: ignore[attr-defined]
    assert len(site.finished) > done, "no execution finished"


def test_R3_worked_example_step_by_step(bed: Testbed) -> None:
    account = mailbox(bed)
    a = Folder(parent=account.inbox, name="A")
    a.save()
    b = Folder(parent=account.inbox, name="B")
    b.save()
    deliver(bed, "X")
    site, task = start(bed)
    key_of = lambda: next(iter(bed.view(ALICE)["Inbox"]))  # noqa: E731

    run_once(site)  # run 1: X in the Inbox
    live = bed.view(ALICE)
    assert len(live["Inbox"]) == 1 and live["A"] == set() and live["B"] == set()
    key = key_of()

    next(iter(account.inbox.all())).move(a)
    run_once(site)  # run 2: X in A
    assert bed.view(ALICE)["A"] == {key} and bed.view(ALICE)["Inbox"] == set()

    next(iter(a.all())).move(b)
    run_once(site)  # run 3: X in B
    assert bed.view(ALICE)["B"] == {key}

    next(iter(b.all())).delete()  # hard delete
    run_once(site)  # run 4: gone
    live = bed.view(ALICE)
    assert all(key not in keys for keys in live.values())
    full = bed.view(ALICE, "full")
    assert full["Inbox"] == {key} and full["A"] == {key} and full["B"] == {f"{key} (deleted)"}
    info = bed.task_view(task)["information"]
    assert info["sequence"] == 4  # one submission per run that changed something
    assert [m["result"] for m in bed.task_view(task)["mailboxes"]] == ["Success"]
