"""User configurations through exchangelib (issue 13, "Operations still missing":
GetUserConfiguration, with Create/Update/DeleteUserConfiguration): named per folder,
every dictionary type, XmlData and BinaryData round-trip; duplicates are ErrorItemSave
and unknown names ErrorItemNotFound, as on Exchange; saved in the world file."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from exchangelib import Account, EWSDateTime
from exchangelib.errors import ErrorAccessDenied, ErrorItemNotFound, ErrorItemSave
from exchangelib.folders import Messages
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import ALICE, BOB, DELEGATE, PASSWORD, Connect, every_mode

_words = st.text(alphabet=st.characters(categories=("L", "N", "P")), min_size=1, max_size=12)
_scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    _words,
    st.binary(min_size=1, max_size=24),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)).map(
        lambda d: EWSDateTime.from_datetime(d.replace(microsecond=0, tzinfo=UTC))
    ),
)
_keys = st.one_of(_scalars, st.tuples(_words, _words))
_dictionaries = st.dictionaries(_keys, st.one_of(_scalars, st.tuples(_words, _words, _words)), max_size=6)
_names = (f"Cfg.{n}" for n in itertools.count())


@every_mode
def test_configuration_lifecycle(alice: Account) -> None:
    folder = Messages(parent=alice.inbox, name="Settings").save()
    with pytest.raises(ErrorItemNotFound):
        folder.get_user_configuration(name="Owa.Prefs")
    folder.create_user_configuration(
        name="Owa.Prefs", dictionary={"theme": "dark", 7: True}, xml_data=b"<a>1</a>", binary_data=b"\x00\x01"
    )
    got = folder.get_user_configuration(name="Owa.Prefs")
    assert (got.dictionary, got.xml_data, got.binary_data) == ({"theme": "dark", 7: True}, b"<a>1</a>", b"\x00\x01")
    assert got.id
    with pytest.raises(ErrorItemSave):
        folder.create_user_configuration(name="Owa.Prefs")
    with pytest.raises(ErrorItemNotFound):
        alice.inbox.get_user_configuration(name="Owa.Prefs")  # another folder, another namespace
    folder.update_user_configuration(name="Owa.Prefs", xml_data=b"<b/>")
    only_xml = folder.get_user_configuration(name="Owa.Prefs", properties="XmlData")
    assert (only_xml.dictionary, only_xml.xml_data, only_xml.binary_data) == (None, b"<b/>", None)
    assert folder.get_user_configuration(name="Owa.Prefs").dictionary == {"theme": "dark", 7: True}  # kept
    folder.delete_user_configuration(name="Owa.Prefs")
    with pytest.raises(ErrorItemNotFound):
        folder.delete_user_configuration(name="Owa.Prefs")


def test_configuration_needs_access(connect: Connect) -> None:
    alice = connect(ALICE)
    alice.inbox.create_user_configuration(name="Private", dictionary={"k": "v"})
    bob = connect(ALICE, user=BOB, password=PASSWORD, access=DELEGATE)
    with pytest.raises(ErrorAccessDenied):
        bob.inbox.get_user_configuration(name="Private")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dictionary=_dictionaries, xml=st.binary(min_size=1, max_size=64), blob=st.binary(min_size=1, max_size=64))
def test_any_configuration_round_trips(alice: Account, dictionary: dict, xml: bytes, blob: bytes) -> None:
    """Any dictionary of exchangelib's types, any XmlData and BinaryData, written and
    read back equal."""
    name = next(_names)
    alice.inbox.create_user_configuration(name=name, dictionary=dictionary, xml_data=xml, binary_data=blob)
    got = alice.inbox.get_user_configuration(name=name)
    assert (got.dictionary or {}, got.xml_data, got.binary_data) == (dictionary, xml, blob)
