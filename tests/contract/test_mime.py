"""item:MimeContent, ExportItems and UploadItems through exchangelib (issue 13, "Generic
item fields: … MimeContent", "Operations still missing: ExportItems / UploadItems and
MimeContent on CreateItem")."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from exchangelib import Account, FileAttachment, HTMLBody, Mailbox, Message

from ..conftest import ALICE, BOB, CAROL, every_mode

pytestmark = every_mode


def _mime(subject: str = "From MIME") -> bytes:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = f"Bob Nguyen <{BOB}>"
    msg["To"] = f"Alice Martin <{ALICE}>"
    msg["Cc"] = CAROL
    msg["Subject"] = subject
    msg["Date"] = "Wed, 01 May 2024 07:30:00 +0000"
    msg["Message-ID"] = "<mime-1@contoso.example>"
    msg.set_content("plain words")
    msg.add_alternative("<p>html words</p>", subtype="html")
    msg.add_attachment(b"%PDF-1.4 tiny", maintype="application", subtype="pdf", filename="report.pdf")
    return msg.as_bytes()


def test_create_from_mime_populates_and_keeps_it(alice: Account) -> None:
    """CreateItem with MimeContent: the item's fields come from the MIME, and GetItem
    returns the MIME byte for byte."""
    raw = _mime()
    msg = Message(account=alice, folder=alice.inbox, mime_content=raw)
    msg.save()
    got = alice.inbox.get(id=msg.id)
    assert got.subject == "From MIME"
    assert got.sender.email_address == BOB and got.author.email_address == BOB
    assert [r.email_address for r in got.to_recipients] == [ALICE]
    assert [r.email_address for r in got.cc_recipients] == [CAROL]
    assert got.message_id == "<mime-1@contoso.example>"
    assert isinstance(got.body, HTMLBody) and "html words" in got.body
    assert [(a.name, a.content_type) for a in got.attachments] == [("report.pdf", "application/pdf")]
    assert got.datetime_sent.isoformat().startswith("2024-05-01T07:30:00")
    assert got.mime_content == raw


def test_properties_beside_mime_win(alice: Account) -> None:
    """A property sent beside MimeContent overrides the MIME's value."""
    msg = Message(account=alice, folder=alice.inbox, mime_content=_mime(), subject="explicit")
    msg.save()
    assert alice.inbox.get(id=msg.id).subject == "explicit"


def test_generated_mime_for_other_items(alice: Account) -> None:
    """GetItem item:MimeContent of an item created from properties: RFC 5322 MIME with
    its headers, body and file attachments."""
    msg = Message(
        account=alice,
        folder=alice.drafts,
        subject="Generated",
        body="hello there",
        to_recipients=[Mailbox(email_address=BOB, name="Bob Nguyen")],
        message_id="<gen-1@contoso.example>",
    )
    msg.save()
    msg.attach(FileAttachment(name="a.txt", content=b"attached", content_type="text/plain"))
    got = alice.drafts.get(id=msg.id)
    parsed = BytesParser(policy=policy.default).parsebytes(got.mime_content)
    assert parsed["Subject"] == "Generated"
    assert parsed["To"].addresses[0].addr_spec == BOB
    assert parsed["Message-ID"] == "<gen-1@contoso.example>"
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content().strip() == "hello there"
    assert [(p.get_filename(), p.get_payload(decode=True)) for p in parsed.iter_attachments()] == [
        ("a.txt", b"attached")
    ]


def test_changed_item_gets_new_mime(alice: Account) -> None:
    """After a property changes, the MIME describes the item as it is now."""
    msg = Message(account=alice, folder=alice.inbox, mime_content=_mime())
    msg.save()
    msg.subject = "renamed"
    msg.save(update_fields=["subject"])
    parsed = BytesParser(policy=policy.default).parsebytes(alice.inbox.get(id=msg.id).mime_content)
    assert parsed["Subject"] == "renamed"


def test_update_mime_content(alice: Account) -> None:
    """UpdateItem SetItemField item:MimeContent repopulates the item from the new MIME."""
    msg = Message(account=alice, folder=alice.drafts, subject="before", body="x")
    msg.save()
    raw = _mime("after")
    msg.mime_content = raw
    msg.save(update_fields=["mime_content"])
    got = alice.drafts.get(id=msg.id)
    assert got.subject == "after" and got.mime_content == raw
    assert [a.name for a in got.attachments] == ["report.pdf"]


def test_export_and_upload_round_trip(alice: Account) -> None:
    """ExportItems → UploadItems (CreateNew) gives new items equal in every field;
    Update keeps the id and changes the ChangeKey."""
    originals = [
        Message(
            account=alice,
            folder=alice.inbox,
            subject=f"export {i}",
            body=HTMLBody(f"<b>{i}</b>"),
            categories=["Blue"],
            importance="High",
            to_recipients=[BOB],
            is_read=bool(i % 2),
        ).save()
        for i in range(3)
    ]
    originals[0].attach(FileAttachment(name="f.bin", content=b"\x00\x01"))
    originals = list(alice.fetch(originals))
    exported = alice.export(originals)
    assert all(isinstance(data, str) for data in exported)
    uploaded = alice.upload([(alice.drafts, data) for data in exported])
    assert all(isinstance(r, tuple) for r in uploaded)
    assert {r[0] for r in uploaded}.isdisjoint({o.id for o in originals})
    copies = list(alice.fetch(uploaded))
    fields = ("subject", "body", "categories", "importance", "to_recipients", "is_read", "datetime_received")
    for original, copy in zip(originals, copies, strict=True):
        assert [getattr(copy, f) for f in fields] == [getattr(original, f) for f in fields]
        assert [(a.name, a.content) for a in copy.attachments] == [(a.name, a.content) for a in original.attachments]
    updated = alice.upload([(alice.drafts, ((c.id, c.changekey), False, exported[0])) for c in copies[1:2]])
    assert updated[0][0] == copies[1].id and updated[0][1] != copies[1].changekey
    assert alice.drafts.get(id=copies[1].id).subject == "export 0"


def test_export_of_a_missing_item(alice: Account) -> None:
    """One bad id fails only its own entry."""
    kept = Message(account=alice, folder=alice.inbox, subject="kept").save()
    gone = Message(account=alice, folder=alice.inbox, subject="gone").save()
    ids = [(kept.id, kept.changekey), (gone.id, gone.changekey)]
    gone.delete()
    results = alice.export(ids)
    assert isinstance(results[0], str)
    assert type(results[1]).__name__ == "ErrorItemNotFound"
