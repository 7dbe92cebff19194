"""The wire types (issue 11 item 3): every answer of the site API and of the archive is
documented with its schema, both ends use the same types, and a configuration a site
cannot run is refused whole with the faulty field named."""

from __future__ import annotations

import copy
import random
import re
from typing import Any

import pytest

from engine.archive.routes import RESOURCES as ARCHIVE_RESOURCES
from engine.clock import ManualClock
from engine.console.routes import site_api
from engine.console.wiring import build_platform
from engine.wire.site_console import MalformedConfig, SiteConfig, parse_config


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    platform = build_platform("sqlite://", "sqlite://", ManualClock(), random.Random(1), None)
    assert platform.archive is not None
    return {
        "console": platform.console.test_client().get("/api/openapi.json").get_json(),
        "archive": platform.archive.test_client().get("/api/openapi.json").get_json(),
    }


def success_schemas(document: dict[str, Any], prefix: str = "/api/") -> dict[str, Any]:
    found = {}
    for path, operations in document["paths"].items():
        if not path.startswith(prefix):
            continue
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith("2"):
                    found[f"{method.upper()} {path} {status}"] = response["content"]["application/json"]["schema"]
    return found


def test_every_answer_of_the_site_api_and_of_the_archive_has_its_schema(documents: dict[str, Any]) -> None:
    site_api_answers = success_schemas(documents["console"], "/api/site/")
    archive_answers = success_schemas(documents["archive"])
    assert len(site_api_answers) == 6 and len(archive_answers) >= 17
    undocumented = [op for op, schema in {**site_api_answers, **archive_answers}.items() if not schema]
    assert undocumented == []
    schemas = documents["console"]["components"]["schemas"]
    assert set(schemas["SiteConfig"]["required"]) == {"version", "site", "tasks", "archive_url"}
    task = schemas["SiteTask"]
    assert set(task["required"]) >= {"id", "created", "type", "schedule", "definition", "group", "changed_version"}
    # a task's specs are documented as the console's own models, not as any object
    assert task["properties"]["schedule"]["discriminator"]["propertyName"] == "kind"
    assert documents["archive"]["components"]["schemas"]["Submitted"]["required"] == ["applied", "sequence"]


def test_both_ends_declare_the_wire_types() -> None:
    """The routes validate bodies and declare answers with engine.wire (or engine.model's
    Progress), the types the site and the console's archive client use."""
    routes = [route for resource in (*ARCHIVE_RESOURCES, site_api.routes) for route, _ in resource.declared]
    assert len(routes) >= 22
    for route in routes:
        assert route.answer is not None and route.answer.__module__.startswith("engine.wire."), route.path
        if route.body is not None:
            assert route.body.__module__ in ("engine.model",) or route.body.__module__.startswith("engine.wire."), (
                route.path
            )


CONFIG: dict[str, Any] = {
    "version": 3,
    "site": {
        "id": 1,
        "code": "LON",
        "enabled": True,
        "time_zone": "Europe/London",
        "directory_type": "active_directory",
        "ews": {
            "endpoint": "https://ex.example/EWS",
            "service_account": "svc",
            "password": None,
            "impersonation": True,
        },
    },
    "tasks": [
        {
            "id": 7,
            "created": "2026-03-02T09:00:00+00:00",
            "type": "mfr",
            "log_code": "MFR",
            "schedule": {"kind": "daily", "times": {"mode": "once", "start": "02:00"}},
            "definition": {"type": "mfr"},
            "group": {"kind": "single_mailbox", "address": "alice@contoso.example"},
            "changed_version": 2,
        }
    ],
    "archive_url": "http://platform.example/archive",
}


def test_a_sound_configuration_is_taken_with_its_specs_as_sent() -> None:
    config: SiteConfig = parse_config(copy.deepcopy(CONFIG))
    assert config == CONFIG
    # the specs stay as the console sent them (no defaults added): the site compares
    # them and keys a one-off's flag by them
    assert config["tasks"][0]["definition"] == {"type": "mfr"}


def broken(change: Any) -> dict[str, Any]:
    config = copy.deepcopy(CONFIG)
    change(config)
    return config


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda c: c["tasks"][0]["schedule"].pop("kind"), "tasks.0.schedule"),
        (lambda c: c["tasks"][0]["schedule"].update(kind="hourly"), "tasks.0.schedule"),
        (lambda c: c["tasks"][0]["definition"].update(exclude_everything=True), "tasks.0.definition"),
        (lambda c: c["tasks"][0]["group"].update(kind="everyone"), "tasks.0.group"),
        (lambda c: c["tasks"][0].pop("created"), "tasks.0.created"),
        (lambda c: c["site"].pop("ews"), "site.ews"),
        (lambda c: c.update(version="three"), "version"),
        (lambda c: c.pop("tasks"), "tasks"),
    ],
)
def test_a_malformed_configuration_is_refused_naming_the_field(change: Any, field: str) -> None:
    with pytest.raises(MalformedConfig, match=rf"malformed at {re.escape(field)}\b"):
        parse_config(broken(change))


def test_a_configuration_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(MalformedConfig, match="malformed"):
        parse_config(["version", 3])
