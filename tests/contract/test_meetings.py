"""Issue 13, "Item types": meeting requests and responses — AcceptItem, DeclineItem,
TentativelyAcceptItem, CancelCalendarItem — between mailboxes of the world, through
exchangelib as an application would (organizer invites, attendees answer, organizer
cancels)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from exchangelib import Account, Attendee, CalendarItem, EWSDateTime, EWSTimeZone, Mailbox
from exchangelib.errors import ErrorCalendarIsOrganizerForAccept, ErrorItemNotFound
from exchangelib.items import SEND_TO_ALL_AND_SAVE_COPY, MeetingCancellation, MeetingRequest, MeetingResponse

from mockews.store import World
from mockews.store.model import CalendarItem as StoredCalendarItem
from mockews.store.persist import load_world, save_world

from ..conftest import ALICE, BOB, CAROL, Connect

UTC = EWSTimeZone("UTC")
START = EWSDateTime(2024, 6, 10, 13, 0, tzinfo=UTC)


@pytest.fixture
def bob(connect: Connect) -> Account:
    return connect(BOB)


@pytest.fixture
def carol(connect: Connect) -> Account:
    return connect(CAROL)


def invite(alice: Account, subject: str = "Design review") -> CalendarItem:
    meeting = CalendarItem(
        account=alice,
        folder=alice.calendar,
        subject=subject,
        start=START,
        end=START + timedelta(hours=1),
        location="Room 4",
        required_attendees=[Attendee(mailbox=Mailbox(email_address=BOB), response_type="Unknown")],
        optional_attendees=[Attendee(mailbox=Mailbox(email_address=CAROL), response_type="Unknown")],
    )
    meeting.save(send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
    return meeting


def responses(meeting: CalendarItem) -> dict[str, str]:
    meeting.refresh()
    attendees = (meeting.required_attendees or []) + (meeting.optional_attendees or [])
    return {a.mailbox.email_address: a.response_type for a in attendees}


def test_an_invitation_reaches_every_attendee(alice: Account, bob: Account, carol: Account) -> None:
    """Meeting requests: the organizer's SendToAllAndSaveCopy puts a MeetingRequest in each
    attendee's Inbox and a tentative copy of the meeting in their calendar."""
    meeting = invite(alice)
    meeting.refresh()
    assert meeting.meeting_request_was_sent is True and meeting.my_response_type == "Organizer"
    for account in (bob, carol):
        (request,) = list(account.inbox.all())
        assert isinstance(request, MeetingRequest)
        assert (request.subject, request.start, request.location) == ("Design review", START, "Room 4")
        assert request.organizer.email_address == ALICE and request.meeting_request_type == "NewMeetingRequest"
        (copy,) = list(account.calendar.all())
        assert (copy.uid, copy.legacy_free_busy_status, copy.my_response_type) == (
            meeting.uid,
            "Tentative",
            "NoResponseReceived",
        )
        assert request.associated_calendar_item_id.id == copy.id
    assert [type(i) for i in alice.sent.all()] == [MeetingRequest]


def test_accepting_tells_the_organizer(alice: Account, bob: Account) -> None:
    """AcceptItem: the attendee's copy becomes Busy/Accept, the request leaves the Inbox,
    the organizer gets a MeetingResponse and sees Bob's ResponseType on the meeting."""
    meeting = invite(alice)
    (request,) = list(bob.inbox.all())
    request.accept(body="See you there")
    (copy,) = list(bob.calendar.all())
    assert (copy.legacy_free_busy_status, copy.my_response_type) == ("Busy", "Accept")
    assert list(bob.inbox.all()) == [] and [i.subject for i in bob.trash.all()] == ["Design review"]
    (response,) = list(alice.inbox.all())
    assert isinstance(response, MeetingResponse)
    assert response.subject == "Accepted: Design review" and response.sender.email_address == BOB
    assert response.item_class == "IPM.Schedule.Meeting.Resp.Pos"
    assert responses(meeting) == {BOB: "Accept", CAROL: "Unknown"}
    assert meeting.required_attendees[0].last_response_time is not None


