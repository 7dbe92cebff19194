"""A small, fixed demo tenant for `synceng demo` and quick manual checks.

Deterministic from its seed: five people, a service account holding the impersonation
right, nested distribution groups, user folders, a few dozen messages per mailbox
(some Personal/Private, some Enterprise Vault shortcuts, some with attachments) and
calendar items (single and recurring).  The faker-driven generator of larger tenants
lives beside it (scenarios/, a later issue).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from mockews.store import EV_SHORTCUT_CLASS, Recurrence, World
from mockews.store.loader import folder_by_path, new_calendar_item, new_message

DOMAIN = "contoso.example"
SERVICE_ACCOUNT = f"svc-sync@{DOMAIN}"
SERVICE_PASSWORD = "Sync-Demo-1"
USER_PASSWORD = "Demo-Pass-1"
PEOPLE = (
    ("alice", "Alice Martin", "Engineering"),
    ("bob", "Bob Nguyen", "Engineering"),
    ("carol", "Carol Schmidt", "Finance"),
    ("dave", "Dave Okafor", "Finance"),
    ("erin", "Erin Rossi", "Legal"),
)
FOLDERS = ("inbox/Projects", "inbox/Projects/Apollo", "inbox/Projects/Zephyr", "Archive 2023", "Receipts")
SUBJECTS = (
    "Quarterly report",
    "Lunch on Friday?",
    "Contract draft v3",
    "Build failed on main",
    "Invoice 4471",
    "Travel booking",
    "Re: budget review",
    "Offsite agenda",
    "Security training",
    "Customer escalation",
)


def build_demo_world(world: World, seed: int = 42, messages_per_mailbox: int = 40) -> World:
    rng = random.Random(seed)
    base = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    world.add_account(SERVICE_ACCOUNT, SERVICE_PASSWORD, can_impersonate=True)
    addresses = []
    for alias, name, department in PEOPLE:
        email = f"{alias}@{DOMAIN}"
        addresses.append((name, email))
        world.provision_mailbox(email, name, password=USER_PASSWORD)
        user = world.directory.user_by_mail(email)
        assert user is not None
        user.department = department
        user.given_name, user.surname = name.split(" ", 1)
    directory = world.directory
    engineering = directory.add_group(
        "Engineering",
        f"engineering@{DOMAIN}",
        "distribution",
        members=[directory.user_by_mail(f"{a}@{DOMAIN}").id for a in ("alice", "bob")],  # type: ignore[union-attr]
    )
    finance = directory.add_group(
        "Finance",
        f"finance@{DOMAIN}",
        "security",
        distinguished_name="CN=Finance,OU=Groups,DC=contoso,DC=example",
        members=[directory.user_by_mail(f"{a}@{DOMAIN}").id for a in ("carol", "dave")],  # type: ignore[union-attr]
    )
    directory.add_group(
        "All Staff",
        f"all-staff@{DOMAIN}",
        "distribution",
        members=[engineering.id, finance.id, directory.user_by_mail(f"erin@{DOMAIN}").id],  # type: ignore[union-attr]
    )
    for name, email in addresses:
        mailbox = world.mailbox(email)
        folders = [folder_by_path(mailbox, path) for path in FOLDERS]
        folders += [mailbox.well_known("inbox")] * 4 + [mailbox.well_known("sentitems")] * 2
        for n in range(messages_per_mailbox):
            folder = rng.choice(folders)
            sender_name, sender = rng.choice(addresses)
            received = base - timedelta(hours=rng.randint(1, 24 * 400))
            roll = rng.random()
            new_message(
                mailbox,
                folder,
                subject=f"{rng.choice(SUBJECTS)} #{n}",
                body=f"Hello {name.split()[0]},\n\nmessage {n} of the demo tenant.\n",
                sender=(sender_name, sender),
                to=[(name, email)],
                received=received,
                sent=received - timedelta(seconds=rng.randint(5, 300)),
                is_read=rng.random() < 0.7,
                sensitivity="Private" if roll < 0.04 else ("Personal" if roll < 0.06 else "Normal"),
                item_class=EV_SHORTCUT_CLASS if rng.random() < 0.05 else None,
                message_id=f"<demo-{mailbox.tag}-{n}@{DOMAIN}>",
                attachments=[("notes.txt", b"demo attachment\n")] if rng.random() < 0.15 else (),
            )
        calendar = mailbox.well_known("calendar")
        for n in range(6):
            start = base + timedelta(days=rng.randint(0, 30), hours=rng.randint(0, 8))
            new_calendar_item(
                mailbox,
                calendar,
                f"Meeting {n}",
                start,
                start + timedelta(minutes=30 * rng.randint(1, 4)),
                location=rng.choice(["Room 1", "Room 2", "Teams"]),
                sensitivity="Private" if n == 5 else "Normal",
                required=[a for a in addresses if a[1] != email][: rng.randint(0, 3)],
            )
        new_calendar_item(
            mailbox,
            calendar,
            "Weekly sync",
            base,
            base + timedelta(minutes=30),
            recurrence=Recurrence(
                "WeeklyRecurrence",
                (("Interval", "1"), ("DaysOfWeek", "Monday")),
                "NoEndRecurrence",
                (("StartDate", "2024-03-04"),),
            ),
        )
    return world
