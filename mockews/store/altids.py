"""The alternate id formats of ConvertId, each a reversible encoding of our EwsId.

Exchange gives one object six spellings: the EwsId (what EWS returns), the Exchange
2007 EwsLegacyId (which carries the mailbox's SMTP address), the MAPI PR_ENTRYID as
base64 (EntryId) or upper-case hex (HexEntryId), the StoreObjectId bytes (StoreId: the
entry id and an object-type byte) and the OWA id (a little-endian length, the entry id
and the type byte).  Here the entry id is built the way MAPI lays one out — four flag
bytes, a 16-byte provider UID (per mailbox), a two-byte object type — followed by the
rest of our EwsId, so every spelling decodes back to exactly the id it came from.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct

from ..errors import ErrorInvalidIdMalformed
from .ids import FOLDER_PREFIX, ITEM_PREFIX, tag_of

FORMATS = ("EwsLegacyId", "EwsId", "EntryId", "HexEntryId", "StoreId", "OwaId")

_FLAGS = b"\x00\x00\x00\x00"
#: MAPI's eitLTPrivateFolder / eitLTPrivateMessage object types
_TYPE_BY_PREFIX = {FOLDER_PREFIX: b"\x01\x00", ITEM_PREFIX: b"\x07\x00"}
_PREFIX_BY_TYPE = {v: k for k, v in _TYPE_BY_PREFIX.items()}
#: StoreObjectType bytes: a folder, a message
_STORE_TYPE = {FOLDER_PREFIX: 0x01, ITEM_PREFIX: 0x09}
_HEAD = len(_FLAGS) + 16 + 2


def _provider_uid(tag: str) -> bytes:
    """The per-mailbox store GUID of a MAPI entry id (derived, so nothing is stored)."""
    return hashlib.md5(tag.encode(), usedforsecurity=False).digest()


def entry_id(ews_id: str) -> bytes:
    tag = tag_of(ews_id)
    if tag is None:
        raise ErrorInvalidIdMalformed()
    return _FLAGS + _provider_uid(tag) + _TYPE_BY_PREFIX[ews_id[:4]] + ews_id[4:].encode("ascii")


def from_entry_id(data: bytes) -> str:
    """The EwsId inside an entry id; malformed bytes → ErrorInvalidIdMalformed."""
    if len(data) <= _HEAD or not data.startswith(_FLAGS):
        raise ErrorInvalidIdMalformed()
    prefix = _PREFIX_BY_TYPE.get(data[20:22])
    try:
        rest = data[_HEAD:].decode("ascii")
    except UnicodeDecodeError as exc:
        raise ErrorInvalidIdMalformed() from exc
    ews_id = f"{prefix}{rest}"
    tag = tag_of(ews_id) if prefix else None
    if tag is None or _provider_uid(tag) != data[4:20] or not rest.isalnum():
        raise ErrorInvalidIdMalformed()
    return ews_id


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ErrorInvalidIdMalformed() from exc


def encode(ews_id: str, fmt: str, smtp: str) -> str:
    """``ews_id`` (of the mailbox with address ``smtp``) spelled in ``fmt``."""
    if fmt == "EwsId":
        return ews_id
    entry = entry_id(ews_id)
    if fmt == "EntryId":
        return _b64(entry)
    if fmt == "HexEntryId":
        return entry.hex().upper()
    kind = bytes([_STORE_TYPE[ews_id[:4]]])
    if fmt == "StoreId":
        return _b64(entry + kind)
    if fmt == "OwaId":
        return _b64(struct.pack("<I", len(entry)) + entry + kind)
    address = smtp.encode()
    return _b64(b"\x00\x00" + struct.pack("<H", len(address)) + address + entry)  # EwsLegacyId


def decode(value: str, fmt: str) -> str:
    """The EwsId spelled ``value`` in ``fmt``."""
    if fmt == "EwsId":
        if tag_of(value) is None or not value.isalnum():
            raise ErrorInvalidIdMalformed()
        return value
    if fmt == "HexEntryId":
        try:
            return from_entry_id(bytes.fromhex(value))
        except ValueError as exc:
            raise ErrorInvalidIdMalformed() from exc
    data = _unb64(value)
    if fmt == "EntryId":
        return from_entry_id(data)
    if fmt == "StoreId":
        return _typed(from_entry_id(data[:-1]), data[-1:])
    if fmt == "OwaId":
        if len(data) < 4 or struct.unpack("<I", data[:4])[0] != len(data) - 5:
            raise ErrorInvalidIdMalformed()
        return _typed(from_entry_id(data[4:-1]), data[-1:])
    if len(data) < 4 or data[:2] != b"\x00\x00":
        raise ErrorInvalidIdMalformed()
    length = struct.unpack("<H", data[2:4])[0]
    return from_entry_id(data[4 + length :])  # EwsLegacyId


def _typed(ews_id: str, kind: bytes) -> str:
    if kind != bytes([_STORE_TYPE[ews_id[:4]]]):
        raise ErrorInvalidIdMalformed()
    return ews_id
