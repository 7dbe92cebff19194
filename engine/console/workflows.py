"""The console's workflows that reach beyond its own store — to the archive platform —
written once for the REST API and the pages (architecture promise 6).

The archive learns every site's key and tasks from here (domain.md §1, K1: a site's
key reaches only its own tasks; the archive never lets a task be claimed by whoever
submits first):

* when a site is registered and when a task is created, at once;
* again at the first heartbeat of each new configuration version — so a site
  registered from the command line, or a task created while the archive was away,
  is known to the archive before the site has downloaded the configuration that
  names it (the heartbeat tells the site a new version exists);
* the R9 delete removes the task and queues the archive's reset in one transaction
  (:mod:`.outbox`); the reset is delivered at once when the archive answers, else at
  start-up or the next heartbeat of any site — at least once, and idempotent there — so
  an archive outage delays a Full View's reset but never loses it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.errors import DomainError
from engine.model import DefinitionIn, ScheduleIn, SiteIn, TaskIn

from .archive_client import ArchiveClient
from .outbox import RESET_TASK, Outbox
from .store import ConsoleStore
from .views import SiteView, TaskDeleted, TaskView

log = logging.getLogger(__name__)
#: after the archive refused or could not take a delivery, heartbeats leave it alone this
#: long: every site heartbeats, and none should wait on an archive that is away
OUTBOX_RETRY_SECONDS = 60.0


@dataclass
class Workflows:
    store: ConsoleStore
    archive: ArchiveClient | None
    #: site → the configuration version the archive is known to have (this process)
    _synced: dict[int, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: one delivery of the outbox at a time (this process); True while entries may be pending
    _delivering: threading.Lock = field(default_factory=threading.Lock)
    _pending: bool = True
    _retry_at: float = 0.0  # after a failed delivery, heartbeats wait this long (monotonic)

    def __post_init__(self) -> None:
        self.outbox = Outbox(self.store)

    def sync_site(self, site_id: int) -> bool:
        """Tell the archive the site's key and tasks; False (logged) when it cannot be
        reached — the next heartbeat tries again."""
        if self.archive is None:
            return True
        key_hash, tasks = self.store.archive_registration(site_id)
        try:
            self.archive.register_site(site_id, key_hash, tasks)
        except DomainError as exc:
            log.warning("the archive does not know site %s yet: %s", site_id, exc.message)
            return False
        return True

    def register_site(self, spec: SiteIn) -> tuple[SiteView, str]:
        site, key = self.store.register_site(spec)
        self.sync_site(site["id"])
        return site, key

    def create_task(self, spec: TaskIn, by: str) -> TaskView:
        task = self.store.create_task(spec, by)
        self.sync_site(task["options"]["site"]["id"])
        return task

    def create_task_with(
        self,
        spec: Callable[[int | None, int | None], TaskIn],
        by: str,
        new_schedule: ScheduleIn | None = None,
        new_definition: DefinitionIn | None = None,
    ) -> TaskView:
        """A task with the schedule and/or the definition it creates on the way (the New
        Exchange Task form's *Create New*): all of them or none.  ``spec(schedule_id,
        definition_id)`` is the task given the ids just created (None: not created
        here).  The archive learns of the task once it is committed."""
        with self.store.transaction():
            schedule_id = None if new_schedule is None else self.store.create_schedule(new_schedule, by)["id"]
            definition_id = None if new_definition is None else self.store.create_definition(new_definition, by)["id"]
            task = self.store.create_task(spec(schedule_id, definition_id), by)
        self.sync_site(task["options"]["site"]["id"])
        return task

    def delete_task(self, task_id: int, confirm: bool, by: str) -> TaskDeleted:
        """R9: refused (409, with the warning) unless confirmed; then the console removes
        the task and queues the archive's reset together, and delivers it now if it can.
        ``archive_reset`` says whether the Full Views were reset already or the reset
        is pending (the archive was unreachable: it follows when the archive answers)."""
        result = self.store.delete_task(task_id, confirm, by)  # 404 / 409 before anything else
        self._pending = True
        reset = self.deliver()
        return TaskDeleted(
            **result,
            archive_reset="done" if task_id in reset else "pending",
            full_views_reset=reset.get(task_id, []),
        )

    def deliver(self, wait: bool = True) -> dict[int, list[str]]:
        """Deliver the outbox in order, stopping at the first entry the archive does not
        take (the rest wait behind it).  Returns task → mailboxes whose Full View was
        reset by this call.  ``wait=False`` (a heartbeat): skip when another thread is
        delivering — it takes what is there."""
        if self.archive is None or not self._pending:
            return {}
        if not self._delivering.acquire(blocking=wait):
            return {}
        reset: dict[int, list[str]] = {}
        try:
            for entry in self.outbox.pending():
                assert entry.kind == RESET_TASK, entry.kind
                try:
                    reset[entry.task_id] = self.archive.reset_task(entry.task_id)
                except DomainError as exc:
                    self.outbox.failed(entry, exc.message)
                    log.warning("the archive's reset of task %s waits: %s", entry.task_id, exc.message)
                    self._pending = True  # a concurrent delivery may have cleared it meanwhile
                    self._retry_at = self.store.clock.monotonic() + OUTBOX_RETRY_SECONDS
                    return reset
                self.outbox.delivered(entry)
            self._pending = False
        finally:
            self._delivering.release()
        return reset

    def heartbeat(self, site_id: int, engine_version: str | None, host_os: str | None) -> dict[str, Any]:
        answer = self.store.heartbeat(site_id, engine_version, host_os)
        version = int(answer["config_version"])
        with self._lock:
            known = self._synced.get(site_id) == version
        if not known and self.sync_site(site_id):
            with self._lock:
                self._synced[site_id] = version
        # what an archive outage held back goes out with a heartbeat, at most once a minute
        if self._pending and self.store.clock.monotonic() >= self._retry_at:
            self.deliver(wait=False)
        return answer


__all__ = ["Workflows"]
