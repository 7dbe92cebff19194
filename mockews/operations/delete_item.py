"""DeleteItem: HardDelete removes; SoftDelete moves to Recoverable Items\\Deletions;
MoveToDeletedItems moves to Deleted Items (from there, soft-deletes).  An ItemId that
carries a ChangeKey deletes only the version it names: a stale one is
ErrorInvalidChangeKey, as on Exchange (without a ChangeKey, any version goes).  An
organizer's meeting deleted with SendMeetingCancellations tells its attendees
(store/meetings.py)."""

from __future__ import annotations

from typing import cast

from ..errors import ErrorInvalidChangeKey
from ..soap.xml import Element, children, local_name, m
from ..store import meetings
from ..store.model import CalendarItem
from .base import Operation
from .delete_folder import delete_type


class DeleteItem(Operation):
    name = "DeleteItem"

    def execute(self) -> str:
        mode = delete_type(self.request)
        notify = self.request.get("SendMeetingCancellations", "SendToNone") in meetings.INVITATION_MODES

        def one(elem: Element) -> str:
            item = self.item(elem)
            # an OccurrenceItemId's ChangeKey is its master's, which every edit of any
            # occurrence moves on: only a plain ItemId names the version it deletes
            change_key = elem.get("ChangeKey") if local_name(elem) == "ItemId" else None
            if item.mailbox.is_stale(item, change_key):
                raise ErrorInvalidChangeKey("The item has changed since this ChangeKey was read.")
            if notify and meetings.is_sent_meeting(item):
                meetings.send_cancellations(cast(CalendarItem, item))
            item.mailbox.delete_item(item, mode)
            return ""

        return self.batch(children(self.request.find(m("ItemIds"))), one)
