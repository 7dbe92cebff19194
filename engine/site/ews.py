"""EWS access for the site: exchangelib, unmodified, with the site's service account.

* Accounts use impersonation (or delegate access) as the site's configuration says.
* exchangelib runs with its fail-fast retry policy; the engine does the back-off on
  its injected clock (X2): :func:`retrying` yields a ``Sleep`` of at least the
  server's ``BackOffMilliseconds`` — or, after an HTTP 503, its ``Retry-After`` —
  and otherwise grows the wait exponentially with jitter from a seeded RNG, capped;
  it gives up after a bounded number of attempts with :class:`EwsUnavailable`.
* The hot paths use lean subclasses of exchangelib's own services: the request goes
  through exchangelib's serializer, protocol, session pool and response parser, but
  each change is read into a small record of the properties the task asked for
  instead of a full model object (ews-notes.md: model building is most of the
  client's cost).  Each task requests only the properties it needs.  Those services,
  and every other reliance on exchangelib's private API, live in
  :mod:`engine.site.exchangelib_internals`; this module re-exports their calls.

Works over any requests adapter: the in-process transport, loopback HTTP, or a real
Exchange server.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TypeVar

import requests
from exchangelib import BASIC, DELEGATE, IMPERSONATION, NTLM, Account, Configuration, Credentials
from exchangelib.errors import (
    ErrorConnectionFailedTransientError,
    ErrorInternalServerError,
    ErrorInternalServerTransientError,
    ErrorMailboxStoreUnavailable,
    ErrorServerBusy,
    ErrorTimeoutExpired,
    MalformedResponseError,
    RateLimitError,
    TransportError,
)
from exchangelib.protocol import Protocol
from exchangelib.version import Build, Version

from .backoff import RetryPolicy, attempts
from .events import Cost, Event
from .ews_records import FolderChange, HierarchyPage, ItemChange, ListedFolder, SyncPage
from .exchangelib_internals import (
    FailFastKeepingRetryAfter,
    distinguished,
    folder_listing,
    sync_hierarchy_page,
    sync_items_page,
    tune_protocol,
    well_known_ids,
)

T = TypeVar("T")

TRANSIENT = (
    ErrorServerBusy,
    ErrorInternalServerTransientError,
    ErrorInternalServerError,
    ErrorMailboxStoreUnavailable,
    ErrorConnectionFailedTransientError,
    ErrorTimeoutExpired,
    MalformedResponseError,
    RateLimitError,
    requests.RequestException,
)


def is_transient(exc: BaseException) -> bool:
    """Worth another attempt after a back-off (X2).  exchangelib derives every EWS
    response error from TransportError, so only the bare class counts as transport
    trouble."""
    return isinstance(exc, TRANSIENT) or type(exc) is TransportError


class EwsUnavailable(Exception):
    """EWS kept failing for one mailbox after the bounded retries (X2): the mailbox is
    Error for this execution and its sync state stays as it was."""


def retrying(
    call: Callable[[], T], what: str, policy: RetryPolicy, cost: Callable[[T], Cost] | None = None
) -> Generator[Event, None, T]:
    """Run ``call`` (which must do all its EWS I/O before returning), backing off on
    the runtime's clock between attempts (X2)."""
    return attempts(
        call,
        policy,
        transient=is_transient,
        give_up=lambda exc: EwsUnavailable(f"{what}: {type(exc).__name__} after {policy.attempts} attempts"),
        failed=Cost(ews_calls=1),
        done=cost or (lambda _: Cost(ews_calls=1)),
        reason="EWS back-off",
    )


@dataclass(frozen=True)
class EwsSettings:
    endpoint: str
    service_account: str
    password: str
    impersonation: bool = True
    auth: str | None = None  # "basic" | "ntlm" | None (ask the server)
    version: str | None = None  # e.g. "15.1.2507.6"; None probes the server once


class Ews:
    """One site's EWS configuration; hands out accounts per mailbox."""

    def __init__(self, settings: EwsSettings) -> None:
        self.settings = settings
        version = None
        if settings.version:
            parts = [int(p) for p in settings.version.split(".")]
            version = Version(build=Build(*parts))
        auth = {"basic": BASIC, "ntlm": NTLM, None: None}[settings.auth]
        self.config = Configuration(
            service_endpoint=settings.endpoint,
            credentials=Credentials(settings.service_account, settings.password),
            auth_type=auth,
            version=version,
            retry_policy=FailFastKeepingRetryAfter(),
        )

        self._accounts: dict[str, Account] = {}
        # X2: the engine's policy decides unnamed back-offs; sessions read the
        # environment once (the protocol is the one every account of this config shares)
        tune_protocol(Protocol(config=self.config), settings.endpoint)

    def account(self, mailbox: str) -> Account:
        """The mailbox's exchangelib Account, made once: making one looks up the local
        time zone, a noticeable cost when a site passes over a thousand mailboxes an hour."""
        account = self._accounts.get(mailbox)
        if account is None:
            access = IMPERSONATION if self.settings.impersonation else DELEGATE
            account = Account(mailbox, config=self.config, access_type=access, autodiscover=False)
            self._accounts[mailbox] = account
        return account


__all__ = [
    "Ews",
    "EwsSettings",
    "EwsUnavailable",
    "FolderChange",
    "HierarchyPage",
    "ItemChange",
    "ListedFolder",
    "RetryPolicy",
    "SyncPage",
    "distinguished",
    "folder_listing",
    "retrying",
    "sync_hierarchy_page",
    "sync_items_page",
    "well_known_ids",
]
