"""What every operation shares: the request context (who is calling, as whom), id
resolution with access checks, and the batch response pattern (one ResponseMessage per
input, in input order)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from ..errors import (
    ErrorAccessDenied,
    ErrorCalendarCannotUseIdForOccurrenceId,
    ErrorCalendarCannotUseIdForRecurringMasterId,
    ErrorFolderNotFound,
    ErrorInvalidIdEmpty,
    ErrorInvalidIdMalformed,
    ErrorItemNotFound,
    ErrorNonExistentMailbox,
    ErrorSchemaValidation,
    EWSError,
)
from ..soap.item_properties import RenderContext
from ..soap.render import direct_response, failure, operation_response, success
from ..soap.xml import Element, children, local_name, t
from ..store import occurrences
from ..store.ids import FOLDER_PREFIX, ITEM_PREFIX, tag_of
from ..store.mailbox import Mailbox
from ..store.model import CalendarItem, Folder, Item, Occurrence
from ..store.world import Account, World

X = TypeVar("X")


@dataclass
class RequestContext:
    """``principal`` is the authenticated account (None when the server runs without
    authentication: then every mailbox is reachable).  ``impersonated`` is the
    mailbox named by ExchangeImpersonation, already checked against the right."""

    world: World
    principal: Account | None = None
    impersonated: Mailbox | None = None

    def acting_mailbox(self) -> Mailbox:
        """The mailbox a request means when it names none (e.g. ``inbox`` without
        ``t:Mailbox``)."""
        if self.impersonated is not None:
            return self.impersonated
        if self.principal is None:
            raise ErrorNonExistentMailbox("Without authentication, name the mailbox or impersonate a user.")
        return self.world.mailbox(self.principal.email)

    def check_access(self, mailbox: Mailbox) -> Mailbox:
        if self.impersonated is not None:
            # the impersonated user's archive is theirs too (same address, own mailbox)
            if mailbox is self.impersonated or mailbox.archive_of is self.impersonated:
                return mailbox
            account = self.world.accounts.get(self.impersonated.email.lower())
        else:
            if self.principal is None:
                return mailbox
            account = self.principal
            if mailbox.email.lower() == account.email.lower():
                return mailbox
        if account is not None and mailbox.email.lower() in account.full_access:
            return mailbox
        raise ErrorAccessDenied(f"The caller may not open the mailbox {mailbox.email}.")


class Operation(ABC):
    """One EWS operation.  Subclasses set ``name`` (the SOAP element) and implement
    ``execute``; the registry maps names to classes for the dispatcher."""

    name: ClassVar[str] = ""
    #: whether the operation acts on a mailbox (ConvertId, ExpandDL, ResolveNames don't)
    mailbox_bound: ClassVar[bool] = True
    registry: ClassVar[dict[str, type[Operation]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            Operation.registry[cls.name] = cls

    def __init__(self, ctx: RequestContext, request: Element) -> None:
        self.ctx = ctx
        self.world = ctx.world
        self.request = request
        self.render_ctx = RenderContext(ctx.world)
        #: responses written after the first on the same HTTP reply, each in its own
        #: envelope (GetStreamingEvents streams documents)
        self.follow_ups: list[str] = []
        #: HTTP headers of the reply (Subscribe's affinity cookie)
        self.reply_headers: dict[str, str] = {}

    @abstractmethod
    def execute(self) -> str:
        """Run the operation; the ``<m:{name}Response>`` element as a string."""

    # -- responses -------------------------------------------------------------------

    def respond(self, messages: Iterable[str]) -> str:
        return operation_response(self.name, messages)

    def ok(self, content: str = "") -> str:
        return success(self.name, content)

    def error(self, exc: EWSError, content: str = "") -> str:
        return failure(self.name, exc, content)

    def single(self, produce: Callable[[], str], on_error: str = "") -> str:
        """One ResponseMessage; an error still carries ``on_error`` (the sync operations'
        SyncState and IncludesLast…, which exchangelib reads unconditionally)."""
        try:
            return self.respond([produce()])
        except EWSError as exc:
            return self.respond([self.error(exc, on_error)])

    def direct(self, produce: Callable[[], str], element: str = "Response") -> str:
        """An operation answered without ResponseMessages (see render.direct_response)."""
        try:
            return direct_response(self.name, produce(), element=element)
        except EWSError as exc:
            return direct_response(self.name, "", exc, element)

    def batch(self, inputs: Iterable[X], handle: Callable[[X], str]) -> str:
        """One ResponseMessage per input, in order; an input's error does not stop the
        others."""
        messages = []
        for value in inputs:
            try:
                messages.append(self.ok(handle(value)))
            except EWSError as exc:
                messages.append(self.error(exc))
        return self.respond(messages)

    # -- ids -------------------------------------------------------------------------

    def _mailbox_of(self, object_id: str, missing: type[EWSError]) -> Mailbox:
        if not object_id:
            raise ErrorInvalidIdEmpty()
        if tag_of(object_id) is None:
            raise ErrorInvalidIdMalformed()
        mailbox = self.world.mailbox_of_id(object_id)
        if mailbox is None:
            raise missing()
        return self.ctx.check_access(mailbox)

    def mailbox_element(self, elem: Element | None) -> Mailbox:
        """The mailbox named by a ``t:Mailbox`` child (or the acting one)."""
        box = None if elem is None else elem.find(t("Mailbox"))
        if box is None:
            return self.ctx.check_access(self.ctx.acting_mailbox())
        address = (box.findtext(t("EmailAddress")) or "").strip()
        if not address:
            return self.ctx.check_access(self.ctx.acting_mailbox())
        return self.ctx.check_access(self.world.mailbox(address))

    def folder(self, elem: Element) -> Folder:
        """A ``t:FolderId`` or ``t:DistinguishedFolderId`` element → the folder."""
        kind = local_name(elem)
        if kind == "FolderId":
            folder_id = elem.get("Id", "")
            if folder_id.startswith(ITEM_PREFIX):
                raise ErrorFolderNotFound()
            return self._mailbox_of(folder_id, ErrorFolderNotFound).folder(folder_id)
        if kind == "DistinguishedFolderId":
            return self.mailbox_element(elem).well_known(elem.get("Id", ""))
        raise ErrorSchemaValidation(f"{kind} is not a folder id.")

    def folders(self, container: Element | None) -> list[Element]:
        if container is None:
            raise ErrorSchemaValidation("A folder id list is required.")
        return children(container)

    def item(self, elem: Element) -> Item:
        kind = local_name(elem)
        if kind not in ("ItemId", "ParentItemId", "ReferenceItemId", "OccurrenceItemId", "RecurringMasterItemId"):
            raise ErrorSchemaValidation(f"{kind} is not an item id.")
        item_id = elem.get("Id") or elem.get("RecurringMasterId") or elem.get("OccurrenceId") or ""
        if item_id.startswith(FOLDER_PREFIX):
            raise ErrorItemNotFound()
        found = self._mailbox_of(item_id, ErrorItemNotFound).item(item_id)
        if kind == "OccurrenceItemId":
            return self._occurrence(found, elem.get("InstanceIndex", ""))
        if kind == "RecurringMasterItemId":
            return self._recurring_master(found)
        return found

    @staticmethod
    def _occurrence(master: Item, index_text: str) -> Item:
        """``t:OccurrenceItemId``: the InstanceIndex-th occurrence of a master."""
        if not isinstance(master, CalendarItem) or isinstance(master, Occurrence) or master.recurrence is None:
            raise ErrorCalendarCannotUseIdForOccurrenceId()
        if not index_text.strip().isdigit():
            raise ErrorSchemaValidation("OccurrenceItemId needs a numeric InstanceIndex.")
        return occurrences.occurrence(master, int(index_text))

    @staticmethod
    def _recurring_master(item: Item) -> Item:
        """``t:RecurringMasterItemId``: the master of an occurrence (or of an exception)."""
        if isinstance(item, Occurrence):
            return item.master
        if isinstance(item, CalendarItem) and item.recurrence is not None:
            return item
        raise ErrorCalendarCannotUseIdForRecurringMasterId()

    def target_folder(self, container: Element | None) -> Folder:
        """``m:ToFolderId`` / ``m:SavedItemFolderId`` / ``m:ParentFolderId`` → folder."""
        ids = children(container)
        if len(ids) != 1:
            raise ErrorSchemaValidation("Exactly one target folder id is required.")
        return self.folder(ids[0])
