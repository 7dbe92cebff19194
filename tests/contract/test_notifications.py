"""Subscribe (pull, push, streaming), GetEvents, GetStreamingEvents and Unsubscribe
through exchangelib (issue 13, "Operations still missing: Subscribe (pull and streaming)
with GetEvents / GetStreamingEvents / Unsubscribe")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from exchangelib import Account, CalendarItem, EWSDateTime, EWSTimeZone, Message
from exchangelib.errors import (
    ErrorInvalidPullSubscriptionId,
    ErrorInvalidSubscription,
    ErrorInvalidWatermark,
    ErrorSubscriptionNotFound,
)
from exchangelib.properties import (
    CopiedEvent,
    CreatedEvent,
    DeletedEvent,
    FreeBusyChangedEvent,
    ModifiedEvent,
    MovedEvent,
    NewMailEvent,
    StatusEvent,
)

from engine.clock import ManualClock

from ..conftest import ALICE, every_mode

pytestmark = every_mode


def _events(notifications: Any) -> list[Any]:
    return [e for n in notifications for e in n.events]


def _pull(folder: Any, sub_id: str, watermark: str) -> tuple[list[Any], str]:
    """Every event since ``watermark`` and the watermark to continue from."""
    events = _events(folder.get_events(sub_id, watermark))
    return events, events[-1].watermark if events else watermark


def test_pull_subscription_reports_item_changes(alice: Account) -> None:
    """Pull: Created, Modified, Copied, Moved (delete to Deleted Items), Deleted, each with
    the item's ids; nothing happened → a StatusEvent."""
    inbox = alice.inbox
    with inbox.pull_subscription() as (sub_id, watermark):
        events, watermark = _pull(inbox, sub_id, watermark)
        assert [type(e) for e in events] == [StatusEvent]
        msg = Message(account=alice, folder=inbox, subject="first").save()
        events, watermark = _pull(inbox, sub_id, watermark)
        assert [type(e) for e in events] == [CreatedEvent]
        assert events[0].item_id.id == msg.id and events[0].parent_folder_id.id == inbox.id
        msg.subject = "changed"
        msg.save(update_fields=["subject"])
        copy_id, _ = msg.copy(to_folder=inbox)
        events, watermark = _pull(inbox, sub_id, watermark)
        assert [type(e) for e in events] == [ModifiedEvent, CopiedEvent]
        assert events[1].old_item_id.id == msg.id
        old_id = msg.id
        msg.move_to_trash()
        alice.inbox.get(id=copy_id).delete()
        events, watermark = _pull(inbox, sub_id, watermark)
        assert [type(e) for e in events] == [MovedEvent, DeletedEvent]
        assert events[1].item_id.id == copy_id
        assert events[0].old_item_id.id == old_id
        assert events[0].parent_folder_id.id == alice.trash.id
        assert events[0].old_parent_folder_id.id == inbox.id


def test_pull_subscription_filters_folders_and_event_types(alice: Account) -> None:
    """A subscription hears only its folders and its event types."""
    sub_id, watermark = alice.inbox.subscribe_to_pull(event_types=["DeletedEvent"])
    Message(account=alice, folder=alice.drafts, subject="elsewhere").save()
    kept = Message(account=alice, folder=alice.inbox, subject="kept").save()
    doomed = Message(account=alice, folder=alice.inbox, subject="doomed").save()
    doomed_id = doomed.id
    doomed.delete()
    events, _ = _pull(alice.inbox, sub_id, watermark)
    assert [(type(e), e.item_id.id) for e in events] == [(DeletedEvent, doomed_id)]
    assert kept.id
    alice.inbox.unsubscribe(sub_id)


def test_all_folders_subscription_sees_folders_and_new_mail(alice: Account, connect: Any) -> None:
    """SubscribeToAllFolders: folder events, and NewMail besides Created on delivery."""
    sub_id, watermark = alice.subscribe_to_pull()
    folder = alice.inbox.__class__(parent=alice.inbox, name="Projects").save()
    Message(account=alice, subject="to me", to_recipients=[ALICE]).send()
    events, _ = _pull(alice.inbox, sub_id, watermark)
    kinds = [type(e) for e in events]
    assert kinds[0] is CreatedEvent and events[0].folder_id.id == folder.id
    assert NewMailEvent in kinds
    new_mail = next(e for e in events if isinstance(e, NewMailEvent))
    assert new_mail.parent_folder_id.id == alice.inbox.id
    alice.unsubscribe(sub_id)


def test_free_busy_changed_for_calendar_items(alice: Account) -> None:
    """FreeBusyChanged accompanies calendar item changes."""
    calendar = alice.calendar
    sub_id, watermark = calendar.subscribe_to_pull(event_types=["FreeBusyChangedEvent"])
    start = EWSDateTime(2024, 5, 2, 9, tzinfo=EWSTimeZone("UTC"))
    item = CalendarItem(account=alice, folder=calendar, subject="standup", start=start, end=start + timedelta(hours=1))
    item.save()
    events, _ = _pull(calendar, sub_id, watermark)
    assert [(type(e), e.item_id.id) for e in events] == [(FreeBusyChangedEvent, item.id)]
    calendar.unsubscribe(sub_id)


