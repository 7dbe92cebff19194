"""The contract between engine/site/exchangelib_internals.py and the installed
exchangelib (issue 11 item 8).

The site overrides a few of exchangelib's undocumented methods, subclasses its services
and sets an undocumented attribute, all in engine/site/exchangelib_internals.py (whose
docstring says what each does and why).  exchangelib may change any of that in a minor
release without notice, so this module fails loudly, naming the internal, when it does:

1. every internal the module replaces, calls or relies on is still there with the
   signature and the source (a hash of ``inspect.getsource``) it was checked against —
   a changed body fails with "exchangelib X.Y changed <name>: re-check the override in
   engine/site/exchangelib_internals.py";
2. the list is complete: every exchangelib attribute a class of the module overrides is
   in it, and no other module of engine/ reaches into exchangelib's private API;
3. the tuned client still works, end to end against the mock on both transports: the
   lean calls read what exchangelib's own models read, a 503's Retry-After and an
   unnamed back-off reach the engine as the engine expects (X2), sessions read the
   environment once.

After an upgrade of exchangelib: read the new source of each internal that failed,
re-check the override against it (and its measured reason), then update
:data:`EXPECTED` — ``python -m tests.site.test_exchangelib_contract`` prints it for the
installed release — and ``CHECKED_AGAINST`` in the module.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
from collections.abc import Iterator
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from exchangelib import IMPERSONATION, Account, Configuration, Credentials, Message
from exchangelib.errors import ErrorServerBusy
from exchangelib.folders import FolderCollection
from exchangelib.protocol import Protocol
from exchangelib.version import Build, Version

from engine.clock import ManualClock
from engine.site import ews_records, exchangelib_internals
from engine.site.ews import Ews, EwsSettings, folder_listing, sync_hierarchy_page, sync_items_page, well_known_ids
from mockews.store import World
from mockews.store.loader import new_message
from scenarios.testbed import SERVICE_ACCOUNT, SERVICE_PASSWORD, Testbed, build_testbed

from .conftest import ALICE, START

MODULE = "engine/site/exchangelib_internals.py"
ROOT = Path(__file__).resolve().parents[2]

#: qualified name → (signature, first 16 hex digits of the sha256 of its source), as
#: checked against exchangelib 5.6.0; a class has no signature here, only its source
EXPECTED: dict[str, tuple[str, str]] = {
    # 1. the retry policy: overridden (and FaultTolerance's version of it mirrored)
    "exchangelib.protocol.RetryPolicy.raise_response_errors": ("(self, response)", "16da83fd2c697442"),
    "exchangelib.protocol.FaultTolerance.raise_response_errors": ("(self, response)", "c52bbc85aacea71b"),
    "exchangelib.protocol.FailFast": ("", "8256d9386cae5419"),
    # 2. RETRY_WAIT: stamped on unnamed back-offs here
    "exchangelib.services.common.EWSService._get_elements": ("(self, payload)", "ba7670bee51f567c"),
    # 3. create_session: wrapped on the instance; the pool calls it through self
    "exchangelib.protocol.BaseProtocol.create_session": ("(self)", "a4eab04b2809e94b"),
    "exchangelib.protocol.BaseProtocol.increase_poolsize": ("(self)", "32824501f82d8fe9"),
    "exchangelib.protocol.BaseProtocol.retire_session": ("(self, session)", "bf7db25368b9fa36"),
    "exchangelib.protocol.BaseProtocol.renew_session": ("(self, session)", "52e27a5725064a20"),
    # ... and every account of one endpoint and credentials shares the tuned protocol
    "exchangelib.protocol.CachingProtocol.__call__": ("(cls, *args, **kwargs)", "1d37d6564c2d5683"),
    "exchangelib.protocol.CachingProtocol._cache_key": ("(config)", "a06ca6b8f6ccf069"),
    # 4. LeanSyncItems
    "exchangelib.services.sync_folder_items.SyncFolderItems.call": (
        "(self, folder, shape, additional_fields, sync_state, ignore, max_changes_returned, sync_scope)",
        "6059eabbbf66e372",
    ),
    "exchangelib.services.sync_folder_items.SyncFolderItems.get_payload": (
        "(self, folder, shape, additional_fields, sync_state, ignore, max_changes_returned, sync_scope)",
        "e58afffa0febbea4",
    ),
    "exchangelib.services.sync_folder_items.SyncFolderItems._elem_to_obj": ("(self, elem)", "e32c35493d9fe1ff"),
    "exchangelib.services.sync_folder_hierarchy.SyncFolder.__init__": ("(self, *args, **kwargs)", "e0261ee2fe429b6e"),
    "exchangelib.services.sync_folder_hierarchy.SyncFolder._get_element_container": (
        "(self, message, name=None)",
        "f142cc6912480bd1",
    ),
    "exchangelib.services.sync_folder_hierarchy.SyncFolder._partial_get_payload": (
        "(self, folder, shape, additional_fields, sync_state)",
        "9cd9e73c46d1a4c8",
    ),
    # 5. LeanSyncHierarchy
    "exchangelib.services.sync_folder_hierarchy.SyncFolderHierarchy.call": (
        "(self, folder, shape, additional_fields, sync_state)",
        "c18e661bb2426a15",
    ),
    "exchangelib.services.sync_folder_hierarchy.SyncFolderHierarchy._elem_to_obj": (
        "(self, elem)",
        "6fe7c52a3dd3482d",
    ),
    # 6. LeanGetFolderIds
    "exchangelib.services.get_folder.GetFolder.call": ("(self, folders, additional_fields, shape)", "a6f018ed17ef5ded"),
    "exchangelib.services.get_folder.GetFolder._elems_to_objs": ("(self, elems)", "9b60fcf46a3d611b"),
    # 7. LeanFolderListing (FindFolder.call is bypassed, its paging call reproduced)
    "exchangelib.services.find_folder.FindFolder.call": (
        "(self, folders, additional_fields, restriction, shape, depth, max_items, offset)",
        "ea8eb9008881a80b",
    ),
    "exchangelib.services.find_folder.FindFolder.get_payload": (
        "(self, folders, additional_fields, restriction, shape, depth, page_size, offset=0)",
        "f116c6d1ecc19991",
    ),
    "exchangelib.services.find_folder.FindFolder._elem_to_obj": ("(self, elem)", "92fea84da022da3e"),
    "exchangelib.services.common.EWSPagingService._paged_call": (
        "(self, payload_func, max_items, folders, **kwargs)",
        "e14cbd55e0f2fc8d",
    ),
    # 8. the base element-to-object loop
    "exchangelib.services.common.EWSService._elems_to_objs": ("(self, elems)", "c1ac6d8ba8900423"),
    # 9. the request-building helpers
    "exchangelib.services.common.shape_element": ("(tag, shape, additional_fields, version)", "e50f42f21ecb6186"),
    "exchangelib.services.common.folder_ids_element": ("(folders, version, tag='m:FolderIds')", "52ab5b168fefad6d"),
    "exchangelib.util.add_xml_child": ("(tree, name, value)", "3700ffd850d46c93"),
    "exchangelib.util.create_element": ("(name, attrs=None, nsmap=None)", "dc505a8fd29509cc"),
    "exchangelib.fields.FieldPath.__init__": ("(self, field, label=None, subfield=None)", "f53a422dd97eb214"),
    "exchangelib.properties.EWSElement.get_field_by_fieldname": ("(fieldname)", "a43671789eb85d11"),
}

#: undocumented values the module relies on: qualified name → value checked against
EXPECTED_VALUES: dict[str, Any] = {
    "exchangelib.protocol.BaseProtocol.RETRY_WAIT": 10,  # what tune_protocol sets to 0
    "exchangelib.util.TNS": ews_records.TNS,  # the answers' elements are read in it
    "exchangelib.services.sync_folder_items.SyncFolderItems.SERVICE_NAME": "SyncFolderItems",
    "exchangelib.services.sync_folder_items.SyncFolderItems.shape_tag": "m:ItemShape",
    "exchangelib.services.find_folder.FindFolder.SERVICE_NAME": "FindFolder",
}


def resolve(name: str) -> Any:
    """The object a dotted name names: the longest importable module, then attributes."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            found = getattr(found, part)
        return found
    raise ImportError(name)


