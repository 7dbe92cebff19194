"""Sites: register (the binding key is shown once), list, read, change."""

from __future__ import annotations

from typing import Any

from engine.model import SiteChange, SiteIn
from engine.webapi import Resource

from ..context import ConsoleContext

routes: Resource[ConsoleContext] = Resource()
NOT_FOUND = {404: "Not found"}


@routes.route(
    "GET",
    "/api/sites",
    "Sites with their status (Active while heartbeats are < 10 min old)",
    auth="read",
    tags=["sites"],
)
def list_sites(console: ConsoleContext, _: Any) -> dict[str, Any]:
    return {"sites": console.store.sites()}


@routes.route(
    "POST",
    "/api/sites",
    "Register a site: its binding key is shown once",
    auth="write",
    body=SiteIn,
    status=201,
    tags=["sites"],
    responses={409: "The code is taken"},
)
def register_site(console: ConsoleContext, _: Any, body: SiteIn) -> dict[str, Any]:
    site, key = console.flows.register_site(body)
    return {"site": site, "binding_key": key}


@routes.route("GET", "/api/sites/<int:site_id>", "One site", auth="read", tags=["sites"], responses=NOT_FOUND)
def get_site(console: ConsoleContext, _: Any, site_id: int) -> dict[str, Any]:
    return console.store.site(site_id)


@routes.route(
    "PATCH",
    "/api/sites/<int:site_id>",
    "Change a site (enable/disable, description, zone, EWS)",
    auth="write",
    body=SiteChange,
    tags=["sites"],
    responses=NOT_FOUND,
)
def change_site(console: ConsoleContext, _: Any, site_id: int, body: SiteChange) -> dict[str, Any]:
    return console.store.change_site(site_id, body)
