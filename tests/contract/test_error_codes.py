"""Issue 13, "Error codes": DeleteItem with a stale ChangeKey is ErrorInvalidChangeKey,
and an operation the mock does not serve gets one clear fault — not exchangelib's walk
through every older API version (which ErrorInvalidRequest would start, see
mockews/errors.py)."""

from __future__ import annotations

from typing import Any

import pytest
from exchangelib import Account, Message
from exchangelib.errors import ErrorInvalidChangeKey, ErrorInvalidOperation
from exchangelib.services.common import EWSAccountService
from exchangelib.util import create_element

from mockews.service import MockExchange

from ..conftest import every_mode

pytestmark = every_mode


def _saved(alice: Account, subject: str = "stale") -> Message:
    message = Message(account=alice, folder=alice.inbox, subject=subject)
    message.save()
    return message


def test_delete_with_a_stale_change_key_is_refused(alice: Account) -> None:
    """DeleteItem with a stale ChangeKey → ErrorInvalidChangeKey; the item stays."""
    message = _saved(alice)
    stale = alice.inbox.get(id=message.id)
    message.subject = "changed since"
    message.save(update_fields=["subject"])
    assert stale.changekey != message.changekey
    with pytest.raises(ErrorInvalidChangeKey):
        stale.delete()
    assert alice.inbox.get(id=message.id).subject == "changed since"


def test_bulk_delete_answers_each_stale_change_key(alice: Account) -> None:
    """In a batch, the stale ChangeKey is answered ErrorInvalidChangeKey in its place and
    the current one (or one without a ChangeKey) is deleted."""
    stale, current, bare = _saved(alice, "a"), _saved(alice, "b"), _saved(alice, "c")
    old_key = stale.changekey
    stale.is_read = True
    stale.save(update_fields=["is_read"])  # a read-flag change is a change too
    results = alice.bulk_delete([(stale.id, old_key), (current.id, current.changekey), (bare.id, None)])
    assert [type(r) for r in results] == [ErrorInvalidChangeKey, bool, bool]
    assert [m.subject for m in alice.inbox.all()] == ["a"]


def test_delete_with_the_current_change_key_goes(alice: Account) -> None:
    message = _saved(alice)
    fresh = alice.inbox.get(id=message.id)
    fresh.delete()
    assert alice.inbox.all().count() == 0


class GetFrobnicator(EWSAccountService):  # type: ignore[misc]
    """An operation no Exchange serves, sent as exchangelib sends any operation."""

    SERVICE_NAME = "GetFrobnicator"

    def call(self) -> Any:
        return self._get_elements(payload=create_element(f"m:{self.SERVICE_NAME}"))


def test_an_operation_not_served_is_one_clear_fault(alice: Account, service: MockExchange) -> None:
    """Unknown operation: exchangelib raises at once, after exactly one request — a
    version-negotiation code (ErrorInvalidRequest among them) would make it resend the
    request with each older API version and end in ErrorInvalidServerVersion."""
    with pytest.raises(ErrorInvalidOperation, match="GetFrobnicator"):
        list(GetFrobnicator(account=alice).call())
    assert service.calls.count("GetFrobnicator") == 1
