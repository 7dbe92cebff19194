"""The Administration Console pages (server-rendered, minimal JavaScript), one module
per resource, following the seed's flows: log in → Exchange Services dashboard → New
Exchange Task → the task's Options and Information → change schedule or definition →
Remove Task (warning, OK/Cancel).  Plus the schedules, definitions and sites pages and
the Exchange Folders browser.

Forms are validated by the same domain models as the REST API; errors name the field.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..context import ConsoleContext
from . import dashboard, definitions, folders, schedules, session, sites, tasks
from .base import Pages, refuse_nul, viewer_zone
from .definition_form import definition_rows
from .text import (
    WELL_KNOWN_NAMES,
    ago_text,
    count_text,
    definition_text,
    duration_text,
    group_text,
    schedule_text,
    site_time,
    time_tag,
    time_text,
    version_text,
)

#: every resource's pages
RESOURCES: tuple[Pages, ...] = (
    session.pages,
    dashboard.pages,
    tasks.pages,
    schedules.pages,
    definitions.pages,
    sites.pages,
    folders.pages,
)


def empty_pages() -> Blueprint:
    """The pages' blueprint with its guard and template filters, but no page yet."""
    bp = Blueprint("pages", __name__)
    bp.add_app_template_filter(schedule_text, "schedule_text")
    bp.add_app_template_filter(site_time, "site_time")
    bp.add_app_template_filter(group_text, "group_text")
    bp.add_app_template_filter(count_text, "count_text")
    for instant_filter in (time_text, time_tag, duration_text, ago_text, version_text):
        bp.add_app_template_filter(instant_filter, instant_filter.__name__)
    bp.add_app_template_filter(definition_text, "definition_text")
    bp.add_app_template_global(definition_rows, "definition_rows")
    bp.record_once(lambda state: state.app.jinja_env.globals.update(well_known_names=WELL_KNOWN_NAMES))
    bp.before_request(refuse_nul)
    bp.app_context_processor(_viewer)
    return bp


def _viewer() -> dict[str, Any]:
    # every page (the error pages too) shows instants in the viewer's zone and says which
    return {"viewer_zone": viewer_zone()}


def pages_blueprint(console: ConsoleContext) -> Blueprint:
    bp = empty_pages()
    for resource in RESOURCES:
        resource.register(bp, console)
    return bp


__all__ = ["RESOURCES", "definition_text", "empty_pages", "pages_blueprint", "schedule_text", "site_time"]
