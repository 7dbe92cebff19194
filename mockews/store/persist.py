"""Saving and loading a whole world, so a populated tenant can be reused.

Format: gzip-compressed JSON lines — a header record, then accounts, directory objects,
mailboxes, folders (parents before children) and items, written as a stream so a large
tenant is never held twice in memory.  JSON rather than pickle because a world file is
input: loading one must not be able to run code.

Ids, ChangeKeys, timestamps and the RNG state survive a round trip, so the loaded world
continues exactly as the saved one would have.  Sync journals do not: the loaded world
has a new epoch, and sync states issued before the save are refused with
ErrorInvalidSyncStateData (clients resynchronise, as after a mailbox move).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import gzip
import io
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

from mockad.store import DirectoryGroup, DirectoryUser, MailContact

from ..clock import Clock
from .delivery import PendingDelivery
from .mailbox import Mailbox, plain_distinguished
from .model import (
    Attachment,
    Attendee,
    CalendarItem,
    ExtendedKey,
    ExtendedValue,
    FileAttachment,
    Folder,
    FolderPermission,
    Item,
    ItemAttachment,
    Recipient,
    Recurrence,
)
from .settings import from_record, to_record
from .world import Account, ServerVersion, World

FORMAT = "mockews-world"
VERSION = 1


class WorldFileError(ValueError):
    """A world file that cannot be loaded; says which line and why."""


# -- what is saved of each object: one list per kind, read by both directions -----------


class _Codec(NamedTuple):
    """How one attribute is written to JSON and read back (``decode`` gets the world
    because recipients are interned per world)."""

    encode: Callable[[Any], Any]
    decode: Callable[[World, Any], Any]


class _Field(NamedTuple):
    key: str  # in the record
    attr: str  # on the object
    codec: _Codec


def _fields(codec: _Codec, *names: str) -> tuple[_Field, ...]:
    return tuple(_Field(name, name, codec) for name in names)


def _encoded(obj: object, fields: tuple[_Field, ...]) -> dict[str, Any]:
    return {f.key: f.codec.encode(getattr(obj, f.attr)) for f in fields}


def _decoded(world: World, record: dict[str, Any], fields: tuple[_Field, ...]) -> dict[str, Any]:
    """Attribute name → value; attribute names are also the constructors' parameter names."""
    return {f.attr: f.codec.decode(world, record[f.key]) for f in fields}


def _restore_seq(obj: Item | Folder, attrs: tuple[str, ...], seq: list[int]) -> None:
    for attr, value in zip(attrs, seq, strict=True):
        setattr(obj, attr, value)


def _restore(obj: object, world: World, record: dict[str, Any], fields: tuple[_Field, ...]) -> None:
    for attr, value in _decoded(world, record, fields).items():
        setattr(obj, attr, value)


#: a recipient is saved as a list of these, in this order (World.recipient's parameters)
_RECIPIENT_PARTS = ("name", "email", "routing_type", "mailbox_type")


def _encode_recipient(r: Recipient | None) -> list[str] | None:
    return None if r is None else [getattr(r, part) for part in _RECIPIENT_PARTS]


def _decode_recipient(world: World, data: list[str] | None) -> Recipient | None:
    return None if data is None else world.recipient(*data)


def _decode_recipients(world: World, data: list[list[str]]) -> tuple[Recipient, ...]:
    return tuple(r for r in (_decode_recipient(world, d) for d in data) if r is not None)


def _encode_attendees(attendees: tuple[Attendee, ...]) -> list[list[Any]]:
    return [[_encode_recipient(a.recipient), a.response_type, a.last_response] for a in attendees]


def _decode_attendees(world: World, data: list[list[Any]]) -> tuple[Attendee, ...]:
    out = []
    for rec, response, last in data:
        recipient = _decode_recipient(world, rec)
        if recipient is None:
            raise WorldFileError("an attendee without a mailbox")
        out.append(Attendee(recipient, response, last))
    return tuple(out)


def _decode_recurrence(_world: World, data: dict[str, Any] | None) -> Recurrence | None:
    if not data:
        return None
    return Recurrence(
        data["pattern"],
        tuple(map(tuple, data["pattern_fields"])),
        data["range"],
        tuple(map(tuple, data["range_fields"])),
    )


