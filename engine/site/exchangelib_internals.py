"""Every place the site leans on exchangelib's private API, in one module.

exchangelib is used unmodified, but for speed and for the engine's own back-off (X2)
the site overrides a few of its undocumented methods, subclasses its services and sets
an undocumented attribute.  Everything of that kind is here, nowhere else in engine/
(tests/site/test_exchangelib_contract.py checks that, and fails — naming the internal —
when an installed exchangelib changes the source or the signature of any internal
listed below).

**Checked against exchangelib 5.6.0** (:data:`CHECKED_AGAINST`).  Timings measured on
the 2-core development machine, in-process transport, exchangelib 5.6.0, one mailbox.

The retry policy and the protocol
---------------------------------
1. :class:`FailFastKeepingRetryAfter` overrides ``RetryPolicy.raise_response_errors``
   (calling it, as exchangelib's ``FaultTolerance`` does): ``FailFast`` — needed because
   ``FaultTolerance`` sleeps on the wall clock and the engine backs off on its injected
   clock (ews-notes.md) — drops an HTTP 503's ``Retry-After``; this keeps it as the
   ``ErrorServerBusy.back_off`` the engine honours (X2).  Not a speed matter.
2. :func:`tune_protocol` sets ``BaseProtocol.RETRY_WAIT`` to 0 on the site's protocol:
   ``EWSService._get_elements`` stamps a back-off of ``RETRY_WAIT`` (10 s) on a busy or
   transient error the server named no wait for; 0 leaves it unnamed so the engine's
   policy (exponential with jitter, X2) decides instead of a constant.  Not a speed
   matter either.
3. :func:`tune_protocol` wraps ``BaseProtocol.create_session`` on the site's protocol
   instance so each session reads the environment's proxy and CA settings once
   (engine.site.links.environment_read_once) instead of at every request: requests'
   scan of the environment measured ≈0.4 ms a request, against ≈2 ms for a whole
   in-process GetFolder call.  It relies on exchangelib's ``CachingProtocol`` handing
   every ``Account`` of one endpoint and credentials the same ``Protocol`` instance —
   there is no setting for this.

The lean services
-----------------
Each subclasses an exchangelib service, so the request still goes through exchangelib's
serializer, protocol, session pool, paging and response checking, but the answer is read
into a small record of the properties the task asked for (engine.site.ews_records)
instead of exchangelib's model objects — building those is most of the client's cost
(ews-notes.md).  Measured: a 2,048-item initial SyncFolderItems of four properties in
85 to 100 ms against ≈1,300 ms for ``folder.sync_items(only_fields=…)``; SyncFolderHierarchy
of 310 folders 10 ms against 147 ms; FindFolder Deep of 310 folders 13 ms against 380 ms
for ``FolderCollection.find_folders``.

4. :class:`LeanSyncItems` replaces ``SyncFolderItems.get_payload`` (same arguments, as
   ``SyncFolderItems.call`` passes them; the request of ``SyncFolder._partial_get_payload``
   with ``MaxChangesReturned``, from cached elements — see 9) and
   ``SyncFolderItems._elem_to_obj`` (an :class:`ItemChange`, not a model).  It reads
   ``sync_state`` and ``includes_last_item_in_range``, which
   ``SyncFolder._get_element_container`` sets while the answer is consumed.
5. :class:`LeanSyncHierarchy` replaces ``SyncFolderHierarchy._elem_to_obj`` (a
   :class:`FolderChange`).
6. :class:`LeanGetFolderIds` replaces ``GetFolder._elems_to_objs`` (a FolderId or None
   per distinguished folder, in the order asked; ``GetFolder.call`` keeps that order).
7. :class:`LeanFolderListing` replaces ``FindFolder.get_payload`` (FolderShape with
   ParentFolderId, DisplayName, FolderClass and PidTagLocalCommitTimeMax, 0x670A) and
   ``FindFolder._elem_to_obj`` (a :class:`ListedFolder`), and is called through
   ``EWSPagingService._paged_call`` as ``FindFolder.call`` does: ``FindFolder.call``
   wants folder objects with a ``root``, which a bare ``DistinguishedFolderId`` has not.
   The commit time lets MFR skip a folder unchanged since its last read.
8. The base ``EWSService._elems_to_objs`` hands each element to ``_elem_to_obj`` and
   passes exceptions through unchanged; 4, 5 and 7 rely on it.
9. Request elements are built with exchangelib's helpers (``services.common``
   ``shape_element``, ``folder_ids_element``, ``add_xml_child``; ``util.create_element``;
   ``FieldPath`` over ``EWSElement.get_field_by_fieldname``) once and copied per call
   (:func:`_copied`): building a shape and a folder id measured 0.5 to 0.9 ms, copying
   them 15 µs, against 1.7 to 3 ms for a whole SyncFolderItems call that finds nothing new
   — a call every folder of every mailbox makes at every pass.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from exchangelib import Account
from exchangelib.errors import ErrorInternalServerTransientError, ErrorServerBusy
from exchangelib.fields import FieldPath
from exchangelib.folders import Folder
from exchangelib.items import Message
from exchangelib.properties import DistinguishedFolderId, FolderId, Mailbox
from exchangelib.protocol import FailFast, Protocol
from exchangelib.services import FindFolder, GetFolder, SyncFolderHierarchy, SyncFolderItems
from exchangelib.services.common import add_xml_child, folder_ids_element, shape_element
from exchangelib.util import create_element
from requests import Response

from .ews_records import (
    ChildReader,
    FolderChange,
    HierarchyPage,
    ItemChange,
    ListedFolder,
    SyncPage,
    folder_change,
    folder_id_of,
    item_change,
    item_reader,
    listed_folder,
)
from .links import environment_read_once, retry_after

#: the exchangelib release whose internals this module was last checked against
CHECKED_AGAINST = "5.6.0"


# -- 1. the retry policy -------------------------------------------------------------------


class FailFastKeepingRetryAfter(FailFast):
    """exchangelib's fail-fast policy (the engine backs off on its own clock), keeping
    what a 503 says about when to come back, as exchangelib's FaultTolerance does:
    FailFast drops the Retry-After header."""

    def raise_response_errors(self, response: Response) -> Any:
        try:
            return super().raise_response_errors(response)
        except (ErrorInternalServerTransientError, ErrorServerBusy) as exc:
            asked = retry_after(response)
            if asked:
                raise ErrorServerBusy(exc.args[0], back_off=asked) from exc
            raise


# -- 2, 3. the protocol ----------------------------------------------------------------------


def tune_protocol(protocol: Protocol, endpoint: str) -> None:
    """No constant wait stamped on unnamed back-offs (2), and sessions that read the
    environment once (3); idempotent, as exchangelib caches the protocol."""
    protocol.RETRY_WAIT = 0
    if getattr(protocol, "synceng_environment_read_once", False):
        return
    create = protocol.create_session

    def create_session() -> Any:
        return environment_read_once(create(), endpoint)

    protocol.create_session = create_session
    protocol.synceng_environment_read_once = True


# -- 9. request elements, built once ---------------------------------------------------------

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


def _fields(model: type[Any], names: Iterable[str]) -> list[FieldPath]:
    return [FieldPath(field=model.get_field_by_fieldname(n)) for n in names]


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


def distinguished(account: Account, name: str) -> DistinguishedFolderId:
    return DistinguishedFolderId(id=name, mailbox=Mailbox(email_address=account.primary_smtp_address))


# -- 4-8. the lean services --------------------------------------------------------------------


class LeanSyncItems(SyncFolderItems):
    """SyncFolderItems reading each change into an :class:`ItemChange` of the requested
    properties (by element tag), not an exchangelib model."""

    read: ChildReader = ChildReader({})  # the requested properties, and the item id
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
        return item_change(elem, self.read)


class LeanSyncHierarchy(SyncFolderHierarchy):
    def _elem_to_obj(self, elem: Any) -> FolderChange:
        return folder_change(elem)


class LeanGetFolderIds(GetFolder):
    """GetFolder for distinguished folders, answering their FolderIds (or None for a
    folder the mailbox does not have)."""

    def _elems_to_objs(self, elems: Iterable[Any]) -> Iterable[str | None]:
        for elem in elems:
            yield None if isinstance(elem, Exception) else folder_id_of(elem)


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
        return listed_folder(elem)


# -- the calls -------------------------------------------------------------------------------


def _raise_any(results: list[Any]) -> None:
    for result in results:
        if isinstance(result, Exception):
            raise result


def folder_listing(account: Account, root: str) -> list[ListedFolder]:
    """Every folder below the distinguished folder ``root``, with its commit time."""
    found = list(LeanFolderListing(account=account).call_listing(distinguished(account, root)))
    _raise_any(found)
    return found


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
    service.read = item_reader(properties)
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
    _raise_any(changes)
    return SyncPage(changes, str(service.sync_state), bool(service.includes_last_item_in_range))


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
    _raise_any(changes)
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
    "CHECKED_AGAINST",
    "FailFastKeepingRetryAfter",
    "LeanFolderListing",
    "LeanGetFolderIds",
    "LeanSyncHierarchy",
    "LeanSyncItems",
    "distinguished",
    "folder_listing",
    "sync_hierarchy_page",
    "sync_items_page",
    "tune_protocol",
    "well_known_ids",
]
