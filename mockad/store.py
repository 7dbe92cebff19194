"""The directory of the mock tenant: users, groups and mail contacts, with nesting.

Plain Python state (architecture §3).  One Directory lives in each World: it answers
mockews' ExpandDL/ResolveNames and mockad's Graph-shaped API, and creating a user with
a mailbox provisions that mailbox (through the ``on_mailbox`` hook the World installs).
Field names follow Microsoft Graph so the API stays a thin rendering layer.

Every change stamps the object with a sequence number from the world's counter, and
deletions and membership changes are logged, so Graph's delta queries can say what
changed since a token.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

ObjectKind = Literal["user", "group", "contact"]


class DirectoryError(ValueError):
    """A request the directory refuses (unknown object, duplicate address …)."""


@dataclass
class DirectoryUser:
    id: str
    display_name: str
    mail: str | None
    user_principal_name: str
    given_name: str | None = None
    surname: str | None = None
    proxy_addresses: list[str] = field(default_factory=list)
    account_enabled: bool = True
    licensed: bool = True
    has_mailbox: bool = True
    department: str | None = None
    job_title: str | None = None
    distinguished_name: str | None = None
    sam_account_name: str | None = None
    # what ResolveNames' full contact data and FindPeople show (Graph's names)
    company_name: str | None = None
    office_location: str | None = None
    business_phones: list[str] = field(default_factory=list)
    mobile_phone: str | None = None
    street_address: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    #: "Room" or "Equipment" for a resource mailbox (GetRooms lists rooms), else None
    resource_type: str | None = None
    changed_seq: int = 0

    @property
    def is_room(self) -> bool:
        return self.resource_type == "Room"


@dataclass
class DirectoryGroup:
    id: str
    display_name: str
    mail: str | None
    mail_enabled: bool = True
    security_enabled: bool = False
    group_types: list[str] = field(default_factory=list)  # ["Unified"] for Microsoft 365 groups
    distinguished_name: str | None = None
    sync_enabled: bool = True
    members: list[str] = field(default_factory=list)  # ids of users, groups and contacts
    #: a room list: a distribution group of room mailboxes (GetRoomLists, GetRooms)
    is_room_list: bool = False
    changed_seq: int = 0

    @property
    def is_unified(self) -> bool:
        return "Unified" in self.group_types


@dataclass
class MailContact:
    id: str
    display_name: str
    mail: str
    changed_seq: int = 0


DirectoryObject = DirectoryUser | DirectoryGroup | MailContact


def _names(cls: type[DirectoryUser | DirectoryGroup], *exclude: str) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls)) - {"id", "changed_seq", *exclude}


#: what may be set on a user: every field but its id and change stamp
USER_FIELDS = _names(DirectoryUser)
#: ... on a group: members change one by one, and a group's type is fixed when it is made
GROUP_FIELDS = _names(DirectoryGroup, "members", "group_types", "is_room_list")


def _check_fields(kind: ObjectKind, given: Iterable[str], allowed: frozenset[str]) -> None:
    unknown = set(given) - allowed
    if unknown:
        raise DirectoryError(f"unknown {kind} field {sorted(unknown)[0]!r}")


@dataclass(frozen=True, slots=True)
class MemberChange:
    seq: int
    member_id: str
    added: bool


@dataclass(frozen=True, slots=True)
class Removal:
    seq: int
    kind: ObjectKind


def _kind(obj: DirectoryObject) -> ObjectKind:
    if isinstance(obj, DirectoryUser):
        return "user"
    if isinstance(obj, DirectoryGroup):
        return "group"
    return "contact"


class Directory:
    def __init__(
        self,
        rng: random.Random,
        next_seq: Callable[[], int] | None = None,
        on_mailbox: Callable[[DirectoryUser], None] | None = None,
    ) -> None:
        self._rng = rng
        counter = itertools.count(1)
        self._next_seq = next_seq or (lambda: next(counter))
        self.on_mailbox = on_mailbox
        self.users: dict[str, DirectoryUser] = {}
        self.groups: dict[str, DirectoryGroup] = {}
        self.contacts: dict[str, MailContact] = {}
        self.removed: dict[str, Removal] = {}
        self.member_log: dict[str, list[MemberChange]] = {}
        self._by_mail: dict[str, DirectoryObject] = {}
        self.last_seq = 0

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _stamp(self, obj: DirectoryObject) -> None:
        obj.changed_seq = self.last_seq = self._next_seq()

    # -- the address index -------------------------------------------------------------

    @staticmethod
    def _addresses(obj: DirectoryObject) -> list[str]:
        if isinstance(obj, DirectoryUser):
            return [a for a in (obj.mail, obj.user_principal_name, *obj.proxy_addresses) if a]
        return [obj.mail] if obj.mail else []

    def _index(self, obj: DirectoryObject) -> None:
        for address in self._addresses(obj):
            key = address.split(":", 1)[-1].lower()
            if key:
                self._by_mail.setdefault(key, obj)

    def _unindex(self, obj: DirectoryObject) -> None:
        for address in self._addresses(obj):
            key = address.split(":", 1)[-1].lower()
            if self._by_mail.get(key) is obj:
                del self._by_mail[key]

    def _check_free(self, addresses: list[str | None], owner: DirectoryObject | None = None) -> None:
        for address in addresses:
            if not address:
                continue
            taken = self._by_mail.get(address.split(":", 1)[-1].lower())
            if taken is not None and taken is not owner:
                raise DirectoryError(f"the address {address} is already used by {taken.display_name}")

    # -- creation ----------------------------------------------------------------------

    def add_user(self, display_name: str, mail: str | None, **fields: object) -> DirectoryUser:
        _check_fields("user", fields, USER_FIELDS)
        upn = str(fields.pop("user_principal_name", None) or mail or "")
        if not upn:
            raise DirectoryError("a user needs a mail address or a userPrincipalName")
        user = DirectoryUser(id=self._new_id(), display_name=display_name, mail=mail, user_principal_name=upn)
        for name, value in fields.items():
            setattr(user, name, value)
        if not user.proxy_addresses and mail:
            user.proxy_addresses = [f"SMTP:{mail}"]
        self._check_free([mail, upn, *user.proxy_addresses])
        if user.has_mailbox and not mail:
            raise DirectoryError("a user with a mailbox needs a mail address")
        self.users[user.id] = user
        self._index(user)
        self._stamp(user)
        if user.has_mailbox and self.on_mailbox is not None:
            self.on_mailbox(user)
        return user

    def add_group(
        self,
        display_name: str,
        mail: str | None,
        kind: str = "distribution",
        distinguished_name: str | None = None,
        members: list[str] | None = None,
    ) -> DirectoryGroup:
        """``kind`` is ``security``, ``distribution``, ``unified`` (Microsoft 365) or
        ``roomlist`` (a distribution group Exchange marks as a room list)."""
        if kind not in ("security", "distribution", "unified", "roomlist"):
            raise DirectoryError(f"unknown group kind {kind!r}")
        self._check_free([mail])
        group = DirectoryGroup(
            id=self._new_id(),
            display_name=display_name,
            mail=mail,
            mail_enabled=kind != "security" or mail is not None,
            security_enabled=kind == "security",
            group_types=["Unified"] if kind == "unified" else [],
            distinguished_name=distinguished_name,
            is_room_list=kind == "roomlist",
        )
        self.groups[group.id] = group
        self._index(group)
        self._stamp(group)
        for member in members or []:
            self.add_member(group.id, member)
        return group

    def add_contact(self, display_name: str, mail: str) -> MailContact:
        self._check_free([mail])
        contact = MailContact(id=self._new_id(), display_name=display_name, mail=mail)
        self.contacts[contact.id] = contact
        self._index(contact)
        self._stamp(contact)
        return contact

    def restore(self, obj: DirectoryObject) -> None:
        """Put back an object read from a saved world (ids and stamps kept)."""
        if isinstance(obj, DirectoryUser):
            self.users[obj.id] = obj
        elif isinstance(obj, DirectoryGroup):
            self.groups[obj.id] = obj
        else:
            self.contacts[obj.id] = obj
        self._index(obj)
        self.last_seq = max(self.last_seq, obj.changed_seq)

    # -- changes -----------------------------------------------------------------------

    def update_user(self, user_id: str, **fields: object) -> DirectoryUser:
        """Change fields of a user (disable, unlicense, rename, re-address, give a mailbox)."""
        user = self.user(user_id)
        _check_fields("user", fields, USER_FIELDS)
        had_mailbox = user.has_mailbox
        proxies = fields.get("proxy_addresses", user.proxy_addresses)
        assert isinstance(proxies, list)
        addresses = [
            fields.get("mail", user.mail),
            fields.get("user_principal_name", user.user_principal_name),
            *proxies,
        ]
        self._check_free([a if isinstance(a, str) else None for a in addresses], owner=user)
        self._unindex(user)
        for name, value in fields.items():
            setattr(user, name, value)
        self._index(user)
        self._stamp(user)
        if user.has_mailbox and not had_mailbox and self.on_mailbox is not None:
            self.on_mailbox(user)
        return user

    def update_group(self, group_id: str, **fields: object) -> DirectoryGroup:
        group = self.group(group_id)
        _check_fields("group", fields, GROUP_FIELDS)
        if "mail" in fields:
            mail = fields["mail"]
            self._check_free([mail if isinstance(mail, str) else None], owner=group)
        self._unindex(group)
        for name, value in fields.items():
            setattr(group, name, value)
        self._index(group)
        self._stamp(group)
        return group

    def delete(self, object_id: str) -> None:
        """Remove a user, group or contact (and its memberships)."""
        obj = self.get(object_id)
        if obj is None:
            raise DirectoryError(f"no directory object {object_id}")
        for group in list(self.groups.values()):
            if object_id in group.members:
                self.remove_member(group.id, object_id)
        self._unindex(obj)
        kind = _kind(obj)
        if isinstance(obj, DirectoryUser):
            del self.users[object_id]
        elif isinstance(obj, DirectoryGroup):
            del self.groups[object_id]
        else:
            del self.contacts[object_id]
        self.removed[object_id] = Removal(self._next_seq(), kind)
        self.last_seq = self.removed[object_id].seq
        self.member_log.pop(object_id, None)

    def add_member(self, group_id: str, member_id: str) -> None:
        group = self.group(group_id)
        if self.get(member_id) is None:
            raise DirectoryError(f"no directory object {member_id}")
        if member_id not in group.members:
            group.members.append(member_id)
            self._log_member(group, member_id, added=True)

    def remove_member(self, group_id: str, member_id: str) -> None:
        group = self.group(group_id)
        if member_id in group.members:
            group.members.remove(member_id)
            self._log_member(group, member_id, added=False)

    def _log_member(self, group: DirectoryGroup, member_id: str, added: bool) -> None:
        self._stamp(group)
        self.member_log.setdefault(group.id, []).append(MemberChange(group.changed_seq, member_id, added))

    # -- lookups -----------------------------------------------------------------------

    def get(self, object_id: str) -> DirectoryObject | None:
        return self.users.get(object_id) or self.groups.get(object_id) or self.contacts.get(object_id)

    def user(self, user_id: str) -> DirectoryUser:
        user = self.users.get(user_id)
        if user is None:
            raise DirectoryError(f"no user {user_id}")
        return user

    def group(self, group_id: str) -> DirectoryGroup:
        group = self.groups.get(group_id)
        if group is None:
            raise DirectoryError(f"no group {group_id}")
        return group

    def members(self, group: DirectoryGroup) -> list[DirectoryObject]:
        return [obj for obj in (self.get(m) for m in group.members) if obj is not None]

    def transitive_members(self, group: DirectoryGroup) -> list[DirectoryObject]:
        """Every member reachable through nested groups, each once; cycles are
        tolerated (a group met again is not expanded again)."""
        seen_groups = {group.id}
        seen: set[str] = set()
        out: list[DirectoryObject] = []
        stack = list(reversed(group.members))
        while stack:
            obj = self.get(stack.pop())
            if obj is None or obj.id in seen:
                continue
            seen.add(obj.id)
            out.append(obj)
            if isinstance(obj, DirectoryGroup) and obj.id not in seen_groups:
                seen_groups.add(obj.id)
                stack.extend(reversed(obj.members))
        return out

    def by_mail(self, address: str) -> DirectoryObject | None:
        return self._by_mail.get(address.split(":", 1)[-1].lower())

    def user_by_mail(self, address: str) -> DirectoryUser | None:
        obj = self.by_mail(address)
        return obj if isinstance(obj, DirectoryUser) else None

    def group_by_mail(self, address: str) -> DirectoryGroup | None:
        obj = self.by_mail(address)
        return obj if isinstance(obj, DirectoryGroup) else None

    def group_by_dn(self, distinguished_name: str) -> DirectoryGroup | None:
        wanted = distinguished_name.strip().lower()
        return next((g for g in self.groups.values() if (g.distinguished_name or "").lower() == wanted), None)

    def all_objects(self) -> Iterator[DirectoryObject]:
        yield from self.users.values()
        yield from self.groups.values()
        yield from self.contacts.values()

    def search(self, text: str) -> list[DirectoryObject]:
        """Ambiguous-name resolution as ResolveNames does it: an exact address (with or
        without ``smtp:``), else a prefix of the display name, a word of it, or the address."""
        text = text.strip()
        if not text:
            return []
        exact = self.by_mail(text)
        if exact is not None and ("@" in text or text.lower().startswith("smtp:")):
            return [exact]
        needle = text.lower()
        found: list[DirectoryObject] = []
        for obj in self.all_objects():
            mail = (obj.mail or "").lower()
            name = obj.display_name.lower()
            if (
                name.startswith(needle)
                or any(word.startswith(needle) for word in name.split())
                or (mail and mail.startswith(needle))
            ):
                found.append(obj)
        return sorted(found, key=lambda o: (o.display_name.lower(), (o.mail or "").lower()))
