"""Administrators' credentials: log in (a session), log out, API tokens for scripts."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, make_response, request
from pydantic import Field

from engine.webapi import Resource, StrictBody

from ..auth import SESSION_COOKIE, clear_cookie, set_cookie
from ..context import ConsoleContext
from ..views import AdminView, LoggedIn, LoggedOut, TokenCreated

routes: Resource[ConsoleContext] = Resource("auth")


class LoginIn(StrictBody):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class TokenIn(StrictBody):
    name: str = Field(min_length=1, max_length=120)


@routes.route(
    "POST",
    "/api/session",
    auth="public",
    body=LoginIn,
    status=201,
    responses={
        401: "Wrong email or password",
        429: "Too many failed logins of late with this email or from this address: refused, right or wrong,"
        " for the seconds the Retry-After header gives",
    },
    answer=LoggedIn,
)
def login(console: ConsoleContext, _: Any, body: LoginIn) -> Response:
    """Log in: a session token (also set as a cookie)"""
    token, admin = console.store.login(body.email, body.password, request.remote_addr or "")
    response = make_response(jsonify(LoggedIn(token=token, admin=admin)), 201)
    set_cookie(response, SESSION_COOKIE, token)
    return response


@routes.route("DELETE", "/api/session", auth="read", answer=LoggedOut)
def logout(console: ConsoleContext, _: Any) -> Response:
    """Log out"""
    console.store.logout(console.auth.secret())
    response = make_response(jsonify(LoggedOut(ok=True)))
    clear_cookie(response, SESSION_COOKIE)
    return response


@routes.route("POST", "/api/tokens", auth="write", body=TokenIn, status=201, answer=TokenCreated)
def create_token(console: ConsoleContext, admin: AdminView, body: TokenIn) -> TokenCreated:
    """Create an API token for scripts (shown once)"""
    return TokenCreated(token=console.store.create_api_token(admin["id"], body.name), name=body.name)
