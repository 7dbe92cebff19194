"""Raw SOAP: faults, malformed and hostile input, the other client forms, lean output."""

from __future__ import annotations

import re
import time

import pytest
from lxml import etree

from mockews.service import MockExchange
from mockews.store import EV_SHORTCUT_CLASS, World

from ..conftest import ALICE
from .conftest import NS, Post, T, envelope, impersonate

GET_INBOX = (
    "<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>"
    '<m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>'
)


def assert_fault(reply: object, code: str) -> None:
    assert reply.status == 500  # type: ignore[attr-defined]
    assert reply.content_type.startswith("text/xml")  # type: ignore[attr-defined]
    assert b"Traceback" not in reply.body and b"<html" not in reply.body.lower()  # type: ignore[attr-defined]
    assert reply.fault_code() == code  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "payload",
    [b"", b"not xml at all", b"<unclosed", b"<a>text</a>", envelope("")[:-20], b"\xff\xfe\x00garbage"],
    ids=["empty", "text", "unclosed", "not-soap", "truncated", "binary"],
)
def test_malformed_requests_get_a_soap_fault(post: Post, payload: bytes) -> None:
    assert_fault(post(payload), "ErrorSchemaValidation")


def test_unknown_operation_is_invalid_operation_not_a_version_error(post: Post) -> None:
    reply = post(envelope("<m:FrobnicateItem/>"))
    assert_fault(reply, "ErrorInvalidOperation")
    assert b"ErrorInvalidServerVersion" not in reply.body


def test_billion_laughs_is_refused_quickly(post: Post) -> None:
    entities = "".join(
        f'<!ENTITY lol{i} "{"&lol" + str(i - 1) + ";" * 1}{("&lol" + str(i - 1) + ";") * 9}">' for i in range(1, 10)
    )
    bomb = f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{entities}]><lolz>&lol9;</lolz>'
    started = time.perf_counter()
    reply = post(bomb)
    assert_fault(reply, "ErrorSchemaValidation")
    assert time.perf_counter() - started < 2.0
    assert b"lollol" not in reply.body


def test_external_entities_are_never_resolved(post: Post) -> None:
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        + envelope("<m:ResolveNames><m:UnresolvedEntry>&xxe;</m:UnresolvedEntry></m:ResolveNames>")
        .decode()
        .split("?>", 1)[1]
    )
    reply = post(xxe)
    assert_fault(reply, "ErrorSchemaValidation")
    assert b"root:" not in reply.body


def test_oversized_requests_are_refused(wire_service: MockExchange, post: Post) -> None:
    wire_service.max_request_bytes = 10_000
    reply = post(envelope(f"<m:ResolveNames><m:UnresolvedEntry>{'a' * 20_000}</m:UnresolvedEntry></m:ResolveNames>"))
    assert_fault(reply, "ErrorSchemaValidation")


@pytest.mark.parametrize("prefix", ["s", "soap", "SOAP-ENV", "env"])
def test_any_envelope_prefix(post: Post, prefix: str) -> None:
    reply = post(envelope(GET_INBOX, impersonate(ALICE), prefix=prefix))
    assert reply.status == 200 and reply.codes() == ["NoError"]


def test_distinguished_id_with_and_without_mailbox(post: Post) -> None:
    with_mailbox = GET_INBOX.replace(
        '<t:DistinguishedFolderId Id="inbox"/>',
        f'<t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>{ALICE}</t:EmailAddress></t:Mailbox>'
        "</t:DistinguishedFolderId>",
    )
    assert post(envelope(with_mailbox)).codes() == ["NoError"]
    assert post(envelope(GET_INBOX, impersonate(ALICE))).codes() == ["NoError"]
    # Without authentication and without a mailbox, there is no "own" mailbox.
    assert post(envelope(GET_INBOX)).codes() == ["ErrorNonExistentMailbox"]


@pytest.mark.parametrize("form", ["PrimarySmtpAddress", "SmtpAddress", "PrincipalName"])
def test_impersonation_forms(post: Post, form: str) -> None:
    assert post(envelope(GET_INBOX, impersonate(ALICE, form))).codes() == ["NoError"]


