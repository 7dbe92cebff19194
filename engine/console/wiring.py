"""Putting the console and the archive platform together.

``synceng serve console`` runs both in one process on one port — the console at ``/``,
the archive under ``/archive`` — and the console still reaches the archive over HTTP
(its ArchiveClient calls ``http://host:port/archive``), so the seam is the same as
when the archive runs apart (``synceng serve archive`` plus ``--archive-url``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import requests.adapters
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from engine.archive.app import create_archive_app
from engine.archive.registry import TaskRegistration
from engine.archive.store import ArchiveStore
from engine.clock import Clock
from engine.security import new_token

from .app import create_console_app, push_site_keys
from .archive_client import ArchiveClient
from .store import ConsoleStore

ARCHIVE_PREFIX = "/archive"


@dataclass
class Platform:
    console: Flask
    console_store: ConsoleStore
    archive: Flask | None
    archive_store: ArchiveStore | None
    archive_token: str
    archive_url: str | None
    archive_client: ArchiveClient | None

    def connect(self) -> int:
        """Give the archive every site key: directly when it runs in this process (at
        start-up, before the server answers), else over its API."""
        if self.archive_store is not None:
            sites = self.console_store.site_key_hashes()
            for site_id in sites:
                key_hash, tasks = self.console_store.archive_registration(site_id)
                registrations = [TaskRegistration(t["id"], t["type"], t["created"], t["mailboxes"]) for t in tasks]
                self.archive_store.registry.register_site(site_id, key_hash, registrations)
            return len(sites)
        return push_site_keys(self.console_store, self.archive_client) if self.archive_client else 0

    def serve_at(self, base_url: str) -> None:
        """Once the port is known: where sites and the console reach the archive."""
        if self.archive is not None:
            self.archive_url = base_url.rstrip("/") + ARCHIVE_PREFIX
            if self.archive_client is not None:
                self.archive_client.base_url = self.archive_url

    def dispose(self) -> None:
        """Close the stores' pooled connections (before a fork: none may be shared)."""
        self.console_store.engine.dispose()
        if self.archive_store is not None:
            self.archive_store.engine.dispose()

    def wsgi(self) -> Callable[..., Iterable[bytes]]:
        """The console, with the archive mounted under /archive when it runs here."""
        if self.archive is None:
            return self.console
        return DispatcherMiddleware(self.console, {ARCHIVE_PREFIX: self.archive})


def build_platform(
    console_db: str,
    archive_db: str | None,
    clock: Clock,
    rng: random.Random,
    archive_url: str | None,
    archive_token: str | None = None,
    adapter: requests.adapters.BaseAdapter | None = None,
    secret_key: str | None = None,
    secure_cookies: bool = False,
) -> Platform:
    """``archive_db`` set: the archive runs in this process and ``archive_url`` is where
    it is reachable (this server's /archive).  ``archive_db`` None: an external archive
    at ``archive_url`` (or none at all).  Call ``Platform.connect()`` once the archive
    answers.  ``secure_cookies``: the console is reached over HTTPS only."""
    token = archive_token or new_token(rng, "arc_")
    store = ConsoleStore(console_db, clock, rng)
    archive_store = ArchiveStore(archive_db, clock) if archive_db is not None else None
    archive_app = create_archive_app(archive_store, token) if archive_store is not None else None
    local = archive_app is not None
    client = ArchiveClient(archive_url or "http://unset", token, adapter=adapter) if (archive_url or local) else None
    holder: list[Platform] = []
    console = create_console_app(
        store, client, lambda: holder[0].archive_url, secret_key or new_token(rng), secure_cookies=secure_cookies
    )
    platform = Platform(console, store, archive_app, archive_store, token, archive_url, client)
    holder.append(platform)
    return platform
