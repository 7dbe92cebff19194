"""Property: replaying SyncFolderHierarchy changes from any earlier state converges to
the folder tree below the synced folder — across creates, renames, moves (also out of
and into the synced subtree) and the three kinds of delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from lxml import etree

from engine.clock import ManualClock
from mockews.service import MockExchange
from mockews.store import Folder, World

NS = {
    "m": "http://schemas.microsoft.com/exchange/services/2006/messages",
    "t": "http://schemas.microsoft.com/exchange/services/2006/types",
}
OWNER = "owner@contoso.example"
Replica = dict[str, tuple[str, str]]  # folder id -> (name, parent id)


def request(root_id: str, state: str | None) -> bytes:
    state_xml = f"<m:SyncState>{state}</m:SyncState>" if state else ""
    return (
        f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="{NS["m"]}" xmlns:t="{NS["t"]}">'
        f"<s:Header><t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>{OWNER}</t:SmtpAddress>"
        "</t:ConnectingSID></t:ExchangeImpersonation></s:Header><s:Body><m:SyncFolderHierarchy>"
        "<m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
        '<t:FieldURI FieldURI="folder:DisplayName"/><t:FieldURI FieldURI="folder:ParentFolderId"/>'
        f'</t:AdditionalProperties></m:FolderShape><m:SyncFolderId><t:FolderId Id="{root_id}"/></m:SyncFolderId>'
        f"{state_xml}</m:SyncFolderHierarchy></s:Body></s:Envelope>"
    ).encode()


class HierarchyMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.world = World(seed=5, clock=ManualClock(datetime(2024, 1, 1, tzinfo=UTC), tick=timedelta(seconds=1)))
        self.mailbox = self.world.provision_mailbox(OWNER)
        self.service = MockExchange(self.world, auth="none")
        self.roots = [self.mailbox.well_known("msgfolderroot"), self.mailbox.well_known("inbox"), self.mailbox.root]
        self.states: list[list[tuple[str | None, Replica]]] = [[(None, {})] for _ in self.roots]
        self.counter = 0

    def user_folders(self) -> list[Folder]:
        return [f for f in self.mailbox.folders() if not f.distinguished]

    def parents(self) -> list[Folder]:
        return [self.mailbox.well_known("inbox"), self.mailbox.well_known("msgfolderroot"), *self.user_folders()]

    @rule(pick=st.integers(0, 10_000))
    def create(self, pick: int) -> None:
        parents = self.parents()
        self.counter += 1
        self.mailbox.create_folder(parents[pick % len(parents)], f"f{self.counter}", "IPF.Note")

    @precondition(lambda self: bool(self.user_folders()))
    @rule()
    def create_nested(self) -> None:
        """Nest under the newest folder: subtrees make moves out of (and into) the
        synced folder interesting."""
        self.counter += 1
        newest = max(self.user_folders(), key=lambda f: f.entered_seq)
        self.mailbox.create_folder(newest, f"f{self.counter}", "IPF.Note")

    @precondition(lambda self: bool(self.user_folders()))
    @rule(pick=st.integers(0, 10_000))
    def rename(self, pick: int) -> None:
        folders = self.user_folders()
        self.counter += 1
        self.mailbox.update_folder(folders[pick % len(folders)], name=f"r{self.counter}")

    @precondition(lambda self: bool(self.user_folders()))
    @rule(pick=st.integers(0, 10_000), to=st.integers(0, 10_000))
    def move(self, pick: int, to: int) -> None:
        folders = self.user_folders()
        folder = folders[pick % len(folders)]
        candidates = [p for p in self.parents() if not p.is_within(folder) and p is not folder.parent]
        if candidates:
            self.mailbox.move_folder(folder, candidates[to % len(candidates)])

    @precondition(lambda self: bool(self.user_folders()))
    @rule(pick=st.integers(0, 10_000), mode=st.sampled_from(["HardDelete", "SoftDelete", "MoveToDeletedItems"]))
    def delete(self, pick: int, mode: str) -> None:
        folders = self.user_folders()
        self.mailbox.delete_folder(folders[pick % len(folders)], mode)  # type: ignore[arg-type]

    @rule(root=st.integers(0, 2), start=st.integers(0, 10_000))
    def sync(self, root: int, start: int) -> None:
        known = self.states[root]
        state, replica = known[start % len(known)]
        replica = dict(replica)
        target = self.roots[root]
        reply = self.service.handle(request(target.id, state))
        message = etree.fromstring(reply.body).find(".//m:SyncFolderHierarchyResponseMessage", NS)
        assert message is not None and message.findtext("m:ResponseCode", namespaces=NS) == "NoError", reply.body
        for change in message.find("m:Changes", NS):  # type: ignore[union-attr]
            kind = etree.QName(change).localname
            if kind == "Delete":
                folder_id = change.find("t:FolderId", NS).get("Id")  # type: ignore[union-attr]
                assert folder_id in replica, "Delete of a folder the client never saw"
                del replica[folder_id]
                continue
            (element,) = change
            folder_id = element.find("t:FolderId", NS).get("Id")  # type: ignore[union-attr]
            assert (folder_id in replica) == (kind == "Update"), (
                f"{kind} of {'a known' if kind == 'Create' else 'an unknown'} folder"
            )
            parent = element.find("t:ParentFolderId", NS).get("Id")  # type: ignore[union-attr]
            replica[folder_id] = (element.findtext("t:DisplayName", namespaces=NS) or "", parent or "")
        actual = {f.id: (f.name, f.parent.id) for f in target.walk() if f.parent is not None}
        assert replica == actual
        known.append((message.findtext("m:SyncState", namespaces=NS), replica))


HierarchyMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestHierarchyConverges = HierarchyMachine.TestCase
