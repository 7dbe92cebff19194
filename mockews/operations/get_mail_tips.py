"""GetMailTips: what Outlook shows before a message is sent, per recipient, from the
world: the recipient's automatic reply when it is on (the internal or external text by
the sender's side, as Exchange chooses it), the member counts of a distribution group
(transitive; external members are mail contacts and users of other domains), and
InvalidRecipient for an address of the tenant's domain that nothing answers to.
Mailboxes have no quota here, so MailboxFull is false; MaxMessageSize is Exchange
2016's default transport limit.
"""

from __future__ import annotations

from mockad.store import DirectoryGroup, DirectoryObject, MailContact

from ..soap.render import boolean, dt, el, esc
from ..soap.xml import Element, M, T, children, m, t
from ..store.settings import OofSettings
from .base import Operation

#: Exchange 2016's default MaxReceiveSize (10 MB)
MAX_MESSAGE_SIZE = 10 * 1024 * 1024
ALL_TIPS = frozenset(
    {
        "OutOfOfficeMessage",
        "MailboxFullStatus",
        "CustomMailTip",
        "ExternalMemberCount",
        "TotalMemberCount",
        "MaxMessageSize",
        "DeliveryRestriction",
        "ModerationStatus",
        "InvalidRecipient",
    }
)


class GetMailTips(Operation):
    name = "GetMailTips"
    mailbox_bound = False

    def execute(self) -> str:
        sender = _address(self.request.find(m("SendingAs")))
        requested = set((self.request.findtext(m("MailTipsRequested")) or "All").split())
        wanted = ALL_TIPS if "All" in requested else frozenset(requested) & ALL_TIPS
        tips = [self.tips(_address(r), sender, wanted) for r in children(self.request.find(m("Recipients")))]
        messages = "".join(
            '<m:MailTipsResponseMessageType ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
            f"{tip}</m:MailTipsResponseMessageType>"
            for tip in tips
        )
        return (
            f'<m:GetMailTipsResponse xmlns:m="{M}" xmlns:t="{T}" ResponseClass="Success">'
            f"<m:ResponseCode>NoError</m:ResponseCode><m:ResponseMessages>{messages}</m:ResponseMessages>"
            "</m:GetMailTipsResponse>"
        )

    def internal(self, address: str) -> bool:
        domain = address.rpartition("@")[2].lower()
        return domain == self.world.domain.lower() or self.world.find_mailbox(address) is not None

    def tips(self, address: str, sender: str, wanted: frozenset[str]) -> str:
        directory = self.world.directory
        found = directory.by_mail(address)
        name = found.display_name if found is not None else ""
        parts = [
            f"<t:RecipientAddress>{el('Name', esc(name))}{el('EmailAddress', esc(address))}"
            f"{el('RoutingType', 'SMTP')}</t:RecipientAddress>",
            "<t:PendingMailTips/>",
        ]
        if "OutOfOfficeMessage" in wanted:
            parts.append(self.out_of_office(address, sender))
        if "MailboxFullStatus" in wanted:
            parts.append(el("MailboxFull", "false"))
        parts.extend(self.counts(found, wanted))
        if "MaxMessageSize" in wanted:
            parts.append(el("MaxMessageSize", str(MAX_MESSAGE_SIZE)))
        if "DeliveryRestriction" in wanted:
            parts.append(el("DeliveryRestricted", "false"))
        if "ModerationStatus" in wanted:
            parts.append(el("IsModerated", "false"))
        if "InvalidRecipient" in wanted:
            parts.append(el("InvalidRecipient", boolean(found is None and self.internal(address))))
        return f"<m:MailTips>{''.join(parts)}</m:MailTips>"

    def counts(self, found: DirectoryObject | None, wanted: frozenset[str]) -> list[str]:
        total, external = 1, 0
        if isinstance(found, DirectoryGroup):
            members = [o for o in self.world.directory.transitive_members(found) if not isinstance(o, DirectoryGroup)]
            total = len(members)
            external = sum(1 for o in members if isinstance(o, MailContact) or not self.internal(o.mail or ""))
        elif isinstance(found, MailContact) or found is None:
            return []
        out = []
        if "TotalMemberCount" in wanted:
            out.append(el("TotalMemberCount", str(total)))
        if "ExternalMemberCount" in wanted:
            out.append(el("ExternalMemberCount", str(external)))
        return out

    def out_of_office(self, address: str, sender: str) -> str:
        mailbox = self.world.find_mailbox(address)
        oof = mailbox.settings.oof if mailbox is not None and mailbox.settings is not None else OofSettings()
        if not oof.active_at(self.world.now_epoch()):
            return "<t:OutOfOffice><t:ReplyBody><t:Message/></t:ReplyBody></t:OutOfOffice>"
        text = oof.internal_reply if self.internal(sender) else external_reply(oof)
        duration = ""
        if oof.state == "Scheduled" and oof.start is not None and oof.end is not None:
            duration = f"<t:Duration>{el('StartTime', dt(oof.start))}{el('EndTime', dt(oof.end))}</t:Duration>"
        return f"<t:OutOfOffice><t:ReplyBody>{el('Message', esc(text))}</t:ReplyBody>{duration}</t:OutOfOffice>"


def external_reply(oof: OofSettings) -> str:
    # ExternalAudience None: external senders get no reply; Known (contacts) is treated
    # as All, since the mock keeps no per-mailbox contact list to check against.
    return "" if oof.external_audience == "None" else oof.external_reply


def _address(elem: Element | None) -> str:
    return "" if elem is None else (elem.findtext(t("EmailAddress")) or "").strip()