def test_every_response_carries_server_version_info(post: Post) -> None:
    for reply in (post(envelope(GET_INBOX, impersonate(ALICE))), post(b"junk"), post(envelope("<m:Nope/>"))):
        info = reply.xml.find(".//s:Header/t:ServerVersionInfo", namespaces=NS)
        assert info is not None and info.get("MajorVersion") == "15"


def _create(post: Post, item_xml: str) -> str:
    reply = post(
        envelope(
            '<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="inbox"/>'
            f"</m:SavedItemFolderId><m:Items>{item_xml}</m:Items></m:CreateItem>",
            impersonate(ALICE),
        )
    )
    assert reply.codes() == ["NoError"], reply.body
    item_id = reply.xml.find(".//t:ItemId", namespaces=NS)
    assert item_id is not None
    return item_id.get("Id") or ""


def _get(post: Post, item_id: str, shape: str = "AllProperties", additional: str = "") -> etree._Element:
    props = f"<t:AdditionalProperties>{additional}</t:AdditionalProperties>" if additional else ""
    reply = post(
        envelope(
            f"<m:GetItem><m:ItemShape><t:BaseShape>{shape}</t:BaseShape>{props}</m:ItemShape>"
            f'<m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>',
            impersonate(ALICE),
        )
    )
    assert reply.codes() == ["NoError"], reply.body
    return reply.xml


def test_item_class_is_settable_on_create(post: Post) -> None:
    item_id = _create(
        post, f"<t:Message><t:ItemClass>{EV_SHORTCUT_CLASS}</t:ItemClass><t:Subject>ev</t:Subject></t:Message>"
    )
    assert _get(post, item_id).findtext(".//t:ItemClass", namespaces=NS) == EV_SHORTCUT_CLASS


def test_lean_output(post: Post) -> None:
    item_id = _create(post, "<t:Message><t:Subject>lean</t:Subject><t:IsRead>1</t:IsRead></t:Message>")
    xml = _get(post, item_id)
    raw = etree.tostring(xml).decode()
    assert "\n" not in raw and "> <" not in raw  # no pretty-printing
    assert xml.findtext(".//t:IsRead", namespaces=NS) == "true"  # never echo the client's 1/0
    for stamp in xml.iterfind(".//t:DateTimeCreated", namespaces=NS):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp.text or "")


def test_id_only_with_additional_properties_returns_only_those(post: Post) -> None:
    item_id = _create(post, "<t:Message><t:Subject>shape</t:Subject><t:Body BodyType='Text'>b</t:Body></t:Message>")
    xml = _get(post, item_id, "IdOnly", '<t:FieldURI FieldURI="item:Subject"/>')
    message = xml.find(".//t:Message", namespaces=NS)
    assert message is not None
    assert [etree.QName(c).localname for c in message] == ["ItemId", "Subject"]


def test_all_properties_shape(post: Post) -> None:
    item_id = _create(
        post, "<t:Message><t:Subject>all</t:Subject><t:Body BodyType='HTML'>&lt;b&gt;x&lt;/b&gt;</t:Body></t:Message>"
    )
    message = _get(post, item_id).find(".//t:Message", namespaces=NS)
    assert message is not None
    names = [etree.QName(c).localname for c in message]
    for expected in (
        "ItemId",
        "ParentFolderId",
        "ItemClass",
        "Subject",
        "Sensitivity",
        "Body",
        "DateTimeReceived",
        "Size",
        "Importance",
        "DateTimeCreated",
        "HasAttachments",
        "LastModifiedTime",
        "IsRead",
    ):
        assert expected in names
    assert names.index("ItemId") < names.index("Subject") < names.index("IsRead")  # schema order
    assert message.find("t:Body", namespaces=NS).get("BodyType") == "HTML"  # type: ignore[union-attr]


def test_find_item_truncates_strings_to_255(post: Post) -> None:
    _create(post, f"<t:Message><t:Subject>{'s' * 300}</t:Subject></t:Message>")
    reply = post(
        envelope(
            '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>'
            '<t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties></m:ItemShape>'
            '<m:IndexedPageItemView MaxEntriesReturned="10" Offset="0" BasePoint="Beginning"/>'
            '<m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>',
            impersonate(ALICE),
        )
    )
    root_folder = reply.xml.find(".//m:RootFolder", namespaces=NS)
    assert root_folder is not None
    assert (root_folder.get("TotalItemsInView"), root_folder.get("IncludesLastItemInRange")) == ("1", "true")
    assert root_folder.get("IndexedPagingOffset") == "1"
    assert reply.xml.findtext(".//t:Subject", namespaces=NS) == "s" * 255


