"""The store's MIME module: generated MIME read back gives the item's fields, and MIME
kept as given survives save→load (issue 13, MimeContent)."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.clock import ManualClock
from mockews.store.mime import apply_mime, generate, item_mime, keep_mime
from mockews.store.model import FileAttachment
from mockews.store.persist import load_world, save_world

from ..conftest import ALICE, BOB, START, make_world

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)


@settings(max_examples=40)
@given(subject=_text, body=_text, html=st.booleans(), content=st.binary(max_size=64))
def test_generated_mime_reads_back(subject: str, body: str, html: bool, content: bytes) -> None:
    world = make_world()
    mailbox = world.mailbox(ALICE)
    item = mailbox.new_item(mailbox.well_known("drafts"))
    item.subject, item.body, item.body_type = subject, body, "HTML" if html else "Text"
    item.from_ = world.recipient("Alice Martin", ALICE)
    item.to = (world.recipient("Bob Nguyen", BOB),)
    item.sent = 1_714_550_400
    item.attachments = [FileAttachment("f.bin", content)]
    copy = mailbox.new_item(mailbox.well_known("drafts"))
    apply_mime(copy, generate(item), world)
    # headers fold and bodies end with a line break: compare modulo whitespace
    assert (copy.subject or "").split() == subject.split()
    assert (copy.body or "").split() == body.split()
    assert copy.body_type == item.body_type
    assert copy.from_ is item.from_ and copy.to == item.to and copy.sent == item.sent
    assert [(a.name, a.content) for a in copy.attachments or ()] == [("f.bin", content)]


def test_kept_mime_survives_save_and_load() -> None:
    world = make_world()
    mailbox = world.mailbox(ALICE)
    item = mailbox.new_item(mailbox.well_known("inbox"))
    keep_mime(item, b"Subject: kept\r\n\r\nbody\r\n")
    mailbox.add_item(item)
    buffer = io.BytesIO()
    save_world(world, buffer)
    buffer.seek(0)
    loaded = load_world(buffer, ManualClock(START))
    assert item_mime(loaded.mailbox(ALICE).item(item.id)) == b"Subject: kept\r\n\r\nbody\r\n"
