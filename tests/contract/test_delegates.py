"""Delegates through exchangelib (issue 13, "Operations still missing": GetDelegate /
AddDelegate / RemoveDelegate): ``account.delegates`` and the GetDelegate service read
what AddDelegate, UpdateDelegate and RemoveDelegate wrote — exchangelib has no services
for those three, so this file writes them the way an application would, on
exchangelib's service layer — with Exchange's per-user errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from exchangelib import Account
from exchangelib.errors import (
    ErrorAccessDenied,
    ErrorDelegateAlreadyExists,
    ErrorDelegateCannotAddOwner,
    ErrorDelegateNoUser,
    ErrorDelegateValidationFailed,
    ErrorInvalidUserSid,
    ErrorNotDelegate,
    ResponseMessageError,
)
from exchangelib.properties import DelegatePermissions, DelegateUser, DLMailbox, UserId
from exchangelib.services import GetDelegate
from exchangelib.services.common import EWSAccountService
from exchangelib.util import MNS, TNS, add_xml_child, create_element, set_xml_value

from ..conftest import ALICE, BOB, CAROL, DELEGATE, DOMAIN, PASSWORD, Connect, every_mode


class _DelegateService(EWSAccountService):
    """What AddDelegate, UpdateDelegate and RemoveDelegate share with GetDelegate."""

    ERRORS_TO_CATCH_IN_RESPONSE = (ResponseMessageError,)

    def call(self, **kwargs: Any) -> Iterator[Any]:
        return self._elems_to_objs(self._get_elements(payload=self.get_payload(**kwargs)))

    def _elem_to_obj(self, elem: Any) -> DelegateUser | bool:
        return elem if elem is True else DelegateUser.from_xml(elem=elem, account=self.account)

    @classmethod
    def _get_elements_in_container(cls, container: Any) -> list[Any]:
        return container.findall(DelegateUser.response_tag()) or [True]

    @classmethod
    def _response_message_tag(cls) -> str:
        return f"{{{MNS}}}DelegateUserResponseMessageType"

    def payload(self) -> Any:
        payload = create_element(f"m:{self.SERVICE_NAME}")
        set_xml_value(payload, DLMailbox(email_address=self.account.primary_smtp_address), version=self.account.version)
        return payload


class AddDelegate(_DelegateService):
    SERVICE_NAME = "AddDelegate"

    def get_payload(self, delegates: list[DelegateUser], deliver: str | None = None) -> Any:
        payload, users = self.payload(), create_element("m:DelegateUsers")
        for delegate in delegates:
            elem = delegate.to_xml(version=self.account.version)
            elem.tag = f"{{{TNS}}}DelegateUser"  # t: in requests (exchangelib's class writes m:)
            users.append(elem)
        payload.append(users)
        if deliver:
            add_xml_child(payload, "m:DeliverMeetingRequests", deliver)
        return payload


class UpdateDelegate(AddDelegate):
    SERVICE_NAME = "UpdateDelegate"


class RemoveDelegate(_DelegateService):
    SERVICE_NAME = "RemoveDelegate"

    def get_payload(self, addresses: list[str]) -> Any:
        payload, ids = self.payload(), create_element("m:UserIds")
        for address in addresses:
            set_xml_value(ids, UserId(primary_smtp_address=address), version=self.account.version)
        payload.append(ids)
        return payload


def _delegate(address: str, calendar: str = "Editor", copies: bool = False, **levels: str) -> DelegateUser:
    return DelegateUser(
        user_id=UserId(primary_smtp_address=address),
        delegate_permissions=DelegatePermissions(calendar_folder_permission_level=calendar, **levels),
        receive_copies_of_meeting_messages=copies,
        view_private_items=False,
    )


@every_mode
def test_delegates_are_added_read_updated_and_removed(alice: Account) -> None:
    assert alice.delegates == []
    added = list(
        AddDelegate(account=alice).call(
            delegates=[_delegate(BOB, copies=True, inbox_folder_permission_level="Reviewer"), _delegate(CAROL)],
            deliver="DelegatesAndMe",
        )
    )
    assert [d.user_id.primary_smtp_address for d in added] == [BOB, CAROL]
    bob = {d.user_id.primary_smtp_address: d for d in alice.delegates}[BOB]
    assert bob.user_id.display_name == "Bob Nguyen" and bob.user_id.sid.startswith("S-1-5-21-")
    levels = bob.delegate_permissions
    assert (levels.calendar_folder_permission_level, levels.inbox_folder_permission_level) == ("Editor", "Reviewer")
    assert (levels.tasks_folder_permission_level, bob.receive_copies_of_meeting_messages) == ("None", True)
    # by SID too, and the mailbox's meeting-request delivery
    (by_sid,) = GetDelegate(account=alice).call(user_ids=[UserId(sid=bob.user_id.sid)], include_permissions=True)
    assert by_sid.user_id.primary_smtp_address == BOB
    updated = list(UpdateDelegate(account=alice).call(delegates=[_delegate(CAROL, calendar="Reviewer")]))
    assert updated[0].delegate_permissions.calendar_folder_permission_level == "Reviewer"
    assert list(RemoveDelegate(account=alice).call(addresses=[BOB])) == [True]
    assert [d.user_id.primary_smtp_address for d in alice.delegates] == [CAROL]


@every_mode
def test_delegate_errors_per_user(alice: Account) -> None:
    list(AddDelegate(account=alice).call(delegates=[_delegate(BOB)]))
    results = list(
        AddDelegate(account=alice).call(
            delegates=[
                _delegate(BOB),  # again
                _delegate(f"ghost@{DOMAIN}"),
                _delegate(ALICE),  # the owner
                _delegate(CAROL, calendar="Reviewer", copies=True),  # copies need Editor
            ]
        )
    )
    assert [type(r) for r in results] == [
        ErrorDelegateAlreadyExists,
        ErrorDelegateNoUser,
        ErrorDelegateCannotAddOwner,
        ErrorDelegateValidationFailed,
    ]
    with pytest.raises(ErrorNotDelegate):
        list(GetDelegate(account=alice).call(user_ids=[CAROL], include_permissions=True))
    with pytest.raises(ErrorDelegateNoUser):
        list(GetDelegate(account=alice).call(user_ids=[f"ghost@{DOMAIN}"], include_permissions=True))
    with pytest.raises(ErrorInvalidUserSid):
        list(GetDelegate(account=alice).call(user_ids=[UserId(sid="XXX")], include_permissions=True))
    assert [type(r) for r in RemoveDelegate(account=alice).call(addresses=[CAROL])] == [ErrorNotDelegate]


def test_delegates_of_a_mailbox_one_may_not_open(connect: Connect) -> None:
    bob_on_alice = connect(ALICE, user=BOB, password=PASSWORD, access=DELEGATE)
    with pytest.raises(ErrorAccessDenied):
        _ = bob_on_alice.delegates
