"""Issue 13, "Restrictions and sorting on extended properties (ExtendedFieldURI, by tag,
by name, by id, property sets) … on fields Exchange cannot search, Exchange's
ErrorUnsupportedPathForQuery, not ErrorInvalidRestriction" — through exchangelib's
queryset on registered ExtendedProperty classes, as an application does it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from exchangelib import Account, EWSDateTime, ExtendedProperty, Message
from exchangelib.errors import ErrorUnsupportedPathForQuery
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import every_mode

pytestmark = every_mode


class Rank(ExtendedProperty):  # a named property in a distinguished set
    distinguished_property_set_id = "PublicStrings"
    property_name = "mockews-rank"
    property_type = "Integer"


class Pinned(ExtendedProperty):  # by tag, in the custom range
    property_tag = 0x6701
    property_type = "Boolean"


class Ticket(ExtendedProperty):  # by property set GUID and numeric id
    property_set_id = "c11ff724-aa03-4555-9952-8fa248a11c3e"
    property_id = 0x8123
    property_type = "String"


class Due(ExtendedProperty):  # a named property in a GUID set, a datetime
    property_set_id = "c11ff724-aa03-4555-9952-8fa248a11c3e"
    property_name = "due"
    property_type = "SystemTime"


class Labels(ExtendedProperty):  # an array
    distinguished_property_set_id = "PublicStrings"
    property_name = "mockews-labels"
    property_type = "StringArray"


class Score(ExtendedProperty):
    distinguished_property_set_id = "PublicStrings"
    property_name = "mockews-score"
    property_type = "Double"


PROPS = {"rank": Rank, "pinned": Pinned, "ticket": Ticket, "due": Due, "labels": Labels, "score": Score}


@pytest.fixture(autouse=True)
def registered() -> Iterator[None]:
    for name, cls in PROPS.items():
        Message.register(name, cls)
    try:
        yield
    finally:
        for name in PROPS:
            Message.deregister(name)


def _when(day: int) -> EWSDateTime:
    return EWSDateTime.from_datetime(datetime(2024, 5, day, 9, 0, tzinfo=UTC))


@pytest.fixture
def stored(alice: Account) -> Account:
    rows = [
        ("a", {"rank": 3, "pinned": True, "ticket": "INC-7", "due": _when(3), "labels": ["red", "blue"]}),
        ("b", {"rank": 1, "pinned": False, "ticket": "inc-9", "due": _when(1), "labels": ["green"]}),
        ("c", {"rank": 2, "ticket": "CHG-1", "due": _when(2)}),
        ("d", {}),
    ]
    scores = {"a": Decimal("1.5"), "b": Decimal("-2.0"), "c": Decimal("10.25")}
    for subject, values in rows:
        if subject in scores:
            values["score"] = scores[subject]
    alice.bulk_create(folder=alice.inbox, items=[Message(account=alice, subject=s, **v) for s, v in rows])
    return alice


def subjects(query: object) -> list[str]:
    return sorted(m.subject for m in query)  # type: ignore[attr-defined]


def test_restrictions_by_name_in_a_distinguished_set(stored: Account) -> None:
    inbox = stored.inbox
    assert subjects(inbox.filter(rank=2)) == ["c"]
    assert subjects(inbox.filter(rank__gt=1)) == ["a", "c"]
    assert subjects(inbox.filter(rank__lte=2)) == ["b", "c"]
    assert subjects(inbox.filter(rank__exists=True)) == ["a", "b", "c"]
    assert subjects(inbox.filter(rank__exists=False)) == ["d"]
    assert subjects(inbox.filter(score__lt=Decimal(0))) == ["b"]
    assert subjects(inbox.filter(score__gte=Decimal("1.5"))) == ["a", "c"]


def test_restrictions_by_tag(stored: Account) -> None:
    assert subjects(stored.inbox.filter(pinned=True)) == ["a"]
    assert subjects(stored.inbox.filter(pinned=False)) == ["b"]


def test_restrictions_by_id_in_a_property_set(stored: Account) -> None:
    inbox = stored.inbox
    assert subjects(inbox.filter(ticket="inc-7")) == ["a"]  # case-insensitive, as Exchange
    assert subjects(inbox.filter(ticket__istartswith="inc")) == ["a", "b"]
    assert subjects(inbox.filter(ticket__contains="HG")) == ["c"]
    assert subjects(inbox.filter(due__gte=_when(2))) == ["a", "c"]
    assert subjects(inbox.filter(due__range=(_when(1), _when(2)))) == ["b", "c"]


def test_restrictions_on_an_array_property(stored: Account) -> None:
    assert subjects(stored.inbox.filter(labels__contains="blue")) == ["a"]
    assert subjects(stored.inbox.filter(labels__in=["green", "red"])) == ["a", "b"]


def test_sorting_on_extended_properties(stored: Account) -> None:
    inbox = stored.inbox
    assert [m.subject for m in inbox.filter(rank__exists=True).order_by("rank")] == ["b", "c", "a"]
    assert [m.subject for m in inbox.filter(rank__exists=True).order_by("-rank")] == ["a", "c", "b"]
    assert [m.subject for m in inbox.filter(due__exists=True).order_by("-due")] == ["a", "c", "b"]
    assert [m.subject for m in inbox.filter(score__exists=True).order_by("score")] == ["b", "a", "c"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ranks=st.lists(st.integers(-(2**31), 2**31 - 1), min_size=1, max_size=6), pivot=st.integers(-5, 5))
def test_integer_restriction_and_order_agree_with_python(alice: Account, ranks: list[int], pivot: int) -> None:
    """Any Integer values: the filter and the sort equal Python's on the same values."""
    alice.inbox.all().delete()
    alice.bulk_create(
        folder=alice.inbox, items=[Message(account=alice, subject=str(n), rank=r) for n, r in enumerate(ranks)]
    )
    got = [int(m.subject) for m in alice.inbox.filter(rank__gt=pivot).order_by("rank", "subject")]
    expected = sorted((n for n, r in enumerate(ranks) if r > pivot), key=lambda n: (ranks[n], str(n)))
    assert got == expected


@pytest.mark.parametrize("field", ["to_recipients", "cc_recipients", "reply_to", "culture"])
def test_a_field_exchange_cannot_search_is_unsupported_path(alice: Account, field: str) -> None:
    """exchangelib refuses these client-side; forced through (as exchangelib's own test
    does against Exchange), the server answers ErrorUnsupportedPathForQuery."""
    f = Message.get_field_by_fieldname(field)
    value = ["x@contoso.example"] if f.is_list else "en-US"
    f.is_searchable = True
    try:
        with pytest.raises(ErrorUnsupportedPathForQuery):
            list(alice.inbox.filter(**({f"{field}__in": value} if f.is_list else {field: value})))
    finally:
        f.is_searchable = False