def test_batches_answer_one_message_per_input_in_order(post: Post) -> None:
    good = _create(post, "<t:Message><t:Subject>good</t:Subject></t:Message>")
    missing = good[:-4] + "zzzz"
    reply = post(
        envelope(
            "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds>"
            f'<t:ItemId Id="{missing}"/><t:ItemId Id="{good}"/><t:ItemId Id="garbage"/><t:ItemId Id=""/>'
            "</m:ItemIds></m:GetItem>",
            impersonate(ALICE),
        )
    )
    assert reply.status == 200
    assert reply.codes() == ["ErrorItemNotFound", "NoError", "ErrorInvalidIdMalformed", "ErrorInvalidIdEmpty"]
    classes = [m.get("ResponseClass") for m in reply.xml.iterfind(".//m:GetItemResponseMessage", namespaces=NS)]
    assert classes == ["Error", "Success", "Error", "Error"]


def test_sync_error_still_carries_state_and_range(post: Post) -> None:
    reply = post(
        envelope(
            "<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>"
            '<m:SyncFolderId><t:DistinguishedFolderId Id="inbox"/></m:SyncFolderId>'
            "<m:SyncState>bm9wZQ==</m:SyncState><m:MaxChangesReturned>10</m:MaxChangesReturned></m:SyncFolderItems>",
            impersonate(ALICE),
        )
    )
    assert reply.codes() == ["ErrorInvalidSyncStateData"]
    message = reply.xml.find(".//m:SyncFolderItemsResponseMessage", namespaces=NS)
    assert message is not None
    assert message.find("m:SyncState", namespaces=NS) is not None
    assert message.findtext("m:IncludesLastItemInRange", namespaces=NS) == "true"


def test_ids_are_short_opaque_and_name_their_mailbox(post: Post, world: World) -> None:
    item_id = _create(post, "<t:Message><t:Subject>id</t:Subject></t:Message>")
    assert len(item_id) <= 512
    assert world.mailbox_of_id(item_id) is world.mailbox(ALICE)


def test_non_ews_paths_and_methods_are_plain_errors(client: object) -> None:
    from flask.testing import FlaskClient

    assert isinstance(client, FlaskClient)
    missing = client.post("/nowhere", data=b"x")
    assert missing.status_code == 404 and b"<html" not in missing.data.lower()
    get = client.get("/EWS/Exchange.asmx")
    assert get.status_code == 405 and b"<html" not in get.data.lower()
    assert client.post("/ews/exchange.asmx", data=envelope(GET_INBOX, impersonate(ALICE))).status_code == 200


def _update(post: Post, item_id: str, updates: str, conflict: str = "AutoResolve") -> list[str]:
    reply = post(
        envelope(
            f'<m:UpdateItem ConflictResolution="{conflict}" MessageDisposition="SaveOnly"><m:ItemChanges>'
            f'<t:ItemChange><t:ItemId Id="{item_id}"/><t:Updates>{updates}</t:Updates></t:ItemChange>'
            "</m:ItemChanges></m:UpdateItem>",
            impersonate(ALICE),
        )
    )
    return reply.codes()


def test_append_and_delete_item_fields(post: Post, world: World) -> None:
    item_id = _create(
        post,
        "<t:Message><t:Subject>append</t:Subject><t:Body BodyType='Text'>one</t:Body>"
        "<t:ToRecipients><t:Mailbox><t:EmailAddress>a@x.example</t:EmailAddress></t:Mailbox></t:ToRecipients>"
        "<t:Categories><t:String>Red</t:String></t:Categories></t:Message>",
    )
    codes = _update(
        post,
        item_id,
        '<t:AppendToItemField><t:FieldURI FieldURI="item:Body"/><t:Message><t:Body BodyType="Text">+two</t:Body>'
        '</t:Message></t:AppendToItemField><t:AppendToItemField><t:FieldURI FieldURI="message:ToRecipients"/>'
        "<t:Message><t:ToRecipients><t:Mailbox><t:EmailAddress>b@x.example</t:EmailAddress></t:Mailbox>"
        '</t:ToRecipients></t:Message></t:AppendToItemField><t:DeleteItemField><t:FieldURI FieldURI="item:Categories"/>'
        "</t:DeleteItemField>",
    )
    assert codes == ["NoError"]
    item = world.mailbox(ALICE).item(item_id)
    assert item.body == "one+two"
    assert [r.email for r in item.to] == ["a@x.example", "b@x.example"]
    assert item.categories == ()


