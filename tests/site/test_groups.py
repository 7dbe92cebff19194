"""Group targets at the site (domain.md §1, T7, T9): AD groups by DN through the
directory API (nested), Office 365 groups through EWS ExpandDL (nested), single and
list targets; ineligible accounts Skipped with the reason; membership cached an hour;
mailboxes in a deterministic order; the directory sync feeding Lookup from AD."""

from __future__ import annotations

from typing import Any

from scenarios.testbed import Testbed

from .conftest import ALICE, BOB, CAROL, HOURLY
from .helpers import run_once

DN = "CN=Finance,OU=Groups,DC=contoso,DC=example"


def directory_fixture(bed: Testbed) -> dict[str, str]:
    d = bed.world.directory
    ids = {mail: d.user_by_mail(mail).id for mail in (ALICE, BOB, CAROL)}  # type: ignore[union-attr]
    disabled = d.add_user("Dan Disabled", "dan@contoso.example", has_mailbox=True, account_enabled=False)
    unlicensed = d.add_user("Una Unlicensed", "una@contoso.example", has_mailbox=True, licensed=False)
    no_box = d.add_user("Nora NoBox", "nora@contoso.example", has_mailbox=False)
    inner = d.add_group("Finance Team", "finance-team@contoso.example", "security", members=[ids[CAROL], disabled.id])
    d.add_group(
        "Finance",
        None,
        "security",
        distinguished_name=DN,
        members=[ids[BOB], ids[ALICE], inner.id, unlicensed.id, no_box.id],
    )
    return ids


def run_with(bed: Testbed, group: dict[str, Any]) -> tuple[Any, int]:
    site_id, key = bed.register_site()
    task = bed.task(site_id, "mfr", bed.definition("MFR", {"type": "mfr"}), bed.schedule("H", HOURLY), group)
    site = bed.site(key)
    site.start()
    run_once(site)
    return site, task


def rows(bed: Testbed, task: int) -> dict[str, tuple[str, str]]:
    return {m["mailbox"]: (m["result"], m["reason"]) for m in bed.task_view(task)["mailboxes"]}


def test_T9_ad_group_by_dn_expands_nested_members_and_skips_ineligible_accounts(bed: Testbed) -> None:
    directory_fixture(bed)
    _, task = run_with(bed, {"kind": "ad_security_group", "dn": DN})
    assert rows(bed, task) == {
        ALICE: ("Success", ""),
        BOB: ("Success", ""),
        CAROL: ("Success", ""),  # through the nested group
        "dan@contoso.example": ("Skipped", "account disabled"),
        "una@contoso.example": ("Skipped", "account not licensed"),
        "nora@contoso.example": ("Skipped", "no mailbox"),
    }
    # T7: processed one at a time in address order
    commands = [entry["line"] for entry in bed.task_view(task)["log"]]
    assert commands[0].endswith(f"executing task {task}")


def test_T7_membership_is_cached_for_an_hour(bed: Testbed) -> None:
    ids = directory_fixture(bed)
    every_half_hour = {
        "kind": "daily",
        "times": {"mode": "many", "start": "00:00", "end": "23:30", "interval_minutes": 30},
    }
    site_id, key = bed.register_site()
    group = {"kind": "ad_security_group", "dn": DN}
    task = bed.task(
        site_id, "mfr", bed.definition("MFR", {"type": "mfr"}), bed.schedule("Half", every_half_hour), group
    )
    site = bed.site(key)
    site.start()
    run_once(site)  # 09:30: resolved and cached
    finance = bed.world.directory.group_by_dn(DN)
    assert finance is not None
    bed.world.directory.remove_member(finance.id, ids[BOB])

    def last_run(mailbox: str) -> str:
        return next(m["last_run"] for m in bed.task_view(task)["mailboxes"] if m["mailbox"] == mailbox)

    run_once(site)  # 10:00: within the hour, the cached membership still has Bob
    assert last_run(BOB).startswith("2026-03-02T10:00")
    run_once(site)  # 10:30: an hour since 09:30 — resolved again, Bob is out
    assert last_run(BOB).startswith("2026-03-02T10:00") and last_run(ALICE).startswith("2026-03-02T10:30")


def test_o365_group_expands_through_exchange_with_nested_lists(bed: Testbed) -> None:
    d = bed.world.directory
    alice, bob, carol = (d.user_by_mail(m) for m in (ALICE, BOB, CAROL))
    assert alice and bob and carol
    inner = d.add_group("Inner", "inner@contoso.example", "distribution", members=[carol.id])
    d.add_group("Sales", "sales@contoso.example", "distribution", members=[alice.id, inner.id])
    _, task = run_with(bed, {"kind": "o365_group", "address": "sales@contoso.example"})
    assert set(rows(bed, task)) == {ALICE, CAROL}
    assert all(result == "Success" for result, _ in rows(bed, task).values())


def test_lists_are_processed_in_address_order_and_unknown_addresses_skipped(bed: Testbed) -> None:
    _, task = run_with(bed, {"kind": "mailbox_list", "addresses": f"{CAROL}; {ALICE}; ghost@contoso.example; {BOB}"})
    assert list(rows(bed, task)) == sorted([ALICE, BOB, CAROL, "ghost@contoso.example"])
    assert rows(bed, task)["ghost@contoso.example"] == ("Skipped", "no mailbox")


def test_ADR_directory_sync_feeds_lookup_from_ad(bed: Testbed) -> None:
    directory_fixture(bed)
    site_id, key = bed.register_site()
    site = bed.site(key)
    site.start()
    site.runtime.run(seconds=60)  # type: ignore[attr-defined]
    found = bed.call("GET", f"/api/directory/groups?q=finance&site_id={site_id}")["groups"]
    assert {g["name"] for g in found} == {"Finance", "Finance Team"}
    assert next(g for g in found if g["name"] == "Finance")["dn"] == DN
