"""Item operations through exchangelib: CreateItem, GetItem, FindItem (restrictions,
sorting, paging, shapes), UpdateItem, DeleteItem, MoveItem, CopyItem, SendItem and
delivery, attachments, calendar items and extended properties."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from exchangelib import (
    Account,
    Attendee,
    Body,
    CalendarItem,
    EWSDateTime,
    EWSTimeZone,
    ExtendedProperty,
    FileAttachment,
    HTMLBody,
    Mailbox,
    Message,
    Q,
)
from exchangelib.errors import ErrorIrresolvableConflict, ErrorItemNotFound
from exchangelib.items import NEVER_OVERWRITE
from exchangelib.properties import ItemId
from exchangelib.recurrence import DailyPattern, Recurrence

from mockews.service import MockExchange

from ..conftest import ALICE, BOB, CAROL, DOMAIN, Connect, every_mode

UTC = EWSTimeZone("UTC")

pytestmark = every_mode


def test_message_round_trip(alice: Account, service: MockExchange) -> None:
    msg = Message(
        account=alice,
        folder=alice.inbox,
        subject="Quarterly report",
        body=HTMLBody("<p>Numbers &amp; words</p>"),
        to_recipients=[Mailbox(email_address=BOB, name="Bob")],
        cc_recipients=[CAROL],
        categories=["Finance", "Q3"],
        importance="High",
        sensitivity="Confidential",
        message_id="<q3-report@contoso.example>",
        is_read=True,
    )
    msg.save()
    got = alice.inbox.get(id=msg.id)
    assert got.subject == "Quarterly report"
    assert got.body == "<p>Numbers &amp; words</p>" and isinstance(got.body, HTMLBody)
    assert [r.email_address for r in got.to_recipients] == [BOB]
    assert [r.email_address for r in got.cc_recipients] == [CAROL]
    assert got.categories == ["Finance", "Q3"]
    assert (got.importance, got.sensitivity, got.is_read) == ("High", "Confidential", True)
    assert got.message_id == "<q3-report@contoso.example>"
    assert got.parent_folder_id.id == alice.inbox.id
    assert got.item_class == "IPM.Note"
    assert got.size > 0
    assert got.datetime_created is not None and got.last_modified_time is not None
    stored = service.world.mailbox(ALICE).item(msg.id)
    assert stored.subject == "Quarterly report" and stored.is_draft


def test_bulk_create_and_fetch_with_missing_ids(alice: Account) -> None:
    created = alice.bulk_create(
        folder=alice.inbox, items=[Message(account=alice, subject=f"bulk {n}") for n in range(5)]
    )
    ids = [(c.id, c.changekey) for c in created]
    assert len(ids) == 5
    fetched = list(alice.fetch(ids=[*ids[:2], ItemId(id=ids[0][0][:-3] + "zzz"), ids[2]]))
    assert [f.subject for f in fetched if isinstance(f, Message)] == ["bulk 0", "bulk 1", "bulk 2"]
    assert isinstance(fetched[2], ErrorItemNotFound)


def _populate(alice: Account, count: int) -> None:
    base = EWSDateTime(2024, 1, 1, tzinfo=UTC)
    items = []
    for n in range(count):
        items.append(
            Message(
                account=alice,
                subject=f"msg {n:03} {'urgent' if n % 10 == 0 else 'normal'}",
                is_read=n % 2 == 0,
                importance="High" if n % 7 == 0 else "Normal",
                categories=["Blue"] if n % 5 == 0 else None,
                sensitivity="Private" if n % 13 == 0 else "Normal",
            )
        )
    alice.bulk_create(folder=alice.inbox, items=items)
    del base


def test_find_item_restrictions(alice: Account) -> None:
    _populate(alice, 60)
    inbox = alice.inbox
    assert inbox.filter(subject__contains="urgent").count() == 6
    assert inbox.filter(subject__icontains="URGENT").count() == 6
    assert inbox.filter(subject__startswith="msg 05").count() == 10
    assert inbox.filter(is_read=False).count() == 30
    assert inbox.filter(importance="High").count() == 9
    assert inbox.filter(categories__contains=["Blue"]).count() == 12
    assert inbox.filter(sensitivity="Private").count() == 5
    assert inbox.filter(Q(importance="High") | Q(sensitivity="Private")).count() == 9 + 5 - 1
    assert inbox.filter(~Q(is_read=True)).count() == 30
    assert inbox.filter(Q(is_read=True) & Q(importance="High")).count() == 5
    assert inbox.filter(subject__in=["msg 001 normal", "msg 002 normal"]).count() == 2
    assert inbox.filter(subject__exists=True).count() == 60
    assert inbox.exclude(subject__contains="urgent").count() == 54


def test_find_item_sorting_and_paging(alice: Account) -> None:
    _populate(alice, 250)  # exchangelib pages FindItem by 100
    subjects = list(alice.inbox.all().order_by("-subject").values_list("subject", flat=True))
    assert len(subjects) == 250
    assert subjects == sorted(subjects, reverse=True)
    page = list(alice.inbox.all().order_by("subject").values_list("subject", flat=True)[120:125])
    assert page == [f"msg {n:03} {'urgent' if n % 10 == 0 else 'normal'}" for n in range(120, 125)]
    by_two = list(alice.inbox.all().order_by("-is_read", "subject").values_list("is_read", "subject")[:3])
    assert by_two == [(True, "msg 000 urgent"), (True, "msg 002 normal"), (True, "msg 004 normal")]


def test_only_requests_just_the_fields(alice: Account) -> None:
    Message(account=alice, folder=alice.inbox, subject="short", in_reply_to="r" * 300, body="b" * 400).save()
    found = alice.inbox.all().only("subject", "in_reply_to")[0]
    # exchangelib knows FindItem truncates text to 255 characters and reads such
    # fields with GetItem (the wire tests check the truncation itself).
    assert found.in_reply_to == "r" * 300
    assert found.subject == "short" and found.body is None
    full = alice.inbox.get(id=found.id)
    assert full.in_reply_to == "r" * 300 and full.body == "b" * 400


def test_datetime_filters(alice: Account, clock: object) -> None:
    msg = Message(account=alice, folder=alice.inbox, subject="dated")
    msg.save()
    got = alice.inbox.get(id=msg.id)
    received = got.datetime_received
    assert alice.inbox.filter(datetime_received__gte=received).count() == 1
    assert alice.inbox.filter(datetime_received__gt=received).count() == 0
    assert alice.inbox.filter(datetime_received__lt=received + timedelta(seconds=1)).count() == 1
    assert alice.inbox.filter(datetime_received__range=(received - timedelta(days=1), received)).count() == 1


def test_update_keeps_id_and_changes_changekey(alice: Account) -> None:
    msg = Message(account=alice, folder=alice.inbox, subject="before", categories=["A"])
    msg.save()
    item_id, changekey = msg.id, msg.changekey
    msg.subject = "after"
    msg.categories = None
    msg.save(update_fields=["subject", "categories"])
    assert msg.id == item_id and msg.changekey != changekey
    got = alice.inbox.get(id=item_id)
    assert got.subject == "after" and got.categories is None


def test_stale_changekey_conflicts_only_under_never_overwrite(alice: Account) -> None:
    msg = Message(account=alice, folder=alice.inbox, subject="v1")
    msg.save()
    stale = Message(account=alice, folder=alice.inbox, id=msg.id, changekey=msg.changekey, subject="v2")
    msg.subject = "v1b"
    msg.save(update_fields=["subject"])
    with pytest.raises(ErrorIrresolvableConflict):
        stale.save(update_fields=["subject"], conflict_resolution=NEVER_OVERWRITE)
    stale.save(update_fields=["subject"])  # AutoResolve overwrites
    assert alice.inbox.get(id=msg.id).subject == "v2"


def test_deletes(alice: Account, service: MockExchange) -> None:
    mailbox = service.world.mailbox(ALICE)
    hard, trash, soft = (Message(account=alice, folder=alice.inbox, subject=s) for s in ("hard", "trash", "soft"))
    for m in (hard, trash, soft):
        m.save()
    hard.delete()
    trash.move_to_trash()
    soft.soft_delete()
    assert alice.inbox.all().count() == 0
    assert [i.subject for i in alice.trash.all()] == ["trash"]
    assert [i.subject for i in alice.recoverable_items_deletions.all()] == ["soft"]
    assert {i.subject for i in mailbox.well_known("deleteditems").items.values()} == {"trash"}


def test_move_gives_a_new_id_and_copy_keeps_the_original(alice: Account) -> None:
    from exchangelib import Folder

    target = Folder(parent=alice.inbox, name="Target")
    target.save()
    msg = Message(account=alice, folder=alice.inbox, subject="mover")
    msg.save()
    old_id = msg.id
    msg.move(target)
    assert msg.id != old_id
    assert [i.subject for i in target.all()] == ["mover"]
    with pytest.raises(ErrorItemNotFound):
        alice.inbox.get(id=old_id)
    copy_id, _ = msg.copy(alice.inbox)  # exchangelib returns (id, changekey)
    assert copy_id not in (msg.id, old_id)
    assert [i.subject for i in alice.inbox.all()] == ["mover"]
    assert target.all().count() == 1


def test_send_delivers_to_recipients_and_groups(connect: Connect, alice: Account, service: MockExchange) -> None:
    Message(
        account=alice,
        subject="Hello team",
        body=Body("hi"),
        to_recipients=[BOB, "external@elsewhere.example"],
        cc_recipients=[f"all-staff@{DOMAIN}"],
    ).send_and_save()
    sent = list(alice.sent.all())
    assert [m.subject for m in sent] == ["Hello team"]
    assert sent[0].is_draft is False and sent[0].datetime_sent is not None
    for address in (BOB, CAROL, ALICE):  # all-staff expands, nested, to Alice, Bob and Carol
        inbox = list(connect(address).inbox.all())
        assert [m.subject for m in inbox] == ["Hello team"], address
        assert inbox[0].is_read is False
        assert inbox[0].author.email_address == ALICE
        assert inbox[0].message_id == sent[0].message_id
    Message(account=alice, subject="no copy", to_recipients=[BOB]).send(save_copy=False)
    assert alice.sent.all().count() == 1
    assert connect(BOB).inbox.all().count() == 2


def test_send_a_saved_draft(connect: Connect, alice: Account) -> None:
    draft = Message(account=alice, folder=alice.drafts, subject="draft", to_recipients=[BOB])
    draft.save()
    draft.send()
    assert alice.drafts.all().count() == 0
    assert [m.subject for m in alice.sent.all()] == ["draft"]
    assert [m.subject for m in connect(BOB).inbox.all()] == ["draft"]


def test_attachments(alice: Account, service: MockExchange) -> None:
    msg = Message(account=alice, folder=alice.inbox, subject="with files")
    msg.save()
    first = FileAttachment(name="a.txt", content=b"hello attachment")
    second = FileAttachment(name="b.bin", content=bytes(range(256)) * 40, content_type="application/pdf")
    ck_before = msg.changekey
    msg.attach([first, second])
    assert first.attachment_id.root_changekey != ck_before
    got = alice.inbox.get(id=msg.id)
    assert got.has_attachments
    names = sorted((a.name, a.size) for a in got.attachments)
    assert names == [("a.txt", 16), ("b.bin", 10240)]
    by_name = {a.name: a for a in got.attachments}
    assert by_name["b.bin"].content == bytes(range(256)) * 40
    assert by_name["b.bin"].content_type == "application/pdf"
    got.detach(by_name["a.txt"])
    again = alice.inbox.get(id=msg.id)
    assert [a.name for a in again.attachments] == ["b.bin"]
    stored = service.world.mailbox(ALICE).item(msg.id)
    assert stored.has_attachments and len(stored.attachments or []) == 1


def test_attachments_travel_with_a_moved_item(alice: Account) -> None:
    msg = Message(account=alice, folder=alice.inbox, subject="moving files")
    msg.save()
    msg.attach(FileAttachment(name="n.txt", content=b"payload"))
    msg.move(alice.trash)
    got = alice.trash.get(id=msg.id)
    assert [a.content for a in got.attachments] == [b"payload"]


def test_moving_an_appointment_sends_time_zones_that_are_accepted(alice: Account) -> None:
    """exchangelib sends calendar:StartTimeZone/EndTimeZone with a Start/End update."""
    start = EWSDateTime(2024, 6, 3, 9, 0, tzinfo=UTC)
    item = CalendarItem(
        account=alice, folder=alice.calendar, subject="Move me", start=start, end=start + timedelta(hours=1)
    )
    item.save()
    item.start, item.end = start + timedelta(days=1), start + timedelta(days=1, hours=2)
    item.save(update_fields=["start", "end"])
    got = alice.calendar.get(id=item.id)
    assert (got.start, got.end) == (start + timedelta(days=1), start + timedelta(days=1, hours=2))


def appointment(account: Account, subject: str, start: Any, end: Any, **fields: Any) -> CalendarItem:
    """A calendar item saved in the account's calendar through exchangelib."""
    item = CalendarItem(account=account, folder=account.calendar, subject=subject, start=start, end=end, **fields)
    item.save()
    return item