def test_tentative_and_decline_from_the_calendar_item(alice: Account, bob: Account, carol: Account) -> None:
    """TentativelyAcceptItem and DeclineItem, answered on the attendee's calendar item
    (exchangelib's CalendarItem.tentatively_accept()/decline()); a declined meeting
    leaves the attendee's calendar."""
    meeting = invite(alice)
    (bob_copy,) = list(bob.calendar.all())
    bob_copy.tentatively_accept()
    (carol_copy,) = list(carol.calendar.all())
    carol_copy.decline()
    assert bob.calendar.get(id=bob_copy.id).my_response_type == "Tentative"
    assert list(carol.calendar.all()) == []
    assert responses(meeting) == {BOB: "Tentative", CAROL: "Decline"}
    assert sorted(i.subject for i in alice.inbox.all()) == ["Declined: Design review", "Tentative: Design review"]


def test_the_organizer_cannot_answer_their_own_meeting(alice: Account) -> None:
    """AcceptItem on the organizer's own meeting gets Exchange's error."""
    meeting = invite(alice)
    with pytest.raises(ErrorCalendarIsOrganizerForAccept):
        meeting.accept()


def test_cancelling_a_meeting(alice: Account, bob: Account) -> None:
    """CancelCalendarItem: attendees get a MeetingCancellation and their copy IsCancelled;
    the organizer's meeting is gone (a second cancel: ErrorItemNotFound, as on Exchange)."""
    meeting = invite(alice)
    meeting.cancel()
    cancellation = next(i for i in bob.inbox.all() if isinstance(i, MeetingCancellation))
    assert cancellation.subject == "Canceled: Design review"
    (copy,) = list(bob.calendar.all())
    assert copy.is_cancelled is True and copy.subject == "Canceled: Design review"
    assert list(alice.calendar.all()) == []
    with pytest.raises(ErrorItemNotFound):
        meeting.cancel()


def test_meeting_messages_survive_save_and_load(alice: Account, bob: Account, world: World, tmp_path: Path) -> None:
    """Meeting requests: a saved and loaded world keeps them as meeting messages with
    their meeting (times, UID, the copy they belong to)."""
    meeting = invite(alice)
    meeting.refresh()
    (request,) = list(bob.inbox.all())
    path = tmp_path / "world.jsonl.gz"
    save_world(world, path)
    stored = load_world(path).mailbox(BOB).item(request.id)
    assert isinstance(stored, StoredCalendarItem) and stored.kind == "MeetingRequest"
    assert (
        stored.uid == meeting.uid
        and stored.get_extra("AssociatedCalendarItemId") == request.associated_calendar_item_id.id
    )


def test_an_update_reaches_the_attendees(alice: Account, bob: Account) -> None:
    """Meeting requests: UpdateItem with SendMeetingInvitationsOrCancellations sends a
    FullUpdate request and moves the attendee's copy."""
    meeting = invite(alice)
    meeting.start, meeting.end = START + timedelta(hours=2), START + timedelta(hours=3)
    meeting.location = "Room 9"
    meeting.save(update_fields=["start", "end", "location"], send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
    (copy,) = list(bob.calendar.all())
    assert (copy.start, copy.location) == (START + timedelta(hours=2), "Room 9")
    kinds = sorted(i.meeting_request_type for i in bob.inbox.all() if isinstance(i, MeetingRequest))
    assert kinds == ["FullUpdate", "NewMeetingRequest"]


def test_deleting_with_cancellations(alice: Account, bob: Account) -> None:
    """CancelCalendarItem's other form: DeleteItem with SendMeetingCancellations."""
    meeting = invite(alice)
    meeting.delete(send_meeting_cancellations=SEND_TO_ALL_AND_SAVE_COPY)
    assert any(isinstance(i, MeetingCancellation) for i in bob.inbox.all())
    assert next(iter(bob.calendar.all())).is_cancelled is True
