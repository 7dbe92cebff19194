"""A mailbox: its folder tree, its items, and the journals that record every change.

All mutation goes through the methods here so that each change gets one world-wide
sequence number and one journal entry — the single source of SyncFolderItems,
SyncFolderHierarchy and ChangeKeys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Literal

from ..errors import (
    ErrorCalendarCannotMoveOrCopyOccurrence,
    ErrorCalendarEndDateIsEarlierThanStartDate,
    ErrorDeleteDistinguishedFolder,
    ErrorFolderExists,
    ErrorFolderNotFound,
    ErrorInvalidAttachmentId,
    ErrorInvalidIdMalformed,
    ErrorInvalidOperation,
    ErrorInvalidValueForProperty,
    ErrorIrresolvableConflict,
    ErrorItemNotFound,
    ErrorMoveCopyFailed,
    ErrorMoveDistinguishedFolder,
    ErrorNoPublicFolderReplicaAvailable,
)
from . import occurrences
from .ids import ATTACHMENT_SEP, split_attachment_id
from .journal import Tombstone
from .model import (
    IMPORTANCES,
    MEETING_KINDS,
    SENSITIVITIES,
    Attachment,
    CalendarItem,
    Folder,
    FolderPermission,
    Item,
    ItemAttachment,
    Occurrence,
)
from .notify import EventType

if TYPE_CHECKING:
    from .settings import MailboxSettings
    from .world import World

DeleteMode = Literal["HardDelete", "SoftDelete", "MoveToDeletedItems"]

#: (distinguished id, display name, folder class, element, parent) — the distinguished
#: folders of an Exchange 2016 mailbox, parents first (the Exchange Online-only ones,
#: and the archive mailbox's, answer ErrorFolderNotFound).
WELL_KNOWN_FOLDERS: tuple[tuple[str, str, str | None, str, str | None], ...] = (
    ("root", "root", None, "Folder", None),
    ("msgfolderroot", "Top of Information Store", None, "Folder", "root"),
    ("inbox", "Inbox", "IPF.Note", "Folder", "msgfolderroot"),
    ("sentitems", "Sent Items", "IPF.Note", "Folder", "msgfolderroot"),
    ("deleteditems", "Deleted Items", "IPF.Note", "Folder", "msgfolderroot"),
    ("drafts", "Drafts", "IPF.Note", "Folder", "msgfolderroot"),
    ("outbox", "Outbox", "IPF.Note", "Folder", "msgfolderroot"),
    ("junkemail", "Junk Email", "IPF.Note", "Folder", "msgfolderroot"),
    ("calendar", "Calendar", "IPF.Appointment", "CalendarFolder", "msgfolderroot"),
    ("contacts", "Contacts", "IPF.Contact", "ContactsFolder", "msgfolderroot"),
    ("tasks", "Tasks", "IPF.Task", "TasksFolder", "msgfolderroot"),
    ("notes", "Notes", "IPF.StickyNote", "Folder", "msgfolderroot"),
    ("journal", "Journal", "IPF.Journal", "Folder", "msgfolderroot"),
    ("conversationhistory", "Conversation History", "IPF.Note", "Folder", "msgfolderroot"),
    ("syncissues", "Sync Issues", "IPF.Note", "Folder", "msgfolderroot"),
    ("conflicts", "Conflicts", "IPF.Note", "Folder", "syncissues"),
    ("localfailures", "Local Failures", "IPF.Note", "Folder", "syncissues"),
    ("serverfailures", "Server Failures", "IPF.Note", "Folder", "syncissues"),
    ("recipientcache", "Recipient Cache", "IPF.Contact.RecipientCache", "ContactsFolder", "contacts"),
    (
        "quickcontacts",
        "{06967759-274D-40B2-A3EB-D7F9E73727D7}",
        "IPF.Contact.MOC.QuickContacts",
        "ContactsFolder",
        "contacts",
    ),
    (
        "imcontactlist",
        "{A9E2BC46-B3A0-4243-B315-60D991004455}",
        "IPF.Contact.MOC.ImContactList",
        "ContactsFolder",
        "contacts",
    ),
    ("searchfolders", "Finder", None, "Folder", "root"),
    ("todosearch", "To-Do Search", "IPF.Task", "Folder", "searchfolders"),
    ("voicemail", "Voice Mail", "IPF.Note.Microsoft.Voicemail", "Folder", "searchfolders"),
    ("favorites", "Favorites", "IPF.Note", "Folder", "root"),
    ("mycontacts", "MyContacts", "IPF.Note", "Folder", "root"),
    ("peopleconnect", "PeopleConnect", None, "Folder", "root"),
    ("directory", "Directory", None, "Folder", "root"),
    ("recoverableitemsroot", "Recoverable Items", None, "Folder", "root"),
    ("recoverableitemsdeletions", "Deletions", None, "Folder", "recoverableitemsroot"),
    ("recoverableitemsversions", "Versions", None, "Folder", "recoverableitemsroot"),
    ("recoverableitemspurges", "Purges", None, "Folder", "recoverableitemsroot"),
    ("adminauditlogs", "AdminAuditLogs", None, "Folder", "recoverableitemsroot"),
)

#: Exchange names an archive mailbox's folders with these distinguished ids, "archive"
#: + the primary's (archiveroot, archivemsgfolderroot, archiveinbox, archivedeleteditems,
#: archiverecoverableitems…); inside the archive they play the primary's roles
ARCHIVE_PREFIX = "archive"
ARCHIVE_FOLDERS = tuple(
    f
    for f in WELL_KNOWN_FOLDERS
    if f[0] in ("root", "msgfolderroot", "inbox", "deleteditems") or f[0].startswith("recoverableitems")
)


def plain_distinguished(distinguished_id: str) -> str:
    """The role of a folder inside its own mailbox (``archiveinbox`` → ``inbox``)."""
    if distinguished_id.startswith(ARCHIVE_PREFIX):
        return distinguished_id[len(ARCHIVE_PREFIX) :]
    return distinguished_id


#: how Exchange's calendar UIDs (a PidLidGlobalObjectId in hex) begin
GOID_PREFIX = "040000008200E00074C5B7101A82E008"


#: the core of that set, in the same order: a world built with system_folders=False
#: gives new mailboxes only these (the simulations' recorded expectations predate the
#: rest, which adds six mail folders per mailbox to every engine's hierarchy)
CORE_FOLDERS = frozenset(
    {
        "root",
        "msgfolderroot",
        "inbox",
        "sentitems",
        "deleteditems",
        "drafts",
        "outbox",
        "junkemail",
        "calendar",
        "contacts",
        "tasks",
        "notes",
        "recoverableitemsroot",
        "recoverableitemsdeletions",
        "recoverableitemsversions",
        "recoverableitemspurges",
    }
)

#: (display name, folder class, element, parent) — the other system folders Exchange
#: 2016 creates in every mailbox (no distinguished id: clients find them by name)
SYSTEM_FOLDERS: tuple[tuple[str, str | None, str, str], ...] = (
    ("Conversation Action Settings", "IPF.Configuration", "Folder", "msgfolderroot"),
    ("Quick Step Settings", "IPF.Configuration", "Folder", "msgfolderroot"),
    ("RSS Feeds", "IPF.Note.OutlookHomepage", "Folder", "msgfolderroot"),
    ("GAL Contacts", "IPF.Contact.GalContacts", "ContactsFolder", "contacts"),
    ("Common Views", None, "Folder", "root"),
    ("Deferred Action", None, "Folder", "root"),
    ("ExchangeSyncData", None, "Folder", "root"),
    ("Freebusy Data", None, "Folder", "root"),
    ("Location", None, "Folder", "root"),
    ("MailboxAssociations", None, "Folder", "root"),
    ("Schedule", None, "Folder", "root"),
    ("Sharing", None, "Folder", "root"),
    ("Shortcuts", None, "Folder", "root"),
    ("Spooler Queue", None, "Folder", "root"),
    ("System", None, "Folder", "root"),
    ("Views", None, "Folder", "root"),
    ("Working Set", None, "Folder", "root"),
    ("Calendar Logging", None, "Folder", "recoverableitemsroot"),
    ("Audits", None, "Folder", "recoverableitemsroot"),
)

#: distinguished ids Exchange answers with something other than ErrorFolderNotFound
_PUBLIC_FOLDER_IDS = frozenset({"publicfoldersroot"})

_FOLDER_KIND_BY_CLASS = {
    "IPF.Appointment": "CalendarFolder",
    "IPF.Contact": "ContactsFolder",
    "IPF.Task": "TasksFolder",
}


def folder_kind_for_class(folder_class: str | None) -> str:
    if folder_class:
        for prefix, kind in _FOLDER_KIND_BY_CLASS.items():
            if folder_class == prefix or folder_class.startswith(prefix + "."):
                return kind
    return "Folder"


class Mailbox:
    """A user's mailbox, or (``archive_of`` set) the archive mailbox of one: a mailbox of
    its own (own tag, so its ids name it) reached through the primary's address and the
    ``archive*`` distinguished folder ids, as on Exchange."""

    __slots__ = (
        "archive",
        "archive_of",
        "display_name",
        "distinguished",
        "email",
        "hierarchy",
        "objects",
        "root",
        "settings",
        "tag",
        "world",
    )

    root: Folder

    def __init__(
        self,
        world: World,
        email: str,
        display_name: str,
        tag: str,
        well_known: bool = True,
        archive_of: Mailbox | None = None,
    ) -> None:
        """``well_known=False`` builds an empty shell for restoring a saved world."""
        from .journal import HierarchyJournal

        self.world = world
        self.email = email
        self.display_name = display_name
        self.tag = tag
        self.objects: dict[str, Folder | Item] = {}
        self.distinguished: dict[str, Folder] = {}
        self.hierarchy = HierarchyJournal()
        #: OOF, delegates, rules, user configurations: created on first use (settings.py)
        self.settings: MailboxSettings | None = None
        self.archive: Mailbox | None = None
        self.archive_of = archive_of
        if not well_known:
            return
        root: Folder | None = None
        prefix = ARCHIVE_PREFIX if archive_of is not None else ""
        # an archive has its own small set; a world without system folders, the core set
        primary = archive_of is None
        core_only = primary and not world.system_folders
        for dist, name, cls, kind, parent in WELL_KNOWN_FOLDERS if primary else ARCHIVE_FOLDERS:
            if core_only and dist not in CORE_FOLDERS:
                continue
            folder = self._new_folder(
                name, cls, self.distinguished[parent] if parent else None, kind=kind, distinguished=prefix + dist
            )
            self.distinguished[dist] = folder
            if parent is None:
                root = folder
        assert root is not None
        self.root = root
        for name, cls, kind, parent_id in SYSTEM_FOLDERS if primary and not core_only else ():
            self._new_folder(name, cls, self.distinguished[parent_id], kind=kind)

    def __repr__(self) -> str:
        return f"Mailbox({self.email!r})"

    # -- lookups ---------------------------------------------------------------------

    def folder(self, folder_id: str) -> Folder:
        obj = self.objects.get(folder_id)
        if not isinstance(obj, Folder):
            raise ErrorFolderNotFound()
        return obj

    def well_known(self, distinguished_id: str) -> Folder:
        if self.archive_of is None and distinguished_id.startswith(ARCHIVE_PREFIX):
            # the archive's folders, named through the primary mailbox (no archive: none)
            archive = self.archive
            plain = plain_distinguished(distinguished_id)
            if archive is None or plain not in archive.distinguished:
                raise ErrorFolderNotFound(f"The distinguished folder {distinguished_id!r} is not available.")
            return archive.distinguished[plain]
        folder = self.distinguished.get(distinguished_id)
        if folder is None and distinguished_id in _PUBLIC_FOLDER_IDS:
            # Exchange 2016 without public folder mailboxes (the mock has none)
            raise ErrorNoPublicFolderReplicaAvailable()
        if folder is None:
            raise ErrorFolderNotFound(f"The distinguished folder {distinguished_id!r} is not available.")
        return folder

    def item(self, item_id: str) -> Item:
        obj = self.objects.get(item_id)
        if not isinstance(obj, Item):
            parts = occurrences.split_occurrence_id(item_id)
            if parts is not None:  # an occurrence of a recurring master, built on demand
                master = self.objects.get(parts[0])
                return occurrences.resolve(master if isinstance(master, CalendarItem) else None, item_id)
            raise ErrorItemNotFound()
        return obj

    def attachment(self, attachment_id: str) -> tuple[Item, Attachment]:
        """The root item and the attachment an id names; an attachment of an embedded
        item is named by the path of ordinals (``<item id>_2_1``)."""
        parts = split_attachment_id(attachment_id)
        if parts is None:
            raise ErrorInvalidIdMalformed("The attachment id is malformed.")
        item_id, numbers = parts
        obj = self.objects.get(item_id)
        if not isinstance(obj, Item):
            raise ErrorInvalidAttachmentId()
        holder: Item = obj
        found: Attachment | None = None
        for number in numbers:
            found = next((a for a in holder.attachments or () if a.number == number), None)
            if found is None:
                raise ErrorInvalidAttachmentId()
            if isinstance(found, ItemAttachment):
                holder = found.item
        assert found is not None
        return obj, found

    @staticmethod
    def attachment_id(item: Item, attachment: Attachment) -> str:
        return f"{item.id}{ATTACHMENT_SEP}{attachment.number}"

    def folders(self) -> list[Folder]:
        return [self.root, *self.root.walk()]

    # -- folders ---------------------------------------------------------------------

    def _new_folder(
        self,
        name: str,
        folder_class: str | None,
        parent: Folder | None,
        kind: str | None = None,
        distinguished: str | None = None,
    ) -> Folder:
        world = self.world
        folder = Folder(
            world.new_folder_id(self),
            self,
            name,
            folder_class,
            parent,
            kind=kind or folder_kind_for_class(folder_class),
            distinguished=distinguished,
        )
        seq = world.next_seq()
        folder.entered_seq = folder.last_seq = seq
        self.objects[folder.id] = folder
        if parent is not None:
            parent.children[folder.id] = folder
        self.hierarchy.log.record(seq, folder.id)
        if parent is not None:
            self._notify("CreatedEvent", folder.id, parent.id, seq, is_folder=True)
        return folder

    def create_folder(self, parent: Folder, name: str, folder_class: str | None = None) -> Folder:
        if not name or not name.strip():
            raise ErrorInvalidValueForProperty("A folder needs a DisplayName.")
        if any(child.name.lower() == name.lower() for child in parent.children.values()):
            raise ErrorFolderExists()
        # As on Exchange, a folder created without a FolderClass has none.
        return self._new_folder(name, folder_class, parent)

    def _touch_folder(self, folder: Folder) -> None:
        seq = self.world.next_seq()
        folder.last_seq = seq
        self.hierarchy.log.record(seq, folder.id, supersedes=True)

    def update_folder(
        self,
        folder: Folder,
        name: str | None = None,
        folder_class: str | None = None,
        permissions: tuple[FolderPermission, ...] | None = None,
    ) -> None:
        if name is not None:
            if not name.strip():
                raise ErrorInvalidValueForProperty("A folder needs a DisplayName.")
            if folder.parent is not None and any(
                c is not folder and c.name.lower() == name.lower() for c in folder.parent.children.values()
            ):
                raise ErrorFolderExists()
            folder.name = name
        if folder_class is not None:
            folder.folder_class = folder_class
        if permissions is not None:
            folder.permissions = permissions
        self._touch_folder(folder)
        if folder.parent is not None:
            self._notify("ModifiedEvent", folder.id, folder.parent.id, folder.last_seq, is_folder=True)

    def move_folder(self, folder: Folder, target: Folder) -> None:
        if folder.distinguished:
            raise ErrorMoveDistinguishedFolder()
        if target.is_within(folder):
            raise ErrorMoveCopyFailed("A folder cannot be moved into itself or its subfolders.")
        if any(c.name.lower() == folder.name.lower() for c in target.children.values()):
            raise ErrorFolderExists()
        old = folder.parent
        if old is target:
            return
        assert old is not None
        seq = self.world.next_seq()
        del old.children[folder.id]
        target.children[folder.id] = folder
        folder.parent = target
        if folder.parent_history is None:
            folder.parent_history = []
        folder.parent_history.append((seq, old))
        folder.last_seq = seq
        self.hierarchy.log.record(seq, folder.id, supersedes=True)
        self._notify("MovedEvent", folder.id, target.id, seq, is_folder=True, old=(folder.id, old.id))
        # The subtree moved too: give each descendant an entry, so a hierarchy sync
        # rooted where the subtree left (or arrived) reports it (Delete / Create).
        for descendant in folder.walk():
            self._touch_folder(descendant)

    def delete_folder(self, folder: Folder, mode: DeleteMode) -> None:
        if folder.distinguished:
            raise ErrorDeleteDistinguishedFolder()
        if mode == "MoveToDeletedItems" and not folder.is_within(self.distinguished["deleteditems"]):
            self._move_folder_renaming(folder, self.distinguished["deleteditems"])
            return
        if mode == "SoftDelete" and not folder.is_within(self.distinguished["recoverableitemsroot"]):
            self._move_folder_renaming(folder, self.distinguished["recoverableitemsdeletions"])
            return
        self._remove_folder_tree(folder)

    def _move_folder_renaming(self, folder: Folder, target: Folder) -> None:
        # Deleting "Projects" twice must not collide in Deleted Items: Outlook appends
        # a number, and so do we.
        base, n = folder.name, 1
        while any(c.name.lower() == folder.name.lower() for c in target.children.values()):
            n += 1
            folder.name = f"{base} ({n})"
        self.move_folder(folder, target)

    def _remove_folder_tree(self, folder: Folder) -> None:
        assert folder.parent is not None
        del folder.parent.children[folder.id]
        self._notify("DeletedEvent", folder.id, folder.parent.id, self.world.seq + 1, is_folder=True)
        hierarchy = self.hierarchy
        for f in [folder, *folder.walk()]:
            seq = self.world.next_seq()
            for item_id in f.items:
                self.objects.pop(item_id, None)
            self.objects.pop(f.id, None)
            hierarchy.tombstones[f.id] = Tombstone(f.entered_seq, seq, f)
            hierarchy.log.record(seq, f.id, supersedes=True)
        hierarchy.log.maybe_compact(self._is_current_folder_entry)

    def _is_current_folder_entry(self, seq: int, key: str) -> bool:
        obj = self.objects.get(key)
        if isinstance(obj, Folder):
            return obj.last_seq == seq
        tomb = self.hierarchy.tombstones.get(key)
        return tomb is not None and tomb.deleted_seq == seq

    def empty_folder(self, folder: Folder, mode: DeleteMode, delete_subfolders: bool) -> None:
        for item in list(folder.items.values()):
            self.delete_item(item, mode)
        if delete_subfolders:
            for child in list(folder.children.values()):
                self.delete_folder(child, mode)

    # -- items -----------------------------------------------------------------------

    def new_item(self, folder: Folder, kind: str = "Message", item_class: str | None = None) -> Item:
        """An item with a fresh id, not yet stored: fill it, then ``add_item``."""
        item_id = self.world.new_item_id(self)
        if kind == "CalendarItem":
            return CalendarItem(item_id, folder, item_class or "IPM.Appointment")
        if kind in MEETING_KINDS:
            meeting = CalendarItem(item_id, folder, item_class or "IPM.Schedule.Meeting.Request")
            meeting.kind = kind
            return meeting
        return Item(item_id, folder, kind, item_class or _default_item_class(kind))

    def add_item(self, item: Item, now: int | None = None, event: bool = True) -> Item:
        """Store a new item; ``event=False`` when the caller notifies (a move or copy)."""
        if isinstance(item, CalendarItem):
            occurrences.snap_all_day(item)
            if not item.uid:  # Exchange gives every calendar item a UID (one per meeting)
                item.uid = GOID_PREFIX + self.world.ids.token(16).encode().hex().upper()
        validate_item(item)
        folder = item.folder
        if now is None:
            now = self.world.now_epoch()
        if item.kind == "Task":
            settle_task(item, {"extra.Status"}, now)
        if not item.created:
            item.created = now
        if not item.received:
            item.received = now
        item.modified = now
        if not item.size:
            item.size = item.compute_size()
        seq = self.world.next_seq()
        item.entered_seq = item.content_seq = item.last_seq = seq
        folder.items[item.id] = item
        self.objects[item.id] = item
        folder.journal.created.record(seq, item.id)
        folder.journal.last_time = self.world.now_epoch()
        if event:
            self._notify_item("CreatedEvent", item)
        return item

    def is_stale(self, item: Item, change_key: str | None) -> bool:
        """Whether ``change_key`` names an older version of ``item`` (None names any)."""
        return change_key is not None and change_key != self.world.change_key(item.last_seq)

    def check_change_key(self, item: Item, change_key: str | None, enforce: bool) -> None:
        """ChangeKeys are enforced only under ConflictResolution=NeverOverwrite."""
        if enforce and self.is_stale(item, change_key):
            raise ErrorIrresolvableConflict()

    def touch_item(self, item: Item, read_flag_only: bool = False) -> None:
        seq = self.world.next_seq()
        had_change = item.last_seq != item.entered_seq
        item.last_seq = seq
        if not read_flag_only:
            item.content_seq = seq
            item.modified = self.world.now_epoch()
            item.size = item.compute_size() if item.body is not None or item.attachments else item.size
        item.folder.journal.changed.record(seq, item.id, supersedes=had_change)
        item.folder.journal.last_time = self.world.now_epoch()
        _compact(item.folder)
        self._notify_item("ModifiedEvent", item, free_busy=not read_flag_only)

    def update_item(
        self,
        item: Item,
        sets: Mapping[str, object],
        deletes: Iterable[str] = (),
        change_key: str | None = None,
        enforce_change_key: bool = False,
    ) -> None:
        self.check_change_key(item, change_key, enforce_change_key)
        deletes = list(deletes)
        series = (item.start, item.recurrence) if isinstance(item, CalendarItem) else None
        for name, value in sets.items():
            set_field(item, name, value)
        for name in deletes:
            set_field(item, name, None)
        if isinstance(item, CalendarItem):
            occurrences.snap_all_day(item)
        validate_item(item)
        if item.kind == "Task":
            settle_task(item, set(sets) | set(deletes), self.world.now_epoch())
        if isinstance(item, Occurrence):
            # the series lives in its master: the change is kept there as an exception
            occurrences.record_exception(item)
            self.touch_item(item.master)
            item.last_seq = item.master.last_seq
            return
        if isinstance(item, CalendarItem) and series != (item.start, item.recurrence):
            occurrences.forget_exceptions(item)
        read_only = set(sets) | set(deletes) <= {"is_read"}
        self.touch_item(item, read_flag_only=read_only)

    def _unlink_item(self, item: Item, event: bool = True) -> None:
        folder = item.folder
        journal = folder.journal
        seq = self.world.next_seq()
        del folder.items[item.id]
        self.objects.pop(item.id, None)
        journal.tombstones[item.id] = Tombstone(item.entered_seq, seq)
        journal.changed.record(seq, item.id, supersedes=item.last_seq != item.entered_seq)
        journal.created.mark_stale()
        journal.last_time = self.world.now_epoch()
        _compact(folder)
        if event:
            self._notify("DeletedEvent", item.id, folder.id, seq)
            if isinstance(item, CalendarItem):
                self._notify("FreeBusyChangedEvent", item.id, folder.id, seq)

    def delete_item(self, item: Item, mode: DeleteMode) -> None:
        if isinstance(item, Occurrence):
            # deleting one occurrence removes it from the series, whatever the mode
            occurrences.record_deletion(item)
            self.touch_item(item.master)
            return
        deleted_items = self.distinguished["deleteditems"]
        dumpster = self.distinguished["recoverableitemsdeletions"]
        if mode == "MoveToDeletedItems" and item.folder is not deleted_items:
            self.move_item(item, deleted_items)
        elif mode in ("SoftDelete", "MoveToDeletedItems") and not item.folder.is_within(
            self.distinguished["recoverableitemsroot"]
        ):
            self.move_item(item, dumpster)
        else:
            self._unlink_item(item)

    def move_item(self, item: Item, target: Folder) -> Item:
        """Move to ``target``; the moved item gets a new id, as on Exchange, so the
        source folder journals a Delete and the target a Create."""
        if target.mailbox is not self:
            raise ErrorMoveCopyFailed("Items cannot be moved between mailboxes.")
        if isinstance(item, Occurrence):
            raise ErrorCalendarCannotMoveOrCopyOccurrence()
        if target is item.folder:
            return item
        moved = self.clone(item, target)
        source = item.folder
        self._unlink_item(item, event=False)
        self.add_item(moved, event=False)
        self._notify("MovedEvent", moved.id, target.id, moved.last_seq, old=(item.id, source.id))
        return moved

    def archive_item(self, item: Item, target: Folder) -> Item:
        """ArchiveItem: move ``item`` into ``target`` in this mailbox's archive (a new id
        there; a Delete in the source folder's sync, a Create in the target's)."""
        archive = target.mailbox
        if archive.archive_of is not self:
            raise ErrorMoveCopyFailed("Items can only be archived into this mailbox's archive.")
        moved = archive.clone(item, target)
        self._unlink_item(item)
        return archive.add_item(moved)

    def copy_item(self, item: Item, target: Folder) -> Item:
        if target.mailbox is not self:
            raise ErrorMoveCopyFailed("Items cannot be copied between mailboxes.")
        if isinstance(item, Occurrence):
            raise ErrorCalendarCannotMoveOrCopyOccurrence()
        copy = self.add_item(self.clone(item, target), event=False)
        self._notify("CopiedEvent", copy.id, target.id, copy.last_seq, old=(item.id, item.folder.id))
        return copy

    def clone(self, item: Item, target: Folder) -> Item:
        """A new, not yet stored copy of ``item`` in ``target`` (a folder of this mailbox)."""
        clone = self.new_item(target, item.kind, item.item_class)
        for name in _cloned_slots(type(item)):
            setattr(clone, name, getattr(item, name))
        if item.attachments:
            clone.attachments = [a.copy() for a in item.attachments]
        if item.extra is not None:
            clone.extra = dict(item.extra)
        return clone

    # -- notifications ---------------------------------------------------------------

    def _notify(
        self,
        kind: EventType,
        object_id: str,
        parent_id: str,
        seq: int,
        is_folder: bool = False,
        old: tuple[str, str] | None = None,
    ) -> None:
        notifier = self.world.notifier
        if notifier.recorded:  # the common case, nobody subscribed anywhere: no call
            notifier.emit(self, kind, object_id, parent_id, self.world.change_key(seq), is_folder, old)

    def _notify_item(self, kind: EventType, item: Item, free_busy: bool = True) -> None:
        self._notify(kind, item.id, item.folder.id, item.last_seq)
        if free_busy and isinstance(item, CalendarItem):
            self._notify("FreeBusyChangedEvent", item.id, item.folder.id, item.last_seq)

    def notify_new_mail(self, item: Item) -> None:
        """A delivered message: Exchange raises NewMail besides Created."""
        self._notify_item("NewMailEvent", item, free_busy=False)

    # -- attachments -----------------------------------------------------------------

    def add_attachment(self, item: Item, attachment: Attachment) -> Attachment:
        if item.attachments is None:
            item.attachments = []
        attachment.number = max((a.number for a in item.attachments), default=0) + 1
        attachment.last_modified = self.world.now_epoch()
        item.attachments.append(attachment)
        self.touch_item(item)
        return attachment

    def delete_attachment(self, item: Item, attachment: Attachment) -> None:
        if attachment not in (item.attachments or ()):
            # Exchange deletes only the attachments of the item itself
            raise ErrorInvalidAttachmentId("An attachment of an attached item cannot be deleted.")
        assert item.attachments is not None
        item.attachments.remove(attachment)
        if not item.attachments:
            item.attachments = None
        self.touch_item(item)


def _default_item_class(kind: str) -> str:
    return {
        "Message": "IPM.Note",
        "CalendarItem": "IPM.Appointment",
        "Contact": "IPM.Contact",
        "Task": "IPM.Task",
        "PostItem": "IPM.Post",
        "DistributionList": "IPM.DistList",
    }.get(kind, "IPM.Note")


_SKIP_ON_CLONE = {"id", "folder", "attachments", "extra", "entered_seq", "content_seq", "last_seq", "kind"}
_CLONE_CACHE: dict[type, tuple[str, ...]] = {}


def _cloned_slots(cls: type) -> tuple[str, ...]:
    names = _CLONE_CACHE.get(cls)
    if names is None:
        slots: list[str] = []
        for klass in cls.__mro__:
            slots.extend(getattr(klass, "__slots__", ()))
        names = tuple(n for n in slots if n not in _SKIP_ON_CLONE)
        _CLONE_CACHE[cls] = names
    return names


def _compact(folder: Folder) -> None:
    items = folder.items
    tombstones = folder.journal.tombstones

    def current_change(seq: int, key: str) -> bool:
        item = items.get(key)
        if item is not None:
            return item.last_seq == seq
        tomb = tombstones.get(key)
        return tomb is not None and tomb.deleted_seq == seq

    folder.journal.changed.maybe_compact(current_change)
    # A creation entry matters while its item is in the folder (sync.py, part b).
    folder.journal.created.maybe_compact(lambda seq, key: key in items)


def set_field(item: Item, name: str, value: object) -> None:
    """Set (or with None, clear) one field by its store name; ``extra.X`` names live in
    the item's extra dict."""
    if name.startswith("extra."):
        item.set_extra(name[6:], value)
        return
    if not hasattr(type(item), name) and name not in _all_slots(type(item)):
        raise ErrorInvalidOperation(f"Property {name} does not apply to {item.kind}.")
    if value is None:
        value = _CLEARED.get(name)
    setattr(item, name, value)