def test_update_errors_name_the_property(post: Post) -> None:
    item_id = _create(post, "<t:Message><t:Subject>x</t:Subject></t:Message>")
    read_only = (
        '<t:SetItemField><t:FieldURI FieldURI="item:Size"/><t:Message><t:Size>5</t:Size></t:Message></t:SetItemField>'
    )
    assert _update(post, item_id, read_only) == ["ErrorInvalidPropertySet"]
    unknown = '<t:SetItemField><t:FieldURI FieldURI="item:Nonsense"/><t:Message/></t:SetItemField>'
    assert _update(post, item_id, unknown) == ["ErrorInvalidPropertyRequest"]
    bad_value = (
        '<t:SetItemField><t:FieldURI FieldURI="item:Importance"/><t:Message><t:Importance>Urgent</t:Importance>'
        "</t:Message></t:SetItemField>"
    )
    assert _update(post, item_id, bad_value) == ["ErrorInvalidValueForProperty"]


def test_stale_change_key_under_never_overwrite(post: Post) -> None:
    item_id = _create(post, "<t:Message><t:Subject>v1</t:Subject></t:Message>")
    set_subject = (
        '<t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:Message><t:Subject>v2</t:Subject></t:Message>'
        "</t:SetItemField>"
    )
    stale = item_id + '" ChangeKey="CQAAAB1'
    assert _update(post, stale, set_subject, "NeverOverwrite") == ["ErrorIrresolvableConflict"]
    assert _update(post, stale, set_subject, "AutoResolve") == ["NoError"]


def test_convert_id_round_trip(post: Post) -> None:
    item_id = _create(post, "<t:Message><t:Subject>convert</t:Subject></t:Message>")

    def convert(value: str, source: str, destination: str) -> str:
        reply = post(
            envelope(
                f'<m:ConvertId DestinationFormat="{destination}"><m:SourceIds>'
                f'<t:AlternateId Format="{source}" Id="{value}" Mailbox="{ALICE}"/></m:SourceIds></m:ConvertId>'
            )
        )
        assert reply.codes() == ["NoError"], reply.body
        alternate = reply.xml.find(".//m:AlternateId", namespaces=NS)
        assert alternate is not None and alternate.get("Mailbox") == ALICE
        return alternate.get("Id") or ""

    entry = convert(item_id, "EwsId", "EntryId")
    hexed = convert(entry, "EntryId", "HexEntryId")
    assert convert(hexed, "HexEntryId", "EwsId") == item_id
    dummy = post(
        envelope(
            '<m:ConvertId DestinationFormat="EntryId"><m:SourceIds>'
            '<t:AlternateId Format="EwsId" Id="DUMMY" Mailbox="DUMMY"/></m:SourceIds></m:ConvertId>'
        )
    )
    assert dummy.status == 200 and dummy.codes() == ["ErrorInvalidIdMalformed"]  # what exchangelib's probe gets


@pytest.mark.parametrize("payload", [envelope(GET_INBOX, impersonate(ALICE)), b"not xml", envelope("<m:Nope/>")])
def test_the_fast_path_answers_exactly_as_the_flask_route(post: Post, payload: bytes) -> None:
    """POST /EWS/Exchange.asmx skips Flask's request machinery; any other spelling of
    the path goes through Flask — both must give the same reply."""
    fast = post(payload)
    routed = post(payload, path="/ews/EXCHANGE.asmx")
    assert (fast.status, fast.content_type) == (routed.status, routed.content_type)
    assert fast.body == routed.body


