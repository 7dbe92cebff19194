"""Meetings between the mailboxes of the world, as Exchange runs them:

- an organizer's calendar item saved with SendMeetingInvitations sends each attendee
  who has a mailbox here a MeetingRequest (Inbox) and puts a tentative copy of the
  meeting in the attendee's calendar (same UID, MyResponseType NoResponseReceived);
  updated with SendMeetingInvitationsOrCancellations, it sends a FullUpdate request
  and brings the attendees' copies up to date (a new attendee gets a new request);
- AcceptItem / TentativelyAcceptItem / DeclineItem (on the request or on the
  attendee's calendar item) set the attendee's copy, move the request to Deleted Items
  (a declined meeting's copy too), send the organizer a MeetingResponse and record the
  attendee's ResponseType and LastResponseTime on the organizer's item;
- CancelCalendarItem (or DeleteItem with SendMeetingCancellations) sends each attendee
  a MeetingCancellation and marks their copy IsCancelled; the organizer's item goes to
  Deleted Items.

Meeting messages are CalendarItem objects whose ``kind`` is the EWS element
(MeetingRequest, MeetingResponse, MeetingCancellation): they carry the meeting's times,
attendees and UID as Exchange's meeting messages do.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import (
    ErrorCalendarIsCancelledForAccept,
    ErrorCalendarIsCancelledForDecline,
    ErrorCalendarIsCancelledForTentative,
    ErrorCalendarIsNotOrganizer,
    ErrorCalendarIsOrganizerForAccept,
    ErrorCalendarIsOrganizerForDecline,
    ErrorCalendarIsOrganizerForTentative,
    ErrorInvalidOperation,
    EWSError,
)
from . import occurrences
from .delivery import recipient_mailboxes, stamp_sent
from .mailbox import Mailbox
from .model import Attendee, CalendarItem, Item, Occurrence, Recipient

#: extra keys on calendar items and meeting messages
MY_RESPONSE = "MyResponseType"
RESPONSE = "ResponseType"
ASSOCIATED = "AssociatedCalendarItemId"
CANCELLED = "IsCancelled"
REQUEST_SENT = "MeetingRequestWasSent"
REQUEST_TYPE = "MeetingRequestType"
INVITATION_MODES = ("SendOnlyToAll", "SendToAllAndSaveCopy")
#: UpdateItem's SendMeetingInvitationsOrCancellations values that send (the "Changed"
#: ones go to every attendee here: the mock does not track who a change concerns)
UPDATE_MODES = ("SendOnlyToAll", "SendOnlyToChanged", "SendToAllAndSaveCopy", "SendToChangedAndSaveCopy")
#: what an attendee's copy takes over from the organizer's meeting on an update
SHARED_FIELDS = (
    "subject",
    "body",
    "body_type",
    "start",
    "end",
    "is_all_day",
    "location",
    "sensitivity",
    "recurrence",
    "required",
    "optional",
    "resources",
)


@dataclass(frozen=True)
class Reply:
    """One kind of attendee reply: what it records and how its message looks."""

    response: str
    prefix: str
    item_class: str
    free_busy: str
    organizer_error: type[EWSError]
    cancelled_error: type[EWSError]


REPLIES = {
    "AcceptItem": Reply(
        "Accept",
        "Accepted: ",
        "IPM.Schedule.Meeting.Resp.Pos",
        "Busy",
        ErrorCalendarIsOrganizerForAccept,
        ErrorCalendarIsCancelledForAccept,
    ),
    "TentativelyAcceptItem": Reply(
        "Tentative",
        "Tentative: ",
        "IPM.Schedule.Meeting.Resp.Tent",
        "Tentative",
        ErrorCalendarIsOrganizerForTentative,
        ErrorCalendarIsCancelledForTentative,
    ),
    "DeclineItem": Reply(
        "Decline",
        "Declined: ",
        "IPM.Schedule.Meeting.Resp.Neg",
        "Free",
        ErrorCalendarIsOrganizerForDecline,
        ErrorCalendarIsCancelledForDecline,
    ),
}


def attendee_recipients(item: CalendarItem) -> tuple[Recipient, ...]:
    return tuple(a.recipient for a in item.required + item.optional + item.resources)


def _owner(mailbox: Mailbox) -> Recipient:
    return mailbox.world.recipient(mailbox.display_name, mailbox.email)


def _message(mailbox: Mailbox, meeting: CalendarItem, kind: str, item_class: str, subject: str | None) -> Item:
    """A meeting message in ``mailbox``'s Inbox built from ``meeting``, not yet stored."""
    message = mailbox.clone(meeting, mailbox.well_known("inbox"))
    message.kind = kind
    message.item_class = item_class
    message.subject = subject
    message.is_read = False
    message.is_draft = False
    message.created = message.modified = message.received = 0  # stamped on arrival
    message.message_id = None
    message.set_extra(MY_RESPONSE, None)
    message.set_extra(REQUEST_SENT, None)
    return message


