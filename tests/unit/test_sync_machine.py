"""Property: replaying SyncFolderItems changes from any earlier state converges to the
folder's real content (style §9).

A Hypothesis state machine mutates a mailbox (create, update, read flag, move between
folders, the three deletes) and interleaves syncs of both folders at random page sizes,
each resumed from a randomly chosen earlier state.  Syncs go through the real SOAP
operation (parse → store → render) and the response is read with lxml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from lxml import etree

from engine.clock import ManualClock
from mockews.service import MockExchange
from mockews.store import Folder, Item, World
from mockews.store.journal import Log
from mockews.store.loader import new_message

NS = {
    "m": "http://schemas.microsoft.com/exchange/services/2006/messages",
    "t": "http://schemas.microsoft.com/exchange/services/2006/types",
}
OWNER = "owner@contoso.example"


@dataclass
class Replica:
    """What a client knows: item id → (subject, is_read)."""

    items: dict[str, tuple[str, bool]] = field(default_factory=dict)

    def copy(self) -> Replica:
        return Replica(dict(self.items))


def sync_request(folder_id: str, state: str | None, page: int) -> bytes:
    state_xml = f"<m:SyncState>{state}</m:SyncState>" if state else ""
    return (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:m="{NS["m"]}" xmlns:t="{NS["t"]}"><s:Header>'
        f"<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>{OWNER}</t:PrimarySmtpAddress>"
        "</t:ConnectingSID></t:ExchangeImpersonation></s:Header><s:Body><m:SyncFolderItems>"
        "<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
        '<t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="message:IsRead"/>'
        "</t:AdditionalProperties></m:ItemShape>"
        f'<m:SyncFolderId><t:FolderId Id="{folder_id}"/></m:SyncFolderId>{state_xml}'
        f"<m:MaxChangesReturned>{page}</m:MaxChangesReturned></m:SyncFolderItems></s:Body></s:Envelope>"
    ).encode()


class SyncMachine(RuleBasedStateMachine):
    @initialize(compact_at=st.sampled_from([2, 5, Log.COMPACT_MIN]))
    def setup(self, compact_at: int) -> None:
        # Small thresholds make the logs compact often, so the property covers it too.
        self.saved_compact_min = Log.COMPACT_MIN
        Log.COMPACT_MIN = compact_at
        clock = ManualClock(datetime(2024, 1, 1, tzinfo=UTC), tick=timedelta(seconds=1))
        self.world = World(seed=11, clock=clock)
        self.mailbox = self.world.provision_mailbox(OWNER)
        inbox = self.mailbox.well_known("inbox")
        self.folders: list[Folder] = [inbox, self.mailbox.create_folder(inbox, "Other", "IPF.Note")]
        self.service = MockExchange(self.world, auth="none")
        # per folder: every state handed out so far with the replica it stands for
        self.states: list[list[tuple[str | None, Replica]]] = [[(None, Replica())] for _ in self.folders]
        self.counter = 0

    def items(self) -> list[Item]:
        return [item for folder in self.folders for item in folder.items.values()]

    @rule(folder=st.integers(0, 1), count=st.integers(1, 4), read=st.booleans())
    def create(self, folder: int, count: int, read: bool) -> None:
        for _ in range(count):
            self.counter += 1
            new_message(self.mailbox, self.folders[folder], subject=f"s{self.counter}", is_read=read)

    @precondition(lambda self: bool(self.items()))
    @rule(pick=st.integers(0, 10_000))
    def update_subject(self, pick: int) -> None:
        items = self.items()
        item = items[pick % len(items)]
        self.counter += 1
        self.mailbox.update_item(item, {"subject": f"s{self.counter}"})

    @precondition(lambda self: bool(self.items()))
    @rule(pick=st.integers(0, 10_000), read=st.booleans())
    def set_read_flag(self, pick: int, read: bool) -> None:
        items = self.items()
        self.mailbox.update_item(items[pick % len(items)], {"is_read": read})

    @precondition(lambda self: bool(self.items()))
    @rule(pick=st.integers(0, 10_000))
    def move(self, pick: int) -> None:
        items = self.items()
        item = items[pick % len(items)]
        target = self.folders[1] if item.folder is self.folders[0] else self.folders[0]
        self.mailbox.move_item(item, target)

    @precondition(lambda self: bool(self.items()))
    @rule(pick=st.integers(0, 10_000), mode=st.sampled_from(["HardDelete", "SoftDelete", "MoveToDeletedItems"]))
    def delete(self, pick: int, mode: str) -> None:
        items = self.items()
        self.mailbox.delete_item(items[pick % len(items)], mode)  # type: ignore[arg-type]

    @rule(folder=st.integers(0, 1), page=st.sampled_from([1, 2, 3, 5, 17, 512]), start=st.integers(0, 10_000))
    def sync(self, folder: int, page: int, start: int) -> None:
        known = self.states[folder]
        state, replica = known[start % len(known)]
        replica = replica.copy()
        target = self.folders[folder]
        for _ in range(10_000):
            reply = self.service.handle(sync_request(target.id, state, page))
            assert reply.status == 200, reply.body
            message = etree.fromstring(reply.body).find(".//m:SyncFolderItemsResponseMessage", NS)
            assert message is not None and message.findtext("m:ResponseCode", namespaces=NS) == "NoError"
            changes = message.find("m:Changes", NS)
            assert changes is not None and len(changes) <= page
            for change in changes:
                self.apply(replica, change)
            state = message.findtext("m:SyncState", namespaces=NS)
            if message.findtext("m:IncludesLastItemInRange", namespaces=NS) == "true":
                break
        else:
            raise AssertionError("sync never reached the last item")
        actual = {i.id: (i.subject or "", i.is_read) for i in target.items.values()}
        assert replica.items == actual
        known.append((state, replica))

    def teardown(self) -> None:
        if hasattr(self, "saved_compact_min"):
            Log.COMPACT_MIN = self.saved_compact_min

    @staticmethod
    def apply(replica: Replica, change: etree._Element) -> None:
        kind = etree.QName(change).localname
        if kind == "Delete":
            item_id = change.find("t:ItemId", NS).get("Id")  # type: ignore[union-attr]
            assert item_id in replica.items, "Delete of an item the client never saw"
            del replica.items[item_id]
            return
        if kind == "ReadFlagChange":
            item_id = change.find("t:ItemId", NS).get("Id")  # type: ignore[union-attr]
            assert item_id in replica.items, "ReadFlagChange of an unknown item"
            subject, _ = replica.items[item_id]
            replica.items[item_id] = (subject, change.findtext("t:IsRead", namespaces=NS) == "true")
            return
        (element,) = change
        item_id = element.find("t:ItemId", NS).get("Id")  # type: ignore[union-attr]
        if kind == "Create":
            assert item_id not in replica.items, "Create of an item the client already has"
        else:
            assert kind == "Update" and item_id in replica.items, "Update of an unknown item"
        replica.items[item_id] = (
            element.findtext("t:Subject", namespaces=NS) or "",
            element.findtext("t:IsRead", namespaces=NS) == "true",
        )

    @invariant()
    def ids_are_unique_and_indexed(self) -> None:
        if not hasattr(self, "folders"):
            return
        ids = [i.id for i in self.items()]
        assert len(ids) == len(set(ids))
        assert all(self.mailbox.objects[i] is not None for i in ids)


SyncMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestSyncConverges = SyncMachine.TestCase