def _encode_extra(extra: dict[str, object] | None) -> dict[str, Any] | None:
    if not extra:
        return None
    out: dict[str, Any] = {}
    for key, value in extra.items():
        if key == "extended" and isinstance(value, dict):
            out["extended"] = [dataclasses.asdict(v) for v in value.values()]
        else:
            out[key] = value
    return out


def _decode_extra(_world: World, data: dict[str, Any] | None) -> dict[str, object] | None:
    if not data:
        return None
    extended = data.pop("extended", None)
    extra: dict[str, object] = dict(data)
    if extended:
        table = {}
        for entry in extended:
            value = ExtendedValue(**{**entry, "key": ExtendedKey(**entry["key"])})
            table[value.key] = value
        extra["extended"] = table
    return extra


def _encode_permissions(permissions: tuple[FolderPermission, ...]) -> list[list[list[list[str]]]]:
    return [[[list(pair) for pair in p.user], [list(pair) for pair in p.values]] for p in permissions]


def _decode_permissions(data: list[list[list[list[str]]]]) -> tuple[FolderPermission, ...]:
    return tuple(
        FolderPermission(tuple((k, v) for k, v in user), tuple((k, v) for k, v in values)) for user, values in data
    )


_AS_IS = _Codec(lambda value: value, lambda _world, data: data)
_TUPLE = _Codec(list, lambda _world, data: tuple(data))
_BASE64 = _Codec(lambda content: base64.b64encode(content).decode(), lambda _world, data: base64.b64decode(data))
_RECIPIENT = _Codec(_encode_recipient, _decode_recipient)
_RECIPIENTS = _Codec(lambda rs: [_encode_recipient(r) for r in rs], _decode_recipients)
_ATTENDEES = _Codec(_encode_attendees, _decode_attendees)
_RECURRENCE = _Codec(lambda r: None if r is None else dataclasses.asdict(r), _decode_recurrence)
_EXTRA = _Codec(_encode_extra, _decode_extra)

#: FileAttachment's constructor takes these by name
_ATTACHMENT_FIELDS = (
    _Field("name", "name", _AS_IS),
    _Field("content", "content", _BASE64),
    *_fields(_AS_IS, "content_type", "content_id", "is_inline", "last_modified", "number"),
)
_ITEM_ATTACHMENT_FIELDS = _fields(_AS_IS, "name", "is_inline", "content_id", "last_modified", "number")


def _encode_attachment(attachment: Attachment) -> dict[str, Any]:
    if isinstance(attachment, FileAttachment):
        return _encoded(attachment, _ATTACHMENT_FIELDS)
    embedded = attachment.item
    inner = {"kind": embedded.kind, "item_class": embedded.item_class, **_encoded(embedded, _ITEM_FIELDS)}
    if isinstance(embedded, CalendarItem):
        inner["calendar"] = _encoded(embedded, _CALENDAR_FIELDS)
    return {**_encoded(attachment, _ITEM_ATTACHMENT_FIELDS), "embedded": inner}


def _decode_attachment(world: World, data: dict[str, Any]) -> Attachment:
    inner = data.pop("embedded", None)
    if inner is None:
        return FileAttachment(**_decoded(world, data, _ATTACHMENT_FIELDS))
    # an attached item's home folder is its root item's: set by _adopt once that is known
    homeless: Any = None
    cal = inner.get("calendar")
    embedded = CalendarItem("", homeless) if cal else Item("", homeless, inner["kind"], inner["item_class"])
    if isinstance(embedded, CalendarItem) and cal:
        _restore(embedded, world, cal, _CALENDAR_FIELDS)
    _restore(embedded, world, inner, _ITEM_FIELDS)
    return ItemAttachment(item=embedded, **_decoded(world, data, _ITEM_ATTACHMENT_FIELDS))


def _adopt(item: Item) -> None:
    """Give the attached items of ``item`` (recursively) its folder as their home."""
    for attachment in item.attachments or ():
        if isinstance(attachment, ItemAttachment):
            attachment.item.folder = item.folder
            _adopt(attachment.item)


_ATTACHMENTS = _Codec(
    lambda attachments: [_encode_attachment(a) for a in attachments or ()],
    lambda world, data: [_decode_attachment(world, a) for a in data] or None,
)

