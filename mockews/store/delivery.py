"""Sending mail inside the world: SendOnly / SendAndSaveCopy / SendItem deliver a copy
to the Inbox of every recipient who has a mailbox here (distribution groups expanded
through the directory); other addresses leave the tenant and are not tracked."""

from __future__ import annotations

from mockad.store import DirectoryGroup

from .mailbox import Mailbox
from .model import Item, Recipient


def stamp_sent(item: Item, sender: Mailbox) -> None:
    """What Exchange stamps on a message when it is submitted."""
    world = sender.world
    now = world.now_epoch()
    item.from_ = item.from_ or world.recipient(sender.display_name, sender.email)
    item.sender = item.sender or item.from_
    item.sent = now
    item.received = now
    item.is_draft = False
    if not item.message_id:
        domain = sender.email.rpartition("@")[2] or world.domain
        item.message_id = f"<{world.ids.token(20)}@{domain}>"


def recipient_mailboxes(sender: Mailbox, recipients: tuple[Recipient, ...]) -> list[Mailbox]:
    world = sender.world
    out: list[Mailbox] = []
    seen: set[str] = set()

    def add(address: str) -> None:
        mailbox = world.find_mailbox(address)
        if mailbox is not None and mailbox.email.lower() not in seen:
            seen.add(mailbox.email.lower())
            out.append(mailbox)

    for r in recipients:
        group = world.directory.group_by_mail(r.email)
        if group is None:
            add(r.email)
            continue
        for member in world.directory.transitive_members(group):
            if not isinstance(member, DirectoryGroup) and member.mail:
                add(member.mail)  # users without a mailbox and contacts simply find none
    return out


def deliver(item: Item, sender: Mailbox) -> list[Item]:
    """Deliver ``item`` (already stamped) to every local recipient; returns the copies."""
    delivered = []
    for mailbox in recipient_mailboxes(sender, item.to + item.cc + item.bcc):
        copy = mailbox.clone(item, mailbox.distinguished["inbox"])
        copy.bcc = ()  # Bcc is not visible to recipients
        copy.is_read = False
        copy.is_draft = False
        copy.created = copy.modified = 0  # stamped on arrival
        delivered.append(mailbox.add_item(copy))
        mailbox.notify_new_mail(copy)
    return delivered
