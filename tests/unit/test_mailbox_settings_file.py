"""Mailbox settings (OOF, delegates, Inbox rules, user configurations — issue 13's
"Operations still missing") survive a world file: any settings saved are loaded equal,
and a mailbox that never had settings gets none."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.clock import ManualClock
from mockews.store import World
from mockews.store.persist import load_world, save_world
from mockews.store.settings import (
    DELEGATE_FOLDERS,
    DELIVER_MEETING_REQUESTS,
    EXTERNAL_AUDIENCES,
    OOF_STATES,
    PERMISSION_LEVELS,
    Delegate,
    InboxRule,
    MailboxSettings,
    OofSettings,
    UserConfiguration,
)

_text = st.text(max_size=12)
_epoch = st.none() | st.integers(min_value=0, max_value=2**33)
_oof = st.builds(
    OofSettings,
    st.sampled_from(OOF_STATES),
    st.sampled_from(EXTERNAL_AUDIENCES),
    _epoch,
    _epoch,
    _text,
    _text,
    st.lists(_text, max_size=3),
)
_delegates = st.builds(
    Delegate,
    st.emails(),
    st.fixed_dictionaries({f: st.sampled_from(PERMISSION_LEVELS) for f in DELEGATE_FOLDERS}),
    st.booleans(),
    st.booleans(),
)
_nodes = st.recursive(
    st.tuples(_text, st.dictionaries(_text, _text, max_size=2), _text, st.just([])).map(list),
    lambda kids: st.tuples(_text, st.just({}), st.none(), st.lists(kids, max_size=3)).map(list),
    max_leaves=6,
)
_rules = st.builds(
    InboxRule,
    _text,
    _text,
    st.integers(1, 50),
    st.booleans(),
    st.none() | st.lists(_nodes, max_size=3),
    st.none() | st.lists(_nodes, max_size=3),
    st.lists(_nodes, max_size=3),
)
_typed = st.tuples(st.sampled_from(["String", "Boolean", "StringArray"]), st.lists(_text, max_size=3).map(tuple))
_configurations = st.builds(
    UserConfiguration,
    _text,
    _text,
    _text,
    st.integers(1, 10**6),
    st.none() | st.lists(st.tuples(_typed, _typed), max_size=3),
    st.none() | st.binary(max_size=16),
    st.none() | st.binary(max_size=16),
)
_settings = st.builds(
    MailboxSettings,
    _oof,
    st.lists(_delegates, max_size=3),
    st.sampled_from(DELIVER_MEETING_REQUESTS),
    st.lists(_rules, max_size=3),
    st.lists(_configurations, max_size=3).map(lambda cs: {(c.folder_id, c.name.lower()): c for c in cs}),
)


def _world() -> World:
    world = World(seed=5, clock=ManualClock(datetime(2024, 5, 1, tzinfo=UTC)))
    world.provision_mailbox("alice@contoso.example")
    world.provision_mailbox("bob@contoso.example")
    return world


@settings(max_examples=20, deadline=None)
@given(saved=_settings)
def test_any_mailbox_settings_survive_save_and_load(saved: MailboxSettings) -> None:
    world = _world()
    world.mailbox("alice@contoso.example").settings = saved
    buffer = io.BytesIO()
    save_world(world, buffer)
    buffer.seek(0)
    loaded = load_world(buffer)
    assert loaded.mailbox("alice@contoso.example").settings == saved
    assert loaded.mailbox("bob@contoso.example").settings is None
