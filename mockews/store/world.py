"""The world: every mailbox, login account and directory entry of one mock tenant.

One world is shared by mockews and mockad (issue 3).  It owns the injected clock, the
single seeded RNG behind every id, the world-wide change sequence, and the lock that
serialises operations (so a run is deterministic given the order of requests).
"""

from __future__ import annotations

import hashlib
import random
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mockad.store import Directory, DirectoryUser

from ..clock import Clock, SystemClock
from ..errors import ErrorNonExistentMailbox
from .ids import IdFactory, change_key, tag_of
from .mailbox import Mailbox
from .model import Recipient
from .notify import Notifier

if TYPE_CHECKING:
    from .delivery import PendingDelivery
from .syncstate import SyncStateCodec


@dataclass(frozen=True)
class ServerVersion:
    """What ``t:ServerVersionInfo`` says; an Exchange 2016 CU build by default."""

    major: int = 15
    minor: int = 1
    major_build: int = 2507
    minor_build: int = 6
    version: str = "Exchange2016"


@dataclass
class Account:
    """A login.  ``can_impersonate`` is the ApplicationImpersonation right;
    ``full_access`` lists mailboxes this account may open as a delegate."""

    email: str
    password: str | None = None
    can_impersonate: bool = False
    full_access: set[str] = field(default_factory=set)


