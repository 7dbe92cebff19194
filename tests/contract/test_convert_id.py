"""ConvertId between all id formats through exchangelib (issue 13, "ConvertId between
all id formats")."""

from __future__ import annotations

import base64

import pytest
from exchangelib import Account, Message
from exchangelib.errors import ErrorInvalidIdMalformed
from exchangelib.properties import ID_FORMATS, AlternateId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import ALICE, every_mode

ONE_MODE = pytest.mark.parametrize("mode", ["basic-impersonation"], indirect=True)


def convert(account: Account, value: str, source: str, destination: str) -> str:
    source_id = AlternateId(id=value, format=source, mailbox=ALICE)
    [answer] = list(account.protocol.convert_ids([source_id], destination_format=destination))
    assert isinstance(answer, AlternateId), answer
    assert answer.format == destination and answer.mailbox == ALICE
    return str(answer.id)


def _ids(alice: Account) -> list[str]:
    item = Message(account=alice, folder=alice.drafts, subject="convert me").save()
    return [str(item.id), str(alice.inbox.id), str(alice.root.id)]


@every_mode
def test_every_format_is_its_own_spelling(alice: Account) -> None:
    """ConvertId between all id formats: six distinct spellings of one item, the binary
    ones a MAPI entry id (four zero flag bytes, a 16-byte provider UID)."""
    item_id = _ids(alice)[0]
    spelled = {fmt: convert(alice, item_id, "EwsId", fmt) for fmt in ID_FORMATS}
    assert spelled["EwsId"] == item_id
    assert len(set(spelled.values())) == len(ID_FORMATS)
    entry = base64.b64decode(spelled["EntryId"])
    assert entry[:4] == b"\x00\x00\x00\x00" and len(entry) > 22
    assert bytes.fromhex(spelled["HexEntryId"]) == entry and spelled["HexEntryId"].isupper()
    assert ALICE.encode() in base64.b64decode(spelled["EwsLegacyId"])  # the legacy id carries the mailbox


@ONE_MODE
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=st.data())
def test_any_id_through_any_pair_of_formats_comes_back(alice: Account, data: st.DataObject) -> None:
    """ConvertId between all id formats: EwsId → A → B → EwsId is the identity for items
    and folders."""
    ids = getattr(alice, "_convert_ids", None) or _ids(alice)
    alice._convert_ids = ids  # type: ignore[attr-defined]  # made once per test, not per example
    original = data.draw(st.sampled_from(ids))
    first, second = data.draw(st.sampled_from(ID_FORMATS)), data.draw(st.sampled_from(ID_FORMATS))
    spelled = convert(alice, original, "EwsId", first)
    again = convert(alice, spelled, first, second)
    assert convert(alice, again, second, "EwsId") == original


@every_mode
@pytest.mark.parametrize("fmt", ["EntryId", "HexEntryId", "StoreId", "OwaId", "EwsLegacyId"])
def test_an_id_in_the_wrong_format_is_malformed(alice: Account, fmt: str) -> None:
    """ConvertId between all id formats: an EwsId passed as another format is refused
    as Exchange refuses it."""
    item_id = _ids(alice)[0]
    [answer] = list(alice.protocol.convert_ids([AlternateId(id=item_id, format=fmt, mailbox=ALICE)], "EwsId"))
    assert isinstance(answer, ErrorInvalidIdMalformed)
