"""Sites: register (the binding key is shown once), list, read, change."""

from __future__ import annotations

from typing import Any

from engine.model import SiteChange, SiteIn
from engine.webapi import Resource

from ..context import ConsoleContext

routes: Resource[ConsoleContext] = Resource("sites")


@routes.route("GET", "/api/sites", auth="read")
def list_sites(console: ConsoleContext, _: Any) -> dict[str, Any]:
    """Sites with their status (Active while heartbeats are < 10 min old)"""
    return {"sites": console.store.sites()}


@routes.route("POST", "/api/sites", auth="write", body=SiteIn, status=201, responses={409: "The code is taken"})
def register_site(console: ConsoleContext, _: Any, body: SiteIn) -> dict[str, Any]:
    """Register a site: its binding key is shown once"""
    site, key = console.flows.register_site(body)
    return {"site": site, "binding_key": key}


@routes.route("GET", "/api/sites/<int:site_id>", auth="read")
def get_site(console: ConsoleContext, _: Any, site_id: int) -> dict[str, Any]:
    """One site"""
    return console.store.site(site_id)


@routes.route("PATCH", "/api/sites/<int:site_id>", auth="write", body=SiteChange)
def change_site(console: ConsoleContext, _: Any, site_id: int, body: SiteChange) -> dict[str, Any]:
    """Change a site (enable/disable, description, zone, EWS)"""
    return console.store.change_site(site_id, body)
