"""More of what exchangelib users do: bulk operations, folder navigation, replies and
forwards, attachments on create, querysets that delete or update."""

from __future__ import annotations

from exchangelib import Account, FileAttachment, Folder, HTMLBody, Message

from mockews.service import MockExchange

from ..conftest import ALICE, BOB, Connect, every_mode

pytestmark = every_mode


def test_bulk_move_copy_update_delete(alice: Account) -> None:
    target = Folder(parent=alice.inbox, name="Bulk")
    target.save()
    items = alice.bulk_create(folder=alice.inbox, items=[Message(account=alice, subject=f"b{n}") for n in range(6)])
    moved = list(alice.bulk_move(ids=items[:3], to_folder=target))
    assert len(moved) == 3 and target.all().count() == 3
    copied = list(alice.bulk_copy(ids=items[3:5], to_folder=target))
    assert len(copied) == 2 and target.all().count() == 5 and alice.inbox.all().count() == 3
    fresh = list(alice.inbox.all())
    for item in fresh:
        item.is_read = True
    assert all(not isinstance(r, Exception) for r in alice.bulk_update(items=[(i, ["is_read"]) for i in fresh]))
    assert alice.inbox.filter(is_read=False).count() == 0
    alice.inbox.all().delete()  # a queryset delete is one bulk DeleteItem
    assert alice.inbox.all().count() == 0


def test_folder_navigation(alice: Account) -> None:
    projects = Folder(parent=alice.inbox, name="Projects")
    projects.save()
    Folder(parent=projects, name="Apollo").save()
    alice.root.refresh()
    apollo = alice.inbox / "Projects" / "Apollo"
    assert apollo.name == "Apollo"
    assert [f.name for f in alice.inbox.children] == ["Projects"]
    assert {f.name for f in alice.inbox.glob("Pro*")} == {"Projects"}
    assert "Apollo" in {f.name for f in alice.root.walk()}


def test_reply_reply_all_and_forward(connect: Connect, alice: Account, service: MockExchange) -> None:
    Message(
        account=alice,
        subject="Plan",
        body=HTMLBody("<p>the plan</p>"),
        to_recipients=[BOB],
        message_id="<plan-1@contoso.example>",
    ).send_and_save()
    bob = connect(BOB)
    original = bob.inbox.get(subject="Plan")
    original.attach(FileAttachment(name="plan.txt", content=b"v1"))
    original.reply(subject="Re: Plan", body="sounds good")
    (reply,) = list(connect(ALICE).inbox.filter(subject="Re: Plan"))
    assert reply.in_reply_to == "<plan-1@contoso.example>"
    assert reply.body.startswith("sounds good") and "the plan" in reply.body
    assert reply.author.email_address == BOB
    original.forward(subject="Fw: Plan", body="fyi", to_recipients=[ALICE])
    (forwarded,) = list(connect(ALICE).inbox.filter(subject="Fw: Plan"))
    assert [a.name for a in forwarded.attachments] == ["plan.txt"]
    assert bob.sent.filter(subject__startswith="Re:").count() == 1  # reply() keeps a copy by default


def test_attachments_given_at_creation(alice: Account) -> None:
    message = Message(
        account=alice,
        folder=alice.inbox,
        subject="with attachment",
        attachments=[FileAttachment(name="a.txt", content=b"alpha")],
    )
    message.save()
    got = alice.inbox.get(id=message.id)
    assert [(a.name, a.content) for a in got.attachments] == [("a.txt", b"alpha")]


def test_refresh_and_partial_save(alice: Account) -> None:
    message = Message(account=alice, folder=alice.inbox, subject="refresh", body="old")
    message.save()
    twin = alice.inbox.get(id=message.id)
    twin.body = "new"
    twin.save(update_fields=["body"])
    message.refresh()
    assert message.body == "new" and message.changekey == twin.changekey
