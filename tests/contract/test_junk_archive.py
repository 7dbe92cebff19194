"""MarkAsJunk (and ArchiveItem) through exchangelib (issue 13, "Operations still
missing": MarkAsJunk, ArchiveItem)."""

from __future__ import annotations

from exchangelib import Account, Message

from mockews.store import World

from ..conftest import ALICE, every_mode

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
