"""EWS access for the site: exchangelib, unmodified, with the site's service account.

* Accounts use impersonation (or delegate access) as the site's configuration says.
* exchangelib runs with its fail-fast retry policy; the engine does the back-off on
  its injected clock (X2): :func:`retrying` yields a ``Sleep`` of at least the
  server's ``BackOffMilliseconds`` — or, after an HTTP 503, its ``Retry-After`` —
  and otherwise grows the wait exponentially with jitter from a seeded RNG, capped;
  it gives up after a bounded number of attempts with :class:`EwsUnavailable`.
* The hot paths use lean subclasses of exchangelib's own services: the request goes
  through exchangelib's serializer, protocol, session pool and response parser, but
  each change is read into a small tuple of the properties the task asked for instead
  of a full model object (ews-notes.md: model building is most of the client's cost).
  Each task requests only the properties it needs.

Works over any requests adapter: the in-process transport, loopback HTTP, or a real
Exchange server.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from exchangelib import BASIC, DELEGATE, IMPERSONATION, NTLM, Account, Configuration, Credentials, FailFast
from exchangelib.errors import (
    ErrorConnectionFailedTransientError,
    ErrorInternalServerError,
    ErrorInternalServerTransientError,
    ErrorMailboxStoreUnavailable,
    ErrorServerBusy,
    ErrorTimeoutExpired,
    MalformedResponseError,
    RateLimitError,
    TransportError,
)
from exchangelib.fields import FieldPath
from exchangelib.folders import Folder
from exchangelib.items import Message
from exchangelib.properties import DistinguishedFolderId, FolderId, Mailbox
from exchangelib.protocol import Protocol
from exchangelib.services import FindFolder, GetFolder, SyncFolderHierarchy, SyncFolderItems
from exchangelib.services.common import add_xml_child, folder_ids_element, shape_element
from exchangelib.util import MNS, TNS, create_element
from exchangelib.version import Build, Version

from .backoff import RetryPolicy, attempts
from .events import Cost, Event
from .links import environment_read_once, retry_after

T = TypeVar("T")

TRANSIENT = (
    ErrorServerBusy,
    ErrorInternalServerTransientError,
    ErrorInternalServerError,
    ErrorMailboxStoreUnavailable,
    ErrorConnectionFailedTransientError,
    ErrorTimeoutExpired,
    MalformedResponseError,
    RateLimitError,
    requests.RequestException,
)


def is_transient(exc: BaseException) -> bool:
    """Worth another attempt after a back-off (X2).  exchangelib derives every EWS
    response error from TransportError, so only the bare class counts as transport
    trouble."""
    return isinstance(exc, TRANSIENT) or type(exc) is TransportError


class EwsUnavailable(Exception):
    """EWS kept failing for one mailbox after the bounded retries (X2): the mailbox is
    Error for this execution and its sync state stays as it was."""


class FailFastKeepingRetryAfter(FailFast):
    """exchangelib's fail-fast policy (the engine backs off on its own clock), keeping
    what a 503 says about when to come back, as exchangelib's FaultTolerance does:
    FailFast drops the Retry-After header."""

    def raise_response_errors(self, response: requests.Response) -> Any:
        try:
            return super().raise_response_errors(response)
        except (ErrorInternalServerTransientError, ErrorServerBusy) as exc:
            asked = retry_after(response)
            if asked:
                raise ErrorServerBusy(exc.args[0], back_off=asked) from exc
            raise


def retrying(
    call: Callable[[], T], what: str, policy: RetryPolicy, cost: Callable[[T], Cost] | None = None
) -> Generator[Event, None, T]:
    """Run ``call`` (which must do all its EWS I/O before returning), backing off on
    the runtime's clock between attempts (X2)."""
    return attempts(
        call,
        policy,
        transient=is_transient,
        give_up=lambda exc: EwsUnavailable(f"{what}: {type(exc).__name__} after {policy.attempts} attempts"),
        failed=Cost(ews_calls=1),
        done=cost or (lambda _: Cost(ews_calls=1)),
        reason="EWS back-off",
    )


@dataclass(frozen=True)
class EwsSettings:
    endpoint: str
    service_account: str
    password: str
    impersonation: bool = True
    auth: str | None = None  # "basic" | "ntlm" | None (ask the server)
    version: str | None = None  # e.g. "15.1.2507.6"; None probes the server once


