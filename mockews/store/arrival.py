"""What happens when a message arrives in a mailbox, after transport and before it is
stored: the mailbox's Inbox rules, then its automatic reply (OOF).

Rules run in priority order, enabled ones only; conditions are ANDed, the strings or
addresses inside one condition ORed, matched case-insensitively as substrings, and a
matching exception skips the rule.  Conditions evaluated: ContainsSubjectStrings,
ContainsBodyStrings, ContainsSubjectOrBodyStrings, ContainsSenderStrings,
ContainsRecipientStrings, FromAddresses, SentToAddresses, HasAttachments, Importance,
Sensitivity, Categories, ItemClasses, SentToMe, SentCcMe, SentOnlyToMe, SentToOrCcMe,
NotSentToMe; a rule with any other condition does not fire (the mock cannot judge it).
Actions performed: MoveToFolder, CopyToFolder, Delete, PermanentDelete, MarkAsRead,
AssignCategories, MarkImportance, StopProcessingRules; forwarding and redirecting are
kept on the rule but not performed.

The automatic reply goes to a sender of this tenant (other senders are not tracked)
who wrote to the mailbox directly (Exchange does not answer mail that reached it
through a distribution group), once per sender per OOF period, never to another
automatic reply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .model import Folder, Item, Recipient
from .settings import InboxRule, MailboxSettings, RuleNode

if TYPE_CHECKING:
    from .mailbox import Mailbox

AUTO_REPLY_CLASS = "IPM.Note.Rules.OofTemplate.Microsoft"


def arrive(mailbox: Mailbox, copy: Item, at: int | None = None) -> list[Item]:
    """Store ``copy`` (not yet stored, in the Inbox) as the mailbox's rules say, at
    ``at`` (None: now); returns what was stored (none when a rule deleted it
    permanently, two when one copied it)."""
    settings = mailbox.settings
    if settings is None:
        return [mailbox.add_item(copy, now=at)]
    stored = _apply_rules(mailbox, settings, copy, at)
    _auto_reply(mailbox, settings, copy)
    return stored


# -- rules ------------------------------------------------------------------------------


def _texts(node: RuleNode, child: str = "String") -> list[str]:
    return [(k[2] or "").lower() for k in node[3] if k[0] == child]


def _addresses(node: RuleNode) -> list[str]:
    """The EmailAddress of each Address child."""
    return [(a[2] or "").lower() for k in node[3] if k[0] == "Address" for a in k[3] if a[0] == "EmailAddress"]


def _any_in(needles: list[str], haystacks: list[str]) -> bool:
    return any(n in h for n in needles for h in haystacks)


def _emails(recipients: tuple[Recipient, ...]) -> list[str]:
    return [r.email.lower() for r in recipients]


def _sender_texts(item: Item) -> list[str]:
    sender = item.from_ or item.sender
    return [] if sender is None else [sender.email.lower(), sender.name.lower()]


_Check = Callable[[RuleNode, Item, str], bool]

#: condition element → whether it holds for (node, item, the mailbox's address)
_CONDITIONS: dict[str, _Check] = {
    "ContainsSubjectStrings": lambda n, i, me: _any_in(_texts(n), [(i.subject or "").lower()]),
    "ContainsBodyStrings": lambda n, i, me: _any_in(_texts(n), [(i.body or "").lower()]),
    "ContainsSubjectOrBodyStrings": lambda n, i, me: _any_in(
        _texts(n), [(i.subject or "").lower(), (i.body or "").lower()]
    ),
    "ContainsSenderStrings": lambda n, i, me: _any_in(_texts(n), _sender_texts(i)),
    "ContainsRecipientStrings": lambda n, i, me: _any_in(_texts(n), _emails(i.to + i.cc)),
    "FromAddresses": lambda n, i, me: bool(set(_addresses(n)) & set(_sender_texts(i))),
    "SentToAddresses": lambda n, i, me: bool(set(_addresses(n)) & set(_emails(i.to))),
    "HasAttachments": lambda n, i, me: bool(i.attachments) == (n[2] == "true"),
    "Importance": lambda n, i, me: i.importance == n[2],
    "Sensitivity": lambda n, i, me: i.sensitivity == n[2],
    "Categories": lambda n, i, me: bool(set(_texts(n)) & {c.lower() for c in i.categories}),
    "ItemClasses": lambda n, i, me: _any_in(_texts(n), [i.item_class.lower()]),
    "SentToMe": lambda n, i, me: (me in _emails(i.to)) == (n[2] == "true"),
    "SentCcMe": lambda n, i, me: (me in _emails(i.cc)) == (n[2] == "true"),
    "SentOnlyToMe": lambda n, i, me: (_emails(i.to) == [me] and not i.cc) == (n[2] == "true"),
    "SentToOrCcMe": lambda n, i, me: (me in _emails(i.to + i.cc)) == (n[2] == "true"),
    "NotSentToMe": lambda n, i, me: (me not in _emails(i.to)) == (n[2] == "true"),
}


def _holds(conditions: list[RuleNode], item: Item, me: str) -> bool:
    return all(c[0] in _CONDITIONS and _CONDITIONS[c[0]](c, item, me) for c in conditions)


def _fires(rule: InboxRule, item: Item, me: str) -> bool:
    if not rule.is_enabled or not _holds(rule.conditions or [], item, me):
        return False
    return not (rule.exceptions and any(_holds([e], item, me) for e in rule.exceptions))


def _target(mailbox: Mailbox, action: RuleNode) -> Folder | None:
    """The folder of a Move/CopyToFolder action (resolved to a FolderId when saved)."""
    found = mailbox.objects.get(str(action[3][0][1].get("Id", ""))) if action[3] else None
    return found if isinstance(found, Folder) else None


def _apply_rules(mailbox: Mailbox, settings: MailboxSettings, copy: Item, at: int | None) -> list[Item]:
    me = mailbox.email.lower()
    extra: list[Item] = []
    keep = True
    for rule in settings.rules:
        if not _fires(rule, copy, me):
            continue
        for action in rule.actions:
            keep = _act(mailbox, action, copy, extra) and keep
        if not keep or any(a[0] == "StopProcessingRules" and a[2] == "true" for a in rule.actions):
            break
    return ([mailbox.add_item(copy, now=at)] if keep else []) + [mailbox.add_item(e, now=at) for e in extra]


def _act(mailbox: Mailbox, action: RuleNode, copy: Item, extra: list[Item]) -> bool:
    """Perform one action on the not yet stored ``copy``; False when it is not kept."""
    name = action[0]
    target = _target(mailbox, action) if name in ("MoveToFolder", "CopyToFolder") else None
    if name == "MoveToFolder" and target is not None:
        copy.folder = target  # a deleted folder: the message stays in the Inbox
    elif name == "CopyToFolder" and target is not None:
        extra.append(mailbox.clone(copy, target))
    elif name == "Delete" and action[2] == "true":
        copy.folder = mailbox.distinguished["deleteditems"]
    elif name == "PermanentDelete" and action[2] == "true":
        return False
    elif name == "MarkAsRead" and action[2] == "true":
        copy.is_read = True
    elif name == "AssignCategories":
        copy.categories = tuple(dict.fromkeys((*copy.categories, *(k[2] or "" for k in action[3]))))
    elif name == "MarkImportance" and action[2]:
        copy.importance = action[2]
    return True


# -- automatic replies ----------------------------------------------------------------


def _auto_reply(mailbox: Mailbox, settings: MailboxSettings, copy: Item) -> None:
    """Answer the sender of the arrived ``copy`` (its Bcc is already gone: a mailbox
    reached only by Bcc is not answered)."""
    oof, world = settings.oof, mailbox.world
    author = copy.from_ or copy.sender
    sender = None if author is None else world.find_mailbox(author.email)
    if sender is None:
        return  # a sender outside the tenant is not tracked
    direct = mailbox.email.lower() in _emails(copy.to + copy.cc)
    answered = sender.email.lower() in oof.replied
    if sender is mailbox or not direct or answered or not oof.active_at(world.now_epoch()):
        return
    if copy.item_class.startswith("IPM.Note.Rules."):
        return  # never answer an automatic reply
    reply = sender.new_item(sender.distinguished["inbox"], "Message", AUTO_REPLY_CLASS)
    reply.subject = f"Automatic reply: {copy.subject or ''}"[:255]
    reply.body = oof.internal_reply
    reply.from_ = reply.sender = world.recipient(mailbox.display_name, mailbox.email)
    reply.to = (world.recipient(sender.display_name, sender.email),)
    reply.sent = world.now_epoch()
    sender.add_item(reply)
    oof.replied.append(sender.email.lower())