def test_calendar_items(alice: Account) -> None:
    start = EWSDateTime(2024, 6, 3, 9, 0, tzinfo=UTC)
    single = appointment(
        alice,
        "Planning",
        start,
        start + timedelta(hours=1),
        location="Room 1",
        required_attendees=[Attendee(mailbox=Mailbox(email_address=BOB), response_type="Accept")],
        sensitivity="Private",
    )
    daily = Recurrence(pattern=DailyPattern(interval=1), start=start.date(), number=10)
    recurring = appointment(alice, "Standup", start, start + timedelta(minutes=15), recurrence=daily)
    allday = appointment(alice, "Holiday", start.date(), start.date() + timedelta(days=1), is_all_day=True)
    got = alice.calendar.get(id=single.id)
    assert (got.subject, got.location, got.sensitivity) == ("Planning", "Room 1", "Private")
    assert (got.start, got.end) == (start, start + timedelta(hours=1))
    assert [a.mailbox.email_address for a in got.required_attendees] == [BOB]
    assert got.type == "Single" and got.is_meeting
    master = alice.calendar.get(id=recurring.id)
    assert master.type == "RecurringMaster"
    assert master.recurrence.pattern == DailyPattern(interval=1)
    assert master.recurrence.boundary.number == 10
    assert alice.calendar.get(id=allday.id).is_all_day is True
    window = list(alice.calendar.view(start=start - timedelta(hours=1), end=start + timedelta(minutes=30)))
    assert {i.subject for i in window} == {"Planning", "Standup", "Holiday"}
    later = list(alice.calendar.view(start=start + timedelta(days=3), end=start + timedelta(days=4)))
    assert [i.subject for i in later] == ["Standup"]  # masters are returned, occurrences not expanded


