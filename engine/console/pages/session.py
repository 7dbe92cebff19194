"""Logging in and out (the session cookie), and the way in."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, redirect, request, url_for

from engine.errors import Unauthorized

from ..auth import SESSION_COOKIE
from ..context import ConsoleContext
from .base import Pages, render

pages = Pages()


@pages.route("/login", methods=["GET", "POST"], login=False)
def login(console: ConsoleContext) -> Any:
    error: Unauthorized | None = None
    if request.method == "POST":
        try:
            token, _ = console.store.login(request.form.get("email", ""), request.form.get("password", ""))
        except Unauthorized as exc:
            error = exc  # the error box reads its field and message
        else:
            target = request.args.get("next", "")
            # only a path of this site: never a redirect elsewhere ("//host" is another site)
            local = target.startswith("/") and not target.startswith("//")
            response = make_response(redirect(target if local else url_for("pages.dashboard")))
            response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax")
            return response
    return render("login.html", None, error=error, email=request.form.get("email", ""))


@pages.route("/logout", methods=["POST"], login=False)
def logout(console: ConsoleContext) -> Response:
    token = console.auth.secret(bearer=False)
    if token:
        console.store.logout(token)
    response = make_response(redirect(url_for("pages.login")))
    response.delete_cookie(SESSION_COOKIE)
    return response


@pages.route("/", login=False)
def home(console: ConsoleContext) -> Any:
    return redirect(url_for("pages.dashboard"))