def _attendee_mailboxes(meeting: CalendarItem, organizer: Mailbox) -> list[Mailbox]:
    return [m for m in recipient_mailboxes(organizer, attendee_recipients(meeting)) if m is not organizer]


def _attendee_copy(meeting: CalendarItem, mailbox: Mailbox) -> tuple[CalendarItem, str]:
    """The attendee's calendar copy of ``meeting``, made or brought up to date, and
    the MeetingRequestType that tells them which."""
    copy = _by_uid(mailbox, meeting.uid)
    if copy is not None:
        changes: dict[str, object] = {name: getattr(meeting, name) for name in SHARED_FIELDS}
        for key in (occurrences.START_ZONE, occurrences.END_ZONE):
            changes[f"extra.{key}"] = meeting.get_extra(key)
        mailbox.update_item(copy, changes)
        return copy, "FullUpdate"
    fresh = mailbox.clone(meeting, mailbox.well_known("calendar"))
    assert isinstance(fresh, CalendarItem)
    fresh.free_busy = "Tentative"
    fresh.set_extra(REQUEST_SENT, None)
    fresh.set_extra(MY_RESPONSE, "NoResponseReceived")
    mailbox.add_item(fresh)
    return fresh, "NewMeetingRequest"


def send_invitations(meeting: CalendarItem, organizer: Mailbox, save_copy: bool) -> None:
    """The organizer's (stored) meeting goes out: requests and tentative copies, or on
    a later call the update of both."""
    meeting.set_extra(REQUEST_SENT, True)
    meeting.set_extra(MY_RESPONSE, "Organizer")
    stamp_sent(meeting, organizer)
    for mailbox in _attendee_mailboxes(meeting, organizer):
        copy, request_type = _attendee_copy(meeting, mailbox)
        request = _message(mailbox, meeting, "MeetingRequest", "IPM.Schedule.Meeting.Request", meeting.subject)
        request.to = tuple(a.recipient for a in meeting.required)
        request.cc = tuple(a.recipient for a in meeting.optional)
        request.set_extra(ASSOCIATED, copy.id)
        request.set_extra(RESPONSE, "NoResponseReceived")
        request.set_extra(REQUEST_TYPE, request_type)
        mailbox.add_item(request)
    if save_copy:
        sent = organizer.clone(meeting, organizer.well_known("sentitems"))
        sent.kind, sent.item_class, sent.is_read = "MeetingRequest", "IPM.Schedule.Meeting.Request", True
        sent.to = tuple(a.recipient for a in meeting.required)
        organizer.add_item(sent)
    organizer.touch_item(meeting)


def _by_uid(mailbox: Mailbox, uid: str | None) -> CalendarItem | None:
    """The meeting with this UID in the mailbox's calendar (Exchange's own lookup)."""
    if not uid:
        return None
    for item in mailbox.well_known("calendar").items.values():
        if isinstance(item, CalendarItem) and item.kind == "CalendarItem" and item.uid == uid:
            return item
    return None


def _is_organizer(meeting: CalendarItem, mailbox: Mailbox) -> bool:
    return meeting.organizer is None or meeting.organizer.email.lower() == mailbox.email.lower()