def fingerprint(obj: Any) -> tuple[str, str]:
    signature = "" if inspect.isclass(obj) else str(inspect.signature(obj))
    return signature, hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:16]


def changed(name: str, what: str) -> str:
    return (
        f"exchangelib {version('exchangelib')} changed {name} ({what}): re-check the override in {MODULE} "
        f"(checked against exchangelib {exchangelib_internals.CHECKED_AGAINST}), then update EXPECTED here"
    )


# -- 1. the internals are as they were checked -------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_an_internal_keeps_its_signature_and_source(name: str) -> None:
    try:
        obj = resolve(name)
    except (ImportError, AttributeError) as exc:
        pytest.fail(changed(name, f"it is gone: {exc}"))
    signature, source = fingerprint(obj)
    expected_signature, expected_source = EXPECTED[name]
    assert signature == expected_signature, changed(name, f"signature {signature}, was {expected_signature}")
    assert source == expected_source, changed(name, "its source")


@pytest.mark.parametrize("name", sorted(EXPECTED_VALUES))
def test_an_undocumented_value_is_as_it_was(name: str) -> None:
    try:
        value = resolve(name)
    except (ImportError, AttributeError) as exc:
        pytest.fail(changed(name, f"it is gone: {exc}"))
    assert value == EXPECTED_VALUES[name], changed(name, f"now {value!r}, was {EXPECTED_VALUES[name]!r}")


