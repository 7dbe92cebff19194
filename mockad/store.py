"""The directory of the mock tenant: users, groups and mail contacts, with nesting.

Plain Python state (architecture §3).  The same Directory object answers mockews'
ExpandDL/ResolveNames and, later, mockad's Graph-shaped HTTP API; field names follow
Microsoft Graph so that API stays a thin rendering layer.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class DirectoryUser:
    id: str
    display_name: str
    mail: str
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

    @property
    def is_unified(self) -> bool:
        return "Unified" in self.group_types


@dataclass
class MailContact:
    id: str
    display_name: str
    mail: str


DirectoryObject = DirectoryUser | DirectoryGroup | MailContact


class Directory:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self.users: dict[str, DirectoryUser] = {}
        self.groups: dict[str, DirectoryGroup] = {}
        self.contacts: dict[str, MailContact] = {}
        self._by_mail: dict[str, DirectoryObject] = {}

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _index(self, obj: DirectoryObject, addresses: list[str]) -> None:
        for address in addresses:
            key = address.split(":", 1)[-1].lower()
            if key:
                self._by_mail.setdefault(key, obj)

    # -- creation --------------------------------------------------------------------

    def add_user(self, display_name: str, mail: str, **fields: object) -> DirectoryUser:
        upn = str(fields.pop("user_principal_name", mail))
        user = DirectoryUser(id=self._new_id(), display_name=display_name, mail=mail, user_principal_name=upn)
        for name, value in fields.items():
            if not hasattr(user, name):
                raise ValueError(f"unknown user field {name!r}")
            setattr(user, name, value)
        if not user.proxy_addresses:
            user.proxy_addresses = [f"SMTP:{mail}"]
        self.users[user.id] = user
        self._index(user, [mail, upn, *user.proxy_addresses])
        return user

    def add_group(
        self,
        display_name: str,
        mail: str | None,
        kind: str = "distribution",
        distinguished_name: str | None = None,
        members: list[str] | None = None,
    ) -> DirectoryGroup:
        """``kind`` is ``security``, ``distribution`` or ``unified`` (Microsoft 365)."""
        if kind not in ("security", "distribution", "unified"):
            raise ValueError(f"unknown group kind {kind!r}")
        group = DirectoryGroup(
            id=self._new_id(),
            display_name=display_name,
            mail=mail,
            mail_enabled=kind != "security" or mail is not None,
            security_enabled=kind == "security",
            group_types=["Unified"] if kind == "unified" else [],
            distinguished_name=distinguished_name,
        )
        self.groups[group.id] = group
        if mail:
            self._index(group, [mail])
        for member in members or []:
            self.add_member(group.id, member)
        return group

    def add_contact(self, display_name: str, mail: str) -> MailContact:
        contact = MailContact(id=self._new_id(), display_name=display_name, mail=mail)
        self.contacts[contact.id] = contact
        self._index(contact, [mail])
        return contact

    def restore(self, obj: DirectoryObject) -> None:
        """Put back an object read from a saved world (ids kept)."""
        if isinstance(obj, DirectoryUser):
            self.users[obj.id] = obj
            self._index(obj, [obj.mail, obj.user_principal_name, *obj.proxy_addresses])
        elif isinstance(obj, DirectoryGroup):
            self.groups[obj.id] = obj
            if obj.mail:
                self._index(obj, [obj.mail])
        else:
            self.contacts[obj.id] = obj
            self._index(obj, [obj.mail])

    # -- membership ------------------------------------------------------------------

    def get(self, object_id: str) -> DirectoryObject | None:
        return self.users.get(object_id) or self.groups.get(object_id) or self.contacts.get(object_id)

    def add_member(self, group_id: str, member_id: str) -> None:
        group = self.groups[group_id]
        if self.get(member_id) is None:
            raise KeyError(f"no directory object {member_id}")
        if member_id not in group.members:
            group.members.append(member_id)

    def remove_member(self, group_id: str, member_id: str) -> None:
        group = self.groups[group_id]
        if member_id in group.members:
            group.members.remove(member_id)

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

    # -- lookups ---------------------------------------------------------------------

    def by_mail(self, address: str) -> DirectoryObject | None:
        return self._by_mail.get(address.split(":", 1)[-1].lower())

    def user_by_mail(self, address: str) -> DirectoryUser | None:
        obj = self.by_mail(address)
        return obj if isinstance(obj, DirectoryUser) else None

    def group_by_mail(self, address: str) -> DirectoryGroup | None:
        obj = self.by_mail(address)
        return obj if isinstance(obj, DirectoryGroup) else None

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
