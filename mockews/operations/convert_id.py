"""ConvertId: between the six id formats of Exchange (mockews.store.altids).

exchangelib's version probe sends a dummy ConvertId (Id="DUMMY", Mailbox="DUMMY"); it
needs a well-formed answer whose header carries ServerVersionInfo — a per-id error is
fine, as on Exchange.
"""

from __future__ import annotations

from ..errors import ErrorInvalidIdMalformed, ErrorSchemaValidation
from ..soap.render import esc
from ..soap.xml import Element, children, m
from ..store import altids
from .base import Operation

FORMATS = altids.FORMATS


class ConvertId(Operation):
    name = "ConvertId"
    mailbox_bound = False

    def execute(self) -> str:
        destination = self.request.get("DestinationFormat", "")
        if destination not in FORMATS:
            raise ErrorSchemaValidation(f"DestinationFormat {destination!r} is not valid.")
        return self.batch(children(self.request.find(m("SourceIds"))), lambda e: self._convert(e, destination))

    def _convert(self, elem: Element, destination: str) -> str:
        fmt = elem.get("Format", "")
        if fmt not in FORMATS:
            raise ErrorSchemaValidation(f"Format {fmt!r} is not valid.")
        raw = altids.decode(elem.get("Id", ""), fmt)
        # A conversion reads no mailbox content, so (as on Exchange) any caller may ask
        # for any existing mailbox's ids — a service account needs no impersonation here.
        mailbox = self.world.mailbox_of_id(raw)
        if mailbox is None:
            raise ErrorInvalidIdMalformed()
        converted = altids.encode(raw, destination, mailbox.email)
        return (
            f'<m:AlternateId xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="t:AlternateIdType" '
            f'Format="{destination}" Id="{esc(converted)}" Mailbox="{esc(mailbox.email)}"/>'
        )
