"""Connecting as real clients do: probing, Basic auth, impersonation, delegate access."""

from __future__ import annotations

import pytest
from exchangelib import DELEGATE, Account, Configuration, Credentials
from exchangelib.errors import (
    ErrorAccessDenied,
    ErrorImpersonateUserDenied,
    ErrorNonExistentMailbox,
    UnauthorizedError,
)

from mockews.service import MockExchange
from mockews.store import World

from ..conftest import ALICE, BOB, CAROL, PASSWORD, SVC, Connect


def test_probing_configuration_finds_basic_auth_and_the_server_version(connect: Connect) -> None:
    account = connect(ALICE, probe=True)
    assert account.protocol.auth_type == "basic"
    assert account.version.build.major_version == 15
    assert account.version.build.minor_version == 1
    assert account.version.api_version == "Exchange2016"
    assert account.root.name == "root"  # as Exchange names it (issue 13)


def test_probing_without_authentication_finds_no_auth(service: MockExchange, connect: Connect) -> None:
    service.auth = "none"
    account = connect(ALICE, probe=True)
    assert account.protocol.auth_type == "no authentication"
    assert account.inbox.name == "Inbox"


def test_explicit_version_sends_the_real_operation_first(service: MockExchange, connect: Connect) -> None:
    account = connect(ALICE)
    assert account.inbox.total_count == 0
    assert service.calls[0] == "GetFolder"  # no ConvertId probe first
    assert "ConvertId" not in service.calls


def test_probing_sends_convert_id_first(service: MockExchange, connect: Connect) -> None:
    connect(ALICE, probe=True).inbox.refresh()
    assert service.calls[0] == "ConvertId"


@pytest.mark.parametrize("probe", [False, True])
def test_bad_credentials_are_refused_with_401(connect: Connect, probe: bool) -> None:
    with pytest.raises(UnauthorizedError):
        connect(ALICE, user=SVC, password="wrong", probe=probe).inbox.refresh()


def test_impersonation_needs_the_right(connect: Connect) -> None:
    account = connect(BOB, user=ALICE, password=PASSWORD)  # Alice may not impersonate
    with pytest.raises(ErrorImpersonateUserDenied):
        account.inbox.refresh()


def test_impersonating_an_unknown_mailbox(connect: Connect) -> None:
    with pytest.raises(ErrorNonExistentMailbox):
        connect("nobody@contoso.example").inbox.refresh()


def test_delegate_reaches_own_mailbox(connect: Connect) -> None:
    account = connect(ALICE, user=ALICE, password=PASSWORD, access=DELEGATE)
    assert account.inbox.name == "Inbox"


def test_delegate_cannot_open_another_mailbox(connect: Connect) -> None:
    account = connect(BOB, user=ALICE, password=PASSWORD, access=DELEGATE)
    with pytest.raises(ErrorAccessDenied):
        account.inbox.refresh()


def test_full_access_delegate_opens_the_mailbox(connect: Connect) -> None:
    account = connect(CAROL, user=BOB, password=PASSWORD, access=DELEGATE)
    assert account.inbox.name == "Inbox"


def test_root_tree_lists_the_well_known_folders(connect: Connect) -> None:
    tree = connect(ALICE, probe=True).root.tree()
    for name in (
        "Top of Information Store",
        "Inbox",
        "Sent Items",
        "Deleted Items",
        "Drafts",
        "Outbox",
        "Junk Email",
        "Calendar",
        "Contacts",
        "Tasks",
        "Notes",
        "Recoverable Items",
        "Deletions",
        "Versions",
        "Purges",
    ):
        assert name in tree


def test_well_known_folders_resolve_to_their_classes(alice: Account) -> None:
    assert alice.inbox.folder_class == "IPF.Note"
    assert alice.calendar.folder_class == "IPF.Appointment"
    assert alice.trash.name == "Deleted Items"
    assert alice.sent.name == "Sent Items"
    assert alice.drafts.name == "Drafts"
    assert alice.junk.name == "Junk Email"
    assert alice.outbox.name == "Outbox"
    assert alice.contacts.folder_class == "IPF.Contact"
    assert alice.tasks.folder_class == "IPF.Task"
    assert alice.recoverable_items_deletions.name == "Deletions"


def test_server_version_is_configurable(connect: Connect, world: World) -> None:
    from mockews.store import ServerVersion

    world.server_version = ServerVersion(15, 2, 1118, 7, "Exchange2016")
    account = connect(ALICE, probe=True)
    assert (account.version.build.major_version, account.version.build.minor_version) == (15, 2)
    assert account.version.build.major_build == 1118


def test_account_without_own_credentials_defaults_to_impersonation(endpoint: str) -> None:
    config = Configuration(
        service_endpoint=endpoint, credentials=Credentials(SVC, "svc-secret"), auth_type=None, version=None
    )
    account = Account(ALICE, config=config, autodiscover=False)
    assert account.inbox.name == "Inbox"
