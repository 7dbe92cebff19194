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
import dataclasses
import gzip
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from mockad.store import DirectoryGroup, DirectoryUser, MailContact

from ..clock import Clock
from .mailbox import Mailbox
from .model import (
    Attendee,
    CalendarItem,
    ExtendedKey,
    ExtendedValue,
    FileAttachment,
    Folder,
    Item,
    Recipient,
    Recurrence,
)
from .world import Account, ServerVersion, World

FORMAT = "mockews-world"
VERSION = 1


class WorldFileError(ValueError):
    """A world file that cannot be loaded; says which line and why."""


# -- encoding ---------------------------------------------------------------------------


def _recipient(r: Recipient | None) -> list[str] | None:
    return None if r is None else [r.name, r.email, r.routing_type, r.mailbox_type]


def _encode_extra(extra: dict[str, object] | None) -> dict[str, Any] | None:
    if not extra:
        return None
    out: dict[str, Any] = {}
    for key, value in extra.items():
        if key == "extended" and isinstance(value, dict):
            out["extended"] = [
                {"key": dataclasses.asdict(v.key), "values": v.values, "is_array": v.is_array} for v in value.values()
            ]
        else:
            out[key] = value
    return out


def _encode_item(item: Item) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "item",
        "mailbox": item.mailbox.email,
        "folder": item.folder.id,
        "id": item.id,
        "kind": item.kind,
        "item_class": item.item_class,
        "subject": item.subject,
        "body": item.body,
        "body_type": item.body_type,
        "sensitivity": item.sensitivity,
        "importance": item.importance,
        "is_read": item.is_read,
        "is_draft": item.is_draft,
        "categories": list(item.categories),
        "size": item.size,
        "received": item.received,
        "sent": item.sent,
        "created": item.created,
        "modified": item.modified,
        "message_id": item.message_id,
        "from": _recipient(item.from_),
        "sender": _recipient(item.sender),
        "to": [_recipient(r) for r in item.to],
        "cc": [_recipient(r) for r in item.cc],
        "bcc": [_recipient(r) for r in item.bcc],
        "attachments": [
            {
                "name": a.name,
                "content": base64.b64encode(a.content).decode(),
                "content_type": a.content_type,
                "content_id": a.content_id,
                "is_inline": a.is_inline,
                "last_modified": a.last_modified,
                "number": a.number,
            }
            for a in item.attachments or ()
        ],
        "extra": _encode_extra(item.extra),
        "seq": [item.entered_seq, item.content_seq, item.last_seq],
    }
    if isinstance(item, CalendarItem):
        data["calendar"] = {
            "start": item.start,
            "end": item.end,
            "is_all_day": item.is_all_day,
            "location": item.location,
            "organizer": _recipient(item.organizer),
            "required": [[_recipient(a.recipient), a.response_type, a.last_response] for a in item.required],
            "optional": [[_recipient(a.recipient), a.response_type, a.last_response] for a in item.optional],
            "resources": [[_recipient(a.recipient), a.response_type, a.last_response] for a in item.resources],
            "recurrence": None if item.recurrence is None else dataclasses.asdict(item.recurrence),
            "uid": item.uid,
            "free_busy": item.free_busy,
            "calendar_type": item.calendar_type,
        }
    return data


def _records(world: World) -> Iterator[dict[str, Any]]:
    yield {
        "type": "world",
        "format": FORMAT,
        "version": VERSION,
        "seed": world.seed,
        "seq": world.seq,
        "domain": world.domain,
        "server_version": dataclasses.asdict(world.server_version),
        "rng_state": _rng_state(world.rng),
        "epoch_salt": world.sync_states_salt(),
        "meta": world.meta,
    }
    for account in world.accounts.values():
        yield {
            "type": "account",
            "email": account.email,
            "password": account.password,
            "can_impersonate": account.can_impersonate,
            "full_access": sorted(account.full_access),
        }
    directory = world.directory
    for user in directory.users.values():
        yield {"type": "user", **dataclasses.asdict(user)}
    for group in directory.groups.values():
        yield {"type": "group", **dataclasses.asdict(group)}
    for contact in directory.contacts.values():
        yield {"type": "contact", **dataclasses.asdict(contact)}
    for mailbox in world.mailboxes.values():
        yield {
            "type": "mailbox",
            "email": mailbox.email,
            "display_name": mailbox.display_name,
            "tag": mailbox.tag,
        }
        for folder in mailbox.folders():
            yield {
                "type": "folder",
                "mailbox": mailbox.email,
                "id": folder.id,
                "parent": folder.parent.id if folder.parent else None,
                "name": folder.name,
                "folder_class": folder.folder_class,
                "kind": folder.kind,
                "distinguished": folder.distinguished,
                "seq": [folder.entered_seq, folder.last_seq],
                "generation": folder.generation,
            }
        for folder in mailbox.folders():
            for item in folder.items.values():
                yield _encode_item(item)