# -- 2. the list is complete -----------------------------------------------------------------


def overridden() -> Iterator[tuple[str, str]]:
    """(our class.attribute, the exchangelib attribute it replaces) for every class of
    the module that subclasses one of exchangelib's."""
    for cls in vars(exchangelib_internals).values():
        if not inspect.isclass(cls) or cls.__module__ != exchangelib_internals.__name__:
            continue
        bases = [b for b in cls.__mro__[1:] if b.__module__.startswith("exchangelib")]
        for attribute in vars(cls):
            if (attribute.startswith("__") and attribute != "__init__") or attribute == "_abc_impl":
                continue  # Python's own class machinery (abc's cache included)
            owner = next((b for b in bases if attribute in vars(b)), None)
            if owner is not None:
                yield f"{cls.__name__}.{attribute}", f"{owner.__module__}.{owner.__qualname__}.{attribute}"


def test_every_override_in_the_module_is_checked() -> None:
    found = dict(overridden())
    assert "LeanSyncItems.get_payload" in found  # the walk sees the overrides at all
    unchecked = {ours: theirs for ours, theirs in found.items() if theirs not in EXPECTED}
    assert unchecked == {}, f"overrides in {MODULE} with no entry in EXPECTED"


#: what engine/ may import from exchangelib outside the module: its documented API
PUBLIC_MODULES = {
    "exchangelib",
    "exchangelib.attachments",
    "exchangelib.errors",
    "exchangelib.extended_properties",
    "exchangelib.folders",
    "exchangelib.items",
    "exchangelib.properties",
    "exchangelib.protocol",
    "exchangelib.version",
}
#: the documented extension point for subclassing (custom extended properties)
SUBCLASSABLE = {"ExtendedProperty"}


