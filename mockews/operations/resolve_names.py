"""ResolveNames: ambiguous-name resolution against the directory and the caller's
contacts folders.  One ResponseMessage per UnresolvedEntry; several matches answer
ResponseClass Warning / ErrorNameResolutionMultipleResults with the set, as Exchange
does; none answers ErrorNameResolutionNoResults.

SearchScope: ActiveDirectory (the GAL only), Contacts (contacts folders only),
ActiveDirectoryContacts (both, the default) or ContactsActiveDirectory (both, contacts
first).  The contacts searched are those in ParentFolderIds, else the acting mailbox's
Contacts folder (a caller without a mailbox has none).  ReturnFullContactData adds a
``t:Contact`` with what the directory or the contact item holds.
"""

from __future__ import annotations

from ..errors import (
    ErrorNameResolutionMultipleResults,
    ErrorNameResolutionNoResults,
    ErrorSchemaValidation,
    EWSError,
)
from ..soap.people import resolution_contact, resolution_mailbox
from ..soap.render import boolean, failure
from ..soap.xml import children, m, parse_bool
from ..store.model import Folder
from ..store.people import Person, contacts_in, person_from_directory
from .base import Operation

MAX_RESOLUTIONS = 100
SCOPES = ("ActiveDirectory", "Contacts", "ActiveDirectoryContacts", "ContactsActiveDirectory")


class ResolveNames(Operation):
    name = "ResolveNames"
    mailbox_bound = False

    def execute(self) -> str:
        entries = [(e.text or "").strip() for e in self.request.findall(m("UnresolvedEntry"))]
        if not entries or not all(entries):
            raise ErrorSchemaValidation("ResolveNames needs a non-empty UnresolvedEntry.")
        scope = self.request.get("SearchScope", "ActiveDirectoryContacts")
        if scope not in SCOPES:
            raise ErrorSchemaValidation(f"SearchScope {scope!r} is not valid.")
        full = parse_bool(self.request.get("ReturnFullContactData", "false"))
        folders = self._contact_folders() if scope != "ActiveDirectory" else []
        return self.respond([self._resolve(entry, scope, folders, full) for entry in entries])

    def _contact_folders(self) -> list[Folder]:
        given = self.request.find(m("ParentFolderIds"))
        if given is not None:
            return [self.folder(elem) for elem in children(given)]
        try:
            return [self.ctx.acting_mailbox().well_known("contacts")]
        except EWSError:  # no principal mailbox (a service account, no authentication)
            return []

    def _candidates(self, entry: str, scope: str, folders: list[Folder]) -> list[Person]:
        directory: list[Person] = []
        if scope != "Contacts":
            directory = [person_from_directory(obj) for obj in self.world.directory.search(entry)]
        contacts = [p for f in folders for p in contacts_in(f.items.values()) if p.matches(entry)]
        contacts.sort(key=lambda p: p.display_name.lower())
        return contacts + directory if scope.startswith("Contacts") else directory + contacts

    def _resolve(self, entry: str, scope: str, folders: list[Folder], full: bool) -> str:
        found = self._candidates(entry, scope, folders)
        if not found:
            return self.error(ErrorNameResolutionNoResults())
        shown = found[:MAX_RESOLUTIONS]
        resolutions = "".join(
            f"<t:Resolution>{resolution_mailbox(p)}{resolution_contact(p) if full else ''}</t:Resolution>"
            for p in shown
        )
        resolution_set = (
            f'<m:ResolutionSet TotalItemsInView="{len(shown)}" '
            f'IncludesLastItemInRange="{boolean(len(shown) == len(found))}">{resolutions}</m:ResolutionSet>'
        )
        if len(found) > 1:
            warning = ErrorNameResolutionMultipleResults()
            return failure(self.name, warning, resolution_set, response_class="Warning")
        return self.ok(resolution_set)


__all__ = ["SCOPES", "ResolveNames"]
