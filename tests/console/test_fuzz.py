"""API fuzzing from the OpenAPI documents (schemathesis): whatever the console or the
archive is sent — valid or not, authenticated as an administrator, a site, or not at
all — it never answers 5xx, answers only with the status codes its document lists
(a 405 with ``Allow``), answers every operation with the body its schema states
(issue 11 item 3: engine/console/views.py and engine/wire), and accepts what its
document says is valid: a request the
schema allows is refused only by the cross-field rules the schemas' descriptions
state (T5's times, a window's order, attachment criteria, unique folder names and
directory ids).
Every operation is driven over a populated platform, with valid and with invalid
input; the examples are derandomized (see tests/conftest.py) so runs repeat."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    allow_header_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from engine.console.wiring import Platform

from .conftest import ADMIN, Caller, Site, create_definition, create_schedule, task_body

#: examples per operation and mode: fewer on PostgreSQL, which sees what SQLite lets
#: through (a text too long for its column, an integer past 32 bits) in its first cases
EXAMPLES = {"sqlite": 15, "postgresql": 6}
CHECKS = [not_a_server_error, status_code_conformance, allow_header_conformance]


@pytest.fixture
def populated(platform: Platform, admin: Caller, site: Site) -> dict[str, str]:
    """A console with something in every table, and the credentials to reach it."""
    schedule = create_schedule(admin)
    definition = create_definition(admin)
    admin.ok("POST", "/api/tasks", task_body(site, schedule, definition), status=201)
    admin_row = platform.console_store.admin_for(admin.token or "")
    assert admin_row is not None and admin_row["email"] == ADMIN
    site.archive.ok(
        "POST",
        "/api/submissions",
        {
            "task_id": 1,
            "mailbox": "alice@contoso.example",
            "batch_id": "b1",
            "folders": [{"id": "inbox", "name": "Inbox"}],
            "placements": [{"item": "x", "folder_id": "inbox"}],
            "complete": True,
        },
    )
    return {
        # an API token: a fuzzed DELETE /api/session must not log the fuzzer out
        "admin": platform.console_store.create_api_token(admin_row["id"], "fuzz"),
        "site": site.key,
        "archive_admin": platform.archive_token,
    }


#: the rules no JSON Schema can state (they compare two values), each in its model's
#: description: a schema-valid request may be refused by these, and by nothing else
CROSS_FIELD = re.compile(
    r"^spec\.(daily|weekly)\.times$"  # T5: end after start, interval within the span
    r"|^spec\.mfr\.full_sync_exclusion_windows\.\d+$"  # R7: a window ends after it starts
    r"|^spec\.msm$"  # attachment criteria only for the attachment actions
    r"|^spec\.managed_folders\.managed_folders$"  # managed folder names unique
    r"|^(groups|users)$"  # a directory upload names each id once
)


def operations(app: Any) -> list[Any]:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    schema.config.generation.update(allow_x00=False)  # the documents say no text holds NUL
    return [result.ok() for result in schema.get_all_operations()]


def fuzz(
    operation: Any,
    mode: GenerationMode,
    credentials: Callable[[Any], list[str]],
    checks: list[Any] = CHECKS,
    examples: int = EXAMPLES["sqlite"],
) -> None:
    """Drive one operation with generated cases: below 500, a documented status (with
    its schema's body, when ``checks`` say so), and a valid request accepted unless a
    stated cross-field rule refused it."""

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        for credential in credentials(case):
            response = case.call(headers={"Authorization": credential})
            case.validate_response(response, checks=checks)
            if mode == GenerationMode.POSITIVE and response.status_code in (400, 422) and credential:
                field = response.json()["error"]["field"]
                assert CROSS_FIELD.match(field), (case.method, case.path, case.body, response.text)

    run()


MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_console_api_never_answers_5xx(platform: Platform, populated: dict[str, str], mode: GenerationMode) -> None:
    examples = EXAMPLES[platform.console_store.engine.dialect.name]

    def credentials(case: Any) -> list[str]:
        key = populated["site"] if case.path.startswith("/api/site/") else populated["admin"]
        return [f"Bearer {key}", ""]

    found = operations(platform.console)
    assert len(found) >= 30
    for operation in found:
        fuzz(operation, mode, credentials, [*CHECKS, response_schema_conformance], examples)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_archive_api_never_answers_5xx(platform: Platform, populated: dict[str, str], mode: GenerationMode) -> None:
    examples = EXAMPLES[platform.console_store.engine.dialect.name]
    assert platform.archive is not None
    keys = [f"Bearer {populated['site']}", f"Bearer {populated['archive_admin']}"]
    found = operations(platform.archive)
    assert len(found) >= 14
    for operation in found:
        fuzz(operation, mode, lambda case: keys, [*CHECKS, response_schema_conformance], examples)
