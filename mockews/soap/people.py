"""People as XML: the ``t:Mailbox`` and ``t:Contact`` of a ResolveNames resolution and
the ``Persona`` of FindPeople / GetPersona (mockews.store.people has the data)."""

from __future__ import annotations

from ..store.ids import change_key
from ..store.people import Person
from .render import dt, el, esc

#: PhoneNumbers keys of a contact → the Persona list that carries them and its Type
_PERSONA_PHONES = {
    "BusinessPhone": ("BusinessPhoneNumbers", "Business"),
    "BusinessPhone2": ("BusinessPhoneNumbers2", "Business"),
    "HomePhone": ("HomePhones", "Home"),
    "MobilePhone": ("MobilePhones", "Mobile"),
}
#: PhysicalAddresses keys → the Persona list
_PERSONA_ADDRESSES = {"Business": "BusinessAddresses", "Home": "HomeAddresses", "Other": "OtherAddresses"}
#: what a Persona's PostalAddress calls the parts of a contact's PhysicalAddress
_POSTAL_PARTS = (("Street", "Street"), ("City", "City"), ("State", "State"), ("Country", "CountryOrRegion"))


def _opt(tag: str, value: str | None) -> str:
    return el(tag, esc(value)) if value else ""


def resolution_mailbox(person: Person) -> str:
    """A resolution's mailbox; a contact's carries the contact's ItemId, as on Exchange."""
    item_id = ""
    if person.item is not None:
        item_id = f'<t:ItemId Id="{person.item.id}" ChangeKey="{change_key(person.item.last_seq)}"/>'
    return (
        f"<t:Mailbox>{el('Name', esc(person.display_name))}{_opt('EmailAddress', person.email)}"
        f"{el('RoutingType', 'SMTP')}{el('MailboxType', person.mailbox_type)}{item_id}</t:Mailbox>"
    )


def _dictionary(tag: str, entries: tuple[tuple[str, str], ...]) -> str:
    if not entries:
        return ""
    inner = "".join(f'<t:Entry Key="{esc(k)}">{esc(v)}</t:Entry>' for k, v in entries)
    return f"<t:{tag}>{inner}</t:{tag}>"


def _physical_addresses(person: Person) -> str:
    if not person.addresses:
        return ""
    parts = ("Street", "City", "State", "CountryOrRegion", "PostalCode")
    entries = "".join(
        f'<t:Entry Key="{esc(key)}">{"".join(_opt(p, value.get(p)) for p in parts)}</t:Entry>'
        for key, value in person.addresses
    )
    return f"<t:PhysicalAddresses>{entries}</t:PhysicalAddresses>"


def resolution_contact(person: Person) -> str:
    """ReturnFullContactData: the ``t:Contact`` of a resolution, children in the schema's
    order.  Exchange writes a directory entry's addresses as proxy addresses (``SMTP:…``)."""
    emails = person.emails
    if person.source == "ActiveDirectory":
        emails = tuple((k, f"SMTP:{v}") for k, v in emails)
    return (
        f"<t:Contact>{el('DisplayName', esc(person.display_name))}{_opt('GivenName', person.given_name)}"
        f"{_opt('CompanyName', person.company_name)}{_dictionary('EmailAddresses', emails)}"
        f"{_physical_addresses(person)}{_dictionary('PhoneNumbers', person.phones)}"
        f"{el('ContactSource', person.source)}{_opt('Department', person.department)}"
        f"{_opt('JobTitle', person.job_title)}{_opt('OfficeLocation', person.office_location)}"
        f"{_opt('Surname', person.surname)}</t:Contact>"
    )


def _email(person: Person, address: str, tag: str) -> str:
    return (
        f"<t:{tag}>{el('Name', esc(person.display_name))}{el('EmailAddress', esc(address))}"
        f"{el('RoutingType', 'SMTP')}</t:{tag}>"
    )


def _names(person: Person) -> str:
    first_last = " ".join(p for p in (person.given_name, person.surname) if p) or person.display_name
    last_first = ", ".join(p for p in (person.surname, person.given_name) if p) or person.display_name
    return (
        f"{el('DisplayName', esc(person.display_name))}{el('DisplayNameFirstLast', esc(first_last))}"
        f"{el('DisplayNameLastFirst', esc(last_first))}{el('FileAs', esc(person.display_name))}"
        f"{_opt('GivenName', person.given_name)}{_opt('Surname', person.surname)}"
        f"{_opt('Title', person.job_title)}{_opt('Department', person.department)}"
        f"{_opt('CompanyName', person.company_name)}"
    )


def _persona_head(person: Person) -> str:
    kind = "DistributionList" if person.mailbox_type == "PublicDL" else "Person"
    created = el("CreationTime", dt(person.created)) if person.created else ""
    return f'<t:PersonaId Id="{esc(person.persona_id)}"/>{el("PersonaType", kind)}{created}'


