"""ResolveNames: ambiguous-name resolution against the directory.  Several matches
answer ResponseClass Warning / ErrorNameResolutionMultipleResults with the set, as
Exchange does; none answers ErrorNameResolutionNoResults."""

from __future__ import annotations

from mockad.store import DirectoryUser

from ..errors import ErrorNameResolutionMultipleResults, ErrorNameResolutionNoResults, ErrorSchemaValidation
from ..soap.render import boolean, el, esc, failure
from ..soap.xml import m, parse_bool
from .base import Operation
from .expand_dl import render_directory_mailbox

MAX_RESOLUTIONS = 100


class ResolveNames(Operation):
    name = "ResolveNames"
    mailbox_bound = False

    def execute(self) -> str:
        entry = (self.request.findtext(m("UnresolvedEntry")) or "").strip()
        if not entry:
            raise ErrorSchemaValidation("ResolveNames needs an UnresolvedEntry.")
        full = parse_bool(self.request.get("ReturnFullContactData", "false"))
        found = self.world.directory.search(entry)
        if not found:
            return self.respond([self.error(ErrorNameResolutionNoResults())])
        shown = found[:MAX_RESOLUTIONS]
        resolutions = []
        for obj in shown:
            contact = ""
            if full and isinstance(obj, DirectoryUser):
                parts = [el("DisplayName", esc(obj.display_name))]
                if obj.given_name:
                    parts.append(el("GivenName", esc(obj.given_name)))
                if obj.surname:
                    parts.append(el("Surname", esc(obj.surname)))
                if obj.department:
                    parts.append(el("Department", esc(obj.department)))
                if obj.job_title:
                    parts.append(el("JobTitle", esc(obj.job_title)))
                contact = f"<t:Contact>{''.join(parts)}</t:Contact>"
            resolutions.append(f"<t:Resolution>{render_directory_mailbox(obj)}{contact}</t:Resolution>")
        resolution_set = (
            f'<m:ResolutionSet TotalItemsInView="{len(shown)}" '
            f'IncludesLastItemInRange="{boolean(len(shown) == len(found))}">{"".join(resolutions)}</m:ResolutionSet>'
        )
        if len(found) > 1:
            warning = ErrorNameResolutionMultipleResults()
            return self.respond([failure(self.name, warning, resolution_set, response_class="Warning")])
        return self.respond([self.ok(resolution_set)])