class Ews:
    """One site's EWS configuration; hands out accounts per mailbox."""

    def __init__(self, settings: EwsSettings) -> None:
        self.settings = settings
        version = None
        if settings.version:
            parts = [int(p) for p in settings.version.split(".")]
            version = Version(build=Build(*parts))
        auth = {"basic": BASIC, "ntlm": NTLM, None: None}[settings.auth]
        self.config = Configuration(
            service_endpoint=settings.endpoint,
            credentials=Credentials(settings.service_account, settings.password),
            auth_type=auth,
            version=version,
            retry_policy=FailFastKeepingRetryAfter(),
        )

        self._accounts: dict[str, Account] = {}
        protocol = Protocol(config=self.config)
        # exchangelib stamps a back-off of RETRY_WAIT (10 s) on busy and transient errors
        # the server named none for; 0 leaves them unnamed, so the engine's policy
        # (exponential with jitter, X2) decides instead of a constant
        protocol.RETRY_WAIT = 0
        _sessions_read_environment_once(protocol, settings.endpoint)

    def account(self, mailbox: str) -> Account:
        """The mailbox's exchangelib Account, made once: making one looks up the local
        time zone, a noticeable cost when a site passes over a thousand mailboxes an hour."""
        account = self._accounts.get(mailbox)
        if account is None:
            access = IMPERSONATION if self.settings.impersonation else DELEGATE
            account = Account(mailbox, config=self.config, access_type=access, autodiscover=False)
            self._accounts[mailbox] = account
        return account


def _sessions_read_environment_once(protocol: Protocol, endpoint: str) -> None:
    """Make the sessions exchangelib opens for ``protocol`` read the environment's proxy
    settings once (engine.site.links.environment_read_once): per request, requests'
    scan of the environment costs about as much as the in-process mock's answer to a
    FindFolder.  exchangelib caches one Protocol per endpoint and credentials and
    has no setting for this, so its session factory is wrapped, once."""
    if getattr(protocol, "_environment_read_once", False):
        return
    create = protocol.create_session

    def create_session() -> Any:
        return environment_read_once(create(), endpoint)

    protocol.create_session = create_session
    protocol._environment_read_once = True


def distinguished(account: Account, name: str) -> DistinguishedFolderId:
    return DistinguishedFolderId(id=name, mailbox=Mailbox(email_address=account.primary_smtp_address))


def _fields(model: type[Any], names: Iterable[str]) -> list[FieldPath]:
    return [FieldPath(field=model.get_field_by_fieldname(n)) for n in names]


# -- lean services ----------------------------------------------------------------------------

_ITEM_ID = f"{{{TNS}}}ItemId"
_FOLDER_ID = f"{{{TNS}}}FolderId"
_PARENT_ID = f"{{{TNS}}}ParentFolderId"
_CHANGE = {f"{{{TNS}}}Create": "create", f"{{{TNS}}}Update": "update", f"{{{TNS}}}Delete": "delete"}
_READ_FLAG = f"{{{TNS}}}ReadFlagChange"


@dataclass(frozen=True, slots=True)
class At:
    """Where a value sits below an element: child tags (local names, types namespace),
    then the text of the last one or its ``attribute``."""

    tags: tuple[str, ...]
    attribute: str | None = None


class ChildReader:
    """``{name: value}`` for several :class:`At` below an element in one pass over its
    children: lxml's ``find`` goes through its Python path machinery at every call,
    which made reading a FindFolder answer a tenth of a mailbox's pass."""

    def __init__(self, paths: dict[str, At]) -> None:
        self.names = tuple(paths)
        self.heads: dict[str, list[tuple[str, At]]] = {}
        for name, at in paths.items():
            self.heads.setdefault(f"{{{TNS}}}{at.tags[0]}", []).append((name, at))

    def __call__(self, elem: Any) -> dict[str, str | None]:
        found: dict[str, str | None] = dict.fromkeys(self.names)
        heads = self.heads
        for child in elem:
            wanted = heads.get(child.tag)
            if wanted is None:
                continue
            for name, at in wanted:
                node = child
                for tag in at.tags[1:]:
                    node = node.find(f"{{{TNS}}}{tag}")
                    if node is None:
                        break
                if node is not None:
                    found[name] = node.text if at.attribute is None else node.get(at.attribute)
        return found


