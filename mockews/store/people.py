"""People as ResolveNames, FindPeople and GetPersona see them: one view over a
directory user (the GAL, ContactSource ActiveDirectory) or a contact item in a mailbox
(ContactSource Store).  Plain Python; the SOAP layer renders it.

Contact items keep their ``contacts:*`` fields in the item's extra dict under the
element name (DisplayName, GivenName, EmailAddresses as ``{Key: address}``,
PhoneNumbers as ``{Key: number}``, PhysicalAddresses as ``{Key: {part: text}}``).

Persona ids: a contact's is its item id with another prefix (so GetPersona finds the
item again); a directory user's is its object id.  Both name what they came from.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from mockad.store import DirectoryObject, DirectoryUser

from .ids import ITEM_PREFIX
from .model import Item

CONTACT_PERSONA_PREFIX = "AAUQ"
DIRECTORY_PERSONA_PREFIX = "AAUR"


@dataclass(frozen=True)
class Person:
    persona_id: str
    display_name: str
    source: str  # "ActiveDirectory" or "Store"
    given_name: str | None = None
    surname: str | None = None
    company_name: str | None = None
    job_title: str | None = None
    department: str | None = None
    office_location: str | None = None
    #: (EWS key, address), e.g. ("EmailAddress1", "alice@contoso.example")
    emails: tuple[tuple[str, str], ...] = ()
    #: (EWS key, number), e.g. ("BusinessPhone", "+1 555 0100")
    phones: tuple[tuple[str, str], ...] = ()
    #: (EWS key, {Street, City, State, CountryOrRegion, PostalCode})
    addresses: tuple[tuple[str, dict[str, str]], ...] = ()
    mailbox_type: str = "Mailbox"
    item: Item | None = field(default=None, compare=False)
    created: int = 0

    @property
    def email(self) -> str | None:
        return self.emails[0][1] if self.emails else None

    def matches(self, needle: str) -> bool:
        """Ambiguous-name resolution as Exchange does it: a prefix of the display name
        or of one of its words, or of an address."""
        needle = needle.strip().lower().removeprefix("smtp:")
        name = self.display_name.lower()
        if name.startswith(needle) or any(w.startswith(needle) for w in name.split()):
            return True
        return any(a.lower().startswith(needle) for _, a in self.emails)


def _text(item: Item, key: str) -> str | None:
    value = item.get_extra(key)
    return value if isinstance(value, str) and value else None


def _entries(item: Item, key: str) -> tuple[tuple[str, str], ...]:
    value = item.get_extra(key)
    if not isinstance(value, dict):
        return ()
    return tuple((k, v) for k, v in value.items() if isinstance(v, str) and v)


def _address_entries(item: Item) -> tuple[tuple[str, dict[str, str]], ...]:
    value = item.get_extra("PhysicalAddresses")
    if not isinstance(value, dict):
        return ()
    return tuple((k, dict(v)) for k, v in value.items() if isinstance(v, dict) and v)


def contact_display_name(item: Item) -> str:
    """What Exchange shows: the written DisplayName, else the name parts, else the
    subject (which Exchange keeps equal to FileAs)."""
    written = _text(item, "DisplayName")
    if written:
        return written
    parts = " ".join(p for p in (_text(item, k) for k in ("GivenName", "MiddleName", "Surname")) if p)
    return parts or item.subject or ""


def person_from_contact(item: Item) -> Person:
    return Person(
        persona_id=CONTACT_PERSONA_PREFIX + item.id[len(ITEM_PREFIX) :],
        display_name=contact_display_name(item),
        source="Store",
        given_name=_text(item, "GivenName"),
        surname=_text(item, "Surname"),
        company_name=_text(item, "CompanyName"),
        job_title=_text(item, "JobTitle"),
        department=_text(item, "Department"),
        office_location=_text(item, "OfficeLocation"),
        emails=_entries(item, "EmailAddresses"),
        phones=_entries(item, "PhoneNumbers"),
        addresses=_address_entries(item),
        mailbox_type="Contact",
        item=item,
        created=item.created,
    )


def _user_phones(user: DirectoryUser) -> tuple[tuple[str, str], ...]:
    keys = ("BusinessPhone", "BusinessPhone2")
    phones = [(k, n) for k, n in zip(keys, user.business_phones, strict=False) if n]
    if user.mobile_phone:
        phones.append(("MobilePhone", user.mobile_phone))
    return tuple(phones)


def _user_address(user: DirectoryUser) -> tuple[tuple[str, dict[str, str]], ...]:
    parts = {
        "Street": user.street_address,
        "City": user.city,
        "State": user.state,
        "CountryOrRegion": user.country,
        "PostalCode": user.postal_code,
    }
    kept = {k: v for k, v in parts.items() if v}
    return (("Business", kept),) if kept else ()


def person_from_directory(obj: DirectoryObject) -> Person:
    """A GAL entry; only users carry the contact details."""
    persona_id = DIRECTORY_PERSONA_PREFIX + uuid.UUID(obj.id).hex
    emails = (("EmailAddress1", obj.mail),) if obj.mail else ()
    if not isinstance(obj, DirectoryUser):
        return Person(persona_id, obj.display_name, "ActiveDirectory", emails=emails, mailbox_type="PublicDL")
    return Person(
        persona_id=persona_id,
        display_name=obj.display_name,
        source="ActiveDirectory",
        given_name=obj.given_name,
        surname=obj.surname,
        company_name=obj.company_name,
        job_title=obj.job_title,
        department=obj.department,
        office_location=obj.office_location,
        emails=emails,
        phones=_user_phones(obj),
        addresses=_user_address(obj),
        mailbox_type="Mailbox" if obj.has_mailbox else "User",
    )


def contacts_in(items: Iterable[Item]) -> list[Person]:
    return [person_from_contact(i) for i in items if i.kind == "Contact"]


def contact_item_id(persona_id: str) -> str | None:
    """The item id behind a contact's persona id (None for any other id)."""
    if persona_id.startswith(CONTACT_PERSONA_PREFIX) and len(persona_id) > len(CONTACT_PERSONA_PREFIX):
        return ITEM_PREFIX + persona_id[len(CONTACT_PERSONA_PREFIX) :]
    return None


def directory_object_id(persona_id: str) -> str | None:
    """The directory object id behind a GAL persona id (None when it is not one)."""
    if not persona_id.startswith(DIRECTORY_PERSONA_PREFIX):
        return None
    try:
        return str(uuid.UUID(hex=persona_id[len(DIRECTORY_PERSONA_PREFIX) :]))
    except ValueError:
        return None
