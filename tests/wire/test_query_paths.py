"""Issue 13: "on fields Exchange cannot search, Exchange's ErrorUnsupportedPathForQuery,
not ErrorInvalidRestriction".  Walks exchangelib's field lists (its is_searchable=False
fields, which its own tests check against Exchange), so a new one is noticed."""

from __future__ import annotations

import pytest
from exchangelib.fields import IdElementField
from exchangelib.items import ITEM_CLASSES

from ..conftest import ALICE
from .conftest import Post, envelope, impersonate

#: accepted by Exchange in a restriction but never matching (exchangelib's test says so)
MATCH_NOTHING = {
    "calendar:AllowNewTimeProposal",
    "item:ReminderDueBy",
    "message:ConversationIndex",
    "task:PercentComplete",
}


def _unsearchable() -> list[str]:
    uris = {
        f.field_uri
        for cls in ITEM_CLASSES
        for f in cls.FIELDS
        if not f.is_searchable and getattr(f, "field_uri", None) and not isinstance(f, IdElementField)
    }
    return sorted(uris - MATCH_NOTHING)


def _find(restriction: str, sort: str = "") -> bytes:
    return envelope(
        '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
        f"<m:Restriction>{restriction}</m:Restriction>{sort}"
        '<m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>',
        impersonate(ALICE),
    )


@pytest.mark.parametrize("uri", _unsearchable())
def test_unsearchable_fields_are_unsupported_paths(post: Post, uri: str) -> None:
    reply = post(_find(f'<t:Exists><t:FieldURI FieldURI="{uri}"/></t:Exists>'))
    assert reply.codes() == ["ErrorUnsupportedPathForQuery"], reply.body[:600]


@pytest.mark.parametrize("uri", sorted(MATCH_NOTHING))
def test_fields_exchange_accepts_but_never_matches(post: Post, uri: str) -> None:
    reply = post(_find(f'<t:Exists><t:FieldURI FieldURI="{uri}"/></t:Exists>'))
    assert reply.codes() == ["NoError"], reply.body[:600]


def test_extended_property_restriction_on_the_wire(post: Post) -> None:
    """By tag in hex or decimal: the same MAPI property (0x1081 = 4225)."""
    create = (
        '<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="inbox"/>'
        "</m:SavedItemFolderId><m:Items><t:Message><t:Subject>tagged</t:Subject><t:ExtendedProperty>"
        '<t:ExtendedFieldURI PropertyTag="0x1081" PropertyType="Integer"/><t:Value>261</t:Value>'
        "</t:ExtendedProperty></t:Message></m:Items></m:CreateItem>"
    )
    assert post(envelope(create, impersonate(ALICE))).codes() == ["NoError"]
    for tag in ("0x1081", "4225"):
        restriction = (
            f'<t:IsEqualTo><t:ExtendedFieldURI PropertyTag="{tag}" PropertyType="Integer"/>'
            '<t:FieldURIOrConstant><t:Constant Value="261"/></t:FieldURIOrConstant></t:IsEqualTo>'
        )
        reply = post(_find(restriction))
        assert reply.codes() == ["NoError"]
        assert b'TotalItemsInView="1"' in reply.body, tag
