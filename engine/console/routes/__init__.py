"""The console's REST API (JSON; the OpenAPI document at /api/openapi.json), one module
per resource.  Administrators authenticate with a session or an API token, sites with
their binding key under /api/site/… (engine/console/auth.py); read-only administrators
may only read; a site key reaches only its own site's tasks."""

from __future__ import annotations

from flask import Blueprint

from engine.webapi import Api, Resource

from ..auth import AUTH_SCHEMES, SECURITY
from ..context import ConsoleContext
from . import admins, definitions, directory, schedules, site_api, sites, tasks

#: every resource, in the order of the OpenAPI document
RESOURCES: tuple[Resource[ConsoleContext], ...] = (
    admins.routes,
    sites.routes,
    schedules.routes,
    definitions.routes,
    directory.routes,
    tasks.routes,
    site_api.routes,
)


def empty_api(console: ConsoleContext) -> tuple[Blueprint, Api]:
    """The console's API with its authentication and document, but no resource yet."""
    bp = Blueprint("console_api", __name__)
    api = Api(bp, "synceng administration console", "1.0", console.auth, SECURITY, AUTH_SCHEMES)
    api.document_at("/api/openapi.json")
    return bp, api


def console_api(console: ConsoleContext) -> tuple[Blueprint, Api]:
    bp, api = empty_api(console)
    for resource in RESOURCES:
        resource.register(api, console)
    return bp, api


__all__ = ["RESOURCES", "console_api", "empty_api"]