#: what is saved of every item besides its identity (id, kind, item_class: the constructor's)
_ITEM_FIELDS = (
    *_fields(_AS_IS, "subject", "body", "body_type", "sensitivity", "importance", "is_read", "is_draft"),
    _Field("categories", "categories", _TUPLE),
    *_fields(_AS_IS, "size", "received", "sent", "created", "modified", "message_id"),
    _Field("from", "from_", _RECIPIENT),
    _Field("sender", "sender", _RECIPIENT),
    *_fields(_RECIPIENTS, "to", "cc", "bcc"),
    _Field("attachments", "attachments", _ATTACHMENTS),
    _Field("extra", "extra", _EXTRA),
)
#: ... of a calendar item besides, under "calendar"
_CALENDAR_FIELDS = (
    *_fields(_AS_IS, "start", "end", "is_all_day", "location"),
    _Field("organizer", "organizer", _RECIPIENT),
    *_fields(_ATTENDEES, "required", "optional", "resources"),
    _Field("recurrence", "recurrence", _RECURRENCE),
    *_fields(_AS_IS, "uid", "free_busy", "calendar_type"),
)
#: the journal bookkeeping, saved as one list "seq" in this order
_ITEM_SEQ = ("entered_seq", "content_seq", "last_seq")
_FOLDER_SEQ = ("entered_seq", "last_seq")
#: Folder's constructor takes these by name (besides its id, mailbox and parent)
_FOLDER_FIELDS = _fields(_AS_IS, "name", "folder_class", "kind", "distinguished")
#: Mailbox's constructor takes these by name
_MAILBOX_FIELDS = _fields(_AS_IS, "email", "display_name", "tag")


# -- encoding ---------------------------------------------------------------------------


def _encode_item(item: Item) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "item",
        "mailbox": item.mailbox.email,
        "folder": item.folder.id,
        "id": item.id,
        "kind": item.kind,
        "item_class": item.item_class,
        **_encoded(item, _ITEM_FIELDS),
        "seq": [getattr(item, attr) for attr in _ITEM_SEQ],
    }
    if isinstance(item, CalendarItem):
        data["calendar"] = _encoded(item, _CALENDAR_FIELDS)
    return data


#: what ExportItems' opaque Data starts with (Exchange's is its own binary stream; any
#: client treats it as opaque and only hands it back to UploadItems)
EXPORT_MAGIC = b"mockews-item/1\n"


def export_item(item: Item) -> bytes:
    """An item's properties (not its identity or place) for ExportItems."""
    data = {k: v for k, v in _encode_item(item).items() if k not in ("type", "mailbox", "folder", "id", "seq")}
    return EXPORT_MAGIC + json.dumps(data, separators=(",", ":")).encode()


def import_item(data: bytes, mailbox: Mailbox, folder: Folder, into: Item | None = None) -> Item:
    """UploadItems: a new, not yet stored item of ``folder`` from exported data, or the
    exported properties written over ``into``.  ValueError for data not ours."""
    if not data.startswith(EXPORT_MAGIC):
        raise ValueError("not exported by this server")
    try:
        record = json.loads(data[len(EXPORT_MAGIC) :])
        item = into or mailbox.new_item(folder, record["kind"], record["item_class"])
        cal = record.get("calendar")
        if cal and isinstance(item, CalendarItem):
            _restore(item, mailbox.world, cal, _CALENDAR_FIELDS)
        _restore(item, mailbox.world, record, _ITEM_FIELDS)
        _adopt(item)
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError("damaged export data") from exc
    return item


def _records(world: World) -> Iterator[dict[str, Any]]:
    yield {
        "type": "world",
        "format": FORMAT,
        "version": VERSION,
        "seed": world.seed,
        "seq": world.seq,
        "domain": world.domain,
        "delivery_delay_s": world.delivery_delay_s,
        "server_version": dataclasses.asdict(world.server_version),
        "rng_state": _rng_state(world.rng),
        "epoch_salt": world.sync_states_salt(),
        "meta": world.meta,
    }
    for account in world.accounts.values():
        yield {"type": "account", **dataclasses.asdict(account), "full_access": sorted(account.full_access)}
    directory = world.directory
    for user in directory.users.values():
        yield {"type": "user", **dataclasses.asdict(user)}
    for group in directory.groups.values():
        yield {"type": "group", **dataclasses.asdict(group)}
    for contact in directory.contacts.values():
        yield {"type": "contact", **dataclasses.asdict(contact)}
    for mailbox in world.mailboxes.values():
        yield {"type": "mailbox", **_encoded(mailbox, _MAILBOX_FIELDS)}
        if mailbox.settings is not None:
            yield {"type": "mailbox_settings", "mailbox": mailbox.email, **to_record(mailbox.settings)}
        yield from _contents(mailbox)
        if mailbox.archive is not None:
            yield {"type": "archive", "email": mailbox.email, "tag": mailbox.archive.tag}
            yield from _contents(mailbox.archive, {"archive": True})
    for pending in world.pending_deliveries:  # mail on its way (delivery.py)
        yield {**_encode_item(pending.item), "type": "pending", "due": pending.due}


