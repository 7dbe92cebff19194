"""Folder operations through exchangelib: GetFolder, FindFolder (Shallow/Deep, paging),
CreateFolder, UpdateFolder, MoveFolder, DeleteFolder, EmptyFolder."""

from __future__ import annotations

import pytest
from exchangelib import Account, EWSDateTime, ExtendedProperty, Folder, Message
from exchangelib.errors import (
    ErrorDeleteDistinguishedFolder,
    ErrorFolderExists,
    ErrorFolderNotFound,
    ErrorMoveCopyFailed,
    ErrorMoveDistinguishedFolder,
)
from exchangelib.folders import FolderCollection, SingleFolderQuerySet
from exchangelib.properties import DistinguishedFolderId, Mailbox

from mockews.service import MockExchange

from ..conftest import ALICE, every_mode

pytestmark = every_mode


def test_create_read_rename_move_delete(alice: Account, service: MockExchange) -> None:
    projects = Folder(parent=alice.inbox, name="Projects")
    projects.save()
    apollo = Folder(parent=projects, name="Apollo")
    apollo.save()
    assert apollo.id and apollo.changekey
    mailbox = service.world.mailbox(ALICE)
    stored = mailbox.folder(apollo.id)
    assert stored.name == "Apollo" and stored.parent is mailbox.folder(projects.id)

    old_changekey = apollo.changekey
    apollo.name = "Apollo 11"
    apollo.save(update_fields=["name"])
    assert stored.name == "Apollo 11"
    assert apollo.changekey != old_changekey

    archive = Folder(parent=alice.msg_folder_root, name="Archive")
    archive.save()
    old_id = apollo.id
    apollo.move(archive)
    assert apollo.id == old_id  # MoveFolder keeps the id
    assert stored.parent is mailbox.folder(archive.id)

    apollo.delete()
    assert old_id not in mailbox.objects


def test_deep_find_folder_pages_through_many_folders(alice: Account) -> None:
    parent = Folder(parent=alice.inbox, name="Many")
    parent.save()
    for n in range(130):  # exchangelib pages FindFolder by 100
        Folder(parent=parent, name=f"F{n:03}").save()
    alice.root.refresh()
    names = {f.name for f in parent.walk()}
    assert names == {f"F{n:03}" for n in range(130)}
    shallow = list(SingleFolderQuerySet(account=alice, folder=alice.inbox).depth("Shallow").all())
    assert [f.name for f in shallow] == ["Many"]


def test_folder_exists_and_distinguished_folders_are_protected(alice: Account) -> None:
    Folder(parent=alice.inbox, name="Dup").save()
    with pytest.raises(ErrorFolderExists):
        Folder(parent=alice.inbox, name="dup").save()
    with pytest.raises(ErrorDeleteDistinguishedFolder):
        alice.inbox.delete()
    target = Folder(parent=alice.inbox, name="Target")
    target.save()
    with pytest.raises(ErrorMoveDistinguishedFolder):
        alice.sent.move(target)


def test_cannot_move_a_folder_into_its_own_subtree(alice: Account) -> None:
    outer = Folder(parent=alice.inbox, name="Outer")
    outer.save()
    inner = Folder(parent=outer, name="Inner")
    inner.save()
    with pytest.raises(ErrorMoveCopyFailed):
        outer.move(inner)


def test_unserved_distinguished_ids_answer_folder_not_found(alice: Account) -> None:
    ids = [
        Folder(
            _distinguished_id=DistinguishedFolderId(id=name, mailbox=Mailbox(email_address=ALICE)),
            root=alice.root,
        )
        for name in ("inbox", "voicemail", "archiveinbox", "allitems")
    ]
    results = list(FolderCollection(account=alice, folders=ids).resolve())
    # Exchange 2016 has Voice Mail (issue 13: the full distinguished set); it has no
    # archive mailbox here, and AllItems exists only on Exchange Online
    assert [r.name for r in results[:2]] == ["Inbox", "Voice Mail"]
    assert all(isinstance(r, ErrorFolderNotFound) for r in results[2:])


def test_soft_and_trash_deletes_move_the_folder(alice: Account, service: MockExchange) -> None:
    mailbox = service.world.mailbox(ALICE)
    trashed = Folder(parent=alice.inbox, name="Old")
    trashed.save()
    trashed_id = trashed.id
    trashed.delete(delete_type="MoveToDeletedItems")
    assert mailbox.folder(trashed_id).parent is mailbox.well_known("deleteditems")
    soft = Folder(parent=alice.inbox, name="Older")
    soft.save()
    soft_id = soft.id
    soft.delete(delete_type="SoftDelete")
    assert mailbox.folder(soft_id).parent is mailbox.well_known("recoverableitemsdeletions")


def test_folder_counts_follow_the_items(alice: Account) -> None:
    from exchangelib import Message

    Message(account=alice, folder=alice.inbox, subject="a", is_read=False).save()
    Message(account=alice, folder=alice.inbox, subject="b", is_read=True).save()
    alice.inbox.refresh()
    assert (alice.inbox.total_count, alice.inbox.unread_count) == (2, 1)


def test_empty_folder(alice: Account) -> None:
    from exchangelib import Message

    box = Folder(parent=alice.inbox, name="Box")
    box.save()
    Folder(parent=box, name="Child").save()
    for n in range(3):
        Message(account=alice, folder=box, subject=f"m{n}").save()
    box.empty(delete_sub_folders=True)
    box.refresh()
    assert box.total_count == 0 and box.child_folder_count == 0


class LocalCommitTimeMax(ExtendedProperty):  # type: ignore[misc]
    property_tag = 0x670A
    property_type = "SystemTime"


def test_local_commit_time_max_moves_when_the_contents_change(alice: Account, service: MockExchange) -> None:
    """PidTagLocalCommitTimeMax (0x670A), read through exchangelib as a registered
    extended folder property: it follows item creation, change and deletion."""
    Folder.register("local_commit_time_max", LocalCommitTimeMax)
    try:
        clock = service.world.clock
        inbox = alice.inbox
        inbox.refresh()
        before = inbox.local_commit_time_max
        clock.advance(120)  # type: ignore[attr-defined]
        item = Message(account=alice, folder=inbox, subject="changes the folder")
        item.save()
        inbox.refresh()
        created = inbox.local_commit_time_max
        assert created is not None and (before is None or created > before)
        assert created <= EWSDateTime.from_datetime(clock.now())
        clock.advance(60)  # type: ignore[attr-defined]
        inbox.refresh()
        assert inbox.local_commit_time_max == created  # nothing happened: no change
        item.delete()
        inbox.refresh()
        assert inbox.local_commit_time_max > created
    finally:
        Folder.deregister("local_commit_time_max")