_CLEARED: dict[str, object] = {
    "categories": (),
    "to": (),
    "cc": (),
    "bcc": (),
    "required": (),
    "optional": (),
    "resources": (),
    "is_read": False,
    "is_all_day": False,
    "sensitivity": "Normal",
    "importance": "Normal",
    "body_type": "Text",
}


def _all_slots(cls: type) -> set[str]:
    out: set[str] = set()
    for klass in cls.__mro__:
        out.update(getattr(klass, "__slots__", ()))
    return out


def settle_task(item: Item, changed: set[str], now: int) -> None:
    """Exchange keeps a task's Status, PercentComplete and CompleteDate consistent: a
    Status written decides (Completed → 100 %, NotStarted → 0 %), else the percentage
    does (100 % → Completed, more than 0 → InProgress); CompleteDate is stamped when the
    task completes and cleared when it is reopened."""
    status = str(item.get_extra("Status") or "NotStarted")
    percent_text = str(item.get_extra("PercentComplete") or "0")
    percent = float(percent_text)
    if "extra.Status" in changed and status in ("Completed", "NotStarted"):
        percent = 100.0 if status == "Completed" else 0.0
    elif percent >= 100:
        status = "Completed"
    elif percent > 0 and status in ("NotStarted", "Completed"):
        status = "InProgress"
    elif status == "Completed":
        status = "NotStarted"
    if float(percent_text) != percent:
        percent_text = f"{percent:g}"
    item.set_extra("Status", None if status == "NotStarted" else status)
    item.set_extra("PercentComplete", None if percent == 0 else percent_text)
    completed = item.get_extra("CompleteDate")
    item.set_extra("CompleteDate", (completed or now) if status == "Completed" else None)


def validate_item(item: Item) -> None:
    if item.sensitivity not in SENSITIVITIES:
        raise ErrorInvalidValueForProperty(f"Sensitivity {item.sensitivity!r} is not valid.")
    if item.importance not in IMPORTANCES:
        raise ErrorInvalidValueForProperty(f"Importance {item.importance!r} is not valid.")
    if isinstance(item, CalendarItem) and item.end < item.start:
        raise ErrorCalendarEndDateIsEarlierThanStartDate()
