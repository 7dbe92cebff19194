"""Who is calling the archive: the console with the archive admin token (it reaches
everything), or a site with its binding key (domain.md §1: only its own tasks and the
mailboxes they process)."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import Forbidden, Unauthorized
from engine.webapi import bearer_token

from ..store import ArchiveStore


@dataclass(frozen=True)
class Caller:
    site_id: int | None  # None: the console, with the archive admin token

    @property
    def site(self) -> int:
        """The calling site, on a route only sites call (auth="site")."""
        assert self.site_id is not None, "a site-only route was called with the admin token"
        return self.site_id


class ArchiveAuth:
    """The API's authentication of a route's level: public, admin (the admin token),
    site (a binding key) or any (either)."""

    def __init__(self, store: ArchiveStore, admin_token: str) -> None:
        self.store = store
        self.admin_token = admin_token

    def __call__(self, level: str) -> Caller | None:
        if level == "public":
            return None
        secret = bearer_token()
        if secret is None:
            raise Unauthorized("Authorization", "a bearer token (site binding key or archive admin token) is required")
        if hmac.compare_digest(secret, self.admin_token):
            if level in ("admin", "any"):
                return Caller(None)
            raise Forbidden("Authorization", "this call is made with a site binding key")
        site_id = self.store.registry.site_for_key(secret)
        if site_id is None:
            raise Unauthorized("Authorization", "unknown key")
        if level in ("site", "any"):
            return Caller(site_id)
        raise Forbidden("Authorization", "this call needs the archive admin token")


def reaches(store: ArchiveStore, caller: Caller, mailbox: str) -> None:
    """A site reads a mailbox's views only if one of its tasks processes it."""
    if caller.site_id is not None:
        store.registry.site_reaches(caller.site_id, mailbox.lower())


def authorize(
    store: ArchiveStore, caller: Caller, task_id: int, mailbox: str, types: Sequence[str], removed_too: bool = False
) -> None:
    """A site acts for a mailbox only under one of its tasks (of one of ``types``)."""
    if caller.site_id is not None:
        store.registry.authorize(caller.site_id, task_id, mailbox.lower(), types, removed_too)


SECURITY = {"bearer": {"type": "http", "scheme": "bearer"}}
AUTH_SCHEMES = {"site": ["bearer"], "admin": ["bearer"], "any": ["bearer"]}

__all__ = ["AUTH_SCHEMES", "SECURITY", "ArchiveAuth", "Caller", "authorize", "reaches"]
