"""ItemAttachment (an item inside an item, recursively) and the AttachmentIds of the
CreateItem and CreateAttachment answers, through exchangelib (issue 13, "Attachments:
ItemAttachment (an item inside an item, recursively), and the AttachmentIds in the
CreateItem/CreateAttachment answer")."""

from __future__ import annotations

from datetime import timedelta

from exchangelib import Account, CalendarItem, EWSDateTime, EWSTimeZone, FileAttachment, ItemAttachment, Message

from ..conftest import ALICE, BOB, every_mode

pytestmark = every_mode


def _fresh(account: Account, item: Message) -> Message:
    return account.inbox.get(id=item.id)


def test_attach_item_to_a_saved_message(alice: Account) -> None:
    """CreateAttachment with an ItemAttachment: attachment_id set, the ChangeKey moves,
    and att.item reads the attached message back (GetAttachment)."""
    parent = Message(account=alice, folder=alice.inbox, subject="carrier").save()
    old_key = parent.changekey
    inner = Message(subject="inner", body="inner body", to_recipients=[BOB], categories=["x"])
    att = ItemAttachment(name="forwarded", item=inner)
    parent.attach(att)
    assert att.attachment_id is not None and parent.changekey != old_key
    got = _fresh(alice, parent)
    assert got.has_attachments and [a.name for a in got.attachments] == ["forwarded"]
    read = got.attachments[0]
    assert isinstance(read, ItemAttachment)
    assert read.item.subject == "inner" and read.item.body == "inner body"
    assert [r.email_address for r in read.item.to_recipients] == [BOB] and read.item.categories == ["x"]


def test_create_item_with_attachments_names_them(alice: Account) -> None:
    """CreateItem with file and item attachments answers their AttachmentIds, which
    exchangelib sets on the attachments it sent."""
    file_att = FileAttachment(name="a.txt", content=b"abc")
    item_att = ItemAttachment(name="inner", item=Message(subject="inner"))
    msg = Message(account=alice, folder=alice.inbox, subject="both", attachments=[file_att, item_att])
    msg.save()
    assert file_att.attachment_id is not None and item_att.attachment_id is not None
    assert file_att.attachment_id.id != item_att.attachment_id.id
    got = _fresh(alice, msg)
    assert sorted(type(a).__name__ for a in got.attachments) == ["FileAttachment", "ItemAttachment"]
    assert {a.attachment_id.id for a in got.attachments} == {file_att.attachment_id.id, item_att.attachment_id.id}


def test_nested_item_attachments(alice: Account) -> None:
    """An attached item with its own file and item attachments, read back at every level."""
    deepest = Message(subject="level 2", attachments=[FileAttachment(name="deep.bin", content=b"\x00deep")])
    middle = Message(subject="level 1", attachments=[ItemAttachment(name="l2", item=deepest)])
    msg = Message(account=alice, folder=alice.inbox, subject="level 0")
    msg.attachments = [ItemAttachment(name="l1", item=middle)]
    msg.save()
    level1 = _fresh(alice, msg).attachments[0].item
    assert level1.subject == "level 1"
    level2 = level1.attachments[0].item
    assert level2.subject == "level 2"
    deep = level2.attachments[0]
    assert (deep.name, deep.content) == ("deep.bin", b"\x00deep")


def test_attached_calendar_item_and_delete(alice: Account) -> None:
    """Any item type can be attached; deleting the attachment takes it away."""
    start = EWSDateTime(2024, 6, 1, 10, tzinfo=EWSTimeZone("UTC"))
    meeting = CalendarItem(subject="meet", start=start, end=start + timedelta(hours=1), location="Room 1")
    msg = Message(account=alice, folder=alice.inbox, subject="invite inside").save()
    att = ItemAttachment(name="meeting", item=meeting)
    msg.attach(att)
    read = _fresh(alice, msg).attachments[0].item
    assert isinstance(read, CalendarItem)
    assert (read.subject, read.start, read.location) == ("meet", start, "Room 1")
    msg.detach(att)
    assert _fresh(alice, msg).attachments == []


def test_item_attachments_travel_with_sent_mail(alice: Account, connect: object) -> None:
    """Sent to oneself: the delivered copy carries the attached item."""
    Message(
        account=alice,
        subject="fwd",
        to_recipients=[ALICE],
        attachments=[ItemAttachment(name="orig", item=Message(subject="original"))],
    ).send()
    got = alice.inbox.get(subject="fwd")
    assert [a.item.subject for a in got.attachments] == ["original"]
