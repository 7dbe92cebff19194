"""Site engine benchmarks (`synceng bench site`), each beside a baseline in the same run
on the same mock and data:

* ``mfr_initial_items_per_s`` — one mailbox's first Mailbox Folder Replication through
  the engine (console config, hierarchy and item sync through exchangelib's lean
  services, submissions to the archive, local state) over 20 folders; baselines:
  exchangelib ``folder.sync_items()`` as a naive client calls it over the same folders
  (all fields), and the same asking only the four properties MFR needs;
* ``mfr_unchanged_pass_mailboxes_per_s`` — an incremental pass, an hour after the
  last, over mailboxes of 20 folders (40 messages each) in which nothing changed: the
  engine reads the hierarchy and the folders' PidTagLocalCommitTimeMax and skips every
  unchanged folder; baseline: naive exchangelib ``sync_hierarchy()`` and
  ``sync_items()`` on every folder.

Transport: the in-process WSGI transport (the protocol is whole: exchangelib builds
and parses every request and response).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from exchangelib import IMPERSONATION, Account, Configuration, Credentials
from exchangelib.folders import Folder
from exchangelib.version import Build, Version

from bench.results import Echo, Result, Step, beside, result, run_steps
from engine.clock import ManualClock
from engine.site.runtime import RealTimeRuntime
from engine.site.state import SiteState
from mockews.store import World
from mockews.store.loader import new_message
from scenarios.testbed import EWS_VERSION, SERVICE_ACCOUNT, SERVICE_PASSWORD, Testbed, build_testbed

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MAIL_WELL_KNOWN = ("inbox", "sentitems", "deleteditems", "drafts", "outbox", "junkemail")
FOLDERS = 20
MFR_FIELDS = ["message_id", "datetime_sent", "item_class", "sensitivity"]


def build(mailboxes: int, items: int, seed: int = 3, each: int = 0) -> tuple[Testbed, list[str]]:
    """``mailboxes`` mailboxes of 20 mail folders each (the six well-known ones and 14
    below the Inbox), each holding ``each`` messages; the first also ``items`` more."""
    clock = ManualClock(START)
    world = World(seed=seed, clock=clock, domain="contoso.example")
    addresses = []
    for n in range(mailboxes):
        address = f"user{n:04}@contoso.example"
        box = world.provision_mailbox(address, f"User {n}", password="pw")
        inbox = box.well_known("inbox")
        for f in range(FOLDERS - len(MAIL_WELL_KNOWN)):
            box.create_folder(inbox, f"Project {f:02}")
        targets = [box.well_known(w) for w in MAIL_WELL_KNOWN] + [
            f for f in box.folders() if f.name.startswith("Project")
        ]
        for m in range(each):
            new_message(
                box, targets[m % len(targets)], subject=f"m{m}", message_id=f"<{n}.{m}@mail.example>", sent=START
            )
        addresses.append(address)
    box = world.mailbox(addresses[0])
    folders = [box.well_known(w) for w in MAIL_WELL_KNOWN] + [f for f in box.folders() if f.name.startswith("Project")]
    for n in range(items):
        folder = folders[n % len(folders)]
        new_message(
            box,
            folder,
            subject=f"message {n}",
            message_id=f"<{n:08x}.bench@mail.example>",
            sent=START,
            received=START,
            size=4000,
        )
    return build_testbed(world, clock), addresses


def account(bed: Testbed, address: str) -> Account:
    config = Configuration(
        service_endpoint=f"{bed.mocks_url}/EWS/Exchange.asmx",
        credentials=Credentials(SERVICE_ACCOUNT, SERVICE_PASSWORD),
        auth_type="basic",
        version=Version(build=Build(*[int(p) for p in EWS_VERSION.split(".")])),
    )
    return Account(address, config=config, access_type=IMPERSONATION, autodiscover=False)


def mail_folders(acc: Account) -> list[Folder]:
    root = acc.root / "Top of Information Store"
    return [f for f in root.walk() if (f.folder_class or "IPF.Note").startswith("IPF.Note")]


def naive_initial(bed: Testbed, address: str, only: list[str] | None) -> tuple[float, int]:
    acc = account(bed, address)
    folders = mail_folders(acc)
    started = time.perf_counter()
    count = 0
    for folder in folders:
        kwargs: dict[str, Any] = {"max_changes_returned": 512}
        if only is not None:
            kwargs["only_fields"] = only
        count += sum(1 for _ in folder.sync_items(**kwargs))
    return time.perf_counter() - started, count


def engine_run(bed: Testbed, key: str, task: int, state: SiteState) -> tuple[float, str]:
    site = bed.site(key, runtime=RealTimeRuntime(bed.clock), state=state)
    outcome: list[str] = []

    def once() -> Any:
        outcome.append((yield from site.run_once(task)))

    started = time.perf_counter()
    handle = site.runtime.spawn(once(), "bench")
    site.runtime.run(until=lambda: handle.done)  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - started
    if handle.error is not None:
        raise handle.error
    return elapsed, outcome[0]


def task_for(bed: Testbed, addresses: list[str]) -> tuple[str, int]:
    site_id, key = bed.register_site()
    group = (
        {"kind": "single_mailbox", "address": addresses[0]}
        if len(addresses) == 1
        else {"kind": "mailbox_list", "addresses": addresses}
    )
    task = bed.task(
        site_id,
        "mfr",
        bed.definition("MFR", {"type": "mfr"}),
        bed.schedule("Later", {"kind": "one_off", "at": "2030-01-01T00:00:00"}),
        group,
    )
    return key, task


def bench_initial(items: int) -> Result:
    bed, addresses = build(1, items)
    try:
        naive_all_s, seen = naive_initial(bed, addresses[0], None)
        naive_only_s, _ = naive_initial(bed, addresses[0], MFR_FIELDS)
        key, task = task_for(bed, addresses)
        engine_s, message = engine_run(bed, key, task, SiteState(instance="bench"))
        placed = sum(len(keys) for keys in bed.view(addresses[0]).values())
    finally:
        bed.close()
    rate = items / engine_s
    return result(
        "mfr_initial_items_per_s",
        "items/s",
        round(rate, 1),
        items=items,
        folders=FOLDERS,
        engine_seconds=round(engine_s, 3),
        engine_result=message,
        placed_in_archive=placed,
        includes="console poll, hierarchy + item sync, archive submissions, local state",
        **beside(
            "naive exchangelib folder.sync_items() over the same folders (all fields)",
            "baseline_items_per_s",
            rate,
            seen / naive_all_s,
        ),
        baseline_only_fields_items_per_s=round(seen / naive_only_s, 1),
        ratio_to_only_fields=round(rate / (seen / naive_only_s), 2),
        transport="in-process WSGI",
    )


def bench_unchanged(mailboxes: int) -> Result:
    bed, addresses = build(mailboxes, 0, each=40)
    try:
        key, task = task_for(bed, addresses)
        state = SiteState(instance="bench")
        bed.clock.advance(3600)  # type: ignore[attr-defined]  # the mail arrived an hour before
        engine_run(bed, key, task, state)  # the initial replication: states saved
        bed.clock.advance(3600)  # type: ignore[attr-defined]  # an hour later, nothing changed
        engine_s, message = engine_run(bed, key, task, state)
        accounts = [account(bed, a) for a in addresses]
        folders = {a.primary_smtp_address: mail_folders(a) for a in accounts}
        root_of = {a.primary_smtp_address: a.root / "Top of Information Store" for a in accounts}
        for a in accounts:  # the naive client's states, as after its own first pass
            list(root_of[a.primary_smtp_address].sync_hierarchy())
            for f in folders[a.primary_smtp_address]:
                list(f.sync_items(only_fields=MFR_FIELDS))
        started = time.perf_counter()
        for a in accounts:
            list(root_of[a.primary_smtp_address].sync_hierarchy())
            for f in folders[a.primary_smtp_address]:
                list(f.sync_items(only_fields=MFR_FIELDS))
        naive_s = time.perf_counter() - started
    finally:
        bed.close()
    rate = mailboxes / engine_s
    return result(
        "mfr_unchanged_pass_mailboxes_per_s",
        "mailboxes/s",
        round(rate, 1),
        mailboxes=mailboxes,
        folders_per_mailbox=FOLDERS,
        engine_seconds=round(engine_s, 3),
        engine_result=message,
        messages_per_mailbox=40,
        includes="console poll and progress reports, group resolution, one SyncFolderHierarchy and one "
        "GetFolder (PidTagLocalCommitTimeMax of the 20 folders) each; unchanged folders are not read",
        **beside(
            "naive exchangelib sync_hierarchy() + sync_items() on the 20 folders, states kept",
            "baseline_mailboxes_per_s",
            rate,
            mailboxes / naive_s,
        ),
        transport="in-process WSGI",
    )


def run_site_benchmarks(quick: bool = False, echo: Echo = print) -> list[Result]:
    steps: list[Step] = [
        ("MFR initial replication", lambda: bench_initial(5_000 if quick else 20_000)),
        ("unchanged incremental pass", lambda: bench_unchanged(20 if quick else 100)),
    ]
    return run_steps("bench site", steps, echo)


__all__ = ["run_site_benchmarks"]
