"""Reply, reply-all and forward (CreateItem with ReplyToItem / ReplyAllToItem /
ForwardItem): a new message built from the referenced one, as Exchange builds it —
subject prefixed, the new body above the quoted original, InReplyTo/References set,
and for a forward the original's attachments."""

from __future__ import annotations

from ..errors import ErrorSchemaValidation
from ..soap.item_properties import parse_mailbox
from ..soap.xml import Element, children, t
from ..store.mailbox import Mailbox
from ..store.model import Folder, Item, Recipient

RESPONSE_OBJECTS = {"ReplyToItem": "RE: ", "ReplyAllToItem": "RE: ", "ForwardItem": "FW: "}


def _recipients(elem: Element, tag: str, mailbox: Mailbox) -> tuple[Recipient, ...]:
    holder = elem.find(t(tag))
    return tuple(parse_mailbox(box, mailbox.world) for box in children(holder))


def build_response(elem: Element, original: Item, mailbox: Mailbox, folder: Folder) -> Item:
    """The new, not yet stored message for a response object element."""
    kind = elem.tag.rpartition("}")[2]
    prefix = RESPONSE_OBJECTS[kind]
    message = mailbox.new_item(folder, "Message")
    subject = elem.findtext(t("Subject"))
    base = original.subject or ""
    message.subject = subject if subject is not None else (base if base.upper().startswith(prefix) else prefix + base)
    new_body = elem.find(t("NewBodyContent"))
    body_type = "Text" if new_body is None else new_body.get("BodyType", "Text")
    head = "" if new_body is None else (new_body.text or "")
    separator = "<hr>" if body_type == "HTML" else "\n\n-----Original Message-----\n"
    message.body = head + separator + (original.body or "") if original.body else head
    message.body_type = "HTML" if body_type == "HTML" else "Text"
    message.to = _recipients(elem, "ToRecipients", mailbox)
    message.cc = _recipients(elem, "CcRecipients", mailbox)
    message.bcc = _recipients(elem, "BccRecipients", mailbox)
    if kind != "ForwardItem" and not message.to:
        if original.from_ is None:
            raise ErrorSchemaValidation(f"{kind} needs ToRecipients when the original has no sender.")
        message.to = (original.from_,)
    if original.message_id:
        message.set_extra("InReplyTo", original.message_id)
        references = original.get_extra("References")
        message.set_extra("References", f"{references} {original.message_id}" if references else original.message_id)
    if kind == "ForwardItem" and original.attachments:
        message.attachments = [a.copy() for a in original.attachments]
    message.is_draft = True
    return message
