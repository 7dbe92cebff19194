"""Automatic replies (Get/SetUserOofSettings) and GetMailTips through exchangelib
(issue 13, "Operations still missing": Get/SetUserOofSettings; GetMailTips): settings
round-trip through ``account.oof_settings``, access is checked as for every mailbox
operation, and MailTips report the recipient's automatic reply, group member counts
and invalid recipients from the world."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from exchangelib import DELEGATE, Account, Mailbox, Message, OofSettings
from exchangelib.errors import ErrorAccessDenied, ErrorNonExistentMailbox
from exchangelib.properties import SendingAs
from exchangelib.services import GetMailTips

from mockews.store import World

from ..conftest import ALICE, BOB, CAROL, DOMAIN, PASSWORD, Connect, every_mode


def _later(days: int) -> datetime:
    # exchangelib refuses a schedule that ends before the wall clock's now
    return datetime(datetime.now(UTC).year + 2, 1, 1, tzinfo=UTC) + timedelta(days=days)


@every_mode
def test_oof_settings_round_trip(alice: Account) -> None:
    """Get/SetUserOofSettings: each state written is read back equal."""
    assert alice.oof_settings.state == OofSettings.DISABLED
    enabled = OofSettings(
        state=OofSettings.ENABLED, external_audience="Known", internal_reply="On leave", external_reply="Away <b>x</b>"
    )
    alice.oof_settings = enabled
    assert alice.oof_settings == enabled
    scheduled = OofSettings(
        state=OofSettings.SCHEDULED,
        external_audience="None",
        internal_reply="In Lisbon",
        external_reply="Back soon",
        start=_later(0),
        end=_later(10),
    )
    alice.oof_settings = scheduled
    got = alice.oof_settings
    assert got == scheduled
    assert (got.start, got.end) == (_later(0), _later(10))
    alice.oof_settings = OofSettings(state=OofSettings.DISABLED)
    assert alice.oof_settings.state == OofSettings.DISABLED


def test_oof_settings_of_other_and_unknown_mailboxes(connect: Connect) -> None:
    """Get/SetUserOofSettings: a login reads its own and full-access mailboxes only;
    an unknown mailbox is ErrorNonExistentMailbox."""
    bob_on_alice = connect(ALICE, user=BOB, password=PASSWORD, access=DELEGATE)
    with pytest.raises(ErrorAccessDenied):
        _ = bob_on_alice.oof_settings
    with pytest.raises(ErrorAccessDenied):
        bob_on_alice.oof_settings = OofSettings(state=OofSettings.DISABLED)
    bob_on_carol = connect(CAROL, user=BOB, password=PASSWORD, access=DELEGATE)  # full access
    bob_on_carol.oof_settings = OofSettings(state=OofSettings.ENABLED, internal_reply="a", external_reply="b")
    assert bob_on_carol.oof_settings.internal_reply == "a"
    with pytest.raises(ErrorNonExistentMailbox):
        _ = connect(f"nobody@{DOMAIN}", user=BOB, password=PASSWORD, access=DELEGATE).oof_settings


def _tips(account: Account, *recipients: str) -> dict[str, object]:
    service = GetMailTips(protocol=account.protocol)
    tips = service.call(
        sending_as=SendingAs(email_address=account.primary_smtp_address),
        recipients=[Mailbox(email_address=r) for r in recipients],
        mail_tips_requested="All",
    )
    return {tip.recipient_address.email_address: tip for tip in tips}


@every_mode
def test_mail_tips_from_the_world(alice: Account, connect: Connect, world: World) -> None:
    """GetMailTips: OutOfOffice from the recipient's OOF settings, member counts of a
    group (transitive, external members counted), InvalidRecipient, MaxMessageSize."""
    assert alice.mail_tips.recipient_address.email_address == ALICE
    connect(BOB).oof_settings = OofSettings(state=OofSettings.ENABLED, internal_reply="Bob is out", external_reply="x")
    guest = world.directory.add_contact("Guest", "guest@fabrikam.example")
    engineering = world.directory.group_by_mail(f"engineering@{DOMAIN}")
    assert engineering is not None
    world.directory.add_member(engineering.id, guest.id)
    tips = _tips(alice, BOB, CAROL, f"all-staff@{DOMAIN}", f"nobody@{DOMAIN}", "someone@fabrikam.example")
    bob, carol, staff = tips[BOB], tips[CAROL], tips[f"all-staff@{DOMAIN}"]
    assert bob.out_of_office.reply_body == "Bob is out"
    assert carol.out_of_office.reply_body is None
    assert (bob.mailbox_full, bob.total_member_count, bob.invalid_recipient) == (False, 1, False)
    assert (staff.total_member_count, staff.external_member_count) == (4, 1)  # Alice, Bob, Carol, the guest
    assert tips[f"nobody@{DOMAIN}"].invalid_recipient is True
    assert tips["someone@fabrikam.example"].invalid_recipient is False  # outside: not ours to judge
    assert bob.max_message_size == 10 * 1024 * 1024


@every_mode
def test_automatic_replies_on_delivery(alice: Account, connect: Connect) -> None:
    """An enabled OOF answers a sender of the tenant once, for mail addressed to the
    mailbox itself, not for mail that came through a distribution group."""
    carol = connect(CAROL)
    carol.oof_settings = OofSettings(state=OofSettings.ENABLED, internal_reply="Carol is away", external_reply="x")
    Message(account=alice, subject="Staff news", to_recipients=[f"all-staff@{DOMAIN}"]).send(save_copy=False)
    assert alice.inbox.filter(subject__startswith="Automatic reply").count() == 0
    for n in range(2):
        Message(account=alice, subject=f"Question {n}", to_recipients=[CAROL]).send(save_copy=False)
    (reply,) = alice.inbox.filter(subject__startswith="Automatic reply")
    assert (reply.subject, reply.body, reply.sender.email_address) == (
        "Automatic reply: Question 0",
        "Carol is away",
        CAROL,
    )
    assert reply.item_class == "IPM.Note.Rules.OofTemplate.Microsoft"
    assert carol.inbox.filter(subject__startswith="Question").count() == 2
