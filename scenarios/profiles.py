"""Tenant profiles: how big and how varied a generated tenant is."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime


@dataclass(frozen=True)
class Profile:
    name: str
    mailboxes: int
    messages_per_mailbox: int  # mean; per-mailbox counts are heavy-tailed around it
    calendar_items_per_mailbox: int
    users_without_mailbox: int
    contacts: int
    groups: int
    disabled_fraction: float = 0.03  # disabled accounts keep their mailboxes (T9: skipped)
    unlicensed_fraction: float = 0.02
    max_group_size: int = 300
    min_group_size: int = 5
    user_folders: tuple[int, int] = (3, 30)  # per mailbox, heavy-tailed in between
    max_folder_depth: int = 4
    private_fraction: float = 0.02  # Personal + Private, half each
    ev_shortcut_fraction: float = 0.03
    attachment_fraction: float = 0.15  # messages with 1 to 3 attachments
    thread_fraction: float = 0.2
    read_fraction: float = 0.8
    years: float = 4.0  # received dates spread over this many years before `now`
    calendar_private_fraction: float = 0.05
    recurring_fraction: float = 0.15
    extra_calendars: tuple[int, int] = (0, 2)
    archive_coverage: float = 0.98  # share of messages the archive already holds
    now: datetime = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)

    @property
    def expected_messages(self) -> int:
        return self.mailboxes * self.messages_per_mailbox

    def validate(self) -> None:
        checks = {
            "mailboxes": self.mailboxes >= 1,
            "messages_per_mailbox": self.messages_per_mailbox >= 0,
            "calendar_items_per_mailbox": self.calendar_items_per_mailbox >= 0,
            "groups": self.groups >= 0,
            "archive_coverage": 0.0 <= self.archive_coverage <= 1.0,
            "max_folder_depth": 1 <= self.max_folder_depth <= 4,
            "min_group_size": 1 <= self.min_group_size <= self.max_group_size,
        }
        for name, ok in checks.items():
            if not ok:
                raise ValueError(f"profile {self.name}: {name}={getattr(self, name)!r} is out of range")


PROFILES: dict[str, Profile] = {
    # for tests and quick looks; not one of the sizes
    "tiny": Profile(
        "tiny",
        mailboxes=4,
        messages_per_mailbox=40,
        calendar_items_per_mailbox=6,
        users_without_mailbox=2,
        contacts=2,
        groups=3,
        min_group_size=2,
        user_folders=(2, 6),
    ),
    "small": Profile(
        "small",
        mailboxes=20,
        messages_per_mailbox=200,
        calendar_items_per_mailbox=15,
        users_without_mailbox=3,
        contacts=5,
        groups=6,
    ),
    "medium": Profile(
        "medium",
        mailboxes=200,
        messages_per_mailbox=2_000,
        calendar_items_per_mailbox=60,
        users_without_mailbox=20,
        contacts=30,
        groups=30,
    ),
    "large": Profile(
        "large",
        mailboxes=2_000,
        messages_per_mailbox=5_000,
        calendar_items_per_mailbox=120,
        users_without_mailbox=150,
        contacts=200,
        groups=200,
    ),
}


def get_profile(name: str, archive_coverage: float | None = None) -> Profile:
    try:
        profile = PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}") from None
    if archive_coverage is not None:
        profile = replace(profile, archive_coverage=archive_coverage)
    profile.validate()
    return profile
