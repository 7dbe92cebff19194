"""ResolveNames with full contact data and search scopes, FindPeople and GetPersona
through exchangelib (issue 13, "Operations still missing": FindPeople / GetPersona,
ResolveNames with full contact data)."""

from __future__ import annotations

from pathlib import Path

import pytest
from exchangelib import Account
from exchangelib.errors import ErrorInvalidIdMalformed, ErrorNameResolutionNoResults
from exchangelib.folders import Directory
from exchangelib.items import Persona
from exchangelib.properties import Mailbox

from engine.clock import ManualClock
from mockews.service import MockExchange
from mockews.store import World
from mockews.store.model import Item
from mockews.store.persist import load_world, save_world

from ..conftest import ALICE, BOB, DOMAIN, START, every_mode

DELEGATE_MODE = pytest.mark.parametrize("mode", ["basic-delegate"], indirect=True)
SCULLY = "dana.scully@fbi.example"


def add_contact(world: World, owner: str, fields: dict[str, object]) -> Item:
    """A contact item as the store keeps one (contacts:* fields in the extra dict)."""
    mailbox = world.mailbox(owner)
    item = mailbox.new_item(mailbox.well_known("contacts"), "Contact")
    for key, value in fields.items():
        item.set_extra(key, value)
    item.subject = str(fields.get("DisplayName") or "")
    return mailbox.add_item(item)


@pytest.fixture
def people(world: World) -> World:
    alice = world.directory.user_by_mail(ALICE)
    assert alice is not None
    world.directory.update_user(
        alice.id,
        given_name="Alice",
        surname="Martin",
        company_name="Contoso",
        job_title="Engineer",
        department="R&D",
        office_location="Building 4",
        business_phones=["+1 555 0100"],
        mobile_phone="+1 555 0199",
        street_address="1 Main St",
        city="Springfield",
        postal_code="12345",
        country="US",
    )
    for owner in (ALICE, BOB):
        add_contact(
            world,
            owner,
            {
                "DisplayName": "Dana Scully",
                "GivenName": "Dana",
                "Surname": "Scully",
                "CompanyName": "FBI",
                "JobTitle": "Special Agent",
                "EmailAddresses": {"EmailAddress1": SCULLY},
                "PhoneNumbers": {"MobilePhone": "+1 202 555 0111"},
                "PhysicalAddresses": {"Business": {"Street": "935 Pennsylvania Ave", "City": "Washington"}},
            },
        )
    add_contact(world, ALICE, {"DisplayName": "Fox Mulder", "EmailAddresses": {"EmailAddress1": "fox@fbi.example"}})
    return world


@every_mode
def test_full_contact_data_from_the_directory(alice: Account, people: World) -> None:
    """ResolveNames with full contact data: the directory's name parts, company, title,
    department, office, phones, address and addresses."""
    [(mailbox, contact)] = alice.protocol.resolve_names([ALICE], return_full_contact_data=True)
    assert mailbox.email_address == ALICE and mailbox.mailbox_type == "Mailbox"
    assert (contact.display_name, contact.given_name, contact.surname) == ("Alice Martin", "Alice", "Martin")
    assert (contact.company_name, contact.job_title, contact.department) == ("Contoso", "Engineer", "R&D")
    assert contact.office == "Building 4" and contact.contact_source == "ActiveDirectory"
    assert {(p.label, p.phone_number) for p in contact.phone_numbers} == {
        ("BusinessPhone", "+1 555 0100"),
        ("MobilePhone", "+1 555 0199"),
    }
    [address] = contact.physical_addresses
    assert (address.label, address.street, address.city, address.zipcode, address.country) == (
        "Business",
        "1 Main St",
        "Springfield",
        "12345",
        "US",
    )
    assert [(e.label, e.email) for e in contact.email_addresses] == [("EmailAddress1", f"SMTP:{ALICE}")]


@every_mode
def test_several_entries_in_one_request(alice: Account, people: World) -> None:
    """ResolveNames: one ResponseMessage per UnresolvedEntry, in order."""
    found = alice.protocol.resolve_names([BOB, ALICE, "zz-nobody"], search_scope="ActiveDirectory")
    assert [m.email_address for m in found if isinstance(m, Mailbox)] == [BOB, ALICE]


