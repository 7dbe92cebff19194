"""Who is calling the console, defined once for the REST API and the pages.

* An administrator's session: the token POST /api/session (or the login page) returns,
  kept by a browser as the session cookie or sent by a client as a bearer token.
* An administrator's API token (for scripts): a bearer token.
* A site's binding key: a bearer token, on the site-facing API (/api/site/…) only.

Read-only administrators may only read: the REST API refuses their changes with 403,
the pages likewise.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request

from engine.errors import Forbidden, Unauthorized
from engine.webapi import bearer_token

from .store import ConsoleStore
from .views import AdminView

SESSION_COOKIE = "synceng_session"
#: the login form's own cookie, set when the form is served: its CSRF token is bound to
#: it, as the other forms' are to the session (there is no session yet)
LOGIN_COOKIE = "synceng_login"
READ_ONLY = "read-only administrators cannot change anything"


class ConsoleAuth:
    def __init__(self, store: ConsoleStore) -> None:
        self.store = store

    @staticmethod
    def secret(bearer: bool = True) -> str:
        """The administrator's credential: the bearer token, else the session cookie.
        Pages (``bearer=False``) read the cookie only: a browser sends no bearer token."""
        token = (bearer_token() or "") if bearer else ""
        return token or request.cookies.get(SESSION_COOKIE, "")

    def administrator(self, bearer: bool = True) -> AdminView | None:
        """The administrator the request comes from, if its credential is valid now."""
        secret = self.secret(bearer)
        return self.store.admin_for(secret) if secret else None

    @staticmethod
    def may_change(admin: AdminView) -> None:
        if admin["role"] != "admin":
            raise Forbidden("role", READ_ONLY)

    def site(self) -> int:
        """The site whose binding key the request carries."""
        key = bearer_token() or ""
        if not key:
            raise Unauthorized("Authorization", "a site binding key is required (Authorization: Bearer …)")
        site_id = self.store.site_for_key(key)
        if site_id is None:
            raise Unauthorized("Authorization", "no site is registered with this binding key")
        return site_id

    def __call__(self, level: str) -> Any:
        """The REST API's authentication of a route's level: public, read, write or site."""
        if level == "public":
            return None
        if level == "site":
            return self.site()
        admin = self.administrator()
        if admin is None:
            raise Unauthorized("Authorization", "log in (POST /api/session) or send an API token")
        if level == "write":
            self.may_change(admin)
        return admin


def set_cookie(response: Response, name: str, value: str, path: str = "/") -> None:
    """Every cookie the console sets: out of scripts' reach (HttpOnly), not sent with
    another site's form posts (SameSite=Lax), and only over HTTPS when the deployment
    says it serves HTTPS (``SESSION_COOKIE_SECURE``: serve console --secure-cookies)."""
    response.set_cookie(name, value, path=path, httponly=True, samesite="Lax", secure=_secure())


def clear_cookie(response: Response, name: str, path: str = "/") -> None:
    response.delete_cookie(name, path=path, httponly=True, samesite="Lax", secure=_secure())


def _secure() -> bool:
    return bool(current_app.config.get("SESSION_COOKIE_SECURE", False))


#: the REST API's security schemes, and which satisfy each level of its routes
SECURITY = {
    "bearer": {"type": "http", "scheme": "bearer"},
    "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
}
AUTH_SCHEMES = {"read": ["bearer", "session"], "write": ["bearer", "session"], "site": ["bearer"]}

__all__ = [
    "AUTH_SCHEMES",
    "LOGIN_COOKIE",
    "READ_ONLY",
    "SECURITY",
    "SESSION_COOKIE",
    "ConsoleAuth",
    "clear_cookie",
    "set_cookie",
]
