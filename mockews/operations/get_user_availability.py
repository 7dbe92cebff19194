"""GetUserAvailability: free/busy of each requested mailbox from the calendar items
the store holds (mockews.store.availability), in the time zone the client sends.

As on Exchange 2016 with default calendar permissions, others see availability only:
a Detailed(Merged) request for someone else's calendar is answered as
FreeBusy(Merged), without subjects and locations.  The owner, a full-access delegate
and an unauthenticated server see the details.  Working hours are Exchange's default
(Monday to Friday, 08:00-17:00, UTC) — per-mailbox working hours are not modelled.
"""

from __future__ import annotations

from datetime import datetime, time

from ..errors import (
    ErrorInvalidMergedFreeBusyInterval,
    ErrorInvalidTimeInterval,
    ErrorMailRecipientNotFound,
    ErrorSchemaValidation,
    ErrorTimeIntervalTooBig,
    EWSError,
)
from ..soap.render import boolean, el, esc, message_xml
from ..soap.xml import Element, M, T, children, m, t
from ..store import altids
from ..store.availability import (
    WEEKDAYS,
    BusyPeriod,
    LegacyZone,
    Transition,
    calendar_periods,
    merged_free_busy,
)
from ..store.mailbox import Mailbox
from .base import Operation

VIEWS = ("MergedOnly", "FreeBusy", "FreeBusyMerged", "Detailed", "DetailedMerged")
#: what someone without detail rights gets instead
_WITHOUT_DETAILS = {"Detailed": "FreeBusy", "DetailedMerged": "FreeBusyMerged"}
MAX_WINDOW_DAYS = 42  # Exchange's limit on a free/busy time window
MAX_MAILBOXES = 100
_DEFAULT_WORKING_HOURS = (
    "<t:WorkingHours><t:TimeZone><t:Bias>0</t:Bias>"
    "<t:StandardTime><t:Bias>0</t:Bias><t:Time>00:00:00</t:Time><t:DayOrder>1</t:DayOrder><t:Month>0</t:Month>"
    "<t:DayOfWeek>Sunday</t:DayOfWeek></t:StandardTime>"
    "<t:DaylightTime><t:Bias>0</t:Bias><t:Time>00:00:00</t:Time><t:DayOrder>1</t:DayOrder><t:Month>0</t:Month>"
    "<t:DayOfWeek>Sunday</t:DayOfWeek></t:DaylightTime></t:TimeZone>"
    "<t:WorkingPeriodArray><t:WorkingPeriod><t:DayOfWeek>Monday Tuesday Wednesday Thursday Friday</t:DayOfWeek>"
    "<t:StartTimeInMinutes>480</t:StartTimeInMinutes><t:EndTimeInMinutes>1020</t:EndTimeInMinutes>"
    "</t:WorkingPeriod></t:WorkingPeriodArray></t:WorkingHours>"
)


def _int(elem: Element | None, tag: str, default: int | None = None) -> int:
    text = None if elem is None else elem.findtext(t(tag))
    if text is None and default is not None:
        return default
    try:
        return int((text or "").strip())
    except ValueError as exc:
        raise ErrorSchemaValidation(f"{tag} must be an integer.") from exc


def _transition(elem: Element | None) -> Transition | None:
    if elem is None:
        return None
    weekday = (elem.findtext(t("DayOfWeek")) or "Sunday").strip()
    if weekday not in WEEKDAYS:
        raise ErrorSchemaValidation(f"DayOfWeek {weekday!r} is not valid.")
    try:
        at = time.fromisoformat((elem.findtext(t("Time")) or "00:00:00").strip())
    except ValueError as exc:
        raise ErrorSchemaValidation("Time must be hh:mm:ss.") from exc
    order = _int(elem, "DayOrder", 1)
    order = 5 if order == -1 else order  # some clients say -1 for "last"
    return Transition(_int(elem, "Bias", 0), at, order, _int(elem, "Month", 0), WEEKDAYS.index(weekday))


def parse_zone(elem: Element | None) -> LegacyZone:
    if elem is None:
        raise ErrorSchemaValidation("GetUserAvailability needs a TimeZone.")
    return LegacyZone(
        _int(elem, "Bias"), _transition(elem.find(t("StandardTime"))), _transition(elem.find(t("DaylightTime")))
    )


