"""The archive platform's HTTP API (JSON; the OpenAPI document at /api/openapi.json),
one module per resource.  Sites submit what they replicate and ask whether messages
are archived; the console (with the archive admin token) registers site keys, resets
Full Views (R9) and reads the views for its Exchange Folders browser."""

from __future__ import annotations

from flask import Blueprint

from engine.webapi import Api, Resource

from ..store import ArchiveStore
from . import actions, admin, index, submissions, views
from .auth import AUTH_SCHEMES, SECURITY, ArchiveAuth

#: every resource, in the order of the OpenAPI document
RESOURCES: tuple[Resource[ArchiveStore], ...] = (
    admin.routes,
    submissions.routes,
    views.routes,
    index.routes,
    actions.routes,
)


def empty_api(store: ArchiveStore, admin_token: str) -> tuple[Blueprint, Api]:
    """The archive's API with its authentication and document, but no resource yet."""
    bp = Blueprint("archive_api", __name__)
    api = Api(bp, "synceng archive platform", "1.0", ArchiveAuth(store, admin_token), SECURITY, AUTH_SCHEMES)
    api.document_at("/api/openapi.json")
    return bp, api


def archive_api(store: ArchiveStore, admin_token: str) -> tuple[Blueprint, Api]:
    bp, api = empty_api(store, admin_token)
    for resource in RESOURCES:
        resource.register(api, store)
    return bp, api


__all__ = ["RESOURCES", "archive_api", "empty_api"]