def _required(value: str | None, what: str) -> str:
    if value is None:
        raise MalformedResponseError(f"a change or folder in the answer has no {what}")
    return value


@dataclass(frozen=True, slots=True)
class ItemChange:
    kind: str  # create | update | delete | read
    item_id: str
    props: dict[str, str | None]


@dataclass(frozen=True, slots=True)
class FolderChange:
    kind: str  # create | update | delete
    folder_id: str
    parent_id: str | None
    name: str
    folder_class: str | None


_ELEMENTS: dict[tuple[Any, ...], Any] = {}
_ELEMENTS_MAX = 50_000  # a few per mailbox; bounded for a long-lived site


def _copied(key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """A request element exchangelib built once, copied for each call: building shapes
    and folder ids through exchangelib's models is a large part of the client's cost
    of a call that finds nothing new, and they repeat for every pass of a mailbox."""
    element = _ELEMENTS.get(key)
    if element is None:
        if len(_ELEMENTS) >= _ELEMENTS_MAX:
            _ELEMENTS.clear()
        element = _ELEMENTS[key] = build()
    return copy.deepcopy(element)


def _shape(tag: str, model: type[Any], properties: tuple[str, ...], version: Any) -> Any:
    return _copied(
        ("shape", tag, properties, str(version)),
        lambda: shape_element(tag=tag, shape="IdOnly", additional_fields=_fields(model, properties), version=version),
    )


def _folders_key(folders: list[Any]) -> tuple[Any, ...]:
    def one(f: Any) -> tuple[Any, ...]:
        mailbox = getattr(f, "mailbox", None)
        return (type(f).__name__, f.id, getattr(f, "changekey", None), getattr(mailbox, "email_address", None))

    return tuple(one(f) for f in folders)


def _folder_ids(tag: str, folders: list[Any], version: Any) -> Any:
    """exchangelib's folder id element for ``folders`` (FolderId or DistinguishedFolderId)."""
    key = ("ids", tag, str(version), _folders_key(folders))
    return _copied(key, lambda: folder_ids_element(folders=folders, version=version, tag=tag))


class LeanSyncItems(SyncFolderItems):
    """SyncFolderItems reading each change into an :class:`ItemChange` of the requested
    properties (by element tag), not an exchangelib model."""

    read: ChildReader = ChildReader({})  # the requested properties, and the item id as _ID_KEY
    properties: tuple[str, ...] = ()
    model: type[Any] = Message

    def get_payload(
        self,
        folder: Any,
        shape: str,
        additional_fields: Any,
        sync_state: str | None,
        ignore: Any,
        max_changes_returned: int,
        sync_scope: str | None,
    ) -> Any:
        payload = create_element(f"m:{self.SERVICE_NAME}")
        payload.append(_shape(self.shape_tag, self.model, self.properties, self.account.version))
        payload.append(_folder_ids("m:SyncFolderId", [folder], self.account.version))
        if sync_state:
            add_xml_child(payload, "m:SyncState", sync_state)
        add_xml_child(payload, "m:MaxChangesReturned", max_changes_returned)
        return payload

    def _elem_to_obj(self, elem: Any) -> ItemChange:
        tag = elem.tag
        if tag == _READ_FLAG:
            return ItemChange("read", elem.find(_ITEM_ID).get("Id"), {})
        kind = _CHANGE[tag]
        if kind == "delete":
            return ItemChange("delete", elem.find(_ITEM_ID).get("Id"), {})
        found = self.read(elem[0])
        return ItemChange(kind, _required(found.pop(_ID_KEY), "ItemId"), found)


class LeanSyncHierarchy(SyncFolderHierarchy):
    def _elem_to_obj(self, elem: Any) -> FolderChange:
        kind = _CHANGE[elem.tag]
        if kind == "delete":
            return FolderChange("delete", elem.find(_FOLDER_ID).get("Id"), None, "", None)
        found = _READ_LISTED(elem[0])
        folder_id = _required(found["id"], "FolderId")
        return FolderChange(kind, folder_id, found["parent"], found["name"] or "", found["folder_class"])


class LeanGetFolderIds(GetFolder):
    """GetFolder for distinguished folders, answering their FolderIds (or None for a
    folder the mailbox does not have)."""

    def _elems_to_objs(self, elems: Iterable[Any]) -> Iterable[str | None]:
        for elem in elems:
            yield None if isinstance(elem, Exception) else elem.find(_FOLDER_ID).get("Id")


#: where each property the engine asks for sits in an item element
_COMMIT_TIME_PATH = f"{{{TNS}}}ExtendedProperty/{{{TNS}}}Value"


class LeanFolderCommitTimes(GetFolder):
    """GetFolder for many folders asking only for PidTagLocalCommitTimeMax (0x670A):
    when each folder's contents last changed (None where the server does not say)."""

    def get_payload(self, folders: Any, additional_fields: Any, shape: Any) -> Any:
        payload = create_element(f"m:{self.SERVICE_NAME}")
        folder_shape = create_element("m:FolderShape")
        add_xml_child(folder_shape, "t:BaseShape", "IdOnly")
        extra = create_element("t:AdditionalProperties")
        uri = create_element("t:ExtendedFieldURI", attrs={"PropertyTag": "0x670a", "PropertyType": "SystemTime"})
        extra.append(uri)
        folder_shape.append(extra)
        payload.append(folder_shape)
        payload.append(folder_ids_element(folders=folders, version=self.account.version))
        return payload

    def _elems_to_objs(self, elems: Iterable[Any]) -> Iterable[str | None]:
        for elem in elems:
            yield None if isinstance(elem, Exception) else elem.findtext(_COMMIT_TIME_PATH)


@dataclass(frozen=True, slots=True)
class ListedFolder:
    folder_id: str
    parent_id: str | None
    name: str
    folder_class: str | None
    commit: str | None  # PidTagLocalCommitTimeMax, if the server gives it


class LeanFolderListing(FindFolder):
    """FindFolder Deep below a distinguished folder: every folder's id, parent, name,
    class and PidTagLocalCommitTimeMax in one paged call."""

    def call_listing(self, root: Any, page_size: int = 1000) -> Any:
        return self._elems_to_objs(
            self._paged_call(
                payload_func=self.get_payload,
                max_items=None,
                folders=[root],
                additional_fields=None,
                restriction=None,
                shape="IdOnly",
                depth="Deep",
                page_size=page_size,
                offset=0,
            )
        )

    def get_payload(
        self,
        folders: Any,
        additional_fields: Any,
        restriction: Any,
        shape: str,
        depth: str,
        page_size: int,
        offset: int = 0,
    ) -> Any:
        def build() -> Any:
            payload = create_element(f"m:{self.SERVICE_NAME}", attrs={"Traversal": depth})
            folder_shape = create_element("m:FolderShape")
            add_xml_child(folder_shape, "t:BaseShape", "IdOnly")
            extra = create_element("t:AdditionalProperties")
            for uri in ("folder:ParentFolderId", "folder:DisplayName", "folder:FolderClass"):
                extra.append(create_element("t:FieldURI", attrs={"FieldURI": uri}))
            extra.append(
                create_element("t:ExtendedFieldURI", attrs={"PropertyTag": "0x670a", "PropertyType": "SystemTime"})
            )
            folder_shape.append(extra)
            payload.append(folder_shape)
            payload.append(
                create_element(
                    "m:IndexedPageFolderView",
                    attrs={"MaxEntriesReturned": page_size, "Offset": offset, "BasePoint": "Beginning"},
                )
            )
            payload.append(_folder_ids("m:ParentFolderIds", folders, self.account.version))
            return payload

        key = ("listing", depth, page_size, offset, str(self.account.version), _folders_key(folders))
        return _copied(key, build)

    def _elem_to_obj(self, elem: Any) -> ListedFolder:
        found = _READ_LISTED(elem)
        folder_id = _required(found["id"], "FolderId")
        return ListedFolder(folder_id, found["parent"], found["name"] or "", found["folder_class"], found["commit"])


def folder_listing(account: Account, root: str) -> list[ListedFolder]:
    """Every folder below the distinguished folder ``root``, with its commit time."""
    found = list(LeanFolderListing(account=account).call_listing(distinguished(account, root)))
    for entry in found:
        if isinstance(entry, Exception):
            raise entry
    return found


def folder_commit_times(account: Account, folder_ids: list[str]) -> dict[str, str | None]:
    """folder id → its PidTagLocalCommitTimeMax as the server wrote it (or None)."""
    if not folder_ids:
        return {}
    service = LeanFolderCommitTimes(account=account)
    found = list(service.call(folders=[FolderId(id=f) for f in folder_ids], additional_fields=[], shape="IdOnly"))
    return dict(zip(folder_ids, found, strict=True))


_ID_KEY = "\0id"  # not a property name
_READ_LISTED = ChildReader(
    {
        "id": At(("FolderId",), "Id"),
        "parent": At(("ParentFolderId",), "Id"),
        "name": At(("DisplayName",)),
        "folder_class": At(("FolderClass",)),
        "commit": At(("ExtendedProperty", "Value")),
    }
)

#: where each property the engine asks for sits in an item element
_ELEMENT_PATHS = {
    "item_class": At(("ItemClass",)),
    "sensitivity": At(("Sensitivity",)),
    "message_id": At(("InternetMessageId",)),
    "datetime_sent": At(("DateTimeSent",)),
    "datetime_received": At(("DateTimeReceived",)),
    "size": At(("Size",)),
    "is_read": At(("IsRead",)),
    "has_attachments": At(("HasAttachments",)),
    "subject": At(("Subject",)),
    "start": At(("Start",)),
    "end": At(("End",)),
    "is_all_day": At(("IsAllDayEvent",)),
    "location": At(("Location",)),
    "organizer": At(("Organizer", "Mailbox", "EmailAddress")),
    "uid": At(("UID",)),
    "is_recurring": At(("IsRecurring",)),
    "type": At(("CalendarItemType",)),
}
_ITEM_READERS: dict[tuple[str, ...], ChildReader] = {}


def _item_reader(properties: tuple[str, ...]) -> ChildReader:
    reader = _ITEM_READERS.get(properties)
    if reader is None:
        paths = {_ID_KEY: At(("ItemId",), "Id"), **{name: _ELEMENT_PATHS[name] for name in properties}}
        reader = _ITEM_READERS[properties] = ChildReader(paths)
    return reader


@dataclass
class SyncPage:
    changes: list[ItemChange]
    sync_state: str
    last: bool


def sync_items_page(
    account: Account,
    folder_id: str,
    sync_state: str | None,
    properties: tuple[str, ...],
    page_size: int = 512,
    model: type[Any] = Message,
) -> SyncPage:
    """One SyncFolderItems page with only ``properties`` (exchangelib field names of
    ``model``) besides the ids."""
    service = LeanSyncItems(account=account)
    service.read = _item_reader(properties)
    service.properties = properties
    service.model = model
    changes = list(
        service.call(
            folder=FolderId(id=folder_id),
            shape="IdOnly",
            additional_fields=None,  # the cached shape carries them
            sync_state=sync_state,
            ignore=None,
            max_changes_returned=page_size,
            sync_scope=None,
        )
    )
    for change in changes:
        if isinstance(change, Exception):
            raise change
    return SyncPage(changes, str(service.sync_state), bool(service.includes_last_item_in_range))


@dataclass
class HierarchyPage:
    changes: list[FolderChange]
    sync_state: str
    last: bool


def sync_hierarchy_page(account: Account, root: str, sync_state: str | None) -> HierarchyPage:
    """One SyncFolderHierarchy page below the distinguished folder ``root``."""
    service = LeanSyncHierarchy(account=account)
    changes = list(
        service.call(
            folder=distinguished(account, root),
            shape="IdOnly",
            additional_fields=_fields(Folder, ("name", "parent_folder_id", "folder_class")),
            sync_state=sync_state,
        )
    )
    for change in changes:
        if isinstance(change, Exception):
            raise change
    return HierarchyPage(changes, str(service.sync_state), bool(service.includes_last_item_in_range))


def well_known_ids(account: Account, names: Iterable[str]) -> dict[str, str]:
    """The FolderIds of distinguished folders, in one GetFolder call."""
    wanted = list(names)
    service = LeanGetFolderIds(account=account)
    found = list(
        service.call(folders=[distinguished(account, n) for n in wanted], additional_fields=[], shape="IdOnly")
    )
    return {name: folder_id for name, folder_id in zip(wanted, found, strict=True) if folder_id}


__all__ = [
    "MNS",
    "Ews",
    "EwsSettings",
    "EwsUnavailable",
    "FolderChange",
    "HierarchyPage",
    "ItemChange",
    "RetryPolicy",
    "SyncPage",
    "distinguished",
    "folder_commit_times",
    "folder_listing",
    "retrying",
    "sync_hierarchy_page",
    "sync_items_page",
    "well_known_ids",
]