def _contents(mailbox: Mailbox, mark: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """The folder and item records of one mailbox; ``mark`` tells an archive's apart
    (they share the owner's address)."""
    mark = mark or {}
    for folder in mailbox.folders():
        yield {
            "type": "folder",
            "mailbox": mailbox.email,
            **mark,
            "id": folder.id,
            "parent": folder.parent.id if folder.parent else None,
            **_encoded(folder, _FOLDER_FIELDS),
            "seq": [getattr(folder, attr) for attr in _FOLDER_SEQ],
            "generation": folder.generation,
            **({"permissions": _encode_permissions(folder.permissions)} if folder.permissions is not None else {}),
        }
    for folder in mailbox.folders():
        for item in folder.items.values():
            yield {**_encode_item(item), **mark}


def _rng_state(rng: random.Random) -> list[Any]:
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def save_world(world: World, path: str | Path | IO[bytes]) -> int:
    """Write ``world`` to ``path``; returns the number of records written.  The same
    world gives the same bytes, whatever the file is called and whenever it is written
    (the gzip header carries neither name nor time), so CI can cache by hash."""
    count = 0
    with contextlib.ExitStack() as files:
        raw = path if not isinstance(path, str | Path) else files.enter_context(open(path, "wb"))
        packed = files.enter_context(gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0))
        out = files.enter_context(io.TextIOWrapper(packed, encoding="utf-8"))
        files.enter_context(world.lock)
        for record in _records(world):
            out.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False))
            out.write("\n")
            count += 1
    return count


# -- decoding ---------------------------------------------------------------------------


