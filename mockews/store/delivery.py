"""Sending mail inside the world: SendOnly / SendAndSaveCopy / SendItem deliver a copy
to the Inbox of every recipient who has a mailbox here (distribution groups expanded
through the directory); other addresses leave the tenant and are not tracked.

Exchange delivers asynchronously, and clients test for it: a copy arrives
``world.delivery_delay_s`` seconds after the send on the world's clock (default
:data:`DEFAULT_DELIVERY_DELAY_S`; 0 delivers at once).  The copies are made (and their
ids drawn) at send time, so they carry the message as it was sent; they are stored when
the clock has passed their time, lazily — by the next request (:func:`deliver_due`).
They are saved with the world.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mockad.store import DirectoryGroup

from .arrival import arrive
from .mailbox import Mailbox

if TYPE_CHECKING:
    from .world import World
from .model import Item, Recipient

#: seconds between a send and the arrival in the recipients' Inboxes (Exchange: seconds)
DEFAULT_DELIVERY_DELAY_S = 2


@dataclass(frozen=True, slots=True)
class PendingDelivery:
    """A copy on its way: ``item`` is built for the recipient's Inbox, not yet stored."""

    due: int  # epoch seconds
    item: Item


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
    """Deliver ``item`` (already stamped) to every local recipient; returns the copies
    (stored now without a delay, else on their way)."""
    world = sender.world
    delay = world.delivery_delay_s
    copies = []
    for mailbox in recipient_mailboxes(sender, item.to + item.cc + item.bcc):
        copy = mailbox.clone(item, mailbox.distinguished["inbox"])
        copy.bcc = ()  # Bcc is not visible to recipients
        copy.is_read = False
        copy.is_draft = False
        copy.created = copy.modified = 0  # stamped on arrival
        copies.append(copy)
        if delay <= 0:
            _arrive(copy, None)
        else:
            copy.received = 0  # received when it arrives
            world.pending_deliveries.append(PendingDelivery(world.now_epoch() + delay, copy))
    return copies


def _arrive(copy: Item, at: int | None) -> None:
    """The copy reaches its mailbox: Inbox rules and the automatic reply (arrival.py),
    then NewMail for what was stored."""
    mailbox = copy.folder.mailbox
    for stored in arrive(mailbox, copy, at):
        mailbox.notify_new_mail(stored)


def deliver_due(world: World) -> int:
    """Store the copies whose time has come, in the order they were sent; returns how
    many arrived."""
    pending = world.pending_deliveries
    if not pending:
        return 0
    now = world.now_epoch()
    due = [p for p in pending if p.due <= now]
    if due:
        world.pending_deliveries = [p for p in pending if p.due > now]
        for p in due:
            _arrive(p.item, p.due)
    return len(due)
