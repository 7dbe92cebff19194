"""GetRoomLists and GetRooms: the room lists of the directory (distribution groups
marked as room lists) and the room mailboxes in one of them.  Both answer without
ResponseMessages, as on Exchange."""

from __future__ import annotations

from mockad.store import DirectoryUser

from ..errors import ErrorNameResolutionNoResults, ErrorSchemaValidation
from ..soap.render import el, esc
from ..soap.xml import m, t
from .base import Operation


def _address(name: str, mail: str, mailbox_type: str) -> str:
    return (
        f"{el('Name', esc(name))}{el('EmailAddress', esc(mail))}{el('RoutingType', 'SMTP')}"
        f"{el('MailboxType', mailbox_type)}"
    )


class GetRoomLists(Operation):
    name = "GetRoomLists"
    mailbox_bound = False

    def execute(self) -> str:
        groups = sorted(
            (g for g in self.world.directory.groups.values() if g.is_room_list and g.mail),
            key=lambda g: g.display_name.lower(),
        )
        lists = "".join(f"<t:Address>{_address(g.display_name, g.mail or '', 'PublicDL')}</t:Address>" for g in groups)
        return self.direct(lambda: f"<m:RoomLists>{lists}</m:RoomLists>")


class GetRooms(Operation):
    name = "GetRooms"
    mailbox_bound = False

    def execute(self) -> str:
        return self.direct(self._rooms)

    def _rooms(self) -> str:
        room_list = self.request.find(m("RoomList"))
        address = "" if room_list is None else (room_list.findtext(t("EmailAddress")) or "").strip()
        if not address:
            raise ErrorSchemaValidation("GetRooms needs a RoomList with an EmailAddress.")
        group = self.world.directory.group_by_mail(address)
        if group is None or not group.is_room_list:
            raise ErrorNameResolutionNoResults(f"No room list with address {address}.")
        rooms = [
            r for r in self.world.directory.members(group) if isinstance(r, DirectoryUser) and r.is_room and r.mail
        ]
        rendered = "".join(
            f"<t:Room><t:Id>{_address(r.display_name, r.mail or '', 'Mailbox')}</t:Id></t:Room>" for r in rooms
        )
        return f"<m:Rooms>{rendered}</m:Rooms>"
