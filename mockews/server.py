"""The mock's serving: waitress through the neutral ``wsgiserver`` package, with the
log noise of injected connection drops filtered out."""

from __future__ import annotations

import logging

from wsgiserver import ServerThread, WSGIApp, serve_forever

from .app import InjectedDrop


class _QuietInjectedDrops(logging.Filter):
    """waitress logs a traceback for every response that breaks off; for drops that
    were injected on purpose that is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], InjectedDrop))


logging.getLogger("waitress").addFilter(_QuietInjectedDrops())

__all__ = ["ServerThread", "WSGIApp", "serve_forever"]
