"""Exchange Services: the dashboard of sites, schedules, definitions, the latest tasks
and their activity."""

from __future__ import annotations

from typing import Any

from ..context import ConsoleContext
from .base import Pages, choices, render

pages = Pages()


@pages.route("/exchange-services")
def dashboard(console: ConsoleContext, admin: dict[str, Any]) -> str:
    store = console.store
    tasks = store.tasks()
    return render(
        "dashboard.html",
        admin,
        **choices(console),
        tasks=tasks[-10:],
        live_tasks={t["id"] for t in tasks},  # a removed task's lines are shown, not linked
        activity=store.recent_activity(15),
        now=store.now(),  # "last active 3 min ago", by the console's clock
    )