class _Loader:
    def __init__(self, world: World) -> None:
        self.world = world
        self.mailboxes: dict[str, Mailbox] = {}
        self.archives: dict[str, Mailbox] = {}

    def apply(self, record: dict[str, Any]) -> None:
        kind = record.pop("type")
        handler = getattr(self, f"load_{kind}", None)
        if handler is None:
            raise WorldFileError(f"unknown record type {kind!r}")
        handler(record)

    def load_account(self, r: dict[str, Any]) -> None:
        account = Account(**{**r, "full_access": set(r["full_access"])})
        self.world.accounts[account.email.lower()] = account

    def load_user(self, r: dict[str, Any]) -> None:
        self.world.directory.restore(DirectoryUser(**r))

    def load_group(self, r: dict[str, Any]) -> None:
        self.world.directory.restore(DirectoryGroup(**r))

    def load_contact(self, r: dict[str, Any]) -> None:
        self.world.directory.restore(MailContact(**r))

    def load_mailbox(self, r: dict[str, Any]) -> None:
        mailbox = Mailbox(self.world, **_decoded(self.world, r, _MAILBOX_FIELDS), well_known=False)
        self.world.register_mailbox(mailbox)
        self.mailboxes[mailbox.email] = mailbox

    def load_mailbox_settings(self, r: dict[str, Any]) -> None:
        self.mailboxes[r.pop("mailbox")].settings = from_record(r)

    def load_archive(self, r: dict[str, Any]) -> None:
        primary = self.mailboxes[r["email"]]
        archive = Mailbox(
            self.world, primary.email, primary.display_name, r["tag"], well_known=False, archive_of=primary
        )
        self.world.register_archive(primary, archive)
        self.archives[primary.email] = archive

    def _owner(self, r: dict[str, Any]) -> Mailbox:
        return (self.archives if r.pop("archive", False) else self.mailboxes)[r["mailbox"]]

    def load_folder(self, r: dict[str, Any]) -> None:
        mailbox = self._owner(r)
        parent = mailbox.folder(r["parent"]) if r["parent"] else None
        folder = Folder(r["id"], mailbox, parent=parent, **_decoded(self.world, r, _FOLDER_FIELDS))
        _restore_seq(folder, _FOLDER_SEQ, r["seq"])
        folder.generation = r["generation"]
        if "permissions" in r:  # only folders whose PermissionSet was set carry one
            folder.permissions = _decode_permissions(r["permissions"])
        mailbox.objects[folder.id] = folder
        if parent is None:
            mailbox.root = folder
        else:
            parent.children[folder.id] = folder
        if folder.distinguished:
            mailbox.distinguished[plain_distinguished(folder.distinguished)] = folder

    def load_item(self, r: dict[str, Any]) -> None:
        item = self._item(r)
        item.folder.items[item.id] = item
        item.folder.mailbox.objects[item.id] = item

    def load_pending(self, r: dict[str, Any]) -> None:
        due = r.pop("due")
        self.world.pending_deliveries.append(PendingDelivery(due, self._item(r)))

    def _item(self, r: dict[str, Any]) -> Item:
        mailbox = self._owner(r)
        folder = mailbox.folder(r["folder"])
        cal = r.get("calendar")
        item: Item
        if cal:
            item = CalendarItem(r["id"], folder, r["item_class"])
            item.kind = r["kind"]  # meeting messages are calendar items too
            _restore(item, self.world, cal, _CALENDAR_FIELDS)
        else:
            item = Item(r["id"], folder, r["kind"], r["item_class"])
        _restore(item, self.world, r, _ITEM_FIELDS)
        _adopt(item)
        _restore_seq(item, _ITEM_SEQ, r["seq"])
        return item

    def finish(self) -> None:
        """Rebuild the logs from what was loaded (creation and newest change per item)."""
        for mailbox in [*self.mailboxes.values(), *self.archives.values()]:
            folders = mailbox.folders()
            for folder in sorted(folders, key=lambda f: f.last_seq):
                mailbox.hierarchy.log.record(folder.last_seq, folder.id)
            for folder in folders:
                items = list(folder.items.values())
                for item in sorted(items, key=lambda i: i.entered_seq):
                    folder.journal.created.record(item.entered_seq, item.id)
                for item in sorted(items, key=lambda i: i.last_seq):
                    if item.last_seq != item.entered_seq:
                        folder.journal.changed.record(item.last_seq, item.id)
                # when the contents last changed is not saved: loading counts as a change
                folder.journal.last_time = mailbox.world.now_epoch()


def load_world(path: str | Path | IO[bytes], clock: Clock | None = None) -> World:
    """Read a world file into a new World.  On any error nothing is returned (callers
    keep their current world): the message names the line and what is wrong."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as src:
            first = src.readline()
            try:
                header = json.loads(first)
            except json.JSONDecodeError as exc:
                raise WorldFileError(f"line 1: not a world file ({exc.msg})") from exc
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise WorldFileError("line 1: not a mockews world file")
            if header.get("version") != VERSION:
                raise WorldFileError(f"line 1: unsupported world file version {header.get('version')!r}")
            try:
                world = World(
                    seed=header["seed"],
                    clock=clock,
                    server_version=ServerVersion(**header["server_version"]),
                    domain=header["domain"],
                    delivery_delay_s=header.get("delivery_delay_s"),
                )
                version, internal, gauss = header["rng_state"]
                world.rng.setstate((version, tuple(internal), gauss))
                world.restore_epoch(header["epoch_salt"])
                world.meta = dict(header.get("meta") or {})
            except (KeyError, TypeError, ValueError) as exc:
                raise WorldFileError(f"line 1: malformed header ({exc})") from exc
            loader = _Loader(world)
            for number, line in enumerate(src, start=2):
                try:
                    loader.apply(json.loads(line))
                except WorldFileError as exc:
                    raise WorldFileError(f"line {number}: {exc}") from exc
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    raise WorldFileError(f"line {number}: malformed record ({exc!r})") from exc
            loader.finish()
            world.seq = header["seq"]
            return world
    except (gzip.BadGzipFile, EOFError, UnicodeDecodeError) as exc:
        raise WorldFileError(f"cannot read world file: {exc}") from exc