def test_get_events_pages_with_more_events(alice: Account) -> None:
    """More events than one answer carries: MoreEvents, and exchangelib asks again."""
    sub_id, watermark = alice.inbox.subscribe_to_pull(event_types=["CreatedEvent"])
    alice.bulk_create(folder=alice.inbox, items=[Message(subject=f"m{i}") for i in range(60)])
    notifications = list(alice.inbox.get_events(sub_id, watermark))
    assert [n.more_events for n in notifications] == [True, False]
    assert len(_events(notifications)) == 60
    assert notifications[1].previous_watermark == _events(notifications)[49].watermark
    alice.inbox.unsubscribe(sub_id)


def test_watermarks_resume_and_refuse(alice: Account) -> None:
    """A watermark already acknowledged, forged, or older than the events still kept is
    refused; a new subscription resumes from an old watermark while its events are kept."""
    sub_id, first = alice.inbox.subscribe_to_pull()
    Message(account=alice, folder=alice.inbox, subject="a").save()
    resumed, _ = alice.inbox.subscribe_to_pull(watermark=first)
    events, later = _pull(alice.inbox, sub_id, first)
    again, _ = _pull(alice.inbox, resumed, first)
    assert [e.item_id.id for e in again] == [e.item_id.id for e in events] != []
    list(alice.inbox.get_events(sub_id, later))  # acknowledges ``later``
    with pytest.raises(ErrorInvalidWatermark):
        list(alice.inbox.get_events(sub_id, first))
    with pytest.raises(ErrorInvalidWatermark):
        list(alice.inbox.get_events(sub_id, "bm90IGEgd2F0ZXJtYXJr"))
    list(alice.inbox.get_events(resumed, later))
    with pytest.raises(ErrorInvalidWatermark):  # the events after ``first`` are gone
        alice.inbox.subscribe_to_pull(watermark=first)
    alice.inbox.unsubscribe(sub_id)
    alice.inbox.unsubscribe(resumed)


def test_unsubscribe_and_unknown_ids(alice: Account) -> None:
    """Context managers unsubscribe; unknown ids are ErrorSubscriptionNotFound, malformed
    ones ErrorInvalidSubscription; a streaming id is not a pull id; push is refused."""
    with alice.inbox.pull_subscription() as (sub_id, _):
        pass
    with pytest.raises(ErrorSubscriptionNotFound):
        alice.inbox.unsubscribe(sub_id)
    with alice.inbox.streaming_subscription() as streaming_id, pytest.raises(ErrorInvalidPullSubscriptionId):
        list(alice.inbox.get_events(streaming_id, "AAAA"))
    with pytest.raises(ErrorSubscriptionNotFound):
        alice.inbox.unsubscribe(streaming_id)
    with pytest.raises(ErrorInvalidSubscription):
        alice.inbox.unsubscribe("AAA-")
    with alice.inbox.push_subscription(callback_url="https://example.com/cb") as (push_id, watermark):
        assert watermark
        with pytest.raises(ErrorInvalidSubscription):
            alice.inbox.unsubscribe(push_id)


def test_pull_subscription_times_out(alice: Account, clock: ManualClock) -> None:
    """A pull subscription not polled for its Timeout minutes is gone."""
    sub_id, watermark = alice.inbox.subscribe_to_pull(timeout=5)
    clock.advance(240)
    list(alice.inbox.get_events(sub_id, watermark))  # contact resets the timeout
    clock.advance(240)
    list(alice.inbox.get_events(sub_id, watermark))
    clock.advance(360)
    with pytest.raises(ErrorSubscriptionNotFound):
        list(alice.inbox.get_events(sub_id, watermark))


def test_streaming_subscription(alice: Account) -> None:
    """Streaming: the waiting events come once, then the connection closes; the affinity
    cookie is set."""
    inbox = alice.inbox
    with inbox.streaming_subscription() as sub_id:
        assert alice.affinity_cookie
        assert list(inbox.get_streaming_events(sub_id, connection_timeout=1)) == []
        msg = Message(account=alice, folder=inbox, subject="streamed").save()
        notifications = list(inbox.get_streaming_events(sub_id, connection_timeout=1))
        assert [(type(e), e.item_id.id) for e in _events(notifications)] == [(CreatedEvent, msg.id)]
        assert notifications[0].subscription_id == sub_id
        assert list(inbox.get_streaming_events(sub_id, connection_timeout=1)) == []
        msg.delete()
        first = next(iter(inbox.get_streaming_events(sub_id, connection_timeout=1, max_notifications_returned=1)))
        assert [type(e) for e in first.events] == [DeletedEvent]


def test_streaming_with_a_bad_id(alice: Account) -> None:
    """One bad id fails the call and is named, as exchangelib's own test expects."""
    with alice.inbox.streaming_subscription() as sub_id:
        Message(account=alice, folder=alice.inbox, subject="x").save()
        with pytest.raises(ErrorInvalidSubscription) as err:
            list(alice.inbox.get_streaming_events(("AAA-", sub_id), connection_timeout=1))
        assert err.value.value == "Subscription is invalid. (subscription IDs: ['AAA-'])"
