"""What the console's REST routes and pages work with, handed to each resource's
module when it is registered (so a test can mount one resource alone on a store)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .archive_client import ArchiveClient
from .auth import ConsoleAuth
from .store import ConsoleStore
from .workflows import Workflows


@dataclass
class ConsoleContext:
    store: ConsoleStore
    flows: Workflows
    #: where sites reach the archive (a function when it is known only once serving)
    archive_url: Callable[[], str | None] | str | None = None
    auth: ConsoleAuth = field(init=False)

    def __post_init__(self) -> None:
        self.auth = ConsoleAuth(self.store)

    @property
    def archive(self) -> ArchiveClient | None:
        """The archive platform's client (the pages browse its views)."""
        return self.flows.archive

    def archive_address(self) -> str | None:
        return self.archive_url() if callable(self.archive_url) else self.archive_url


__all__ = ["ConsoleContext"]
