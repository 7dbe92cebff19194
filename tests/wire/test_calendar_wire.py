"""Issue 13, "Calendar", on the raw wire: the recurrence StartDate echoed with its
offset as Exchange returns it, and Exchange's errors for bad patterns and occurrence
indexes (what exchangelib validates on its side before sending)."""

from __future__ import annotations

from ..conftest import ALICE
from .conftest import NS, Post, envelope, impersonate

BERLIN = '<t:StartTimeZone Id="W. Europe Standard Time"/><t:EndTimeZone Id="W. Europe Standard Time"/>'


def _series(post: Post, pattern: str, start_date: str, zones: str = BERLIN) -> tuple[list[str], str]:
    item = (
        "<t:CalendarItem><t:Subject>Review</t:Subject><t:Start>2024-05-01T07:00:00Z</t:Start>"
        "<t:End>2024-05-01T08:00:00Z</t:End>"
        f"<t:Recurrence>{pattern}<t:NumberedRecurrence><t:StartDate>{start_date}</t:StartDate>"
        f"<t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>{zones}"
        "</t:CalendarItem>"
    )
    reply = post(
        envelope(
            '<m:CreateItem SendMeetingInvitations="SendToNone"><m:SavedItemFolderId>'
            '<t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>'
            f"<m:Items>{item}</m:Items></m:CreateItem>",
            impersonate(ALICE),
        )
    )
    found = reply.xml.find(".//t:ItemId", namespaces=NS)
    return reply.codes(), "" if found is None else found.get("Id", "")


def _get(post: Post, item_id: str, id_element: str = "") -> tuple[list[str], str]:
    ids = id_element or f'<t:ItemId Id="{item_id}"/>'
    reply = post(
        envelope(
            "<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>"
            f"<m:ItemIds>{ids}</m:ItemIds></m:GetItem>",
            impersonate(ALICE),
        )
    )
    return reply.codes(), reply.body.decode()


DAILY = "<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>"


def test_the_recurrence_start_date_comes_back_with_the_zones_offset(post: Post) -> None:
    """Calendar: the recurrence StartDate echoed with its offset as Exchange does
    (the offset of the series' start zone, whatever form the client sent)."""
    for sent in ("2024-05-01", "2024-05-01+02:00", "2024-05-01Z"):
        codes, item_id = _series(post, DAILY, sent)
        assert codes == ["NoError"]
        codes, body = _get(post, item_id)
        assert "<t:StartDate>2024-05-01+02:00</t:StartDate>" in body, body
    codes, item_id = _series(post, DAILY, "2024-05-01", zones="")
    assert "<t:StartDate>2024-05-01Z</t:StartDate>" in _get(post, item_id)[1]


def test_a_bad_pattern_gets_exchanges_recurrence_error(post: Post) -> None:
    """Calendar: a pattern Exchange cannot expand is refused, never stored silently."""
    weekly_without_days = "<t:WeeklyRecurrence><t:Interval>1</t:Interval></t:WeeklyRecurrence>"
    assert _series(post, weekly_without_days, "2024-05-01")[0] == ["ErrorCalendarInvalidRecurrence"]
    bad_index = "<t:RelativeMonthlyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek>"
    bad_index += "<t:DayOfWeekIndex>Fifth</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence>"
    assert _series(post, bad_index, "2024-05-01")[0] == ["ErrorCalendarInvalidRecurrence"]


def test_occurrence_indexes_out_of_range_and_ids_that_name_no_master(post: Post) -> None:
    """Calendar: OccurrenceItemId beyond the series, and on a single item, get
    Exchange's calendar errors; an occurrence id answers as the occurrence."""
    _, master = _series(post, DAILY, "2024-05-01")
    beyond = f'<t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="4"/>'
    assert _get(post, master, beyond)[0] == ["ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange"]
    codes, body = _get(post, master, f'<t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="3"/>')
    assert codes == ["NoError"] and "<t:CalendarItemType>Occurrence</t:CalendarItemType>" in body
    assert "<t:Start>2024-05-03T07:00:00Z</t:Start>" in body and "<t:IsRecurring>true</t:IsRecurring>" in body
    master_of_master = f'<t:RecurringMasterItemId OccurrenceId="{master}"/>'
    codes, body = _get(post, master, master_of_master)
    assert codes == ["NoError"] and "<t:CalendarItemType>RecurringMaster</t:CalendarItemType>" in body
