"""Issue 13, "Folders": the root is named "root"; the full distinguished folder set of
an Exchange 2016 mailbox; the folder size property 0x0E08;
ErrorNoPublicFolderReplicaAvailable for public folders."""

from __future__ import annotations

import pytest
from exchangelib import Account, ExtendedProperty, Folder, Message
from exchangelib.errors import ErrorFolderNotFound, ErrorNoPublicFolderReplicaAvailable
from exchangelib.folders.known_folders import WELLKNOWN_FOLDERS_IN_ROOT
from exchangelib.properties import CalendarPermission, Permission, PermissionSet, UserId
from exchangelib.version import Build

from ..conftest import BOB, every_mode

pytestmark = every_mode

EXCHANGE_2016 = Build(15, 1)
#: every distinguished folder of exchangelib's list that Exchange 2016 has
ON_2016 = [c for c in WELLKNOWN_FOLDERS_IN_ROOT if c.supported_from is None or c.supported_from <= EXCHANGE_2016]
ONLINE_ONLY = [c for c in WELLKNOWN_FOLDERS_IN_ROOT if c not in ON_2016]
#: the Account shortcuts of an Exchange 2016 primary mailbox that the mock lacked before
#: (inbox, calendar … were there already; admin_audit_logs exchangelib never fetches)
SHORTCUTS = [
    "conflicts", "conversation_history", "directory", "favorites", "im_contact_list", "journal", "local_failures",
    "my_contacts", "people_connect", "quick_contacts", "recipient_cache", "search_folders", "server_failures",
    "sync_issues", "todo_search", "voice_mail",
]  # fmt: skip


def test_the_root_is_named_root(alice: Account) -> None:
    assert alice.root.name == "root"
    assert alice.calendar.parent.parent.name == "root"
    assert [p.name for p in alice.calendar.parts] == ["root", "Top of Information Store", "Calendar"]
    assert alice.root.tree().startswith("root")


def test_every_distinguished_folder_of_exchange_2016(alice: Account) -> None:
    """More than 40 folders, each distinguished one found by exchangelib by its class."""
    assert len(ON_2016) >= 30
    for cls in ON_2016:
        folder = alice.root.get_default_folder(cls)
        assert folder.is_distinguished, cls
        if cls.CONTAINER_CLASS:
            assert folder.folder_class == cls.CONTAINER_CLASS, cls
    for cls in ONLINE_ONLY:  # Exchange Online's newer folders are not in a 2016 mailbox
        with pytest.raises(ErrorFolderNotFound):
            alice.root.get_default_folder(cls)
    assert len(list(alice.root.walk())) > 40


@pytest.mark.parametrize("attr", SHORTCUTS)
def test_account_shortcuts(alice: Account, attr: str) -> None:
    folder = getattr(alice, attr)
    assert folder.is_distinguished and folder.id


def test_folder_tree_shape(alice: Account) -> None:
    """Parents as in Exchange 2016: Sync Issues holds the three failure folders, the
    system folders live outside the message subtree, GAL Contacts under Contacts."""
    assert sorted(f.name for f in alice.sync_issues.children) == ["Conflicts", "Local Failures", "Server Failures"]
    assert alice.recipient_cache.parent.name == "Contacts"
    assert len(list(alice.contacts.glob("GAL*"))) == 1
    root_names = {f.name for f in alice.root.children}
    assert {"Common Views", "Finder", "Recoverable Items", "Schedule", "Views"} <= root_names
    assert alice.todo_search.parent.name == "Finder"


def test_public_folders_are_not_available(alice: Account) -> None:
    """exchangelib turns the server's ErrorNoPublicFolderReplicaAvailable into "not
    found" for the distinguished folder; the server's own code is its cause."""
    with pytest.raises(ErrorFolderNotFound) as caught:
        _ = alice.public_folders_root
    assert isinstance(caught.value.__context__, ErrorNoPublicFolderReplicaAvailable)


class FolderSize(ExtendedProperty):
    property_tag = 0x0E08
    property_type = "Long"


def test_folder_size_property(alice: Account) -> None:
    """PR_MESSAGE_SIZE_EXTENDED: the sum of the folder's item sizes, read with GetFolder."""
    Folder.register("size", FolderSize)
    try:
        folder = Folder(parent=alice.inbox, name="Sized")
        folder.save()
        folder.refresh()
        assert folder.size == 0
        alice.bulk_create(folder=folder, items=[Message(account=alice, subject="s", body="x" * n) for n in (10, 5000)])
        folder.refresh()
        assert folder.size == sum(m.size for m in folder.all().only("size")) > 5000
    finally:
        Folder.deregister("size")


def test_update_folder_permission_set(alice: Account) -> None:
    """UpdateFolder with folder:PermissionSet: stored and returned by GetFolder."""
    folder = Folder(parent=alice.inbox, name="Shared")
    folder.save()
    folder.permission_set = PermissionSet(
        permissions=[
            Permission(
                user_id=UserId(primary_smtp_address=BOB),
                can_create_items=True,
                can_create_subfolders=False,
                is_folder_owner=False,
                is_folder_visible=True,
                is_folder_contact=False,
                edit_items="Owned",
                delete_items="Owned",
                read_items="FullDetails",
                permission_level="Author",
            )
        ]
    )
    folder.save(update_fields=["permission_set"])
    got = alice.root.get_folder(folder)
    got.refresh()
    (entry,) = got.permission_set.permissions
    assert entry.user_id.primary_smtp_address == BOB
    assert (entry.permission_level, entry.read_items, entry.can_create_items) == ("Author", "FullDetails", True)


def test_calendar_permission_set(alice: Account) -> None:
    """A calendar's PermissionSet holds CalendarPermissions with their levels."""
    calendar = alice.calendar
    calendar.permission_set = PermissionSet(
        calendar_permissions=[
            CalendarPermission(
                user_id=UserId(primary_smtp_address=BOB),
                can_create_items=False,
                can_create_subfolders=False,
                is_folder_owner=False,
                is_folder_visible=True,
                is_folder_contact=False,
                edit_items="None",
                delete_items="None",
                read_items="FullDetails",
                calendar_permission_level="Reviewer",
            )
        ]
    )
    calendar.save(update_fields=["permission_set"])
    calendar.refresh()
    (entry,) = calendar.permission_set.calendar_permissions
    assert (entry.user_id.primary_smtp_address, entry.calendar_permission_level) == (BOB, "Reviewer")