def test_a_subject_is_cut_to_255_characters_on_write_as_exchange_does(post: Post) -> None:
    """Issue 13 (text limits): Exchange keeps 255 characters of a Subject, on CreateItem
    and on UpdateItem alike, without an error (exchangelib refuses longer ones on its
    side, so the raw wire is the judge)."""
    long = "".join(chr(ord("a") + n % 26) for n in range(300))
    item_id = _create(post, f"<t:Message><t:Subject>{long}</t:Subject></t:Message>")
    assert _get(post, item_id).findtext(".//t:Subject", namespaces=NS) == long[:255]

    other = long[::-1]
    reply = post(
        envelope(
            '<m:UpdateItem MessageDisposition="SaveOnly" ConflictResolution="AlwaysOverwrite"><m:ItemChanges>'
            f'<t:ItemChange><t:ItemId Id="{item_id}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Subject"/>'
            f"<t:Message><t:Subject>{other}</t:Subject></t:Message></t:SetItemField></t:Updates></t:ItemChange>"
            "</m:ItemChanges></m:UpdateItem>",
            impersonate(ALICE),
        )
    )
    assert reply.codes() == ["NoError"], reply.body
    assert _get(post, item_id).findtext(".//t:Subject", namespaces=NS) == other[:255]


@pytest.mark.parametrize("ns", ["urn:evil", T, ""], ids=["foreign", "types", "none"])
def test_an_operation_outside_the_messages_namespace_is_not_served(post: Post, ns: str) -> None:
    """Issue 13: `urn:evil`:ResolveNames is served.  Dispatch is by qualified name; any
    other namespace fails schema validation, as on Exchange."""
    body = f'<x:ResolveNames xmlns:x="{ns}"><m:UnresolvedEntry>alice</m:UnresolvedEntry></x:ResolveNames>'
    if not ns:
        body = '<ResolveNames xmlns=""><m:UnresolvedEntry>alice</m:UnresolvedEntry></ResolveNames>'
    reply = post(envelope(body))
    assert_fault(reply, "ErrorSchemaValidation")
    assert b"ResolveNamesResponse" not in reply.body and b"alice@" not in reply.body


def test_delete_item_with_a_stale_change_key_on_the_wire(post: Post) -> None:
    """Issue 13: DeleteItem with a stale ChangeKey → ErrorInvalidChangeKey (per item)."""
    item_id, change_key = _create_with_key(post)
    update = (
        '<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly"><m:ItemChanges>'
        f'<t:ItemChange><t:ItemId Id="{item_id}" ChangeKey="{change_key}"/><t:Updates><t:SetItemField>'
        '<t:FieldURI FieldURI="item:Subject"/><t:Message><t:Subject>new</t:Subject></t:Message>'
        "</t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>"
    )
    assert post(envelope(update, impersonate(ALICE))).codes() == ["NoError"]
    delete = f'<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="{item_id}" ChangeKey="{change_key}"/>'
    reply = post(envelope(delete + "</m:ItemIds></m:DeleteItem>", impersonate(ALICE)))
    assert reply.status == 200 and reply.codes() == ["ErrorInvalidChangeKey"]
    reply = post(
        envelope(delete.replace(f' ChangeKey="{change_key}"', "") + "</m:ItemIds></m:DeleteItem>", impersonate(ALICE))
    )
    assert reply.codes() == ["NoError"]


def _create_with_key(post: Post) -> tuple[str, str]:
    reply = post(
        envelope(
            '<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="inbox"/>'
            "</m:SavedItemFolderId><m:Items><t:Message><t:Subject>old</t:Subject></t:Message></m:Items></m:CreateItem>",
            impersonate(ALICE),
        )
    )
    found = reply.xml.find(".//t:ItemId", namespaces=NS)
    assert found is not None
    return found.get("Id") or "", found.get("ChangeKey") or ""


def test_public_folders_root_has_no_replica(post: Post) -> None:
    """Issue 13: ErrorNoPublicFolderReplicaAvailable for public folders (no public
    folder mailbox), where other unknown distinguished ids are ErrorFolderNotFound."""
    reply = post(envelope(GET_INBOX.replace('Id="inbox"', 'Id="publicfoldersroot"'), impersonate(ALICE)))
    assert reply.codes() == ["ErrorNoPublicFolderReplicaAvailable"]
