"""The administration API's answers are what its OpenAPI document says (issue 11 item 3):
every operation of the administration resources declares a success schema, each a
closed object (a key the schema does not name is refused), and a scripted walk
through the REST API — sites, schedules, definitions, the directory lookup, tasks
with every group kind, their progress and log, changes and removals (T1, T2, R9) —
gets answers that validate against the very document the console serves."""

from __future__ import annotations

import re
from typing import Any

import jsonschema_rs
import pytest

from engine.console.wiring import Platform

from .conftest import ADMIN, PASSWORD, Caller, Reply, Site, acknowledge, register_site

#: the resources of the administration API (the site API under /api/site/ has its own)
ADMIN_TAGS = {"auth", "sites", "schedules", "definitions", "directory", "tasks", "meta"}
#: a day only some months have (the request schema's own pattern stops at the 28th)
LATE_IN_MONTH = "2026-03-30T22:30"


def admin_operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(method, path template) → operation, for the administration resources."""
    return {
        (method.upper(), path): operation
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if set(operation["tags"]) & ADMIN_TAGS
    }


def success_schema(operation: dict[str, Any]) -> dict[str, Any]:
    (status,) = [code for code in operation["responses"] if code.startswith("2")]
    schema: dict[str, Any] = operation["responses"][status]["content"]["application/json"]["schema"]
    return schema


class CheckedAdmin:
    """An administrator's calls whose successful answers are each validated against the
    success schema of the operation the console's own document gives for them."""

    def __init__(self, caller: Caller, document: dict[str, Any]) -> None:
        self.caller = caller
        self.components = document["components"]
        self.operations = admin_operations(document)
        self.validated: set[tuple[str, str]] = set()

    def operation_of(self, method: str, path: str) -> tuple[str, str]:
        bare = path.split("?", 1)[0]
        for key in self.operations:
            pattern = re.sub(r"\{\w+\}", "[^/]+", key[1])
            if key[0] == method and re.fullmatch(pattern, bare):
                return key
        raise AssertionError(f"{method} {path} is not an operation of the administration API")

    def validator(self, key: tuple[str, str]) -> Any:
        schema = {**success_schema(self.operations[key]), "components": self.components}
        return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)

    def ok(self, method: str, path: str, json: Any = None, status: int = 200) -> Any:
        reply: Reply = self.caller.call(method, path, json=json)
        assert reply.status == status, (method, path, reply.status, reply.body)
        key = self.operation_of(method, path)
        errors = [
            f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in self.validator(key).iter_errors(reply.body)
        ]
        assert not errors, (method, path, errors, reply.body)
        self.validated.add(key)
        return reply.body


@pytest.fixture
def document(anonymous: Caller) -> dict[str, Any]:
    served: dict[str, Any] = anonymous.ok("GET", "/api/openapi.json")
    return served


def test_every_administration_operation_declares_a_closed_success_schema(document: dict[str, Any]) -> None:
    operations = admin_operations(document)
    assert len(operations) >= 24
    schemas = document["components"]["schemas"]
    for (method, path), operation in operations.items():
        schema = success_schema(operation)
        assert schema, f"{method} {path} has no success schema"
        if path == "/api/openapi.json":
            continue  # an OpenAPI document: its parts are the OpenAPI specification's
        name = schema["$ref"].rsplit("/", 1)[-1]
        assert schemas[name]["type"] == "object", name
        assert schemas[name]["additionalProperties"] is False, f"{method} {path}: {name} takes keys it does not name"


def test_an_answer_with_a_key_its_schema_does_not_name_is_refused(
    admin: Caller, document: dict[str, Any], site: Site
) -> None:
    """The check the walk relies on can fail: a view that grew a key is caught."""
    checked = CheckedAdmin(admin, document)
    answer = checked.ok("GET", f"/api/sites/{site.id}")
    validator = checked.validator(("GET", "/api/sites/{site_id}"))
    assert validator.is_valid(answer)
    assert not validator.is_valid({**answer, "key_hash": "x"})
    assert not validator.is_valid({**answer, "ews": {**answer["ews"], "password": "secret"}})
    assert not validator.is_valid({key: value for key, value in answer.items() if key != "last_active"})


