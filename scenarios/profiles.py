"""Tenant profiles: how big and how varied a generated tenant is — the generator's
settings.  The built-in ones (tiny, small, medium, large) are population files
(scenarios/builtin/populations); :mod:`scenarios.population` reads them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "sv_SE", "pt_BR")
ATTACHMENT_SIZES: tuple[tuple[int, float], ...] = (
    (2_000, 25),
    (8_000, 20),
    (25_000, 20),
    (60_000, 15),
    (150_000, 10),
    (400_000, 6),
    (1_500_000, 4),
)


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
    #: faker locales the people's names are drawn from
    locales: tuple[str, ...] = LOCALES
    #: attachment sizes (bytes) and their weights; contents are shared filler per size
    attachment_sizes: tuple[tuple[int, float], ...] = ATTACHMENT_SIZES

    @property
    def expected_messages(self) -> int:
        return self.mailboxes * self.messages_per_mailbox

    def validate(self) -> None:
        checks = {
            "mailboxes": self.mailboxes >= 0,  # a population may have explicit mailboxes only
            "locales": len(self.locales) >= 1,
            "attachment_sizes": len(self.attachment_sizes) >= 1,
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


#: the built-in profiles: population files in builtin/populations with a generated part only
PROFILE_NAMES = ("tiny", "small", "medium", "large")


def get_profile(name: str, archive_coverage: float | None = None) -> Profile:
    """A built-in profile, read from its population file."""
    from .population import builtin_path, load_population  # the file format is built on Profile

    if name not in PROFILE_NAMES:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(PROFILE_NAMES)}")
    profile = load_population(builtin_path(name)).profile()
    if archive_coverage is not None:
        profile = replace(profile, archive_coverage=archive_coverage)
    profile.validate()
    return profile