def private_uses(path: Path) -> list[str]:
    """Where a module reaches exchangelib's private API: an import of an undocumented
    module or a private name, a subclass of one of its classes, an attribute of one of
    them set or a private one read."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    from_exchangelib: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "exchangelib":
            if node.module not in PUBLIC_MODULES:
                found.append(f"line {node.lineno}: imports {node.module}")
            for alias in node.names:
                from_exchangelib.add(alias.asname or alias.name)
                if alias.name.startswith("_"):
                    found.append(f"line {node.lineno}: imports {node.module}.{alias.name}")
        elif isinstance(node, ast.Import) and any(a.name.split(".")[0] == "exchangelib" for a in node.names):
            found.append(f"line {node.lineno}: imports exchangelib as a module (use from-imports of its API)")
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                if isinstance(base, ast.Name) and base.id in from_exchangelib and base.id not in SUBCLASSABLE:
                    found.append(f"line {node.lineno}: {node.name} subclasses exchangelib's {base.id}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in from_exchangelib and (isinstance(node.ctx, ast.Store) or node.attr.startswith("_")):
                found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            base = node.value
            if isinstance(base, ast.Attribute) and base.attr in {"protocol", "account", "root"}:
                found.append(f"line {node.lineno}: .{base.attr}.{node.attr}")
    return found


def test_no_other_module_of_the_engine_reaches_into_exchangelib() -> None:
    reaching = {}
    for path in sorted((ROOT / "engine").rglob("*.py")):
        if path == ROOT / MODULE:
            continue
        uses = private_uses(path)
        if uses:
            reaching[str(path.relative_to(ROOT))] = uses
    assert reaching == {}, f"exchangelib's private API belongs in {MODULE} only"


def test_the_reach_check_sees_a_private_use(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from exchangelib.services import GetFolder\n"
        "from exchangelib.protocol import Protocol\n"
        "class Mine(GetFolder):\n    pass\n"
        "Protocol.RETRY_WAIT = 0\n"
        "x = account.protocol._session_pool\n"
    )
    assert len(private_uses(probe)) == 4
    assert private_uses(ROOT / MODULE)  # the module itself is all of that


# -- 3. the tuned client, end to end against the mock --------------------------------------------


@pytest.fixture(params=["inprocess", "http"])
def bed(request: pytest.FixtureRequest, world: World, clock: ManualClock) -> Iterator[Testbed]:
    """The site tests' testbed (mocks on the world and clock of tests/site), on both transports."""
    testbed = build_testbed(world, clock, transport=str(request.param))
    yield testbed
    testbed.close()


def endpoint(bed: Testbed) -> str:
    return f"{bed.mocks_url}/EWS/Exchange.asmx"


@pytest.fixture
def ews(bed: Testbed) -> Ews:
    return Ews(EwsSettings(endpoint(bed), SERVICE_ACCOUNT, SERVICE_PASSWORD, auth="basic", version="15.1.2507.6"))


def plain_account(bed: Testbed, address: str = ALICE) -> Account:
    """The mailbox through exchangelib's documented API (its models), to compare with."""
    config = Configuration(
        service_endpoint=endpoint(bed),
        credentials=Credentials(SERVICE_ACCOUNT, SERVICE_PASSWORD),
        auth_type="basic",
        version=Version(build=Build(15, 1, 2507, 6)),
    )
    return Account(address, config=config, access_type=IMPERSONATION, autodiscover=False)


def populate(bed: Testbed) -> None:
    box = bed.world.mailbox(ALICE)
    projects = box.create_folder(box.well_known("inbox"), "Projects")
    box.create_folder(projects, "Apollo")
    box.create_folder(box.well_known("msgfolderroot"), "Trips", "IPF.Note")
    for n in range(7):
        new_message(box, box.well_known("inbox"), subject=f"m{n}", message_id=f"<m{n}@mail.example>", sent=START)
    new_message(box, projects, subject="p", message_id="<p@mail.example>", sent=START + timedelta(hours=1))


