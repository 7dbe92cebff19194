"""Mail on its way survives save→load, and the admin plane sets the delay (issue 13,
"Delivery … after a configurable delay")."""

from __future__ import annotations

import io

from engine.clock import ManualClock
from mockews.app import create_app
from mockews.service import MockExchange
from mockews.store.delivery import deliver, deliver_due, stamp_sent
from mockews.store.persist import load_world, save_world

from ..conftest import ALICE, BOB, START, make_world


def test_pending_delivery_survives_save_and_load() -> None:
    world = make_world()
    world.delivery_delay_s = 60
    alice = world.mailbox(ALICE)
    msg = alice.new_item(alice.well_known("drafts"))
    msg.subject = "in flight"
    msg.to = (world.recipient(None, BOB),)
    stamp_sent(msg, alice)
    deliver(msg, alice)
    buffer = io.BytesIO()
    save_world(world, buffer)
    buffer.seek(0)
    clock = ManualClock(START)
    loaded = load_world(buffer, clock)
    assert loaded.delivery_delay_s == 60 and len(loaded.pending_deliveries) == 1
    inbox = loaded.mailbox(BOB).well_known("inbox")
    assert deliver_due(loaded) == 0 and not inbox.items
    clock.advance(120)
    assert deliver_due(loaded) == 1
    assert [i.subject for i in inbox.items.values()] == ["in flight"]


def test_admin_plane_sets_the_delay() -> None:
    service = MockExchange(make_world())
    client = create_app(service).test_client()
    assert client.put("/mockews-api/delivery", json={"delay_s": 30}).get_json() == {"delay_s": 30}
    assert service.world.delivery_delay_s == 30
    assert client.get("/mockews-api/state").get_json()["delivery_delay_s"] == 30
    refused = client.put("/mockews-api/delivery", json={"delay_s": -1})
    assert refused.status_code == 400 and refused.get_json()["error"]["field"] == "delay_s"