class World:
    def __init__(
        self,
        seed: int = 0,
        clock: Clock | None = None,
        server_version: ServerVersion | None = None,
        domain: str = "contoso.example",
        delivery_delay_s: int | None = None,
        system_folders: bool = True,
    ) -> None:
        """``delivery_delay_s``: seconds from a send to the arrival (delivery.py); 0 delivers
        at once, None takes the default."""
        # system_folders=False: new mailboxes get only the core distinguished folders
        # (mail, calendar, contacts, tasks, notes, Recoverable Items) — the folder set
        # the simulations' expectations were recorded with; see Mailbox.
        self.system_folders = system_folders
        from .delivery import DEFAULT_DELIVERY_DELAY_S

        self.clock: Clock = clock or SystemClock()
        self.delivery_delay_s = DEFAULT_DELIVERY_DELAY_S if delivery_delay_s is None else delivery_delay_s
        self.server_version = server_version or ServerVersion()
        self.domain = domain
        self.lock = threading.RLock()
        self._resets = 0
        self.reset(seed)

    def reset(self, seed: int | None = None) -> None:
        """Forget everything; the next ids repeat those of a fresh world with this seed,
        but sync states of the old world are refused (the epoch changes per reset)."""
        with self.lock:
            if seed is not None:
                self.seed = seed
            self.rng = random.Random(self.seed)
            self.ids = IdFactory(self.rng)
            self.seq = 0
            self.mailboxes: dict[str, Mailbox] = {}
            self._by_tag: dict[str, Mailbox] = {}
            self.accounts: dict[str, Account] = {}
            self.directory = Directory(self.rng, self.next_seq, self._mailbox_for_user)
            self._recipients: dict[tuple[str, str, str, str], Recipient] = {}
            #: free-form facts about how the world was made (profile, seed, archive coverage …)
            self.meta: dict[str, object] = {}
            self.notifier = Notifier(self)
            self.pending_deliveries: list[PendingDelivery] = []
            self._install_epoch(f"{self.seed}:{self._resets}")
            self._resets += 1

    def _install_epoch(self, salt: str) -> None:
        """Sync states are keyed by this salt: a new salt refuses every older state."""
        self._salt = salt
        digest = hashlib.sha256(salt.encode()).digest()
        self.sync_states = SyncStateCodec(secret=digest[:16], epoch=int.from_bytes(digest[16:24], "big"))

    def sync_states_salt(self) -> str:
        return self._salt

    def restore_epoch(self, saved_salt: str) -> None:
        """After loading a saved world: a salt derived from, but different from, the
        saved one, so states issued before the save are refused (journals are not saved)."""
        self._install_epoch(hashlib.sha256(f"{saved_salt}:restored".encode()).hexdigest())

    def register_mailbox(self, mailbox: Mailbox) -> None:
        self.mailboxes[mailbox.email.lower()] = mailbox
        self._by_tag[mailbox.tag] = mailbox

    # -- time and sequence -----------------------------------------------------------

    def now_epoch(self) -> int:
        return int(self.clock.now().timestamp())

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    change_key = staticmethod(change_key)

    # -- ids -------------------------------------------------------------------------

    def new_folder_id(self, mailbox: Mailbox) -> str:
        while True:
            fid = self.ids.folder_id(mailbox.tag)
            if fid not in mailbox.objects:
                return fid

    def new_item_id(self, mailbox: Mailbox) -> str:
        while True:
            iid = self.ids.item_id(mailbox.tag)
            if iid not in mailbox.objects:
                return iid

    def mailbox_of_id(self, object_id: str) -> Mailbox | None:
        tag = tag_of(object_id)
        return None if tag is None else self._by_tag.get(tag)

    # -- mailboxes and accounts ------------------------------------------------------

    def provision_mailbox(
        self,
        email: str,
        display_name: str | None = None,
        password: str | None = None,
        can_impersonate: bool = False,
    ) -> Mailbox:
        """Create a mailbox with its well-known folders, a login account and a
        directory user (idempotent for an existing address)."""
        with self.lock:
            key = email.lower()
            existing = self.mailboxes.get(key)
            if existing is not None:
                return existing
            display_name = display_name or email.split("@")[0].replace(".", " ").title()
            mailbox = Mailbox(self, email, display_name, self._new_tag())
            self.register_mailbox(mailbox)
            account = self.accounts.get(key)
            if account is None:
                self.accounts[key] = Account(email, password, can_impersonate)
            else:
                account.password = password or account.password
                account.can_impersonate = account.can_impersonate or can_impersonate
            if self.directory.user_by_mail(email) is None:
                self.directory.add_user(display_name=display_name, mail=email, has_mailbox=True)
            return mailbox

    def provision_resource(self, email: str, display_name: str, resource_type: str = "Room") -> Mailbox:
        """A room (or equipment) mailbox: a mailbox whose directory user is marked as a
        resource, so GetRooms lists it and its calendar answers free/busy."""
        if resource_type not in ("Room", "Equipment"):
            raise ValueError(f"unknown resource type {resource_type!r}")
        with self.lock:
            mailbox = self.provision_mailbox(email, display_name)
            user = self.directory.user_by_mail(email)
            assert user is not None  # provision_mailbox made it
            if user.resource_type != resource_type:
                self.directory.update_user(user.id, resource_type=resource_type)
            return mailbox

    def enable_archive(self, email: str) -> Mailbox:
        """Give a mailbox its archive mailbox (Enable-Mailbox -Archive): a mailbox of its
        own, reached through the owner's address and the archive* folder ids.  Idempotent."""
        with self.lock:
            primary = self.mailbox(email)
            if primary.archive is None:
                archive = Mailbox(self, primary.email, primary.display_name, self._new_tag(), archive_of=primary)
                self.register_archive(primary, archive)
            assert primary.archive is not None
            return primary.archive

    def register_archive(self, primary: Mailbox, archive: Mailbox) -> None:
        primary.archive = archive
        self._by_tag[archive.tag] = archive

    def _new_tag(self) -> str:
        while True:
            tag = self.ids.mailbox_tag()
            if tag not in self._by_tag:
                return tag

    def _mailbox_for_user(self, user: DirectoryUser) -> None:
        """The directory created (or gave a mailbox to) a user: provision the mailbox."""
        if user.mail:
            self.provision_mailbox(user.mail, user.display_name)

    def add_account(self, email: str, password: str | None, can_impersonate: bool = False) -> Account:
        """A login without a mailbox of its own (e.g. a service account)."""
        with self.lock:
            account = self.accounts.get(email.lower())
            if account is None:
                account = Account(email, password, can_impersonate)
                self.accounts[email.lower()] = account
            else:
                account.password = password
                account.can_impersonate = can_impersonate
            return account

    def mailbox(self, email: str) -> Mailbox:
        mailbox = self.mailboxes.get(email.lower())
        if mailbox is None:
            user = self.directory.user_by_mail(email)
            if user is not None and user.mail:
                mailbox = self.mailboxes.get(user.mail.lower())
        if mailbox is None:
            raise ErrorNonExistentMailbox(f"The SMTP address has no mailbox associated with it: {email}")
        return mailbox

    def find_mailbox(self, email: str) -> Mailbox | None:
        try:
            return self.mailbox(email)
        except ErrorNonExistentMailbox:
            return None

    def recipient(
        self, name: str | None, email: str, routing_type: str = "SMTP", mailbox_type: str = "Mailbox"
    ) -> Recipient:
        """The interned Recipient for (name, address): items share these objects."""
        key = (name or "", email.lower(), routing_type, mailbox_type)
        found = self._recipients.get(key)
        if found is None:
            if not name:
                mailbox = self.mailboxes.get(email.lower())
                name = mailbox.display_name if mailbox else email
            found = Recipient(name, email, routing_type, mailbox_type)
            self._recipients[key] = found
        return found

    # -- state -----------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self.lock:
            folders = items = 0
            for mailbox in self.mailboxes.values():
                for f in mailbox.folders():
                    folders += 1
                    items += len(f.items)
            return {
                "mailboxes": len(self.mailboxes),
                "accounts": len(self.accounts),
                "folders": folders,
                "items": items,
                "users": len(self.directory.users),
                "groups": len(self.directory.groups),
                "sequence": self.seq,
            }
