"""The console's workflows that reach beyond its own store — to the archive platform —
written once for the REST API and the pages (architecture promise 6).

The archive learns every site's key and tasks from here (domain.md §1: a site's key
reaches only its own tasks; the archive never lets a task be claimed by whoever
submits first):

* when a site is registered and when a task is created, at once;
* again at the first heartbeat of each new configuration version — so a site
  registered from the command line, or a task created while the archive was away,
  is known to the archive before the site has downloaded the configuration that
  names it (the heartbeat tells the site a new version exists);
* the R9 delete resets the Full Views and makes the archive forget the task *before*
  the console removes it: if the archive cannot be reached the task stays (503) and
  nothing is half done.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from engine.errors import DomainError
from engine.model import SiteIn, TaskIn

from .archive_client import ArchiveClient
from .store import ConsoleStore

log = logging.getLogger(__name__)


@dataclass
class Workflows:
    store: ConsoleStore
    archive: ArchiveClient | None
    #: site → the configuration version the archive is known to have (this process)
    _synced: dict[int, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

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

    def register_site(self, spec: SiteIn) -> tuple[dict[str, Any], str]:
        site, key = self.store.register_site(spec)
        self.sync_site(int(site["id"]))
        return site, key

    def create_task(self, spec: TaskIn, by: str) -> dict[str, Any]:
        task = self.store.create_task(spec, by)
        self.sync_site(int(task["options"]["site"]["id"]))
        return task

    def delete_task(self, task_id: int, confirm: bool, by: str) -> dict[str, Any]:
        """R9: refused (409, with the warning) unless confirmed; then the archive resets
        the Full Views and forgets the task, then the console removes it."""
        self.store.task(task_id)  # 404 before anything else
        if not confirm:
            return self.store.delete_task(task_id, False, by)  # raises 409 with the warning
        reset: list[str] = self.archive.reset_task(task_id) if self.archive is not None else []
        result = self.store.delete_task(task_id, True, by)
        result["full_views_reset"] = reset
        return result

    def heartbeat(self, site_id: int, engine_version: str | None, host_os: str | None) -> dict[str, Any]:
        answer = self.store.heartbeat(site_id, engine_version, host_os)
        version = int(answer["config_version"])
        with self._lock:
            known = self._synced.get(site_id) == version
        if not known and self.sync_site(site_id):
            with self._lock:
                self._synced[site_id] = version
        return answer


__all__ = ["Workflows"]
