"""ExpandDL: the direct members of a distribution group, from the world's directory.

As on Exchange, nested groups come back as entries of MailboxType ``PublicDL`` (and
Microsoft 365 groups as ``GroupMailbox``) for the client to expand in turn.
"""

from __future__ import annotations

from mockad.store import DirectoryGroup, DirectoryObject, DirectoryUser

from ..errors import ErrorNameResolutionNoResults, ErrorSchemaValidation
from ..soap.render import boolean, el, esc
from ..soap.xml import m, t
from .base import Operation


def mailbox_type(obj: DirectoryObject) -> str:
    if isinstance(obj, DirectoryGroup):
        return "GroupMailbox" if obj.is_unified else "PublicDL"
    if isinstance(obj, DirectoryUser):
        return "Mailbox" if obj.has_mailbox else "User"
    return "Contact"


def render_directory_mailbox(obj: DirectoryObject) -> str:
    mail = esc(obj.mail or "")
    return (
        f"<t:Mailbox>{el('Name', esc(obj.display_name))}{el('EmailAddress', mail)}"
        f"{el('RoutingType', 'SMTP')}{el('MailboxType', mailbox_type(obj))}</t:Mailbox>"
    )


class ExpandDL(Operation):
    name = "ExpandDL"
    mailbox_bound = False

    def execute(self) -> str:
        # The schema says m:Mailbox; exchangelib sends t:Mailbox when given a Mailbox
        # object.  Exchange accepts both, and so do we.
        box = self.request.find(m("Mailbox"))
        if box is None:
            box = self.request.find(t("Mailbox"))
        address = "" if box is None else (box.findtext(t("EmailAddress")) or "").strip()
        if not address:
            raise ErrorSchemaValidation("ExpandDL needs a Mailbox with an EmailAddress.")

        def one(_: object) -> str:
            group = self.world.directory.group_by_mail(address)
            if group is None:
                raise ErrorNameResolutionNoResults(f"No distribution list with address {address}.")
            members = self.world.directory.members(group)
            rendered = "".join(render_directory_mailbox(member) for member in members if member.mail)
            count = sum(1 for member in members if member.mail)
            return (
                f'<m:DLExpansion TotalItemsInView="{count}" IncludesLastItemInRange="{boolean(True)}">'
                f"{rendered}</m:DLExpansion>"
            )

        return self.batch([address], one)
