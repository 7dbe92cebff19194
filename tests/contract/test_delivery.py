"""Asynchronous delivery through exchangelib (issue 13, "Delivery: mail sent to oneself
(and to others) arrives after a configurable delay on the injected clock … default
small and non-zero, zero available for tests that need it")."""

from __future__ import annotations

from exchangelib import Account, Message

from engine.clock import ManualClock
from mockews.store import World
from mockews.store.delivery import DEFAULT_DELIVERY_DELAY_S

from ..conftest import ALICE, BOB, Connect, every_mode

pytestmark = every_mode

DELAY = 600  # far beyond the clock's one-second tick per reading


def _subjects(account: Account) -> list[str]:
    return sorted(m.subject for m in account.inbox.all().only("subject"))


def test_mail_arrives_after_the_delay(alice: Account, connect: Connect, world: World, clock: ManualClock) -> None:
    """Sent to oneself and to another mailbox: nothing in the Inboxes until the delay has
    passed on the world's clock, then the copies, received at their arrival time."""
    world.delivery_delay_s = DELAY
    bob = connect(BOB)
    sent_at = world.clock.now()
    Message(account=alice, subject="to both", body="x", to_recipients=[ALICE, BOB]).send()
    assert _subjects(alice) == [] and _subjects(bob) == []
    clock.advance(DELAY)
    assert _subjects(alice) == ["to both"] and _subjects(bob) == ["to both"]
    got = bob.inbox.get(subject="to both")
    assert (got.datetime_received - got.datetime_sent).total_seconds() >= DELAY - 1
    assert got.datetime_received.timestamp() >= sent_at.timestamp() + DELAY


def test_send_and_save_copy_keeps_the_sent_copy_at_once(alice: Account, world: World, clock: ManualClock) -> None:
    """The Sent Items copy is there at once; only the delivery waits."""
    world.delivery_delay_s = DELAY
    msg = Message(account=alice, folder=alice.sent, subject="saved", to_recipients=[ALICE])
    msg.send_and_save()
    assert [m.subject for m in alice.sent.all()] == ["saved"]
    assert _subjects(alice) == []
    clock.advance(DELAY)
    assert _subjects(alice) == ["saved"]


def test_zero_delay_delivers_at_once(alice: Account, world: World) -> None:
    """A delay of zero: the copy is in the Inbox when the send returns."""
    world.delivery_delay_s = 0
    Message(account=alice, subject="now", to_recipients=[ALICE]).send()
    assert _subjects(alice) == ["now"]


def test_the_default_delay_is_small_and_not_zero(mode: str) -> None:
    """Unless told otherwise, delivery takes a few seconds, as on Exchange."""
    assert 0 < World().delivery_delay_s == DEFAULT_DELIVERY_DELAY_S <= 10
