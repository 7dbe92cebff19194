"""MarkAsJunk (and ArchiveItem) through exchangelib (issue 13, "Operations still
missing": MarkAsJunk, ArchiveItem)."""

from __future__ import annotations

from pathlib import Path

import pytest
from exchangelib import Account, Folder, Message
from exchangelib.errors import ErrorFolderNotFound, ErrorInvalidOperation
from exchangelib.folders import ArchiveInbox, ArchiveRoot

from engine.clock import ManualClock
from mockews.service import MockExchange
from mockews.store import World
from mockews.store.persist import load_world, save_world

from ..conftest import ALICE, START, every_mode

pytestmark = every_mode


def test_mark_as_junk_moves_to_junk_email_and_back(alice: Account, world: World) -> None:
    """MarkAsJunk: IsJunk+MoveItem moves to Junk Email with a new id; IsJunk=false moves
    back to the Inbox; without MoveItem nothing moves."""
    item = Message(account=alice, folder=alice.inbox, subject="cheap watches").save()
    first_id = item.id
    item.mark_as_junk(is_junk=True, move_item=False)
    assert item.id == first_id and alice.inbox.filter(subject="cheap watches").count() == 1
    item.mark_as_junk(is_junk=True, move_item=True)
    assert item.id != first_id
    assert [m.id for m in alice.junk.filter(subject="cheap watches")] == [item.id]
    assert alice.inbox.filter(subject="cheap watches").count() == 0
    item.mark_as_junk(is_junk=False, move_item=True)
    assert [m.id for m in alice.inbox.filter(subject="cheap watches")] == [item.id]
    assert len(world.mailbox(ALICE).well_known("junkemail").items) == 0


def test_mark_as_junk_through_a_queryset(alice: Account) -> None:
    """MarkAsJunk: exchangelib's queryset form sends every id in one request."""
    for n in range(3):
        Message(account=alice, folder=alice.inbox, subject=f"spam {n}").save()
    alice.inbox.filter(subject__startswith="spam").mark_as_junk(is_junk=True, move_item=True)
    assert alice.junk.filter(subject__startswith="spam").count() == 3


@pytest.fixture
def archived(world: World) -> World:
    world.enable_archive(ALICE)
    return world


def test_archive_item_moves_into_the_archive_mailbox(alice: Account, archived: World) -> None:
    """ArchiveItem: the item leaves the primary mailbox and appears, with a new id, in
    the archive folder at the same path (created as needed) — the archive is a mailbox
    of its own, reached through archive_root / archive_inbox."""
    item = Message(account=alice, folder=alice.inbox, subject="old news").save()
    item_id, changekey = item.archive(to_folder=alice.inbox)
    assert item_id != item.id and alice.inbox.filter(subject="old news").count() == 0
    assert alice.root.get(id=item_id, changekey=changekey).subject == "old news"  # as exchangelib's own test reads it
    assert [m.id for m in alice.archive_inbox.filter(subject="old news")] == [item_id]
    assert alice.archive_inbox.id != alice.inbox.id
    projects = Folder(parent=alice.inbox, name="Projects")
    projects.save()
    Message(account=alice, folder=projects, subject="plan").save()
    projects.filter(subject="plan").archive(to_folder=projects)
    assert projects.filter(subject="plan").count() == 0
    assert [m.subject for m in (alice.archive_inbox / "Projects").all()] == ["plan"]
    archive = archived.mailbox(ALICE).archive
    assert archive is not None and archive.tag != archived.mailbox(ALICE).tag
    names = {f.name for f in alice.root.walk()}
    assert "Projects" in names and len([n for n in names if n == "Projects"]) == 1  # the archive is not in the tree


def test_archive_item_without_an_archive_mailbox(alice: Account) -> None:
    """ArchiveItem: a mailbox without an archive refuses (and has no archive folders)."""
    item = Message(account=alice, folder=alice.inbox, subject="keep").save()
    with pytest.raises(ErrorInvalidOperation):
        item.archive(to_folder=alice.inbox)
    assert alice.inbox.filter(subject="keep").count() == 1
    with pytest.raises(ErrorFolderNotFound):
        ArchiveRoot.get_distinguished(account=alice)


def test_the_archive_survives_save_and_load(
    alice: Account, archived: World, tmp_path: Path, service: MockExchange
) -> None:
    """ArchiveItem: the archive mailbox and what was archived are kept in the world file."""
    item = Message(account=alice, folder=alice.inbox, subject="to keep").save()
    item_id, _ = item.archive(to_folder=alice.inbox)
    path = tmp_path / "world.jsonl.gz"
    save_world(archived, path)
    service.replace_world(load_world(path, ManualClock(START)))
    [found] = ArchiveInbox.get_distinguished(root=ArchiveRoot.get_distinguished(account=alice)).filter(
        subject="to keep"
    )
    assert found.id == item_id
    found.move_to_trash()  # the archive's own Deleted Items
    assert service.world.mailbox(ALICE).archive is not None
