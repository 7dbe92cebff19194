"""Lookup from AD: administrators search the directory copy sites upload (the upload
itself is the site API's)."""

from __future__ import annotations

from typing import Any

from engine.webapi import Query, Resource

from ..context import ConsoleContext
from ..views import DirectoryGroups

routes: Resource[ConsoleContext] = Resource("directory")


@routes.route(
    "GET",
    "/api/directory/groups",
    auth="read",
    query=[Query("q", description="part of a name, DN or address"), Query("site_id", int, minimum=1)],
    answer=DirectoryGroups,
)
def lookup(console: ConsoleContext, _: Any, q: str | None, site_id: int | None) -> DirectoryGroups:
    """Lookup from AD: search the directory copy sites upload"""
    return DirectoryGroups(groups=console.store.lookup_groups(q or "", site_id))
