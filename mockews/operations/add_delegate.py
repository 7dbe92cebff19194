"""AddDelegate: new delegates with their folder permissions, and optionally the
mailbox's DeliverMeetingRequests.  Per user: ErrorDelegateAlreadyExists,
ErrorDelegateNoUser, ErrorDelegateCannotAddOwner; receiving copies of meeting messages
needs Editor on the Calendar (ErrorDelegateValidationFailed), as Exchange requires."""

from __future__ import annotations

from ..errors import (
    ErrorDelegateAlreadyExists,
    ErrorDelegateCannotAddOwner,
    ErrorDelegateValidationFailed,
    ErrorSchemaValidation,
)
from ..soap.xml import Element, children, m, parse_bool, t
from ..store.mailbox import Mailbox
from ..store.settings import DELEGATE_FOLDERS, DELIVER_MEETING_REQUESTS, PERMISSION_LEVELS, Delegate, MailboxSettings
from .get_delegate import GetDelegate

_FLAGS = (
    ("ReceiveCopiesOfMeetingMessages", "receive_copies_of_meeting_messages"),
    ("ViewPrivateItems", "view_private_items"),
)


def apply_delegate_user(delegate: Delegate, elem: Element) -> None:
    """Set what a ``t:DelegateUser`` carries on ``delegate`` (parts it omits stay)."""
    permissions = elem.find(t("DelegatePermissions"))
    if permissions is not None:
        for folder in DELEGATE_FOLDERS:
            level = (permissions.findtext(t(f"{folder}FolderPermissionLevel")) or "").strip()
            if level and level not in PERMISSION_LEVELS:
                raise ErrorSchemaValidation(f"{level!r} is not a delegate permission level.")
            delegate.permissions[folder] = level or delegate.permissions[folder]
    for tag, attr in _FLAGS:
        value = elem.findtext(t(tag))
        if value is not None:
            setattr(delegate, attr, parse_bool(value))
    if delegate.receive_copies_of_meeting_messages and delegate.permissions["Calendar"] != "Editor":
        raise ErrorDelegateValidationFailed("Only a delegate with Editor on the Calendar receives meeting messages.")


class AddDelegate(GetDelegate):
    name = "AddDelegate"
    tells_delivery = False

    def messages(self, mailbox: Mailbox, settings: MailboxSettings) -> list[str]:
        users = children(self.request.find(m("DelegateUsers")))
        if not users:
            raise ErrorSchemaValidation("AddDelegate needs DelegateUsers.")
        self.set_delivery(settings)
        return self.each(users, lambda e: self.render(self.added(mailbox, settings, e), True))

    def set_delivery(self, settings: MailboxSettings) -> None:
        deliver = self.request.findtext(m("DeliverMeetingRequests"))
        if deliver is not None:
            if deliver.strip() not in DELIVER_MEETING_REQUESTS:
                raise ErrorSchemaValidation(f"{deliver!r} is not a DeliverMeetingRequests value.")
            settings.deliver_meeting_requests = deliver.strip()

    def added(self, mailbox: Mailbox, settings: MailboxSettings, elem: Element) -> Delegate:
        user = self.user(elem.find(t("UserId")))
        email = user.mail or ""
        if email.lower() == mailbox.email.lower():
            raise ErrorDelegateCannotAddOwner()
        if settings.delegate(email) is not None:
            raise ErrorDelegateAlreadyExists(f"{email} is already a delegate of this mailbox.")
        delegate = Delegate(email)
        apply_delegate_user(delegate, elem)
        settings.delegates.append(delegate)
        return delegate