def _rng_state(rng: random.Random) -> list[Any]:
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def save_world(world: World, path: str | Path | IO[bytes]) -> int:
    """Write ``world`` to ``path``; returns the number of records written."""
    count = 0
    with world.lock, gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
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

    def recipient(self, data: list[str] | None) -> Recipient | None:
        if data is None:
            return None
        name, email, routing, mailbox_type = data
        return self.world.recipient(name, email, routing, mailbox_type)

    def recipients(self, data: list[list[str]]) -> tuple[Recipient, ...]:
        return tuple(r for r in (self.recipient(d) for d in data) if r is not None)

    def attendees(self, data: list[list[Any]]) -> tuple[Attendee, ...]:
        out = []
        for rec, response, last in data:
            recipient = self.recipient(rec)
            assert recipient is not None
            out.append(Attendee(recipient, response, last))
        return tuple(out)

    def apply(self, record: dict[str, Any]) -> None:
        kind = record.pop("type")
        handler = getattr(self, f"load_{kind}", None)
        if handler is None:
            raise WorldFileError(f"unknown record type {kind!r}")
        handler(record)

    def load_account(self, r: dict[str, Any]) -> None:
        self.world.accounts[r["email"].lower()] = Account(
            r["email"], r["password"], r["can_impersonate"], set(r["full_access"])
        )

    def load_user(self, r: dict[str, Any]) -> None:
        self.world.directory.restore(DirectoryUser(**r))

    def load_group(self, r: dict[str, Any]) -> None:
        self.world.directory.restore(DirectoryGroup(**r))

    def load_contact(self, r: dict[str, Any]) -> None:
        self.world.directory.restore(MailContact(**r))

    def load_mailbox(self, r: dict[str, Any]) -> None:
        mailbox = Mailbox(self.world, r["email"], r["display_name"], r["tag"], well_known=False)
        self.world.register_mailbox(mailbox)
        self.mailboxes[mailbox.email] = mailbox

    def load_folder(self, r: dict[str, Any]) -> None:
        mailbox = self.mailboxes[r["mailbox"]]
        parent = mailbox.folder(r["parent"]) if r["parent"] else None
        folder = Folder(r["id"], mailbox, r["name"], r["folder_class"], parent, r["kind"], r["distinguished"])
        folder.entered_seq, folder.last_seq = r["seq"]
        folder.generation = r["generation"]
        mailbox.objects[folder.id] = folder
        if parent is None:
            mailbox.root = folder
        else:
            parent.children[folder.id] = folder
        if folder.distinguished:
            mailbox.distinguished[folder.distinguished] = folder

    def load_item(self, r: dict[str, Any]) -> None:
        mailbox = self.mailboxes[r["mailbox"]]
        folder = mailbox.folder(r["folder"])
        cal = r.get("calendar")
        item: Item = (
            CalendarItem(r["id"], folder, r["item_class"]) if cal else Item(r["id"], folder, r["kind"], r["item_class"])
        )
        for name in (
            "subject",
            "body",
            "body_type",
            "sensitivity",
            "importance",
            "is_read",
            "is_draft",
            "size",
            "received",
            "sent",
            "created",
            "modified",
            "message_id",
        ):
            setattr(item, name, r[name])
        item.categories = tuple(r["categories"])
        item.from_ = self.recipient(r["from"])
        item.sender = self.recipient(r["sender"])
        item.to, item.cc, item.bcc = (
            self.recipients(r["to"]),
            self.recipients(r["cc"]),
            self.recipients(r["bcc"]),
        )
        if r["attachments"]:
            item.attachments = [
                FileAttachment(
                    a["name"],
                    base64.b64decode(a["content"]),
                    a["content_type"],
                    a["content_id"],
                    a["is_inline"],
                    a["last_modified"],
                    a["number"],
                )
                for a in r["attachments"]
            ]
        extra = r.get("extra")
        if extra:
            extended = extra.pop("extended", None)
            item.extra = dict(extra)
            if extended:
                table = {}
                for entry in extended:
                    key = ExtendedKey(**entry["key"])
                    table[key] = ExtendedValue(key, entry["values"], entry["is_array"])
                item.extra["extended"] = table
        if isinstance(item, CalendarItem):
            assert cal is not None
            item.start, item.end, item.is_all_day = cal["start"], cal["end"], cal["is_all_day"]
            item.location, item.uid = cal["location"], cal["uid"]
            item.free_busy, item.calendar_type = cal["free_busy"], cal["calendar_type"]
            item.organizer = self.recipient(cal["organizer"])
            item.required = self.attendees(cal["required"])
            item.optional = self.attendees(cal["optional"])
            item.resources = self.attendees(cal["resources"])
            rec = cal["recurrence"]
            if rec:
                item.recurrence = Recurrence(
                    rec["pattern"],
                    tuple(map(tuple, rec["pattern_fields"])),
                    rec["range"],
                    tuple(map(tuple, rec["range_fields"])),
                )
        item.entered_seq, item.content_seq, item.last_seq = r["seq"]
        folder.items[item.id] = item
        mailbox.objects[item.id] = item

    def finish(self) -> None:
        """Rebuild the logs from what was loaded (creation and newest change per item)."""
        for mailbox in self.mailboxes.values():
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
