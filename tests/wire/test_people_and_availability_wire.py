"""Raw-wire checks of what exchangelib cannot send or does not look at (issue 13:
GetUserAvailability, GetRooms / GetRoomLists, ResolveNames, GetPersona)."""

from __future__ import annotations

from mockews.store import World
from mockews.store.loader import new_calendar_item

from ..conftest import ALICE, DOMAIN
from .conftest import NS, Post, envelope

#: Eastern Standard Time (US), as a non-exchangelib client might write it
EASTERN = (
    "<t:TimeZone><t:Bias>300</t:Bias>"
    "<t:StandardTime><t:Bias>0</t:Bias><t:Time>02:00:00</t:Time><t:DayOrder>1</t:DayOrder><t:Month>11</t:Month>"
    "<t:DayOfWeek>Sunday</t:DayOfWeek></t:StandardTime>"
    "<t:DaylightTime><t:Bias>-60</t:Bias><t:Time>02:00:00</t:Time><t:DayOrder>2</t:DayOrder><t:Month>3</t:Month>"
    "<t:DayOfWeek>Sunday</t:DayOfWeek></t:DaylightTime></t:TimeZone>"
)


def availability(start: str, end: str, view: str = "DetailedMerged", interval: int = 60) -> bytes:
    return envelope(
        f"<m:GetUserAvailabilityRequest>{EASTERN}<m:MailboxDataArray><t:MailboxData><t:Email>"
        f"<t:Address>{ALICE}</t:Address></t:Email><t:AttendeeType>Required</t:AttendeeType></t:MailboxData>"
        f"</m:MailboxDataArray><t:FreeBusyViewOptions><t:TimeWindow><t:StartTime>{start}</t:StartTime>"
        f"<t:EndTime>{end}</t:EndTime></t:TimeWindow>"
        f"<t:MergedFreeBusyIntervalInMinutes>{interval}</t:MergedFreeBusyIntervalInMinutes>"
        f"<t:RequestedView>{view}</t:RequestedView></t:FreeBusyViewOptions></m:GetUserAvailabilityRequest>"
    )


def test_naive_window_times_are_local_to_the_request_zone(post: Post, world: World) -> None:
    """GetUserAvailability: a window without offsets is in the request's zone (EDT in
    May, UTC-4), and the answer's times are local and offset-free, as Exchange writes them."""
    mailbox = world.mailbox(ALICE)
    new_calendar_item(mailbox, mailbox.well_known("calendar"), "Call", 1714568400, 1714572000)  # 13:00Z, 1 h
    reply = post(availability("2024-05-01T08:00:00", "2024-05-01T12:00:00"))
    assert reply.status == 200 and reply.codes() == ["NoError"], reply.body
    view = reply.xml.find(".//m:FreeBusyView", namespaces=NS)
    assert view is not None
    assert view.findtext("t:MergedFreeBusy", namespaces=NS) == "0200"  # 09:00-10:00 EDT
    assert view.findtext("t:CalendarEventArray/t:CalendarEvent/t:StartTime", namespaces=NS) == "2024-05-01T09:00:00"
    assert view.findtext(".//t:CalendarEventDetails/t:Subject", namespaces=NS) == "Call"


def test_window_and_interval_limits(post: Post) -> None:
    """GetUserAvailability: more than 42 days, an end before the start, or an interval
    outside 5..1440 minutes are refused with Exchange's codes."""
    too_long = post(availability("2024-05-01T00:00:00Z", "2024-07-01T00:00:00Z"))
    assert too_long.fault_code() == "ErrorTimeIntervalTooBig"
    backwards = post(availability("2024-05-02T00:00:00Z", "2024-05-01T00:00:00Z"))
    assert backwards.fault_code() == "ErrorInvalidTimeInterval"
    bad_interval = post(availability("2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z", interval=2))
    assert bad_interval.fault_code() == "ErrorInvalidMergedFreeBusyInterval"


def test_room_answers_have_no_response_messages(post: Post, world: World) -> None:
    """GetRoomLists / GetRooms answer with ResponseClass on the Response element itself."""
    world.provision_resource(f"everest@{DOMAIN}", "Everest")
    room = world.directory.user_by_mail(f"everest@{DOMAIN}")
    assert room is not None
    world.directory.add_group("Rooms", f"rooms@{DOMAIN}", "roomlist", members=[room.id])
    lists = post(envelope("<m:GetRoomLists/>"))
    response = lists.xml.find(".//m:GetRoomListsResponse", namespaces=NS)
    assert response is not None and response.get("ResponseClass") == "Success"
    assert lists.xml.find(".//m:ResponseMessages", namespaces=NS) is None
    assert lists.xml.findtext(".//m:RoomLists/t:Address/t:MailboxType", namespaces=NS) == "PublicDL"
    rooms = post(
        envelope(f"<m:GetRooms><m:RoomList><t:EmailAddress>rooms@{DOMAIN}</t:EmailAddress></m:RoomList></m:GetRooms>")
    )
    assert rooms.xml.findtext(".//m:Rooms/t:Room/t:Id/t:EmailAddress", namespaces=NS) == f"everest@{DOMAIN}"


def test_resolve_names_refuses_an_unknown_search_scope(post: Post) -> None:
    """ResolveNames: SearchScope outside the schema's four values is a schema error."""
    entry = "<m:UnresolvedEntry>alice</m:UnresolvedEntry>"
    reply = post(envelope(f'<m:ResolveNames SearchScope="Everywhere">{entry}</m:ResolveNames>'))
    assert reply.fault_code() == "ErrorSchemaValidation"


def test_get_persona_answers_with_a_bare_response_message(post: Post, world: World) -> None:
    """GetPersona: the body holds m:GetPersonaResponseMessage itself (exchangelib reads it so)."""
    user = world.directory.user_by_mail(ALICE)
    assert user is not None
    persona_id = "AAUR" + user.id.replace("-", "")
    reply = post(envelope(f'<m:GetPersona><m:PersonaId Id="{persona_id}"/></m:GetPersona>'))
    message = reply.xml.find(".//m:GetPersonaResponseMessage", namespaces=NS)
    assert message is not None and message.get("ResponseClass") == "Success"
    assert message.findtext("m:Persona/t:DisplayName", namespaces=NS) == "Alice Martin"
