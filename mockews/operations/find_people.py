"""FindPeople and GetPersona: personas from the contacts of a folder, or from the
directory when the folder is the GAL (DistinguishedFolderId ``directory``).

Both answer without ResponseMessages, as on Exchange: FindPeople with TotalNumberOfPeopleInView,
FirstMatchingRowIndex and FirstLoadedRowIndex beside ``m:People``; GetPersona with a bare
``m:GetPersonaResponseMessage`` holding ``m:Persona``.
"""

from __future__ import annotations

import re

from ..errors import ErrorInvalidIdMalformed, ErrorInvalidRestriction, ErrorItemNotFound, ErrorSchemaValidation
from ..soap.people import full_persona, persona
from ..soap.restriction import Getter, parse_restriction, parse_sort_order, sort_items
from ..soap.xml import Element, children, local_name, m, t
from ..store.people import Person, contact_item_id, contacts_in, directory_object_id, person_from_directory
from .base import Operation

#: the persona fields a Restriction, SortOrder or QueryString may name
PERSONA_FIELDS: dict[str, Getter] = {
    "persona:DisplayName": lambda p: p.display_name,
    "persona:FileAs": lambda p: p.display_name,
    "persona:GivenName": lambda p: p.given_name,
    "persona:Surname": lambda p: p.surname,
    "persona:CompanyName": lambda p: p.company_name,
    "persona:Title": lambda p: p.job_title,
    "persona:Department": lambda p: p.department,
    "persona:EmailAddress": lambda p: p.email,
    "persona:EmailAddresses": lambda p: [a for _, a in p.emails],
}
#: exchangelib builds people() restrictions from its Persona fields but may name the
#: contact property behind them; Exchange accepts both spellings for these
PERSONA_FIELDS.update(
    {
        "contacts:DisplayName": PERSONA_FIELDS["persona:DisplayName"],
        "contacts:FileAs": PERSONA_FIELDS["persona:FileAs"],
        "contacts:GivenName": PERSONA_FIELDS["persona:GivenName"],
        "contacts:Surname": PERSONA_FIELDS["persona:Surname"],
        "contacts:CompanyName": PERSONA_FIELDS["persona:CompanyName"],
        "contacts:JobTitle": PERSONA_FIELDS["persona:Title"],
        "contacts:Department": PERSONA_FIELDS["persona:Department"],
    }
)
DEFAULT_PAGE = 100


def _persona_getter(uri: str) -> tuple[Getter, str]:
    found = PERSONA_FIELDS.get(uri)
    if found is None:
        raise ErrorInvalidRestriction(f"The property {uri} cannot be used in a FindPeople restriction.")
    return found, "text"


def _query_matches(person: Person, query: str) -> bool:
    """An AQS-like QueryString: ``Field:words`` searches that persona field, bare words
    any name or address (prefix match, case-insensitive, every word must match)."""
    field, sep, words = query.partition(":")
    getter = PERSONA_FIELDS.get(f"persona:{field.strip()}") if sep and re.fullmatch(r"\w+", field.strip()) else None
    if getter is None:
        words, values = query, [person.display_name, *(a for _, a in person.emails)]
    else:
        value = getter(person)
        values = value if isinstance(value, list) else [str(value or "")]
    tokens = [w for w in words.lower().split() if w]
    text = " ".join(v.lower() for v in values)
    return all(any(part.startswith(w) for part in re.split(r"[\s@.]+", text)) or w in text for w in tokens)


class FindPeople(Operation):
    name = "FindPeople"

    def execute(self) -> str:
        return self.direct(self._find)

    def _people(self, parent: Element) -> list[Person]:
        ids = children(parent)
        if len(ids) != 1:
            raise ErrorSchemaValidation("FindPeople needs one ParentFolderId.")
        if local_name(ids[0]) == "DistinguishedFolderId" and ids[0].get("Id") == "directory":
            self.mailbox_element(ids[0])  # the caller must still reach the mailbox it names
            return [person_from_directory(o) for o in self.world.directory.all_objects() if o.mail]
        return contacts_in(self.folder(ids[0]).items.values())

    def _find(self) -> str:
        parent = self.request.find(m("ParentFolderId"))
        if parent is None:
            raise ErrorSchemaValidation("FindPeople needs a ParentFolderId.")
        people = self._people(parent)
        matches = parse_restriction(self.request.find(m("Restriction")), _persona_getter)
        query = (self.request.findtext(m("QueryString")) or "").strip()
        found = [p for p in people if (matches is None or matches(p)) and (not query or _query_matches(p, query))]
        keys = parse_sort_order(self.request.find(m("SortOrder")), _persona_getter)
        found = sort_items(sorted(found, key=lambda p: p.display_name.lower()), keys)
        offset, size = self._page()
        shape = self.request.findtext(f"{m('PersonaShape')}/{t('BaseShape')}") or "Default"
        if self.request.find(f"{m('PersonaShape')}/{t('AdditionalProperties')}") is not None:
            shape = "Default"  # the default persona holds every property modelled, asked-for ones included
        page = "".join(persona(p, shape) for p in found[offset : offset + size])
        return (
            f"<m:People>{page}</m:People><m:TotalNumberOfPeopleInView>{len(found)}</m:TotalNumberOfPeopleInView>"
            f"<m:FirstMatchingRowIndex>0</m:FirstMatchingRowIndex>"
            f"<m:FirstLoadedRowIndex>{offset}</m:FirstLoadedRowIndex>"
        )

    def _page(self) -> tuple[int, int]:
        view = self.request.find(m("IndexedPageItemView"))
        if view is None:
            return 0, DEFAULT_PAGE
        try:
            return max(0, int(view.get("Offset", "0"))), max(1, int(view.get("MaxEntriesReturned", DEFAULT_PAGE)))
        except ValueError as exc:
            raise ErrorSchemaValidation("IndexedPageItemView needs integer Offset and MaxEntriesReturned.") from exc


class GetPersona(Operation):
    name = "GetPersona"

    def execute(self) -> str:
        # GetPersona's answer is its ResponseMessage itself, with no Response around it
        return self.direct(lambda: full_persona(self._person()), element="ResponseMessage")

    def _person(self) -> Person:
        elem = self.request.find(m("PersonaId"))
        persona_id = "" if elem is None else elem.get("Id", "")
        item_id = contact_item_id(persona_id)
        if item_id is not None:
            item = self._mailbox_of(item_id, ErrorItemNotFound).item(item_id)
            if item.kind != "Contact":
                raise ErrorItemNotFound()
            return contacts_in([item])[0]
        object_id = directory_object_id(persona_id)
        if object_id is None:
            raise ErrorInvalidIdMalformed()
        obj = self.world.directory.get(object_id)
        if obj is None:
            raise ErrorItemNotFound()
        return person_from_directory(obj)