def respond(reference: Item, reply_kind: str) -> None:
    """An attendee's AcceptItem / TentativelyAcceptItem / DeclineItem."""
    reply = REPLIES[reply_kind]
    if not isinstance(reference, CalendarItem):
        raise ErrorInvalidOperation("Only meeting requests and calendar items can be answered.")
    mailbox = reference.mailbox
    copy = reference if reference.kind == "CalendarItem" else _by_uid(mailbox, reference.uid)
    meeting = copy or reference
    if _is_organizer(meeting, mailbox):
        raise reply.organizer_error()
    if meeting.get_extra(CANCELLED):
        raise reply.cancelled_error()
    if copy is not None:
        mailbox.update_item(copy, {"free_busy": reply.free_busy, f"extra.{MY_RESPONSE}": reply.response})
        if reply.response == "Decline":
            mailbox.delete_item(copy, "MoveToDeletedItems")
    if reference.kind == "MeetingRequest" and reference.folder is mailbox.well_known("inbox"):
        mailbox.delete_item(reference, "MoveToDeletedItems")  # Exchange files answered requests away
    _tell_organizer(meeting, mailbox, reply)


def _tell_organizer(meeting: CalendarItem, attendee: Mailbox, reply: Reply) -> None:
    world = attendee.world
    assert meeting.organizer is not None
    organizer = world.find_mailbox(meeting.organizer.email)
    if organizer is None:
        return  # an organizer outside the tenant: the response leaves and is not tracked
    original = _by_uid(organizer, meeting.uid)
    now = world.now_epoch()
    if original is not None:
        changes = {
            name: tuple(_answered(a, attendee, reply.response, now) for a in getattr(original, name))
            for name in ("required", "optional", "resources")
        }
        organizer.update_item(original, changes)
    response = _message(organizer, meeting, "MeetingResponse", reply.item_class, reply.prefix + (meeting.subject or ""))
    response.from_ = response.sender = _owner(attendee)
    response.to = (meeting.organizer,)
    response.cc = ()
    response.set_extra(RESPONSE, reply.response)
    response.set_extra(ASSOCIATED, None if original is None else original.id)
    stamp_sent(response, attendee)
    organizer.add_item(response)


def _answered(attendee: Attendee, mailbox: Mailbox, response: str, now: int) -> Attendee:
    """A new Attendee (they are shared between copies of a meeting, so never changed in
    place) with the response recorded when it is ``mailbox``'s."""
    if attendee.recipient.email.lower() != mailbox.email.lower():
        return attendee
    return Attendee(attendee.recipient, response, now)


def cancel(meeting: Item) -> None:
    """The organizer's CancelCalendarItem."""
    if not isinstance(meeting, CalendarItem) or meeting.kind != "CalendarItem":
        raise ErrorInvalidOperation("Only calendar items can be cancelled.")
    organizer = meeting.mailbox
    if not _is_organizer(meeting, organizer):
        raise ErrorCalendarIsNotOrganizer()
    send_cancellations(meeting)
    organizer.delete_item(meeting, "MoveToDeletedItems")


def is_sent_meeting(item: Item) -> bool:
    """An organizer's meeting whose requests went out (updates and deletions notify)."""
    return (
        isinstance(item, CalendarItem)
        and not isinstance(item, Occurrence)  # a changed occurrence stays the organizer's (not sent)
        and item.kind == "CalendarItem"
        and bool(item.get_extra(REQUEST_SENT))
        and _is_organizer(item, item.mailbox)
    )


def send_cancellations(meeting: CalendarItem) -> None:
    """Every attendee here learns the meeting is off (their copy stays, cancelled)."""
    organizer = meeting.mailbox
    subject = "Canceled: " + (meeting.subject or "")
    for mailbox in _attendee_mailboxes(meeting, organizer):
        copy = _by_uid(mailbox, meeting.uid)
        if copy is not None:
            mailbox.update_item(copy, {f"extra.{CANCELLED}": True, "subject": subject, "free_busy": "Free"})
        notice = _message(mailbox, meeting, "MeetingCancellation", "IPM.Schedule.Meeting.Canceled", subject)
        notice.to = tuple(a.recipient for a in meeting.required)
        notice.set_extra(ASSOCIATED, None if copy is None else copy.id)
        notice.set_extra(CANCELLED, True)
        stamp_sent(notice, organizer)
        mailbox.add_item(notice)
