"""ConvertId: between EwsId/EwsLegacyId and the binary EntryId forms.

exchangelib's version probe sends a dummy ConvertId (Id="DUMMY", Mailbox="DUMMY"); it
needs a well-formed answer whose header carries ServerVersionInfo — a per-id error is
fine, as on Exchange.
"""

from __future__ import annotations

import base64
import binascii

from ..errors import ErrorInvalidIdMalformed, ErrorSchemaValidation
from ..soap.render import esc
from ..soap.xml import Element, children, m
from ..store.ids import tag_of
from .base import Operation

FORMATS = ("EwsLegacyId", "EwsId", "EntryId", "HexEntryId", "StoreId", "OwaId")


def _to_raw(value: str, fmt: str) -> str:
    try:
        if fmt in ("EntryId", "StoreId"):
            return base64.b64decode(value, validate=True).decode("ascii")
        if fmt == "HexEntryId":
            return bytes.fromhex(value).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ErrorInvalidIdMalformed() from exc
    return value


def _from_raw(raw: str, fmt: str) -> str:
    if fmt in ("EntryId", "StoreId"):
        return base64.b64encode(raw.encode()).decode()
    if fmt == "HexEntryId":
        return raw.encode().hex().upper()
    return raw


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
        raw = _to_raw(elem.get("Id", ""), fmt)
        if tag_of(raw) is None:
            raise ErrorInvalidIdMalformed()
        mailbox = self._mailbox_of(raw, ErrorInvalidIdMalformed)
        return (
            f'<m:AlternateId xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="t:AlternateIdType" '
            f'Format="{destination}" Id="{esc(_from_raw(raw, destination))}" Mailbox="{esc(mailbox.email)}"/>'
        )
