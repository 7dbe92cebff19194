"""Which mailboxes an execution processes (domain.md §1 group targets, T7, T9).

* AD security / distribution groups by DN: the directory's transitive members;
* Office 365 distribution groups: EWS ``ExpandDL`` through exchangelib, nested lists
  expanded in turn (cycles tolerated);
* a single mailbox, or a ``;`` list.

Membership is resolved at the start of an execution and cached for one hour (T7).
With a directory configured, every member's account is checked (T9): disabled,
unlicensed or mailbox-less accounts are Skipped with the reason.  Members come back
de-duplicated and in a deterministic order (primary address)."""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from dataclasses import asdict, dataclass
from typing import Any

from exchangelib.properties import DLMailbox
from exchangelib.protocol import Protocol

from engine.clock import Clock

from .backoff import RetryPolicy, attempts
from .directory import Directory, Person, person
from .events import Cost, Event
from .ews import Ews, retrying
from .links import LinkDown, LinkRefused
from .state import SiteState

CACHE_SECONDS = 3600.0  # T7
BULK_LOOKUP = 10  # above this many addresses, list the directory's users once
AD_KINDS = ("ad_security_group", "ad_distribution_group")
#: targets whose members only the site can know (the console holds addresses for the others)
GROUP_KINDS = (*AD_KINDS, "o365_group")


class ResolutionFailed(Exception):
    """The group could not be resolved: the execution fails (nothing is processed)."""


@dataclass(frozen=True)
class Member:
    mailbox: str
    skip: str | None = None  # T9: why the mailbox is Skipped


def _directory_call(directory: Directory, call: Any, policy: RetryPolicy, what: str) -> Generator[Event, None, Any]:
    before = [directory.calls]

    def counted() -> Any:
        before[0] = directory.calls
        return call()

    def spent(_: Any = None) -> Cost:
        return Cost(http_calls=directory.calls - before[0])  # a Graph call may page

    try:
        return (
            yield from attempts(
                counted,
                policy,
                transient=lambda exc: isinstance(exc, LinkDown),
                give_up=lambda exc: ResolutionFailed(f"the directory is unreachable ({what})"),
                failed=spent,
                done=spent,
                reason="directory back-off",
            )
        )
    except LinkRefused as exc:
        raise ResolutionFailed(f"the directory refused {what}: {exc.message}") from exc
    raise AssertionError("unreachable")


def expand_dl(ews: Ews, address: str) -> list[str]:
    """Every mailbox address in an Exchange distribution list, nested lists expanded
    (ExpandDL is not bound to a mailbox: the service account's protocol asks)."""
    protocol = Protocol(config=ews.config)
    out: list[str] = []
    seen = {address.lower()}
    pending = [address]
    while pending:
        current = pending.pop()
        for entry in protocol.expand_dl(DLMailbox(email_address=current, mailbox_type="PublicDL")):
            mail = (entry.email_address or "").lower()
            if not mail or mail in seen:
                continue
            seen.add(mail)
            if entry.mailbox_type in ("PublicDL", "PrivateDL"):
                pending.append(mail)
            elif entry.mailbox_type in (None, "Mailbox"):
                out.append(mail)
    return out


def resolve(
    target: dict[str, Any],
    task_id: int,
    state: SiteState,
    directory: Directory | None,
    ews: Ews,
    clock: Clock,
    policy: RetryPolicy,
    declare: Callable[[list[str]], Generator[Event, None, None]] | None = None,
) -> Generator[Event, None, list[Member]]:
    """The members; a directory group's fresh resolution is first handed to ``declare``
    (the archive learns which mailboxes the task processes) and cached only once it
    was taken, so a failed declaration is made again at the next execution."""
    key = json.dumps(target, sort_keys=True)
    cached = state.cached_group(task_id, key, clock.now().timestamp(), CACHE_SECONDS)
    if cached is not None:
        return [Member(**m) for m in cached]
    kind = target["kind"]
    people: dict[str, Person | None] = {}
    if kind in AD_KINDS:
        if directory is None:
            raise ResolutionFailed("AD groups need the site's directory connection")
        group = yield from _directory_call(directory, lambda: directory.group_by_dn(target["dn"]), policy, "the group")
        if group is None:
            raise ResolutionFailed(f"no group {target['dn']} in the directory")
        users = yield from _directory_call(
            directory, lambda: directory.transitive_users(group["id"]), policy, "the group's members"
        )
        for user in users:
            if user.mail:
                people[user.mail] = user
    else:
        if kind == "o365_group":
            try:
                addresses = yield from retrying(lambda: expand_dl(ews, target["address"]), "ExpandDL", policy)
            except Exception as exc:
                raise ResolutionFailed(f"ExpandDL of {target['address']} failed: {exc}") from exc
        elif kind == "single_mailbox":
            addresses = [target["address"]]
        else:
            addresses = list(target["addresses"])
        everyone: dict[str, Person] | None = None
        if directory is not None and len(addresses) > BULK_LOOKUP:
            # one paged listing of every user beats a lookup per address
            users = yield from _directory_call(directory, directory.all_users, policy, "the users")
            everyone = {p.mail: p for p in (person(u) for u in users) if p.mail}
        for address in addresses:
            found = None
            if everyone is not None:
                found = everyone.get(address.lower())
            elif directory is not None:
                found = yield from _directory_call(
                    directory, lambda a=address: directory.user_by_mail(a), policy, "a mailbox"
                )
            people[address.lower()] = found
    members = []
    for mail in sorted(people):
        found = people[mail]
        if found is None and directory is not None:
            members.append(Member(mail, "no mailbox"))
        else:
            members.append(Member(mail, found.ineligible() if found else None))
    if declare is not None and kind in GROUP_KINDS:
        yield from declare([m.mailbox for m in members])
    state.cache_group(task_id, key, clock.now().timestamp(), [asdict(m) for m in members])
    return members


__all__ = ["CACHE_SECONDS", "GROUP_KINDS", "Member", "ResolutionFailed", "expand_dl", "resolve"]
