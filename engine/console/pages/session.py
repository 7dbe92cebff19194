"""Logging in and out (the session cookie), and the way in.

Both are form posts with a CSRF token: the login form's is bound to a cookie of its
own, set when the form is served (another site's page cannot log a browser in to an
account of its choosing), log out's to the session (another site's page cannot log
an administrator out)."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, redirect, request, url_for

from engine.errors import DomainError, Invalid, Throttled
from engine.security import new_token

from ..auth import LOGIN_COOKIE, SESSION_COOKIE, clear_cookie, set_cookie
from ..context import ConsoleContext
from .base import Pages, csrf_posted, csrf_token, refuse_without_csrf, render

pages = Pages()
#: where the login form's cookie is sent: to the login page only
LOGIN_PATH = "/login"


@pages.route(LOGIN_PATH, methods=["GET", "POST"], login=False)
def login(console: ConsoleContext) -> Any:
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    error: DomainError | None = None
    if request.method == "POST":
        try:
            return _logged_in(console, nonce)
        except DomainError as exc:
            error = exc  # the error box reads its field and message
    fresh = nonce or new_token(console.store.rng)
    page = render("login.html", None, login_csrf=csrf_token(fresh), error=error, email=request.form.get("email", ""))
    response = make_response(page, _status(error))
    if isinstance(error, Throttled):
        response.headers["Retry-After"] = str(error.retry_after)
    if not nonce:
        set_cookie(response, LOGIN_COOKIE, fresh, path=LOGIN_PATH)
    return response


def _logged_in(console: ConsoleContext, nonce: str) -> Response:
    """The posted login: the session cookie and the way on, or the refusal raised."""
    if not csrf_posted(nonce):
        raise Invalid("form", "the login form had expired: please enter your email and password again")
    email = request.form.get("email", "")
    token, _ = console.store.login(email, request.form.get("password", ""), request.remote_addr or "")
    target = request.args.get("next", "")
    # only a path of this site: never a redirect elsewhere ("//host" is another site)
    local = target.startswith("/") and not target.startswith("//")
    response = make_response(redirect(target if local else url_for("pages.dashboard")))
    set_cookie(response, SESSION_COOKIE, token)
    clear_cookie(response, LOGIN_COOKIE, path=LOGIN_PATH)
    return response


def _status(error: DomainError | None) -> int:
    """A wrong password shows the form again (200), as it always has."""
    if isinstance(error, Throttled):
        return 429
    return 400 if isinstance(error, Invalid) else 200


@pages.route("/logout", methods=["POST"], login=False)
def logout(console: ConsoleContext) -> Response:
    token = console.auth.secret(bearer=False)
    if token:
        refuse_without_csrf()
        console.store.logout(token)
    response = make_response(redirect(url_for("pages.login")))
    clear_cookie(response, SESSION_COOKIE)
    return response


@pages.route("/", login=False)
def home(console: ConsoleContext) -> Any:
    return redirect(url_for("pages.dashboard"))
