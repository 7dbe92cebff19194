"""Item fields on the wire (issue 13, "Generic item fields" / "Item types"): what
exchangelib cannot send — a read-only property in CreateItem, booleans as 1/0,
whitespace between elements — and that every kept field survives save → load."""

from __future__ import annotations

import io

from engine.clock import ManualClock
from mockews.store import World
from mockews.store.persist import load_world, save_world

from ..conftest import ALICE, START
from .conftest import NS, Post, envelope, impersonate

CONTACT = (
    "<t:Contact><t:Subject>Ada</t:Subject><t:Culture>da-DK</t:Culture>"
    "<t:DisplayName>Ada L</t:DisplayName><t:GivenName>Ada</t:GivenName>"
    '<t:EmailAddresses>\n  <t:Entry Key="EmailAddress2">ada@example.org</t:Entry>\n</t:EmailAddresses>'
    '<t:PhysicalAddresses><t:Entry Key="Home"><t:City>Vejle &amp; Co</t:City></t:Entry></t:PhysicalAddresses>'
    "<t:Children>\n  <t:String>Byron</t:String>\n  <t:String>Anne</t:String>\n</t:Children>"
    "<t:Surname>Lovelace</t:Surname></t:Contact>"
)


def _create(post: Post, item_xml: str, folder: str = "contacts") -> tuple[list[str], str]:
    reply = post(
        envelope(
            f'<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="{folder}"/>'
            f"</m:SavedItemFolderId><m:Items>{item_xml}</m:Items></m:CreateItem>",
            impersonate(ALICE),
        )
    )
    found = reply.xml.find(".//t:ItemId", namespaces=NS)
    return reply.codes(), "" if found is None else found.get("Id") or ""


def _get(post: Post, item_id: str, uris: list[str]) -> bytes:
    props = "".join(f'<t:FieldURI FieldURI="{u}"/>' for u in uris)
    reply = post(
        envelope(
            f"<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>{props}"
            f'</t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>',
            impersonate(ALICE),
        )
    )
    assert reply.codes() == ["NoError"], reply.body
    return reply.body


def test_a_read_only_property_in_create_item_is_refused(post: Post) -> None:
    """Exchange refuses a value for a property it computes (ErrorInvalidPropertySet);
    the mock used to drop it silently."""
    codes, _ = _create(
        post, "<t:Message><t:Subject>x</t:Subject><t:ConversationTopic>y</t:ConversationTopic></t:Message>"
    )
    assert codes == ["ErrorInvalidPropertySet"]


def test_stored_fields_come_back_in_exchange_form(post: Post) -> None:
    """Fields kept generically come back canonical: t: prefix, no whitespace between
    elements, booleans true/false (exchangelib writes 1/0), dates with an offset."""
    codes, item_id = _create(post, CONTACT)
    assert codes == ["NoError"]
    body = _get(
        post, item_id, ["contacts:Children", "contacts:EmailAddress", "contacts:PhysicalAddress", "item:Culture"]
    )
    assert b"<t:Children><t:String>Byron</t:String><t:String>Anne</t:String></t:Children>" in body
    assert b'<t:EmailAddresses><t:Entry Key="EmailAddress2">ada@example.org</t:Entry></t:EmailAddresses>' in body
    assert b'<t:Entry Key="Home"><t:City>Vejle &amp; Co</t:City></t:Entry>' in body
    assert b"<t:Culture>da-DK</t:Culture>" in body
    event = (
        "<t:CalendarItem><t:Subject>s</t:Subject><t:Start>2026-01-05T09:00:00+01:00</t:Start>"
        "<t:End>2026-01-05T10:00:00+01:00</t:End><t:IsResponseRequested>0</t:IsResponseRequested>"
        "<t:AllowNewTimeProposal>1</t:AllowNewTimeProposal></t:CalendarItem>"
    )
    codes, event_id = _create(post, event, folder="calendar")
    assert codes == ["NoError"]
    body = _get(post, event_id, ["calendar:IsResponseRequested", "calendar:AllowNewTimeProposal", "item:ReminderDueBy"])
    assert b"<t:IsResponseRequested>false</t:IsResponseRequested>" in body
    assert b"<t:AllowNewTimeProposal>true</t:AllowNewTimeProposal>" in body
    assert b"<t:ReminderDueBy>2026-01-05T08:00:00Z</t:ReminderDueBy>" in body  # computed: the start


def test_every_kept_field_survives_save_and_load(post: Post, world: World) -> None:
    """Persistence: the extra dict (plain, structured and indexed fields) is saved."""
    _, contact_id = _create(post, CONTACT)
    task = (
        "<t:Task><t:Subject>t</t:Subject><t:DueDate>2026-02-01T00:00:00Z</t:DueDate>"
        "<t:PercentComplete>40</t:PercentComplete><t:Status>InProgress</t:Status>"
        "<t:Recurrence><t:DailyRegeneration><t:Interval>2</t:Interval></t:DailyRegeneration>"
        "<t:NumberedRecurrence><t:StartDate>2026-01-01</t:StartDate><t:NumberOfOccurrences>3</t:NumberOfOccurrences>"
        "</t:NumberedRecurrence></t:Recurrence></t:Task>"
    )
    codes, task_id = _create(post, task, folder="tasks")
    assert codes == ["NoError"]
    buffer = io.BytesIO()
    save_world(world, buffer)
    buffer.seek(0)
    loaded = load_world(buffer, ManualClock(START))
    for item_id in (contact_id, task_id):
        before = world.mailbox(ALICE).item(item_id).extra
        assert before and loaded.mailbox(ALICE).item(item_id).extra == before


def test_text_body_is_computed_and_only_returned_when_asked_for(post: Post) -> None:
    """TextBody is the body as text, computed by Exchange; AllProperties leaves it out."""
    codes, item_id = _create(
        post,
        '<t:Message><t:Subject>b</t:Subject><t:Body BodyType="HTML">&lt;p&gt;A &amp;amp; B&lt;/p&gt;</t:Body>'
        "</t:Message>",
        "drafts",
    )
    assert codes == ["NoError"]
    assert b'<t:TextBody BodyType="Text">A &amp; B</t:TextBody>' in _get(post, item_id, ["item:TextBody"])
    reply = post(
        envelope(
            "<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>"
            f'<m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>',
            impersonate(ALICE),
        )
    )
    assert b"<t:Body " in reply.body and b"TextBody" not in reply.body