def _persona_emails(person: Person) -> str:
    primary = _email(person, person.email, "EmailAddress") if person.email else ""
    if not person.emails:
        return primary
    listed = "".join(_email(person, a, "Address") for _, a in person.emails)
    return f"{primary}<t:EmailAddresses>{listed}</t:EmailAddresses>"


def persona(person: Person, shape: str) -> str:
    """A FindPeople persona; ``shape`` is the PersonaShape's BaseShape."""
    if shape == "IdOnly":
        return f'<m:Persona><t:PersonaId Id="{esc(person.persona_id)}"/></m:Persona>'
    work_city = next((a.get("City") for _, a in person.addresses if a.get("City")), None)
    return (
        f"<m:Persona>{_persona_head(person)}{_names(person)}{_persona_emails(person)}"
        f"{_opt('WorkCity', work_city)}{el('RelevanceScore', '2147483647')}</m:Persona>"
    )


def _attributed(tag: str, value: str | None) -> str:
    if not value:
        return ""
    return (
        f"<t:{tag}><t:StringAttributedValue>{el('Value', esc(value))}<t:Attributions>"
        f"{el('Attribution', '0')}</t:Attributions></t:StringAttributedValue></t:{tag}>"
    )


def _attribution(person: Person) -> str:
    """Where the persona's values come from: the contact item (writable) or the GAL."""
    if person.item is not None:
        item, folder = person.item, person.item.folder
        source = (
            f'<t:SourceId Id="{item.id}" ChangeKey="{change_key(item.last_seq)}"/>{el("DisplayName", "Outlook")}'
            f"{el('IsWritable', 'true')}{el('IsQuickContact', 'false')}{el('IsHidden', 'false')}"
            f'<t:FolderId Id="{folder.id}" ChangeKey="{change_key(folder.last_seq)}"/>'
        )
    else:
        source = (
            f"{el('DisplayName', 'GAL')}{el('IsWritable', 'false')}{el('IsQuickContact', 'false')}"
            f"{el('IsHidden', 'false')}"
        )
    return f"<t:Attributions><t:Attribution>{el('Id', '0')}{source}</t:Attribution></t:Attributions>"


def _phones(person: Person) -> str:
    groups: dict[str, list[str]] = {}
    for key, number in person.phones:
        found = _PERSONA_PHONES.get(key)
        if found is None:
            continue
        tag, kind = found
        groups.setdefault(tag, []).append(
            f"<t:PhoneNumberAttributedValue><t:Value>{el('Number', esc(number))}{el('Type', kind)}</t:Value>"
            f"<t:Attributions>{el('Attribution', '0')}</t:Attributions></t:PhoneNumberAttributedValue>"
        )
    order = [tag for tag, _ in _PERSONA_PHONES.values()]
    return "".join(f"<t:{tag}>{''.join(groups[tag])}</t:{tag}>" for tag in dict.fromkeys(order) if tag in groups)


def _emails1(person: Person) -> str:
    if not person.email:
        return ""
    value = _email(person, person.email, "Value")
    return (
        f"<t:Emails1><t:EmailAddressAttributedValue>{value}<t:Attributions>{el('Attribution', '0')}"
        f"</t:Attributions></t:EmailAddressAttributedValue></t:Emails1>"
    )


def _addresses(person: Person) -> str:
    out = []
    for key, parts in person.addresses:
        tag = _PERSONA_ADDRESSES.get(key)
        if tag is None:
            continue
        inner = "".join(_opt(tag_name, parts.get(part)) for tag_name, part in _POSTAL_PARTS)
        inner += f"{_opt('PostalCode', parts.get('PostalCode'))}{el('Type', key)}"
        out.append(
            f"<t:{tag}><t:PostalAddressAttributedValue><t:Value>{inner}</t:Value><t:Attributions>"
            f"{el('Attribution', '0')}</t:Attributions></t:PostalAddressAttributedValue></t:{tag}>"
        )
    return "".join(out)


def full_persona(person: Person) -> str:
    """GetPersona: the persona with its attributed values (one source, attribution 0)."""
    return (
        f"<m:Persona>{_persona_head(person)}{_names(person)}{_persona_emails(person)}"
        f"{el('RelevanceScore', '2147483647')}{_attribution(person)}"
        f"{_attributed('DisplayNames', person.display_name)}{_attributed('GivenNames', person.given_name)}"
        f"{_attributed('Surnames', person.surname)}{_phones(person)}{_emails1(person)}"
        f"{_attributed('OfficeLocations', person.office_location)}{_addresses(person)}"
        f"{_attributed('Titles', person.job_title)}{_attributed('Departments', person.department)}"
        f"{_attributed('CompanyNames', person.company_name)}</m:Persona>"
    )
