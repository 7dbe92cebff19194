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

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from engine.errors import Conflict, DomainError, Forbidden
from engine.model import TaskType, valid_time_zone

from ..auth import ConsoleAuth
from ..context import ConsoleContext
from .fields import problems_of

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


#: the cookie the pages' script (base.html) sets to the browser's time zone
ZONE_COOKIE = "tz"


def viewer_zone() -> str:
    """The zone the viewer's browser is in (its ``tz`` cookie), where the pages show
    instants that are not a site's; UTC until the browser said, or when it named no
    IANA zone."""
    name = request.cookies.get(ZONE_COOKIE, "")
    if not 0 < len(name) <= 64:
        return "UTC"
    try:
        return valid_time_zone(name)
    except ValueError:
        return "UTC"


def render(
    template: str, admin: dict[str, Any] | None, error_fields: Mapping[str, str] | None = None, **context: Any
) -> str:
    """A page; its ``error`` (a refusal) is shown in the box at the top, every problem
    listed, and each beside its field (``field_errors``: input name → message;
    ``error_fields`` leads a rule's field, such as ``group.kind``, to the form's input)."""
    problems = problems_of(context.get("error"), error_fields)
    return render_template(
        template,
        admin=admin,
        csrf=csrf_token(),
        TaskType=TaskType,
        weekdays=WEEKDAYS,
        problems=problems,
        field_errors={p.field: p.message for p in problems},
        **context,
    )


def choices(console: ConsoleContext) -> dict[str, Any]:
    """What a task is made of, for the pages that offer or show them."""
    store = console.store
    return {"sites": store.sites(), "schedules": store.schedules(), "definitions": store.definitions()}


def catalog_page(
    admin: dict[str, Any],
    name: str,
    listing: Callable[[], Sequence[Mapping[str, Any]]],
    create: Callable[[], Mapping[str, Any]],
) -> Any:
    """The page of a kind of named, reusable object (schedules, definitions): its list,
    and a posted form that creates one (refused: every error beside its field, every
    value kept)."""
    error: DomainError | None = None
    if request.method == "POST":
        try:
            created = create()
        except DomainError as exc:
            error = exc
        else:
            flash(f"{name[:-1].capitalize()} “{created['name']}” created.")
            return redirect(url_for(f"pages.{name}"))
    page = render(f"{name}.html", admin, None, **{name: listing()}, error=error, form=request.form)
    return page, 400 if error else 200


def delete_page(admin: dict[str, Any], name: str, entry: Mapping[str, Any], delete: Callable[[int], Any]) -> Any:
    """Deleting a schedule or a definition (issue 12 defect 6): a page asks first; one
    that tasks use says which, and cannot be deleted (the store refuses it too)."""
    noun = name[:-1]
    error: DomainError | None = None
    if entry["tasks"]:
        tasks = ", ".join(f"task {t}" for t in entry["tasks"])
        error = Conflict(f"{noun}_id", f"the {noun} “{entry['name']}” is used by {tasks}; change or remove them first")
    elif request.method == "POST" and request.form.get("confirm") == "true":
        try:
            delete(entry["id"])
        except DomainError as exc:
            error = exc
        else:
            flash(f"{noun.capitalize()} “{entry['name']}” deleted.")
            return redirect(url_for(f"pages.{name}"))
    page = render("confirm_delete.html", admin, name=name, noun=noun, entry=entry, error=error)
    return page, 409 if error and request.method == "POST" else 200


__all__ = [
    "WEEKDAYS",
    "ZONE_COOKIE",
    "Pages",
    "catalog_page",
    "choices",
    "csrf_posted",
    "csrf_token",
    "delete_page",
    "refuse_nul",
    "refuse_without_csrf",
    "render",
    "viewer_zone",
]
