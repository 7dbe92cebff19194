"""What every page shares: its registration (one module per resource declares its
pages, bound to the console when registered), the login and CSRF guard, and rendering.

Administrators sign in with the session cookie (engine/console/auth.py, the same
definition as the REST API's); read-only administrators may look but not post.  Every
form carries a CSRF token derived from the session — log out too —, and the login
form one derived from its own cookie (there is no session yet)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from engine.errors import DomainError, Forbidden
from engine.model import TaskType

from ..auth import ConsoleAuth
from ..context import ConsoleContext

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
View = TypeVar("View", bound=Callable[..., Any])


class Pages:
    """The pages of one resource.  A page's view is called with the console, the
    signed-in administrator (unless ``login=False``) and the path's parameters."""

    def __init__(self) -> None:
        self.declared: list[tuple[str, tuple[str, ...], bool, Callable[..., Any]]] = []

    def route(self, rule: str, methods: Sequence[str] = ("GET",), login: bool = True) -> Callable[[View], View]:
        def declare(view: View) -> View:
            self.declared.append((rule, tuple(methods), login, view))
            return view

        return declare

    def register(self, bp: Blueprint, console: ConsoleContext) -> None:
        for rule, methods, login, view in self.declared:
            page = _signed_in(view, console) if login else _bound(view, console)
            bp.add_url_rule(rule, endpoint=view.__name__, view_func=page, methods=list(methods))


def _bound(view: Callable[..., Any], console: ConsoleContext) -> Callable[..., Any]:
    def page(**kwargs: Any) -> Any:
        return view(console, **kwargs)

    page.__name__ = view.__name__
    return page


def _signed_in(view: Callable[..., Any], console: ConsoleContext) -> Callable[..., Any]:
    """The page for a signed-in administrator (others are sent to log in); a form is
    posted with the page's CSRF token, by an administrator who may change things."""

    def page(**kwargs: Any) -> Any:
        admin = console.auth.administrator(bearer=False)
        if admin is None:
            return redirect(url_for("pages.login", next=request.path))
        if request.method == "POST":
            refuse_without_csrf()
            try:
                console.auth.may_change(admin)
            except Forbidden as exc:
                abort(403, exc.message)
        return view(console, admin, **kwargs)

    page.__name__ = view.__name__
    return page


def csrf_token(binding: str | None = None) -> str:
    """The token a form carries, bound to the session cookie — or to ``binding``: the
    login form's own cookie, before there is a session."""
    bound = ConsoleAuth.secret(bearer=False) if binding is None else binding
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, bound.encode(), hashlib.sha256).hexdigest()[:32]


def csrf_posted(binding: str | None = None) -> bool:
    """Whether the posted form carries the token of its session (or of ``binding``).
    Nothing to bind to is never a match: that token would be everybody's."""
    bound = ConsoleAuth.secret(bearer=False) if binding is None else binding
    return bool(bound) and hmac.compare_digest(request.form.get("csrf", ""), csrf_token(bound))


def refuse_without_csrf() -> None:
    if not csrf_posted():
        abort(400, "the form expired; reload the page")


def refuse_nul() -> None:
    # NUL is the one character PostgreSQL cannot store: refuse it before any form is read
    for values in (request.args, request.form if request.method == "POST" else {}):
        for key, value in values.items():
            if "\x00" in key or "\x00" in value:
                abort(400, "text may not contain NUL characters")


def render(template: str, admin: dict[str, Any] | None, **context: Any) -> str:
    return render_template(template, admin=admin, csrf=csrf_token(), TaskType=TaskType, weekdays=WEEKDAYS, **context)


def choices(console: ConsoleContext) -> dict[str, Any]:
    """What a task is made of, for the pages that offer or show them."""
    store = console.store
    return {"sites": store.sites(), "schedules": store.schedules(), "definitions": store.definitions()}


def catalog_page(
    admin: dict[str, Any],
    name: str,
    listing: Callable[[], Sequence[Mapping[str, Any]]],
    create: Callable[[], Any],
    delete: Callable[[int], Any],
) -> Any:
    """The page of a kind of named, reusable object (schedules, definitions): its list,
    and a posted form that creates one or deletes one (refused while tasks use it)."""
    error: DomainError | None = None
    if request.method == "POST":
        try:
            if request.form.get("delete"):
                delete(int(request.form["delete"]))
            else:
                create()
            return redirect(url_for(f"pages.{name}"))
        except DomainError as exc:
            error = exc
    page = render(f"{name}.html", admin, **{name: listing()}, error=error, form=request.form)
    return page, 400 if error else 200


__all__ = [
    "WEEKDAYS",
    "Pages",
    "catalog_page",
    "choices",
    "csrf_posted",
    "csrf_token",
    "refuse_nul",
    "refuse_without_csrf",
    "render",
]