class StubMarker(ExtendedProperty):
    distinguished_property_set_id = "PublicStrings"
    property_name = "SyncEngStubbed"
    property_type = "Boolean"


def test_extended_properties_round_trip(alice: Account) -> None:
    Message.register("stub_marker", StubMarker)
    try:
        msg = Message(account=alice, folder=alice.inbox, subject="ext", stub_marker=True)
        msg.save()
        assert alice.inbox.get(id=msg.id).stub_marker is True
        msg.stub_marker = False
        msg.save(update_fields=["stub_marker"])
        assert alice.inbox.get(id=msg.id).stub_marker is False
    finally:
        Message.deregister("stub_marker")


class MessageFlags(ExtendedProperty):
    property_tag = 0x0E07
    property_type = "Integer"


class DeliveryTime(ExtendedProperty):
    property_tag = 0x0E06
    property_type = "SystemTime"


def test_populating_received_mail_with_mapi_properties(alice: Account) -> None:
    """How population tools create non-draft, already-received mail on real Exchange."""
    Message.register("flags", MessageFlags)
    Message.register("delivered", DeliveryTime)
    try:
        when = EWSDateTime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)
        msg = Message(account=alice, folder=alice.inbox, subject="old mail", flags=1, delivered=when, item_class=None)
        msg.save()
        got = alice.inbox.get(id=msg.id)
        assert (got.is_draft, got.is_read, got.datetime_received) == (False, True, when)
    finally:
        Message.deregister("flags")
        Message.deregister("delivered")