def test_the_lean_calls_read_what_exchangelib_reads(bed: Testbed, ews: Ews) -> None:
    populate(bed)
    lean, plain = ews.account(ALICE), plain_account(bed)

    ids = well_known_ids(lean, ["inbox", "sentitems", "msgfolderroot"])
    assert ids == {"inbox": plain.inbox.id, "sentitems": plain.sent.id, "msgfolderroot": plain.msg_folder_root.id}

    folders = list(FolderCollection(account=plain, folders=[plain.msg_folder_root]).find_folders(depth="Deep"))
    expected = {(f.id, f.parent_folder_id.id, f.name, f.folder_class) for f in folders}
    listing = folder_listing(lean, "msgfolderroot")
    assert {(f.folder_id, f.parent_id, f.name, f.folder_class) for f in listing} == expected
    assert all(f.commit for f in listing)  # PidTagLocalCommitTimeMax, which the models do not read
    hierarchy = sync_hierarchy_page(lean, "msgfolderroot", None)
    assert hierarchy.last and {
        (c.kind, c.folder_id, c.parent_id, c.name, c.folder_class) for c in hierarchy.changes
    } == {("create", *entry) for entry in expected}

    properties = ("item_class", "sensitivity", "message_id", "datetime_sent", "subject", "is_read")
    changes, state, pages = [], None, 0
    while True:  # pages of three: the sync state and "last" are read as exchangelib reads them
        page = sync_items_page(lean, ids["inbox"], state, properties, page_size=3)
        changes += page.changes
        state, pages = page.sync_state, pages + 1
        if page.last:
            break
    assert pages == 3
    items = {m.id: m for m in plain.inbox.all().only("message_id", "subject", "datetime_sent", "is_read")}
    assert {c.item_id for c in changes} == set(items) and {c.kind for c in changes} == {"create"}
    for change in changes:
        item = items[change.item_id]
        assert change.props["message_id"] == item.message_id and change.props["subject"] == item.subject
        assert change.props["datetime_sent"] == item.datetime_sent.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert change.props["is_read"] == "false" and change.props["sensitivity"] == "Normal"

    first, second = sorted(items.values(), key=lambda m: m.subject)[:2]
    first.is_read = True
    first.save(update_fields=["is_read"])
    deleted = second.id
    second.delete()
    Message(account=plain, folder=plain.inbox, subject="new", message_id="<new@mail.example>").save()
    page = sync_items_page(lean, ids["inbox"], state, properties)
    kinds = {c.kind: c for c in page.changes}
    assert page.last and set(kinds) == {"read", "delete", "create"}
    assert kinds["read"].item_id == first.id and kinds["delete"].item_id == deleted
    assert kinds["create"].props["subject"] == "new"


def test_a_503s_retry_after_reaches_the_engine_as_the_back_off(bed: Testbed, ews: Ews) -> None:
    """X2: FailFast alone drops the Retry-After (FailFastKeepingRetryAfter keeps it)."""
    account = ews.account(ALICE)
    inbox = well_known_ids(account, ["inbox"])["inbox"]
    bed.exchange.admin.add_fault({"kind": "http503", "operation": "SyncFolderItems", "count": 1, "retry_after_s": 37})
    with pytest.raises(ErrorServerBusy) as caught:
        sync_items_page(account, inbox, None, ())
    assert caught.value.back_off == 37
    assert sync_items_page(account, inbox, None, ()).last  # count=1: the next call succeeds


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "ErrorServerBusy", "back_off_ms": 0},
        {"kind": "http503", "retry_after_s": 0},
        {"kind": "ErrorInternalServerTransientError"},
    ],
    ids=["busy", "503", "transient"],
)
def test_an_unnamed_back_off_is_left_to_the_engine(bed: Testbed, ews: Ews, fault: dict[str, Any]) -> None:
    """X2: exchangelib would stamp its RETRY_WAIT (10 s) on it; the engine's policy decides."""
    account = ews.account(ALICE)
    inbox = well_known_ids(account, ["inbox"])["inbox"]
    bed.exchange.admin.add_fault({**fault, "operation": "SyncFolderItems", "count": 1})
    with pytest.raises(ErrorServerBusy) as caught:
        sync_items_page(account, inbox, None, ())
    assert not caught.value.back_off


def test_sessions_read_the_environment_once(bed: Testbed, ews: Ews, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "*")
    well_known_ids(ews.account(ALICE), ["inbox"])
    protocol = Protocol(config=ews.config)
    assert plain_account(bed).protocol is protocol  # every account of the config shares the tuned one
    session = protocol.get_session()
    try:
        assert session.trust_env is False  # requests would scan the environment at every request
    finally:
        protocol.release_session(session)
    wrapped = protocol.create_session
    Ews(ews.settings)  # a site rebuilds its Ews on a new configuration: the protocol is wrapped once
    assert protocol.create_session is wrapped


if __name__ == "__main__":
    for name in sorted(EXPECTED):
        print(f'    "{name}": {fingerprint(resolve(name))!r},')
