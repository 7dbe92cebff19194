"""A scenario is checked with the console's own rules: its sites, schedules,
definitions and tasks, and then the administrator's timeline, are replayed through an
in-memory console's REST API before anything runs (architecture promise 6: the rules
are written once).  The first refusal names the scenario element it came from."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from engine.clock import ManualClock
from engine.console.wiring import build_platform

from .spec import AdminAction, GroupRef, Scenario, TaskSpec, parse_offset

Loc = tuple[Any, ...]
#: a task field the console names → the scenario's field
TASK_FIELDS = {"site_id": "site", "definition_id": "definition", "schedule_id": "schedule", "type": "type"}


class Refused(Exception):
    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


def placeholder_group(ref: GroupRef) -> dict[str, Any]:
    """What the console would be given for a group shorthand (the tenant resolves the
    real members at run time; the kind is what the console's rules look at)."""
    if ref.target is not None:
        return ref.target.model_dump(mode="json")
    if ref.directory_group is not None:
        if ref.directory_group.kind == "security":
            return {"kind": "ad_security_group", "dn": "CN=Group,OU=Groups,DC=scenario,DC=example"}
        return {"kind": "o365_group", "address": "group@scenario.example"}
    return {"kind": "mailbox_list", "addresses": ["someone@scenario.example"]}


class ConsoleReplay:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        platform = build_platform(
            "sqlite://", None, ManualClock(datetime(2024, 1, 1, tzinfo=UTC)), random.Random(0), None
        )
        store = platform.console_store
        admin = store.create_admin("checker@scenario.example", "scenario-check")
        self.token = store.create_api_token(admin["id"], "scenario check")
        self.client = platform.console.test_client()
        self.ids: dict[str, dict[str, int]] = {"site": {}, "schedule": {}, "definition": {}, "task": {}}

    def call(self, method: str, path: str, body: Any, loc: Loc, fields: dict[str, str] | None = None) -> Any:
        reply = self.client.open(path, method=method, json=body, headers={"Authorization": f"Bearer {self.token}"})
        if reply.status_code < 400:
            return reply.get_json()
        error = (reply.get_json(silent=True) or {}).get("error") or {}
        parts = [p for p in str(error.get("field", "")).split(".") if p]
        if parts and fields and parts[0] in fields:
            parts = [fields[parts[0]], *parts[1:]]  # the console's name of the field → the scenario's
        raise Refused((*loc, *parts), str(error.get("message") or reply.status))

    def run(self) -> None:
        s = self.scenario
        for n, site in enumerate(s.sites):
            body: dict[str, Any] = {
                "code": site.code,
                "time_zone": site.time_zone,
                "engine_version": site.engine_version,
            }
            self.ids["site"][site.code] = self.call("POST", "/api/sites", body, ("sites", n))["site"]["id"]
        for n, schedule in enumerate(s.schedules):
            body = {"name": schedule.name, "spec": schedule.spec.model_dump(mode="json")}
            self.ids["schedule"][schedule.name] = self.call("POST", "/api/schedules", body, ("schedules", n))["id"]
        for n, definition in enumerate(s.definitions):
            body = {"name": definition.name, "spec": definition.spec.model_dump(mode="json")}
            self.ids["definition"][definition.name] = self.call("POST", "/api/definitions", body, ("definitions", n))[
                "id"
            ]
        for n, task in enumerate(s.tasks):
            self.create(task, ("tasks", n))
        timeline = sorted(enumerate(s.admin), key=lambda pair: parse_offset(pair[1].at))
        for n, action in timeline:
            self.perform(action, ("admin", n))

    def create(self, task: TaskSpec, loc: Loc) -> None:
        body: dict[str, Any] = {
            "site_id": self.ids["site"][task.site],
            "type": task.type,
            "definition_id": self.ids["definition"][task.definition],
            "schedule_id": self.ids["schedule"][task.schedule],
            "group": placeholder_group(task.group),
        }
        self.ids["task"][task.name] = self.call("POST", "/api/tasks", body, loc, {**TASK_FIELDS, "group": "group"})[
            "id"
        ]

    def perform(self, action: AdminAction, loc: Loc) -> None:
        ids = self.ids
        if action.action in ("change_definition", "change_schedule"):
            what = "definition" if action.action == "change_definition" else "schedule"
            name = action.definition if what == "definition" else action.schedule
            if name not in ids[what]:
                raise Refused((*loc, what), f"no {what} named {name!r}")
            body = {"name": name, "spec": action.spec}
            self.call("PUT", f"/api/{what}s/{ids[what][name]}", body, loc, {"name": what, "spec": "spec"})
        elif action.action in ("change_task", "delete_task"):
            if action.task not in ids["task"]:
                raise Refused((*loc, "task"), f"no task named {action.task!r} at that time")
            task_id = ids["task"][action.task]
            if action.action == "delete_task":
                self.call("DELETE", f"/api/tasks/{task_id}?confirm=true", None, loc, {})
                del ids["task"][action.task]
                return
            change: dict[str, int] = {}
            for what in ("schedule", "definition"):
                name = getattr(action, what)
                if name is not None:
                    if name not in ids[what]:
                        raise Refused((*loc, what), f"no {what} named {name!r}")
                    change[f"{what}_id"] = ids[what][name]
            self.call("PATCH", f"/api/tasks/{task_id}", change, loc, TASK_FIELDS)
        elif action.action == "create_task":
            assert action.new_task is not None
            if action.new_task.name in ids["task"]:
                raise Refused((*loc, "new_task", "name"), f"a task named {action.new_task.name!r} exists then")
            for what, known in (("site", "site"), ("definition", "definition"), ("schedule", "schedule")):
                if getattr(action.new_task, what) not in ids[known]:
                    raise Refused((*loc, "new_task", what), f"no {what} named {getattr(action.new_task, what)!r}")
            self.create(action.new_task, (*loc, "new_task"))
        elif action.action in ("disable_site", "enable_site"):
            if action.site not in ids["site"]:
                raise Refused((*loc, "site"), f"no site named {action.site!r}")
            enabled = {"enabled": action.action == "enable_site"}
            self.call("PATCH", f"/api/sites/{ids['site'][action.site]}", enabled, loc, {})


def console_refusal(scenario: Scenario) -> Refused | None:
    """The first thing the console would refuse, or None."""
    try:
        ConsoleReplay(scenario).run()
    except Refused as refused:
        return refused
    return None


__all__ = ["Refused", "console_refusal", "placeholder_group"]
