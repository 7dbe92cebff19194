"""Shared steps of the site tests: mailboxes through exchangelib, a site with one
task, and running until an execution finishes."""

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


def subfolders(parent: Folder, *names: str) -> list[Folder]:
    """New folders under ``parent``, saved through exchangelib, in the order named."""
    made = [Folder(parent=parent, name=name) for name in names]
    for folder in made:
        folder.save()
    return made


def deliver(bed: Testbed, subject: str, sender: str = BOB, to: str = ALICE) -> None:
    """Mail as mail arrives: sent by another mailbox, delivered with a Message-ID."""
    Message(account=mailbox(bed, sender), subject=subject, body=subject, to_recipients=[to]).send()


def start(
    bed: Testbed, schedule: dict[str, Any] = HOURLY, definition: dict[str, Any] | None = None, **site_options: Any
) -> tuple[Site, int]:
    """A site with one hourly MFR task for Alice, started (``site_options``: the
    testbed's, e.g. an adapter, a state file, a batch size)."""
    site_id, key = bed.register_site()
    task = bed.task(
        site_id,
        "mfr",
        bed.definition("MFR", definition or {"type": "mfr"}),
        bed.schedule("Hourly", schedule),
        {"kind": "single_mailbox", "address": ALICE},
    )
    site = bed.site(key, **site_options)
    site.start()
    return site, task


def run_once(site: Site) -> None:
    """Let the site run until its next execution has finished."""
    done = len(site.finished)
    runtime = site.runtime
    runtime.run(until=lambda: len(site.finished) > done)  # type: ignore[attr-defined]
    assert len(site.finished) > done, "no execution finished"


class Killed(BaseException):
    """The site process dies here (not an Exception: nothing in the engine catches it)."""