def test_a_walk_through_the_administration_api_gets_the_answers_its_document_states(
    platform: Platform, admin: Caller, anonymous: Caller, document: dict[str, Any]
) -> None:
    api = CheckedAdmin(admin, document)

    # sites: register (the key once), list, read, change; a heartbeat makes one Active
    registered = api.ok(
        "POST",
        "/api/sites",
        {
            "code": "LON",
            "time_zone": "Europe/London",
            "ews": {"endpoint": "https://mail.contoso.example/EWS/Exchange.asmx", "password": "pw"},
        },
        status=201,
    )
    site_id = registered["site"]["id"]
    key = registered["binding_key"]
    assert platform.archive is not None
    site = Site(site_id, "LON", key, admin.as_(key), Caller(platform.archive.test_client(), key))
    site.console.ok("POST", "/api/site/heartbeat", {"engine_version": "2.7.1", "host_os": "Windows Server 2022"})
    assert api.ok("GET", f"/api/sites/{site_id}")["status"] == "Active"
    api.ok("PATCH", f"/api/sites/{site_id}", {"description": "London", "enabled": True})
    register_site(admin, platform, "PAR")  # never heard from: Inactive, no last_active
    assert [s["status"] for s in api.ok("GET", "/api/sites")["sites"]] == ["Active", "Inactive"]

    # schedules of every kind (a one-off late in a month too) and definitions of every type
    schedules = [
        api.ok("POST", "/api/schedules", {"name": name, "spec": spec}, status=201)
        for name, spec in [
            ("Nightly", {"kind": "daily", "times": {"mode": "once", "start": "02:00"}}),
            (
                "Office hours",
                {
                    "kind": "weekly",
                    "weekdays": ["monday", "friday"],
                    "times": {"mode": "many", "start": "08:00", "end": "18:00", "interval_minutes": 60},
                },
            ),
            ("Once", {"kind": "one_off", "at": LATE_IN_MONTH}),
        ]
    ]
    definitions = [
        api.ok("POST", "/api/definitions", {"name": name, "spec": spec}, status=201)
        for name, spec in [
            (
                "All folders",
                {
                    "type": "mfr",
                    "exclude_deleted_items": True,
                    "full_sync_exclusion_windows": [{"weekday": "sunday", "start": "01:00", "end": "05:00"}],
                },
            ),
            ("Calendars", {"type": "calendar", "include": "all"}),
            ("Old mail", {"type": "msm", "action": "attachment_stub", "older_than_days": 365, "min_size_kb": 100}),
            (
                "Retention",
                {
                    "type": "managed_folders",
                    "default_policy": {"expire_view": {"lifespan_days": 30}},
                    "well_known_policies": {
                        "inbox": {"exchange_delete": {"action": "soft_delete", "lifespan_days": 90}}
                    },
                    "managed_folders": [{"name": "Projects", "policy": {"archive_purge": {"lifespan_days": 400}}}],
                },
            ),
        ]
    ]
    api.ok("GET", "/api/schedules")
    api.ok("GET", f"/api/schedules/{schedules[0]['id']}")
    api.ok("GET", "/api/definitions")
    api.ok("GET", "/api/definitions?type=msm")
    api.ok("GET", f"/api/definitions/{definitions[0]['id']}")

    # the directory copy the site uploads, looked up
    dn = "CN=Finance,OU=Groups,DC=contoso,DC=example"
    site.console.ok(
        "POST",
        "/api/site/directory",
        {
            "groups": [
                {"id": "g1", "name": "Finance", "dn": dn, "mail": "finance@contoso.example", "kind": "security"},
                {"id": "g2", "name": "Sales"},
            ],
            "users": [],
        },
    )
    assert len(api.ok("GET", "/api/directory/groups")["groups"]) == 2
    assert api.ok("GET", f"/api/directory/groups?q=fin&site_id={site_id}")["groups"][0]["dn"] == dn

    # tasks: one of each group kind, over every type of definition
    groups = [
        {"kind": "ad_security_group", "dn": dn, "chosen_by": "lookup"},
        {"kind": "o365_group", "address": "team@contoso.example"},
        {"kind": "single_mailbox", "address": "alice@contoso.example"},
        {"kind": "mailbox_list", "addresses": "bob@contoso.example; carol@contoso.example"},
    ]
    tasks = [
        api.ok(
            "POST",
            "/api/tasks",
            {
                "site_id": site_id,
                "type": definition["spec"]["type"],
                "definition_id": definition["id"],
                "schedule_id": schedule["id"],
                "group": group,
            },
            status=201,
        )
        for definition, schedule, group in zip(definitions, [*schedules, schedules[0]], groups, strict=True)
    ]
    first = tasks[0]["id"]
    assert {t["information"]["status"] for t in api.ok("GET", "/api/tasks")["tasks"]} == {"Pending"}
    acknowledge(site)
    site.console.ok("POST", "/api/site/progress", {"task_id": first, "status": "Running", "command": "sync alice"})
    running = api.ok("GET", f"/api/tasks/{first}")
    assert running["information"]["status"] == "Running" and running["information"]["sequence"] is not None
    site.console.ok(
        "POST",
        "/api/site/progress",
        {
            "task_id": first,
            "status": "Completed",
            "sequence": 3,
            "mailboxes": [
                {"mailbox": "alice@contoso.example", "result": "Success", "items": 42},
                {"mailbox": "bob@contoso.example", "result": "Warning", "reason": "a folder was skipped"},
            ],
        },
    )
    site.console.ok("POST", "/api/site/log", {"task_id": first, "lines": ["MMS task completed"]})
    detail = api.ok("GET", f"/api/tasks/{first}")
    assert len(detail["mailboxes"]) == 2 and detail["log"]
    for task in tasks[1:]:
        assert api.ok("GET", f"/api/tasks/{task['id']}")["mailboxes"] == []
    api.ok("GET", "/api/tasks")
    api.ok("GET", f"/api/tasks?site_id={site_id}&type=mfr&status=Pending")
    api.ok("GET", "/api/activity?limit=5")

    # changes (T1, T2) and the objects they name
    changed = api.ok("PATCH", f"/api/tasks/{first}", {"schedule_id": schedules[1]["id"]})
    assert changed["information"]["status"] == "Pending"
    api.ok("PUT", f"/api/schedules/{schedules[0]['id']}", {"name": "Nightly", "spec": schedules[0]["spec"]})
    api.ok("PUT", f"/api/definitions/{definitions[1]['id']}", {"name": "Calendars", "spec": {"type": "calendar"}})

    # removals: a task (R9, the archive resets its Full Views), then what no task uses
    removed = api.ok("DELETE", f"/api/tasks/{first}?confirm=true")
    assert removed["archive_reset"] == "done"
    unused = api.ok("POST", "/api/schedules", {"name": "Spare", "spec": schedules[0]["spec"]}, status=201)
    api.ok("DELETE", f"/api/schedules/{unused['id']}")
    spare = api.ok("POST", "/api/definitions", {"name": "Spare", "spec": {"type": "mfr"}}, status=201)
    api.ok("DELETE", f"/api/definitions/{spare['id']}")

    # credentials: an API token, a new session, the end of a session
    api.ok("POST", "/api/tokens", {"name": "nightly export"}, status=201)
    session = CheckedAdmin(anonymous, document)
    token = session.ok("POST", "/api/session", {"email": ADMIN, "password": PASSWORD}, status=201)["token"]
    logout = CheckedAdmin(anonymous.as_(token), document)
    logout.ok("DELETE", "/api/session")
    api.validated |= session.validated | logout.validated

    api.ok("GET", "/api/openapi.json")
    # every operation of the administration API had a real answer checked
    assert api.validated == set(api.operations), set(api.operations) - api.validated
