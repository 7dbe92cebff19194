"""Several worker processes behind one port: gunicorn's pre-fork server, for the
console and the archive on PostgreSQL (``--workers N``).

gunicorn binds the port in its master process, then forks the workers; each worker
builds its app after the fork (``make_app``), so no database connection crosses a
fork.  What every worker must share (the archive's admin token, the cookie signing
key) is made in the caller before serving and closed over by ``make_app``.  Workers
are gthread workers: ``threads`` each, with keep-alive (exchangelib and the site read a
closed connection after an error as throttling, see the package's docstring)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from . import WSGIApp


class _Prefork(BaseApplication):  # type: ignore[misc]  # gunicorn ships no types
    def __init__(self, make_app: Callable[[], WSGIApp], settings: dict[str, Any]) -> None:
        self._make_app = make_app
        self._settings = settings
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._settings.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        return self._make_app()


def serve_prefork(
    make_app: Callable[[], WSGIApp],
    host: str,
    port: int,
    workers: int,
    threads: int = 4,
    on_ready: Callable[[int], None] | None = None,
) -> None:
    """Serve until interrupted (SIGINT or SIGTERM stop the workers gracefully).
    ``on_ready(port)`` runs in the master once the port is bound, before any worker
    starts (port 0 picks a free one)."""

    def when_ready(arbiter: Any) -> None:
        if on_ready is not None:
            on_ready(int(arbiter.LISTENERS[0].sock.getsockname()[1]))

    settings: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "keepalive": 120,  # as waitress' channel_timeout: clients keep their connections
        "timeout": 120,
        "graceful_timeout": 10,
        "preload_app": False,  # each worker builds its app (and its database pools) after the fork
        "when_ready": when_ready,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "synceng",
    }
    _Prefork(make_app, settings).run()


__all__ = ["serve_prefork"]
