"""Inbox rules through exchangelib (issue 13, "Operations still missing":
GetInboxRules / UpdateInboxRules): ``Rule(...).save()`` creates and changes,
``.delete()`` deletes (also of a disabled rule, which exchangelib first enables),
``account.rules`` lists them in priority order, every condition and action written is
read back, and invalid rules get Exchange's ErrorInboxRulesValidationError text."""

from __future__ import annotations

import pytest
from exchangelib import Account, Message
from exchangelib.errors import ErrorInboxRulesValidationError
from exchangelib.folders import Messages
from exchangelib.properties import Actions, Address, Conditions, CopyToFolder, Exceptions, FolderId, MoveToFolder, Rule

from mockews.store import World

from ..conftest import ALICE, BOB, Connect, every_mode

pytestmark = every_mode


def test_rules_are_created_changed_and_deleted(alice: Account) -> None:
    assert alice.rules == []
    first = Rule(
        account=alice,
        display_name="Newsletters",
        priority=1,
        is_enabled=True,
        conditions=Conditions(contains_subject_strings=["newsletter", "digest"], has_attachments=False),
        exceptions=Exceptions(contains_sender_strings=["boss"]),
        actions=Actions(move_to_folder=MoveToFolder(distinguished_folder_id=alice.trash.to_id()), mark_as_read=True),
    ).save()
    second = Rule(account=alice, display_name="Stop", priority=10**6, actions=Actions(stop_processing_rules=True))
    second.save()
    assert first.id and second.id and first.id != second.id
    rules = alice.rules
    assert [(r.display_name, r.priority) for r in rules] == [("Newsletters", 1), ("Stop", 2)]
    got = rules[0]
    assert got.conditions.contains_subject_strings == ["newsletter", "digest"]
    assert got.conditions.has_attachments is False
    assert got.exceptions.contains_sender_strings == ["boss"]
    assert got.actions.mark_as_read is True
    assert got.actions.move_to_folder.folder_id.id == alice.trash.id  # resolved, as Exchange answers

    first.display_name, first.priority, first.is_enabled = "Renamed", 5, False
    first.save()
    assert [(r.display_name, r.priority, r.is_enabled) for r in alice.rules] == [
        ("Stop", 1, True),
        ("Renamed", 2, False),
    ]
    first.delete()  # disabled: exchangelib enables it, then deletes
    second.delete()
    assert alice.rules == []


def test_every_action_exchange_accepts_round_trips(alice: Account) -> None:
    actions = {
        "assign_categories": ["foo", "bar"],
        "copy_to_folder": CopyToFolder(folder_id=alice.inbox.to_id()),
        "delete": True,
        "forward_as_attachment_to_recipients": [Address(email_address="x@fabrikam.example")],
        "mark_importance": "High",
        "redirect_to_recipients": [Address(email_address="y@fabrikam.example")],
        "permanent_delete": True,
    }
    for n, (name, value) in enumerate(actions.items()):
        Rule(account=alice, display_name=f"r{n}", priority=n + 1, actions=Actions(**{name: value})).save()
    by_name = {r.display_name: r.actions for r in alice.rules}
    assert by_name["r0"].assign_categories == ["foo", "bar"]
    assert by_name["r1"].copy_to_folder.folder_id.id == alice.inbox.id
    assert by_name["r2"].delete is True
    assert by_name["r3"].forward_as_attachment_to_recipients[0].email_address == "x@fabrikam.example"
    assert by_name["r4"].mark_importance == "High"
    assert by_name["r6"].permanent_delete is True


def test_invalid_rules_answer_exchange_validation_errors(alice: Account, world: World) -> None:
    with pytest.raises(ErrorInboxRulesValidationError) as refused:
        Rule(
            account=alice,
            display_name="sms",
            priority=1,
            actions=Actions(send_sms_alert_to_recipients=[Address(email_address="z@fabrikam.example")]),
        ).save()
    assert refused.value.args[0] == (
        "A validation error occurred while executing the rule operation. (UnsupportedRule on field "
        "Action:SendSMSAlertToRecipients: The operation on this unsupported rule is not allowed.)"
    )
    gone = Rule(account=alice, display_name="gone", priority=1, actions=Actions(delete=True)).save()
    world.mailbox(ALICE).settings.rules.clear()  # deleted elsewhere (another client)
    with pytest.raises(ErrorInboxRulesValidationError, match="RuleNotFound on field RuleId"):
        gone.save()
    with pytest.raises(ErrorInboxRulesValidationError, match="FolderDoesNotExist"):
        Rule(
            account=alice,
            display_name="nowhere",
            priority=1,
            actions=Actions(move_to_folder=MoveToFolder(folder_id=FolderId(id=alice.inbox.id[:-3] + "zzz"))),
        ).save()
    assert alice.rules == []


def test_rules_act_on_delivered_mail(alice: Account, connect: Connect) -> None:
    """Inbox rules are applied on delivery: a subject condition moves, marks read and
    categorises; an exception and a disabled rule leave mail alone; StopProcessingRules
    stops; a permanent delete keeps nothing."""
    invoices = Messages(parent=alice.inbox, name="Invoices").save()
    Rule(
        account=alice,
        display_name="Invoices",
        priority=1,
        conditions=Conditions(contains_subject_strings=["invoice"]),
        exceptions=Exceptions(contains_body_strings=["personal"]),
        actions=Actions(
            move_to_folder=MoveToFolder(folder_id=FolderId(id=invoices.id)),
            mark_as_read=True,
            assign_categories=["Finance"],
            stop_processing_rules=True,
        ),
    ).save()
    Rule(account=alice, display_name="Spam", priority=2, conditions=Conditions(contains_subject_strings=["win big"]),
         actions=Actions(permanent_delete=True)).save()  # fmt: skip
    Rule(account=alice, display_name="Off", priority=3, is_enabled=False, actions=Actions(delete=True)).save()
    bob = connect(BOB)
    for subject, body in [("INVOICE 42", "due"), ("Invoice 43", "personal note"), ("Win big now", "x"), ("Hi", "y")]:
        Message(account=bob, subject=subject, body=body, to_recipients=[ALICE]).send(save_copy=False)
    filed = list(invoices.all())
    assert [(m.subject, m.is_read, m.categories) for m in filed] == [("INVOICE 42", True, ["Finance"])]
    assert sorted(m.subject for m in alice.inbox.all()) == ["Hi", "Invoice 43"]
