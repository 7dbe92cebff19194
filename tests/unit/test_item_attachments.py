"""Attached items (recursively) survive save→load and ExportItems→UploadItems (issue 13,
"Attachments: ItemAttachment (an item inside an item, recursively)")."""

from __future__ import annotations

import io

from engine.clock import ManualClock
from mockews.store import World
from mockews.store.model import FileAttachment, Item, ItemAttachment
from mockews.store.persist import export_item, import_item, load_world, save_world

from ..conftest import ALICE, START, make_world


def _nested_item(world: World) -> Item:
    mailbox = world.mailbox(ALICE)
    root = mailbox.new_item(mailbox.well_known("inbox"))
    root.subject = "root"
    inner = Item("", root.folder)
    inner.subject = "inner"
    deepest = Item("", root.folder)
    deepest.subject = "deepest"
    deepest.attachments = [FileAttachment("deep.bin", b"\x01\x02", number=1)]
    inner.attachments = [ItemAttachment("l2", deepest, number=1)]
    root.attachments = [ItemAttachment("l1", inner, number=1)]
    return mailbox.add_item(root)


def _deep(item: Item) -> tuple[str | None, str | None, bytes]:
    l1 = item.attachments[0]  # type: ignore[index]
    assert isinstance(l1, ItemAttachment)
    l2 = l1.item.attachments[0]  # type: ignore[index]
    assert isinstance(l2, ItemAttachment)
    file = l2.item.attachments[0]  # type: ignore[index]
    assert isinstance(file, FileAttachment) and l2.item.folder is item.folder
    return l1.item.subject, l2.item.subject, file.content


def test_nested_attachments_survive_save_and_load() -> None:
    world = make_world()
    root = _nested_item(world)
    buffer = io.BytesIO()
    save_world(world, buffer)
    buffer.seek(0)
    loaded = load_world(buffer, ManualClock(START)).mailbox(ALICE).item(root.id)
    assert _deep(loaded) == ("inner", "deepest", b"\x01\x02")


def test_nested_attachments_survive_export_and_upload() -> None:
    world = make_world()
    root = _nested_item(world)
    mailbox = world.mailbox(ALICE)
    copy = mailbox.add_item(import_item(export_item(root), mailbox, mailbox.well_known("drafts")))
    assert _deep(copy) == ("inner", "deepest", b"\x01\x02")
