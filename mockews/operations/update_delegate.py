"""UpdateDelegate: change existing delegates' permissions and flags (what a
``t:DelegateUser`` leaves out stays), and optionally DeliverMeetingRequests."""

from __future__ import annotations

from dataclasses import replace

from ..soap.xml import Element, children, m, t
from ..store.mailbox import Mailbox
from ..store.settings import Delegate, MailboxSettings
from .add_delegate import AddDelegate, apply_delegate_user


class UpdateDelegate(AddDelegate):
    name = "UpdateDelegate"

    def messages(self, mailbox: Mailbox, settings: MailboxSettings) -> list[str]:
        self.set_delivery(settings)
        users = children(self.request.find(m("DelegateUsers")))
        return self.each(users, lambda e: self.render(self.updated(settings, e), True))

    def updated(self, settings: MailboxSettings, elem: Element) -> Delegate:
        delegate = self.existing(settings, elem.find(t("UserId")))
        # validate on a copy, so a refused update changes nothing
        changed = replace(delegate, permissions=dict(delegate.permissions))
        apply_delegate_user(changed, elem)
        settings.delegates[settings.delegates.index(delegate)] = changed
        return changed
