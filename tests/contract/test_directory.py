"""ExpandDL and ResolveNames, backed by the world's directory."""

from __future__ import annotations

import pytest
from exchangelib import Account
from exchangelib.errors import ErrorNameResolutionNoResults
from exchangelib.properties import Mailbox

from mockad.store import DirectoryUser
from mockews.store import World

from ..conftest import ALICE, BOB, CAROL, DOMAIN, every_mode

pytestmark = every_mode


def expand_recursively(account: Account, address: str) -> set[str]:
    """What a site does with an Office 365 group: expand nested DLs in turn."""
    found: set[str] = set()
    seen: set[str] = set()
    pending = [address]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for member in account.protocol.expand_dl(current):
            if member.mailbox_type in ("PublicDL", "PrivateDL"):
                pending.append(member.email_address)
            else:
                found.add(member.email_address)
    return found


def test_expand_dl_returns_direct_members(alice: Account) -> None:
    members = alice.protocol.expand_dl(f"all-staff@{DOMAIN}")
    assert sorted((m.email_address, m.mailbox_type) for m in members) == [
        (CAROL, "Mailbox"),
        (f"engineering@{DOMAIN}", "PublicDL"),
    ]


def test_nested_expansion_equals_the_transitive_mailbox_members(alice: Account, world: World) -> None:
    group = world.directory.group_by_mail(f"all-staff@{DOMAIN}")
    assert group is not None
    expected = {
        m.mail for m in world.directory.transitive_members(group) if isinstance(m, DirectoryUser) and m.has_mailbox
    }
    assert expand_recursively(alice, f"all-staff@{DOMAIN}") == expected == {ALICE, BOB, CAROL}


def test_expand_dl_accepts_a_mailbox_object_and_refuses_unknown_groups(alice: Account) -> None:
    members = alice.protocol.expand_dl(Mailbox(email_address=f"engineering@{DOMAIN}"))
    assert {m.email_address for m in members} == {ALICE, BOB, f"all-staff@{DOMAIN}"}
    with pytest.raises(ErrorNameResolutionNoResults):
        alice.protocol.expand_dl(f"nobody@{DOMAIN}")


def test_resolve_names(alice: Account) -> None:
    assert [m.email_address for m in alice.protocol.resolve_names(["alice"])] == [ALICE]
    assert [m.email_address for m in alice.protocol.resolve_names([f"smtp:{BOB}"])] == [BOB]
    several = alice.protocol.resolve_names(["a"])  # Alice Martin, All Staff
    assert {m.email_address for m in several} == {ALICE, f"all-staff@{DOMAIN}"}
    none = alice.protocol.resolve_names(["zz-nobody"])
    assert none == [] or all(isinstance(r, ErrorNameResolutionNoResults) for r in none)


def test_resolve_names_with_contact_data(alice: Account, world: World) -> None:
    user = world.directory.user_by_mail(ALICE)
    assert user is not None
    user.given_name, user.surname, user.department = "Alice", "Martin", "Engineering"
    ((mailbox, contact),) = alice.protocol.resolve_names(["Alice"], return_full_contact_data=True)
    assert mailbox.email_address == ALICE
    assert (contact.given_name, contact.surname, contact.department) == ("Alice", "Martin", "Engineering")
