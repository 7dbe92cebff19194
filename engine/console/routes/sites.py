"""Sites: register (the binding key is shown once), list, read, change."""

from __future__ import annotations

from typing import Any

from engine.model import SiteChange, SiteIn
from engine.webapi import Resource

from ..context import ConsoleContext
from ..views import SiteList, SiteRegistered, SiteView

routes: Resource[ConsoleContext] = Resource("sites")


@routes.route("GET", "/api/sites", auth="read", answer=SiteList)
def list_sites(console: ConsoleContext, _: Any) -> SiteList:
    """Sites with their status (Active while heartbeats are < 10 min old)"""
    return SiteList(sites=console.store.sites())


@routes.route(
    "POST",
    "/api/sites",
    auth="write",
    body=SiteIn,
    status=201,
    responses={409: "The code is taken"},
    answer=SiteRegistered,
)
def register_site(console: ConsoleContext, _: Any, body: SiteIn) -> SiteRegistered:
    """Register a site: its binding key is shown once"""
    site, key = console.flows.register_site(body)
    return SiteRegistered(site=site, binding_key=key)


@routes.route("GET", "/api/sites/<int:site_id>", auth="read", answer=SiteView)
def get_site(console: ConsoleContext, _: Any, site_id: int) -> SiteView:
    """One site"""
    return console.store.site(site_id)


@routes.route("PATCH", "/api/sites/<int:site_id>", auth="write", body=SiteChange, answer=SiteView)
def change_site(console: ConsoleContext, _: Any, site_id: int, body: SiteChange) -> SiteView:
    """Change a site (enable/disable, description, zone, EWS)"""
    return console.store.change_site(site_id, body)
