"""Sites: the list, enable/disable, and registering one (its binding key is shown once)."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for

from engine.errors import DomainError
from engine.model import SiteChange

from ..context import ConsoleContext
from .base import Pages, render
from .forms import site_from_form

pages = Pages()


@pages.route("/sites", methods=["GET", "POST"])
def sites(console: ConsoleContext, admin: dict[str, Any]) -> Any:
    error, key, registered = None, None, None
    form = request.form
    if request.method == "POST":
        try:
            if form.get("toggle"):
                console.store.change_site(int(form["toggle"]), SiteChange(enabled=form.get("enabled") == "true"))
                return redirect(url_for("pages.sites"))
            registered, key = console.flows.register_site(site_from_form(form))
        except DomainError as exc:
            error = exc
    page = render(
        "sites.html",
        admin,
        sites=console.store.sites(),
        error=error,
        key=key,
        registered=registered,
        form=form if error else {},  # a refused form keeps what was typed (never the password)
        now=console.store.now(),  # "last active 3 min ago", by the console's clock
    )
    return page, 400 if error else 200
