"""GetDelegate: a mailbox's delegates, with their folder permissions when asked
(IncludePermissions), and the mailbox's DeliverMeetingRequests setting.

Shapes as on Exchange: ResponseClass/ResponseCode on ``m:GetDelegateResponse`` itself,
one ``m:DelegateUserResponseMessageType`` per delegate (none when there are none), and
per named user ErrorDelegateNoUser (no such user), ErrorNotDelegate (a user, but no
delegate) or ErrorInvalidUserSid.  Delegates are stored and reported; their folder
permissions do not (yet) open folders to them — access stays the login's own mailbox,
full access or impersonation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from mockad.store import DirectoryUser

from ..errors import ErrorDelegateNoUser, ErrorInvalidUserSid, ErrorNotDelegate, ErrorSchemaValidation, EWSError
from ..soap.render import boolean, el, esc, flat_response
from ..soap.xml import Element, children, m, parse_bool, t
from ..store.mailbox import Mailbox
from ..store.settings import DELEGATE_FOLDERS, Delegate, MailboxSettings, settings_of
from .base import Operation


def sid_of(user: DirectoryUser) -> str:
    """A stable, well-formed SID for a directory user (the directory keeps none)."""
    digest = hashlib.sha256(user.id.encode()).digest()
    parts = [int.from_bytes(digest[i : i + 4], "big") for i in (0, 4, 8)]
    return f"S-1-5-21-{parts[0]}-{parts[1]}-{parts[2]}-{1000 + digest[12] * 256 + digest[13]}"


def render_delegate(delegate: Delegate, user: DirectoryUser | None, permissions: bool) -> str:
    user_id = f"<t:UserId>{el('PrimarySmtpAddress', esc(delegate.email))}"
    if user is not None:
        user_id = f"<t:UserId>{el('SID', sid_of(user))}{el('PrimarySmtpAddress', esc(delegate.email))}"
        user_id += el("DisplayName", esc(user.display_name))
    parts = [user_id + "</t:UserId>"]
    if permissions:
        levels = "".join(el(f"{f}FolderPermissionLevel", delegate.permissions[f]) for f in DELEGATE_FOLDERS)
        parts.append(f"<t:DelegatePermissions>{levels}</t:DelegatePermissions>")
    parts.append(el("ReceiveCopiesOfMeetingMessages", boolean(delegate.receive_copies_of_meeting_messages)))
    parts.append(el("ViewPrivateItems", boolean(delegate.view_private_items)))
    return f"<m:DelegateUser>{''.join(parts)}</m:DelegateUser>"


def _message(content: str = "", error: EWSError | None = None) -> str:
    tag = "m:DelegateUserResponseMessageType"
    if error is None:
        return f'<{tag} ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>{content}</{tag}>'
    return (
        f'<{tag} ResponseClass="Error"><m:MessageText>{esc(error.message)}</m:MessageText>'
        f"<m:ResponseCode>{error.code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></{tag}>"
    )


class GetDelegate(Operation):
    name = "GetDelegate"
    #: whether the answer ends with the mailbox's DeliverMeetingRequests
    tells_delivery = True

    def execute(self) -> str:
        try:
            return flat_response(self.name, self.produce())
        except EWSError as exc:
            return flat_response(self.name, error=exc)

    def produce(self) -> str:
        mailbox = self.delegating_mailbox()
        settings = settings_of(mailbox)
        messages = self.messages(mailbox, settings)
        out = f"<m:ResponseMessages>{''.join(messages)}</m:ResponseMessages>" if messages else ""
        if self.tells_delivery:
            out += f"<m:DeliverMeetingRequests>{settings.deliver_meeting_requests}</m:DeliverMeetingRequests>"
        return out

    def messages(self, mailbox: Mailbox, settings: MailboxSettings) -> list[str]:
        permissions = parse_bool(self.request.get("IncludePermissions", "false"))
        user_ids = self.request.find(m("UserIds"))
        if user_ids is None:
            return [_message(self.render(d, permissions)) for d in settings.delegates]
        return self.each(children(user_ids), lambda e: self.render(self.existing(settings, e), permissions))

    def each(self, elems: Iterable[Element], handle: Callable[[Element], str]) -> list[str]:
        out = []
        for elem in elems:
            try:
                out.append(_message(handle(elem)))
            except EWSError as exc:
                out.append(_message(error=exc))
        return out

    def render(self, delegate: Delegate, permissions: bool) -> str:
        return render_delegate(delegate, self.world.directory.user_by_mail(delegate.email), permissions)

    def delegating_mailbox(self) -> Mailbox:
        box = self.request.find(m("Mailbox"))
        address = "" if box is None else (box.findtext(t("EmailAddress")) or "").strip()
        if not address:
            raise ErrorSchemaValidation("The request names no Mailbox.")
        return self.ctx.check_access(self.world.mailbox(address))

    def user(self, user_id: Element | None) -> DirectoryUser:
        """The directory user a ``t:UserId`` names (by SID or PrimarySmtpAddress)."""
        if user_id is None:
            raise ErrorSchemaValidation("A UserId is required.")
        sid = (user_id.findtext(t("SID")) or "").strip()
        address = (user_id.findtext(t("PrimarySmtpAddress")) or "").strip()
        if sid:
            found = next((u for u in self.world.directory.users.values() if sid_of(u) == sid), None)
            if found is None:
                raise ErrorInvalidUserSid()
            return found
        user = self.world.directory.user_by_mail(address) if address else None
        if user is None or not user.mail:
            raise ErrorDelegateNoUser(f"{address or 'The UserId'} does not map to a user.")
        return user

    def existing(self, settings: MailboxSettings, user_id: Element | None) -> Delegate:
        user = self.user(user_id)
        delegate = settings.delegate(user.mail or "")
        if delegate is None:
            raise ErrorNotDelegate(f"{user.mail} is not a delegate of this mailbox.")
        return delegate
