"""Per-mailbox settings that are not folders or items: automatic replies (OOF),
delegates, Inbox rules and user configurations — plain Python, no XML.

A mailbox gets its settings object on first use (``settings_of``), so the tens of
thousands of mailboxes of a large tenant that never touch them cost one ``None`` slot.
Everything here is JSON-able through ``to_record``/``from_record`` (the world file).
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .mailbox import Mailbox

OOF_STATES = ("Disabled", "Enabled", "Scheduled")
EXTERNAL_AUDIENCES = ("None", "Known", "All")
#: the folders a delegate's permissions name (DelegatePermissions), in schema order
DELEGATE_FOLDERS = ("Calendar", "Tasks", "Inbox", "Contacts", "Notes", "Journal")
PERMISSION_LEVELS = ("None", "Editor", "Reviewer", "Author", "Custom")
DELIVER_MEETING_REQUESTS = ("DelegatesOnly", "DelegatesAndMe", "DelegatesAndSendInformationToMe", "NoForward")


@dataclass
class OofSettings:
    """Automatic replies.  ``start``/``end`` are epoch seconds; ``replied`` holds the
    senders already answered in this OOF period (Exchange answers each sender once)."""

    state: str = "Disabled"
    external_audience: str = "All"
    start: int | None = None
    end: int | None = None
    internal_reply: str = ""
    external_reply: str = ""
    replied: list[str] = field(default_factory=list)

    def active_at(self, now: int) -> bool:
        if self.state == "Enabled":
            return True
        if self.state == "Scheduled" and self.start is not None and self.end is not None:
            return self.start <= now < self.end
        return False


@dataclass
class Delegate:
    """One delegate: ``permissions`` maps each of DELEGATE_FOLDERS to a level."""

    email: str
    permissions: dict[str, str] = field(default_factory=lambda: dict.fromkeys(DELEGATE_FOLDERS, "None"))
    receive_copies_of_meeting_messages: bool = False
    view_private_items: bool = False


#: a node of a rule's Conditions/Exceptions/Actions: [name, attributes, text, children]
#: — the shape of the EWS schema kept as plain lists, so every condition and action a
#: client writes is stored and returned, even those delivery does not evaluate.
RuleNode = list[Any]


@dataclass
class InboxRule:
    id: str
    display_name: str
    priority: int
    is_enabled: bool = True
    conditions: list[RuleNode] | None = None
    exceptions: list[RuleNode] | None = None
    actions: list[RuleNode] = field(default_factory=list)


#: a typed value of a user configuration dictionary: (EWS type name, its t:Value texts —
#: one, or several for a StringArray)
TypedValue = tuple[str, tuple[str, ...]]


@dataclass
class UserConfiguration:
    """A named configuration object of a folder (an FAI item on Exchange)."""

    folder_id: str
    name: str
    item_id: str
    version: int = 1
    dictionary: list[tuple[TypedValue, TypedValue]] | None = None
    xml_data: bytes | None = None
    binary_data: bytes | None = None


@dataclass
class MailboxSettings:
    oof: OofSettings = field(default_factory=OofSettings)
    delegates: list[Delegate] = field(default_factory=list)
    deliver_meeting_requests: str = "DelegatesAndSendInformationToMe"
    rules: list[InboxRule] = field(default_factory=list)
    configurations: dict[tuple[str, str], UserConfiguration] = field(default_factory=dict)

    def delegate(self, email: str) -> Delegate | None:
        return next((d for d in self.delegates if d.email.lower() == email.lower()), None)

    def rule(self, rule_id: str) -> InboxRule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def place_rule(self, rule: InboxRule, priority: int) -> None:
        """Put ``rule`` at ``priority`` (1 = first) and renumber 1..n, as Exchange keeps
        priorities contiguous; a priority past the end appends."""
        if rule in self.rules:
            self.rules.remove(rule)
        self.rules.insert(max(0, min(priority, len(self.rules) + 1) - 1), rule)
        self.renumber()

    def renumber(self) -> None:
        for number, rule in enumerate(self.rules, start=1):
            rule.priority = number


def settings_of(mailbox: Mailbox) -> MailboxSettings:
    if mailbox.settings is None:
        mailbox.settings = MailboxSettings()
    return mailbox.settings


# -- the world file -------------------------------------------------------------------


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def _unb64(data: str | None) -> bytes | None:
    return None if data is None else base64.b64decode(data)


def to_record(settings: MailboxSettings) -> dict[str, Any]:
    return {
        "oof": asdict(settings.oof),
        "delegates": [asdict(d) for d in settings.delegates],
        "deliver_meeting_requests": settings.deliver_meeting_requests,
        "rules": [asdict(r) for r in settings.rules],
        "configurations": [
            {**asdict(c), "xml_data": _b64(c.xml_data), "binary_data": _b64(c.binary_data)}
            for c in settings.configurations.values()
        ],
    }


def _typed(data: list[Any]) -> TypedValue:
    return (data[0], tuple(data[1]))


def _configuration(data: dict[str, Any]) -> UserConfiguration:
    dictionary = data["dictionary"]
    return UserConfiguration(
        **{
            **data,
            "dictionary": None if dictionary is None else [(_typed(k), _typed(v)) for k, v in dictionary],
            "xml_data": _unb64(data["xml_data"]),
            "binary_data": _unb64(data["binary_data"]),
        }
    )


def from_record(data: dict[str, Any]) -> MailboxSettings:
    configurations = [_configuration(c) for c in data["configurations"]]
    return MailboxSettings(
        oof=OofSettings(**data["oof"]),
        delegates=[Delegate(**d) for d in data["delegates"]],
        deliver_meeting_requests=data["deliver_meeting_requests"],
        rules=[InboxRule(**r) for r in data["rules"]],
        configurations={(c.folder_id, c.name.lower()): c for c in configurations},
    )