@DELEGATE_MODE
def test_search_scopes_reach_the_contacts_folder(alice: Account, people: World) -> None:
    """ResolveNames with SearchScope Contacts / ActiveDirectory / ContactsActiveDirectory:
    the caller's Contacts folder is searched, a contact comes back as MailboxType Contact
    with its ItemId and ContactSource Store."""
    [(mailbox, contact)] = alice.protocol.resolve_names(
        ["scully"], return_full_contact_data=True, search_scope="Contacts"
    )
    assert (mailbox.email_address, mailbox.mailbox_type) == (SCULLY, "Contact")
    assert mailbox.item_id is not None and contact.contact_source == "Store"
    assert (contact.company_name, contact.job_title) == ("FBI", "Special Agent")
    assert [(p.label, p.phone_number) for p in contact.phone_numbers] == [("MobilePhone", "+1 202 555 0111")]
    none = alice.protocol.resolve_names(["scully"], search_scope="ActiveDirectory")
    assert none == [] or all(isinstance(r, ErrorNameResolutionNoResults) for r in none)
    carol = f"carol@{DOMAIN}"  # Carol Schmidt, All Staff and Dana Scully all have a word starting with "s"
    both = alice.protocol.resolve_names(["s"], search_scope="ContactsActiveDirectory")
    addresses = [m.email_address for m in both]
    assert addresses.index(SCULLY) < addresses.index(carol)  # contacts first
    ad_first = [m.email_address for m in alice.protocol.resolve_names(["s"])]  # ActiveDirectoryContacts
    assert ad_first.index(carol) < ad_first.index(SCULLY)


@every_mode
def test_find_people_in_the_contacts_folder(alice: Account, people: World) -> None:
    """FindPeople: personas from the contacts of the folder, filtered, sorted, by query."""
    everyone = list(alice.contacts.people())
    assert sorted(p.display_name for p in everyone) == ["Dana Scully", "Fox Mulder"]
    scully = next(p for p in everyone if p.display_name == "Dana Scully")
    assert (scully.given_name, scully.surname, scully.company_name) == ("Dana", "Scully", "FBI")
    assert scully.email_address.email_address == SCULLY and scully.persona_type == "Person"
    filtered = alice.contacts.people().filter(display_name="fox mulder").only("display_name")
    assert [p.display_name for p in filtered] == ["Fox Mulder"]
    ordered = alice.contacts.people().order_by("-display_name")
    assert [p.display_name for p in ordered] == ["Fox Mulder", "Dana Scully"]
    assert [p.display_name for p in alice.contacts.people().filter("DisplayName:dana")] == ["Dana Scully"]


def gal_of(alice: Account) -> Directory:
    """The GAL as FindPeople names it.  to_id() first: exchangelib's folder hash changes
    when it fills in the distinguished id during the call, and its pager then loses it."""
    folder = Directory(root=alice.root)
    folder.to_id()
    return folder


@every_mode
def test_find_people_in_the_directory(alice: Account, people: World) -> None:
    """FindPeople on the GAL (DistinguishedFolderId directory): the directory's people."""
    gal = gal_of(alice)
    names = {p.display_name for p in gal.people()}
    assert {"Alice Martin", "Bob Nguyen", "Carol Schmidt", "Engineering"} <= names
    [alice_persona] = list(gal.people().filter("alice"))
    assert (alice_persona.title, alice_persona.department) == ("Engineer", "R&D")


@every_mode
def test_get_persona(alice: Account, people: World) -> None:
    """GetPersona: the persona of a contact (attributed to its item) and of a GAL entry."""
    [scully] = list(alice.fetch_personas(alice.contacts.people().filter(display_name="Dana Scully")))
    assert isinstance(scully, Persona) and scully.display_name == "Dana Scully"
    assert [v.value for v in scully.display_names] == ["Dana Scully"]
    assert [(v.value.number, v.value.type) for v in scully.mobile_phones] == [("+1 202 555 0111", "Mobile")]
    assert [v.value.email_address for v in scully.emails1] == [SCULLY]
    [attribution] = scully.attributions
    assert attribution.is_writable and attribution.folder_id.id == alice.contacts.id
    [gal_alice] = list(alice.fetch_personas(gal_of(alice).people().filter("alice")))
    assert [v.value.city for v in gal_alice.business_addresses] == ["Springfield"]
    assert [v.value.number for v in gal_alice.business_phone_numbers] == ["+1 555 0100"]


@every_mode
def test_get_persona_of_a_malformed_id(alice: Account) -> None:
    """GetPersona: an id that is no persona id is ErrorInvalidIdMalformed, as on Exchange."""
    [answer] = list(alice.fetch_personas([Persona(id="AAA=", changekey="xxx")]))
    assert isinstance(answer, ErrorInvalidIdMalformed)


@every_mode
def test_contact_data_survives_save_and_load(
    alice: Account, people: World, tmp_path: Path, service: MockExchange
) -> None:
    """ResolveNames with full contact data: the directory's new fields are kept in the world file."""
    path = tmp_path / "world.jsonl.gz"
    save_world(people, path)
    service.replace_world(load_world(path, ManualClock(START)))
    [(_, contact)] = alice.protocol.resolve_names([ALICE], return_full_contact_data=True)
    assert (contact.company_name, contact.office) == ("Contoso", "Building 4")
    assert {p.phone_number for p in contact.phone_numbers} == {"+1 555 0100", "+1 555 0199"}
