"""RemoveDelegate: remove delegates named by UserId; one ResponseMessage per user
(ErrorNotDelegate for a user who is none, ErrorDelegateNoUser for an unknown one)."""

from __future__ import annotations

from ..errors import ErrorSchemaValidation
from ..soap.xml import Element, children, m
from ..store.mailbox import Mailbox
from ..store.settings import MailboxSettings
from .get_delegate import GetDelegate


class RemoveDelegate(GetDelegate):
    name = "RemoveDelegate"
    tells_delivery = False

    def messages(self, mailbox: Mailbox, settings: MailboxSettings) -> list[str]:
        user_ids = children(self.request.find(m("UserIds")))
        if not user_ids:
            raise ErrorSchemaValidation("RemoveDelegate needs UserIds.")

        def remove(elem: Element) -> str:
            settings.delegates.remove(self.existing(settings, elem))
            return ""

        return self.each(user_ids, remove)