class GetUserAvailability(Operation):
    #: the request element is GetUserAvailabilityRequest; the answer GetUserAvailabilityResponse
    name = "GetUserAvailabilityRequest"
    mailbox_bound = False

    def execute(self) -> str:
        zone = parse_zone(self.request.find(t("TimeZone")))
        options = self.request.find(t("FreeBusyViewOptions"))
        if options is None:
            raise ErrorSchemaValidation("Only FreeBusyViewOptions requests are served (no SuggestionsViewOptions).")
        start, end, interval, view = self._options(options, zone)
        boxes = children(self.request.find(m("MailboxDataArray")))
        if not boxes or len(boxes) > MAX_MAILBOXES:
            raise ErrorSchemaValidation(f"MailboxDataArray holds 1 to {MAX_MAILBOXES} mailboxes.")
        answers = "".join(self._one(box, zone, start, end, interval, view) for box in boxes)
        return (
            f'<m:GetUserAvailabilityResponse xmlns:m="{M}" xmlns:t="{T}"><m:FreeBusyResponseArray>{answers}'
            f"</m:FreeBusyResponseArray></m:GetUserAvailabilityResponse>"
        )

    def _options(self, options: Element, zone: LegacyZone) -> tuple[int, int, int, str]:
        window = options.find(t("TimeWindow"))
        if window is None:
            raise ErrorSchemaValidation("FreeBusyViewOptions needs a TimeWindow.")
        try:
            start = zone.to_epoch(datetime.fromisoformat((window.findtext(t("StartTime")) or "").strip()))
            end = zone.to_epoch(datetime.fromisoformat((window.findtext(t("EndTime")) or "").strip()))
        except ValueError as exc:
            raise ErrorSchemaValidation("TimeWindow needs StartTime and EndTime.") from exc
        if end <= start:
            raise ErrorInvalidTimeInterval("The end of the time window is not after its start.")
        if end - start > MAX_WINDOW_DAYS * 86400:
            raise ErrorTimeIntervalTooBig(f"The time window is longer than {MAX_WINDOW_DAYS} days.")
        interval = _int(options, "MergedFreeBusyIntervalInMinutes", 30)
        if not 5 <= interval <= 1440:
            raise ErrorInvalidMergedFreeBusyInterval("MergedFreeBusyIntervalInMinutes must be 5 to 1440.")
        view = (options.findtext(t("RequestedView")) or "").strip()
        if view not in VIEWS:
            raise ErrorSchemaValidation(f"RequestedView {view!r} is not valid.")
        return start, end, interval, view

    def _one(self, box: Element, zone: LegacyZone, start: int, end: int, interval: int, view: str) -> str:
        address = (box.findtext(f"{t('Email')}/{t('Address')}") or "").strip()
        mailbox = self.world.find_mailbox(address) if address else None
        if mailbox is None:
            error: EWSError = ErrorMailRecipientNotFound(f"No mailbox for {address or 'an empty address'}.")
            return (
                f'<m:FreeBusyResponse><m:ResponseMessage ResponseClass="Error"><m:MessageText>{esc(error.message)}'
                f"</m:MessageText><m:ResponseCode>{error.code}</m:ResponseCode>"
                f"<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>{message_xml(error)}</m:ResponseMessage>"
                f"<m:FreeBusyView><t:FreeBusyViewType>None</t:FreeBusyViewType></m:FreeBusyView></m:FreeBusyResponse>"
            )
        shown = view if self._sees_details(mailbox) else _WITHOUT_DETAILS.get(view, view)
        periods = calendar_periods(mailbox, start, end)
        merged = el("MergedFreeBusy", merged_free_busy(periods, start, end, interval)) if "Merged" in shown else ""
        events = "" if shown == "MergedOnly" else self._events(periods, zone, shown.startswith("Detailed"), mailbox)
        return (
            '<m:FreeBusyResponse><m:ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
            f"</m:ResponseMessage><m:FreeBusyView>{el('FreeBusyViewType', shown)}{merged}{events}"
            f"{_DEFAULT_WORKING_HOURS}</m:FreeBusyView></m:FreeBusyResponse>"
        )

    def _sees_details(self, mailbox: Mailbox) -> bool:
        principal = self.ctx.principal
        if principal is None:
            return True
        owner = mailbox.email.lower()
        return principal.email.lower() == owner or owner in principal.full_access

    @staticmethod
    def _events(periods: list[BusyPeriod], zone: LegacyZone, detailed: bool, mailbox: Mailbox) -> str:
        if not periods:
            return ""
        out = []
        for p in periods:
            when = f"{el('StartTime', _local(zone, p.start))}{el('EndTime', _local(zone, p.end))}"
            details = _details(p, mailbox) if detailed else ""
            out.append(f"<t:CalendarEvent>{when}{el('BusyType', p.status)}{details}</t:CalendarEvent>")
        return f"<t:CalendarEventArray>{''.join(out)}</t:CalendarEventArray>"


def _local(zone: LegacyZone, epoch: int) -> str:
    """Exchange writes availability times as local times of the request's zone, no offset."""
    return zone.to_local(epoch).strftime("%Y-%m-%dT%H:%M:%S")


def _details(period: BusyPeriod, mailbox: Mailbox) -> str:
    item = period.item
    private = item.sensitivity == "Private"
    subject = "" if private else el("Subject", esc(item.subject or ""))
    location = "" if private or not item.location else el("Location", esc(item.location))
    meeting = bool(item.required or item.optional or item.resources)
    return (
        f"<t:CalendarEventDetails>{el('ID', altids.encode(item.id, 'HexEntryId', mailbox.email))}{subject}"
        f"{location}{el('IsMeeting', boolean(meeting))}{el('IsRecurring', boolean(item.recurrence is not None))}"
        f"{el('IsException', 'false')}{el('IsReminderSet', boolean(bool(item.get_extra('ReminderIsSet'))))}"
        f"{el('IsPrivate', boolean(private))}</t:CalendarEventDetails>"
    )


__all__ = ["GetUserAvailability", "parse_zone"]
